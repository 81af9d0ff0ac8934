//! Critical batch size that scales with data (Zhang et al. 2024, "How Does Critical Batch Size
//! Scale in Pre-training?", arXiv:2410.21676), fitted to a user's own measurements.
//!
//! The claim this module relies on, from the paper's abstract (arxiv.org/html/2410.21676v4):
//! "we propose a measure of CBS and pre-train a series of auto-regressive language models,
//! ranging from 85 million to 1.2 billion parameters, on the C4 dataset. … Then we fit scaling
//! laws with respect to model and data sizes to decouple their effects. Overall, our results
//! demonstrate that CBS scales primarily with data size rather than model size". Their fitted
//! prefactors and exponents could not be read in a primary source here (only secondary notes
//! that disagree on the exponent), so none are used: the law B_crit = a·D^q — and, when the
//! measurements give N too, B_crit = a·N^p·D^q, which says whether the batch follows the data
//! or the model — is fitted by least squares in logarithms to the pairs a user pastes.

use std::fmt;

use crate::core::runs::{self, Rule};
use crate::core::units::format_sig;

/// The most measurements a table may hold (the fit is a 3 × 3 solve; the bound is the table's).
pub const MAX_POINTS: usize = 10_000;

/// One measured critical batch size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CbsPoint {
    /// Training tokens D of the run it was measured on.
    pub d: f64,
    /// Parameters N, when the table gives them.
    pub n: Option<f64>,
    /// The critical batch size (in the table's unit: tokens or sequences).
    pub batch: f64,
}

/// What is wrong with a table of critical batch sizes, or with fitting it.
#[derive(Debug, Clone, PartialEq)]
pub enum CbsError {
    /// The table could not be read.
    Table(runs::TableError),
    /// A column it needs is missing; the headers found.
    Columns(Vec<String>),
    /// Rows that are not usable (each with its row and column).
    BadRows {
        /// The first few problems.
        rows: Vec<runs::RowError>,
        /// How many rows are bad.
        count: usize,
    },
    /// Too few measurements, or too little spread in D, to fit an exponent.
    TooFew {
        /// Measurements given.
        got: usize,
    },
    /// More measurements than [`MAX_POINTS`].
    TooMany(usize),
}

impl fmt::Display for CbsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table(e) => write!(f, "{e}"),
            Self::Columns(headers) => write!(
                f,
                "the measurements need columns D (training tokens) and batch (the critical batch size), and optionally N (parameters); the headers are {}",
                runs::list_names(headers)
            ),
            Self::BadRows { rows, count } => f.write_str(&runs::summarize_bad_rows(rows, *count, 3)),
            Self::TooFew { got } => write!(
                f,
                "fitting B_crit = a·D^q needs at least 3 measurements at 2 or more different D (got {got})"
            ),
            Self::TooMany(n) => write!(f, "{n} measurements: at most {MAX_POINTS} are fitted"),
        }
    }
}

impl std::error::Error for CbsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Table(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads measurements: columns D (or tokens), batch (or B, CBS, critical batch) and optionally N.
///
/// # Errors
/// An unreadable table, a missing column, bad rows (with row and column), too many rows.
pub fn read_points(text: &str) -> Result<Vec<CbsPoint>, CbsError> {
    let table = runs::parse_table(text).map_err(CbsError::Table)?;
    let col = |aliases: &[&str]| runs::pick_column(&table.headers, "", aliases).map_err(CbsError::Table);
    let d = col(&["D", "tokens", "data", "training tokens", "data size"])?;
    let b = col(&["batch", "B", "CBS", "critical batch", "critical batch size", "B_crit", "bcrit"])?;
    let n = col(&["N", "params", "parameters", "model size"])?;
    let (Some(d), Some(b)) = (d, b) else {
        return Err(CbsError::Columns(table.headers.clone()));
    };
    let mut columns = vec![(d, Rule::Positive), (b, Rule::Positive)];
    if let Some(n) = n {
        columns.push((n, Rule::Positive));
    }
    let read = runs::read_numeric(&table, &columns, None);
    if read.bad_row_count > 0 {
        return Err(CbsError::BadRows { rows: read.bad_rows, count: read.bad_row_count });
    }
    if read.rows.len() > MAX_POINTS {
        return Err(CbsError::TooMany(read.rows.len()));
    }
    Ok(read.rows.iter().map(|r| CbsPoint { d: r.values[0], batch: r.values[1], n: r.values.get(2).copied() }).collect())
}

/// A fitted power law of the critical batch size: ln B = ln a + p·ln N + q·ln D (p = 0 when the
/// fit is in D alone).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CbsFit {
    /// The prefactor a (batch units per token^q, per parameter^p).
    pub a: f64,
    /// The exponent of D.
    pub q: f64,
    /// Its standard error.
    pub q_se: f64,
    /// The exponent of N and its standard error, when fitted.
    pub p: Option<(f64, f64)>,
    /// Residual standard deviation of ln B.
    pub sigma: f64,
    /// Measurements fitted.
    pub points: usize,
    /// ln of the smallest and largest D fitted.
    pub ln_d_range: (f64, f64),
    /// (XᵀX)⁻¹ of the regression, for intervals of a prediction.
    cov: [[f64; 3]; 3],
}

impl CbsFit {
    /// The predicted critical batch size at (N, D) and a 95 % interval of the law's value there
    /// (normal quantile on ln B; `n` is ignored by a fit in D alone).
    pub fn at(&self, n: f64, d: f64) -> (f64, (f64, f64)) {
        let ln_n = if self.p.is_some() { n.ln() } else { 0.0 };
        let x = [1.0, d.ln(), ln_n];
        let dim = if self.p.is_some() { 3 } else { 2 };
        let ln_b = self.a.ln() + self.q * x[1] + self.p.map_or(0.0, |(p, _)| p * ln_n);
        let mut var = 0.0;
        for i in 0..dim {
            for j in 0..dim {
                var += x[i] * self.cov[i][j] * x[j];
            }
        }
        let half = 1.96 * self.sigma * var.max(0.0).sqrt();
        (ln_b.exp(), ((ln_b - half).exp(), (ln_b + half).exp()))
    }
}

/// Least squares in logarithms: B = a·D^q, or B = a·N^p·D^q when every measurement gives N and
/// N varies independently enough of D to be told apart.
///
/// # Errors
/// Fewer than 3 measurements, or all at one D.
pub fn fit(points: &[CbsPoint]) -> Result<CbsFit, CbsError> {
    let too_few = CbsError::TooFew { got: points.len() };
    let ln_d: Vec<f64> = points.iter().map(|p| p.d.ln()).collect();
    let lo = ln_d.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ln_d.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if points.len() < 3 || !(hi - lo > 1e-9) {
        return Err(too_few);
    }
    let with_n = points.len() >= 4 && points.iter().all(|p| p.n.is_some());
    let rows = |use_n: bool| -> Vec<([f64; 3], f64)> {
        points.iter().map(|p| ([1.0, p.d.ln(), if use_n { p.n.map_or(0.0, f64::ln) } else { 0.0 }], p.batch.ln())).collect()
    };
    let joint = with_n.then(|| rows(true)).and_then(|r| ols(&r, 3).map(|(beta, cov)| (beta, cov, 3, r)));
    let (beta, cov, dim, rows) = match joint {
        Some(solved) => solved,
        None => {
            let r = rows(false);
            let (beta, cov) = ols(&r, 2).ok_or(too_few)?;
            (beta, cov, 2, r)
        }
    };
    let rss: f64 = rows.iter().map(|(x, y)| (y - (0..dim).map(|i| beta[i] * x[i]).sum::<f64>()).powi(2)).sum();
    let dof = points.len().saturating_sub(dim).max(1) as f64;
    let sigma = (rss / dof).sqrt();
    let se = |i: usize| sigma * cov[i][i].max(0.0).sqrt();
    Ok(CbsFit {
        a: beta[0].exp(),
        q: beta[1],
        q_se: se(1),
        p: (dim == 3).then(|| (beta[2], se(2))),
        sigma,
        points: points.len(),
        ln_d_range: (lo, hi),
        cov,
    })
}

/// β and (XᵀX)⁻¹ of an ordinary least-squares fit on the first `dim` columns; `None` when XᵀX
/// is singular (the columns do not vary independently).
fn ols(rows: &[([f64; 3], f64)], dim: usize) -> Option<([f64; 3], [[f64; 3]; 3])> {
    let mut m = [[0.0; 3]; 3];
    let mut v = [0.0; 3];
    for (x, y) in rows {
        for i in 0..dim {
            v[i] += x[i] * y;
            for j in 0..dim {
                m[i][j] += x[i] * x[j];
            }
        }
    }
    let inv = invert(&m, dim)?;
    let mut beta = [0.0; 3];
    for i in 0..dim {
        beta[i] = (0..dim).map(|j| inv[i][j] * v[j]).sum();
    }
    beta.iter().all(|b| b.is_finite()).then_some((beta, inv))
}

/// The inverse of the leading `dim` × `dim` block by Gauss–Jordan elimination with partial
/// pivoting; `None` when it is (numerically) singular.
fn invert(m: &[[f64; 3]; 3], dim: usize) -> Option<[[f64; 3]; 3]> {
    let mut a = *m;
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate().take(dim) {
        row[i] = 1.0;
    }
    let scale = (0..dim).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    for col in 0..dim {
        let pivot = (col..dim).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if !(a[pivot][col].abs() > 1e-10 * scale) {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let p = a[col][col];
        for j in 0..dim {
            a[col][j] /= p;
            inv[col][j] /= p;
        }
        for r in 0..dim {
            if r != col {
                let f = a[r][col];
                for j in 0..dim {
                    a[r][j] -= f * a[col][j];
                    inv[r][j] -= f * inv[col][j];
                }
            }
        }
    }
    Some(inv)
}

/// The fitted law in words: "B_crit = 0.0123·D^0.470 (± 0.020)" and, with N, its exponent.
pub fn describe(fit: &CbsFit) -> String {
    let mut s = format!("B_crit = {}·D^{} (± {})", format_sig(fit.a, 3), format_sig(fit.q, 3), format_sig(fit.q_se, 2));
    if let Some((p, se)) = fit.p {
        s = format!("B_crit = {}·N^{} (± {})·D^{} (± {})", format_sig(fit.a, 3), format_sig(p, 3), format_sig(se, 2), format_sig(fit.q, 3), format_sig(fit.q_se, 2));
    }
    s
}

/// Which variable the measurements say the batch follows, when they give N too: the exponents
/// and their 2-standard-error bands compared.
pub fn verdict(fit: &CbsFit) -> Option<String> {
    let (p, p_se) = fit.p?;
    let clear = |x: f64, se: f64| x.abs() > 2.0 * se;
    Some(match (clear(fit.q, fit.q_se), clear(p, p_se)) {
        (true, false) => format!(
            "your measurements say the critical batch follows the data (D exponent {} ± {}), not the model size (N exponent {} ± {}, within 2 standard errors of 0) — as Zhang et al. found",
            format_sig(fit.q, 3), format_sig(fit.q_se, 2), format_sig(p, 3), format_sig(p_se, 2)
        ),
        (true, true) => format!(
            "your measurements say the critical batch grows with both the data (exponent {} ± {}) and the model size (exponent {} ± {})",
            format_sig(fit.q, 3), format_sig(fit.q_se, 2), format_sig(p, 3), format_sig(p_se, 2)
        ),
        (false, true) => format!(
            "your measurements say the critical batch follows the model size (N exponent {} ± {}) more than the data (D exponent {} ± {})",
            format_sig(p, 3), format_sig(p_se, 2), format_sig(fit.q, 3), format_sig(fit.q_se, 2)
        ),
        (false, false) => "your measurements cannot tell whether the critical batch follows the data or the model size: both exponents are within 2 standard errors of 0".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(i: usize) -> f64 {
        // A fixed pseudo-random sequence in [−1, 1].
        ((i as f64 * 12.9898).sin() * 43_758.545_3).fract()
    }

    #[test]
    fn a_noiseless_law_in_d_is_recovered_exactly() {
        let pts: Vec<CbsPoint> = [1e9, 3e9, 1e10, 3e10, 1e11].iter().map(|&d| CbsPoint { d, n: None, batch: 0.02 * d.powf(0.47) }).collect();
        let f = fit(&pts).unwrap();
        assert!((f.q - 0.47).abs() < 1e-9 && (f.a / 0.02 - 1.0).abs() < 1e-8, "{f:?}");
        assert!(f.p.is_none() && f.sigma < 1e-9);
        let (b, (lo, hi)) = f.at(0.0, 5e10);
        assert!((b / (0.02 * 5e10f64.powf(0.47)) - 1.0).abs() < 1e-8 && lo <= b && b <= hi);
    }

    /// Batch sizes that follow D and not N: the joint fit finds q ≈ 0.5 and p ≈ 0 within its
    /// errors and says so; the same data with a batch growing as N^0.3 gets the other verdict.
    #[test]
    fn the_joint_fit_tells_data_from_model_size() {
        let mut pts = Vec::new();
        for (i, n) in [85e6, 151e6, 302e6, 604e6, 1.2e9].iter().enumerate() {
            for (j, r) in [10.0, 20.0, 40.0, 80.0].iter().enumerate() {
                let d = n * r;
                pts.push(CbsPoint { d, n: Some(*n), batch: 3.0 * d.powf(0.5) * (0.05 * noise(i * 7 + j)).exp() });
            }
        }
        let f = fit(&pts).unwrap();
        let (p, p_se) = f.p.unwrap();
        assert!((f.q - 0.5).abs() < 3.0 * f.q_se && f.q_se < 0.05, "{f:?}");
        assert!(p.abs() < 3.0 * p_se, "{f:?}");
        assert!(verdict(&f).unwrap().contains("follows the data"), "{:?}", verdict(&f));
        let model: Vec<CbsPoint> = pts.iter().map(|x| CbsPoint { batch: x.batch * x.n.unwrap().powf(0.3), ..*x }).collect();
        let g = fit(&model).unwrap();
        assert!((g.p.unwrap().0 - 0.3).abs() < 3.0 * g.p.unwrap().1, "{g:?}");
        assert!(verdict(&g).unwrap().contains("both"), "{:?}", verdict(&g));
    }

    /// The interval of the law's value is the textbook one: against a brute-force check of
    /// xᵀ(XᵀX)⁻¹x for a two-column fit, and wider far outside the data than inside it.
    #[test]
    fn intervals_follow_the_regression() {
        let pts: Vec<CbsPoint> = (0..12).map(|i| {
            let d = 1e9 * 2f64.powi(i);
            CbsPoint { d, n: None, batch: 0.1 * d.powf(0.4) * (0.1 * noise(i as usize)).exp() }
        }).collect();
        let f = fit(&pts).unwrap();
        let xs: Vec<f64> = pts.iter().map(|p| p.d.ln()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let sxx: f64 = xs.iter().map(|x| (x - mean).powi(2)).sum();
        let x0 = 1e13f64.ln();
        let se = f.sigma * (1.0 / xs.len() as f64 + (x0 - mean).powi(2) / sxx).sqrt();
        let (b, (lo, hi)) = f.at(0.0, 1e13);
        assert!(((hi / b).ln() / (1.96 * se) - 1.0).abs() < 1e-9, "{} vs {}", (hi / b).ln(), 1.96 * se);
        assert!(((b / lo).ln() / (1.96 * se) - 1.0).abs() < 1e-9);
        let (bm, (lom, him)) = f.at(0.0, mean.exp());
        assert!((him / bm) < (hi / b) && lom < bm);
    }

    #[test]
    fn tables_and_their_errors() {
        let pts = read_points("tokens,cbs,params\n1e9,256,1e8\n2e9,512,1e8\n4e9,700,2e8\n").unwrap();
        assert_eq!(pts.len(), 3);
        assert_eq!(pts[2], CbsPoint { d: 4e9, n: Some(2e8), batch: 700.0 });
        assert!(matches!(read_points("x,y\n1,2\n"), Err(CbsError::Columns(_))));
        let bad = read_points("D,batch\n1e9,256\n2e9,abc\n").unwrap_err().to_string();
        assert!(bad.contains("row 3") && bad.contains("batch") && bad.contains("abc"), "{bad}");
        let neg = read_points("D,batch\n1e9,-5\n").unwrap_err().to_string();
        assert!(neg.contains("batch"), "{neg}");
        assert!(matches!(fit(&pts[..2]), Err(CbsError::TooFew { got: 2 })));
        let same_d = [CbsPoint { d: 1e9, n: None, batch: 1.0 }; 4];
        assert!(matches!(fit(&same_d), Err(CbsError::TooFew { got: 4 })));
        // N constant: the joint fit is singular, so the fit falls back to D alone.
        let flat_n: Vec<CbsPoint> = (0..5).map(|i| CbsPoint { d: 1e9 * (i + 1) as f64, n: Some(1e8), batch: (i + 2) as f64 }).collect();
        assert!(fit(&flat_n).unwrap().p.is_none());
    }
}

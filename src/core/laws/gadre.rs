//! Over-training and downstream error (Gadre et al. 2024, arXiv:2403.08540): the token multiplier
//! M = D/N, what training at a ratio other than the compute-optimal one costs in loss and in
//! compute (Hoffmann et al.'s iso-loss view), and the map from loss to average downstream top-1
//! error Err(L) = ε − k·exp(−γ·L), fittable from (loss, error) pairs.

use super::LossLaw;
use crate::core::allocate::{self, AllocError, Allocation};
use crate::core::fit::grid::Grid;
use crate::core::fit::model::{self, Model};
use crate::core::fit::multistart;
use crate::core::runs::{self, Rule};

/// Where the over-training view and the error map come from.
pub const CITATION: &str = "Gadre et al. 2024, Language models scale reliably with over-training and on downstream tasks, arXiv:2403.08540";

/// Fewest (loss, error) pairs a fit of ε, k, γ accepts.
pub const MIN_PAIRS: usize = 4;

/// Training at tokens-per-parameter M with the budget's compute, against the compute-optimal run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RatioPlan {
    /// M = D/N.
    pub ratio: f64,
    /// The run at ratio M with the budget's compute.
    pub at_ratio: Allocation,
    /// The compute-optimal run at the same compute.
    pub optimal: Allocation,
    /// Loss overhead at equal compute, L(M) − L*.
    pub loss_overhead: f64,
    /// The ratio-M run that reaches the optimal loss L*: its compute, N and D.
    pub same_loss: Option<Allocation>,
    /// Extra compute to reach L* at ratio M, C_M/C − 1 (`None` when M never reaches L*).
    pub compute_overhead: Option<f64>,
}

/// N and D for compute C at ratio M: N = √(C/(6M)), D = M·N.
pub fn split(compute: f64, ratio: f64) -> (f64, f64) {
    let n = (compute / (6.0 * ratio)).sqrt();
    (n, ratio * n)
}

/// The least compute a run at ratio M needs to reach `target` loss, by bisection on ln N along
/// D = M·N (the loss falls as both grow). `None` when no size in 1 … 10⁵² parameters reaches it.
pub fn compute_for_loss_at_ratio(law: &dyn LossLaw, ratio: f64, target: f64) -> Option<Allocation> {
    if !(ratio > 0.0 && ratio.is_finite() && target.is_finite()) {
        return None;
    }
    let loss_at = |ln_n: f64| {
        let n = ln_n.exp();
        law.loss(n, ratio * n)
    };
    let (lo, hi) = (0.0f64, 120.0f64);
    if !(loss_at(hi) <= target) || loss_at(lo) <= target {
        return None;
    }
    let n = crate::core::solve::bisect(lo, hi, |ln_n| loss_at(ln_n) <= target).exp();
    let d = ratio * n;
    Some(Allocation { compute: allocate::training_flop(n, d), n, d, loss: law.loss(n, d) })
}

/// What ratio M costs at `compute` under `law`.
///
/// # Errors
/// A budget out of range or a ratio that is not a positive number.
pub fn at_ratio(law: &dyn LossLaw, compute: f64, ratio: f64) -> Result<RatioPlan, AllocError> {
    allocate::check_budget(compute)?;
    if !(ratio.is_finite() && ratio > 0.0) {
        return Err(AllocError::OutOfRange("tokens per parameter M must be a positive number".into()));
    }
    let optimal = allocate::optimum(law, compute)?;
    let (n, d) = split(compute, ratio);
    let at = Allocation { compute, n, d, loss: law.loss(n, d) };
    let same_loss = compute_for_loss_at_ratio(law, ratio, optimal.loss);
    Ok(RatioPlan {
        ratio,
        at_ratio: at,
        optimal,
        loss_overhead: at.loss - optimal.loss,
        same_loss,
        compute_overhead: same_loss.map(|a| (a.compute / compute - 1.0).max(0.0)),
    })
}

/// Err(L) = ε − k·exp(−γ·L): average downstream top-1 error from loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ErrorMap {
    /// ε, the error of a model at infinite loss (chance-level error).
    pub eps: f64,
    /// k.
    pub k: f64,
    /// γ.
    pub gamma: f64,
}

impl ErrorMap {
    /// The predicted error at loss L.
    pub fn error(&self, loss: f64) -> f64 {
        self.eps - self.k * (-self.gamma * loss).exp()
    }
}

/// (loss, error) pairs as a [`Model`] with θ = (ε, ln k, ln γ). Unlike the loss laws, the fitted
/// quantity is the error itself, not its log: `observed_ln` and `predict_ln` return Err, so the
/// residuals are in error units (with δ above every residual the Huber objective is least
/// squares, the curve fit Gadre et al. use).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorPairs {
    /// Losses.
    pub loss: Vec<f64>,
    /// Downstream errors (fractions in [0, 1]).
    pub error: Vec<f64>,
}

impl Model for ErrorPairs {
    fn dim(&self) -> usize {
        3
    }
    fn rows(&self) -> usize {
        self.loss.len().min(self.error.len())
    }
    fn observed_ln(&self, row: usize) -> f64 {
        self.error.get(row).copied().unwrap_or(f64::NAN)
    }
    fn predict_ln(&self, theta: &[f64], row: usize, grad: &mut [f64]) -> f64 {
        let (Some(&l), [eps, ln_k, ln_g, ..]) = (self.loss.get(row), theta) else {
            return f64::NAN;
        };
        let gamma = ln_g.exp();
        let term = (ln_k - gamma * l).exp(); // k·e^(−γL)
        if let [g0, g1, g2, ..] = grad {
            *g0 = 1.0;
            *g1 = -term;
            *g2 = term * l * gamma;
        }
        eps - term
    }
    /// Parameters beyond ±50 (e^50 in k or γ) mean the fit ran off along a flat direction.
    fn accept(&self, theta: &[f64]) -> bool {
        theta.iter().all(|v| v.abs() < 50.0)
    }
}

/// Huber δ for the error fit: above any residual of errors in [0, 1], i.e. least squares.
pub const ERROR_DELTA: f64 = 1.0;

/// A fitted error map and its goodness.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ErrorFit {
    /// The map.
    pub map: ErrorMap,
    /// Pairs fitted.
    pub points: usize,
    /// RMSE of the error.
    pub rmse: f64,
    /// R² of the error.
    pub r2: Option<f64>,
}

/// Fits ε, k, γ to (loss, error) pairs by least squares from a small grid of starts.
///
/// # Errors
/// Too few pairs, or no start giving a finite fit.
pub fn fit_error_map(pairs: &[(f64, f64)]) -> Result<ErrorFit, super::LawError> {
    if pairs.len() < MIN_PAIRS {
        return Err(super::LawError::TooFew { fitting: "ε, k, γ", needed: MIN_PAIRS, rows: "(loss, error) pairs", got: pairs.len() });
    }
    let model = ErrorPairs { loss: pairs.iter().map(|p| p.0).collect(), error: pairs.iter().map(|p| p.1).collect() };
    let grid = Grid { axes: vec![vec![0.5, 0.8, 1.0], vec![-1.0, 0.0, 1.0, 2.0, 3.0], vec![-2.0, -1.0, 0.0, 1.0]] };
    let fit = multistart::fit(&model, &grid, ERROR_DELTA).ok_or(super::LawError::NoFit("no starting point gave a finite fit of ε, k, γ"))?.best;
    let [eps, ln_k, ln_g] = fit.theta[..] else {
        return Err(super::LawError::NoFit("the fit returned the wrong number of parameters"));
    };
    let map = ErrorMap { eps, k: ln_k.exp(), gamma: ln_g.exp() };
    let predicted = pairs.iter().map(|p| (p.1, map.error(p.0)));
    let rmse = crate::core::fit::model::rmse(predicted.clone().map(|(y, f)| y - f));
    Ok(ErrorFit { map, points: pairs.len(), rmse, r2: model::r_squared(predicted) })
}

/// Pairs read from a table, and the rows left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadPairs {
    /// Good (loss, error) pairs.
    pub pairs: Vec<(f64, f64)>,
    /// The first problem of each bad row (at most [`runs::MAX_BAD_ROWS_KEPT`]).
    pub bad: Vec<runs::RowError>,
    /// How many rows were bad.
    pub bad_count: usize,
}

/// Reads (loss, error) pairs through the shared table parser. Errors may be fractions (0.45) or
/// percentages (45 or 45%); a column whose values exceed 1 is read as percent.
///
/// # Errors
/// An unreadable table or missing columns.
pub fn read_pairs(text: &str) -> Result<ReadPairs, super::LawError> {
    let cleaned: String = text.replace('%', "");
    let table = runs::parse_table(&cleaned)?;
    let missing = |what, name_it| super::LawError::NoColumn { what, name_it, headers: crate::core::runs::list_names(&table.headers) };
    let loss = runs::pick_column(&table.headers, "", &["loss", "val loss", "L", "validation loss"])?
        .ok_or_else(|| missing("the loss", "the header \"loss\""))?;
    let err = runs::pick_column(&table.headers, "", &["error", "err", "top-1 error", "downstream error", "top1 error"])?
        .ok_or_else(|| missing("the error", "the header \"error\""))?;
    let read = runs::read_numeric(&table, &[(loss, Rule::Positive), (err, Rule::NonNegative)], None);
    let mut pairs: Vec<(f64, f64)> = read.rows.iter().filter_map(|r| match r.values[..] { [l, e] => Some((l, e)), _ => None }).collect();
    if pairs.iter().any(|p| p.1 > 1.0) {
        pairs.iter_mut().for_each(|p| p.1 /= 100.0);
    }
    let error_column = table.headers.get(err).cloned();
    let mut out = ReadPairs { pairs: Vec::new(), bad: read.bad_rows, bad_count: read.bad_row_count };
    for (i, p) in pairs.into_iter().enumerate() {
        if p.1 > 1.0 {
            out.bad_count += 1;
            if out.bad.len() < runs::MAX_BAD_ROWS_KEPT {
                let line = read.rows.get(i).map_or(0, |r| r.line);
                out.bad.push(runs::RowError { line, column: error_column.clone(), message: format!("an error of {}% is above 100%", crate::core::units::format_sig(p.1 * 100.0, 4)) });
            }
        } else {
            out.pairs.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::laws::ChinchillaLaw;

    const EPOCH: ChinchillaLaw = ChinchillaLaw { e: 1.82, a: 482.01, b: 2085.43, alpha: 0.3478, beta: 0.3658 };

    #[test]
    fn the_optimal_ratio_costs_nothing_and_others_cost_more() {
        let c = 5.76e23;
        let opt = allocate::optimum(&EPOCH, c).unwrap();
        let m_star = opt.d / opt.n;
        let plan = at_ratio(&EPOCH, c, m_star).unwrap();
        assert!(plan.loss_overhead.abs() < 1e-12);
        assert!(plan.compute_overhead.unwrap() < 1e-9);
        // Under-trained side: the overhead falls towards M*.
        let under: Vec<f64> = [m_star / 8.0, m_star / 4.0, m_star / 2.0].iter().map(|&m| at_ratio(&EPOCH, c, m).unwrap().compute_overhead.unwrap()).collect();
        assert!(under[0] > under[1] && under[1] > under[2] && under[2] > 0.0, "{under:?}");
        let mut prev = 0.0;
        for factor in [2.0, 4.0, 16.0, 64.0] {
            let p = at_ratio(&EPOCH, c, m_star * factor).unwrap();
            let over = p.compute_overhead.unwrap();
            assert!(over > prev && p.loss_overhead > 0.0, "{p:?}");
            prev = over;
        }
    }

    #[test]
    fn compute_overhead_matches_the_closed_form_iso_loss() {
        // The ratio-M run at L* has the same loss as the optimum: check with resize_model, which
        // solves the same iso-loss question for a given N.
        let c = 1e22;
        let plan = at_ratio(&EPOCH, c, 200.0).unwrap();
        let same = plan.same_loss.unwrap();
        assert!((same.loss - plan.optimal.loss).abs() < 1e-9);
        let resized = allocate::resize_model(&EPOCH, c, same.n).unwrap();
        assert!((resized.resized.d / same.d - 1.0).abs() < 1e-6);
        assert!((resized.overhead_percent / 100.0 - plan.compute_overhead.unwrap()).abs() < 1e-6);
    }

    #[test]
    fn bad_ratios_are_refused() {
        assert!(at_ratio(&EPOCH, 1e22, 0.0).is_err());
        assert!(at_ratio(&EPOCH, 1e22, -3.0).is_err());
        assert!(at_ratio(&EPOCH, 1e22, f64::NAN).is_err());
        assert!(at_ratio(&EPOCH, 1e40, 20.0).is_err());
    }

    fn synthetic(map: ErrorMap) -> Vec<(f64, f64)> {
        (0..30).map(|i| 2.0 + 3.0 * f64::from(i) / 29.0).map(|l| (l, map.error(l))).collect()
    }

    #[test]
    fn recovers_a_known_error_map() {
        let truth = ErrorMap { eps: 0.85, k: 2.2, gamma: 0.7 };
        let fit = fit_error_map(&synthetic(truth)).unwrap();
        assert!((fit.map.eps - 0.85).abs() < 1e-4, "{fit:?}");
        assert!((fit.map.k - 2.2).abs() < 1e-3, "{fit:?}");
        assert!((fit.map.gamma - 0.7).abs() < 1e-3, "{fit:?}");
        assert!(fit.rmse < 1e-6);
    }

    #[test]
    fn error_gradient_matches_finite_differences() {
        let model = ErrorPairs { loss: vec![2.0, 2.7, 3.5, 4.4], error: vec![0.4, 0.5, 0.6, 0.7] };
        for theta in [[0.85, 0.8, -0.35], [0.5, 2.0, 0.5], [1.0, -1.0, -2.0]] {
            assert!(model::gradient_error(&model, &theta) < 1e-6, "{theta:?}");
        }
    }

    #[test]
    fn reads_pairs_in_fractions_or_percent() {
        let a = read_pairs("loss,error\n3,0.6\n2.5,0.5\n").unwrap();
        assert_eq!(a.pairs, vec![(3.0, 0.6), (2.5, 0.5)]);
        let b = read_pairs("loss\terror\n3\t60%\n2.5\t50\n").unwrap();
        assert!((b.pairs[0].1 - 0.6).abs() < 1e-12 && (b.pairs[1].1 - 0.5).abs() < 1e-12);
        let c = read_pairs("loss,error\n3,abc\n").unwrap();
        assert_eq!(c.bad_count, 1);
        assert!(read_pairs("x,y\n1,2").unwrap_err().to_string().contains("no column for the loss"));
        assert!(fit_error_map(&[(3.0, 0.5)]).unwrap_err().to_string().contains("at least"));
    }
}

//! Two sets of runs compared (two datasets or two architectures): each fitted with the
//! Chinchilla form and bootstrapped, their compute-optimal frontiers L*(C), the compute at which
//! they cross, and a bootstrap interval on the crossing.

use crate::core::analysis::request::{prepare, FitError, FitRequest, Prepared};
use crate::core::analysis::run::{BootSpec, FitOutcome, FitPlan, FitRun, Problem, TaskSearch, TaskSpec};
use crate::core::fit::bootstrap::{interval, Interval};
use crate::core::laws::{chinchilla::CHINCHILLA, ChinchillaLaw, LawRef, LossLaw, RunLaw};
use crate::core::runs;

/// The starting grid of each fit: 3⁵ = 243 starts (the full 4 500-start grid of the Fit panel
/// would take seconds per dataset in the page; this one takes well under a second).
pub const GRID: &str = "a=0|10|20, b=0|10|20, e=-1|0|1, alpha=0.25|0.5|1, beta=0.25|0.5|1";

/// Most runs per table (the bootstrap refits every resample).
pub const MAX_RUNS: usize = 2000;

/// Most bootstrap resamples per dataset.
pub const MAX_RESAMPLES: usize = 1000;

/// Points of the log-spaced grid on which crossings are looked for before bisection.
const SCAN: usize = 400;

/// Huber δ of the fits (LAWS.md).
const DELTA: f64 = 1e-3;

/// Why one table could not be fitted; every variant names the table.
#[derive(Debug, Clone, PartialEq)]
pub enum CompareError {
    /// The table could not be read or checked (unreadable, missing columns, too few runs …).
    Table {
        /// The table's label ("A" or "B").
        label: String,
        /// What is wrong.
        error: FitError,
    },
    /// More runs than [`MAX_RUNS`].
    TooManyRuns {
        /// The table's label.
        label: String,
        /// Runs in the table.
        runs: usize,
    },
    /// No start of the fit gave a finite loss.
    NoFiniteStart {
        /// The table's label.
        label: String,
    },
    /// The best fit has non-finite parameters or non-positive exponents.
    NoUsableLaw {
        /// The table's label.
        label: String,
    },
}

impl std::fmt::Display for CompareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Table { label, error: FitError::BadRows { rows, count, .. } } => {
                let word = if *count == 1 { "row is" } else { "rows are" };
                write!(f, "Table {label}: {count} {word} not usable:\n{}", runs::summarize_bad_rows(rows, *count, 3))
            }
            Self::Table { label, error } => write!(f, "Table {label}: {error}"),
            Self::TooManyRuns { label, runs } => write!(f, "Table {label} has {runs} runs; this tool fits at most {MAX_RUNS} per table"),
            Self::NoFiniteStart { label } => write!(f, "Table {label}: no start of the fit gave a finite loss"),
            Self::NoUsableLaw { label } => write!(f, "Table {label}: the fit gave no usable law"),
        }
    }
}

impl std::error::Error for CompareError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Table { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// One dataset fitted.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DatasetFit {
    /// The fitted law.
    pub law: ChinchillaLaw,
    /// The bootstrap's laws (failed resamples left out).
    pub samples: Vec<ChinchillaLaw>,
    /// Resamples asked for.
    pub resamples: usize,
    /// (C, loss) of every run.
    pub runs: Vec<(f64, f64)>,
    /// RMSE of ln L over the runs.
    pub rmse_log: f64,
}

/// Fits the Chinchilla form to one pasted table and bootstraps it (here, in this thread);
/// errors name the table.
///
/// # Errors
/// The table is unreadable, has bad rows, too few or too many runs, or no fit converged.
pub fn fit_dataset(data: &str, label: &str, resamples: usize, seed: u64) -> Result<DatasetFit, CompareError> {
    let outcome = FitRun::new(dataset_plan(data, label, resamples, seed)?).run_inline(&mut |_| {});
    dataset_fit(data, label, resamples, outcome)
}

/// The runs of one table, read and checked; errors name the table.
fn dataset_runs(data: &str, label: &str) -> Result<Prepared, CompareError> {
    let req = FitRequest { data: data.to_string(), compare: false, grid: GRID.into(), bootstrap: 0, holdout: Some(0), ..FitRequest::default() };
    let prep = prepare(&req).map_err(|error| CompareError::Table { label: label.to_string(), error })?;
    if prep.runs.len() > MAX_RUNS {
        return Err(CompareError::TooManyRuns { label: label.to_string(), runs: prep.runs.len() });
    }
    Ok(prep)
}

/// One table's fit as jobs: the Chinchilla form from the [`GRID`], then `resamples` bootstrap
/// resamples.
///
/// # Errors
/// See [`fit_dataset`].
pub fn dataset_plan(data: &str, label: &str, resamples: usize, seed: u64) -> Result<FitPlan, CompareError> {
    let prep = dataset_runs(data, label)?;
    let task = TaskSpec { problem: Problem::Runs { law: LawRef(&CHINCHILLA), points: prep.points(), fitting: Default::default() }, search: if prep.profiled(LawRef(&CHINCHILLA)) { TaskSearch::Profile } else { TaskSearch::Grid(prep.grid) }, delta: DELTA };
    Ok(FitPlan { tasks: vec![task], boot: Some(BootSpec { task: 0, resamples, seed }), foreground: 1 })
}

/// One table's fit from the outcome of [`dataset_plan`]'s jobs.
///
/// # Errors
/// See [`fit_dataset`].
pub fn dataset_fit(data: &str, label: &str, resamples: usize, outcome: FitOutcome) -> Result<DatasetFit, CompareError> {
    let prep = dataset_runs(data, label)?;
    let best = outcome.tasks.into_iter().next().flatten().ok_or_else(|| CompareError::NoFiniteStart { label: label.to_string() })?.best;
    let law = chinchilla(&best.theta).ok_or_else(|| CompareError::NoUsableLaw { label: label.to_string() })?;
    let samples = outcome.samples.into_iter().flatten().filter_map(|t| chinchilla(&t)).collect();
    let points = prep.points();
    let rmse_log = crate::core::fit::model::rmse(points.iter().map(|p| law.loss(p.ln_n.exp(), p.ln_d.exp()).ln() - p.ln_loss));
    Ok(DatasetFit { law, samples, resamples, runs: prep.runs.iter().map(|r| (r.c, r.loss)).collect(), rmse_log })
}

/// The Chinchilla law of θ, when its parameters are finite and its exponents positive.
pub fn chinchilla(theta: &[f64]) -> Option<ChinchillaLaw> {
    let params = CHINCHILLA.params(theta);
    if !params.iter().all(|v| v.is_finite()) {
        return None;
    }
    CHINCHILLA.chinchilla(&params).filter(|l| l.alpha > 0.0 && l.beta > 0.0)
}

/// The compute-optimal loss L*(C) = E + A/N*^α + B/D*^β with N*, D* in closed form.
pub fn frontier(law: &ChinchillaLaw, c: f64) -> f64 {
    law.closed_form_optimum(c).map_or(f64::NAN, |(n, d)| law.loss(n, d))
}

/// Every compute in [lo, hi] at which L*_a(C) = L*_b(C): sign changes of the difference on a
/// log grid of [`SCAN`] points, each refined by bisection in ln C.
pub fn crossings(a: &ChinchillaLaw, b: &ChinchillaLaw, lo: f64, hi: f64) -> Vec<f64> {
    let diff = |ln_c: f64| frontier(a, ln_c.exp()) - frontier(b, ln_c.exp());
    let (l0, l1) = (lo.ln(), hi.ln());
    if !(l0.is_finite() && l1.is_finite() && l1 > l0) {
        return Vec::new();
    }
    let xs: Vec<f64> = (0..SCAN).map(|i| l0 + (l1 - l0) * i as f64 / (SCAN - 1) as f64).collect();
    let ys: Vec<f64> = xs.iter().map(|&x| diff(x)).collect();
    let mut out = Vec::new();
    for i in 1..SCAN {
        let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) = (xs.get(i - 1), xs.get(i), ys.get(i - 1), ys.get(i)) else {
            continue;
        };
        // A root in (x0, x1]: y0 ≠ 0 and y1 is 0 or of the other sign (a zero on a grid point
        // is counted once, by the interval it ends; identical laws have no crossing).
        if !(y0.is_finite() && y1.is_finite()) || y0 == 0.0 || (y1 != 0.0 && (y0 > 0.0) == (y1 > 0.0)) {
            continue;
        }
        let root = crate::core::solve::bisect(x0, x1, |x| {
            let y = diff(x);
            y == 0.0 || (y > 0.0) != (y0 > 0.0)
        });
        out.push(root.exp());
    }
    out
}

/// The answer for two fitted datasets over a compute range.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    /// Plotted range of compute, FLOP.
    pub range: (f64, f64),
    /// Crossings of the fitted frontiers in the range.
    pub crossings: Vec<f64>,
    /// 95 % bootstrap interval of the (first) crossing, over resamples that cross in range.
    pub interval: Option<Interval>,
    /// Paired resamples that cross in the range, and resamples compared.
    pub crossing_resamples: (usize, usize),
    /// L*_A − L*_B at the low and high ends of the range.
    pub gap: (f64, f64),
}

/// Compares two fits over [lo, hi]: crossings of the fitted frontiers, and for the first one a
/// percentile interval over paired bootstrap resamples (the crossing of each pair nearest to the
/// fitted one; pairs that do not cross in the range are counted, not included).
pub fn compare(a: &DatasetFit, b: &DatasetFit, lo: f64, hi: f64) -> Comparison {
    let found = crossings(&a.law, &b.law, lo, hi);
    let pairs = a.samples.len().min(b.samples.len());
    let mut crossing_resamples = (0, pairs);
    let interval = found.first().and_then(|&c| {
        let ln_c = c.ln();
        let mut values = Vec::new();
        for (sa, sb) in a.samples.iter().zip(&b.samples) {
            let nearest = crossings(sa, sb, lo, hi).into_iter().map(f64::ln).min_by(|x, y| (x - ln_c).abs().total_cmp(&(y - ln_c).abs()));
            if let Some(v) = nearest {
                values.push(v);
            }
        }
        crossing_resamples.0 = values.len();
        interval(values).map(|iv| Interval { lo: iv.lo.exp(), hi: iv.hi.exp() })
    });
    let gap = (frontier(&a.law, lo) - frontier(&b.law, lo), frontier(&a.law, hi) - frontier(&b.law, hi));
    Comparison { range: (lo, hi), crossings: found, interval, crossing_resamples, gap }
}


#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// L* = E + K·(C/6)^(−s), s = αβ/(α+β), K = A·G^(−α) + B·G^β.
    pub(crate) fn k_and_s(l: &ChinchillaLaw) -> (f64, f64) {
        let g = l.frontier_scale();
        (l.a * g.powf(-l.alpha) + l.b * g.powf(l.beta), l.alpha * l.beta / (l.alpha + l.beta))
    }

    /// Two laws with the same frontier exponent s (α, β swapped), A better at large compute
    /// (lower E) and B at small compute (smaller K), and the compute at which they cross:
    /// E_A + K_A·x^(−s) = E_B + K_B·x^(−s) at x = ((K_A − K_B)/(E_B − E_A))^(1/s), C = 6x.
    pub(crate) fn crossing_pair() -> (ChinchillaLaw, ChinchillaLaw, f64) {
        let a = ChinchillaLaw { e: 1.7, a: 400.0, b: 1200.0, alpha: 0.34, beta: 0.36 };
        let (k_a, s) = k_and_s(&a);
        let base = ChinchillaLaw { e: 1.9, a: 400.0, b: 1200.0, alpha: 0.36, beta: 0.34 };
        let (k_base, s_b) = k_and_s(&base);
        assert!((s - s_b).abs() < 1e-15);
        // Scale B's coefficients so that the frontiers cross at about 3e19 FLOP.
        let want_x: f64 = 3e19 / 6.0;
        let k_b = k_a - (base.e - a.e) / want_x.powf(-s);
        let f = k_b / k_base;
        let b = ChinchillaLaw { a: base.a * f, b: base.b * f, ..base };
        let (k_b, _) = k_and_s(&b);
        let c = 6.0 * ((k_a - k_b) / (b.e - a.e)).powf(1.0 / s);
        (a, b, c)
    }

    #[test]
    fn crossings_of_the_true_laws_match_the_closed_form() {
        let (a, b, c) = crossing_pair();
        let found = crossings(&a, &b, 1e15, 1e26);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!((found[0] / c - 1.0).abs() < 1e-9, "{} vs {c}", found[0]);
        assert!((frontier(&a, c) - frontier(&b, c)).abs() < 1e-9);
        assert!(frontier(&a, c / 10.0) > frontier(&b, c / 10.0), "B is lower below the crossing");
        assert!(crossings(&a, &b, c * 2.0, 1e26).is_empty());
        assert!(crossings(&a, &a, 1e15, 1e26).is_empty(), "identical laws do not cross");
        assert!(crossings(&a, &b, 1e20, 1e10).is_empty());
    }

    #[test]
    fn reaches_close_to_the_epoch_optimum_with_the_small_grid() {
        let text = crate::test_support::epoch_csv();
        // Drop nothing here: the point is only that 243 starts find the basin the 4 500 find.
        let t0 = std::time::Instant::now();
        let f = fit_dataset(text, "A", 0, 1).unwrap();
        eprintln!("Epoch with {} starts: {:.3}s, {:?}", 243, t0.elapsed().as_secs_f64(), f.law);
        let points = prepare(&FitRequest { data: text.into(), holdout: Some(0), ..FitRequest::default() }).unwrap().points();
        let full = crate::core::fit::multistart::Multistart::new(&crate::core::laws::RunsModel::new(&CHINCHILLA, &points), DELTA, CHINCHILLA.default_grid()).finish().unwrap();
        let l = chinchilla(&full.best.theta).unwrap();
        assert!((f.law.e - l.e).abs() < 1e-3 && (f.law.alpha - l.alpha).abs() < 1e-3, "{:?} vs {l:?}", f.law);
    }
}

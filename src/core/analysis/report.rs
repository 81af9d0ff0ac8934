//! The fit report: parameters with intervals, validation on held-out runs, residuals, the
//! comparison across laws (objective, RMSE of log-loss, AIC/BIC, held-out error), IsoFLOP and
//! envelope results, and warnings. One shape for the page, the CLI's JSON and the tests.

use std::collections::BTreeMap;

use super::plan::{TaskFit, Variant};
use super::request::{FitRequest, Prepared};
use super::spec::FittedLaw;
use super::warnings;
use super::identify::{self, ProfileView};
use super::{budget_intervals, parameter_intervals, BudgetIntervals};
use crate::core::allocate;
use crate::core::fit::bootstrap::Interval;
use crate::core::fit::envelope::{fit_envelope, EnvelopeFit, EnvelopeOptions};
use crate::core::fit::isoflop::{fit_isoflop, IsoflopFit, IsoflopOptions};
use crate::core::fit::lbfgs::MAX_DIM;
use crate::core::fit::points::Point;
use crate::core::laws::{LawRef, RunLaw};
use crate::core::runs::Role;

/// Everything a finished fit shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FitReport {
    /// The main law's key (`chinchilla`, `kaplan`, …).
    pub law: String,
    /// Its formula.
    pub label: String,
    /// Runs fitted.
    pub points: usize,
    /// The objective at the optimum: Σ Huber_δ of log-loss residuals.
    pub objective: f64,
    /// The Huber loss's δ on log-loss residuals.
    pub delta: f64,
    /// Over-predictions cost this many times more (1: the symmetric Huber loss).
    pub asymmetry: f64,
    /// Published parameters by name (E, A, B, alpha, beta for Chinchilla).
    pub params: BTreeMap<String, f64>,
    /// What the fit's options change, in words (run weights, asymmetry, fixed and tied
    /// parameters); empty for a plain fit.
    pub options: Vec<String>,
    /// Parameters held fixed or tied, by name: "fixed" or "tied to alpha" (a fixed one has no
    /// interval).
    pub held: BTreeMap<String, String>,
    /// 95 % bootstrap intervals by parameter name, when a bootstrap ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci: Option<BTreeMap<String, Interval>>,
    /// The bootstrap's size and failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<BootstrapInfo>,
    /// N*, D*, L* at the Budget panel's compute, with intervals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetAnswer>,
    /// Validation on the held-out runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdout: Option<Holdout>,
    /// Rolling-forward validation: fits below compute cuts and their errors beyond.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolling: Option<Rolling>,
    /// Predicted loss of the runs the request asked about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<AtPrediction>,
    /// Every fitted law side by side.
    pub comparison: Vec<ComparisonRow>,
    /// What a careful researcher would want to know.
    pub warnings: Vec<String>,
    /// Residuals of the main law on every run.
    pub residuals: Vec<Residual>,
    /// The runs the user excluded, with what the law predicts for them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<Residual>,
    /// The lowest distinct optima of the main law's multistart.
    pub optima: Vec<OptimumRow>,
    /// How the main law's optimum was searched for: `profile` or `grid`.
    pub search: &'static str,
    /// The main law's profile over its exponents (when searched by one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<ProfileView>,
    /// Grid starts of the main law (for a profile: the basins refined).
    pub starts: usize,
    /// Starts that gave no finite objective.
    pub failed_starts: usize,
    /// Objective evaluations over every task.
    pub evaluations: usize,
    /// Approach 2, when the runs form IsoFLOP profiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isoflop: Option<IsoflopFit>,
    /// Why there is no Approach 2 result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isoflop_error: Option<String>,
    /// Approach 1, when the rows are training curves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope: Option<EnvelopeFit>,
    /// Why there is no Approach 1 result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope_error: Option<String>,
    /// The fitted law, usable in the Budget panel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitted_law: Option<FittedLaw>,
    /// Which data went in.
    pub data: DataSummary,
    /// The joint fit of the variants, when a group column was chosen.
    pub joint: Option<super::joint::JointReport>,
    /// Resampled θ of the main law (for intervals at any budget); not part of the CLI's JSON.
    #[serde(skip)]
    pub samples: Vec<Vec<f64>>,
}

/// Size of the bootstrap.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BootstrapInfo {
    /// Resamples run.
    pub resamples: usize,
    /// Resamples whose fit failed (left out of the intervals).
    pub failed: usize,
    /// The seed.
    pub seed: u64,
}

/// The compute-optimal answer at the Budget panel's compute under the fitted law.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BudgetAnswer {
    /// Compute, FLOP.
    pub compute: f64,
    /// N*.
    pub n: f64,
    /// D*.
    pub d: f64,
    /// L*.
    pub loss: f64,
    /// Bootstrap intervals.
    pub intervals: Option<BudgetIntervals>,
    /// How far beyond the largest run's compute this is (×).
    pub beyond_data: f64,
}

/// The loss the fitted law predicts for a run one might train.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AtPrediction {
    /// Parameters.
    pub n: f64,
    /// Tokens.
    pub d: f64,
    /// Predicted loss.
    pub loss: f64,
    /// 95 % confidence interval of the law's prediction (the bootstrap's spread): where the
    /// law's curve lies.
    pub ci: Option<[f64; 2]>,
    /// 95 % prediction interval for one new run: the law's uncertainty plus the scatter of
    /// single runs around it (the fit's log-loss residuals), so it is wider.
    pub prediction_interval: Option<[f64; 2]>,
}

/// Rolling-forward validation: how far the law, fitted on the smaller runs, predicts the larger.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rolling {
    /// One fit per compute cut, smallest first.
    pub cuts: Vec<RollingCut>,
    /// One sentence per cut.
    pub summary: Vec<String>,
}

/// The main law fitted on the runs at or below one compute cut.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RollingCut {
    /// The cut: the largest fitted compute, FLOP.
    pub cut: f64,
    /// Runs fitted.
    pub fitted: usize,
    /// Each run beyond the cut and the fit's error on it.
    pub predictions: Vec<RollingPoint>,
}

/// One run beyond a cut, predicted by the fit below it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RollingPoint {
    /// Source line.
    pub line: usize,
    /// Its compute, FLOP.
    pub c: f64,
    /// How far beyond the fit it reaches: its compute in multiples of the largest fitted.
    pub reach: f64,
    /// 100·(L̂/L − 1).
    pub error_pct: f64,
}

/// The rolling-forward validation of the main law from its `Below(k)` fits.
fn rolling(prep: &Prepared, fits: &[TaskFit]) -> Option<Rolling> {
    let law = prep.law;
    let cuts: Vec<RollingCut> = super::plan::rolling_cuts(prep)
        .into_iter()
        .enumerate()
        .filter_map(|(k, cut)| {
            let fit = find(fits, law, Variant::Below(k))?;
            let predictions = prep
                .runs
                .iter()
                .filter(|r| r.c > cut)
                .map(|r| RollingPoint { line: r.line, c: r.c, reach: r.c / cut, error_pct: 100.0 * (predict(&*law, &fit.theta, &Point::from_run(r)) / r.loss - 1.0) })
                .filter(|p| p.error_pct.is_finite())
                .collect();
            Some(RollingCut { cut, fitted: prep.runs.iter().filter(|r| r.c <= cut).count(), predictions })
        })
        .collect();
    if cuts.is_empty() {
        return None;
    }
    let summary = cuts
        .iter()
        .filter(|c| !c.predictions.is_empty())
        .map(|c| {
            let mut errors: Vec<f64> = c.predictions.iter().map(|p| p.error_pct.abs()).collect();
            errors.sort_by(f64::total_cmp);
            let median = crate::core::fit::bootstrap::quantile(&errors, 0.5).unwrap_or(f64::NAN);
            let reach = c.predictions.iter().map(|p| p.reach).fold(1.0, f64::max);
            format!(
                "Fitted on the {} runs up to {} FLOP, the law predicts the {} beyond (up to {}× further) with median |error| {} % (largest {} %).",
                c.fitted,
                crate::core::units::format_sci(c.cut, 2),
                c.predictions.len(),
                crate::core::units::format_sig(reach, 2),
                crate::core::units::format_sig(median, 2),
                crate::core::units::format_sig(errors.last().copied().unwrap_or(f64::NAN), 2)
            )
        })
        .collect();
    Some(Rolling { cuts, summary })
}

/// Residuals paired with each bootstrap sample for the prediction interval.
const RESIDUALS_PER_SAMPLE: usize = 24;

/// Predictions at (N, D): the fitted law's loss, the bootstrap's interval of it, and the
/// interval for a single new run (each resampled law's ln L̂ plus residuals of the fit, drawn
/// evenly from all of them; without a bootstrap, the law at θ plus every residual).
pub fn predictions(law: &dyn RunLaw, theta: &[f64], samples: &[Vec<f64>], residuals: &[f64], at: &[(f64, f64)]) -> Vec<AtPrediction> {
    let point = |n: f64, d: f64| Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: (6.0 * n * d).ln(), ln_loss: 0.0 };
    let pair = |iv: Option<Interval>| iv.map(|iv| [iv.lo, iv.hi]);
    at.iter()
        .map(|&(n, d)| {
            let x = point(n, d);
            let loss = predict(law, theta, &x);
            let laws: Vec<f64> = samples.iter().map(|t| predict(law, t, &x)).filter(|v| v.is_finite()).collect();
            let ci = pair(crate::core::fit::bootstrap::interval(laws.iter().copied()));
            let centres: Vec<f64> = if laws.is_empty() { vec![loss] } else { laws };
            // Without a bootstrap, the one law with every residual.
            let per = if centres.len() == 1 { residuals.len() } else { RESIDUALS_PER_SAMPLE.min(residuals.len()) };
            let step = (residuals.len() / per.max(1)).max(1);
            let mut singles = Vec::with_capacity(centres.len() * per);
            for (b, centre) in centres.iter().enumerate() {
                for k in 0..per {
                    // A different run's residual for each sample: every residual is used evenly.
                    let r = residuals[(b + k * step) % residuals.len()];
                    singles.push(centre * r.exp());
                }
            }
            let prediction_interval = pair(crate::core::fit::bootstrap::interval(singles));
            AtPrediction { n, d, loss, ci, prediction_interval }
        })
        .collect()
}

/// One held-out run and the prediction of the law fitted without it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HeldOutRun {
    /// Source line.
    pub line: usize,
    /// Compute, FLOP.
    pub c: f64,
    /// Parameters.
    pub n: f64,
    /// Observed loss.
    pub loss: f64,
    /// Predicted loss.
    pub predicted: f64,
}

/// Extrapolation error on the k largest-compute runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Holdout {
    /// Runs held out.
    pub k: usize,
    /// Root-mean-square of ln L̂ − ln L on them.
    pub rmse_log: f64,
    /// Mean |L̂ − L| / L on them.
    pub mean_abs_rel_error: f64,
    /// Each held-out run.
    pub runs: Vec<HeldOutRun>,
    /// The main law's parameters fitted without them.
    pub params: BTreeMap<String, f64>,
}

/// One law in the comparison table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ComparisonRow {
    /// Law key.
    pub law: String,
    /// Formula.
    pub label: String,
    /// Free parameters.
    pub k: usize,
    /// Objective on all runs.
    pub objective: f64,
    /// RMSE of log-loss on all runs.
    pub rmse_log: f64,
    /// Gaussian AIC on log-loss residuals: n·ln(RSS/n) + 2k.
    pub aic: f64,
    /// Gaussian BIC: n·ln(RSS/n) + k·ln n.
    pub bic: f64,
    /// RMSE of log-loss on the held-out runs, fitted without them.
    pub holdout_rmse_log: Option<f64>,
    /// Its parameters.
    pub params: BTreeMap<String, f64>,
}

/// A run and the main law's fit to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Residual {
    /// Source line.
    pub line: usize,
    /// Compute, FLOP.
    pub c: f64,
    /// Parameters.
    pub n: f64,
    /// Tokens.
    pub d: f64,
    /// Observed loss.
    pub loss: f64,
    /// Fitted loss (for held-out runs: the fit without them).
    pub predicted: f64,
    /// Whether the run was held out.
    pub held_out: bool,
    /// Its weight in the objective (1 unless a weight column was chosen).
    pub weight: f64,
}

/// One local optimum of the multistart.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OptimumRow {
    /// Objective.
    pub objective: f64,
    /// Starts that ended here.
    pub starts: usize,
    /// Its parameters.
    pub params: BTreeMap<String, f64>,
}

/// Which data went into the fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DataSummary {
    /// Column used for each role, by header name.
    pub columns: BTreeMap<String, String>,
    /// D was derived as C/(6N).
    pub d_derived: bool,
    /// N was derived as C/(6D).
    pub n_derived: bool,
    /// Source lines of the runs dropped as the highest losses.
    pub dropped_lines: Vec<usize>,
    /// Bad rows skipped.
    pub skipped_rows: usize,
    /// Smallest and largest compute fitted, FLOP.
    pub compute_range: (f64, f64),
}

/// Named published parameters of θ.
pub fn named(law: &dyn RunLaw, theta: &[f64]) -> BTreeMap<String, f64> {
    crate::core::order::map_of(law.param_names().iter().map(|n| n.to_string()).zip(law.params(theta)))
}

/// Predicted loss of θ at a point.
pub fn predict(law: &dyn RunLaw, theta: &[f64], x: &Point) -> f64 {
    let mut g = [0.0; MAX_DIM];
    law.predict_ln(theta, x, &mut g[..law.dim().min(MAX_DIM)]).exp()
}

fn find(fits: &[TaskFit], law: LawRef, variant: Variant) -> Option<&TaskFit> {
    fits.iter().find(|f| f.task.law == law && f.task.variant == variant)
}

pub use crate::core::fit::model::rmse;

fn holdout_rmse(prep: &Prepared, law: &dyn RunLaw, theta: &[f64]) -> f64 {
    rmse(prep.held_out.iter().filter_map(|&i| prep.runs.get(i)).map(|r| {
        let x = Point::from_run(r);
        predict(law, theta, &x).ln() - x.ln_loss
    }))
}

/// Assembles the report from finished tasks and bootstrap samples (`None` = a failed resample).
pub fn build(req: &FitRequest, prep: &Prepared, fits: &[TaskFit], samples: &[Option<Vec<f64>>]) -> FitReport {
    let law = prep.law;
    let form = &*law;
    let points = prep.points();
    let main = find(fits, law, Variant::Full);
    let theta = main.map(|m| m.theta.clone()).unwrap_or_default();
    let training = find(fits, law, Variant::Training);
    let good: Vec<Vec<f64>> = samples.iter().flatten().cloned().collect();

    let ci = (!good.is_empty()).then(|| {
        crate::core::order::map_of::<BTreeMap<_, _>, _, _>(
            parameter_intervals(form, &good)
                .into_iter()
                .filter(|(name, _)| prep.held.get(name).is_none_or(|h| h != "fixed"))
                .filter_map(|(name, iv)| iv.map(|iv| (name, iv))),
        )
    });
    let fitted_law = FittedLaw::from_theta(law, &theta);
    let max_c = prep.runs.iter().map(|r| r.c).fold(0.0, f64::max);
    let min_c = prep.runs.iter().map(|r| r.c).fold(f64::INFINITY, f64::min);
    let budget = req.budget.zip(fitted_law.as_ref()).and_then(|(compute, fitted)| {
        let a = allocate::optimum(fitted.as_law(), compute).ok()?;
        Some(BudgetAnswer {
            compute,
            n: a.n,
            d: a.d,
            loss: a.loss,
            intervals: (!good.is_empty()).then(|| budget_intervals(law, &good, compute)),
            beyond_data: compute / max_c,
        })
    });

    let holdout = training.map(|t| {
        let runs: Vec<HeldOutRun> = prep
            .held_out
            .iter()
            .filter_map(|&i| prep.runs.get(i))
            .map(|r| HeldOutRun {
                line: r.line,
                c: r.c,
                n: r.n,
                loss: r.loss,
                predicted: predict(form, &t.theta, &Point::from_run(r)),
            })
            .collect();
        let k = runs.len().max(1) as f64;
        Holdout {
            k: runs.len(),
            rmse_log: holdout_rmse(prep, form, &t.theta),
            mean_abs_rel_error: runs.iter().map(|r| (r.predicted - r.loss).abs() / r.loss).sum::<f64>() / k,
            runs,
            params: named(form, &t.theta),
        }
    });

    let residuals = prep
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let held_out = prep.held_out.contains(&i);
            let source = if held_out { training.map_or(&theta, |t| &t.theta) } else { &theta };
            Residual {
                line: r.line,
                c: r.c,
                n: r.n,
                d: r.d,
                loss: r.loss,
                predicted: predict(form, source, &Point::from_run(r)),
                held_out,
                weight: r.weight,
            }
        })
        .collect();

    let excluded = prep
        .excluded
        .iter()
        .map(|r| Residual { line: r.line, c: r.c, n: r.n, d: r.d, loss: r.loss, predicted: predict(form, &theta, &Point::from_run(r)), held_out: false, weight: r.weight })
        .collect();

    let n = points.len() as f64;
    let comparison = fits
        .iter()
        .filter(|f| f.task.variant == Variant::Full)
        .map(|f| {
            let rss: f64 = points.iter().map(|x| (predict(&*f.task.law, &f.theta, x).ln() - x.ln_loss).powi(2)).sum();
            // Free parameters: fixed ones do not count, tied ones count once.
            let k = prep.fitting(f.task.law, std::iter::empty()).free(f.task.law.dim());
            let base = n * (rss / n).max(f64::MIN_POSITIVE).ln();
            ComparisonRow {
                law: f.task.law.key().to_string(),
                label: f.task.law.label(),
                k,
                objective: f.value,
                rmse_log: (rss / n).sqrt(),
                aic: base + 2.0 * k as f64,
                bic: base + k as f64 * n.ln(),
                holdout_rmse_log: find(fits, f.task.law, Variant::Training).map(|t| holdout_rmse(prep, &*f.task.law, &t.theta)),
                params: named(&*f.task.law, &f.theta),
            }
        })
        .collect();

    let (isoflop, isoflop_error) = match fit_isoflop(&prep.runs, &IsoflopOptions { tolerance_log10: req.iso_tolerance, ..IsoflopOptions::default() }) {
        Ok(fit) => (Some(fit), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let (envelope, envelope_error) = if prep.columns.get(Role::Run).is_some() {
        match fit_envelope(&prep.runs, &EnvelopeOptions::default()) {
            Ok(fit) => (Some(fit), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, Some("needs training curves: a run-id column with several rows (tokens seen, loss) per run".into()))
    };

    let columns = crate::core::order::map_of(Role::ALL.iter().filter_map(|&role| {
        let header = prep.columns.get(role).and_then(|i| prep.headers.get(i))?;
        Some((role.key().to_string(), header.clone()))
    }));

    let warnings = warnings::collect(&warnings::Context {
        prep,
        main,
        budget: budget.as_ref(),
        failed_resamples: samples.len() - good.len(),
        resamples: samples.len(),
    });

    // ln L − ln L̂ of the runs in the fit, for the scatter of a single new run.
    let scatter: Vec<f64> = points.iter().map(|x| x.ln_loss - predict(form, &theta, x).ln()).filter(|r| r.is_finite()).collect();
    let at = predictions(form, &theta, &good, &scatter, &req.at);

    FitReport {
        law: law.key().to_string(),
        at,
        label: law.label(),
        points: points.len(),
        objective: main.map_or(f64::NAN, |m| m.value),
        delta: req.delta,
        asymmetry: prep.asymmetry,
        params: named(form, &theta),
        options: prep.options.clone(),
        held: prep.held.clone(),
        ci,
        bootstrap: (!samples.is_empty()).then(|| BootstrapInfo {
            resamples: samples.len(),
            failed: samples.len() - good.len(),
            seed: req.seed,
        }),
        budget,
        holdout,
        comparison,
        warnings,
        rolling: rolling(prep, fits),
        residuals,
        excluded,
        optima: main
            .map(|m| {
                m.optima
                    .iter()
                    .take(5)
                    .map(|o| OptimumRow { objective: o.value, starts: o.starts, params: named(form, &o.theta) })
                    .collect()
            })
            .unwrap_or_default(),
        search: if main.is_some_and(|m| m.task.profile) { "profile" } else { "grid" },
        profile: main.and_then(|m| identify::view(m, &good)),
        starts: main.map_or(0, |m| if m.task.profile { m.optima.iter().map(|o| o.starts).sum() } else { m.task.starts }),
        failed_starts: main.map_or(0, |m| m.failed),
        evaluations: fits.iter().map(|f| f.evaluations).sum(),
        isoflop,
        isoflop_error,
        envelope,
        envelope_error,
        fitted_law,
        data: DataSummary {
            columns,
            d_derived: prep.d_derived,
            n_derived: prep.n_derived,
            dropped_lines: prep.dropped.iter().map(|r| r.line).collect(),
            skipped_rows: prep.skipped_count,
            compute_range: (min_c, max_c),
        },
        joint: None,
        samples: good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::laws::chinchilla::CHINCHILLA;

    #[test]
    fn a_new_run_is_less_certain_than_the_law() {
        let theta = [6.169, 7.670, 0.597, 0.347, 0.367];
        // Resampled laws that differ a little in ln E; residuals of ±2 %.
        let samples: Vec<Vec<f64>> = (0..200).map(|i| vec![6.169, 7.670, 0.597 + 0.0001 * (i as f64 - 100.0), 0.347, 0.367]).collect();
        let residuals: Vec<f64> = (0..100).map(|i| 0.02 * ((i as f64) * 0.7).sin()).collect();
        let [p] = &predictions(&CHINCHILLA, &theta, &samples, &residuals, &[(70e9, 1.4e12)])[..] else { panic!() };
        let (ci, pi) = (p.ci.unwrap(), p.prediction_interval.unwrap());
        assert!(ci[0] < p.loss && p.loss < ci[1], "{p:?}");
        assert!(pi[0] < ci[0] && ci[1] < pi[1], "the interval for one run contains the law's: {p:?}");
        // The law's loss at (N, D) is the formula's.
        let want = 0.597f64.exp() + 6.169f64.exp() / 70e9f64.powf(0.347) + 7.670f64.exp() / 1.4e12f64.powf(0.367);
        assert!((p.loss - want).abs() < 1e-12 * want);
        // Without a bootstrap there is no CI, and the run interval comes from the residuals alone.
        let [q] = &predictions(&CHINCHILLA, &theta, &[], &residuals, &[(70e9, 1.4e12)])[..] else { panic!() };
        assert!(q.ci.is_none());
        let qi = q.prediction_interval.unwrap();
        assert!(qi[0] < q.loss * 0.985 && q.loss * 1.015 < qi[1], "{q:?}");
    }
}

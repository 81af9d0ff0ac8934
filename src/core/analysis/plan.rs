//! A fit request as a list of tasks (one multistart per law and data variant, then the
//! bootstrap of the main law), planned as jobs for workers ([`fit_plan`]), and the report of
//! the finished run; [`run_all`] runs the same jobs in this thread for the CLI.

use super::report::{self, FitReport};
use super::request::{prepare, FitError, FitRequest, Prepared};
use super::run::{BootSpec, FitOutcome, FitPlan, FitRun, Problem, TaskSearch, TaskSpec};
use crate::core::fit::grid::Grid;
use crate::core::fit::multistart::Optimum;
use crate::core::fit::profile::Surface;
use crate::core::fit::points::Point;
use crate::core::laws::LawRef;
use crate::core::runs::Run;

/// Which runs a task fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Every run.
    Full,
    /// All but the held-out runs (for validation).
    Training,
    /// The runs at or below rolling cut k ([`rolling_cuts`]): fitted to predict the rest.
    Below(usize),
    /// Every run, the variants fitted jointly (shared exponents, their own coefficients).
    Joint,
}

/// Fractions of the runs (by compute, smallest first) each rolling-forward fit sees.
const ROLLING_FRACTIONS: [f64; 4] = [0.5, 0.625, 0.75, 0.875];

/// The compute cuts of rolling-forward validation: for each of [`ROLLING_FRACTIONS`], the
/// compute of the largest run in that share of the runs (by compute), when at least twice the
/// law's parameter count of runs lie at or below it and at least one above; distinct, increasing.
pub fn rolling_cuts(prep: &Prepared) -> Vec<f64> {
    let mut c: Vec<f64> = prep.runs.iter().map(|r| r.c).collect();
    c.sort_by(f64::total_cmp);
    let needed = 2 * (prep.law.dim() + 1);
    let mut cuts: Vec<f64> = Vec::new();
    for f in ROLLING_FRACTIONS {
        let k = ((f * c.len() as f64) as usize).clamp(1, c.len());
        let cut = c[k - 1];
        let below = c.iter().filter(|&&x| x <= cut).count();
        if below >= needed && below < c.len() && cuts.last().is_none_or(|&last| cut > last) {
            cuts.push(cut);
        }
    }
    cuts
}

/// Most bootstrap resamples of a joint fit (its intervals are on the multipliers).
pub const MAX_JOINT_RESAMPLES: usize = 1000;

/// One multistart fit to run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    /// The law.
    pub law: LawRef,
    /// The runs.
    pub variant: Variant,
    /// Grid starts (0 for a profile).
    pub starts: usize,
    /// Searched by its profile over the exponents rather than from a grid of starts.
    pub profile: bool,
}

/// A finished task: the polished best optimum and the distinct optima seen.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskFit {
    /// The task.
    pub task: Task,
    /// θ at the best optimum.
    pub theta: Vec<f64>,
    /// Objective there.
    pub value: f64,
    /// Distinct optima, lowest first.
    pub optima: Vec<Optimum>,
    /// Starts whose objective was not finite.
    pub failed: usize,
    /// Objective evaluations.
    pub evaluations: usize,
    /// The profile over the exponents, when the task searched one.
    pub surface: Option<Surface>,
}

/// The tasks of a request: the main law on all runs first, then its training-only fit, then the
/// comparison laws.
pub fn plan(prep: &Prepared, req: &FitRequest) -> Vec<Task> {
    let mut tasks = Vec::new();
    for law in prep.laws(req.compare) {
        let profile = prep.profiled(law);
        let starts = if profile { 0 } else { task_grid(prep, law).len() };
        tasks.push(Task { law, variant: Variant::Full, starts, profile });
        if !prep.held_out.is_empty() {
            tasks.push(Task { law, variant: Variant::Training, starts, profile });
        }
    }
    // The joint fit of the variants, when there is a group column (after the main law's tasks).
    if prep.groups.is_some() {
        tasks.push(Task { law: prep.law, variant: Variant::Joint, starts: 0, profile: true });
    }
    // Rolling-forward validation of the main law (last: the page shows the main report first).
    if req.rolling && prep.profiled(prep.law) {
        for k in 0..rolling_cuts(prep).len() {
            tasks.push(Task { law: prep.law, variant: Variant::Below(k), starts: 0, profile: true });
        }
    }
    tasks
}

/// The grid a law starts from: the request's for the main law, the default for the others.
pub fn grid_for(prep: &Prepared, law: LawRef) -> Grid {
    if law == prep.law {
        prep.grid.clone()
    } else {
        law.default_grid()
    }
}

/// The runs a variant fits, in order.
pub fn runs_for(prep: &Prepared, variant: Variant) -> Vec<&Run> {
    match variant {
        Variant::Full | Variant::Joint => prep.runs.iter().collect(),
        Variant::Training => prep.runs.iter().enumerate().filter(|(i, _)| !prep.held_out.contains(i)).map(|(_, r)| r).collect(),
        Variant::Below(k) => {
            let cut = rolling_cuts(prep).get(k).copied().unwrap_or(f64::INFINITY);
            prep.runs.iter().filter(|r| r.c <= cut).collect()
        }
    }
}

/// The points a variant fits.
pub fn points_for(prep: &Prepared, variant: Variant) -> Vec<Point> {
    runs_for(prep, variant).into_iter().map(Point::from_run).collect()
}

/// The problem of one task: its law, its runs and the fit's options for them.
pub fn problem_for(prep: &Prepared, law: LawRef, variant: Variant) -> Problem {
    let runs = runs_for(prep, variant);
    let fitting = prep.fitting(law, runs.iter().copied());
    let points = runs.into_iter().map(Point::from_run).collect();
    match (&prep.groups, variant) {
        (Some(g), Variant::Joint) => Problem::Joint { law, points, group: g.of_run.clone(), count: g.names.len(), fitting },
        _ => Problem::Runs { law, points, fitting },
    }
}

/// The grid a task starts from, over its free parameters.
fn task_grid(prep: &Prepared, law: LawRef) -> Grid {
    let grid = grid_for(prep, law);
    if law == prep.law {
        prep.fitting(law, std::iter::empty()).grid(&grid)
    } else {
        grid
    }
}

/// The jobs of a request's tasks: each task's multistart, then the bootstrap of the first (the
/// main law on every run).
pub fn fit_plan(prep: &Prepared, req: &FitRequest, tasks: &[Task]) -> FitPlan {
    // A profiled law's fit without the held-out runs starts from the optima of its fit of every
    // run, which come from the basins of the whole profile (a law searched from a grid searches
    // it again: its grid's optima need not hold the training runs' best).
    let full = |law: LawRef| tasks.iter().position(|t| t.law == law && t.variant == Variant::Full);
    let specs = tasks
        .iter()
        .map(|t| TaskSpec {
            problem: problem_for(prep, t.law, t.variant),
            search: match (t.variant, t.profile, full(t.law)) {
                (Variant::Training, true, Some(task)) => TaskSearch::From { task },
                (Variant::Joint, _, _) => TaskSearch::Joint { resamples: req.bootstrap.min(MAX_JOINT_RESAMPLES), seed: req.seed },
                (_, true, _) => TaskSearch::Profile,
                (_, false, _) => TaskSearch::Grid(task_grid(prep, t.law)),
            },
            delta: req.delta,
        })
        .collect();
    let boot = (req.bootstrap > 0).then_some(BootSpec { task: 0, resamples: req.bootstrap, seed: req.seed });
    // The main law's tasks come first in `tasks`; the comparison laws wait for them.
    let foreground = tasks.iter().take_while(|t| t.law == prep.law && matches!(t.variant, Variant::Full | Variant::Training)).count();
    FitPlan { tasks: specs, boot, foreground }
}

/// The report of a finished run of [`fit_plan`].
///
/// # Errors
/// When no start of the main law gave a usable optimum.
pub fn report(req: &FitRequest, prep: &Prepared, tasks: &[Task], outcome: FitOutcome) -> Result<FitReport, FitError> {
    let surfaces = outcome.surfaces.into_iter().chain(std::iter::repeat(None));
    let fits: Vec<TaskFit> = tasks
        .iter()
        .zip(outcome.tasks)
        .zip(surfaces)
        .filter_map(|((task, result), surface)| {
            let r = result?;
            Some(TaskFit { task: *task, theta: r.best.theta, value: r.best.value, optima: r.optima, failed: r.failed, evaluations: r.evaluations, surface })
        })
        .collect();
    if fits.first().is_none_or(|f| f.task.law != prep.law || f.task.variant != Variant::Full) {
        return Err(no_fit(prep));
    }
    let mut report = report::build(req, prep, &fits, &outcome.samples);
    if let (Some(groups), Some(joint)) = (&prep.groups, fits.iter().find(|f| f.task.variant == Variant::Joint)) {
        // The multipliers are at the Budget panel's compute, or at the largest run's.
        let c = req.budget.unwrap_or_else(|| prep.runs.iter().map(|r| r.c).fold(0.0, f64::max));
        report.joint = Some(super::joint::report(prep.law, groups, &prep.points(), &joint.theta, joint.value, &outcome.joint_samples, c));
    }
    Ok(report)
}

/// The whole pipeline in this thread (the CLI, the tests): every task, the bootstrap, the report.
/// `progress` receives the fraction done after each share.
///
/// # Errors
/// Whatever [`prepare`] rejects, or no finite fit from any start of the main law.
pub fn run_all(req: &FitRequest, progress: &mut dyn FnMut(f64)) -> Result<FitReport, FitError> {
    let prep = prepare(req)?;
    let tasks = plan(&prep, req);
    let outcome = FitRun::new(fit_plan(&prep, req, &tasks)).run_inline(progress);
    report(req, &prep, &tasks, outcome)
}

/// The error when no start of the main law gave a finite objective.
pub fn no_fit(prep: &Prepared) -> FitError {
    FitError::Option(format!(
        "no start of the {} fit gave a finite objective: check the data (losses and sizes must be positive)",
        prep.law.key()
    ))
}

/// The job a page's worker runs first: [`warm_up`].
pub const WARM_UP: &str = "fit.warm";

/// A small fit of twelve synthetic runs (an exact Chinchilla-form law) through the profile
/// search, the refinement and 50 bootstrap resamples; returns the fitted objective. Each of the
/// page's workers runs it when it starts: engines that compile hot wasm again once it is hot
/// (WebKit's JavaScriptCore: its first Epoch fit took 0.92 s against 0.12 s once warm, measured
/// with tests/engines/jobtimes.mjs) have then done so before the user's first fit.
pub fn warm_up() -> Option<f64> {
    use std::fmt::Write;
    let mut data = String::from("N,D,loss\n");
    for n in [2e7_f64, 5e7, 1e8, 2e8] {
        for tokens_per_param in [5.0, 20.0, 80.0] {
            let d = n * tokens_per_param;
            let _ = writeln!(data, "{n},{d},{}", 1.7 + 400.0 / n.powf(0.34) + 410.0 / d.powf(0.28));
        }
    }
    let req = FitRequest { data, compare: false, bootstrap: 50, ..FitRequest::default() };
    let prep = prepare(&req).ok()?;
    let tasks = plan(&prep, &req);
    let outcome = FitRun::new(fit_plan(&prep, &req, &tasks)).run_inline(&mut |_| {});
    outcome.tasks.first()?.as_ref().map(|t| t.best.value)
}

#[cfg(test)]
mod tests {
    use super::*;


    #[test]
    fn epoch_pipeline_reproduces_the_reference_with_intervals_and_validation() {
        let req = FitRequest {
            data: crate::test_support::epoch_csv().into(),
            drop_top: 5,
            bootstrap: 1000,
            holdout: Some(10),
            budget: Some(5.76e23),
            ..FitRequest::default()
        };
        let mut last = 0.0;
        let report = run_all(&req, &mut |p| {
            assert!(p >= last && p <= 1.0);
            last = p;
        })
        .unwrap();
        assert!((last - 1.0).abs() < 1e-12);
        assert_eq!(report.points, 240);
        assert!(report.objective <= 0.001_018_274_02, "{}", report.objective);
        assert!((report.params["A"] - 477.8).abs() < 1.0 && (report.params["beta"] - 0.3672).abs() < 1e-3);
        // Intervals bracket the estimate and resemble Epoch's published ones.
        let ci = report.ci.as_ref().unwrap();
        for (name, iv) in ci {
            assert!(iv.lo <= report.params[name] && report.params[name] <= iv.hi, "{name} {iv:?}");
        }
        // Epoch's published 95 % bootstrap intervals (their Huber-likelihood fit, 4 000 resamples).
        let published = [("A", 285.214, 743.626), ("B", 1042.357, 5810.344), ("E", 1.769, 1.871), ("alpha", 0.317, 0.373), ("beta", 0.331, 0.415)];
        for (name, lo, hi) in published {
            let iv = ci[name];
            let width = hi - lo;
            assert!((iv.lo - lo).abs() < 0.25 * width && (iv.hi - hi).abs() < 0.25 * width, "{name}: ours {iv:?}, Epoch ({lo}, {hi})");
        }
        let budget = report.budget.as_ref().unwrap();
        let iv = budget.intervals.as_ref().unwrap();
        assert!(iv.n.unwrap().lo < budget.n && budget.n < iv.n.unwrap().hi);
        // Validation: 10 held out, errors small (these are the largest runs of a good law).
        let h = report.holdout.as_ref().unwrap();
        assert_eq!(h.k, 10);
        assert!(h.rmse_log > 0.0 && h.rmse_log < 0.05, "{}", h.rmse_log);
        // Comparison: every law, Chinchilla beats the single-variable power laws on log RMSE.
        assert_eq!(report.comparison.len(), super::super::request::comparison_laws().count());
        let rmse = |law: &str| report.comparison.iter().find(|r| r.law == law).unwrap().rmse_log;
        assert!(rmse("chinchilla") < rmse("power-c"));
        assert!(report.comparison.iter().all(|r| r.aic.is_finite() && r.bic > r.aic));
        assert_eq!(report.residuals.len(), 240);
        assert!(report.isoflop.is_some(), "{:?}", report.isoflop_error);
        assert!(report.warnings.iter().any(|w| w.contains("largest run's compute")), "{:?}", report.warnings);
    }

    #[test]
    fn rolling_cuts_need_runs_on_both_sides() {
        let epoch = FitRequest { data: crate::test_support::epoch_csv().into(), drop_top: 5, holdout: Some(0), ..FitRequest::default() };
        let cuts = rolling_cuts(&prepare(&epoch).unwrap());
        assert_eq!(cuts.len(), 4);
        assert!(cuts.windows(2).all(|w| w[0] < w[1]));
        // Twelve runs cannot put twice Chinchilla's six parameters below a cut and any above it.
        let mut data = String::from("N,D,loss\n");
        for i in 0..12 {
            let n = 1e7 * 2f64.powi(i);
            data.push_str(&format!("{n},{},{}\n", 20.0 * n, 1.8 + 400.0 / n.powf(0.34)));
        }
        let few = FitRequest { data, holdout: Some(0), rolling: true, ..FitRequest::default() };
        let prep = prepare(&few).unwrap();
        assert!(rolling_cuts(&prep).is_empty());
        assert!(plan(&prep, &few).iter().all(|t| !matches!(t.variant, Variant::Below(_))));
    }

    #[test]
    fn collinear_runs_are_flagged() {
        // Every run at 20 tokens per parameter.
        let mut data = String::from("N,D,loss\n");
        for i in 0..12 {
            let n = 1e7 * 2f64.powi(i);
            let d = 20.0 * n;
            let loss = 1.8 + 400.0 / n.powf(0.34) + 2000.0 / d.powf(0.37);
            data.push_str(&format!("{n},{d},{loss}\n"));
        }
        let req = FitRequest { data, bootstrap: 0, compare: false, grid: "a=0:20:10, b=0:20:10".into(), ..FitRequest::default() };
        let report = run_all(&req, &mut |_| {}).unwrap();
        assert!(report.warnings.iter().any(|w| w.contains("N and D move together")), "{:?}", report.warnings);
        assert!(report.warnings.iter().any(|w| w.contains("Only 12 runs")), "{:?}", report.warnings);
    }

    #[test]
    fn the_warm_up_fit_finds_its_exact_law() {
        let objective = warm_up().unwrap();
        assert!(objective.is_finite() && objective < 1e-12, "{objective}");
    }
}

//! A fit request as a list of tasks (one multistart per law and data variant, then the
//! bootstrap), each splittable into shares so several Web Workers can run it; and the whole
//! pipeline run in-process for the CLI.

use super::report::{self, FitReport};
use super::request::{prepare, FitError, FitRequest, Prepared};
use crate::core::fit::bootstrap;
use crate::core::fit::grid::Grid;
use crate::core::fit::multistart::{Multistart, Optimum, Slice};
use crate::core::fit::points::Point;
use crate::core::laws::{LawRef, RunsModel};

/// Which runs a task fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Every run.
    Full,
    /// All but the held-out runs (for validation).
    Training,
}

/// One multistart fit to run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    /// The law.
    pub law: LawRef,
    /// The runs.
    pub variant: Variant,
    /// Grid starts.
    pub starts: usize,
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
}

/// The tasks of a request: the main law on all runs first, then its training-only fit, then the
/// comparison laws.
pub fn plan(prep: &Prepared, req: &FitRequest) -> Vec<Task> {
    let mut tasks = Vec::new();
    for law in prep.laws(req.compare) {
        let starts = grid_for(prep, law).len();
        tasks.push(Task { law, variant: Variant::Full, starts });
        if !prep.held_out.is_empty() {
            tasks.push(Task { law, variant: Variant::Training, starts });
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

/// The points a variant fits.
pub fn points_for(prep: &Prepared, variant: Variant) -> Vec<Point> {
    match variant {
        Variant::Full => prep.points(),
        Variant::Training => prep.training_points(),
    }
}

/// Runs starts `from..to` of a task.
pub fn run_share(prep: &Prepared, req: &FitRequest, task: &Task, from: usize, to: usize) -> Slice {
    let points = points_for(prep, task.variant);
    let model = RunsModel::new(task.law.0, &points);
    let mut fit = Multistart::new(&model, req.delta, grid_for(prep, task.law)).with_range(from, to);
    fit.run(usize::MAX);
    fit.slice()
}

/// Merges a task's shares and polishes the best optimum; `None` if no start gave a finite fit.
pub fn finish_task(prep: &Prepared, req: &FitRequest, task: &Task, shares: Vec<Slice>) -> Option<TaskFit> {
    let points = points_for(prep, task.variant);
    let model = RunsModel::new(task.law.0, &points);
    let grid = grid_for(prep, task.law);
    let end = grid.len();
    let mut fit = Multistart::new(&model, req.delta, grid).with_range(end, end);
    for s in shares {
        fit.absorb(s);
    }
    let done = fit.finish()?;
    Some(TaskFit {
        task: *task,
        theta: done.best.theta,
        value: done.best.value,
        optima: done.optima,
        failed: done.failed,
        evaluations: done.evaluations,
    })
}

/// Bootstrap resamples `from..to` of the main law, warm-started at its full-data optimum.
pub fn run_bootstrap_share(prep: &Prepared, req: &FitRequest, best: &[f64], from: usize, to: usize) -> Vec<Option<Vec<f64>>> {
    let points = prep.points();
    bootstrap::resamples(&RunsModel::new(prep.law.0, &points), best, req.delta, req.seed, from, to)
}

/// The whole pipeline in this thread (the CLI, the tests): every task, the bootstrap, the report.
/// `progress` receives the fraction done after each share.
///
/// # Errors
/// Whatever [`prepare`] rejects, or no finite fit from any start of the main law.
pub fn run_all(req: &FitRequest, progress: &mut dyn FnMut(f64)) -> Result<FitReport, FitError> {
    const SHARE: usize = 250;
    let prep = prepare(req)?;
    let tasks = plan(&prep, req);
    let total = tasks.iter().map(|t| t.starts).sum::<usize>() + req.bootstrap * 2;
    let mut done = 0;
    let mut fits = Vec::new();
    for task in &tasks {
        let mut shares = Vec::new();
        let mut from = 0;
        while from < task.starts {
            let to = (from + SHARE).min(task.starts);
            shares.push(run_share(&prep, req, task, from, to));
            done += to - from;
            progress(done as f64 / total.max(1) as f64);
            from = to;
        }
        fits.push(finish_task(&prep, req, task, shares));
    }
    let main = fits.first().cloned().flatten().ok_or_else(|| no_fit(&prep))?;
    let mut samples = Vec::new();
    let mut from = 0;
    while from < req.bootstrap {
        let to = (from + SHARE).min(req.bootstrap);
        samples.extend(run_bootstrap_share(&prep, req, &main.theta, from, to));
        done += 2 * (to - from);
        progress(done as f64 / total.max(1) as f64);
        from = to;
    }
    Ok(report::build(req, &prep, &fits.into_iter().flatten().collect::<Vec<_>>(), &samples))
}

/// The error when no start of the main law gave a finite objective.
pub fn no_fit(prep: &Prepared) -> FitError {
    FitError::Option(format!(
        "no start of the {} fit gave a finite objective: check the data (losses and sizes must be positive)",
        prep.law.key()
    ))
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
}

//! Slow results (fits, bootstraps, simulations) as jobs for workers, planned here and carried by
//! the page's script. Natively (the CLI, tests, a worker) a slow result is computed where it is
//! asked for. On the page ([`Session::set_deferred`]) it becomes a run of jobs: the tool shows
//! that it is computing, the page's script takes jobs with [`Session::next_job`], hands them to
//! its workers (each runs [`Session::run_job`] with the same code) and gives the results back to
//! [`Session::accept`]; when a run ends, the page evaluates again and the tool reads its result.
//!
//! Two kinds of run: a fit ([`FitRun`]: multistart shares and bootstrap resamples, spread over
//! every worker) and a single job a tool names (`cmp.compare`, `sw.simulate`, …), which the
//! tool's [`crate::page::tools::Tool::run_job`] runs.

use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::session::Session;
use crate::core::analysis::run::{self, FitOutcome, FitPlan, FitRun};

/// The memo area of slow results.
const AREA: &str = "slow";

/// A slow result: computing, or known.
#[derive(Debug)]
pub enum Slow<T> {
    /// Being computed in the background; the fraction done.
    Busy(f64),
    /// Known.
    Done(Rc<T>),
}

impl<T> Slow<T> {
    /// The result, when known.
    pub fn done(self) -> Option<Rc<T>> {
        match self {
            Slow::Done(v) => Some(v),
            Slow::Busy(_) => None,
        }
    }
}

/// A slow result computed from pasted text.
#[derive(Debug)]
pub enum FromPaste<T> {
    /// Nothing is pasted.
    Empty,
    /// Being computed in the background.
    Busy,
    /// Computed.
    Done(Rc<T>),
}

impl<T> From<Slow<T>> for FromPaste<T> {
    fn from(s: Slow<T>) -> Self {
        match s {
            Slow::Busy(_) => FromPaste::Busy,
            Slow::Done(v) => FromPaste::Done(v),
        }
    }
}

/// One job as the page's script carries it to a worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// Unique on this page.
    pub id: u64,
    /// What the worker runs.
    pub method: String,
    /// Its arguments, as JSON.
    pub args: String,
}

/// What a result changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Accepted {
    /// Who the job was for: a tool's key, or "fit" for the Fit panel (`None`: a job of a run that
    /// has since been replaced or cancelled).
    pub owner: Option<&'static str>,
    /// Whether its run has ended (the page should evaluate, or show the fit, again).
    pub finished: bool,
}

/// The work of a run.
pub(crate) enum Work {
    /// A fit: many jobs.
    Fit(FitRun),
    /// One job; its result once it is in.
    Single { method: &'static str, args: String, handed: bool, result: Option<String> },
}

impl Work {
    fn next_job(&mut self) -> Option<(u64, String, String)> {
        match self {
            Work::Fit(run) => run.next_job().map(|j| (j.id, j.method.to_string(), j.args)),
            Work::Single { method, args, handed, .. } => {
                if *handed {
                    return None;
                }
                *handed = true;
                Some((0, method.to_string(), args.clone()))
            }
        }
    }

    fn accept(&mut self, local: u64, result: &str) -> Result<(), String> {
        match self {
            Work::Fit(run) => run.accept(local, result).map_err(|e| e.to_string()),
            Work::Single { result: slot, .. } => {
                *slot = Some(result.to_string());
                Ok(())
            }
        }
    }

    fn is_done(&self) -> bool {
        match self {
            Work::Fit(run) => run.is_done(),
            Work::Single { result, .. } => result.is_some(),
        }
    }

    fn progress(&self) -> f64 {
        match self {
            Work::Fit(run) => {
                let (done, total) = run.progress();
                done as f64 / total.max(1) as f64
            }
            Work::Single { result, .. } => f64::from(u8::from(result.is_some())),
        }
    }
}

/// A tool's slow result in the making.
pub(crate) struct ToolRun {
    serial: u64,
    owner: &'static str,
    slot: &'static str,
    key: String,
    work: Work,
}

/// Where each job handed out goes back to.
#[derive(Default)]
pub(crate) struct Routes {
    next: u64,
    jobs: std::collections::BTreeMap<u64, (u64, u64)>,
}

impl Routes {
    fn route(&mut self, serial: u64, local: u64) -> u64 {
        let id = self.next;
        self.next += 1;
        self.jobs.insert(id, (serial, local));
        id
    }
}

impl Session {
    /// Defers slow results to workers (the page) or computes them where asked (off, the default).
    pub fn set_deferred(&mut self, on: bool) {
        self.deferred = on;
    }

    /// A tool's fit: planned by `plan` (an `Err` is the result at once, e.g. a table that does
    /// not read), its outcome read by `finish` — remembered in `slot` for `key`, which must
    /// cover everything both depend on.
    pub fn fit<T: 'static>(
        &mut self,
        owner: &'static str,
        slot: &'static str,
        key: String,
        plan: impl FnOnce() -> Result<FitPlan, T>,
        finish: impl FnOnce(FitOutcome) -> T,
    ) -> Slow<T> {
        if let Some(v) = self.remembered::<Rc<T>>((AREA, slot), &key) {
            return Slow::Done(v);
        }
        let outcome = match self.take_finished(slot, &key) {
            Some(Work::Fit(run)) => Some(run.outcome()),
            Some(Work::Single { .. }) => None,
            None => {
                if let Some(progress) = self.running(slot, &key) {
                    return Slow::Busy(progress);
                }
                let plan = match plan() {
                    Ok(p) => p,
                    Err(result) => return Slow::Done(self.keep(slot, key, result)),
                };
                let run = FitRun::new(plan);
                if self.deferred {
                    return self.start(owner, slot, key, Work::Fit(run));
                }
                Some(run.run_inline(&mut |_| {}))
            }
        };
        match outcome {
            Some(outcome) => Slow::Done(self.keep(slot, key, finish(outcome))),
            None => Slow::Busy(0.0),
        }
    }

    /// A tool's slow computation: `compute(args)` here, or on the page the job `method` with
    /// these arguments (the tool's [`crate::page::tools::Tool::run_job`] runs the same
    /// `compute` in a worker) — remembered in `slot` for `key`.
    pub fn job<A: Serialize, R: Serialize + DeserializeOwned + 'static>(
        &mut self,
        owner: &'static str,
        slot: &'static str,
        key: String,
        method: &'static str,
        args: &A,
        compute: impl FnOnce(&A) -> R,
    ) -> Slow<R> {
        if let Some(v) = self.remembered::<Rc<R>>((AREA, slot), &key) {
            return Slow::Done(v);
        }
        if !self.deferred {
            return Slow::Done(self.keep(slot, key, compute(args)));
        }
        match self.take_finished(slot, &key) {
            Some(Work::Single { result: Some(json), .. }) => match serde_json::from_str::<R>(&json) {
                Ok(value) => Slow::Done(self.keep(slot, key, value)),
                // A result that does not read back (it always should) is computed here instead.
                Err(_) => Slow::Done(self.keep(slot, key, compute(args))),
            },
            Some(_) => Slow::Done(self.keep(slot, key, compute(args))),
            None => {
                if let Some(progress) = self.running(slot, &key) {
                    return Slow::Busy(progress);
                }
                match serde_json::to_string(args) {
                    Ok(json) => self.start(owner, slot, key, Work::Single { method, args: json, handed: false, result: None }),
                    Err(_) => Slow::Done(self.keep(slot, key, compute(args))),
                }
            }
        }
    }

    fn keep<T: 'static>(&mut self, slot: &'static str, key: String, value: T) -> Rc<T> {
        let v = Rc::new(value);
        self.remember((AREA, slot), key, v.clone());
        v
    }

    /// The progress of the run filling `slot` for `key`, if one is under way.
    fn running(&self, slot: &str, key: &str) -> Option<f64> {
        self.runs.iter().find(|r| r.slot == slot && r.key == key).map(|r| r.work.progress())
    }

    /// The finished work for `slot` and `key`, taken out of the runs.
    fn take_finished(&mut self, slot: &str, key: &str) -> Option<Work> {
        let at = self.runs.iter().position(|r| r.slot == slot && r.key == key && r.work.is_done())?;
        Some(self.runs.remove(at).work)
    }

    /// Starts a run for `slot`, replacing any run for other inputs there.
    fn start<T>(&mut self, owner: &'static str, slot: &'static str, key: String, work: Work) -> Slow<T> {
        self.runs.retain(|r| r.slot != slot);
        self.serial += 1;
        let progress = work.progress();
        self.runs.push(ToolRun { serial: self.serial, owner, slot, key, work });
        Slow::Busy(progress)
    }

    /// The next job for a worker: the Fit panel's first, then the tools' in the order they asked.
    pub fn next_job(&mut self) -> Option<Job> {
        if let Some(panel) = self.fit_run.as_mut() {
            if let Some(job) = panel.run.next_job() {
                let id = self.routes.route(panel.serial, job.id);
                return Some(Job { id, method: job.method.to_string(), args: job.args });
            }
        }
        for r in &mut self.runs {
            if let Some((local, method, args)) = r.work.next_job() {
                let id = self.routes.route(r.serial, local);
                return Some(Job { id, method, args });
            }
        }
        None
    }

    /// A worker's result for job `id`.
    ///
    /// # Errors
    /// A result that does not read (a bug: workers run the same code).
    pub fn accept(&mut self, id: u64, result: &str) -> Result<Accepted, String> {
        let Some((serial, local)) = self.routes.jobs.remove(&id) else { return Ok(Accepted::default()) };
        if let Some(panel) = self.fit_run.as_mut().filter(|p| p.serial == serial) {
            panel.run.accept(local, result).map_err(|e| e.to_string())?;
            return Ok(Accepted { owner: Some("fit"), finished: panel.run.is_done() });
        }
        match self.runs.iter_mut().find(|r| r.serial == serial) {
            Some(r) => {
                r.work.accept(local, result)?;
                Ok(Accepted { owner: Some(r.owner), finished: r.work.is_done() })
            }
            None => Ok(Accepted::default()),
        }
    }

    /// Whether a tool's run is under way (the page shows it is computing).
    pub fn tool_work_pending(&self) -> bool {
        self.runs.iter().any(|r| !r.work.is_done())
    }

    /// Runs one job (in a worker): a fit's share, or a tool's computation.
    ///
    /// # Errors
    /// An unknown method, or arguments that do not read.
    pub fn run_job(&mut self, method: &str, args: &str) -> Result<String, String> {
        if method == crate::core::analysis::plan::WARM_UP {
            return Ok(crate::core::analysis::plan::warm_up().map_or("null".into(), |v| v.to_string()));
        }
        if method.starts_with("fit.") {
            return run::run_job(method, args, &mut self.models).map_err(|e| e.to_string());
        }
        crate::page::tools::run_job(method, args)
    }
}

/// A tool's computation run from JSON arguments, its result as JSON: what a tool's
/// [`crate::page::tools::Tool::run_job`] calls for each of its methods.
///
/// # Errors
/// Arguments that do not read, or a result that does not write.
pub fn serve<A: DeserializeOwned, R: Serialize>(args: &str, compute: impl FnOnce(&A) -> R) -> Result<String, String> {
    let a: A = serde_json::from_str(args).map_err(|e| format!("a job's arguments did not read: {e}"))?;
    serde_json::to_string(&compute(&a)).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::budget::{evaluate, Inputs, View};

    /// Two "workers": sessions of their own, as a worker's wasm module has.
    struct Workers(Vec<Session>);

    impl Workers {
        fn new() -> Workers {
            Workers(vec![Session::new(), Session::new()])
        }

        /// Takes every job the page has, runs them on the workers in turn and hands the results
        /// back in the reverse order (later jobs first), as workers may finish them.
        fn round(&mut self, page: &mut Session) -> usize {
            let mut jobs = Vec::new();
            while let Some(job) = page.next_job() {
                jobs.push(job);
            }
            let results: Vec<(u64, String)> = jobs
                .iter()
                .enumerate()
                .map(|(i, job)| {
                    let count = self.0.len();
                    (job.id, self.0[i % count].run_job(&job.method, &job.args).expect("the job runs"))
                })
                .collect();
            for (id, result) in results.into_iter().rev() {
                page.accept(id, &result).expect("the result reads");
            }
            jobs.len()
        }
    }

    /// The page's path: evaluate with slow results deferred, hand the jobs to workers, take the
    /// results back, evaluate again — until nothing is pending. The final view and the rounds.
    fn through_workers(inputs: &Inputs) -> (View, usize) {
        let mut page = Session::new();
        page.set_deferred(true);
        let mut workers = Workers::new();
        for rounds in 0..8 {
            let view = evaluate(inputs, &mut page);
            if view.pending.is_empty() && !page.tool_work_pending() {
                return (view, rounds);
            }
            while workers.round(&mut page) > 0 {}
        }
        panic!("still pending after 8 rounds");
    }

    fn slow_inputs() -> Inputs {
        let epoch = crate::test_support::epoch_csv();
        let half: String = epoch.lines().take(130).collect::<Vec<_>>().join("\n");
        // The runs Muennighoff et al. fitted R* on (flagged in the file).
        let runs: String = crate::test_support::datablations_csv()
            .lines()
            .enumerate()
            .filter(|(i, line)| *i == 0 || line.split(',').nth(9) == Some("1"))
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
            .join("\n");
        Inputs::default().with("cmp_a", epoch).with("cmp_b", half).with("cmp_boot", "50").with("dl_runs", runs).with("dl_law", "fit")
    }

    #[test]
    fn every_tool_shows_the_same_through_workers_as_computed_in_place() {
        let inputs = slow_inputs();
        let in_place = evaluate(&inputs, &mut Session::new());
        assert!(in_place.pending.is_empty());
        let (through, rounds) = through_workers(&inputs);
        // Fits and simulations, then what needs them (the schedule's prediction, the crossing).
        assert_eq!(rounds, 2);
        assert_eq!(through, in_place);
        for key in ["sched_tissue", "sched_wsd_best", "cmp_verdict", "dl_fit", "sw_n_ci"] {
            let text = in_place.outputs.get(key).map(String::as_str).unwrap_or_default();
            assert!(!text.is_empty() && !text.contains('…'), "{key} = {text:?}");
        }
    }

    #[test]
    fn while_deferred_each_slow_result_is_pending_and_planned_as_jobs() {
        let mut page = Session::new();
        page.set_deferred(true);
        let view = evaluate(&slow_inputs(), &mut page);
        for key in ["sched_tissue", "sw_n_ci", "cmp_law_a", "cmp_law_b", "dl_fit"] {
            assert!(view.pending.contains(key), "{key} not pending: {:?}", view.pending);
            assert!(view.outputs[key].ends_with('…'), "{key} = {:?}", view.outputs[key]);
        }
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(page.tool_work_pending());
        let mut methods = std::collections::BTreeSet::new();
        while let Some(job) = page.next_job() {
            methods.insert(job.method);
        }
        // The compare and data-limit fits are shares of starts for every worker (their resamples
        // follow once a share's results are in); the others are one job each.
        assert_eq!(methods.into_iter().collect::<Vec<_>>(), ["fit.starts", "sched.fits", "sw.simulate"].map(String::from));
    }

    /// A run replaced by new inputs (the table edited) does not take the old run's results.
    #[test]
    fn results_of_a_replaced_run_are_ignored() {
        let mut page = Session::new();
        page.set_deferred(true);
        let inputs = Inputs::default().with("cmp_a", crate::test_support::epoch_csv()).with("cmp_boot", "20");
        evaluate(&inputs, &mut page);
        let job = std::iter::from_fn(|| page.next_job()).find(|j| j.method == "fit.starts").expect("a fit job");
        let result = Session::new().run_job(&job.method, &job.args).unwrap();
        let edited = inputs.clone().with("cmp_a", crate::test_support::epoch_csv().replace("\n", "\n\n"));
        evaluate(&edited, &mut page);
        assert_eq!(page.accept(job.id, &result).unwrap(), Accepted::default());
        assert_eq!(page.accept(9_999_999, &result).unwrap(), Accepted::default());
    }

    /// The Fit panel's fit through workers gives what it gives in this thread.
    #[test]
    fn the_fit_panel_through_workers_equals_the_fit_in_place() {
        let inputs = Inputs::default()
            .with("fit_data", crate::test_support::epoch_csv())
            .with("fit_drop", "5")
            .with("fit_boot", "100")
            .with("fit_grid", "a=0:20:10, b=0:20:10, e=-1:1:1, alpha=0:1:0.5, beta=0:1:0.5");
        let mut here = Session::new();
        here.start_fit(&inputs).unwrap();
        let in_place = here.fit_view().unwrap();
        let mut page = Session::new();
        page.set_deferred(true);
        let started = page.start_fit(&inputs).unwrap();
        assert!(!started.finished && started.models == 10, "{started:?}");
        assert!(page.finish_fit().is_none(), "a fit just started has no report");
        let mut workers = Workers::new();
        while workers.round(&mut page) > 0 {}
        assert!(page.fit_progress().unwrap().finished);
        let through = page.finish_fit().unwrap().unwrap();
        assert_eq!(through, in_place);
        assert_eq!(page.fit_view().unwrap(), in_place);
        assert!(page.fit_progress().is_none());
    }
}

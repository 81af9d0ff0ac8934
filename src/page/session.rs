//! The page's state beyond its inputs, made explicit: what has been computed (remembered per
//! slot, so a keystroke recomputes only what it changed), slow results being computed by
//! workers ([`crate::page::jobs`]), and the Fit panel's fit, running or done.
//! [`crate::page::budget::evaluate`] takes the inputs and a `&mut Session`; the page keeps one
//! session for its life, each worker its own, the CLI and tests make theirs.

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::core::analysis::report::FitReport;
use crate::core::analysis::run::ModelCache;

/// Remembered results: (area, name) → (key, value).
type Memo = BTreeMap<(&'static str, &'static str), (String, Rc<dyn Any>)>;

/// The Fit panel's last finished fit.
#[derive(Debug, Clone)]
pub struct CurrentFit {
    /// The report.
    pub report: FitReport,
    /// The fitted-law text "Use this fit" puts in the inputs, when the law can drive the Budget panel.
    pub spec: Option<String>,
    /// Counts finished fits, so that results derived from a fit are remembered per fit.
    pub serial: u64,
}

/// Everything the page knows besides its inputs.
#[derive(Default)]
pub struct Session {
    memo: Memo,
    /// Whether slow results are deferred to workers (the page) or computed where asked.
    pub(crate) deferred: bool,
    /// The tools' slow results under way.
    pub(crate) runs: Vec<super::jobs::ToolRun>,
    /// Numbers the runs, so that a job's result finds its run (or none, if it was replaced).
    pub(crate) serial: u64,
    /// Where each job handed out goes back to.
    pub(crate) routes: super::jobs::Routes,
    /// The Fit panel's fit under way.
    pub(crate) fit_run: Option<super::fitpanel::PanelRun>,
    /// The Fit panel's last finished fit.
    pub fit: Option<CurrentFit>,
    fits_finished: u64,
    /// The results of the Fit panel's last fits' tasks, which a fit that leaves a task alone takes
    /// instead of fitting it again.
    pub(crate) tasks: crate::core::analysis::run::TaskCache,
    /// A worker's last model: every share of one fit carries the same problem.
    pub(crate) models: ModelCache,
    /// Where each fit chart drew the runs (by chart kind), for clicks on the chart.
    pub chart_marks: std::collections::BTreeMap<String, Vec<crate::core::plot::RunMark>>,
}

impl Session {
    /// A session that computes everything where it is asked for (the CLI, tests, a worker).
    pub fn new() -> Session {
        Session::default()
    }

    /// The result of `compute` for `key`, remembered per `slot` (one entry each): a tool's
    /// panel and its charts ask for the same result on every keystroke, and only the first asks
    /// computes it.
    pub fn memo<T: Clone + 'static>(&mut self, slot: &'static str, key: String, compute: impl FnOnce() -> T) -> T {
        self.memo_in(slot, "", key, compute)
    }

    /// [`Session::memo`] with one slot per `(area, name)`, e.g. one per field of the page.
    pub fn memo_in<T: Clone + 'static>(&mut self, area: &'static str, name: &'static str, key: String, compute: impl FnOnce() -> T) -> T {
        if let Some(v) = self.remembered((area, name), &key) {
            return v;
        }
        let v = compute();
        self.remember((area, name), key, v.clone());
        v
    }

    /// The value remembered in `slot` if it was remembered for `key`.
    pub(crate) fn remembered<T: Clone + 'static>(&self, slot: (&'static str, &'static str), key: &str) -> Option<T> {
        self.memo.get(&slot).filter(|(k, _)| k == key).and_then(|(_, v)| v.downcast_ref::<T>().cloned())
    }

    /// Remembers `value` for `key` in `slot` (replacing whatever the slot held).
    pub(crate) fn remember<T: Clone + 'static>(&mut self, slot: (&'static str, &'static str), key: String, value: T) {
        self.memo.insert(slot, (key, Rc::new(value)));
    }

    /// Keeps a finished fit as the Fit panel's current one.
    pub fn set_fit(&mut self, report: FitReport, spec: Option<String>) {
        self.fits_finished += 1;
        self.fit = Some(CurrentFit { report, spec, serial: self.fits_finished });
    }
}

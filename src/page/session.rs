//! The page's state beyond its inputs, made explicit: what has been computed (remembered per
//! slot, so a keystroke recomputes only what it changed), slow results on their way from a
//! worker, and the Fit panel's last fit. [`crate::page::budget::evaluate`] takes the inputs and
//! a `&mut Session`; the page keeps one session for its life, the CLI and tests make their own.

use std::any::Any;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::core::analysis::report::FitReport;
use crate::core::analysis::request::{FitRequest, Prepared};

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
    pub(crate) background: super::background::State,
    /// The Fit panel's last finished fit.
    pub fit: Option<CurrentFit>,
    fits_finished: u64,
    /// The last request a worker prepared: every share of one fit carries the same request,
    /// and reading its table again for each would cost more than a short share's fitting.
    prepared: Option<(FitRequest, Rc<Prepared>)>,
}

impl Session {
    /// A session that computes everything where it is asked for (the CLI, tests, a worker).
    pub fn new() -> Session {
        Session::default()
    }

    /// The result of `compute` for `key`, remembered per `slot` (one entry each): a tool's
    /// panel and its charts ask for the same fit on every keystroke, and only the first asks
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

    /// Forgets every remembered result (tests: a fresh page; a worker between unrelated jobs).
    pub fn forget_memo(&mut self) {
        self.memo.clear();
    }

    /// Keeps a finished fit as the Fit panel's current one.
    pub fn set_fit(&mut self, report: FitReport, spec: Option<String>) {
        self.fits_finished += 1;
        self.fit = Some(CurrentFit { report, spec, serial: self.fits_finished });
    }

    /// Forgets the current fit.
    pub fn clear_fit(&mut self) {
        self.fit = None;
    }

    /// `prepare(req)`, reusing the last result when the request is the same.
    ///
    /// # Errors
    /// What [`crate::core::analysis::request::prepare`] rejects.
    pub fn prepared(&mut self, req: &FitRequest) -> Result<Rc<Prepared>, crate::core::analysis::request::FitError> {
        if let Some((r, prep)) = &self.prepared {
            if r == req {
                return Ok(prep.clone());
            }
        }
        let prep = Rc::new(crate::core::analysis::request::prepare(req)?);
        self.prepared = Some((req.clone(), prep.clone()));
        Ok(prep)
    }
}

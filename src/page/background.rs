//! Results too slow for the page's main thread (fits, bootstraps, simulations). Natively, in the
//! CLI and in a worker they are computed where they are asked for. On the page they are
//! deferred: the tool shows that it is computing, the page hands the same inputs to a worker,
//! the worker computes them with the same code and hands each result back as JSON, keyed like
//! the memo, and the page evaluates again.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::session::Session;

/// The memo area of deferred results.
const AREA: &str = "background";

/// One result computed in a worker, on its way to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handed {
    /// Its id (see [`id`]), as the page's evaluation listed it.
    pub id: String,
    /// The slot it fills.
    pub slot: String,
    /// The memo key it was computed for (the inputs it depends on).
    pub key: String,
    /// The value, as JSON.
    pub json: String,
}

type Sink = Box<dyn FnMut(Handed)>;

/// Where slow results stand: deferred, handed in, or wanted by the page (in a worker).
#[derive(Default)]
pub struct State {
    /// Whether results not yet known are deferred (the page's main thread) or computed.
    defer: bool,
    /// Ids of the results asked for and deferred since the page last took them.
    pending: BTreeSet<String>,
    /// Results handed in and not yet asked for, by slot.
    handed: BTreeMap<String, Handed>,
    /// In a worker: the ids the page waits for, and where to send them.
    wanted: BTreeSet<String>,
    sink: Option<Sink>,
}

/// A short id for a slot and key: what the page compares to tell whether a worker's job still
/// covers what it waits for.
pub fn id(slot: &str, key: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    format!("{slot}#{:016x}", h.finish())
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

impl Session {
    /// Defers results not yet known (on) or computes them where asked (off, the default).
    pub fn set_deferred(&mut self, on: bool) {
        self.background.defer = on;
    }

    /// The ids of the results deferred since the last call.
    pub fn take_pending(&mut self) -> Vec<String> {
        std::mem::take(&mut self.background.pending).into_iter().collect()
    }

    /// Results a worker computed; each is used when its slot is next asked for with the same key.
    pub fn hand_in(&mut self, results: Vec<Handed>) {
        for r in results {
            self.background.handed.insert(r.slot.clone(), r);
        }
    }

    /// Runs `work` (an evaluation of the same inputs as the page's) computing everything it asks
    /// for, and sends each result whose id is in `wanted` to `sink` as soon as it is known.
    pub fn compute_for(&mut self, wanted: Vec<String>, sink: impl FnMut(Handed) + 'static, work: impl FnOnce(&mut Session)) {
        self.background.wanted = wanted.into_iter().collect();
        self.background.sink = Some(Box::new(sink));
        let deferred = std::mem::replace(&mut self.background.defer, false);
        work(self);
        self.background.wanted.clear();
        self.background.sink = None;
        self.background.defer = deferred;
    }

    /// The result of `compute` for `key`, remembered in `slot` like [`super::memo`]; `None` while
    /// it is deferred to a worker. Everything a tool shows or draws must reach its slow results
    /// through its `evaluate`, which is what the worker runs.
    pub fn heavy<T>(&mut self, slot: &'static str, key: String, compute: impl FnOnce() -> T) -> Option<Rc<T>>
    where
        T: Serialize + DeserializeOwned + 'static,
    {
        if let Some(v) = self.remembered::<Rc<T>>((AREA, slot), &key) {
            self.hand_out(slot, &key, &*v);
            return Some(v);
        }
        if self.background.defer {
            let handed = match self.background.handed.get(slot) {
                Some(h) if h.key == key => self.background.handed.remove(slot),
                _ => None,
            };
            // A result that does not read back (it should always) is computed here instead.
            match handed.map(|h| serde_json::from_str::<T>(&h.json)) {
                Some(Ok(v)) => {
                    let v = Rc::new(v);
                    self.remember((AREA, slot), key, v.clone());
                    return Some(v);
                }
                Some(Err(_)) => {}
                None => {
                    self.background.pending.insert(id(slot, &key));
                    return None;
                }
            }
        }
        let v = Rc::new(compute());
        self.hand_out(slot, &key, &*v);
        self.remember((AREA, slot), key, v.clone());
        Some(v)
    }


    /// [`heavy`] for a result of the pasted `text`: [`FromPaste::Empty`] while it is blank.
    pub fn heavy_pasted<T>(&mut self, slot: &'static str, text: &str, key: String, compute: impl FnOnce() -> T) -> FromPaste<T>
    where
        T: Serialize + DeserializeOwned + 'static,
    {
        if text.trim().is_empty() {
            return FromPaste::Empty;
        }
        self.heavy(slot, key, compute).map_or(FromPaste::Busy, FromPaste::Done)
    }

    fn hand_out<T: Serialize>(&mut self, slot: &str, key: &str, value: &T) {
        // Only a worker has a sink; the page's memo hits never hash their (possibly long) key.
        let b = &mut self.background;
        if b.sink.is_none() || !b.wanted.remove(&id(slot, key)) {
            return;
        }
        let Some(sink) = b.sink.as_mut() else { return };
        if let Ok(json) = serde_json::to_string(value) {
            sink(Handed { id: id(slot, key), slot: slot.to_string(), key: key.to_string(), json });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::tools::{evaluate_all, fields_with, Fields, ToolView};
    use std::cell::RefCell;

    fn square(x: f64) -> (f64, Vec<f64>) {
        (x * x, vec![x; 3])
    }

    #[test]
    fn inline_by_default_and_remembered() {
        let mut s = Session::new();
        let mut calls = 0;
        let a = s.heavy("t", "k".into(), || {
            calls += 1;
            square(1.5)
        });
        let b = s.heavy("t", "k".into(), || {
            calls += 1;
            square(1.5)
        });
        assert_eq!(calls, 1);
        assert_eq!(a, b);
        assert_eq!(*a.unwrap(), (2.25, vec![1.5; 3]));
        assert!(s.take_pending().is_empty());
    }

    #[test]
    fn deferred_until_a_worker_hands_the_result_in() {
        let mut page = Session::new();
        page.set_deferred(true);
        assert_eq!(page.heavy("t", "k".into(), || square(0.1)), None);
        let pending = page.take_pending();
        assert_eq!(pending, vec![id("t", "k")]);
        // The worker: same code and key, computed there (with its own session) and sent back.
        let sent = Rc::new(RefCell::new(Vec::new()));
        let into = sent.clone();
        let mut worker_calls = 0;
        let mut worker = Session::new();
        worker.compute_for(pending, move |h| into.borrow_mut().push(h), |s| {
            s.heavy("t", "k".into(), || {
                worker_calls += 1;
                square(0.1)
            });
            s.heavy("t", "k".into(), || square(0.1));
        });
        assert_eq!(worker_calls, 1);
        let sent = sent.take();
        assert_eq!(sent.len(), 1, "each wanted result is sent once");
        // A result for other inputs is ignored; the right one is used, bit for bit.
        page.hand_in(vec![Handed { key: "other".into(), ..sent[0].clone() }]);
        assert_eq!(page.heavy("t", "k".into(), || square(0.1)), None);
        page.hand_in(sent);
        let got: Rc<(f64, Vec<f64>)> = page.heavy("t", "k".into(), || panic!("computed on the page")).unwrap();
        assert_eq!(got.0.to_bits(), (0.1f64 * 0.1).to_bits());
    }

    #[test]
    fn a_result_that_does_not_read_back_is_computed_on_the_page() {
        let mut s = Session::new();
        s.set_deferred(true);
        s.hand_in(vec![Handed { id: id("t", "k"), slot: "t".into(), key: "k".into(), json: "not json".into() }]);
        assert_eq!(*s.heavy("t", "k".into(), || square(2.0)).unwrap(), square(2.0));
    }

    /// The page's path: evaluate deferred, send what was listed to a worker (a thread of its
    /// own, so with its own memory, kept across jobs like the page's), hand the results in,
    /// evaluate again — until nothing is pending. Returns the final view and the number of jobs.
    fn through_worker(fields: &Fields) -> (ToolView, usize) {
        use std::sync::mpsc::channel;
        let (to_worker, jobs_in) = channel::<(Fields, Vec<String>)>();
        let (to_page, results) = channel::<Vec<Handed>>();
        let worker = std::thread::spawn(move || {
            let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
            let mut session = Session::new();
            for (fields, wanted) in jobs_in {
                let sent = Rc::new(RefCell::new(Vec::new()));
                let into = sent.clone();
                session.compute_for(wanted, move |h| into.borrow_mut().push(h), |s| {
                    evaluate_all(&fields, &budget, s);
                });
                if to_page.send(sent.take()).is_err() {
                    return;
                }
            }
        });
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        let mut page = Session::new();
        page.set_deferred(true);
        let mut outcome = None;
        for jobs in 0..4 {
            let view = evaluate_all(fields, &budget, &mut page);
            let pending = page.take_pending();
            if pending.is_empty() {
                outcome = Some((view, jobs));
                break;
            }
            to_worker.send((fields.clone(), pending.clone())).unwrap();
            let sent = results.recv().unwrap();
            let mut ids: Vec<String> = sent.iter().map(|h| h.id.clone()).collect();
            ids.sort();
            assert_eq!(ids, pending, "every pending result is handed back, once");
            page.hand_in(sent);
        }
        drop(to_worker);
        worker.join().unwrap();
        outcome.expect("still pending after 4 jobs")
    }

    #[test]
    fn every_tool_shows_the_same_through_the_worker_as_computed_in_place() {
        let epoch = crate::test_support::epoch_csv();
        let half: String = epoch.lines().take(130).collect::<Vec<_>>().join("\n");
        // The runs Muennighoff et al. fitted R* on (flagged in the file).
        let file = crate::test_support::datablations_csv();
        let runs: String = file
            .lines()
            .enumerate()
            .filter(|(i, line)| *i == 0 || line.split(',').nth(9) == Some("1"))
            .map(|(_, line)| line)
            .collect::<Vec<_>>()
            .join("\n");
        let fields = fields_with(&[("cmp_a", epoch), ("cmp_b", &half), ("cmp_boot", "50"), ("dl_runs", &runs), ("dl_law", "fit")]);
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        let mut session = Session::new();
        let in_place = evaluate_all(&fields, &budget, &mut session);
        assert!(session.take_pending().is_empty());
        let (through, jobs) = through_worker(&fields);
        // Schedule fits, then the prediction that needs them; compare, data limit and sweep.
        assert_eq!(jobs, 2);
        assert_eq!(through, in_place);
        for key in ["sched_tissue", "sched_wsd_best", "cmp_verdict", "dl_fit", "sw_n_ci"] {
            let text = in_place.outputs.get(key).map(String::as_str).unwrap_or_default();
            assert!(!text.is_empty() && !text.contains('…'), "{key} = {text:?}");
        }
    }

    #[test]
    fn while_deferred_each_slow_tool_says_it_is_computing() {
        let epoch = crate::test_support::epoch_csv();
        let fields = fields_with(&[("cmp_a", epoch), ("cmp_b", epoch), ("dl_runs", "N,D,U,loss\n1B,20B,20B,3")]);
        let budget = crate::page::budget::chart_state(&crate::page::budget::Inputs::default());
        let mut page = Session::new();
        page.set_deferred(true);
        let view = evaluate_all(&fields, &budget, &mut page);
        let pending = page.take_pending();
        for slot in ["sched_fits", "sw-sim", "cmp_fit_a", "cmp_fit_b", "dl_fit"] {
            assert!(pending.iter().any(|id| id.starts_with(&format!("{slot}#"))), "{slot} not in {pending:?}");
        }
        for key in ["sched_tissue", "sw_n_ci", "cmp_law_a", "cmp_law_b", "dl_fit"] {
            let text = view.outputs.get(key).map(String::as_str).unwrap_or_default();
            assert!(text.ends_with('…'), "{key} = {text:?}");
        }
        assert!(view.errors.is_empty(), "{:?}", view.errors);
    }
}

//! What the page-level targets share: one session for the whole run (as the page keeps one for
//! its life), deferring slow work (fits, simulations) to jobs as the page does, and the checks
//! every view must pass.

use scalecalc::page::budget::{evaluate, Inputs, View};
use scalecalc::page::fitpanel::fit_request;
use scalecalc::page::session::Session;
use scalecalc::page::share::{from_fragment, to_fragment};
use scalecalc::core::analysis::request::prepare;

use std::cell::RefCell;

thread_local! {
    static SESSION: RefCell<Session> = RefCell::new({
        let mut s = Session::new();
        s.set_deferred(true);
        s
    });
}

/// No result the page shows is NaN or infinite.
pub fn check_view(view: &View) {
    for (key, text) in &view.outputs {
        assert!(!text.contains("NaN") && !text.contains("inf"), "output {key} shows {text:?}");
    }
    for (key, table) in &view.tables {
        for row in &table.rows {
            for cell in row {
                assert!(!cell.contains("NaN") && !cell.contains("inf"), "table {key} shows {cell:?}");
            }
        }
    }
}

/// Everything the page does with these inputs short of drawing: its view, its link and the Fit
/// panel's request; with `round_trip`, the link read back (several evaluations: the fragment
/// target's part), where each field must come back as typed or, when it was not valid, as its
/// default.
pub fn whole_page(inputs: &Inputs, round_trip: bool) {
    SESSION.with(|s| {
        let s = &mut s.borrow_mut();
        let view = evaluate(inputs, s);
        check_view(&view);
        let fragment = to_fragment(inputs, s);
        if round_trip {
            let (again, _messages) = from_fragment(&fragment, s);
            for (field, value) in again.iter() {
                let typed = inputs.get(field);
                if value != typed {
                    assert_eq!(value, field.default, "field {} did not survive the link {fragment:?}", field.name);
                }
            }
        }
        if let Ok(request) = fit_request(inputs, None) {
            let _ = prepare(&request);
        }
    });
}

/// Reads a link the way the page does on load.
pub fn read_link(text: &str) -> Inputs {
    SESSION.with(|s| from_fragment(text, &mut s.borrow_mut()).0)
}

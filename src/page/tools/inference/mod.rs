//! Inference-aware sizing: the N and D that minimise training + inference FLOPs (Sardana et al. 2024).


mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{key_of, text, Field, Fields, Table, ToolView};
use crate::page::session::Session;
use crate::core::allocate;
use crate::core::plot::ChartState;
use crate::core::laws::sardana::{inference_optimum, on_iso_loss, InferenceAware};
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, n_axis_desc, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{decades, draw_message, log_space, ChartError, ChartStyle};
use crate::core::units::{format_count, format_flop, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("inf_tokens", "it", "2T"),
    Field::new("inf_loss", "il", ""),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["inf_target", "inf_n", "inf_d", "inf_tpp", "inf_total", "inf_savings", "inf_chin"];

/// This tool's tables (element ids `tbl-KEY`).
pub const TABLES: &[&str] = &["inf_compare"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["inf_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["inf-flops"];

const CITATION: &str = "Sardana, Portes, Doubov & Frankle 2024, Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws, arXiv:2401.00448 (ICML 2024).";

/// The inputs, read: inference tokens and target loss (with where the loss came from).
struct Read {
    d_inf: f64,
    target: f64,
    from_budget: bool,
}

fn read(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<Read> {
    let tokens_text = text(fields, "inf_tokens");
    let d_inf = crate::page::budget::number(tokens_text, "inference tokens", 0.0, 1e20).map_err(|e| view.err("inf_tokens", e)).ok();
    let loss_text = text(fields, "inf_loss");
    let (target, from_budget) = if loss_text.trim().is_empty() {
        match budget.compute.map(|c| allocate::optimum(budget.law.law(), c)) {
            Some(Ok(a)) => (Some(a.loss), true),
            _ => {
                view.unanswered("inf_loss", "needs a valid budget above, or type a target loss here");
                (None, true)
            }
        }
    } else {
        (crate::page::budget::number(loss_text, "target loss", 1e-6, 100.0).map_err(|e| view.err("inf_loss", e)).ok(), false)
    };
    Some(Read { d_inf: d_inf?, target: target?, from_budget })
}

/// The answer for these fields, computed once per input change (panel and chart share it).
fn solve(fields: &Fields, budget: &ChartState, session: &mut Session, r: &Read) -> Result<InferenceAware, String> {
    let key = key_of(fields, &["inf_tokens", "inf_loss"], &format!("{:?}|{:?}|{}|{}", budget.law, budget.compute, r.d_inf, r.target));
    session.memo("inf", key, || inference_optimum(budget.law.law(), r.target, r.d_inf).map_err(|e| e.to_string()))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    view.note("inf_notes", CITATION);
    view.note(
        "inf_notes",
        "Minimises 6·N·D_train + 2·N·D_inf over the iso-loss curve L(N, D_train) = target of the Budget panel's law (a log-spaced scan, then golden-section search). FLOPs only: inference is often cheaper per FLOP than training, and attention/KV-cache FLOPs are ignored.",
    );
    view.note("inf_notes", format!("Law: {}. N counts {}.", budget.law.label(), budget.law.convention_label()));
    let Some(r) = read(fields, budget, &mut view) else {
        return view;
    };
    let origin = if r.from_budget { " (Budget L*)" } else { "" };
    view.out("inf_target", format!("{}{origin}", format_sig(r.target, 4)));
    let result = match solve(fields, budget, session, &r) {
        Ok(x) => x,
        Err(e) => {
            view.unanswered(if r.from_budget { "inf_tokens" } else { "inf_loss" }, e);
            return view;
        }
    };
    let (b, c) = (result.best, result.chinchilla);
    view.out("inf_n", format_count(b.n, 3));
    view.out("inf_d", format!("{} tokens", format_count(b.d, 3)));
    view.out("inf_tpp", format_sig(b.tokens_per_param(), 3));
    view.out("inf_total", format_flop(b.total_flop()));
    let saved = c.total_flop() - b.total_flop();
    view.out("inf_savings", format!("{}% ({})", format_sig(result.savings_percent(), 3), format_flop(saved.max(0.0))));
    view.out("inf_chin", format!("{} on {} tokens", format_count(c.n, 3), format_count(c.d, 3)));
    let row = |name: &str, f: &dyn Fn(&crate::core::laws::sardana::Sized) -> String| vec![name.to_string(), f(&b), f(&c)];
    view.table(
        "inf_compare",
        Table {
            head: vec!["".into(), "Inference-aware".into(), "Chinchilla-optimal".into()],
            rows: vec![
                row("Parameters N", &|s| format_count(s.n, 3)),
                row("Training tokens D", &|s| format_count(s.d, 3)),
                row("Tokens / parameter", &|s| format_sig(s.tokens_per_param(), 3)),
                row("Training FLOPs", &|s| format_flop(s.train_flop)),
                row("Inference FLOPs", &|s| format_flop(s.inference_flop)),
                row("Total FLOPs", &|s| format_flop(s.total_flop())),
            ],
        },
    );
    if r.d_inf == 0.0 {
        view.note("inf_notes", "With no inference tokens the answer is the compute-optimal model for this loss.");
    }
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "inf",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    tables: TABLES,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(Inference);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::budget::{chart_state, Inputs};
    use crate::core::plot::Theme;

    use crate::page::tools::fields_with as fields;

    #[test]
    fn defaults_answer_with_the_budget_loss() {
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[]), &budget, &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        let opt = allocate::optimum(budget.law.law(), budget.compute.unwrap()).unwrap();
        assert!(view.outputs["inf_target"].starts_with(&format_sig(opt.loss, 4)));
        // Chinchilla-optimal for the Budget's own loss is the Budget's own N*.
        assert!(view.outputs["inf_chin"].starts_with(&format_count(opt.n, 3)), "{:?}", view.outputs);
        let r = inference_optimum(budget.law.law(), opt.loss, 2e12).unwrap();
        assert_eq!(view.outputs["inf_n"], format_count(r.best.n, 3));
        assert!(r.best.n < opt.n && r.savings_percent() > 0.0);
        assert_eq!(view.tables["inf_compare"].rows.len(), 6);
    }

    #[test]
    fn typed_loss_and_bad_input() {
        let mut session = Session::new();
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[("inf_loss", "2.1"), ("inf_tokens", "0")]), &budget, &mut session);
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert_eq!(view.outputs["inf_target"], "2.1");
        assert!(view.outputs["inf_savings"].starts_with("0%") || view.outputs["inf_savings"].starts_with("-"), "{}", view.outputs["inf_savings"]);
        for (field, bad) in [("inf_tokens", "abc"), ("inf_tokens", "-5"), ("inf_loss", "x"), ("inf_loss", "-1"), ("inf_tokens", "1e400")] {
            let view = evaluate(&fields(&[(field, bad)]), &budget, &mut session);
            assert!(view.errors.contains_key(field), "{field}={bad}: {:?}", view.errors);
        }
        let below = evaluate(&fields(&[("inf_loss", "1.5")]), &budget, &mut session);
        assert!(below.errors.is_empty());
        assert!(below.unanswered["inf_loss"].contains("irreducible"), "{:?}", below.unanswered);
    }

    #[test]
    fn chart_draws_in_both_themes_and_widths() {
        let mut session = Session::new();
        let budget = chart_state(&Inputs::default());
        for (theme, w) in [(Theme::Light, 800u32), (Theme::Dark, 360)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 400)).into_drawing_area();
                draw("inf-flops", &area, &fields(&[]), &budget, &mut session, &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("optimum"), "no optimum label");
        }
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (600, 400)).into_drawing_area();
            draw("inf-flops", &area, &fields(&[("inf_loss", "1.0")]), &budget, &mut session, &ChartStyle::new(Theme::Light, 1.0)).unwrap();
        }
        assert!(svg.contains("cannot be reached"));
    }
}

//! Training and serving in low precision (Kumar et al. 2024): the effective parameter count of
//! the Budget panel's run under the training precisions, its loss by the Budget panel's law, the
//! penalty of quantizing the weights after training as the tokens per parameter grow, the data
//! size past which more tokens hurt the quantized model, and the compute-optimal precision.

mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{text, Field, Fields, ToolView};
use crate::core::laws::kumar::{Precision, CITATION, HIGH, PARTS, TABLE_2};
use crate::core::plot::{draw_message, ChartError, ChartState, ChartStyle};
use crate::core::units::{format_count, format_sig};
use crate::page::session::Session;

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("prec_n", "qn", ""),
    Field::new("prec_d", "qd", ""),
    Field::new("prec_w", "qw", "16"),
    Field::new("prec_a", "qa", "16"),
    Field::new("prec_kv", "qk", "16"),
    Field::new("prec_post", "qp", "4"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["prec_at", "prec_share", "prec_loss", "prec_cost", "prec_ptq", "prec_dcrit", "prec_opt"];

/// This tool's lists.
pub const LISTS: &[&str] = &["prec_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["prec-ptq"];

/// The fields, read and checked.
struct Read {
    n: f64,
    d: f64,
    origin: &'static str,
    precision: Precision,
    post: Option<f64>,
}

fn bits(fields: &Fields, field: &str, what: &str, view: &mut ToolView) -> Option<f64> {
    crate::page::budget::number(text(fields, field), what, 1.0, 64.0).map_err(|e| view.err(field, e)).ok()
}

fn read(fields: &Fields, budget: &ChartState, view: &mut ToolView) -> Option<Read> {
    let run = super::run_at(fields, budget, ["prec_n", "prec_d"], 1e3, view);
    let w = bits(fields, "prec_w", "weight bits", view);
    let a = bits(fields, "prec_a", "activation bits", view);
    let kv = bits(fields, "prec_kv", "KV-cache bits", view);
    let post = if text(fields, "prec_post").trim().is_empty() { Some(None) } else { bits(fields, "prec_post", "post-training bits", view).map(Some) };
    let super::RunAt { n, d, origin } = run?;
    Some(Read { n, d, origin, precision: Precision { w: w?, a: a?, kv: kv? }, post: post? })
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, _session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    view.note("prec_notes", CITATION);
    view.note(
        "prec_notes",
        "Read from Table 2 by us (not printed): γ_i is the activations' γ; each part's factor with its offset is 1 − e^(−P/γ + n), the reading that gives §4.3's 7–8-bit optimum and Appendix L's KV cache sensitive only below 5 bits; the unlabelled γ and b are γ_post and its offset. 16 bits or more is full precision (the paper's reference is BF16). The authors warn their constants \"depend heavily on the architecture and dataset\": the penalties are theirs, on Dolma, for models of 30M–220M parameters.",
    );
    let Some(r) = read(fields, budget, &mut view) else {
        return view;
    };
    let t = TABLE_2;
    view.out("prec_at", format!("{} parameters, {} tokens{}", format_count(r.n, 3), format_count(r.d, 3), r.origin));
    let share = match t.share(&r.precision) {
        Ok(s) => s,
        Err(e) => {
            let field = match e {
                crate::core::laws::kumar::PrecisionError::NoFactor { part: 0, .. } => "prec_w",
                crate::core::laws::kumar::PrecisionError::NoFactor { part: 1, .. } => "prec_a",
                _ => "prec_kv",
            };
            view.err(field, e.to_string());
            return view;
        }
    };
    let p = r.precision;
    let parts: Vec<String> = [p.w, p.a, p.kv].iter().enumerate().map(|(i, b)| format!("{} {}", PARTS[i], format_sig(t.factor(i, *b), 3))).collect();
    let n_eff = r.n * share;
    view.out("prec_share", format!("{} = {}·N ({})", format_count(n_eff, 3), format_sig(share, 4), parts.join(", ")));
    let law = budget.law.law();
    let (full, low) = (law.loss(r.n, r.d), law.loss(n_eff, r.d));
    if full.is_finite() && low.is_finite() {
        view.out("prec_loss", format!("{} (+{} over full precision, {}; the Budget panel's law at N_eff)", format_sig(low, 4), format_sig((low - full).max(0.0), 3), format_sig(full, 4)));
    }
    if p.w == p.a && p.a == p.kv {
        let bits = p.w.min(HIGH);
        view.out("prec_cost", format!("{} % of 16-bit training (eq. 5: C = (6/16)·N·D·P)", format_sig(bits / HIGH * 100.0, 3)));
    } else {
        view.out("prec_cost", "eq. 5's cost model ties the three precisions: set them equal to see it".to_string());
    }
    if let Some(post) = r.post {
        let delta = t.ptq(n_eff, r.d, post);
        view.out("prec_ptq", format!("+{} nats at {} bits (D/N = {})", format_sig(delta, 3), format_sig(post, 3), format_sig(r.d / r.n, 3)));
        let dc = t.d_crit(n_eff, post);
        if dc.is_finite() {
            let past = if r.d > dc { ": by these constants this run is past it, its last tokens raising the quantized loss" } else { "" };
            view.out("prec_dcrit", format!("{} tokens (D/N = {}){past}", format_count(dc, 3), format_sig(dc / r.n, 3)));
        }
    }
    view.out("prec_opt", format!("{} bits (all three parts; the same at any budget)", format_sig(t.optimal_precision(), 3)));
    if [p.w, p.a, p.kv].iter().any(|b| *b < 3.0 || (*b > 12.0 && *b < HIGH)) {
        view.note("prec_notes", "The paper's fits cover 3–12 bits (and 16-bit references); this precision is outside them.");
    }
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "prec",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(PrecisionTool);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plot::Theme;
    use crate::page::budget::{chart_state, Inputs};
    use crate::page::tools::fields_with as fields;

    fn budget() -> ChartState {
        chart_state(&Inputs::default())
    }

    #[test]
    fn defaults_are_full_precision_with_a_four_bit_ptq_penalty() {
        let v = evaluate(&fields(&[]), &budget(), &mut Session::new());
        assert!(v.errors.is_empty() && v.unanswered.is_empty(), "{v:?}");
        assert!(v.outputs["prec_share"].contains("= 1·N"), "{}", v.outputs["prec_share"]);
        assert!(v.outputs["prec_loss"].contains("(+0 over"), "{}", v.outputs["prec_loss"]);
        assert!(v.outputs["prec_cost"].starts_with("100 %"), "{}", v.outputs["prec_cost"]);
        assert!(v.outputs["prec_ptq"].contains("at 4 bits"));
        let opt: f64 = v.outputs["prec_opt"].split(' ').next().unwrap().parse().unwrap();
        assert!((7.0..=8.0).contains(&opt), "{opt}");
        assert!(v.lists["prec_notes"].iter().any(|n| n.contains("arXiv:2411.04330")));
    }

    /// 8-bit training by hand: N_eff = 0.8278·N (see the law's tests); the loss by the Budget
    /// panel's law at N_eff; half the cost; the PTQ penalty by eq. 2 at N_eff.
    #[test]
    fn eight_bit_training_at_a_typed_run() {
        let b = budget();
        let v = evaluate(&fields(&[("prec_n", "1B"), ("prec_d", "100B"), ("prec_w", "8"), ("prec_a", "8"), ("prec_kv", "8"), ("prec_post", "4")]), &b, &mut Session::new());
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        let share = TABLE_2.share(&Precision { w: 8.0, a: 8.0, kv: 8.0 }).unwrap();
        assert!(v.outputs["prec_share"].starts_with(&format!("{} = {}·N", format_count(1e9 * share, 3), format_sig(share, 4))), "{}", v.outputs["prec_share"]);
        assert!(v.outputs["prec_loss"].starts_with(&format_sig(b.law.law().loss(1e9 * share, 1e11), 4)), "{}", v.outputs["prec_loss"]);
        assert!(v.outputs["prec_cost"].starts_with("50 %"));
        assert!(v.outputs["prec_ptq"].starts_with(&format!("+{}", format_sig(TABLE_2.ptq(1e9 * share, 1e11, 4.0), 3))), "{}", v.outputs["prec_ptq"]);
        assert!(!v.outputs["prec_at"].contains("Budget"));
    }

    #[test]
    fn bad_precisions_are_flagged_at_their_field() {
        let mut s = Session::new();
        let b = budget();
        for (field, bad, says) in [("prec_w", "0", "weight bits"), ("prec_a", "abc", "activation bits"), ("prec_post", "-1", "post-training bits"), ("prec_kv", "2", "KV cache no effective parameters")] {
            let v = evaluate(&fields(&[(field, bad)]), &b, &mut s);
            assert!(v.errors.get(field).is_some_and(|e| e.contains(says)), "{field}={bad}: {:?}", v.errors);
        }
        let v = evaluate(&fields(&[("prec_post", "")]), &b, &mut s);
        assert!(!v.outputs.contains_key("prec_ptq") && v.outputs.contains_key("prec_share"));
        let v = evaluate(&fields(&[("prec_w", "6")]), &b, &mut s);
        assert!(v.outputs["prec_cost"].contains("ties the three"));
    }

    #[test]
    fn chart_draws_in_both_themes_and_with_bad_input() {
        for theme in [Theme::Light, Theme::Dark] {
            for f in [fields(&[]), fields(&[("prec_w", "x")])] {
                let mut svg = String::new();
                {
                    let area = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
                    draw("prec-ptq", &area, &f, &budget(), &mut Session::new(), &ChartStyle::new(theme, 1.0)).unwrap();
                }
                assert!(svg.contains("<text"), "no text drawn");
            }
        }
    }
}

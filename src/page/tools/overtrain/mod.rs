//! Over-training and downstream error (Gadre et al. 2024): at the Budget panel's compute and law,
//! training at tokens-per-parameter M instead of the compute-optimal M* — the loss it costs at
//! equal compute and the compute it costs at equal loss — and the map from loss to downstream
//! error Err = ε − k·exp(−γL), typed or fitted to pasted (loss, error) pairs.


mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{key_of, text, Field, Fields, ToolView};
use crate::page::session::Session;
use crate::core::allocate;
use crate::core::plot::ChartState;
use crate::core::laws::gadre::{self, ErrorFit, ErrorMap, RatioPlan};
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::marks::{bounds, draw_guide, draw_marker, legend_room, line_style};
use crate::core::plot::{draw_message, log_space, ChartError, ChartStyle};
use crate::core::units::{format_count, format_flop, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("ot_m", "otm", "100"),
    Field::new("ot_n", "otn", ""),
    Field::new("ot_eps", "ote", ""),
    Field::new("ot_k", "otk", ""),
    Field::new("ot_gamma", "otg", ""),
    Field::data("ot_pairs", "otp"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["ot_ratio", "ot_mstar", "ot_n", "ot_d", "ot_loss", "ot_loss_opt", "ot_loss_over", "ot_compute_over", "ot_map", "ot_err"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["ot_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["ot-overhead", "ot-loss", "ot-error"];

/// The ratio M the panel asks about: from N when typed, else M.
fn read_ratio(fields: &Fields, compute: Option<f64>, view: &mut ToolView) -> Option<f64> {
    let n_text = text(fields, "ot_n").trim();
    if !n_text.is_empty() {
        let n = crate::page::budget::number(n_text, "model size N", 1e3, 1e15).map_err(|e| view.err("ot_n", e)).ok()?;
        let c = compute?;
        let m = c / (6.0 * n * n);
        if !(1e-3..=1e7).contains(&m) {
            view.err(
                "ot_n",
                format!(
                    "with this budget a {}-parameter model trains on {} tokens per parameter, outside 0.001 – 10⁷",
                    format_count(n, 3),
                    format_sig(m, 3)
                ),
            );
            return None;
        }
        return Some(m);
    }
    crate::page::budget::number(text(fields, "ot_m"), "tokens per parameter M", 1e-3, 1e7).map_err(|e| view.err("ot_m", e)).ok()
}

/// Where the error map comes from.
#[derive(Debug, Clone, PartialEq)]
enum MapSource {
    Fitted(ErrorFit),
    Typed(ErrorMap),
}

impl MapSource {
    fn map(&self) -> ErrorMap {
        match self {
            MapSource::Fitted(f) => f.map,
            MapSource::Typed(m) => *m,
        }
    }
}

/// The pasted pairs' fit and the pairs, or why there is none (`None`: nothing pasted).
type PairsOutcome = Option<Result<(ErrorFit, Vec<(f64, f64)>), String>>;

fn fit_pairs(fields: &Fields, session: &mut Session) -> PairsOutcome {
    let pasted = text(fields, "ot_pairs");
    if pasted.trim().is_empty() {
        return None;
    }
    Some(session.memo("ot_fit", key_of(fields, &["ot_pairs"], ""), || {
        let read = gadre::read_pairs(pasted).map_err(|e| e.to_string())?;
        if read.bad_count > 0 {
            return Err(crate::core::runs::summarize_bad_rows(&read.bad, read.bad_count, 3));
        }
        let fit = gadre::fit_error_map(&read.pairs).map_err(|e| e.to_string())?;
        Ok((fit, read.pairs))
    }))
}

/// The error map: fitted to the pairs when pasted, else typed (all three), else none.
fn error_map(fields: &Fields, session: &mut Session, view: &mut ToolView) -> (Option<MapSource>, Vec<(f64, f64)>) {
    match fit_pairs(fields, session) {
        Some(Ok((fit, pairs))) => return (Some(MapSource::Fitted(fit)), pairs),
        Some(Err(e)) => view.err("ot_pairs", e),
        None => {}
    }
    let typed = [("ot_eps", "ε", 0.0, 2.0), ("ot_k", "k", 1e-9, 1e6), ("ot_gamma", "γ", 1e-9, 100.0)];
    let given: Vec<bool> = typed.iter().map(|(f, ..)| !text(fields, f).trim().is_empty()).collect();
    if given.iter().all(|g| !g) {
        view.unanswered(
            "ot_eps",
            "no loss → error map: paste (loss, error) pairs or type ε, k and γ (Gadre et al. fit them per evaluation set; none is shipped as a default)",
        );
        return (None, Vec::new());
    }
    let mut values = [0.0; 3];
    let mut ok = true;
    for (i, (field, what, lo, hi)) in typed.iter().enumerate() {
        let t = text(fields, field).trim();
        if t.is_empty() {
            view.err(field, format!("type {what} too (ε, k and γ go together)"));
            ok = false;
            continue;
        }
        match crate::page::budget::number(t, what, *lo, *hi) {
            Ok(v) => values[i] = v,
            Err(e) => {
                view.err(field, e);
                ok = false;
            }
        }
    }
    let [eps, k, gamma] = values;
    (ok.then_some(MapSource::Typed(ErrorMap { eps, k, gamma })), Vec::new())
}

fn plan(budget: &ChartState, ratio: f64) -> Option<Result<RatioPlan, String>> {
    let compute = budget.compute?;
    Some(gadre::at_ratio(budget.law.law(), compute, ratio).map_err(|e| e.to_string()))
}

fn pct(x: f64) -> String {
    format!("{}%", format_sig(x * 100.0, 3))
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    let (map, _) = error_map(fields, session, &mut view);
    if let Some(source) = &map {
        let m = source.map();
        let what = match source {
            MapSource::Fitted(f) => format!(
                "fitted to your {} pairs (RMSE {} points, R² {})",
                f.points,
                format_sig(f.rmse * 100.0, 2),
                crate::core::fit::model::r2_text(f.r2, 3)
            ),
            MapSource::Typed(_) => "as typed".to_string(),
        };
        view.out("ot_map", format!("Err = {} − {}·exp(−{}·L), {what}", format_sig(m.eps, 4), format_sig(m.k, 4), format_sig(m.gamma, 4)));
    }
    let ratio = read_ratio(fields, budget.compute, &mut view);
    if budget.compute.is_none() {
        view.unanswered("ot_m", "set a valid compute budget in the Budget panel");
        return view;
    }
    let Some(ratio) = ratio else { return view };
    let p = match plan(budget, ratio) {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            view.unanswered("ot_m", e);
            return view;
        }
        None => return view,
    };
    let (a, o) = (&p.at_ratio, &p.optimal);
    view.out("ot_ratio", format_sig(ratio, 4));
    view.out("ot_mstar", format_sig(o.tokens_per_param(), 3));
    view.out("ot_n", format_count(a.n, 3));
    view.out("ot_d", format_count(a.d, 3));
    view.out("ot_loss", format_sig(a.loss, 5));
    view.out("ot_loss_opt", format!("{} (N* {}, D* {})", format_sig(o.loss, 5), format_count(o.n, 3), format_count(o.d, 3)));
    view.out("ot_loss_over", format!("+{} nats ({})", format_sig(p.loss_overhead.max(0.0), 3), pct(p.loss_overhead.max(0.0) / o.loss)));
    match (p.same_loss, p.compute_overhead) {
        (Some(s), Some(over)) => view.out(
            "ot_compute_over",
            format!("+{}: {} (N {}, D {})", pct(over), format_flop(s.compute), format_count(s.n, 3), format_count(s.d, 3)),
        ),
        _ => view.out("ot_compute_over", format!("never: at M = {} the loss stays above L* = {}", format_sig(ratio, 3), format_sig(o.loss, 5))),
    }
    if let Some(source) = &map {
        let m = source.map();
        let (e_at, e_opt) = (m.error(a.loss), m.error(o.loss));
        if e_at.is_finite() && e_opt.is_finite() {
            view.out(
                "ot_err",
                format!("{} at M = {} (loss {}); {} compute-optimal", pct(e_at), format_sig(ratio, 3), format_sig(a.loss, 4), pct(e_opt)),
            );
            if !(0.0..=1.0).contains(&e_at) {
                view.note("ot_notes", "The predicted error lies outside 0–100 %: this loss is outside the range the map was fitted on.");
            }
        }
        view.note("ot_notes", "The error map only holds for losses measured the way its pairs were (same validation set and tokenizer) — the Budget panel's law predicts its own training loss.");
    }
    view.note("ot_notes", format!("Over-training view and error map: {}. Compute overhead as in Hoffmann et al.'s iso-loss contours.", gadre::CITATION));
    view
}

fn ratio_range(m_star: f64, m: f64) -> (f64, f64) {
    let lo = (m_star.min(m) / 10.0).max(0.1);
    let hi = (m_star.max(m) * 20.0).min(1e7);
    (lo, hi)
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "ot",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(Overtrain);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::budget::{chart_state, Inputs};
    use crate::core::plot::Theme;

    use crate::page::tools::fields_with as fields;

    fn budget(compute: &str) -> ChartState {
        chart_state(&Inputs::default().with("compute", compute))
    }

    #[test]
    fn defaults_show_the_overheads_and_ask_for_a_map() {
        let view = evaluate(&fields(&[]), &budget("5.76e23"), &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["ot_compute_over"].starts_with('+'), "{:?}", view.outputs);
        assert!(view.unanswered.contains_key("ot_eps"));
        assert!(!view.outputs.contains_key("ot_err"));
    }

    #[test]
    fn the_optimal_ratio_has_no_overhead_and_n_gives_the_same_answer_as_m() {
        let mut session = Session::new();
        let b = budget("1e22");
        let opt = allocate::optimum(b.law.law(), 1e22).unwrap();
        let view = evaluate(&fields(&[("ot_m", &format!("{}", opt.tokens_per_param()))]), &b, &mut session);
        assert!(view.outputs["ot_loss_over"].starts_with("+0 nats"), "{:?}", view.outputs);
        let by_n = evaluate(&fields(&[("ot_n", &format!("{}", opt.n))]), &b, &mut session);
        assert_eq!(by_n.outputs["ot_loss"], view.outputs["ot_loss"]);
    }

    #[test]
    fn typed_or_fitted_maps_predict_errors() {
        let mut session = Session::new();
        let view = evaluate(&fields(&[("ot_eps", "0.85"), ("ot_k", "2.2"), ("ot_gamma", "0.7")]), &budget("1e22"), &mut session);
        assert!(view.outputs["ot_err"].contains('%'), "{:?}", view.outputs);
        let truth = ErrorMap { eps: 0.85, k: 2.2, gamma: 0.7 };
        let mut pairs = String::from("loss,error\n");
        for i in 0..12 {
            let l = 2.2 + 0.2 * f64::from(i);
            pairs.push_str(&format!("{l},{}\n", truth.error(l)));
        }
        let view = evaluate(&fields(&[("ot_pairs", &pairs)]), &budget("1e22"), &mut session);
        assert!(view.outputs["ot_map"].starts_with("Err = 0.85 − 2.2·exp(−0.7·L)"), "{:?}", view.outputs);
    }

    #[test]
    fn bad_inputs_give_messages_and_keep_the_rest() {
        let mut session = Session::new();
        for (field, bad) in [("ot_m", "0"), ("ot_m", "-4"), ("ot_m", "abc"), ("ot_n", "-1B"), ("ot_n", "1e16"), ("ot_n", "1e13")] {
            let view = evaluate(&fields(&[(field, bad)]), &budget("1e22"), &mut session);
            assert!(view.errors.contains_key(field), "{field}={bad}: {:?}", view.errors);
        }
        let view = evaluate(&fields(&[("ot_eps", "0.85")]), &budget("1e22"), &mut session);
        assert!(view.errors.contains_key("ot_k") && view.errors.contains_key("ot_gamma"));
        assert!(view.outputs.contains_key("ot_loss"));
        let view = evaluate(&fields(&[("ot_pairs", "loss,error\n3,0.5\n")]), &budget("1e22"), &mut session);
        assert!(view.errors["ot_pairs"].contains("at least"), "{:?}", view.errors);
        let view = evaluate(&fields(&[("ot_pairs", "loss,error\n3,abc\n")]), &budget("1e22"), &mut session);
        assert!(view.errors["ot_pairs"].contains("row 2"), "{:?}", view.errors);
        let view = evaluate(&fields(&[]), &budget("oops"), &mut session);
        assert!(view.unanswered.contains_key("ot_m"));
    }

    #[test]
    fn charts_draw_in_both_themes_and_widths() {
        let f = fields(&[("ot_eps", "0.85"), ("ot_k", "2.2"), ("ot_gamma", "0.7")]);
        for kind in CHARTS {
            for (w, theme) in [(900u32, Theme::Light), (360, Theme::Dark)] {
                let mut svg = String::new();
                {
                    let area = SVGBackend::with_string(&mut svg, (w, 320)).into_drawing_area();
                    draw(kind, &area, &f, &budget("5.76e23"), &mut Session::new(), &ChartStyle::new(theme, 1.0)).unwrap();
                }
                assert!(!svg.contains("NaN"), "{kind}");
                assert!(svg.len() > 2000, "{kind} {w}");
            }
        }
    }
}

//! Total vs non-embedding parameters (Pearce & Song 2024) and the local allocation exponent.


mod chart;
pub use chart::draw;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{text, Field, Fields, ToolView};
use crate::page::session::Session;
use crate::core::plot::ChartState;
use crate::core::laws::pearce_song::{
    gamma, large_scale_exponent, local_exponent, non_embedding_from_total, secant_exponent, small_scale_exponent,
    total_from_non_embedding, PAPER_GAMMA,
};
use crate::core::laws::ChinchillaLaw;
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{draw_message, log_space, ChartError, ChartStyle};
use crate::core::presets::Preset;
use crate::core::units::{format_count, format_sci, format_sig};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[
    Field::new("pc_vocab", "pv", "32000"),
    Field::new("pc_aspect", "pa", "39.2"),
    Field::new("pc_ne", "pn", "1.5B"),
    Field::new("pc_total", "pt", "70B"),
];

/// This tool's outputs (element ids `out-KEY`).
pub const OUTPUTS: &[&str] = &["pc_gamma", "pc_ne_total", "pc_ne_share", "pc_ne_shape", "pc_total_ne", "pc_total_share", "pc_total_shape", "pc_law", "pc_exp_budget", "pc_exp_kaplan", "pc_exp_large", "pc_exp_small"];

/// This tool's lists (element ids `list-KEY`).
pub const LISTS: &[&str] = &["pc_notes"];

/// This tool's charts.
pub const CHARTS: &[&str] = &["pc-exponent"];

/// Kaplan et al.'s model range, non-embedding parameters.
const KAPLAN_RANGE: (f64, f64) = (768.0, 1.5e9);
/// Kaplan et al.'s allocation exponent N_opt ∝ C^0.73.
const KAPLAN_EXPONENT: f64 = 0.73;
/// Chart span of non-embedding compute, FLOP.
const CHART_C: (f64, f64) = (1e10, 1e28);

/// The Chinchilla-form law the exponent is computed for: the Budget panel's when it is one
/// (and counts total parameters), else Epoch 2024; with its name.
fn law_of(budget: &ChartState) -> (ChinchillaLaw, String, bool) {
    match budget.law.chinchilla() {
        Some(l) => {
            let name = budget.law.preset().map_or_else(|| "your fit".to_string(), |p| p.label().to_string());
            (l, name, true)
        }
        None => (crate::core::presets::EPOCH, Preset::Epoch.label().to_string(), false),
    }
}

/// γ from the fields, when both are valid.
fn read_gamma(fields: &Fields, view: &mut ToolView) -> Option<f64> {
    let v = crate::page::budget::number(text(fields, "pc_vocab"), "vocabulary size", 1.0, 1e8).map_err(|e| view.err("pc_vocab", e)).ok();
    let a = crate::page::budget::number(text(fields, "pc_aspect"), "aspect ratio d_model/n_layer", 0.1, 1e5)
        .map_err(|e| view.err("pc_aspect", e))
        .ok();
    Some(gamma(v?, a?))
}

fn optional(fields: &Fields, field: &str, what: &str, view: &mut ToolView) -> Option<f64> {
    let t = text(fields, field);
    if t.trim().is_empty() {
        return None;
    }
    crate::page::budget::number(t, what, 1.0, 1e16).map_err(|e| view.err(field, e)).ok()
}

/// What the panel shows.
pub fn evaluate(fields: &Fields, budget: &ChartState, _session: &mut Session) -> ToolView {
    let mut view = ToolView::default();
    view.note(
        "pc_notes",
        "Pearce & Song 2024, Reconciling Kaplan and Chinchilla Scaling Laws, arXiv:2406.12907: N_T = N_\\E + γ·N_\\E^(1/3) with γ = V·(d/L / 12)^(1/3) (N_\\E = 12·L·d², embeddings V·d). Their code uses γ = 47 491 for V = 32k, d/L ≈ 39.2.",
    );
    let g = read_gamma(fields, &mut view);
    let ne = optional(fields, "pc_ne", "non-embedding parameters", &mut view);
    let total = optional(fields, "pc_total", "total parameters", &mut view);
    let aspect = crate::page::budget::number(text(fields, "pc_aspect"), "", 0.1, 1e5).ok();
    if let Some(g) = g {
        let paper = if (g / PAPER_GAMMA - 1.0).abs() < 0.01 { " (paper: 47 491)" } else { "" };
        view.out("pc_gamma", format!("{}{paper}", format_sig(g, 5)));
        let shape = |n_ne: f64| {
            aspect.map(|a| {
                let d = (a * n_ne / 12.0).cbrt();
                format!("d_model ≈ {}, {} layers", format_count(d, 3), format_sig(d / a, 3))
            })
        };
        if let Some(n) = ne {
            let t = total_from_non_embedding(n, g);
            view.out("pc_ne_total", format_count(t, 4));
            view.out("pc_ne_share", format!("{}% of the total", format_sig((t - n) / t * 100.0, 3)));
            if let Some(s) = shape(n) {
                view.out("pc_ne_shape", s);
            }
        }
        if let Some(t) = total {
            match non_embedding_from_total(t, g) {
                Some(n) => {
                    view.out("pc_total_ne", format_count(n, 4));
                    view.out("pc_total_share", format!("{}% of the total", format_sig((t - n) / t * 100.0, 3)));
                    if let Some(s) = shape(n) {
                        view.out("pc_total_shape", s);
                    }
                }
                None => view.unanswered("pc_total", "no non-embedding count gives this total"),
            }
        }
    }

    let (law, name, own) = law_of(budget);
    view.out(
        "pc_law",
        format!("{name}: α = {}, β = {}", format_sig(law.alpha, 4), format_sig(law.beta, 4)),
    );
    if !own {
        view.note("pc_notes", "The Budget panel's law is not a Chinchilla form in total parameters, so the exponents use Epoch 2024.");
    }
    view.out("pc_exp_large", format_sig(large_scale_exponent(&law), 3));
    view.out("pc_exp_small", format_sig(small_scale_exponent(&law), 3));
    if let Some(g) = g {
        let s = secant_exponent(&law, KAPLAN_RANGE.0, KAPLAN_RANGE.1, g);
        if s.is_finite() {
            view.out("pc_exp_kaplan", format!("{} over 768 – 1.5B (Kaplan: 0.73)", format_sig(s, 3)));
        }
        match budget.compute.and_then(|c| local_exponent(&law, c, g).map(|e| (c, e))) {
            Some((c, e)) => view.out("pc_exp_budget", format!("{} at C_\\E = {}", format_sig(e, 3), format_sci(c, 3))),
            None if budget.compute.is_none() => view.unanswered("pc_aspect", "the exponent at the budget needs a valid budget above"),
            None => {}
        }
    }
    view.note(
        "pc_notes",
        "Local exponent: d ln N*_\\E / d ln C_\\E when L = E + A/N_T^α + B/D^β holds in total parameters but N and C = 6·N_\\E·D count non-embedding parameters (the Budget panel's compute is read as C_\\E). Limits: β/(β + α/3) at tiny scale, β/(α+β) at large scale.",
    );
    view
}

/// What the tool declares (see [`super::ToolSpec`]).
const SPEC: super::ToolSpec = super::ToolSpec {
    key: "pc",
    fields: FIELDS,
    charts: CHARTS,
    outputs: OUTPUTS,
    lists: LISTS,
    ..super::ToolSpec::EMPTY
};

super::tool!(ParamCount);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::budget::{chart_state, Inputs};
    use crate::core::plot::Theme;

    use crate::page::tools::fields_with as fields;

    #[test]
    fn defaults_convert_both_ways_and_show_exponents() {
        let budget = chart_state(&Inputs::default());
        let view = evaluate(&fields(&[]), &budget, &mut Session::new());
        assert!(view.errors.is_empty(), "{:?}", view.errors);
        assert!(view.outputs["pc_gamma"].contains("paper: 47 491"), "{}", view.outputs["pc_gamma"]);
        let g = gamma(32000.0, 39.2);
        assert_eq!(view.outputs["pc_ne_total"], format_count(1.5e9 + g * 1.5e9f64.cbrt(), 4));
        let back = non_embedding_from_total(70e9, g).unwrap();
        assert_eq!(view.outputs["pc_total_ne"], format_count(back, 4));
        assert!((total_from_non_embedding(back, g) / 70e9 - 1.0).abs() < 1e-12);
        let law = Preset::Epoch.chinchilla().unwrap();
        assert_eq!(view.outputs["pc_exp_large"], format_sig(law.beta / (law.alpha + law.beta), 3));
        assert!(view.outputs["pc_exp_budget"].contains("at C_\\E = 5.76e23"));
        assert!(view.outputs["pc_law"].starts_with("Epoch"));
    }

    #[test]
    fn kaplan_budget_law_falls_back_to_epoch_and_bad_input_is_reported() {
        let mut session = Session::new();
        let budget = chart_state(&Inputs::default().with("law", "kaplan"));
        let view = evaluate(&fields(&[]), &budget, &mut session);
        assert!(view.outputs["pc_law"].starts_with("Epoch"));
        assert!(view.lists["pc_notes"].iter().any(|n| n.contains("not a Chinchilla form")));
        let budget = chart_state(&Inputs::default());
        for (field, bad) in [("pc_vocab", "abc"), ("pc_aspect", "-1"), ("pc_ne", "x"), ("pc_total", "0"), ("pc_total", "1e400")] {
            let view = evaluate(&fields(&[(field, bad)]), &budget, &mut session);
            assert!(view.errors.contains_key(field), "{field}={bad}");
            assert!(view.outputs.contains_key("pc_exp_large"));
        }
        let empty = evaluate(&fields(&[("pc_ne", ""), ("pc_total", "")]), &budget, &mut session);
        assert!(empty.errors.is_empty() && !empty.outputs.contains_key("pc_ne_total"));
    }

    #[test]
    fn chart_draws() {
        let budget = chart_state(&Inputs::default());
        for (theme, w) in [(Theme::Light, 800u32), (Theme::Dark, 360)] {
            let mut svg = String::new();
            {
                let area = SVGBackend::with_string(&mut svg, (w, 400)).into_drawing_area();
                draw("pc-exponent", &area, &fields(&[]), &budget, &mut Session::new(), &ChartStyle::new(theme, 1.0)).unwrap();
            }
            assert!(svg.contains("at budget"));
        }
    }
}

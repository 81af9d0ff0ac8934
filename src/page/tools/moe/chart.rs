//! The MoE chart: the compute-optimal loss against compute for the dense law, MoE at G = 1 and
//! MoE at its best granularity, the budget marked (Krajewski et al.'s Figure 1(a)); with the
//! joint law, dense (E = 1), the chosen E and, when the Budget panel names GPUs, the best E their
//! memory holds (Ludziejewski et al.'s Figure 1(a) read along compute); with the sparsity law,
//! dense (S = 0) and the best sparsity within the runs' range.

use super::*;
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::marks::{draw_guide, draw_marker, line_style};
use crate::core::plot::log_space;
use crate::core::units::format_sci;
use plotters::coord::types::RangedCoordf64;

/// Draws one of [`CHARTS`].
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if !CHARTS.contains(&kind) {
        return draw_message(area, style, "unknown chart");
    }
    let mut scratch = ToolView::default();
    match form(fields, &mut scratch) {
        Some(Form::Joint) => return draw_joint(area, fields, budget, session, style),
        Some(Form::Sparsity) => return draw_sparsity(area, fields, budget, session, style),
        Some(Form::Granular) => {}
        None => return draw_message(area, style, "Choose the fine-grained, the joint or the sparsity law to draw the MoE frontier."),
    }
    let fit = fit_runs(fields, session);
    let Some(r) = read(fields, budget, &fit, &mut scratch) else {
        return draw_message(area, style, "Set a valid budget and expansion rate (and a fit, if chosen) to draw the MoE frontier.");
    };
    let Some((best, _)) = plans(session, &r.setting, r.compute) else {
        return draw_message(area, style, "No MoE model fits in the GPUs' memory at this budget.");
    };
    let (lo, hi) = ((r.compute / 1e4).max(1e15), r.compute * 1e3);
    let s = Setting { max_total: f64::INFINITY, ..r.setting };
    let key = format!("{:e}|{:e}|{:e}|{:?}", lo, s.e, s.c_r, [s.law.a, s.law.alpha, s.law.b, s.law.beta, s.law.g, s.law.gamma, s.law.c]);
    let curves = session.memo("moe.frontier", key, || {
        let xs: Vec<f64> = log_space(lo, hi, 49).collect();
        let dense: Vec<(f64, f64)> = xs.iter().filter_map(|&c| kr::dense_optimum(c).map(|a| (c, a.loss))).collect();
        let g1: Vec<(f64, f64)> = xs.iter().filter_map(|&c| kr::optimum_at(&s, 1.0, c).map(|p| (c, p.loss))).collect();
        let opt: Vec<(f64, f64)> = xs.iter().filter_map(|&c| kr::optimum(&s, c).map(|p| (c, p.0.loss))).collect();
        (dense, g1, opt)
    });
    let (dense, g1, opt) = curves;
    let caption = |narrow: bool| if narrow { "Optimal loss vs compute".to_string() } else { format!("Compute-optimal loss: dense vs MoE (E = {})", format_sig(r.setting.e, 3)) };
    let Some(mut chart) = loss_frame(area, style, caption, (lo, hi), r.compute, dense, &[&g1, &opt])? else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    chart.draw_series(LineSeries::new(g1, line_style(style.series_color(1), style)))?;
    chart.draw_series(LineSeries::new(opt, line_style(style.accent(), style)))?;
    draw_marker(&mut chart, (r.compute, best.loss), style.accent(), style)?;
    let legend = vec![
        ("dense (Table 1)".to_string(), Mark::Dashed(style.series_color(0), 2.0)),
        ("MoE, G = 1".to_string(), Mark::Line(style.series_color(1), 2.0)),
        ("MoE, best G".to_string(), Mark::Line(style.accent(), 2.0)),
        (format!("at the budget: G = {}, L = {}", format_sig(best.granularity, 3), format_sig(best.loss, 4)), Mark::Dot(style.accent())),
    ];
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

/// A chart of loss against compute (log scale).
type LossChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, RangedCoordf64>>;

/// Both laws' loss-against-compute charts: compute over `x`, the loss over every curve (the
/// dense one and `others`) padded, the budget marked and the dense curve drawn dashed; `None`
/// when the curves span no loss range.
fn loss_frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: &ChartStyle,
    caption: impl Fn(bool) -> String,
    (lo, hi): (f64, f64),
    compute: f64,
    dense: Vec<(f64, f64)>,
    others: &[&[(f64, f64)]],
) -> Result<Option<LossChart<'a, DB>>, ChartError>
where
    DB::ErrorType: 'static,
{
    let ys = dense.iter().chain(others.iter().flat_map(|c| c.iter())).map(|p| p.1).filter(|v| v.is_finite());
    let (y_min, y_max) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !(y_min.is_finite() && y_max > y_min) {
        return Ok(None);
    }
    let pad = (y_max - y_min) * 0.06;
    let narrow = is_narrow(area, style);
    let mut chart = builder(area, style, &caption(narrow), narrow).build_cartesian_2d((lo..hi).log_scale(), (y_min - pad)..(y_max + pad))?;
    let (x_format, y_format) = (|v: &f64| format_sci(*v, 1), |v: &f64| format_sig(*v, 3));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute (FLOP)".into(), labels: decade_labels(lo, hi, narrow), format: &x_format },
        Axis { desc: "Predicted loss".into(), labels: if narrow { 5 } else { 7 }, format: &y_format },
    )?;
    draw_guide(&mut chart, compute, (y_min - pad, y_max + pad), "budget", style)?;
    chart.draw_series(DashedLineSeries::new(dense, style.px(7.0), style.px(4.0), line_style(style.series_color(0), style)))?;
    Ok(Some(chart))
}

/// The joint law's frontier: E = 1, the chosen E, and the memory-optimal best over
/// [`crate::core::laws::ludziejewski::EXPERTS`] when the Budget panel names GPUs.
fn draw_joint<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fields: &Fields, budget: &ChartState, session: &mut Session, style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    use crate::core::laws::ludziejewski as lz;
    let mut scratch = ToolView::default();
    let fit = joint::fit_runs(fields, session);
    let Some(r) = joint::read(fields, budget, &fit, &mut scratch) else {
        return draw_message(area, style, "Set a valid budget and number of experts to draw the MoE frontier.");
    };
    let plans = joint::plans(session, &r);
    // Under the Budget panel's GPUs every curve is the best run their memory holds (the
    // compute-optimal one while it fits), and the mark is the panel's plan.
    let at = match (&r.memory, plans.capped) {
        (Some(_), Some(c)) => c,
        (Some(_), None) => return draw_message(area, style, "No model with this many experts fits in the GPUs' memory at this budget."),
        (None, _) => match plans.free {
            Some(f) => f,
            None => return draw_message(area, style, "Nothing to draw for these inputs."),
        },
    };
    let (lo, hi) = ((r.compute / 1e4).max(1e15), r.compute * 1e3);
    let cap = r.memory.as_ref().map(|(c, _)| *c);
    let key = format!("{lo:e}|{}|{:?}|{:?}", r.experts, cap.map(|c| c.bytes), r.law);
    let (law, e) = (r.law, r.experts);
    let (dense, chosen, best) = session.memo("moe.joint.frontier", key, move || {
        let xs: Vec<f64> = log_space(lo, hi, 49).collect();
        let curve = |e: f64| -> Vec<(f64, f64)> {
            xs.iter().filter_map(|&c| cap.map_or_else(|| lz::optimum(&law, e, c), |cap| lz::memory_optimum(&law, e, c, &cap)).map(|p| (c, p.loss))).collect()
        };
        let best: Vec<(f64, f64)> = cap.map_or_else(Vec::new, |cap| xs.iter().filter_map(|&c| lz::best_under_memory(&law, &lz::EXPERTS, c, &cap).map(|(b, _)| (c, b.loss))).collect());
        (curve(1.0), curve(e), best)
    });
    let e_text = format_count(r.experts, 6);
    let caption = |narrow: bool| match (narrow, &r.memory) {
        (true, _) => "Optimal loss vs compute".to_string(),
        (false, Some(_)) => format!("Best loss in the GPUs' memory: dense vs {e_text} experts (joint law)"),
        (false, None) => format!("Compute-optimal loss: dense vs {e_text} experts (joint law)"),
    };
    let Some(mut chart) = loss_frame(area, style, caption, (lo, hi), r.compute, dense, &[&chosen, &best])? else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    let mut legend = vec![("dense (E = 1)".to_string(), Mark::Dashed(style.series_color(0), 2.0))];
    if !best.is_empty() {
        chart.draw_series(LineSeries::new(best, line_style(style.series_color(1), style)))?;
        legend.push(("best E".to_string(), Mark::Line(style.series_color(1), 2.0)));
    }
    chart.draw_series(LineSeries::new(chosen, line_style(style.accent(), style)))?;
    draw_marker(&mut chart, (r.compute, at.loss), style.accent(), style)?;
    legend.push((format!("E = {e_text}"), Mark::Line(style.accent(), 2.0)));
    legend.push((format!("at the budget: L = {}", format_sig(at.loss, 4)), Mark::Dot(style.accent())));
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

/// The sparsity law's frontier: the dense model (S = 0) and the best sparsity within the runs'
/// range, each within the Budget panel's GPUs' memory when it names them.
fn draw_sparsity<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fields: &Fields, budget: &ChartState, session: &mut Session, style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    use crate::core::laws::abnar as ab;
    let mut scratch = ToolView::default();
    let fit = sparsity::fit_runs(fields, session);
    let Some(r) = sparsity::read(budget, &fit, &mut scratch) else {
        return draw_message(area, style, "Paste runs with columns N, D, S and loss (and set a valid budget) to draw the sparsity frontier.");
    };
    let Some(at) = sparsity::plans(session, &r).best else {
        return draw_message(area, style, "No model fits in the GPUs' memory at this budget.");
    };
    let (lo, hi) = ((r.compute / 1e4).max(1e15), r.compute * 1e3);
    let cap = r.memory.as_ref().map_or(f64::INFINITY, |(bytes, _)| bytes / kr::STATE_BYTES);
    let key = format!("{lo:e}|{:e}|{cap:e}|{:?}", r.max_sparsity, r.law);
    let (law, top) = (r.law, r.max_sparsity);
    let (dense, best) = session.memo("moe.sparsity.frontier", key, move || {
        let xs: Vec<f64> = log_space(lo, hi, 49).collect();
        let dense: Vec<(f64, f64)> = xs.iter().filter_map(|&c| ab::optimum_at(&law, 0.0, c, cap).map(|p| (c, p.loss))).collect();
        let best: Vec<(f64, f64)> = xs.iter().filter_map(|&c| ab::optimum(&law, c, top, cap).map(|p| (c, p.loss))).collect();
        (dense, best)
    });
    let caption = |narrow: bool| if narrow { "Optimal loss vs compute".to_string() } else { "Compute-optimal loss: dense vs the best sparsity (your fit of eq. 6)".to_string() };
    let Some(mut chart) = loss_frame(area, style, caption, (lo, hi), r.compute, dense, &[&best])? else {
        return draw_message(area, style, "Nothing to draw for these inputs.");
    };
    chart.draw_series(LineSeries::new(best, line_style(style.accent(), style)))?;
    draw_marker(&mut chart, (r.compute, at.loss), style.accent(), style)?;
    let legend = vec![
        ("dense (S = 0)".to_string(), Mark::Dashed(style.series_color(0), 2.0)),
        (format!("best S ≤ {}", format_sig(r.max_sparsity, 3)), Mark::Line(style.accent(), 2.0)),
        (format!("at the budget: S = {}, L = {}", format_sig(at.s, 3), format_sig(at.loss, 4)), Mark::Dot(style.accent())),
    ];
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

//! The planner's charts: the planned runs in the (C, N) plane over the law's N*(C) with the band
//! of fitted N*(C) extrapolated to the target, and the distribution of fitted N* at the target.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::simulate::at_target;
use super::{laws, Inputs, Simulated};
use crate::core::fit::bootstrap::quantile;
use crate::core::laws::{ChinchillaLaw, LossLaw};
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{decades, draw_message, log_space, mix, ChartError, ChartStyle, Theme};
use crate::core::units::{format_count, format_sci, format_sig};

/// Text at `offset` pixels from `at` (in `area`'s coordinates), with a box of the background
/// colour behind it so that lines under it do not cross it.
fn boxed<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    style: &ChartStyle,
    text: String,
    at: CT::From,
    (x, y): (i32, i32),
    h: HPos,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let font = style.font(11.0);
    let (w, ht) = area.estimate_text_size(&text, &font)?;
    let (w, ht) = (w as i32, ht as i32);
    let left = match h {
        HPos::Left => x,
        HPos::Center => x - w / 2,
        HPos::Right => x - w,
    };
    let pad = style.px(2.0);
    let back = Rectangle::new([(left - pad, y - pad), (left + w + pad, y + ht + pad)], style.background().mix(0.9).filled());
    area.draw(&(EmptyElement::at(at) + back + Text::new(text, (x, y), font.pos(Pos::new(h, VPos::Top)))))?;
    Ok(())
}

/// (2.5 %, 97.5 %) quantiles of N*(C) over the fitted laws at each C.
fn band(xs: &[f64], fitted: &[ChinchillaLaw]) -> Vec<(f64, f64, f64)> {
    xs.iter()
        .filter_map(|&c| {
            let mut v: Vec<f64> =
                fitted.iter().filter_map(|l| l.closed_form_optimum(c)).map(|(n, _)| n).filter(|n| n.is_finite() && *n > 0.0).collect();
            if v.len() < 20 {
                return None;
            }
            v.sort_by(f64::total_cmp);
            Some((c, quantile(&v, 0.025)?, quantile(&v, 0.975)?))
        })
        .collect()
}

/// Draws the planned runs, the true frontier, the band of fitted frontiers and the target.
///
/// # Errors
/// When the backend fails.
pub fn draw_plan<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    inputs: &Inputs,
    sim: &Simulated,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let law = inputs.law;
    let fitted = laws(sim);
    let narrow = is_narrow(area, style);
    let c_min = sim.runs.iter().map(|r| r.c).fold(f64::INFINITY, f64::min);
    let c_max = sim.runs.iter().map(|r| r.c).fold(0.0, f64::max).max(inputs.target);
    let xs: Vec<f64> = log_space(c_min, c_max, 80).collect();
    let truth: Vec<(f64, f64)> = xs.iter().filter_map(|&c| law.closed_form_optimum(c).map(|(n, _)| (c, n))).collect();
    let band = band(&xs, &fitted);
    let ns = sim.runs.iter().map(|r| r.n).chain(truth.iter().map(|p| p.1)).chain(band.iter().flat_map(|b| [b.1, b.2]));
    let (n_lo, n_hi) = ns.filter(|n| n.is_finite() && *n > 0.0).fold((f64::INFINITY, 0.0f64), |(lo, hi), n| (lo.min(n), hi.max(n)));
    if !(n_lo > 0.0 && n_hi >= n_lo && c_min > 0.0) {
        return draw_message(area, style, "Nothing to draw for this plan.");
    }
    let (x_lo, x_hi) = decades(c_min / 1.5, c_max * 1.5);
    let (y_lo, y_hi) = decades(n_lo / 1.3, n_hi * 1.3);
    let caption = if narrow { "Planned runs and fitted N*(C)" } else { "Planned runs and the spread of fitted N*(C), extrapolated to the target" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &|v| format_sci(*v, 2) },
        Axis { desc: "Parameters N".into(), labels: decade_labels(y_lo, y_hi, false), format: &|v| format_count(*v, 2) },
    )?;

    let accent = style.accent();
    let band_alpha = if style.theme == Theme::Dark { 0.35 } else { 0.22 };
    if !band.is_empty() {
        let mut outline: Vec<(f64, f64)> = band.iter().map(|&(c, _, hi)| (c, hi.clamp(y_lo, y_hi))).collect();
        outline.extend(band.iter().rev().map(|&(c, lo, _)| (c, lo.clamp(y_lo, y_hi))));
        chart.plotting_area().draw(&Polygon::new(outline, accent.mix(band_alpha).filled()))?;
    }
    chart.draw_series(LineSeries::new(truth.iter().copied(), style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
    let runs = style.series_color(0);
    chart.draw_series(sim.runs.iter().map(|r| Circle::new((r.c, r.n), style.px(3.5), runs.filled())))?;

    // The target: a dashed line, the interval as a whisker, the truth as a cross.
    let t = inputs.target;
    chart.draw_series(DashedLineSeries::new(
        [(t, y_lo), (t, y_hi)],
        style.px(4.0),
        style.px(4.0),
        accent.stroke_width(style.px(1.25).max(1) as u32),
    ))?;
    let mut sorted: Vec<f64> = fitted.iter().filter_map(|l| at_target(l, t)).map(|v| v.0).collect();
    sorted.sort_by(f64::total_cmp);
    let whisker = accent.stroke_width(style.px(2.5).max(1) as u32);
    if let (Some(lo), Some(hi), true) = (quantile(&sorted, 0.025), quantile(&sorted, 0.975), sorted.len() >= 20) {
        let ends = [lo.clamp(y_lo, y_hi), hi.clamp(y_lo, y_hi)];
        chart.draw_series(LineSeries::new(ends.map(|n| (t, n)), whisker))?;
        let cap = style.px(6.0);
        chart.draw_series(ends.map(|n| EmptyElement::at((t, n)) + PathElement::new(vec![(-cap, 0), (cap, 0)], whisker)))?;
        // In the lower right, left of the target line: no runs (lower left) nor legend there.
        let label = format!("N* 95 %: {} – {}", format_count(lo, 2), format_count(hi, 2));
        boxed(chart.plotting_area(), style, label, (t, y_lo), (-style.px(6.0), -style.px(20.0)), HPos::Right)?;
    }
    if let Some((n_true, _, _)) = at_target(&law, t) {
        chart.draw_series(std::iter::once(Cross::new((t, n_true), style.px(5.0), style.foreground().stroke_width(style.px(2.0) as u32))))?;
    }

    // Legend, upper left (above the frontier, where no run sits: runs lie around N*(C)).
    let entries = [
        ("True N*(C)".to_string(), Mark::Line(style.foreground(), 2.0)),
        ("95 % of fitted N*(C)".to_string(), Mark::Line(mix(style.background(), accent, band_alpha), 10.0)),
        ("Planned runs".to_string(), Mark::Dot(runs)),
        ("Target budget".to_string(), Mark::Dashed(accent, 1.25)),
    ];
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperLeft, style)
}

/// Draws a histogram of fitted N* at the target, relative to the truth.
///
/// # Errors
/// When the backend fails.
pub fn draw_distribution<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    inputs: &Inputs,
    sim: &Simulated,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let Some((truth, _, _)) = at_target(&inputs.law, inputs.target) else {
        return draw_message(area, style, "The law has no optimum at this target.");
    };
    let mut ratios: Vec<f64> = laws(sim).iter().filter_map(|l| at_target(l, inputs.target)).map(|v| v.0 / truth).collect();
    ratios.sort_by(f64::total_cmp);
    let (Some(&first), Some(&last)) = (ratios.first(), ratios.last()) else {
        return draw_message(area, style, "No simulated fit gave a law.");
    };
    let narrow = is_narrow(area, style);
    // Bins in ln(ratio), at least ±2 % wide so that σ → 0 still shows a bar.
    let (lo, hi) = (first.ln().min(-0.02), last.ln().max(0.02));
    let bins = if narrow { 20 } else { 30 };
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for r in &ratios {
        let i = (((r.ln() - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.3;
    let (x_lo, x_hi) = ((lo - width).exp(), (hi + 2.0 * width).exp());
    let caption = if narrow { "Fitted N* at the target" } else { "Fitted N* at the target, relative to the true N*" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(x_lo..x_hi, 0.0..top)?;
    draw_mesh(
        &mut chart,
        style,
        Axis {
            desc: format!("Fitted N* / true N* ({})", format_count(truth, 3)),
            labels: if narrow { 4 } else { 7 },
            format: &|v| format!("×{}", format_sig(*v, 2)),
        },
        Axis { desc: "Replicates".into(), labels: 5, format: &|v| format_sig(*v, 3) },
    )?;
    let bar = mix(style.series_color(0), style.background(), 0.25);
    chart.draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
        let a = (lo + width * i as f64).exp();
        let b = (lo + width * (i + 1) as f64).exp();
        Rectangle::new([(a, 0.0), (b, c as f64)], bar.filled())
    }))?;
    let accent = style.accent();
    let guide = accent.stroke_width(style.px(1.5).max(1) as u32);
    let dashed = |x: f64| DashedLineSeries::new([(x, 0.0), (x, top)], style.px(5.0), style.px(4.0), guide);
    let mut ci_text = None;
    if let (Some(q_lo), Some(q_hi), true) = (quantile(&ratios, 0.025), quantile(&ratios, 0.975), ratios.len() >= 20) {
        chart.draw_series(dashed(q_lo))?;
        chart.draw_series(dashed(q_hi))?;
        ci_text = Some(format!("95 %: ×{} – ×{}", format_sig(q_lo, 3), format_sig(q_hi, 3)));
    }
    chart.draw_series(LineSeries::new([(1.0, 0.0), (1.0, top)], style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
    // The note in the upper left corner of the plot, the interval in the upper right (on a
    // narrow chart a row lower, so that the two never touch).
    let note = format!("{} fits, σ = {} %", ratios.len(), format_sig(inputs.sigma * 100.0, 3));
    let (inset, drop) = (style.px(6.0), style.px(4.0));
    boxed(chart.plotting_area(), style, note, (x_lo, top), (inset, drop), HPos::Left)?;
    if let Some(ci) = ci_text {
        let ci_drop = if narrow { drop + style.px(20.0) } else { drop };
        boxed(chart.plotting_area(), style, ci, (x_hi, top), (-inset, ci_drop), HPos::Right)?;
    }
    Ok(())
}

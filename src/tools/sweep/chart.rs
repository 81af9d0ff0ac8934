//! The planner's charts: the planned runs in the (C, N) plane over the law's N*(C) with the band
//! of fitted N*(C) extrapolated to the target, and the distribution of fitted N* at the target.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::simulate::at_target;
use super::{laws, Inputs, Simulated};
use crate::fit::bootstrap::quantile;
use crate::laws::{ChinchillaLaw, LossLaw};
use crate::plot::{ChartError, ChartStyle, Theme};
use crate::units::{format_count, format_sci, format_sig};

fn narrow<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle) -> bool {
    (area.dim_in_pixel().0 as f64) / style.scale < 480.0
}

fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let m = |x: u8, y: u8| (x as f64 * (1.0 - t) + y as f64 * t).round().clamp(0.0, 255.0) as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

fn run_color(style: &ChartStyle) -> RGBColor {
    if style.theme == Theme::Dark {
        RGBColor(120, 180, 255)
    } else {
        RGBColor(25, 90, 190)
    }
}

/// A centred message, wrapped to the canvas.
pub fn message<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle, text: &str) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let (w, h) = area.dim_in_pixel();
    let font = style.font(13.0);
    let limit = (w as f64 * 0.85) as u32;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        let (cw, _) = area.estimate_text_size(&candidate, &font)?;
        if cw > limit && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let step = style.px(18.0);
    let top = h as i32 / 2 - step * lines.len() as i32 / 2;
    let centred = font.pos(Pos::new(HPos::Center, VPos::Top));
    for (i, l) in lines.iter().enumerate() {
        area.draw(&Text::new(l.clone(), (w as i32 / 2, top + step * i as i32), centred.clone()))?;
    }
    Ok(())
}

/// Text with a box of the background colour behind it, so lines under it do not cross it.
fn boxed<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
    text: String,
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
    area.draw(&Rectangle::new([(left - pad, y - pad), (left + w + pad, y + ht + pad)], style.background().mix(0.9).filled()))?;
    area.draw(&Text::new(text, (x, y), font.pos(Pos::new(h, VPos::Top))))?;
    Ok(())
}

/// A backend pixel made relative to `area`'s top-left corner.
fn rel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, (x, y): (i32, i32)) -> (i32, i32) {
    let (bx, by) = area.get_base_pixel();
    (x - bx, y - by)
}

fn log_space(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    let last = (count.max(2) - 1) as f64;
    (0..count.max(2)).map(|i| (a + (b - a) * i as f64 / last).exp()).collect()
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

/// Decades spanned by [lo, hi], rounded outwards.
fn decades(lo: f64, hi: f64) -> (f64, f64) {
    (10f64.powf(lo.log10().floor()), 10f64.powf(hi.log10().ceil()))
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
    area.fill(&style.background())?;
    let law = inputs.law;
    let fitted = laws(sim);
    let narrow = narrow(area, style);
    let c_min = sim.runs.iter().map(|r| r.c).fold(f64::INFINITY, f64::min);
    let c_max = sim.runs.iter().map(|r| r.c).fold(0.0, f64::max).max(inputs.target);
    let xs = log_space(c_min, c_max, 80);
    let truth: Vec<(f64, f64)> = xs.iter().filter_map(|&c| law.closed_form_optimum(c).map(|(n, _)| (c, n))).collect();
    let band = band(&xs, &fitted);
    let ns = sim.runs.iter().map(|r| r.n).chain(truth.iter().map(|p| p.1)).chain(band.iter().flat_map(|b| [b.1, b.2]));
    let (n_lo, n_hi) = ns.filter(|n| n.is_finite() && *n > 0.0).fold((f64::INFINITY, 0.0f64), |(lo, hi), n| (lo.min(n), hi.max(n)));
    if !(n_lo > 0.0 && n_hi >= n_lo && c_min > 0.0) {
        return message(area, style, "Nothing to draw for this plan.");
    }
    let (x_lo, x_hi) = decades(c_min / 1.5, c_max * 1.5);
    let (y_lo, y_hi) = decades(n_lo / 1.3, n_hi * 1.3);
    let caption = if narrow { "Planned runs and fitted N*(C)" } else { "Planned runs and the spread of fitted N*(C), extrapolated to the target" };
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(12.0))
        .margin_top(style.px(14.0))
        .margin_right(style.px(22.0))
        .caption(caption, style.font(if narrow { 13.0 } else { 15.0 }))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(if narrow { 46.0 } else { 56.0 }))
        .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    let x_decades = (x_hi / x_lo).log10().round() as usize;
    let y_decades = (y_hi / y_lo).log10().round() as usize;
    chart
        .configure_mesh()
        .x_labels(if narrow { x_decades.div_ceil(2) } else { x_decades }.max(2))
        .y_labels(y_decades.max(2))
        .x_label_formatter(&|v| format_sci(*v, 2))
        .y_label_formatter(&|v| format_count(*v, 2))
        .x_desc("Training compute C (FLOP)")
        .y_desc("Parameters N")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;

    let accent = style.accent();
    if !band.is_empty() {
        let mut outline: Vec<(f64, f64)> = band.iter().map(|&(c, _, hi)| (c, hi.clamp(y_lo, y_hi))).collect();
        outline.extend(band.iter().rev().map(|&(c, lo, _)| (c, lo.clamp(y_lo, y_hi))));
        let alpha = if style.theme == Theme::Dark { 0.35 } else { 0.22 };
        chart.plotting_area().draw(&Polygon::new(outline, accent.mix(alpha).filled()))?;
    }
    chart.draw_series(LineSeries::new(truth.iter().copied(), style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
    let runs = run_color(style);
    chart.draw_series(sim.runs.iter().map(|r| Circle::new((r.c, r.n), style.px(3.5), runs.filled())))?;

    // The target: a dashed line, the interval as a whisker, the truth as a cross.
    let t = inputs.target;
    chart.draw_series(DashedLineSeries::new(
        [(t, y_lo), (t, y_hi)],
        style.px(4.0),
        style.px(4.0),
        accent.stroke_width(style.px(1.25).max(1) as u32),
    ))?;
    let at_t: Vec<f64> = fitted.iter().filter_map(|l| at_target(l, t)).map(|v| v.0).collect();
    let mut sorted = at_t.clone();
    sorted.sort_by(f64::total_cmp);
    let ci = (quantile(&sorted, 0.025), quantile(&sorted, 0.975));
    let whisker = accent.stroke_width(style.px(2.5).max(1) as u32);
    if let (Some(lo), Some(hi), true) = (ci.0, ci.1, sorted.len() >= 20) {
        chart.draw_series(LineSeries::new([(t, lo.clamp(y_lo, y_hi)), (t, hi.clamp(y_lo, y_hi))], whisker))?;
        let (px_lo, px_hi) = (rel(area, chart.backend_coord(&(t, lo))), rel(area, chart.backend_coord(&(t, hi))));
        let cap = style.px(6.0);
        for (x, y) in [px_lo, px_hi] {
            area.draw(&PathElement::new(vec![(x - cap, y), (x + cap, y)], whisker))?;
        }
        // In the lower right, left of the target line: no runs (lower left) nor legend there.
        let label = format!("N* 95 %: {} – {}", format_count(lo, 2), format_count(hi, 2));
        let (x, y) = rel(area, chart.backend_coord(&(t, y_lo)));
        boxed(area, style, label, (x - style.px(6.0), y - style.px(20.0)), HPos::Right)?;
    }
    if let Some((n_true, _, _)) = at_target(&law, t) {
        chart.draw_series(std::iter::once(Cross::new((t, n_true), style.px(5.0), style.foreground().stroke_width(style.px(2.0) as u32))))?;
    }

    // Legend, upper left (above the frontier, where no run sits: runs lie around N*(C)).
    let entries: [(&str, u8); 4] = [("True N*(C)", 0), ("95 % of fitted N*(C)", 1), ("Planned runs", 2), ("Target budget", 3)];
    let plot = chart.plotting_area().strip_coord_spec();
    let (px0, py0) = rel(area, plot.get_base_pixel());
    let font = style.font(11.0);
    let row = style.px(17.0);
    let (pad, sample) = (style.px(6.0), style.px(20.0));
    let mut text_w = 0i32;
    for (label, _) in &entries {
        text_w = text_w.max(area.estimate_text_size(label, &font)?.0 as i32);
    }
    let (x0, y0) = (px0 + style.px(8.0), py0 + style.px(8.0));
    let (x1, y1) = (x0 + pad * 3 + sample + text_w, y0 + pad * 2 + row * entries.len() as i32);
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], style.background().mix(0.92).filled()))?;
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], style.grid().stroke_width(1)))?;
    let text_style = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, mark)) in entries.iter().enumerate() {
        let cy = y0 + pad + row * i as i32 + row / 2;
        let (sx0, sx1) = (x0 + pad, x0 + pad + sample);
        match mark {
            0 => area.draw(&PathElement::new(vec![(sx0, cy), (sx1, cy)], style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?,
            1 => area.draw(&Rectangle::new([(sx0, cy - style.px(5.0)), (sx1, cy + style.px(5.0))], accent.mix(0.35).filled()))?,
            2 => area.draw(&Circle::new(((sx0 + sx1) / 2, cy), style.px(3.5), runs.filled()))?,
            _ => area.draw(&PathElement::new(vec![((sx0 + sx1) / 2, cy - style.px(6.0)), ((sx0 + sx1) / 2, cy + style.px(6.0))], whisker))?,
        }
        area.draw(&Text::new(label.to_string(), (sx1 + pad, cy), text_style.clone()))?;
    }
    Ok(())
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
    area.fill(&style.background())?;
    let Some((truth, _, _)) = at_target(&inputs.law, inputs.target) else {
        return message(area, style, "The law has no optimum at this target.");
    };
    let mut ratios: Vec<f64> = laws(sim).iter().filter_map(|l| at_target(l, inputs.target)).map(|v| v.0 / truth).collect();
    ratios.sort_by(f64::total_cmp);
    let (Some(&first), Some(&last)) = (ratios.first(), ratios.last()) else {
        return message(area, style, "No simulated fit gave a law.");
    };
    let narrow = narrow(area, style);
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
    let mut chart = ChartBuilder::on(area)
        .margin(style.px(12.0))
        .margin_top(style.px(14.0))
        .margin_right(style.px(22.0))
        .caption(caption, style.font(if narrow { 13.0 } else { 15.0 }))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(if narrow { 40.0 } else { 50.0 }))
        .build_cartesian_2d(x_lo..x_hi, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(if narrow { 4 } else { 7 })
        .y_labels(5)
        .x_label_formatter(&|v| format!("×{}", format_sig(*v, 2)))
        .y_label_formatter(&|v| format_sig(*v, 3))
        .x_desc(format!("Fitted N* / true N* ({})", format_count(truth, 3)))
        .y_desc("Replicates")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;
    let bar = mix(run_color(style), style.background(), 0.25);
    chart.draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, &c)| {
        let a = (lo + width * i as f64).exp();
        let b = (lo + width * (i + 1) as f64).exp();
        Rectangle::new([(a, 0.0), (b, c as f64)], bar.filled())
    }))?;
    let accent = style.accent();
    let dashed = |x: f64, color: RGBColor| {
        DashedLineSeries::new([(x, 0.0), (x, top)], style.px(5.0), style.px(4.0), color.stroke_width(style.px(1.5).max(1) as u32))
    };
    let mut ci_text = None;
    if let (Some(q_lo), Some(q_hi), true) = (quantile(&ratios, 0.025), quantile(&ratios, 0.975), ratios.len() >= 20) {
        chart.draw_series(dashed(q_lo, accent))?;
        chart.draw_series(dashed(q_hi, accent))?;
        ci_text = Some(format!("95 %: ×{} – ×{}", format_sig(q_lo, 3), format_sig(q_hi, 3)));
    }
    chart.draw_series(LineSeries::new([(1.0, 0.0), (1.0, top)], style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
    let note = format!("{} fits, σ = {} %", ratios.len(), format_sig(inputs.sigma * 100.0, 3));
    let plot = chart.plotting_area().strip_coord_spec();
    let (px0, py0) = rel(area, plot.get_base_pixel());
    let (pw, _) = plot.dim_in_pixel();
    boxed(area, style, note, (px0 + style.px(6.0), py0 + style.px(4.0)), HPos::Left)?;
    if let Some(ci) = ci_text {
        boxed(area, style, ci, (px0 + pw as i32 - style.px(6.0), py0 + style.px(4.0)), HPos::Right)?;
    }
    Ok(())
}

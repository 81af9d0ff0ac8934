//! The Schedule panel's charts: loss against step (data and both laws), the learning rates, and
//! the final loss against the WSD decay fraction.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::laws::multipower::MultiPowerFit;
use crate::laws::tissue::TissueFit;
use crate::plot::{ChartError, ChartStyle, Theme};
use crate::schedule::{Curve, Spec, Warmup};
use crate::units::{format_count, format_sci, format_sig};

/// One schedule's lines: colour, Tissue's and the Multi-Power Law's (step, loss).
type Lines = (RGBColor, Vec<(f64, f64)>, Vec<(f64, f64)>);

/// Points along a drawn line.
const LINE_POINTS: usize = 160;

fn narrow<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle) -> bool {
    (area.dim_in_pixel().0 as f64) / style.scale < 480.0
}

/// The colour of curve `i` (Okabe–Ito).
fn color(style: &ChartStyle, i: usize) -> RGBColor {
    let light = matches!(style.theme, Theme::Light);
    let palette: [(RGBColor, RGBColor); 5] = [
        (RGBColor(0, 114, 178), RGBColor(86, 180, 233)),
        (RGBColor(213, 94, 0), RGBColor(240, 140, 60)),
        (RGBColor(0, 158, 115), RGBColor(60, 200, 150)),
        (RGBColor(204, 121, 167), RGBColor(225, 150, 200)),
        (RGBColor(120, 94, 240), RGBColor(170, 150, 255)),
    ];
    let (l, d) = palette[i % palette.len()];
    if light { l } else { d }
}

#[derive(Clone, Copy)]
enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Dot(RGBColor),
    Ring(RGBColor),
}

fn builder<'a, 'b, DB: DrawingBackend>(area: &'a DrawingArea<DB, Shift>, style: &ChartStyle, caption: &str, narrow: bool) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(area);
    b.margin(style.px(12.0))
        .margin_top(style.px(14.0))
        .margin_right(style.px(22.0))
        .caption(caption, style.font(if narrow { 13.0 } else { 15.0 }))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(if narrow { 50.0 } else { 60.0 }));
    b
}

/// A boxed legend in the upper right (or lower left) corner of the plotting area.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[(String, Mark)], style: &ChartStyle, lower_left: bool) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(());
    }
    let font = style.font(11.0);
    let (pad, sample, gap) = (style.px(6.0), style.px(22.0), style.px(6.0));
    let (mut tw, mut th) = (0, 0);
    for (label, _) in entries {
        let (w, h) = area.estimate_text_size(label, &font)?;
        tw = tw.max(w as i32);
        th = th.max(h as i32);
    }
    let row = th + style.px(4.0);
    let (bw, bh) = (pad * 2 + sample + gap + tw, pad * 2 + row * entries.len() as i32);
    let (w, h) = area.dim_in_pixel();
    let margin = style.px(8.0);
    let (x0, y0) = if lower_left { (margin, h as i32 - bh - margin) } else { (w as i32 - bw - margin, margin) };
    area.draw(&Rectangle::new([(x0, y0), (x0 + bw, y0 + bh)], style.background().mix(0.92).filled()))?;
    area.draw(&Rectangle::new([(x0, y0), (x0 + bw, y0 + bh)], style.grid().stroke_width(1)))?;
    let text = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, mark)) in entries.iter().enumerate() {
        let cy = y0 + pad + row * i as i32 + row / 2;
        let (a, b) = (x0 + pad, x0 + pad + sample);
        match *mark {
            Mark::Line(c) => area.draw(&PathElement::new(vec![(a, cy), (b, cy)], c.stroke_width(style.px(2.0).max(1) as u32)))?,
            Mark::Dashed(c) => {
                let d = (sample / 4).max(2);
                for k in [0, 2] {
                    area.draw(&PathElement::new(vec![(a + d * k, cy), (a + d * k + d + d / 2, cy)], c.stroke_width(style.px(2.0).max(1) as u32)))?;
                }
            }
            Mark::Dot(c) => area.draw(&Circle::new(((a + b) / 2, cy), style.px(4.0), c.filled()))?,
            Mark::Ring(c) => area.draw(&Circle::new(((a + b) / 2, cy), style.px(6.0), c.stroke_width(style.px(2.0).max(1) as u32)))?,
        }
        area.draw(&Text::new(label.clone(), (b + gap, cy), text.clone()))?;
    }
    Ok(())
}

fn steps_along(first: usize, last: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..=LINE_POINTS).map(|i| first + ((last - first) as f64 * i as f64 / LINE_POINTS as f64).round() as usize).collect();
    v.dedup();
    v
}

fn curve_name(c: &Curve) -> String {
    if c.name.is_empty() { "data".to_string() } else { c.name.clone() }
}

/// Loss against step: the data points, both laws' fitted curves, and their prediction for the
/// predict schedule.
#[allow(clippy::too_many_arguments)]
pub(super) fn loss<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    tissue: Option<&TissueFit>,
    mpl: Option<&MultiPowerFit>,
    lambda: f64,
    predict: Option<&Spec>,
    convention: Warmup,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let narrow = narrow(area, style);
    let points = curves.iter().flat_map(|c| c.points.iter());
    let (mut lo, mut hi, mut first) = (f64::INFINITY, f64::NEG_INFINITY, usize::MAX);
    for &(s, l) in points {
        lo = lo.min(l);
        hi = hi.max(l);
        first = first.min(s);
    }
    let mut last_step = curves.iter().map(|c| c.rates.len().saturating_sub(1)).max().unwrap_or(1);
    if let Some(p) = predict {
        last_step = last_step.max(p.steps);
    }
    if !(lo.is_finite() && hi.is_finite()) || last_step == 0 {
        return crate::plot::draw_message(area, style, "No loss values to draw.");
    }
    let first = first.max(1).min(last_step);
    // Lines per schedule: (colour, tissue line, multipower line).
    let mut lines: Vec<Lines> = Vec::new();
    let mut add = |rates: &[f64], warmup: usize, color: RGBColor| {
        let end = rates.len().saturating_sub(1);
        if end < first {
            return;
        }
        let steps = steps_along(first, end);
        let t: Vec<(f64, f64)> = tissue.map_or_else(Vec::new, |f| {
            let all = f.params.curve(rates, lambda);
            steps.iter().filter_map(|&s| all.get(s).map(|l| (s as f64, *l))).collect()
        });
        let m: Vec<(f64, f64)> =
            mpl.map_or_else(Vec::new, |f| steps.iter().zip(f.params.predict(rates, warmup, &steps, false)).map(|(s, l)| (*s as f64, l)).collect());
        lines.push((color, t, m));
    };
    for (i, c) in curves.iter().enumerate() {
        add(&c.rates, c.warmup, color(style, i));
    }
    if let Some(p) = predict {
        add(&p.rates(convention), p.warmup, style.accent());
    }
    // The first steps fall steeply: leave the highest 15 % of the points above the chart so the
    // late part, where schedules differ, gets the room (they are listed in the table anyway).
    let mut sorted: Vec<f64> = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)).collect();
    sorted.sort_by(f64::total_cmp);
    let cut = sorted.get(((sorted.len() as f64 * 0.85).ceil() as usize).min(sorted.len()).saturating_sub(1)).copied().unwrap_or(hi);
    let hi = if sorted.len() >= 10 && cut > lo { cut } else { hi };
    let pad = 0.08 * (hi - lo).max(1e-3);
    let (y_lo, y_hi) = (
        lines.iter().flat_map(|l| l.1.iter().chain(&l.2)).map(|p| p.1).filter(|v| v.is_finite()).fold(lo, f64::min).max(lo - 4.0 * pad) - pad,
        hi + 3.0 * pad + 0.25 * (hi - lo),
    );
    let caption = if narrow { "Loss: Tissue solid, MPL dashed" } else { "Loss: data, Tissue (solid) and Multi-Power (dashed)" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(0f64..last_step as f64 * 1.02, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_labels(if narrow { 4 } else { 8 })
        .y_labels(if narrow { 5 } else { 8 })
        .x_label_formatter(&|v| format_count(*v, 3))
        .y_label_formatter(&|v| format_sig(*v, 3))
        .x_desc("Training step")
        .y_desc("Validation loss")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;
    let inside = |p: &&(f64, f64)| p.1.is_finite() && p.1 >= y_lo && p.1 <= y_hi;
    let width = style.px(2.0).max(1) as u32;
    for (color, t, m) in &lines {
        chart.draw_series(LineSeries::new(t.iter().filter(inside).copied(), color.stroke_width(width)))?;
        chart.draw_series(DashedLineSeries::new(m.iter().filter(inside).copied(), style.px(6.0), style.px(4.0), color.stroke_width(width)))?;
    }
    for (i, c) in curves.iter().enumerate() {
        let col = color(style, i);
        let shown = c.points.iter().filter(|p| p.1 <= y_hi).map(|&(s, l)| (s as f64, l));
        if i % 2 == 0 {
            chart.draw_series(shown.map(|p| Circle::new(p, style.px(3.5), col.filled())))?;
        } else {
            chart.draw_series(shown.map(|p| Circle::new(p, style.px(4.5), col.stroke_width(style.px(1.5).max(1) as u32))))?;
        }
    }
    let mut entries: Vec<(String, Mark)> = curves
        .iter()
        .enumerate()
        .map(|(i, c)| (curve_name(c), if i % 2 == 0 { Mark::Dot(color(style, i)) } else { Mark::Ring(color(style, i)) }))
        .take(5)
        .collect();
    if predict.is_some() {
        entries.push((if narrow { "prediction".into() } else { "predicted schedule".into() }, Mark::Line(style.accent())));
    }
    // The curves fall from the upper left to the lower right: the upper right is kept free.
    legend(&chart.plotting_area().strip_coord_spec(), &entries, style, false)
}

/// The learning rate of every schedule against step.
pub(super) fn rates<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[Curve],
    predict: Option<&Spec>,
    convention: Warmup,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let narrow = narrow(area, style);
    let mut series: Vec<(String, RGBColor, Vec<f64>)> = curves.iter().enumerate().map(|(i, c)| (curve_name(c), color(style, i), c.rates.clone())).collect();
    if let Some(p) = predict {
        series.push((if narrow { "prediction".into() } else { "predicted schedule".into() }, style.accent(), p.rates(convention)));
    }
    let last = series.iter().map(|s| s.2.len().saturating_sub(1)).max().unwrap_or(0);
    let top = series.iter().flat_map(|s| s.2.iter()).copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    if last == 0 || !(top > 0.0) {
        return crate::plot::draw_message(area, style, "No schedule to draw.");
    }
    let caption = if narrow { "Learning rates" } else { "Learning-rate schedules" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(0f64..last as f64 * 1.02, 0f64..top * 1.35)?;
    chart
        .configure_mesh()
        .x_labels(if narrow { 4 } else { 8 })
        .y_labels(if narrow { 5 } else { 6 })
        .x_label_formatter(&|v| format_count(*v, 3))
        .y_label_formatter(&|v| format_sci(*v, 2))
        .x_desc("Training step")
        .y_desc("Learning rate")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;
    for (k, (_, col, rates)) in series.iter().enumerate() {
        let stride = (rates.len() / 600).max(1);
        let pts = rates.iter().enumerate().filter(|(i, _)| i % stride == 0 || *i + 1 == rates.len()).map(|(i, r)| (i as f64, *r));
        // Offset dashes so overlapping schedules stay visible.
        if k % 2 == 1 {
            chart.draw_series(DashedLineSeries::new(pts, style.px(7.0), style.px(4.0), col.stroke_width(style.px(2.0).max(1) as u32)))?;
        } else {
            chart.draw_series(LineSeries::new(pts, col.stroke_width(style.px(2.0).max(1) as u32)))?;
        }
    }
    let entries: Vec<(String, Mark)> =
        series.iter().enumerate().map(|(k, (n, c, _))| (n.clone(), if k % 2 == 1 { Mark::Dashed(*c) } else { Mark::Line(*c) })).take(6).collect();
    legend(&chart.plotting_area().strip_coord_spec(), &entries, style, false)
}

/// Final loss against the WSD decay fraction, by both laws, with each law's best marked.
pub(super) fn scan<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, rows: &[(f64, Option<f64>, Option<f64>)], style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let narrow = narrow(area, style);
    let values: Vec<f64> = rows.iter().flat_map(|r| [r.1, r.2]).flatten().filter(|v| v.is_finite()).collect();
    let (Some(lo), Some(hi)) = (values.iter().copied().reduce(f64::min), values.iter().copied().reduce(f64::max)) else {
        return crate::plot::draw_message(area, style, "No law fitted.");
    };
    let pad = 0.1 * (hi - lo).max(1e-4);
    let caption = if narrow { "WSD: final loss vs decay" } else { "WSD: final loss against the decay fraction" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(0f64..0.55, (lo - pad)..(hi + 6.0 * pad))?;
    chart
        .configure_mesh()
        .x_labels(if narrow { 5 } else { 11 })
        .y_labels(if narrow { 5 } else { 7 })
        .x_label_formatter(&|v| format!("{}%", format_sig(100.0 * v, 2)))
        .y_label_formatter(&|v| format_sig(*v, 4))
        .x_desc("Decay fraction of the steps")
        .y_desc("Predicted final loss")
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;
    let width = style.px(2.0).max(1) as u32;
    let mut entries = Vec::new();
    for (k, (name, pick)) in [("Tissue", 1usize), ("Multi-Power", 2)].into_iter().enumerate() {
        let col = color(style, k + 2);
        let pts: Vec<(f64, f64)> = rows.iter().filter_map(|r| if pick == 1 { r.1 } else { r.2 }.map(|l| (r.0, l))).collect();
        if pts.is_empty() {
            continue;
        }
        if k == 0 {
            chart.draw_series(LineSeries::new(pts.iter().copied(), col.stroke_width(width)))?;
            entries.push((name.to_string(), Mark::Line(col)));
        } else {
            chart.draw_series(DashedLineSeries::new(pts.iter().copied(), style.px(6.0), style.px(4.0), col.stroke_width(width)))?;
            entries.push((name.to_string(), Mark::Dashed(col)));
        }
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, style.px(3.0), col.filled())))?;
        if let Some(&b) = pts.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
            chart.draw_series(std::iter::once(Circle::new(b, style.px(7.0), col.stroke_width(width))))?;
        }
    }
    entries.push(("lowest (ringed)".to_string(), Mark::Ring(style.foreground())));
    legend(&chart.plotting_area().strip_coord_spec(), &entries, style, false)
}

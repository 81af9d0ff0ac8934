//! The Schedule panel's charts: loss against step (data and both laws), the learning rates, and
//! the final loss against the WSD decay fraction.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::core::laws::multipower::MultiPowerFit;
use crate::core::laws::tissue::TissueFit;
use crate::core::plot::frame::{builder, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{draw_message, ChartError, ChartStyle};
use crate::core::schedule::{Curve, CurvePrediction, Spec, Warmup};
use crate::core::units::{format_count, format_sci, format_sig};

/// One schedule's lines: colour, Tissue's and the Multi-Power Law's (step, loss).
type Lines = (RGBColor, Vec<(f64, f64)>, Vec<(f64, f64)>);

/// A chart with linear axes both ways.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Points along a drawn line.
const LINE_POINTS: usize = 160;

/// Width of every drawn line (CSS px).
const LINE_WIDTH: f64 = 2.0;

/// A chart against the training step up to `last`, with its frame and grid drawn.
fn step_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: &ChartStyle,
    caption: &str,
    narrow: bool,
    last: usize,
    y_range: std::ops::Range<f64>,
    y: Axis<'_>,
) -> Result<Chart<'a, DB>, ChartError>
where
    DB::ErrorType: 'static,
{
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(0f64..last as f64 * 1.02, y_range)?;
    let x = Axis { desc: "Training step".into(), labels: if narrow { 4 } else { 8 }, format: &|v| format_count(*v, 3) };
    draw_mesh(&mut chart, style, x, y)?;
    Ok(chart)
}

/// Draws `points` as a solid (or dashed) line and returns its legend sample.
fn draw_line<DB, I>(chart: &mut Chart<'_, DB>, points: I, color: RGBColor, dashed: bool, style: &ChartStyle) -> Result<Mark, ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    I: Iterator<Item = (f64, f64)> + Clone,
{
    let stroke = color.stroke_width(style.px(LINE_WIDTH).max(1) as u32);
    if dashed {
        chart.draw_series(DashedLineSeries::new(points, style.px(6.0), style.px(4.0), stroke))?;
        Ok(Mark::Dashed(color, LINE_WIDTH))
    } else {
        chart.draw_series(LineSeries::new(points, stroke))?;
        Ok(Mark::Line(color, LINE_WIDTH))
    }
}

/// The legend name of the predicted schedule.
fn prediction_name(narrow: bool) -> String {
    if narrow { "prediction" } else { "predicted schedule" }.into()
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
    let narrow = is_narrow(area, style);
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
        return draw_message(area, style, "No loss values to draw.");
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
        add(&c.rates, c.warmup, style.series_color(i));
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
    let y = Axis { desc: "Validation loss".into(), labels: if narrow { 5 } else { 8 }, format: &|v| format_sig(*v, 3) };
    let mut chart = step_chart(area, style, caption, narrow, last_step, y_lo..y_hi, y)?;
    let inside = |p: &&(f64, f64)| p.1.is_finite() && p.1 >= y_lo && p.1 <= y_hi;
    for (color, t, m) in &lines {
        draw_line(&mut chart, t.iter().filter(inside).copied(), *color, false, style)?;
        draw_line(&mut chart, m.iter().filter(inside).copied(), *color, true, style)?;
    }
    for (i, c) in curves.iter().enumerate() {
        let col = style.series_color(i);
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
        .map(|(i, c)| (curve_name(c), if i % 2 == 0 { Mark::Dot(style.series_color(i)) } else { Mark::Ring(style.series_color(i)) }))
        .take(5)
        .collect();
    if predict.is_some() {
        entries.push((prediction_name(narrow), Mark::Line(style.accent(), LINE_WIDTH)));
    }
    // The curves fall from the upper left to the lower right: the upper right is kept free.
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperRight, style)
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
    let narrow = is_narrow(area, style);
    let mut series: Vec<(String, RGBColor, Vec<f64>)> = curves.iter().enumerate().map(|(i, c)| (curve_name(c), style.series_color(i), c.rates.clone())).collect();
    if let Some(p) = predict {
        series.push((prediction_name(narrow), style.accent(), p.rates(convention)));
    }
    let last = series.iter().map(|s| s.2.len().saturating_sub(1)).max().unwrap_or(0);
    let top = series.iter().flat_map(|s| s.2.iter()).copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    if last == 0 || !(top > 0.0) {
        return draw_message(area, style, "No schedule to draw.");
    }
    let caption = if narrow { "Learning rates" } else { "Learning-rate schedules" };
    let y = Axis { desc: "Learning rate".into(), labels: if narrow { 5 } else { 6 }, format: &|v| format_sci(*v, 2) };
    let mut chart = step_chart(area, style, caption, narrow, last, 0f64..top * 1.35, y)?;
    let mut entries = Vec::new();
    for (k, (name, col, rates)) in series.iter().enumerate() {
        let stride = (rates.len() / 600).max(1);
        let pts = rates.iter().enumerate().filter(|(i, _)| i % stride == 0 || *i + 1 == rates.len()).map(|(i, r)| (i as f64, *r));
        // Every other schedule dashed, so overlapping schedules stay visible.
        let mark = draw_line(&mut chart, pts, *col, k % 2 == 1, style)?;
        if k < 6 {
            entries.push((name.clone(), mark));
        }
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperRight, style)
}

/// Final loss against the WSD decay fraction, by both laws, with each law's best marked.
pub(super) fn scan<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, rows: &[(f64, Option<f64>, Option<f64>)], style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let narrow = is_narrow(area, style);
    let values: Vec<f64> = rows.iter().flat_map(|r| [r.1, r.2]).flatten().filter(|v| v.is_finite()).collect();
    let (Some(lo), Some(hi)) = (values.iter().copied().reduce(f64::min), values.iter().copied().reduce(f64::max)) else {
        return draw_message(area, style, "No law fitted.");
    };
    let pad = 0.1 * (hi - lo).max(1e-4);
    let caption = if narrow { "WSD: final loss vs decay" } else { "WSD: final loss against the decay fraction" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(0f64..0.55, (lo - pad)..(hi + 6.0 * pad))?;
    let x = Axis { desc: "Decay fraction of the steps".into(), labels: if narrow { 5 } else { 11 }, format: &|v| format!("{}%", format_sig(100.0 * v, 2)) };
    let y = Axis { desc: "Predicted final loss".into(), labels: if narrow { 5 } else { 7 }, format: &|v| format_sig(*v, 4) };
    draw_mesh(&mut chart, style, x, y)?;
    let width = style.px(LINE_WIDTH).max(1) as u32;
    let mut entries = Vec::new();
    for (k, name) in ["Tissue", "Multi-Power"].into_iter().enumerate() {
        let col = style.series_color(k + 2);
        let pts: Vec<(f64, f64)> = rows.iter().filter_map(|r| if k == 0 { r.1 } else { r.2 }.map(|l| (r.0, l))).collect();
        if pts.is_empty() {
            continue;
        }
        entries.push((name.to_string(), draw_line(&mut chart, pts.iter().copied(), col, k == 1, style)?));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, style.px(3.0), col.filled())))?;
        if let Some(&b) = pts.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
            chart.draw_series(std::iter::once(Circle::new(b, style.px(7.0), col.stroke_width(width))))?;
        }
    }
    entries.push(("lowest (ringed)".to_string(), Mark::Ring(style.foreground())));
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperRight, style)
}

/// Other curves as both fitted laws predict them: predicted against observed loss at every
/// point, with the line where they are equal.
pub(super) fn predicted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    tissue: Option<&CurvePrediction>,
    mpl: Option<&CurvePrediction>,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let narrow = is_narrow(area, style);
    let laws = [("Tissue", tissue), ("Multi-Power", mpl)];
    let values: Vec<f64> = laws
        .iter()
        .filter_map(|(_, p)| *p)
        .flat_map(|p| p.curves.iter().flat_map(|c| c.points.iter().flat_map(|q| [q.1, q.2])))
        .filter(|v| v.is_finite())
        .collect();
    let (Some(lo), Some(hi)) = (values.iter().copied().reduce(f64::min), values.iter().copied().reduce(f64::max)) else {
        return draw_message(area, style, "No finite prediction to draw.");
    };
    let pad = 0.05 * (hi - lo).max(1e-3);
    let (lo, hi) = (lo - pad, hi + pad);
    let caption = if narrow { "Other curves: predicted" } else { "Other curves: predicted against observed loss" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(lo..hi, lo..hi)?;
    let x = Axis { desc: "Observed loss".into(), labels: if narrow { 5 } else { 8 }, format: &|v| format_sig(*v, 4) };
    let y = Axis { desc: "Predicted loss".into(), labels: if narrow { 5 } else { 8 }, format: &|v| format_sig(*v, 4) };
    draw_mesh(&mut chart, style, x, y)?;
    let mut entries = vec![("predicted = observed".to_string(), draw_line(&mut chart, [(lo, lo), (hi, hi)].into_iter(), style.foreground(), true, style)?)];
    for (k, (name, p)) in laws.iter().enumerate() {
        let Some(p) = p else { continue };
        let col = style.series_color(k + 2);
        let pts: Vec<(f64, f64)> = p.curves.iter().flat_map(|c| c.points.iter().map(|q| (q.1, q.2))).filter(|q| q.0.is_finite() && q.1.is_finite()).collect();
        if k == 0 {
            chart.draw_series(pts.iter().map(|&q| Circle::new(q, style.px(3.0), col.filled())))?;
            entries.push((format!("{name} (MAE {})", format_sig(p.mae, 2)), Mark::Dot(col)));
        } else {
            chart.draw_series(pts.iter().map(|&q| Circle::new(q, style.px(3.5), col.stroke_width(style.px(1.5).max(1) as u32))))?;
            entries.push((format!("{name} (MAE {})", format_sig(p.mae, 2)), Mark::Ring(col)));
        }
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::UpperLeft, style)
}

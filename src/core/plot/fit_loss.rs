//! Fit chart: the user's runs (loss against compute) with the fitted compute-optimal frontier
//! L*(C), its 95 % bootstrap band and the budget. Also the helpers the other fit charts share.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use super::legend::{draw_legend, Corner, Mark};
use super::{decades, log_space, ChartError, ChartStyle, Theme};
use crate::core::allocate::optimum;
use crate::core::fit::bootstrap::quantile;
use crate::core::analysis::spec::FittedLaw;
use crate::core::fit::points::Point;
use crate::core::laws::LawRef;
use crate::core::analysis::report::{predict, FitReport, Residual};
use crate::core::analysis::request::law_from_key;
use crate::core::units::{format_sci, format_sig};

/// Most bootstrap samples a band is computed from.
const MAX_BAND_SAMPLES: usize = 200;
/// Points along a fitted line.
const LINE_POINTS: usize = 200;
/// Points along a band (each one costs an optimum per sample).
const BAND_POINTS: usize = 100;

/// Draws every run's observed loss against its compute (held-out runs as crosses), the fitted
/// law's compute-optimal frontier L*(C) with its 95 % bootstrap band, and the budget.
///
/// For the power laws in C the fitted L(C) is drawn instead of the frontier; for other laws
/// without a frontier, only the runs.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_fit_loss<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &FitReport,
    budget: Option<f64>,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let runs: Vec<&Residual> = report.residuals.iter().filter(|r| usable(r.c) && r.loss.is_finite()).collect();
    let Some((c_min, c_max)) = min_max(runs.iter().map(|r| r.c)) else {
        return draw_wrapped_message(area, style, "No runs with a positive compute and a loss to draw.");
    };
    let budget = budget.filter(|b| usable(*b));
    let (line_lo, line_hi) = line_span(c_min, c_max, budget);
    let (x_lo, x_hi) = log_range(line_lo.min(c_min), line_hi);

    let form = law_from_key(&report.law);
    let xs: Vec<f64> = log_space(line_lo, line_hi, LINE_POINTS).collect();
    let band_xs: Vec<f64> = log_space(line_lo, line_hi, BAND_POINTS).collect();
    let (curve, band, curve_label): (Vec<(f64, f64)>, Band, &str) = match (&report.fitted_law, form) {
        (Some(law), form) => {
            let curve = xs.iter().filter_map(|&c| optimum(law.as_law(), c).ok().map(|a| (c, a.loss))).collect();
            let laws = form.map(|f| sample_laws(report, f)).unwrap_or_default();
            let band = quantile_band(&band_xs, &laws, |l, c| optimum(l.as_law(), c).ok().map(|a| a.loss));
            (curve, band, "Fitted frontier L*(C)")
        }
        (None, Some(form)) if report.law.starts_with("power-c") => {
            let curve = xs.iter().filter_map(|&c| power_c(report, c).map(|l| (c, l))).collect();
            let thetas = subsample(&report.samples);
            let band = quantile_band(&band_xs, &thetas, |theta, c| {
                Some(predict(&*form, theta, &Point { ln_n: 0.0, ln_d: 0.0, ln_c: c.ln(), ln_loss: 0.0 }))
            });
            (curve, band, "Fitted L(C)")
        }
        _ => (Vec::new(), Vec::new(), ""),
    };
    let curve: Vec<(f64, f64)> = curve.into_iter().filter(|(_, l)| l.is_finite()).collect();

    let Some((d_min, d_max)) = min_max_finite(runs.iter().map(|r| r.loss)) else {
        return draw_wrapped_message(area, style, "No finite losses to draw.");
    };
    // The fitted line may reach below the runs (it extrapolates) but not take over the chart.
    let d_span = (d_max - d_min).max(0.05 * d_max.abs()).max(1e-6);
    let (l_min, l_max) = match min_max_finite(curve.iter().map(|p| p.1)) {
        Some((lo, hi)) => (lo.max(d_min - d_span).min(d_min), hi.min(d_max + 0.25 * d_span).max(d_max)),
        None => (d_min, d_max),
    };
    // Room below the frontier's end for the budget's label.
    let pad = 0.06 * (l_max - l_min).max(1e-6);
    let (y_lo, y_hi) = (l_min - if budget.is_some() { 2.0 * pad } else { pad }, l_max + pad);

    let narrow = is_narrow(area, style);
    let caption = match (report.fitted_law.is_some(), curve.is_empty(), narrow) {
        (true, _, false) => "Your runs and the fitted frontier",
        (true, _, true) => "Runs and the fitted frontier",
        (false, false, _) => "Your runs and the fitted L(C)",
        (false, true, _) => "Your runs: loss against compute",
    };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)?;
    let (x_format, y_format) = (|v: &f64| format_sci(*v, 2), |v: &f64| format_sig(*v, 3));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &x_format },
        Axis { desc: "Loss".into(), labels: if narrow { 6 } else { 10 }, format: &y_format },
    )?;

    let mut legend = Vec::new();
    let mut obstacles = Obstacles::default();
    if !band.is_empty() {
        draw_band(&mut chart, &band, (y_lo, y_hi), style)?;
    }
    if !curve.is_empty() {
        // Cut where it leaves the chart (flattening it onto the edge would mislead).
        let clipped: Vec<(f64, f64)> = curve.iter().copied().filter(|&(_, l)| l >= y_lo && l <= y_hi).collect();
        chart.draw_series(LineSeries::new(clipped.iter().copied(), style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
        obstacles.add_line(&chart, &clipped);
        let label = match (narrow, report.fitted_law.is_some()) {
            (true, true) => "Frontier L*(C)",
            (true, false) => "L(C)",
            (false, _) => curve_label,
        };
        legend.push((label.to_string(), Mark::Line(style.foreground(), 2.0)));
        if !band.is_empty() {
            legend.push((band_label(narrow).to_string(), Mark::Line(band_color(style), 9.0)));
        }
    }

    let run_color = run_color(style);
    let accent = style.accent();
    let (kept, held): (Vec<&&Residual>, Vec<&&Residual>) = runs.iter().partition(|r| !r.held_out);
    if !kept.is_empty() {
        chart.draw_series(kept.iter().map(|r| Circle::new((r.c, r.loss), style.px(3.0), run_color.filled())))?;
        obstacles.add_points(&chart, kept.iter().map(|r| (r.c, r.loss)));
        legend.insert(0, ((if narrow { "Fitted runs" } else { "Runs in the fit" }).to_string(), Mark::Dot(run_color)));
    }
    if !held.is_empty() {
        let stroke = accent.stroke_width(style.px(2.0).max(1) as u32);
        chart.draw_series(held.iter().map(|r| Cross::new((r.c, r.loss), style.px(4.0), stroke)))?;
        obstacles.add_points(&chart, held.iter().map(|r| (r.c, r.loss)));
        let at = usize::from(!kept.is_empty());
        legend.insert(at, ((if narrow { "Held out" } else { "Held-out runs" }).to_string(), Mark::Cross(accent)));
    }

    if let Some(b) = budget {
        draw_budget_line(&mut chart, b, (y_lo, y_hi), &mut obstacles, style)?;
        let at_budget = match &report.fitted_law {
            Some(law) => optimum(law.as_law(), b).ok().map(|a| a.loss),
            None if !curve.is_empty() => power_c(report, b),
            None => None,
        };
        if let Some(l) = at_budget.filter(|l| *l >= y_lo && *l <= y_hi) {
            let name = if report.fitted_law.is_some() { "L*" } else { "L" };
            draw_point_label(&mut chart, (b, l), &format!("{name} = {}", format_sig(l, 3)), &mut obstacles, style)?;
        }
    }

    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)
}

/// L(C) = E + A/C^α of a fitted power law in C (E = 0 without an irreducible term).
fn power_c(report: &FitReport, c: f64) -> Option<f64> {
    let param = |k: &str| report.params.get(k).copied();
    let l = param("E").unwrap_or(0.0) + param("A")? * c.powf(-param("alpha")?);
    l.is_finite().then_some(l)
}

/// The legend's name for a bootstrap band.
pub(super) fn band_label(narrow: bool) -> &'static str {
    if narrow {
        "95% band"
    } else {
        "95% bootstrap band"
    }
}

/// Whether a compute (or any log-axis value) can be drawn.
pub(super) fn usable(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Smallest and largest of the usable values.
pub(super) fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    min_max_finite(values.into_iter().filter(|v| usable(*v)))
}

/// Smallest and largest of the finite values.
pub(super) fn min_max_finite(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| Some(acc.map_or((v, v), |(lo, hi): (f64, f64)| (lo.min(v), hi.max(v)))))
}

/// The compute span a fitted line covers: from the smallest run (or below the budget) to
/// half again beyond the largest run or the budget.
pub(super) fn line_span(c_min: f64, c_max: f64, budget: Option<f64>) -> (f64, f64) {
    let lo = budget.map_or(c_min, |b| c_min.min(b / 1.5));
    let hi = c_max.max(budget.unwrap_or(0.0)) * 1.5;
    (lo, hi)
}

/// A log axis range of whole decades around `lo..hi`, at least one decade wide.
pub(super) fn log_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = decades(lo, hi);
    if hi / lo < 9.99 {
        (lo, lo * 10.0)
    } else {
        (lo, hi)
    }
}

/// `a` mixed into `b` with weight `t` (an opaque colour, for legend samples).
pub(super) fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let mix = |x: u8, y: u8| (f64::from(x) * t + f64::from(y) * (1.0 - t)).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A ramp colour that reads on the theme's background.
pub(super) fn tone(style: &ChartStyle, light: f64, dark: f64) -> RGBColor {
    style.ramp(match style.theme {
        Theme::Light => light,
        Theme::Dark => dark,
    })
}

/// The colour of the runs that went into the fit.
pub(super) fn run_color(style: &ChartStyle) -> RGBColor {
    tone(style, 0.27, 0.55)
}

/// The opaque look of a bootstrap band (its legend sample).
pub(super) fn band_color(style: &ChartStyle) -> RGBColor {
    blend(style.foreground(), style.background(), band_alpha(style))
}

/// Opacity of a bootstrap band over the background.
fn band_alpha(style: &ChartStyle) -> f64 {
    match style.theme {
        Theme::Light => 0.16,
        Theme::Dark => 0.24,
    }
}

/// At most [`MAX_BAND_SAMPLES`] of the bootstrap's θ, evenly strided.
pub(super) fn subsample(samples: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let step = samples.len().div_ceil(MAX_BAND_SAMPLES).max(1);
    samples.iter().step_by(step).cloned().collect()
}

/// The laws of (at most [`MAX_BAND_SAMPLES`]) bootstrap samples.
pub(super) fn sample_laws(report: &FitReport, law: LawRef) -> Vec<FittedLaw> {
    subsample(&report.samples).iter().filter_map(|theta| FittedLaw::from_theta(law, theta)).collect()
}

/// A bootstrap band: (x, 2.5 %, 97.5 %) at each x.
pub(super) type Band = Vec<(f64, f64, f64)>;

/// The 2.5 and 97.5 % quantiles of `value` over `items` at each x: (x, lo, hi). Empty with
/// fewer than 10 items; x values where fewer than 10 give a finite value are skipped.
pub(super) fn quantile_band<T>(xs: &[f64], items: &[T], value: impl Fn(&T, f64) -> Option<f64>) -> Band {
    if items.len() < 10 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(xs.len());
    let mut v = Vec::with_capacity(items.len());
    for &x in xs {
        v.clear();
        v.extend(items.iter().filter_map(|t| value(t, x)).filter(|y| y.is_finite()));
        if v.len() < 10 {
            continue;
        }
        v.sort_by(f64::total_cmp);
        if let (Some(lo), Some(hi)) = (quantile(&v, 0.025), quantile(&v, 0.975)) {
            out.push((x, lo, hi));
        }
    }
    out
}

/// Fills a band (x, lo, hi), clipped to the y range.
pub(super) fn draw_band<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    band: &[(f64, f64, f64)],
    (y_lo, y_hi): (f64, f64),
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let clip = |y: f64| y.clamp(y_lo, y_hi);
    let mut outline: Vec<(f64, f64)> = band.iter().map(|&(x, _, hi)| (x, clip(hi))).collect();
    outline.extend(band.iter().rev().map(|&(x, lo, _)| (x, clip(lo))));
    chart.plotting_area().draw(&Polygon::new(outline, style.foreground().mix(band_alpha(style)).filled()))?;
    Ok(())
}

/// A rectangle in backend pixels: [(left, top), (right, bottom)].
pub(super) type Rect = [(i32, i32); 2];

/// What a legend should not cover: data points, samples along lines and text labels.
#[derive(Default)]
pub(super) struct Obstacles {
    /// Points in backend pixels, with a weight each.
    pub points: Vec<(i32, i32, u32)>,
    /// Labels in backend pixels.
    pub rects: Vec<Rect>,
}

impl Obstacles {
    /// Adds data points (each weighs 3).
    pub fn add_points<DB: DrawingBackend, X, Y>(
        &mut self,
        chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
        points: impl Iterator<Item = (f64, f64)>,
    ) where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        self.points.extend(points.map(|p| {
            let (x, y) = chart.backend_coord(&p);
            (x, y, 3)
        }));
    }

    /// Adds the samples of a line (each weighs 1).
    pub fn add_line<DB: DrawingBackend, X, Y>(&mut self, chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>, line: &[(f64, f64)])
    where
        X: Ranged<ValueType = f64>,
        Y: Ranged<ValueType = f64>,
    {
        self.points.extend(line.iter().map(|p| {
            let (x, y) = chart.backend_coord(p);
            (x, y, 1)
        }));
    }

    fn cost(&self, r: Rect) -> u32 {
        let [(x0, y0), (x1, y1)] = r;
        let points: u32 = self.points.iter().filter(|&&(x, y, _)| x >= x0 && x <= x1 && y >= y0 && y <= y1).map(|p| p.2).sum();
        let labels = self.rects.iter().filter(|q| q[0].0 < x1 && q[1].0 > x0 && q[0].1 < y1 && q[1].1 > y0).count() as u32;
        points + 1000 * labels
    }
}

/// Draws the legend where it covers the least of `obstacles`: a corner of the plotting area
/// `plot`, or the middle of its top or bottom edge.
pub(super) fn place_legend<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    entries: &[(String, Mark)],
    obstacles: &Obstacles,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if entries.is_empty() {
        return Ok(());
    }
    // The box draw_legend draws (same sizes).
    let font = style.font(11.0);
    let (pad, sample, gap) = (style.px(6.0), style.px(22.0), style.px(6.0));
    let (mut text_w, mut text_h) = (0, 0);
    for (label, _) in entries {
        let (w, h) = plot.estimate_text_size(label, &font)?;
        text_w = text_w.max(w as i32);
        text_h = text_h.max(h as i32);
    }
    let box_w = pad * 2 + sample + gap + text_w;
    let box_h = pad * 2 + (text_h + style.px(4.0)) * entries.len() as i32;
    let margin = style.px(8.0);
    let (bx, by) = plot.get_base_pixel();
    let (w, h) = plot.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let (left, centre, right) = (bx + margin, bx + (w - box_w) / 2, bx + w - box_w - margin);
    let (top, bottom) = (by + margin, by + h - box_h - margin);
    // In order of preference when they tie.
    let candidates =
        [(right, top), (left, top), (right, bottom), (left, bottom), (centre, top), (centre, bottom)];
    let slack = style.px(4.0);
    let mut best = candidates[0];
    let mut best_cost = u32::MAX;
    for (x, y) in candidates {
        let cost = obstacles.cost([(x - slack, y - slack), (x + box_w + slack, y + box_h + slack)]);
        if cost < best_cost {
            best = (x, y);
            best_cost = cost;
        }
    }
    // draw_legend puts the box `margin` in from the upper right of the area it is given: give
    // it the area whose upper right is there.
    let (x, y) = best;
    let top_cut = (y - by - margin).max(0);
    let right_cut = (bx + w - (x + box_w) - margin).max(0);
    draw_legend(&plot.margin(top_cut, 0, 0, right_cut), entries, Corner::UpperRight, style)
}

/// The budget as a dashed vertical line with its value written near the top, both recorded
/// as obstacles.
pub(super) fn draw_budget_line<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    budget: f64,
    (y_lo, y_hi): (f64, f64),
    obstacles: &mut Obstacles,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let accent = style.accent();
    chart.draw_series(DashedLineSeries::new(
        [(budget, y_lo), (budget, y_hi)],
        style.px(4.0),
        style.px(4.0),
        accent.stroke_width(style.px(1.25).max(1) as u32),
    ))?;
    let (px, _) = chart.backend_coord(&(budget, y_hi));
    let plot = chart.plotting_area().strip_coord_spec();
    let (_, by) = plot.get_base_pixel();
    let bottom = by + plot.dim_in_pixel().1 as i32;
    let (g, inset) = (style.px(4.0), style.px(4.0));
    let (top, bottom) = (by + inset, bottom - inset);
    let text = format!("Budget {}", format_sci(budget, 3));
    let candidates = [
        (px + g, top, HPos::Left, VPos::Top),
        (px - g, top, HPos::Right, VPos::Top),
        (px + g, bottom, HPos::Left, VPos::Bottom),
        (px - g, bottom, HPos::Right, VPos::Bottom),
    ];
    let rect = draw_label(&plot, &text, &candidates, obstacles, style)?;
    obstacles.rects.push(rect);
    let step = style.px(6.0).max(1) as usize;
    obstacles.points.extend((by..by + plot.dim_in_pixel().1 as i32).step_by(step).map(|y| (px, y, 1)));
    Ok(())
}

/// A dot on the budget line with its value beside it, where it covers the least; both are
/// recorded as obstacles.
pub(super) fn draw_point_label<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    at: (f64, f64),
    text: &str,
    obstacles: &mut Obstacles,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart.draw_series(std::iter::once(Circle::new(at, style.px(4.5), style.accent().filled())))?;
    let (px, py) = chart.backend_coord(&at);
    let plot = chart.plotting_area().strip_coord_spec();
    let g = style.px(7.0);
    let candidates = [
        (px - g, py + g, HPos::Right, VPos::Top),
        (px - g, py - g, HPos::Right, VPos::Bottom),
        (px + g, py + g, HPos::Left, VPos::Top),
        (px + g, py - g, HPos::Left, VPos::Bottom),
    ];
    let rect = draw_label(&plot, text, &candidates, obstacles, style)?;
    obstacles.rects.push(rect);
    obstacles.points.push((px, py, 3));
    Ok(())
}

/// Writes `text` in the accent colour at the first of the candidate anchors (backend pixels)
/// that lies inside `plot` and covers the least of `obstacles`. Returns its rectangle.
fn draw_label<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    text: &str,
    candidates: &[(i32, i32, HPos, VPos)],
    obstacles: &Obstacles,
    style: &ChartStyle,
) -> Result<Rect, ChartError>
where
    DB::ErrorType: 'static,
{
    let accent = style.accent();
    let font = style.font(11.0).color(&accent);
    let (tw, th) = plot.estimate_text_size(text, &font)?;
    let (tw, th) = (tw as i32, th as i32);
    let (bx, by) = plot.get_base_pixel();
    let (w, h) = plot.dim_in_pixel();
    let (right, bottom) = (bx + w as i32, by + h as i32);
    let rect = |&(x, y, hp, vp): &(i32, i32, HPos, VPos)| -> Rect {
        let x0 = match hp {
            HPos::Left => x,
            HPos::Center => x - tw / 2,
            HPos::Right => x - tw,
        };
        let y0 = match vp {
            VPos::Top => y,
            VPos::Center => y - th / 2,
            VPos::Bottom => y - th,
        };
        [(x0, y0), (x0 + tw, y0 + th)]
    };
    let inside = |r: &Rect| r[0].0 >= bx && r[1].0 <= right && r[0].1 >= by && r[1].1 <= bottom;
    let mut best: Option<(u32, Rect)> = None;
    for c in candidates {
        let r = rect(c);
        if !inside(&r) {
            continue;
        }
        let cost = obstacles.cost(r);
        if best.is_none_or(|(b, _)| cost < b) {
            best = Some((cost, r));
        }
    }
    // Nothing fits (a tiny canvas): the first candidate, pushed inside.
    let r = best.map(|b| b.1).unwrap_or_else(|| {
        let r = candidates.first().map_or([(bx, by), (bx + tw, by + th)], rect);
        let x0 = r[0].0.clamp(bx, (right - tw).max(bx));
        let y0 = r[0].1.clamp(by, (bottom - th).max(by));
        [(x0, y0), (x0 + tw, y0 + th)]
    });
    let local = (r[0].0 - bx, r[0].1 - by);
    plot.draw(&Text::new(text.to_string(), local, font.pos(Pos::new(HPos::Left, VPos::Top))))?;
    Ok(r)
}

/// A centred message, wrapped to the canvas width, instead of a chart.
pub(super) fn draw_wrapped_message<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
    text: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let font = style.font(14.0);
    let (w, h) = area.dim_in_pixel();
    let max_w = (w as i32 - style.px(40.0)).max(style.px(100.0)) as u32;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if !line.is_empty() && area.estimate_text_size(&candidate, &font)?.0 > max_w {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    const MAX_LINES: usize = 8;
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        if let Some(last) = lines.last_mut() {
            last.push_str(" …");
        }
    }
    let row = style.px(20.0);
    let top = h as i32 / 2 - row * (lines.len() as i32 - 1) / 2;
    let centred = font.pos(Pos::new(HPos::Center, VPos::Center));
    for (i, line) in lines.into_iter().enumerate() {
        area.draw(&Text::new(line, (w as i32 / 2, top + row * i as i32), centred.clone()))?;
    }
    Ok(())
}

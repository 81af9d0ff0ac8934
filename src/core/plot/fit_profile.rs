//! Fit chart: the objective's profile over the exponents (α, β) as a heat map — each cell the
//! objective minimised over the coefficients at that (α, β) — with the optimum, rival basins
//! within 1 % of the best objective and the bootstrap's fits. A round, isolated dark spot means
//! the runs identify both exponents; a long dark valley means they identify only a combination.
//! One-exponent laws get the profile as a line.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::elements::draw_wrapped_message;
use super::frame::{builder, draw_mesh, is_narrow, Axis};
use super::layout::{place_legend, Obstacles};
use super::legend::Mark;
use super::{mix, ChartError, ChartStyle};
use crate::core::analysis::identify::{greek, ProfileView};
use crate::core::analysis::report::FitReport;
use crate::core::units::format_sig;

/// Cells whose objective is within this factor of the best decide the zoom.
const ZOOM: f64 = 4.0;
/// Bootstrap fits drawn at most.
const CLOUD: usize = 400;

/// Draws the main law's profile (a heat map for two exponents, a line for one).
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_fit_profile<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &FitReport, style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let Some(p) = &report.profile else {
        let text = if report.search == "grid" {
            "The profile over the exponents is drawn for a profile search (Search: profile) of a law linear in its coefficients."
        } else {
            "This law has no profile over its exponents: it was fitted from a grid of starts."
        };
        return draw_wrapped_message(area, style, text);
    };
    let best_value = p.values.iter().flatten().copied().fold(f64::INFINITY, f64::min).min(p.objective);
    if !(best_value > 0.0 && best_value.is_finite()) {
        return draw_wrapped_message(area, style, "The profile has no finite value to draw.");
    }
    match p.axes.len() {
        1 => draw_line(area, p, best_value, style),
        2 => draw_map(area, report, p, best_value, style),
        _ => draw_wrapped_message(area, style, "Profiles over more than two exponents are not drawn."),
    }
}

/// The index range of cells on one axis that matter: within [`ZOOM`]× of the best, padded.
fn zoom(p: &ProfileView, axis: usize, best_value: f64) -> (usize, usize) {
    let width = p.axes.get(1).map_or(1, Vec::len);
    let len = p.axes[axis].len();
    let (mut lo, mut hi) = (len, 0);
    for (cell, v) in p.values.iter().enumerate() {
        if v.is_some_and(|v| v <= ZOOM * best_value) {
            let k = if axis == 0 { cell / width } else { cell % width };
            lo = lo.min(k);
            hi = hi.max(k);
        }
    }
    if lo > hi {
        return (0, len.saturating_sub(1));
    }
    // At least 12 cells across, and two beyond the zone on each side.
    let (mut lo, mut hi) = (lo.saturating_sub(2), (hi + 2).min(len - 1));
    while hi - lo < 11 && (lo > 0 || hi < len - 1) {
        lo = lo.saturating_sub(1);
        hi = (hi + 1).min(len - 1);
    }
    (lo, hi)
}

/// Half a grid step of an axis (cells are centred on the grid values).
fn half_step(values: &[f64]) -> f64 {
    match values {
        [a, b, ..] => (b - a) / 2.0,
        _ => 0.01,
    }
}

fn draw_map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &FitReport, p: &ProfileView, best_value: f64, style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (xs, ys) = (&p.axes[0], &p.axes[1]);
    let ((i0, i1), (j0, j1)) = (zoom(p, 0, best_value), zoom(p, 1, best_value));
    let (hx, hy) = (half_step(xs), half_step(ys));
    let (x_lo, x_hi, y_lo, y_hi) = (xs[i0] - hx, xs[i1] + hx, ys[j0] - hy, ys[j1] + hy);
    // Colour: ln(value / best) over its range in view, dark at the best.
    let top = (i0..=i1)
        .flat_map(|i| (j0..=j1).map(move |j| (i, j)))
        .filter_map(|(i, j)| p.values[i * ys.len() + j])
        .fold(best_value, f64::max);
    let span = (top / best_value).ln().max(1e-12);

    let narrow = is_narrow(area, style);
    let (lx, ly) = (greek(&p.names[0]), greek(&p.names[1]));
    let caption = if narrow { format!("Profile over ({lx}, {ly})") } else { format!("Objective profile over ({lx}, {ly}): darker is better") };
    let mut chart = builder(area, style, &caption, narrow).build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    let fmt = |v: &f64| format_sig(*v, 3);
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: format!("{lx} (exponent of N)"), labels: if narrow { 5 } else { 8 }, format: &fmt },
        Axis { desc: format!("{ly} (exponent of D)"), labels: if narrow { 5 } else { 8 }, format: &fmt },
    )?;
    chart.draw_series((i0..=i1).flat_map(|i| (j0..=j1).map(move |j| (i, j))).filter_map(|(i, j)| {
        let v = p.values[i * ys.len() + j]?;
        let t = ((v / best_value).ln() / span).sqrt();
        let color = style.ramp(t);
        Some(Rectangle::new([(xs[i] - hx, ys[j] - hy), (xs[i] + hx, ys[j] + hy)], color.filled()))
    }))?;

    let mut legend = Vec::new();
    let mut obstacles = Obstacles::default();
    let inside = |a: f64, b: f64| a >= x_lo && a <= x_hi && b >= y_lo && b <= y_hi;
    let cloud: Vec<(f64, f64)> = report
        .samples
        .iter()
        .step_by((report.samples.len() / CLOUD).max(1))
        .filter_map(|t| Some((*t.get(*p.theta.first()?)?, *t.get(*p.theta.get(1)?)?)))
        .filter(|&(a, b)| inside(a, b))
        .collect();
    let white = RGBColor(255, 255, 255);
    if !cloud.is_empty() {
        chart.draw_series(cloud.iter().map(|&c| Circle::new(c, style.px(1.5), white.mix(0.55).filled())))?;
        obstacles.add_points(&chart, cloud.iter().copied());
        legend.push((if narrow { "Bootstrap fits" } else { "Bootstrap fits (resampled runs)" }.to_string(), Mark::Dot(mix(style.muted(), white, 0.5))));
    }
    let rivals: Vec<(f64, f64)> = p.rivals.iter().filter_map(|r| Some((*r.at.first()?, *r.at.get(1)?))).filter(|&(a, b)| inside(a, b)).collect();
    let accent = style.accent();
    if !rivals.is_empty() {
        let stroke = accent.stroke_width(style.px(2.0).max(1) as u32);
        chart.draw_series(rivals.iter().map(|&c| Circle::new(c, style.px(6.0), stroke)))?;
        obstacles.add_points(&chart, rivals.iter().copied());
        legend.push(("Rival basin within 1 %".to_string(), Mark::Ring(accent)));
    }
    if let [a, b] = p.best[..] {
        let halo = white.stroke_width(style.px(4.0).max(1) as u32);
        chart.draw_series(std::iter::once(Cross::new((a, b), style.px(6.0), halo)))?;
        chart.draw_series(std::iter::once(Cross::new((a, b), style.px(6.0), accent.stroke_width(style.px(2.0).max(1) as u32))))?;
        obstacles.add_points(&chart, std::iter::once((a, b)));
        legend.push((format!("Optimum {lx} = {}, {ly} = {}", format_sig(a, 3), format_sig(b, 3)), Mark::Cross(accent)));
    }
    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)
}

fn draw_line<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &ProfileView, best_value: f64, style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let xs = &p.axes[0];
    let (i0, i1) = zoom(p, 0, best_value);
    let line: Vec<(f64, f64)> = (i0..=i1).filter_map(|i| Some((xs[i], p.values[i]? / best_value))).collect();
    let top = line.iter().map(|q| q.1).fold(1.0, f64::max);
    let narrow = is_narrow(area, style);
    let lx = greek(&p.names[0]);
    let caption = format!("Objective profile over {lx}");
    let mut chart = builder(area, style, &caption, narrow).build_cartesian_2d(xs[i0]..xs[i1], 1.0 - 0.05 * (top - 1.0).max(0.01)..1.0 + 1.05 * (top - 1.0).max(0.01))?;
    let fmt = |v: &f64| format_sig(*v, 3);
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: format!("{lx} (exponent)"), labels: if narrow { 5 } else { 8 }, format: &fmt },
        Axis { desc: "Objective ÷ best".into(), labels: 6, format: &fmt },
    )?;
    chart.draw_series(LineSeries::new(line.iter().copied(), style.foreground().stroke_width(style.px(2.0).max(1) as u32)))?;
    let mut legend = vec![("Profile".to_string(), Mark::Line(style.foreground(), 2.0))];
    let mut obstacles = Obstacles::default();
    obstacles.add_line(&chart, &line);
    if let Some(&a) = p.best.first() {
        let accent = style.accent();
        chart.draw_series(std::iter::once(Cross::new((a, 1.0), style.px(6.0), accent.stroke_width(style.px(2.0).max(1) as u32))))?;
        legend.push((format!("Optimum {lx} = {}", format_sig(a, 3)), Mark::Cross(accent)));
    }
    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)
}

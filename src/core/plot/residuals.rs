//! Fit chart: how far the fitted law is from each run, in percent, against compute; held-out
//! runs (predicted by the fit made without them) stand out.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::colour::run_color;
use super::elements::draw_wrapped_message;
use super::layout::{log_range, min_max, place_legend, usable, Obstacles};
use super::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use super::legend::Mark;
use super::{ChartError, ChartStyle, RunMark};
use crate::core::analysis::report::FitReport;
use crate::core::units::{format_sci, format_sig};

/// Draws each run's residual 100·(L̂/L − 1) against its compute, with a zero line; held-out
/// runs are crosses in the accent colour. The y range is symmetric around zero.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_residuals<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &FitReport,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    draw_residuals_marked(area, report, style).map(|_| ())
}

/// [`draw_residuals`], returning where every run was drawn (a click on the chart finds it).
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_residuals_marked<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &FitReport,
    style: &ChartStyle,
) -> Result<Vec<RunMark>, ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    // (C, residual in percent, held out, source line)
    let points: Vec<(f64, f64, bool, usize)> = report
        .residuals
        .iter()
        .filter(|r| usable(r.c) && usable(r.loss) && usable(r.predicted))
        .map(|r| (r.c, 100.0 * (r.predicted / r.loss - 1.0), r.held_out, r.line))
        .filter(|p| p.1.is_finite())
        .collect();
    let Some((c_min, c_max)) = min_max(points.iter().map(|p| p.0)) else {
        return draw_wrapped_message(area, style, "No runs with a finite fitted loss to draw.").map(|_| Vec::new());
    };
    let (x_lo, x_hi) = log_range(c_min / 1.2, c_max * 1.2);
    let worst = points.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    let y_max = if worst > 1e-9 { worst * 1.15 } else { 1.0 };

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Residuals of the fit" } else { "Residuals: fitted against observed loss" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), -y_max..y_max)?;
    // Ticks are multiples of a step; one computed as ±1e-17 is zero.
    let tiny = y_max * 1e-9;
    let (x_format, y_format) =
        (|v: &f64| format_sci(*v, 2), move |v: &f64| if v.abs() < tiny { "0".to_string() } else { format_sig(*v, 3) });
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Training compute C (FLOP)".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &x_format },
        Axis { desc: "Fitted − observed (%)".into(), labels: if narrow { 5 } else { 9 }, format: &y_format },
    )?;

    chart.draw_series(LineSeries::new([(x_lo, 0.0), (x_hi, 0.0)], style.foreground().stroke_width(style.px(1.25).max(1) as u32)))?;

    let mut legend = Vec::new();
    let mut obstacles = Obstacles::default();
    let color = run_color(style);
    let kept: Vec<(f64, f64)> = points.iter().filter(|p| !p.2).map(|p| (p.0, p.1)).collect();
    let held: Vec<(f64, f64)> = points.iter().filter(|p| p.2).map(|p| (p.0, p.1)).collect();
    if !kept.is_empty() {
        chart.draw_series(kept.iter().map(|&p| Circle::new(p, style.px(3.0), color.filled())))?;
        obstacles.add_points(&chart, kept.iter().copied());
        let label = if narrow { "Fitted runs" } else { "Runs in the fit" };
        legend.push((label.to_string(), Mark::Dot(color)));
    }
    if !held.is_empty() {
        let accent = style.accent();
        let stroke = accent.stroke_width(style.px(2.0).max(1) as u32);
        chart.draw_series(held.iter().map(|&p| Cross::new(p, style.px(4.0), stroke)))?;
        obstacles.add_points(&chart, held.iter().copied());
        let label = if narrow { "Held out" } else { "Held-out runs (fit without them)" };
        legend.push((label.to_string(), Mark::Cross(accent)));
    }
    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)?;
    Ok(points
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.0, p.1));
            RunMark { line: p.3, x, y, excluded: false }
        })
        .collect())
}

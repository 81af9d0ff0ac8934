//! Fit chart: rolling-forward validation — the main law fitted on the runs below each compute
//! cut, its error on every run beyond, against how far beyond the fit that run reaches (its
//! compute in multiples of the largest fitted). How far a researcher may trust the law.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::elements::draw_wrapped_message;
use super::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use super::layout::{log_range, place_legend, Obstacles};
use super::legend::Mark;
use super::{ChartError, ChartStyle};
use crate::core::analysis::report::FitReport;
use crate::core::units::{format_sci, format_sig};

/// Draws each cut's errors against reach, one colour per cut, with a zero line.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_fit_rolling<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, report: &FitReport, style: &ChartStyle) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let Some(rolling) = report.rolling.as_ref().filter(|r| r.cuts.iter().any(|c| !c.predictions.is_empty())) else {
        let text = if report.search == "grid" {
            "Rolling-forward validation runs with the profile search (Search: profile)."
        } else {
            "Rolling-forward validation needs more runs: at least twice the law's parameters below a cut and some above it."
        };
        return draw_wrapped_message(area, style, text);
    };
    let points = rolling.cuts.iter().flat_map(|c| c.predictions.iter());
    let reach_max = points.clone().map(|p| p.reach).fold(1.0, f64::max);
    let worst = points.map(|p| p.error_pct.abs()).fold(0.0, f64::max);
    let y_max = if worst > 1e-9 { worst * 1.15 } else { 1.0 };
    let (x_lo, x_hi) = log_range(1.0, reach_max * 1.3);

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Rolling-forward errors" } else { "Rolling-forward validation: error beyond each fit" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), -y_max..y_max)?;
    let tiny = y_max * 1e-9;
    let (x_format, y_format) = (|v: &f64| format_sig(*v, 2), move |v: &f64| if v.abs() < tiny { "0".to_string() } else { format_sig(*v, 3) });
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Reach: compute ÷ largest fitted compute".into(), labels: decade_labels(x_lo, x_hi, narrow), format: &x_format },
        Axis { desc: "Predicted − observed (%)".into(), labels: if narrow { 5 } else { 9 }, format: &y_format },
    )?;
    chart.draw_series(LineSeries::new([(x_lo, 0.0), (x_hi, 0.0)], style.foreground().stroke_width(style.px(1.25).max(1) as u32)))?;

    let mut legend = Vec::new();
    let mut obstacles = Obstacles::default();
    for (k, cut) in rolling.cuts.iter().enumerate().filter(|(_, c)| !c.predictions.is_empty()) {
        let color = style.series_color(k);
        let pts: Vec<(f64, f64)> = cut.predictions.iter().map(|p| (p.reach, p.error_pct)).collect();
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, style.px(3.0), color.filled())))?;
        obstacles.add_points(&chart, pts.iter().copied());
        let label = if narrow { format!("≤ {}", format_sci(cut.cut, 2)) } else { format!("fitted ≤ {} FLOP ({} runs)", format_sci(cut.cut, 2), cut.fitted) };
        legend.push((label, Mark::Dot(color)));
    }
    place_legend(&chart.plotting_area().strip_coord_spec(), &legend, &obstacles, style)
}

//! The sparse pre-training chart: the parameter count over training, its average marked.

use super::*;
use crate::core::plot::frame::{builder, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};

/// Draws one of [`CHARTS`]: N(t) against the fraction of training, with N̄ and the final size.
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    _kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    _session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let mut scratch = ToolView::default();
    let Some(r) = read(fields, budget, &mut scratch) else {
        return draw_message(area, style, "Enter a valid pruning schedule to draw the parameter count over training.");
    };
    let p = r.pruning;
    let narrow = is_narrow(area, style);
    let caption = if narrow { "Parameters over training" } else { "Parameter count over pre-training, and its average N̄" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d(0.0..1.0, 0.0..r.n * 1.08)?;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Fraction of training".into(), labels: 5, format: &|v| format!("{} %", format_sig(v * 100.0, 3)) },
        Axis { desc: "Parameters".into(), labels: 5, format: &|v| format_count(*v, 2) },
    )?;
    let accent = style.accent();
    let muted = style.muted();
    let line: Vec<(f64, f64)> = (0..=400).map(|i| f64::from(i) / 400.0).map(|t| (t, r.n * p.density(t))).collect();
    chart.draw_series(LineSeries::new(line, accent.stroke_width(style.px(2.5).max(1) as u32)))?;
    let avg = r.n * p.average_density();
    let dash = muted.stroke_width(style.px(1.5).max(1) as u32);
    chart.draw_series(DashedLineSeries::new(vec![(0.0, avg), (1.0, avg)], style.px(6.0), style.px(4.0), dash))?;
    let entries = [
        (format!("N(t): {} → {}", format_count(r.n, 3), format_count(r.n * (1.0 - p.sparsity), 3)), Mark::Line(accent, 2.5)),
        (format!("Average N̄ = {}", format_count(avg, 3)), Mark::Dashed(muted, 1.5)),
    ];
    draw_legend(&chart.plotting_area().strip_coord_spec(), &entries, Corner::LowerRight, style)
}

//! The precision chart: the post-training quantization penalty against tokens per parameter at
//! the run's effective size, one line per bit width, the run's D/N and D_crit marked.

use super::*;
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::log_space;
use crate::core::plot::marks::{draw_guide, line_style};

/// The bit widths drawn.
const WIDTHS: [f64; 4] = [3.0, 4.0, 5.0, 6.0];

/// Draws one of [`CHARTS`].
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    kind: &str,
    area: &DrawingArea<DB, Shift>,
    fields: &Fields,
    budget: &ChartState,
    _session: &mut Session,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    if !CHARTS.contains(&kind) {
        return draw_message(area, style, "unknown chart");
    }
    let mut scratch = ToolView::default();
    let Some(r) = read(fields, budget, &mut scratch) else {
        return draw_message(area, style, "Enter a valid run and precisions to draw the quantization penalty.");
    };
    let Ok(share) = TABLE_2.share(&r.precision) else {
        return draw_message(area, style, "These training precisions leave no effective parameters.");
    };
    let n_eff = r.n * share;
    let ratio = r.d / r.n;
    let (lo, hi) = ((ratio / 300.0).max(0.1), (ratio * 300.0).max(10.0));
    let lines: Vec<(f64, Vec<(f64, f64)>)> = WIDTHS.iter().map(|&p| (p, log_space(lo, hi, 121).map(|x| (x, TABLE_2.ptq(n_eff, x * r.n, p))).collect())).collect();
    let top = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p.1)).filter(|v| v.is_finite()).fold(0.0, f64::max).min(1.0);
    let narrow = is_narrow(area, style);
    let caption = if narrow { "Quantization penalty vs D/N".to_string() } else { format!("Loss added by post-training quantization, N_eff = {}", format_count(n_eff, 3)) };
    let mut chart = builder(area, style, &caption, narrow).build_cartesian_2d((lo..hi).log_scale(), 0.0..top * 1.08)?;
    let (x_format, y_format) = (|v: &f64| format_count(*v, 2), |v: &f64| format_sig(*v, 3));
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "Tokens per parameter D/N".into(), labels: decade_labels(lo, hi, narrow), format: &x_format },
        Axis { desc: "δ_PTQ (nats)".into(), labels: if narrow { 5 } else { 7 }, format: &y_format },
    )?;
    draw_guide(&mut chart, ratio, (0.0, top * 1.08), "this run", style)?;
    let mut legend = Vec::new();
    for (i, (p, line)) in lines.into_iter().enumerate() {
        let color = if Some(p) == r.post { style.accent() } else { style.series_color(i) };
        let clipped: Vec<(f64, f64)> = line.into_iter().filter(|q| q.1 <= top * 1.08).collect();
        chart.draw_series(LineSeries::new(clipped, line_style(color, style)))?;
        legend.push((format!("{} bits", format_sig(p, 2)), Mark::Line(color, 2.0)));
    }
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperLeft, style)
}

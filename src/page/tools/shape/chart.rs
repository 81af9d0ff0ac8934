//! The shape panel's chart: training memory per GPU against the GPU count, for each ZeRO stage.

use super::*;
use crate::core::plot::frame::{builder, decade_labels, draw_mesh, is_narrow, Axis};
use crate::core::plot::legend::{draw_legend, Corner, Mark};
use crate::core::plot::{draw_message, log_space, ChartError, ChartStyle};

/// Draws one of [`CHARTS`]: memory per GPU for ZeRO stages 0–3 as the data-parallel degree
/// grows (the fields' tensor × pipeline split, micro-batch, precision and recomputation), the
/// Budget panel's GPU memory as a line, and the fields' layout marked.
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
    let (Some(shape), Some(layout)) = (read_shape(fields, &mut scratch), read_layout(fields, budget, &mut scratch)) else {
        return draw_message(area, style, "Enter a valid shape and layout.");
    };
    let split = (layout.tp * layout.pp) as f64;
    let (x_lo, x_hi) = (split, (split * 65_536.0).max(split * 4.0));
    let gpus = |dp: f64| dp * split;
    let curves: Vec<(u8, Vec<(f64, f64)>)> = (0..=3u8)
        .map(|zero| {
            let pts = log_space(1.0, x_hi / split, 120)
                .map(|dp| {
                    let l = Layout { zero, dp: dp.round().max(1.0) as u64, ..layout };
                    (gpus(l.dp as f64), shape::memory(&shape, &l).total / 1e9)
                })
                .collect();
            (zero, pts)
        })
        .collect();
    let capacity = budget.gpu.map(|(g, _)| (g.memory / 1e9, g.label));
    let all_y = curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.1)).chain(capacity.map(|c| c.0));
    let (mut y_lo, mut y_hi) = all_y.fold((f64::INFINITY, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    y_lo = 10f64.powf((y_lo.max(1e-3) / 1.5).log10().floor());
    y_hi = 10f64.powf((y_hi * 1.5).log10().ceil());

    let narrow = is_narrow(area, style);
    let caption = if narrow { "Memory per GPU" } else { "Training memory per GPU by ZeRO stage" };
    let mut chart = builder(area, style, caption, narrow).build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())?;
    draw_mesh(
        &mut chart,
        style,
        Axis { desc: "GPUs (tp × pp × dp)".into(), labels: decade_labels(x_lo, x_hi, false), format: &|v| format_count(*v, 2) },
        Axis { desc: "GB per GPU".into(), labels: decade_labels(y_lo, y_hi, false), format: &|v| format_sig(*v, 2) },
    )?;
    let mut legend = Vec::new();
    for (i, (zero, pts)) in curves.iter().enumerate() {
        let color = style.series_color(i);
        let width = if *zero == layout.zero { 3.0 } else { 1.75 };
        chart.draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(style.px(width).max(1) as u32)))?;
        legend.push((if *zero == 0 { "no ZeRO".to_string() } else { format!("ZeRO-{zero}") }, Mark::Line(color, width)));
    }
    let muted = style.muted();
    if let Some((cap, label)) = capacity {
        chart.draw_series(DashedLineSeries::new([(x_lo, cap), (x_hi, cap)], style.px(6.0), style.px(4.0), muted.stroke_width(style.px(1.5).max(1) as u32)))?;
        let name = if narrow { format!("{} GB", format_sig(cap, 3)) } else { format!("{label}: {} GB", format_sig(cap, 3)) };
        // At the right end: the curves have flattened there, away from the label; on the left they cross the line.
        chart.draw_series([Text::new(name, (x_hi / 1.15, cap * 1.08), style.anchored(11.0, HPos::Right, VPos::Bottom).color(&muted))])?;
    }
    let here = shape::memory(&shape, &layout).total / 1e9;
    let accent = style.accent();
    chart.draw_series([Circle::new((gpus(layout.dp as f64), here), style.px(4.5), accent.filled())])?;
    draw_legend(&chart.plotting_area().strip_coord_spec(), &legend, Corner::UpperRight, style)
}

use plotters::style::text_anchor::{HPos, VPos};

//! Chart (c): the iso-FLOP profile at the user's budget, loss against N, optimum marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::frame::{builder, decade_labels, draw_mesh, is_narrow, n_axis_desc, Axis};
use super::{decades, draw_message, log_space, ChartError, ChartState, ChartStyle};
use crate::core::allocate::optimum;
use crate::core::units::{format_count, format_flop, format_sig};

/// Draws L(N, C/6N) for N across four decades around N*, with N* marked.
///
/// # Errors
/// When the backend fails to draw.
pub fn draw_isoflop<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    state: &ChartState,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    area.fill(&style.background())?;
    let Some(compute) = state.compute else {
        return draw_message(area, style, "Enter a valid budget to see its iso-FLOP profile.");
    };
    let law = state.law.law();
    let Ok(best) = optimum(law, compute) else {
        return draw_message(area, style, "No optimum for this budget.");
    };
    let n_max_possible = compute / 6.0;
    let (n_lo, n_hi) = decades(best.n / 150.0, (best.n * 150.0).min(n_max_possible));
    let n_hi = n_hi.min(n_max_possible);
    let curve: Vec<(f64, f64)> = log_space(n_lo, n_hi, 240)
        .map(|n| (n, law.loss(n, compute / (6.0 * n))))
        .filter(|(_, l)| l.is_finite())
        .collect();
    // Show the bowl, not the walls: cap the y range a little above the optimum.
    let span = (best.loss * 0.12).max(1e-3);
    let y_lo = best.loss - span * 0.08;
    let y_hi = best.loss + span;

    let title = format!("Iso-FLOP profile at {}", format_flop(compute));
    let mut chart = builder(area, style, &title, is_narrow(area, style)).build_cartesian_2d((n_lo..n_hi).log_scale(), y_lo..y_hi)?;
    let (x_format, y_format) = (|v: &f64| format_count(*v, 2), |v: &f64| format_sig(*v, 4));
    draw_mesh(
        &mut chart,
        style,
        Axis {
            desc: n_axis_desc(state),
            labels: decade_labels(n_lo, n_hi, false),
            format: &x_format,
        },
        Axis { desc: "Predicted loss".into(), labels: 6, format: &y_format },
    )?;

    let color = style.law_color(&state.law);
    let inside: Vec<(f64, f64)> = curve.iter().copied().filter(|(_, l)| *l <= y_hi * 1.2).collect();
    chart
        .plotting_area()
        .draw(&PathElement::new(clip_y(&inside, y_hi), color.stroke_width(style.px(2.5) as u32)))?;
    let accent = style.accent();
    chart.draw_series(std::iter::once(Circle::new((best.n, best.loss), style.px(5.0), accent.filled())))?;
    // Inside the bowl near the top, where the curve is far from the centre line.
    let label = format!("N* = {}, L* = {}", format_count(best.n, 3), format_sig(best.loss, 4));
    chart.draw_series(std::iter::once(Text::new(
        label,
        (best.n, y_hi - span * 0.04),
        style.anchored(12.0, HPos::Center, VPos::Top).color(&accent),
    )))?;
    chart.draw_series(DashedLineSeries::new(
        [(best.n, best.loss), (best.n, y_hi - span * 0.12)],
        style.px(4.0),
        style.px(4.0),
        accent.stroke_width(style.px(1.0) as u32),
    ))?;
    Ok(())
}

/// Keeps the run of points below `y_max`, cutting the curve where it leaves the chart.
fn clip_y(points: &[(f64, f64)], y_max: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        match (y0 <= y_max, y1 <= y_max) {
            (true, true) => out.push((x0, y0)),
            (true, false) => {
                out.push((x0, y0));
                let t = (y_max - y0) / (y1 - y0);
                out.push(((x0.ln() + t * (x1.ln() - x0.ln())).exp(), y_max));
            }
            (false, true) => {
                let t = (y_max - y0) / (y1 - y0);
                out.push(((x0.ln() + t * (x1.ln() - x0.ln())).exp(), y_max));
            }
            (false, false) => {}
        }
    }
    if let Some(&last) = points.last() {
        if last.1 <= y_max {
            out.push(last);
        }
    }
    out
}

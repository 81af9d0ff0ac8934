//! Marks several charts share: data ranges, legend headroom, dashed guides, highlighted points
//! and the line stroke.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ChartError, ChartStyle};

/// The smallest and largest of the finite `values`, `None` without any.
pub(crate) fn span(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| {
        Some(acc.map_or((v, v), |(lo, hi): (f64, f64)| (lo.min(v), hi.max(v))))
    })
}

/// The x and y ranges the finite `points` cover (`None` without any); x is `x_range` when
/// they all share one x.
pub(crate) fn bounds<'p>(points: impl Iterator<Item = &'p (f64, f64)> + Clone, x_range: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    let xs = span(points.clone().map(|p| p.0))?;
    let ys = span(points.map(|p| p.1))?;
    Some((if xs.0 < xs.1 { xs } else { x_range }, ys))
}

/// A y range over `lo..hi` with room above the data for a legend of `entries` rows in the
/// upper right corner, so the legend covers no line. For a log axis, pass log10 values.
pub(crate) fn legend_room<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
    entries: usize,
    (lo, hi): (f64, f64),
) -> (f64, f64) {
    let span = (hi - lo).max(1e-6 * hi.abs().max(1.0));
    // The legend's rows and padding as a share of the plotting height (the area less margins,
    // caption and tick labels).
    let plot_px = (f64::from(area.dim_in_pixel().1) - f64::from(style.px(14.0 + 12.0 + 40.0 + 30.0))).max(40.0);
    let legend_px = f64::from(style.px(12.0 + 10.0 + 17.0 * entries as f64));
    let share = (legend_px / plot_px).clamp(0.1, 0.6);
    let lo = lo - 0.04 * span;
    (lo, lo + (hi - lo) / (1.0 - share))
}

/// A muted dashed vertical guide at `x` (when inside the chart), labelled at its foot on the
/// side with room.
pub(crate) fn draw_guide<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x: f64,
    (y_lo, y_hi): (f64, f64),
    label: &str,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (px, _) = chart.backend_coord(&(x, y_lo));
    let (xs, _) = chart.plotting_area().get_pixel_range();
    if !x.is_finite() || !xs.contains(&px) {
        return Ok(());
    }
    let muted = style.muted();
    chart.draw_series(DashedLineSeries::new(
        [(x, y_lo), (x, y_hi)],
        style.px(4.0),
        style.px(4.0),
        muted.stroke_width(style.px(1.0).max(1) as u32),
    ))?;
    // Left of guides in the right half, right of the others.
    let (side, dx) = if px > (xs.start + xs.end) / 2 { (HPos::Right, -style.px(4.0)) } else { (HPos::Left, style.px(4.0)) };
    let font = style.font(10.0).color(&muted).pos(Pos::new(side, VPos::Bottom));
    chart.draw_series(std::iter::once(EmptyElement::at((x, y_lo)) + Text::new(label.to_string(), (dx, -style.px(4.0)), font)))?;
    Ok(())
}

/// A highlighted point: a dot ringed in the background colour.
pub(crate) fn draw_marker<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    at: (f64, f64),
    color: RGBColor,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let r = style.px(5.0);
    chart.draw_series([Circle::new(at, r, color.filled()), Circle::new(at, r, style.background().stroke_width(1))])?;
    Ok(())
}

/// The stroke of a chart's lines.
pub(crate) fn line_style(color: RGBColor, style: &ChartStyle) -> ShapeStyle {
    color.stroke_width(style.px(2.0).max(1) as u32)
}

//! The frame every chart shares: margins, caption, label areas, grid and axis labels, all
//! scaled for the pixel ratio and narrowed for phone-width canvases.

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{ChartError, ChartState, ChartStyle};

/// Whether a canvas is phone-width (fewer labels, smaller caption).
pub(crate) fn is_narrow<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, style: &ChartStyle) -> bool {
    (area.dim_in_pixel().0 as f64) / style.scale < 480.0
}

/// A chart builder with the shared margins, label areas and caption (smaller when `narrow`).
pub(crate) fn builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    style: &ChartStyle,
    caption: &str,
    narrow: bool,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(style.px(12.0))
        .margin_top(style.px(14.0))
        .margin_right(style.px(22.0))
        .caption(caption, style.font(if narrow { 13.0 } else { 15.0 }))
        .x_label_area_size(style.px(40.0))
        .y_label_area_size(style.px(if narrow { 46.0 } else { 56.0 }));
    builder
}

/// One axis: its description, how many labels, and how to write a tick.
pub(crate) struct Axis<'f> {
    pub desc: String,
    pub labels: usize,
    pub format: &'f dyn Fn(&f64) -> String,
}

/// Draws the grid, axes and tick labels in the chart style.
pub(crate) fn draw_mesh<DB, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    style: &ChartStyle,
    x: Axis<'_>,
    y: Axis<'_>,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_labels(x.labels.max(2))
        .y_labels(y.labels.max(2))
        .x_label_formatter(x.format)
        .y_label_formatter(y.format)
        .x_desc(x.desc)
        .y_desc(y.desc)
        .label_style(style.font(11.0))
        .axis_desc_style(style.font(12.0))
        .axis_style(style.foreground())
        .bold_line_style(style.grid())
        .light_line_style(style.grid_light())
        .draw()?;
    Ok(())
}

/// How many decade labels fit: every decade, at most five on a phone.
pub(crate) fn decade_labels(lo: f64, hi: f64, narrow: bool) -> usize {
    let decades = ((hi / lo).log10().round() as usize).max(1);
    if narrow { decades.min(5) } else { decades }
}

/// The N axis title, saying which parameters the law counts.
pub(crate) fn n_axis_desc(state: &ChartState) -> String {
    match state.law {
        crate::core::choice::LawChoice::Fit(_) => "Parameters N (as in your runs)".into(),
        _ if state.law.non_embedding() => "Parameters N (non-embedding)".into(),
        _ => "Parameters N (total)".into(),
    }
}

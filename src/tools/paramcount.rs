//! Total vs non-embedding parameters (Pearce & Song 2024) and the local allocation exponent.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Field, Fields, ToolView};
use crate::app::ChartState;
use crate::plot::{ChartError, ChartStyle};

/// This tool's inputs.
pub const FIELDS: &[Field] = &[];

/// This tool's charts.
pub const CHARTS: &[&str] = &[];

/// What the panel shows.
pub fn evaluate(_fields: &Fields, _budget: &ChartState) -> ToolView {
    ToolView::default()
}

/// Draws one of [`CHARTS`].
///
/// # Errors
/// When the backend fails.
pub fn draw<DB: DrawingBackend>(
    _kind: &str,
    area: &DrawingArea<DB, Shift>,
    _fields: &Fields,
    _budget: &ChartState,
    style: &ChartStyle,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    crate::plot::draw_message(area, style, "not built yet")
}

//! Charts, written once over plotters' `DrawingBackend`: SVG in native tests and the CLI,
//! canvas in the page. Each chart takes the page's [`ChartState`] and a [`ChartStyle`].

mod allocation;
pub(crate) mod colour;
mod contours;
pub(crate) mod elements;
mod fit_frontier;
mod fit_loss;
mod fit_profile;
mod fit_rolling;
pub(crate) mod frame;
mod isoflop;
pub(crate) mod layout;
pub(crate) mod legend;
pub(crate) mod marks;
mod residuals;
mod style;

pub use allocation::draw_allocation;
pub use contours::draw_contours;
pub use fit_frontier::draw_fit_frontier;
pub use fit_loss::{draw_fit_loss, draw_fit_loss_marked};
pub use fit_profile::draw_fit_profile;
pub use fit_rolling::draw_fit_rolling;
pub use isoflop::draw_isoflop;
pub use residuals::{draw_residuals, draw_residuals_marked};

/// A run drawn on a chart and where (backend pixels): a click on the chart finds it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RunMark {
    /// The run's source line.
    pub line: usize,
    /// Horizontal position.
    pub x: i32,
    /// Vertical position.
    pub y: i32,
    /// Whether the run is excluded from the fit (drawn hollow).
    pub excluded: bool,
}

/// The mark nearest to (x, y) within `radius` pixels, if any.
pub fn nearest_mark(marks: &[RunMark], x: f64, y: f64, radius: f64) -> Option<RunMark> {
    marks
        .iter()
        .map(|m| (m, (m.x as f64 - x).hypot(m.y as f64 - y)))
        .filter(|(_, d)| *d <= radius)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(m, _)| *m)
}
pub use style::{mix, ChartStyle, Theme};

use std::fmt;

use plotters::prelude::*;

/// The numbers the charts need, taken from validated inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartState {
    /// The selected law.
    pub law: crate::core::choice::LawChoice,
    /// The budget, when valid.
    pub compute: Option<f64>,
    /// The alternative model size, when valid.
    pub model_size: Option<f64>,
    /// The Budget panel's GPU and GPU count, when valid.
    pub gpu: Option<(&'static crate::core::hardware::Gpu, f64)>,
}

/// A chart could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartError {
    /// The drawing backend failed; its message.
    Drawing(String),
    /// No chart of this name.
    Unknown(String),
    /// The law has no compute-optimal point at the budget (what the solver said).
    NoOptimum(String),
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Drawing(m) => write!(f, "chart error: {m}"),
            Self::Unknown(kind) => write!(f, "chart error: unknown chart \"{kind}\""),
            Self::NoOptimum(m) => write!(f, "chart error: {m}"),
        }
    }
}

impl std::error::Error for ChartError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Drawing(e.to_string())
    }
}

/// `count` points spaced evenly in log between `lo` and `hi`, both included.
pub(crate) fn log_space(lo: f64, hi: f64, count: usize) -> impl Iterator<Item = f64> + Clone {
    let (a, b) = (lo.ln(), hi.ln());
    let last = (count.max(2) - 1) as f64;
    (0..count.max(2)).map(move |i| (a + (b - a) * i as f64 / last).exp())
}

/// Rounds a range outwards to whole decades, at least one decade wide.
pub(crate) fn decades(lo: f64, hi: f64) -> (f64, f64) {
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil());
    if hi / lo < 9.99 {
        (lo, lo * 10.0)
    } else {
        (lo, hi)
    }
}

/// Draws a centred message instead of a chart (e.g. while the budget is invalid), wrapped to
/// the canvas width.
pub(crate) fn draw_message<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    style: &ChartStyle,
    text: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let font = style.font(14.0);
    let limit = (f64::from(w) * 0.85) as u32;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        let (width, _) = area.estimate_text_size(&candidate, &font)?;
        if width > limit && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    let step = style.px(19.0);
    let top = h as i32 / 2 - step * lines.len() as i32 / 2;
    let centred = font.pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    for (i, l) in lines.into_iter().enumerate() {
        area.draw(&Text::new(l, (w as i32 / 2, top + step * i as i32), centred.clone()))?;
    }
    Ok(())
}

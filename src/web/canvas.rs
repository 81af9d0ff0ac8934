//! The one backend every chart draws on in the page: a canvas, or SVG for exports, chosen at run
//! time (so each chart's drawing code is compiled once, not once per backend), with text measured
//! by a canvas itself (`measureText`) instead of plotters' default, which inserts
//! `<span style=…>` into the DOM — blocked by our CSP — or guesses (SVG): a chart's SVG lays out
//! as it does on screen.

use plotters::backend::SVGBackend;
use plotters::prelude::DrawingBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Where a chart is drawn.
enum Target<'a> {
    Canvas(CanvasBackend),
    Svg(SVGBackend<'a>),
}

/// A backend's error, as text (the page reports it; nothing inspects it).
#[derive(Debug)]
pub struct BackendError(String);

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackendError {}

fn convert<E: std::error::Error + Send + Sync>(e: DrawingErrorKind<E>) -> DrawingErrorKind<BackendError> {
    match e {
        DrawingErrorKind::DrawingError(e) => DrawingErrorKind::DrawingError(BackendError(e.to_string())),
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

/// Runs `$call` on whichever backend is the target, converting its error.
macro_rules! on_target {
    ($self:ident, $b:ident => $call:expr) => {
        match &mut $self.target {
            Target::Canvas($b) => $call.map_err(convert),
            Target::Svg($b) => $call.map_err(convert),
        }
    };
}

/// A canvas or SVG backend that measures text on a canvas's 2d context.
pub struct Measured<'a> {
    target: Target<'a>,
    context: CanvasRenderingContext2d,
}

/// The 2d context of `canvas`, if it has one.
fn context_of(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

impl<'a> Measured<'a> {
    /// Draws on a canvas; `None` when it has no 2d context.
    pub fn canvas(canvas: HtmlCanvasElement) -> Option<Self> {
        let context = context_of(&canvas)?;
        let inner = CanvasBackend::with_canvas_object(canvas)?;
        Some(Measured { target: Target::Canvas(inner), context })
    }

    /// Writes SVG of `size` into `svg`, measuring text on `canvas` (whose drawing it leaves alone).
    pub fn svg(svg: &'a mut String, size: (u32, u32), canvas: &HtmlCanvasElement) -> Option<Self> {
        Some(Measured { target: Target::Svg(SVGBackend::with_string(svg, size)), context: context_of(canvas)? })
    }
}

impl DrawingBackend for Measured<'_> {
    type ErrorType = BackendError;

    fn get_size(&self) -> (u32, u32) {
        match &self.target {
            Target::Canvas(b) => b.get_size(),
            Target::Svg(b) => b.get_size(),
        }
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.ensure_prepared())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.present())
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.draw_pixel(point, color))
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.draw_line(from, to, style))
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.draw_rect(upper_left, bottom_right, style, fill))
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), DrawingErrorKind<BackendError>> {
        // One pass over the points, whichever backend takes them.
        let points: Vec<BackendCoord> = path.into_iter().collect();
        on_target!(self, b => b.draw_path(points, style))
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.draw_circle(center, radius, style, fill))
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), DrawingErrorKind<BackendError>> {
        let points: Vec<BackendCoord> = vert.into_iter().collect();
        on_target!(self, b => b.fill_polygon(points, style))
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<BackendError>> {
        on_target!(self, b => b.draw_text(text, style, pos))
    }
    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<BackendError>> {
        // The same font string CanvasBackend::draw_text sets (the SVG names the same font).
        self.context.set_font(&format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str()));
        let width = self.context.measure_text(text).map(|m| m.width()).unwrap_or(0.0);
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }
}

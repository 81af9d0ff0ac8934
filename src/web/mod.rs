//! The wasm_bindgen boundary: decode from JS, call the pure core, encode for JS. No math here.
//!
//! Built twice for the page: without the `workbench` feature it is the first-load module (the
//! Budget panel, its charts and links: [`evaluate`] answers only the panel), with it the whole
//! page (the Fit panel, every tool and the workers' jobs), loaded when a tool opens. The
//! feature is read here only: the page model below is the same in both.

mod canvas;
#[cfg(feature = "workbench")]
mod fit;

use plotters::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use std::cell::RefCell;

use crate::core::hardware::GPUS;
use crate::core::plot::{self, ChartStyle, Theme};
use crate::core::presets::Preset;
use crate::page::budget::{self, Inputs};
use crate::page::session::Session;

use crate::page::share;

thread_local! {
    /// The page's session (or a worker's): the one piece of state this module keeps.
    static SESSION: RefCell<Session> = RefCell::new(Session::new());
}

/// Runs `f` with the session.
fn with_session<T>(f: impl FnOnce(&mut Session) -> T) -> T {
    SESSION.with(|s| f(&mut s.borrow_mut()))
}

#[wasm_bindgen]
extern "C" {
    /// Defined by the page: shows a fatal message when Rust panics.
    #[wasm_bindgen(js_namespace = window, js_name = scalecalcPanic)]
    fn report_panic(message: &str);
}

/// Runs once when the module loads: routes panics to the page instead of a silent dead module.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| report_panic(&info.to_string())));
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("bad input object: {e}")))
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The default inputs.
#[wasm_bindgen(js_name = defaultInputs)]
pub fn default_inputs() -> Result<JsValue, JsError> {
    to_js(&Inputs::default())
}

/// Everything the page shows for these inputs: the view (`{outputs, errors, notes, …,
/// pending}`, `pending` naming the outputs still being computed) and `working`, whether any
/// tool's slow result is under way (see [`next_job`]).
#[wasm_bindgen]
pub fn evaluate(inputs: JsValue) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Evaluated {
        #[serde(flatten)]
        view: budget::View,
        working: bool,
    }
    let inputs: Inputs = from_js(inputs)?;
    #[cfg(feature = "workbench")]
    let (view, working) = with_session(|s| (budget::evaluate(&inputs, s), s.tool_work_pending()));
    #[cfg(not(feature = "workbench"))]
    let (view, working) = (budget::evaluate_panel(&inputs).0, false);
    to_js(&Evaluated { view, working })
}

/// Whether this module is the whole page (`true`) or the first-load module (`false`).
#[wasm_bindgen]
pub fn workbench() -> bool {
    cfg!(feature = "workbench")
}

#[cfg(feature = "workbench")]
/// Called once by the page: from now on slow results (fits, simulations) become jobs for the
/// page's workers instead of being computed on its thread.
#[wasm_bindgen(js_name = deferSlowWork)]
pub fn defer_slow_work() {
    with_session(|s| s.set_deferred(true));
}

#[cfg(feature = "workbench")]
/// The next job for a worker, `{id, method, args}`, or `undefined` when none is waiting.
#[wasm_bindgen(js_name = nextJob)]
pub fn next_job() -> Result<JsValue, JsError> {
    match with_session(Session::next_job) {
        Some(job) => to_js(&job),
        None => Ok(JsValue::UNDEFINED),
    }
}

#[cfg(feature = "workbench")]
/// The job each worker runs when it starts, `{id, method, args}`: a small fit that warms the
/// engine's compiled code up (see `core::analysis::plan::warm_up`).
#[wasm_bindgen(js_name = warmUpJob)]
pub fn warm_up_job() -> Result<JsValue, JsError> {
    to_js(&crate::page::jobs::Job { id: 0, method: crate::core::analysis::plan::WARM_UP.into(), args: String::new() })
}

#[cfg(feature = "workbench")]
/// A worker's result for job `id`: `{owner, finished}` — whose job it was (a tool's key, "fit",
/// or null for a run since replaced) and whether its run has ended.
#[wasm_bindgen(js_name = acceptJob)]
pub fn accept_job(id: f64, result: &str) -> Result<JsValue, JsError> {
    let accepted = with_session(|s| s.accept(id as u64, result)).map_err(|e| JsError::new(&e))?;
    to_js(&accepted)
}

#[cfg(feature = "workbench")]
/// In a worker: runs one job and returns its result (JSON text).
#[wasm_bindgen(js_name = runJob)]
pub fn run_job(method: &str, args: &str) -> Result<String, JsError> {
    with_session(|s| s.run_job(method, args)).map_err(|e| JsError::new(&e))
}

/// The share fragment (without `#`) for these inputs.
#[wasm_bindgen(js_name = toFragment)]
pub fn to_fragment(inputs: JsValue) -> Result<String, JsError> {
    let inputs = from_js(inputs)?;
    Ok(with_session(|s| share::to_fragment(&inputs, s)))
}

/// Reads a fragment: `{inputs, messages, workbench}`, `workbench` saying whether the link needs
/// the whole page (the first-load module judges only the Budget panel's fields: the page then
/// loads the whole module and reads the link again with it).
#[wasm_bindgen(js_name = fromFragment)]
pub fn from_fragment(fragment: &str) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Read {
        inputs: Inputs,
        messages: Vec<String>,
        workbench: bool,
    }
    #[cfg(feature = "workbench")]
    let (inputs, messages) = with_session(|s| share::from_fragment(fragment, s));
    #[cfg(not(feature = "workbench"))]
    let (inputs, messages) = share::from_fragment_panel(fragment);
    let workbench = share::needs_workbench(&inputs);
    to_js(&Read { inputs, messages, workbench })
}

/// BibTeX for the papers `text` cites (the open view's text: the page cites what it uses):
/// `{bibtex, count, unknown}`, `unknown` the arXiv identifiers without an entry.
#[wasm_bindgen]
pub fn bibtex(text: &str) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Cited {
        bibtex: String,
        count: usize,
        unknown: Vec<String>,
    }
    let (refs, unknown) = crate::core::refs::cited_in(text);
    to_js(&Cited { bibtex: refs.iter().map(|r| r.bibtex()).collect::<Vec<_>>().join("\n"), count: refs.len(), unknown })
}

/// One entry of a selector.
#[derive(serde::Serialize)]
struct Choice {
    key: &'static str,
    label: String,
    detail: String,
}

/// The choices for the law and GPU selectors: `{laws: [{key, label}], gpus: [{key, label, source}]}`.
#[wasm_bindgen]
pub fn choices() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Choices {
        laws: Vec<Choice>,
        gpus: Vec<Choice>,
        fit_laws: Vec<Choice>,
    }
    to_js(&Choices {
        laws: Preset::ALL.iter().map(|p| Choice { key: p.key(), label: p.label().into(), detail: p.citation().into() }).collect(),
        gpus: GPUS
            .iter()
            .map(|g| Choice {
                key: g.key,
                label: g.label.into(),
                detail: format!("{} TFLOP/s dense BF16 — {}", g.peak_flops / 1e12, g.source),
            })
            .collect(),
        fit_laws: fit_laws(),
    })
}

/// The Fit panel's law choices (none in the first-load module, which has no Fit panel).
fn fit_laws() -> Vec<Choice> {
    #[cfg(feature = "workbench")]
    return crate::page::fitpanel::law_options()
        .into_iter()
        .filter_map(|(key, text)| crate::core::laws::run_law(key).map(|l| (l, text)))
        .map(|(l, text)| Choice { key: l.key(), label: text, detail: l.citation().into() })
        .collect();
    #[cfg(not(feature = "workbench"))]
    Vec::new()
}

/// Draws chart `kind` ("allocation", "contours", "isoflop" or a tool's chart) on `canvas`, whose pixel size
/// the page has already set from its CSS size × `pixel_ratio`.
#[wasm_bindgen(js_name = drawChart)]
pub fn draw_chart(kind: &str, canvas: HtmlCanvasElement, inputs: JsValue, dark: bool, pixel_ratio: f64) -> Result<(), JsError> {
    let inputs: Inputs = from_js(inputs)?;
    let style = ChartStyle::new(if dark { Theme::Dark } else { Theme::Light }, pixel_ratio);
    let backend = canvas::Measured::canvas(canvas).ok_or_else(|| JsError::new("canvas has no 2d context"))?;
    let area = backend.into_drawing_area();
    draw_kind(kind, &area, &inputs, &style)?;
    area.present().map_err(|e| JsError::new(&e.to_string()))
}

/// Chart `kind` as SVG (the same drawing on plotters' SVG backend), the size of `canvas` on screen
/// (CSS pixels), text measured as the canvas measures it: for exports.
#[wasm_bindgen(js_name = chartSvg)]
pub fn chart_svg(kind: &str, canvas: HtmlCanvasElement, inputs: JsValue, dark: bool) -> Result<String, JsError> {
    let inputs: Inputs = from_js(inputs)?;
    let style = ChartStyle::new(if dark { Theme::Dark } else { Theme::Light }, 1.0);
    let mut svg = String::new();
    {
        let size = svg_size(&canvas);
        let backend = canvas::Measured::svg(&mut svg, size, &canvas).ok_or_else(|| JsError::new("canvas has no 2d context"))?;
        let area = backend.into_drawing_area();
        draw_kind(kind, &area, &inputs, &style)?;
        area.present().map_err(|e| JsError::new(&e.to_string()))?;
    }
    Ok(svg)
}

/// The CSS size of a canvas (at least 1 × 1), for an SVG of it.
fn svg_size(canvas: &HtmlCanvasElement) -> (u32, u32) {
    (canvas.client_width().max(1) as u32, canvas.client_height().max(1) as u32)
}

/// The file name (without extension) for an export of `what` (a chart kind or a table key):
/// `scalecalc-isoflop-5.76e23`, the budget's compute when it reads.
#[wasm_bindgen(js_name = exportName)]
pub fn export_name(what: &str, inputs: JsValue) -> Result<String, JsError> {
    let inputs: Inputs = from_js(inputs)?;
    let safe: String = what.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    Ok(match budget::chart_state(&inputs).compute {
        Some(c) => format!("scalecalc-{safe}-{}", crate::core::units::format_sci(c, 3)),
        None => format!("scalecalc-{safe}"),
    })
}

/// Draws chart `kind` on the canvas or SVG backend.
fn draw_kind(kind: &str, area: &DrawingArea<canvas::Measured<'_>, plotters::coord::Shift>, inputs: &Inputs, style: &ChartStyle) -> Result<(), JsError> {
    let state = budget::chart_state(inputs);
    let drawn = match kind {
        "allocation" => plot::draw_allocation(area, &state, style),
        "contours" => plot::draw_contours(area, &state, style),
        "isoflop" => plot::draw_isoflop(area, &state, style),
        #[cfg(feature = "workbench")]
        tool => with_session(|s| crate::page::tools::draw(tool, area, inputs, &state, s, style)),
        #[cfg(not(feature = "workbench"))]
        other => return Err(JsError::new(&format!("chart {other} is drawn by the workbench module"))),
    };
    drawn.map_err(|e| JsError::new(&e.to_string()))
}

//! The Fit panel's wasm boundary: start, follow and cancel the fit (its jobs go through
//! [`super::next_job`] like every other), read its report, draw its charts. Decode, call the
//! page model, encode — no math here.

use plotters::coord::Shift;
use plotters::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::{canvas, from_js, to_js, with_session};
use crate::core::plot::{self, ChartStyle, Theme};
use crate::core::runs;
use crate::page::budget::{self, Inputs};
use crate::page::fitpanel::StartError;
use crate::page::session::Session;

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Column headers of a pasted table and the guessed role of each: `{headers, guess: {n, d, c, loss, run}}`
/// or `{error}`. Cheap enough to call as the user types.
#[wasm_bindgen(js_name = tableColumns)]
pub fn table_columns(text: &str) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Columns {
        headers: Vec<String>,
        guess: runs::ColumnMap,
        rows: usize,
        error: Option<String>,
    }
    let out = match runs::parse_table(text) {
        Ok(t) => Columns { guess: runs::guess_columns(&t.headers), rows: t.rows.len(), headers: t.headers, error: None },
        Err(e) => Columns { headers: vec![], guess: runs::ColumnMap::default(), rows: 0, error: Some(e.to_string()) },
    };
    to_js(&out)
}

/// Starts the Fit panel's fit of these inputs: `{progress}`, or `{fieldErrors: {field: message}}`,
/// or `{error}` (data problems: what and where). Its jobs then come out of `nextJob`.
#[wasm_bindgen(js_name = startFit)]
pub fn start_fit(inputs: JsValue) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Started {
        progress: Option<crate::page::fitpanel::FitProgress>,
        field_errors: std::collections::BTreeMap<String, String>,
        error: Option<String>,
    }
    let inputs: Inputs = from_js(inputs)?;
    let started = match with_session(|s| s.start_fit(&inputs)) {
        Ok(p) => Started { progress: Some(p), field_errors: Default::default(), error: None },
        Err(StartError::Fields(errors)) => Started { progress: None, field_errors: errors, error: None },
        Err(e) => Started { progress: None, field_errors: Default::default(), error: Some(e.to_string()) },
    };
    to_js(&started)
}

/// How far the Fit panel's fit has come (`{done, total, models, fitted, finished}`), or null.
#[wasm_bindgen(js_name = fitProgress)]
pub fn fit_progress() -> Result<JsValue, JsError> {
    to_js(&with_session(|s| s.fit_progress()))
}

/// Stops the Fit panel's fit; the last finished one stays.
#[wasm_bindgen(js_name = cancelFit)]
pub fn cancel_fit() {
    with_session(Session::cancel_fit);
}

/// Forgets the results of earlier fits' tasks, so the next fit computes every task (for the
/// bench's cold measurements; the page never calls it).
#[wasm_bindgen(js_name = forgetFits)]
pub fn forget_fits() {
    with_session(Session::forget_fits);
}

/// Once the Fit panel's fit has ended: what the panel shows (`FitView`), or `{error}`; null while it runs.
#[wasm_bindgen(js_name = finishFit)]
pub fn finish_fit() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Failed {
        error: String,
    }
    match with_session(Session::finish_fit) {
        None => Ok(JsValue::NULL),
        Some(Ok(view)) => to_js(&view),
        Some(Err(e)) => to_js(&Failed { error: e.to_string() }),
    }
}

/// Once the main law's fit and bootstrap have ended while comparison laws are still being
/// fitted: what the panel shows meanwhile (`FitView`, with `pending`), or `{error}`; null
/// otherwise (and after the first call for a run).
#[wasm_bindgen(js_name = partialFit)]
pub fn partial_fit() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Failed {
        error: String,
    }
    match with_session(Session::partial_fit) {
        None => Ok(JsValue::NULL),
        Some(Ok(view)) => to_js(&view),
        Some(Err(e)) => to_js(&Failed { error: e.to_string() }),
    }
}

/// The current fit for a file: `kind` "json" (data, options and results) or "python" (a script
/// that recomputes its objective with numpy and refits it with scipy). `{name, text}`, or
/// `{error}` when there is no fit or no script for it.
#[wasm_bindgen(js_name = fitExport)]
pub fn fit_export(kind: &str) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct Export {
        name: Option<String>,
        text: Option<String>,
        error: Option<String>,
    }
    use crate::core::analysis::export;
    let made = with_session(|s| {
        let report = &s.fit.as_ref().ok_or_else(|| "fit your runs first".to_string())?.report;
        let name = format!("scalecalc-fit-{}-{}-runs", report.law, report.points);
        match kind {
            "json" => serde_json::to_string_pretty(&export::fit_json(report)).map(|t| (format!("{name}.json"), t)).map_err(|e| e.to_string()),
            "python" => export::python_script(report).map(|t| (format!("{name}.py"), t)).map_err(|e| e.to_string()),
            other => Err(format!("no export \"{other}\"")),
        }
    });
    to_js(&match made {
        Ok((name, text)) => Export { name: Some(name), text: Some(text), error: None },
        Err(e) => Export { name: None, text: None, error: Some(e) },
    })
}

/// The run drawn nearest to (x, y) (canvas pixels) on fit chart `kind`, within `radius` pixels:
/// `{line, excluded}`, or null when no run is that close.
#[wasm_bindgen(js_name = fitChartRun)]
pub fn fit_chart_run(kind: &str, x: f64, y: f64, radius: f64) -> Result<JsValue, JsError> {
    let hit = with_session(|s| s.chart_marks.get(kind).and_then(|m| plot::nearest_mark(m, x, y, radius)));
    match hit {
        Some(m) => to_js(&m),
        None => Ok(JsValue::NULL),
    }
}

/// Where fit chart `kind` drew each run (canvas pixels): `[{line, x, y, excluded}]`.
#[wasm_bindgen(js_name = fitChartMarks)]
pub fn fit_chart_marks(kind: &str) -> Result<JsValue, JsError> {
    with_session(|s| to_js(&s.chart_marks.get(kind).cloned().unwrap_or_default()))
}

/// Draws fit chart `kind` ("fit-loss", "fit-frontier", "fit-residuals", "fit-profile", "fit-rolling") for the current fit.
#[wasm_bindgen(js_name = drawFitChart)]
pub fn draw_fit_chart(kind: &str, canvas: HtmlCanvasElement, inputs: JsValue, dark: bool, pixel_ratio: f64) -> Result<(), JsError> {
    let inputs: Inputs = from_js(inputs)?;
    let style = ChartStyle::new(if dark { Theme::Dark } else { Theme::Light }, pixel_ratio);
    let backend = canvas::Measured::canvas(canvas).ok_or_else(|| JsError::new("canvas has no 2d context"))?;
    let area = backend.into_drawing_area();
    let marks = draw_fit_kind(kind, &area, &inputs, &style)?;
    // Where the runs are on screen, for clicks on them.
    with_session(|s| s.chart_marks.insert(kind.to_string(), marks));
    area.present().map_err(js_err)
}

/// Fit chart `kind` as SVG, the size of `canvas` on screen (see [`super::chart_svg`]).
#[wasm_bindgen(js_name = fitChartSvg)]
pub fn fit_chart_svg(kind: &str, canvas: HtmlCanvasElement, inputs: JsValue, dark: bool) -> Result<String, JsError> {
    let inputs: Inputs = from_js(inputs)?;
    let style = ChartStyle::new(if dark { Theme::Dark } else { Theme::Light }, 1.0);
    let mut svg = String::new();
    {
        let size = super::svg_size(&canvas);
        let backend = canvas::Measured::svg(&mut svg, size, &canvas).ok_or_else(|| JsError::new("canvas has no 2d context"))?;
        let area = backend.into_drawing_area();
        draw_fit_kind(kind, &area, &inputs, &style)?;
        area.present().map_err(js_err)?;
    }
    Ok(svg)
}

/// Draws fit chart `kind` on the canvas or SVG backend; returns where it drew each run.
fn draw_fit_kind(kind: &str, area: &DrawingArea<canvas::Measured<'_>, Shift>, inputs: &Inputs, style: &ChartStyle) -> Result<Vec<plot::RunMark>, JsError> {
    let budget = budget::chart_state(inputs).compute;
    with_session(|s| {
        let Some(current) = s.fit.as_ref() else {
            area.fill(&style.background()).map_err(|e| plot::ChartError::Drawing(e.to_string()))?;
            return plot::draw_message(area, style, "Fit your runs to see this chart.").map(|_| Vec::new());
        };
        let report = &current.report;
        match kind {
            "fit-loss" => plot::draw_fit_loss_marked(area, report, budget, style),
            "fit-residuals" => plot::draw_residuals_marked(area, report, style),
            "fit-frontier" => plot::draw_fit_frontier(area, report, budget, style).map(|_| Vec::new()),
            "fit-profile" => plot::draw_fit_profile(area, report, style).map(|_| Vec::new()),
            "fit-rolling" => plot::draw_fit_rolling(area, report, style).map(|_| Vec::new()),
            other => plot::draw_message(area, style, &format!("unknown chart \"{other}\"")).map(|_| Vec::new()),
        }
    })
    .map_err(js_err)
}

//! The Fit panel's wasm boundary: plan a fit, run shares of it (in Web Workers), merge them,
//! build the report (kept here, on the main thread, for the fit charts and the Budget panel's
//! intervals). Decode, call the core, encode — no math here.

use plotters::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use super::{canvas, from_js, to_js, with_session};
use crate::page::budget::{self, Inputs};
use crate::core::fit::multistart::Slice;
use crate::core::analysis::request::FitRequest;
use crate::core::analysis::plan::{self as tasks, Task, TaskFit};
use crate::page::fitpanel::{self, FitView};
use crate::page::session::Session;
use crate::core::plot::{self, ChartStyle, Theme};
use crate::core::runs;

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

/// Plans a fit of the Fit panel's inputs: `{request, tasks, bootstrap}` or
/// `{fieldErrors: {field: message}}` or `{error}` (data problems: what and where).
#[wasm_bindgen(js_name = planFit)]
pub fn plan_fit(inputs: JsValue) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Plan {
        request: Option<FitRequest>,
        tasks: Vec<Task>,
        bootstrap: usize,
        field_errors: std::collections::BTreeMap<String, String>,
        error: Option<String>,
    }
    let inputs: Inputs = from_js(inputs)?;
    let state = budget::chart_state(&inputs);
    let mut plan = Plan { request: None, tasks: vec![], bootstrap: 0, field_errors: Default::default(), error: None };
    match fitpanel::fit_request(&inputs, state.compute) {
        Err(errors) => plan.field_errors = errors,
        Ok(req) => match with_session(|s| s.prepared(&req)) {
            Err(e) => plan.error = Some(e.to_string()),
            Ok(prep) => {
                plan.tasks = tasks::plan(&prep, &req);
                plan.bootstrap = req.bootstrap;
                plan.request = Some(req);
            }
        },
    }
    to_js(&plan)
}

/// Runs starts `from..to` of `task` (in a worker): a slice to hand to [`finish_task`].
#[wasm_bindgen(js_name = runShare)]
pub fn run_share(request: JsValue, task: JsValue, from: usize, to: usize) -> Result<JsValue, JsError> {
    let req: FitRequest = from_js(request)?;
    let task: Task = from_js(task)?;
    let prep = with_session(|s| s.prepared(&req)).map_err(js_err)?;
    to_js(&tasks::run_share(&prep, &req, &task, from, to))
}

/// Bootstrap resamples `from..to`, warm-started at `theta` (in a worker).
#[wasm_bindgen(js_name = runBootstrapShare)]
pub fn run_bootstrap_share(request: JsValue, theta: Vec<f64>, from: usize, to: usize) -> Result<JsValue, JsError> {
    let req: FitRequest = from_js(request)?;
    let prep = with_session(|s| s.prepared(&req)).map_err(js_err)?;
    to_js(&tasks::run_bootstrap_share(&prep, &req, &theta, from, to))
}

/// Merges a task's slices and polishes its best optimum: the task's fit, or `null`.
#[wasm_bindgen(js_name = finishTask)]
pub fn finish_task(request: JsValue, task: JsValue, slices: JsValue) -> Result<JsValue, JsError> {
    let req: FitRequest = from_js(request)?;
    let task: Task = from_js(task)?;
    let slices: Vec<Slice> = from_js(slices)?;
    let prep = with_session(|s| s.prepared(&req)).map_err(js_err)?;
    to_js(&tasks::finish_task(&prep, &req, &task, slices))
}

/// Builds the report from the finished tasks and resamples, keeps it for the charts and the
/// Budget panel, and returns what the panel shows (`FitView`), or `{error}`.
#[wasm_bindgen(js_name = buildFitReport)]
pub fn build_fit_report(request: JsValue, fits: JsValue, samples: JsValue) -> Result<JsValue, JsError> {
    let req: FitRequest = from_js(request)?;
    let fits: Vec<TaskFit> = from_js(fits)?;
    let samples: Vec<Option<Vec<f64>>> = from_js(samples)?;
    let prep = with_session(|s| s.prepared(&req)).map_err(js_err)?;
    if fits.first().is_none_or(|f| f.task.law != prep.law) {
        return Err(js_err(tasks::no_fit(&prep)));
    }
    let report = crate::core::analysis::report::build(&req, &prep, &fits, &samples);
    let view: FitView = fitpanel::report_view(&report);
    let spec = view.fit_spec.clone();
    with_session(|s| s.set_fit(report, spec));
    to_js(&view)
}

/// Forgets the current fit (new data, or a cancelled fit that replaced nothing is kept).
#[wasm_bindgen(js_name = clearFit)]
pub fn clear_fit() {
    with_session(Session::clear_fit);
}

/// Draws fit chart `kind` ("fit-loss", "fit-frontier", "fit-residuals") for the current fit.
#[wasm_bindgen(js_name = drawFitChart)]
pub fn draw_fit_chart(kind: &str, canvas: HtmlCanvasElement, inputs: JsValue, dark: bool, pixel_ratio: f64) -> Result<(), JsError> {
    let inputs: Inputs = from_js(inputs)?;
    let budget = budget::chart_state(&inputs).compute;
    let style = ChartStyle::new(if dark { Theme::Dark } else { Theme::Light }, pixel_ratio);
    let backend = canvas::MeasuredCanvas::new(canvas).ok_or_else(|| JsError::new("canvas has no 2d context"))?;
    let area = backend.into_drawing_area();
    with_session(|s| {
        let Some(current) = s.fit.as_ref() else {
            area.fill(&style.background()).map_err(|e| plot::ChartError(e.to_string()))?;
            return plot::draw_message(&area, &style, "Fit your runs to see this chart.");
        };
        let report = &current.report;
        match kind {
            "fit-loss" => plot::draw_fit_loss(&area, report, budget, &style),
            "fit-frontier" => plot::draw_fit_frontier(&area, report, budget, &style),
            "fit-residuals" => plot::draw_residuals(&area, report, &style),
            other => plot::draw_message(&area, &style, &format!("unknown chart \"{other}\"")),
        }
    })
    .map_err(js_err)?;
    area.present().map_err(js_err)
}

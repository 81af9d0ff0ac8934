//! The wasm boundary in headless Chromium (wasm-bindgen-test): what JS sends in, what comes
//! back, and that bad input is an error value, never a panic.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use scalecalc::web;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

fn with(inputs: &JsValue, key: &str, value: &str) -> JsValue {
    let copy = Object::assign(&Object::new(), inputs.unchecked_ref());
    Reflect::set(&copy, &JsValue::from_str(key), &JsValue::from_str(value)).unwrap();
    copy.into()
}

#[wasm_bindgen_test]
fn defaults_evaluate_to_outputs() {
    let view = web::evaluate(web::default_inputs().unwrap()).unwrap();
    let n_star = get(&get(&view, "outputs"), "n_star").as_string().unwrap();
    assert_eq!(n_star, "72.2B");
    let errors: Object = get(&view, "errors").unchecked_into();
    assert_eq!(Object::keys(&errors).length(), 0);
}

#[wasm_bindgen_test]
fn garbage_fields_become_messages() {
    let inputs = with(&web::default_inputs().unwrap(), "compute", "1e400");
    let view = web::evaluate(inputs).unwrap();
    let message = get(&get(&view, "errors"), "compute").as_string().unwrap();
    assert!(message.contains("finite"), "{message}");
}

#[wasm_bindgen_test]
fn a_non_object_is_an_error_not_a_panic() {
    assert!(web::evaluate(JsValue::from_f64(3.0)).is_err());
    assert!(web::to_fragment(JsValue::NULL).is_err());
}

#[wasm_bindgen_test]
fn links_round_trip_through_the_boundary() {
    let inputs = with(&web::default_inputs().unwrap(), "law", "kaplan");
    let fragment = web::to_fragment(inputs).unwrap();
    assert_eq!(fragment, "v=1&law=kaplan");
    let read = web::from_fragment(&format!("#{fragment}")).unwrap();
    assert_eq!(get(&get(&read, "inputs"), "law").as_string().unwrap(), "kaplan");
    let bad = web::from_fragment("#v=1&c=%ZZ").unwrap();
    assert_eq!(js_sys::Array::from(&get(&bad, "messages")).length(), 1);
}

#[wasm_bindgen_test]
fn every_chart_draws_on_a_canvas_in_both_themes() {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document.create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(640);
    canvas.set_height(400);
    document.body().unwrap().append_child(&canvas).unwrap();
    for kind in ["allocation", "contours", "isoflop"] {
        for dark in [false, true] {
            web::draw_chart(kind, canvas.clone(), web::default_inputs().unwrap(), dark, 2.0).unwrap();
        }
    }
    // With an invalid budget the charts still draw (a message or the default view).
    let bad = with(&web::default_inputs().unwrap(), "compute", "abc");
    for kind in ["allocation", "contours", "isoflop"] {
        web::draw_chart(kind, canvas.clone(), bad.clone(), false, 1.0).unwrap();
    }
    assert!(web::draw_chart("pie", canvas, web::default_inputs().unwrap(), false, 1.0).is_err());
}

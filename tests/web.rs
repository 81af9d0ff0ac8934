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

/// The fitting kernel's explicit SIMD path (what the page runs) gives the same bits as its
/// portable code, for every length (the padded tail included), with and without bootstrap
/// weights, on grid starts and on parameters that need the shifted exponentials.
#[wasm_bindgen_test]
fn the_simd_kernel_equals_the_portable_one_bit_for_bit() {
    use scalecalc_kernel::chinchilla::{objective, objective_portable};
    let rows = 41;
    let ln_n: Vec<f64> = (0..rows).map(|i| 16.0 + 9.0 * ((i * 7) % rows) as f64 / rows as f64).collect();
    let ln_d: Vec<f64> = (0..rows).map(|i| 20.0 + 8.0 * ((i * 11) % rows) as f64 / rows as f64).collect();
    let ln_loss: Vec<f64> = ln_n
        .iter()
        .zip(&ln_d)
        .enumerate()
        .map(|(i, (n, d))| (1.8 + 480.0 * (-0.34 * n).exp() + 2100.0 * (-0.37 * d).exp()).ln() + 0.01 * ((i % 5) as f64 - 2.0))
        .collect();
    let range = |v: &[f64]| v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    let (n_range, d_range) = (range(&ln_n), range(&ln_d));
    let mut thetas = vec![[800.0, 0.0, 0.0, 0.0, 0.0], [-800.0, -800.0, -800.0, 2.0, 2.0], [25.0, 25.0, 1.0, -40.0, 0.0], [6.2, 7.7, 0.6, 0.35, 0.37]];
    for a in [0.0, 10.0, 25.0] {
        for e in [-1.0, 0.5] {
            for alpha in [0.0, 0.5, 2.0] {
                thetas.push([a, 25.0 - a, e, alpha, 2.0 - alpha]);
            }
        }
    }
    let weights: Vec<f64> = (0..rows).map(|i| (i % 3) as f64).collect();
    let ones = vec![1.0; rows];
    for len in [0, 1, 3, 4, 5, 39, 40, 41] {
        for w in [&ones, &weights] {
            for theta in &thetas {
                for delta in [1e-3, 0.1] {
                    let (mut g_simd, mut g_portable) = ([0.0; 5], [0.0; 5]);
                    let cols = (&ln_n[..len], &ln_d[..len], &ln_loss[..len]);
                    let f_simd = objective(*theta, cols.0, cols.1, cols.2, n_range, d_range, &w[..len], delta, &mut g_simd);
                    let f_portable = objective_portable(*theta, cols.0, cols.1, cols.2, n_range, d_range, &w[..len], delta, &mut g_portable);
                    assert_eq!(f_simd.to_bits(), f_portable.to_bits(), "{len} {theta:?} {delta}: {f_simd} {f_portable}");
                    assert_eq!(g_simd.map(f64::to_bits), g_portable.map(f64::to_bits), "{len} {theta:?} {delta}: {g_simd:?} {g_portable:?}");
                }
            }
        }
    }
}

/// The laws of N and D in wasm, where Kaplan's and Farseer's exp and ln are this crate's own
/// (`fastmath::platform_exp`; natively they are std's): every law's analytic ∂ln L̂/∂θ against
/// central differences, and those two laws' losses against their published forms written with
/// std's powf.
#[wasm_bindgen_test]
fn every_law_of_n_and_d_predicts_and_differentiates_in_wasm() {
    use scalecalc::core::fit::points::Point;
    use scalecalc::core::laws::{run_law, RUN_LAWS};
    let points: Vec<Point> = (0..30)
        .map(|i| {
            let (n, d) = (1e7 * 1.4f64.powi(i), 2e8 * 1.3f64.powi((i * 7) % 23));
            Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: (6.0 * n * d).ln(), ln_loss: 2.5f64.ln() }
        })
        .collect();
    for law in RUN_LAWS {
        let theta = law.sample_theta();
        let mut grad = vec![0.0; theta.len()];
        for x in &points {
            law.predict_ln(&theta, x, &mut grad);
            for i in 0..theta.len() {
                let h = 1e-6 * (1.0 + theta[i].abs());
                let (mut up, mut dn) = (theta.clone(), theta.clone());
                up[i] += h;
                dn[i] -= h;
                let mut scratch = vec![0.0; theta.len()];
                let fd = (law.predict_ln(&up, x, &mut scratch) - law.predict_ln(&dn, x, &mut scratch)) / (2.0 * h);
                assert!((fd - grad[i]).abs() < 1e-5 * (1.0 + grad[i].abs()), "{}: θ{i} at {x:?}: {fd} vs {}", law.key(), grad[i]);
            }
        }
    }
    let published = |key: &str, p: &[f64], n: f64, d: f64| match (key, p) {
        ("kaplan", &[n_c, d_c, a_n, a_d]) => ((n_c / n).powf(a_n / a_d) + d_c / d).powf(a_d),
        ("farseer", &[a1, b1, alpha, a2, b2, beta, a3, b3, gamma]) => {
            let (x, y) = (n / 1e9, d / 1e9);
            (a3 * x.powf(gamma) + b3).exp() + (a2 * x.powf(beta) + b2).exp() * y.powf(-(a1 * x.powf(alpha) + b1).exp())
        }
        _ => f64::NAN,
    };
    for key in ["kaplan", "farseer"] {
        let law = run_law(key).unwrap();
        let params = law.params(&law.sample_theta());
        let loss = law.law(&params).unwrap();
        for x in &points {
            let (n, d) = (x.ln_n.exp(), x.ln_d.exp());
            let want = published(key, &params, n, d);
            assert!((loss.loss(n, d) - want).abs() < 1e-12 * want, "{key} at N {n:e}, D {d:e}: {} vs {want}", loss.loss(n, d));
        }
    }
}

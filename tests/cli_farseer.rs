//! `scalecalc fit FILE --law farseer --json`: the Farseer law through the same path as every other
//! law of the Fit panel, on the Epoch runs, compared with the Chinchilla form on the same runs.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

use serde_json::Value;

const EPOCH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/chinchilla_epoch/svg_extracted_data.csv");
const EPOCH_ARGS: [&str; 8] = ["--n", "Model Size", "--c", "Training FLOP", "--loss", "loss", "--drop-top", "5"];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn f64_at(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no number at {pointer} in {v}"))
}

#[test]
fn farseer_fits_the_epoch_runs_and_is_compared_with_chinchilla() {
    let mut args = vec!["fit", EPOCH];
    args.extend_from_slice(&EPOCH_ARGS);
    args.extend_from_slice(&["--law", "farseer", "--compare", "--holdout", "10", "--bootstrap", "40", "--seed", "3", "--json"]);
    let out = run(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["law"], "farseer");
    assert!(v["label"].as_str().unwrap().contains("N/10⁹"), "the label says N and D are in billions");
    for name in ["a1", "b1", "alpha", "a2", "b2", "beta", "a3", "b3", "gamma"] {
        let p = f64_at(&v, &format!("/params/{name}"));
        assert!(p.is_finite(), "{name} = {p}");
        assert!(v.pointer(&format!("/ci/{name}")).is_some(), "no interval for {name}");
    }
    assert_eq!(v["points"], 240);
    assert_eq!(v["holdout"]["k"], 10);
    let rows = v["comparison"].as_array().expect("comparison table");
    let row = |law: &str| rows.iter().find(|r| r["law"] == law).unwrap_or_else(|| panic!("no {law} row in {rows:?}"));
    let (far, chin) = (row("farseer"), row("chinchilla"));
    assert_eq!(far["k"], 9);
    assert_eq!(chin["k"], 5);
    let held = |r: &Value| r["holdout_rmse_log"].as_f64().expect("held-out RMSE");
    let rmse = |r: &Value| r["rmse_log"].as_f64().expect("RMSE");
    // Same runs, same objective: nine parameters fit at least as well in sample as five (the
    // Chinchilla form is close to a special case), and the extrapolation error is finite.
    assert!(rmse(far) <= rmse(chin) * 1.02, "Farseer {} vs Chinchilla {}", rmse(far), rmse(chin));
    assert!(far["objective"].as_f64().unwrap() <= chin["objective"].as_f64().unwrap() * 1.02);
    assert!(held(far).is_finite() && held(far) > 0.0 && held(chin).is_finite());
    // The main law's report agrees with its comparison row.
    assert!((f64_at(&v, "/objective") - far["objective"].as_f64().unwrap()).abs() < 1e-12);
    assert!((f64_at(&v, "/holdout/rmse_log") - held(far)).abs() < 1e-12);
}

#[test]
fn farseer_grid_names_are_checked() {
    let mut args = vec!["fit", EPOCH];
    args.extend_from_slice(&EPOCH_ARGS);
    args.extend_from_slice(&["--law", "farseer", "--grid", "delta=1", "--json"]);
    let out = run(&args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown parameter \"delta\"") && err.contains("a1, b1, alpha"), "{err}");
    assert!(!err.contains("panicked"));
}

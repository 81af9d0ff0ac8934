//! The fit's Python script (`scalecalc fit … --python FILE`, the Fit panel's "Python script"):
//! for every law of N and D, and with weights, asymmetry, fixed and tied parameters, the script
//! run with numpy and scipy recomputes scalecalc's objective from the runs to 1e-8 (it exits
//! non-zero otherwise) and scipy's refit from the optimum finds nothing lower.
//!
//! Python: `$SCALECALC_PYTHON`, else `target/bench-venv/bin/python` (which `./build.sh test`
//! sets up with numpy and scipy).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::Command;

fn python() -> PathBuf {
    std::env::var_os("SCALECALC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-venv/bin/python"))
}

fn epoch() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/chinchilla_epoch/svg_extracted_data.csv");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Fits `data` with `args`, writes the script, runs it; returns (scalecalc's objective, what the
/// script printed).
fn script_run(name: &str, data: &str, args: &[&str]) -> (f64, String) {
    let dir = std::env::temp_dir().join(format!("scalecalc-py-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (csv, py) = (dir.join("runs.csv"), dir.join("fit.py"));
    std::fs::write(&csv, data).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scalecalc"));
    cmd.arg("fit").arg(&csv).args(args).args(["--bootstrap", "0", "--json", "--python"]).arg(&py);
    let out = cmd.output().expect("scalecalc runs");
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let objective = report["objective"].as_f64().expect("an objective");
    let python = python();
    assert!(python.exists(), "no Python with numpy and scipy at {} (./build.sh test sets it up; or set SCALECALC_PYTHON)", python.display());
    let run = Command::new(&python).arg(&py).output().expect("python runs");
    let printed = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{name}: the script did not reproduce the objective:\n{printed}\n{}", String::from_utf8_lossy(&run.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    (objective, printed)
}

/// The script's recomputed objective and scipy's refit objective.
fn printed_objectives(printed: &str) -> (f64, f64) {
    let after = |key: &str| -> f64 {
        let rest = &printed[printed.find(key).unwrap_or_else(|| panic!("no \"{key}\" in:\n{printed}")) + key.len()..];
        rest.split_whitespace().next().unwrap().trim_end_matches(|c: char| !c.is_ascii_digit()).parse().unwrap()
    };
    (after("objective at scalecalc's parameters: "), after("refit from them: objective "))
}

#[test]
fn every_law_of_n_and_d_is_reproduced_in_python() {
    let data = epoch();
    for law in scalecalc::core::laws::RUN_LAWS {
        let (ours, printed) = script_run(law.key(), &data, &["--law", law.key(), "--n", "Model Size", "--c", "Training FLOP", "--loss", "loss", "--drop-top", "5"]);
        let (theirs, refit) = printed_objectives(&printed);
        assert!((theirs / ours - 1.0).abs() < 1e-8, "{}: {theirs} vs {ours}", law.key());
        // From our optimum scipy finds nothing materially lower.
        assert!(refit >= ours * (1.0 - 1e-6), "{}: scipy's refit {refit} is below ours {ours}", law.key());
    }
}

#[test]
fn weights_asymmetry_fixed_and_tied_parameters_are_reproduced() {
    let mut data = String::new();
    for (i, line) in epoch().lines().enumerate() {
        data.push_str(line);
        data.push_str(if i == 0 { ",w\n" } else if i % 3 == 0 { ",2\n" } else { ",0.5\n" });
    }
    let base = ["--law", "chinchilla", "--n", "Model Size", "--c", "Training FLOP", "--loss", "loss", "--drop-top", "5"];
    for (name, extra) in [
        ("weights", vec!["--weights", "w"]),
        ("asymmetry", vec!["--asymmetry", "4"]),
        ("fixed", vec!["--fix", "alpha=0.34", "--fix", "E=1.7"]),
        ("tied", vec!["--tie-exponents"]),
    ] {
        let args: Vec<&str> = base.iter().copied().chain(extra.iter().copied()).collect();
        let (ours, printed) = script_run(name, &data, &args);
        let (theirs, refit) = printed_objectives(&printed);
        assert!((theirs / ours - 1.0).abs() < 1e-8, "{name}: {theirs} vs {ours}");
        assert!(refit >= ours * (1.0 - 1e-6), "{name}: scipy's refit {refit} is below ours {ours}:\n{printed}");
    }
}

/// The check can fail: a script whose objective is not scalecalc's exits non-zero.
#[test]
fn a_script_with_a_different_objective_fails() {
    let (_, printed) = script_run("control", &epoch(), &["--law", "chinchilla", "--n", "Model Size", "--c", "Training FLOP", "--loss", "loss"]);
    assert!(printed.contains("relative difference"));
    let dir = std::env::temp_dir().join(format!("scalecalc-py-{}-broken", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("runs.csv");
    std::fs::write(&csv, epoch()).unwrap();
    let py = dir.join("fit.py");
    let out = Command::new(env!("CARGO_BIN_EXE_scalecalc"))
        .arg("fit").arg(&csv).args(["--law", "chinchilla", "--n", "Model Size", "--c", "Training FLOP", "--loss", "loss", "--bootstrap", "0", "--python"]).arg(&py)
        .output().unwrap();
    assert!(out.status.success());
    let script = std::fs::read_to_string(&py).unwrap().replace("DELTA = 0.001", "DELTA = 0.002");
    std::fs::write(&py, script).unwrap();
    let run = Command::new(python()).arg(&py).output().unwrap();
    assert!(!run.status.success(), "a changed δ still passed:\n{}", String::from_utf8_lossy(&run.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

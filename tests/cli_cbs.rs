//! `scalecalc cbs`: measured critical batch sizes fitted as a power law in D and N.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

/// A table whose batch grows as 0.5·D^0.5 (±1 %), flat in N, in a temporary file.
fn table(dir: &str, with_n: bool) -> String {
    let mut text = String::from(if with_n { "N,D,batch\n" } else { "D,batch\n" });
    for (i, n) in [1e8f64, 3e8, 1e9].iter().enumerate() {
        for (j, r) in [10.0f64, 20.0, 40.0, 80.0].iter().enumerate() {
            let d = n * r;
            let b = 0.5 * d.sqrt() * (1.0 + 0.01 * [1.0, -1.0, 0.0][(i + j) % 3]);
            text.push_str(&if with_n { format!("{n},{d},{b}\n") } else { format!("{d},{b}\n") });
        }
    }
    let path = std::env::temp_dir().join(format!("scalecalc-cbs-{dir}-{}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_law_its_prediction_and_the_verdict() {
    let file = table("n", true);
    let out = run(&["cbs", &file, "--n", "1B", "--d", "100B", "--d", "1T", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!((v["d_exponent"].as_f64().unwrap() - 0.5).abs() < 0.01, "{v}");
    assert!(v["n_exponent"].as_f64().unwrap().abs() < 0.01, "{v}");
    assert!(v["verdict"].as_str().unwrap().contains("follows the data"), "{v}");
    let at = v["at"].as_array().unwrap();
    assert_eq!(at.len(), 2);
    // 0.5·√1e11 = 158 114 and 0.5·√1e12 = 500 000, within the 1 % wiggle.
    for (a, want) in at.iter().zip([158_114.0, 500_000.0]) {
        let b = a["batch"].as_f64().unwrap();
        assert!((b / want - 1.0).abs() < 0.02, "{a}");
        let ci = a["ci"].as_array().unwrap();
        assert!(ci[0].as_f64().unwrap() < b && b < ci[1].as_f64().unwrap());
    }
    // Without N the fit is in D alone and needs no --n.
    let plain = run(&["cbs", &table("d", false), "--d", "1T"]);
    assert!(plain.status.success(), "{}", String::from_utf8_lossy(&plain.stderr));
    assert!(String::from_utf8_lossy(&plain.stdout).contains("B_crit = 0.5"), "{}", String::from_utf8_lossy(&plain.stdout));
}

#[test]
fn bad_flags_and_files_say_which_and_why() {
    let file = table("bad", true);
    let bad_rows = std::env::temp_dir().join(format!("scalecalc-cbs-rows-{}.csv", std::process::id()));
    std::fs::write(&bad_rows, "D,batch\n1e9,12\n2e9,x\n4e9,30\n").unwrap();
    let bad_rows = bad_rows.display().to_string();
    for (args, says) in [
        (vec!["cbs", "/nonexistent.csv"], "cannot read /nonexistent.csv"),
        (vec!["cbs", &file, "--d", "1T"], "give --n too"),
        (vec!["cbs", &file, "--n", "1B", "--d", "lots"], "--d"),
        (vec!["cbs", &bad_rows], "row 3"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

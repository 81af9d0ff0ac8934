//! `scalecalc fit FILE --law krajewski`: eq. 9 of Krajewski et al. 2024 fitted to MoE runs drawn
//! from its Table 1 constants, with bootstrap intervals; bad tables say what and where.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

use scalecalc::core::laws::krajewski::{shape, TABLE_1_MOE};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn temp_file(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("scalecalc-kr-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("temp file written");
    path.display().to_string()
}

/// The paper's Table 3 layout (64×3M … 64×85M active, 16B–66B tokens, G 1–16) from Table 1.
fn runs_csv() -> String {
    let mut t = String::from("N,D,G,loss\n");
    for n_act in [3e6, 7e6, 13e6, 25e6, 49e6, 85e6] {
        for d in [16e9, 33e9, 66e9] {
            for g in [1.0, 2.0, 4.0, 8.0, 16.0] {
                let n = shape(n_act, 64.0).n_total;
                t.push_str(&format!("{n},{d},{g},{}\n", TABLE_1_MOE.loss(n, d, g)));
            }
        }
    }
    t
}

#[test]
fn recovers_table_1_with_intervals() {
    let file = temp_file("runs.csv", &runs_csv());
    let out = run(&["fit", &file, "--law", "krajewski", "--bootstrap", "20", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"], 90);
    for (k, want) in [("a", 18.1), ("alpha", 0.115), ("b", 30.8), ("beta", 0.147), ("g", 2.1), ("gamma", 0.58), ("c", 0.47)] {
        let got = v["params"][k].as_f64().unwrap();
        assert!((got / want - 1.0).abs() < 0.01, "{k}: {got} vs {want}");
        let iv = v["intervals"][k].as_array().unwrap();
        assert!(iv[0].as_f64().unwrap() <= got * 1.000001 && got <= iv[1].as_f64().unwrap() * 1.000001, "{k}: {iv:?}");
    }
    assert!(v["source"].as_str().unwrap().contains("arXiv:2402.07871"));
}

#[test]
fn bad_tables_say_what_and_where() {
    for (name, text, says) in [
        ("cols.csv", "N,D,loss\n1e9,2e10,3\n", "columns N (total non-embedding parameters), D (tokens), G (granularity) and loss"),
        ("row.csv", "N,D,G,loss\n1e9,2e10,4,3\n1e9,2e10,x,3\n", "row 3"),
        ("few.csv", "N,D,G,loss\n1e9,2e10,4,3\n1e9,2e10,8,2.9\n", "at least 8 runs"),
    ] {
        let out = run(&["fit", &temp_file(name, text), "--law", "krajewski"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

//! Every registered law is reachable from the command line: `scalecalc fit --help` lists it and
//! `--law KEY` is accepted (the command may still refuse a table the law cannot read, but never
//! with "unknown law").
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use scalecalc::core::laws::{RUN_LAWS, TABLE_LAWS};

fn keys() -> Vec<&'static str> {
    RUN_LAWS.iter().map(|l| l.key()).chain(TABLE_LAWS.iter().map(|l| l.key())).collect()
}

#[test]
fn help_lists_every_law() {
    let out = Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(["fit", "--help"]).output().expect("binary runs");
    let help = String::from_utf8_lossy(&out.stdout);
    for key in keys() {
        assert!(help.lines().any(|l| l.trim_start().starts_with(&format!("{key} "))), "--help does not list {key}:\n{help}");
    }
}

#[test]
fn every_law_name_resolves() {
    let file = std::env::temp_dir().join(format!("scalecalc-laws-{}.csv", std::process::id()));
    let mut runs = String::from("N,D,loss\n");
    for (i, n) in [2e7f64, 5e7, 1e8, 2e8, 5e8, 1e9].iter().enumerate() {
        for tpp in [5.0, 20.0, 80.0] {
            let d = n * tpp;
            runs.push_str(&format!("{n},{d},{}\n", 1.7 + 400.0 / n.powf(0.34) + 410.0 / d.powf(0.28) + 0.004 * (i as f64).sin()));
        }
    }
    std::fs::write(&file, runs).unwrap();
    for key in keys() {
        let out = Command::new(env!("CARGO_BIN_EXE_scalecalc"))
            .args(["fit", file.to_str().unwrap(), "--law", key, "--grid", ""])
            .output()
            .expect("binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("unknown law"), "{key}: {stderr}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(["fit", file.to_str().unwrap(), "--law", "gpt"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown law \"gpt\""), "an unknown name is refused");
    std::fs::remove_file(&file).ok();
}

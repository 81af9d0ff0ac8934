//! `scalecalc precision`: the effective parameter count and the quantization penalty of
//! Kumar et al. 2024 on the command line, the same numbers as the core's.

use std::process::{Command, Output};

use scalecalc::core::laws::kumar::{Precision, TABLE_2};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

#[test]
fn eight_bit_training_and_four_bit_serving() {
    let out = run(&["precision", "--n", "1B", "--d", "100B", "--w", "8", "--a", "8", "--kv", "8", "--post", "4", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let share = TABLE_2.share(&Precision { w: 8.0, a: 8.0, kv: 8.0 }).unwrap();
    assert_eq!(v["n_eff_share"].as_f64(), Some(share));
    assert_eq!(v["ptq_penalty"].as_f64(), Some(TABLE_2.ptq(1e9 * share, 1e11, 4.0)));
    let p = v["optimal_precision"].as_f64().unwrap();
    assert!((7.0..=8.0).contains(&p), "{p}");
    assert!(v["citation"].as_str().unwrap().contains("arXiv:2411.04330"));
    // Full precision by default: N_eff = N, no penalty without --post.
    let full = run(&["precision", "--n", "1B", "--d", "100B", "--json"]);
    let full: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    assert_eq!(full["n_eff_share"].as_f64(), Some(1.0));
    assert!(full["ptq_penalty"].is_null());
}

#[test]
fn bad_flags_say_which_and_why() {
    for (args, says) in [
        (vec!["precision", "--n", "1B", "--d", "100B", "--w", "0"], "--w: \"0\" must be between 1 and 64 bits"),
        (vec!["precision", "--n", "1B", "--d", "100B", "--kv", "2"], "KV cache no effective parameters"),
        (vec!["precision", "--n", "x", "--d", "100B"], "--n"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

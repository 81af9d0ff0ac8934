//! `scalecalc downstream`: the two-step accuracy prediction on the synthetic ladder example.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn example() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/examples/downstream-synthetic.csv").display().to_string()
}

#[test]
fn the_example_fits_its_sigmoid_and_predicts_at_a_budget() {
    let out = run(&["downstream", &example(), "--chance", "0.25", "--compute", "5.76e23", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["sigmoid"];
    assert_eq!(s["floor"].as_f64(), Some(0.25));
    assert!((s["ceiling"].as_f64().unwrap() - 0.80).abs() < 0.02 && (s["l0"].as_f64().unwrap() - 2.7).abs() < 0.03, "{s}");
    assert!(s["loo_rmse"].as_f64().unwrap() < v["exponential"]["loo_rmse"].as_f64().unwrap());
    assert_eq!(v["step1"]["law"], "epoch");
    let (acc, ci) = (v["accuracy"].as_f64().unwrap(), v["ci"].as_array().unwrap());
    assert!(ci[0].as_f64().unwrap() < acc && acc < ci[1].as_f64().unwrap(), "{v}");
    // The same sigmoid as the page's panel shows: the accuracy at a given loss.
    let at = run(&["downstream", &example(), "--chance", "25%", "--loss", "2.684", "--json"]);
    let at: serde_json::Value = serde_json::from_slice(&at.stdout).unwrap();
    assert!((at["accuracy"].as_f64().unwrap() - 0.531).abs() < 0.01, "{at}");
}

#[test]
fn bad_flags_and_files_say_which_and_why() {
    for (args, says) in [
        (vec!["downstream", "/nonexistent.csv", "--loss", "2"], "cannot read /nonexistent.csv"),
        (vec!["downstream", &example(), "--chance", "1.4", "--loss", "2"], "--chance: \"1.4\" must lie in [0, 1]"),
        (vec!["downstream", &example(), "--loss", "2", "--bootstrap", "1001"], "--bootstrap: \"1001\" must be a whole number between 0 and 1000"),
        (vec!["downstream", &example()], "give --loss or --compute"),
        (vec!["downstream", &example(), "--compute", "1e23", "--law", "nope"], "--law: unknown law"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

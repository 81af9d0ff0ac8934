//! `scalecalc fit --law tissue|multipower`: the paper's Fig. 2 fit from its own file (learning
//! rates sampled every 1 000 steps, identified as the generated schedules), a file with the
//! learning rate at every step, and bad input (exit code 2, a message, never a panic).
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

use serde_json::Value;

const FIG2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/lr_tissue_fig2/tissue594m_fig2_val_loss.csv");
const FIG2_ARGS: [&str; 10] = ["--step", "step", "--loss", "val_loss", "--lr", "lr_official", "--curve", "schedule", "--warmup", "500"];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn fit_json(file: &str, law: &str, args: &[&str]) -> Value {
    let mut all = vec!["fit", file, "--law", law];
    all.extend_from_slice(args);
    all.push("--json");
    let out = run(&all);
    assert!(out.status.success(), "{all:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn fails(file: &str, args: &[&str]) -> String {
    let mut all = vec!["fit", file];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(out.status.code(), Some(2), "{all:?} should fail: {}", String::from_utf8_lossy(&out.stdout));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn tissue_reproduces_fig2() {
    let v = fit_json(FIG2, "tissue", &FIG2_ARGS);
    assert_eq!(v["law"], "tissue");
    assert_eq!(v["points"], 40);
    let p = &v["params"];
    let close = |k: &str, want: f64| {
        let got = p[k].as_f64().unwrap();
        assert!((got - want).abs() <= 1e-3 * want, "{k}: {got} vs {want}");
    };
    // The data README's re-fit (paper Fig. 2: 2.628, 0.429, 0.550, 0.411).
    close("L0", 2.62780);
    close("A", 0.42967);
    close("alpha", 0.54985);
    close("C", 0.41077);
    assert!((v["r2"].as_f64().unwrap() - 0.99963).abs() < 1e-5);
    assert!(v["objective"].as_f64().unwrap() > 0.0);
    assert!(v["notes"][0].as_str().unwrap().contains("cosine:steps=20000"));
}

#[test]
fn multipower_fits_fig2_at_least_as_well() {
    let t = fit_json(FIG2, "tissue", &FIG2_ARGS);
    let m = fit_json(FIG2, "multipower", &FIG2_ARGS);
    assert_eq!(m["law"], "multipower");
    for k in ["L0", "A", "alpha", "B", "C", "beta", "gamma"] {
        assert!(m["params"][k].as_f64().unwrap() > 0.0, "{k}");
    }
    assert!(m["r2"].as_f64().unwrap() >= t["r2"].as_f64().unwrap() - 1e-6);
}

#[test]
fn every_step_lr_column_and_lambda() {
    // A WSD run with the lr at every step and the loss every 100 steps, from a known Tissue law.
    let dir = std::env::temp_dir().join(format!("scalecalc-cli-sched-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("curves.csv");
    let mut text = String::from("curve,step,lr,loss\n");
    for (name, decay_from) in [("wsd", 2400usize), ("const", 3001)] {
        let mut s1 = 0.0;
        let mut s2 = 0.0;
        let mut m = 0.0;
        let mut prev = 3e-4;
        for step in 0..=3000usize {
            let lr: f64 = if step < decay_from { 3e-4 } else { 3e-4 * (3000 - step) as f64 / (3000 - decay_from) as f64 };
            m = 0.99 * m + (prev - lr);
            prev = lr;
            s1 += lr;
            s2 += m;
            let loss = 2.5 + 0.5 * f64::powf(s1, -0.4) - 0.6 * s2;
            let cell = if step % 100 == 0 && step > 0 { format!("{loss:.9}") } else { String::new() };
            text.push_str(&format!("{name},{step},{lr:e},{cell}\n"));
        }
    }
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();
    let v = fit_json(path, "tissue", &["--step", "step", "--loss", "loss", "--lr", "lr", "--curve", "curve", "--lambda", "0.99"]);
    let p = &v["params"];
    assert!((p["L0"].as_f64().unwrap() - 2.5).abs() < 1e-4, "{v}");
    assert!((p["alpha"].as_f64().unwrap() - 0.4).abs() < 1e-3, "{v}");
    assert!((p["C"].as_f64().unwrap() - 0.6).abs() < 1e-3, "{v}");
    assert_eq!(v["points"], 60);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_says_what_and_where() {
    let dir = std::env::temp_dir().join(format!("scalecalc-cli-sched-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let neg = write("neg.csv", "step,lr,loss\n0,1e-3,4\n1,-1e-3,3.9\n2,1e-3,3.8\n3,1e-3,3.7\n4,1e-3,3.6\n5,1e-3,3.5\n");
    assert!(fails(&neg, &["--law", "tissue"]).contains("negative"));
    let order = write("order.csv", "step,lr,loss\n0,1e-3,4\n2,1e-3,3.9\n1,1e-3,3.8\n3,1e-3,3.7\n4,1e-3,3.6\n");
    assert!(fails(&order, &["--law", "tissue"]).contains("must increase"));
    let one = write("one.csv", "step,lr,loss\n1,1e-3,4\n");
    assert!(fails(&one, &["--law", "multipower"]).contains("at least 5"));
    assert!(fails(FIG2, &["--law", "tissue", "--loss", "val_loss", "--lr", "lr_official", "--curve", "schedule"]).contains("warmup"));
    assert!(fails(FIG2, &["--law", "tissue", "--loss", "nope"]).contains("nope"));
    assert!(fails(FIG2, &["--law", "tissue", "--lambda", "1"]).contains("λ"));
    std::fs::remove_dir_all(&dir).ok();
}

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
    // Without its warmup, the Fig. 2 file's samples match no generated schedule: interpolated,
    // with a note that asks about the warmup.
    let v = fit_json(FIG2, "tissue", &["--loss", "val_loss", "--lr", "lr_official", "--curve", "schedule"]);
    let notes = v["notes"].to_string();
    assert!(notes.contains("linear interpolation") && notes.contains("was there a warmup?"), "{notes}");
    assert!(fails(FIG2, &["--law", "tissue", "--loss", "nope"]).contains("nope"));
    assert!(fails(FIG2, &["--law", "tissue", "--lambda", "1"]).contains("λ"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A file in the temp directory, removed on drop.
struct Temp(std::path::PathBuf);

impl Temp {
    fn new(name: &str, text: &str) -> Temp {
        let path = std::env::temp_dir().join(format!("scalecalc-cli-schedule-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("temp file written");
        Temp(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_law_fitted_on_one_schedule_predicts_another() {
    // Fit on the paper's cosine curve (its annealing pins C), predict its constant curve.
    let text = std::fs::read_to_string(FIG2).expect("the Fig. 2 file");
    let part = |name: &str| -> String {
        text.lines().enumerate().filter(|(i, l)| *i == 0 || l.starts_with(&format!("{name},"))).map(|(_, l)| format!("{l}\n")).collect()
    };
    let (cosine, constant) = (Temp::new("cosine.csv", &part("cosine")), Temp::new("constant.csv", &part("constant")));
    for law in ["tissue", "multipower"] {
        let mut args = FIG2_ARGS.to_vec();
        args.extend(["--predict", constant.path()]);
        let v = fit_json(cosine.path(), law, &args);
        let p = &v["prediction"];
        let curves = p["curves"].as_array().unwrap();
        assert_eq!(curves.len(), 1);
        assert_eq!(curves[0]["name"], "constant");
        assert_eq!(curves[0]["points"].as_array().unwrap().len(), 20);
        let (mae, r2, last) = (p["mae"].as_f64().unwrap(), curves[0]["r2"].as_f64().unwrap(), curves[0]["final_error"].as_f64().unwrap());
        // Out of sample: the constant curve predicted from the cosine one alone.
        eprintln!("{law}: mae {mae}, r2 {r2}, final {last}");
        assert!(mae < 0.05 && r2 > 0.95 && last.abs() < 0.03, "{law}: mae {mae}, r2 {r2}, final {last}");
    }
    // A predict file without the columns: named at --predict.
    let other = Temp::new("other.csv", "a,b\n1,2\n");
    let mut args = vec!["--law", "tissue"];
    args.extend(FIG2_ARGS);
    args.extend(["--predict", other.path()]);
    let err = fails(cosine.path(), &args);
    assert!(err.contains("--predict:"), "{err}");
}

#[test]
fn a_learning_rate_logged_every_k_steps_is_interpolated() {
    // A WSD schedule (no constant or cosine: nothing to identify) logged every 250 steps, the
    // loss every 500 steps from the Fig. 2 law; then the same with the rate at every step.
    let steps = 8000;
    let rate = |s: usize| -> f64 {
        let (peak, warmup, decay_from) = (3e-4, 500, 6000);
        if s < warmup { peak * s as f64 / warmup as f64 } else if s < decay_from { peak } else { peak * (steps - s) as f64 / (steps - decay_from) as f64 }
    };
    let rates: Vec<f64> = (0..=steps).map(rate).collect();
    let losses = scalecalc::core::laws::tissue::TissueParams::FIG2.curve(&rates, 0.999);
    let mut sampled = String::from("step,loss,lr\n");
    let mut every = String::from("step,loss,lr\n");
    for s in 0..=steps {
        let loss = if s > 0 && s % 500 == 0 { format!("{}", losses[s]) } else { String::new() };
        every.push_str(&format!("{s},{loss},{}\n", rates[s]));
        if s % 250 == 0 {
            sampled.push_str(&format!("{s},{loss},{}\n", rates[s]));
        }
    }
    let (sampled, every) = (Temp::new("sampled.csv", &sampled), Temp::new("every.csv", &every));
    let args = ["--lr", "lr", "--warmup", "500"];
    let a = fit_json(sampled.path(), "tissue", &args);
    let b = fit_json(every.path(), "tissue", &args);
    let note = a["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>().join(" ");
    assert!(note.contains("the lr column gives 33 samples (every 250 steps), not every step: the schedule between them is linear interpolation"), "{note}");
    // The knots of this piecewise-linear schedule are sampled: the fits agree.
    for k in ["L0", "A", "alpha", "C"] {
        let (x, y) = (a["params"][k].as_f64().unwrap(), b["params"][k].as_f64().unwrap());
        assert!((x / y - 1.0).abs() < 1e-6, "{k}: {x} vs {y}");
    }
    // Samples that go back in step: named.
    let back = Temp::new("back.csv", "step,loss,lr\n0,,1e-4\n500,3.1,1e-4\n400,,1e-4\n1000,3.0,1e-4\n1500,2.9,5e-5\n2000,2.85,1e-5\n2500,2.8,0\n");
    let err = fails(back.path(), &["--law", "tissue", "--lr", "lr"]);
    assert!(err.contains("the learning rate is given at step 400 after step 500: steps must increase"), "{err}");
}

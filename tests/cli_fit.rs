//! `scalecalc fit` as scripts use it: the Epoch replication, bootstrap intervals and held-out
//! validation, the other laws and methods, and every kind of bad input (exit code 2, a message on
//! stderr that says what and where, never a panic).
//!
//! The full 4 500-start fit is only run once (test `replicates_epoch_on_the_chinchilla_runs`);
//! everything else uses a small grid. `./build.sh test` runs this in release (about 1.5 s then).
#![cfg(not(target_arch = "wasm32"))]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const EPOCH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/chinchilla_epoch/svg_extracted_data.csv");
/// The Epoch file's columns, and its 5 highest losses dropped as in the replication.
const EPOCH_ARGS: [&str; 8] = ["--n", "Model Size", "--c", "Training FLOP", "--loss", "loss", "--drop-top", "5"];
/// 3·3·3·3·3 = 243 starts, for tests where the exact optimum is not the point.
const SMALL_GRID: &str = "a=0:20:10, b=0:20:10, e=-1:1:1, alpha=0:1:0.5, beta=0:1:0.5";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `scalecalc fit FILE ARGS…`, expects success and one JSON object on stdout.
fn fit_json(file: &str, args: &[&str]) -> Value {
    let mut all = vec!["fit", file];
    all.extend_from_slice(args);
    all.push("--json");
    let out = run(&all);
    assert!(out.status.success(), "{all:?} failed ({:?}): {}", out.status, stderr_of(&out));
    let text = String::from_utf8(out.stdout).expect("UTF-8 stdout");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{all:?} printed no single JSON object ({e}): {text}"))
}

fn epoch(args: &[&str]) -> Value {
    let mut all = EPOCH_ARGS.to_vec();
    all.extend_from_slice(args);
    fit_json(EPOCH, &all)
}

/// Runs `scalecalc fit ARGS…`, expects exit code 2 and no panic; returns stderr.
fn fails(args: &[&str]) -> String {
    let mut all = vec!["fit"];
    all.extend_from_slice(args);
    let out = run(&all);
    let err = stderr_of(&out);
    assert!(!err.contains("panicked"), "{all:?} panicked: {err}");
    assert_eq!(out.status.code(), Some(2), "{all:?}: expected exit code 2, got {:?}; stderr: {err}", out.status);
    assert!(out.stdout.is_empty(), "{all:?} printed to stdout on failure: {}", String::from_utf8_lossy(&out.stdout));
    err
}

/// A file in the temp directory, unique to this process and test, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("scalecalc-cli-fit-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("temp file written");
        TempFile(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn f64_at(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no number at {pointer} in {v}"))
}

fn param_names(v: &Value) -> Vec<String> {
    let mut names: Vec<String> = v["params"].as_object().expect("params is an object").keys().cloned().collect();
    names.sort();
    names
}

/// Twelve runs exactly on Hoffmann's law (E 1.7, A 400, B 410, α 0.34, β 0.28), over a 4 × 3 grid of
/// N and D, with `bad` inserted as the second data row (file line 3).
fn hoffmann_runs(bad: &str) -> String {
    let mut lines = vec!["N,D,loss".to_string()];
    for n in [1e7, 3e7, 1e8, 3e8] {
        for d in [2e8, 1e9, 5e9] {
            let loss: f64 = 1.7 + 400.0 / f64::powf(n, 0.34) + 410.0 / f64::powf(d, 0.28);
            lines.push(format!("{n:e},{d:e},{loss:.9}"));
        }
    }
    lines.insert(2, bad.to_string());
    lines.join("\n") + "\n"
}

#[test]
fn replicates_epoch_on_the_chinchilla_runs() {
    let v = epoch(&["--law", "chinchilla"]);
    assert_eq!(v["law"], "chinchilla");
    assert_eq!(v["points"], 240);
    let objective = f64_at(&v, "/objective");
    // Epoch's notebook and scipy both reach 0.00101827(4); ours must be at least as low.
    assert!(objective <= 0.00101827402, "objective {objective}");
    assert!(objective > 0.001, "objective {objective} is implausibly low");
    assert_eq!(param_names(&v), ["A", "B", "E", "alpha", "beta"]);
    for (name, want, tol) in
        [("A", 477.8, 1.0), ("B", 2143.0, 5.0), ("E", 1.8172, 1e-3), ("alpha", 0.3473, 1e-3), ("beta", 0.3672, 1e-3)]
    {
        let got = f64_at(&v, &format!("/params/{name}"));
        assert!((got - want).abs() <= tol, "{name} = {got}, want {want} ± {tol}");
    }
}

#[test]
fn bootstrap_and_holdout_are_seeded_and_sane() {
    let args = ["--grid", SMALL_GRID, "--bootstrap", "200", "--seed", "7", "--holdout", "10"];
    let v = epoch(&args);
    let ci = v["ci"].as_object().unwrap_or_else(|| panic!("no ci in {v}"));
    assert_eq!(param_names(&v), ["A", "B", "E", "alpha", "beta"]);
    for name in param_names(&v) {
        let estimate = f64_at(&v, &format!("/params/{name}"));
        let iv = &ci[&name];
        let (lo, hi) = (iv["lo"].as_f64().unwrap(), iv["hi"].as_f64().unwrap());
        assert!(lo.is_finite() && hi.is_finite() && lo < hi, "{name}: interval {lo} – {hi}");
        assert!(lo <= estimate && estimate <= hi, "{name}: {estimate} outside its interval {lo} – {hi}");
    }
    assert_eq!(v["holdout"]["k"], 10);
    let rmse = f64_at(&v, "/holdout/rmse_log");
    assert!(rmse.is_finite() && rmse >= 0.0, "holdout rmse_log {rmse}");

    // Same seed, same everything (the whole report, not just the intervals).
    assert_eq!(epoch(&args), v, "the same seed gave a different report");
    // Another seed, other intervals.
    let other = epoch(&["--grid", SMALL_GRID, "--bootstrap", "200", "--seed", "8", "--holdout", "10"]);
    assert_ne!(other["ci"], v["ci"], "seeds 7 and 8 gave the same intervals");
    assert_eq!(other["params"], v["params"], "the seed changed the point estimate");
}

#[test]
fn kaplan_and_isoflop() {
    let v = epoch(&["--law", "kaplan"]);
    assert_eq!(v["law"], "kaplan");
    assert_eq!(param_names(&v), ["D_c", "N_c", "alpha_D", "alpha_N"]);
    for name in param_names(&v) {
        let x = f64_at(&v, &format!("/params/{name}"));
        assert!(x.is_finite() && x > 0.0, "{name} = {x}");
    }

    let v = epoch(&["--method", "isoflop"]);
    assert_eq!(v["method"], "isoflop");
    let a = f64_at(&v, "/fit/n_law/exponent");
    assert!((0.3..=0.7).contains(&a), "N_opt ∝ C^{a}");
}

#[test]
fn recovers_a_known_law_and_skips_bad_rows_only_when_asked() {
    let file = TempFile::new("skip.csv", &hoffmann_runs("2e7,4e8,abc"));
    let err = fails(&[file.path(), "--grid", SMALL_GRID]);
    assert!(err.contains(r#"row 3, column "loss": "abc" is not a number"#), "stderr: {err}");
    assert!(err.to_lowercase().contains("skip"), "the message should say bad rows can be skipped: {err}");

    let v = fit_json(file.path(), &["--grid", SMALL_GRID, "--skip-bad-rows"]);
    assert_eq!(v["points"], 12);
    assert_eq!(v["data"]["skipped_rows"], 1);
    for (name, want) in [("E", 1.7), ("A", 400.0), ("B", 410.0), ("alpha", 0.34), ("beta", 0.28)] {
        let got = f64_at(&v, &format!("/params/{name}"));
        assert!((got - want).abs() / want < 1e-3, "{name} = {got}, want {want}");
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let missing = std::env::temp_dir().join("scalecalc-cli-fit-no-such-dir/runs.csv");
    let missing = missing.to_str().unwrap();
    let err = fails(&[missing]);
    assert!(err.contains(missing), "stderr should name {missing}: {err}");

    let good = TempFile::new("good.csv", &hoffmann_runs("2e7,4e8,4.9"));
    let err = fails(&[good.path(), "--n", "nosuch", "--grid", SMALL_GRID]);
    assert!(err.contains("nosuch"), "stderr should name the unknown column: {err}");
    for header in ["\"N\"", "\"D\"", "\"loss\""] {
        assert!(err.contains(header), "stderr should list the header {header}: {err}");
    }
    let err = fails(&[good.path(), "--delta", "abc", "--grid", SMALL_GRID]);
    assert!(err.contains("--delta"), "stderr: {err}");
    let err = fails(&[good.path(), "--law", "gpt", "--grid", SMALL_GRID]);
    assert!(err.contains("unknown law"), "stderr: {err}");
    assert!(err.contains("gpt"), "stderr: {err}");

    let object = TempFile::new("object.json", "{\"a\":1}\n");
    let err = fails(&[object.path()]);
    assert!(err.contains("array"), "stderr: {err}");

    let empty = TempFile::new("empty.csv", "");
    let err = fails(&[empty.path()]);
    assert!(err.contains("empty"), "stderr: {err}");

    let header_only = TempFile::new("header.csv", "N,D,loss\n");
    let err = fails(&[header_only.path(), "--grid", SMALL_GRID]);
    assert!(!err.trim().is_empty());

    let binary = TempFile::new("binary.csv", "");
    std::fs::write(&binary.0, [0xff, 0xfe, 0x00, 0x41, 0x0a]).unwrap();
    fails(&[binary.path()]);
}

/// Runs given by compute and tokens (the Llama 3 paper's way): N = C/(6D), found by `--c` with
/// `--d`; the default profile search and the grid agree, and `--search` rejects what it does not know.
#[test]
fn compute_and_tokens_give_the_parameters_and_both_searches_agree() {
    let mut lines = vec!["flops,tokens,loss".to_string()];
    for n in [1e7, 3e7, 1e8, 3e8] {
        for d in [2e8, 1e9, 5e9] {
            let loss: f64 = 1.7 + 400.0 / f64::powf(n, 0.34) + 410.0 / f64::powf(d, 0.28);
            lines.push(format!("{:e},{d:e},{loss:.9}", 6.0 * n * d));
        }
    }
    let file = TempFile::new("cd.csv", &(lines.join("\n") + "\n"));
    let profile = fit_json(file.path(), &["--c", "flops", "--d", "tokens", "--loss", "loss"]);
    assert_eq!(profile["search"], "profile");
    assert_eq!(profile["data"]["n_derived"], true);
    assert_eq!(profile["profile"]["names"], serde_json::json!(["alpha", "beta"]));
    for (name, want) in [("E", 1.7), ("A", 400.0), ("B", 410.0), ("alpha", 0.34), ("beta", 0.28)] {
        let got = f64_at(&profile, &format!("/params/{name}"));
        assert!((got - want).abs() <= 1e-3 * want, "{name} = {got}, want {want}");
    }
    let grid = fit_json(file.path(), &["--c", "flops", "--d", "tokens", "--loss", "loss", "--search", "grid", "--grid", SMALL_GRID]);
    assert_eq!(grid["search"], "grid");
    // Exact data: both reach an objective of (nearly) zero.
    assert!(f64_at(&profile, "/objective") <= f64_at(&grid, "/objective") + 1e-12, "{} vs {}", profile["objective"], grid["objective"]);
    // Predictions at (N, D): the law's interval inside the interval for one run.
    let at = fit_json(file.path(), &["--c", "flops", "--d", "tokens", "--loss", "loss", "--bootstrap", "100", "--at", "1B,20B", "--at", "70M,1.4B"]);
    let first = &at["at"][0];
    let want = 1.7 + 400.0 / f64::powf(1e9, 0.34) + 410.0 / f64::powf(2e10, 0.28);
    assert!((f64_at(first, "/loss") - want).abs() < 1e-3 * want, "{first}");
    assert!(f64_at(first, "/prediction_interval/0") <= f64_at(first, "/ci/0") && f64_at(first, "/ci/1") <= f64_at(first, "/prediction_interval/1"), "{first}");
    assert_eq!(f64_at(&at["at"][1], "/n"), 7e7);
    assert!(fails(&[file.path(), "--at", "1B"]).contains("--at: pair 1, \"1B\": write N,D"));
    assert!(fails(&[file.path(), "--at", "1B,2T", "--at", "x,2"]).contains("--at: pair 2, N: \"x\" is not a number"));
    assert!(fails(&[file.path(), "--search", "random"]).contains("--search \"random\" is not one of auto, profile, grid"));
}

/// `--rolling`: a fit below each compute cut, the runs beyond predicted, in JSON and in text.
#[test]
fn rolling_forward_validation_reports_each_cut() {
    let v = epoch(&["--rolling"]);
    let cuts = v["rolling"]["cuts"].as_array().expect("rolling cuts");
    assert_eq!(cuts.len(), 4);
    let mut last = 0.0;
    for cut in cuts {
        let c = f64_at(cut, "/cut");
        assert!(c > last, "cuts increase");
        last = c;
        let fitted = cut["fitted"].as_u64().unwrap() as usize;
        let beyond = cut["predictions"].as_array().unwrap();
        assert_eq!(fitted + beyond.len(), 240);
        for p in beyond {
            assert!(f64_at(p, "/reach") > 1.0 && f64_at(p, "/error_pct").abs() < 6.0, "{p}");
        }
    }
    assert!(v["rolling"]["summary"][0].as_str().unwrap().starts_with("Fitted on the 120 runs up to 8.3e19 FLOP"));
    let plain = epoch(&[]);
    assert!(plain.get("rolling").is_none(), "only when asked");
}

#[test]
fn weights_asymmetry_tied_and_fixed_parameters_from_the_command_line() {
    // The Epoch runs with a weight column: runs above 1e21 FLOP weigh 3, the rest 1.
    let text = std::fs::read_to_string(EPOCH).expect("the Epoch file");
    let mut lines = text.lines();
    let mut weighted = format!("{},w\n", lines.next().unwrap());
    for line in lines {
        let c: f64 = line.split(',').nth(4).unwrap().parse().unwrap();
        weighted.push_str(&format!("{line},{}\n", if c > 1e21 { 3 } else { 1 }));
    }
    let file = TempFile::new("weighted.csv", &weighted);
    let mut args = EPOCH_ARGS.to_vec();
    args.extend(["--weights", "w", "--asymmetry", "2", "--tie-exponents", "--fix", "E=1.8", "--grid", SMALL_GRID]);
    let v = fit_json(file.path(), &args);
    assert_eq!(f64_at(&v, "/params/E"), 1.8);
    assert_eq!(f64_at(&v, "/params/alpha"), f64_at(&v, "/params/beta"));
    assert_eq!(v["held"]["E"], "fixed");
    assert_eq!(v["held"]["beta"], "tied to alpha");
    let options = v["options"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_string()).collect::<Vec<_>>().join("; ");
    for want in ["weighted by column \"w\" (weights 1 to 3)", "over-predictions cost 2× more", "E fixed at 1.8", "alpha = beta"] {
        assert!(options.contains(want), "{want:?} not in {options}");
    }
    // Bad values are named at their flag.
    let err = fails(&[file.path(), "--fix", "alpha"]);
    assert!(err.contains("--fix: entry 1, \"alpha\": write name=value"), "{err}");
    let err = fails(&[file.path(), "--weights", "nosuch"]);
    assert!(err.contains("nosuch"), "{err}");
    let err = fails(&[file.path(), "--asymmetry", "abc"]);
    assert!(err.contains("--asymmetry"), "{err}");
}

#[test]
fn joint_fits_of_variants_from_the_command_line() {
    let mut data = String::from("N,D,loss,arch\n");
    for (name, s) in [("dense", 1.0f64), ("moe", 1.3)] {
        for c in [1e18, 1e19, 1e20, 1e21] {
            for i in 0..7 {
                let n = (c / 120.0f64).sqrt() * 10f64.powf((i as f64 - 3.0) * 0.2);
                let d = c / (6.0 * n);
                data.push_str(&format!("{n},{d},{},{name}\n", 1.8 + 420.0 / (s * n).powf(0.34) + 1800.0 / (s * d).powf(0.28)));
            }
        }
    }
    let file = TempFile::new("variants.csv", &data);
    let v = fit_json(file.path(), &["--group", "arch", "--budget", "1e22", "--bootstrap", "50"]);
    let variants = v["joint"]["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(v["joint"]["baseline"], "dense");
    assert_eq!(f64_at(&v, "/joint/compute"), 1e22);
    assert!((f64_at(&variants[0], "/multiplier") - 1.0).abs() < 1e-9);
    // Noiseless runs: 1.3² = 1.69× the compute.
    assert!((f64_at(&variants[1], "/multiplier") - 1.69).abs() < 0.01, "{}", variants[1]);
    let err = fails(&[file.path(), "--group", "arch", "--baseline", "zz"]);
    assert!(err.contains("the baseline \"zz\" is not a variant of column \"arch\": dense, moe"), "{err}");
}

//! The `scalecalc` binary as scripts use it: stdout, stderr and exit codes.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn stdout(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn number(args: &[&str]) -> f64 {
    let text = stdout(args);
    text.trim().parse().unwrap_or_else(|_| panic!("{args:?} printed {text:?}, not a plain number"))
}

#[test]
fn converts_every_unit_pair() {
    assert_eq!(number(&["convert", "1 PF-day", "--to", "flop"]), 8.64e19);
    assert_eq!(number(&["convert", "8.64e19", "--to", "pf-day"]), 1.0);
    assert_eq!(number(&["convert", "1,000,000 FLOP", "--to", "flop"]), 1e6);
    // An H100 at 40 % MFU does 989e12 × 0.4 × 3600 FLOP per hour.
    let per_hour = 989e12 * 0.4 * 3600.0;
    let gpu_hours = number(&["convert", "1e21", "--to", "gpu-hour", "--gpu", "h100", "--mfu", "0.4"]);
    assert!((gpu_hours - 1e21 / per_hour).abs() / gpu_hours < 1e-12);
    let back = number(&["convert", &format!("{gpu_hours} GPU-hours"), "--to", "flop", "--mfu", "40%"]);
    assert!((back - 1e21).abs() / 1e21 < 1e-12);
    let days = number(&["convert", "1e24", "--to", "days", "--gpus", "1024", "--mfu", "40"]);
    assert!((days - 1e24 / (1024.0 * 989e12 * 0.4 * 86_400.0)).abs() / days < 1e-12);
    let flop = number(&["convert", &format!("{days} days"), "--to", "flop", "--gpus", "1024", "--mfu", "40"]);
    assert!((flop - 1e24).abs() / 1e24 < 1e-9);
    let usd = number(&["convert", "1e21", "--to", "usd", "--price", "2.5"]);
    assert!((usd - 2.5 * 1e21 / per_hour).abs() / usd < 1e-12);
    let flop = number(&["convert", &format!("${usd}"), "--to", "flop", "--price", "2.5"]);
    assert!((flop - 1e21).abs() / 1e21 < 1e-12);
}

#[test]
fn allocates_as_json() {
    let text = stdout(&["allocate", "--compute", "5.76e23", "--law", "epoch", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let c = v["compute_flops"].as_f64().unwrap();
    let n = v["n_params"].as_f64().unwrap();
    let d = v["n_tokens"].as_f64().unwrap();
    assert_eq!(c, 5.76e23);
    assert!((6.0 * n * d - c).abs() / c < 1e-12);
    assert!((v["tokens_per_param"].as_f64().unwrap() - d / n).abs() < 1e-9);
    // Epoch's law at Chinchilla's compute: about Chinchilla itself (70B, 1.4T).
    assert!((6e10..8e10).contains(&n), "N* = {n:e}");
    let loss = v["loss"].as_f64().unwrap();
    assert!((1.9..2.1).contains(&loss));
    // Kaplan et al. eq. 4.4 at N*: D ≳ 5×10³·N^0.74 (about 6.6e11 tokens for 72B; D* is above it).
    let bound = v["overfit_min_tokens"].as_f64().unwrap();
    assert!((bound / (5e3 * n.powf(0.74)) - 1.0).abs() < 1e-12, "{bound:e}");
    assert!(bound < d, "{bound:e} vs D* {d:e}");
    assert!(v["overfit_bound"].as_str().unwrap().contains("eq. 4.4"));
    for law in ["hoffmann", "muennighoff", "kaplan"] {
        let text = stdout(&["allocate", "--compute", "2000 PF-days", "--law", law, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["compute_flops"].as_f64().unwrap(), 2000.0 * 8.64e19);
        assert_eq!(v["law"], law);
    }
    let kaplan: serde_json::Value =
        serde_json::from_str(&stdout(&["allocate", "--compute", "1e22", "--law", "kaplan", "--json"])).unwrap();
    assert_eq!(kaplan["n_convention"], "non-embedding");
    assert!(kaplan.get("gpu_hours").is_none(), "hardware results without hardware flags");
    let priced: serde_json::Value = serde_json::from_str(&stdout(&[
        "allocate", "--compute", "1e23", "--gpu", "b200", "--gpus", "512", "--price", "3", "--json",
    ]))
    .unwrap();
    let gpu_hours = priced["gpu_hours"].as_f64().unwrap();
    assert!((gpu_hours - 1e23 / (2250e12 * 0.4 * 3600.0)).abs() / gpu_hours < 1e-12);
    assert!((priced["cost_usd"].as_f64().unwrap() - 3.0 * gpu_hours).abs() < 1e-6);
}

#[test]
fn target_loss_inverts_the_budget() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["allocate", "--compute", "1e23", "--law", "hoffmann", "--json"])).unwrap();
    let loss = v["loss"].as_f64().unwrap();
    let back: serde_json::Value = serde_json::from_str(&stdout(&[
        "allocate", "--target-loss", &loss.to_string(), "--law", "hoffmann", "--json",
    ]))
    .unwrap();
    assert!((back["compute_flops"].as_f64().unwrap() - 1e23).abs() / 1e23 < 1e-6);
}

#[test]
fn bad_arguments_name_themselves_on_stderr() {
    let long = "9".repeat(10_000);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["allocate", "--compute", "abc", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "   ", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "-1", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "0", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "NaN", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "1e400", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", &long, "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "数字", "--law", "epoch"], "--compute"),
        (vec!["allocate", "--compute", "1e23", "--law", "gpt5"], "--law"),
        (vec!["allocate", "--target-loss", "1.0", "--law", "epoch"], "--target-loss"),
        (vec!["convert", "1 PF-day", "--to", "parsecs"], "--to"),
        (vec!["convert", "abc", "--to", "flop"], "QUANTITY"),
        (vec!["convert", "1e21", "--to", "gpu-hour", "--gpu", "v100x"], "--gpu"),
        (vec!["convert", "1e21", "--to", "gpu-hour", "--mfu", "NaN"], "--mfu"),
        (vec!["convert", "1e21", "--to", "gpu-hour", "--mfu", "150%"], "--mfu"),
        (vec!["convert", "1e21", "--to", "days", "--gpus", "1.5"], "--gpus"),
        (vec!["convert", "1e21", "--to", "usd"], "--price"),
        (vec!["convert", "-5", "--to", "flop"], "QUANTITY"),
        (vec!["convert", "1e21", "--to", "days", "--gpus", "-3"], "--gpus"),
        (vec!["convert", "1e300 PF-days", "--to", "flop"], "too large"),
        (vec!["allocate", "--compute", "1e23", "--price", "abc"], "--price"),
        (vec!["allocate", "--compute", "1e23", "--gpu", "zzz"], "--gpu"),
        (vec!["allocate", "--compute", "1e23", "--gpus", "$8"], "--gpus"),
        (vec!["allocate", "--target-loss", "abc", "--law", "epoch"], "--target-loss"),
        (vec!["allocate", "--target-loss", "-2", "--law", "epoch"], "--target-loss"),
        (vec!["allocate", "--compute", "1e23", "--price", "-1"], "--price"),
        (vec!["convert", "", "--to", "flop"], "QUANTITY"),
        (vec!["convert", "1e400", "--to", "flop"], "QUANTITY"),
        (vec!["chart", "isoflop", "--compute", "abc", "-o", "/tmp/x.svg"], "--compute"),
        (vec!["chart", "isoflop", "--law", "gpt5", "-o", "/tmp/x.svg"], "--law"),
        (vec!["chart", "isoflop", "-o", "/nonexistent-dir/x.svg"], "--output"),
    ];
    for (args, flag) in cases {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag), "{args:?}: stderr {err:?} does not name {flag}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

#[test]
fn draws_charts_to_svg() {
    let dir = std::env::temp_dir().join(format!("scalecalc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for kind in ["allocation", "contours", "isoflop"] {
        let path = dir.join(format!("{kind}.svg"));
        stdout(&["chart", kind, "--compute", "1e23", "--law", "hoffmann", "-o", path.to_str().unwrap()]);
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{kind}");
    }
    std::fs::remove_dir_all(dir).ok();
}

/// `scalecalc … | head`: a reader that closes the pipe before the output ends stops the command
/// quietly — exit code 0, nothing on stderr — instead of a panic with a backtrace. The fit takes
/// a moment, so the pipe is closed before anything is written.
#[test]
fn a_reader_that_closes_early_ends_it_quietly() {
    use std::process::Stdio;
    let mut runs = String::from("N,D,loss\n");
    for (i, n) in [2e7f64, 5e7, 1e8, 2e8, 5e8, 1e9].iter().enumerate() {
        for tpp in [5.0, 20.0, 80.0] {
            let d = n * tpp;
            let loss = 1.7 + 400.0 / n.powf(0.34) + 410.0 / d.powf(0.28) + 0.004 * (i as f64 * 2.3).sin();
            runs.push_str(&format!("{n},{d},{loss}\n"));
        }
    }
    let file = std::env::temp_dir().join(format!("scalecalc-pipe-{}.csv", std::process::id()));
    std::fs::write(&file, runs).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scalecalc"))
        .args(["fit", file.to_str().unwrap(), "--compare", "--bootstrap", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("binary ends");
    std::fs::remove_file(&file).ok();
    assert!(out.status.success(), "exit {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // Errors still go to stderr with a non-zero code.
    let bad = run(&["allocate", "--compute", "abc"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: --compute"), "{}", String::from_utf8_lossy(&bad.stderr));
}

/// The authors' released 1B model with 40 % sparsity (model card huggingface.co/tjingrant/
/// sparsellm-1b-40p: 1.14B linear parameters, 13 050 steps, pruning from step 2 500 to 8 875,
/// 104.4B tokens, average density 0.7651, 0.87B average linear parameters).
#[test]
fn sparse_pretraining_as_json_and_its_errors() {
    let start = format!("{}", 2500.0 / 13050.0);
    let end = format!("{}", 8875.0 / 13050.0);
    let text = stdout(&["sparse", "--n", "1.14B", "--sparsity", "40%", "--start", &start, "--end", &end, "--tokens", "104.4B", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!((v["average_density"].as_f64().unwrap() - 0.7651).abs() < 0.0015, "{v}");
    assert!((v["n_params_average"].as_f64().unwrap() / 0.87e9 - 1.0).abs() < 0.01, "{v}");
    assert!((v["n_params_final"].as_f64().unwrap() - 0.684e9).abs() < 1.0);
    let (n_avg, d) = (v["n_params_average"].as_f64().unwrap(), v["n_tokens"].as_f64().unwrap());
    assert!((v["compute_flops"].as_f64().unwrap() / (6.0 * n_avg * d) - 1.0).abs() < 1e-12);
    // Epoch's law at (N̄, D): the loss the unification predicts.
    let epoch = 1.82 + 482.01 / n_avg.powf(0.3478) + 2085.43 / d.powf(0.3658);
    assert!((v["loss"].as_f64().unwrap() - epoch).abs() < 1e-9);
    for (args, flag) in [
        (vec!["--sparsity", "1"], "--sparsity"),
        (vec!["--sparsity", "0.5", "--start", "0.8", "--end", "0.2"], "--end"),
        (vec!["--sparsity", "0.5", "--start", "-0.1"], "--start"),
        (vec!["--sparsity", "0.5", "--ramp", "cubic"], "--ramp"),
    ] {
        let mut all = vec!["sparse", "--n", "7B", "--compute", "1e23"];
        all.extend(args);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flag) && !err.contains("panicked"), "{all:?}: {err}");
    }
}

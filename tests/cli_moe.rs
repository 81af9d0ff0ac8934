//! `scalecalc moe --law joint`: the joint law of Ludziejewski et al. 2025 on the command line —
//! Table 1's optimum, the memory cap of GPUs and of the paper's Table 2, bad flags.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

use scalecalc::core::laws::ludziejewski::{optimum, TABLE_3};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Table 1: 10²² FLOPs with 32 experts, "12.2B" active and "136.9B" tokens; the dense answer
/// "18.8B" and "88.6B"; the table lists every E; the core's numbers exactly.
#[test]
fn table_1_at_1e22() {
    let v = json(&["moe", "--law", "joint", "--experts", "32", "--compute", "1e22", "--json"]);
    let n = v["optimum"]["n_act"].as_f64().unwrap();
    let d = v["optimum"]["d"].as_f64().unwrap();
    assert!((n / 12.2e9 - 1.0).abs() < 0.01 && (d / 136.9e9 - 1.0).abs() < 0.01, "{n:e} {d:e}");
    assert_eq!(v["optimum"]["loss"].as_f64(), Some(optimum(&TABLE_3, 32.0, 1e22).unwrap().loss));
    let dense_n = v["dense"]["n"].as_f64().unwrap();
    assert!((dense_n / 18.8e9 - 1.0).abs() < 0.01, "{dense_n:e}");
    assert!(v["dense_compute_for_same_loss"].as_f64().unwrap() > 1e22);
    assert_eq!(v["table"].as_array().unwrap().len(), 9);
    assert!(v["memory"].is_null());
    assert!(v["citation"].as_str().unwrap().contains("arXiv:2502.05172"));
    assert!((v["constants"]["e_start"].as_f64().unwrap() - 2.0732).abs() < 1e-12);
}

/// Memory caps: 8 H100s (training state) hold the 32-expert model below its optimum and pick
/// fewer experts; Table 2's 10²² row at 24 GB in bf16 with a 16k-token KV cache gives E = 4.
#[test]
fn memory_caps() {
    let v = json(&["moe", "--experts", "32", "--compute", "1e23", "--gpu", "h100", "--gpus", "8", "--json"]);
    assert_eq!(v["memory"]["plan"]["memory_bound"], true);
    assert!(v["memory"]["best"]["experts"].as_f64().unwrap() < 32.0);
    assert!(v["table"][0]["fits"].is_boolean());
    let t2 = json(&["moe", "--experts", "1", "--compute", "1e22", "--memory-gb", "24", "--bytes-per-param", "2", "--kv-tokens", "16384", "--json"]);
    assert_eq!(t2["memory"]["best"]["experts"].as_f64(), Some(4.0));
    let text = run(&["moe", "--experts", "8", "--compute", "1e21"]);
    assert!(text.status.success() && String::from_utf8_lossy(&text.stdout).contains("E = 8"));
}

#[test]
fn bad_flags_say_which_and_why() {
    for (args, says) in [
        (vec!["moe", "--experts", "0", "--compute", "1e22"], "--experts"),
        (vec!["moe", "--experts", "2.5", "--compute", "1e22"], "--experts"),
        (vec!["moe", "--compute", "x"], "--compute"),
        (vec!["moe", "--law", "krajewski", "--compute", "1e22"], "--law: unknown law \"krajewski\""),
        (vec!["moe", "--compute", "1e22", "--gpus", "8", "--memory-gb", "80"], "not both"),
        (vec!["moe", "--compute", "1e22", "--kv-tokens", "16k"], "give --gpus or --memory-gb"),
        (vec!["moe", "--compute", "1e22", "--memory-gb", "80", "--kv-tokens=-1"], "--kv-tokens"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `scalecalc fit --law ludziejewski`: eq. 6 fitted to runs drawn from Table 3 in Appendix E's
/// layout recovers it, with bootstrap intervals; a table without E says which columns it needs.
#[test]
fn fit_recovers_table_3() {
    use scalecalc::core::laws::ludziejewski::shape_of_width;
    let mut t = String::from("N_act,D,E,loss\n");
    for e in [1.0, 2.0, 4.0, 8.0, 16.0, 32.0] {
        for width in [512.0, 768.0, 1024.0, 1408.0, 1792.0] {
            for d in [0.5e9, 2e9, 8e9, 32e9] {
                let n = shape_of_width(width, e).n_act;
                t.push_str(&format!("{n},{d},{e},{}\n", TABLE_3.loss(n, d, e)));
            }
        }
    }
    let path = std::env::temp_dir().join(format!("scalecalc-lz-{}.csv", std::process::id()));
    std::fs::write(&path, t).unwrap();
    let file = path.to_str().unwrap();
    let v = json(&["fit", file, "--law", "ludziejewski", "--bootstrap", "20", "--json"]);
    assert_eq!(v["runs"], 120);
    for (k, want) in [("a", 35.91), ("b", 35.98), ("c", 1.3637)] {
        let got = v["params"][k].as_f64().unwrap();
        assert!((got / want - 1.0).abs() < 0.01, "{k}: {got}");
    }
    for (k, want) in [("alpha", -0.1889), ("delta", -0.2285), ("gamma", 0.0098), ("beta", -0.1775), ("omega", 0.5529), ("zeta", -0.0259)] {
        let got = v["params"][k].as_f64().unwrap();
        assert!((got - want).abs() < 2e-3, "{k}: {got}");
    }
    assert!(v["intervals"]["alpha"].is_array());
    std::fs::write(&path, "N,D,G,loss\n1e9,2e10,4,3\n").unwrap();
    let out = run(&["fit", file, "--law", "ludziejewski"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("N_act (active parameters), D (tokens), E (experts) and loss"));
    std::fs::remove_file(&path).ok();
}

/// `--law sparsity`: eq. 6 of Abnar et al. fitted to runs drawn from a known law (made-up
/// constants of the paper's shape — its own could not be verified), the plan at 10²¹ FLOP next
/// to the library's optimum of the true law, a memory cap that holds the model, a row per
/// routing; without runs, with a sparsity of 1, and runs with the joint law, a clear message.
#[test]
fn the_sparsity_law_from_runs() {
    use scalecalc::core::laws::abnar::{optimum, SparsityLaw};
    let truth = SparsityLaw { a: 300.0, alpha: 0.32, b: 900.0, beta: 0.30, c: 0.25, lambda: -0.2, d: 20.0, delta: 0.15, gamma: 0.2, e: 1.6 };
    let mut table = String::from("N,D,S,loss\n");
    for n in [1e8, 3e8, 1e9, 3e9, 1e10] {
        for s in [0.0, 0.5, 0.75, 0.875, 0.9375, 0.98] {
            for tpp in [5.0, 20.0, 60.0] {
                let d = tpp * (1.0 - s) * n;
                table.push_str(&format!("{n},{d},{s},{}\n", truth.loss(n, d, s)));
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("scalecalc-sparsity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("runs.csv");
    std::fs::write(&file, &table).unwrap();
    let path = file.to_str().unwrap();
    let v = json(&["moe", "--law", "sparsity", "--runs", path, "--compute", "1e21", "--json"]);
    let want = optimum(&truth, 1e21, 0.98, f64::INFINITY).unwrap();
    let (s, loss) = (v["optimum"]["s"].as_f64().unwrap(), v["optimum"]["loss"].as_f64().unwrap());
    assert!((s - want.s).abs() <= 0.02 && (loss / want.loss - 1.0).abs() < 0.002, "{v}");
    assert_eq!(v["fit"]["runs"], 90);
    assert!(v["dense"]["loss"].as_f64().unwrap() > loss);
    assert_eq!(v["table"].as_array().unwrap().len(), 6);
    assert!(v["citation"].as_str().unwrap().contains("arXiv:2501.12370"));
    let held = json(&["moe", "--law", "sparsity", "--runs", path, "--compute", "1e23", "--gpus", "8", "--json"]);
    assert_eq!(held["optimum"]["held_by_memory"], true, "{held}");
    assert!(held["optimum"]["n_total"].as_f64().unwrap() <= 8.0 * 80e9 / 16.0 * 1.000001);
    let out = run(&["moe", "--law", "sparsity", "--compute", "1e21"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--runs"));
    std::fs::write(&file, table.replacen('\n', "\n1e8,1e9,1,3.0\n", 1)).unwrap();
    let out = run(&["moe", "--law", "sparsity", "--runs", path, "--compute", "1e21"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("row 2, column \"S\""), "{err}");
    let out = run(&["moe", "--law", "joint", "--runs", path, "--compute", "1e21"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--law sparsity"));
    std::fs::remove_dir_all(&dir).ok();
}

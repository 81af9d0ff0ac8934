//! `scalecalc shape`: exact counts of published models, FLOPs, memory, and bad flags.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scalecalc")).args(args).output().expect("binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn llama3_8b_from_flags_counts_its_published_parameters() {
    let v = json(&["shape", "--layers", "32", "--d-model", "4096", "--heads", "32", "--kv-heads", "8", "--ffn-hidden", "14336", "--vocab", "128256", "--seq-len", "8192", "--json"]);
    assert_eq!(v["params_total"].as_f64(), Some(8_030_261_248.0));
    assert_eq!(v["params_active"].as_f64(), Some(8_030_261_248.0));
    // Non-embedding: total minus the input and output embeddings (2 × 128 256 × 4096).
    assert_eq!(v["params_non_embedding"].as_f64(), Some(8_030_261_248.0 - 2.0 * 128_256.0 * 4096.0));
    assert_eq!(v["flops_per_token_6n"].as_f64(), Some(6.0 * 8_030_261_248.0));
    let exact = v["flops_per_token"].as_f64().unwrap();
    assert!(exact > v["flops_per_token_6n"].as_f64().unwrap());
    assert_eq!(v["published"]["model"], "Llama 3 8B");
}

#[test]
fn mixture_of_experts_counts_active_parameters() {
    let v = json(&["shape", "--layers", "32", "--d-model", "4096", "--heads", "32", "--kv-heads", "8", "--vocab", "32000", "--experts", "8", "--top-k", "2", "--expert-hidden", "14336", "--json"]);
    assert_eq!(v["params_total"].as_f64(), Some(46_702_792_704.0));
    assert_eq!(v["params_active"].as_f64(), Some(12_879_925_248.0));
    assert!(v["flops_routing"].as_f64().unwrap() > 0.0);
    assert_eq!(v["published"]["model"], "Mixtral 8×7B");
}

#[test]
fn every_preset_reads_and_memory_falls_with_zero() {
    for preset in ["llama3-8b", "llama3-70b", "llama3-405b", "mixtral-8x7b", "olmo2-7b", "qwen2.5-7b", "deepseek-v3"] {
        let v = json(&["shape", "--preset", preset, "--json"]);
        assert!(v["params_total"].as_f64().unwrap() > 1e9, "{preset}");
    }
    let total = |zero: &str| json(&["shape", "--preset", "llama3-70b", "--zero", zero, "--dp", "64", "--json"])["memory_per_gpu_bytes"]["total"].as_f64().unwrap();
    assert!(total("3") < total("2") && total("2") < total("1") && total("1") < total("0"));
    let v = json(&["shape", "--preset", "llama3-70b", "--zero", "3", "--recompute", "full", "--gpu", "h100", "--json"]);
    assert!(v["min_gpus"].as_u64().unwrap() >= 2);
}

#[test]
fn bad_flags_say_which_and_why() {
    for (args, says) in [
        (&["shape", "--layers", "32", "--d-model", "4096", "--heads", "33"][..], "--heads: 33 heads do not divide d_model 4096"),
        (&["shape", "--preset", "llama3-8b", "--kv-heads", "5"][..], "--kv-heads: 5 KV heads do not divide 32"),
        (&["shape", "--preset", "llama3-8b", "--experts", "8", "--top-k", "9"][..], "--top-k: top-k 9 is more than the 8 experts"),
        (&["shape", "--preset", "llama3-8b", "--layers", "0"][..], "--layers: layers 0 is outside"),
        (&["shape", "--preset", "llama3-8b", "--vocab", "1e15"][..], "--vocab: vocab 1000000000000000 is outside"),
        (&["shape", "--preset", "gpt5"][..], "--preset: unknown model"),
        (&["shape", "--layers", "2"][..], "--d-model is required"),
        (&["shape", "--preset", "llama3-8b", "--precision", "fp4"][..], "--precision: \"fp4\" is not one of"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn latent_attention_flags_count_like_the_deepseek_preset() {
    let preset = json(&["shape", "--preset", "deepseek-v3", "--json"]);
    let flags = json(&[
        "shape", "--layers", "61", "--d-model", "7168", "--heads", "128", "--head-dim", "128", "--ffn-hidden", "18432", "--vocab", "129280",
        "--experts", "256", "--top-k", "8", "--shared-experts", "1", "--expert-hidden", "2048", "--dense-layers", "3",
        "--kv-lora-rank", "512", "--q-lora-rank", "1536", "--rope-dim", "64", "--v-head-dim", "128", "--json",
    ]);
    assert_eq!(preset["params_total"], flags["params_total"]);
    assert_eq!(preset["params_active"], flags["params_active"]);
    assert_eq!(flags["published"]["model"], "DeepSeek-V3");
    let out = run(&["shape", "--preset", "llama3-8b", "--rope-dim", "64"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("need --kv-lora-rank"));
}

//! `scalecalc moe --law joint`: the joint law of dense and top-1 MoE models (Ludziejewski et al.
//! 2025, arXiv:2502.05172) — the Mixture-of-experts panel's joint law, from
//! `core::laws::ludziejewski`: the compute-optimal run with E experts at a budget, every listed E,
//! the best E under a memory cap (the GPUs' training state, or bytes per parameter and a KV cache
//! as the paper's Table 2 counts them), and the dense answer. `scalecalc moe --law sparsity
//! --runs FILE`: the sparsity law (Abnar et al. 2025, arXiv:2501.12370, eq. 6; no published
//! constants could be verified) fitted to the runs, then the compute-optimal total size and
//! sparsity at the budget within the runs' sparsities and the cap, each common routing, and the
//! dense model of the same law — the panel's sparsity law.

use clap::Args;
use scalecalc::core::hardware::{check_gpu_count, find_gpu, gpu_keys};
use scalecalc::core::laws::abnar::{self as ab, SparsePlan};
use scalecalc::core::laws::krajewski::STATE_BYTES;
use scalecalc::core::laws::ludziejewski::{self as lz, JointPlan, MemoryCap, EXPERTS, TABLE_3};
use scalecalc::core::units::parse_whole;

use crate::out::{say, Failure};

/// The command's flags.
#[derive(Args)]
pub struct MoeArgs {
    /// The law: joint (Ludziejewski et al. 2025) or sparsity (Abnar et al. 2025, fitted to
    /// --runs); the fine-grained law of Krajewski et al. is fitted with `scalecalc fit --law
    /// krajewski`.
    #[arg(long, default_value = "joint")]
    law: String,
    /// The sparsity law's runs: a table with columns N (total parameters), D (tokens), S
    /// (sparsity, 0 for dense runs) and loss.
    #[arg(long)]
    runs: Option<std::path::PathBuf>,
    /// Number of experts E (1: dense), top-1 routing.
    #[arg(long, default_value = "8")]
    experts: String,
    /// Training compute in FLOP: "1e22".
    #[arg(long)]
    compute: String,
    /// GPU type for the memory cap (with --gpus): training state, 16 bytes a parameter.
    #[arg(long)]
    gpu: Option<String>,
    /// GPU count: the cap is their memory.
    #[arg(long)]
    gpus: Option<String>,
    /// A memory cap in GB instead of GPUs (10⁹ bytes).
    #[arg(long)]
    memory_gb: Option<String>,
    /// Bytes per parameter under the cap (default 16 with --gpus, training state; 2 is bf16
    /// weights as in the paper's Table 2).
    #[arg(long)]
    bytes_per_param: Option<String>,
    /// Tokens in the KV cache counted under the cap (bf16, 2T·N_blocks·d_model values; Table 2
    /// assumes 16k).
    #[arg(long, default_value = "0")]
    kv_tokens: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn plan_json(p: &JointPlan) -> serde_json::Value {
    serde_json::json!({
        "experts": p.shape.experts,
        "n_act": p.shape.n_act,
        "n_total": p.shape.n_total,
        "d_model": p.shape.d_model,
        "n_blocks": p.shape.n_blocks,
        "d": p.d,
        "tokens_per_param": p.d / p.shape.n_act,
        "loss": p.loss,
        "memory_bound": p.memory_bound,
    })
}

fn cap(a: &MoeArgs) -> Result<Option<MemoryCap>, String> {
    let kv_tokens = scalecalc::core::units::parse_number(&a.kv_tokens).map_err(|e| format!("--kv-tokens: {e}"))?;
    if !(kv_tokens >= 0.0 && kv_tokens.is_finite()) {
        return Err(format!("--kv-tokens: \"{}\" must be 0 or more", a.kv_tokens));
    }
    let bytes_per_param = a.bytes_per_param.as_deref().map(|t| crate::positive(t, "--bytes-per-param")).transpose()?;
    let bytes = match (&a.memory_gb, &a.gpus) {
        (Some(_), Some(_)) => return Err("--memory-gb and --gpus: give one memory cap, not both".into()),
        (Some(gb), None) => crate::positive(gb, "--memory-gb")? * 1e9,
        (None, Some(count)) => {
            let name = a.gpu.as_deref().unwrap_or("h100");
            let gpu = find_gpu(name).ok_or_else(|| format!("--gpu: unknown GPU \"{name}\" (expected one of {})", gpu_keys()))?;
            gpu.memory * check_gpu_count(crate::positive(count, "--gpus")?).map_err(|e| format!("--gpus: {e}"))?
        }
        (None, None) => {
            if a.gpu.is_some() || bytes_per_param.is_some() || kv_tokens > 0.0 {
                return Err("--gpu, --bytes-per-param and --kv-tokens describe a memory cap: give --gpus or --memory-gb".into());
            }
            return Ok(None);
        }
    };
    Ok(Some(MemoryCap { bytes, bytes_per_param: bytes_per_param.unwrap_or(STATE_BYTES), kv_tokens, bytes_per_kv: 2.0 }))
}

/// Runs `scalecalc moe`.
pub fn moe_cmd(a: &MoeArgs) -> Result<(), Failure> {
    if a.law.trim().eq_ignore_ascii_case("sparsity") {
        return sparsity_cmd(a);
    }
    if !a.law.trim().eq_ignore_ascii_case("joint") {
        return Err(format!("--law: unknown law \"{}\" (joint or sparsity; fit the fine-grained law with `scalecalc fit runs.csv --law krajewski`)", a.law).into());
    }
    if a.runs.is_some() {
        return Err("--runs: the joint law uses its published constants (fit your runs with `scalecalc fit runs.csv --law ludziejewski`); --runs goes with --law sparsity".into());
    }
    let experts = parse_whole(&a.experts, 1, 4096).map_err(|e| format!("--experts: {e}"))? as f64;
    let compute = crate::positive(&a.compute, "--compute")?;
    let cap = cap(a)?;
    let law = TABLE_3;
    let free = lz::optimum(&law, experts, compute).ok_or_else(|| format!("--compute: no compute-optimal point at {compute:e} FLOP"))?;
    let dense = lz::dense_optimum(&law, compute);
    let mut list = EXPERTS.to_vec();
    if !list.contains(&experts) {
        list.push(experts);
        list.sort_by(f64::total_cmp);
    }
    let at_cap = cap.map(|c| (lz::memory_optimum(&law, experts, compute, &c), lz::best_under_memory(&law, &list, compute, &c)));
    let shown = match at_cap {
        Some((Some(p), _)) => p,
        _ => free,
    };
    let dense_compute = lz::dense_compute_for(&law, shown.loss);
    if a.json {
        let [m, mu, n, nu] = law.reduced(experts);
        let table: Vec<serde_json::Value> = list
            .iter()
            .filter_map(|&e| {
                let p = lz::optimum(&law, e, compute)?;
                let mut row = plan_json(&p);
                if let (Some(c), Some(o)) = (cap, row.as_object_mut()) {
                    o.insert("memory_need_bytes".into(), serde_json::json!(c.need(&p.shape)));
                    o.insert("fits".into(), serde_json::json!(c.need(&p.shape) <= c.bytes));
                    o.insert("under_memory".into(), lz::memory_optimum(&law, e, compute, &c).map_or(serde_json::Value::Null, |q| plan_json(&q)));
                }
                Some(row)
            })
            .collect();
        let memory = cap.map(|c| {
            serde_json::json!({
                "bytes": c.bytes,
                "bytes_per_param": c.bytes_per_param,
                "kv_tokens": c.kv_tokens,
                "plan": at_cap.as_ref().and_then(|x| x.0).map(|p| plan_json(&p)),
                "best": at_cap.as_ref().and_then(|x| x.1.as_ref()).map(|(b, _)| plan_json(b)),
            })
        });
        let object = serde_json::json!({
            "law": "joint",
            "citation": lz::CITATION,
            "constants": law,
            "compute": compute,
            "experts": experts,
            "e_hat": law.e_hat(experts),
            "reduced": {"m": m, "mu": mu, "n": n, "nu": nu, "c": law.c},
            "optimum": plan_json(&free),
            "memory": memory,
            "dense": dense.map(|d| serde_json::json!({"n": d.n, "d": d.d, "loss": d.loss})),
            "dense_compute_for_same_loss": dense_compute,
            "table": table,
        });
        say!("{}", serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say!(
        "E = {experts}: {:.4e} active ({:.4e} total) parameters, {:.4e} tokens, loss {:.4}",
        shown.shape.n_act,
        shown.shape.n_total,
        shown.d,
        shown.loss
    );
    if shown.memory_bound {
        say!("held by the memory cap (compute-optimal: {:.4e} active, loss {:.4})", free.shape.n_act, free.loss);
    }
    if let Some((_, Some((best, _)))) = &at_cap {
        say!("best E under the cap: {} ({:.4e} active, loss {:.4})", best.shape.experts, best.shape.n_act, best.loss);
    }
    if let Some(d) = dense {
        say!("dense: {:.4e} parameters, {:.4e} tokens, loss {:.4}", d.n, d.d, d.loss);
    }
    if let Some(c) = dense_compute {
        say!("a dense model needs {:.3}× the compute for the same loss", c / compute);
    }
    Ok(())
}

fn sparse_plan_json(p: &SparsePlan) -> serde_json::Value {
    serde_json::json!({"s": p.s, "n_total": p.n, "n_active": p.n_active, "d": p.d, "loss": p.loss, "held_by_memory": p.capped})
}

/// `scalecalc moe --law sparsity --runs FILE`: eq. 6 fitted to the runs, the plan at the budget.
fn sparsity_cmd(a: &MoeArgs) -> Result<(), Failure> {
    let path = a.runs.as_ref().ok_or("--runs: the sparsity law has no published constants that could be verified; give your runs (columns N, D, S, loss)")?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let runs = ab::read_runs(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let compute = crate::positive(&a.compute, "--compute")?;
    let cap = cap(a)?;
    let max_total = cap.map_or(f64::INFINITY, |c| c.bytes / c.bytes_per_param);
    let fit = ab::fit_runs(&runs, 0, 1).map_err(|e| e.to_string())?;
    let top = fit.max_sparsity;
    let best = ab::optimum(&fit.law, compute, top, max_total).ok_or_else(|| format!("--compute: no compute-optimal point at {compute:e} FLOP under the cap"))?;
    let free = ab::optimum(&fit.law, compute, top, f64::INFINITY);
    let dense = ab::optimum_at(&fit.law, 0.0, compute, max_total);
    let table: Vec<(String, Option<SparsePlan>)> = ab::routings(top).into_iter().map(|(label, s)| (label, ab::optimum_at(&fit.law, s, compute, max_total))).collect();
    if a.json {
        let object = serde_json::json!({
            "law": "sparsity",
            "citation": ab::CITATION,
            "compute": compute,
            "fit": {"params": fit.law, "runs": fit.runs, "objective": fit.objective, "rmse_ln": fit.rmse_ln, "max_sparsity": top},
            "optimum": sparse_plan_json(&best),
            "unconstrained": free.map(|p| sparse_plan_json(&p)),
            "memory": cap.map(|c| serde_json::json!({"bytes": c.bytes, "bytes_per_param": c.bytes_per_param, "max_total_params": max_total})),
            "dense": dense.map(|p| sparse_plan_json(&p)),
            "table": table.iter().filter_map(|(label, p)| p.map(|p| {
                let mut row = sparse_plan_json(&p);
                if let Some(o) = row.as_object_mut() {
                    o.insert("routing".into(), serde_json::json!(label));
                }
                row
            })).collect::<Vec<_>>(),
        });
        say!("{}", serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say!("eq. 6 fitted to {} runs (sparsities up to {}; RMSE of ln L {:.2e})", fit.runs, top, fit.rmse_ln);
    say!("S = {:.3}: {:.4e} total ({:.4e} active) parameters, {:.4e} tokens, loss {:.4}", best.s, best.n, best.n_active, best.d, best.loss);
    if best.capped {
        if let Some(f) = free {
            say!("held by the memory cap (compute-optimal: S = {:.3}, {:.4e} total, loss {:.4})", f.s, f.n, f.loss);
        }
    }
    if let Some(d) = dense {
        say!("dense (S = 0): {:.4e} parameters, {:.4e} tokens, loss {:.4}", d.n, d.d, d.loss);
    }
    Ok(())
}

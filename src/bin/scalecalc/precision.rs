//! `scalecalc precision`: training and serving in low precision (Kumar et al. 2024, arXiv
//! 2411.04330) — the page's Precision panel, from `core::laws::kumar`: the effective parameter
//! count under the training precisions, the post-training quantization penalty, the data size
//! past which more tokens hurt the quantized model, the compute-optimal precision.

use clap::Args;
use scalecalc::core::laws::kumar::{Precision, CITATION, TABLE_2};

use crate::out::{say, Failure};

/// The command's flags.
#[derive(Args)]
pub struct PrecisionArgs {
    /// Parameters N: "7B".
    #[arg(long)]
    n: String,
    /// Training tokens D: "1T".
    #[arg(long)]
    d: String,
    /// Training bits of the weights (16 or more: full precision).
    #[arg(long, default_value = "16")]
    w: String,
    /// Training bits of the activations.
    #[arg(long, default_value = "16")]
    a: String,
    /// Training bits of the KV cache.
    #[arg(long, default_value = "16")]
    kv: String,
    /// Bits the weights are quantized to after training.
    #[arg(long)]
    post: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn bits(text: &str, flag: &str) -> Result<f64, String> {
    let v = scalecalc::core::units::parse_number(text).map_err(|e| format!("{flag}: {e}"))?;
    if !(1.0..=64.0).contains(&v) {
        return Err(format!("{flag}: \"{text}\" must be between 1 and 64 bits"));
    }
    Ok(v)
}

/// Runs `scalecalc precision`.
pub fn precision_cmd(a: &PrecisionArgs) -> Result<(), Failure> {
    let n = crate::positive(&a.n, "--n")?;
    let d = crate::positive(&a.d, "--d")?;
    let p = Precision { w: bits(&a.w, "--w")?, a: bits(&a.a, "--a")?, kv: bits(&a.kv, "--kv")? };
    let post = a.post.as_deref().map(|t| bits(t, "--post")).transpose()?;
    let t = TABLE_2;
    let share = t.share(&p).map_err(|e| format!("--w/--a/--kv: {e}"))?;
    let n_eff = n * share;
    let ptq = post.map(|b| t.ptq(n_eff, d, b));
    let d_crit = post.map(|b| t.d_crit(n_eff, b));
    if a.json {
        let object = serde_json::json!({
            "citation": CITATION,
            "n": n,
            "d": d,
            "precision": {"w": p.w, "a": p.a, "kv": p.kv, "post": post},
            "factors": {"w": t.factor(0, p.w), "a": t.factor(1, p.a), "kv": t.factor(2, p.kv)},
            "n_eff_share": share,
            "n_eff": n_eff,
            "ptq_penalty": ptq,
            "d_crit": d_crit,
            "loss_paper": t.loss(n_eff, d, post),
            "optimal_precision": t.optimal_precision(),
        });
        say!("{}", serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say!("N_eff = {n_eff:.4e} ({share:.4}·N)");
    if let (Some(b), Some(delta), Some(dc)) = (post, ptq, d_crit) {
        say!("Quantizing the weights to {b} bits after training adds {delta:.4} nats; past D = {dc:.4e} tokens more data raises the quantized loss");
    }
    say!("Compute-optimal tied training precision: {:.2} bits", t.optimal_precision());
    Ok(())
}

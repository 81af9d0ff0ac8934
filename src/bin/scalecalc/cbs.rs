//! `scalecalc cbs`: your critical batch sizes fitted as a power law in D (and N), as Zhang et
//! al. 2024 (arXiv 2410.21676) fit theirs — the Hyperparameter hints panel's "Your critical batch
//! sizes", from `core::laws::cbs`.

use clap::Args;
use scalecalc::core::laws::cbs;

use crate::out::{say, Failure};

/// The command's flags.
#[derive(Args)]
pub struct CbsArgs {
    /// A CSV/TSV file of measured critical batch sizes: columns "D" (tokens) and "batch", optionally "N".
    file: std::path::PathBuf,
    /// Tokens to predict the critical batch size at: "2T" (repeat for several).
    #[arg(long)]
    d: Vec<String>,
    /// Parameters of the model to predict for (used when the table gives N).
    #[arg(long)]
    n: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `scalecalc cbs`.
pub fn cbs_cmd(a: &CbsArgs) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&a.file).map_err(|e| format!("cannot read {}: {e}", a.file.display()))?;
    let fit = cbs::read_points(&text).and_then(|p| cbs::fit(&p)).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let n = match &a.n {
        Some(t) => Some(crate::positive(t, "--n")?),
        None => None,
    };
    if fit.p.is_some() && n.is_none() && !a.d.is_empty() {
        return Err("the table gives N, so the law is in N and D: give --n too".into());
    }
    let mut at = Vec::new();
    for t in &a.d {
        let d = crate::positive(t, "--d")?;
        let (b, (lo, hi)) = fit.at(n.unwrap_or(1.0), d);
        at.push((d, b, lo, hi));
    }
    if a.json {
        let object = serde_json::json!({
            "citation": "Zhang et al. 2024, How Does Critical Batch Size Scale in Pre-training?, arXiv:2410.21676 (form; constants fitted to your measurements)",
            "law": cbs::describe(&fit),
            "a": fit.a,
            "d_exponent": fit.q,
            "d_exponent_se": fit.q_se,
            "n_exponent": fit.p.map(|p| p.0),
            "n_exponent_se": fit.p.map(|p| p.1),
            "sigma_ln": fit.sigma,
            "measurements": fit.points,
            "verdict": cbs::verdict(&fit),
            "at": at.iter().map(|&(d, b, lo, hi)| serde_json::json!({"d": d, "n": n, "batch": b, "ci": [lo, hi]})).collect::<Vec<_>>(),
        });
        say!("{}", serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say!("{} from {} measurements (scatter ×{:.3})", cbs::describe(&fit), fit.points, fit.sigma.exp());
    if let Some(v) = cbs::verdict(&fit) {
        say!("{v}");
    }
    for (d, b, lo, hi) in at {
        say!("At D = {d:e}: {b:.4e} (95 % interval of the law {lo:.4e} – {hi:.4e})");
    }
    Ok(())
}

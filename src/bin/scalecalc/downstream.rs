//! `scalecalc downstream`: a task's accuracy from loss in two steps (Bhagia et al. 2024, arXiv
//! 2412.04403) — the page's Downstream accuracy panel, from `core::laws::bhagia`: step 1 the
//! law's compute-optimal loss at a budget (or a given loss), step 2 a sigmoid fitted to
//! (loss, accuracy) pairs, with a bootstrap interval and Gadre et al.'s exponential map beside it.

use clap::Args;
use scalecalc::core::allocate;
use scalecalc::core::laws::bhagia::{self, Ends};

use crate::out::{say, Failure};

/// The command's flags.
#[derive(Args)]
pub struct DownstreamArgs {
    /// A CSV/TSV file of (loss, accuracy) pairs: columns "loss" and "accuracy" (fractions or percent).
    file: std::path::PathBuf,
    /// The task's chance level (the sigmoid's floor), when known: "0.25" or "25%".
    #[arg(long)]
    chance: Option<String>,
    /// The sigmoid's ceiling, when known.
    #[arg(long)]
    ceiling: Option<String>,
    /// The loss to predict the accuracy at.
    #[arg(long, conflicts_with = "compute", allow_hyphen_values = true)]
    loss: Option<String>,
    /// Instead of a loss: a budget; the accuracy at the law's compute-optimal loss L*.
    #[arg(long, allow_hyphen_values = true)]
    compute: Option<String>,
    /// The law of step 1: hoffmann, epoch, muennighoff or kaplan.
    #[arg(long, default_value = "epoch")]
    law: String,
    /// Bootstrap resamples of the pairs (0 – 1000).
    #[arg(long, default_value = "200")]
    bootstrap: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn end(text: &Option<String>, flag: &str) -> Result<Option<f64>, String> {
    match text {
        None => Ok(None),
        Some(t) => {
            let v = scalecalc::core::units::parse_fraction(t).map_err(|e| format!("{flag}: {e}"))?;
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{flag}: \"{t}\" must lie in [0, 1]"));
            }
            Ok(Some(v))
        }
    }
}

/// The bootstrap size: a whole number up to the page's bound.
fn resamples(text: &str) -> Result<usize, String> {
    crate::whole(text, "--bootstrap", 0, bhagia::MAX_RESAMPLES as u64).map(|v| v as usize)
}

/// Runs `scalecalc downstream`.
pub fn downstream_cmd(a: &DownstreamArgs) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&a.file).map_err(|e| format!("cannot read {}: {e}", a.file.display()))?;
    let pairs = bhagia::read_pairs(&text).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let ends = Ends { floor: end(&a.chance, "--chance")?, ceiling: end(&a.ceiling, "--ceiling")? };
    let boot = resamples(&a.bootstrap)?;
    let fit = bhagia::fit_sigmoid(&pairs, ends).map_err(|e| match e {
        bhagia::AccuracyError::End(..) => format!("--chance/--ceiling: {e}"),
        _ => format!("{}: {e}", a.file.display()),
    })?;
    let (loss, step1) = match (&a.loss, &a.compute) {
        (Some(l), _) => (crate::positive(l, "--loss")?, serde_json::json!({"loss": "given"})),
        (None, Some(c)) => {
            let preset = crate::law_arg(&a.law)?;
            let c = allocate::check_budget(crate::to_flop(c, "--compute", &crate::HardwareArgs::default())?).map_err(|e| format!("--compute: {e}"))?;
            let opt = allocate::optimum(preset.law(), c).map_err(|e| format!("--compute: {e}"))?;
            (opt.loss, serde_json::json!({"law": preset.key(), "compute_flops": c, "n_params": opt.n, "n_tokens": opt.d, "loss": opt.loss}))
        }
        (None, None) => return Err("give --loss or --compute".into()),
    };
    let draws = bhagia::bootstrap_sigmoids(&pairs, ends, &fit, boot, 2024);
    let ci = bhagia::chained_interval(&draws, &[loss]);
    let gadre = bhagia::gadre_comparison(&pairs);
    let s = fit.sigmoid;
    let accuracy = s.accuracy(loss);
    if a.json {
        let object = serde_json::json!({
            "citation": "Bhagia et al. 2024, arXiv:2412.04403 (two steps); Gadre et al. 2024, arXiv:2403.08540 (exponential map)",
            "pairs": pairs.len(),
            "sigmoid": {"floor": s.floor, "ceiling": s.ceiling, "k": s.k, "l0": s.l0, "rmse": fit.rmse, "loo_rmse": fit.loo_rmse},
            "exponential": gadre.map(|(m, rmse, loo)| serde_json::json!({"eps": m.eps, "k": m.k, "gamma": m.gamma, "rmse": rmse, "loo_rmse": loo, "accuracy": 1.0 - m.error(loss)})),
            "step1": step1,
            "loss": loss,
            "accuracy": accuracy,
            "ci": ci.map(|iv| [iv.lo, iv.hi]),
            "resamples": draws.len(),
        });
        say!("{}", serde_json::to_string_pretty(&object).map_err(|e| e.to_string())?);
        return Ok(());
    }
    say!("Sigmoid: acc = {:.4} + ({:.4} − {:.4})/(1 + exp({:.4}·(L − {:.4}))), RMSE {:.4}, leave-one-out {:.4}", s.floor, s.ceiling, s.floor, s.k, s.l0, fit.rmse, fit.loo_rmse);
    if let Some((m, rmse, loo)) = gadre {
        say!("Exponential: error = {:.4} − {:.4}·exp(−{:.4}·L), RMSE {:.4}, leave-one-out {:.4}", m.eps, m.k, m.gamma, rmse, loo);
    }
    match ci {
        Some(iv) => say!("Accuracy at L = {loss:.4}: {:.4} (95 %: {:.4} – {:.4}, {} resamples of the pairs)", accuracy, iv.lo, iv.hi, draws.len()),
        None => say!("Accuracy at L = {loss:.4}: {accuracy:.4}"),
    }
    Ok(())
}

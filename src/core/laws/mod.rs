//! Loss laws L(N, D): one small trait, one file per functional form.

mod chinchilla;
mod kaplan;
pub mod farseer;
pub mod gadre;
pub mod hyper;
pub mod multipower;
pub mod muennighoff;
pub mod pearce_song;
pub mod sardana;
pub mod tissue;

pub use chinchilla::ChinchillaLaw;
pub use kaplan::KaplanLaw;

/// Options for `scalecalc fit --law tissue|multipower|muennighoff` (laws fitted to tables other
/// than one row per (N, D) run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LawFitArgs {
    /// Column names given on the command line, by option (`step`, `loss`, `lr`, `curve`, `n`,
    /// `d`, `u`, …); absent ones are guessed from the headers.
    pub columns: std::collections::BTreeMap<String, String>,
    /// λ of the annealing momentum (Tissue), when given.
    pub lambda: Option<f64>,
    /// Warmup steps, when given.
    pub warmup: Option<usize>,
    /// Huber δ.
    pub delta: f64,
    /// Bootstrap resamples (0: none).
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// Fit the good rows even if some are bad.
    pub skip_bad_rows: bool,
}

/// Fits a pasted table with a law that has its own table shape; returns the CLI's JSON.
pub type LawFitter = fn(&str, &LawFitArgs) -> Result<serde_json::Value, String>;

/// The fitter for a law key that has its own table shape, if any.
pub fn law_fitter(key: &str) -> Option<LawFitter> {
    match key {
        "tissue" => Some(tissue::fit_cli),
        "multipower" => Some(multipower::fit_cli),
        "muennighoff" => Some(muennighoff::fit_cli),
        _ => None,
    }
}

/// Which parameter count a law's N means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamConvention {
    /// All parameters, embeddings included (Hoffmann et al. / Chinchilla convention).
    Total,
    /// Non-embedding parameters only (Kaplan et al. convention).
    NonEmbedding,
}

impl ParamConvention {
    /// A short label for UI and CLI output.
    pub fn label(self) -> &'static str {
        match self {
            ParamConvention::Total => "total parameters (embeddings included)",
            ParamConvention::NonEmbedding => "non-embedding parameters",
        }
    }
}

/// A law that predicts final loss from model size N and training tokens D.
pub trait LossLaw {
    /// Predicted loss (nats/token) for N parameters trained on D tokens.
    fn loss(&self, n: f64, d: f64) -> f64;

    /// The loss no finite model or data reaches: the infimum of L over N, D.
    fn irreducible_loss(&self) -> f64;

    /// The loss with unlimited data, L(N, ∞).
    fn loss_infinite_data(&self, n: f64) -> f64;

    /// Compute-optimal (N, D) along C = 6ND, when the law has a closed form.
    fn closed_form_optimum(&self, _compute: f64) -> Option<(f64, f64)> {
        None
    }

    /// Tokens D at which a model of N parameters reaches `target` loss, if it ever does.
    /// The default solves L(N, D) = target by bisection in log D (L falls as D grows).
    fn tokens_for_loss(&self, n: f64, target: f64) -> Option<f64> {
        if !(self.loss_infinite_data(n) < target) {
            return None;
        }
        let (lo, hi) = (0.0f64, 120.0f64); // ln D from 1 to ~1.3e52
        if self.loss(n, hi.exp()) > target {
            return None;
        }
        if self.loss(n, lo.exp()) <= target {
            return Some(1.0);
        }
        Some(crate::core::allocate::bisect(lo, hi, |ln_d| self.loss(n, ln_d.exp()) <= target).exp())
    }

    /// The exponents (a, b) of N* ∝ C^a and D* ∝ C^b, when they are constant.
    fn allocation_exponents(&self) -> Option<(f64, f64)> {
        None
    }
}

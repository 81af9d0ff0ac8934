//! What a law of final loss over model size and data is to the rest of the core: L(N, D), its
//! floor, and (when it has them) closed forms the allocators use. Every law of N and D
//! implements [`LossLaw`]; the allocators in [`crate::core::allocate`] work on any of them.

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
        Some(crate::core::solve::bisect(lo, hi, |ln_d| self.loss(n, ln_d.exp()) <= target).exp())
    }

    /// The exponents (a, b) of N* ∝ C^a and D* ∝ C^b, when they are constant.
    fn allocation_exponents(&self) -> Option<(f64, f64)> {
        None
    }
}

//! Kaplan et al. (2020) L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, N non-embedding.

use super::LossLaw;

/// Kaplan et al. 2020, eq. (1.5); N counts non-embedding parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KaplanLaw {
    /// N_c, non-embedding parameters.
    pub n_c: f64,
    /// D_c, tokens.
    pub d_c: f64,
    /// α_N.
    pub alpha_n: f64,
    /// α_D.
    pub alpha_d: f64,
}

impl KaplanLaw {
    /// The bracket X = (N_c/N)^(α_N/α_D) + D_c/D, so that L = X^α_D.
    fn bracket(&self, n: f64, d: f64) -> f64 {
        (self.n_c / n).powf(self.alpha_n / self.alpha_d) + self.d_c / d
    }
}

impl LossLaw for KaplanLaw {
    fn loss(&self, n: f64, d: f64) -> f64 {
        self.bracket(n, d).powf(self.alpha_d)
    }

    fn irreducible_loss(&self) -> f64 {
        0.0
    }

    fn loss_infinite_data(&self, n: f64) -> f64 {
        (self.n_c / n).powf(self.alpha_n)
    }

    /// L is monotone in the bracket, which is a Chinchilla form with E = 0, A = N_c^p,
    /// α = p = α_N/α_D, B = D_c, β = 1; so N_opt = G·(C/6)^(1/(1+p)), G = (p·A/B)^(1/(1+p)).
    fn closed_form_optimum(&self, compute: f64) -> Option<(f64, f64)> {
        let p = self.alpha_n / self.alpha_d;
        let a = self.n_c.powf(p);
        let g = (p * a / self.d_c).powf(1.0 / (1.0 + p));
        let half = compute / 6.0;
        let n = g * half.powf(1.0 / (1.0 + p));
        Some((n, half / n))
    }

    fn tokens_for_loss(&self, n: f64, target: f64) -> Option<f64> {
        let room = target.powf(1.0 / self.alpha_d) - (self.n_c / n).powf(self.alpha_n / self.alpha_d);
        if !(room > 0.0) {
            return None;
        }
        let d = self.d_c / room;
        d.is_finite().then_some(d)
    }

    fn allocation_exponents(&self) -> Option<(f64, f64)> {
        let p = self.alpha_n / self.alpha_d;
        Some((1.0 / (1.0 + p), p / (1.0 + p)))
    }
}

//! The Chinchilla form L = E + A/N^α + B/D^β (Hoffmann et al. 2022; Rosenfeld et al. 2020).

use super::LossLaw;

/// L(N, D) = E + A/N^α + B/D^β.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChinchillaLaw {
    /// Irreducible loss.
    pub e: f64,
    /// Model-size coefficient.
    pub a: f64,
    /// Data coefficient.
    pub b: f64,
    /// Model-size exponent.
    pub alpha: f64,
    /// Data exponent.
    pub beta: f64,
}

impl ChinchillaLaw {
    /// G = (αA / βB)^(1/(α+β)), the scale of the compute-optimal frontier.
    pub fn frontier_scale(&self) -> f64 {
        ((self.alpha * self.a) / (self.beta * self.b)).powf(1.0 / (self.alpha + self.beta))
    }
}

impl LossLaw for ChinchillaLaw {
    fn loss(&self, n: f64, d: f64) -> f64 {
        self.e + self.a * n.powf(-self.alpha) + self.b * d.powf(-self.beta)
    }

    fn irreducible_loss(&self) -> f64 {
        self.e
    }

    fn loss_infinite_data(&self, n: f64) -> f64 {
        self.e + self.a * n.powf(-self.alpha)
    }

    /// N_opt = G·(C/6)^(β/(α+β)), D_opt = G⁻¹·(C/6)^(α/(α+β)) (Hoffmann et al. 2022, eq. 4).
    fn closed_form_optimum(&self, compute: f64) -> Option<(f64, f64)> {
        let g = self.frontier_scale();
        let s = self.alpha + self.beta;
        let half = compute / 6.0;
        Some((g * half.powf(self.beta / s), half.powf(self.alpha / s) / g))
    }

    fn tokens_for_loss(&self, n: f64, target: f64) -> Option<f64> {
        let room = target - self.loss_infinite_data(n);
        if !(room > 0.0) {
            return None;
        }
        let d = (self.b / room).powf(1.0 / self.beta);
        d.is_finite().then_some(d)
    }

    fn allocation_exponents(&self) -> Option<(f64, f64)> {
        let s = self.alpha + self.beta;
        Some((self.beta / s, self.alpha / s))
    }
}

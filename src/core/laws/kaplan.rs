//! Kaplan et al. (2020) L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, N non-embedding: the law,
//! its closed-form allocation, and its fit.

use std::sync::Arc;

use super::{LossLaw, RunLaw};
use crate::core::fit::fastmath;
use crate::core::fit::grid::{range, Grid};
use crate::core::fit::points::Point;

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

/// The joint L(N, D) fit of Kaplan et al. 2020, §4.2, Table 2 ("Fits to L(N, D)"):
/// α_N 0.076, α_D 0.103, N_c 6.4 × 10¹³, D_c 1.8 × 10¹³ — not the single-variable L(N) and L(D)
/// fits of eqs. 1.1–1.2 (N_c 8.8e13, α_N 0.076; D_c 5.4e13, α_D 0.095), which belong to
/// different laws.
pub const TABLE_2: KaplanLaw = KaplanLaw { n_c: 6.4e13, d_c: 1.8e13, alpha_n: 0.076, alpha_d: 0.103 };

impl KaplanLaw {
    /// The overfitting penalty δL(N, D) = L(N, D)/L(N, ∞) − 1 of Kaplan et al. eq. 4.2, in the
    /// closed form of eq. 4.3: (1 + (N/N_c)^(α_N/α_D)·D_c/D)^α_D − 1.
    pub fn overfitting_penalty(&self, n: f64, d: f64) -> f64 {
        (1.0 + (n / self.n_c).powf(self.alpha_n / self.alpha_d) * self.d_c / d).powf(self.alpha_d) - 1.0
    }

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

/// Kaplan's L(N, D) as a fittable law: θ = (ln N_c, ln D_c, α_N, α_D).
pub struct Kaplan;

/// The registered instance.
pub const KAPLAN: Kaplan = Kaplan;

impl RunLaw for Kaplan {
    fn key(&self) -> &'static str {
        "kaplan"
    }
    fn name(&self) -> &'static str {
        "Kaplan L(N, D)"
    }
    fn formula(&self) -> &'static str {
        "L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D"
    }
    fn numpy(&self) -> &'static str {
        "return ((p[\"N_c\"] / N) ** (p[\"alpha_N\"] / p[\"alpha_D\"]) + p[\"D_c\"] / D) ** p[\"alpha_D\"]"
    }
    fn citation(&self) -> &'static str {
        "Kaplan et al. 2020, arXiv:2001.08361, eq. 1.5"
    }
    fn form_name(&self) -> &'static str {
        "Kaplan"
    }
    fn theta_names(&self) -> &'static [&'static str] {
        &["nc", "dc", "alpha_n", "alpha_d"]
    }
    fn param_names(&self) -> &'static [&'static str] {
        &["N_c", "D_c", "alpha_N", "alpha_D"]
    }
    fn params(&self, theta: &[f64]) -> Vec<f64> {
        let t = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN);
        vec![t(0).exp(), t(1).exp(), t(2), t(3)]
    }
    fn theta(&self, params: &[f64]) -> Vec<f64> {
        let p = |i: usize| params.get(i).copied().unwrap_or(f64::NAN);
        vec![p(0).ln(), p(1).ln(), p(2), p(3)]
    }
    /// ln N_c and ln D_c around Kaplan's 6.4e13 and 1.8e13 (ln ≈ 31, 30) and far from them.
    fn default_grid(&self) -> Grid {
        Grid { axes: vec![range(15.0, 40.0, 5.0), range(15.0, 40.0, 5.0), vec![0.03, 0.076, 0.15, 0.3], vec![0.05, 0.1, 0.2, 0.4]] }
    }
    fn predict_ln(&self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64 {
        let (&[nc, dc, alpha_n, alpha_d], [gnc, gdc, gan, gad]) = (theta, grad) else {
            return f64::NAN;
        };
        // ln L = α_D · ln(u + v), u = exp(r·(ln N_c − ln N)), r = α_N/α_D, v = exp(ln D_c − ln D).
        let r = alpha_n / alpha_d;
        let (su, sv) = (r * (nc - x.ln_n), dc - x.ln_d);
        let (m, u, v) = fastmath::platform_exp_pair(su, sv);
        let ln_s = m + fastmath::platform_ln(u + v);
        let (wu, wv) = (u / (u + v), v / (u + v));
        let dlog_nc = nc - x.ln_n;
        *gnc = alpha_d * wu * r;
        *gdc = alpha_d * wv;
        *gan = wu * dlog_nc;
        *gad = ln_s - wu * r * dlog_nc;
        alpha_d * ln_s
    }
    fn law(&self, params: &[f64]) -> Option<Arc<dyn LossLaw + Send + Sync>> {
        match *params {
            [n_c, d_c, alpha_n, alpha_d] => Some(Arc::new(KaplanLaw { n_c, d_c, alpha_n, alpha_d })),
            _ => None,
        }
    }
    fn formula_with(&self, params: &[f64]) -> String {
        let &[n_c, d_c, alpha_n, alpha_d] = params else { return String::new() };
        use crate::core::units::format_sig;
        format!(
            "L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, N_c = {:.3e}, D_c = {:.3e}, α_N = {}, α_D = {}",
            n_c,
            d_c,
            format_sig(alpha_n, 4),
            format_sig(alpha_d, 4)
        )
    }
    fn compared(&self) -> bool {
        true
    }
    fn separable(&self) -> bool {
        true
    }
    fn sample_theta(&self) -> Vec<f64> {
        vec![31.0, 30.0, 0.076, 0.1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prediction_matches_the_law() {
        let law = KaplanLaw { n_c: 6.4e13, d_c: 1.8e13, alpha_n: 0.076, alpha_d: 0.103 };
        let theta = KAPLAN.theta(&[law.n_c, law.d_c, law.alpha_n, law.alpha_d]);
        let (n, d) = (1e9f64, 2e10f64);
        let x = Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: 0.0, ln_loss: 0.0 };
        let mut g = [0.0; 4];
        let p = KAPLAN.predict_ln(&theta, &x, &mut g);
        assert!((p.exp() - law.loss(n, d)).abs() < 1e-12);
    }
}

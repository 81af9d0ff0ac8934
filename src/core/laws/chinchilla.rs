//! The Chinchilla form L = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2; Rosenfeld et al.
//! 2020): the law, its closed-form compute-optimal allocation, and its fit, whose objective is
//! the vectorised kernel (in the `scalecalc-kernel` crate) that makes a 4 500-start fit take a
//! second.

use std::sync::Arc;

use super::{LossLaw, RunLaw};
use crate::core::fit::grid::{range, Grid};
use crate::core::fit::points::{Dataset, Point, Variable};
use crate::core::fit::profile::{Axis, Projection, Term, EXPONENT_MAX};

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

/// The Chinchilla form as a fittable law: θ = (ln A, ln B, ln E, α, β).
pub struct Chinchilla;

/// The registered instance.
pub const CHINCHILLA: Chinchilla = Chinchilla;

impl RunLaw for Chinchilla {
    fn key(&self) -> &'static str {
        "chinchilla"
    }
    fn name(&self) -> &'static str {
        "Chinchilla"
    }
    fn formula(&self) -> &'static str {
        "L = E + A/N^α + B/D^β"
    }
    fn numpy(&self) -> &'static str {
        "return p[\"E\"] + p[\"A\"] / N ** p[\"alpha\"] + p[\"B\"] / D ** p[\"beta\"]"
    }
    fn citation(&self) -> &'static str {
        "Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 (Approach 3)"
    }
    fn theta_names(&self) -> &'static [&'static str] {
        &["a", "b", "e", "alpha", "beta"]
    }
    fn param_names(&self) -> &'static [&'static str] {
        &["E", "A", "B", "alpha", "beta"]
    }
    fn params(&self, theta: &[f64]) -> Vec<f64> {
        let t = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN);
        vec![t(2).exp(), t(0).exp(), t(1).exp(), t(3), t(4)]
    }
    fn theta(&self, params: &[f64]) -> Vec<f64> {
        let p = |i: usize| params.get(i).copied().unwrap_or(f64::NAN);
        vec![p(1).ln(), p(2).ln(), p(0).ln(), p(3), p(4)]
    }
    /// The 4 500-point grid of Hoffmann et al. as made precise by Besiroglu et al. (2024, §2):
    /// a, b ∈ {0, 5, …, 25}, e ∈ {−1, −0.5, …, 1}, α, β ∈ {0, 0.5, …, 2}.
    fn default_grid(&self) -> Grid {
        Grid {
            axes: vec![range(0.0, 25.0, 5.0), range(0.0, 25.0, 5.0), range(-1.0, 1.0, 0.5), range(0.0, 2.0, 0.5), range(0.0, 2.0, 0.5)],
        }
    }
    fn predict_ln(&self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64 {
        let (&[a, b, e, alpha, beta], [ga, gb, ge, galpha, gbeta]) = (theta, grad) else {
            return f64::NAN;
        };
        let (p, w) = super::log_sum_exp3(a - alpha * x.ln_n, b - beta * x.ln_d, e);
        *ga = w[0];
        *gb = w[1];
        *ge = w[2];
        *galpha = -w[0] * x.ln_n;
        *gbeta = -w[1] * x.ln_d;
        p
    }
    fn objective(&self, theta: &[f64], data: &Dataset, delta: f64, weights: &[f64], grad: &mut [f64]) -> f64 {
        match theta {
            &[a, b, e, alpha, beta] => objective([a, b, e, alpha, beta], data, weights, delta, grad),
            _ => f64::NAN,
        }
    }
    /// E·1 + A·N^−α + B·D^−β: linear in (E, A, B) once α and β are fixed.
    fn projection(&self) -> Option<Projection> {
        Some(Projection {
            axes: vec![Axis { theta: 3, name: "alpha", lo: 0.0, hi: EXPONENT_MAX }, Axis { theta: 4, name: "beta", lo: 0.0, hi: EXPONENT_MAX }],
            terms: vec![
                Term::Power { theta: 0, axis: 0, variable: Variable::N },
                Term::Power { theta: 1, axis: 1, variable: Variable::D },
                Term::One { theta: 2 },
            ],
            dim: 5,
        })
    }
    fn law(&self, params: &[f64]) -> Option<Arc<dyn LossLaw + Send + Sync>> {
        let law = self.chinchilla(params)?;
        Some(Arc::new(law))
    }
    fn chinchilla(&self, params: &[f64]) -> Option<ChinchillaLaw> {
        match *params {
            [e, a, b, alpha, beta] => Some(ChinchillaLaw { e, a, b, alpha, beta }),
            _ => None,
        }
    }
    fn formula_with(&self, params: &[f64]) -> String {
        let Some(l) = self.chinchilla(params) else { return String::new() };
        use crate::core::units::format_sig;
        format!("L = {} + {}/N^{} + {}/D^{}", format_sig(l.e, 5), format_sig(l.a, 5), format_sig(l.alpha, 4), format_sig(l.b, 5), format_sig(l.beta, 4))
    }
    fn compared(&self) -> bool {
        true
    }
    fn separable(&self) -> bool {
        true
    }
    fn sample_theta(&self) -> Vec<f64> {
        vec![6.0, 7.5, 0.6, 0.33, 0.36]
    }
}

/// The Chinchilla objective, Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) with its gradient: the vectorised
/// kernel of the `scalecalc-kernel` crate (`src/kernel/chinchilla.rs`), which the wasm build
/// compiles at opt-level 3 while the rest is built for size.
fn objective(theta: [f64; 5], data: &Dataset, weights: &[f64], delta: f64, grad: &mut [f64]) -> f64 {
    scalecalc_kernel::chinchilla::objective(theta, &data.ln_n, &data.ln_d, &data.ln_loss, data.ln_n_range, data.ln_d_range, weights, delta, grad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fit::model::{huber, Model};
    use crate::core::laws::RunsModel;

    fn points() -> Vec<Point> {
        super::super::tests::points()
    }

    #[test]
    fn prediction_matches_the_law() {
        let law = ChinchillaLaw { e: 1.82, a: 482.01, b: 2085.43, alpha: 0.3478, beta: 0.3658 };
        let theta = CHINCHILLA.theta(&[law.e, law.a, law.b, law.alpha, law.beta]);
        let (n, d) = (7e10f64, 1.4e12f64);
        let x = Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: 0.0, ln_loss: 0.0 };
        let mut g = [0.0; 5];
        let p = CHINCHILLA.predict_ln(&theta, &x, &mut g);
        assert!((p.exp() - law.loss(n, d)).abs() < 1e-12);
    }

    /// The kernel against the plain sum of Huber terms, for every length (the last runs that do
    /// not fill a group of four go through the padded tail) and with bootstrap weights.
    #[test]
    fn fast_path_equals_the_plain_sum() {
        let all = points();
        let theta = [6.7, 7.5, 0.53, 0.33, 0.367];
        for len in [1, 3, 4, 5, 39, 40] {
            let pts = &all[..len];
            let model = RunsModel::new(&CHINCHILLA, pts);
            let weights: Vec<f64> = (0..len).map(|i| (i % 3) as f64).collect();
            for w in [None, Some(weights.as_slice())] {
                let mut fast = [0.0; 5];
                let f_fast = model.objective(&theta, 1e-3, w, &mut fast);
                let (mut f_slow, mut slow, mut local) = (0.0, [0.0; 5], [0.0; 5]);
                for (i, x) in pts.iter().enumerate() {
                    let wi = w.map_or(1.0, |w| w[i]);
                    let r = CHINCHILLA.predict_ln(&theta, x, &mut local) - x.ln_loss;
                    f_slow += wi * huber(r, 1e-3);
                    for (s, l) in slow.iter_mut().zip(local) {
                        *s += wi * r.clamp(-1e-3, 1e-3) * l;
                    }
                }
                assert!((f_fast - f_slow).abs() < 1e-12 * f_slow.max(1.0), "{len}");
                for (a, b) in fast.iter().zip(slow) {
                    assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()), "{len}");
                }
            }
        }
    }

    #[test]
    fn extreme_parameters_give_finite_objectives() {
        let model = RunsModel::new(&CHINCHILLA, &points());
        let mut g = [0.0; 5];
        for theta in [[800.0, 0.0, 0.0, 0.0, 0.0], [-800.0, -800.0, -800.0, 2.0, 2.0], [25.0, 25.0, 1.0, -40.0, 0.0]] {
            let f = model.objective(&theta, 1e-3, None, &mut g);
            assert!(f.is_finite() && g.iter().all(|v| v.is_finite()), "{theta:?} → {f} {g:?}");
        }
    }
}

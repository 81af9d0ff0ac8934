//! Farseer (Li et al. 2025, "Predictable Scale: Part II, Farseer – A Refined Scaling Law in Large
//! Language Models", arXiv 2506.10972): L(N, D) = exp(a₃·N^γ + b₃) + exp(a₂·N^β + b₂)·D^(−exp(a₁·N^α + b₁)).
//!
//! The paper writes the loss surface as E + U(N) + V(D) + H(N, D) and models the data-dependent
//! part V + H as B(N)·D^(−A(N)), a power law in D whose coefficient B(N) = exp(a₂·N^β + b₂) and
//! exponent A(N) = exp(a₁·N^α + b₁) are stretched exponentials of N; the N-only part
//! E + U(N) is exp(a₃·N^γ + b₃). Nine parameters.
//!
//! Units: this implementation measures N and D in billions (n = N/10⁹, d = D/10⁹). Raw N^γ with
//! N ~ 10⁹ overflows exp() for any |a₃| that is not tiny, and the optimiser then sees no gradient;
//! in billions n^γ stays near 1 over the usual range. Rescaling N only rescales a₁, a₂, a₃
//! (a·N^γ = (a·s^γ)·n^γ); rescaling D changes b₂ by A(N)·ln s, i.e. the fitted surface is the
//! same family but the printed b₂ (and a₁, b₁ through A) are in these units. Fitted values are
//! therefore not comparable digit-for-digit with a fit in raw units.

use super::LossLaw;

/// The unit of N and D inside the law: 10⁹ (parameters, tokens).
pub const SCALE: f64 = 1e9;

/// ln [`SCALE`].
pub fn ln_scale() -> f64 {
    SCALE.ln()
}

/// Number of parameters θ = (a₁, b₁, α, a₂, b₂, β, a₃, b₃, γ).
pub const DIM: usize = 9;

/// Parameter names, in θ order.
pub const NAMES: [&str; DIM] = ["a1", "b1", "alpha", "a2", "b2", "beta", "a3", "b3", "gamma"];

/// Exponents are clamped to ±this before exp() so that no evaluation is inf or NaN; a fit that
/// reaches the clamp is far outside any meaningful region anyway.
const CLAMP: f64 = 700.0;

/// The Farseer law with N and D in billions (see the module notes).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FarseerLaw {
    /// θ = (a₁, b₁, α, a₂, b₂, β, a₃, b₃, γ).
    pub theta: [f64; DIM],
}

/// e^(a·n^p + b) pieces at one ln n: returns (u = a·n^p + b clamped, n^p).
fn stretched(a: f64, b: f64, p: f64, ln_n: f64) -> (f64, f64) {
    let np = (p * ln_n).clamp(-CLAMP, CLAMP).exp();
    ((a * np + b).clamp(-CLAMP, CLAMP), np)
}

/// ln L at (ln N, ln D) in raw units, with ∂ln L/∂θ.
pub fn ln_loss_and_grad(theta: &[f64; DIM], ln_n_raw: f64, ln_d_raw: f64) -> (f64, [f64; DIM]) {
    let [a1, b1, alpha, a2, b2, beta, a3, b3, gamma] = *theta;
    let ln_n = ln_n_raw - ln_scale();
    let ln_d = ln_d_raw - ln_scale();
    let (u1, n_alpha) = stretched(a1, b1, alpha, ln_n);
    let (u2, n_beta) = stretched(a2, b2, beta, ln_n);
    let (u3, n_gamma) = stretched(a3, b3, gamma, ln_n);
    let exponent = u1.exp(); // A(N) = exp(u₁)
    let t2 = u2 - exponent * ln_d; // ln of B(N)·d^(−A(N))
    let t3 = u3; // ln of the N-only term
    let m = t2.max(t3);
    let (e2, e3) = ((t2 - m).exp(), (t3 - m).exp());
    let s = e2 + e3;
    let (w2, w3) = (e2 / s, e3 / s);
    let d_a = -w2 * ln_d * exponent; // ∂ln L/∂u₁
    let grad = [
        d_a * n_alpha,
        d_a,
        d_a * a1 * n_alpha * ln_n,
        w2 * n_beta,
        w2,
        w2 * a2 * n_beta * ln_n,
        w3 * n_gamma,
        w3,
        w3 * a3 * n_gamma * ln_n,
    ];
    (m + s.ln(), grad)
}

impl FarseerLaw {
    /// The data exponent A(N) = exp(a₁·n^α + b₁) at N parameters.
    pub fn data_exponent(&self, n: f64) -> f64 {
        let [a1, b1, alpha, ..] = self.theta;
        stretched(a1, b1, alpha, (n / SCALE).ln()).0.exp()
    }
}

impl LossLaw for FarseerLaw {
    fn loss(&self, n: f64, d: f64) -> f64 {
        ln_loss_and_grad(&self.theta, n.ln(), d.ln()).0.exp()
    }

    /// The infimum over N of exp(a₃·n^γ + b₃) (the data term vanishes as D → ∞): exp(b₃) when
    /// n^γ → 0 at one end, 0 when a₃·n^γ → −∞, exp(a₃ + b₃) when γ = 0.
    fn irreducible_loss(&self) -> f64 {
        let [.., a3, b3, gamma] = self.theta;
        if gamma == 0.0 {
            (a3 + b3).exp()
        } else if a3 < 0.0 {
            0.0
        } else {
            b3.exp()
        }
    }

    fn loss_infinite_data(&self, n: f64) -> f64 {
        let [.., a3, b3, gamma] = self.theta;
        stretched(a3, b3, gamma, (n / SCALE).ln()).0.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn law() -> FarseerLaw {
        FarseerLaw { theta: [0.3, -1.2, -0.2, 0.4, 0.2, -0.3, 0.3, 0.5, -0.25] }
    }

    #[test]
    fn evaluates_the_published_form_directly() {
        let l = law();
        let [a1, b1, alpha, a2, b2, beta, a3, b3, gamma] = l.theta;
        for (n, d) in [(1e8f64, 2e9f64), (7e10, 1.4e12), (1e9, 1e9), (3e11, 5e12)] {
            let (x, y) = (n / 1e9, d / 1e9);
            let want = (a3 * x.powf(gamma) + b3).exp() + (a2 * x.powf(beta) + b2).exp() * y.powf(-(a1 * x.powf(alpha) + b1).exp());
            assert!((l.loss(n, d) - want).abs() < 1e-12 * want, "{n} {d}");
        }
    }

    #[test]
    fn gradient_matches_central_differences() {
        for k in 0..20 {
            let mut theta = law().theta;
            for (i, t) in theta.iter_mut().enumerate() {
                *t += 0.07 * ((k * 7 + i * 3) % 11) as f64 - 0.3;
            }
            let (ln_n, ln_d) = ((1e7f64 * 3f64.powi(k as i32)).ln(), (5e8f64 * 2.2f64.powi(k as i32)).ln());
            let (_, g) = ln_loss_and_grad(&theta, ln_n, ln_d);
            for i in 0..DIM {
                let h = 1e-6 * (1.0 + theta[i].abs());
                let (mut up, mut dn) = (theta, theta);
                up[i] += h;
                dn[i] -= h;
                let fd = (ln_loss_and_grad(&up, ln_n, ln_d).0 - ln_loss_and_grad(&dn, ln_n, ln_d).0) / (2.0 * h);
                assert!((fd - g[i]).abs() < 1e-6 * (1.0 + g[i].abs()), "θ{i} k{k}: {fd} vs {}", g[i]);
            }
        }
    }

    #[test]
    fn limits_are_the_n_only_term_and_its_infimum() {
        let l = law();
        let n = 5e9;
        assert!((l.loss(n, 1e40) - l.loss_infinite_data(n)).abs() < 1e-6);
        assert!((l.loss_infinite_data(1e30) - l.irreducible_loss()).abs() < 1e-3);
        assert!(l.loss(1e9, 1e10) > l.loss(1e9, 1e11));
        assert!(l.data_exponent(1e9) > 0.0);
    }

    #[test]
    fn extreme_parameters_stay_finite() {
        let theta = [900.0, 900.0, 50.0, -900.0, 900.0, 50.0, 900.0, -900.0, -50.0];
        let (v, g) = ln_loss_and_grad(&theta, 1e12f64.ln(), 1e13f64.ln());
        assert!(v.is_finite() && g.iter().all(|x| x.is_finite()), "{v} {g:?}");
    }
}

//! The Chinchilla form without its irreducible term, L = A/N^α + B/D^β: Hoffmann et al.'s
//! eq. 2 with E = 0, for runs that do not pin E down. A form to fit (it has no published
//! constants); since it is the Chinchilla form with E = 0, it drives the Budget panel with
//! the same closed-form allocation.

use std::sync::Arc;

use super::{ChinchillaLaw, LossLaw, RunLaw};
use crate::core::fit::grid::{range, Grid};
use crate::core::fit::points::{Point, Variable};
use crate::core::fit::profile::{Axis, Projection, Term, EXPONENT_MAX};

/// L = A/N^α + B/D^β as a fittable law: θ = (ln A, ln B, α, β).
pub struct ChinchillaNoE;

/// The registered instance.
pub const CHINCHILLA_NO_E: ChinchillaNoE = ChinchillaNoE;

impl RunLaw for ChinchillaNoE {
    fn key(&self) -> &'static str {
        "chinchilla-no-e"
    }
    fn name(&self) -> &'static str {
        "Chinchilla without E"
    }
    fn formula(&self) -> &'static str {
        "L = A/N^α + B/D^β"
    }
    fn numpy(&self) -> &'static str {
        "return p[\"A\"] / N ** p[\"alpha\"] + p[\"B\"] / D ** p[\"beta\"]"
    }
    fn citation(&self) -> &'static str {
        "Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 with E = 0"
    }
    fn theta_names(&self) -> &'static [&'static str] {
        &["a", "b", "alpha", "beta"]
    }
    fn param_names(&self) -> &'static [&'static str] {
        &["A", "B", "alpha", "beta"]
    }
    fn params(&self, theta: &[f64]) -> Vec<f64> {
        let t = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN);
        vec![t(0).exp(), t(1).exp(), t(2), t(3)]
    }
    fn theta(&self, params: &[f64]) -> Vec<f64> {
        let p = |i: usize| params.get(i).copied().unwrap_or(f64::NAN);
        vec![p(0).ln(), p(1).ln(), p(2), p(3)]
    }
    /// The Chinchilla grid without its e axis: a, b ∈ {0, 5, …, 25}, α, β ∈ {0, 0.5, …, 2}.
    fn default_grid(&self) -> Grid {
        Grid { axes: vec![range(0.0, 25.0, 5.0), range(0.0, 25.0, 5.0), range(0.0, 2.0, 0.5), range(0.0, 2.0, 0.5)] }
    }
    fn predict_ln(&self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64 {
        let (&[a, b, alpha, beta], [ga, gb, galpha, gbeta]) = (theta, grad) else {
            return f64::NAN;
        };
        let (p, w) = super::log_sum_exp3(a - alpha * x.ln_n, b - beta * x.ln_d, f64::NEG_INFINITY);
        *ga = w[0];
        *gb = w[1];
        *galpha = -w[0] * x.ln_n;
        *gbeta = -w[1] * x.ln_d;
        p
    }
    /// A·N^−α + B·D^−β: linear in (A, B) once α and β are fixed.
    fn projection(&self) -> Option<Projection> {
        Some(Projection {
            axes: vec![Axis { theta: 2, name: "alpha", lo: 0.0, hi: EXPONENT_MAX }, Axis { theta: 3, name: "beta", lo: 0.0, hi: EXPONENT_MAX }],
            terms: vec![Term::Power { theta: 0, axis: 0, variable: Variable::N }, Term::Power { theta: 1, axis: 1, variable: Variable::D }],
            dim: 4,
        })
    }
    fn law(&self, params: &[f64]) -> Option<Arc<dyn LossLaw + Send + Sync>> {
        Some(Arc::new(self.chinchilla(params)?))
    }
    fn chinchilla(&self, params: &[f64]) -> Option<ChinchillaLaw> {
        match *params {
            [a, b, alpha, beta] => Some(ChinchillaLaw { e: 0.0, a, b, alpha, beta }),
            _ => None,
        }
    }
    fn formula_with(&self, params: &[f64]) -> String {
        let &[a, b, alpha, beta] = params else { return String::new() };
        use crate::core::units::format_sig;
        format!("L = {}/N^{} + {}/D^{}", format_sig(a, 5), format_sig(alpha, 4), format_sig(b, 5), format_sig(beta, 4))
    }
    fn separable(&self) -> bool {
        true
    }
    fn sample_theta(&self) -> Vec<f64> {
        vec![6.0, 7.5, 0.33, 0.36]
    }
}

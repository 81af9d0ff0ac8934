//! Single-variable power laws in N, D or C, with or without an irreducible term:
//! L = E + A/X^α or L = A/X^α (Kaplan et al. 2020, eqs. 1.1–1.3 for the pure power laws). They
//! describe runs along one axis, so they are fitted and compared but cannot drive the Budget
//! panel.

use super::RunLaw;
use crate::core::fit::grid::{range, Grid};
use crate::core::fit::points::{Point, Variable};
use crate::core::fit::profile::{Axis, Projection, Term, EXPONENT_MAX};

/// L = E + A/X^α (`irreducible`) or L = A/X^α; θ = (ln A, α[, ln E]).
pub struct PowerLaw {
    key: &'static str,
    name: &'static str,
    form_name: &'static str,
    formula: &'static str,
    variable: Variable,
    irreducible: bool,
}

/// L = E + A/N^α.
pub const N_E: PowerLaw = PowerLaw { key: "power-n+e", name: "Power law in N + E", form_name: "Power law in N", formula: "L = E + A/N^α", variable: Variable::N, irreducible: true };
/// L = A/N^α.
pub const N: PowerLaw = PowerLaw { key: "power-n", name: "Power law in N", form_name: "Power law in N", formula: "L = A/N^α", variable: Variable::N, irreducible: false };
/// L = E + A/D^α.
pub const D_E: PowerLaw = PowerLaw { key: "power-d+e", name: "Power law in D + E", form_name: "Power law in D", formula: "L = E + A/D^α", variable: Variable::D, irreducible: true };
/// L = A/D^α.
pub const D: PowerLaw = PowerLaw { key: "power-d", name: "Power law in D", form_name: "Power law in D", formula: "L = A/D^α", variable: Variable::D, irreducible: false };
/// L = E + A/C^α.
pub const C_E: PowerLaw = PowerLaw { key: "power-c+e", name: "Power law in C + E", form_name: "Power law in C", formula: "L = E + A/C^α", variable: Variable::C, irreducible: true };
/// L = A/C^α.
pub const C: PowerLaw = PowerLaw { key: "power-c", name: "Power law in C", form_name: "Power law in C", formula: "L = A/C^α", variable: Variable::C, irreducible: false };

impl PowerLaw {
    /// The variable X.
    pub fn variable(&self) -> Variable {
        self.variable
    }
}

impl RunLaw for PowerLaw {
    fn key(&self) -> &'static str {
        self.key
    }
    fn name(&self) -> &'static str {
        self.name
    }
    fn form_name(&self) -> &'static str {
        self.form_name
    }
    fn formula(&self) -> &'static str {
        self.formula
    }
    fn numpy(&self) -> &'static str {
        match (self.variable, self.irreducible) {
            (Variable::N, true) => "return p[\"E\"] + p[\"A\"] / N ** p[\"alpha\"]",
            (Variable::N, false) => "return p[\"A\"] / N ** p[\"alpha\"]",
            (Variable::D, true) => "return p[\"E\"] + p[\"A\"] / D ** p[\"alpha\"]",
            (Variable::D, false) => "return p[\"A\"] / D ** p[\"alpha\"]",
            (Variable::C, true) => "return p[\"E\"] + p[\"A\"] / C ** p[\"alpha\"]",
            (Variable::C, false) => "return p[\"A\"] / C ** p[\"alpha\"]",
        }
    }
    fn citation(&self) -> &'static str {
        "Kaplan et al. 2020, arXiv:2001.08361, eqs. 1.1–1.3"
    }
    fn theta_names(&self) -> &'static [&'static str] {
        if self.irreducible {
            &["a", "alpha", "e"]
        } else {
            &["a", "alpha"]
        }
    }
    fn param_names(&self) -> &'static [&'static str] {
        if self.irreducible {
            &["E", "A", "alpha"]
        } else {
            &["A", "alpha"]
        }
    }
    fn params(&self, theta: &[f64]) -> Vec<f64> {
        let t = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN);
        if self.irreducible {
            vec![t(2).exp(), t(0).exp(), t(1)]
        } else {
            vec![t(0).exp(), t(1)]
        }
    }
    fn theta(&self, params: &[f64]) -> Vec<f64> {
        let p = |i: usize| params.get(i).copied().unwrap_or(f64::NAN);
        if self.irreducible {
            vec![p(1).ln(), p(2), p(0).ln()]
        } else {
            vec![p(0).ln(), p(1)]
        }
    }
    fn default_grid(&self) -> Grid {
        if self.irreducible {
            Grid { axes: vec![range(0.0, 25.0, 2.5), range(0.0, 2.0, 0.25), range(-1.0, 1.0, 0.5)] }
        } else {
            Grid { axes: vec![range(0.0, 10.0, 1.0), range(0.0, 1.0, 0.1)] }
        }
    }
    /// A·x^−α (+ E·1): linear in A (and E) once α is fixed.
    fn projection(&self) -> Option<Projection> {
        let mut terms = vec![Term::Power { theta: 0, axis: 0, variable: self.variable }];
        if self.irreducible {
            terms.push(Term::One { theta: 2 });
        }
        Some(Projection { axes: vec![Axis { theta: 1, name: "alpha", lo: 0.0, hi: EXPONENT_MAX }], terms, dim: self.dim() })
    }
    fn predict_ln(&self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64 {
        let lx = self.variable.ln(x);
        match (theta, grad) {
            (&[a, alpha], [ga, galpha]) if !self.irreducible => {
                *ga = 1.0;
                *galpha = -lx;
                a - alpha * lx
            }
            (&[a, alpha, e], [ga, galpha, ge]) if self.irreducible => {
                let (p, w) = super::log_sum_exp3(a - alpha * lx, e, f64::NEG_INFINITY);
                *ga = w[0];
                *galpha = -w[0] * lx;
                *ge = w[1];
                p
            }
            _ => f64::NAN,
        }
    }
    fn compared(&self) -> bool {
        self.variable == Variable::C
    }
    fn sample_theta(&self) -> Vec<f64> {
        if self.irreducible {
            vec![3.0, 0.2, 0.5]
        } else {
            vec![1.5, 0.05]
        }
    }
}

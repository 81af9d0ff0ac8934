//! Parametric loss forms in the log-space parametrisation the fitter optimises, with analytic
//! gradients of log L̂ and a robust (Huber) objective over the runs.

use crate::core::laws::farseer::FarseerLaw;
use crate::core::laws::{ChinchillaLaw, KaplanLaw};

/// One run as the fitter sees it: logarithms of N, D, C and the observed loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// ln N.
    pub ln_n: f64,
    /// ln D.
    pub ln_d: f64,
    /// ln C.
    pub ln_c: f64,
    /// ln of the observed loss.
    pub ln_loss: f64,
}

impl Point {
    /// The point for one validated run.
    pub fn from_run(run: &crate::core::runs::Run) -> Point {
        Point { ln_n: run.n.ln(), ln_d: run.d.ln(), ln_c: run.c.ln(), ln_loss: run.loss.ln() }
    }
}

/// Which variable a single-variable power law is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variable {
    /// Parameters N.
    N,
    /// Tokens D.
    D,
    /// Compute C.
    C,
}

impl Variable {
    fn ln(self, x: &Point) -> f64 {
        match self {
            Variable::N => x.ln_n,
            Variable::D => x.ln_d,
            Variable::C => x.ln_c,
        }
    }

    /// The variable's one-letter name.
    pub fn key(self) -> &'static str {
        match self {
            Variable::N => "N",
            Variable::D => "D",
            Variable::C => "C",
        }
    }
}

/// A functional form L(N, D) with parameters θ the optimiser moves freely (no bounds):
/// coefficients enter through their logarithms, exponents as they are.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "law", rename_all = "kebab-case")]
pub enum Form {
    /// L = E + A/N^α + B/D^β; θ = (ln A, ln B, ln E, α, β).
    Chinchilla,
    /// L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D; θ = (ln N_c, ln D_c, α_N, α_D).
    Kaplan,
    /// L = E + A/X^α (with `irreducible`) or L = A/X^α; θ = (ln A, α[, ln E]).
    PowerLaw {
        /// The variable X.
        variable: Variable,
        /// Whether an irreducible term E is fitted.
        irreducible: bool,
    },
    /// Farseer (Li et al. 2025) with N and D in billions:
    /// L = exp(a₃·n^γ + b₃) + exp(a₂·n^β + b₂)·d^(−exp(a₁·n^α + b₁));
    /// θ = (a₁, b₁, α, a₂, b₂, β, a₃, b₃, γ). See [`crate::core::laws::farseer`].
    Farseer,
}

/// Most parameters any form has (Farseer's nine), for fixed-size gradient buffers.
pub const MAX_DIM: usize = 12;

/// Robust loss on a log-loss residual: quadratic within δ, linear beyond.
pub fn huber(r: f64, delta: f64) -> f64 {
    let a = r.abs();
    if a <= delta {
        0.5 * r * r
    } else {
        delta * (a - 0.5 * delta)
    }
}

/// ln(e^x + e^y + e^z) without overflow.
fn log_sum_exp3(x: f64, y: f64, z: f64) -> (f64, [f64; 3]) {
    let m = x.max(y).max(z);
    let w = [(x - m).exp(), (y - m).exp(), (z - m).exp()];
    let s = w[0] + w[1] + w[2];
    (m + s.ln(), [w[0] / s, w[1] / s, w[2] / s])
}

impl Form {
    /// The name used on the command line, in links and in tables.
    pub fn key(self) -> String {
        match self {
            Form::Chinchilla => "chinchilla".into(),
            Form::Kaplan => "kaplan".into(),
            Form::Farseer => "farseer".into(),
            Form::PowerLaw { variable, irreducible } => {
                format!("power-{}{}", variable.key().to_ascii_lowercase(), if irreducible { "+e" } else { "" })
            }
        }
    }

    /// A short name for tables.
    pub fn short_name(self) -> String {
        match self {
            Form::Chinchilla => "Chinchilla".into(),
            Form::Kaplan => "Kaplan L(N, D)".into(),
            Form::Farseer => "Farseer".into(),
            Form::PowerLaw { variable, irreducible } => {
                format!("Power law in {}{}", variable.key(), if irreducible { " + E" } else { "" })
            }
        }
    }

    /// A formula for people.
    pub fn label(self) -> String {
        match self {
            Form::Chinchilla => "Chinchilla  L = E + A/N^α + B/D^β".into(),
            Form::Kaplan => "Kaplan  L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D".into(),
            Form::Farseer => {
                "Farseer  L = exp(a₃·n^γ + b₃) + exp(a₂·n^β + b₂)·d^(−exp(a₁·n^α + b₁)),  n = N/10⁹, d = D/10⁹".into()
            }
            Form::PowerLaw { variable, irreducible } => {
                let x = variable.key();
                if irreducible {
                    format!("Power law in {x}  L = E + A/{x}^α")
                } else {
                    format!("Power law in {x}  L = A/{x}^α")
                }
            }
        }
    }

    /// Number of free parameters.
    pub fn dim(self) -> usize {
        match self {
            Form::Chinchilla => 5,
            Form::Kaplan => 4,
            Form::Farseer => crate::core::laws::farseer::DIM,
            Form::PowerLaw { irreducible, .. } => 2 + usize::from(irreducible),
        }
    }

    /// Names of the optimiser's parameters θ, as used in grid specifications.
    pub fn theta_names(self) -> &'static [&'static str] {
        match self {
            Form::Chinchilla => &["a", "b", "e", "alpha", "beta"],
            Form::Kaplan => &["nc", "dc", "alpha_n", "alpha_d"],
            Form::Farseer => &crate::core::laws::farseer::NAMES,
            Form::PowerLaw { irreducible: true, .. } => &["a", "alpha", "e"],
            Form::PowerLaw { irreducible: false, .. } => &["a", "alpha"],
        }
    }

    /// Names of the published parameters, in the order [`Form::params`] returns them.
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            Form::Chinchilla => &["E", "A", "B", "alpha", "beta"],
            Form::Kaplan => &["N_c", "D_c", "alpha_N", "alpha_D"],
            Form::Farseer => &crate::core::laws::farseer::NAMES,
            Form::PowerLaw { irreducible: true, .. } => &["E", "A", "alpha"],
            Form::PowerLaw { irreducible: false, .. } => &["A", "alpha"],
        }
    }

    /// The published parameters for θ, e.g. (E, A, B, α, β) = (e^e, e^a, e^b, α, β).
    pub fn params(self, theta: &[f64]) -> Vec<f64> {
        let t = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN);
        match self {
            Form::Chinchilla => vec![t(2).exp(), t(0).exp(), t(1).exp(), t(3), t(4)],
            Form::Kaplan => vec![t(0).exp(), t(1).exp(), t(2), t(3)],
            Form::Farseer => (0..crate::core::laws::farseer::DIM).map(t).collect(),
            Form::PowerLaw { irreducible: true, .. } => vec![t(2).exp(), t(0).exp(), t(1)],
            Form::PowerLaw { irreducible: false, .. } => vec![t(0).exp(), t(1)],
        }
    }

    /// The law of the Budget panel for θ, when the form is a law of both N and D.
    pub fn law(self, theta: &[f64]) -> Option<FittedLaw> {
        let p = self.params(theta);
        if p.iter().any(|v| !v.is_finite()) {
            return None;
        }
        match (self, p.as_slice()) {
            (Form::Chinchilla, &[e, a, b, alpha, beta]) => {
                Some(FittedLaw::Chinchilla(ChinchillaLaw { e, a, b, alpha, beta }))
            }
            (Form::Kaplan, &[n_c, d_c, alpha_n, alpha_d]) => {
                Some(FittedLaw::Kaplan(KaplanLaw { n_c, d_c, alpha_n, alpha_d }))
            }
            (Form::Farseer, p) => p.try_into().ok().map(|theta| FittedLaw::Farseer(FarseerLaw { theta })),
            _ => None,
        }
    }

    /// Predicted ln L for θ at one point, writing ∂ln L̂/∂θ into `grad` (length [`Form::dim`]).
    pub fn predict_ln(self, theta: &[f64], x: &Point, grad: &mut [f64]) -> f64 {
        match (self, theta, grad) {
            (Form::Chinchilla, &[a, b, e, alpha, beta], [ga, gb, ge, galpha, gbeta]) => {
                let (p, w) = log_sum_exp3(a - alpha * x.ln_n, b - beta * x.ln_d, e);
                *ga = w[0];
                *gb = w[1];
                *ge = w[2];
                *galpha = -w[0] * x.ln_n;
                *gbeta = -w[1] * x.ln_d;
                p
            }
            (Form::Kaplan, &[nc, dc, alpha_n, alpha_d], [gnc, gdc, gan, gad]) => {
                // ln L = α_D · ln(u + v), u = exp(r·(ln N_c − ln N)), r = α_N/α_D, v = exp(ln D_c − ln D).
                let r = alpha_n / alpha_d;
                let (su, sv) = (r * (nc - x.ln_n), dc - x.ln_d);
                let m = su.max(sv);
                let (u, v) = ((su - m).exp(), (sv - m).exp());
                let ln_s = m + (u + v).ln();
                let (wu, wv) = (u / (u + v), v / (u + v));
                let dlog_nc = nc - x.ln_n;
                *gnc = alpha_d * wu * r;
                *gdc = alpha_d * wv;
                *gan = wu * dlog_nc;
                *gad = ln_s - wu * r * dlog_nc;
                alpha_d * ln_s
            }
            (Form::Farseer, &[a1, b1, alpha, a2, b2, beta, a3, b3, gamma], grad) => {
                // Writes as much of the gradient as `grad` has room for (callers that only want
                // the value may pass a shorter buffer).
                let theta = [a1, b1, alpha, a2, b2, beta, a3, b3, gamma];
                let (p, g) = crate::core::laws::farseer::ln_loss_and_grad(&theta, x.ln_n, x.ln_d);
                for (slot, v) in grad.iter_mut().zip(g) {
                    *slot = v;
                }
                p
            }
            (Form::PowerLaw { variable, irreducible: false }, &[a, alpha], [ga, galpha]) => {
                let lx = variable.ln(x);
                *ga = 1.0;
                *galpha = -lx;
                a - alpha * lx
            }
            (Form::PowerLaw { variable, irreducible: true }, &[a, alpha, e], [ga, galpha, ge]) => {
                let lx = variable.ln(x);
                let (p, w) = log_sum_exp3(a - alpha * lx, e, f64::NEG_INFINITY);
                *ga = w[0];
                *galpha = -w[0] * lx;
                *ge = w[1];
                p
            }
            _ => f64::NAN,
        }
    }

    /// Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) over the data (a sum, not a mean: see LAWS.md), with its
    /// gradient written into `grad`.
    pub fn objective(self, theta: &[f64], data: &Dataset, delta: f64, grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        if let (Form::Chinchilla, &[a, b, e, alpha, beta]) = (self, theta) {
            return chinchilla_objective([a, b, e, alpha, beta], data, delta, grad);
        }
        let mut local = [0.0; MAX_DIM];
        let local = &mut local[..self.dim().min(MAX_DIM)];
        let mut total = 0.0;
        for (x, &w) in data.points().zip(&data.weight) {
            if w == 0.0 {
                continue;
            }
            let r = self.predict_ln(theta, &x, local) - x.ln_loss;
            total += w * huber(r, delta);
            let dr = w * r.clamp(-delta, delta);
            for (g, l) in grad.iter_mut().zip(local.iter()) {
                *g += dr * l;
            }
        }
        total
    }
}

/// Lanes the Chinchilla kernel processes together (the compiler maps them onto SIMD registers).
const LANES: usize = 4;

/// The runs in the layout the kernel wants: one array per quantity, padded to a multiple of
/// [`LANES`] with weight-0 rows; a weight per run (1, or a bootstrap multiplicity).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    ln_n: Vec<f64>,
    ln_d: Vec<f64>,
    ln_c: Vec<f64>,
    ln_loss: Vec<f64>,
    /// Weight of each row (padding rows have 0).
    pub weight: Vec<f64>,
    len: usize,
    /// (min, max) of ln N and of ln D over the real points, to bound the kernel's exponents.
    ln_n_range: (f64, f64),
    ln_d_range: (f64, f64),
}

impl Dataset {
    /// Every point with weight 1.
    pub fn new(points: &[Point]) -> Dataset {
        let padded = points.len().div_ceil(LANES) * LANES;
        let column = |f: fn(&Point) -> f64| {
            let mut v: Vec<f64> = points.iter().map(f).collect();
            v.resize(padded, 0.0);
            v
        };
        let mut weight = vec![1.0; points.len()];
        weight.resize(padded, 0.0);
        let range = |f: fn(&Point) -> f64| {
            points.iter().map(f).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
        };
        Dataset {
            ln_n_range: range(|p| p.ln_n),
            ln_d_range: range(|p| p.ln_d),
            ln_n: column(|p| p.ln_n),
            ln_d: column(|p| p.ln_d),
            ln_c: column(|p| p.ln_c),
            ln_loss: column(|p| p.ln_loss),
            weight,
            len: points.len(),
        }
    }

    /// Number of real (unpadded) points.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sets the weights of the real points (e.g. bootstrap counts); extra values are ignored.
    pub fn set_weights(&mut self, weights: impl IntoIterator<Item = f64>) {
        for (slot, w) in self.weight.iter_mut().take(self.len).zip(weights) {
            *slot = w;
        }
    }

    /// The real points, in order.
    pub fn points(&self) -> impl Iterator<Item = Point> + '_ {
        (0..self.len).map(|i| Point {
            ln_n: self.ln_n.get(i).copied().unwrap_or(0.0),
            ln_d: self.ln_d.get(i).copied().unwrap_or(0.0),
            ln_c: self.ln_c.get(i).copied().unwrap_or(0.0),
            ln_loss: self.ln_loss.get(i).copied().unwrap_or(0.0),
        })
    }
}

#[inline(always)]
fn larger(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

/// The Chinchilla objective written for speed: it is the inner loop of a 4 500-start fit.
/// Branch-free over [`LANES`] points at a time, with the vectorisable exp/ln of `fastmath`.
/// When every exponent a − α·ln N, b − β·ln D and e lies within ±700 (known from the data's
/// range before the loop), e^t₁ + e^t₂ + e^e is summed directly; otherwise each point shifts by
/// its largest exponent first (one more exp per point, never overflows).
fn chinchilla_objective(theta: [f64; 5], data: &Dataset, delta: f64, grad: &mut [f64]) -> f64 {
    let [a, b, e, alpha, beta] = theta;
    let extreme = |c: f64, slope: f64, (lo, hi): (f64, f64)| {
        let (x, y) = (c - slope * lo, c - slope * hi);
        !(x.abs() <= 700.0 && y.abs() <= 700.0)
    };
    let shift = extreme(a, alpha, data.ln_n_range) || extreme(b, beta, data.ln_d_range) || !(e.abs() <= 700.0);
    let acc = if shift {
        chinchilla_kernel::<true>(theta, data, delta)
    } else {
        chinchilla_kernel::<false>(theta, data, delta)
    };
    let [f, sums @ ..] = acc.map(|lanes| lanes.iter().sum::<f64>());
    for (g, s) in grad.iter_mut().zip(sums) {
        *g = s;
    }
    f
}

#[inline(always)]
fn chinchilla_kernel<const SHIFT: bool>(
    [a, b, e, alpha, beta]: [f64; 5],
    data: &Dataset,
    delta: f64,
) -> [[f64; LANES]; 6] {
    use super::fastmath::{exp, exp_in_range, ln};
    let big_e = exp(e);
    let mut acc = [[0.0f64; LANES]; 6];
    let rows = data
        .ln_n
        .chunks_exact(LANES)
        .zip(data.ln_d.chunks_exact(LANES))
        .zip(data.ln_loss.chunks_exact(LANES).zip(data.weight.chunks_exact(LANES)));
    for ((n, d), (y, w)) in rows {
        for l in 0..LANES {
            let (t1, t2) = (a - alpha * n[l], b - beta * d[l]);
            let (m, u, v, z) = if SHIFT {
                let m = larger(larger(t1, t2), e);
                (m, exp(t1 - m), exp(t2 - m), exp(e - m))
            } else {
                (0.0, exp_in_range(t1), exp_in_range(t2), big_e)
            };
            let s = u + v + z;
            let inv = 1.0 / s;
            let r = m + ln(s) - y[l];
            let ar = r.abs();
            let h = if ar <= delta { 0.5 * r * r } else { delta * (ar - 0.5 * delta) };
            let clipped = if r > delta {
                delta
            } else if r < -delta {
                -delta
            } else {
                r
            };
            let dr = w[l] * clipped * inv;
            acc[0][l] += w[l] * h;
            acc[1][l] += dr * u;
            acc[2][l] += dr * v;
            acc[3][l] += dr * z;
            acc[4][l] -= dr * u * n[l];
            acc[5][l] -= dr * v * d[l];
        }
    }
    acc
}

/// A fitted law of N and D, usable wherever a preset is.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "form", rename_all = "kebab-case")]
pub enum FittedLaw {
    /// A fitted Chinchilla form.
    Chinchilla(ChinchillaLaw),
    /// A fitted Kaplan L(N, D).
    Kaplan(KaplanLaw),
    /// A fitted Farseer law.
    Farseer(FarseerLaw),
}

impl FittedLaw {
    /// The law as a trait object for the allocators.
    pub fn as_law(&self) -> &dyn crate::core::laws::LossLaw {
        match self {
            FittedLaw::Chinchilla(l) => l,
            FittedLaw::Kaplan(l) => l,
            FittedLaw::Farseer(l) => l,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMS: [Form; 7] = [
        Form::Chinchilla,
        Form::Kaplan,
        Form::Farseer,
        Form::PowerLaw { variable: Variable::N, irreducible: true },
        Form::PowerLaw { variable: Variable::D, irreducible: false },
        Form::PowerLaw { variable: Variable::C, irreducible: true },
        Form::PowerLaw { variable: Variable::C, irreducible: false },
    ];

    fn points() -> Vec<Point> {
        (0..40)
            .map(|i| {
                let n = 1e7 * 1.3f64.powi(i);
                let d = 2e8 * 1.2f64.powi((i * 7) % 23);
                let loss = 1.8 + 400.0 / n.powf(0.34) + 2000.0 / d.powf(0.37) + 0.01 * ((i as f64) * 1.7).sin();
                Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: (6.0 * n * d).ln(), ln_loss: loss.ln() }
            })
            .collect()
    }

    fn theta_for(form: Form, k: f64) -> Vec<f64> {
        match form {
            Form::Chinchilla => vec![6.0 + k, 7.5, 0.6 - 0.1 * k, 0.33, 0.36 + 0.01 * k],
            Form::Kaplan => vec![31.0 + k, 30.0, 0.076, 0.1 + 0.01 * k],
            Form::Farseer => vec![0.2 * k, -1.0 - 0.1 * k, -0.2, 0.3, 0.1 + 0.2 * k, -0.3, 0.2 + 0.1 * k, 0.6, -0.35],
            Form::PowerLaw { irreducible: true, .. } => vec![3.0 + k, 0.2, 0.5],
            Form::PowerLaw { irreducible: false, .. } => vec![1.5 + 0.1 * k, 0.05],
        }
    }

    #[test]
    fn chinchilla_prediction_matches_the_law() {
        let law = ChinchillaLaw { e: 1.82, a: 482.01, b: 2085.43, alpha: 0.3478, beta: 0.3658 };
        let theta = [law.a.ln(), law.b.ln(), law.e.ln(), law.alpha, law.beta];
        let (n, d) = (7e10f64, 1.4e12f64);
        let x = Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: 0.0, ln_loss: 0.0 };
        let mut g = [0.0; 5];
        let p = Form::Chinchilla.predict_ln(&theta, &x, &mut g);
        assert!((p.exp() - crate::core::laws::LossLaw::loss(&law, n, d)).abs() < 1e-12);
    }

    #[test]
    fn kaplan_prediction_matches_the_law() {
        let law = KaplanLaw { n_c: 6.4e13, d_c: 1.8e13, alpha_n: 0.076, alpha_d: 0.103 };
        let theta = [law.n_c.ln(), law.d_c.ln(), law.alpha_n, law.alpha_d];
        let (n, d) = (1e9f64, 2e10f64);
        let x = Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: 0.0, ln_loss: 0.0 };
        let mut g = [0.0; 4];
        let p = Form::Kaplan.predict_ln(&theta, &x, &mut g);
        assert!((p.exp() - crate::core::laws::LossLaw::loss(&law, n, d)).abs() < 1e-12);
    }

    #[test]
    fn farseer_prediction_matches_the_law_and_tolerates_short_buffers() {
        let law = crate::core::laws::farseer::FarseerLaw { theta: [0.1, -1.0, -0.2, 0.3, 0.1, -0.3, 0.2, 0.6, -0.35] };
        let (n, d) = (7e10f64, 1.4e12f64);
        let x = Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: 0.0, ln_loss: 0.0 };
        let mut g = [0.0; 9];
        let p = Form::Farseer.predict_ln(&law.theta, &x, &mut g);
        assert!((p.exp() - crate::core::laws::LossLaw::loss(&law, n, d)).abs() < 1e-12);
        let mut short = [0.0; 8];
        assert_eq!(Form::Farseer.predict_ln(&law.theta, &x, &mut short), p);
        assert_eq!(short[..], g[..8]);
        assert_eq!(Form::Farseer.params(&law.theta), law.theta.to_vec());
        assert_eq!(Form::Farseer.theta_names().len(), Form::Farseer.dim());
        assert_eq!(Form::Farseer.law(&law.theta), Some(FittedLaw::Farseer(law)));
    }

    /// Central differences of the objective agree with the analytic gradient, for every form,
    /// at many parameter values, with and without bootstrap weights.
    #[test]
    fn analytic_gradients_match_finite_differences() {
        let pts = Dataset::new(&points());
        let mut weighted = pts.clone();
        weighted.set_weights((0..40).map(|i| (i % 3) as f64));
        for form in FORMS {
            for k in 0..6 {
                let theta = theta_for(form, 0.3 * k as f64);
                for (delta, data) in [(1e-3, &pts), (0.05, &pts), (1e-3, &weighted)] {
                    let mut g = vec![0.0; form.dim()];
                    form.objective(&theta, data, delta, &mut g);
                    for i in 0..form.dim() {
                        let h = 1e-6 * theta[i].abs().max(1.0);
                        let (mut up, mut dn) = (theta.clone(), theta.clone());
                        up[i] += h;
                        dn[i] -= h;
                        let mut scratch = vec![0.0; form.dim()];
                        let fd = (form.objective(&up, data, delta, &mut scratch)
                            - form.objective(&dn, data, delta, &mut scratch))
                            / (2.0 * h);
                        let tol = 1e-5 * (1.0 + g[i].abs());
                        assert!((fd - g[i]).abs() < tol, "{form:?} θ{i}: analytic {} vs numeric {fd}", g[i]);
                    }
                }
            }
        }
    }

    #[test]
    fn fast_chinchilla_path_equals_the_generic_one() {
        let pts = points();
        let theta = theta_for(Form::Chinchilla, 0.7);
        let mut fast = [0.0; 5];
        let f_fast = Form::Chinchilla.objective(&theta, &Dataset::new(&pts), 1e-3, &mut fast);
        let (mut f_slow, mut slow, mut local) = (0.0, [0.0; 5], [0.0; 5]);
        for x in &pts {
            let r = Form::Chinchilla.predict_ln(&theta, x, &mut local) - x.ln_loss;
            f_slow += huber(r, 1e-3);
            for (s, l) in slow.iter_mut().zip(local) {
                *s += r.clamp(-1e-3, 1e-3) * l;
            }
        }
        assert!((f_fast - f_slow).abs() < 1e-12 * f_slow.max(1.0));
        for (a, b) in fast.iter().zip(slow) {
            assert!((a - b).abs() < 1e-10 * (1.0 + b.abs()));
        }
    }

    #[test]
    fn extreme_parameters_give_finite_objectives() {
        let pts = Dataset::new(&points());
        let mut g = [0.0; 5];
        for theta in [[800.0, 0.0, 0.0, 0.0, 0.0], [-800.0, -800.0, -800.0, 2.0, 2.0], [25.0, 25.0, 1.0, -40.0, 0.0]] {
            let f = Form::Chinchilla.objective(&theta, &pts, 1e-3, &mut g);
            assert!(f.is_finite() && g.iter().all(|v| v.is_finite()), "{theta:?} → {f} {g:?}");
        }
    }
}

//! What every fit minimises: a [`Model`] predicts ln L for each of its rows (with the gradient),
//! and the objective is the robust Huber sum of its log-loss residuals. Multistart, bootstrap
//! and worker jobs are generic over the model, so every law is fitted by the same code.

use super::lbfgs::{self, Settings};

/// A law fitted to rows of data: each row predicts one observed ln L from θ.
pub trait Model {
    /// Number of parameters θ.
    fn dim(&self) -> usize;
    /// Number of rows (observations).
    fn rows(&self) -> usize;
    /// The observed ln L of a row.
    fn observed_ln(&self, row: usize) -> f64;
    /// Predicted ln L of a row for θ, writing ∂ln L̂/∂θ into `grad` (length [`Model::dim`]).
    fn predict_ln(&self, theta: &[f64], row: usize, grad: &mut [f64]) -> f64;
    /// Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) with its gradient written into `grad`; `weights` has one
    /// entry per row (`None`: all 1). Override it with a faster kernel when there is one.
    fn objective(&self, theta: &[f64], delta: f64, weights: Option<&[f64]>, grad: &mut [f64]) -> f64 {
        objective(self, theta, delta, weights, grad)
    }
    /// Whether a multistart optimum means something (those that do not count as failed
    /// starts); by default, whether every parameter is finite.
    fn accept(&self, theta: &[f64]) -> bool {
        theta.iter().all(|v| v.is_finite())
    }
    /// Whether a bootstrap resample's fit gave usable numbers (those that do not are counted
    /// as failed); by default, whether every parameter is finite.
    fn finite(&self, theta: &[f64]) -> bool {
        theta.iter().all(|v| v.is_finite())
    }
}

/// Robust loss on a log-loss residual: quadratic within δ, linear beyond.
pub fn huber(r: f64, delta: f64) -> f64 {
    let a = r.abs();
    if a <= delta {
        0.5 * r * r
    } else {
        delta * (a - 0.5 * delta)
    }
}

/// Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) row by row (a sum, not a mean: see LAWS.md), gradient into
/// `grad`: the objective of any model without a kernel of its own.
pub fn objective<M: Model + ?Sized>(model: &M, theta: &[f64], delta: f64, weights: Option<&[f64]>, grad: &mut [f64]) -> f64 {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut local = [0.0; lbfgs::MAX_DIM];
    let local = &mut local[..model.dim().min(lbfgs::MAX_DIM)];
    let mut total = 0.0;
    for row in 0..model.rows() {
        let w = weights.map_or(1.0, |w| w.get(row).copied().unwrap_or(0.0));
        if w == 0.0 {
            continue;
        }
        let r = model.predict_ln(theta, row, local) - model.observed_ln(row);
        total += w * huber(r, delta);
        let dr = w * r.clamp(-delta, delta);
        for (g, l) in grad.iter_mut().zip(local.iter()) {
            *g += dr * l;
        }
    }
    total
}

/// Minimises the robust objective from one start.
pub fn minimize<M: Model + ?Sized>(model: &M, start: &[f64], delta: f64, weights: Option<&[f64]>, settings: &Settings) -> lbfgs::Outcome {
    lbfgs::minimize(&mut |theta, grad| model.objective(theta, delta, weights, grad), start, settings)
}

/// R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)² of (observed, predicted) pairs; `None` when the observations
/// do not vary (R² is then undefined) or a value is not finite.
pub fn r_squared(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> Option<f64> {
    let (sum, n) = pairs.clone().fold((0.0, 0usize), |(s, n), (y, _)| (s + y, n + 1));
    let mean = sum / n.max(1) as f64;
    let total: f64 = pairs.clone().map(|(y, _)| (y - mean).powi(2)).sum();
    let resid: f64 = pairs.map(|(y, p)| (y - p).powi(2)).sum();
    let r2 = 1.0 - resid / total;
    (total > 0.0 && r2.is_finite()).then_some(r2)
}

/// R² for people: its digits, or why there is none.
pub fn r2_text(r2: Option<f64>, digits: usize) -> String {
    r2.map_or_else(|| "undefined (the observations do not vary)".to_string(), |r| crate::core::units::format_sig(r, digits))
}

/// Root mean square of residuals (NaN when there are none).
pub fn rmse(residuals: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = residuals.fold((0.0, 0usize), |(s, n), r| (s + r * r, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        (sum / n as f64).sqrt()
    }
}

/// Goodness of fit: (R² of L, when defined; RMSE of ln L).
pub fn goodness<M: Model + ?Sized>(model: &M, theta: &[f64]) -> (Option<f64>, f64) {
    let mut grad = vec![0.0; model.dim()];
    let observed: Vec<f64> = (0..model.rows()).map(|r| model.observed_ln(r)).collect();
    let predicted: Vec<f64> = (0..model.rows()).map(|r| model.predict_ln(theta, r, &mut grad)).collect();
    let r2 = r_squared(observed.iter().zip(&predicted).map(|(y, p)| (y.exp(), p.exp())));
    (r2, rmse(observed.iter().zip(&predicted).map(|(y, p)| y - p)))
}

/// Largest |analytic − central finite difference| of ∂ln L̂/∂θ over θ and rows, relative to the
/// gradient's size: for property tests of a law's gradient.
pub fn gradient_error<M: Model + ?Sized>(model: &M, theta: &[f64]) -> f64 {
    let mut grad = vec![0.0; model.dim()];
    let mut scratch = vec![0.0; model.dim()];
    let mut worst: f64 = 0.0;
    for row in 0..model.rows() {
        model.predict_ln(theta, row, &mut grad);
        for i in 0..model.dim() {
            let h = 1e-6 * (1.0 + theta[i].abs());
            let mut up = theta.to_vec();
            up[i] += h;
            let mut down = theta.to_vec();
            down[i] -= h;
            let numeric = (model.predict_ln(&up, row, &mut scratch) - model.predict_ln(&down, row, &mut scratch)) / (2.0 * h);
            worst = worst.max((numeric - grad[i]).abs() / (1.0 + grad[i].abs()));
        }
    }
    worst
}

/// Largest |analytic − central finite difference| of the objective's gradient (relative), with
/// and without weights: checks a model's fast kernel against its own definition.
pub fn objective_gradient_error<M: Model + ?Sized>(model: &M, theta: &[f64], delta: f64, weights: Option<&[f64]>) -> f64 {
    let mut grad = vec![0.0; model.dim()];
    let mut scratch = vec![0.0; model.dim()];
    model.objective(theta, delta, weights, &mut grad);
    let mut worst: f64 = 0.0;
    for i in 0..model.dim() {
        let h = 1e-6 * theta[i].abs().max(1.0);
        let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
        up[i] += h;
        down[i] -= h;
        let numeric = (model.objective(&up, delta, weights, &mut scratch) - model.objective(&down, delta, weights, &mut scratch)) / (2.0 * h);
        worst = worst.max((numeric - grad[i]).abs() / (1.0 + grad[i].abs()));
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fit::grid::Grid;
    use crate::core::fit::{bootstrap, multistart};

    /// ln L = ln(E + A·x^(−α)) over a few x, θ = (ln E, ln A, α).
    struct Toy {
        x: Vec<f64>,
        y: Vec<f64>,
    }

    impl Model for Toy {
        fn dim(&self) -> usize {
            3
        }
        fn rows(&self) -> usize {
            self.x.len()
        }
        fn observed_ln(&self, row: usize) -> f64 {
            self.y[row]
        }
        fn predict_ln(&self, t: &[f64], row: usize, g: &mut [f64]) -> f64 {
            let (e, a) = (t[0].exp(), t[1].exp() * self.x[row].powf(-t[2]));
            let l = e + a;
            g[0] = e / l;
            g[1] = a / l;
            g[2] = -a * self.x[row].ln() / l;
            l.ln()
        }
    }

    fn toy() -> Toy {
        let x: Vec<f64> = (1..=12).map(|i| 10f64.powf(i as f64 / 2.0)).collect();
        let y = x.iter().map(|x| (1.7 + 300.0 * x.powf(-0.4)).ln()).collect();
        Toy { x, y }
    }

    #[test]
    fn recovers_a_known_law_and_its_gradient_is_right() {
        let model = toy();
        assert!(gradient_error(&model, &[0.3, 5.0, 0.35]) < 1e-6);
        assert!(objective_gradient_error(&model, &[0.3, 5.0, 0.35], 1e-3, Some(&[2.0; 12])) < 1e-5);
        let grid = Grid { axes: vec![vec![-1.0, 1.0], vec![0.0, 5.0, 10.0], vec![0.1, 1.0]] };
        let fit = multistart::fit(&model, &grid, 1e-3).unwrap();
        assert!((fit.best.theta[0].exp() - 1.7).abs() < 1e-5, "{:?}", fit.best.theta);
        assert!((fit.best.theta[2] - 0.4).abs() < 1e-5);
        let (r2, rmse) = goodness(&model, &fit.best.theta);
        assert!(r2.unwrap() > 0.999_999 && rmse < 1e-6);
        let samples = bootstrap::resamples(&model, &fit.best.theta, 1e-3, 7, 0, 20);
        let ci = bootstrap::interval(samples.iter().flatten().map(|t| t[2])).unwrap();
        assert!(ci.lo <= 0.4 + 1e-6 && ci.hi >= 0.4 - 1e-6);
    }
}

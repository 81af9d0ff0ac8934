//! The fitting machinery for any law: a law says how it predicts ln L (with the gradient) for
//! each of its rows, and gets the same robust Huber objective, multistart L-BFGS, warm-started
//! bootstrap and goodness-of-fit numbers as the Chinchilla fit.

use super::bootstrap::{interval, resample_counts, Interval};
use super::forms::huber;
use super::grid::Grid;
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
}

/// Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) (weights 1 when `weights` is `None`), gradient into `grad`.
pub fn objective<M: Model + ?Sized>(model: &M, theta: &[f64], delta: f64, weights: Option<&[f64]>, grad: &mut [f64]) -> f64 {
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut local = vec![0.0; model.dim()];
    let mut total = 0.0;
    for row in 0..model.rows() {
        let w = weights.map_or(1.0, |w| w.get(row).copied().unwrap_or(0.0));
        if w == 0.0 {
            continue;
        }
        let r = model.predict_ln(theta, row, &mut local) - model.observed_ln(row);
        total += w * huber(r, delta);
        let dr = w * r.clamp(-delta, delta);
        for (g, l) in grad.iter_mut().zip(&local) {
            *g += dr * l;
        }
    }
    total
}

/// The best of a multistart fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelFit {
    /// θ at the best optimum (polished).
    pub theta: Vec<f64>,
    /// The objective there.
    pub objective: f64,
    /// Starts run.
    pub starts: usize,
    /// Starts whose objective was not finite.
    pub failed: usize,
    /// Objective evaluations over all starts.
    pub evaluations: usize,
    /// Whether the polish met its gradient tolerance.
    pub converged: bool,
}

/// Minimises the robust objective from one start.
pub fn minimize<M: Model + ?Sized>(model: &M, start: &[f64], delta: f64, weights: Option<&[f64]>, settings: &Settings) -> lbfgs::Outcome {
    lbfgs::minimize(|theta, grad| objective(model, theta, delta, weights, grad), start, settings)
}

/// Fits from every start of `grid` and polishes the best; `None` when no start gave a finite
/// objective. `accept` can reject optima (e.g. parameters outside their meaningful range).
pub fn fit<M: Model + ?Sized>(model: &M, grid: &Grid, delta: f64, accept: &dyn Fn(&[f64]) -> bool) -> Option<ModelFit> {
    let mut start = vec![0.0; model.dim()];
    let (mut best, mut failed, mut evaluations): (Option<lbfgs::Outcome>, usize, usize) = (None, 0, 0);
    for index in 0..grid.len() {
        grid.start(index, &mut start);
        let out = minimize(model, &start, delta, None, &Settings::default());
        evaluations += out.evaluations;
        if !out.value.is_finite() || !out.theta.iter().all(|v| v.is_finite()) || !accept(&out.theta) {
            failed += 1;
            continue;
        }
        if best.as_ref().is_none_or(|b| out.value < b.value) {
            best = Some(out);
        }
    }
    let best = best?;
    let polished = minimize(model, &best.theta, delta, None, &Settings::polish());
    let chosen = if polished.value <= best.value && accept(&polished.theta) { polished } else { best };
    Some(ModelFit {
        converged: chosen.converged(),
        theta: chosen.theta,
        objective: chosen.value,
        starts: grid.len(),
        failed,
        evaluations,
    })
}

/// Refits `resamples` bootstrap resamples of the rows (seeded; each warm-started at `best`):
/// θ of each, `None` where a resample gave no finite fit.
pub fn bootstrap<M: Model + ?Sized>(model: &M, best: &[f64], delta: f64, resamples: usize, seed: u64) -> Vec<Option<Vec<f64>>> {
    (0..resamples)
        .map(|index| {
            let weights = resample_counts(model.rows(), seed, index);
            let out = minimize(model, best, delta, Some(&weights), &Settings::warm());
            (out.value.is_finite() && out.theta.iter().all(|v| v.is_finite())).then_some(out.theta)
        })
        .collect()
}

/// Percentile intervals of f(θ) over bootstrap samples (failed ones skipped).
pub fn intervals_of(samples: &[Option<Vec<f64>>], f: impl Fn(&[f64]) -> f64) -> Option<Interval> {
    interval(samples.iter().flatten().map(|t| f(t)).filter(|v| v.is_finite()))
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

/// Goodness of fit: (R² of L, when defined; RMSE of ln L).
pub fn goodness<M: Model + ?Sized>(model: &M, theta: &[f64]) -> (Option<f64>, f64) {
    let mut grad = vec![0.0; model.dim()];
    let observed: Vec<f64> = (0..model.rows()).map(|r| model.observed_ln(r)).collect();
    let predicted: Vec<f64> = (0..model.rows()).map(|r| model.predict_ln(theta, r, &mut grad)).collect();
    let r2 = r_squared(observed.iter().zip(&predicted).map(|(y, p)| (y.exp(), p.exp())));
    let rmse_ln = super::report::rmse(observed.iter().zip(&predicted).map(|(y, p)| y - p));
    (r2, rmse_ln)
}

/// Largest |analytic − central finite difference| over θ and rows, relative to the gradient's
/// size: for property tests of a law's gradient.
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let grid = Grid { axes: vec![vec![-1.0, 1.0], vec![0.0, 5.0, 10.0], vec![0.1, 1.0]] };
        let fit = fit(&model, &grid, 1e-3, &|_| true).unwrap();
        assert!((fit.theta[0].exp() - 1.7).abs() < 1e-5, "{:?}", fit.theta);
        assert!((fit.theta[2] - 0.4).abs() < 1e-5);
        let (r2, rmse) = goodness(&model, &fit.theta);
        assert!(r2.unwrap() > 0.999_999 && rmse < 1e-6);
        let samples = bootstrap(&model, &fit.theta, 1e-3, 20, 7);
        let ci = intervals_of(&samples, |t| t[2]).unwrap();
        assert!(ci.lo <= 0.4 + 1e-6 && ci.hi >= 0.4 - 1e-6);
    }
}

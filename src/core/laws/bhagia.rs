//! Downstream accuracy in two steps (Bhagia et al. 2024, "Establishing Task Scaling Laws via
//! Compute-Efficient Model Ladders", arXiv 2412.04403): step 1 predicts the loss at a budget
//! (here: the Budget panel's law), step 2 maps loss to a task's accuracy with a sigmoid,
//! `a/(1+exp(−k(x−x0)))+b` in the authors' code (allenai/OLMo, `olmo/scaling/scaling_laws/
//! fitting_functions.py`). No per-task constants are shipped: the map is fitted to the user's
//! (loss, accuracy) pairs, and compared on the same pairs with Gadre et al.'s exponential map
//! (arXiv 2403.08540, error = ε − k·exp(−γL), see [`super::gadre`]).
//!
//! Written as acc(L) = b + (c − b) / (1 + exp(k·(L − L₀))) with k > 0 (the authors' form with
//! a = c − b and their k = −k): b is the floor the accuracy falls to at high loss (a task's
//! chance level), c the ceiling it rises to, L₀ the loss halfway between, k the steepness.
//! Either end can be fixed (chance level known, ceiling 1). Uncertainty: a bootstrap over the
//! pairs (the authors propagate standard errors by the delta method instead), chained with the
//! step-1 loss draws of a fitted law when there are any.

use crate::core::fit::bootstrap::{self, Interval};
use crate::core::fit::lbfgs::Settings;
use crate::core::fit::model::{self, Model};
use crate::core::fit::multistart;
use crate::core::fit::grid::Grid;

/// The sigmoid from loss to accuracy.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sigmoid {
    /// Floor b (accuracy at high loss).
    pub floor: f64,
    /// Ceiling c (accuracy at low loss).
    pub ceiling: f64,
    /// Steepness k > 0.
    pub k: f64,
    /// Midpoint L₀.
    pub l0: f64,
}

impl Sigmoid {
    /// Accuracy at loss L.
    pub fn accuracy(&self, loss: f64) -> f64 {
        let z = self.k * (loss - self.l0);
        // exp(z) overflows to ∞ for large z: then the accuracy is the floor, as the limit says.
        self.floor + (self.ceiling - self.floor) / (1.0 + z.exp())
    }
}

/// Which ends are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Ends {
    /// The floor (chance level), when known.
    pub floor: Option<f64>,
    /// The ceiling, when known.
    pub ceiling: Option<f64>,
}

/// (loss, accuracy) pairs as a [`Model`]: θ = the free ones of (b, c, ln k, L₀). As with
/// Gadre's map, `observed_ln`/`predict_ln` return the accuracy itself (residuals in accuracy
/// units; with δ above every residual the Huber objective is least squares).
#[derive(Debug, Clone, PartialEq)]
pub struct AccuracyPairs {
    /// Losses.
    pub loss: Vec<f64>,
    /// Accuracies in [0, 1].
    pub accuracy: Vec<f64>,
    /// Fixed ends.
    pub ends: Ends,
}

impl AccuracyPairs {
    /// The sigmoid for θ.
    pub fn sigmoid(&self, theta: &[f64]) -> Sigmoid {
        let mut it = theta.iter().copied();
        let floor = self.ends.floor.unwrap_or_else(|| it.next().unwrap_or(f64::NAN));
        let ceiling = self.ends.ceiling.unwrap_or_else(|| it.next().unwrap_or(f64::NAN));
        let k = it.next().unwrap_or(f64::NAN).exp();
        let l0 = it.next().unwrap_or(f64::NAN);
        Sigmoid { floor, ceiling, k, l0 }
    }

    #[cfg(test)]
    fn start(&self, floor: f64, ceiling: f64, ln_k: f64, l0: f64) -> Vec<f64> {
        let mut t = Vec::with_capacity(4);
        if self.ends.floor.is_none() {
            t.push(floor);
        }
        if self.ends.ceiling.is_none() {
            t.push(ceiling);
        }
        t.push(ln_k);
        t.push(l0);
        t
    }
}

impl Model for AccuracyPairs {
    fn dim(&self) -> usize {
        4 - usize::from(self.ends.floor.is_some()) - usize::from(self.ends.ceiling.is_some())
    }
    fn rows(&self) -> usize {
        self.loss.len().min(self.accuracy.len())
    }
    fn observed_ln(&self, row: usize) -> f64 {
        self.accuracy.get(row).copied().unwrap_or(f64::NAN)
    }
    fn predict_ln(&self, theta: &[f64], row: usize, grad: &mut [f64]) -> f64 {
        let Some(&l) = self.loss.get(row) else {
            return f64::NAN;
        };
        let s = self.sigmoid(theta);
        let z = s.k * (l - s.l0);
        // σ = 1/(1+e^z), dσ/dz = −σ(1−σ).
        let sig = if z > 700.0 { 0.0 } else { 1.0 / (1.0 + z.exp()) };
        let ds = -sig * (1.0 - sig);
        let span = s.ceiling - s.floor;
        let mut i = 0;
        if self.ends.floor.is_none() {
            if let Some(g) = grad.get_mut(i) {
                *g = 1.0 - sig;
            }
            i += 1;
        }
        if self.ends.ceiling.is_none() {
            if let Some(g) = grad.get_mut(i) {
                *g = sig;
            }
            i += 1;
        }
        if let Some(g) = grad.get_mut(i) {
            *g = span * ds * z; // ∂/∂ln k: z = k(L − L₀), ∂z/∂ln k = z
        }
        if let Some(g) = grad.get_mut(i + 1) {
            *g = span * ds * (-s.k);
        }
        s.floor + span * sig
    }
    /// A fit that ran off (k beyond e^±15, ends far outside [0, 1]) is no fit.
    fn accept(&self, theta: &[f64]) -> bool {
        let s = self.sigmoid(theta);
        theta.iter().all(|v| v.is_finite()) && s.k.ln().abs() < 15.0 && (-0.5..=1.5).contains(&s.floor) && (-0.5..=1.5).contains(&s.ceiling)
    }
}

/// Least squares: δ above any residual of accuracies in [0, 1].
pub const DELTA: f64 = 1.0;

/// The fewest pairs a fit takes (4 parameters at most).
pub const MIN_PAIRS: usize = 5;

/// The most pairs and resamples the page fits (the worst case stays well under a second).
pub const MAX_PAIRS: usize = 500;

/// The most bootstrap resamples of the pairs (with [`MAX_PAIRS`], about a second of work).
pub const MAX_RESAMPLES: usize = 1000;

/// A fitted sigmoid and its goodness.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SigmoidFit {
    /// The map.
    pub sigmoid: Sigmoid,
    /// θ (the free parameters).
    pub theta: Vec<f64>,
    /// RMSE of the accuracy.
    pub rmse: f64,
    /// Leave-one-out RMSE: each pair predicted by the map fitted to the others.
    pub loo_rmse: f64,
}

/// What is wrong with the pairs.
#[derive(Debug, Clone, PartialEq)]
pub enum AccuracyError {
    /// Fewer pairs than the fit needs: (needed, got).
    TooFew(usize, usize),
    /// More pairs than the page fits: (most, got).
    TooMany(usize, usize),
    /// An end outside [0, 1], or a floor not below the ceiling: which end, and its value.
    End(&'static str, f64),
    /// No start gave a finite fit.
    NoFit,
}

impl std::fmt::Display for AccuracyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooFew(n, got) => write!(f, "the sigmoid needs at least {n} (loss, accuracy) pairs (got {got})"),
            Self::TooMany(n, got) => write!(f, "at most {n} (loss, accuracy) pairs (got {got})"),
            Self::End(which, v) => write!(f, "the {which} {v} must lie in [0, 1], the chance level below the ceiling"),
            Self::NoFit => write!(f, "no starting point gave a finite sigmoid fit"),
        }
    }
}

impl std::error::Error for AccuracyError {}

fn model_of(pairs: &[(f64, f64)], ends: Ends) -> AccuracyPairs {
    AccuracyPairs { loss: pairs.iter().map(|p| p.0).collect(), accuracy: pairs.iter().map(|p| p.1).collect(), ends }
}

/// Fits the sigmoid to (loss, accuracy) pairs by least squares from a grid of starts, and its
/// leave-one-out error.
///
/// # Errors
/// Too few or too many pairs, ends outside [0, 1], or no finite fit.
pub fn fit_sigmoid(pairs: &[(f64, f64)], ends: Ends) -> Result<SigmoidFit, AccuracyError> {
    if pairs.len() < MIN_PAIRS {
        return Err(AccuracyError::TooFew(MIN_PAIRS, pairs.len()));
    }
    if pairs.len() > MAX_PAIRS {
        return Err(AccuracyError::TooMany(MAX_PAIRS, pairs.len()));
    }
    for (which, v) in [("chance level", ends.floor), ("ceiling", ends.ceiling)] {
        if let Some(v) = v {
            if !(0.0..=1.0).contains(&v) {
                return Err(AccuracyError::End(which, v));
            }
        }
    }
    if let (Some(b), Some(c)) = (ends.floor, ends.ceiling) {
        if b >= c {
            return Err(AccuracyError::End("chance level", b));
        }
    }
    let model = model_of(pairs, ends);
    let (lo_acc, hi_acc) = pairs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let mut losses: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    losses.sort_by(f64::total_cmp);
    let q = |f: f64| bootstrap::quantile(&losses, f).unwrap_or(losses[0]);
    let spread = (q(1.0) - q(0.0)).max(1e-3);
    let mut axes = Vec::new();
    if ends.floor.is_none() {
        axes.push(vec![(lo_acc - 0.05).max(0.0), lo_acc * 0.5]);
    }
    if ends.ceiling.is_none() {
        axes.push(vec![(hi_acc + 0.05).min(1.0), (hi_acc + 1.0) / 2.0]);
    }
    axes.push([0.5f64, 2.0, 8.0].iter().map(|s| (s / spread).ln()).collect());
    axes.push(vec![q(0.25), q(0.5), q(0.75)]);
    let fit = multistart::fit(&model, &Grid { axes }, DELTA).ok_or(AccuracyError::NoFit)?.best;
    if !model.accept(&fit.theta) {
        return Err(AccuracyError::NoFit);
    }
    let sigmoid = model.sigmoid(&fit.theta);
    let rmse = model::rmse(pairs.iter().map(|p| p.1 - sigmoid.accuracy(p.0)));
    let loo_rmse = model::rmse((0..pairs.len()).map(|i| {
        let mut w = vec![1.0; pairs.len()];
        w[i] = 0.0;
        let out = model::minimize(&model, &fit.theta, DELTA, Some(&w), &Settings::warm());
        pairs[i].1 - model.sigmoid(&out.theta).accuracy(pairs[i].0)
    }));
    Ok(SigmoidFit { sigmoid, theta: fit.theta, rmse, loo_rmse })
}

/// The sigmoids of `count` bootstrap resamples of the pairs (seeded), each warm-started at the
/// fit; resamples whose fit failed are left out.
pub fn bootstrap_sigmoids(pairs: &[(f64, f64)], ends: Ends, fit: &SigmoidFit, count: usize, seed: u64) -> Vec<Sigmoid> {
    let model = model_of(pairs, ends);
    bootstrap::resamples(&model, &fit.theta, DELTA, seed, 0, count)
        .into_iter()
        .flatten()
        .filter(|t| model.accept(t))
        .map(|t| model.sigmoid(&t))
        .collect()
}

/// The accuracy at loss draws `losses` under sigmoid draws `maps`: every map at every loss when
/// there are few, else each map at the losses in turn (so both steps' uncertainty is carried);
/// the percentile interval, `None` without draws.
pub fn chained_interval(maps: &[Sigmoid], losses: &[f64]) -> Option<Interval> {
    if maps.is_empty() || losses.is_empty() {
        return None;
    }
    let values: Vec<f64> = if maps.len() * losses.len() <= 250_000 {
        maps.iter().flat_map(|m| losses.iter().map(move |&l| m.accuracy(l))).collect()
    } else {
        maps.iter().enumerate().map(|(i, m)| m.accuracy(losses[i % losses.len()])).collect()
    };
    bootstrap::interval(values)
}

/// Leave-one-out RMSE of Gadre et al.'s map on the same pairs (accuracy = 1 − error), with its
/// in-sample RMSE; `None` when it does not fit. Each left-out fit starts from the full fit.
pub fn gadre_comparison(pairs: &[(f64, f64)]) -> Option<(super::gadre::ErrorMap, f64, f64)> {
    let errors: Vec<(f64, f64)> = pairs.iter().map(|&(l, a)| (l, 1.0 - a)).collect();
    let full = super::gadre::fit_error_map(&errors).ok()?;
    let model = super::gadre::ErrorPairs { loss: errors.iter().map(|p| p.0).collect(), error: errors.iter().map(|p| p.1).collect() };
    let theta = [full.map.eps, full.map.k.ln(), full.map.gamma.ln()];
    let loo = model::rmse((0..errors.len()).map(|i| {
        let mut w = vec![1.0; errors.len()];
        w[i] = 0.0;
        let out = model::minimize(&model, &theta, super::gadre::ERROR_DELTA, Some(&w), &Settings::warm());
        let map = super::gadre::ErrorMap { eps: out.theta[0], k: out.theta[1].exp(), gamma: out.theta[2].exp() };
        (1.0 - map.error(errors[i].0)) - pairs[i].1
    }));
    Some((full.map, full.rmse, loo))
}

/// Reads (loss, accuracy) pairs through the shared table parser: accuracies as fractions
/// (0.62) or percentages (62 or 62%; a column with a value above 1 is read as percent).
///
/// # Errors
/// An unreadable table, a missing column, or bad rows (the first few, by line).
pub fn read_pairs(text: &str) -> Result<Vec<(f64, f64)>, super::LawError> {
    use crate::core::runs::{self, Rule};
    let cleaned: String = text.replace('%', "");
    let table = runs::parse_table(&cleaned)?;
    let missing = |what, name_it| super::LawError::NoColumn { what, name_it, headers: runs::list_names(&table.headers) };
    let loss = runs::pick_column(&table.headers, "", &["loss", "val loss", "L", "validation loss", "task loss"])?
        .ok_or_else(|| missing("the loss", "the header \"loss\""))?;
    let acc = runs::pick_column(&table.headers, "", &["accuracy", "acc", "score", "task accuracy"])?
        .ok_or_else(|| missing("the accuracy", "the header \"accuracy\""))?;
    let read = runs::read_numeric(&table, &[(loss, Rule::Positive), (acc, Rule::NonNegative)], None);
    if read.bad_row_count > 0 {
        return Err(super::LawError::BadRows { rows: read.bad_rows, count: read.bad_row_count });
    }
    let mut pairs: Vec<(f64, f64)> = read.rows.iter().filter_map(|r| match r.values[..] { [l, a] => Some((l, a)), _ => None }).collect();
    if pairs.iter().any(|p| p.1 > 1.0) {
        pairs.iter_mut().for_each(|p| p.1 /= 100.0);
    }
    let column = table.headers.get(acc).cloned();
    let over: Vec<runs::RowError> = pairs
        .iter()
        .zip(&read.rows)
        .filter(|(p, _)| p.1 > 1.0)
        .map(|(p, r)| runs::RowError { line: r.line, column: column.clone(), message: format!("an accuracy of {}% is above 100%", crate::core::units::format_sig(p.1 * 100.0, 4)) })
        .collect();
    if !over.is_empty() {
        let count = over.len();
        return Err(super::LawError::BadRows { rows: over.into_iter().take(runs::MAX_BAD_ROWS_KEPT).collect(), count });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUE: Sigmoid = Sigmoid { floor: 0.25, ceiling: 0.85, k: 4.0, l0: 2.6 };

    fn pairs(noise: f64, n: usize) -> Vec<(f64, f64)> {
        let mut wiggle = crate::test_support::Wiggle::new();
        (0..n)
            .map(|i| {
                let u = wiggle.next();
                let l = 1.9 + 1.6 * i as f64 / (n - 1) as f64;
                (l, TRUE.accuracy(l) + noise * u)
            })
            .collect()
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for ends in [Ends::default(), Ends { floor: Some(0.25), ceiling: None }, Ends { floor: Some(0.2), ceiling: Some(0.9) }] {
            let m = model_of(&pairs(0.01, 12), ends);
            let theta = m.start(0.3, 0.8, 1.2, 2.5);
            let mut g = vec![0.0; m.dim()];
            for row in 0..m.rows() {
                m.predict_ln(&theta, row, &mut g);
                for i in 0..m.dim() {
                    let h = 1e-6;
                    let (mut up, mut down) = (theta.clone(), theta.clone());
                    up[i] += h;
                    down[i] -= h;
                    let mut scratch = vec![0.0; m.dim()];
                    let fd = (m.predict_ln(&up, row, &mut scratch) - m.predict_ln(&down, row, &mut scratch)) / (2.0 * h);
                    assert!((fd - g[i]).abs() < 1e-6, "{ends:?} row {row} θ{i}: {fd} vs {}", g[i]);
                }
            }
        }
    }

    #[test]
    fn recovers_a_known_sigmoid() {
        let fit = fit_sigmoid(&pairs(0.0, 20), Ends::default()).unwrap();
        let s = fit.sigmoid;
        assert!((s.floor - 0.25).abs() < 1e-4 && (s.ceiling - 0.85).abs() < 1e-4, "{s:?}");
        assert!((s.k - 4.0).abs() < 1e-3 && (s.l0 - 2.6).abs() < 1e-4, "{s:?}");
        assert!(fit.rmse < 1e-6);
        // With noise the fixed chance level is kept and the rest stays close.
        let fit = fit_sigmoid(&pairs(0.01, 30), Ends { floor: Some(0.25), ceiling: None }).unwrap();
        assert_eq!(fit.sigmoid.floor, 0.25);
        assert!((fit.sigmoid.l0 - 2.6).abs() < 0.05, "{:?}", fit.sigmoid);
        assert!(fit.loo_rmse >= fit.rmse);
    }

    #[test]
    fn intervals_widen_with_the_loss_uncertainty() {
        let p = pairs(0.01, 30);
        let fit = fit_sigmoid(&p, Ends::default()).unwrap();
        let maps = bootstrap_sigmoids(&p, Ends::default(), &fit, 200, 7);
        assert!(maps.len() > 190);
        let point = chained_interval(&maps, &[2.4]).unwrap();
        let both = chained_interval(&maps, &[2.3, 2.35, 2.4, 2.45, 2.5]).unwrap();
        assert!(point.lo <= TRUE.accuracy(2.4) + 0.02 && point.hi >= TRUE.accuracy(2.4) - 0.02, "{point:?}");
        assert!(both.hi - both.lo > point.hi - point.lo);
        // The same seed gives the same draws.
        assert_eq!(maps, bootstrap_sigmoids(&p, Ends::default(), &fit, 200, 7));
    }

    #[test]
    fn the_sigmoid_beats_the_exponential_on_sigmoid_data() {
        let p = pairs(0.005, 30);
        let fit = fit_sigmoid(&p, Ends::default()).unwrap();
        let (_, _, gadre_loo) = gadre_comparison(&p).unwrap();
        assert!(fit.loo_rmse < gadre_loo, "{} vs {gadre_loo}", fit.loo_rmse);
    }

    #[test]
    fn reads_fractions_and_percent_and_names_bad_rows() {
        let p = read_pairs("loss,accuracy\n2.0,0.6\n2.5,0.4").unwrap();
        assert_eq!(p, vec![(2.0, 0.6), (2.5, 0.4)]);
        let p = read_pairs("loss\tacc\n2.0\t60%\n2.5\t40").unwrap();
        assert_eq!(p, vec![(2.0, 0.6), (2.5, 0.4)]);
        let e = read_pairs("loss,accuracy\n2.0,0.6\nabc,0.4").unwrap_err().to_string();
        assert!(e.contains("abc") && e.contains("loss"), "{e}");
        let e = read_pairs("loss,accuracy\n2.0,60\n2.5,140").unwrap_err().to_string();
        assert!(e.contains("above 100%"), "{e}");
        assert!(read_pairs("loss,error\n2,0.5").unwrap_err().to_string().contains("accuracy"));
    }

    #[test]
    fn bad_pairs_and_ends_are_errors() {
        assert_eq!(fit_sigmoid(&pairs(0.0, 4), Ends::default()), Err(AccuracyError::TooFew(5, 4)));
        assert!(matches!(fit_sigmoid(&pairs(0.0, 10), Ends { floor: Some(1.5), ceiling: None }), Err(AccuracyError::End("chance level", _))));
        assert!(matches!(fit_sigmoid(&pairs(0.0, 10), Ends { floor: Some(0.6), ceiling: Some(0.5) }), Err(AccuracyError::End(..))));
        assert!(matches!(fit_sigmoid(&pairs(0.0, 501), Ends::default()), Err(AccuracyError::TooMany(500, 501))));
        assert_eq!(Sigmoid { k: 1e3, ..TRUE }.accuracy(10.0), 0.25);
    }
}

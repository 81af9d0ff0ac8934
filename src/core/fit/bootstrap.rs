//! Bootstrap over rows: seeded, reproducible resamples (each one's random numbers depend only on
//! the seed and its index, so slices run in any order or worker give the same answer), each
//! fitted by L-BFGS warm-started at the full-data optimum; percentile intervals.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::lbfgs::Settings;
use super::model::{self, Model};

/// Multiplicities of each of `n` rows in resample `index` of the bootstrap seeded with `seed`.
pub fn resample_counts(n: usize, seed: u64, index: usize) -> Vec<f64> {
    let stream = seed ^ (index as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream);
    let mut counts = vec![0.0; n];
    if n == 0 {
        return counts;
    }
    for _ in 0..n {
        if let Some(c) = counts.get_mut(rng.gen_range(0..n)) {
            *c += 1.0;
        }
    }
    counts
}

/// Fits resamples `from..to` of the model's rows, each warm-started at `best`: θ for each, or
/// `None` where the fit gave no usable optimum.
pub fn resamples<M: Model + ?Sized>(model: &M, best: &[f64], delta: f64, seed: u64, from: usize, to: usize) -> Vec<Option<Vec<f64>>> {
    (from..to)
        .map(|index| {
            let weights = resample_counts(model.rows(), seed, index);
            let out = model::minimize(model, best, delta, Some(&weights), &Settings::warm());
            (out.value.is_finite() && model.finite(&out.theta)).then_some(out.theta)
        })
        .collect()
}

/// A central interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower end (2.5th percentile).
    pub lo: f64,
    /// Upper end (97.5th percentile).
    pub hi: f64,
}

/// The `q`-quantile (0..=1) of sorted finite values, linearly interpolated.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let lo = *sorted.get(i)?;
    let hi = sorted.get(i + 1).copied().unwrap_or(lo);
    Some(lo + frac * (hi - lo))
}

/// The 95 % percentile interval of the finite values, if there are at least 20 of them.
pub fn interval(values: impl IntoIterator<Item = f64>) -> Option<Interval> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.len() < 20 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Interval { lo: quantile(&v, 0.025)?, hi: quantile(&v, 0.975)? })
}

/// Percentile intervals of f(θ) over bootstrap samples (failed ones skipped).
pub fn intervals_of(samples: &[Option<Vec<f64>>], f: impl Fn(&[f64]) -> f64) -> Option<Interval> {
    interval(samples.iter().flatten().map(|t| f(t)).filter(|v| v.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resamples_are_reproducible_and_sum_to_n() {
        let a = resample_counts(240, 42, 7);
        assert_eq!(a, resample_counts(240, 42, 7));
        assert_ne!(a, resample_counts(240, 42, 8));
        assert_ne!(a, resample_counts(240, 43, 7));
        assert_eq!(a.iter().sum::<f64>(), 240.0);
        // About 1 − 1/e of the runs appear in a resample.
        let present = a.iter().filter(|&&c| c > 0.0).count() as f64 / 240.0;
        assert!((present - 0.632).abs() < 0.08, "{present}");
    }

    #[test]
    fn quantiles_interpolate() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.025), Some(2.5));
        assert_eq!(quantile(&v, 0.5), Some(50.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert!(interval([1.0; 5]).is_none());
        let iv = interval((0..1000).map(f64::from).chain([f64::NAN])).unwrap();
        assert!((iv.lo - 24.975).abs() < 1e-9 && (iv.hi - 974.025).abs() < 1e-9);
    }

    #[test]
    fn slices_give_the_same_resamples_as_one_run() {
        let pts = crate::core::fit::multistart::tests::epoch_points();
        let law = crate::core::laws::chinchilla::CHINCHILLA;
        let model = crate::core::laws::RunsModel::new(&law, &pts);
        let best = [6.169, 7.670, 0.597, 0.347, 0.367];
        let whole = resamples(&model, &best, 1e-3, 9, 0, 6);
        let mut parts = resamples(&model, &best, 1e-3, 9, 0, 2);
        parts.extend(resamples(&model, &best, 1e-3, 9, 2, 6));
        assert_eq!(whole, parts);
        assert!(whole.iter().all(Option::is_some));
    }
}

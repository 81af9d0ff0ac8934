//! Bootstrap over rows: seeded, reproducible resamples (each one's random numbers depend only on
//! the seed and its index, so slices run in any order or worker give the same answer), each
//! fitted by L-BFGS warm-started at the full-data optimum; percentile intervals.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::lbfgs::{self, Settings, MAX_DIM};
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
/// `None` where the fit gave no usable optimum. L-BFGS runs in coordinates whitened by the
/// full-data objective's Hessian at `best` ([`Preconditioner`]): a resample's optimum is close
/// to `best` and its objective close to the full data's, so there the problem is nearly
/// isotropic and L-BFGS needs about a quarter of the evaluations (15 instead of 64 on the Epoch
/// runs) to meet the same stopping rules.
pub fn resamples<M: Model + ?Sized>(model: &M, best: &[f64], delta: f64, seed: u64, from: usize, to: usize) -> Vec<Option<Vec<f64>>> {
    let pre = Preconditioner::new(model, best, delta);
    (from..to)
        .map(|index| {
            let weights = resample_counts(model.rows(), seed, index);
            let (theta, value) = match &pre {
                Some(p) => p.minimize(model, delta, &weights),
                None => {
                    let out = model::minimize(model, best, delta, Some(&weights), &Settings::warm());
                    (out.theta, out.value)
                }
            };
            (value.is_finite() && model.finite(&theta)).then_some(theta)
        })
        .collect()
}

/// θ = θ̂ + R⁻ᵀz, where H = RRᵀ (Cholesky) is the finite-difference Hessian of the full-data
/// objective at θ̂: in z the objective's curvature near θ̂ is the identity.
pub struct Preconditioner {
    best: Vec<f64>,
    /// R, lower triangular, row-major n×n.
    r: Vec<f64>,
}

impl Preconditioner {
    /// The preconditioner at `best`; `None` when the Hessian is not finite or not positive
    /// definite enough to factor (the plain warm start is used then).
    pub fn new<M: Model + ?Sized>(model: &M, best: &[f64], delta: f64) -> Option<Preconditioner> {
        let n = model.dim();
        if best.len() != n || n == 0 || n > MAX_DIM {
            return None;
        }
        let mut h = vec![0.0; n * n];
        let (mut up_g, mut down_g) = (vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            let step = 1e-5 * (1.0 + best[i].abs());
            let (mut up, mut down) = (best.to_vec(), best.to_vec());
            up[i] += step;
            down[i] -= step;
            model.objective(&up, delta, None, &mut up_g);
            model.objective(&down, delta, None, &mut down_g);
            for j in 0..n {
                h[i * n + j] = (up_g[j] - down_g[j]) / (2.0 * step);
            }
        }
        let mut r = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut sum = 0.5 * (h[i * n + j] + h[j * n + i]);
                for k in 0..j {
                    sum -= r[i * n + k] * r[j * n + k];
                }
                if i == j {
                    if !(sum > 1e-12 * h[i * n + i].abs()) {
                        return None;
                    }
                    r[i * n + i] = sum.sqrt();
                } else {
                    r[i * n + j] = sum / r[j * n + j];
                }
            }
        }
        r.iter().all(|v| v.is_finite()).then(|| Preconditioner { best: best.to_vec(), r })
    }

    /// θ for z.
    fn theta(&self, z: &[f64], theta: &mut [f64]) {
        let n = self.best.len();
        for i in (0..n).rev() {
            let v = z[i] - (i + 1..n).map(|k| self.r[k * n + i] * (theta[k] - self.best[k])).sum::<f64>();
            theta[i] = self.best[i] + v / self.r[i * n + i];
        }
    }

    /// ∇z from ∇θ: R⁻¹∇θ.
    fn gradient(&self, g_theta: &[f64], g_z: &mut [f64]) {
        let n = self.best.len();
        for i in 0..n {
            let v = g_theta[i] - (0..i).map(|k| self.r[i * n + k] * g_z[k]).sum::<f64>();
            g_z[i] = v / self.r[i * n + i];
        }
    }

    /// Minimises the weighted objective from θ̂ in whitened coordinates: (θ, objective).
    pub fn minimize<M: Model + ?Sized>(&self, model: &M, delta: f64, weights: &[f64]) -> (Vec<f64>, f64) {
        let n = self.best.len();
        let mut theta = [0.0; MAX_DIM];
        let mut g_theta = [0.0; MAX_DIM];
        let mut objective = |z: &[f64], g_z: &mut [f64]| {
            self.theta(z, &mut theta[..n]);
            let value = model.objective(&theta[..n], delta, Some(weights), &mut g_theta[..n]);
            self.gradient(&g_theta[..n], g_z);
            value
        };
        let out = lbfgs::minimize(&mut objective, &vec![0.0; n], &Settings::warm());
        let mut theta = vec![0.0; n];
        self.theta(&out.theta, &mut theta);
        (theta, out.value)
    }
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

/// The 95 % intervals of a law's `dim` parameters from bootstrap samples of its θ, where θ holds
/// the logarithm of the parameters at `logs` and the parameters themselves elsewhere; `None`
/// without samples or when one parameter has no interval.
pub fn param_intervals(samples: &[Option<Vec<f64>>], dim: usize, logs: &[usize]) -> Option<Vec<(f64, f64)>> {
    if samples.is_empty() {
        return None;
    }
    (0..dim)
        .map(|i| {
            let published = |t: &[f64]| if logs.contains(&i) { t.get(i).map_or(f64::NAN, |v| v.exp()) } else { t.get(i).copied().unwrap_or(f64::NAN) };
            intervals_of(samples, published).map(|iv| (iv.lo, iv.hi))
        })
        .collect()
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
    fn whitened_resamples_reach_the_plain_optimum_with_fewer_evaluations() {
        let pts = crate::core::fit::multistart::tests::epoch_points();
        let law = crate::core::laws::chinchilla::CHINCHILLA;
        let model = crate::core::laws::RunsModel::new(&law, &pts);
        let best = [6.169246753796599, 7.670155938136112, 0.5973068090374566, 0.34731052238271554, 0.3671723929651195];
        let pre = Preconditioner::new(&model, &best, 1e-3).expect("the Epoch optimum's Hessian factors");
        let (mut plain_alpha, mut pre_alpha) = (Vec::new(), Vec::new());
        for index in 0..200 {
            let weights = resample_counts(model.rows(), 42, index);
            let plain = model::minimize(&model, &best, 1e-3, Some(&weights), &Settings::warm());
            let (theta, value) = pre.minimize(&model, 1e-3, &weights);
            assert!(value <= plain.value * (1.0 + 1e-9), "resample {index}: {value} > {}", plain.value);
            plain_alpha.push(plain.theta[3]);
            pre_alpha.push(theta[3]);
        }
        let (a, b) = (interval(plain_alpha).unwrap(), interval(pre_alpha).unwrap());
        assert!((a.lo - b.lo).abs() < 1e-4 && (a.hi - b.hi).abs() < 1e-4, "{a:?} vs {b:?}");
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


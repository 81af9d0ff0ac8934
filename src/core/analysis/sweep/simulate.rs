//! Simulated sweeps: noisy runs drawn from a true Chinchilla law, each replicate fitted by the
//! Chinchilla recipe (Huber on ln L, L-BFGS) warm-started at the truth plus a few perturbed starts.

use crate::core::fit::bootstrap::{interval, quantile, Interval};
use crate::core::fit::lbfgs::Settings;
use crate::core::fit::multistart::{minimize, Optimizer};
use crate::core::fit::points::Point;
use crate::core::laws::{chinchilla::CHINCHILLA, ChinchillaLaw, LossLaw, RunsModel};

/// Huber δ of the simulated fits: the recipe's default (LAWS.md).
pub const DELTA: f64 = 1e-3;

/// One planned training run: compute C and model size N (tokens D = C/(6N)).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    /// Training compute (FLOP).
    pub c: f64,
    /// Parameters.
    pub n: f64,
}

impl Run {
    /// Tokens D = C/(6N).
    pub fn d(&self) -> f64 {
        self.c / (6.0 * self.n)
    }
}

/// θ = (ln A, ln B, ln E, α, β) of a Chinchilla law, the fitter's parametrisation.
pub fn theta_of(law: &ChinchillaLaw) -> [f64; 5] {
    [law.a.ln(), law.b.ln(), law.e.ln(), law.alpha, law.beta]
}

/// The law for θ, when every parameter is finite and both exponents are positive.
pub fn law_of(theta: &[f64; 5]) -> Option<ChinchillaLaw> {
    let [a, b, e, alpha, beta] = *theta;
    let law = ChinchillaLaw { e: e.exp(), a: a.exp(), b: b.exp(), alpha, beta };
    let ok = [law.e, law.a, law.b, alpha, beta].iter().all(|v| v.is_finite()) && alpha > 0.0 && beta > 0.0;
    ok.then_some(law)
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash step.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal draw that depends only on (seed, replicate, the run, which copy of it):
/// the same run gets the same noise in every plan, so plans are compared on common random
/// numbers and adding a run never reshuffles the others' noise.
/// The run is keyed by log₂ C and log₂ N rounded to 2⁻³⁰, not by their bits: sizes come from
/// `powf`, whose last bit differs between the browser's maths library and the native one, and
/// the page and the CLI should draw the same noise.
pub fn noise(seed: u64, replicate: usize, run: &Run, copy: usize) -> f64 {
    let q = |x: f64| (x.log2() * (1u64 << 30) as f64).round() as i64 as u64;
    let key = mix(mix(mix(mix(seed) ^ replicate as u64) ^ q(run.c)) ^ q(run.n)) ^ copy as u64;
    let unit = |h: u64| ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let (u1, u2) = (unit(mix(key)), unit(mix(key ^ 0x5851_F42D_4C95_7F2D)));
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Starts of one replicate's fit: the truth, then the truth with both exponents moved by ±0.1
/// (coefficients moved with them so the prediction at the runs' centre stays put). On the
/// default plan at σ = 0.5 %, the truth alone reaches the best optimum in 90 % of replicates,
/// the first two starts in 99.5 %, all three in every one (and a fourth start, E halved, adds
/// nothing); `warm_started_fits_reach_the_full_multistart_optimum` checks against 3 375 starts.
pub fn starts(truth: &[f64; 5], runs: &[Run]) -> Vec<[f64; 5]> {
    let count = runs.len().max(1) as f64;
    let mean_ln_n = runs.iter().map(|r| r.n.ln()).sum::<f64>() / count;
    let mean_ln_d = runs.iter().map(|r| r.d().ln()).sum::<f64>() / count;
    let [a, b, e, alpha, beta] = *truth;
    let tilt = |s: f64| {
        let (da, db) = (s.max(0.02 - alpha), s.max(0.02 - beta));
        [a + da * mean_ln_n, b + db * mean_ln_d, e, alpha + da, beta + db]
    };
    vec![*truth, tilt(0.1), tilt(-0.1)]
}

/// The fitted θ of one simulated sweep, `None` when no start gave a usable law.
pub fn fit_replicate(runs: &[Run], truth: &ChinchillaLaw, sigma: f64, seed: u64, replicate: usize) -> Option<[f64; 5]> {
    let points = noisy_points(runs, truth, sigma, seed, replicate);
    fit_points(&points, &starts(&theta_of(truth), runs))
}

/// The runs' points with ln L = ln L_true + σ·ε.
pub fn noisy_points(runs: &[Run], truth: &ChinchillaLaw, sigma: f64, seed: u64, replicate: usize) -> Vec<Point> {
    let mut copies: Vec<(Run, usize)> = Vec::with_capacity(runs.len());
    runs.iter()
        .map(|run| {
            let copy = copies.iter().filter(|(r, _)| r == run).count();
            copies.push((*run, copy));
            let d = run.d();
            let ln_loss = truth.loss(run.n, d).ln() + sigma * noise(seed, replicate, run, copy);
            Point { ln_n: run.n.ln(), ln_d: d.ln(), ln_c: run.c.ln(), ln_loss }
        })
        .collect()
}

/// The best usable optimum over `starts` (warm L-BFGS settings).
pub fn fit_points(points: &[Point], starts: &[[f64; 5]]) -> Option<[f64; 5]> {
    let model = RunsModel::new(&CHINCHILLA, points);
    let mut best: Option<([f64; 5], f64)> = None;
    for start in starts {
        let out = minimize(&model, DELTA, start, &Settings::warm(), Optimizer::Own);
        let Ok(theta) = <[f64; 5]>::try_from(out.theta.as_slice()) else { continue };
        if !out.value.is_finite() || law_of(&theta).is_none() {
            continue;
        }
        if best.is_none_or(|(_, v)| out.value < v) {
            best = Some((theta, out.value));
        }
    }
    best.map(|(theta, _)| theta)
}

/// Every replicate's fitted θ (`None` where the fit failed).
pub fn simulate(runs: &[Run], truth: &ChinchillaLaw, sigma: f64, seed: u64, replicates: usize) -> Vec<Option<[f64; 5]>> {
    (0..replicates).map(|r| fit_replicate(runs, truth, sigma, seed, r)).collect()
}

/// Spread of one quantity over the replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The true value.
    pub truth: f64,
    /// Median over the replicates.
    pub median: f64,
    /// Central 95 % interval over the replicates.
    pub ci: Interval,
}

impl Spread {
    /// hi / lo of the interval (for positive quantities).
    pub fn factor(&self) -> f64 {
        self.ci.hi / self.ci.lo
    }
    /// (hi − lo) / truth.
    pub fn relative_width(&self) -> f64 {
        (self.ci.hi - self.ci.lo) / self.truth
    }
    /// median / truth − 1.
    pub fn bias(&self) -> f64 {
        self.median / self.truth - 1.0
    }
}

/// What the replicates say about the target budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Compute-optimal N at the target.
    pub n_star: Spread,
    /// Loss at that optimum.
    pub l_star: Spread,
    /// Allocation exponent a = β/(α+β).
    pub exponent: Spread,
    /// Replicates whose fit gave no usable law.
    pub failed: usize,
    /// Replicates run.
    pub replicates: usize,
}

/// N*, L* and a of a law at `target`, when finite.
pub fn at_target(law: &ChinchillaLaw, target: f64) -> Option<(f64, f64, f64)> {
    let (n, d) = law.closed_form_optimum(target)?;
    let l = law.loss(n, d);
    let a = law.beta / (law.alpha + law.beta);
    [n, d, l, a].iter().all(|v| v.is_finite() && *v > 0.0).then_some((n, l, a))
}

fn spread(truth: f64, values: &[f64]) -> Option<Spread> {
    let ci = interval(values.iter().copied())?;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Spread { truth, median: quantile(&sorted, 0.5)?, ci })
}

/// Summarises the replicates at `target`; `None` when fewer than 20 replicates gave a law.
pub fn summarize(thetas: &[Option<[f64; 5]>], truth: &ChinchillaLaw, target: f64) -> Option<Summary> {
    let (tn, tl, ta) = at_target(truth, target)?;
    let found: Vec<(f64, f64, f64)> =
        thetas.iter().filter_map(|t| t.as_ref().and_then(law_of).and_then(|l| at_target(&l, target))).collect();
    let failed = thetas.len() - found.len();
    let column = |f: fn(&(f64, f64, f64)) -> f64| -> Vec<f64> { found.iter().map(f).collect() };
    Some(Summary {
        n_star: spread(tn, &column(|v| v.0))?,
        l_star: spread(tl, &column(|v| v.1))?,
        exponent: spread(ta, &column(|v| v.2))?,
        failed,
        replicates: thetas.len(),
    })
}

/// What a planned set of runs lacks to identify the law's five parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unidentifiable {
    /// Fewer than six distinct (C, N) pairs.
    TooFewRuns {
        /// Distinct runs planned.
        distinct: usize,
    },
    /// Every run has the same model size.
    OneSize,
    /// Every run sees the same number of tokens.
    OneTokenCount,
    /// The Jacobian of ln L̂ over θ is rank-deficient.
    RankDeficient {
        /// Whether all runs share one budget.
        one_budget: bool,
    },
}

impl std::fmt::Display for Unidentifiable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::TooFewRuns { distinct } => write!(
                f,
                "{distinct} distinct run{} cannot pin down the 5 parameters of L = E + A/N^α + B/D^β: plan at least 6 different (C, N) pairs, better 3 or more budgets × 3 or more sizes",
                if distinct == 1 { "" } else { "s" }
            ),
            Self::OneSize => f.write_str("every run has the same model size, so A/N^α cannot be told apart from E: vary N within or across budgets"),
            Self::OneTokenCount => f.write_str("every run sees the same number of tokens, so B/D^β cannot be told apart from E: vary D"),
            Self::RankDeficient { one_budget } => write!(
                f,
                "the planned runs cannot tell the law's 5 parameters apart{}: add runs at other budgets and sizes",
                if one_budget { " (all runs share one budget)" } else { "" }
            ),
        }
    }
}

impl std::error::Error for Unidentifiable {}

/// Whether the runs can tell the five parameters apart: the Jacobian of ln L̂ over θ at the
/// truth must have full rank (checked by Gram–Schmidt on its normalised columns).
///
/// # Errors
/// A message saying what the plan lacks.
pub fn identifiable(runs: &[Run], truth: &ChinchillaLaw) -> Result<(), Unidentifiable> {
    let mut distinct: Vec<Run> = Vec::new();
    for r in runs {
        if !distinct.contains(r) {
            distinct.push(*r);
        }
    }
    let sizes = count_distinct(distinct.iter().map(|r| r.n));
    let budgets = count_distinct(distinct.iter().map(|r| r.c));
    if distinct.len() < 6 {
        return Err(Unidentifiable::TooFewRuns { distinct: distinct.len() });
    }
    if sizes < 2 {
        return Err(Unidentifiable::OneSize);
    }
    if count_distinct(distinct.iter().map(|r| r.d())) < 2 {
        return Err(Unidentifiable::OneTokenCount);
    }
    let theta = theta_of(truth);
    let mut grad = [0.0; 5];
    let columns: Vec<Vec<f64>> = (0..5)
        .map(|j| {
            distinct
                .iter()
                .map(|r| {
                    let p = Point { ln_n: r.n.ln(), ln_d: r.d().ln(), ln_c: r.c.ln(), ln_loss: 0.0 };
                    crate::core::laws::RunLaw::predict_ln(&CHINCHILLA, &theta, &p, &mut grad);
                    grad.get(j).copied().unwrap_or(0.0)
                })
                .collect()
        })
        .collect();
    if !full_rank(columns) {
        return Err(Unidentifiable::RankDeficient { one_budget: budgets < 2 });
    }
    Ok(())
}

fn count_distinct(values: impl Iterator<Item = f64>) -> usize {
    let mut seen: Vec<f64> = Vec::new();
    for v in values {
        if !seen.iter().any(|s| (s / v - 1.0).abs() < 1e-9) {
            seen.push(v);
        }
    }
    seen.len()
}

/// Modified Gram–Schmidt: whether no column is (nearly) a combination of the ones before it.
fn full_rank(mut columns: Vec<Vec<f64>>) -> bool {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for j in 0..columns.len() {
        let (done, rest) = columns.split_at_mut(j);
        let Some(col) = rest.first_mut() else { return false };
        let before = norm(col);
        if !(before > 0.0) {
            return false;
        }
        col.iter_mut().for_each(|x| *x /= before);
        for q in done.iter() {
            let dot: f64 = q.iter().zip(col.iter()).map(|(a, b)| a * b).sum();
            col.iter_mut().zip(q).for_each(|(x, qv)| *x -= dot * qv);
        }
        let after = norm(col);
        if !(after > 1e-7) {
            return false;
        }
        col.iter_mut().for_each(|x| *x /= after);
    }
    true
}

/// Φ, the standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5·10⁻⁷).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Asymptotic variance factor E[ψ²]/E[ψ′]² of the Huber-δ estimator under N(0, σ²) noise
/// (σ² for least squares, πσ²/2 for least absolute deviations).
pub fn huber_variance(sigma: f64, delta: f64) -> f64 {
    if !(sigma > 0.0) {
        return 0.0;
    }
    let u = delta / sigma;
    let phi = (-0.5 * u * u).exp() / (std::f64::consts::TAU).sqrt();
    let inside = 2.0 * normal_cdf(u) - 1.0;
    let psi2 = sigma * sigma * (inside - 2.0 * u * phi) + 2.0 * delta * delta * (1.0 - normal_cdf(u));
    psi2 / (inside * inside)
}

/// Linearised (Gauss–Newton) 95 % widths at `target` for a plan: (factor hi/lo of N*,
/// relative width of L*), from Cov θ ≈ v·(JᵀJ)⁻¹ with v = [`huber_variance`]; `None` when JᵀJ
/// is singular.
pub fn linearised_widths(runs: &[Run], truth: &ChinchillaLaw, sigma: f64, target: f64) -> Option<(f64, f64)> {
    let theta = theta_of(truth);
    let mut info = [[0.0f64; 5]; 5];
    let mut grad = [0.0; 5];
    for r in runs {
        let p = Point { ln_n: r.n.ln(), ln_d: r.d().ln(), ln_c: r.c.ln(), ln_loss: 0.0 };
        crate::core::laws::RunLaw::predict_ln(&CHINCHILLA, &theta, &p, &mut grad);
        for (i, row) in info.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell += grad[i] * grad[j];
            }
        }
    }
    let at = |t: &[f64; 5]| law_of(t).and_then(|l| at_target(&l, target));
    let (n0, l0, _) = at(&theta)?;
    let mut g_n = [0.0; 5];
    let mut g_l = [0.0; 5];
    for i in 0..5 {
        let h = 1e-6 * (1.0 + theta[i].abs());
        let (mut up, mut down) = (theta, theta);
        up[i] += h;
        down[i] -= h;
        let ((nu, lu, _), (nd, ld, _)) = (at(&up)?, at(&down)?);
        g_n[i] = (nu.ln() - nd.ln()) / (2.0 * h);
        g_l[i] = (lu - ld) / (2.0 * h);
    }
    let v = huber_variance(sigma, DELTA);
    let quad = |g: [f64; 5]| -> Option<f64> {
        let x = solve(info, g)?;
        Some((v * g.iter().zip(&x).map(|(a, b)| a * b).sum::<f64>()).max(0.0))
    };
    let (var_n, var_l) = (quad(g_n)?, quad(g_l)?);
    let z = 1.959_964;
    let out = ((2.0 * z * var_n.sqrt()).exp(), 2.0 * z * var_l.sqrt() / l0);
    (out.0.is_finite() && out.1.is_finite() && n0 > 0.0).then_some(out)
}

/// Solves M x = g (Gaussian elimination with partial pivoting on an equilibrated copy);
/// `None` when M is (numerically) singular.
fn solve(mut m: [[f64; 5]; 5], mut g: [f64; 5]) -> Option<[f64; 5]> {
    // Scale to unit diagonal so the singularity test is relative.
    let scale: [f64; 5] = std::array::from_fn(|i| m[i][i].sqrt());
    if scale.iter().any(|s| !(*s > 0.0)) {
        return None;
    }
    for i in 0..5 {
        for j in 0..5 {
            m[i][j] /= scale[i] * scale[j];
        }
        g[i] /= scale[i];
    }
    for col in 0..5 {
        let pivot = (col..5).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if !(m[pivot][col].abs() > 1e-13) {
            return None;
        }
        m.swap(col, pivot);
        g.swap(col, pivot);
        for row in col + 1..5 {
            let f = m[row][col] / m[col][col];
            let pivot_row = m[col];
            for (cell, p) in m[row].iter_mut().zip(pivot_row).skip(col) {
                *cell -= f * p;
            }
            g[row] -= f * g[col];
        }
    }
    let mut x = [0.0; 5];
    for row in (0..5).rev() {
        let rest: f64 = (row + 1..5).map(|k| m[row][k] * x[k]).sum();
        x[row] = (g[row] - rest) / m[row][row];
    }
    Some(std::array::from_fn(|i| x[i] / scale[i]))
}

//! Joint fits of variants (architectures, datasets, optimisers …): one law whose exponents every
//! variant shares while each has coefficients of its own, fitted to all runs at once; then each
//! variant's **effective-compute multiplier** against a baseline — the compute the baseline needs
//! to reach the loss the variant reaches with C, divided by C.
//!
//! The search is the profile search of [`crate::core::fit::profile`] made joint: once the shared
//! exponents are fixed the variants' coefficients no longer interact, so the joint profile is the
//! sum of the variants' own profiles. Its basins are the starts of L-BFGS on the joint objective.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::request::Groups;
use crate::core::allocate;
use crate::core::fit::bootstrap::{interval, Interval};
use crate::core::laws::LawRef;
use crate::core::loss::LossLaw;
use crate::core::fit::bootstrap;
use crate::core::fit::constraints::{asymmetric_huber, Fitting};
use crate::core::fit::lbfgs::{Settings, MAX_DIM};
use crate::core::fit::model::Model;
use crate::core::fit::multistart::{self, Optimizer, Optimum, Slice};
use crate::core::fit::points::{Dataset, Point};
use crate::core::fit::profile::{self, Projection, Term, CELLS};
use crate::core::laws::RunLaw;

/// A law fitted jointly to the runs of several variants: θ is the shared parameters (in the
/// order of `shared`) followed by each variant's own (in the order of `own`).
pub struct JointModel<'l> {
    law: &'l dyn RunLaw,
    data: Dataset,
    group: Vec<usize>,
    count: usize,
    shared: Vec<usize>,
    own: Vec<usize>,
    fitting: Fitting,
    weights: Vec<f64>,
}

impl<'l> JointModel<'l> {
    /// `group[i]` is run i's variant (below `count`); `shared` are the θ indices every variant
    /// shares, the rest are each variant's own.
    pub fn new(law: &'l dyn RunLaw, points: &[Point], group: Vec<usize>, count: usize, shared: Vec<usize>, fitting: Fitting) -> JointModel<'l> {
        let own = (0..law.dim()).filter(|i| !shared.contains(i)).collect();
        let weights = (0..points.len()).map(|i| fitting.weight(i, 1.0)).collect();
        JointModel { law, data: Dataset::new(points), group, count, shared, own, fitting, weights }
    }

    /// Length of the joint θ.
    pub fn joint_dim(&self) -> usize {
        self.shared.len() + self.count * self.own.len()
    }

    /// Variant `g`'s θ of the law from the joint θ.
    pub fn variant_theta(&self, joint: &[f64], g: usize) -> Vec<f64> {
        let mut full = vec![0.0; self.law.dim()];
        self.fill(joint, g, &mut full);
        full
    }

    fn fill(&self, joint: &[f64], g: usize, full: &mut [f64]) {
        for (k, &i) in self.shared.iter().enumerate() {
            full[i] = joint.get(k).copied().unwrap_or(f64::NAN);
        }
        let base = self.shared.len() + g * self.own.len();
        for (k, &i) in self.own.iter().enumerate() {
            full[i] = joint.get(base + k).copied().unwrap_or(f64::NAN);
        }
    }

    /// The joint θ from each variant's θ of the law (the shared values taken from the first).
    pub fn joint_theta(&self, variants: &[Vec<f64>]) -> Vec<f64> {
        let mut joint: Vec<f64> = self.shared.iter().map(|&i| variants.first().map_or(f64::NAN, |t| t[i])).collect();
        for t in variants {
            joint.extend(self.own.iter().map(|&i| t[i]));
        }
        joint
    }
}

impl Model for JointModel<'_> {
    fn dim(&self) -> usize {
        self.joint_dim()
    }
    fn rows(&self) -> usize {
        self.data.len()
    }
    fn observed_ln(&self, row: usize) -> f64 {
        self.data.ln_loss.get(row).copied().unwrap_or(f64::NAN)
    }
    fn predict_ln(&self, theta: &[f64], row: usize, grad: &mut [f64]) -> f64 {
        let dim = self.law.dim().min(MAX_DIM);
        let g = self.group.get(row).copied().unwrap_or(0);
        let mut full = [0.0; MAX_DIM];
        self.fill(theta, g, &mut full[..dim]);
        let mut local = [0.0; MAX_DIM];
        let value = self.law.predict_ln(&full[..dim], &self.data.point(row), &mut local[..dim]);
        grad.iter_mut().for_each(|v| *v = 0.0);
        for (k, &i) in self.shared.iter().enumerate() {
            if let Some(v) = grad.get_mut(k) {
                *v = local[i];
            }
        }
        let base = self.shared.len() + g * self.own.len();
        for (k, &i) in self.own.iter().enumerate() {
            if let Some(v) = grad.get_mut(base + k) {
                *v = local[i];
            }
        }
        value
    }
    fn objective(&self, theta: &[f64], delta: f64, counts: Option<&[f64]>, grad: &mut [f64]) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut local = [0.0; MAX_DIM];
        let local = &mut local[..self.joint_dim().min(MAX_DIM)];
        let mut total = 0.0;
        for row in 0..self.rows() {
            let w = self.weights[row] * counts.map_or(1.0, |c| c.get(row).copied().unwrap_or(0.0));
            if w == 0.0 {
                continue;
            }
            let r = self.predict_ln(theta, row, local) - self.observed_ln(row);
            let (loss, slope) = asymmetric_huber(r, delta, self.fitting.asymmetry);
            total += w * loss;
            for (g, l) in grad.iter_mut().zip(local.iter()) {
                *g += w * slope * l;
            }
        }
        total
    }
    fn accept(&self, _theta: &[f64]) -> bool {
        true
    }
    fn finite(&self, theta: &[f64]) -> bool {
        (0..self.count).all(|g| self.law.params(&self.variant_theta(theta, g)).iter().all(|v| v.is_finite()))
    }
}

/// What a joint fit found: the polished optimum, the distinct optima, its evaluations and the
/// bootstrap's joint θ (`None`: a failed resample).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JointFit {
    /// The joint θ at the optimum.
    pub theta: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// The lowest distinct optima (joint θ).
    pub optima: Vec<Optimum>,
    /// Objective evaluations (profile passes over the runs included).
    pub evaluations: usize,
    /// Resampled joint θ.
    pub samples: Vec<Option<Vec<f64>>>,
}

/// Fits `law` jointly to runs in `count` variants, sharing the law's profiled exponents: the
/// summed profile, L-BFGS from its basins, the polish, then `resamples` bootstrap resamples
/// (each resampling runs within their variants' mix as a whole). `None` when the law has no
/// profile or no basin gives a finite objective.
#[allow(clippy::too_many_arguments)]
pub fn fit(law: &dyn RunLaw, points: &[Point], group: &[usize], count: usize, fitting: &Fitting, delta: f64, resamples: usize, seed: u64) -> Option<JointFit> {
    let projection = law.projection()?;
    let shared: Vec<usize> = projection.axes.iter().map(|a| a.theta).collect();
    let model = JointModel::new(law, points, group.to_vec(), count, shared, fitting.clone());
    if model.joint_dim() > MAX_DIM || count == 0 {
        return None;
    }
    let axes = profile::axes(&projection);
    let (n0, n1) = (CELLS, if axes.len() > 1 { CELLS } else { 1 });
    // Each variant's profile; the joint one is their sum.
    let mut total: Vec<Option<f64>> = vec![Some(0.0); n0 * n1];
    let mut coefs: Vec<Vec<[f64; 3]>> = Vec::with_capacity(count);
    let mut passes = 0;
    for g in 0..count {
        let rows: Vec<usize> = (0..points.len()).filter(|&i| group.get(i) == Some(&g)).collect();
        let own_points: Vec<Point> = rows.iter().map(|&i| points[i]).collect();
        let own_fitting = Fitting { weights: if fitting.weights.is_empty() { Vec::new() } else { rows.iter().map(|&i| fitting.weights[i]).collect() }, ..fitting.clone() };
        let share = profile::share(&projection, &own_points, &own_fitting, delta, 0, CELLS)?;
        passes += share.passes;
        for (t, v) in total.iter_mut().zip(&share.values) {
            *t = t.zip(*v).map(|(a, b)| a + b);
        }
        coefs.push(share.coefs);
    }
    let floor = 1e-12 * points.iter().map(|p| p.ln_loss.exp()).sum::<f64>() / points.len().max(1) as f64;
    let mut slice = Slice { optima: Vec::new(), evaluations: passes, failed: 0, starts: 0 };
    for (cell, _) in profile::basins(&total, n0, n1) {
        let start = start_at(&projection, &axes, &coefs, cell, n1, law.dim(), floor);
        let start = model.joint_theta(&start);
        let out = multistart::minimize(&model, delta, &start, &Settings::warm(), Optimizer::Own);
        slice.evaluations += out.evaluations;
        slice.starts += 1;
        if out.value.is_finite() {
            slice.optima.push(Optimum { theta: out.theta, value: out.value, starts: 1 });
        } else {
            slice.failed += 1;
        }
    }
    crate::core::order::sort_by_f64(&mut slice.optima, |o| o.value);
    let result = profile::finish(&model, delta, slice)?;
    let samples = bootstrap::resamples(&model, &result.best.theta, delta, seed, 0, resamples);
    Some(JointFit { theta: result.best.theta, value: result.best.value, optima: result.optima, evaluations: result.evaluations, samples })
}

/// Each variant's θ at profile cell `cell`: the shared exponents there and its coefficients.
fn start_at(projection: &Projection, axes: &[Vec<f64>], coefs: &[Vec<[f64; 3]>], cell: usize, n1: usize, dim: usize, floor: f64) -> Vec<Vec<f64>> {
    let (i, j) = (cell / n1, cell % n1);
    coefs
        .iter()
        .map(|c| {
            let mut t = vec![0.0; dim];
            for (k, (a, &index)) in projection.axes.iter().zip(&[i, j]).enumerate() {
                t[a.theta] = axes[k][index];
            }
            for (term, c) in projection.terms.iter().zip(c.get(cell).copied().unwrap_or_default()) {
                let (Term::One { theta } | Term::Power { theta, .. }) = *term;
                t[theta] = c.max(floor).ln();
            }
            t
        })
        .collect()
}

/// Most variants a joint fit takes (the joint θ must fit the optimiser's [`MAX_DIM`]).
pub fn max_variants(law: &dyn RunLaw) -> usize {
    let shared = law.projection().map_or(0, |p| p.axes.len());
    let own = law.dim().saturating_sub(shared).max(1);
    MAX_DIM.saturating_sub(shared) / own
}

/// The effective-compute multiplier of a variant against a baseline at compute `c`: the compute
/// the baseline needs (allocated optimally) to reach the loss the variant reaches with `c`
/// (allocated optimally), divided by `c`. `None` when either law cannot allocate or the baseline
/// does not reach that loss within 10⁶× either way.
pub fn multiplier(variant: &dyn crate::core::loss::LossLaw, baseline: &dyn crate::core::loss::LossLaw, c: f64) -> Option<f64> {
    let target = allocate::optimum(variant, c).ok()?.loss;
    let loss_at = |ln_c: f64| allocate::optimum(baseline, ln_c.exp()).ok().map(|a| a.loss);
    let (mut lo, mut hi) = (c.ln() - 6.0 * std::f64::consts::LN_10, c.ln() + 6.0 * std::f64::consts::LN_10);
    // The baseline's optimal loss falls with compute: bracket the target, then bisect in ln C.
    if !(loss_at(lo)? >= target && loss_at(hi)? <= target) {
        return None;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if loss_at(mid)? > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    Some((0.5 * (lo + hi) - c.ln()).exp())
}

/// A joint fit as the report shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JointReport {
    /// The group column.
    pub column: String,
    /// The baseline variant.
    pub baseline: String,
    /// The compute the multipliers are at, FLOP.
    pub compute: f64,
    /// The objective of the joint fit.
    pub objective: f64,
    /// The shared parameters (the exponents) by name.
    pub shared: BTreeMap<String, f64>,
    /// Their 95 % bootstrap intervals.
    pub shared_ci: BTreeMap<String, Interval>,
    /// Each variant.
    pub variants: Vec<VariantRow>,
    /// Resamples whose fit gave usable numbers, of those run.
    pub resamples: (usize, usize),
}

/// One variant of a joint fit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VariantRow {
    /// Its name.
    pub name: String,
    /// Its runs.
    pub runs: usize,
    /// Its law's published parameters.
    pub params: BTreeMap<String, f64>,
    /// The compute-optimal loss at the report's compute.
    pub loss: Option<f64>,
    /// Its effective-compute multiplier against the baseline (1 for the baseline).
    pub multiplier: Option<f64>,
    /// The multiplier's 95 % bootstrap interval.
    pub ci: Option<Interval>,
}

/// The report of a finished joint fit at compute `c`: each variant's law, its compute-optimal
/// loss and its multiplier against the baseline, with bootstrap intervals.
pub fn report(law: LawRef, groups: &Groups, points: &[Point], theta: &[f64], value: f64, samples: &[Option<Vec<f64>>], c: f64) -> JointReport {
    let shared: Vec<usize> = law.projection().map(|p| p.axes.iter().map(|a| a.theta).collect()).unwrap_or_default();
    let model = JointModel::new(law.0, points, groups.of_run.clone(), groups.names.len(), shared.clone(), Fitting::default());
    let laws = |joint: &[f64]| -> Vec<Option<Arc<dyn LossLaw + Send + Sync>>> {
        (0..groups.names.len()).map(|g| law.law(&law.params(&model.variant_theta(joint, g)))).collect()
    };
    let multipliers = |joint: &[f64]| -> Vec<Option<f64>> {
        let all = laws(joint);
        let base = all.get(groups.baseline).cloned().flatten();
        all.iter().map(|l| multiplier(&**l.as_ref()?, &**base.as_ref()?, c)).collect()
    };
    let good: Vec<&Vec<f64>> = samples.iter().flatten().collect();
    let resampled: Vec<Vec<Option<f64>>> = good.iter().map(|t| multipliers(t)).collect();
    let names = law.theta_names();
    let shared_names: Vec<String> = shared.iter().map(|&i| names[i].to_string()).collect();
    let shared_ci = crate::core::order::map_of(shared_names.iter().enumerate().filter_map(|(k, name)| Some((name.clone(), interval(good.iter().map(|t| t[k]))?))));
    let point = multipliers(theta);
    let fitted = laws(theta);
    let variants = groups
        .names
        .iter()
        .enumerate()
        .map(|(g, name)| VariantRow {
            name: name.clone(),
            runs: groups.of_run.iter().filter(|&&h| h == g).count(),
            params: super::report::named(law.0, &model.variant_theta(theta, g)),
            loss: fitted[g].as_ref().and_then(|l| allocate::optimum(&**l, c).ok()).map(|a| a.loss),
            multiplier: point[g],
            ci: if g == groups.baseline { None } else { interval(resampled.iter().filter_map(|m| m[g])) },
        })
        .collect();
    JointReport {
        column: groups.column.clone(),
        baseline: groups.names.get(groups.baseline).cloned().unwrap_or_default(),
        compute: c,
        objective: value,
        // The joint θ starts with the shared parameters.
        shared: crate::core::order::map_of(shared_names.iter().cloned().zip(theta.iter().copied())),
        shared_ci,
        variants,
        resamples: (good.len(), samples.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fit::model::minimize;
    use crate::core::laws::chinchilla::CHINCHILLA;
    use crate::core::laws::RunsModel;

    /// Two variants' runs: variant 1 is variant 0 with N and D worth `s` times more.
    fn runs(s: f64, noise: f64) -> (Vec<Point>, Vec<usize>) {
        let (e, a, b, alpha, beta) = (1.8f64, 420.0f64, 1800.0f64, 0.34f64, 0.28f64);
        let (mut points, mut group) = (Vec::new(), Vec::new());
        let mut k = 0.0;
        for g in 0..2 {
            let scale = if g == 0 { 1.0 } else { s };
            for c in [1e18, 1e19, 1e20, 1e21] {
                for i in 0..9 {
                    let n = (c / 120.0f64).sqrt() * 10f64.powf((i as f64 - 4.0) * 0.15);
                    let d = c / (6.0 * n);
                    k += 1.0;
                    let loss = (e + a / (scale * n).powf(alpha) + b / (scale * d).powf(beta)) * (1.0 + noise * (k * 2.399f64).sin());
                    points.push(Point { ln_n: n.ln(), ln_d: d.ln(), ln_c: c.ln(), ln_loss: loss.ln() });
                    group.push(g);
                }
            }
        }
        (points, group)
    }

    #[test]
    fn sharing_nothing_is_the_separate_fits() {
        let (points, group) = runs(1.3, 0.01);
        let separate: Vec<(Vec<f64>, f64)> = (0..2)
            .map(|g| {
                let own: Vec<Point> = points.iter().zip(&group).filter(|(_, &h)| h == g).map(|(p, _)| *p).collect();
                let model = RunsModel::new(&CHINCHILLA, &own);
                let (fit, _) = profile::fit(&model, &CHINCHILLA.projection().unwrap(), &own, &Fitting::default(), 1e-3).unwrap();
                (fit.best.theta, fit.best.value)
            })
            .collect();
        let joint = JointModel::new(&CHINCHILLA, &points, group, 2, Vec::new(), Fitting::default());
        let theta = joint.joint_theta(&[separate[0].0.clone(), separate[1].0.clone()]);
        let mut grad = vec![0.0; joint.dim()];
        let value = joint.objective(&theta, 1e-3, None, &mut grad);
        assert!((value - separate[0].1 - separate[1].1).abs() < 1e-15, "{value} vs {}", separate[0].1 + separate[1].1);
        // The separate optima are the joint optimum: L-BFGS from there does not go lower.
        let again = minimize(&joint, &theta, 1e-3, None, &Settings::polish());
        assert!(again.value >= value * (1.0 - 1e-9), "{} < {value}", again.value);
        assert!(crate::core::fit::model::objective_gradient_error(&joint, &theta, 1e-3, None) < 1e-5);
    }

    #[test]
    fn recovers_a_known_compute_multiplier() {
        // N and D worth 1.2× more each: 1.44× the compute at every budget (C = 6ND).
        let (points, group) = runs(1.2, 0.0);
        let fit = fit(&CHINCHILLA, &points, &group, 2, &Fitting::default(), 1e-3, 0, 1).unwrap();
        let model = JointModel::new(&CHINCHILLA, &points, group.clone(), 2, vec![3, 4], Fitting::default());
        let law = |g| CHINCHILLA.law(&CHINCHILLA.params(&model.variant_theta(&fit.theta, g))).unwrap();
        let (base, variant) = (law(0), law(1));
        for c in [1e20, 1e23] {
            let m = multiplier(&*variant, &*base, c).unwrap();
            assert!((m - 1.44).abs() < 1e-3, "{c}: {m}");
            assert!((multiplier(&*base, &*base, c).unwrap() - 1.0).abs() < 1e-9);
        }
        let alpha = fit.theta[0];
        assert!((alpha - 0.34).abs() < 1e-3, "{alpha}");
        assert_eq!(max_variants(&CHINCHILLA), 10);
    }
}

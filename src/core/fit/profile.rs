//! Variable projection: for a law whose L is a non-negative combination of terms once its
//! exponents are fixed (the Chinchilla form: L = E·1 + A·N^−α + B·D^−β), search over the
//! exponents alone. On a dense grid of exponents the coefficients are solved exactly as a
//! non-negative least-squares problem (first in relative error, then a few reweighted
//! Gauss–Newton steps towards the robust objective), which maps the *profile* of the objective —
//! its minimum over the coefficients at each exponent — over the whole grid. The profile's
//! basins (its local minima) are the starts of L-BFGS on the true objective (Huber on ln L, as
//! for a grid of starts), and the best is polished as a multistart's is.
//!
//! Why: a multistart over all parameters finds the global optimum only if one of its starts
//! lies in its basin; the profile looks at every exponent pair, so the basin of the global
//! optimum is seen unless it is narrower than a grid cell (Open-Athena's scaling-law-analysis;
//! Besiroglu et al. 2024, arXiv:2404.10102, on Chinchilla's own under-converged fit).

use super::lbfgs::Settings;
use super::model::{huber, Model};
use super::grid::Grid;
use super::multistart::{self, MultistartResult, Optimizer, Optimum, Slice};
use super::points::{Point, Variable};
use scalecalc_kernel::fastmath;

/// One profiled (nonlinear) parameter: where it sits in θ and the range searched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    /// Its index in θ.
    pub theta: usize,
    /// Its name in θ (as grid specifications write it: `alpha`).
    pub name: &'static str,
    /// Lowest value on the grid.
    pub lo: f64,
    /// Highest value on the grid.
    pub hi: f64,
}

/// One term of the law's sum: its coefficient enters θ as a logarithm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Term {
    /// A constant (E): θ\[`theta`\] = ln E.
    One {
        /// Index of the coefficient's logarithm in θ.
        theta: usize,
    },
    /// x^(−φ) for a profiled parameter φ: θ\[`theta`\] = ln of its coefficient.
    Power {
        /// Index of the coefficient's logarithm in θ.
        theta: usize,
        /// Which [`Axis`] is its exponent.
        axis: usize,
        /// The variable it is a power of.
        variable: Variable,
    },
}

/// How a law splits into profiled exponents and non-negative coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The profiled parameters (one or two).
    pub axes: Vec<Axis>,
    /// The terms of the sum (one to three).
    pub terms: Vec<Term>,
    /// Length of θ.
    pub dim: usize,
}

/// The highest exponent the profile searches (the lowest is 0). Fitted exponents of language
/// models sit between 0.05 and 0.8; an optimum beyond the grid is still reached, since L-BFGS
/// from the basin at the edge is not bounded.
pub const EXPONENT_MAX: f64 = 1.5;
/// Grid points per profiled parameter.
pub const CELLS: usize = 48;
/// Reweighted Gauss–Newton steps after the relative least-squares start.
const IRLS_STEPS: usize = 2;
/// Most basins of the profile refined by L-BFGS.
pub const MAX_BASINS: usize = 6;
/// Rival basins within this fraction of the best objective are reported.
pub const RIVAL: f64 = 0.01;

/// The profile over the grid of exponents: the objective minimised over the coefficients (by
/// the least-squares steps above, so each value is the objective at a real θ: an upper bound on
/// the exact profile, and close to it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Surface {
    /// The profiled parameters' names in θ.
    pub names: Vec<String>,
    /// Grid values of each profiled parameter.
    pub axes: Vec<Vec<f64>>,
    /// The profile, row-major over the axes (first axis slowest); `None` where no non-negative
    /// coefficients give a finite objective.
    pub values: Vec<Option<f64>>,
}

impl Surface {
    /// The value at grid indices `(i, j)` (`j` is 0 for a one-axis profile).
    pub fn at(&self, i: usize, j: usize) -> Option<f64> {
        let width = self.axes.get(1).map_or(1, Vec::len);
        self.values.get(i * width + j).copied().flatten()
    }
}

/// What a profile search found: a slice of optima (as a share of a multistart reports them, to
/// be polished the same way) and the surface.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileResult {
    /// Refined basins, as a multistart share's result.
    pub slice: Slice,
    /// The profile.
    pub surface: Surface,
    /// Grid points of the profile.
    pub cells: usize,
}

/// Searches the profile of `model` (the law `projection` describes, over `points`) and refines
/// its best basins. `None` when the projection does not fit the points (no term, too many).
pub fn search<M: Model + ?Sized>(model: &M, projection: &Projection, points: &[Point], delta: f64) -> Option<ProfileResult> {
    let m = projection.terms.len();
    if m == 0 || m > 3 || projection.axes.is_empty() || projection.axes.len() > 2 || points.is_empty() {
        return None;
    }
    let rows = points.len();
    let axes: Vec<Vec<f64>> = projection
        .axes
        .iter()
        .map(|a| (0..CELLS).map(|j| a.lo + (a.hi - a.lo) * j as f64 / (CELLS - 1) as f64).collect())
        .collect();
    // Each power term's values x^(−φ) for every grid value of its exponent and every run.
    let tables: Vec<Vec<f64>> = projection
        .terms
        .iter()
        .map(|t| match *t {
            Term::One { .. } => Vec::new(),
            Term::Power { axis, variable, .. } => {
                let values = axes.get(axis).map_or(&[][..], Vec::as_slice);
                values.iter().flat_map(|phi| points.iter().map(move |p| (-phi * variable.ln(p)).exp())).collect()
            }
        })
        .collect();
    let observed: Vec<f64> = points.iter().map(|p| p.ln_loss.exp()).collect();
    let ln_observed: Vec<f64> = points.iter().map(|p| p.ln_loss).collect();
    let floor = 1e-12 * observed.iter().sum::<f64>() / rows as f64;

    let (n0, n1) = (CELLS, if axes.len() > 1 { CELLS } else { 1 });
    let mut values = vec![None; n0 * n1];
    let mut coefs = vec![[0.0; 3]; n0 * n1];
    let mut basis = vec![0.0; rows * m];
    let mut passes = 0;
    for i in 0..n0 {
        for j in 0..n1 {
            let index = [i, j];
            for (k, t) in projection.terms.iter().enumerate() {
                match *t {
                    Term::One { .. } => (0..rows).for_each(|r| basis[r * m + k] = 1.0),
                    Term::Power { axis, .. } => {
                        let at = index.get(axis).copied().unwrap_or(0) * rows;
                        for r in 0..rows {
                            basis[r * m + k] = tables[k].get(at + r).copied().unwrap_or(0.0);
                        }
                    }
                }
            }
            let (solution, used) = solve_cell(&basis, m, &observed, &ln_observed, delta);
            passes += used;
            if let Some((c, v)) = solution {
                values[i * n1 + j] = Some(v);
                coefs[i * n1 + j] = c;
            }
        }
    }
    let surface = Surface { names: projection.axes.iter().map(|a| a.name.to_string()).collect(), axes, values };

    // The basins: cells no neighbour beats (ties go to the first), best first.
    let mut basins: Vec<(usize, f64)> = (0..n0 * n1)
        .filter_map(|c| {
            let v = surface.values[c]?;
            let (i, j) = (c / n1, c % n1);
            let beaten = neighbours(i, j, n0, n1).any(|(a, b)| {
                let other = a * n1 + b;
                surface.values[other].is_some_and(|w| w < v || (w == v && other < c))
            });
            (!beaten).then_some((c, v))
        })
        .collect();
    crate::core::order::sort_by_f64(&mut basins, |b| b.1);
    basins.truncate(MAX_BASINS);

    let mut slice = Slice { optima: Vec::new(), evaluations: passes, failed: 0, starts: 0 };
    let mut start = vec![0.0; projection.dim];
    for &(cell, _) in &basins {
        let (i, j) = (cell / n1, cell % n1);
        for (a, &k) in projection.axes.iter().zip(&[i, j]) {
            if let Some(slot) = start.get_mut(a.theta) {
                *slot = surface.axes[projection.axes.iter().position(|b| b == a).unwrap_or(0)][k];
            }
        }
        for (t, c) in projection.terms.iter().zip(coefs[cell]) {
            let (Term::One { theta } | Term::Power { theta, .. }) = *t;
            if let Some(slot) = start.get_mut(theta) {
                *slot = c.max(floor).ln();
            }
        }
        let out = multistart::minimize(model, delta, &start, &Settings::warm(), Optimizer::Own);
        slice.evaluations += out.evaluations;
        slice.starts += 1;
        if out.value.is_finite() && model.accept(&out.theta) {
            slice.optima.push(Optimum { theta: out.theta, value: out.value, starts: 1 });
        } else {
            slice.failed += 1;
        }
    }
    crate::core::order::sort_by_f64(&mut slice.optima, |o| o.value);
    Some(ProfileResult { slice, surface, cells: n0 * n1 })
}

/// A whole profile fit in this thread: the search, then the polish of its best optimum as a
/// multistart's; with the surface.
pub fn fit<M: Model + ?Sized>(model: &M, projection: &Projection, points: &[Point], delta: f64) -> Option<(MultistartResult, Surface)> {
    let found = search(model, projection, points, delta)?;
    Some((finish(model, delta, found.slice)?, found.surface))
}

/// Polishes the best optimum of a profile search's slice (as [`multistart::Multistart::finish`]).
pub fn finish<M: Model + ?Sized>(model: &M, delta: f64, slice: Slice) -> Option<MultistartResult> {
    let mut run = multistart::Multistart::new(model, delta, Grid { axes: Vec::new() }).with_range(0, 0);
    run.absorb(slice);
    let mut result = run.finish()?;
    // The Huber sum has kinks where a residual crosses ±δ; a fresh L-BFGS memory often goes on
    // downhill where the last one stopped.
    for _ in 0..RESTARTS {
        let again = multistart::minimize(model, delta, &result.best.theta, &Settings::polish(), Optimizer::Own);
        result.evaluations += again.evaluations;
        if !(again.value < result.best.value) || !model.accept(&again.theta) {
            break;
        }
        result.best = again;
    }
    Some(result)
}

/// Restarts of the polish while they still lower the objective.
const RESTARTS: usize = 3;

/// The grid neighbours of cell (i, j) (eight in two dimensions, two in one).
fn neighbours(i: usize, j: usize, n0: usize, n1: usize) -> impl Iterator<Item = (usize, usize)> {
    (-1i64..=1)
        .flat_map(move |di| (-1i64..=1).map(move |dj| (di, dj)))
        .filter(|&(di, dj)| di != 0 || dj != 0)
        .filter_map(move |(di, dj)| {
            let (a, b) = (i as i64 + di, j as i64 + dj);
            (a >= 0 && b >= 0 && (a as usize) < n0 && (b as usize) < n1).then_some((a as usize, b as usize))
        })
}

/// The coefficients at one grid cell: non-negative least squares in relative error, then
/// [`IRLS_STEPS`] Gauss–Newton steps on ln L with Huber weights; the best (coefficients,
/// objective) seen, and how many passes over the runs it took.
fn solve_cell(basis: &[f64], m: usize, observed: &[f64], ln_observed: &[f64], delta: f64) -> (Option<([f64; 3], f64)>, usize) {
    let rows = observed.len();
    let mut g = [[0.0; 3]; 3];
    let mut h = [0.0; 3];
    for r in 0..rows {
        let f = &basis[r * m..r * m + m];
        let w = 1.0 / (observed[r] * observed[r]);
        accumulate(&mut g, &mut h, f, w, observed[r]);
    }
    let mut passes = 1;
    let Some(mut c) = nnls(&g, &h, m) else { return (None, passes) };
    let mut best: Option<([f64; 3], f64)> = None;
    for step in 0..=IRLS_STEPS {
        let last = step == IRLS_STEPS;
        g = [[0.0; 3]; 3];
        h = [0.0; 3];
        let mut total = 0.0;
        for r in 0..rows {
            let f = &basis[r * m..r * m + m];
            let fitted: f64 = f.iter().zip(&c).map(|(f, c)| f * c).sum();
            if !(fitted > 0.0) {
                total = f64::INFINITY;
                break;
            }
            let res = fastmath::ln(fitted) - ln_observed[r];
            total += huber(res, delta);
            if !last {
                let u = if res.abs() <= delta { 1.0 } else { delta / res.abs() };
                accumulate(&mut g, &mut h, f, u / (fitted * fitted), fitted * (1.0 - res));
            }
        }
        passes += 1;
        if total.is_finite() && best.is_none_or(|(_, b)| total < b) {
            best = Some((c, total));
        }
        if last {
            break;
        }
        match nnls(&g, &h, m) {
            Some(next) => c = next,
            None => break,
        }
    }
    (best, passes)
}

/// Adds one run to the normal equations G c = h of Σ w·(f·c − target)².
fn accumulate(g: &mut [[f64; 3]; 3], h: &mut [f64; 3], f: &[f64], w: f64, target: f64) {
    for k in 0..f.len() {
        let wf = w * f[k];
        h[k] += wf * target;
        for l in 0..=k {
            g[k][l] += wf * f[l];
        }
    }
}

/// Non-negative least squares for up to three coefficients: minimise cᵀGc − 2hᵀc over c ≥ 0
/// (G symmetric, lower triangle filled). The optimum's support is some subset of the terms and
/// on it the optimum is the unconstrained solution, so the best feasible subset solution is
/// exact. `None` when no subset gives positive coefficients.
pub fn nnls(g: &[[f64; 3]; 3], h: &[f64; 3], m: usize) -> Option<[f64; 3]> {
    let at = |k: usize, l: usize| if k >= l { g[k][l] } else { g[l][k] };
    // Scale to unit diagonal so that the pivot test means the same at every exponent.
    let scale: Vec<f64> = (0..m).map(|k| at(k, k).sqrt()).collect();
    let usable = |k: usize| scale[k].is_finite() && scale[k] > 0.0;
    let mut best: Option<(f64, [f64; 3])> = None;
    for mask in 1usize..(1 << m) {
        let support: Vec<usize> = (0..m).filter(|k| mask & (1 << k) != 0).collect();
        if !support.iter().all(|&k| usable(k)) {
            continue;
        }
        let s = support.len();
        let mut a = [[0.0; 4]; 3];
        for (p, &k) in support.iter().enumerate() {
            for (q, &l) in support.iter().enumerate() {
                a[p][q] = at(k, l) / (scale[k] * scale[l]);
            }
            a[p][3] = h[k] / scale[k];
        }
        let Some(x) = gauss(&mut a, s) else { continue };
        if x[..s].iter().any(|v| !(*v > 0.0)) {
            continue;
        }
        let mut c = [0.0; 3];
        let mut q = 0.0;
        for (p, &k) in support.iter().enumerate() {
            c[k] = x[p] / scale[k];
            q -= h[k] * c[k];
        }
        if best.is_none_or(|(b, _)| q < b) {
            best = Some((q, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Solves an s×s system (augmented matrix) by Gaussian elimination with partial pivoting;
/// `None` when it is numerically singular.
fn gauss(a: &mut [[f64; 4]; 3], s: usize) -> Option<[f64; 3]> {
    for col in 0..s {
        let pivot = (col..s).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if !(a[pivot][col].abs() > 1e-10) {
            return None;
        }
        a.swap(col, pivot);
        let top = a[col];
        for row in a.iter_mut().take(s).skip(col + 1) {
            let f = row[col] / top[col];
            for (x, p) in row[col..s].iter_mut().zip(&top[col..s]) {
                *x -= f * p;
            }
            row[3] -= f * top[3];
        }
    }
    let mut x = [0.0; 3];
    for r in (0..s).rev() {
        let mut v = a[r][3];
        for k in r + 1..s {
            v -= a[r][k] * x[k];
        }
        x[r] = v / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::fit::multistart::tests::epoch_points;
    use crate::core::laws::{self, RunLaw, RunsModel};

    #[test]
    fn reaches_the_epoch_optimum_with_a_fraction_of_the_evaluations() {
        let points = epoch_points();
        let law = laws::chinchilla::CHINCHILLA;
        let model = RunsModel::new(&law, &points);
        let projection = law.projection().unwrap();
        let found = search(&model, &projection, &points, 1e-3).unwrap();
        let evaluations = found.slice.evaluations;
        let (result, surface) = fit(&model, &projection, &points, 1e-3).unwrap();
        let p = law.params(&result.best.theta);
        eprintln!("profile: objective {} evaluations {} (search {evaluations}, basins {}) params {p:?}", result.best.value, result.evaluations, found.slice.starts);
        assert!(result.best.value <= 0.001_018_274_02, "objective {}", result.best.value);
        assert!(result.evaluations <= 12_000, "{} evaluations", result.evaluations);
        assert_eq!(surface.values.len(), CELLS * CELLS);
        assert!((p[3] - 0.3473).abs() < 1e-3 && (p[4] - 0.3672).abs() < 1e-3, "{p:?}");
    }

    #[test]
    fn nnls_matches_brute_force() {
        // Random small problems: the subset solution against a dense search over c ≥ 0.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..100 {
            // G = FᵀF for a random 6×3 F, h = Fᵀy for a random y.
            let f: Vec<[f64; 3]> = (0..6).map(|_| [next() - 0.3, next() - 0.3, next() - 0.3]).collect();
            let y: Vec<f64> = (0..6).map(|_| next() * 2.0 - 0.5).collect();
            let mut g = [[0.0; 3]; 3];
            let mut h = [0.0; 3];
            for (row, t) in f.iter().zip(&y) {
                accumulate(&mut g, &mut h, row, 1.0, *t);
            }
            let q = |c: &[f64; 3]| -> f64 { f.iter().zip(&y).map(|(row, t)| (row[0] * c[0] + row[1] * c[1] + row[2] * c[2] - t).powi(2)).sum() };
            let zero = q(&[0.0; 3]);
            let exact = nnls(&g, &h, 3).map_or(zero, |c| q(&c).min(zero));
            let mut brute = zero;
            let steps = 60;
            for a in 0..=steps {
                for b in 0..=steps {
                    for c in 0..=steps {
                        let c = [a as f64 * 0.05, b as f64 * 0.05, c as f64 * 0.05];
                        brute = brute.min(q(&c));
                    }
                }
            }
            assert!(exact <= brute + 1e-9, "exact {exact} brute {brute}");
        }
    }
}

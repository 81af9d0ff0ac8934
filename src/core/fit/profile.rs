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

use super::constraints::Fitting;
use super::lbfgs::Settings;
use super::model::Model;
use super::grid::Grid;
use super::multistart::{self, MultistartResult, Optimizer, Slice};
use super::points::{Point, Variable};
use scalecalc_kernel::profile as kernel;

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
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileResult {
    /// Refined basins, as a multistart share's result.
    pub slice: Slice,
    /// The profile.
    pub surface: Surface,
    /// Grid points of the profile.
    pub cells: usize,
}

/// One share of a profile: grid rows `from..to` of the first axis.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Share {
    /// First row.
    pub from: usize,
    /// Past the last row.
    pub to: usize,
    /// The profile on those rows, row-major.
    pub values: Vec<Option<f64>>,
    /// The coefficients at each cell, in the order of the projection's terms.
    pub coefs: Vec<[f64; 3]>,
    /// Passes over the runs it took.
    pub passes: usize,
}

/// The grid of a projection: the values of each profiled parameter ([`CELLS`] each).
pub fn axes(projection: &Projection) -> Vec<Vec<f64>> {
    projection.axes.iter().map(|a| (0..CELLS).map(|j| a.lo + (a.hi - a.lo) * j as f64 / (CELLS - 1) as f64).collect()).collect()
}

/// Whether a projection is one the profile handles (one to three terms, one or two axes).
fn usable(projection: &Projection, points: &[Point]) -> bool {
    let m = projection.terms.len();
    m > 0 && m <= 3 && !projection.axes.is_empty() && projection.axes.len() <= 2 && !points.is_empty()
}

/// Rows `from..to` of the profile of the law `projection` describes over `points` (a worker's
/// share); `None` when the projection does not fit the points.
pub fn share(projection: &Projection, points: &[Point], fitting: &Fitting, delta: f64, from: usize, to: usize) -> Option<Share> {
    if !usable(projection, points) {
        return None;
    }
    let axes = axes(projection);
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
    let terms: Vec<kernel::Basis> = projection
        .terms
        .iter()
        .map(|t| match *t {
            Term::One { .. } => kernel::Basis::One,
            Term::Power { axis, .. } => kernel::Basis::Power(axis),
        })
        .collect();
    let shape = (CELLS, if axes.len() > 1 { CELLS } else { 1 });
    let weights: Vec<f64> = (0..points.len()).map(|i| fitting.weight(i, 1.0)).collect();
    let grid = kernel::Grid {
        terms: &terms,
        tables: &tables,
        shape,
        observed: &observed,
        ln_observed: &ln_observed,
        weights: &weights,
        asymmetry: fitting.asymmetry,
        delta,
    };
    let (from, to) = (from.min(CELLS), to.min(CELLS).max(from.min(CELLS)));
    let (values, coefs, passes) = kernel::profile(&grid, from, to, IRLS_STEPS);
    Some(Share { from, to, values, coefs, passes })
}

/// Assembles the shares into the surface and refines its best basins by L-BFGS on the true
/// objective; `None` when the shares do not cover the grid.
pub fn refine<M: Model + ?Sized>(model: &M, projection: &Projection, points: &[Point], delta: f64, mut shares: Vec<Share>) -> Option<ProfileResult> {
    if !usable(projection, points) {
        return None;
    }
    let axes = axes(projection);
    let (n0, n1) = (CELLS, if axes.len() > 1 { CELLS } else { 1 });
    crate::core::order::sort_by(&mut shares, |a, b| a.from.cmp(&b.from));
    let mut values = Vec::with_capacity(n0 * n1);
    let mut coefs = Vec::with_capacity(n0 * n1);
    let mut passes = 0;
    for s in shares {
        if s.from * n1 != values.len() || s.values.len() != (s.to - s.from) * n1 || s.coefs.len() != s.values.len() {
            return None;
        }
        values.extend(s.values);
        coefs.extend(s.coefs);
        passes += s.passes;
    }
    if values.len() != n0 * n1 {
        return None;
    }
    let floor = 1e-12 * points.iter().map(|p| p.ln_loss.exp()).sum::<f64>() / points.len() as f64;
    let surface = Surface { names: projection.axes.iter().map(|a| a.name.to_string()).collect(), axes, values };

    let basins = basins(&surface.values, n0, n1);

    let starts: Vec<Vec<f64>> = basins
        .iter()
        .map(|&(cell, _)| {
            let mut start = vec![0.0; projection.dim];
            let (i, j) = (cell / n1, cell % n1);
            for (k, (a, &index)) in projection.axes.iter().zip(&[i, j]).enumerate() {
                if let Some(slot) = start.get_mut(a.theta) {
                    *slot = surface.axes[k][index];
                }
            }
            for (t, c) in projection.terms.iter().zip(coefs[cell]) {
                let (Term::One { theta } | Term::Power { theta, .. }) = *t;
                if let Some(slot) = start.get_mut(theta) {
                    *slot = c.max(floor).ln();
                }
            }
            start
        })
        .collect();
    let mut slice = multistart::from_starts(model, delta, &starts);
    slice.evaluations += passes;
    Some(ProfileResult { slice, surface, cells: n0 * n1 })
}

/// The basins of a profile over an n0 × n1 grid (row-major): cells no neighbour beats (ties go
/// to the first), best first, at most [`MAX_BASINS`].
pub fn basins(values: &[Option<f64>], n0: usize, n1: usize) -> Vec<(usize, f64)> {
    let mut basins: Vec<(usize, f64)> = (0..(n0 * n1).min(values.len()))
        .filter_map(|c| {
            let v = values[c]?;
            let (i, j) = (c / n1, c % n1);
            let beaten = neighbours(i, j, n0, n1).any(|(a, b)| {
                let other = a * n1 + b;
                values.get(other).copied().flatten().is_some_and(|w| w < v || (w == v && other < c))
            });
            (!beaten).then_some((c, v))
        })
        .collect();
    crate::core::order::sort_by_f64(&mut basins, |b| b.1);
    basins.truncate(MAX_BASINS);
    basins
}

/// Searches the whole profile of `model` (the law `projection` describes, over `points`) and
/// refines its best basins. `None` when the projection does not fit the points.
pub fn search<M: Model + ?Sized>(model: &M, projection: &Projection, points: &[Point], fitting: &Fitting, delta: f64) -> Option<ProfileResult> {
    let whole = share(projection, points, fitting, delta, 0, CELLS)?;
    refine(model, projection, points, delta, vec![whole])
}

/// A whole profile fit in this thread: the search, then the polish of its best optimum as a
/// multistart's; with the surface.
pub fn fit<M: Model + ?Sized>(model: &M, projection: &Projection, points: &[Point], fitting: &Fitting, delta: f64) -> Option<(MultistartResult, Surface)> {
    let found = search(model, projection, points, fitting, delta)?;
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
        let found = search(&model, &projection, &points, &Fitting::default(), 1e-3).unwrap();
        let evaluations = found.slice.evaluations;
        let (result, surface) = fit(&model, &projection, &points, &Fitting::default(), 1e-3).unwrap();
        let p = law.params(&result.best.theta);
        eprintln!("profile: objective {} evaluations {} (search {evaluations}, basins {}) params {p:?}", result.best.value, result.evaluations, found.slice.starts);
        assert!(result.best.value <= 0.001_018_274_02, "objective {}", result.best.value);
        assert!(result.evaluations <= 12_000, "{} evaluations", result.evaluations);
        assert_eq!(surface.values.len(), CELLS * CELLS);
        assert!((p[3] - 0.3473).abs() < 1e-3 && (p[4] - 0.3672).abs() < 1e-3, "{p:?}");
    }

}

//! The inner loop of a profile search (the main crate's `core::fit::profile`): at every cell of
//! a grid of exponents, the non-negative coefficients of a law that is a sum of terms, by exact
//! non-negative least squares in relative error and then Huber-reweighted Gauss–Newton steps on
//! ln L. Here so that it is compiled at this crate's opt-level.

use crate::fastmath;

/// One term of the sum: a constant, or a power of a variable whose exponent is grid axis `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// 1.
    One,
    /// x^(−φ) with φ on this axis; its values come from the term's table.
    Power(usize),
}

/// A profile to compute.
pub struct Grid<'a> {
    /// The terms (one to three).
    pub terms: &'a [Basis],
    /// For each power term, its values for every grid value of its axis and every run
    /// (axis-value-major: `table[j * rows + r]`); empty for constants.
    pub tables: &'a [Vec<f64>],
    /// Grid values per axis (the second is 1 for a one-axis profile).
    pub shape: (usize, usize),
    /// Observed L of every run.
    pub observed: &'a [f64],
    /// Observed ln L of every run.
    pub ln_observed: &'a [f64],
    /// Each run's weight (≥ 0; runs past its end weigh 0).
    pub weights: &'a [f64],
    /// Over-predictions (ln L̂ > ln L) cost this many times more (1: symmetric Huber).
    pub asymmetry: f64,
    /// Huber δ.
    pub delta: f64,
}

/// Robust loss on a log-loss residual: quadratic within δ, linear beyond.
fn huber(r: f64, delta: f64) -> f64 {
    let a = r.abs();
    if a <= delta {
        0.5 * r * r
    } else {
        delta * (a - 0.5 * delta)
    }
}

/// The profile over grid rows `from..to` of the first axis, row-major (first axis slowest):
/// each cell's objective (`None` where no non-negative coefficients give a finite one) and
/// coefficients, and the passes over the runs it took.
pub fn profile(grid: &Grid<'_>, from: usize, to: usize, irls_steps: usize) -> (Vec<Option<f64>>, Vec<[f64; 3]>, usize) {
    let (n0, n1) = grid.shape;
    let (from, to) = (from.min(n0), to.min(n0).max(from.min(n0)));
    let rows = grid.observed.len().min(grid.ln_observed.len()).min(grid.weights.len());
    let m = grid.terms.len().min(3);
    let mut values = vec![None; (to - from) * n1];
    let mut coefs = vec![[0.0; 3]; (to - from) * n1];
    let mut basis = vec![0.0; rows * m];
    let mut passes = 0;
    for i in from..to {
        for j in 0..n1 {
            let index = [i, j];
            for (k, t) in grid.terms.iter().take(m).enumerate() {
                match *t {
                    Basis::One => (0..rows).for_each(|r| basis[r * m + k] = 1.0),
                    Basis::Power(axis) => {
                        let at = index.get(axis).copied().unwrap_or(0) * rows;
                        let table = grid.tables.get(k).map_or(&[][..], Vec::as_slice);
                        for r in 0..rows {
                            basis[r * m + k] = table.get(at + r).copied().unwrap_or(0.0);
                        }
                    }
                }
            }
            let runs = Runs { observed: &grid.observed[..rows], ln_observed: &grid.ln_observed[..rows], weights: &grid.weights[..rows] };
            let (solution, used) = solve_cell(&basis, m, &runs, grid.delta, grid.asymmetry, irls_steps);
            passes += used;
            if let Some((c, v)) = solution {
                values[(i - from) * n1 + j] = Some(v);
                coefs[(i - from) * n1 + j] = c;
            }
        }
    }
    (values, coefs, passes)
}

/// The coefficients at one grid cell: non-negative least squares in relative error, then
/// `irls_steps` Gauss–Newton steps on ln L with Huber weights; the best (coefficients,
/// objective) seen, and how many passes over the runs it took.
fn solve_cell(basis: &[f64], m: usize, runs: &Runs<'_>, delta: f64, asymmetry: f64, irls_steps: usize) -> (Option<([f64; 3], f64)>, usize) {
    let Runs { observed, ln_observed, weights } = *runs;
    let rows = observed.len();
    let mut g = [[0.0; 3]; 3];
    let mut h = [0.0; 3];
    for r in 0..rows {
        let f = &basis[r * m..r * m + m];
        let w = weights[r] / (observed[r] * observed[r]);
        accumulate(&mut g, &mut h, f, w, observed[r]);
    }
    let mut passes = 1;
    let Some(mut c) = nnls(&g, &h, m) else { return (None, passes) };
    let mut best: Option<([f64; 3], f64)> = None;
    for step in 0..=irls_steps {
        let last = step == irls_steps;
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
            let w = if res > 0.0 { weights[r] * asymmetry } else { weights[r] };
            total += w * huber(res, delta);
            if !last {
                let u = if res.abs() <= delta { 1.0 } else { delta / res.abs() };
                accumulate(&mut g, &mut h, f, w * u / (fitted * fitted), fitted * (1.0 - res));
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

/// The runs' columns a cell's solve reads.
#[derive(Clone, Copy)]
struct Runs<'a> {
    observed: &'a [f64],
    ln_observed: &'a [f64],
    weights: &'a [f64],
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

//! One-dimensional solvers every part of the core shares: bisection to a sign change, and a scan
//! that brackets a minimum followed by Brent's method (argmin).

use std::fmt;

use argmin::core::{CostFunction, Error as ArgminError, Executor};
use argmin::solver::brent::BrentOpt;

/// Why a one-dimensional minimisation found nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum SolveError {
    /// No scanned point gave a finite value.
    NoFiniteValue,
    /// Brent's method failed (argmin's message).
    Brent(String),
}

impl fmt::Display for SolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SolveError::NoFiniteValue => f.write_str("no finite value in the scanned range"),
            SolveError::Brent(m) => write!(f, "Brent's method failed: {m}"),
        }
    }
}

impl std::error::Error for SolveError {}

/// A function of one variable as an argmin problem.
struct Scalar<F>(F);

impl<F: Fn(f64) -> f64> CostFunction for Scalar<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> Result<f64, ArgminError> {
        Ok((self.0)(*x))
    }
}

/// The x in [lo, hi] minimising `f`: a scan of `steps` evenly spaced points brackets the
/// minimum (points where `f` is not finite are skipped), then Brent's method (argmin) refines it.
///
/// # Errors
/// When the scan finds no finite value or Brent's method fails.
pub fn scan_then_brent(f: impl Fn(f64) -> f64, lo: f64, hi: f64, steps: usize) -> Result<f64, SolveError> {
    let steps = steps.max(2);
    let step = (hi - lo) / steps as f64;
    let (best, _) = (0..=steps)
        .map(|i| (i, f(lo + step * i as f64)))
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .ok_or(SolveError::NoFiniteValue)?;
    let left = lo + step * best.saturating_sub(1) as f64;
    let right = (lo + step * (best + 1) as f64).min(hi);
    let solver = BrentOpt::new(left, right).set_tolerance(1e-12, 1e-14);
    let result = Executor::new(Scalar(f), solver)
        .configure(|state| state.max_iters(200))
        .run()
        .map_err(|e| SolveError::Brent(e.to_string()))?;
    result.state().best_param.ok_or_else(|| SolveError::Brent("no best point".into()))
}

/// Where `past` turns true between `lo` (where it is false) and `hi` (where it is true), by
/// bisection down to adjacent floating-point numbers; `past` must switch only once.
pub fn bisect(mut lo: f64, mut hi: f64, mut past: impl FnMut(f64) -> bool) -> f64 {
    for _ in 0..2100 {
        let mid = 0.5 * (lo + hi);
        if !(mid > lo && mid < hi) {
            break;
        }
        if past(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

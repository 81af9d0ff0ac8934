//! Limited-memory BFGS with a strong-Wolfe line search, written for small, cheap problems
//! (2–5 parameters, thousands of starts): no allocation per iteration. The objective is taken
//! as `&mut dyn FnMut`, not as a generic, so that the solver is compiled once, here, at this
//! crate's opt-level (the main crate's `argmin_lbfgs` runs the same problem through argmin for
//! comparison, `scalecalc bench-fit --optimizer argmin`).

/// Stopping rules, with scipy's L-BFGS-B defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Stop when every |∂f/∂θᵢ| ≤ this (scipy's `pgtol`).
    pub gtol: f64,
    /// Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ this (scipy's `factr`·ε).
    pub ftol: f64,
    /// At most this many iterations.
    pub max_iter: usize,
    /// Pairs (s, y) kept.
    pub memory: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { gtol: 1e-5, ftol: 1e7 * f64::EPSILON, max_iter: 15_000, memory: 10 }
    }
}

impl Settings {
    /// For a warm start near the optimum (bootstrap resamples): the objective-change rule is
    /// made relative to the objective itself, since Huber sums are ≪ 1 and scipy's floor of 1
    /// would stop after the first step.
    pub fn warm() -> Self {
        Settings { gtol: 1e-8, ftol: 1e-13, max_iter: 1_000, memory: 10 }
    }

    /// Tight settings for polishing an optimum that has already been found.
    pub fn polish() -> Self {
        Settings { gtol: 1e-12, ftol: 0.0, max_iter: 2_000, memory: 10 }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stop {
    /// The gradient is below `gtol`.
    Gradient,
    /// The objective stopped falling.
    Objective,
    /// No step along the search direction lowers the objective (often: at the optimum to
    /// machine precision).
    LineSearch,
    /// Hit `max_iter`.
    MaxIter,
    /// The objective or gradient became NaN or infinite at the start.
    NotFinite,
}

/// The end of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The parameters reached.
    pub theta: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// Iterations taken.
    pub iterations: usize,
    /// Objective evaluations (each with its gradient).
    pub evaluations: usize,
    /// Why it stopped.
    pub stop: Stop,
}

impl Outcome {
    /// Whether the run ended at a stationary point rather than running out of iterations.
    pub fn converged(&self) -> bool {
        matches!(self.stop, Stop::Gradient | Stop::Objective | Stop::LineSearch)
    }
}

/// Most parameters a problem may have.
pub const MAX_DIM: usize = 32;
const MAX_MEMORY: usize = 20;

type Vector = [f64; MAX_DIM];

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` (which returns the value and writes the gradient) from `start`.
/// Dimensions above 32 are not supported and return [`Stop::NotFinite`] immediately.
pub fn minimize(f: &mut dyn FnMut(&[f64], &mut [f64]) -> f64, start: &[f64], settings: &Settings) -> Outcome {
    let n = start.len();
    let m = settings.memory.clamp(1, MAX_MEMORY);
    let mut x: Vector = [0.0; MAX_DIM];
    let mut g: Vector = [0.0; MAX_DIM];
    let fail = |evaluations| Outcome {
        theta: start.to_vec(),
        value: f64::INFINITY,
        iterations: 0,
        evaluations,
        stop: Stop::NotFinite,
    };
    if n == 0 || n > MAX_DIM {
        return fail(0);
    }
    x[..n].copy_from_slice(start);
    let mut fx = f(&x[..n], &mut g[..n]);
    let mut evaluations = 1;
    if !fx.is_finite() || g[..n].iter().any(|v| !v.is_finite()) {
        return fail(evaluations);
    }
    let mut s_hist = [[0.0; MAX_DIM]; MAX_MEMORY];
    let mut y_hist = [[0.0; MAX_DIM]; MAX_MEMORY];
    let mut rho = [0.0; MAX_MEMORY];
    let (mut stored, mut newest) = (0usize, 0usize);
    let mut stop = Stop::MaxIter;
    let mut iterations = 0;
    while iterations < settings.max_iter {
        if g[..n].iter().all(|v| v.abs() <= settings.gtol) {
            stop = Stop::Gradient;
            break;
        }
        // Two-loop recursion: d = −H·g.
        let mut d: Vector = [0.0; MAX_DIM];
        for i in 0..n {
            d[i] = -g[i];
        }
        let mut alpha = [0.0; MAX_MEMORY];
        for k in 0..stored {
            let j = (newest + MAX_MEMORY - k) % MAX_MEMORY;
            alpha[j] = rho[j] * dot(&s_hist[j][..n], &d[..n]);
            for i in 0..n {
                d[i] -= alpha[j] * y_hist[j][i];
            }
        }
        if stored > 0 {
            let yy = dot(&y_hist[newest][..n], &y_hist[newest][..n]);
            let gamma = 1.0 / (rho[newest] * yy);
            for v in d[..n].iter_mut() {
                *v *= gamma;
            }
        }
        for k in (0..stored).rev() {
            let j = (newest + MAX_MEMORY - k) % MAX_MEMORY;
            let beta = rho[j] * dot(&y_hist[j][..n], &d[..n]);
            for i in 0..n {
                d[i] += (alpha[j] - beta) * s_hist[j][i];
            }
        }
        let mut slope = dot(&g[..n], &d[..n]);
        if !(slope < 0.0) {
            // Not a descent direction (bad curvature history): restart from steepest descent.
            stored = 0;
            for i in 0..n {
                d[i] = -g[i];
            }
            slope = dot(&g[..n], &d[..n]);
        }
        let first_step = if stored == 0 { (1.0 / dot(&d[..n], &d[..n]).sqrt()).min(1.0) } else { 1.0 };
        let mut x_new: Vector = [0.0; MAX_DIM];
        let mut g_new: Vector = [0.0; MAX_DIM];
        let search = line_search(f, &x[..n], fx, slope, &d[..n], first_step, &mut x_new[..n], &mut g_new[..n]);
        evaluations += search.evaluations;
        let Some(f_new) = search.value else {
            stop = Stop::LineSearch;
            break;
        };
        iterations += 1;
        let mut s: Vector = [0.0; MAX_DIM];
        let mut y: Vector = [0.0; MAX_DIM];
        for i in 0..n {
            s[i] = x_new[i] - x[i];
            y[i] = g_new[i] - g[i];
        }
        let sy = dot(&s[..n], &y[..n]);
        if sy > 1e-300 && sy.is_finite() {
            newest = if stored == 0 { 0 } else { (newest + 1) % MAX_MEMORY };
            // Keep at most m pairs: the ring holds MAX_MEMORY slots, `stored` counts the live ones.
            s_hist[newest] = s;
            y_hist[newest] = y;
            rho[newest] = 1.0 / sy;
            stored = (stored + 1).min(m);
        }
        let decrease = (fx - f_new) / fx.abs().max(f_new.abs()).max(1.0);
        x = x_new;
        g = g_new;
        fx = f_new;
        if decrease <= settings.ftol {
            stop = Stop::Objective;
            break;
        }
    }
    Outcome { theta: x[..n].to_vec(), value: fx, iterations, evaluations, stop }
}

struct Search {
    value: Option<f64>,
    evaluations: usize,
}

/// Strong-Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6, cubic interpolation).
#[allow(clippy::too_many_arguments)]
fn line_search(
    f: &mut dyn FnMut(&[f64], &mut [f64]) -> f64,
    x: &[f64],
    f0: f64,
    slope0: f64,
    d: &[f64],
    first_step: f64,
    x_out: &mut [f64],
    g_out: &mut [f64],
) -> Search {
    const C1: f64 = 1e-4;
    const C2: f64 = 0.9;
    const MAX_EVALS: usize = 40;
    let n = x.len();
    let mut evaluations = 0;
    let mut eval = |t: f64, x_out: &mut [f64], g_out: &mut [f64], evaluations: &mut usize| -> (f64, f64) {
        for i in 0..n {
            x_out[i] = x[i] + t * d[i];
        }
        *evaluations += 1;
        let v = f(x_out, g_out);
        let s = dot(g_out, d);
        if v.is_finite() && s.is_finite() && g_out.iter().all(|g| g.is_finite()) {
            (v, s)
        } else {
            (f64::INFINITY, f64::NAN)
        }
    };
    let (mut t_prev, mut f_prev, mut s_prev) = (0.0, f0, slope0);
    let mut t = first_step;
    let mut best: Option<(f64, f64)> = None; // (t, f) of the lowest non-Wolfe point, as a fallback
    let mut zoom_bounds = None;
    for iter in 0..MAX_EVALS {
        let (ft, st) = eval(t, x_out, g_out, &mut evaluations);
        if ft < f0 && best.is_none_or(|(_, fb)| ft < fb) {
            best = Some((t, ft));
        }
        if !ft.is_finite() {
            // Overshot into overflow: shrink and retry.
            t = 0.5 * (t_prev + t);
            if t - t_prev < 1e-20 {
                break;
            }
            continue;
        }
        if ft > f0 + C1 * t * slope0 || (iter > 0 && ft >= f_prev) {
            zoom_bounds = Some(((t_prev, f_prev, s_prev), (t, ft, st)));
            break;
        }
        if st.abs() <= -C2 * slope0 {
            return Search { value: Some(ft), evaluations };
        }
        if st >= 0.0 {
            zoom_bounds = Some(((t, ft, st), (t_prev, f_prev, s_prev)));
            break;
        }
        t_prev = t;
        f_prev = ft;
        s_prev = st;
        t *= 2.5;
    }
    if let Some((mut lo, mut hi)) = zoom_bounds {
        while evaluations < MAX_EVALS {
            let t = cubic_min(lo, hi);
            let (ft, st) = eval(t, x_out, g_out, &mut evaluations);
            if ft < f0 && best.is_none_or(|(_, fb)| ft < fb) {
                best = Some((t, ft));
            }
            if !ft.is_finite() || ft > f0 + C1 * t * slope0 || ft >= lo.1 {
                hi = (t, ft, st);
            } else {
                if st.abs() <= -C2 * slope0 {
                    return Search { value: Some(ft), evaluations };
                }
                if st * (hi.0 - lo.0) >= 0.0 {
                    hi = lo;
                }
                lo = (t, ft, st);
            }
            if (hi.0 - lo.0).abs() <= 1e-14 * lo.0.abs().max(1e-300) {
                break;
            }
        }
    }
    // No Wolfe point: accept the best decrease seen, if any (still a descent step).
    match best {
        Some((t, _)) => {
            let (ft, _) = eval(t, x_out, g_out, &mut evaluations);
            Search { value: ft.is_finite().then_some(ft), evaluations }
        }
        None => Search { value: None, evaluations },
    }
}

/// Minimiser of the cubic through two points with slopes, kept inside the middle 80 % of the
/// bracket; bisection when the cubic has no usable minimum.
fn cubic_min((t0, f0, s0): (f64, f64, f64), (t1, f1, s1): (f64, f64, f64)) -> f64 {
    let (lo, hi) = (t0.min(t1), t0.max(t1));
    let mid = 0.5 * (t0 + t1);
    if !(f1.is_finite() && s1.is_finite()) {
        return mid;
    }
    let d1 = s0 + s1 - 3.0 * (f0 - f1) / (t0 - t1);
    let disc = d1 * d1 - s0 * s1;
    if !(disc >= 0.0) {
        return mid;
    }
    let d2 = (t1 - t0).signum() * disc.sqrt();
    let t = t1 - (t1 - t0) * (s1 + d2 - d1) / (s1 - s0 + 2.0 * d2);
    let margin = 0.1 * (hi - lo);
    if t.is_finite() {
        t.clamp(lo + margin, hi - margin)
    } else {
        mid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let out = minimize(&mut rosenbrock, &[-1.2, 1.0], &Settings { gtol: 1e-10, ..Settings::default() });
        assert!(out.converged(), "{out:?}");
        assert!((out.theta[0] - 1.0).abs() < 1e-6 && (out.theta[1] - 1.0).abs() < 1e-6, "{out:?}");
        assert!(out.evaluations < 200, "{out:?}");
    }

    #[test]
    fn quadratic_in_five_dimensions() {
        let mut quad = |x: &[f64], g: &mut [f64]| {
            let mut f = 0.0;
            for i in 0..x.len() {
                let w = (i + 1) as f64 * 10f64.powi(i as i32 - 2);
                g[i] = 2.0 * w * (x[i] - i as f64);
                f += w * (x[i] - i as f64).powi(2);
            }
            f
        };
        let out = minimize(&mut quad, &[5.0; 5], &Settings { gtol: 1e-9, ftol: 0.0, ..Settings::default() });
        for (i, v) in out.theta.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn non_finite_start_is_reported_not_panicked() {
        let out = minimize(&mut |_, _| f64::NAN, &[1.0, 2.0], &Settings::default());
        assert_eq!(out.stop, Stop::NotFinite);
        let out = minimize(&mut |_, _| 1.0, &[0.0; MAX_DIM + 1], &Settings::default());
        assert_eq!(out.stop, Stop::NotFinite);
        // Overflow along the path: the search shrinks instead of failing.
        let out = minimize(
            &mut |x, g| {
                g[0] = -(x[0].exp());
                if x[0] > 5.0 {
                    f64::INFINITY
                } else {
                    -x[0].exp()
                }
            },
            &[0.0],
            &Settings { max_iter: 50, ..Settings::default() },
        );
        assert!(out.value.is_finite() && out.theta[0] <= 5.0, "{out:?}");
    }
}

//! Ordinary least squares: straight lines, parabolas and power laws (lines in log-log space).
//!
//! Every fit returns `None` rather than a non-finite number: too few points, mismatched lengths,
//! non-finite input, or no spread in x.

/// y = intercept + slope·x, with the slope's standard error and R².
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LineFit {
    /// Slope.
    pub slope: f64,
    /// Intercept (y at x = 0).
    pub intercept: f64,
    /// Standard error of the slope; `None` with only 2 points (no residual degrees of freedom).
    pub slope_se: Option<f64>,
    /// Coefficient of determination, in [0, 1] (1 when y is constant and fitted exactly).
    pub r2: f64,
    /// Number of points fitted.
    pub points: usize,
}

impl LineFit {
    /// intercept + slope·x.
    pub fn eval(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// True when both slices have the same length, at least `min` entries, and only finite values.
fn usable(x: &[f64], y: &[f64], min: usize) -> bool {
    x.len() == y.len() && x.len() >= min && x.iter().chain(y).all(|v| v.is_finite())
}

fn mean(v: &[f64]) -> f64 {
    // Divide first so that sums of huge values do not overflow.
    let n = v.len() as f64;
    v.iter().map(|a| a / n).sum()
}

/// Least-squares line through (x, y).
///
/// `None` with fewer than 2 points, slices of different lengths, any non-finite value, x without
/// spread, or a result that is not finite.
pub fn fit_line(x: &[f64], y: &[f64]) -> Option<LineFit> {
    if !usable(x, y, 2) {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if !(sxx > 0.0) || !sxx.is_finite() || !sxy.is_finite() || !syy.is_finite() {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| {
            let r = b - my - slope * (a - mx);
            r * r
        })
        .sum();
    let r2 = if syy > 0.0 { (1.0 - sse / syy).clamp(0.0, 1.0) } else { 1.0 };
    let points = x.len();
    let slope_se = if points > 2 {
        Some((sse / (points - 2) as f64 / sxx).sqrt()).filter(|s| s.is_finite())
    } else {
        None
    };
    if !(slope.is_finite() && intercept.is_finite() && r2.is_finite()) {
        return None;
    }
    Some(LineFit { slope, intercept, slope_se, r2, points })
}

/// y = c0 + c1·x + c2·x² by least squares (x is centred and scaled internally for conditioning).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Parabola {
    /// Constant term.
    pub c0: f64,
    /// Linear coefficient.
    pub c1: f64,
    /// Quadratic coefficient (> 0: opens upward, has a minimum).
    pub c2: f64,
}

impl Parabola {
    /// c0 + c1·x + c2·x².
    pub fn eval(&self, x: f64) -> f64 {
        self.c0 + x * (self.c1 + x * self.c2)
    }

    /// The x of the vertex, −c1/(2·c2); `None` when c2 = 0 or the vertex is not finite.
    pub fn vertex(&self) -> Option<f64> {
        if self.c2 == 0.0 {
            return None;
        }
        Some(-self.c1 / (2.0 * self.c2)).filter(|v| v.is_finite())
    }
}

/// Least-squares parabola through (x, y).
///
/// `None` with fewer than 3 points or fewer than 3 distinct x, slices of different lengths, any
/// non-finite value, or a numerically singular system.
pub fn fit_parabola(x: &[f64], y: &[f64]) -> Option<Parabola> {
    if !usable(x, y, 3) {
        return None;
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.dedup();
    if sorted.len() < 3 {
        return None;
    }
    // Fit in t = (x − m)/s ∈ [−1, 1] on the orthogonal basis 1, p1 = t − μ,
    // p2 = t² − a·p1 − b: each coefficient is then a ratio of sums, with no linear system.
    let m = mean(x);
    let s = x.iter().fold(0.0f64, |acc, v| acc.max((v - m).abs()));
    if !(s > 0.0) || !s.is_finite() {
        return None;
    }
    let t: Vec<f64> = x.iter().map(|v| (v - m) / s).collect();
    let mu = mean(&t);
    let p1: Vec<f64> = t.iter().map(|v| v - mu).collect();
    let s11: f64 = p1.iter().map(|v| v * v).sum();
    let b = t.iter().map(|v| v * v).sum::<f64>() / t.len() as f64;
    let a = t.iter().zip(&p1).map(|(v, p)| v * v * p).sum::<f64>() / s11;
    let p2: Vec<f64> = t.iter().zip(&p1).map(|(v, p)| v * v - a * p - b).collect();
    let s22: f64 = p2.iter().map(|v| v * v).sum();
    let spread: f64 = t.iter().map(|v| (v * v - b).powi(2)).sum();
    // p2 vanishes (up to rounding) when the x take fewer than 3 well-separated values.
    if !(s11 > 0.0) || !(s22 > 1e-12 * spread) {
        return None;
    }
    let k0 = mean(y);
    let k1 = y.iter().zip(&p1).map(|(v, p)| v * p).sum::<f64>() / s11;
    let k2 = y.iter().zip(&p2).map(|(v, p)| v * p).sum::<f64>() / s22;
    // In t: y = b0 + b1·t + b2·t².
    let b2 = k2;
    let b1 = k1 - k2 * a;
    let b0 = k0 - k1 * mu - k2 * b + k2 * a * mu;
    // Back to x: y = b0 + b1·(x − m)/s + b2·(x − m)²/s².
    let c2 = b2 / s / s;
    let c1 = b1 / s - 2.0 * m * c2;
    let c0 = b0 - b1 * m / s + c2 * m * m;
    [c0, c1, c2].iter().all(|v| v.is_finite()).then_some(Parabola { c0, c1, c2 })
}

/// A power law y = coef·x^exponent fitted as a line in log-log space.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PowerLaw {
    /// The coefficient (y at x = 1).
    pub coef: f64,
    /// The exponent.
    pub exponent: f64,
    /// Standard error of the exponent; `None` with only 2 points.
    pub exponent_se: Option<f64>,
    /// R² of the log-log line.
    pub r2: f64,
    /// Number of points fitted.
    pub points: usize,
}

impl PowerLaw {
    /// coef·x^exponent.
    pub fn eval(&self, x: f64) -> f64 {
        self.coef * x.powf(self.exponent)
    }
}

/// Least-squares power law: a line through (ln x, ln y).
///
/// `None` under the conditions of [`fit_line`], when any value is not > 0, or when the
/// coefficient over- or underflows.
pub fn fit_power_law(x: &[f64], y: &[f64]) -> Option<PowerLaw> {
    if x.iter().chain(y).any(|v| !(*v > 0.0)) {
        return None;
    }
    let lx: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let ly: Vec<f64> = y.iter().map(|v| v.ln()).collect();
    let line = fit_line(&lx, &ly)?;
    let coef = line.intercept.exp();
    if !(coef > 0.0) || !coef.is_finite() {
        return None;
    }
    Some(PowerLaw {
        coef,
        exponent: line.slope,
        exponent_se: line.slope_se,
        r2: line.r2,
        points: line.points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn exact_line() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v| 3.0 - 0.5 * v).collect();
        let f = fit_line(&x, &y).unwrap();
        assert!(close(f.slope, -0.5, 1e-12));
        assert!(close(f.intercept, 3.0, 1e-12));
        assert!(f.slope_se.unwrap() < 1e-12);
        assert!(close(f.r2, 1.0, 1e-12));
        assert_eq!(f.points, 5);
        assert!(close(f.eval(10.0), -2.0, 1e-12));
    }

    #[test]
    fn noisy_line_has_error_estimate() {
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [0.1, 0.9, 2.1, 2.9];
        let f = fit_line(&x, &y).unwrap();
        assert!(close(f.slope, 0.96, 1e-12), "{}", f.slope);
        let se = f.slope_se.unwrap();
        assert!(se > 0.0 && se < 0.1);
        assert!(f.r2 > 0.99 && f.r2 < 1.0);
    }

    #[test]
    fn two_points_have_no_standard_error() {
        let f = fit_line(&[1.0, 3.0], &[2.0, 6.0]).unwrap();
        assert!(close(f.slope, 2.0, 1e-12));
        assert_eq!(f.slope_se, None);
    }

    #[test]
    fn constant_y_is_a_flat_exact_fit() {
        let f = fit_line(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]).unwrap();
        assert_eq!(f.slope, 0.0);
        assert_eq!(f.r2, 1.0);
    }

    #[test]
    fn degenerate_lines() {
        assert!(fit_line(&[], &[]).is_none());
        assert!(fit_line(&[1.0], &[1.0]).is_none());
        assert!(fit_line(&[1.0, 2.0], &[1.0]).is_none());
        assert!(fit_line(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(fit_line(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
        assert!(fit_line(&[1.0, 2.0], &[1.0, f64::INFINITY]).is_none());
        assert!(fit_line(&[-1e308, 1e308], &[1e308, -1e308]).is_none());
    }

    #[test]
    fn parabola_recovery() {
        let x: Vec<f64> = (0..7).map(|i| i as f64 - 2.0).collect();
        let y: Vec<f64> = x.iter().map(|v| 1.5 - 2.0 * v + 0.75 * v * v).collect();
        let p = fit_parabola(&x, &y).unwrap();
        assert!(close(p.c0, 1.5, 1e-12) && close(p.c1, -2.0, 1e-12) && close(p.c2, 0.75, 1e-12));
        assert!(close(p.vertex().unwrap(), 2.0 / 1.5, 1e-12));
        assert!(close(p.eval(3.0), 1.5 - 6.0 + 6.75, 1e-12));
    }

    #[test]
    fn parabola_at_large_x_is_well_conditioned() {
        // ln N ≈ 20, a spread of ±1 decade: the vertex and curvature must survive.
        let x: Vec<f64> = (0..9).map(|i| 20.0 + (i as f64 - 4.0) * 0.575).collect();
        let (v, k, floor) = (20.3, 0.04, 2.5);
        let y: Vec<f64> = x.iter().map(|t| floor + k * (t - v) * (t - v)).collect();
        let p = fit_parabola(&x, &y).unwrap();
        assert!((p.vertex().unwrap() - v).abs() < 1e-9, "{:?}", p.vertex());
        assert!(close(p.c2, k, 1e-9));
        assert!(close(p.eval(v), floor, 1e-10));
        // And far out, at x ≈ 1e6 with a tiny spread.
        let x: Vec<f64> = (0..5).map(|i| 1e6 + i as f64 * 0.1).collect();
        let y: Vec<f64> = x.iter().map(|t| (t - 1e6 - 0.17).powi(2)).collect();
        let p = fit_parabola(&x, &y).unwrap();
        assert!((p.vertex().unwrap() - (1e6 + 0.17)).abs() < 1e-5, "{:?}", p.vertex());
    }

    #[test]
    fn parabola_least_squares_with_offsets() {
        // Symmetric offsets around an exact parabola move only the constant term.
        let x = [-2.0, -1.0, 0.0, 1.0, 2.0];
        let base: Vec<f64> = x.iter().map(|v| 1.0 + v * v).collect();
        let offsets = [0.1, -0.1, 0.0, -0.1, 0.1];
        let y: Vec<f64> = base.iter().zip(offsets).map(|(b, o)| b + o).collect();
        let p = fit_parabola(&x, &y).unwrap();
        assert!(p.c1.abs() < 1e-12);
        let exact = fit_parabola(&x, &base).unwrap();
        assert!((p.vertex().unwrap() - exact.vertex().unwrap()).abs() < 1e-12);
    }

    #[test]
    fn flat_and_downward_parabolas() {
        let x = [1.0, 2.0, 3.0];
        let line = fit_parabola(&x, &[1.0, 2.0, 3.0]).unwrap();
        assert!(line.c2.abs() < 1e-12);
        let down = fit_parabola(&x, &[0.0, 1.0, 0.0]).unwrap();
        assert!(down.c2 < 0.0);
        assert!(close(down.vertex().unwrap(), 2.0, 1e-12));
        assert_eq!(Parabola { c0: 1.0, c1: 1.0, c2: 0.0 }.vertex(), None);
    }

    #[test]
    fn degenerate_parabolas() {
        assert!(fit_parabola(&[], &[]).is_none());
        assert!(fit_parabola(&[1.0], &[1.0]).is_none());
        assert!(fit_parabola(&[1.0, 2.0], &[1.0, 2.0]).is_none());
        assert!(fit_parabola(&[1.0, 1.0, 2.0, 2.0], &[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(fit_parabola(&[5.0; 4], &[1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(fit_parabola(&[1.0, 2.0, f64::NAN], &[1.0, 2.0, 3.0]).is_none());
        assert!(fit_parabola(&[1.0, 2.0, 3.0], &[1.0, f64::NEG_INFINITY, 3.0]).is_none());
        assert!(fit_parabola(&[1.0, 2.0, 3.0], &[1.0, 2.0]).is_none());
        // Extreme but finite x: whatever comes back is finite.
        if let Some(p) = fit_parabola(&[1e300, -1e300, 0.0], &[1.0, 2.0, 3.0]) {
            assert!(p.c0.is_finite() && p.c1.is_finite() && p.c2.is_finite());
        }
    }

    #[test]
    fn power_law_recovery() {
        let x = [1e18, 1e19, 1e20, 1e21, 1e22];
        let y: Vec<f64> = x.iter().map(|c: &f64| 0.09 * c.powf(0.46)).collect();
        let p = fit_power_law(&x, &y).unwrap();
        assert!(close(p.exponent, 0.46, 1e-12));
        assert!(close(p.coef, 0.09, 1e-9));
        assert!(p.exponent_se.unwrap() < 1e-9);
        assert!(close(p.eval(1e23), 0.09 * 1e23f64.powf(0.46), 1e-9));
        assert_eq!(p.points, 5);
    }

    #[test]
    fn degenerate_power_laws() {
        assert!(fit_power_law(&[], &[]).is_none());
        assert!(fit_power_law(&[1.0], &[1.0]).is_none());
        assert!(fit_power_law(&[1.0, 2.0], &[1.0, 0.0]).is_none());
        assert!(fit_power_law(&[1.0, -2.0], &[1.0, 2.0]).is_none());
        assert!(fit_power_law(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(fit_power_law(&[1.0, f64::NAN], &[1.0, 2.0]).is_none());
        assert!(fit_power_law(&[1.0, f64::INFINITY], &[1.0, 2.0]).is_none());
        // The coefficient would overflow.
        assert!(fit_power_law(&[1e-300, 1e-299], &[1e300, 1e301]).is_none());
    }
}

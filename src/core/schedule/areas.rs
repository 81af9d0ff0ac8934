//! The areas of a schedule that loss-curve laws read: S₁ (forward area) and S₂ (annealing area
//! with momentum λ), at every step.

use super::*;

/// The areas of a schedule at every step.
#[derive(Debug, Clone, PartialEq)]
pub struct Areas {
    /// S₁(s) = Σ_{i=0..s} η_i.
    pub s1: Vec<f64>,
    /// S₂(s) = Σ_{i≤s} m_i, m_i = λ·m_{i−1} + (η_{i−1} − η_i), m_0 = 0.
    pub s2: Vec<f64>,
}

/// S₁ and S₂ of a schedule (η_0 … η_T) with momentum λ, by the recursion.
pub fn areas(rates: &[f64], lambda: f64) -> Areas {
    let mut s1 = Vec::with_capacity(rates.len());
    let mut s2 = Vec::with_capacity(rates.len());
    let (mut a1, mut a2, mut m) = (0.0, 0.0, 0.0);
    let mut prev = rates.first().copied().unwrap_or(0.0);
    for &eta in rates {
        m = lambda * m + (prev - eta);
        prev = eta;
        a1 += eta;
        a2 += m;
        s1.push(a1);
        s2.push(a2);
    }
    Areas { s1, s2 }
}

/// S₂(s) by the closed form Σ_{k=1..s} (η_{k−1} − η_k)·(1 − λ^(s−k+1))/(1 − λ) (O(s): for tests).
pub fn s2_closed_form(rates: &[f64], lambda: f64, s: usize) -> f64 {
    (1..=s.min(rates.len().saturating_sub(1)))
        .map(|k| {
            let d = rates[k - 1] - rates[k];
            if lambda == 1.0 {
                d * (s - k + 1) as f64
            } else {
                d * (1.0 - lambda.powi((s - k + 1) as i32)) / (1.0 - lambda)
            }
        })
        .sum()
}

/// Checks λ: finite, in [0, 1).
///
/// # Errors
/// A message when it is not.
pub fn check_lambda(lambda: f64) -> Result<f64, ScheduleError> {
    if !(lambda.is_finite() && (0.0..1.0).contains(&lambda)) {
        return Err(ScheduleError::Range(Range::Lambda(lambda)));
    }
    Ok(lambda)
}


//! Total vs non-embedding parameters (Pearce & Song 2024, "Reconciling Kaplan and Chinchilla
//! Scaling Laws", arXiv:2406.12907): N_T = N_\E + γ·N_\E^(1/3), and the local exponent
//! d ln N*_\E / d ln C_\E of a Chinchilla-form law written in total parameters but counted
//! without embeddings, which moves from ≈ Kaplan's 0.73 at small scale to β/(α+β) at large.

use crate::core::laws::ChinchillaLaw;

/// γ = V·(A/12)^(1/3) for vocabulary size V and aspect ratio A = d_model/n_layer: with
/// N_\E = 12·n_layer·d² and n_layer = d/A, d = (A·N_\E/12)^(1/3) and the embeddings hold V·d.
pub fn gamma(vocab: f64, aspect: f64) -> f64 {
    vocab * (aspect / 12.0).cbrt()
}

/// The γ Pearce & Song use (their fit for V = 32 000, d/L ≈ 39.2; their code's `gamma = 47491`).
pub const PAPER_GAMMA: f64 = 47_491.0;

/// Total parameters from non-embedding ones: N_T = N_\E + γ·N_\E^(1/3).
pub fn total_from_non_embedding(n_ne: f64, gamma: f64) -> f64 {
    n_ne + gamma * n_ne.cbrt()
}

/// Non-embedding parameters from total ones: the root of u³ + γ·u = N_T in u = N_\E^(1/3)
/// (Newton's method from u = N_T^(1/3), where the cubic is convex and increasing, so it
/// converges monotonically). `None` unless N_T > 0 and γ ≥ 0 are finite.
pub fn non_embedding_from_total(n_t: f64, gamma: f64) -> Option<f64> {
    if !(n_t > 0.0 && n_t.is_finite() && gamma >= 0.0 && gamma.is_finite()) {
        return None;
    }
    let mut u = n_t.cbrt();
    for _ in 0..200 {
        let f = u * u * u + gamma * u - n_t;
        let next = u - f / (3.0 * u * u + gamma);
        if !(next.is_finite()) {
            return None;
        }
        let done = (u - next).abs() <= 1e-15 * u.abs();
        u = next.max(0.0);
        if done {
            break;
        }
    }
    let n = u * u * u;
    (n > 0.0 && n.is_finite()).then_some(n)
}

/// Non-embedding compute C_\E = 6·N_\E·D at which N_\E is the compute-optimal non-embedding
/// size, when L = E + A/N_T^α + B/D^β holds in total parameters N_T = N_\E + γ·N_\E^(1/3)
/// (setting ∂L/∂N_\E = 0 at fixed C_\E; Pearce & Song's eq. for C*_\E):
/// C = 6·(βB/(αA))^(1/β) · N · (N + γ/3·N^(1/3))^(−1/β) · (N + γ·N^(1/3))^((1+α)/β).
pub fn compute_for_optimal(law: &ChinchillaLaw, n_ne: f64, gamma: f64) -> f64 {
    let (a, b) = (law.alpha, law.beta);
    let k = ((b * law.b) / (a * law.a)).powf(1.0 / b);
    let t = n_ne.cbrt();
    6.0 * k * n_ne * (n_ne + gamma / 3.0 * t).powf(-1.0 / b) * (n_ne + gamma * t).powf((1.0 + a) / b)
}

/// d ln C_\E / d ln N*_\E along that frontier (Pearce & Song's g):
/// 1 − (1/β)·(N^(2/3) + γ/9)/(N^(2/3) + γ/3) + ((1+α)/β)·(N^(2/3) + γ/3)/(N^(2/3) + γ).
pub fn log_slope(law: &ChinchillaLaw, n_ne: f64, gamma: f64) -> f64 {
    let (a, b) = (law.alpha, law.beta);
    let x = n_ne.powf(2.0 / 3.0);
    1.0 - (x + gamma / 9.0) / (x + gamma / 3.0) / b + (1.0 + a) / b * (x + gamma / 3.0) / (x + gamma)
}

/// The local exponent d ln N*_\E / d ln C_\E at non-embedding size N*_\E: 1/[`log_slope`].
pub fn local_exponent_at_n(law: &ChinchillaLaw, n_ne: f64, gamma: f64) -> f64 {
    1.0 / log_slope(law, n_ne, gamma)
}

/// Its limit at large scale, β/(α+β) (embeddings negligible: Chinchilla's exponent).
pub fn large_scale_exponent(law: &ChinchillaLaw) -> f64 {
    law.beta / (law.alpha + law.beta)
}

/// Its limit at small scale, β/(β + α/3) (embeddings dominate N_T).
pub fn small_scale_exponent(law: &ChinchillaLaw) -> f64 {
    law.beta / (law.beta + law.alpha / 3.0)
}

/// The compute-optimal non-embedding size at non-embedding compute `c` (bisection of
/// [`compute_for_optimal`] in ln N over 1 – 10³⁰; `None` outside that span).
pub fn optimal_non_embedding(law: &ChinchillaLaw, c: f64, gamma: f64) -> Option<f64> {
    let at = |ln_n: f64| compute_for_optimal(law, ln_n.exp(), gamma);
    let (lo, hi) = (0.0f64, 30.0 * std::f64::consts::LN_10);
    if !(c.is_finite() && c > 0.0 && at(lo) <= c && at(hi) >= c) {
        return None;
    }
    Some(crate::core::solve::bisect(lo, hi, |ln_n| at(ln_n) >= c).exp())
}

/// The local exponent at non-embedding compute `c`.
pub fn local_exponent(law: &ChinchillaLaw, c: f64, gamma: f64) -> Option<f64> {
    let n = optimal_non_embedding(law, c, gamma)?;
    let e = local_exponent_at_n(law, n, gamma);
    e.is_finite().then_some(e)
}

/// The average exponent ln(N₂/N₁)/ln(C₂/C₁) between two non-embedding sizes on the frontier
/// (what a straight-line fit over that range sees).
pub fn secant_exponent(law: &ChinchillaLaw, n1: f64, n2: f64, gamma: f64) -> f64 {
    (n2 / n1).ln() / (compute_for_optimal(law, n2, gamma) / compute_for_optimal(law, n1, gamma)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{rel, epoch};
    use crate::core::presets::Preset;
    use proptest::prelude::*;



    /// The loss in non-embedding terms at fixed C_\E = 6·N·D.
    fn loss_at(law: &ChinchillaLaw, n: f64, c: f64, gamma: f64) -> f64 {
        use crate::core::laws::LossLaw;
        law.loss(total_from_non_embedding(n, gamma), c / (6.0 * n))
    }

    /// Brute force: the N minimising that loss on a fine log grid.
    fn brute_optimum(law: &ChinchillaLaw, c: f64, gamma: f64) -> f64 {
        let (lo, hi) = (1.0f64.ln(), (c / 6.0).ln());
        let steps = 200_000;
        (0..=steps)
            .map(|i| (lo + (hi - lo) * i as f64 / steps as f64).exp())
            .map(|n| (n, loss_at(law, n, c, gamma)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0
    }

    #[test]
    fn gamma_matches_the_paper() {
        // V = 32k, d/L = 39.2 → 32000·(39.2/12)^(1/3) = 47 480; the paper's code uses 47 491 (d/L ≈ 39.23).
        let g = gamma(32_000.0, 39.2);
        assert!(rel(g, 47_480.0) < 1e-3, "{g}");
        assert!(rel(g, PAPER_GAMMA) < 5e-4, "{g} vs {PAPER_GAMMA}");
        // And the implied width: a 12·L·d² model with d/L = 39.2 has V·d embedding parameters.
        let (l, d) = (32.0, 32.0 * 39.2);
        let n_ne = 12.0 * l * d * d;
        assert!(rel(total_from_non_embedding(n_ne, g) - n_ne, 32_000.0 * d) < 1e-9);
    }

    #[test]
    fn slope_is_the_derivative_of_the_frontier() {
        let law = epoch();
        for n in [1e3, 1e5, 1e7, 1e9, 1e11, 1e13] {
            let h = 1e-4f64;
            let numeric = (compute_for_optimal(&law, n * h.exp(), PAPER_GAMMA).ln()
                - compute_for_optimal(&law, n * (-h).exp(), PAPER_GAMMA).ln())
                / (2.0 * h);
            assert!(rel(numeric, log_slope(&law, n, PAPER_GAMMA)) < 1e-6, "{n}: {numeric}");
        }
    }

    #[test]
    fn frontier_is_the_minimum_of_the_loss() {
        let law = epoch();
        for c in [1e12, 1e15, 1e18, 1e21, 1e24] {
            let n = optimal_non_embedding(&law, c, PAPER_GAMMA).unwrap();
            let brute = brute_optimum(&law, c, PAPER_GAMMA);
            assert!(rel(n, brute) < 1e-3, "{c:e}: {n} vs {brute}");
        }
    }

    #[test]
    fn numeric_exponent_of_brute_force_optima_matches_the_analytic_one() {
        let law = epoch();
        for c in [1e14, 1e18, 1e22] {
            let f = 1.5f64;
            let slope = (brute_optimum(&law, c * f, PAPER_GAMMA) / brute_optimum(&law, c / f, PAPER_GAMMA)).ln()
                / (f * f).ln();
            let analytic = local_exponent(&law, c, PAPER_GAMMA).unwrap();
            assert!((slope - analytic).abs() < 0.01, "{c:e}: {slope} vs {analytic}");
        }
    }

    #[test]
    fn exponent_tends_to_chinchilla_at_large_scale_and_is_larger_at_small() {
        for p in [Preset::Epoch, Preset::Hoffmann, Preset::Muennighoff] {
            let law = p.chinchilla().unwrap();
            let big = large_scale_exponent(&law);
            let far = local_exponent(&law, 1e40, PAPER_GAMMA).unwrap();
            assert!((far - big).abs() < 1e-3, "{p:?}: {far} vs {big}");
            assert!(rel(local_exponent_at_n(&law, 1e28, PAPER_GAMMA), big) < 1e-4);
            assert!(rel(local_exponent_at_n(&law, 1e-6, PAPER_GAMMA), small_scale_exponent(&law)) < 1e-4);
            // Above β/(α+β) everywhere: it peaks near Kaplan's scale, then falls towards the limit.
            let cs = [1e12, 1e15, 1e18, 1e21, 1e24, 1e27];
            let es: Vec<f64> = cs.iter().map(|&c| local_exponent(&law, c, PAPER_GAMMA).unwrap()).collect();
            for w in es[1..].windows(2) {
                assert!(w[1] < w[0], "{p:?}: {es:?}");
            }
            assert!(es.iter().all(|&e| e > big), "{p:?}: {es:?}");
            assert!(es[0] > big + 0.15 && es[1] > big + 0.15, "{p:?}: {es:?}");
        }
        // Kaplan's range (768 to 1.5B non-embedding parameters) sees an exponent near their 0.73.
        let s = secant_exponent(&epoch(), 768.0, 1.5e9, PAPER_GAMMA);
        assert!(s > 0.68 && s < 0.8, "{s}");
    }

    #[test]
    fn inverse_rejects_bad_input() {
        for n in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(non_embedding_from_total(n, PAPER_GAMMA), None);
        }
        assert_eq!(non_embedding_from_total(1e9, -1.0), None);
        assert!(rel(non_embedding_from_total(1e9, 0.0).unwrap(), 1e9) < 1e-12);
    }

    proptest! {
        #[test]
        fn round_trip(ln_n in 0.0f64..80.0, g in 0.0f64..5e5) {
            let n = ln_n.exp();
            let t = total_from_non_embedding(n, g);
            let back = non_embedding_from_total(t, g).unwrap();
            prop_assert!(rel(back, n) < 1e-9, "{n} → {t} → {back}");
            prop_assert!(t >= n);
        }
    }
}

//! Inference-aware allocation (Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv:2401.00448):
//! the N and D_train that minimise 6·N·D_train + 2·N·D_inf subject to L(N, D_train) = target,
//! solved numerically along the law's iso-loss curve (any [`LossLaw`]).

use crate::core::allocate::{min_compute_for_loss, AllocError};
use crate::core::laws::LossLaw;

/// Training plus inference FLOPs: 6·N·D_train + 2·N·D_inf (Kaplan et al. 2020's 6N and 2N per token).
pub fn lifetime_flop(n: f64, d_train: f64, d_inf: f64) -> f64 {
    6.0 * n * d_train + 2.0 * n * d_inf
}

/// A model of N parameters trained on D tokens to a target loss, with its lifetime cost.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sized {
    /// Parameters.
    pub n: f64,
    /// Training tokens.
    pub d: f64,
    /// Training FLOPs, 6·N·D.
    pub train_flop: f64,
    /// Inference FLOPs, 2·N·D_inf.
    pub inference_flop: f64,
}

impl Sized {
    fn new(n: f64, d: f64, d_inf: f64) -> Sized {
        Sized { n, d, train_flop: 6.0 * n * d, inference_flop: 2.0 * n * d_inf }
    }

    /// Training plus inference FLOPs.
    pub fn total_flop(&self) -> f64 {
        self.train_flop + self.inference_flop
    }

    /// Tokens per parameter.
    pub fn tokens_per_param(&self) -> f64 {
        self.d / self.n
    }
}

/// The inference-aware answer next to the Chinchilla-optimal one for the same loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct InferenceAware {
    /// The target loss.
    pub target: f64,
    /// Lifetime inference tokens.
    pub d_inf: f64,
    /// The N, D minimising training + inference FLOPs.
    pub best: Sized,
    /// The compute-optimal N, D for the same loss (training FLOPs only), costed with the same inference.
    pub chinchilla: Sized,
    /// The smallest model that can reach the loss at all (unlimited data): the left end of the iso-loss curve.
    pub n_min: f64,
}

impl InferenceAware {
    /// Total FLOPs saved against the Chinchilla-optimal model, in percent of its total.
    pub fn savings_percent(&self) -> f64 {
        (1.0 - self.best.total_flop() / self.chinchilla.total_flop()) * 100.0
    }
}

/// The smallest N whose loss with unlimited data is below `target` (bisection in ln N over 1 – e^80).
pub fn smallest_model(law: &dyn LossLaw, target: f64) -> Option<f64> {
    let (lo, hi) = (0.0f64, 80.0f64);
    if !(law.loss_infinite_data(hi.exp()) < target) {
        return None;
    }
    if law.loss_infinite_data(lo.exp()) < target {
        return Some(1.0);
    }
    Some(crate::core::solve::bisect(lo, hi, |ln_n| law.loss_infinite_data(ln_n.exp()) < target).exp())
}

/// The model of N parameters trained to `target` loss, costed with `d_inf` inference tokens.
pub fn on_iso_loss(law: &dyn LossLaw, target: f64, d_inf: f64, n: f64) -> Option<Sized> {
    let d = law.tokens_for_loss(n, target)?;
    let s = Sized::new(n, d, d_inf);
    (s.total_flop().is_finite() && d > 0.0).then_some(s)
}

/// Points scanned along the iso-loss curve before refining.
const SCAN: usize = 600;

/// The N (and D) on the iso-loss curve L = `target` minimising 6·N·D + 2·N·`d_inf`, compared
/// with the compute-optimal model for the same loss ([`min_compute_for_loss`]).
///
/// The optimum lies between the smallest model that reaches the loss and the compute-optimal
/// N (inference cost only grows with N); a log-spaced scan of that span (widened 4× upwards)
/// brackets it and Brent's method refines it ([`crate::core::solve::scan_then_brent`]).
///
/// # Errors
/// A target at or below the law's floor, a loss no model in range reaches, a negative or
/// non-finite `d_inf`.
pub fn inference_optimum(law: &dyn LossLaw, target: f64, d_inf: f64) -> Result<InferenceAware, AllocError> {
    if !(d_inf >= 0.0 && d_inf.is_finite()) {
        return Err(AllocError::OutOfRange("inference tokens must be a finite number ≥ 0".into()));
    }
    let opt = min_compute_for_loss(law, target)?;
    let n_min = smallest_model(law, target)
        .ok_or_else(|| AllocError::OutOfRange("no model size in range reaches this loss".into()))?;
    let chinchilla = on_iso_loss(law, target, d_inf, opt.n).unwrap_or(Sized::new(opt.n, opt.d, d_inf));
    let cost = |ln_n: f64| on_iso_loss(law, target, d_inf, ln_n.exp()).map(|s| s.total_flop().ln());
    // Start just above n_min (where D → ∞) and end past the compute-optimal N.
    let lo = n_min.ln() + 1e-9 * n_min.ln().abs().max(1.0);
    let hi = (opt.n * 4.0).ln().max(lo + 1e-6);
    let ln_n = crate::core::solve::scan_then_brent(|ln_n| cost(ln_n).unwrap_or(f64::INFINITY), lo, hi, SCAN)
        .map_err(|_| AllocError::Numeric("no finite cost along the iso-loss curve".into()))?;
    let best = on_iso_loss(law, target, d_inf, ln_n.exp())
        .ok_or_else(|| AllocError::Numeric("the refined point left the iso-loss curve".into()))?;
    // Never report something worse than the compute-optimal model itself.
    let best = if best.total_flop() <= chinchilla.total_flop() { best } else { chinchilla };
    Ok(InferenceAware { target, d_inf, best, chinchilla, n_min })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{rel, epoch};
    use crate::core::laws::ChinchillaLaw;
    use crate::core::presets::Preset;
    use proptest::prelude::*;



    /// Closed form of the compute-optimal model for a loss: minimising N·D on E + a + b = L with
    /// a = A/N^α, b = B/D^β gives α·a = β·b.
    fn chinchilla_for_loss(l: &ChinchillaLaw, target: f64) -> (f64, f64) {
        let room = target - l.e;
        let a = l.beta * room / (l.alpha + l.beta);
        let b = l.alpha * room / (l.alpha + l.beta);
        ((l.a / a).powf(1.0 / l.alpha), (l.b / b).powf(1.0 / l.beta))
    }

    #[test]
    fn without_inference_it_is_the_compute_optimal_model() {
        for p in [Preset::Epoch, Preset::Hoffmann, Preset::Muennighoff] {
            let law = p.chinchilla().unwrap();
            for target in [2.0, 2.3, 3.0] {
                let r = inference_optimum(&law, target, 0.0).unwrap();
                let (n, d) = chinchilla_for_loss(&law, target);
                assert!(rel(r.best.n, n) < 1e-4, "{p:?} {target}: {} vs {n}", r.best.n);
                assert!(rel(r.best.d, d) < 1e-4);
                assert!(rel(r.chinchilla.n, n) < 1e-6, "{} vs {n}", r.chinchilla.n);
                assert!(r.savings_percent().abs() < 1e-6);
            }
        }
        // Any law: Kaplan's, against the allocator's numeric answer.
        let kaplan = Preset::Kaplan.law();
        let r = inference_optimum(kaplan, 2.5, 0.0).unwrap();
        let a = min_compute_for_loss(kaplan, 2.5).unwrap();
        assert!(rel(r.best.n, a.n) < 1e-3, "{} vs {}", r.best.n, a.n);
    }

    #[test]
    fn agrees_with_brute_force_on_a_fine_grid() {
        let law = epoch();
        for (target, d_inf) in [(2.0, 2e12), (2.2, 1e13), (1.95, 1e14), (2.5, 3e11)] {
            let r = inference_optimum(&law, target, d_inf).unwrap();
            let n_min = smallest_model(&law, target).unwrap();
            let (lo, hi) = ((n_min * 1.000_001).ln(), (r.chinchilla.n * 4.0).ln());
            let steps = 200_000;
            let (bn, bc) = (0..=steps)
                .filter_map(|i| {
                    let n = (lo + (hi - lo) * i as f64 / steps as f64).exp();
                    on_iso_loss(&law, target, d_inf, n).map(|s| (n, s.total_flop()))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let spacing = ((hi - lo) / steps as f64).exp() - 1.0;
            assert!(rel(r.best.n, bn) < 2.0 * spacing + 1e-4, "{target} {d_inf}: {} vs {bn}", r.best.n);
            assert!(r.best.total_flop() <= bc * (1.0 + 1e-9));
            // It really is on the iso-loss curve.
            assert!((law.loss(r.best.n, r.best.d) - target).abs() < 1e-9);
        }
    }

    #[test]
    fn sardana_figure_1_13b_with_2t_inference_tokens() {
        // Sardana et al. 2024, Fig. 1: a 13B Chinchilla-optimal model with 2T tokens of inference
        // demand is better replaced by a 7B model trained longer, saving 1.7e22 FLOPs (17 %).
        // Their numbers come out with Hoffmann's unrounded exponents α = 0.3392, β = 0.2849
        // (eq. 10 prints 0.34 and 0.28; with those the optimum is 8.0B, saving 10 %).
        let law = ChinchillaLaw { e: 1.69, a: 406.4, b: 410.7, alpha: 0.3392, beta: 0.2849 };
        // The loss of a Chinchilla-optimal 13B: find C with N*(C) = 13B.
        let g = law.frontier_scale();
        let s = law.alpha + law.beta;
        let c = 6.0 * (13e9 / g).powf(s / law.beta);
        let (n13, d13) = law.closed_form_optimum(c).unwrap();
        assert!(rel(n13, 13e9) < 1e-9);
        let target = law.loss(n13, d13);
        let r = inference_optimum(&law, target, 2e12).unwrap();
        assert!(rel(r.chinchilla.n, 13e9) < 1e-3);
        assert!(r.best.n > 6.5e9 && r.best.n < 7.5e9, "N = {}", r.best.n);
        let saved = r.chinchilla.total_flop() - r.best.total_flop();
        assert!((saved - 1.7e22).abs() < 0.15e22, "saved {saved:e}");
        assert!((r.savings_percent() - 17.0).abs() < 1.5, "{}%", r.savings_percent());
    }

    #[test]
    fn unreachable_targets_and_bad_tokens_are_errors() {
        let law = epoch();
        assert!(matches!(inference_optimum(&law, 1.8, 1e12), Err(AllocError::BelowIrreducible { .. })));
        assert!(inference_optimum(&law, 2.0, -1.0).is_err());
        assert!(inference_optimum(&law, 2.0, f64::NAN).is_err());
        assert!(inference_optimum(&law, 2.0, f64::INFINITY).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn more_inference_means_a_smaller_model_and_savings(
            target in 1.9f64..3.0,
            lo_exp in 9.0f64..14.0,
            factor_exp in 0.3f64..2.0,
        ) {
            let law = epoch();
            let d1 = 10f64.powf(lo_exp);
            let d2 = d1 * 10f64.powf(factor_exp);
            let a = inference_optimum(&law, target, d1).unwrap();
            let b = inference_optimum(&law, target, d2).unwrap();
            prop_assert!(b.best.n < a.best.n * (1.0 + 1e-6), "{} then {}", a.best.n, b.best.n);
            prop_assert!(b.best.d > a.best.d * (1.0 - 1e-6));
            prop_assert!(a.best.n <= a.chinchilla.n * (1.0 + 1e-6));
            prop_assert!(a.savings_percent() >= -1e-9 && b.savings_percent() >= a.savings_percent() - 1e-6);
        }
    }
}

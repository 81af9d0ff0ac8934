//! Compute-optimal and constrained allocations for any law: the Budget panel's answers.

use std::fmt;

use crate::core::loss::LossLaw;
use crate::core::solve::{bisect, scan_then_brent};

/// Training FLOPs for N parameters on D tokens: C ≈ 6ND (Kaplan et al. 2020).
pub fn training_flop(n: f64, d: f64) -> f64 {
    6.0 * n * d
}

/// Compute range the allocators search, in FLOP.
pub const MIN_COMPUTE: f64 = 1e6;
/// Upper end of the compute range the allocators search, in FLOP.
pub const MAX_COMPUTE: f64 = 1e35;

/// Accepts a budget inside [`MIN_COMPUTE`, `MAX_COMPUTE`].
///
/// # Errors
/// [`AllocError::OutOfRange`] outside it.
pub fn check_budget(flop: f64) -> Result<f64, AllocError> {
    if (MIN_COMPUTE..=MAX_COMPUTE).contains(&flop) {
        Ok(flop)
    } else {
        Err(AllocError::OutOfRange(format!(
            "{} is outside the supported range 1e6 – 1e35 FLOP",
            crate::core::units::format_flop(flop)
        )))
    }
}

/// A model size, token count and compute with the loss the law predicts for them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Allocation {
    /// Training compute, FLOP.
    pub compute: f64,
    /// Parameters.
    pub n: f64,
    /// Training tokens.
    pub d: f64,
    /// Predicted loss.
    pub loss: f64,
}

impl Allocation {
    /// Tokens per parameter, D/N.
    pub fn tokens_per_param(&self) -> f64 {
        self.d / self.n
    }
}

/// Why an allocation question has no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AllocError {
    /// The target loss is at or below what the law can ever reach.
    BelowIrreducible {
        /// The requested loss.
        target: f64,
        /// The law's floor.
        floor: f64,
    },
    /// The answer lies outside the compute range we search.
    OutOfRange(String),
    /// A model of this size never reaches the loss, whatever the data.
    ModelTooSmall {
        /// The requested model size.
        n: f64,
        /// Its loss with unlimited data.
        loss_floor: f64,
        /// The requested loss.
        target: f64,
    },
    /// The numeric minimiser failed.
    Numeric(String),
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::core::units::{format_count, format_sig};
        match self {
            AllocError::BelowIrreducible { target, floor } => write!(
                f,
                "a loss of {} is at or below this law's irreducible loss {}: no compute reaches it",
                format_sig(*target, 4),
                format_sig(*floor, 4)
            ),
            AllocError::OutOfRange(why) => write!(f, "{why}"),
            AllocError::ModelTooSmall { n, loss_floor, target } => write!(
                f,
                "a {}-parameter model cannot reach loss {} with any amount of data (its floor is {})",
                format_count(*n, 3),
                format_sig(*target, 4),
                format_sig(*loss_floor, 4)
            ),
            AllocError::Numeric(why) => write!(f, "the numeric search failed: {why}"),
        }
    }
}

impl std::error::Error for AllocError {}

/// The compute-optimal allocation at `compute` FLOP: closed form where the law has one,
/// otherwise [`numeric_optimum`].
///
/// # Errors
/// When the numeric search fails (it does not for the shipped laws).
pub fn optimum(law: &dyn LossLaw, compute: f64) -> Result<Allocation, AllocError> {
    match law.closed_form_optimum(compute) {
        Some((n, d)) if n.is_finite() && d.is_finite() && n > 0.0 && d > 0.0 => {
            Ok(Allocation { compute, n, d, loss: law.loss(n, d) })
        }
        _ => numeric_optimum(law, compute),
    }
}

/// Minimises L(N, C/(6N)) over N numerically: a coarse log-spaced scan brackets the minimum,
/// then Brent's method (argmin) refines it. Works for any law, closed form or not.
///
/// # Errors
/// When the scan finds no finite loss or Brent's method fails.
pub fn numeric_optimum(law: &dyn LossLaw, compute: f64) -> Result<Allocation, AllocError> {
    let hi = (compute / 6.0).ln(); // N up to C/6, i.e. D down to 1 token
    let lo = 0.0; // N from 1 parameter
    if !(hi > lo + 1e-9) {
        return Err(AllocError::OutOfRange(format!("compute {compute:e} FLOP is too small to allocate")));
    }
    let loss = |ln_n: f64| {
        let n = ln_n.exp();
        law.loss(n, compute / (6.0 * n))
    };
    let n = scan_then_brent(loss, lo, hi, 400).map_err(|e| AllocError::Numeric(e.to_string()))?.exp();
    let d = compute / (6.0 * n);
    Ok(Allocation { compute, n, d, loss: law.loss(n, d) })
}

/// The least compute whose optimal allocation reaches `target` loss.
///
/// # Errors
/// When the target is at or below the law's floor, or outside [`MIN_COMPUTE`, `MAX_COMPUTE`].
pub fn min_compute_for_loss(law: &dyn LossLaw, target: f64) -> Result<Allocation, AllocError> {
    let floor = law.irreducible_loss();
    if !(target > floor) {
        return Err(AllocError::BelowIrreducible { target, floor });
    }
    let loss_at = |ln_c: f64| optimum(law, ln_c.exp()).map(|a| a.loss);
    let (lo, hi) = (MIN_COMPUTE.ln(), MAX_COMPUTE.ln());
    if loss_at(hi)? > target {
        return Err(AllocError::OutOfRange(format!(
            "reaching loss {} needs more than {:e} FLOP under this law",
            crate::core::units::format_sig(target, 4),
            MAX_COMPUTE
        )));
    }
    if loss_at(lo)? <= target {
        return Err(AllocError::OutOfRange(format!(
            "loss {} is already reached below {:e} FLOP under this law",
            crate::core::units::format_sig(target, 4),
            MIN_COMPUTE
        )));
    }
    let mut failure = None;
    let ln_c = bisect(lo, hi, |ln_c| match loss_at(ln_c) {
        Ok(loss) => loss <= target,
        Err(e) => {
            failure.get_or_insert(e);
            true
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    optimum(law, ln_c.exp())
}

/// A model of a chosen size trained to the same loss as the compute-optimal one.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ResizedModel {
    /// The compute-optimal allocation it is compared with.
    pub optimal: Allocation,
    /// The chosen model trained to the optimal loss.
    pub resized: Allocation,
    /// Extra compute relative to the optimum, in percent (C/C* − 1)·100.
    pub overhead_percent: f64,
}

/// "I want a smaller model than N*": tokens needed for N parameters to reach the loss of the
/// optimum at `compute`, and the compute overhead that costs (Hoffmann et al.'s iso-loss view).
///
/// # Errors
/// When N cannot reach that loss with any amount of data.
pub fn resize_model(law: &dyn LossLaw, compute: f64, n: f64) -> Result<ResizedModel, AllocError> {
    let optimal = optimum(law, compute)?;
    let d = law.tokens_for_loss(n, optimal.loss).ok_or(AllocError::ModelTooSmall {
        n,
        loss_floor: law.loss_infinite_data(n),
        target: optimal.loss,
    })?;
    let c = training_flop(n, d);
    let resized = Allocation { compute: c, n, d, loss: law.loss(n, d) };
    Ok(ResizedModel { optimal, resized, overhead_percent: (c / compute - 1.0) * 100.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rel;
    use crate::core::presets::Preset;
    use proptest::prelude::*;


    /// Brute force: the minimum of a fine log grid of N along C = 6ND, no solver involved.
    fn brute_force_n(law: &dyn LossLaw, compute: f64) -> f64 {
        let hi = (compute / 6.0).ln();
        let steps = 200_000;
        (0..=steps)
            .map(|i| hi * i as f64 / steps as f64)
            .min_by(|a, b| {
                let la = law.loss(a.exp(), compute / (6.0 * a.exp()));
                let lb = law.loss(b.exp(), compute / (6.0 * b.exp()));
                la.total_cmp(&lb)
            })
            .unwrap()
            .exp()
    }

    #[test]
    fn closed_form_matches_brute_force_for_every_preset() {
        for preset in Preset::ALL {
            let law = preset.law();
            for compute in [1e18, 5.76e23, 1e26] {
                let (n, d) = law.closed_form_optimum(compute).unwrap();
                let brute = brute_force_n(law, compute);
                // Grid spacing in ln N is ~2.5e-4, so N agrees to about that.
                assert!(rel(n, brute) < 1e-3, "{preset:?} at {compute:e}: {n:e} vs brute {brute:e}");
                assert!(rel(6.0 * n * d, compute) < 1e-12);
                assert!(law.loss(n, d) <= law.loss(brute, compute / (6.0 * brute)) + 1e-12);
            }
        }
    }

    #[test]
    fn numeric_allocator_agrees_with_closed_form() {
        for preset in Preset::ALL {
            let law = preset.law();
            for compute in [1e15, 1e20, 5.76e23, 1e28, 1e33] {
                let (n, _) = law.closed_form_optimum(compute).unwrap();
                let numeric = numeric_optimum(law, compute).unwrap();
                assert!(rel(n, numeric.n) < 1e-5, "{preset:?} {compute:e}: {n:e} vs {:e}", numeric.n);
            }
        }
    }

    /// Slope of log N* and log D* over six decades of compute, measured from the allocations.
    fn measured_exponents(law: &dyn LossLaw) -> (f64, f64) {
        let a = optimum(law, 1e20).unwrap();
        let b = optimum(law, 1e26).unwrap();
        ((b.n / a.n).log10() / 6.0, (b.d / a.d).log10() / 6.0)
    }

    #[test]
    fn exponents_are_beta_and_alpha_over_their_sum() {
        for preset in [Preset::Hoffmann, Preset::Epoch, Preset::Muennighoff] {
            let c = preset.chinchilla().unwrap();
            let (a, b) = measured_exponents(preset.law());
            assert!((a - c.beta / (c.alpha + c.beta)).abs() < 1e-12, "{preset:?}: a = {a}");
            assert!((b - c.alpha / (c.alpha + c.beta)).abs() < 1e-12, "{preset:?}: b = {b}");
            assert_eq!(preset.law().allocation_exponents().map(|(x, _)| (x - a).abs() < 1e-12), Some(true));
        }
        // Kaplan's bracket is the Chinchilla form with α = α_N/α_D and β = 1, so
        // a = 1/(1 + α_N/α_D) = α_D/(α_N + α_D) with Table 2's α_N = 0.076, α_D = 0.103.
        let (a, b) = measured_exponents(Preset::Kaplan.law());
        assert!((a - 0.103 / (0.076 + 0.103)).abs() < 1e-12, "Kaplan a = {a}");
        assert!((b - 0.076 / (0.076 + 0.103)).abs() < 1e-12, "Kaplan b = {b}");
    }

    #[test]
    fn chinchilla_vs_gopher_at_the_same_compute() {
        // Hoffmann et al.: at Gopher's compute, the Approach-3 law prefers a ~40-70B model, not 280B.
        let law = Preset::Hoffmann.law();
        let opt = optimum(law, 5.76e23).unwrap();
        assert!(opt.n > 2e10 && opt.n < 8e10, "N* = {:e}", opt.n);
        let gopher = law.loss(280e9, 300e9);
        let chinchilla = law.loss(70e9, 1.4e12);
        assert!(chinchilla < gopher);
    }

    #[test]
    fn min_compute_inverts_the_optimal_loss() {
        for preset in Preset::ALL {
            let law = preset.law();
            let opt = optimum(law, 3e23).unwrap();
            let back = min_compute_for_loss(law, opt.loss).unwrap();
            assert!(rel(back.compute, 3e23) < 1e-9, "{preset:?}: {:e}", back.compute);
        }
        let floor = Preset::Epoch.law().irreducible_loss();
        assert!(matches!(
            min_compute_for_loss(Preset::Epoch.law(), floor),
            Err(AllocError::BelowIrreducible { .. })
        ));
        assert!(min_compute_for_loss(Preset::Epoch.law(), 1.8201).is_err());
    }

    #[test]
    fn resized_model_reaches_the_same_loss_at_a_cost() {
        let law = Preset::Epoch.law();
        let r = resize_model(law, 1e23, 5e9).unwrap();
        assert!(rel(r.resized.loss, r.optimal.loss) < 1e-12);
        assert!(r.overhead_percent > 0.0);
        assert!(r.resized.d > r.optimal.d);
        // At N = N* there is no overhead.
        let same = resize_model(law, 1e23, r.optimal.n).unwrap();
        assert!(same.overhead_percent.abs() < 1e-6);
        // A tiny model cannot reach the loss at all.
        assert!(matches!(resize_model(law, 1e23, 1e6), Err(AllocError::ModelTooSmall { .. })));
    }

    struct NoClosedForm(&'static dyn LossLaw);
    impl LossLaw for NoClosedForm {
        fn loss(&self, n: f64, d: f64) -> f64 {
            self.0.loss(n, d)
        }
        fn irreducible_loss(&self) -> f64 {
            self.0.irreducible_loss()
        }
        fn loss_infinite_data(&self, n: f64) -> f64 {
            self.0.loss_infinite_data(n)
        }
    }

    proptest! {
        #[test]
        fn generic_tokens_for_loss_matches_closed_forms(
            ln_n in 15.0f64..27.0, extra in 0.01f64..1.0, which in 0usize..4
        ) {
            let preset = Preset::ALL[which];
            let law = preset.law();
            let n = ln_n.exp();
            let target = law.loss_infinite_data(n) + extra;
            let closed = law.tokens_for_loss(n, target);
            let generic = NoClosedForm(law).tokens_for_loss(n, target);
            match (closed, generic) {
                (Some(a), Some(b)) => prop_assert!(rel(a, b) < 1e-9, "{a:e} vs {b:e}"),
                (None, None) => {}
                // Out of the bisection range (D > 1e52): the generic solver gives up first.
                (Some(a), None) => prop_assert!(a > 1e50),
                (a, b) => prop_assert!(false, "{a:?} vs {b:?}"),
            }
        }

        #[test]
        fn optimum_for_law_without_closed_form_uses_numeric(ln_c in 40.0f64..75.0) {
            let c = ln_c.exp();
            let law = Preset::Muennighoff.law();
            let a = optimum(&NoClosedForm(law), c).unwrap();
            let b = optimum(law, c).unwrap();
            prop_assert!(rel(a.n, b.n) < 1e-5);
            prop_assert!(rel(a.loss, b.loss) < 1e-12);
        }
    }
}

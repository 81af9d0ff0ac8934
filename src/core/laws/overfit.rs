//! Kaplan et al.'s data requirement for avoiding overfitting: how many tokens a model of N
//! parameters needs before the ratio N^(α_N/α_D)/D stops costing loss.
//!
//! Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361, §4.2: "We
//! estimate that the variation in the loss with different random seeds is roughly 0.02, which
//! means that to avoid overfitting when training to within that threshold of convergence we
//! require D ≳ (5 × 10³) N^0.74 (4.4)". The penalty is δL(N, D) = L(N, D)/L(N, ∞) − 1 (eq. 4.2),
//! which "depends predominantly on the ratio N^(α_N/α_D)/D" (Figure 9). Conditions, all the
//! paper's: N counts non-embedding parameters ("excluding all vocabulary and positional
//! embeddings", §1.3); D is tokens of their WebText2 BPE tokenisation; the runs were
//! regularised with 10 % dropout and early-stopped at the lowest test loss (§4.2); and "models
//! smaller than 10⁹ parameters can be trained with minimal overfitting on the 22B token WebText2
//! dataset" (§4.2).

use crate::core::units::{format_count, format_sig};

/// The prefactor of eq. 4.4: D ≳ (5 × 10³)·N^0.74.
pub const PREFACTOR: f64 = 5e3;

/// The exponent of eq. 4.4 (α_N/α_D = 0.076/0.103 ≈ 0.74 with Table 2's fit).
pub const EXPONENT: f64 = 0.74;

/// Where the bound comes from.
pub const CITATION: &str = "Kaplan et al. 2020, arXiv:2001.08361, §4.2, eq. 4.4: D ≳ (5×10³)·N^0.74";

/// What the bound assumes, for a note beside it.
pub const CAVEAT: &str = "Kaplan counts non-embedding parameters, so applied to a total count the bound is a little stricter than theirs; it comes from early-stopped runs with 10 % dropout, at the 0.02 loss spread of random seeds";

/// The fewest training tokens a model of `n` (non-embedding) parameters needs to stay clear of
/// overfitting (eq. 4.4).
pub fn min_tokens(n: f64) -> f64 {
    PREFACTOR * n.powf(EXPONENT)
}

/// How far `d` tokens are above the bound for `n` parameters, as a ratio (below 1: under it).
pub fn margin(n: f64, d: f64) -> f64 {
    d / min_tokens(n)
}

/// A warning when a run of `n` parameters on `d` tokens falls below the bound; `what` names
/// the run ("the planned run", "run 3").
pub fn warning(what: &str, n: f64, d: f64) -> Option<String> {
    let need = min_tokens(n);
    (n.is_finite() && d.is_finite() && n > 0.0 && d < need).then(|| {
        format!(
            "{what} ({} parameters on {} tokens) is below Kaplan's overfitting bound: a model that size needs at least {} tokens (D ≳ 5×10³·N^0.74, eq. 4.4)",
            format_count(n, 3),
            format_count(d, 3),
            format_count(need, 3)
        )
    })
}

/// The bound in words for a model of `n` parameters: "≥ 2.29e10 tokens".
pub fn describe(n: f64) -> String {
    format!("≥ {} tokens", format_count(min_tokens(n), 3))
}

/// The bound next to a planned `d`: "≥ 6.13B tokens; D is 23× that".
pub fn describe_with(n: f64, d: f64) -> String {
    let m = margin(n, d);
    let rel = if m >= 1.0 { format!("D is {}× that", format_sig(m, 2)) } else { format!("D is only {} of it: overfitting risk", percent(m)) };
    format!("{}; {rel}", describe(n))
}

fn percent(x: f64) -> String {
    format!("{} %", format_sig(x * 100.0, 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::laws::kaplan::TABLE_2;

    /// §4.2: "models smaller than 10⁹ parameters can be trained with minimal overfitting on the
    /// 22B token WebText2 dataset" (WebText2: 2.29 × 10¹⁰ tokens, §2.3). Eq. 4.4 at N = 10⁹.
    #[test]
    fn a_billion_parameters_need_about_webtext2() {
        let d = min_tokens(1e9);
        assert!((d / 2.29e10 - 1.0).abs() < 0.01, "{d:e}");
    }

    /// Eq. 4.4 is eq. 4.3's penalty at the 0.02 threshold: with Table 2's constants, δL at the
    /// bound is about 0.02 across five decades of N, and the exponent is α_N/α_D.
    #[test]
    fn the_bound_is_where_the_penalty_reaches_the_seed_spread() {
        assert!((TABLE_2.alpha_n / TABLE_2.alpha_d - EXPONENT).abs() < 0.005);
        for n in [1e6, 1e8, 1e9, 1e10, 1e11] {
            let penalty = TABLE_2.overfitting_penalty(n, min_tokens(n));
            assert!((0.015..0.025).contains(&penalty), "N = {n:e}: δL = {penalty}");
        }
        // More data, smaller penalty; none at infinite data.
        assert!(TABLE_2.overfitting_penalty(1e9, 1e12) < TABLE_2.overfitting_penalty(1e9, 1e10));
        assert!(TABLE_2.overfitting_penalty(1e9, f64::INFINITY).abs() < 1e-15);
    }

    /// "every time we increase the model size 8x, we only need to increase the data by roughly
    /// 5x to avoid a penalty" (§1.1).
    #[test]
    fn eight_times_the_model_needs_about_five_times_the_data() {
        let ratio = min_tokens(8e9) / min_tokens(1e9);
        assert!((4.5..5.0).contains(&ratio), "{ratio}");
    }

    #[test]
    fn warnings_only_below_the_bound() {
        assert!(warning("the run", 1e9, 1e10).is_some_and(|w| w.contains("22.9B")));
        assert!(warning("the run", 1e9, 3e10).is_none());
        assert!(warning("the run", f64::NAN, 1e10).is_none());
        assert_eq!(describe_with(1e9, 2.29e11), "≥ 22.9B tokens; D is 10× that");
        assert!(describe_with(1e9, 1.0e10).contains("overfitting risk"));
    }
}

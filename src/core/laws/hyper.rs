//! Published hyperparameter laws: Kaplan et al.'s critical batch size, DeepSeek LLM's learning
//! rate and batch size against compute, and Step Law's learning rate and batch size against N, D.

/// Kaplan et al. 2020 (arXiv:2001.08361, eqs. 1.4 and 5.3: "B* ≈ 2 × 10^8"; Table 5: 2.1e8): B* in tokens.
pub const KAPLAN_B_STAR: f64 = 2e8;
/// Kaplan et al. 2020: α_B.
pub const KAPLAN_ALPHA_B: f64 = 0.21;

/// Kaplan et al.'s critical batch size in tokens at loss `loss` (nats/token):
/// B_crit(L) = B*/L^(1/α_B). `None` for a loss that is not a positive finite number.
pub fn critical_batch(loss: f64) -> Option<f64> {
    let b = KAPLAN_B_STAR / loss.powf(1.0 / KAPLAN_ALPHA_B);
    (loss > 0.0 && b.is_finite() && b > 0.0).then_some(b)
}

/// DeepSeek LLM (DeepSeek-AI 2024, arXiv:2401.02954, eq. 1): η_opt = 0.3118·C^−0.1250, with
/// C = M·D in FLOPs (M = non-embedding FLOPs per token).
pub fn deepseek_lr(c: f64) -> Option<f64> {
    positive(0.3118 * c.powf(-0.1250), c)
}

/// DeepSeek LLM (arXiv:2401.02954, eq. 1): B_opt = 0.2920·C^0.3271 tokens.
pub fn deepseek_batch(c: f64) -> Option<f64> {
    positive(0.2920 * c.powf(0.3271), c)
}

/// Step Law (Li et al. 2025, arXiv:2503.04715): η(N, D) = 1.79·N^−0.713·D^0.307, N non-embedding
/// parameters, D tokens.
pub fn step_lr(n: f64, d: f64) -> Option<f64> {
    positive(1.79 * n.powf(-0.713) * d.powf(0.307), n.min(d))
}

/// Step Law (arXiv:2503.04715): B(D) = 0.58·D^0.571 tokens.
pub fn step_batch(d: f64) -> Option<f64> {
    positive(0.58 * d.powf(0.571), d)
}

fn positive(value: f64, input: f64) -> Option<f64> {
    (input > 0.0 && value.is_finite() && value > 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::rel;


    #[test]
    fn deepseek_reproduces_its_own_7b_settings() {
        // DeepSeek LLM 7B: 30 layers, d_model 4096, 4096-token sequences, 2T tokens; their
        // M = 72·n_layer·d² + 12·n_layer·d·l_seq FLOPs per token, so C = M·D ≈ 8.46e22. Their
        // Table 2 trains it with η 4.2e-4 and 2304 sequences of 4096 tokens (9.44M tokens).
        let m = 72.0 * 30.0 * 4096f64.powi(2) + 12.0 * 30.0 * 4096.0 * 4096.0;
        let c = m * 2e12;
        assert!(rel(deepseek_lr(c).unwrap(), 4.2e-4) < 0.02, "{:?}", deepseek_lr(c));
        assert!(rel(deepseek_batch(c).unwrap(), 2304.0 * 4096.0) < 0.03, "{:?}", deepseek_batch(c));
    }

    #[test]
    fn formulas_at_hand_computed_points() {
        // L = 1: B_crit = B* exactly; L = 2: 2e8 / 2^(1/0.21) = 2e8 / 27.1 (2^4.7619 = 27.13).
        assert_eq!(critical_batch(1.0), Some(2e8));
        assert!(rel(critical_batch(2.0).unwrap(), 7.3715e6) < 1e-4);
        // C = 1e24: C^-0.125 = 10^-3 → η = 3.118e-4; C^0.3271 = 10^7.8504 → B = 0.292·7.0854e7.
        assert!(rel(deepseek_lr(1e24).unwrap(), 3.118e-4) < 1e-12);
        assert!(rel(deepseek_batch(1e24).unwrap(), 0.2920 * 10f64.powf(7.8504)) < 1e-12);
        assert!(rel(deepseek_batch(1e24).unwrap(), 2.0689e7) < 1e-4);
        // N = 1e9, D = 1e11: 1.79 · 10^(−6.417) · 10^(3.377) = 1.79 · 10^−3.04 = 1.6323e-3.
        assert!(rel(step_lr(1e9, 1e11).unwrap(), 1.79 * 10f64.powf(-3.04)) < 1e-12);
        assert!(rel(step_lr(1e9, 1e11).unwrap(), 1.6325e-3) < 1e-4);
        // D = 1e11: 0.58 · 10^6.281 = 0.58 · 1.9099e6.
        assert!(rel(step_batch(1e11).unwrap(), 1.10773e6) < 1e-4);
    }

    #[test]
    fn monotone_in_the_right_direction() {
        let ls = [1.5, 2.0, 2.5, 3.0, 4.0];
        for w in ls.windows(2) {
            assert!(critical_batch(w[1]).unwrap() < critical_batch(w[0]).unwrap(), "lower loss, bigger batch");
        }
        for c in [1e18, 1e20, 1e22, 1e24] {
            assert!(deepseek_lr(c * 10.0).unwrap() < deepseek_lr(c).unwrap());
            assert!(deepseek_batch(c * 10.0).unwrap() > deepseek_batch(c).unwrap());
            assert!(step_lr(c / 1e12 * 10.0, 1e11).unwrap() < step_lr(c / 1e12, 1e11).unwrap());
            assert!(step_lr(1e9, c / 1e10 * 10.0).unwrap() > step_lr(1e9, c / 1e10).unwrap());
            assert!(step_batch(c / 1e10 * 10.0).unwrap() > step_batch(c / 1e10).unwrap());
        }
        // Scaling: 10× compute multiplies DeepSeek's batch by 10^0.3271 and divides η by 10^0.125.
        assert!(rel(deepseek_batch(1e23).unwrap() / deepseek_batch(1e22).unwrap(), 10f64.powf(0.3271)) < 1e-12);
        assert!(rel(deepseek_lr(1e22).unwrap() / deepseek_lr(1e23).unwrap(), 10f64.powf(0.125)) < 1e-12);
    }

    #[test]
    fn bad_inputs_give_none() {
        for x in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(critical_batch(x), None, "{x}");
            assert_eq!(deepseek_lr(x), None);
            assert_eq!(step_batch(x), None);
            assert_eq!(step_lr(x, 1e9), None);
        }
    }
}

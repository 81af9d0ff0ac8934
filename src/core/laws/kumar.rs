//! Precision-aware scaling (Kumar et al. 2024, "Scaling Laws for Precision", arXiv:2411.04330):
//! training in low precision shrinks the effective parameter count, and post-training
//! quantization adds a loss penalty that grows with the tokens seen per parameter.
//!
//! Read in the paper's full text (a Markdown conversion of its ICLR version in the search
//! index, cross-checked against a second conversion):
//! - §2: "Pw, Pa, Pkv refer to the bit precision, in integer-type, of the weights, activations,
//!   and key-value cache (\"attention\") during training, and Ppost refers to the precision we
//!   post-train quantize (PTQ) weights to"; "We use \"high precision\" to mean 16-bit or above."
//!   §2.3: OLMo-style models on Dolma V1.7, "N ∈ [30, 60, 110, 220] million parameters
//!   (non-embedding) and D ∈ [1.5, 3, 6, 13, 26] billion tokens".
//! - Eq. 2: "δ_PTQ(N, D, P_post) = C_T (D^γ_D / N^γ_N) e^(−P_post/γ_post)"; eq. 4: "N_eff(P_w,
//!   P_a, P_kv) = N(1 − e^(−P_w/γ_w))(1 − e^(−P_a/γ_a))(1 − e^(−P_kv/γ_kv))"; eq. 1: "L = A
//!   N_eff^(−α) + B D^(−β) + E + δ_PTQ(N_eff, D, P_train, P_post)"; eq. 5's cost model "C = (6/16)
//!   NDP"; §4.3: "P* to be around 7-8 bits when fitting our scaling law on runs with
//!   quantization done to integer type".
//! - Appendix K: "we tie α = β"; "a fit of the form e^(x/γ_x) in the main text is really
//!   computed with offset e^(x/γ_x + n)"; Table 2 ("Fitted constants and their values"): A
//!   4.299e3, α 0.4965, B 1.806e4, E 2.7648, γ_w 2.6745, n_w 0.3037, γ_i 2.2102, n_i 1.4072,
//!   γ_kv 0.9578, n_kv 2.4185, C_T 0.0598, γ_D 0.5068, γ_N 0.3439, γ 0.5907, b 1.1277. And:
//!   "We emphasize our numerical constants are unlikely to be useful because … fitted constant
//!   depend heavily on the architecture and dataset used".
//!
//! Three readings of Table 2 are ours, not printed: γ_i is the activations' γ_a; each factor
//! with its offset is 1 − e^(−P/γ + n) (x = −P in "e^(x/γ_x + n)"; the other sign would make the
//! KV cache insensitive at 4 bits, against Appendix L's "very quickly becomes sensitive around
//! 4-5 bit precision", and would not give §4.3's 7–8-bit optimum, which this reading does — see
//! the tests); the unlabelled "γ 0.5907" and "b 1.1277" after γ_N are γ_post and its offset.
//! Precisions of 16 bits or more count as full precision (factor 1), as the paper uses BF16 as
//! its "infinite-precision" reference (Appendix M).

use std::fmt;

use crate::core::units::format_sig;

/// Table 2's constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constants {
    /// A.
    pub a: f64,
    /// α (tied to β).
    pub alpha: f64,
    /// B.
    pub b: f64,
    /// E.
    pub e: f64,
    /// (γ, offset n) of the weights, activations and KV cache.
    pub parts: [(f64, f64); 3],
    /// C_T.
    pub c_t: f64,
    /// γ_D.
    pub gamma_d: f64,
    /// γ_N.
    pub gamma_n: f64,
    /// γ_post and its offset b.
    pub post: (f64, f64),
}

/// Appendix K, Table 2.
pub const TABLE_2: Constants = Constants {
    a: 4.299e3,
    alpha: 0.4965,
    b: 1.806e4,
    e: 2.7648,
    parts: [(2.6745, 0.3037), (2.2102, 1.4072), (0.9578, 2.4185)],
    c_t: 0.0598,
    gamma_d: 0.5068,
    gamma_n: 0.3439,
    post: (0.5907, 1.1277),
};

/// Bits at and above which a part counts as full precision.
pub const HIGH: f64 = 16.0;

/// The citation shown with the law.
pub const CITATION: &str = "Kumar et al. 2024, Scaling Laws for Precision, arXiv:2411.04330: effective parameters N_eff (eq. 4), the post-training quantization penalty δ_PTQ (eq. 2), the cost model C = (6/16)·N·D·P (eq. 5), constants of Appendix K, Table 2 (integer quantization, OLMo-style models of 30M–220M non-embedding parameters on Dolma, 1.5B–26B tokens).";

/// Training precisions in bits: weights, activations, KV cache.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Precision {
    /// Weights.
    pub w: f64,
    /// Activations.
    pub a: f64,
    /// KV cache.
    pub kv: f64,
}

/// The model parts, for messages.
pub const PARTS: [&str; 3] = ["weights", "activations", "KV cache"];

/// Why a precision gives no effective size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PrecisionError {
    /// The fitted factor of a part is ≤ 0 at this many bits (below the fit's range).
    NoFactor {
        /// Which part (index into [`PARTS`]).
        part: usize,
        /// Bits.
        bits: f64,
    },
}

impl fmt::Display for PrecisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoFactor { part, bits } => write!(
                f,
                "at {} bits the fitted law leaves the {} no effective parameters: below its range (the paper's runs with activations or KV cache at 3 bits or fewer diverged)",
                format_sig(*bits, 3),
                PARTS.get(*part).copied().unwrap_or("model")
            ),
        }
    }
}

impl std::error::Error for PrecisionError {}

impl Constants {
    /// 1 − e^(−P/γ + n) of one part (1 at [`HIGH`] bits and above).
    pub fn factor(&self, part: usize, bits: f64) -> f64 {
        if bits >= HIGH {
            return 1.0;
        }
        let (gamma, n) = self.parts.get(part).copied().unwrap_or((1.0, 0.0));
        1.0 - (-bits / gamma + n).exp()
    }

    /// N_eff / N for these precisions (eq. 4 with Table 2's offsets).
    ///
    /// # Errors
    /// A part whose factor is not positive.
    pub fn share(&self, p: &Precision) -> Result<f64, PrecisionError> {
        let mut share = 1.0;
        for (part, bits) in [p.w, p.a, p.kv].into_iter().enumerate() {
            let f = self.factor(part, bits);
            if !(f > 0.0) {
                return Err(PrecisionError::NoFactor { part, bits });
            }
            share *= f;
        }
        Ok(share)
    }

    /// The loss penalty of quantizing the weights to `post` bits after training (eq. 2, the
    /// effective size in place of N as in eq. 1).
    pub fn ptq(&self, n_eff: f64, d: f64, post: f64) -> f64 {
        let (gamma, b) = self.post;
        self.c_t * d.powf(self.gamma_d) / n_eff.powf(self.gamma_n) * (-post / gamma + b).exp()
    }

    /// The paper's own loss (eq. 1 with δ_PTQ when `post` is given), in nats on Dolma.
    pub fn loss(&self, n_eff: f64, d: f64, post: Option<f64>) -> f64 {
        self.e + self.a * n_eff.powf(-self.alpha) + self.b * d.powf(-self.alpha) + post.map_or(0.0, |p| self.ptq(n_eff, d, p))
    }

    /// The tokens beyond which more data raises the loss after quantizing to `post` bits
    /// (Appendix E.1, eq. 13, with the offset): D_crit = (β·B·N^γ_N·e^(P_post/γ_post − b) /
    /// (γ_D·C_T))^(1/(γ_D + β)), with this law's own B and β.
    pub fn d_crit(&self, n_eff: f64, post: f64) -> f64 {
        let (gamma, b) = self.post;
        let beta = self.alpha;
        (beta * self.b * n_eff.powf(self.gamma_n) * (post / gamma - b).exp() / (self.gamma_d * self.c_t)).powf(1.0 / (self.gamma_d + beta))
    }

    /// The tied precision (3–16 bits, in steps of 0.05) that minimises the compute-optimal
    /// loss when training compute costs (6/16)·N·D·P (eq. 5): with α = β it minimises
    /// P / (N_eff/N), whatever the budget (§4.3: "the compute-optimal pretraining precision is
    /// in general independent of compute budget").
    pub fn optimal_precision(&self) -> f64 {
        let mut best = (f64::INFINITY, HIGH);
        for i in 0..=260 {
            let p = 3.0 + 0.05 * f64::from(i);
            if let Ok(s) = self.share(&Precision { w: p, a: p, kv: p }) {
                let cost = p / s;
                if cost < best.0 {
                    best = (cost, p);
                }
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §4.3: "P* to be around 7-8 bits": Table 2 with the offsets read as e^(−P/γ + n) gives
    /// it; read the other way (e^(−P/γ − n)) it would not.
    #[test]
    fn the_compute_optimal_precision_is_seven_to_eight_bits() {
        let p = TABLE_2.optimal_precision();
        assert!((7.0..=8.0).contains(&p), "{p}");
        let flipped = Constants { parts: TABLE_2.parts.map(|(g, n)| (g, -n)), ..TABLE_2 };
        let q = flipped.optimal_precision();
        assert!(!(7.0..=8.0).contains(&q), "{q}");
    }

    /// Appendix L: activations are more sensitive than weights, and the KV cache "is not
    /// sensitive to quantization at higher bit value, but very quickly becomes sensitive around
    /// 4-5 bit precision"; 16 bits is full precision.
    #[test]
    fn the_parts_are_sensitive_as_appendix_l_says() {
        let t = TABLE_2;
        for bits in [4.0, 6.0, 8.0] {
            assert!(t.factor(1, bits) < t.factor(0, bits), "{bits}: activations {} vs weights {}", t.factor(1, bits), t.factor(0, bits));
        }
        assert!(t.factor(2, 8.0) > 0.99 && t.factor(2, 4.0) < 0.85, "{} {}", t.factor(2, 8.0), t.factor(2, 4.0));
        assert_eq!(t.share(&Precision { w: 16.0, a: 32.0, kv: 16.0 }), Ok(1.0));
        // By hand at 8 bits: (1 − e^(−8/2.6745 + 0.3037))(1 − e^(−8/2.2102 + 1.4072))(1 − e^(−8/0.9578 + 2.4185)).
        let by_hand = (1.0 - (-8.0f64 / 2.6745 + 0.3037).exp()) * (1.0 - (-8.0f64 / 2.2102 + 1.4072).exp()) * (1.0 - (-8.0f64 / 0.9578 + 2.4185).exp());
        assert!((t.share(&Precision { w: 8.0, a: 8.0, kv: 8.0 }).unwrap() - by_hand).abs() < 1e-15);
        assert!((by_hand - 0.8278).abs() < 1e-3, "{by_hand}");
        assert_eq!(t.share(&Precision { w: 8.0, a: 8.0, kv: 2.0 }), Err(PrecisionError::NoFactor { part: 2, bits: 2.0 }));
    }

    /// §3: "degradation increases in training data size across all model sizes, but … for a
    /// fixed dataset size larger models incur a smaller degradation", and "δPTQ increases
    /// exponentially as we decrease the precision"; past D_crit more data raises the
    /// post-quantization loss (the derivative changes sign there).
    #[test]
    fn the_ptq_penalty_and_the_critical_data_size() {
        let t = TABLE_2;
        assert!(t.ptq(1e8, 1e10, 4.0) > t.ptq(1e8, 1e9, 4.0));
        assert!(t.ptq(2e8, 1e10, 4.0) < t.ptq(1e8, 1e10, 4.0));
        assert!(t.ptq(1e8, 1e10, 3.0) > t.ptq(1e8, 1e10, 4.0) * 4.0);
        // By hand: 0.0598·(1e10)^0.5068/(1e8)^0.3439·e^(−4/0.5907 + 1.1277).
        let by_hand = 0.0598 * 1e10f64.powf(0.5068) / 1e8f64.powf(0.3439) * (-4.0f64 / 0.5907 + 1.1277).exp();
        assert!((t.ptq(1e8, 1e10, 4.0) / by_hand - 1.0).abs() < 1e-12);
        for (n, post) in [(3e7, 4.0), (1e8, 3.0), (2.2e8, 5.0)] {
            let dc = t.d_crit(n, post);
            let slope = |d: f64| (t.loss(n, d * 1.001, Some(post)) - t.loss(n, d / 1.001, Some(post))) / 0.002;
            assert!(slope(dc * 0.8) < 0.0 && slope(dc * 1.25) > 0.0, "{n:e} {post}: D_crit {dc:e}");
        }
    }
}

//! Branch-free exp and ln to full double precision, written so the compiler can vectorise the
//! fitting kernel (the std versions are opaque calls, and on wasm32 they are software routines).
//! Accuracy is checked against std in the tests: a few ulp over the ranges the kernel uses.

const LOG2E: f64 = std::f64::consts::LOG2_E;
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Adding then subtracting 1.5·2⁵² rounds to the nearest integer, and leaves it in the low bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// e^x for x in [−708, 709] (inputs outside are clamped to that range; NaN stays NaN-free).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_in_range(x.clamp(-708.0, 709.0))
}

/// e^x for x already known to lie in [−708, 709] (outside it the result is garbage).
#[inline(always)]
pub fn exp_in_range(x: f64) -> f64 {
    let shifted = x * LOG2E + ROUNDER;
    let k = shifted - ROUNDER;
    // Taylor to r¹² for |r| ≤ ln2/2 (truncation error < 2e-16), by Estrin's scheme: the same
    // sum as Horner's rule in a third of the dependent steps, which is what bounds this kernel.
    let r = x - k * LN2_HI - k * LN2_LO;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = 1.0 + r;
    let q1 = 1.0 / 2.0 + r * (1.0 / 6.0);
    let q2 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let q3 = 1.0 / 720.0 + r * (1.0 / 5_040.0);
    let q4 = 1.0 / 40_320.0 + r * (1.0 / 362_880.0);
    let q5 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0);
    let q6 = 1.0 / 479_001_600.0;
    let p = ((q0 + r2 * q1) + r4 * (q2 + r2 * q3)) + r8 * ((q4 + r2 * q5) + r4 * q6);
    let k_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    p * f64::from_bits(k_bits.wrapping_add(1023) << 52)
}

/// ln x for positive normal x (the kernel never passes anything else).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD;
    // Split x = 2^k · m with m in [√½, √2).
    let u = x.to_bits().wrapping_add(0x3FF0_0000_0000_0000 - SQRT_HALF_BITS);
    let k = f64::from_bits((u >> 52) | 0x4330_0000_0000_0000) - (4_503_599_627_370_496.0 + 1023.0);
    let m = f64::from_bits((u & 0x000F_FFFF_FFFF_FFFF).wrapping_add(SQRT_HALF_BITS));
    // ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.1716: odd series to s¹⁹.
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    // Σ z^j/(2j+1) for j = 0..9, by Estrin's scheme (see `exp`).
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let q0 = 1.0 + z * (1.0 / 3.0);
    let q1 = 1.0 / 5.0 + z * (1.0 / 7.0);
    let q2 = 1.0 / 9.0 + z * (1.0 / 11.0);
    let q3 = 1.0 / 13.0 + z * (1.0 / 15.0);
    let q4 = 1.0 / 17.0 + z * (1.0 / 19.0);
    let p = (q0 + z2 * q1) + z4 * (q2 + z2 * q3) + z8 * q4;
    k * LN2_HI + (2.0 * s * p + k * LN2_LO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        (a - b).abs() / (b.abs() * f64::EPSILON)
    }

    #[test]
    fn exp_matches_std_to_a_few_ulp() {
        let mut worst: f64 = 0.0;
        for i in 0..200_001 {
            let x = -708.0 + 1417.0 * i as f64 / 200_000.0;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        for i in 0..100_001 {
            let x = -1.0 + 2.0 * i as f64 / 100_000.0;
            worst = worst.max(ulps(exp(x), x.exp()));
        }
        assert!(worst < 4.0, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(1e6).is_finite() && exp(-1e6) > 0.0);
    }

    #[test]
    fn ln_matches_std_to_a_few_ulp() {
        let mut worst: f64 = 0.0;
        for i in 0..200_001 {
            let x = (-700.0 + 1400.0 * i as f64 / 200_000.0).exp();
            worst = worst.max((ln(x) - x.ln()).abs() / (x.ln().abs().max(1.0) * f64::EPSILON));
        }
        for i in 1..100_001 {
            let x = 0.5 + 1.5 * i as f64 / 100_000.0;
            worst = worst.max((ln(x) - x.ln()).abs() / (x.ln().abs().max(1e-3) * f64::EPSILON));
        }
        assert!(worst < 8.0, "worst {worst}");
        assert_eq!(ln(1.0), 0.0);
    }
}

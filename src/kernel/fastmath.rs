//! Branch-free exp and ln to full double precision, written so the compiler can vectorise the
//! fitting kernel (the std versions are opaque calls, and on wasm32 they are software routines).
//! Accuracy is checked against std in the tests: a few ulp over the ranges the kernel uses.
//! On wasm32 with simd128, `x2` has the same functions on two lanes at once.

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

/// e^x for scalar code outside the vectorised kernel (the Kaplan and Farseer fits), whichever
/// is faster where it runs: [`exp`] on wasm32, where std's is a software routine (the page's
/// comparison of every law finished 11 % sooner with it), std's elsewhere (natively [`exp`] made
/// those fits 1.5× slower). The two agree to a few ulp; the clamp of [`exp`] applies on wasm32.
/// Natively it is std's to the bit (a test checks).
#[inline(always)]
pub fn platform_exp(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return exp(x);
    // Below ln 2^−1075 std's result is 0 too, but reached through its slow underflow path (it
    // sets errno): a fifth of Kaplan's fit went there, where one term of a sum dwarfs the other.
    #[cfg(not(target_arch = "wasm32"))]
    return if x < -745.2 { 0.0 } else { x.exp() };
}

/// The max m of a and b with e^(a−m) and e^(b−m), for a sum of two exponentials taken apart
/// around its larger term: that term's is e⁰ = 1 exactly, so only the other needs
/// [`platform_exp`] (when neither is larger, NaN included, both are computed, as they would be).
#[inline(always)]
pub fn platform_exp_pair(a: f64, b: f64) -> (f64, f64, f64) {
    let m = a.max(b);
    let (ea, eb) = if a > b {
        (1.0, platform_exp(b - m))
    } else if b > a {
        (platform_exp(a - m), 1.0)
    } else {
        (platform_exp(a - m), platform_exp(b - m))
    };
    (m, ea, eb)
}

/// ln x as [`platform_exp`] chooses: [`ln`] on wasm32 (positive normal x), std's elsewhere.
#[inline(always)]
pub fn platform_ln(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return ln(x);
    #[cfg(not(target_arch = "wasm32"))]
    return x.ln();
}

/// √½, whose bits split x = 2^k · m in [`ln`].
const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD;

/// ln x for positive normal x (the kernel never passes anything else).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
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

/// [`exp`], [`exp_in_range`] and [`ln`] on the two f64 lanes of a wasm SIMD register, each
/// lane computed by exactly the operations of the scalar function, in the same order (so the
/// results are the same bits). At opt-level 3 the compiler makes this of the scalar code by
/// itself, but the wasm build links with LTO at the main crate's size-optimising level, which
/// does not vectorise; written out, the kernel stays vectorised whatever the link does.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod x2 {
    use super::{LN2_HI, LN2_LO, LOG2E, ROUNDER, SQRT_HALF_BITS};
    use core::arch::wasm32::*;

    #[inline(always)]
    fn splat(x: f64) -> v128 {
        f64x2_splat(x)
    }
    #[inline(always)]
    fn add(a: v128, b: v128) -> v128 {
        f64x2_add(a, b)
    }
    #[inline(always)]
    fn sub(a: v128, b: v128) -> v128 {
        f64x2_sub(a, b)
    }
    #[inline(always)]
    fn mul(a: v128, b: v128) -> v128 {
        f64x2_mul(a, b)
    }

    /// [`super::exp`] on both lanes: the clamp to [−708, 709] as `f64::clamp` does it (NaN
    /// passes through), then [`exp_in_range`].
    #[inline(always)]
    pub fn exp(x: v128) -> v128 {
        let (lo, hi) = (splat(-708.0), splat(709.0));
        let x = v128_bitselect(lo, x, f64x2_lt(x, lo));
        let x = v128_bitselect(hi, x, f64x2_gt(x, hi));
        exp_in_range(x)
    }

    /// [`super::exp_in_range`] on both lanes.
    #[inline(always)]
    pub fn exp_in_range(x: v128) -> v128 {
        let shifted = add(mul(x, splat(LOG2E)), splat(ROUNDER));
        let k = sub(shifted, splat(ROUNDER));
        let r = sub(sub(x, mul(k, splat(LN2_HI))), mul(k, splat(LN2_LO)));
        let r2 = mul(r, r);
        let r4 = mul(r2, r2);
        let r8 = mul(r4, r4);
        let term = |c0: f64, c1: f64| add(splat(c0), mul(r, splat(c1)));
        let q0 = add(splat(1.0), r);
        let q1 = term(1.0 / 2.0, 1.0 / 6.0);
        let q2 = term(1.0 / 24.0, 1.0 / 120.0);
        let q3 = term(1.0 / 720.0, 1.0 / 5_040.0);
        let q4 = term(1.0 / 40_320.0, 1.0 / 362_880.0);
        let q5 = term(1.0 / 3_628_800.0, 1.0 / 39_916_800.0);
        let q6 = splat(1.0 / 479_001_600.0);
        let p = add(add(add(q0, mul(r2, q1)), mul(r4, add(q2, mul(r2, q3)))), mul(r8, add(add(q4, mul(r2, q5)), mul(r4, q6))));
        let k_bits = i64x2_sub(shifted, u64x2_splat(ROUNDER.to_bits()));
        mul(p, i64x2_shl(i64x2_add(k_bits, u64x2_splat(1023)), 52))
    }

    /// [`super::ln`] on both lanes.
    #[inline(always)]
    pub fn ln(x: v128) -> v128 {
        let u = i64x2_add(x, u64x2_splat(0x3FF0_0000_0000_0000 - SQRT_HALF_BITS));
        let k = sub(v128_or(u64x2_shr(u, 52), u64x2_splat(0x4330_0000_0000_0000)), splat(4_503_599_627_370_496.0 + 1023.0));
        let m = i64x2_add(v128_and(u, u64x2_splat(0x000F_FFFF_FFFF_FFFF)), u64x2_splat(SQRT_HALF_BITS));
        let s = f64x2_div(sub(m, splat(1.0)), add(m, splat(1.0)));
        let z = mul(s, s);
        let z2 = mul(z, z);
        let z4 = mul(z2, z2);
        let z8 = mul(z4, z4);
        let term = |c0: f64, c1: f64| add(splat(c0), mul(z, splat(c1)));
        let q0 = add(splat(1.0), mul(z, splat(1.0 / 3.0)));
        let q1 = term(1.0 / 5.0, 1.0 / 7.0);
        let q2 = term(1.0 / 9.0, 1.0 / 11.0);
        let q3 = term(1.0 / 13.0, 1.0 / 15.0);
        let q4 = term(1.0 / 17.0, 1.0 / 19.0);
        let p = add(add(add(q0, mul(z2, q1)), mul(z4, add(q2, mul(z2, q3)))), mul(z8, q4));
        add(mul(k, splat(LN2_HI)), add(mul(mul(splat(2.0), s), p), mul(k, splat(LN2_LO))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        (a - b).abs() / (b.abs() * f64::EPSILON)
    }

    #[test]
    fn platform_exp_is_std_natively_to_the_bit() {
        if cfg!(target_arch = "wasm32") {
            return;
        }
        for i in 0..400_001 {
            let x = -800.0 + 1510.0 * i as f64 / 400_000.0;
            assert_eq!(platform_exp(x).to_bits(), x.exp().to_bits(), "{x}");
        }
        for x in [-745.2, -745.14, -745.13, -1e300, f64::NEG_INFINITY, 0.0, -0.0] {
            assert_eq!(platform_exp(x).to_bits(), x.exp().to_bits(), "{x}");
        }
        assert!(platform_exp(f64::NAN).is_nan());
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

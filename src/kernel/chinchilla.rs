//! The Chinchilla objective, Σᵢ wᵢ·Huber_δ(ln L̂ᵢ − ln Lᵢ) for L̂ = E + A/N^α + B/D^β with
//! θ = (ln A, ln B, ln E, α, β), written for speed: it is the inner loop of a 4 500-start fit.
//! The law itself (its parameters, grid, prediction and report) is `core/laws/chinchilla.rs` in
//! the main crate, whose `Chinchilla::objective` calls [`objective`].

use crate::fastmath::{exp, exp_in_range, ln};

/// Runs the kernel processes together (the compiler maps them onto SIMD registers).
const LANES: usize = 4;

#[inline(always)]
fn larger(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

/// The Chinchilla objective written for speed: it is the inner loop of a 4 500-start fit.
/// Branch-free over `LANES` (4) runs at a time, with the vectorisable exp/ln of `fastmath`.
/// When every exponent a − α·ln N, b − β·ln D and e lies within ±700 (known from the data's
/// range before the loop), e^t₁ + e^t₂ + e^e is summed directly; otherwise each run shifts by
/// its largest exponent first (one more exp per run, never overflows).
///
/// `theta` is (ln A, ln B, ln E, α, β); `ln_n`, `ln_d` and `ln_loss` are the runs' columns and
/// `ln_n_range`, `ln_d_range` the (min, max) of the first two; `weights` are the runs' weights
/// (bootstrap counts, or ones). Runs past the shortest of the four slices are ignored. Returns
/// the objective and writes its gradient with respect to θ into `grad` (at most five entries).
///
/// On wasm32 with simd128 the runs go through explicit SIMD (two lanes per register, see
/// `fastmath::x2`); elsewhere through the portable code, which the compiler
/// vectorises. Both give the same bits ([`objective_portable`] is the portable code anywhere).
#[allow(clippy::too_many_arguments)]
pub fn objective(
    theta: [f64; 5],
    ln_n: &[f64],
    ln_d: &[f64],
    ln_loss: &[f64],
    ln_n_range: (f64, f64),
    ln_d_range: (f64, f64),
    weights: &[f64],
    delta: f64,
    grad: &mut [f64],
) -> f64 {
    let columns = Columns { ln_n, ln_d, ln_loss, weights };
    evaluate::<SIMD>(theta, &columns, ln_n_range, ln_d_range, delta, grad)
}

/// [`objective`] through the portable code on every target: the reference the SIMD path is
/// tested against (bit for bit) on wasm32; the same function as [`objective`] elsewhere.
#[allow(clippy::too_many_arguments)]
pub fn objective_portable(
    theta: [f64; 5],
    ln_n: &[f64],
    ln_d: &[f64],
    ln_loss: &[f64],
    ln_n_range: (f64, f64),
    ln_d_range: (f64, f64),
    weights: &[f64],
    delta: f64,
    grad: &mut [f64],
) -> f64 {
    let columns = Columns { ln_n, ln_d, ln_loss, weights };
    evaluate::<false>(theta, &columns, ln_n_range, ln_d_range, delta, grad)
}

/// Whether [`objective`] takes the explicit SIMD path on this target.
const SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

#[inline(always)]
fn evaluate<const USE_SIMD: bool>(
    theta: [f64; 5],
    columns: &Columns<'_>,
    ln_n_range: (f64, f64),
    ln_d_range: (f64, f64),
    delta: f64,
    grad: &mut [f64],
) -> f64 {
    let [a, b, e, alpha, beta] = theta;
    let extreme = |c: f64, slope: f64, (lo, hi): (f64, f64)| {
        let (x, y) = (c - slope * lo, c - slope * hi);
        !(x.abs() <= 700.0 && y.abs() <= 700.0)
    };
    let shift = extreme(a, alpha, ln_n_range) || extreme(b, beta, ln_d_range) || !(e.abs() <= 700.0);
    let acc = match (USE_SIMD, shift) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        (true, true) => simd::kernel::<true>(theta, columns, delta),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        (true, false) => simd::kernel::<false>(theta, columns, delta),
        (_, true) => kernel::<true>(theta, columns, delta),
        (_, false) => kernel::<false>(theta, columns, delta),
    };
    let [f, sums @ ..] = acc.map(|lanes| lanes.iter().sum::<f64>());
    for (g, s) in grad.iter_mut().zip(sums) {
        *g = s;
    }
    f
}

/// The runs' columns the kernel reads.
struct Columns<'a> {
    ln_n: &'a [f64],
    ln_d: &'a [f64],
    ln_loss: &'a [f64],
    weights: &'a [f64],
}

/// The sums of the objective and its five gradient terms, lane by lane.
type Sums = [[f64; LANES]; 6];

impl Columns<'_> {
    /// The runs the kernel reads: as many as the shortest column has.
    fn len(&self) -> usize {
        self.ln_n.len().min(self.ln_d.len()).min(self.ln_loss.len()).min(self.weights.len())
    }

    /// The last `n % LANES` runs in a group of [`LANES`] padded with weight 0 (which adds
    /// exactly nothing): ln N, ln D, ln L and the weights.
    fn tail(&self, whole: usize, n: usize) -> [[f64; LANES]; 4] {
        let mut tail = [[0.0f64; LANES]; 4];
        for (k, i) in (whole..n).enumerate() {
            tail[0][k] = self.ln_n[i];
            tail[1][k] = self.ln_d[i];
            tail[2][k] = self.ln_loss[i];
            tail[3][k] = self.weights[i];
        }
        tail
    }
}

#[inline(always)]
fn kernel<const SHIFT: bool>(theta: [f64; 5], data: &Columns<'_>, delta: f64) -> Sums {
    let n = data.len();
    let whole = n / LANES * LANES;
    let mut acc = [[0.0f64; LANES]; 6];
    let rows = data.ln_n[..whole]
        .chunks_exact(LANES)
        .zip(data.ln_d[..whole].chunks_exact(LANES))
        .zip(data.ln_loss[..whole].chunks_exact(LANES).zip(data.weights[..whole].chunks_exact(LANES)));
    for ((ln_n, ln_d), (y, w)) in rows {
        lanes::<SHIFT>(&mut acc, theta, delta, ln_n, ln_d, y, w);
    }
    if whole < n {
        // The last few runs, with weight-0 padding (which adds exactly nothing).
        let [ln_n, ln_d, y, w] = &data.tail(whole, n);
        lanes::<SHIFT>(&mut acc, theta, delta, ln_n, ln_d, y, w);
    }
    acc
}

#[inline(always)]
fn lanes<const SHIFT: bool>(acc: &mut Sums, [a, b, e, alpha, beta]: [f64; 5], delta: f64, n: &[f64], d: &[f64], y: &[f64], w: &[f64]) {
    let big_e = exp(e);
    for l in 0..LANES {
        let (t1, t2) = (a - alpha * n[l], b - beta * d[l]);
        let (m, u, v, z) = if SHIFT {
            let m = larger(larger(t1, t2), e);
            (m, exp(t1 - m), exp(t2 - m), exp(e - m))
        } else {
            (0.0, exp_in_range(t1), exp_in_range(t2), big_e)
        };
        let s = u + v + z;
        let inv = 1.0 / s;
        let r = m + ln(s) - y[l];
        let ar = r.abs();
        let h = if ar <= delta { 0.5 * r * r } else { delta * (ar - 0.5 * delta) };
        let clipped = if r > delta {
            delta
        } else if r < -delta {
            -delta
        } else {
            r
        };
        let dr = w[l] * clipped * inv;
        acc[0][l] += w[l] * h;
        acc[1][l] += dr * u;
        acc[2][l] += dr * v;
        acc[3][l] += dr * z;
        acc[4][l] -= dr * u * n[l];
        acc[5][l] -= dr * v * d[l];
    }
}

/// The kernel in explicit wasm SIMD: each group of [`LANES`] runs as two registers of two
/// lanes, every lane computed by the operations of the portable `lanes`, in the same order
/// (same bits).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{Columns, Sums, LANES};
    use crate::fastmath::{exp, x2};
    use core::arch::wasm32::*;

    /// The six sums for lanes 0 and 1, then for lanes 2 and 3.
    type Acc = [[v128; 6]; 2];

    #[inline(always)]
    pub(super) fn kernel<const SHIFT: bool>(theta: [f64; 5], data: &Columns<'_>, delta: f64) -> Sums {
        let n = data.len();
        let whole = n / LANES * LANES;
        let mut acc: Acc = [[f64x2_splat(0.0); 6]; 2];
        let rows = data.ln_n[..whole]
            .chunks_exact(LANES)
            .zip(data.ln_d[..whole].chunks_exact(LANES))
            .zip(data.ln_loss[..whole].chunks_exact(LANES).zip(data.weights[..whole].chunks_exact(LANES)));
        for ((ln_n, ln_d), (y, w)) in rows {
            lanes::<SHIFT>(&mut acc, theta, delta, ln_n, ln_d, y, w);
        }
        if whole < n {
            let [ln_n, ln_d, y, w] = &data.tail(whole, n);
            lanes::<SHIFT>(&mut acc, theta, delta, ln_n, ln_d, y, w);
        }
        let [lo, hi] = acc;
        let mut sums: Sums = [[0.0; LANES]; 6];
        for ((sum, lo), hi) in sums.iter_mut().zip(lo).zip(hi) {
            *sum = [f64x2_extract_lane::<0>(lo), f64x2_extract_lane::<1>(lo), f64x2_extract_lane::<0>(hi), f64x2_extract_lane::<1>(hi)];
        }
        sums
    }

    /// Lanes `i` and `i + 1` of a group (zeros if the slice is shorter, which never happens).
    #[inline(always)]
    fn load(s: &[f64], i: usize) -> v128 {
        match s.get(i..i + 2) {
            // SAFETY: two f64 in bounds; v128.load has no alignment requirement.
            Some(pair) => unsafe { v128_load(pair.as_ptr().cast::<v128>()) },
            None => f64x2_splat(0.0),
        }
    }

    /// `if x > y { x } else { y }` lane by lane, as `larger`.
    #[inline(always)]
    fn larger(x: v128, y: v128) -> v128 {
        v128_bitselect(x, y, f64x2_gt(x, y))
    }

    #[inline(always)]
    fn lanes<const SHIFT: bool>(acc: &mut Acc, [a, b, e, alpha, beta]: [f64; 5], delta: f64, n: &[f64], d: &[f64], y: &[f64], w: &[f64]) {
        let big_e = f64x2_splat(exp(e));
        let (a, b, e, alpha, beta) = (f64x2_splat(a), f64x2_splat(b), f64x2_splat(e), f64x2_splat(alpha), f64x2_splat(beta));
        let (half, plus, minus) = (f64x2_splat(0.5), f64x2_splat(delta), f64x2_splat(-delta));
        for (pair, acc) in acc.iter_mut().enumerate() {
            let i = 2 * pair;
            let (nl, dl, yl, wl) = (load(n, i), load(d, i), load(y, i), load(w, i));
            let t1 = f64x2_sub(a, f64x2_mul(alpha, nl));
            let t2 = f64x2_sub(b, f64x2_mul(beta, dl));
            let (m, u, v, z) = if SHIFT {
                let m = larger(larger(t1, t2), e);
                (m, x2::exp(f64x2_sub(t1, m)), x2::exp(f64x2_sub(t2, m)), x2::exp(f64x2_sub(e, m)))
            } else {
                (f64x2_splat(0.0), x2::exp_in_range(t1), x2::exp_in_range(t2), big_e)
            };
            let s = f64x2_add(f64x2_add(u, v), z);
            let inv = f64x2_div(f64x2_splat(1.0), s);
            let r = f64x2_sub(f64x2_add(m, x2::ln(s)), yl);
            let ar = f64x2_abs(r);
            let inside = f64x2_mul(f64x2_mul(half, r), r);
            let outside = f64x2_mul(plus, f64x2_sub(ar, f64x2_mul(half, plus)));
            let huber = v128_bitselect(inside, outside, f64x2_le(ar, plus));
            let clipped = v128_bitselect(plus, v128_bitselect(minus, r, f64x2_lt(r, minus)), f64x2_gt(r, plus));
            let dr = f64x2_mul(f64x2_mul(wl, clipped), inv);
            let du = f64x2_mul(dr, u);
            let dv = f64x2_mul(dr, v);
            acc[0] = f64x2_add(acc[0], f64x2_mul(wl, huber));
            acc[1] = f64x2_add(acc[1], du);
            acc[2] = f64x2_add(acc[2], dv);
            acc[3] = f64x2_add(acc[3], f64x2_mul(dr, z));
            acc[4] = f64x2_sub(acc[4], f64x2_mul(du, nl));
            acc[5] = f64x2_sub(acc[5], f64x2_mul(dv, dl));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short or mismatched columns are cut to the shortest, never read past.
    #[test]
    fn mismatched_columns_use_the_shortest() {
        let (ln_n, ln_d, ln_loss) = ([20.0, 21.0, 22.0, 23.0, 24.0], [23.0, 24.0, 25.0], [1.0, 0.9, 0.8, 0.7, 0.6]);
        let theta = [6.0, 7.5, 0.6, 0.33, 0.36];
        let (mut g_short, mut g_cut) = ([0.0; 5], [0.0; 5]);
        let f_short = objective(theta, &ln_n, &ln_d, &ln_loss, (20.0, 24.0), (23.0, 25.0), &[1.0; 5], 1e-3, &mut g_short);
        let f_cut = objective(theta, &ln_n[..3], &ln_d, &ln_loss[..3], (20.0, 24.0), (23.0, 25.0), &[1.0; 3], 1e-3, &mut g_cut);
        assert_eq!(f_short, f_cut);
        assert_eq!(g_short, g_cut);
        assert!(f_short > 0.0);
        let f_empty = objective(theta, &[], &[], &[], (0.0, 0.0), (0.0, 0.0), &[], 1e-3, &mut g_cut);
        assert_eq!((f_empty, g_cut), (0.0, [0.0; 5]));
    }
}

//! erf and erfc.
//!
//! |x| ≤ 0.5: erf x = x + c0 x + x³ P(x²), c0 = 2/√π − 1, the first two terms summed
//! exactly and the fitted P only in a term ≤ 9% of the result; erfc x = 1 − erf x there,
//! summed the same way.
//!
//! x ≥ 0.5: erfc x = e^(−x²) · erfcx(x), e^(−x²) from the exact square x² and the exp
//! reduction kept as a pair, and erfcx(x) = a / (x + b) · (1 + δ(t)): the leading
//! a / (x + b) (within 6% of erfcx on the whole range) divided in double-double, the
//! fitted correction |δ| ≤ 0.06 in the variable t = K / (x + K) (far enough from x = ∞,
//! where δ has an essential singularity, for a polynomial to converge), t computed in
//! double-double and the polynomial's low steps compensated. The product is
//! scaled by 2^k and rounded once, subnormal results included. Then erf x = 1 − erfc x
//! for x > 0.5, erfc(−x) = 2 − erfc x, from the unrounded pair.
//!
//! The wide compensated numbers of `f32` (`crate::dd::wide`, one `f64` each) need erf and
//! erfc to about 2^-30 relative, of any `f64` argument, and never more precision than that:
//! [`erf_wide_range`] and [`erfc_wide_range`] are plain `f64` arithmetic with the same
//! split at 0.5. |x| ≤ 0.5: erf x = x P(x²) (`ERF_WIDE`, 2^-36); x > 0.5: erfc x =
//! e^(−x²) · t · S(t − t₀), t = K / (x + K) (`ERFC_WIDE`, 2^-33, the variable of the
//! polynomial above), e^(−x²) by the reduction of `f32`'s e^x in `f64` (within 2^-32), so
//! that the result is within about 2^-31 of erfc x wherever that is a normal `f64`. `f32`'s
//! own [`erf`] and [`erfc`] are these, rounded once (as its `exp`, σ and the rest are): the
//! double-double algorithm above, run in `f32`, took 2.5 times as long over AVX-512 lanes
//! (`docs/accuracy.md`, `docs/speed.md`). Where the lanes have no FMA (a default build's
//! public lanes, a CPU without it) the `mul_add`s here are calls of the library's `fma`,
//! as in `f32`'s `exp`, and that algorithm, which splits products instead, was faster: the
//! bench's erf-form GELU over `F32x4` in a default build, 28.8 → 56.0 ns per element.

use super::coefficients::{ERFC_WIDE, ERFC_WIDE_K, ERFC_WIDE_MAX, ERFC_WIDE_T0, ERF_WIDE};
use super::exp::{exp_parts, exp_wide, reduce_wide, scale_rounded};
use super::{computed_wide, div_dd_pair, fast_two_sum, poly, splat, sum, two_prod, Tables};
use crate::float::Float;
use crate::real::Real;

/// erfc y = 2^k (hi + lo) for y in [0.5, ERFC_MAX] (clamped to it), hi in [2^-7, 1), as
/// `(k, hi, lo)`, and the high part g of e^(−y²) = 2^k (g + …) it was computed from.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn erfc_tail<F: Float>(y: F) -> ((F, F, F), F) {
    let zero = F::from_f64(0.0);
    let y = y.max(F::from_f64(0.5)).min(splat(F::Scalar::ERFC_MAX));
    let (sq, sqe) = two_prod(y, y);
    let (k, eh, el) = exp_parts(-sq, -sqe);
    // a / (y + b) in double-double.
    let (dh, dl) = sum(y, splat(F::Scalar::ERFC_B));
    let (q, ql) = div_dd_pair(splat(F::Scalar::ERFC_A), zero, dh, dl);
    // t = K / (y + K) in double-double: near y = 0.5, δ changes by ~0.2 per unit of y,
    // and a rounded t would cost up to an ULP. δ(τh + τl) = δ(τh) + δ'(τh) τl, the slope
    // from the first terms of the derivative (within 20%: far below an ULP in the product).
    let kk = splat::<F>(F::Scalar::ERFC_K);
    let (sh, sl) = sum(y, kk);
    let (th, tl) = div_dd_pair(kk, zero, sh, sl);
    let (tau, te) = sum(th, -splat::<F>(F::Scalar::ERFC_T0));
    let c = F::Scalar::ERFC;
    let mut slope = zero;
    for i in (1..7).rev() {
        slope = slope * tau + splat::<F>(c[i]) * F::from_f64(i as f64);
    }
    let delta = compensated_poly(tau, c) + slope * (te + tl);
    let (gh, gl) = fast_two_sum(q, ql + q * delta);
    let (ph, pe) = two_prod(eh, gh);
    ((k, ph, pe + (eh * gl + el * gh)), eh)
}

/// Σ c[i] x^i by Horner's rule, the steps of the eight lowest powers compensated
/// (Graillat, Langlois, Louvet: each product and sum error-free, the errors summed in a
/// second Horner recurrence): where the partial sums are much larger than the value, their
/// rounding errors no longer reach it.
///
/// The compensated steps run four to an iteration (`compensated_steps!`). A loop of
/// single steps is not unrolled (too large over lanes), and LLVM vectorised its carried
/// lane arrays across the values of one lane instead of across the lanes, in narrow
/// registers and shuffles: most of the time of `f64` fused GELU(erf). Unrolled whole, the
/// kernels around it spilled registers instead (the forward kernel twice as slow). Four
/// steps to an iteration: GELU(erf) `f64` fused 0.75 times the time of the loop, forward
/// and backward 0.96 (`docs/speed.md`). The bits are the loop's.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn compensated_poly<F: Float>(x: F, c: &[F::Scalar]) -> F {
    /// The compensated steps: a multiple of the four that one iteration takes.
    const COMPENSATED: usize = 8;
    const _: () = assert!(COMPENSATED.is_multiple_of(4));
    let mut acc = splat::<F>(c[c.len() - 1]);
    for &ci in c[COMPENSATED..c.len() - 1].iter().rev() {
        acc = acc * x + splat(ci);
    }
    let mut err = F::from_f64(0.0);
    macro_rules! compensated_steps {
        ($($i:expr),*) => {$(
            let (p, pe) = two_prod(acc, x);
            let (s, se) = sum(p, splat(c[$i]));
            err = err * x + (pe + se);
            acc = s;
        )*};
    }
    for j in (0..COMPENSATED / 4).rev() {
        compensated_steps!(4 * j + 3, 4 * j + 2, 4 * j + 1, 4 * j);
    }
    acc + err
}

/// erf x = x + c0 x + x³ P(x²) for |x| ≤ 0.5 as `(hi, lo)`, times `scale`: x + c0 x summed
/// exactly (c0 = 2/√π − 1 in double-double), the rounded part |x³ P| ≤ 0.09 |erf x|.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn erf_small<F: Float>(x: F, scale: F) -> (F, F) {
    let w = x * x;
    let xs = x * scale;
    let (ph, pe) = two_prod(xs, splat(F::Scalar::ERF_C0_HI));
    let (s, e) = sum(xs, ph);
    (s, e + ((pe + xs * splat(F::Scalar::ERF_C0_LO)) + (xs * w) * poly(w, F::Scalar::ERF)))
}

/// The error function, within 1 ULP. `f32` lanes compute in `f64` (`erf_wide_range`,
/// within about 2^-31) and round once.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn erf<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        return F::narrow(erf_wide_range(x.widen()));
    }
    let (one, limit) = (F::from_f64(1.0), F::from_f64(0.5));
    let y = x.abs();
    // |x| ≤ 0.5, scaled by 2^2p so that the error terms stay normal. Scaled back, a
    // subnormal result is rounded once: c = ±2^(emin + 2p) has the subnormal spacing as
    // its ULP, so c + a + b rounded (a's rounding error carried exactly) rounds to it.
    let two_p = F::from_f64(2.0) * splat::<F>(F::Scalar::DIGITS);
    let up = two_p.pow2i();
    let (a, b) = erf_small(x.min(limit).max(-limit), up);
    let c = (two_p + one - splat::<F>(F::Scalar::EMAX)).pow2i().copysign(a);
    let t = c + a;
    let tiny = ((t + ((a - (t - c)) + b)) - c) * (one / up);
    let v = a + b;
    let small = F::select(v.abs().lt(c.abs()), tiny, v * (one / up));
    // |x| > 0.5: 1 − erfc |x|.
    let large = complement(F::from_f64(1.0), erfc_tail(y).0).0.copysign(x);
    let v = F::select(y.le(limit), small, large);
    // ±0 keeps its sign; NaN stays NaN.
    F::select(x.is_nan() | x.eq(F::from_f64(0.0)), x, v)
}

/// erf x as an unrounded pair (hi, lo), for `f64` and a finite x whose erf is a normal
/// number (elsewhere the value is meaningless: callers select their own): the pieces
/// [`erf`] rounds, unscaled. Within 2^-55 relative (`dd::tests`).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erf_pair<F: Float>(x: F) -> (F, F) {
    let half = F::from_f64(0.5);
    let (a, b) = erf_small(x.min(half).max(-half), F::from_f64(1.0));
    let small = fast_two_sum(a, b);
    let (h, l) = complement(F::from_f64(1.0), erfc_tail(x.abs()).0);
    let negative = x.lt(F::from_f64(0.0));
    let large = (F::select(negative, -h, h), F::select(negative, -l, l));
    select_pair(x.abs().le(half), small, large)
}

/// `c` − 2^k (h + l) as a normalised pair, for the tail `(k, h, l)` of [`erfc_tail`] below
/// `c` (1 or 2): the large parts summed exactly.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn complement<F: Float>(c: F, (k, h, l): (F, F, F)) -> (F, F) {
    let (th, tl) = (h.ldexp(k), l.ldexp(k));
    let (s, e) = sum(c, -th);
    fast_two_sum(s, e - tl)
}

/// `a` where `m` is set, else `b`, each a pair.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn select_pair<F: Float>(m: F::Mask, a: (F, F), b: (F, F)) -> (F, F) {
    (F::select(m, a.0, b.0), F::select(m, a.1, b.1))
}

/// erfc x as a normalised pair where |x| ≤ 0.5 (1 − erf x, the large parts summed
/// exactly) or x < −0.5 (2 − erfc |x|), the tail `(k, h, l)` = erfc |x| for x > 0.5, and the
/// high part `g` of e^(−x²) = 2^k (g + …) for |x| ≥ 0.5.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn erfc_split<F: Float>(x: F) -> ((F, F), (F, F, F), F) {
    let (one, half) = (F::from_f64(1.0), F::from_f64(0.5));
    let (a, b) = erf_small(x.min(half).max(-half), one);
    let (s, e) = sum(one, -a);
    let small = fast_two_sum(s, e - b);
    let (tail, g) = erfc_tail(x.abs());
    let negative = complement(F::from_f64(2.0), tail);
    (select_pair(x.abs().le(half), small, negative), tail, g)
}

/// 1 − erf x, accurate in the right tail, within 1 ULP. `f32` lanes compute in `f64`
/// (`erfc_wide_range`, within about 2^-31 wherever the `f32` result is not 0) and round
/// once, subnormal results directly to the subnormal grid.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn erfc<F: Float>(x: F) -> F {
    erfc_and_gaussian(x).0
}

/// ([`erfc`] x, e^(−x²)): the bits of `erfc`, and beside them, for the slope of a
/// first-order correction (`Dd::erfc_value` of pairs), the Gaussian from the exponential
/// erfc already took where 0.5 ≤ |x| ≤ `ERFC_MAX` (its high part; beyond, the value at
/// `ERFC_MAX`, where erfc has underflowed), 1 − x² (1 − x²/2) below 0.5 (within 4·10^-3).
/// `f32` lanes: [`erfc_wide_range`] rounded once, and the Gaussian by `f32`'s e^x of the
/// `f64` square (0 where it underflows `f32`).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erfc_and_gaussian<F: Float>(x: F) -> (F, F) {
    if computed_wide::<F>() {
        let w = x.widen();
        return (F::narrow(erfc_wide_range(w)), F::narrow(exp_wide(-(w * w))));
    }
    let ((near, _), (k, h, l), g) = erfc_split(x);
    let (one, half) = (F::from_f64(1.0), F::from_f64(0.5));
    let body = x.abs().le(half);
    // x > 0.5: the tail, rounded once (subnormal results included).
    let v = F::select(body | x.lt(F::from_f64(0.0)), near, scale_rounded(k, h, l));
    let w = x * x;
    let gaussian = F::select(body, one - w * (one - half * w), g.ldexp(k));
    (F::select(x.is_nan(), x, v), gaussian)
}

/// erfc x as an unrounded pair (hi, lo), for `f64` and a finite x whose erfc is a normal
/// number (elsewhere, below the normal range, the pair is: callers refuse it): the pieces
/// [`erfc`] rounds, the tail scaled exactly. Within 2^-55 relative (`dd::tests`).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erfc_pair<F: Float>(x: F) -> (F, F) {
    let (near, (k, h, l), _) = erfc_split(x);
    let tail = (h.ldexp(k), l.ldexp(k));
    select_pair(x.abs().le(F::from_f64(0.5)) | x.lt(F::from_f64(0.0)), near, tail)
}

/// erf x for |x| ≤ 0.5 in `f64`: x P(x²), within 2^-36 of erf x plus a few roundings.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn erf_small_wide<W: Float<Scalar = f64>>(x: W) -> W {
    x * poly(x * x, &ERF_WIDE)
}

/// erfc y for y in [0.5, `ERFC_WIDE_MAX`] (clamped to it) in `f64`: e^(−y²) · t · S(τ),
/// t = K / (y + K), τ = t − t₀, within about 2^-31 relative where the result is a normal
/// `f64` (S's fit 2^-33, e^(−y²) 2^-32; y² rounded moves e^(−y²) by at most 2^-43). At the
/// clamp erfc is already below `f64`'s normal range, and so is the value returned beyond.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn erfc_tail_wide<W: Float<Scalar = f64>>(y: W) -> W {
    let y = y.max(W::from_f64(0.5)).min(W::from_f64(ERFC_WIDE_MAX));
    let k = W::from_f64(ERFC_WIDE_K);
    let t = k / (y + k);
    let s = poly(t - W::from_f64(ERFC_WIDE_T0), &ERFC_WIDE);
    // −y² ≥ −707.6: 2^n stays normal (n ≥ −1021), the clamp never acts.
    let (n, q) = reduce_wide(-(y * y), -(ERFC_WIDE_MAX * ERFC_WIDE_MAX), 0.0);
    ((W::from_f64(1.0) + q) * n.pow2i()) * (t * s)
}

/// The error function of `f64` lanes to about 2^-31 relative, for the `f32` values that
/// compensated code carries in `f64` (`crate::dd`): x P(x²) for |x| ≤ 0.5, else
/// ±(1 − erfc |x|) (erfc |x| < 0.48 there, so its error reaches erf damped). ±0 and NaN are
/// kept; ±1 beyond |x| = 6.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erf_wide_range<W: Float<Scalar = f64>>(x: W) -> W {
    let y = x.abs();
    let large = (W::from_f64(1.0) - erfc_tail_wide(y)).copysign(x);
    let v = W::select(y.le(W::from_f64(0.5)), erf_small_wide(x), large);
    W::select(x.is_nan(), x, v)
}

/// erfc of `f64` lanes to about 2^-31 relative wherever it is a normal `f64` (x up to about
/// 26.54; below −0.5 as 2 − erfc |x|, in [1.5, 2]), as [`erf_wide_range`]. Beyond, a value
/// below 2^-1022 that is not erfc x: callers refuse it (`Dd::erfc`) or round it to an
/// `f32`, where it is 0 (`Dd::erfc_value`). NaN stays NaN.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn erfc_wide_range<W: Float<Scalar = f64>>(x: W) -> W {
    let (one, half) = (W::from_f64(1.0), W::from_f64(0.5));
    let y = x.abs();
    let tail = erfc_tail_wide(y);
    let large = W::select(x.lt(W::from_f64(0.0)), W::from_f64(2.0) - tail, tail);
    let v = W::select(y.le(half), one - erf_small_wide(x), large);
    W::select(x.is_nan(), x, v)
}

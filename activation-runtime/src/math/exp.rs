//! e^x and e^x − 1, and the reduction they share with the hyperbolic functions, erfc and
//! powf.
//!
//! x = k ln 2 + r with k = round(x / ln 2), so |r| ≤ ln 2 / 2: r = x − k·LN2_HI is exact
//! (k·LN2_HI is exact, and x and k·LN2_HI are within a factor 2 of each other), and the
//! rest −k·LN2_LO is carried as a low part. Then
//!
//! e^r = 1 + r + r²/2 + r³ Q(r),
//!
//! where r² comes from an exact product, so that 1 + r + r²/2 is summed without error and
//! only the small r³ Q(r) (≤ 0.007) carries the polynomial's rounding: the result rounds
//! essentially once. e^x = 2^k e^r is scaled by [`Float::ldexp`], which rounds once also
//! where the result is subnormal.
//!
//! For `f32` all of this is done more cheaply in `f64` ([`exp_wide`], [`expm1_wide`]): the
//! lanes are widened, reduced in one step, a degree-7 polynomial brings the value within
//! 2^-32 of e^x, and one conversion rounds it to `f32` (subnormal results too, since every
//! `f32` is a normal `f64`). Half the instructions of the error-free `f32` path, and as
//! accurate (0.51 ULP measured). Its polynomial and rounding of k are fused multiply-adds
//! (correctly rounded on every path, so the bits are the same with and without FMA; see
//! the module `math`).

use super::coefficients::EXP_WIDE;
use super::{
    computed_wide, fast_two_sum, mul_add_exact, poly, reciprocal_remainder, splat, sum, two_prod, two_prod_small,
    Tables,
};
use crate::float::{unless_in_place, Float};
use crate::real::Real;

/// e^r split so that 1 + `rh` + `h` is summed exactly and `small` is below 0.01 with
/// e^r = 1 + rh + h + small (to about 2^-2p relative).
#[derive(Clone, Copy)]
pub(crate) struct Reduced<F> {
    /// k = round(x / ln 2), as a float.
    pub k: F,
    /// The high part of r = x − k ln 2 (exact).
    pub rh: F,
    /// rh² / 2 rounded (its error is in `small`).
    pub h: F,
    /// The rest of e^r − 1 − rh − h.
    pub small: F,
}

/// Reduces e^(xh + xl), |xl| ≤ ulp(xh), for xh clamped to [EXP_MIN, EXP_MAX] (or at least
/// small enough that k · LN2_HI stays exact: |k| < 2^11 for `f64`, 2^8 for `f32`).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn reduce<F: Float>(xh: F, xl: F) -> Reduced<F> {
    let k = (xh * splat(F::Scalar::LOG2E)).round_int();
    let rh = mul_add_exact(-k, splat(F::Scalar::LN2_HI), xh);
    let rl = xl - k * splat(F::Scalar::LN2_LO);
    let (sq, sqe) = two_prod(rh, rh);
    let half = F::from_f64(0.5);
    let r = rh + rl;
    let cube = r * r * r * poly(r, F::Scalar::EXP);
    // r²/2 = rh²/2 + rl (rh + rl/2): rl is not negligible in f32, where LN2_HI has 16 bits.
    Reduced { k, rh, h: sq * half, small: rl + ((sqe * half + rl * (rh + half * rl)) + cube) }
}

/// e^(xh + xl) = 2^k (hi + lo), hi in [0.7, 1.42] and |lo| ≤ ulp(hi) / 2 (normalised):
/// for callers that need more than the rounded value (hyperbolic functions, erfc, powf).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_parts<F: Float>(xh: F, xl: F) -> (F, F, F) {
    let r = reduce(xh, xl);
    let (s, e) = sum(F::from_f64(1.0), r.rh);
    let (s2, e2) = sum(s, r.h);
    let (hi, lo) = fast_two_sum(s2, (e + e2) + r.small);
    (r.k, hi, lo)
}

/// Where the unrounded pairs of [`exp_pair`] and [`expm1_pair`] hold: |x| ≤ 708, so that
/// 2^k (k ≤ 1022) and the pair scaled by it are normal.
pub(crate) const PAIR_RANGE: f64 = 708.0;

/// e^(xh + xl) as an unrounded pair (hi, lo), |lo| ≤ ulp(hi) / 2 and within 2^-56
/// relative of the truth (2^-57.8 measured, `dd::tests`: the polynomial is fitted for
/// `exp`'s rounding, not for pairs), for `f64` and |xh| ≤ [`PAIR_RANGE`] (elsewhere
/// the value is meaningless: callers select their own): `exp_parts` scaled exactly. What
/// the double-double's `exp` is, instead of `exp` rounded and corrected to first order.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_pair<F: Float>(xh: F, xl: F) -> (F, F) {
    let limit = F::from_f64(PAIR_RANGE);
    let (k, h, l) = exp_parts(xh.max(-limit).min(limit), xl);
    let scale = k.pow2i();
    (h * scale, l * scale)
}

/// (e^x, e^x − 1) as the unrounded pairs of [`exp_pair`] and [`expm1_pair`], the same bits,
/// for `f64` and x in [−[`PAIR_RANGE`], 0] (elsewhere the values are meaningless: callers
/// select their own), from one reduction: what pairs' tanh takes, e^-2|u| where |u| is
/// large and e^-2|u| − 1 where it is small, without reducing twice where the lanes of a
/// vector disagree.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_expm1_pair<F: Float>(x: F) -> ((F, F), (F, F)) {
    let r = reduce(x, F::from_f64(0.0));
    // e^x = 2^k (hi + lo), as `exp_parts`.
    let (s, e) = sum(F::from_f64(1.0), r.rh);
    let (s2, e2) = sum(s, r.h);
    let (hi, lo) = fast_two_sum(s2, (e + e2) + r.small);
    // e^x − 1 = (2^k − 1) + 2^k (rh + h + small), as `expm1_parts` where k ≤ 0 (its
    // scale 2^k, and the power it subtracts 2^0).
    let scale = r.k.pow2i();
    let (th, tl) = sum(scale, F::from_f64(-1.0));
    let (a, b) = sum(th, scale * r.rh);
    let (c, d) = sum(a, scale * r.h);
    let (mh, ml) = fast_two_sum(c, (tl + (b + d)) + scale * r.small);
    ((hi * scale, lo * scale), (mh, ml))
}

/// e^x − 1 as an unrounded pair (hi, lo), for `f64` and |x| ≤ [`PAIR_RANGE`] (see
/// [`exp_pair`]): `expm1_parts`, whose scale is 1 there.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn expm1_pair<F: Float>(x: F) -> (F, F) {
    let limit = F::from_f64(PAIR_RANGE);
    let (h, l, _) = expm1_parts(x.max(-limit).min(limit));
    (h, l)
}

/// e^x, within 0.6 ULP (see `docs/accuracy.md`). `f32` lanes compute in `f64`
/// (`exp_wide`) and round once.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn exp<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        return F::narrow(exp_wide(x.widen()));
    }
    let lo = splat::<F>(F::Scalar::EXP_MIN);
    let hi = splat::<F>(F::Scalar::EXP_MAX);
    // Clamped, e^x still rounds to 0 below and overflows above; NaN is put back at the end.
    let xc = x.max(lo).min(hi);
    let (k, h, l) = exp_parts(xc, F::from_f64(0.0));
    F::select(x.is_nan(), x, scale_rounded(k, h, l))
}

/// e^x for `f32` inputs (widened), to about 2^-32 relative in `f64`, so that the one
/// rounding to `f32` at the end is the correct rounding except where the truth lies within
/// 2^-32 of a midpoint, and never more than 0.5 + 2^-8 ULP off — subnormal results
/// included, since `f64` holds every `f32` result, subnormal ones too, as a normal number.
///
/// x = k ln 2 + r with |k| ≤ 151 (see [`reduce_wide`]), e^r = 1 + r + r² P(r) with `EXP_WIDE`
/// (`cargo xtask fit`), 2^k exact in `f64`. A fraction of the work of the error-free `f32`
/// algorithm, which needs every step in pairs.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_wide<W: Float<Scalar = f64>>(x: W) -> W {
    // e^-104 rounds to 0 in f32 and e^89 to infinity: clamped, the results stay the same
    // and k small.
    let (k, q) = reduce_wide(x, -104.0, 89.0);
    let s = k.pow2i();
    let v = q.mul_add(s, s);
    W::select(x.is_nan(), x, v)
}

/// Beyond ±`WIDE_RANGE`, e^x leaves the normal range of `f64` (e^±709.78): the wide
/// compensated values (`crate::dd`) refuse such arguments.
pub(crate) const WIDE_RANGE: f64 = 700.0;

/// e^x to about 2^-32 relative, as [`exp_wide`] but over `f64`'s range: for the `f32`
/// values that compensated code carries in `f64` (`crate::dd`), whose intermediate
/// products may leave `f32`'s range and come back. NaN (a refused value) where |x| >
/// `WIDE_RANGE`, where e^x is not a normal `f64`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_wide_range<W: Float<Scalar = f64>>(x: W) -> W {
    let (k, q) = reduce_wide(x, -WIDE_RANGE, WIDE_RANGE);
    let s = k.pow2i();
    let v = q.mul_add(s, s);
    W::select(x.abs().le(W::from_f64(WIDE_RANGE)), v, W::from_f64(f64::NAN))
}

/// e^x − 1 as [`expm1_wide`], over `f64`'s range (see [`exp_wide_range`]): −1 below
/// −`WIDE_RANGE` (within 2^-1000), NaN above `WIDE_RANGE`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn expm1_wide_range<W: Float<Scalar = f64>>(x: W) -> W {
    let (k, q) = reduce_wide(x, -WIDE_RANGE, WIDE_RANGE);
    let s = k.pow2i();
    let v = s.mul_add(q, s - W::from_f64(1.0));
    W::select(x.le(W::from_f64(WIDE_RANGE)), v, W::from_f64(f64::NAN))
}

/// `(k, e^r − 1)` with x = k ln 2 + r, for x clamped to [`min`, `max`]: [−104, 89] for
/// [`exp_wide`] and [`expm1_wide`] (e^x already rounds to 0 or to infinity in `f32` there,
/// so |k| ≤ 151), ±`WIDE_RANGE` for the wide compensated values (|k| ≤ 1010, so that 2^k
/// is a normal `f64`), down to −707.6 for the wide erfc's e^(−x²) (k ≥ −1021; ln 2's
/// two parts leave out less than 2^-76 of k ln 2 there too, and r's own rounding is
/// 2^-55, far below the 2^-32 the results need).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn reduce_wide<W: Float<Scalar = f64>>(x: W, min: f64, max: f64) -> (W, W) {
    reduce_wide_unclamped(x.max(W::from_f64(min)).min(W::from_f64(max)))
}

/// [`reduce_wide`] of an argument the caller keeps within ±`WIDE_RANGE` (or NaN, which
/// gives NaN): without the clamps.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn reduce_wide_unclamped<W: Float<Scalar = f64>>(xc: W) -> (W, W) {
    // Round to an integer by adding and subtracting 1.5 · 2^52 (|k| < 2^51, no select).
    let magic = W::splat(<f64 as Real>::ROUND_MAGIC);
    let k = xc.mul_add(W::splat(<f64 as Tables>::LOG2E), magic) - magic;
    // ln 2 in two parts of at most 42 bits, so that both products with k (|k| < 2^11) are
    // exact and each step is one fused multiply-add where the lanes have FMA, a product
    // and a sum elsewhere, with the same bits. The rest of ln 2 is below 2^-85.
    let r = mul_add_exact(-k, W::splat(LN2_WIDE_HI), xc);
    let r = mul_add_exact(-k, W::splat(LN2_WIDE_LO), r);
    (k, (r * r).mul_add(poly(r, &EXP_WIDE), r))
}

/// The top 42 bits of ln 2 (`f64`'s ln 2 with its 11 lowest bits cleared).
const LN2_WIDE_HI: f64 = f64::from_bits(core::f64::consts::LN_2.to_bits() & !0x7ff);
/// The rest of ln 2 cut to at most 42 bits: `f64`'s ln 2 beyond `LN2_WIDE_HI` (exact, at
/// most 11 bits) and the next bits of the truth; what is cut off is below 2^-85.
const LN2_WIDE_LO: f64 = {
    // ln 2 − LN_2 to 2^-110 (the f64 rounding of ln 2 lies 2.3190468138462996e-17 below it).
    let tail = (core::f64::consts::LN_2 - LN2_WIDE_HI) + 2.319_046_813_846_299_6e-17;
    f64::from_bits(tail.to_bits() & !0x7ff)
};

/// e^a for a in [−`WIDE_RANGE`, 0], to about 2^-32 relative as [`exp_wide_range`]; NaN
/// stays NaN (every step propagates it): the decaying exponential e^-|u| of σ and
/// softplus, whose callers bound the argument with [`at_least`] and need neither the
/// clamps nor the range test.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_wide_nonpositive<W: Float<Scalar = f64>>(a: W) -> W {
    let (k, q) = reduce_wide_unclamped(a);
    let s = k.pow2i();
    q.mul_add(s, s)
}

/// max(a, lo) for a bound `lo`, but NaN where `a` is NaN (`Float::max` gives `lo` there).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn at_least<F: Float>(a: F, lo: f64) -> F {
    let lo = F::from_f64(lo);
    F::select(a.lt(lo), lo, a)
}

/// e^x − 1 for `f32` inputs (widened), as (2^k − 1) + 2^k (e^r − 1): for k = 0 that is
/// e^r − 1 itself, whose polynomial part r² P(r) is at most a fifth of it, so its relative
/// error is below 2^-30; elsewhere |e^x − 1| ≥ 0.29 and the sum cancels at most by a
/// factor 2. At most 0.5 + 2^-6 `f32` ULP after the final rounding.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn expm1_wide<W: Float<Scalar = f64>>(x: W) -> W {
    expm1_wide_unclamped(x.max(W::from_f64(-104.0)).min(W::from_f64(89.0)))
}

/// [`expm1_wide`] of an argument the caller keeps within [−104, 89]: without the clamps.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn expm1_wide_unclamped<W: Float<Scalar = f64>>(x: W) -> W {
    let (k, q) = reduce_wide_unclamped(x);
    let s = k.pow2i();
    s.mul_add(q, s - W::from_f64(1.0))
}

/// 2^k (hi + lo) rounded once, for hi + lo in [2^-8, 2) and any k down to where the
/// result rounds to 0: where the result is subnormal, hi + lo is first scaled exactly to
/// w < 1 with 2^emin · w the result, and 1 + w, rounded at 1's precision, rounds w to the
/// subnormal grid, so that the subnormal result is not rounded twice.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn scale_rounded<F: Float>(k: F, hi: F, lo: F) -> F {
    let normal = (hi + lo).ldexp(k);
    let one = F::from_f64(1.0);
    let emin = one - splat(F::Scalar::EMAX);
    // k − emin in [−(p + 2), 8] where it matters (clamped elsewhere, and not used there:
    // below, the result rounds to 0 either way; above, w ≥ 1 and the result is normal).
    let ks = (k - emin).max(-splat::<F>(F::Scalar::DIGITS) - F::from_f64(2.0)).min(F::from_f64(8.0));
    let scale = ks.pow2i();
    let (w, wl) = (hi * scale, lo * scale);
    let t = one + w;
    let rounded = (t + (((one - t) + w) + wl)) - one;
    let subnormal = w.lt(one);
    F::select(subnormal, rounded * emin.pow2i(), normal)
}

/// e^x − 1 as `(hi, lo, scale)`, |lo| ≤ ulp(hi) / 2: expm1(x) = (hi + lo) · scale with scale = 1, or 2 where
/// 2^k would overflow (k = emax + 1). For x in [EXPM1_MIN, EXP_MAX].
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn expm1_parts<F: Float>(x: F) -> (F, F, F) {
    let r = reduce(x, F::from_f64(0.0));
    // 2^k (1 + u) − 1 = 2^(k−k') (2^k' (1 + u) − 2^(k'−k)) with k' = min(k, emax).
    let k1 = r.k.min(splat(F::Scalar::EMAX));
    let scale = k1.pow2i();
    let (th, tl) = sum(scale, -(k1 - r.k).pow2i());
    let (a, b) = sum(th, scale * r.rh);
    let (c, d) = sum(a, scale * r.h);
    let (hi, lo) = fast_two_sum(c, (tl + (b + d)) + scale * r.small);
    (hi, lo, (r.k - k1).pow2i())
}

/// e^x − 1, accurate near 0, within 0.6 ULP; `f32` lanes through `expm1_wide`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn expm1<F: Float>(x: F) -> F {
    let v = if computed_wide::<F>() {
        // `f32` lanes compute in `f64` and round once.
        F::narrow(expm1_wide(x.widen()))
    } else {
        let lo = splat::<F>(F::Scalar::EXPM1_MIN);
        let hi = splat::<F>(F::Scalar::EXP_MAX);
        let xc = x.max(lo).min(hi);
        let (h, l, s) = expm1_parts(xc);
        (h + l) * s
    };
    // ±0 keeps its sign; NaN stays NaN.
    let zero = F::from_f64(0.0);
    F::select(x.eq(zero) | x.is_nan(), x, v)
}

/// e^-|x| as an unrounded pair `(eh, el)`, exact scalings of `exp_parts`' pair, where
/// |x| ≤ 40 (2^k is normal for k ≥ −1000; beyond 40 the pair is meaningless), and the
/// parts `(k, h, l)` from which [`scale_rounded`] rounds e^-|x| as [`exp`] rounds it, for
/// the tail |x| > 40: what σ and softplus are built from (`log::softplus`). They round it
/// only when some lane is in the tail (`unless_in_place!`), which costs a test and a
/// branch where the rounding cost some fifteen operations on every vector.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn exp_minus_abs_parts<F: Float>(x: F) -> (F, F, (F, F, F)) {
    let y = -x.abs();
    let (k, h, l) = exp_parts(y.max(splat(F::Scalar::EXP_MIN)), F::from_f64(0.0));
    let scale = k.max(F::from_f64(-1000.0)).pow2i();
    (h * scale, l * scale, (k, h, l))
}

/// The logistic function 1 / (1 + e^-x), from e = e^-|x| (so that `exp` never overflows
/// and the small tail keeps full relative precision) as r = 1/(1 + e) for x ≥ 0 and e · r
/// below, within 0.53 ULP (`docs/accuracy.md`: 0.529 in `f64`, 0.502 in `f32`). Rounding
/// e, 1 + e and the quotient one after another was 2.2 ULP off.
///
/// `f32` lanes: e in `f64` to about 2^-32 (`exp_wide_nonpositive`), r and e · r in `f64`,
/// rounded once. (An `f32` reciprocal of 1 + e with a Newton step in `f64` was slower: the
/// conversions and products cost more than the wider division — again after the
/// polynomials took fused multiply-adds, σ forward 0.79 → 0.90 ns per element, AVX-512.)
///
/// `f64`: e as the unrounded pair of `exp_parts` (scaled exactly: e ≥ e^-40), 1 + e
/// exactly, its reciprocal corrected by the exact remainder, and e · r from an exact
/// product. Below x = −40, σ(x) = e^x (1 − e^x …) is e^x within 2^-57: `exp`'s rounding.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn sigmoid<F: Float>(x: F) -> F {
    let (big, small) = sigmoid_sides(x);
    F::select(x.lt(F::from_f64(0.0)), small, big)
}

/// (σ(x), σ(−x)) from one e^-|x| and one reciprocal: the bits of two [`sigmoid`] calls
/// (which compute σ(|x|) and σ(−|x|) from the same values), at the cost of one.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn sigmoid_pair<F: Float>(x: F) -> (F, F) {
    let (big, small) = sigmoid_sides(x);
    // `f64` staged (`Float::stage`): with two results LLVM packed one lane's values together
    // instead of each value across lanes (σ′ fused 7.9 → 2.5 ns per element, AVX-512).
    let (big, small) = if computed_wide::<F>() { (big, small) } else { (big.stage(), small.stage()) };
    let negative = x.lt(F::from_f64(0.0));
    (F::select(negative, small, big), F::select(negative, big, small))
}

/// (σ(|x|), σ(−|x|)), NaN for NaN: see [`sigmoid`].
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn sigmoid_sides<F: Float>(x: F) -> (F, F) {
    let one = F::from_f64(1.0);
    if computed_wide::<F>() {
        let c = <F::Wide as Float>::from_f64;
        // e^-104 rounds to 0 in `f32`, as e^-104 · r does; NaN stays NaN.
        let e = exp_wide_nonpositive(at_least(-x.widen().abs(), -104.0));
        let r = c(1.0) / (c(1.0) + e);
        return (F::narrow(r), F::narrow(e * r));
    }
    let (eh, el, (k, h, l)) = exp_minus_abs_parts(x);
    // d = 1 + e = dh + dl (1 ≥ eh); r = 1/d = r0 + rl with rl = r0 (1 − d r0).
    let (dh, de) = fast_two_sum(one, eh);
    let dl = de + el;
    let r0 = one / dh;
    let rl = r0 * (reciprocal_remainder(dh, r0) - dl * r0);
    // e r = eh r0 + (eh rl + el r0), eh r0 exactly (both factors at most 1).
    let (q, qe) = two_prod_small(eh, r0);
    let small = q + (qe + (eh * rl + el * r0));
    let small = unless_in_place!(x.abs().gt(F::from_f64(40.0)), small, scale_rounded(k, h, l));
    let nan = x.is_nan();
    (F::select(nan, x, r0 + rl), F::select(nan, x, small))
}

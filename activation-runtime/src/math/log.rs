//! ln x and ln(1 + x).
//!
//! x = 2^e (1 + f) with 1 + f in [√½, √2) ([`Float::split_exponent`]), f exact. With
//! s = f / (2 + f), ln(1 + f) = 2 atanh(s) = 2s + s R(s²), where R(z) = z P(z) ≈ 2z/3 +
//! 2z²/5 + … and P is the fitted polynomial. s is computed as a double-double (a quotient
//! and its exact remainder's), e · LN2_HI is exact, and e · LN2_HI + 2s is summed without
//! error; what rounds before the final addition is the tail s R ≤ 0.0034 · |2s|, so the
//! result rounds essentially once.
//!
//! ln(1 + x) first forms u = 1 + x exactly as u + c ([`two_sum`](crate::dd::two_sum)) and
//! adds ln(1 + c/u) ≈ c/u to ln u, with c/u = c 2^-e − c 2^-e f / (1 + f) so that the part
//! of it as large as the result (for tiny x) is exact.
//!
//! For `f32` both are computed in `f64` ([`ln_wide`]) and rounded once: the same
//! reduction, without the pairs (every `f32` is a normal `f64`, f = m − 1 is exact, and the
//! polynomial `LN_WIDE` only needs about 2^-29), so the `f64` value is within 2^-35 of the
//! truth — one division and a few products where the error-free `f32` path has three
//! divisions and a dozen error-free steps.

use super::coefficients::LN_WIDE;
use super::exp::{at_least, exp_minus_abs_parts, exp_wide_nonpositive, scale_rounded};
use super::{computed_wide, poly, splat, sum, two_prod, Tables};
use crate::float::{unless_in_place, Float};
use crate::real::Real;

/// ln u = `hi + lo` for a positive finite u (normal or subnormal), with the split
/// u = 2^e m, m = 1 + f it used.
#[derive(Clone, Copy)]
pub(crate) struct LnParts<F> {
    pub hi: F,
    pub lo: F,
    pub m: F,
    pub e: F,
    pub f: F,
}

#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn ln_parts<F: Float>(u: F) -> LnParts<F> {
    let (m, e) = u.split_exponent();
    let one = F::from_f64(1.0);
    let f = m - one;
    // s = f / (2 + f) as sh + sl: 2 + f exactly as dh + dl, one division, the remainder
    // f − sh (dh + dl) exactly (two_prod), and its quotient.
    let (dh, dl) = sum(F::from_f64(2.0), f);
    let sh = f / dh;
    let (p, pe) = two_prod(sh, dh);
    let sl = (((f - p) - pe) - sh * dl) / dh;
    let z = sh * sh;
    let tail = sh * (z * poly(z, F::Scalar::LN));
    let two = F::from_f64(2.0);
    let (hi, b) = sum(e * splat(F::Scalar::LN2_HI), two * sh);
    let lo = b + ((e * splat(F::Scalar::LN2_LO) + two * sl) + tail);
    LnParts { hi, lo, m, e, f }
}

/// The special values of a logarithm at its argument `u` (ln u): NaN below 0 and for
/// NaN, −inf at ±0, +inf at +inf; `v` elsewhere.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn specials<F: Float>(u: F, v: F) -> F {
    let zero = F::from_f64(0.0);
    let inf = F::from_f64(f64::INFINITY);
    let v = F::select(u.eq(inf), inf, v);
    let v = F::select(u.eq(zero), -inf, v);
    F::select(u.lt(zero) | u.is_nan(), F::from_f64(f64::NAN), v)
}

/// e ln 2 + ln(1 + f) = e ln 2 + 2s + s z P(z) in `f64`, s = f / (2 + f), z = s², for f in
/// [√½ − 1, √2 − 1] and an integer e: ln(2^e (1 + f)) to about 2^-35 relative. Where
/// e ≠ 0 the sum is at least ln 2 / 2, at least half its larger term, so its roundings stay
/// near 2^-53; where e = 0 the result is 2s (1 + z P), relative to s.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn ln_wide<W: Float<Scalar = f64>>(e: W, f: W) -> W {
    ln_wide_with(e, f, &LN_WIDE)
}

/// [`ln_wide`] with the polynomial `p` of (2 atanh(√z)/√z − 2) / z: `LN_WIDE` for `f32`'s
/// logarithms, the longer `LN_POW_WIDE` for its powf (`super::pow`). The relative error
/// is P's divided by about 100, plus a few `f64` roundings (e ln 2 with `f64`'s ln 2 is
/// within 2^-53 relative of the sum).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(super) fn ln_wide_with<W: Float<Scalar = f64>>(e: W, f: W, p: &[f64]) -> W {
    let s = f / (W::from_f64(2.0) + f);
    let two_s = s + s;
    let z = s * s;
    e.mul_add(W::from_f64(core::f64::consts::LN_2), s.mul_add(z * poly(z, p), two_s))
}

/// The natural logarithm, within 0.6 ULP; `f32` lanes through `ln_wide`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn ln<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        // An `f32`, subnormal ones too, is a normal `f64`: m − 1 is exact.
        let (m, e) = x.widen().split_exponent();
        let v = F::narrow(ln_wide(e, m - <F::Wide as Float>::from_f64(1.0)));
        return specials(x, v);
    }
    let l = ln_parts(x);
    specials(x, l.hi + l.lo)
}

/// ln(1 + x), accurate near 0, within 0.6 ULP; `f32` lanes through `ln_wide`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn log1p<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        let w = x.widen();
        let one = <F::Wide as Float>::from_f64(1.0);
        // For x in [√½ − 1, √2 − 1], f = x itself (1 + x may round: x tiny) and e = 0.
        // Elsewhere u = 1 + x is exact in `f64` (x ≤ −0.29: both within 2^25 ULPs of x's
        // precision; 0.41 ≤ x < 2^29: 1 within x's 53-bit window) or rounds by 2^-53
        // relative where ln u ≥ 20, and u's split gives e and f = m − 1 exactly.
        let u = one + w;
        let (m, e) = u.split_exponent();
        let near = w.ge(<F::Wide as Float>::from_f64(core::f64::consts::FRAC_1_SQRT_2 - 1.0))
            & w.lt(<F::Wide as Float>::from_f64(core::f64::consts::SQRT_2 - 1.0));
        let zero = <F::Wide as Float>::from_f64(0.0);
        let v = ln_wide(<F::Wide as Float>::select(near, zero, e), <F::Wide as Float>::select(near, w, m - one));
        // −inf at −1, NaN below, +inf at +inf (u computed exactly there).
        let v = F::narrow(specials(u, v));
        // ±0 keeps its sign; NaN stays NaN.
        return F::select(x.eq(F::from_f64(0.0)) | x.is_nan(), x, v);
    }
    let (u, h, l) = log1p_parts(x, F::from_f64(0.0));
    let v = specials(u, h + l);
    // ±0 keeps its sign (u + c loses it), and NaN stays NaN.
    F::select(x.eq(F::from_f64(0.0)) | x.is_nan(), x, v)
}

/// ln(1 + xh + xl) as an unrounded pair `(u, hi, lo)` (|xl| ≤ ulp(xh)), u = 1 + xh rounded
/// for the special values: u + c = 1 + xh + xl with c carried as a correction.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn log1p_parts<F: Float>(xh: F, xl: F) -> (F, F, F) {
    let (u, c) = sum(F::from_f64(1.0), xh);
    let l = ln_parts(u);
    // ln(1 + c/u) = c/u − (c/u)²/2 …, c/u = c' / (1 + f) = c' − c' f / (1 + f) with
    // c' = c 2^-e, which can be as large as the result: added exactly. The square matters
    // where u rounds to 1 and the result is c itself (tiny x: x²/2 is up to half an ULP of
    // x), and there c/u = c'. (The clamp only matters for u ≥ 2^emax, where c' is far below
    // an ULP of the result.)
    // xl, as large as the result's last bits where u rounds to 1, is carried beside c:
    // (c + xl)/u = c' + xl' − (c' + xl') f / (1 + f).
    let scale = (-l.e).max(F::from_f64(1.0) - splat(F::Scalar::EMAX)).pow2i();
    let (c1, cl) = (c * scale, xl * scale);
    let (h, b) = sum(l.hi, c1);
    (u, h, b + (((l.lo + cl) - ((c1 + cl) * l.f) / l.m) - F::from_f64(0.5) * c1 * c1))
}

/// ln u as an unrounded pair (hi, lo), for `f64` and a positive finite u (elsewhere the
/// value is meaningless: callers select their own).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn ln_pair<F: Float>(u: F) -> (F, F) {
    let l = ln_parts(u);
    (l.hi, l.lo)
}

/// ln(1 + xh + xl) as an unrounded pair (hi, lo), |xl| ≤ ulp(xh), for `f64` and a finite
/// xh > −1 (elsewhere the value is meaningless).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn log1p_pair<F: Float>(xh: F, xl: F) -> (F, F) {
    let (_, h, l) = log1p_parts(xh, xl);
    (h, l)
}

/// ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): no overflow for large x, full precision for
/// very negative x, within 0.55 ULP (`docs/accuracy.md`: 0.541 in `f64`, 0.502 in `f32`).
///
/// `f32` lanes compute it all in `f64` and round once: e = e^-|x| in (0, 1] to about 2^-32
/// (`exp_wide_nonpositive`), ln(1 + e) by `ln_wide` (1 + e = 2 (1 + (e − 1)/2) where
/// e ≥ √2 − 1; its condition in e is below 1), and a sum of two non-negative terms.
///
/// `f64`: e^-|x| as the unrounded pair of `exp_parts` (scaled exactly: e ≥ e^-40), ln(1 + e)
/// as a pair from it, and max(x, 0) added to the pair: rounded essentially once. The
/// rounded e^-|x| and `log1p` of it, added, were 1.4 ULP off. Below x = −40, ln(1 + e^x) =
/// e^x (1 − e^x/2 …) is e^x within 2^-58 relative: `exp`'s own rounding.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn softplus<F: Float>(x: F) -> F {
    let zero = F::from_f64(0.0);
    if computed_wide::<F>() {
        let c = <F::Wide as Float>::from_f64;
        let w = x.widen();
        let e = exp_wide_nonpositive(at_least(-w.abs(), -104.0));
        let big = e.ge(c(core::f64::consts::SQRT_2 - 1.0));
        let f = <F::Wide as Float>::select(big, c(0.5) * e - c(0.5), e);
        let l = ln_wide(<F::Wide as Float>::select(big, c(1.0), c(0.0)), f);
        return F::select(x.is_nan(), x, F::narrow(w.max(c(0.0)) + l));
    }
    // The pair matters only where |x| ≤ 40: below, `exp`'s value is taken; above, e^-x is
    // under half an ULP of x, whatever the pair holds.
    let (eh, el, (k, h, l)) = exp_minus_abs_parts(x);
    let (_, lh, ll) = log1p_parts(eh, el);
    let (s, t) = sum(x.max(zero), lh);
    let v = s + (t + ll);
    let v = unless_in_place!(x.lt(F::from_f64(-40.0)), v, scale_rounded(k, h, l));
    // +inf (its sum's error term is NaN) and NaN stay.
    F::select(x.is_nan() | x.eq(F::from_f64(f64::INFINITY)), x, v)
}

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

use super::{poly, splat, sum, two_prod, Tables};
use crate::float::Float;
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

/// The natural logarithm, within 0.6 ULP.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn ln<F: Float>(x: F) -> F {
    let l = ln_parts(x);
    specials(x, l.hi + l.lo)
}

/// ln(1 + x), accurate near 0, within 0.6 ULP.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn log1p<F: Float>(x: F) -> F {
    let (u, c) = sum(F::from_f64(1.0), x);
    let l = ln_parts(u);
    // c/u = c' / (1 + f) = c' − c' f / (1 + f) with c' = c 2^-e, which can be as large as
    // the result: added exactly. (The clamp only matters for u ≥ 2^emax, where c' is far
    // below an ULP of the result.)
    let c1 = c * (-l.e).max(F::from_f64(1.0) - splat(F::Scalar::EMAX)).pow2i();
    let (h, b) = sum(l.hi, c1);
    let v = h + (b + (l.lo - (c1 * l.f) / l.m));
    let v = specials(u, v);
    // ±0 keeps its sign (u + c loses it), and NaN stays NaN.
    F::select(x.eq(F::from_f64(0.0)) | x.is_nan(), x, v)
}

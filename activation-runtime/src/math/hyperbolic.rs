//! tanh, sinh and cosh, from the reduction of e^x ([`super::exp`]) kept as an unrounded
//! pair, so that each rounds essentially once.
//!
//! tanh |x| = T / (T + 2) with T = e^(2|x|) − 1 as a double-double (no cancellation at any
//! |x|), divided in double-double; for `f32`, T and the quotient in `f64`, rounded once.
//!
//! sinh and cosh: with |x| = k ln 2 + r and T = e^r − 1 (a double-double from the exp
//! reduction), e^|x| ∓ e^−|x| = 2^k (e^r ∓ 2^−2k e^−r) = 2^k ((1 ∓ 2^−2k) + T (2 + T)) /
//! (1 + T): one formula for every |x|, without cancellation (for k = 0 the sinh numerator
//! is T (2 + T), of the size of the result), in double-double, rounded once.

use super::exp::{expm1_parts, expm1_wide_unclamped, reduce};
use super::{computed_wide, div_dd, fast_two_sum, splat, sum, two_prod, Tables};
use crate::float::Float;
use crate::real::Real;

/// Hyperbolic tangent, within 0.6 ULP.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn tanh<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        // `f32` lanes: T and the quotient in `f64` (T within 2^-30, and the quotient's
        // condition in T is below 1), rounded once.
        let y = x.abs().min(splat(F::Scalar::TANH_MAX)).widen();
        // 0 ≤ 2y ≤ 2 TANH_MAX: no clamp needed.
        let t = expm1_wide_unclamped(y + y);
        let v = F::narrow(t / (t + <F::Wide as Float>::from_f64(2.0)));
        return F::select(x.is_nan(), x, v.copysign(x));
    }
    let two = F::from_f64(2.0);
    let y = x.abs().min(splat(F::Scalar::TANH_MAX));
    // 2y ≤ 2 TANH_MAX: expm1's scale is 1.
    let (th, tl, _) = expm1_parts(two * y);
    let (th, tl) = (th.stage(), tl.stage());
    let (dh, de) = sum(th, two);
    let t = div_dd(th, tl, dh, de + tl);
    F::select(x.is_nan(), x, t.copysign(x))
}

/// (e^y ∓ e^−y) / 2 for y ≥ 0: `minus` selects sinh.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn sinh_cosh<F: Float>(y: F, minus: bool) -> F {
    let (one, two) = (F::from_f64(1.0), F::from_f64(2.0));
    let y = y.min(splat(F::Scalar::SINH_MAX));
    let r = reduce(y, F::from_f64(0.0));
    // T = e^r − 1 = rh + h + small, normalised (the division below needs |low| ≪ |high|).
    let (th, te) = sum(r.rh, r.h);
    let (th, tl) = fast_two_sum(th, te + r.small);
    let (th, tl, rk) = (th.stage(), tl.stage(), r.k.stage());
    // c0 = 1 ∓ 2^−2k, exact (2^−2k below 2^−2p does not matter: k is capped there).
    let k = rk.min(splat(F::Scalar::DIGITS));
    let tail = (-two * k).pow2i();
    let (ch, cl) = sum(one, if minus { -tail } else { tail });
    // N = c0 + T (2 + T), D = 1 + T.
    let (ah, ae) = sum(two, th);
    let al = ae + tl;
    let (ph, pe) = two_prod(th, ah);
    let pl = pe + (th * al + tl * ah);
    let (nh, ne) = sum(ch, ph);
    let (nh, nl) = fast_two_sum(nh, ne + (cl + pl));
    let (dh, de) = sum(one, th);
    let (dh, dl) = fast_two_sum(dh, de + tl);
    let v = div_dd(nh.stage(), nl.stage(), dh.stage(), dl.stage());
    v.ldexp(rk - one)
}

/// Hyperbolic sine, within 0.6 ULP. `f32` lanes: `sinh_cosh_wide`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn sinh<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        let v = sinh_cosh_wide(x, true).copysign(x);
        return F::select(x.is_nan(), x, v);
    }
    let v = sinh_cosh(x.abs(), true).copysign(x);
    F::select(x.is_nan(), x, v)
}

/// Hyperbolic cosine, within 0.6 ULP. `f32` lanes: `sinh_cosh_wide`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn cosh<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        return F::select(x.is_nan(), x, sinh_cosh_wide(x, false));
    }
    let v = sinh_cosh(x.abs(), false);
    F::select(x.is_nan(), x, v)
}

/// sinh |x| (`minus`) or cosh x for `f32` lanes, in `f64` and rounded once, as `f32`'s exp
/// and tanh: with T = e^|x| − 1 within 2^-30 (|x| clamped to 100, where both have long
/// overflowed `f32`; past `expm1_wide`'s clamp at 89, but well within the ±700 that its
/// reduction holds), (T + T/(T + 1))/2 and ((T + 1) + 1/(T + 1))/2 add terms of one sign,
/// so the `f64` value is within about 2^-30 too. (The double-double formula above, run in
/// `f32`, took 3.1 ns per element over AVX-512 lanes.) NaN is the caller's to select.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn sinh_cosh_wide<F: Float>(x: F, minus: bool) -> F {
    let c = <F::Wide as Float>::from_f64;
    let t = expm1_wide_unclamped(x.abs().min(F::from_f64(100.0)).widen());
    let e = t + c(1.0);
    let v = if minus { t + t / e } else { e + c(1.0) / e };
    F::narrow(v * c(0.5))
}

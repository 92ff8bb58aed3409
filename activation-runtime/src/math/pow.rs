//! x^y = e^(y ln|x|), with the sign and the special values of IEEE 754 `pow`.
//!
//! An error δ in y ln|x| becomes a relative error δ of the result, and |y ln|x|| reaches
//! 745: ln|x| is computed to about 2^-2p relative (ln(1 + f) = 2s + (2/3)s³ + (2/5)s⁵ +
//! s⁷ Q(s²), s = f/(2 + f), with s, s³, s⁵ and the constants in double-double, only the
//! s⁷ term rounded), y ln|x| as a double-double (an exact product), and e^ of a double-double
//! ([`super::exp`]) rounded once, subnormal results included.
//!
//! For `f32` the same in `f64` (`pow_wide`): ln|x| from a longer polynomial than `f32`'s
//! ln has (the exponent multiplies its error), y ln|x| one product, `f32`'s e^x kernel,
//! one rounding.

use super::coefficients::LN_POW_WIDE;
use super::exp::{exp_parts, exp_wide, scale_rounded};
use super::log::ln_wide_with;
use super::{computed_wide, fast_two_sum, poly, splat, sum, two_prod, Tables};
use crate::float::Float;
use crate::real::Real;

/// ln u as a double-double accurate to about 2^-2p relative, for positive finite u.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn ln_dd<F: Float>(u: F) -> (F, F) {
    let (one, two) = (F::from_f64(1.0), F::from_f64(2.0));
    let (m, e) = u.split_exponent();
    let f = m - one;
    let (dh, dl) = sum(two, f);
    let sh = f / dh;
    let (p, pe) = two_prod(sh, dh);
    let sl = (((f - p) - pe) - sh * dl) / dh;
    // s², s³ and s⁵ of sh exactly as pairs; sl enters to first order (2 s² sl (1 + s²)).
    let (z, ze) = two_prod(sh, sh);
    let (c, ce) = two_prod(z, sh);
    let ce = ce + ze * sh;
    let (c5, c5e) = two_prod(c, z);
    let c5e = c5e + (ce * z + c * ze);
    // (2/3) s³ and (2/5) s⁵ in double-double.
    let times = |h: F, l: F, k_hi: F::Scalar, k_lo: F::Scalar| {
        let (th, te) = two_prod(h, splat(k_hi));
        (th, te + (h * splat(k_lo) + l * splat(k_hi)))
    };
    let (th, tl) = times(c, ce, F::Scalar::TWO_THIRDS_HI, F::Scalar::TWO_THIRDS_LO);
    let (fh, fl) = times(c5, c5e, F::Scalar::TWO_FIFTHS_HI, F::Scalar::TWO_FIFTHS_LO);
    let rest = two * sl * (one + z * (one + z)) + (c5 * z) * poly(z, F::Scalar::LN_POW);
    let (a, b) = sum(e * splat(F::Scalar::LN2_HI), two * sh);
    let (a2, b2) = sum(a, th);
    let (a3, b3) = sum(a2, fh);
    fast_two_sum(a3, ((b + b2) + b3) + ((e * splat(F::Scalar::LN2_LO) + (tl + fl)) + rest))
}

/// x^y, within 1 ULP, with the special cases of IEEE 754 (C99 Annex F) `pow`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn powf<F: Float>(x: F, y: F) -> F {
    let (zero, one) = (F::from_f64(0.0), F::from_f64(1.0));
    let inf = F::from_f64(f64::INFINITY);
    let nan = F::from_f64(f64::NAN);
    let ax = x.abs();
    let ay = y.abs();
    // y integer / odd integer: with M = 2^(p-1), |y| + M − M rounds |y| to an integer
    // below M, and (|y|/2 + M) − M does the same for |y|/2; from 2^p on every float is even.
    let m = (splat::<F>(F::Scalar::DIGITS) - one).pow2i();
    let is_int = ay.ge(m) | ((ay + m) - m).eq(ay);
    let h = ay * F::from_f64(0.5);
    let is_odd = is_int & ay.lt(m + m) & !((h + m) - m).eq(h);
    let mut v = if computed_wide::<F>() { pow_wide(ax, y) } else { pow_pair(ax, y) };
    let negative = x.lt(zero);
    v = F::select(negative & is_odd, -v, v);
    v = F::select(negative & !is_int & ay.lt(inf), nan, v);
    // x = ±0: y < 0 gives inf (signed for odd y), y > 0 gives 0 (signed for odd y).
    let signed_zero = F::select(is_odd, x, zero);
    let at_zero = F::select(y.lt(zero), F::select(is_odd, inf.copysign(x), inf), signed_zero);
    v = F::select(x.eq(zero), at_zero, v);
    // x = ±inf: the reciprocal of the above.
    let at_inf = F::select(y.gt(zero), F::select(is_odd, x, inf), F::select(is_odd, zero.copysign(x), zero));
    v = F::select(ax.eq(inf), at_inf, v);
    // y = ±inf: |x| = 1 gives 1; 0 or inf as |x| < 1 and y's sign agree.
    let (small, down) = (ax.lt(one), y.lt(zero));
    let at_y_inf = F::select(ax.eq(one), one, F::select((small & down) | (!small & !down), inf, zero));
    v = F::select(ay.eq(inf), at_y_inf, v);
    v = F::select(x.is_nan() | y.is_nan(), nan, v);
    // Exactly 1 for y = ±0 and for x = 1, whatever the other argument.
    F::select(y.eq(zero) | x.eq(one), one, v)
}

/// |x|^y for finite nonzero x (the caller selects the special values): y ln|x| as a
/// double-double, and e^ of it rounded once.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn pow_pair<F: Float>(ax: F, y: F) -> F {
    let zero = F::from_f64(0.0);
    let (lh, ll) = ln_dd(ax);
    let (ph, pe) = two_prod(y, lh);
    // Where y is huge the exact product's error term overflows (NaN) and y ln|x| may be
    // ±inf: far beyond the range of e^, where the low part does not matter.
    let low = pe + y * ll;
    let (yh, yl) = fast_two_sum(ph, F::select(low.is_finite(), low, zero));
    let yh = F::select(ph.is_finite(), yh, ph);
    // Clamped, e^ still overflows or underflows; the low part goes with a clamp.
    let clamped = yh.max(splat(F::Scalar::EXP_MIN)).min(splat(F::Scalar::EXP_MAX));
    let yl = F::select(clamped.eq(yh), yl, zero);
    let yh = clamped;
    let (k, eh, el) = exp_parts(yh, F::select(yl.is_nan(), zero, yl));
    scale_rounded(k, eh, el)
}

/// |x|^y for finite nonzero x and `f32` lanes (the caller selects the special values),
/// in `f64` and rounded once: ln|x| within about 2^-42 relative (`LN_POW_WIDE`; every
/// `f32`, subnormal ones too, is a normal `f64`, so m − 1 is exact), y ln|x| one rounding
/// more (2^-53), and `exp_wide` (2^-32, clamped to [−104, 89], beyond which `f32`'s result
/// is 0 or infinite anyway). Where e^ neither overflows nor underflows |y ln|x|| ≤ 104, so
/// the logarithm's error adds at most 2^-35 to the exponent: within 0.5 + 2^-7 `f32` ULP.
/// (The double-double algorithm run in `f32` took 3.7 ns per element over AVX-512 lanes.)
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn pow_wide<F: Float>(ax: F, y: F) -> F {
    let (m, e) = ax.widen().split_exponent();
    let l = ln_wide_with(e, m - <F::Wide as Float>::from_f64(1.0), &LN_POW_WIDE);
    F::narrow(exp_wide(y.widen() * l))
}

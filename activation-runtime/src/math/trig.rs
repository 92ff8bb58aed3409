//! sin, cos and atan.
//!
//! sin and cos: x = k π/2 + r, |r| ≤ π/4, r as a double-double. Below `TRIG_FAST_MAX`
//! (2^20 in `f64`, 2^12 in `f32`) by Cody–Waite: π/2 split in parts short enough that
//! k times each is exact, the differences summed with their errors (π/2 to 152 bits in
//! `f64`, 72 in `f32`: enough for the closest approaches of representable x to multiples
//! of π/2 in that range). Above, lane by lane through [`unless`]: the exact Payne–Hanek
//! reduction, x times the bits of 2/π in integer arithmetic. Then sin r = r − r³/6 +
//! r⁵ S(r²) and cos r = 1 − r²/2 + r⁴ C(r²), the leading terms in double-double and summed
//! exactly, the low part of r carried to first order.
//!
//! atan |x|: the nearest of the centres c_j = tan(jπ/8), j = 0…4 (c_4 = ∞), and
//! atan y = atan c_j + atan z, z = (y − c_j) / (1 + c_j y) (or −1/y beyond tan(7π/16)),
//! |z| ≤ tan(π/16). z comes from an exact numerator, an exact denominator and a
//! double-double division; atan z = z + z³ P(z²) with |z³ P| ≤ 0.014 |z|; atan c_j is a
//! double-double constant, and atan c_j + z is summed exactly: one rounding at the end.
//!
//! For `f32` the same reductions in `f64` (`sin_cos_wide`, `atan_wide`): `f64`'s Cody–Waite
//! parts of π/2 (and its Payne–Hanek beyond 2^20), r rounded to one `f64`, polynomials
//! fitted for `f64` values within about 2^-33 of the truth (`SIN_WIDE`, `COS_WIDE`,
//! `ATAN_WIDE`), one rounding to `f32`.

use super::coefficients::{ATAN_WIDE, COS_WIDE, PIO2_HI, PIO2_LO, SIN_WIDE, TWO_OVER_PI};
use super::{computed_wide, div_dd_pair, fast_two_sum, mul_add_exact, poly, splat, sum, two_prod, Tables};
use crate::float::{unless, Float};
use crate::real::Real;

/// sin (quadrant 0), cos (1), −sin (2), −cos (3) of r = rh + rl, |r| ≤ π/4 (and a little).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn kernel<F: Float>(q: F, rh: F, rl: F) -> F {
    let (one, half) = (F::from_f64(1.0), F::from_f64(0.5));
    let w = rh * rh;
    let (sq, sqe) = two_prod(rh, rh);
    // sin(rh + rl) = rh − rh³/6 + rh w² S(w) + rl (1 − w/2): rh³/6 (up to 8% of the result)
    // in double-double, rh − rh³/6 summed exactly.
    let (c, ce) = two_prod(sq, rh);
    let ce = ce + sqe * rh;
    let (t, te) = two_prod(c, splat(F::Scalar::SIXTH_HI));
    let te = te + (c * splat(F::Scalar::SIXTH_LO) + ce * splat(F::Scalar::SIXTH_HI));
    let (s3, e3) = sum(rh, -t);
    let sine = s3 + ((e3 - te) + (rl * (one - half * w) + (rh * (w * w)) * poly(w, F::Scalar::SIN)));
    // cos(rh + rl) = 1 − rh²/2 + w² C(w) − rl rh, rh² exact.
    let (s, e) = sum(one, -(half * sq));
    let cosine = s + ((e - (half * sqe + rl * rh)) + (w * w) * poly(w, F::Scalar::COS));
    let odd = q.eq(one) | q.eq(F::from_f64(3.0));
    let v = F::select(odd, cosine, sine);
    F::select(q.ge(F::from_f64(2.0)), -v, v)
}

/// k mod 4 in {0, 1, 2, 3} for an integer-valued k (|k| < 2^(p−2)).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn quadrant<F: Float>(k: F) -> F {
    let four = F::from_f64(4.0);
    let m = k - four * (k * F::from_f64(0.25)).round_int();
    F::select(m.lt(F::from_f64(0.0)), m + four, m)
}

/// x = k π/2 + rh + rl for |x| < `TRIG_FAST_MAX` (Cody–Waite), as (k mod 4, rh, rl).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn reduce_fast<F: Float>(x: F) -> (F, F, F) {
    let parts = F::Scalar::PIO2;
    let k = (x * splat(F::Scalar::TWO_OVER_PI)).round_int();
    // x − k p0 is exact (Sterbenz), and so is each k p_i.
    let mut r = x - k * splat(parts[0]);
    let mut lo = F::from_f64(0.0);
    for &p in &parts[1..parts.len() - 1] {
        let (s, e) = sum(r, -(k * splat(p)));
        r = s;
        lo = lo + e;
    }
    lo = lo - k * splat(parts[parts.len() - 1]);
    let (rh, rl) = sum(r, lo);
    (quadrant(k), rh, rl)
}

/// x = k π/2 + rh + rl exactly to about 2^-120 (Payne–Hanek), as (k mod 4, rh, rl), for
/// any finite x: |x| = M 2^E with an integer M < 2^53, and M times a 192-bit window of the
/// bits of 2/π starting at weight 2^(1 − E) gives x 2/π mod 4 with 190 fraction bits.
fn reduce_huge<T: Real>(x: T) -> (T, T, T) {
    let xd = x.to_f64();
    let bits = xd.abs().to_bits();
    let (exponent, mantissa) = ((bits >> 52) as i64, bits & ((1 << 52) - 1));
    let (m, e) = if exponent == 0 { (mantissa, -1074) } else { (mantissa | (1 << 52), exponent - 1075) };
    // 64 bits of 2/π from bit `start` (1 = the first after the point; zeros before).
    let window = |start: i64| -> u64 {
        let bit = |i: i64| -> u64 {
            if i < 1 || i > 64 * TWO_OVER_PI.len() as i64 {
                return 0;
            }
            let i = (i - 1) as usize;
            (TWO_OVER_PI[i / 64] >> (63 - i % 64)) & 1
        };
        (0..64).fold(0, |acc, j| (acc << 1) | bit(start + j))
    };
    let s = e - 1;
    let (w2, w1, w0) = (window(s), window(s + 64), window(s + 128));
    // M (W2 W1 W0) mod 2^192.
    let m = u128::from(m);
    let p0 = m * u128::from(w0);
    let p1 = m * u128::from(w1) + (p0 >> 64);
    let p2 = (m * u128::from(w2)).wrapping_add(p1 >> 64);
    let (r2, r1, r0) = (p2 as u64, p1 as u64, p0 as u64);
    // Top two bits: the quadrant; the 128 bits below: the fraction, read as signed (a
    // fraction ≥ 1/2 is the next quadrant's negative remainder).
    let whole = r2 >> 62;
    let frac = (u128::from((r2 << 2) | (r1 >> 62)) << 64) | u128::from((r1 << 2) | (r0 >> 62));
    let signed = frac as i128;
    let q = (whole + u64::from(signed < 0)) & 3;
    let hi = signed as f64;
    let lo = (signed - hi as i128) as f64;
    let scale = 2f64.powi(-128);
    let (fh, fl) = (hi * scale, lo * scale);
    // r = f π/2 in double-double.
    let (a, ae) = two_prod(fh, PIO2_HI);
    let (rh, rl) = fast_two_sum(a, ae + (fh * PIO2_LO + fl * PIO2_HI));
    let (q, rh, rl) = if xd < 0.0 { ((4 - q) & 3, -rh, -rl) } else { (q, rh, rl) };
    let rh_t = T::from_f64(rh);
    (T::from_f64(q as f64), rh_t, T::from_f64((rh - rh_t.to_f64()) + rl))
}

/// sin (quadrant 0), cos (1), −sin (2), −cos (3) of r, |r| ≤ π/4 (and a little), in
/// `f64` for `f32`'s results: r − r³/6 + r⁵ S(r²) and 1 − r²/2 + r⁴ C(r²), within about
/// 2^-33 relative (`SIN_WIDE`, `COS_WIDE`; r itself is within 2^-53 of the reduced
/// argument, which is what the `f32` result needs).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn kernel_wide<W: Float<Scalar = f64>>(q: W, r: W) -> W {
    let c = W::from_f64;
    let w = r * r;
    let sine = (r * w).mul_add(w.mul_add(poly(w, &SIN_WIDE), c(-1.0 / 6.0)), r);
    let cosine = w.mul_add(w.mul_add(poly(w, &COS_WIDE), c(-0.5)), c(1.0));
    let odd = q.eq(c(1.0)) | q.eq(c(3.0));
    let v = W::select(odd, cosine, sine);
    W::select(q.ge(c(2.0)), -v, v)
}

/// sin (`shift` = 0) or cos (`shift` = 1) of `f32` lanes, in `f64` and rounded once: the
/// `f64` reductions (Cody–Waite below 2^20, Payne–Hanek lane by lane above) and
/// [`kernel_wide`]. (The double-double algorithm run in `f32` took 1.7 ns per element
/// over AVX-512 lanes.) inf and NaN give NaN.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn sin_cos_wide<F: Float>(x: F, shift: u32) -> F {
    let w = x.widen();
    let limit = splat::<F::Wide>(<f64 as Tables>::TRIG_FAST_MAX);
    let huge = w.abs().ge(limit) & w.is_finite();
    let (q, r) = reduce_wide(w.abs().min(limit).copysign(w));
    let q = if shift == 0 { q } else { next_quadrant(q) };
    let v = kernel_wide(q, r);
    let v = unless(huge, v, || {
        w.map(|xi| {
            let (q, rh, rl) = reduce_huge(xi);
            let q = if shift == 0 { q } else { next_scalar(q) };
            kernel_wide(q, rh + rl)
        })
    });
    F::select(x.is_finite(), F::narrow(v), F::from_f64(f64::NAN))
}

/// x = k π/2 + r for `f32` values |x| < 2^20 carried in `f64`, as (k mod 4, r), r within
/// 2^-52 relative: `f64`'s Cody–Waite parts of π/2 have 33 bits but the last, so k times
/// each is exact (|k| < 2^20), and x − k p₀ (a multiple of p₀'s last bit, below 1) and the
/// next two differences are exact or round once; only the last product rounds, some 2^-99
/// absolute, far below r for any `f32` x. The same bits with and without FMA: where a
/// product is exact, `mul_add_exact` rounds once either way.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn reduce_wide<W: Float<Scalar = f64>>(x: W) -> (W, W) {
    let parts = <f64 as Tables>::PIO2;
    let k = (x * W::splat(<f64 as Tables>::TWO_OVER_PI)).round_int();
    let mut r = x;
    for &p in &parts[..parts.len() - 1] {
        r = mul_add_exact(-k, W::splat(p), r);
    }
    (quadrant(k), r - k * W::splat(parts[parts.len() - 1]))
}

/// The next quadrant of k mod 4, over lanes.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn next_quadrant<F: Float>(q: F) -> F {
    F::select(q.eq(F::from_f64(3.0)), F::from_f64(0.0), q + F::from_f64(1.0))
}

/// sin (`shift` = 0) or cos (`shift` = 1) of x.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn sin_cos<F: Float>(x: F, shift: u32) -> F {
    if computed_wide::<F>() {
        return sin_cos_wide(x, shift);
    }
    let next = |q: F| -> F {
        if shift == 0 {
            q
        } else {
            next_quadrant(q)
        }
    };
    let huge = x.abs().ge(splat(F::Scalar::TRIG_FAST_MAX)) & x.is_finite();
    let fast = x.abs().min(splat(F::Scalar::TRIG_FAST_MAX)).copysign(x);
    let (q, rh, rl) = reduce_fast(fast);
    let v = kernel(next(q).stage(), rh.stage(), rl.stage());
    let v = unless(huge, v, || {
        x.map(|xi| {
            let (q, rh, rl) = reduce_huge(xi);
            let q = if shift == 0 { q } else { next_scalar(q) };
            kernel(q, rh, rl)
        })
    });
    // inf and NaN give NaN.
    F::select(x.is_finite(), v, F::from_f64(f64::NAN))
}

/// The next quadrant, on a scalar.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn next_scalar<T: Real>(q: T) -> T {
    if q == T::from_f64(3.0) {
        T::from_f64(0.0)
    } else {
        q + T::from_f64(1.0)
    }
}

/// Sine, within 0.6 ULP.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn sin<F: Float>(x: F) -> F {
    let v = sin_cos(x, 0);
    // ±0 keeps its sign.
    F::select(x.eq(F::from_f64(0.0)), x, v)
}

/// Cosine, within 0.6 ULP.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn cos<F: Float>(x: F) -> F {
    sin_cos(x, 1)
}

/// Arctangent, within 0.6 ULP; `f32` lanes through `atan_wide`.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn atan<F: Float>(x: F) -> F {
    if computed_wide::<F>() {
        return F::select(x.is_nan(), x, atan_wide(x.abs()).copysign(x));
    }
    let (s, rest) = atan_parts(x);
    F::select(x.is_nan(), x, (s + rest).copysign(x))
}

/// atan x as an unrounded pair (hi, lo), |lo| ≤ ulp(hi) / 2, for `f64` and a finite x
/// (elsewhere the value is meaningless: callers select their own): what [`atan`] rounds.
/// Within 2^-56 relative (`dd::tests`: the polynomial is fitted for `atan`'s rounding).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn atan_pair<F: Float>(x: F) -> (F, F) {
    let (s, rest) = atan_parts(x);
    let (h, l) = fast_two_sum(s, rest);
    let negative = x.lt(F::from_f64(0.0));
    (F::select(negative, -h, h), F::select(negative, -l, l))
}

/// atan |x| as s + rest, unrounded, with |rest| well below |s| (see [`atan`]).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn atan_parts<F: Float>(x: F) -> (F, F) {
    let (zero, one) = (F::from_f64(0.0), F::from_f64(1.0));
    let y = x.abs();
    let (centre, ah, al, far) = atan_interval(y);
    // z = N / D: N = y − c, D = 1 + c y exactly as pairs; beyond, N = −1 and D = y.
    let (nh, nl) = sum(y, -centre);
    let (ph, pe) = two_prod(centre, y);
    let (dh, de) = sum(one, ph);
    let (nh, nl) = (F::select(far, -one, nh), F::select(far, zero, nl));
    let (dh, dl) = (F::select(far, y, dh), F::select(far, zero, de + pe));
    let (q, ql) = div_dd_pair(nh, nl, dh, dl);
    // Where y is so large that the remainder's exact product overflows (NaN), the low part
    // of −1/y is far below an ULP of π/2 anyway.
    let ql = F::select(ql.is_nan(), zero, ql);
    let w = q * q;
    let (s, e) = sum(ah, q);
    (s, e + ((al + ql) + (q * w) * poly(w, F::Scalar::ATAN)))
}

/// The interval of atan's reduction that y ≥ 0 lies in, from `F::Scalar`'s tables: its
/// centre c = tan(jπ/8) (j = the number of boundaries below y), atan c as a pair (π/2
/// beyond the last boundary), and whether y lies beyond it (`far`: z = −1/y there).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn atan_interval<F: Float>(y: F) -> (F, F, F, F::Mask) {
    let (c, t, hi, lo) = (F::Scalar::ATAN_C, F::Scalar::ATAN_T, F::Scalar::ATAN_HI, F::Scalar::ATAN_LO);
    let mut centre = F::splat(c[0]);
    let (mut ah, mut al) = (F::splat(hi[0]), F::splat(lo[0]));
    for j in 1..4 {
        let above = y.gt(F::splat(t[j - 1]));
        centre = F::select(above, F::splat(c[j]), centre);
        ah = F::select(above, F::splat(hi[j]), ah);
        al = F::select(above, F::splat(lo[j]), al);
    }
    let far = y.gt(F::splat(t[3]));
    (centre, F::select(far, F::splat(hi[4]), ah), F::select(far, F::splat(lo[4]), al), far)
}

/// atan y for `f32` lanes y ≥ 0 (or +inf), in `f64` and rounded once: the reduction of
/// [`atan_parts`] with `f64`'s centres, z = (y − c) / (1 + c y) (or −1/y) in `f64` — its
/// absolute error, some 2^-52, is far below the result, at least atan c ≥ 0.39 wherever
/// y − c cancels — and atan c + z + z³ P(z²) (`ATAN_WIDE`, within about 2^-33 of atan z).
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn atan_wide<F: Float>(y: F) -> F {
    let y = y.widen();
    let c = <F::Wide as Float>::from_f64;
    let select = <F::Wide as Float>::select;
    // `f64`'s centres; atan c to `f64`'s precision (its low part, 2^-53 of it, left out).
    let (centre, ah, _, far) = atan_interval(y);
    let z = select(far, c(-1.0), y - centre) / select(far, y, centre.mul_add(y, c(1.0)));
    let w = z * z;
    F::narrow(ah + (z * w).mul_add(poly(w, &ATAN_WIDE), z))
}

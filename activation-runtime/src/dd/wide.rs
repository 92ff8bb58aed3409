//! The `f64` representation of [`Dd`](super::Dd), for `f32` and its lanes: one `f64` per
//! lane ([`Float::Wide`]).
//!
//! Arithmetic is `f64` arithmetic: 53 bits where a pair of `f32`s holds 48, in one
//! instruction where the error-free transformations take ten to twenty. `exp`, `expm1`,
//! `tanh`, `sigmoid`, `softplus`'s exponential, `erf` and `erfc` (and `erfc_value`, its
//! value rounded to `f32`) are `f64` kernels accurate to about 2^-30 (an `f32` ULP is
//! 2^-23), over the whole normal range of `f64` (so that a factor e^-120, or erfc(10) ≈
//! 2e-45, that a later e^100 lifts back keeps its bits); the other functions take the `f32`
//! value at the rounded argument and a first-order correction, as the pair does. Their
//! `mul_add`s round once on every path (`crate::math`): the bits are the same with and
//! without FMA, on scalars and on lanes.
//!
//! Refused (poisoned with a NaN): an `exp` beyond ±700, where e^x leaves `f64`'s normal
//! range; an `erfc` below `f64`'s normal range (x beyond about 26.54); a product or
//! quotient of nonzero values that underflows `f64` — unless the engine has shown that it
//! cannot from `f32` operands, or that what it loses cannot reach the settled result
//! (`Dd::mul_normal`, `div_normal`, `powi_normal`: no test here).

use super::Repr;
use crate::float::{Float, Select};
use crate::math::{
    at_least, erf_wide_range, erfc_wide_range, exp_wide, exp_wide_nonpositive, exp_wide_range, expm1_wide_range,
};

/// An `f32` value (or lanes of them) carried in `f64`.
pub struct Wide<T: Float>(pub T::Wide);

impl<T: Float> Clone for Wide<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Float> Copy for Wide<T> {}

impl<T: Float> core::fmt::Debug for Wide<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Wide").field(&self.0).finish()
    }
}

/// `v` in every wide lane.
#[inline(always)]
fn w<T: Float>(v: f64) -> T::Wide {
    <T::Wide as Float>::from_f64(v)
}

/// NaN where `m` is set: a refused value.
#[inline(always)]
fn poisoned<T: Float>(m: <T::Wide as Float>::Mask, v: T::Wide) -> T::Wide {
    <T::Wide as Float>::select(m, w::<T>(f64::NAN), v)
}

/// Below `f64`'s normal range though `nonzero`: a result that lost bits.
#[inline(always)]
fn underflowed<T: Float>(v: T::Wide, nonzero: <T::Wide as Float>::Mask) -> <T::Wide as Float>::Mask {
    v.below_normal() & nonzero
}

impl<T: Float> Select<T::Mask> for Wide<T> {
    #[inline(always)]
    fn select(m: T::Mask, a: Self, b: Self) -> Self {
        Wide(<T::Wide as Float>::select(T::widen_mask(m), a.0, b.0))
    }
}

impl<T: Float> Repr<T> for Wide<T> {
    #[inline(always)]
    fn new(v: T) -> Self {
        Wide(v.widen())
    }

    /// `hi + lo` rounded to `f64` (that is `hi`).
    #[inline(always)]
    fn constant(hi: f64, lo: f64) -> Self {
        Wide(w::<T>(hi + lo))
    }

    #[inline(always)]
    fn parts(self) -> (T, T) {
        let hi = T::narrow(self.0);
        // Exact: `hi` is the value rounded, within an `f32` ULP of it.
        (hi, T::narrow(self.0 - hi.widen()))
    }

    #[inline(always)]
    fn from_parts(hi: T, lo: T) -> Self {
        Wide(hi.widen() + lo.widen())
    }

    #[inline(always)]
    fn function(value: T, slope: T, lo: T) -> Self {
        Wide(value.widen() + slope.widen() * lo.widen())
    }

    #[inline(always)]
    fn settle(self) -> (T, T::Mask) {
        let v = T::narrow(self.0);
        // |v| ≥ MIN_POSITIVE as a subtraction, for the reason given at `Float::below_normal`
        // (written with `ge`: its complement costs an instruction more per vector).
        let normal = (v.abs() - T::min_positive()).ge(T::from_f64(0.0));
        (v, v.is_finite() & normal)
    }

    #[inline(always)]
    fn abs(self) -> Self {
        Wide(self.0.abs())
    }

    /// As the pair's: `other` where it is the larger, else `self`; NaN where either side
    /// is not finite (so that the plain code decides).
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        self.settled_side(other, <T::Wide as Float>::select(other.0.gt(self.0), other.0, self.0))
    }

    #[inline(always)]
    fn min(self, other: Self) -> Self {
        self.settled_side(other, <T::Wide as Float>::select(self.0.gt(other.0), other.0, self.0))
    }

    /// Finite once rounded to `T` (as a pair of `T`s would be).
    #[inline(always)]
    fn is_finite(self) -> T::Mask {
        T::narrow(self.0).is_finite()
    }

    #[inline(always)]
    fn neg(self) -> Self {
        Wide(-self.0)
    }

    #[inline(always)]
    fn add(self, b: Self) -> Self {
        Wide(self.0 + b.0)
    }

    /// A product of nonzero factors below `f64`'s normal range has lost bits (up to all of
    /// them).
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        let p = self.0 * b.0;
        let zero = w::<T>(0.0);
        Wide(poisoned::<T>(underflowed::<T>(p, !(self.0.eq(zero) | b.0.eq(zero))), p))
    }

    /// `self · (1/b)`: within 2^-52, which the rounding to `f32` cannot tell from one
    /// rounding (a truth that is an `f32` still comes out exactly), and where `b` is a
    /// constant, as in (x + 3) / 6, a multiplication instead of a division — the
    /// reciprocal folds at compile time, and a division has a quarter of its throughput.
    /// Refused: a reciprocal or a nonzero quotient below `f64`'s normal range.
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        let inv = w::<T>(1.0) / b.0;
        let q = self.0 * inv;
        let lost = underflowed::<T>(inv, b.0.is_finite()) | underflowed::<T>(q, !self.0.eq(w::<T>(0.0)));
        Wide(poisoned::<T>(lost, q))
    }

    /// Two `f32`s' product in `f64`: exact (24 + 24 bits) and, where not 0, at least 2^-298,
    /// so never below `f64`'s normal range: untested.
    #[inline(always)]
    fn product(a: T, b: T) -> Self {
        Wide(a.widen() * b.widen())
    }

    /// Untested: the engine promises that an underflow cannot matter (`Dd::mul_normal`).
    #[inline(always)]
    fn mul_normal(self, b: Self) -> Self {
        self.mul_unchecked(b)
    }

    #[inline(always)]
    fn mul_unchecked(self, b: Self) -> Self {
        Wide(self.0 * b.0)
    }

    /// `self · (1/b)` as [`div`](Repr::div), untested: the engine promises that an
    /// underflow of the reciprocal or the quotient cannot matter (`Dd::div_normal`).
    #[inline(always)]
    fn div_normal(self, b: Self) -> Self {
        Wide(self.0 * (w::<T>(1.0) / b.0))
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        Wide(self.0.sqrt())
    }

    #[inline(always)]
    fn powf(self, b: Self) -> Self {
        Wide(self.0.powf(b.0))
    }

    #[inline(always)]
    fn exp(self) -> Self {
        Wide(exp_wide_range(self.0))
    }

    #[inline(always)]
    fn expm1(self) -> Self {
        Wide(expm1_wide_range(self.0))
    }

    /// tanh |u| = T / (T + 2) with T = e^(2|u|) − 1: no cancellation at any |u| (T within
    /// 2^-30, and the quotient's condition in T is below 1); 1 from |u| = 350 on.
    #[inline(always)]
    fn tanh(self) -> Self {
        let y = self.0.abs().min(w::<T>(350.0));
        let t = expm1_wide_range(y + y);
        let v = t / (t + w::<T>(2.0));
        Wide(<T::Wide as Float>::select(self.0.is_nan(), self.0, v.copysign(self.0)))
    }

    /// The first of [`sigmoid_pair`](Repr::sigmoid_pair).
    #[inline(always)]
    fn sigmoid(self) -> Self {
        self.sigmoid_pair().0
    }

    /// σ(|u|) = 1 / (1 + e^-|u|) and σ(-|u|) = e^-|u| σ(|u|); σ(-|u|) refused beyond
    /// |u| = 700, where it leaves `f64`'s normal range.
    #[inline(always)]
    fn sigmoid_pair(self) -> (Self, Self) {
        let u = self.0;
        let (big, small) = sigmoid_sides::<T>(u);
        let small = poisoned::<T>(u.abs().gt(w::<T>(700.0)), small);
        let select = <T::Wide as Float>::select;
        let positive = u.ge(w::<T>(0.0));
        (Wide(select(positive, big, small)), Wide(select(positive, small, big)))
    }

    /// max(u, 0) + ln(1 + e^-|u|): e^-|u| in `f64`, its `log1p` from `f32`'s with the
    /// first-order correction for the part of e^-|u| that `f32` leaves out.
    #[inline(always)]
    fn softplus(self) -> Self {
        let u = self.0;
        let e = exp_minus_abs::<T>(u);
        let eh = T::narrow(e);
        let el = e - eh.widen();
        let one = w::<T>(1.0);
        let l = eh.log1p().widen() + el / (one + e);
        let v = u.max(w::<T>(0.0)) + l;
        // Below −700, e^u (and softplus) leave `f64`'s normal range; NaN stays NaN.
        let v = <T::Wide as Float>::select(u.is_nan(), u, v);
        Wide(poisoned::<T>(u.lt(w::<T>(-700.0)), v))
    }

    /// In `f64` (`math::erf_wide_range`), never refused.
    #[inline(always)]
    fn erf(self) -> Self {
        Wide(erf_wide_range(self.0))
    }

    /// In `f64` (`math::erfc_wide_range`); refused below `f64`'s normal range.
    #[inline(always)]
    fn erfc(self) -> Self {
        let v = erfc_wide_range(self.0);
        Wide(poisoned::<T>(v.lt(w::<T>(f64::MIN_POSITIVE)), v))
    }

    /// erfc of the `f64` value, rounded once: the value beyond `f64`'s normal range, below
    /// 2^-1022, rounds to 0 like the truth; a subnormal `f32` result rounds directly to the
    /// subnormal grid.
    #[inline(always)]
    fn erfc_value(self) -> T {
        T::narrow(erfc_wide_range(self.0))
    }

    /// σ of the `f64` value, rounded once: beyond −700, where σ leaves `f64`'s normal
    /// range, σ(−700) ≈ 1e-304, which rounds to 0 like the truth.
    #[inline(always)]
    fn sigmoid_value(self) -> T {
        let u = self.0;
        let (big, small) = sigmoid_sides::<T>(u);
        T::narrow(<T::Wide as Float>::select(u.ge(w::<T>(0.0)), big, small))
    }

    /// [`sigmoid_value`](Repr::sigmoid_value) of `u` and of `−u`: σ(|u|) and σ(−|u|) depend
    /// on |u| alone, and each side is chosen by the sign test its own call would make
    /// (−0 and +0 both take σ(|u|)).
    #[inline(always)]
    fn sigmoid_pair_value(self) -> (T, T) {
        let u = self.0;
        let (big, small) = sigmoid_sides::<T>(u);
        let select = <T::Wide as Float>::select;
        let zero = w::<T>(0.0);
        (T::narrow(select(u.ge(zero), big, small)), T::narrow(select((-u).ge(zero), big, small)))
    }

    /// e^ of the `f64` value, rounded once (`math::exp_wide`: 0 and ∞ where `f32`'s are).
    #[inline(always)]
    fn exp_value(self) -> T {
        T::narrow(exp_wide(self.0))
    }

    const VALUES_EVERYWHERE: bool = true;
}

/// (σ(|u|), σ(−|u|)) = (1 / (1 + e^-|u|), e^-|u| σ(|u|)), the second held at σ(−700) beyond
/// −700; NaN stays NaN.
#[inline(always)]
fn sigmoid_sides<T: Float>(u: T::Wide) -> (T::Wide, T::Wide) {
    let one = w::<T>(1.0);
    let e = exp_minus_abs::<T>(u);
    let big = one / (one + e);
    (big, e * big)
}

/// e^-|u| for |u| up to 700, e^-700 beyond, NaN for NaN: the decaying exponential of σ
/// and softplus, kept in `f64`'s normal range; the callers refuse or round what lies
/// beyond.
#[inline(always)]
fn exp_minus_abs<T: Float>(u: T::Wide) -> T::Wide {
    exp_wide_nonpositive(at_least(-u.abs(), -700.0))
}

impl<T: Float> Wide<T> {
    /// `chosen` where both sides are finite, else NaN (see the pair's `max`).
    #[inline(always)]
    fn settled_side(self, other: Self, chosen: T::Wide) -> Self {
        let finite = self.0.is_finite() & other.0.is_finite();
        Wide(<T::Wide as Float>::select(finite, chosen, <T::Wide as Float>::from_f64(f64::NAN)))
    }
}

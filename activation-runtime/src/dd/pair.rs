//! The double-double representation of [`Dd`](super::Dd), for `f64` and its lanes:
//! `hi + lo` with |lo| ≤ ulp(hi) / 2, about 2p bits.
//!
//! A value that has underflowed keeps only a few bits: a decaying factor in the subnormal
//! range, or a product that lands there, poisons the pair (a NaN low part), and `settle`
//! refuses poisoned, non-finite and subnormal results. (Near the bottom of the normal
//! range the low part itself is subnormal: the pair is then only about as precise as `T`,
//! never worse.) At the top of the range products are exact up to overflow: Dekker's
//! split scales a factor that it would overflow ([`two_prod`]).

use super::{gaussian_slope, two_prod, two_sum, Repr};
use crate::float::{Float, Mask, Select};
use crate::math;
use crate::real::Real;

/// `hi + lo` with `|lo| ≤ ulp(hi) / 2`: about twice the precision of `T`.
///
/// `TESTED` (the default) tests products and quotients for underflow and poisons what lost
/// bits there. `Pair<T, false>` leaves those tests out ([`DdLean`](super::DdLean)): the
/// same operations in the same order, for code whose every step the engine has shown to
/// stay far inside `T`'s normal range, where the tests can never fire.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair<T, const TESTED: bool = true> {
    /// The value rounded to `T`.
    pub hi: T,
    /// What `hi` leaves out.
    pub lo: T,
}

// The rounded forms below, each `T`'s function at hi corrected to first order for lo, and
// ln of a sum, are functions rather than closures of the methods that take them where the
// unrounded pairs do not hold: a closure may be compiled apart from the dispatched kernel,
// without its instruction set (and then calls each 512-bit intrinsic of `Avx512` lanes).
impl<T: Float, const TESTED: bool> Pair<T, TESTED> {
    /// e^(hi + lo) from `T`'s e^hi ([`exp`](Repr::exp)).
    #[inline(always)]
    fn exp_rounded(hi: T, lo: T) -> Self {
        let e = hi.exp();
        Self::new(e).corrected(e, lo)
    }

    /// e^(hi + lo) − 1 from `T`'s expm1 of hi ([`expm1`](Repr::expm1)).
    #[inline(always)]
    fn expm1_rounded(hi: T, lo: T) -> Self {
        let m = hi.expm1();
        Self::new(m).corrected(m + T::from_f64(1.0), lo)
    }

    /// ln(hi + lo) from `T`'s ln hi ([`ln`](Repr::ln)).
    #[inline(always)]
    fn ln_rounded(hi: T, lo: T) -> Self {
        Self::new(hi.ln()).corrected(T::from_f64(1.0) / hi, lo)
    }

    /// ln(1 + hi + lo) as ln of the exact sum (1 + hi, lo), for hi in [−1, −0.5]
    /// ([`log1p`](Repr::log1p)).
    #[inline(always)]
    fn log1p_of_sum(hi: T, lo: T) -> Self {
        Self::renormalised(T::from_f64(1.0) + hi, lo).ln()
    }

    /// `T`'s log1p of hi corrected to first order for lo ([`log1p`](Repr::log1p)).
    #[inline(always)]
    fn log1p_rounded(hi: T, lo: T) -> Self {
        let one = T::from_f64(1.0);
        Self::new(hi.log1p()).corrected(one / (one + hi), lo)
    }

    #[inline(always)]
    fn renormalised(a: T, b: T) -> Self {
        let (hi, lo) = two_sum(a, b);
        Pair { hi, lo }
    }

    /// `a + b` as a pair where |a| ≥ |b| or a = 0 (Dekker's fast two-sum: three operations
    /// instead of [`two_sum`]'s six, the same exact pair under that condition).
    #[inline(always)]
    fn dominant(a: T, b: T) -> Self {
        let hi = a + b;
        Pair { hi, lo: b - (hi - a) }
    }

    /// `self / (bh + bl)` (`bl` absent: an exact divisor). The remainder
    /// `a − b q = ((a_hi − p) − e) + a_lo − b_lo q`, with `p + e = b_hi q` error-free: `p`
    /// is within a factor 2 of `a_hi` (q is a_hi / b_hi within a few ULPs), so `a_hi − p`
    /// is exact (Sterbenz), and the rest of the remainder, some 2^-p of `a_hi`, is rounded
    /// at most three times — 2^-2p of the quotient, as a pair carries. A quotient that
    /// lands below the normal range, or a dividend there, is poisoned unless the dividend
    /// is 0 (where `TESTED`).
    #[inline(always)]
    fn quotient(self, bh: T, bl: Option<T>) -> Self {
        let inv = T::from_f64(1.0) / bh;
        let q = self.hi * inv;
        let (p, e) = two_prod(bh, q);
        let mut r = ((self.hi - p) - e) + self.lo;
        if let Some(bl) = bl {
            r = r - bl * q;
        }
        let d = Self::dominant(q, r * inv);
        if !TESTED {
            return d;
        }
        // `p + e = b_hi q` is error-free only where `p` (about `a_hi`) is normal, as the
        // quotient must be: both tested, refused unless the dividend is 0.
        let lost = d.hi.below_normal() | p.below_normal();
        if !lost.any() {
            return d;
        }
        d.poisoned(lost & !self.hi.eq(T::from_f64(0.0)))
    }

    /// The product `self` of factors whose high parts are `a` and `b`, poisoned where it
    /// underflowed from nonzero factors: tested in two steps, is the product below the
    /// normal range — then, only where some lane is, were both factors nonzero. Untested
    /// where not `TESTED`.
    #[inline(always)]
    fn tested_product(self, a: T, b: T) -> Self {
        if !TESTED || !self.hi.below_normal().any() {
            return self;
        }
        let zero = T::from_f64(0.0);
        Self::select(!(a.eq(zero) | b.eq(zero)), self.unless_underflowed(), self)
    }

    /// `self`, or a poisoned pair (a NaN low part, which every operation propagates) where
    /// the value has underflowed into the subnormal range: a factor like σ(-800) in `f64`
    /// has a few bits left, and a growing factor such as e^x would lift it back into the
    /// normal range with those few bits. `settle` then refuses the result and the plain
    /// code, whose log-domain products handle tails, runs.
    #[inline(always)]
    fn unless_underflowed(self) -> Self {
        self.poisoned(self.hi.below_normal())
    }

    /// `self` with a NaN low part (refused) in the lanes of `m`.
    #[inline(always)]
    fn poisoned(self, m: T::Mask) -> Self {
        Pair { hi: self.hi, lo: T::select(m, T::from_f64(f64::NAN), self.lo) }
    }

    /// `other > self`, comparing the pairs lexicographically.
    #[inline(always)]
    fn below(self, other: Self) -> T::Mask {
        other.hi.gt(self.hi) | (other.hi.eq(self.hi) & other.lo.gt(self.lo))
    }

    /// `chosen` where both sides are finite, else NaN (see `max`).
    #[inline(always)]
    fn settled_side(self, other: Self, chosen: Self) -> Self {
        Self::select(self.is_finite() & other.is_finite(), chosen, Self::new(T::from_f64(f64::NAN)))
    }

    /// An `f64` value (for `f32` lanes) as a pair: rounded, and the rest rounded.
    #[inline(always)]
    fn split(v: T::Wide) -> Self {
        let hi = T::narrow(v);
        Pair { hi, lo: T::narrow(v - hi.widen()) }
    }

    /// e^-|h|: in `f64` the unrounded pair of the runtime's own exponential
    /// (`math::exp_pair`) where |h| ≤ `PAIR_RANGE`; `T`'s rounded value beyond (0 or below
    /// the normal range: the callers' results are refused there) and for `f32`. What σ and
    /// softplus are built from, so that they carry no rounding of it.
    #[inline(always)]
    fn exp_minus_abs(h: T) -> Self {
        let y = -h.abs();
        if math::computed_wide::<T>() {
            return Self::new(y.exp());
        }
        crate::__lanes_if!(
            y.ge(T::from_f64(-math::PAIR_RANGE)),
            {
                let (eh, el) = math::exp_pair(y, T::from_f64(0.0));
                Pair { hi: eh, lo: el }
            },
            Self::new(y.exp())
        )
    }

    /// For `f64` and y = |u| (or NaN): e = e^-2y as [`Pair::exp_minus_abs`] gives it (the
    /// pair up to `PAIR_RANGE`, the rounded value beyond: 0, or below the normal range), m =
    /// e^-2y − 1, both from one reduction (`math::exp_expm1_pair`), and tanh y's numerator
    /// over 1 + e = 2 + m: 1 − e above y = 0.35, −m below, each where its error is damped.
    #[inline(always)]
    fn tanh_parts(y: T) -> (Self, Self, Self) {
        let two = T::from_f64(2.0);
        let range = T::from_f64(math::PAIR_RANGE);
        let ((eh, el), (mh, ml)) = math::exp_expm1_pair((-two * y).max(-range));
        let far = (two * y).gt(range);
        let e = Pair { hi: eh, lo: el };
        let e = if far.any() { Self::select(far, Self::new((-two * y).exp()), e) } else { e };
        let m = Pair { hi: mh, lo: ml };
        let n = Self::select(y.gt(T::from_f64(0.35)), Self::new(T::from_f64(1.0)).add(e.neg()), m.neg());
        (e, m, n)
    }

    /// `self` plus a first-order correction `slope · lo`, for a function value whose
    /// argument had the low part `lo`.
    #[inline(always)]
    fn corrected(self, slope: T, lo: T) -> Self {
        Self::renormalised(self.hi, self.lo + slope * lo)
    }
}

impl<T: Float, const TESTED: bool> Select<T::Mask> for Pair<T, TESTED> {
    #[inline(always)]
    fn select(m: T::Mask, a: Self, b: Self) -> Self {
        Pair { hi: T::select(m, a.hi, b.hi), lo: T::select(m, a.lo, b.lo) }
    }
}

impl<T: Float, const TESTED: bool> Repr<T> for Pair<T, TESTED> {
    #[inline(always)]
    fn new(hi: T) -> Self {
        Pair { hi, lo: T::from_f64(0.0) }
    }

    /// For `f32` the high part's rounding moves into the low part.
    #[inline(always)]
    fn constant(hi: f64, lo: f64) -> Self {
        let h = <T::Scalar as Float>::from_f64(hi);
        let l = (hi - h.to_f64()) + lo;
        Self::renormalised(T::splat(h), T::from_f64(l))
    }

    #[inline(always)]
    fn parts(self) -> (T, T) {
        (self.hi, self.lo)
    }

    #[inline(always)]
    fn from_parts(hi: T, lo: T) -> Self {
        Pair { hi, lo }
    }

    #[inline(always)]
    fn function(value: T, slope: T, lo: T) -> Self {
        Self::new(value).corrected(slope, lo)
    }

    #[inline(always)]
    fn settle(self) -> (T, T::Mask) {
        let v = self.hi + self.lo;
        // |v| ≥ MIN_POSITIVE as a subtraction, as `Float::below_normal` explains.
        let normal = (v.abs() - T::min_positive()).ge(T::from_f64(0.0));
        (v, v.is_finite() & self.lo.is_finite() & normal)
    }

    #[inline(always)]
    fn abs(self) -> Self {
        Self::select(self.hi.lt(T::from_f64(0.0)), self.neg(), self)
    }

    /// Comparing the pairs lexicographically; NaN (unsettled, so that the plain code
    /// decides) where either side is not finite. A NaN or infinite side is where a pair
    /// broke down (log1p(-1) = -inf gives a NaN low part), and a comparison with it would
    /// silently take the other side: `max(x, expm1(log1p(x))²)` gave x = -1 at -1.
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        self.settled_side(other, Self::select(self.below(other), other, self))
    }

    #[inline(always)]
    fn min(self, other: Self) -> Self {
        self.settled_side(other, Self::select(other.below(self), other, self))
    }

    #[inline(always)]
    fn is_finite(self) -> T::Mask {
        self.hi.is_finite() & self.lo.is_finite()
    }

    #[inline(always)]
    fn neg(self) -> Self {
        Pair { hi: -self.hi, lo: -self.lo }
    }

    /// Double-double sum, renormalised.
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        let (s, e) = two_sum(self.hi, b.hi);
        let e = e + (self.lo + b.lo);
        let hi = s + e;
        Pair { hi, lo: e - (hi - s) }
    }

    /// Double-double product, renormalised. A product of nonzero factors that underflows
    /// has lost bits (see `unless_underflowed`).
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        self.mul_unchecked(b).tested_product(self.hi, b.hi)
    }

    #[inline(always)]
    fn mul_unchecked(self, b: Self) -> Self {
        let (p, e) = two_prod(self.hi, b.hi);
        Self::dominant(p, e + (self.hi * b.lo + self.lo * b.hi))
    }

    #[inline(always)]
    fn mul_plain_unchecked(self, b: T) -> Self {
        let (p, e) = two_prod(self.hi, b);
        Self::dominant(p, e + self.lo * b)
    }

    #[inline(always)]
    fn product_unchecked(a: T, b: T) -> Self {
        let (hi, lo) = two_prod(a, b);
        Pair { hi, lo }
    }

    /// Long division with one rounded reciprocal: a first quotient `q = a · fl(1/b)`
    /// (within a few ULPs), the remainder `a − b q`, and its quotient as the low part. One
    /// division instead of two — the reciprocal of a constant divisor is folded at compile
    /// time, so dividing by a constant divides nothing — and the pair is as accurate: the
    /// low part needs only `p` bits of its own. (`1/b` keeps at least `p − 2` bits for any
    /// finite `b`: the product of the largest and the smallest normal numbers is about 4.)
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        self.quotient(b.hi, Some(b.lo))
    }

    /// A product with an exact `T` (`b` without a low part): Dekker's or the fused
    /// product of the high parts and one more product, where a pair times a pair takes
    /// three; tested for underflow as [`mul`](Repr::mul) is.
    #[inline(always)]
    fn mul_plain(self, b: T) -> Self {
        self.mul_plain_unchecked(b).tested_product(self.hi, b)
    }

    /// Knuth's two-sum is already a pair: `|e| ≤ ulp(s) / 2`.
    #[inline(always)]
    fn sum(a: T, b: T) -> Self {
        Self::renormalised(a, b)
    }

    /// The error-free product is already a pair; tested for underflow as
    /// [`mul`](Repr::mul) is.
    #[inline(always)]
    fn product(a: T, b: T) -> Self {
        Self::product_unchecked(a, b).tested_product(a, b)
    }

    /// A quotient by an exact `T`: [`div`](Repr::div) without the divisor's low part.
    #[inline(always)]
    fn div_plain(self, b: T) -> Self {
        self.quotient(b, None)
    }

    /// Tested as without the promise: it is made for `f32` operands (see `Dd::mul_normal`),
    /// and a pair's `T` may be `f64`, subnormal inputs and all.
    #[inline(always)]
    fn mul_plain_normal(self, b: T) -> Self {
        self.mul_plain(b)
    }

    /// Tested as without the promise (see `mul_plain_normal`).
    #[inline(always)]
    fn div_plain_normal(self, b: T) -> Self {
        self.div_plain(b)
    }

    /// One Newton correction.
    #[inline(always)]
    fn sqrt(self) -> Self {
        let s = self.hi.sqrt();
        let r = self.add(Self::new(s).mul(Self::new(s)).neg());
        let refined = Self::renormalised(s, r.hi / (T::from_f64(2.0) * s));
        Self::select(s.eq(T::from_f64(0.0)), Self::new(s), refined)
    }

    /// a^b (1 + b lo_a / a + ln a · lo_b): where a is 0 the correction is NaN and the
    /// plain code decides (`settle`).
    #[inline(always)]
    fn powf(self, b: Self) -> Self {
        let zero = T::from_f64(0.0);
        let p = self.hi.powf(b.hi);
        let through_base = b.hi * (self.lo / self.hi);
        let through_exponent = T::select(b.lo.eq(zero), zero, self.hi.ln() * b.lo);
        Self::new(p).corrected(p, through_base + through_exponent)
    }

    /// `f64`: the unrounded pair of the runtime's own exponential of hi + lo
    /// (`math::exp_pair`, within 2^-56 relative) where |hi| ≤ 708; `T`'s e^hi corrected to
    /// first order beyond, and for `f32`.
    #[inline(always)]
    fn exp(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        if math::computed_wide::<T>() {
            return Self::exp_rounded(hi, lo).unless_underflowed();
        }
        let inside = hi.abs().le(T::from_f64(math::PAIR_RANGE));
        let v = crate::__lanes_if!(
            inside,
            {
                let (h, l) = math::exp_pair(hi, lo);
                Pair { hi: h, lo: l }
            },
            Self::exp_rounded(hi, lo)
        );
        v.unless_underflowed()
    }

    /// `f64`: the unrounded pair of the runtime's own e^hi − 1 (`math::expm1_pair`) where
    /// |hi| ≤ 708, corrected to first order for lo; `T`'s expm1 beyond, and for `f32`.
    #[inline(always)]
    fn expm1(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        let one = T::from_f64(1.0);
        if math::computed_wide::<T>() {
            return Self::expm1_rounded(hi, lo);
        }
        crate::__lanes_if!(
            hi.abs().le(T::from_f64(math::PAIR_RANGE)),
            {
                let (h, l) = math::expm1_pair(hi);
                Self::renormalised(h, l + (h + one) * lo)
            },
            Self::expm1_rounded(hi, lo)
        )
    }

    /// `f64`: the unrounded pair of the runtime's own ln hi (`math::ln_pair`) plus lo / hi,
    /// for a positive finite hi; `T`'s ln corrected to first order elsewhere, and for `f32`.
    #[inline(always)]
    fn ln(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        if math::computed_wide::<T>() {
            return Self::ln_rounded(hi, lo);
        }
        let zero = T::from_f64(0.0);
        crate::__lanes_if!(
            hi.gt(zero) & hi.lt(T::from_f64(f64::INFINITY)),
            {
                let (h, l) = math::ln_pair(hi);
                Self::renormalised(h, l + lo / hi)
            },
            Self::ln_rounded(hi, lo)
        )
    }

    /// `f64`: the unrounded pair of the runtime's own ln(1 + hi + lo) (`math::log1p_pair`,
    /// which carries lo itself) for a finite nonzero hi > −0.5; ln of the exact sum
    /// (1 + hi, lo) for hi in [−1, −0.5] (for `f32` too); `T`'s log1p corrected to first
    /// order elsewhere (0, below −1, ∞, NaN), and for `f32`.
    #[inline(always)]
    fn log1p(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        let one = T::from_f64(1.0);
        // hi in [−1, −0.5]: 1 + hi is exact (Sterbenz), and ln of the pair (1 + hi, lo)
        // keeps lo, which `log1p_pair` takes to first order only — up to 1e-10 off in
        // ln(1 + erf x) at x = −5, where lo is 7e-5 of 1 + hi; at hi = −1 it is ln lo
        // (ln(1 + erf(−10)) = ln erfc 10, erf's pair being (−1, erfc 10)).
        let near = hi.ge(-one) & hi.le(T::from_f64(-0.5));
        if math::computed_wide::<T>() {
            return crate::__lanes_if!(near, Self::log1p_of_sum(hi, lo), Self::log1p_rounded(hi, lo));
        }
        let zero = T::from_f64(0.0);
        let inside = hi.gt(T::from_f64(-0.5)) & hi.lt(T::from_f64(f64::INFINITY)) & !hi.eq(zero);
        crate::__lanes_if!(
            inside,
            {
                let (h, l) = math::log1p_pair(hi, lo);
                Self::renormalised(h, l)
            },
            crate::__lanes_if!(near, Self::log1p_of_sum(hi, lo), Self::log1p_rounded(hi, lo))
        )
    }

    /// `f64`: the unrounded pair of the runtime's own arctangent of hi (`math::atan_pair`)
    /// plus lo / (1 + hi²), for a finite hi; `T`'s arctangent corrected to first order
    /// elsewhere, and for `f32`.
    #[inline(always)]
    fn atan(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        let one = T::from_f64(1.0);
        let slope = one / (one + hi * hi);
        if math::computed_wide::<T>() {
            return Self::new(hi.atan()).corrected(slope, lo);
        }
        crate::__lanes_if!(
            hi.is_finite(),
            {
                let (h, l) = math::atan_pair(hi);
                Self::renormalised(h, l + slope * lo)
            },
            Self::new(hi.atan()).corrected(slope, lo)
        )
    }

    /// (1 − e)/(1 + e) from e = e^-2|u| where that is well away from 1 ([`Pair::exp_minus_abs`]),
    /// and −m/(2 + m) from m = expm1(−2|u|) near 0, each where its error is damped; in `f64`
    /// e and m are the unrounded pairs of the runtime's own kernels (`math::exp_pair`,
    /// `expm1_pair`: within 2^-56, where `f64`'s rounded values carried half an ULP into the
    /// quotient), for `f32` `T`'s rounded values. In `f64` both pairs come from one
    /// reduction (`math::exp_expm1_pair`) and the quotient is one division, each lane's
    /// numerator and divisor chosen: where the lanes of a vector disagree, as they do in a
    /// slice of scattered inputs, the two sides had taken two exponentials and two divisions
    /// (f64 mish′, whose tanh of softplus crosses 0.35 at x ≈ −0.9, spent a fifth of its time
    /// there).
    #[inline(always)]
    fn tanh(self) -> Self {
        let (zero, one, two) = (T::from_f64(0.0), T::from_f64(1.0), T::from_f64(2.0));
        let y = self.hi.abs();
        let big = y.gt(T::from_f64(0.35));
        let t = if math::computed_wide::<T>() {
            // In place (not `branch` with closures), like generated code: see `lanes_if!`.
            crate::__lanes_if!(
                big,
                {
                    let e = Self::exp_minus_abs(two * y);
                    Self::new(one).add(e.neg()).div(Self::new(one).add(e))
                },
                {
                    let m = Self::new((-two * y).expm1());
                    m.neg().div(Self::new(two).add(m))
                }
            )
        } else {
            let (e, m, n) = Self::tanh_parts(y);
            let d = Self::select(big, Self::new(one).add(e), Self::new(two).add(m));
            n.div(d)
        };
        let t = Self::select(self.hi.lt(zero), t.neg(), t);
        // NaN stays NaN (`expm1_pair` clamps its argument, which takes a NaN to the clamp).
        let t = Self::select(self.hi.is_nan(), Self::new(self.hi), t);
        t.corrected(one - t.hi * t.hi, self.lo)
    }

    /// In `f64` from one e^-2|u| and e^-2|u| − 1 (`math::exp_expm1_pair`, as [`tanh`]
    /// takes them) and one division: r = 1/(1 + e) is σ(2|u|) and e r σ(−2|u|), as
    /// [`sigmoid_pair`] computes them from the same e, and tanh |u| is (1 − e) r, or −m r
    /// from m = e − 1 below |u| = 0.35 (1 + e = 2 + m: the quotient of [`tanh`] as a
    /// product, within 2^-55 as its parts are); the first-order corrections for the low
    /// part, and the signs, as theirs. `f32`: the three calls.
    ///
    /// [`tanh`]: Repr::tanh
    /// [`sigmoid_pair`]: Repr::sigmoid_pair
    #[inline(always)]
    fn tanh_sigmoid2(self) -> (Self, Self, Self) {
        let (zero, one, two) = (T::from_f64(0.0), T::from_f64(1.0), T::from_f64(2.0));
        if math::computed_wide::<T>() {
            let (a, b) = self.mul_plain_normal(two).sigmoid_pair();
            return (self.tanh(), a, b);
        }
        let (e, _, n) = Self::tanh_parts(self.hi.abs());
        let big = Self::new(one).div(Self::new(one).add(e));
        let small = big.mul(e);
        let t = n.mul(big);
        let negative = self.hi.lt(zero);
        let nan = self.hi.is_nan();
        let t = Self::select(negative, t.neg(), t);
        let t = Self::select(nan, Self::new(self.hi), t).corrected(one - t.hi * t.hi, self.lo);
        // σ(±2u): the slope of σ(2u) in u is 2 σ(2u) σ(−2u).
        let shift = big.hi * small.hi * (two * self.lo);
        let positive = self.hi.ge(zero);
        let pos =
            Self::renormalised(T::select(positive, big.hi, small.hi), T::select(positive, big.lo, small.lo) + shift);
        let neg =
            Self::renormalised(T::select(positive, small.hi, big.hi), T::select(positive, small.lo, big.lo) - shift);
        let (pos, neg) = (Self::select(nan, Self::new(self.hi), pos), Self::select(nan, Self::new(self.hi), neg));
        (t, pos.unless_underflowed(), neg.unless_underflowed())
    }

    /// As 1 / (1 + e^-|u|) or its complement computed in pairs, from the pair
    /// [`Pair::exp_minus_abs`].
    #[inline(always)]
    fn sigmoid(self) -> Self {
        let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
        let e = Self::exp_minus_abs(self.hi);
        let denominator = Self::new(one).add(e);
        let positive = self.hi.ge(zero);
        // σ(|u|) or σ(-|u|) = e^-|u| σ(|u|), from one division.
        let s = Self::select(positive, Self::new(one), e).div(denominator);
        // The slope σ(u) σ(-u) needs σ(-u) only roughly: e σ(|u|), or 1 - σ(u) for u < 0.
        let other = T::select(positive, e.hi * s.hi, one - s.hi);
        s.corrected(s.hi * other, self.lo).unless_underflowed()
    }

    #[inline(always)]
    fn sigmoid_pair(self) -> (Self, Self) {
        let one = Self::new(T::from_f64(1.0));
        let e = Self::exp_minus_abs(self.hi);
        let big = one.div(one.add(e));
        let small = big.mul(e);
        let shift = big.hi * small.hi * self.lo;
        let (up, down) =
            (|v: Self| Self::renormalised(v.hi, v.lo + shift), |v: Self| Self::renormalised(v.hi, v.lo - shift));
        let positive = self.hi.ge(T::from_f64(0.0));
        let pos = up(Self::select(positive, big, small));
        let neg = down(Self::select(positive, small, big));
        (pos.unless_underflowed(), neg.unless_underflowed())
    }

    /// max(hi, 0) + ln(1 + e^-|hi|), the logarithm of the pair [`Pair::exp_minus_abs`]
    /// (`Repr::log1p`: in `f64` the unrounded pair of the runtime's own), corrected to first
    /// order for lo by σ(hi).
    #[inline(always)]
    fn softplus(self) -> Self {
        let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
        let e = Self::exp_minus_abs(self.hi);
        // The slope σ(u), from the same e^-|u|.
        let slope = T::select(self.hi.ge(zero), one, e.hi) / (one + e.hi);
        Self::new(self.hi.max(zero)).add(e.log1p()).corrected(slope, self.lo).unless_underflowed()
    }

    /// `f64`: the unrounded pair of the runtime's own erf of hi (`math::erf_pair`) plus
    /// (2/√π) e^(−hi²) lo, for a finite hi above 1e-290 in size (below, the pair's error
    /// terms would be subnormal); `T`'s erf at hi corrected to first order elsewhere.
    /// `f32`: the wide form's `f64` erf (to about 2^-31) split into a pair, and beyond
    /// |hi| = 0.5 ±(1 − erfc |hi|) with the complement in the low part, so that ln(erf u)
    /// keeps its −erfc u where erf rounds to 1 (`f32`'s own erf corrected to first order
    /// gave 0 there).
    #[inline(always)]
    fn erf(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        let slope = gaussian_slope(hi);
        if math::computed_wide::<T>() {
            let w = hi.widen();
            let one = <T::Wide as Float>::from_f64(1.0);
            let c = math::erfc_wide_range(w.abs());
            let h = T::narrow(one - c);
            // 1 − h is exact (h is within a factor 2 of 1).
            let far = Pair { hi: h, lo: T::narrow((one - h.widen()) - c) };
            let far = Self::select(hi.lt(T::from_f64(0.0)), far.neg(), far);
            let near = Self::split(math::erf_wide_range(w));
            let v = Self::select(hi.abs().le(T::from_f64(0.5)), near, far);
            return Self::renormalised(v.hi, v.lo + slope * lo);
        }
        crate::__lanes_if!(
            hi.is_finite() & hi.abs().gt(T::from_f64(1e-290)),
            {
                let (h, l) = math::erf_pair(hi);
                Self::renormalised(h, l + slope * lo)
            },
            Self::function(hi.erf(), slope, lo)
        )
    }

    /// `f64`: the unrounded pair of the runtime's own erfc of hi (`math::erfc_pair`) minus
    /// (2/√π) e^(−hi²) lo, for a finite hi; `T`'s erfc at hi corrected to first order
    /// elsewhere. `f32`: the wide form's `f64` erfc (to about 2^-31) split into a pair.
    /// Refused where it is subnormal in `T` (it has lost bits).
    #[inline(always)]
    fn erfc(self) -> Self {
        let (hi, lo) = (self.hi, self.lo);
        let slope = gaussian_slope(hi);
        if math::computed_wide::<T>() {
            let v = Self::split(math::erfc_wide_range(hi.widen()));
            return Self::renormalised(v.hi, v.lo - slope * lo).unless_underflowed();
        }
        let v = crate::__lanes_if!(
            hi.is_finite(),
            {
                let (h, l) = math::erfc_pair(hi);
                Self::renormalised(h, l - slope * lo)
            },
            Self::function(hi.erfc(), -slope, lo)
        );
        v.unless_underflowed()
    }

    /// erfc(hi) − (2/√π) e^(−hi²) lo, the Gaussian from the exponential erfc took
    /// (`math::erfc_and_gaussian`).
    #[inline(always)]
    fn erfc_value(self) -> T {
        let (hi, lo) = (self.hi, self.lo);
        let (c, gaussian) = math::erfc_and_gaussian(hi);
        c - T::from_f64(core::f64::consts::FRAC_2_SQRT_PI) * gaussian * lo
    }

    /// σ(hi) (1 + σ(−hi) lo).
    #[inline(always)]
    fn sigmoid_value(self) -> T {
        let (hi, lo) = (self.hi, self.lo);
        let s = hi.sigmoid();
        s + s * (T::from_f64(1.0) - s) * lo
    }

    /// [`sigmoid_value`](Repr::sigmoid_value) of (hi, lo) and of (−hi, −lo), the two
    /// values of `T` from one [`Float::sigmoid_pair`] (the bits of two `sigmoid` calls).
    #[inline(always)]
    fn sigmoid_pair_value(self) -> (T, T) {
        let (hi, lo) = (self.hi, self.lo);
        let one = T::from_f64(1.0);
        let (s, t) = hi.sigmoid_pair();
        (s + s * (one - s) * lo, t + t * (one - t) * -lo)
    }

    /// e^hi (1 + lo), e^hi where that is not finite.
    #[inline(always)]
    fn exp_value(self) -> T {
        let (hi, lo) = (self.hi, self.lo);
        let e = hi.exp();
        T::select(e.is_finite(), e + e * lo, e)
    }

    /// The first-order corrections hold only where |lo| ≤ ulp(hi) and hi is finite.
    const VALUES_EVERYWHERE: bool = false;
}

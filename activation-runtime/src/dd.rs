//! Double-double numbers: the type compensated generated code computes in.
//!
//! A compound derivative such as mish'' multiplies and adds a dozen rounded values, and a
//! cancellation in its last bracket can amplify their rounding errors past the accuracy
//! bar. The [`compensate`](crate::compensate) pass emits such a function over [`Dd<T>`]
//! instead of `T`: every `+ - * /` is error-free to about 2p bits, and every function
//! value carries the low part of its argument through a first-order correction, so what
//! remains is the error of the few library calls underneath (about half an ULP each),
//! not of the arithmetic around them. `T` stays `f32` or `f64`: the `f32` path computes
//! in pairs of `f32`, not through `f64`.
//!
//! Dekker's product needs `|v| · 2^⌈p/2⌉` to stay finite, and a value that has underflowed
//! keeps only a few bits: a decaying factor in the subnormal range, or a product that
//! lands there, poisons the pair, and [`Dd::settled`] refuses poisoned, non-finite and
//! subnormal results. The generated code then falls back to its ordinary form, whose
//! log-domain products know the tails. (Near the bottom of the normal range the low part
//! itself is subnormal: the pair is then only about as precise as `T`, never worse.)

use core::ops::{Add, Div, Mul, Neg, Sub};

use crate::float::{Float, Select};
use crate::real::Real;

/// Error-free sum: `(s, e)` with `s = fl(a + b)` and `a + b = s + e` exactly (Knuth).
#[inline(always)]
pub fn two_sum<T: Float>(a: T, b: T) -> (T, T) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Error-free product: `(p, e)` with `p = fl(a b)` and `a b = p + e` exactly: one fused
/// multiply-add where the lanes know the CPU has it, else Dekker's splitting (a software
/// `fma` would be far slower). The pair is the same exact one either way; where Dekker's
/// split overflows (|a| or |b| within 2^⌈p/2⌉ of the top of the range) both give a NaN
/// error term, so that every path refuses the same pairs.
#[inline(always)]
pub fn two_prod<T: Float>(a: T, b: T) -> (T, T) {
    let split = T::split_factor();
    let p = a * b;
    if T::FAST_FMA {
        let (ta, tb) = (split * a, split * b);
        // `t - t` is 0, or NaN where Dekker's split would have overflowed.
        #[allow(clippy::eq_op)]
        return (p, a.mul_add(b, -p) + ((ta - ta) + (tb - tb)));
    }
    let halves = |v: T| {
        let t = split * v;
        let hi = t - (t - v);
        (hi, v - hi)
    };
    let ((ah, al), (bh, bl)) = (halves(a), halves(b));
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// `hi + lo` with `|lo| ≤ ulp(hi) / 2`: about twice the precision of `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dd<T> {
    /// The value rounded to `T`.
    pub hi: T,
    /// What `hi` leaves out.
    pub lo: T,
}

impl<T: Float> Select<T::Mask> for Dd<T> {
    #[inline(always)]
    fn select(m: T::Mask, a: Self, b: Self) -> Self {
        Dd { hi: T::select(m, a.hi, b.hi), lo: T::select(m, a.lo, b.lo) }
    }
}

impl<T: Float> Dd<T> {
    /// An exact `T`.
    #[inline(always)]
    pub fn new(hi: T) -> Self {
        Dd { hi, lo: T::from_f64(0.0) }
    }

    /// A constant known as a double-double `hi + lo` of `f64`s (exact enough in either `T`):
    /// for `f32` the high part's rounding moves into the low part.
    #[inline(always)]
    pub fn constant(hi: f64, lo: f64) -> Self {
        let h = <T::Scalar as Float>::from_f64(hi);
        let l = (hi - h.to_f64()) + lo;
        Self::renormalised(T::splat(h), T::from_f64(l))
    }

    #[inline(always)]
    fn renormalised(a: T, b: T) -> Self {
        let (hi, lo) = two_sum(a, b);
        Dd { hi, lo }
    }

    /// `self`, or a poisoned pair (a NaN low part, which every operation propagates) where
    /// the value has underflowed into the subnormal range: a factor like σ(-100) in `f32`
    /// has a few bits left, and a growing factor such as e^x would lift it back into the
    /// normal range with those few bits. [`settle`](Self::settle) then refuses the
    /// result and the plain code, whose log-domain products handle tails, runs.
    #[inline(always)]
    fn unless_underflowed(self) -> Self {
        let under = self.hi.abs().lt(T::min_positive());
        Dd { hi: self.hi, lo: T::select(under, T::from_f64(f64::NAN), self.lo) }
    }

    /// `self` plus a first-order correction `slope · lo`, for a function value whose
    /// argument had the low part `lo`.
    #[inline(always)]
    fn corrected(self, slope: T, lo: T) -> Self {
        Self::renormalised(self.hi, self.lo + slope * lo)
    }

    /// The value rounded to `T`, and the lanes where it can be trusted. Refused: not
    /// finite (Dekker's splitting overflowed), poisoned by an underflow, or itself
    /// subnormal or 0 (where the plain code's tail devices decide). Generated code computes
    /// its plain fallback only when some lane is refused (`__private::sides`, `merge`).
    #[inline(always)]
    pub fn settle(self) -> (T, T::Mask) {
        let v = self.hi + self.lo;
        // |v| ≥ MIN_POSITIVE written as |v| − MIN_POSITIVE ≥ 0 (the same for every v: the
        // difference is exact below MIN_POSITIVE): LLVM folds the plain comparison and
        // `is_finite` into one class test that it then evaluates lane by lane.
        let normal = (v.abs() - T::min_positive()).ge(T::from_f64(0.0));
        (v, v.is_finite() & self.lo.is_finite() & normal)
    }

    /// |self|.
    #[inline(always)]
    pub fn abs(self) -> Self {
        Self::select(self.hi.lt(T::from_f64(0.0)), -self, self)
    }

    /// `other > self`, comparing the pairs lexicographically.
    #[inline(always)]
    fn below(self, other: Self) -> T::Mask {
        other.hi.gt(self.hi) | (other.hi.eq(self.hi) & other.lo.gt(self.lo))
    }

    /// The larger of two values.
    #[inline(always)]
    pub fn max(self, other: Self) -> Self {
        Self::select(self.below(other), other, self)
    }

    /// The smaller of two values.
    #[inline(always)]
    pub fn min(self, other: Self) -> Self {
        Self::select(other.below(self), other, self)
    }

    /// `self^n` by repeated squaring (squares and cubes, the common cases, without a loop);
    /// negative `n` through one division.
    #[inline(always)]
    pub fn powi(self, n: i32) -> Self {
        let acc = match n.unsigned_abs() {
            0 => Self::new(T::from_f64(1.0)),
            1 => self,
            2 => self * self,
            3 => self * self * self,
            k => {
                let (mut base, mut k) = (self, k);
                // The lowest set bit starts the product; each further bit multiplies in.
                while k & 1 == 0 {
                    base = base * base;
                    k >>= 1;
                }
                let mut acc = base;
                k >>= 1;
                while k > 0 {
                    base = base * base;
                    if k & 1 == 1 {
                        acc = acc * base;
                    }
                    k >>= 1;
                }
                acc
            }
        };
        if n < 0 {
            Self::new(T::from_f64(1.0)) / acc
        } else {
            acc
        }
    }

    /// √self, with one Newton correction.
    #[inline(always)]
    pub fn sqrt(self) -> Self {
        let s = self.hi.sqrt();
        let r = self - Self::new(s) * Self::new(s);
        let refined = Self::renormalised(s, r.hi / (T::from_f64(2.0) * s));
        Self::select(s.eq(T::from_f64(0.0)), Self::new(s), refined)
    }

    /// e^self.
    #[inline(always)]
    pub fn exp(self) -> Self {
        let e = self.hi.exp();
        Self::new(e).corrected(e, self.lo).unless_underflowed()
    }

    /// e^self − 1.
    #[inline(always)]
    pub fn expm1(self) -> Self {
        let m = self.hi.expm1();
        Self::new(m).corrected(m + T::from_f64(1.0), self.lo)
    }

    /// ln self.
    #[inline(always)]
    pub fn ln(self) -> Self {
        Self::new(self.hi.ln()).corrected(T::from_f64(1.0) / self.hi, self.lo)
    }

    /// ln(1 + self).
    #[inline(always)]
    pub fn log1p(self) -> Self {
        Self::new(self.hi.log1p()).corrected(T::from_f64(1.0) / (T::from_f64(1.0) + self.hi), self.lo)
    }

    /// The logistic function, as 1 / (1 + e^-|u|) or its complement computed in pairs, so
    /// that only the `exp` underneath rounds (its error reaches σ damped by σ(−|u|) ≤ ½).
    #[inline(always)]
    pub fn sigmoid(self) -> Self {
        let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
        let e = (-self.hi.abs()).exp();
        let denominator = Self::renormalised(one, e);
        let positive = self.hi.ge(zero);
        // σ(|u|) or σ(-|u|) = e^-|u| σ(|u|), from one division.
        let s = Self::new(T::select(positive, one, e)) / denominator;
        // The slope σ(u) σ(-u) needs σ(-u) only roughly: e σ(|u|), or 1 - σ(u) for u < 0.
        let other = T::select(positive, e * s.hi, one - s.hi);
        s.corrected(s.hi * other, self.lo).unless_underflowed()
    }

    /// (σ(u), σ(-u)) from one `exp` and one division: σ(-|u|) = e^-|u| σ(|u|). Forms such
    /// as σ(u) σ(-u) (the logistic density) need both.
    #[inline(always)]
    pub fn sigmoid_pair(self) -> (Self, Self) {
        let one = T::from_f64(1.0);
        let e = (-self.hi.abs()).exp();
        let big = Self::new(one) / Self::renormalised(one, e);
        let small = big * Self::new(e);
        let shift = big.hi * small.hi * self.lo;
        let (up, down) =
            (|v: Self| Self::renormalised(v.hi, v.lo + shift), |v: Self| Self::renormalised(v.hi, v.lo - shift));
        let positive = self.hi.ge(T::from_f64(0.0));
        let pos = up(Self::select(positive, big, small));
        let neg = down(Self::select(positive, small, big));
        (pos.unless_underflowed(), neg.unless_underflowed())
    }

    /// tanh, from `e^-2|u|` where that is well away from 1 and from `expm1` near 0, each
    /// in the range where its rounding is damped.
    #[inline(always)]
    pub fn tanh(self) -> Self {
        let (zero, one, two) = (T::from_f64(0.0), T::from_f64(1.0), T::from_f64(2.0));
        let y = self.hi.abs();
        // In place (not `branch` with closures), like generated code: see `lanes_if!`.
        let t = crate::__lanes_if!(
            y.gt(T::from_f64(0.35)),
            {
                let e = (-two * y).exp();
                Self::renormalised(one, -e) / Self::renormalised(one, e)
            },
            {
                let m = (-two * y).expm1();
                Self::new(-m) / Self::renormalised(two, m)
            }
        );
        let t = Self::select(self.hi.lt(zero), -t, t);
        t.corrected(one - t.hi * t.hi, self.lo)
    }

    /// ln(1 + e^u) = max(u, 0) + ln(1 + e^-|u|), the two parts added without rounding.
    #[inline(always)]
    pub fn softplus(self) -> Self {
        let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
        let e = (-self.hi.abs()).exp();
        // The slope σ(u), from the same e^-|u|.
        let slope = T::select(self.hi.ge(zero), one, e) / (one + e);
        Self::renormalised(self.hi.max(zero), e.log1p()).corrected(slope, self.lo).unless_underflowed()
    }

    /// The error function.
    #[inline(always)]
    pub fn erf(self) -> Self {
        Self::new(self.hi.erf()).corrected(gaussian_slope(self.hi), self.lo)
    }

    /// 1 − erf.
    #[inline(always)]
    pub fn erfc(self) -> Self {
        Self::new(self.hi.erfc()).corrected(-gaussian_slope(self.hi), self.lo).unless_underflowed()
    }

    /// expm1(u) − u e^u (see [`Float::expm1_sub_uexp`]); its slope is −u e^u.
    #[inline(always)]
    pub fn expm1_sub_uexp(self) -> Self {
        let slope = -(self.hi * self.hi.exp());
        Self::new(self.hi.expm1_sub_uexp()).corrected(slope, self.lo)
    }

    /// sinh.
    #[inline(always)]
    pub fn sinh(self) -> Self {
        Self::new(self.hi.sinh()).corrected(self.hi.cosh(), self.lo)
    }

    /// cosh.
    #[inline(always)]
    pub fn cosh(self) -> Self {
        Self::new(self.hi.cosh()).corrected(self.hi.sinh(), self.lo)
    }

    /// arctan.
    #[inline(always)]
    pub fn atan(self) -> Self {
        let one = T::from_f64(1.0);
        Self::new(self.hi.atan()).corrected(one / (one + self.hi * self.hi), self.lo)
    }

    /// sin.
    #[inline(always)]
    pub fn sin(self) -> Self {
        Self::new(self.hi.sin()).corrected(self.hi.cos(), self.lo)
    }

    /// cos.
    #[inline(always)]
    pub fn cos(self) -> Self {
        Self::new(self.hi.cos()).corrected(-self.hi.sin(), self.lo)
    }

    /// σ(hi + lo) rounded to `T`: σ(hi) (1 + σ(-hi) lo), the first-order correction being
    /// exact to far below an ULP since |lo| ≤ ulp(hi). For arguments refined in pairs.
    #[inline(always)]
    pub fn sigmoid_value(self) -> T {
        let s = self.hi.sigmoid();
        s + s * (T::from_f64(1.0) - s) * self.lo
    }

    /// e^(hi + lo) rounded to `T`: e^hi (1 + lo); ∞ where e^hi overflows (the correction
    /// `e · lo` would then be ∞ · lo, and ∞ − ∞ for a negative `lo`).
    #[inline(always)]
    pub fn exp_value(self) -> T {
        let e = self.hi.exp();
        T::select(e.is_finite(), e + e * self.lo, e)
    }

    /// erfc(hi + lo) rounded to `T`: erfc(hi) - (2/√π) e^(-hi²) lo.
    #[inline(always)]
    pub fn erfc_value(self) -> T {
        let c = self.hi.erfc();
        c - T::from_f64(core::f64::consts::FRAC_2_SQRT_PI) * (-(self.hi * self.hi)).exp() * self.lo
    }
}

impl<T: Real> Dd<T> {
    /// The value rounded to `T`, or `None` where the pair cannot be trusted (see
    /// [`settle`](Self::settle)).
    #[inline]
    pub fn settled(self) -> Option<T> {
        let v = self.hi + self.lo;
        (v.is_finite() && self.lo.is_finite() && v.abs() >= T::MIN_POSITIVE).then_some(v)
    }
}

/// d/du erf(u) = (2/√π) e^(−u²).
#[inline(always)]
fn gaussian_slope<T: Float>(u: T) -> T {
    T::from_f64(core::f64::consts::FRAC_2_SQRT_PI) * (-(u * u)).exp()
}

impl<T: Float> Neg for Dd<T> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Dd { hi: -self.hi, lo: -self.lo }
    }
}

impl<T: Float> Add for Dd<T> {
    type Output = Self;
    /// Double-double sum, renormalised.
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        let (s, e) = two_sum(self.hi, b.hi);
        let e = e + (self.lo + b.lo);
        let hi = s + e;
        Dd { hi, lo: e - (hi - s) }
    }
}

impl<T: Float> Sub for Dd<T> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self + -b
    }
}

impl<T: Float> Mul for Dd<T> {
    type Output = Self;
    /// Double-double product, renormalised. A product of nonzero factors that underflows has
    /// lost bits (see `unless_underflowed`).
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        let (p, e) = two_prod(self.hi, b.hi);
        let e = e + (self.hi * b.lo + self.lo * b.hi);
        let hi = p + e;
        let product = Dd { hi, lo: e - (hi - p) };
        let zero = T::from_f64(0.0);
        let nonzero = !(self.hi.eq(zero) | b.hi.eq(zero));
        Self::select(nonzero, product.unless_underflowed(), product)
    }
}

impl<T: Float> Div for Dd<T> {
    type Output = Self;
    /// Long division with one rounded reciprocal: a first quotient `q = a · fl(1/b)`
    /// (within a few ULPs), the remainder `a − b q` (exact to about 2p bits: the product is
    /// error-free and the difference cancels), and its quotient as the low part. One
    /// division instead of two — the reciprocal of a constant divisor is folded at compile
    /// time, so dividing by a constant divides nothing — and the pair is as accurate: the
    /// low part needs only `p` bits of its own. (`1/b` keeps at least `p − 2` bits for any
    /// finite `b`: the product of the largest and the smallest normal numbers is about 4.)
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        let inv = T::from_f64(1.0) / b.hi;
        let q = self.hi * inv;
        let r = self - b * Self::new(q);
        let d = Self::renormalised(q, r.hi * inv);
        Self::select(self.hi.eq(T::from_f64(0.0)), d, d.unless_underflowed())
    }
}

#[cfg(test)]
mod tests {
    use super::Dd;

    /// Exact to about 2^-100 relative in `f64`, so these compare against closed forms at
    /// 1e-30 where a plain `f64` would be off by 1e-17.
    fn close(a: Dd<f64>, truth_hi: f64, truth_lo: f64, tol: f64) {
        let err = (a.hi - truth_hi) + (a.lo - truth_lo);
        assert!(err.abs() <= tol * truth_hi.abs(), "{a:?} vs {truth_hi:e} + {truth_lo:e}");
    }

    #[test]
    fn arithmetic_is_exact_to_twice_the_precision() {
        // 1/3 · 3 − 1 is exactly 0 in pairs; in f64 it is not representable as a third.
        let third = Dd::new(1.0f64) / Dd::new(3.0);
        assert!((third * Dd::new(3.0) - Dd::new(1.0)).hi.abs() < 1e-32);
        // (1 + 2^-60)^2 = 1 + 2^-59 + 2^-120: the 2^-59 survives.
        let a = Dd { hi: 1.0f64, lo: 2f64.powi(-60) };
        close(a.powi(2), 1.0, 2f64.powi(-59), 1e-32);
        for n in [-3, 0, 1, 3, 4, 5, 6, 7, 8, 12] {
            let plain = 1.1f64.powi(n);
            assert!((Dd::new(1.1f64).powi(n).hi - plain).abs() <= 4e-16 * plain, "{n}");
        }
        close(Dd::new(2.0f64).sqrt(), std::f64::consts::SQRT_2, -9.667293313452913e-17, 1e-31);
    }

    #[test]
    fn sigmoid_and_tanh_round_only_their_exp() {
        // σ(0) = 1/2, tanh(1) = 0.76159415595576488811945828260479…
        close(Dd::new(0.0f64).sigmoid(), 0.5, 0.0, 1e-32);
        // (the pair is off by e^-2's rounding, damped: a fraction of 2^-53, not 1e-30)
        close(Dd::new(1.0f64).tanh(), 0.7615941559557649, 3.7090214482164924e-17, 3e-17);
        let t = Dd::new(-1.0f64).tanh();
        assert!((t.hi + 0.7615941559557649).abs() < 1e-16);
    }

    #[test]
    fn sigmoid_pair_agrees_with_two_sigmoids() {
        for u in [-30.0f64, -2.5, -0.1, 0.0, 0.7, 4.0, 36.0] {
            let u = Dd { hi: u, lo: u * 1e-17 };
            let (a, b) = u.sigmoid_pair();
            let (c, d) = (u.sigmoid(), (-u).sigmoid());
            for (x, y) in [(a, c), (b, d)] {
                let diff = (x.hi - y.hi) + (x.lo - y.lo);
                assert!(diff.abs() <= 1e-16 * y.hi, "{u:?}: {x:?} vs {y:?}");
            }
        }
    }

    #[test]
    fn underflowed_factors_poison_the_pair() {
        // f32: σ(-100) ≈ 3.7e-44 has a few bits; e^50 · σ(-100) ≈ 1.4e-22 looks normal.
        // (e^50 itself overflows the split there; σ(-90) ≈ 8.2e-40 with e^40 is the same
        // story within range.)
        let x = Dd::new(50.0f32);
        let lifted = x.exp() * (Dd::new(-2.0f32) * x).sigmoid();
        assert_eq!(lifted.settled(), None);
        let lifted = Dd::new(40.0f32).exp() * Dd::new(-90.0f32).sigmoid();
        assert!(lifted.lo.is_nan(), "{lifted:?}");
        let (_, small) = Dd::new(100.0f64).sigmoid_pair();
        assert!(small.lo.is_finite());
        let (_, gone) = Dd::new(800.0f64).sigmoid_pair();
        assert_eq!((Dd::new(800.0f64).exp() * gone).settled(), None);
        // Exact zeros stay legitimate.
        assert_eq!((Dd::new(0.0f64) * Dd::new(3.0)).lo, 0.0);
    }

    #[test]
    fn settled_refuses_what_pairs_cannot_carry() {
        assert_eq!(Dd::new(1.5f64).settled(), Some(1.5));
        assert_eq!(Dd::new(1e-300f64).settled(), Some(1e-300));
        assert_eq!(Dd::new(1e-310f64).settled(), None);
        assert_eq!(Dd::new(0.0f64).settled(), None);
        assert_eq!(Dd::new(f64::INFINITY).settled(), None);
        assert_eq!(Dd::new(1e-30f32).settled(), Some(1e-30));
        assert_eq!(Dd::new(1e-40f32).settled(), None);
    }
}

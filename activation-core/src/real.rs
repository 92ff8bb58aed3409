//! The numeric primitives generated code runs on, for `f32` and `f64` alike.
//!
//! Generated functions are generic over [`Real`], so the `f32` path computes in `f32`
//! rather than rounding an `f64` result. The primitives that have a textbook form which
//! overflows or cancels (`sigmoid`, `softplus`) are implemented here once, in their stable
//! form; the stabilising pass rewrites user formulas onto them.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A floating-point type the generated code can run on: `f32` or `f64`.
pub trait Real:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + std::fmt::Debug
    + Send
    + Sync
    + 'static
{
    /// Rounds an `f64` constant to this type.
    fn from_f64(v: f64) -> Self;
    /// Widens (or keeps) this value as `f64`.
    fn to_f64(self) -> f64;
    /// e^x.
    fn exp(self) -> Self;
    /// e^x - 1, accurate near 0.
    fn expm1(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// ln(1 + x), accurate near 0.
    fn log1p(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Hyperbolic sine.
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    fn cosh(self) -> Self;
    /// Arctangent.
    fn atan(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// The error function (from `libm`).
    fn erf(self) -> Self;
    /// 1 - erf(x), accurate in the right tail (from `libm`).
    fn erfc(self) -> Self;
    /// x^n for an integer n.
    fn powi(self, n: i32) -> Self;
    /// x^y.
    fn powf(self, y: Self) -> Self;
    /// The larger of `x` and `y`.
    fn max(self, y: Self) -> Self;
    /// The smaller of `x` and `y`.
    fn min(self, y: Self) -> Self;
    /// `a * b + c` with one rounding.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Dekker's splitting factor 2^⌈p/2⌉ + 1 for this precision p.
    fn split_factor() -> Self;

    /// The double-double `hi + lo` (two `f64`) in this type: for `f32` the high part's
    /// rounding moves into the low part, so the pair still carries the constant exactly
    /// enough.
    #[inline]
    fn from_dd(hi: f64, lo: f64) -> (Self, Self) {
        let h = Self::from_f64(hi);
        (h, Self::from_f64((hi - h.to_f64()) + lo))
    }

    /// Error-free sum: `(s, e)` with `s = fl(a + b)` and `a + b = s + e` exactly (Knuth).
    #[inline]
    fn two_sum(self, b: Self) -> (Self, Self) {
        let s = self + b;
        let bb = s - self;
        (s, (self - (s - bb)) + (b - bb))
    }

    /// Error-free product: `(p, e)` with `p = fl(a b)` and `a b = p + e` exactly: one fused
    /// multiply-add where the target has it in hardware, else Dekker's splitting (a software
    /// `fma` would be far slower). Valid while `|a|`, `|b|` stay well below the overflow
    /// threshold divided by the splitting factor.
    #[inline]
    fn two_prod(self, b: Self) -> (Self, Self) {
        if cfg!(target_feature = "fma") {
            let p = self * b;
            return (p, self.mul_add(b, -p));
        }
        let split = |v: Self| {
            let t = Self::split_factor() * v;
            let hi = t - (t - v);
            (hi, v - hi)
        };
        let p = self * b;
        let ((ah, al), (bh, bl)) = (split(self), split(b));
        (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    /// Double-double sum of `(self, lo)` and `(b, b_lo)`, renormalised.
    #[inline]
    fn dd_add(self, lo: Self, b: Self, b_lo: Self) -> (Self, Self) {
        let (s, e) = self.two_sum(b);
        let e = e + (lo + b_lo);
        let hi = s + e;
        (hi, e - (hi - s))
    }

    /// Double-double product of `(self, lo)` and `(b, b_lo)`, renormalised.
    #[inline]
    fn dd_mul(self, lo: Self, b: Self, b_lo: Self) -> (Self, Self) {
        let (p, e) = self.two_prod(b);
        let e = e + (self * b_lo + lo * b);
        let hi = p + e;
        (hi, e - (hi - p))
    }

    /// sigmoid(hi + lo) for a double-double argument: σ(hi) (1 + σ(-hi) lo), the first-order
    /// correction being exact to far below an ULP since |lo| ≤ ulp(hi).
    #[inline]
    fn sigmoid_dd(self, lo: Self) -> Self {
        let s = self.sigmoid();
        s + s * (Self::from_f64(1.0) - s) * lo
    }

    /// exp(hi + lo) for a double-double argument: e^hi (1 + lo).
    #[inline]
    fn exp_dd(self, lo: Self) -> Self {
        let e = self.exp();
        e + e * lo
    }

    /// erfc(hi + lo) for a double-double argument: erfc(hi) - (2/√π) e^(-hi²) lo.
    #[inline]
    fn erfc_dd(self, lo: Self) -> Self {
        let c = self.erfc();
        c - Self::from_f64(std::f64::consts::FRAC_2_SQRT_PI) * (-(self * self)).exp() * lo
    }

    /// `self * b`, except that a zero factor wins: 0 · inf = 0. Generated code multiplies
    /// this way where one factor can underflow to 0 (a decaying `exp`, `sigmoid`, `erfc`)
    /// and the other overflow: in the tails of an activation the decay always dominates,
    /// so the product's truth is 0 (or tiny), never the NaN that `0 * inf` gives.
    #[inline]
    fn mul_or_zero(self, b: Self) -> Self {
        let zero = Self::from_f64(0.0);
        if self == zero || b == zero {
            zero
        } else {
            self * b
        }
    }

    /// `self * small` where `small = e^u` or `σ(u)` decays to 0 in a tail, and
    /// `log_small()` gives u as a double-double (where `small` has underflowed, ln σ(u) = u
    /// to far below an ULP). Where `small` is subnormal — it has lost bits, up to all of them
    /// — while `|self| > 1` could lift the product back into the normal range, the product
    /// is taken in the log domain, `±exp(ln|self| + u)`; otherwise it is
    /// [`mul_or_zero`](Real::mul_or_zero).
    #[inline]
    fn mul_small(self, small: Self, log_small: impl FnOnce() -> (Self, Self)) -> Self {
        let zero = Self::from_f64(0.0);
        self.mul_small_logs(small, || (self.abs().ln(), zero), log_small)
    }

    /// [`mul_small`](Real::mul_small) where `self = ±e^w` too and `log_self()` gives w as a
    /// double-double: the log-domain product then rounds nothing before its final `exp`
    /// (ln of a rounded e^47 would already be off by 47 · 2^-p).
    #[inline]
    fn mul_small_logs(
        self,
        small: Self,
        log_self: impl FnOnce() -> (Self, Self),
        log_small: impl FnOnce() -> (Self, Self),
    ) -> Self {
        let (zero, one) = (Self::from_f64(0.0), Self::from_f64(1.0));
        let lost = small.abs() < Self::min_positive();
        if lost && self.is_finite() && self.abs() > one && small >= zero {
            let (hi, lo) = log_small();
            let (bh, bl) = log_self();
            let (h, l) = bh.dd_add(bl, hi, lo);
            // Far out (|u| beyond what the error-free splitting can take) the pair is not
            // finite, and the product is 0 anyway.
            if h.is_finite() && l.is_finite() {
                let m = h.exp_dd(l);
                return if self < zero { -m } else { m };
            }
        }
        self.mul_or_zero(small)
    }

    /// The smallest positive normal number of this type.
    fn min_positive() -> Self;
    /// Neither infinite nor NaN.
    fn is_finite(self) -> bool;

    /// The logistic function 1 / (1 + e^-x), split on the sign of `x` so that `exp` never
    /// overflows and the small tail keeps full relative precision.
    #[inline]
    fn sigmoid(self) -> Self {
        let one = Self::from_f64(1.0);
        if self >= Self::from_f64(0.0) {
            one / (one + (-self).exp())
        } else {
            let e = self.exp();
            e / (one + e)
        }
    }

    /// expm1(x) - x e^x: by its Taylor series Σ_{k≥2} (1 - k) x^k / k! where the two terms
    /// cancel (|x| < 1.5; every term has the same sign, so the sum does not cancel), and as
    /// e^x (1 - x) - 1 elsewhere, where the cancellation costs at most a few ULPs.
    #[inline]
    fn expm1_sub_uexp(self) -> Self {
        let x = self;
        if x.abs() < Self::from_f64(1.5) {
            // Horner over the coefficients (1 - k) / k!, k = 29 down to 2.
            let mut acc = Self::from_f64(0.0);
            for &c in EXPM1_SUB_UEXP_SERIES.iter().rev() {
                acc = acc * x + Self::from_f64(c);
            }
            acc * x * x
        } else {
            x.exp() * (Self::from_f64(1.0) - x) - Self::from_f64(1.0)
        }
    }

    /// ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): no overflow for large x, full precision
    /// for very negative x.
    #[inline]
    fn softplus(self) -> Self {
        let zero = Self::from_f64(0.0);
        self.max(zero) + (-self.abs()).exp().log1p()
    }
}

/// (1 - k) / k! for k = 2, 3, ..., 29: the Taylor coefficients of expm1(x) - x e^x.
const EXPM1_SUB_UEXP_SERIES: [f64; 28] = {
    let mut c = [0.0; 28];
    let mut factorial = 1.0;
    let mut k = 1;
    while k < 30 {
        factorial *= k as f64;
        if k >= 2 {
            c[k - 2] = (1.0 - k as f64) / factorial;
        }
        k += 1;
    }
    c
};

macro_rules! impl_real {
    ($t:ty, $erf:path, $erfc:path, $split:expr) => {
        impl Real for $t {
            #[inline]
            fn split_factor() -> Self {
                $split
            }
            #[inline]
            fn min_positive() -> Self {
                <$t>::MIN_POSITIVE
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline]
            fn expm1(self) -> Self {
                <$t>::exp_m1(self)
            }
            #[inline]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline]
            fn log1p(self) -> Self {
                <$t>::ln_1p(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline]
            fn sinh(self) -> Self {
                <$t>::sinh(self)
            }
            #[inline]
            fn cosh(self) -> Self {
                <$t>::cosh(self)
            }
            #[inline]
            fn atan(self) -> Self {
                <$t>::atan(self)
            }
            #[inline]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline]
            fn erf(self) -> Self {
                $erf(self)
            }
            #[inline]
            fn erfc(self) -> Self {
                $erfc(self)
            }
            #[inline]
            fn powi(self, n: i32) -> Self {
                <$t>::powi(self, n)
            }
            #[inline]
            fn powf(self, y: Self) -> Self {
                <$t>::powf(self, y)
            }
            #[inline]
            fn max(self, y: Self) -> Self {
                <$t>::max(self, y)
            }
            #[inline]
            fn min(self, y: Self) -> Self {
                <$t>::min(self, y)
            }
            #[inline]
            fn mul_add(self, b: Self, c: Self) -> Self {
                <$t>::mul_add(self, b, c)
            }
        }
    };
}

impl_real!(f64, libm::erf, libm::erfc, 134_217_729.0);
impl_real!(f32, libm::erff, libm::erfcf, 4097.0);

#[cfg(test)]
mod tests {
    use super::Real;

    #[test]
    fn sigmoid_tails_do_not_overflow_or_flush() {
        assert_eq!(Real::sigmoid(1000.0f64), 1.0);
        let tiny = Real::sigmoid(-700.0f64);
        assert!(tiny > 0.0 && (tiny - (-700.0f64).exp()).abs() <= tiny * 1e-15);
        assert_eq!(Real::sigmoid(0.0f32), 0.5);
    }

    #[test]
    fn expm1_sub_uexp_agrees_with_its_definition_away_from_zero() {
        for x in [-1.4f64, -0.7, 0.3, 1.2] {
            let direct = x.exp_m1() - x * x.exp();
            assert!((Real::expm1_sub_uexp(x) - direct).abs() <= 1e-15, "{x}");
        }
        // Near 0 it is -x^2/2 - x^3/3 - ...: no cancellation to 0.
        let t = 1e-6f64;
        let series = -t * t / 2.0 - t * t * t / 3.0 - t.powi(4) / 8.0;
        assert!((Real::expm1_sub_uexp(t) - series).abs() <= 1e-27);
    }

    #[test]
    fn error_free_transformations_are_exact() {
        let (a, b) = (0.1f64, 0.7f64);
        let (p, e) = a.two_prod(b);
        assert_eq!(p, a * b);
        assert_eq!(e, a.mul_add(b, -p));
        let (s, e) = 1.0f64.two_sum(1e-20);
        assert_eq!((s, e), (1.0, 1e-20));
        let (p, e) = 0.1f32.two_prod(0.7f32);
        assert_eq!(e, 0.1f32.mul_add(0.7, -p));
    }

    #[test]
    fn products_survive_a_subnormal_factor() {
        // 5e5 · σ(-721): σ(-721) is subnormal in f64, the product is normal.
        let x = 721.0f64;
        let p = (x * x).mul_small(Real::sigmoid(-x), || (-x, 0.0));
        let truth = (2.0 * x.ln() - x).exp(); // σ(-x) = e^-x (1 + e^-x)^-1, e^-x negligible
        assert!(((p - truth) / truth).abs() < 1e-12, "{p:e} vs {truth:e}");
        // 0 · anything stays 0, and an overflowed factor does not turn into inf.
        assert_eq!(f64::INFINITY.mul_small(0.0, || (-800.0, 0.0)), 0.0);
        assert_eq!(0.0f64.mul_small(1e-315, || (-725.0, 0.0)), 0.0);
    }

    #[test]
    fn softplus_tails() {
        assert_eq!(Real::softplus(800.0f64), 800.0);
        let s = Real::softplus(-40.0f64);
        assert!((s - 4.248354255291589e-18).abs() <= 1e-32);
    }
}

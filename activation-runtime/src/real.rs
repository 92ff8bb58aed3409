//! [`Real`]: the scalar types generated code runs on, `f32` and `f64`.
//!
//! Generated functions are generic over [`Float`], so the `f32` path computes in `f32`
//! rather than rounding an `f64` result, and the slice kernels run the same code on lanes
//! ([`crate::lanes`]). `Real` is the scalar face of [`Float`]: the types of the public
//! functions' arguments, with the run-time choice of lanes for slices
//! ([`crate::dispatch`]).

use crate::dispatch::Kernel;
use crate::float::{sealed, Float};

/// A floating-point type the generated code runs on: `f32` or `f64`. Sealed.
pub trait Real: Float<Scalar = Self, Mask = bool> + PartialOrd + Libm {
    /// The smallest positive normal number.
    const MIN_POSITIVE: Self;
    /// Dekker's splitting factor 2^⌈p/2⌉ + 1 for this precision p.
    #[doc(hidden)]
    const SPLIT: Self;
    /// Widens (or keeps) this value as `f64`.
    fn to_f64(self) -> f64;
    /// Runs `kernel` on the widest lanes of `Self` that this CPU has (AVX-512, AVX2 + FMA,
    /// else SSE2 on x86-64; NEON on aarch64; 4 × `f32` or 2 × `f64` arrays elsewhere).
    #[doc(hidden)]
    fn dispatch<K: Kernel<Self>>(kernel: K) -> K::Output;
}

/// The scalar functions that lanes fall back to, lane by lane, where a function is not yet
/// written over lanes: the platform's `libm` (through `std`) and the `libm` crate. Hidden:
/// generated code reaches them only through [`Float`].
#[doc(hidden)]
pub trait Libm: Sized {
    /// e^x.
    fn exp(x: Self) -> Self;
    /// e^x - 1.
    fn expm1(x: Self) -> Self;
    /// ln x.
    fn ln(x: Self) -> Self;
    /// ln(1 + x).
    fn log1p(x: Self) -> Self;
    /// tanh x.
    fn tanh(x: Self) -> Self;
    /// sinh x.
    fn sinh(x: Self) -> Self;
    /// cosh x.
    fn cosh(x: Self) -> Self;
    /// atan x.
    fn atan(x: Self) -> Self;
    /// sin x.
    fn sin(x: Self) -> Self;
    /// cos x.
    fn cos(x: Self) -> Self;
    /// erf x.
    fn erf(x: Self) -> Self;
    /// erfc x.
    fn erfc(x: Self) -> Self;
    /// x^n.
    fn powi(x: Self, n: i32) -> Self;
    /// x^y.
    fn powf(x: Self, y: Self) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $erf:path, $erfc:path, $split:expr, $dispatch:path) => {
        impl sealed::Sealed for $t {}

        impl Libm for $t {
            #[inline(always)]
            fn exp(x: Self) -> Self {
                <$t>::exp(x)
            }
            #[inline(always)]
            fn expm1(x: Self) -> Self {
                <$t>::exp_m1(x)
            }
            #[inline(always)]
            fn ln(x: Self) -> Self {
                <$t>::ln(x)
            }
            #[inline(always)]
            fn log1p(x: Self) -> Self {
                <$t>::ln_1p(x)
            }
            #[inline(always)]
            fn tanh(x: Self) -> Self {
                <$t>::tanh(x)
            }
            #[inline(always)]
            fn sinh(x: Self) -> Self {
                <$t>::sinh(x)
            }
            #[inline(always)]
            fn cosh(x: Self) -> Self {
                <$t>::cosh(x)
            }
            #[inline(always)]
            fn atan(x: Self) -> Self {
                <$t>::atan(x)
            }
            #[inline(always)]
            fn sin(x: Self) -> Self {
                <$t>::sin(x)
            }
            #[inline(always)]
            fn cos(x: Self) -> Self {
                <$t>::cos(x)
            }
            #[inline(always)]
            fn erf(x: Self) -> Self {
                $erf(x)
            }
            #[inline(always)]
            fn erfc(x: Self) -> Self {
                $erfc(x)
            }
            #[inline(always)]
            fn powi(x: Self, n: i32) -> Self {
                <$t>::powi(x, n)
            }
            #[inline(always)]
            fn powf(x: Self, y: Self) -> Self {
                <$t>::powf(x, y)
            }
        }

        impl Float for $t {
            type Scalar = $t;
            type Mask = bool;
            const LANES: usize = 1;
            const FAST_FMA: bool = cfg!(target_feature = "fma");

            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn splat(v: $t) -> Self {
                v
            }
            #[inline(always)]
            fn map(self, f: impl Fn($t) -> $t) -> Self {
                f(self)
            }
            #[inline(always)]
            fn zip_map(self, b: Self, f: impl Fn($t, $t) -> $t) -> Self {
                f(self, b)
            }
            #[inline(always)]
            fn select(m: bool, a: Self, b: Self) -> Self {
                if m {
                    a
                } else {
                    b
                }
            }
            #[inline(always)]
            fn load(s: &[$t]) -> Self {
                s[0]
            }
            #[inline(always)]
            fn store(self, s: &mut [$t]) {
                s[0] = self;
            }
            #[inline(always)]
            fn lt(self, b: Self) -> bool {
                self < b
            }
            #[inline(always)]
            fn le(self, b: Self) -> bool {
                self <= b
            }
            #[inline(always)]
            fn gt(self, b: Self) -> bool {
                self > b
            }
            #[inline(always)]
            fn ge(self, b: Self) -> bool {
                self >= b
            }
            #[inline(always)]
            fn eq(self, b: Self) -> bool {
                self == b
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max(self, y: Self) -> Self {
                <$t>::max(self, y)
            }
            #[inline(always)]
            fn min(self, y: Self) -> Self {
                <$t>::min(self, y)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                <$t>::mul_add(self, b, c)
            }
        }

        impl Real for $t {
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            const SPLIT: Self = $split;
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn dispatch<K: Kernel<Self>>(kernel: K) -> K::Output {
                $dispatch(kernel)
            }
        }
    };
}

impl_real!(f64, libm::erf, libm::erfc, 134_217_729.0, crate::dispatch::f64_lanes);
impl_real!(f32, libm::erff, libm::erfcf, 4097.0, crate::dispatch::f32_lanes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_tails_do_not_overflow_or_flush() {
        assert_eq!(Float::sigmoid(1000.0f64), 1.0);
        let tiny = Float::sigmoid(-700.0f64);
        assert!(tiny > 0.0 && (tiny - (-700.0f64).exp()).abs() <= tiny * 1e-15);
        assert_eq!(Float::sigmoid(0.0f32), 0.5);
    }

    #[test]
    fn expm1_sub_uexp_agrees_with_its_definition_away_from_zero() {
        for x in [-1.4f64, -0.7, 0.3, 1.2] {
            let direct = x.exp_m1() - x * x.exp();
            assert!((Float::expm1_sub_uexp(x) - direct).abs() <= 1e-15, "{x}");
        }
        // Near 0 it is -x^2/2 - x^3/3 - ...: no cancellation to 0.
        let t = 1e-6f64;
        let series = -t * t / 2.0 - t * t * t / 3.0 - t.powi(4) / 8.0;
        assert!((Float::expm1_sub_uexp(t) - series).abs() <= 1e-27);
    }

    #[test]
    fn softplus_tails() {
        assert_eq!(Float::softplus(800.0f64), 800.0);
        let s = Float::softplus(-40.0f64);
        assert!((s - 4.248354255291589e-18).abs() <= 1e-32);
    }
}

//! [`Real`]: the scalar types generated code runs on, `f32` and `f64`.
//!
//! Generated functions are generic over [`Float`], so the `f32` path computes in `f32`
//! rather than rounding an `f64` result, and the slice kernels run the same code on lanes
//! ([`crate::lanes`]). `Real` is the scalar face of [`Float`]: the types of the public
//! functions' arguments, with the run-time choice of lanes for slices
//! ([`crate::dispatch`]).

use crate::dd::{pair::Pair, wide::Wide};
use crate::dispatch::Kernel;
use crate::float::{sealed, Float};

/// A floating-point type the generated code runs on: `f32` or `f64`. Sealed.
pub trait Real: Float<Scalar = Self, Mask = bool> + PartialOrd + crate::math::Tables {
    /// The smallest positive normal number.
    const MIN_POSITIVE: Self;
    /// Dekker's splitting factor 2^⌈p/2⌉ + 1 for this precision p.
    #[doc(hidden)]
    const SPLIT: Self;
    /// 2^-(⌈p/2⌉ + 1): any finite number times it splits without overflow, and two factors
    /// whose product is finite, the larger one scaled by it, multiply without overflow in
    /// Dekker's algorithm.
    #[doc(hidden)]
    const SPLIT_SCALE: Self;
    /// 2^(2p + 8) times the smallest subnormal number (2^-960, 2^-93): a normal product below
    /// it may have an error below the subnormal range, where Dekker's algorithm rounds it
    /// otherwise than a fused multiply-add.
    #[doc(hidden)]
    const SPLIT_FLOOR: Self;
    /// 2^(2p + 4): the smaller factor of a normal product below `SPLIT_FLOOR`, times it,
    /// lifts the product's error into the normal range (2^110, 2^52).
    #[doc(hidden)]
    const SPLIT_RAISE: Self;
    /// The largest finite binary exponent, emax = 127 or 1023, as a float.
    #[doc(hidden)]
    const EMAX: Self;
    /// 1.5 · 2^(p-1): adding and subtracting it rounds to an integer.
    #[doc(hidden)]
    const ROUND_MAGIC: Self;
    /// The precision p (24 or 53), as a float.
    #[doc(hidden)]
    const DIGITS: Self;
    /// 2^(p-2): below it [`Float::round_int`] uses [`ROUND_MAGIC`](Self::ROUND_MAGIC); at
    /// and above it every float is an integer.
    #[doc(hidden)]
    const ROUND_LIMIT: Self;
    /// Widens (or keeps) this value as `f64`.
    fn to_f64(self) -> f64;
    /// Runs `kernel` on the widest lanes of `Self` that this CPU has (AVX-512, AVX2 + FMA,
    /// else SSE2 on x86-64; NEON on aarch64; 4 × `f32` or 2 × `f64` arrays elsewhere).
    #[doc(hidden)]
    fn dispatch<K: Kernel<Self>>(kernel: K) -> K::Output;
}

/// The bit-level primitives of [`Float`] for one lane, shared by the scalar implementation
/// and the lanes' loops ([`crate::lanes`]), so that both compute the same bits. Integer
/// shifts, ands and adds on the bit patterns only: no float-to-integer conversion (Rust's
/// `as` saturates and does not vectorise).
macro_rules! bit_primitives {
    ($module:ident, $t:ty, $i:ty) => {
        #[doc = concat!("Bit-level primitives of `", stringify!($t), "`, lane by lane.")]
        pub(crate) mod $module {
            /// Width of the stored significand.
            const FRACTION: u32 = <$t>::MANTISSA_DIGITS - 1;
            /// The exponent bias.
            const BIAS: $i = (<$t>::MAX_EXP - 1) as $i;
            /// 1.5 · 2^FRACTION + BIAS: `k + MAGIC` holds `k + BIAS` in its low bits.
            const POW2_MAGIC: $t = 1.5 * (1u64 << FRACTION) as $t + (<$t>::MAX_EXP - 1) as $t;
            /// 2^FRACTION, whose low bits an integer is or-ed into to convert it.
            const INT_MAGIC: $t = (1u64 << FRACTION) as $t;
            /// 2^p, which lifts a subnormal into the normal range.
            const SUBNORMAL_SCALE: $t = (1u64 << <$t>::MANTISSA_DIGITS) as $t;
            const FRACTION_MASK: $i = (1 << FRACTION) - 1;

            /// `x` with the low ⌊p/2⌋ bits of its significand cleared: the high part of a
            /// Dekker split by truncation (⌈p/2⌉ significant bits; `x − high` has at most
            /// ⌊p/2⌋ and is exact). Infinities and NaNs stay.
            #[inline(always)]
            pub fn split_high(x: $t) -> $t {
                const LOW: u32 = <$t>::MANTISSA_DIGITS / 2;
                <$t>::from_bits(x.to_bits() & !((1 << LOW) - 1))
            }

            /// 2^k for an integer-valued `k` in [-emax, emax + 1]; -emax gives 0 and
            /// emax + 1 gives infinity. Other `k` give meaningless values.
            #[inline(always)]
            pub fn pow2i(k: $t) -> $t {
                <$t>::from_bits((k + POW2_MAGIC).to_bits() << FRACTION)
            }

            /// (m, e) with x = m · 2^e exactly, m in [√½, √2) and e an integer, for a positive
            /// finite `x`, normal or subnormal. Meaningless for 0, negatives, inf and NaN.
            #[inline(always)]
            pub fn split_exponent(x: $t) -> ($t, $t) {
                let sub = x < <$t>::MIN_POSITIVE;
                let (x, shift) = if sub { (x * SUBNORMAL_SCALE, <$t>::MANTISSA_DIGITS as $t) } else { (x, 0.0) };
                let half = core::f64::consts::FRAC_1_SQRT_2 as $t;
                // Subtracting √½'s pattern moves the exponent boundary to √½; adding the bias
                // back keeps the pattern positive so that a logical shift reads the exponent.
                let ix = x.to_bits().wrapping_sub(half.to_bits()).wrapping_add(BIAS << FRACTION);
                let m = <$t>::from_bits((ix & FRACTION_MASK).wrapping_add(half.to_bits()));
                let biased = <$t>::from_bits(INT_MAGIC.to_bits() | (ix >> FRACTION)) - INT_MAGIC;
                (m, (biased - BIAS as $t) - shift)
            }
        }
    };
}

bit_primitives!(bits_f64, f64, u64);
bit_primitives!(bits_f32, f32, u32);

/// The elementary functions of a scalar type: `crate::math`'s, run through
/// [`fused!`](crate::float::fused), so that a build without FMA still computes their fused
/// multiply-adds with the CPU's instruction where it has one.
macro_rules! scalar_elementary {
    ($t:ty; $($f:ident($($a:ident),*) -> $r:ty;)*) => {$(
        #[inline(always)]
        fn $f(self $(, $a: Self)*) -> $r {
            let x = self;
            crate::float::fused!($t, [], (x: $t $(, $a: $t)*) -> $r, crate::math::$f(x $(, $a)*))
        }
    )*};
}

macro_rules! impl_real {
    ($t:ty, $split:expr, $split_scale:expr, $split_floor:expr, $split_raise:expr, $dispatch:path, $bits:ident, $repr:ident) => {
        impl sealed::Sealed for $t {}

        impl Float for $t {
            type Scalar = $t;
            type Mask = bool;
            const LANES: usize = 1;
            const FAST_FMA: bool = cfg!(target_feature = "fma");
            type Wide = f64;

            #[inline(always)]
            fn widen(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn narrow(wide: f64) -> Self {
                wide as $t
            }
            #[inline(always)]
            fn widen_mask(m: bool) -> bool {
                m
            }
            type DdRepr = $repr<Self>;

            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn rounded_constant(v: f64) -> f64 {
                (v as $t) as f64
            }
            #[inline(always)]
            fn from_f64_up(v: f64) -> Self {
                let r = v as $t;
                if Self::rounded_constant(v) < v {
                    r.next_up()
                } else {
                    r
                }
            }
            #[inline(always)]
            fn from_f64_down(v: f64) -> Self {
                let r = v as $t;
                if Self::rounded_constant(v) > v {
                    r.next_down()
                } else {
                    r
                }
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
            #[inline(always)]
            fn pow2i(self) -> Self {
                $bits::pow2i(self)
            }
            #[inline(always)]
            fn split_exponent(self) -> (Self, Self) {
                $bits::split_exponent(self)
            }
            #[inline(always)]
            fn copysign(self, sign: Self) -> Self {
                <$t>::copysign(self, sign)
            }
            #[inline(always)]
            fn split_high(self) -> Self {
                $bits::split_high(self)
            }
            scalar_elementary! {
                $t;
                exp() -> $t;
                expm1() -> $t;
                ln() -> $t;
                log1p() -> $t;
                tanh() -> $t;
                sinh() -> $t;
                cosh() -> $t;
                atan() -> $t;
                sin() -> $t;
                cos() -> $t;
                erf() -> $t;
                erfc() -> $t;
                powf(y) -> $t;
                sigmoid() -> $t;
                sigmoid_pair() -> ($t, $t);
                softplus() -> $t;
            }
        }

        impl Real for $t {
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            const SPLIT: Self = $split;
            const SPLIT_SCALE: Self = $split_scale;
            const SPLIT_FLOOR: Self = $split_floor;
            const SPLIT_RAISE: Self = $split_raise;
            const EMAX: Self = (<$t>::MAX_EXP - 1) as $t;
            const ROUND_MAGIC: Self = 1.5 * (1u64 << (<$t>::MANTISSA_DIGITS - 1)) as $t;
            const DIGITS: Self = <$t>::MANTISSA_DIGITS as $t;
            const ROUND_LIMIT: Self = (1u64 << (<$t>::MANTISSA_DIGITS - 2)) as $t;
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

impl_real!(
    f64,
    134_217_729.0,
    3.725_290_298_461_914e-9,
    1.026_134_200_324_594_1e-289,
    1.298_074_214_633_707e33,
    crate::dispatch::f64_lanes,
    bits_f64,
    Pair
);
impl_real!(f32, 4097.0, 1.220_703_1e-4, 1.009_742e-28, 4.503_599_6e15, crate::dispatch::f32_lanes, bits_f32, Wide);

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
    fn bit_primitives() {
        // pow2i: the whole exponent range, 0 and inf at its ends.
        for k in -1022..=1023 {
            assert_eq!(Float::pow2i(f64::from(k)), 2f64.powi(k), "{k}");
        }
        assert_eq!(Float::pow2i(-1023.0f64), 0.0);
        assert_eq!(Float::pow2i(1024.0f64), f64::INFINITY);
        assert_eq!(Float::pow2i(-126.0f32), f32::MIN_POSITIVE);
        assert_eq!(Float::pow2i(127.0f32), 2f32.powi(127));
        // split_exponent: x = m 2^e, m in [√½, √2), subnormals included.
        for x in [1.0f64, 0.7, 0.75, 1.5, 3.0, 1e300, f64::MAX, f64::MIN_POSITIVE, 1e-310, f64::from_bits(1)] {
            let (m, e) = Float::split_exponent(x);
            assert!((std::f64::consts::FRAC_1_SQRT_2..std::f64::consts::SQRT_2).contains(&m), "{x:e}: {m}");
            assert_eq!(e, e.round());
            let half = (e / 2.0).trunc() as i32;
            assert_eq!(m * 2f64.powi(half) * 2f64.powi(e as i32 - half), x, "{x:e}");
        }
        let (m, e) = Float::split_exponent(f32::from_bits(1));
        assert_eq!((m, e), (1.0, -149.0));
        let (m, e) = Float::split_exponent(0.7f32);
        assert_eq!((m, e), (1.4, -1.0));
        // round_int: ties to even, large values kept.
        assert_eq!(Float::round_int(2.5f64), 2.0);
        assert_eq!(Float::round_int(-3.5f64), -4.0);
        assert_eq!(Float::round_int(0.49999999999999994f64), 0.0);
        assert_eq!(Float::round_int(1e300f64), 1e300);
        assert_eq!(Float::round_int(4503599627370497.0f64), 4503599627370497.0);
        assert_eq!(Float::round_int(8388609.0f32), 8388609.0);
        assert!(Float::round_int(f64::NAN).is_nan());
        // ldexp: one rounding, into the subnormals, to 0 and to infinity.
        assert_eq!(Float::ldexp(1.5f64, -1074.0), f64::from_bits(2));
        assert_eq!(Float::ldexp(1.0f64, 1023.0), 2f64.powi(1023));
        assert_eq!(Float::ldexp(1.0f64, 1024.0), f64::INFINITY);
        assert_eq!(Float::ldexp(1.0f64, -1076.0), 0.0);
        assert_eq!(Float::ldexp(0.75f64, -1022.0), 0.75 * f64::MIN_POSITIVE);
        assert_eq!(Float::ldexp(3.0f32, -150.0), f32::from_bits(2));
        // copysign, is_nan, split_high.
        assert_eq!(Float::copysign(2.0f64, -0.0), -2.0);
        assert!(Float::is_nan(f32::NAN) && !Float::is_nan(1.0f32));
        let x = std::f64::consts::PI;
        let h = Float::split_high(x);
        assert_eq!(h.to_bits() & ((1 << 26) - 1), 0);
        assert!((x - h).abs() < 2f64.powi(-24));
        assert_eq!(Float::split_high(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn powi_is_repeated_squaring() {
        assert_eq!(Float::powi(3.0f64, 0), 1.0);
        assert_eq!(Float::powi(3.0f64, 5), 243.0);
        assert_eq!(Float::powi(2.0f64, -3), 0.125);
        assert_eq!(Float::powi(-1.5f32, 3), -3.375);
        assert_eq!(Float::powi(10.0f64, 400), f64::INFINITY);
        let x = 1.0000001f64;
        assert_eq!(Float::powi(x, 12), ((x * x) * (x * x)) * (((x * x) * (x * x)) * ((x * x) * (x * x))));
    }

    #[test]
    fn softplus_tails() {
        assert_eq!(Float::softplus(800.0f64), 800.0);
        let s = Float::softplus(-40.0f64);
        assert!((s - 4.248354255291589e-18).abs() <= 1e-32);
    }
}

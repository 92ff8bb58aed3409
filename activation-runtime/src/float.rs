//! [`Float`]: what generated kernels compute on — one scalar (`f32`, `f64`) or a vector of
//! lanes ([`crate::lanes`]). Every kernel is written once, generic over `Float`; the scalar
//! functions instantiate it with `f32`/`f64`, the slice kernels with lanes, and since every
//! operation rounds the same way lane by lane, slices and scalars agree bit for bit.
//!
//! Comparisons give a [`Mask`] (`bool` for a scalar); piecewise code and the rare tail paths
//! go through [`branch`] and [`Float::select`], which are an ordinary `if` on a scalar and
//! "all lanes / no lane / select" on lanes.

use core::fmt::Debug;
use core::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use crate::real::Real;

pub(crate) mod sealed {
    /// Only this crate's number types implement [`Float`](super::Float).
    pub trait Sealed {}
}

/// The result of comparing [`Float`]s: one `bool` per lane.
pub trait Mask: Copy + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> + Send + Sync + 'static {
    /// Whether any lane is set.
    fn any(self) -> bool;
    /// Whether every lane is set.
    fn all(self) -> bool;
}

impl Mask for bool {
    #[inline(always)]
    fn any(self) -> bool {
        self
    }
    #[inline(always)]
    fn all(self) -> bool {
        self
    }
}

/// A number generated code runs on: a scalar `f32`/`f64` ([`Real`]) or lanes of one.
///
/// Sealed: the generated kernels rely on every operation rounding as IEEE 754 says, lane by
/// lane, and on the elementary functions being the ones of this crate.
pub trait Float:
    sealed::Sealed
    + Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Debug
    + Send
    + Sync
    + 'static
{
    /// The type of one lane.
    type Scalar: Real;
    /// A comparison's result.
    type Mask: Mask;
    /// How many lanes.
    const LANES: usize;

    /// The constant `v` (rounded once to the lane type) in every lane.
    fn from_f64(v: f64) -> Self;
    /// One scalar in every lane.
    fn splat(v: Self::Scalar) -> Self;
    /// `f` applied lane by lane: the portable path of a function not written over lanes.
    fn map(self, f: impl Fn(Self::Scalar) -> Self::Scalar) -> Self;
    /// `f` applied lane by lane to two arguments.
    fn zip_map(self, b: Self, f: impl Fn(Self::Scalar, Self::Scalar) -> Self::Scalar) -> Self;
    /// `a` where `m` is set, `b` elsewhere.
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
    /// The first [`LANES`](Self::LANES) values of `s`.
    ///
    /// # Panics
    /// When `s` is shorter.
    fn load(s: &[Self::Scalar]) -> Self;
    /// Writes the lanes into the first [`LANES`](Self::LANES) places of `s`.
    ///
    /// # Panics
    /// When `s` is shorter.
    fn store(self, s: &mut [Self::Scalar]);

    /// `self < b`, lane by lane.
    fn lt(self, b: Self) -> Self::Mask;
    /// `self <= b`.
    fn le(self, b: Self) -> Self::Mask;
    /// `self > b`.
    fn gt(self, b: Self) -> Self::Mask;
    /// `self >= b`.
    fn ge(self, b: Self) -> Self::Mask;
    /// `self == b`.
    fn eq(self, b: Self) -> Self::Mask;
    /// Neither infinite nor NaN.
    fn is_finite(self) -> Self::Mask;

    /// |x|.
    fn abs(self) -> Self;
    /// The larger of `x` and `y` (`f64::max`: a NaN argument loses).
    fn max(self, y: Self) -> Self;
    /// The smaller of `x` and `y` (`f64::min`).
    fn min(self, y: Self) -> Self;
    /// Square root, correctly rounded.
    fn sqrt(self) -> Self;
    /// `a * b + c` with one rounding (a hardware instruction where the lanes know the CPU
    /// has one, else the library's `fma`). Only error-free products use it: their result is
    /// the same either way.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Whether [`mul_add`](Self::mul_add) is one instruction here.
    const FAST_FMA: bool;

    /// The smallest positive normal number of the lane type.
    #[inline(always)]
    fn min_positive() -> Self {
        Self::splat(Self::Scalar::MIN_POSITIVE)
    }

    /// Dekker's splitting factor 2^⌈p/2⌉ + 1 for the lane type's precision p.
    #[inline(always)]
    fn split_factor() -> Self {
        Self::splat(Self::Scalar::SPLIT)
    }

    /// e^x.
    #[inline(always)]
    fn exp(self) -> Self {
        self.map(crate::real::Libm::exp)
    }
    /// e^x - 1, accurate near 0.
    #[inline(always)]
    fn expm1(self) -> Self {
        self.map(crate::real::Libm::expm1)
    }
    /// Natural logarithm.
    #[inline(always)]
    fn ln(self) -> Self {
        self.map(crate::real::Libm::ln)
    }
    /// ln(1 + x), accurate near 0.
    #[inline(always)]
    fn log1p(self) -> Self {
        self.map(crate::real::Libm::log1p)
    }
    /// Hyperbolic tangent.
    #[inline(always)]
    fn tanh(self) -> Self {
        self.map(crate::real::Libm::tanh)
    }
    /// Hyperbolic sine.
    #[inline(always)]
    fn sinh(self) -> Self {
        self.map(crate::real::Libm::sinh)
    }
    /// Hyperbolic cosine.
    #[inline(always)]
    fn cosh(self) -> Self {
        self.map(crate::real::Libm::cosh)
    }
    /// Arctangent.
    #[inline(always)]
    fn atan(self) -> Self {
        self.map(crate::real::Libm::atan)
    }
    /// Sine.
    #[inline(always)]
    fn sin(self) -> Self {
        self.map(crate::real::Libm::sin)
    }
    /// Cosine.
    #[inline(always)]
    fn cos(self) -> Self {
        self.map(crate::real::Libm::cos)
    }
    /// The error function.
    #[inline(always)]
    fn erf(self) -> Self {
        self.map(crate::real::Libm::erf)
    }
    /// 1 - erf(x), accurate in the right tail.
    #[inline(always)]
    fn erfc(self) -> Self {
        self.map(crate::real::Libm::erfc)
    }
    /// x^n for an integer n.
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        self.map(|v| crate::real::Libm::powi(v, n))
    }
    /// x^y.
    #[inline(always)]
    fn powf(self, y: Self) -> Self {
        self.zip_map(y, crate::real::Libm::powf)
    }

    /// The logistic function 1 / (1 + e^-x), from e^-|x| so that `exp` never overflows and
    /// the small tail keeps full relative precision.
    #[inline(always)]
    fn sigmoid(self) -> Self {
        let (zero, one) = (Self::from_f64(0.0), Self::from_f64(1.0));
        let negative = self.lt(zero);
        let e = (-self.abs()).exp();
        Self::select(negative, e, one) / (one + e)
    }

    /// ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): no overflow for large x, full precision
    /// for very negative x.
    #[inline(always)]
    fn softplus(self) -> Self {
        let zero = Self::from_f64(0.0);
        self.max(zero) + (-self.abs()).exp().log1p()
    }

    /// expm1(x) - x e^x: by its Taylor series Σ_{k≥2} (1 - k) x^k / k! where the two terms
    /// cancel (|x| < 1.5; every term has the same sign, so the sum does not cancel), and as
    /// e^x (1 - x) - 1 elsewhere, where the cancellation costs at most a few ULPs.
    #[inline(always)]
    fn expm1_sub_uexp(self) -> Self {
        let x = self;
        let one = Self::from_f64(1.0);
        let near = x.abs().lt(Self::from_f64(1.5));
        branch(
            near,
            || {
                // Horner over the coefficients (1 - k) / k!, k = 29 down to 2.
                let mut acc = Self::from_f64(0.0);
                for &c in EXPM1_SUB_UEXP_SERIES.iter().rev() {
                    acc = acc * x + Self::from_f64(c);
                }
                acc * x * x
            },
            || x.exp() * (one - x) - one,
        )
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

/// Values that [`branch`] can choose between lane by lane: a [`Float`], or a tuple of them
/// (the outputs of a fused kernel).
pub trait Select<M>: Sized {
    /// `a` where `m` is set, `b` elsewhere.
    fn select(m: M, a: Self, b: Self) -> Self;
}

impl<F: Float> Select<F::Mask> for F {
    #[inline(always)]
    fn select(m: F::Mask, a: Self, b: Self) -> Self {
        F::select(m, a, b)
    }
}

impl<M: Copy, A: Select<M>, B: Select<M>> Select<M> for (A, B) {
    #[inline(always)]
    fn select(m: M, a: Self, b: Self) -> Self {
        (A::select(m, a.0, b.0), B::select(m, a.1, b.1))
    }
}

/// `if m { a() } else { b() }`, lane by lane: a plain `if` on a scalar; on lanes, only the
/// side that every lane takes, or both sides and a select when the lanes disagree.
#[inline(always)]
pub fn branch<M: Mask, O: Select<M>>(m: M, a: impl FnOnce() -> O, b: impl FnOnce() -> O) -> O {
    if m.all() {
        a()
    } else if !m.any() {
        b()
    } else {
        O::select(m, a(), b())
    }
}

/// `value`, except in the lanes of `rare`, which take `fallback()`; the fallback runs only
/// when some lane needs it. This is how the tail devices of generated code (log-domain
/// products, pairs that refuse to settle) cost nothing where no lane reaches a tail.
#[inline(always)]
pub fn unless<F: Float>(rare: F::Mask, value: F, fallback: impl FnOnce() -> F) -> F {
    if rare.any() {
        F::select(rare, fallback(), value)
    } else {
        value
    }
}

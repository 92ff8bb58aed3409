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
pub trait Mask:
    Copy + BitAnd<Output = Self> + BitOr<Output = Self> + Not<Output = Self> + Send + Sync + 'static
{
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
    /// The same lanes in `f64` (`Self` where the lanes are `f64`): an `f32` function whose
    /// result is rounded once from a value far more precise than `f32` computes in it
    /// ([`crate::math::exp`]).
    type Wide: Float<Scalar = f64>;
    /// Each lane as an `f64` (exact).
    fn widen(self) -> Self::Wide;
    /// Each lane rounded once to the lane type (to nearest: to a subnormal, to 0 or to
    /// infinity where the value leaves the range).
    fn narrow(wide: Self::Wide) -> Self;
    /// A comparison of these lanes as one of the [`Wide`](Self::Wide) lanes.
    fn widen_mask(m: Self::Mask) -> <Self::Wide as Float>::Mask;
    /// How a [`Dd<Self>`](crate::Dd) holds its value: a double-double for `f64` lanes, one
    /// `f64` per lane for `f32` lanes (see [`crate::dd`]).
    type DdRepr: crate::dd::Repr<Self>;

    /// The constant `v` (rounded once to the lane type) in every lane.
    fn from_f64(v: f64) -> Self;
    /// The least lane value at or above `v`, in every lane: `x.ge(T::from_f64_up(c))` and
    /// `x.lt(T::from_f64_up(c))` compare `x` with the number `c` itself, exactly, where `c`
    /// rounded to nearest could fall on the other side of `x` (`f32` `x = -0.1f32` is below
    /// the `f64` `-0.1`, and equal to it rounded). Equal to [`from_f64`](Self::from_f64)
    /// where `v` is a lane value.
    ///
    /// ```
    /// use activation_runtime::Float;
    /// let x = -0.1f32;
    /// assert!(x.ge(f32::from_f64(-0.1)) && !x.ge(f32::from_f64_up(-0.1)));
    /// assert_eq!(f32::from_f64_up(-0.1), x.next_up());
    /// assert_eq!(f32::from_f64_down(-0.1), x);
    /// assert_eq!(f32::from_f64_up(0.5), 0.5);
    /// assert_eq!(f64::from_f64_down(0.1), 0.1);
    /// ```
    fn from_f64_up(v: f64) -> Self;
    /// The greatest lane value at or below `v`, in every lane: for `gt` and `le`, as
    /// [`from_f64_up`](Self::from_f64_up) is for `ge` and `lt`.
    fn from_f64_down(v: f64) -> Self;
    /// `self + c` for the number `c`, with the part of `c` the lane type does not hold
    /// added after the part it does: exact where `self` is near −c (`x + 0.1` at
    /// `x = -0.1f32` is −1.49e-9, where `x + 0.1f32` is 0), within an ULP elsewhere. For
    /// `f64` lanes that part is −0 and the second addition folds away.
    ///
    /// ```
    /// use activation_runtime::Float;
    /// // −0.1f32 and 0.1f32 cancel; 0.1's low part is what is left, −1.49e-9.
    /// assert_eq!(-0.1f32 + 0.1f32, 0.0);
    /// assert_eq!((-0.1f32).plus_constant(0.1), (0.1 - f64::from(0.1f32)) as f32);
    /// assert_eq!(2.5f64.plus_constant(0.1), 2.5 + 0.1);
    /// ```
    #[inline(always)]
    fn plus_constant(self, c: f64) -> Self {
        let hi = Self::from_f64(c);
        let rest = c - Self::rounded_constant(c);
        self + hi + Self::from_f64(if rest == 0.0 { -0.0 } else { rest })
    }
    /// `self / c` for the number `c`. Where the lane type does not hold `c` but holds its
    /// reciprocal rounded to `f64` — `x / 0.001` and `x / 0.1` in `f32` —, the product with
    /// that reciprocal: one rounding of the quotient moved by at most 2^-53 first, where
    /// dividing by `c` rounded to `f32` moves it by up to 2^-25 first (1 / 0.001 is then
    /// 1000, not 999.99994). Elsewhere, and for `f64` lanes, `self / c`.
    ///
    /// ```
    /// use activation_runtime::Float;
    /// assert_eq!(1.0f32 / 0.001f32, 999.99994);
    /// assert_eq!(1.0f32.over_constant(0.001), 1000.0);
    /// assert_eq!(1.0f64.over_constant(0.001), 1.0 / 0.001);
    /// assert_eq!(1.0f32.over_constant(3.0), 1.0 / 3.0f32);
    /// ```
    #[inline(always)]
    fn over_constant(self, c: f64) -> Self {
        let inverse = 1.0 / c;
        if Self::rounded_constant(c) != c && inverse.is_finite() && Self::rounded_constant(inverse) == inverse {
            self * Self::from_f64(inverse)
        } else {
            self / Self::from_f64(c)
        }
    }
    /// The constant `v` rounded once to the lane type, given back as an `f64`.
    fn rounded_constant(v: f64) -> f64;
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
    /// has one, else the library's `fma`): the same bits on every path. The elementary
    /// functions' polynomials use it (`crate::math`), and so do error-free products.
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Whether [`mul_add`](Self::mul_add) is one instruction here.
    const FAST_FMA: bool;

    // Bit-level primitives of the elementary functions ([`crate::math`]). Each is computed
    // lane by lane with integer operations on the bit patterns (shifts, ands, adds) or with
    // float additions, never with a float-to-integer `as` cast, so that it vectorises.

    /// 2^k for an integer-valued `k` with -emax ≤ k ≤ emax + 1 (emax = 127 for `f32`, 1023
    /// for `f64`): built directly as the bit pattern with exponent field k + emax, so k =
    /// -emax gives 0 and k = emax + 1 gives infinity. Other `k` (fractional, out of range,
    /// NaN) give meaningless values: callers clamp first. See [`ldexp`](Self::ldexp) for
    /// any integer `k`.
    fn pow2i(self) -> Self;
    /// `(m, e)` with `self = m · 2^e` exactly, `m` in [√½, √2) and `e` an integer-valued
    /// float: the exponent/mantissa split of a logarithm. For a positive finite `self`,
    /// normal or subnormal; meaningless for 0, negative numbers, infinities and NaN.
    fn split_exponent(self) -> (Self, Self);
    /// |self| with the sign bit of `sign` (IEEE `copySign`; NaNs included).
    fn copysign(self, sign: Self) -> Self;
    /// `self` with the low ⌊p/2⌋ bits of its significand cleared (a bit mask): the high
    /// part of a Dekker split by truncation, with ⌈p/2⌉ significant bits, such that
    /// `self − split_high()` is exact and has at most ⌊p/2⌋. Infinities and NaN stay.
    fn split_high(self) -> Self;

    /// The integer nearest to `self` (ties to even), as a float: `(x + M) - M` with M =
    /// 1.5 · 2^(p-1) where |x| < 2^(p-2), and `x` itself beyond (every such float is an
    /// integer). The sign of a zero result is not kept (round_int(-0.3) = +0); NaN stays
    /// NaN, infinities stay.
    #[inline(always)]
    fn round_int(self) -> Self {
        let magic = Self::splat(Self::Scalar::ROUND_MAGIC);
        let near = self.abs().lt(Self::splat(Self::Scalar::ROUND_LIMIT));
        Self::select(near, (self + magic) - magic, self)
    }

    /// `self · 2^k` for an integer-valued `k`, rounded once: the scaling is split as
    /// 2^k₁ · 2^k₂ with k₁ = clamp(k, 20 - emax, emax), so that the first product stays
    /// normal and exact for |self| ≥ 2^-19, and only the second one rounds (to a subnormal,
    /// to 0 or to infinity where the result leaves the range). Exact whenever the result is
    /// normal. Saturates: k beyond ±(2 emax - 21) scales as far as the range goes.
    #[inline(always)]
    fn ldexp(self, k: Self) -> Self {
        let emax = Self::splat(Self::Scalar::EMAX);
        let low = Self::from_f64(20.0) - emax;
        let k1 = k.max(low).min(emax);
        let k2 = (k - k1).max(Self::from_f64(1.0) - emax).min(emax);
        self * k1.pow2i() * k2.pow2i()
    }

    /// `self`, unchanged: a stage boundary for long kernels over lanes. The lanes are
    /// written to memory and read back ([`core::hint::black_box`]), which gives the
    /// compiler's SLP vectoriser a store of whole lanes to start from; without it, the
    /// part of a kernel more than about 12 operations before its end may be packed into
    /// vectors the wrong way (the high and low parts of one lane's double-double instead of
    /// one value across lanes). Identity on scalars; never changes a value.
    #[inline(always)]
    fn stage(self) -> Self {
        self
    }

    /// |self| below the smallest normal number: 0 or subnormal (NaN is not).
    ///
    /// Written as |self| − MIN_POSITIVE < 0, which is the same test for every value (the
    /// difference is exact below MIN_POSITIVE, and its sign is the comparison's), because
    /// LLVM folds the plain comparison |self| < MIN_POSITIVE into a floating-point class
    /// test that x86 code generation then evaluates lane by lane: sixteen extractions,
    /// integer tests and mask insertions per vector of `f32`, which made `f32` elu's
    /// backward kernel 4× slower than its forward one (`docs/speed.md`).
    #[inline(always)]
    fn below_normal(self) -> Self::Mask {
        (self.abs() - Self::min_positive()).lt(Self::from_f64(0.0))
    }

    /// Whether `self` is NaN (`self != self`).
    #[inline(always)]
    fn is_nan(self) -> Self::Mask {
        !self.eq(self)
    }

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

    /// e^x ([`crate::math::exp`]: within 0.53 ULP, subnormal results rounded once).
    ///
    /// The elementary functions below are this crate's ([`crate::math`]): one algorithm
    /// for scalars and lanes, so that slices and scalars agree bit for bit, each within an
    /// ULP in `f32` and `f64` (the bounds quoted are the largest errors measured over 10^6
    /// inputs per precision, `cargo xtask elementary`; see `docs/accuracy.md`).
    #[inline(always)]
    fn exp(self) -> Self {
        crate::math::exp(self)
    }
    /// e^x - 1, accurate near 0 ([`crate::math::expm1`]: within 0.6 ULP).
    #[inline(always)]
    fn expm1(self) -> Self {
        crate::math::expm1(self)
    }
    /// Natural logarithm ([`crate::math::ln`]: within 0.54 ULP).
    #[inline(always)]
    fn ln(self) -> Self {
        crate::math::ln(self)
    }
    /// ln(1 + x), accurate near 0 ([`crate::math::log1p`]: within 0.57 ULP).
    #[inline(always)]
    fn log1p(self) -> Self {
        crate::math::log1p(self)
    }
    /// Hyperbolic tangent ([`crate::math::tanh`]: within 0.54 ULP).
    #[inline(always)]
    fn tanh(self) -> Self {
        crate::math::tanh(self)
    }
    /// Hyperbolic sine ([`crate::math::sinh`]: within 0.58 ULP).
    #[inline(always)]
    fn sinh(self) -> Self {
        crate::math::sinh(self)
    }
    /// Hyperbolic cosine ([`crate::math::cosh`]: within 0.53 ULP).
    #[inline(always)]
    fn cosh(self) -> Self {
        crate::math::cosh(self)
    }
    /// Arctangent ([`crate::math::atan`]: within 0.56 ULP).
    #[inline(always)]
    fn atan(self) -> Self {
        crate::math::atan(self)
    }
    /// Sine ([`crate::math::sin`]: within 0.58 ULP, exact reduction of huge arguments).
    #[inline(always)]
    fn sin(self) -> Self {
        crate::math::sin(self)
    }
    /// Cosine ([`crate::math::cos`]: within 0.58 ULP, exact reduction of huge arguments).
    #[inline(always)]
    fn cos(self) -> Self {
        crate::math::cos(self)
    }
    /// The error function ([`crate::math::erf`]: within 0.68 ULP; `f32` computed in `f64`
    /// and rounded once, within 0.51).
    #[inline(always)]
    fn erf(self) -> Self {
        crate::math::erf(self)
    }
    /// 1 - erf(x), accurate in the right tail ([`crate::math::erfc`]: within 0.79 ULP;
    /// `f32` computed in `f64` and rounded once, within 0.51; subnormal results rounded
    /// once).
    #[inline(always)]
    fn erfc(self) -> Self {
        crate::math::erfc(self)
    }
    /// x^n for an integer n, by repeated squaring (the multiplications of compiler-rt's
    /// `__powidf2`, in a fixed order, so that lanes and scalars round alike); a negative n
    /// through one division.
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        let one = Self::from_f64(1.0);
        let (mut base, mut k, mut acc) = (self, n.unsigned_abs(), one);
        loop {
            if k & 1 == 1 {
                acc = acc * base;
            }
            k >>= 1;
            if k == 0 {
                break;
            }
            base = base * base;
        }
        if n < 0 {
            one / acc
        } else {
            acc
        }
    }
    /// x^y ([`crate::math::powf`]: within 0.53 ULP, IEEE 754 `pow`'s special values).
    #[inline(always)]
    fn powf(self, y: Self) -> Self {
        crate::math::powf(self, y)
    }

    /// The logistic function 1 / (1 + e^-x) ([`crate::math::sigmoid`]: from e^-|x|, so that
    /// `exp` never overflows and the small tail keeps full relative precision).
    #[inline(always)]
    fn sigmoid(self) -> Self {
        crate::math::sigmoid(self)
    }

    /// (σ(x), σ(−x)): the bits of two [`sigmoid`](Float::sigmoid) calls from one
    /// exponential and one reciprocal ([`crate::math::sigmoid_pair`]).
    #[inline(always)]
    fn sigmoid_pair(self) -> (Self, Self) {
        crate::math::sigmoid_pair(self)
    }

    /// ln(1 + e^x) ([`crate::math::softplus`]: as max(x, 0) + ln(1 + e^-|x|), no overflow
    /// for large x, full precision for very negative x).
    #[inline(always)]
    fn softplus(self) -> Self {
        crate::math::softplus(self)
    }

    /// expm1(x) - x e^x: by its Taylor series Σ_{k≥2} (1 - k) x^k / k! where the two terms
    /// cancel (|x| < 1.5; every term has the same sign, so the sum does not cancel), and as
    /// e^x (1 - x) - 1 elsewhere, where the cancellation costs at most a few ULPs.
    #[inline(always)]
    fn expm1_sub_uexp(self) -> Self {
        let x = self;
        let one = Self::from_f64(1.0);
        let near = x.abs().lt(Self::from_f64(1.5));
        crate::__lanes_if!(
            near,
            {
                // Horner over the coefficients (1 - k) / k!, k = 29 down to 2.
                let mut acc = Self::from_f64(0.0);
                for &c in EXPM1_SUB_UEXP_SERIES.iter().rev() {
                    acc = acc * x + Self::from_f64(c);
                }
                acc * x * x
            },
            x.exp() * (one - x) - one
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
///
/// Generated code spells this out with [`sides`] and [`merge`] instead, the sides written
/// in place: a closure is a function of its own, which the compiler may leave uninlined
/// and then compiles without the instruction set [`crate::dispatch`] chose for the caller.
#[inline(always)]
pub fn branch<M: Mask, O: Select<M>>(m: M, a: impl FnOnce() -> O, b: impl FnOnce() -> O) -> O {
    let (ta, tb) = sides(m);
    merge(m, if ta { Some(a()) } else { None }, if tb { Some(b()) } else { None })
}

/// Which sides of `if m { a } else { b }` some lane takes: `(a, b)`. At least one is true.
#[inline(always)]
pub fn sides<M: Mask>(m: M) -> (bool, bool) {
    (m.any(), !m.all())
}

/// The value of `if m { a } else { b }` from the sides [`sides`] asked for: the one side
/// computed, or both selected lane by lane.
#[inline(always)]
pub fn merge<M: Mask, O: Select<M>>(m: M, a: Option<O>, b: Option<O>) -> O {
    match (a, b) {
        (Some(a), Some(b)) => O::select(m, a, b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => unreachable!("`sides` asks for at least one side"),
    }
}

/// `if m { a } else { b }` lane by lane, both sides computed: what generated code writes
/// where both sides are a few instructions (cheaper than [`sides`]' test and branch).
#[inline(always)]
pub fn select<M, O: Select<M>>(m: M, a: O, b: O) -> O {
    O::select(m, a, b)
}

/// `pair` rounded where [`Dd::settle`](crate::Dd::settle) trusts it, `fallback()` in the
/// other lanes, called only when some lane needs it.
#[inline(always)]
pub fn settled_or<F: Float, R: crate::dd::Repr<F>>(pair: crate::dd::Dd<F, R>, fallback: impl FnOnce() -> F) -> F {
    let (v, ok) = pair.settle();
    let (_, refused) = sides(ok);
    merge(ok, Some(v), if refused { Some(fallback()) } else { None })
}

/// `pair` rounded where [`Dd::settle`](crate::Dd::settle) trusts it, `fallback` (computed
/// in every lane) in the others: [`settled_or`] for a fallback of a few instructions, which
/// costs less than the test and branch that would skip it.
#[inline(always)]
pub fn settled_else<F: Float, R: crate::dd::Repr<F>>(pair: crate::dd::Dd<F, R>, fallback: F) -> F {
    let (v, ok) = pair.settle();
    F::select(ok, v, fallback)
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

/// [`unless`] with `$fallback` written in place in an optimised build: a closure is a
/// function of its own, which the compiler may leave uninlined and then compiles without
/// the instruction set [`crate::dispatch`] chose (`tails::mul_small_logs`' log-domain
/// product, so compiled apart, called each 512-bit intrinsic of the AVX-512 lanes). With
/// debug assertions a closure, as `__lanes_if!` keeps one, so that an unoptimised kernel's
/// frame does not hold the fallback's temporaries.
#[cfg(not(debug_assertions))]
macro_rules! unless_in_place {
    ($rare:expr, $value:expr, $fallback:expr) => {{
        let (rare, value) = ($rare, $value);
        if $crate::float::Mask::any(rare) {
            $crate::float::Float::select(rare, $fallback, value)
        } else {
            value
        }
    }};
}

/// See the optimised build's definition.
#[cfg(debug_assertions)]
macro_rules! unless_in_place {
    ($rare:expr, $value:expr, $fallback:expr) => {
        $crate::float::unless($rare, $value, || $fallback)
    };
}
pub(crate) use unless_in_place;

/// `$body`, an elementary function of scalars of the lane type `$lanes` over the arguments
/// `$a`, compiled for FMA where the build's target CPU has none but the machine's does
/// (x86-64), so that its fused multiply-adds are instructions rather than calls of the
/// library's `fma`, which also make the compiler save and restore every live register
/// around them (σ of an `f32` in a default build: 22 ns per call through the library,
/// 4.4–5.3 compiled for FMA, 6.1 before the polynomials took fused multiply-adds). The same bits
/// either way: `mul_add` rounds once on every path (`crate::math`). For lanes (`LANES >
/// 1`) `$body` runs as it is: slice kernels are already compiled for the instruction set
/// [`crate::dispatch`] chose. (Only `mul_add` gains: `Float::FAST_FMA` is fixed when the
/// crate is compiled, so the error-free products inside keep Dekker's split — the same
/// pair, slower.) The body goes into a function of its own, generic over
/// `[$g]` — not a closure, which the compiler may leave uninlined and compiled without
/// FMA; the `#[inline(always)]` functions it calls are inlined into it.
macro_rules! fused {
    ($lanes:ty, [$($g:tt)*], ($($a:ident: $at:ty),*) -> $r:ty, $body:expr) => {{
        #[cfg(all(target_arch = "x86_64", not(target_feature = "fma")))]
        #[target_feature(enable = "fma")]
        unsafe fn with_fma<$($g)*>($($a: $at),*) -> $r {
            $body
        }
        #[cfg(all(target_arch = "x86_64", not(target_feature = "fma")))]
        let r = if <$lanes as $crate::float::Float>::LANES == 1 && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has FMA.
            unsafe { with_fma($($a),*) }
        } else {
            $body
        };
        #[cfg(not(all(target_arch = "x86_64", not(target_feature = "fma"))))]
        let r = $body;
        r
    }};
}
pub(crate) use fused;

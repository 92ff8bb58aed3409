//! Compensated numbers: the type compensated generated code computes in.
//!
//! A compound derivative such as mish'' multiplies and adds a dozen rounded values, and a
//! cancellation in its last bracket can amplify their rounding errors past the accuracy
//! bar. The `compensate` pass of the engine emits such a function over [`Dd<T>`] instead
//! of `T`: every `+ - * /` carries about twice the precision of `T`, and every function
//! value carries the low part of its argument through a first-order correction, so what
//! remains is the error of the few library calls underneath (at most about half an ULP
//! each; for `f64` pairs `exp`, `expm1`, `ln` and `log1p` are the unrounded pairs of the
//! runtime's own kernels, within 2^-56), not of the arithmetic around them.
//! [`Dd::settle`] rounds the result to `T` and says in which lanes it can be trusted;
//! generated code runs its plain form in the others.
//!
//! One API, two representations ([`Repr`]). [`Dd<T>`] takes the one the lane type
//! chooses ([`Float::DdRepr`]):
//!
//! - `f64` and its lanes: a **double-double** ([`pair::Pair`]), `hi + lo` with Dekker's
//!   and Knuth's error-free transformations (one fused multiply-add per product where the
//!   lanes have FMA);
//! - `f32` and its lanes: **one `f64`** ([`wide::Wide`]). Every `f32` is an `f64`, and
//!   `f64`'s 53 bits are more than a pair of `f32`s holds (48), so an `f64` operation does
//!   what about twenty `f32` operations of the error-free transformations do — without
//!   FMA, Dekker's product alone is seventeen. `exp`, `expm1`, `tanh`, `sigmoid`,
//!   `softplus`, `erf` and `erfc` are computed in `f64` to about 2^-30
//!   (`math::exp_wide_range`, `math::erfc_wide_range`); the other functions take their
//!   `f32` value and the first-order correction, as the pair does.
//!
//! [`DdPair<T>`] is the double-double for `f32` too. A pair's bits come in two runs with
//! any gap between them, `f64`'s in one run of 53: 1 + tanh(40)·(−tanh(40) − 6e-18) keeps
//! its −6e-18 in pairs and loses it in `f64`. The engine probes each compensated form in
//! both at expansion time and emits `DdPair` where `f64` loses (`passes::compensate`).
//!
//! Both refuse what they cannot carry ([`Dd::settle`]): non-finite values, subnormal or
//! zero results (the plain code's tail devices decide there), and values that lost bits on
//! the way (a decaying factor that underflowed, a product that landed in the subnormal
//! range, an `exp` or `erfc` beyond `f64`'s normal range for the wide form), which are
//! poisoned with a NaN that every later operation propagates. Generated code writes a
//! product as [`Dd::mul_normal`] where the engine has proven that no such loss can reach
//! the settled result; the wide form then leaves the test out.
//!
//! Scalars and lanes compute the same operations in the same order, so a slice kernel
//! gives the same bits as the scalar function in either representation.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Add, Div, Mul, Neg, Sub};

use crate::float::{fused, Float, Select};
use crate::real::Real;

pub mod pair;
pub mod wide;

use pair::Pair;

/// Error-free sum: `(s, e)` with `s = fl(a + b)` and `a + b = s + e` exactly (Knuth).
#[inline(always)]
pub fn two_sum<T: Float>(a: T, b: T) -> (T, T) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Error-free product: `(p, e)` with `p = fl(a b)` and `a b = p + e` exactly: one fused
/// multiply-add where the lanes know the CPU has it, else Dekker's splitting (a software
/// `fma` would be far slower). Both paths give the same bits wherever `p` is normal (the
/// exact pair, or where the error is below the subnormal range, `e` rounded once as the
/// multiply-add rounds it) or not finite (`-p` where the product overflows from finite
/// factors, NaN where a factor is not finite; NaN payloads aside). Dekker's algorithm alone
/// would not: its split of a factor within 2^⌈p/2⌉ of the top of the range overflows, and
/// so can its high parts' product where `p` is near the top, and where `p` is below
/// [`Real::SPLIT_FLOOR`](crate::Real) its partial products round on the subnormal grid.
/// There (rare: tested for any lane) it scales a factor by a power of two — the larger down
/// by `SPLIT_SCALE` near the top, the smaller up by `SPLIT_RAISE` near the bottom —, and
/// scales the exact error of that product back. (A subnormal `p` keeps Dekker's error:
/// pairs refuse such products anyway.) Until this scaling (`docs/speed.md`), both paths
/// gave a factor near the top a NaN error term, the fused path paying six operations per
/// product to compute the same NaN.
#[inline(always)]
pub fn two_prod<T: Float>(a: T, b: T) -> (T, T) {
    let p = a * b;
    if T::FAST_FMA {
        return (p, a.mul_add(b, -p));
    }
    let dekker = |a: T, b: T, p: T| {
        let split = T::split_factor();
        let halves = |v: T| {
            let t = split * v;
            let hi = t - (t - v);
            (hi, v - hi)
        };
        let ((ah, al), (bh, bl)) = (halves(a), halves(b));
        ((ah * bh - p) + ah * bl + al * bh) + al * bl
    };
    let e = dekker(a, b, p);
    let size = p.abs();
    let low = size.lt(T::splat(T::Scalar::SPLIT_FLOOR)) & size.ge(T::splat(T::Scalar::MIN_POSITIVE));
    // Dekker's error is not finite only where something overflowed, or a factor is not
    // finite. The fallback runs for every lane of a vector that has such a lane (`unless`).
    let e = crate::float::unless(!e.is_finite() | low, e, || {
        // p finite and not low: the larger factor is at least 2^(emax/2), the one that
        // overflows. p low: the larger is below 2^(p + 8), the smaller below √SPLIT_FLOOR.
        let a_larger = a.abs().ge(b.abs());
        let scale_a = (a_larger & !low) | (!a_larger & low);
        let one = T::from_f64(1.0);
        let s = T::select(low, T::splat(T::Scalar::SPLIT_RAISE), T::splat(T::Scalar::SPLIT_SCALE));
        let (sa, sb) = (T::select(scale_a, s, one), T::select(scale_a, one, s));
        let (a2, b2) = (a * sa, b * sb);
        // p2 = p s exactly (p normal), and e = e2 / s, rounded once where it is subnormal.
        let scaled = dekker(a2, b2, a2 * b2) / s;
        // What the fused multiply-add gives where the product is not finite: the exact
        // product minus ±∞ (finite factors), or NaN.
        let beyond = T::select(a.is_finite() & b.is_finite(), -p, T::from_f64(f64::NAN));
        T::select(p.is_finite(), scaled, beyond)
    });
    (p, e)
}

/// How [`Dd<T>`] holds its value: the operations whose algorithms differ between the
/// double-double ([`pair::Pair`]) and the `f64` ([`wide::Wide`]) representation. Everything
/// else on [`Dd`] is written once on top of these. Implemented by this crate's two
/// representations only; generated code never names it.
#[doc(hidden)]
pub trait Repr<T: Float>: Select<T::Mask> + Copy + fmt::Debug + Send + Sync + 'static {
    /// An exact `T`.
    fn new(v: T) -> Self;
    /// A constant known as a double-double `hi + lo` of `f64`s.
    fn constant(hi: f64, lo: f64) -> Self;
    /// `(hi, lo)`: the value rounded to `T`, and (rounded to `T`) what that leaves out.
    fn parts(self) -> (T, T);
    /// `hi + lo` for `|lo| ≤ ulp(hi) / 2`.
    fn from_parts(hi: T, lo: T) -> Self;
    /// `value + slope · lo`: a function's value at `hi` corrected to first order for an
    /// argument `hi + lo`.
    fn function(value: T, slope: T, lo: T) -> Self;
    /// See [`Dd::settle`].
    fn settle(self) -> (T, T::Mask);
    /// |self|.
    fn abs(self) -> Self;
    /// The larger of two values.
    fn max(self, other: Self) -> Self;
    /// The smaller of two values.
    fn min(self, other: Self) -> Self;
    /// Whether the value is finite in `T` and not poisoned.
    fn is_finite(self) -> T::Mask;
    /// −self.
    fn neg(self) -> Self;
    /// self + b.
    fn add(self, b: Self) -> Self;
    /// self · b, poisoned where a product of nonzero factors underflowed.
    fn mul(self, b: Self) -> Self;
    /// self / b, poisoned where a nonzero quotient underflowed.
    fn div(self, b: Self) -> Self;
    /// self · b without the underflow test, in every representation (see
    /// [`Dd::mul_unchecked`]).
    fn mul_unchecked(self, b: Self) -> Self;
    /// [`mul_unchecked`](Self::mul_unchecked) by an exact `T`.
    #[inline(always)]
    fn mul_plain_unchecked(self, b: T) -> Self {
        self.mul_unchecked(Self::new(b))
    }
    /// [`mul_unchecked`](Self::mul_unchecked) of two exact `T`s.
    #[inline(always)]
    fn product_unchecked(a: T, b: T) -> Self {
        Self::new(a).mul_unchecked(Self::new(b))
    }
    /// self · b where the engine has shown that an underflow cannot matter (see
    /// [`Dd::mul_normal`]): the same as [`mul`](Self::mul) unless a representation can
    /// rely on that.
    #[inline(always)]
    fn mul_normal(self, b: Self) -> Self {
        self.mul(b)
    }
    /// self / b under the same promise for the quotient and for 1/b.
    #[inline(always)]
    fn div_normal(self, b: Self) -> Self {
        self.div(b)
    }
    /// self · b for an exact `T` b: the same as [`mul`](Self::mul) unless a representation
    /// can do less for a factor without a low part.
    #[inline(always)]
    fn mul_plain(self, b: T) -> Self {
        self.mul(Self::new(b))
    }
    /// self / b for an exact `T` b, as [`mul_plain`](Self::mul_plain).
    #[inline(always)]
    fn div_plain(self, b: T) -> Self {
        self.div(Self::new(b))
    }
    /// a + b for exact `T`s a and b.
    #[inline(always)]
    fn sum(a: T, b: T) -> Self {
        Self::new(a).add(Self::new(b))
    }
    /// a · b for exact `T`s a and b, poisoned where a product of nonzero factors
    /// underflowed.
    #[inline(always)]
    fn product(a: T, b: T) -> Self {
        Self::new(a).mul(Self::new(b))
    }
    /// [`mul_plain`](Self::mul_plain) under the promise of [`mul_normal`](Self::mul_normal).
    #[inline(always)]
    fn mul_plain_normal(self, b: T) -> Self {
        self.mul_normal(Self::new(b))
    }
    /// [`div_plain`](Self::div_plain) under the promise of [`div_normal`](Self::div_normal).
    #[inline(always)]
    fn div_plain_normal(self, b: T) -> Self {
        self.div_normal(Self::new(b))
    }
    /// √self.
    fn sqrt(self) -> Self;
    /// self^b.
    fn powf(self, b: Self) -> Self;
    /// e^self.
    fn exp(self) -> Self;
    /// e^self − 1.
    fn expm1(self) -> Self;
    /// ln self: by default `T`'s logarithm at the high part, corrected to first order.
    #[inline(always)]
    fn ln(self) -> Self {
        let (hi, lo) = self.parts();
        Self::function(hi.ln(), T::from_f64(1.0) / hi, lo)
    }
    /// ln(1 + self): by default `T`'s at the high part, corrected to first order.
    #[inline(always)]
    fn log1p(self) -> Self {
        let (hi, lo) = self.parts();
        Self::function(hi.log1p(), T::from_f64(1.0) / (T::from_f64(1.0) + hi), lo)
    }
    /// arctan self: by default `T`'s at the high part, corrected to first order.
    #[inline(always)]
    fn atan(self) -> Self {
        let (hi, lo) = self.parts();
        let one = T::from_f64(1.0);
        Self::function(hi.atan(), one / (one + hi * hi), lo)
    }
    /// tanh self.
    fn tanh(self) -> Self;
    /// σ(self).
    fn sigmoid(self) -> Self;
    /// (σ(self), σ(−self)).
    fn sigmoid_pair(self) -> (Self, Self);
    /// (tanh self, σ(2 self), σ(−2 self)) (see [`Dd::tanh_sigmoid2`]): by default the
    /// three calls, 2 self exact.
    #[inline(always)]
    fn tanh_sigmoid2(self) -> (Self, Self, Self) {
        let (a, b) = self.mul_plain_normal(T::from_f64(2.0)).sigmoid_pair();
        (self.tanh(), a, b)
    }
    /// ln(1 + e^self).
    fn softplus(self) -> Self;
    /// erf self.
    fn erf(self) -> Self;
    /// 1 − erf self, refused (poisoned) where it has left the normal range.
    fn erfc(self) -> Self;
    /// erfc self rounded to `T` (see [`Dd::erfc_value`]).
    fn erfc_value(self) -> T;
    /// σ(self) rounded to `T` (see [`Dd::sigmoid_value`]).
    fn sigmoid_value(self) -> T;
    /// (σ(self), σ(−self)) rounded to `T` (see [`Dd::sigmoid_pair_value`]).
    fn sigmoid_pair_value(self) -> (T, T);
    /// e^self rounded to `T` (see [`Dd::exp_value`]).
    fn exp_value(self) -> T;

    /// Whether [`sigmoid_value`](Self::sigmoid_value), [`exp_value`](Self::exp_value) and
    /// [`erfc_value`](Self::erfc_value) cost about what `T`'s own function does and are
    /// accurate at every argument (a poisoned value giving NaN), so that generated code
    /// computes a refined argument everywhere, not only in the tails (`refined_or!`): true
    /// for the `f64` of `f32`, where the function of the `f64` argument is computed and
    /// rounded once; false for pairs, which correct `T`'s function to first order.
    const VALUES_EVERYWHERE: bool;
}

/// A compensated number over `T` (`f32`, `f64` or lanes of either) held as `R`: by default
/// the representation the lane type chooses ([`Float::DdRepr`]: one `f64` per lane for
/// `f32`, a double-double for `f64`); [`DdPair<T>`] is a double-double for either. See the
/// module documentation for what each carries and how.
pub struct Dd<T: Float, R: Repr<T> = <T as Float>::DdRepr>(R, PhantomData<T>);

/// A double-double over `T`, `f32` included: where a compensated form needs what a pair
/// keeps and one `f64` does not — a tiny term beside 1 (1 − tanh²(40) ≈ 7e-35 next to
/// σ(−40) ≈ 4e-18), which a pair holds in its low part and `f64`'s 53 contiguous bits
/// lose. The engine chooses it per function by probing (`passes::compensate`).
pub type DdPair<T> = Dd<T, Pair<T>>;

/// A double-double over `T` whose products and quotients are not tested for underflow:
/// the arithmetic of [`DdPair`], step for step, without the tests and the poisoning that
/// make compensated rational forms (softsign′ = 1/(1 + |x|)²) several times slower than
/// their plain code. Only for code whose every step the engine has shown to stay inside
/// [2^-60, 2^60] in magnitude on the inputs it runs on (`activation_core`'s `emit::lean`:
/// generated code tests the inputs once and takes [`Dd`] in the lanes outside), where
/// every error-free transformation is exact and no test could fire; then
/// [`rounded`](Dd::rounded) gives the result.
pub type DdLean<T> = Dd<T, Pair<T, false>>;

/// `$f` of the representation `$a`, through [`fused!`]: for a scalar `T` in a build
/// without FMA, compiled for FMA where the CPU has it.
macro_rules! repr_fused {
    ($a:expr, $f:ident -> $r:ty) => {{
        let a = $a;
        fused!(T, [T: Float, R: Repr<T>], (a: R) -> $r, a.$f())
    }};
}

impl<T: Float, R: Repr<T>> Clone for Dd<T, R> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Float, R: Repr<T>> Copy for Dd<T, R> {}

impl<T: Float, R: Repr<T>> fmt::Debug for Dd<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (hi, lo) = self.parts();
        f.debug_struct("Dd").field("hi", &hi).field("lo", &lo).finish()
    }
}

impl<T: Float, R: Repr<T>> Select<T::Mask> for Dd<T, R> {
    #[inline(always)]
    fn select(m: T::Mask, a: Self, b: Self) -> Self {
        Dd(Select::select(m, a.0, b.0), PhantomData)
    }
}

impl<T: Float, R: Repr<T>> Dd<T, R> {
    /// An exact `T`.
    #[inline(always)]
    pub fn new(v: T) -> Self {
        Dd(R::new(v), PhantomData)
    }

    /// A constant known as a double-double `hi + lo` of `f64`s (exact enough for either
    /// `T`).
    #[inline(always)]
    pub fn constant(hi: f64, lo: f64) -> Self {
        Dd(R::constant(hi, lo), PhantomData)
    }

    /// `hi + lo` with `|lo| ≤ ulp(hi) / 2`.
    #[inline(always)]
    pub fn from_parts(hi: T, lo: T) -> Self {
        Dd(R::from_parts(hi, lo), PhantomData)
    }

    /// `(hi, lo)`: the value rounded to `T`, and what that leaves out (rounded to `T`).
    #[inline(always)]
    pub fn parts(self) -> (T, T) {
        self.0.parts()
    }

    /// The value rounded to `T`, and the lanes where it can be trusted. Refused: not finite,
    /// poisoned (see the module documentation), or itself subnormal or 0 (where the plain
    /// code's tail devices decide). Generated code computes its plain fallback only when
    /// some lane is refused (`__private::sides`, `merge`).
    #[inline(always)]
    pub fn settle(self) -> (T, T::Mask) {
        self.0.settle()
    }

    /// The value rounded to `T`, in every lane: what [`DdLean`] code, whose range the
    /// engine has proven, takes instead of [`settle`](Self::settle).
    #[inline(always)]
    pub fn rounded(self) -> T {
        self.0.settle().0
    }

    /// Whether the value is finite in `T` (and not poisoned), lane by lane.
    #[inline(always)]
    pub fn is_finite(self) -> T::Mask {
        self.0.is_finite()
    }

    /// `f(hi)` corrected to first order by `slope(hi) · lo`: a function whose value this
    /// representation takes from `T`'s own.
    #[inline(always)]
    fn through(self, f: impl Fn(T) -> T, slope: impl Fn(T) -> T) -> Self {
        let (hi, lo) = self.parts();
        Dd(R::function(f(hi), slope(hi), lo), PhantomData)
    }

    /// |self|.
    #[inline(always)]
    pub fn abs(self) -> Self {
        Dd(self.0.abs(), PhantomData)
    }

    /// The larger of two values.
    #[inline(always)]
    pub fn max(self, other: Self) -> Self {
        Dd(self.0.max(other.0), PhantomData)
    }

    /// The smaller of two values.
    #[inline(always)]
    pub fn min(self, other: Self) -> Self {
        Dd(self.0.min(other.0), PhantomData)
    }

    /// `self^n` by repeated squaring (squares and cubes, the common cases, without a loop);
    /// negative `n` through one division.
    #[inline(always)]
    pub fn powi(self, n: i32) -> Self {
        self.power::<false>(n)
    }

    /// `self^n` under the promise of [`mul_normal`](Self::mul_normal): every partial
    /// product (and, for negative `n`, the reciprocal) stays in `f64`'s normal range.
    #[inline(always)]
    pub fn powi_normal(self, n: i32) -> Self {
        self.power::<true>(n)
    }

    /// `self^n` with products and the quotient as [`mul_normal`](Self::mul_normal) and
    /// [`div_normal`](Self::div_normal) where `NORMAL`. (A constant, not a function passed
    /// in: a function value may stay a call of its own, compiled without the instruction
    /// set the slice kernel dispatched to — `fma` became a library call in `f64` softsign′,
    /// 3.3× slower.)
    #[inline(always)]
    fn power<const NORMAL: bool>(self, n: i32) -> Self {
        let acc = match n.unsigned_abs() {
            0 => Self::new(T::from_f64(1.0)),
            1 => self,
            2 => self.times::<NORMAL>(self),
            3 => self.times::<NORMAL>(self).times::<NORMAL>(self),
            k => {
                let (mut base, mut k) = (self, k);
                // The lowest set bit starts the product; each further bit multiplies in.
                while k & 1 == 0 {
                    base = base.times::<NORMAL>(base);
                    k >>= 1;
                }
                let mut acc = base;
                k >>= 1;
                while k > 0 {
                    base = base.times::<NORMAL>(base);
                    if k & 1 == 1 {
                        acc = acc.times::<NORMAL>(base);
                    }
                    k >>= 1;
                }
                acc
            }
        };
        let one = Self::new(T::from_f64(1.0));
        match (n < 0, NORMAL) {
            (false, _) => acc,
            (true, true) => one.div_normal(acc),
            (true, false) => one / acc,
        }
    }

    /// `self · b`, as [`mul_normal`](Self::mul_normal) where `NORMAL`.
    #[inline(always)]
    fn times<const NORMAL: bool>(self, b: Self) -> Self {
        if NORMAL {
            self.mul_normal(b)
        } else {
            self * b
        }
    }

    /// `self · b` where the engine has shown (`activation_core`'s `emit::exponents`) that an
    /// underflow cannot matter: from `f32` operands a nonzero product stays in `f64`'s
    /// normal range (x · (x + 3) is at least 2^-350 in magnitude where it is not 0), or what
    /// an underflow loses (2^-1075 at most) reaches the settled result multiplied by at
    /// most 2^900. The `f64` form of `f32` code then leaves out its underflow test, which
    /// costs more than the product. Pairs, whose `T` may be `f64` with its subnormal
    /// inputs, test as [`Mul`] does.
    #[inline(always)]
    pub fn mul_normal(self, b: Self) -> Self {
        Dd(self.0.mul_normal(b.0), PhantomData)
    }

    /// `self / b` under the promise of [`mul_normal`](Self::mul_normal), for the quotient
    /// and for 1/b.
    #[inline(always)]
    pub fn div_normal(self, b: Self) -> Self {
        Dd(self.0.div_normal(b.0), PhantomData)
    }

    /// `self · b` for a `b` that is exactly a `T` — a variable, or a constant `T` holds
    /// (generated code writes `x` and `6.0` so): the low part a pair would carry is 0, and
    /// the product takes one error-free product and one plain one instead of a pair's
    /// three. The same value as `self * Dd::new(b)`, to the pair's precision.
    #[inline(always)]
    pub fn mul_plain(self, b: T) -> Self {
        Dd(self.0.mul_plain(b), PhantomData)
    }

    /// `a + b` for two `T`s that are exactly what they say (see
    /// [`mul_plain`](Self::mul_plain)): in pairs one error-free sum, already a pair, where a
    /// sum of pairs takes it and then adds the low parts and renormalises.
    #[inline(always)]
    pub fn sum(a: T, b: T) -> Self {
        Dd(R::sum(a, b), PhantomData)
    }

    /// `a · b` for two exact `T`s: in pairs one error-free product (tested for underflow as
    /// a product is); in the wide form the `f64` product, exact and normal for `f32`
    /// factors, untested.
    #[inline(always)]
    pub fn product(a: T, b: T) -> Self {
        Dd(R::product(a, b), PhantomData)
    }

    /// `self · b` for an exact `b` under the promise of [`mul_normal`](Self::mul_normal).
    #[inline(always)]
    pub fn mul_plain_normal(self, b: T) -> Self {
        Dd(self.0.mul_plain_normal(b), PhantomData)
    }

    /// `self · b` with no underflow test in any representation: what a refined argument
    /// (`refined_or!`) is computed with. Where a product underflows it keeps what the
    /// subnormal range holds, as the plain code's own product of the same terms does, so
    /// the refined argument is never further off than the plain one; a test would cost a
    /// comparison and a branch per product and vector, and a poisoned pair (a NaN low part)
    /// would make the function's value NaN.
    #[inline(always)]
    pub fn mul_unchecked(self, b: Self) -> Self {
        Dd(self.0.mul_unchecked(b.0), PhantomData)
    }

    /// [`mul_unchecked`](Self::mul_unchecked) by a `b` that is exactly a `T` (see
    /// [`mul_plain`](Self::mul_plain)).
    #[inline(always)]
    pub fn mul_plain_unchecked(self, b: T) -> Self {
        Dd(self.0.mul_plain_unchecked(b), PhantomData)
    }

    /// [`mul_unchecked`](Self::mul_unchecked) of two exact `T`s: one error-free product.
    #[inline(always)]
    pub fn product_unchecked(a: T, b: T) -> Self {
        Dd(R::product_unchecked(a, b), PhantomData)
    }

    /// `self / b` for a `b` that is exactly a `T` (see [`mul_plain`](Self::mul_plain)).
    #[inline(always)]
    pub fn div_plain(self, b: T) -> Self {
        Dd(self.0.div_plain(b), PhantomData)
    }

    /// `self / b` for an exact `b` under the promise of [`div_normal`](Self::div_normal).
    #[inline(always)]
    pub fn div_plain_normal(self, b: T) -> Self {
        Dd(self.0.div_plain_normal(b), PhantomData)
    }

    /// √self.
    #[inline(always)]
    pub fn sqrt(self) -> Self {
        Dd(self.0.sqrt(), PhantomData)
    }

    /// self^b: in pairs `T`'s power of the high parts corrected to first order for both low
    /// parts (b a^(b−1) · lo_a and a^b ln a · lo_b; the second only where lo_b is not 0, so
    /// that a negative base to an integer power keeps its value); in the wide form the
    /// `f64` power.
    #[inline(always)]
    pub fn powf(self, b: Self) -> Self {
        let (a, b) = (self.0, b.0);
        Dd(fused!(T, [T: Float, R: Repr<T>], (a: R, b: R) -> R, a.powf(b)), PhantomData)
    }

    /// e^self.
    #[inline(always)]
    pub fn exp(self) -> Self {
        Dd(repr_fused!(self.0, exp -> R), PhantomData)
    }

    /// e^self − 1.
    #[inline(always)]
    pub fn expm1(self) -> Self {
        Dd(repr_fused!(self.0, expm1 -> R), PhantomData)
    }

    /// The logistic function, so that only the `exp` underneath rounds (its error reaches σ
    /// damped by σ(−|u|) ≤ ½).
    #[inline(always)]
    pub fn sigmoid(self) -> Self {
        Dd(repr_fused!(self.0, sigmoid -> R), PhantomData)
    }

    /// (σ(u), σ(-u)) from one `exp` and one division: σ(-|u|) = e^-|u| σ(|u|). Forms such
    /// as σ(u) σ(-u) (the logistic density) need both.
    #[inline(always)]
    pub fn sigmoid_pair(self) -> (Self, Self) {
        let (a, b) = repr_fused!(self.0, sigmoid_pair -> (R, R));
        (Dd(a, PhantomData), Dd(b, PhantomData))
    }

    /// tanh.
    #[inline(always)]
    pub fn tanh(self) -> Self {
        Dd(repr_fused!(self.0, tanh -> R), PhantomData)
    }

    /// (tanh u, σ(2u), σ(−2u)): a form with tanh u and its slope 1 − tanh² u, which the
    /// engine writes 4 σ(2u) σ(−2u), needs all three (mish′). Pairs take them from one
    /// e^-2|u| and one division, where the three calls take two of each; the wide form
    /// makes the three calls.
    #[inline(always)]
    pub fn tanh_sigmoid2(self) -> (Self, Self, Self) {
        let (a, b, c) = repr_fused!(self.0, tanh_sigmoid2 -> (R, R, R));
        (Dd(a, PhantomData), Dd(b, PhantomData), Dd(c, PhantomData))
    }

    /// ln(1 + e^u) = max(u, 0) + ln(1 + e^-|u|), the two parts added without rounding.
    #[inline(always)]
    pub fn softplus(self) -> Self {
        Dd(repr_fused!(self.0, softplus -> R), PhantomData)
    }

    /// ln self.
    #[inline(always)]
    pub fn ln(self) -> Self {
        Dd(repr_fused!(self.0, ln -> R), PhantomData)
    }

    /// ln(1 + self).
    #[inline(always)]
    pub fn log1p(self) -> Self {
        Dd(repr_fused!(self.0, log1p -> R), PhantomData)
    }

    /// The error function.
    #[inline(always)]
    pub fn erf(self) -> Self {
        Dd(repr_fused!(self.0, erf -> R), PhantomData)
    }

    /// 1 − erf; refused where it leaves the normal range (of `T` for pairs, of `f64` for
    /// the wide form).
    #[inline(always)]
    pub fn erfc(self) -> Self {
        Dd(repr_fused!(self.0, erfc -> R), PhantomData)
    }

    /// expm1(u) − u e^u (see [`Float::expm1_sub_uexp`]); its slope is −u e^u.
    #[inline(always)]
    pub fn expm1_sub_uexp(self) -> Self {
        self.through(T::expm1_sub_uexp, |h| -(h * h.exp()))
    }

    /// sinh.
    #[inline(always)]
    pub fn sinh(self) -> Self {
        self.through(T::sinh, T::cosh)
    }

    /// cosh.
    #[inline(always)]
    pub fn cosh(self) -> Self {
        self.through(T::cosh, T::sinh)
    }

    /// arctan: in `f64` pairs the unrounded pair of the runtime's own kernel
    /// (`math::atan_pair`) corrected to first order for the low part; elsewhere `T`'s
    /// arctangent at the high part, corrected so.
    #[inline(always)]
    pub fn atan(self) -> Self {
        Dd(repr_fused!(self.0, atan -> R), PhantomData)
    }

    /// sin.
    #[inline(always)]
    pub fn sin(self) -> Self {
        self.through(T::sin, T::cos)
    }

    /// cos.
    #[inline(always)]
    pub fn cos(self) -> Self {
        self.through(T::cos, |h| -h.sin())
    }

    /// σ(self) rounded to `T`, for refined arguments: in pairs σ(hi) (1 + σ(-hi) lo), the
    /// first-order correction being exact to far below an ULP since |lo| ≤ ulp(hi); in the
    /// wide form σ of the `f64`, rounded once.
    #[inline(always)]
    pub fn sigmoid_value(self) -> T {
        repr_fused!(self.0, sigmoid_value -> T)
    }

    /// (σ(self), σ(−self)) rounded to `T`: the bits of [`sigmoid_value`](Self::sigmoid_value)
    /// of `self` and of `-self`, from one exponential and one reciprocal (as
    /// [`Float::sigmoid_pair`] is to two `sigmoid` calls). Generated code takes both sides of
    /// a refined argument from it where a formula holds σ(u) and σ(−u) (GELU′, swish′).
    #[inline(always)]
    pub fn sigmoid_pair_value(self) -> (T, T) {
        repr_fused!(self.0, sigmoid_pair_value -> (T, T))
    }

    /// e^self rounded to `T`, for refined arguments: in pairs e^hi (1 + lo), ∞ where e^hi
    /// overflows (the correction `e · lo` would then be ∞ · lo, and ∞ − ∞ for a negative
    /// `lo`); in the wide form e^ of the `f64`, rounded once.
    #[inline(always)]
    pub fn exp_value(self) -> T {
        repr_fused!(self.0, exp_value -> T)
    }

    /// erfc(self) rounded to `T`, for arguments refined in pairs: erfc(hi) − (2/√π) e^(−hi²)
    /// lo in pairs, erfc of the `f64` rounded once in the wide form.
    #[inline(always)]
    pub fn erfc_value(self) -> T {
        repr_fused!(self.0, erfc_value -> T)
    }
}

impl<T: Real, R: Repr<T>> Dd<T, R> {
    /// The value rounded to `T`, or `None` where it cannot be trusted (see
    /// [`settle`](Self::settle)).
    #[inline]
    pub fn settled(self) -> Option<T> {
        let (v, ok) = self.settle();
        ok.then_some(v)
    }
}

/// d/du erf(u) = (2/√π) e^(−u²).
#[inline(always)]
pub(crate) fn gaussian_slope<T: Float>(u: T) -> T {
    T::from_f64(core::f64::consts::FRAC_2_SQRT_PI) * (-(u * u)).exp()
}

impl<T: Float, R: Repr<T>> Neg for Dd<T, R> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Dd(self.0.neg(), PhantomData)
    }
}

impl<T: Float, R: Repr<T>> Add for Dd<T, R> {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        Dd(self.0.add(b.0), PhantomData)
    }
}

impl<T: Float, R: Repr<T>> Sub for Dd<T, R> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self + -b
    }
}

impl<T: Float, R: Repr<T>> Mul for Dd<T, R> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        Dd(self.0.mul(b.0), PhantomData)
    }
}

impl<T: Float, R: Repr<T>> Div for Dd<T, R> {
    type Output = Self;
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        Dd(self.0.div(b.0), PhantomData)
    }
}

#[cfg(test)]
mod tests;

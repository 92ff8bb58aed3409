//! The slice kernels of the catalog beside two baselines, in one run (`cargo bench --bench
//! kernels`, or `cargo xtask bench`, which also runs a `target-cpu=native` build and
//! writes the ratios into `docs/speed.md`):
//!
//! - `ours`: the generated `forward_slice`, `backward_slice` and `with_derivative_slice`
//!   (lanes chosen at run time);
//! - `vec`: the same formulas hand-written as plain loops over a branch-free polynomial
//!   `exp` (and `ln`, `tanh` built on it) that LLVM vectorises — the way XNNPACK and
//!   Eigen write activations — compiled like the rest of this file (SSE2 on a default
//!   build, AVX-512 with `target-cpu=native`); the erf-form GELU, whose `erf` no such
//!   polynomial gives within an ULP, over the runtime's lane types and its `erfc` (within
//!   1 ULP), as a hand-written SIMD kernel with an accurate `erfc` is written
//!   ([`lanes_gelu_erf`]);
//! - `libm`: the formulas PyTorch uses, per element, with the platform's `libm`.
//!
//! Names read `<precision>_<kernel>_<implementation>/<length>/<activation>`; `xtask bench`
//! takes the fastest sample of each.

use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::OnceLock;

use activation::catalog as c;
use activation::{Activation, Real};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

/// The activations timed, by name.
const NAMES: &[&str] = &[
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "prelu",
    "elu",
    "swish",
    "gelu",
    "gelu_erf",
    "silu",
    "softplus",
    "mish",
    "selu",
    "celu",
    "logsigmoid",
    "softsign",
    "hardtanh",
    "hardsigmoid",
    "hardswish",
];

/// Swish's β in the hand-written kernels: the catalog's default, which `Swish::default()`
/// gives the generated ones.
const SWISH_BETA: f64 = 1.0;

/// 4096 inputs (in cache) and 16 M inputs (from DRAM).
const SMALL: usize = 4096;
const LARGE: usize = 1 << 24;

/// Inputs spread over [-10, 10] (both tails and the middle), gradients near 1.
struct Data<T> {
    x: Vec<T>,
    g: Vec<T>,
    a: Vec<T>,
    b: Vec<T>,
}

fn data<T: Real>(n: usize) -> Data<T> {
    let x = (0..n).map(|i| T::from_f64(-10.0 + 20.0 * ((i * 7919) % n) as f64 / n as f64)).collect();
    let g = (0..n).map(|i| T::from_f64(0.5 + (i % 13) as f64 / 13.0)).collect();
    Data { x, g, a: vec![T::from_f64(0.0); n], b: vec![T::from_f64(0.0); n] }
}

fn with_data<T: Real>(n: usize, f: impl FnOnce(&mut Data<T>)) {
    // The 16 M-input arrays are built once per precision and reused.
    static F32: OnceLock<std::sync::Mutex<Data<f32>>> = OnceLock::new();
    static F64: OnceLock<std::sync::Mutex<Data<f64>>> = OnceLock::new();
    if n != LARGE {
        return f(&mut data(n));
    }
    let any: &dyn std::any::Any = if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>() {
        F32.get_or_init(|| std::sync::Mutex::new(data(LARGE)))
    } else {
        F64.get_or_init(|| std::sync::Mutex::new(data(LARGE)))
    };
    let lock = any.downcast_ref::<std::sync::Mutex<Data<T>>>().expect("f32 or f64");
    f(&mut lock.lock().expect("not poisoned"))
}

/// One activation's three slice kernels, as function pointers.
struct Kernels<T> {
    forward: fn(&[T], &mut [T]),
    backward: fn(&[T], &[T], &mut [T]),
    fused: fn(&[T], &mut [T], &mut [T]),
}

fn ours_of<A: Activation + Default, T: Real>() -> Kernels<T> {
    Kernels {
        forward: |x, y| A::default().forward_slice(x, y),
        backward: |x, g, d| A::default().backward_slice(x, g, d),
        fused: |x, y, d| A::default().with_derivative_slice(x, y, d),
    }
}

fn ours<T: Real>(name: &str) -> Kernels<T> {
    match name {
        "sigmoid" => ours_of::<c::Sigmoid, T>(),
        "tanh" => ours_of::<c::Tanh, T>(),
        "relu" => ours_of::<c::Relu, T>(),
        "leaky_relu" => ours_of::<c::LeakyRelu, T>(),
        "prelu" => ours_of::<c::Prelu, T>(),
        "elu" => ours_of::<c::Elu, T>(),
        "swish" => ours_of::<c::Swish, T>(),
        "gelu" => ours_of::<c::Gelu, T>(),
        "gelu_erf" => ours_of::<c::GeluErf, T>(),
        "silu" => ours_of::<c::Silu, T>(),
        "softplus" => ours_of::<c::Softplus, T>(),
        "mish" => ours_of::<c::Mish, T>(),
        "selu" => ours_of::<c::Selu, T>(),
        "celu" => ours_of::<c::Celu, T>(),
        "logsigmoid" => ours_of::<c::Logsigmoid, T>(),
        "softsign" => ours_of::<c::Softsign, T>(),
        "hardtanh" => ours_of::<c::Hardtanh, T>(),
        "hardsigmoid" => ours_of::<c::Hardsigmoid, T>(),
        "hardswish" => ours_of::<c::Hardswish, T>(),
        _ => unreachable!("{name}"),
    }
}

/// Arithmetic the hand-written formulas need, for `f32` and `f64`.
trait Num:
    Copy
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    fn c(v: f64) -> Self;
    fn abs(self) -> Self;
    fn max(self, b: Self) -> Self;
    fn min(self, b: Self) -> Self;
    /// 2^k for an integer-valued k in the normal range, through the exponent bits (a float
    /// to integer `as` cast would not vectorise).
    fn pow2i(self) -> Self;
    /// Round to the nearest integer (|x| < 2^22).
    fn round(self) -> Self;
    /// The polynomial of `exp` on [-ln 2 / 2, ln 2 / 2] (Taylor, as hand-written kernels do).
    fn exp_poly(r: Self) -> Self;
    /// Σ s2^k / (2k + 1) over the terms of the atanh series of `ln` (2 s Σ s^2k / (2k + 1)),
    /// by Horner's scheme over constant coefficients, as [`exp_poly`](Num::exp_poly).
    fn atanh_poly(s2: Self) -> Self;
    /// The runtime's erfc, `activation::Float::erfc` (within 1 ULP): `Poly`'s Φ.
    fn erfc(self) -> Self;
}

macro_rules! num {
    ($t:ty, $bits:ty, $magic:expr, $shift:expr, $round:expr, $degree:expr, $ln_terms:expr) => {
        impl Num for $t {
            #[inline(always)]
            fn c(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max(self, b: Self) -> Self {
                if self > b {
                    self
                } else {
                    b
                }
            }
            #[inline(always)]
            fn min(self, b: Self) -> Self {
                if self < b {
                    self
                } else {
                    b
                }
            }
            #[inline(always)]
            fn pow2i(self) -> Self {
                <$t>::from_bits((self + $magic).to_bits() << $shift)
            }
            #[inline(always)]
            fn round(self) -> Self {
                (self + $round) - $round
            }
            #[inline(always)]
            fn exp_poly(r: Self) -> Self {
                // Horner's scheme over the coefficients 1/k!, constants of the compiled
                // code: multiplications and additions only, as hand-written kernels are.
                // (Written as p·r/k + 1, as this bench had it until the record of
                // `docs/speed.md` says, the divisions by 3, 5, 6, 7 … stayed divisions —
                // only those by powers of two become multiplications — and the kernels
                // built on this `exp` took 1.4–1.8 times as long in `f32`, 1.8–3 in `f64`.)
                const C: [f64; $degree + 1] = {
                    let mut c = [1.0; $degree + 1];
                    let mut k = 1;
                    while k <= $degree {
                        c[k] = c[k - 1] / k as f64;
                        k += 1;
                    }
                    c
                };
                let mut p = C[$degree] as $t;
                let mut k = $degree;
                while k > 0 {
                    k -= 1;
                    p = p * r + C[k] as $t;
                }
                p
            }
            #[inline(always)]
            fn erfc(self) -> Self {
                <$t as activation::Float>::erfc(self)
            }
            #[inline(always)]
            fn atanh_poly(s2: Self) -> Self {
                // (Computed in the loop as 1 / (2k + 1), the coefficients were sixteen
                // divisions per element in `f64`, where the loop was not unrolled.)
                const C: [f64; $ln_terms] = {
                    let mut c = [1.0; $ln_terms];
                    let mut k = 0;
                    while k < $ln_terms {
                        c[k] = 1.0 / (2 * k + 1) as f64;
                        k += 1;
                    }
                    c
                };
                let mut p = C[$ln_terms - 1] as $t;
                let mut k = $ln_terms - 1;
                while k > 0 {
                    k -= 1;
                    p = p * s2 + C[k] as $t;
                }
                p
            }
        }
    };
}

num!(f32, u32, 12_583_039.0f32, 23, 12_582_912.0f32, 7, 7);
num!(f64, u64, 6_755_399_441_056_767.0f64, 52, 6_755_399_441_055_744.0f64, 13, 16);

/// The elementary functions a formula calls: vectorisable polynomials or `libm`.
trait Math<T: Num> {
    fn exp(x: T) -> T;
    fn ln_1p(x: T) -> T;
    fn tanh(x: T) -> T;
    /// Φ(x), the normal distribution's CDF.
    fn normal_cdf(x: T) -> T;
}

/// Branch-free polynomial approximations, as hand-written SIMD kernels use.
struct Poly;

impl<T: Num> Math<T> for Poly {
    #[inline(always)]
    fn exp(x: T) -> T {
        let x = x.max(T::c(-87.0)).min(T::c(88.0));
        let k = (x * T::c(std::f64::consts::LOG2_E)).round();
        let r = x - k * T::c(0.693_145_751_953_125) - k * T::c(1.428_606_820_309_417_3e-6);
        T::exp_poly(r) * k.pow2i()
    }
    #[inline(always)]
    fn ln_1p(x: T) -> T {
        // For x in [0, 1] (softplus's e^-|x|): 2 atanh(x / (2 + x)).
        let s = x / (T::c(2.0) + x);
        T::c(2.0) * s * T::atanh_poly(s * s)
    }
    #[inline(always)]
    fn tanh(x: T) -> T {
        let e = Self::exp(T::c(-2.0) * x.abs());
        let t = (T::c(1.0) - e) / (T::c(1.0) + e);
        if x < T::c(0.0) {
            -t
        } else {
            t
        }
    }
    #[inline(always)]
    fn normal_cdf(x: T) -> T {
        // erfc(−x/√2)/2: no cancellation in the left tail. (A loop over this scalar code is
        // not vectorised: 13.7 ns per element in `f64` with `target-cpu=native`, the lanes
        // of `lanes_gelu_erf` beside it in one run. The Abramowitz–Stegun erf (7.1.26) that
        // this file used before the record of 2026-12-06 vectorises, and is 1.5e-7 off:
        // about 10^9 `f64` ULPs, 10^4 `f32` ULPs at erf(10^-4), and 1 + erf(x/√2) cancels to
        // 0 from x ≈ −5.5 — not the same function.)
        T::c(0.5) * (-(x * T::c(std::f64::consts::FRAC_1_SQRT_2))).erfc()
    }
}

/// The platform's `libm`, per element.
struct Libm;

macro_rules! libm_math {
    ($t:ty, $erf:path) => {
        impl Math<$t> for Libm {
            fn exp(x: $t) -> $t {
                x.exp()
            }
            fn ln_1p(x: $t) -> $t {
                x.ln_1p()
            }
            fn tanh(x: $t) -> $t {
                x.tanh()
            }
            fn normal_cdf(x: $t) -> $t {
                // PyTorch's: (1 + erf(x/√2))/2.
                0.5 * (1.0 + $erf(x * std::f64::consts::FRAC_1_SQRT_2 as $t))
            }
        }
    };
}
libm_math!(f32, libm::erff);
libm_math!(f64, libm::erf);

/// PyTorch's formulas (stable where PyTorch's are), generic over the elementary functions.
mod formulas {
    use super::{Math, Num};

    fn sigmoid<T: Num, M: Math<T>>(x: T) -> T {
        let e = M::exp(-x.abs());
        let s = T::c(1.0) / (T::c(1.0) + e);
        if x < T::c(0.0) {
            e * s
        } else {
            s
        }
    }
    fn softplus<T: Num, M: Math<T>>(x: T) -> T {
        x.max(T::c(0.0)) + M::ln_1p(M::exp(-x.abs()))
    }
    const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
    const SELU_A: f64 = 1.673_263_242_354_377_2;
    const SELU_L: f64 = 1.050_700_987_355_480_5;

    /// (f, f') of the activation `NAMES[K]` at x (a constant, so that the choice folds away
    /// before the loop is vectorised), and swish's β = `beta`, which the kernels read
    /// before their loop as a value the compiler does not know, as the generated kernels
    /// read it from the struct (`Swish { beta }`): x σ(βx) is not silu's loop.
    #[inline(always)]
    pub fn both<T: Num, M: Math<T>, const K: usize>(x: T, beta: T) -> (T, T) {
        let name = super::NAMES[K];
        let (zero, one) = (T::c(0.0), T::c(1.0));
        let pos = x > zero;
        match name {
            "sigmoid" => {
                let s = sigmoid::<T, M>(x);
                (s, s * (one - s))
            }
            "tanh" => {
                let t = M::tanh(x);
                (t, one - t * t)
            }
            "relu" => (x.max(zero), if pos { one } else { zero }),
            "leaky_relu" | "prelu" => {
                let a = T::c(if name == "prelu" { 0.25 } else { 0.01 });
                (if pos { x } else { a * x }, if pos { one } else { a })
            }
            "elu" | "celu" => {
                let e = M::exp(x.min(zero));
                (if pos { x } else { e - one }, if pos { one } else { e })
            }
            "selu" => {
                let e = M::exp(x.min(zero));
                let (l, a) = (T::c(SELU_L), T::c(SELU_A));
                (if pos { l * x } else { l * a * (e - one) }, if pos { l } else { l * a * e })
            }
            "silu" => {
                let s = sigmoid::<T, M>(x);
                (x * s, s * (one + x * (one - s)))
            }
            "swish" => {
                let u = beta * x;
                let s = sigmoid::<T, M>(u);
                (x * s, s * (one + u * (one - s)))
            }
            "gelu" => {
                let inner = T::c(SQRT_2_OVER_PI) * (x + T::c(0.044715) * x * x * x);
                let t = M::tanh(inner);
                let d = T::c(0.5) * (one + t)
                    + T::c(0.5) * x * (one - t * t) * T::c(SQRT_2_OVER_PI) * (one + T::c(3.0 * 0.044715) * x * x);
                (T::c(0.5) * x * (one + t), d)
            }
            "gelu_erf" => {
                let cdf = M::normal_cdf(x);
                let pdf = T::c(0.398_942_280_401_432_7) * M::exp(T::c(-0.5) * x * x);
                (x * cdf, cdf + x * pdf)
            }
            "softplus" => (softplus::<T, M>(x), sigmoid::<T, M>(x)),
            "mish" => {
                let t = M::tanh(softplus::<T, M>(x));
                (x * t, t + x * sigmoid::<T, M>(x) * (one - t * t))
            }
            "logsigmoid" => (-softplus::<T, M>(-x), sigmoid::<T, M>(-x)),
            "softsign" => {
                let d = one + x.abs();
                (x / d, one / (d * d))
            }
            "hardtanh" => (x.max(-one).min(one), if x > -one && x < one { one } else { zero }),
            "hardsigmoid" => (
                (x / T::c(6.0) + T::c(0.5)).max(zero).min(one),
                if x > T::c(-3.0) && x < T::c(3.0) { T::c(1.0 / 6.0) } else { zero },
            ),
            "hardswish" => {
                let f = x * (x + T::c(3.0)).max(zero).min(T::c(6.0)) / T::c(6.0);
                let d = if x < T::c(-3.0) {
                    zero
                } else if x > T::c(3.0) {
                    one
                } else {
                    (T::c(2.0) * x + T::c(3.0)) / T::c(6.0)
                };
                (f, d)
            }
            _ => unreachable!("{name}"),
        }
    }
}

/// The three slice kernels of a formula under `M`, as loops LLVM may vectorise: the name is
/// matched once, outside the loop.
macro_rules! hand_kernels {
    ($fn_name:ident, $math:ty) => {
        fn $fn_name<T: Num>(name: &str) -> Kernels<T>
        where
            $math: Math<T>,
        {
            macro_rules! arm {
                ($n:expr) => {
                    Kernels {
                        forward: |x, y| {
                            let beta = black_box(T::c(SWISH_BETA));
                            for (o, &v) in y.iter_mut().zip(x) {
                                *o = formulas::both::<T, $math, $n>(v, beta).0;
                            }
                        },
                        backward: |x, g, d| {
                            let beta = black_box(T::c(SWISH_BETA));
                            for ((o, &v), &gi) in d.iter_mut().zip(x).zip(g) {
                                *o = gi * formulas::both::<T, $math, $n>(v, beta).1;
                            }
                        },
                        fused: |x, y, d| {
                            let beta = black_box(T::c(SWISH_BETA));
                            for ((o, p), &v) in y.iter_mut().zip(d.iter_mut()).zip(x) {
                                (*o, *p) = formulas::both::<T, $math, $n>(v, beta);
                            }
                        },
                    }
                };
            }
            match name {
                "sigmoid" => arm!(0),
                "tanh" => arm!(1),
                "relu" => arm!(2),
                "leaky_relu" => arm!(3),
                "prelu" => arm!(4),
                "elu" => arm!(5),
                "swish" => arm!(6),
                "gelu" => arm!(7),
                "gelu_erf" => arm!(8),
                "silu" => arm!(9),
                "softplus" => arm!(10),
                "mish" => arm!(11),
                "selu" => arm!(12),
                "celu" => arm!(13),
                "logsigmoid" => arm!(14),
                "softsign" => arm!(15),
                "hardtanh" => arm!(16),
                "hardsigmoid" => arm!(17),
                "hardswish" => arm!(18),
                _ => unreachable!("{name}"),
            }
        }
    };
}

hand_kernels!(poly_kernels, Poly);

/// The `vec` kernels: [`poly_kernels`], but the erf-form GELU over lanes
/// ([`lanes_gelu_erf`]).
fn vec_kernels<T: Num + Wide>(name: &str) -> Kernels<T> {
    if name == "gelu_erf" {
        lanes_gelu_erf::<T>()
    } else {
        poly_kernels::<T>(name)
    }
}

/// The widest lanes of the runtime that this file is compiled for — 16 `f32` or 8 `f64`
/// with AVX-512, 8 or 4 with AVX2 and FMA, else 4 or 2 — as a kernel written by hand over
/// them would take (a default build: SSE2).
trait Wide: activation::Float<Scalar = Self> {
    type L: activation::Float<Scalar = Self>;
}

macro_rules! wide {
    ($cfg:meta, $f32:ident, $f64:ident) => {
        #[cfg($cfg)]
        impl Wide for f32 {
            type L = activation::lanes::$f32;
        }
        #[cfg($cfg)]
        impl Wide for f64 {
            type L = activation::lanes::$f64;
        }
    };
}
wide!(target_feature = "avx512f", F32x16, F64x8);
wide!(all(not(target_feature = "avx512f"), target_feature = "avx2", target_feature = "fma"), F32x8, F64x4);
wide!(not(any(target_feature = "avx512f", all(target_feature = "avx2", target_feature = "fma"))), F32x4, F64x2);

/// The erf-form GELU written by hand over the runtime's lanes: (x Φ(x), Φ(x) + x φ(x)),
/// Φ(x) = erfc(−x/√2)/2, φ(x) = e^(−x²/2)/√(2π), whole vectors of [`Wide::L`], the rest by
/// the same code on scalars.
fn lanes_gelu_erf<T: Num + Wide>() -> Kernels<T> {
    use activation::Float;
    #[inline(always)]
    fn both<L: Float>(x: L) -> (L, L) {
        let cdf = L::from_f64(0.5) * (-(x * L::from_f64(std::f64::consts::FRAC_1_SQRT_2))).erfc();
        let pdf = L::from_f64(0.398_942_280_401_432_7) * (L::from_f64(-0.5) * x * x).exp();
        (x * cdf, cdf + x * pdf)
    }
    Kernels {
        forward: |x, y| {
            let n = <T::L as Float>::LANES;
            let split = x.len() - x.len() % n;
            for (xs, ys) in x[..split].chunks_exact(n).zip(y[..split].chunks_exact_mut(n)) {
                both(T::L::load(xs)).0.store(ys);
            }
            for (o, &v) in y[split..].iter_mut().zip(&x[split..]) {
                *o = both(v).0;
            }
        },
        backward: |x, g, d| {
            let n = <T::L as Float>::LANES;
            let split = x.len() - x.len() % n;
            for ((xs, gs), ds) in
                x[..split].chunks_exact(n).zip(g[..split].chunks_exact(n)).zip(d[..split].chunks_exact_mut(n))
            {
                (T::L::load(gs) * both(T::L::load(xs)).1).store(ds);
            }
            for ((o, &v), &gi) in d[split..].iter_mut().zip(&x[split..]).zip(&g[split..]) {
                *o = gi * both(v).1;
            }
        },
        fused: |x, y, d| {
            let n = <T::L as Float>::LANES;
            let split = x.len() - x.len() % n;
            for ((xs, ys), ds) in
                x[..split].chunks_exact(n).zip(y[..split].chunks_exact_mut(n)).zip(d[..split].chunks_exact_mut(n))
            {
                let (f, df) = both(T::L::load(xs));
                f.store(ys);
                df.store(ds);
            }
            for ((o, p), &v) in y[split..].iter_mut().zip(d[split..].iter_mut()).zip(&x[split..]) {
                (*o, *p) = both(v);
            }
        },
    }
}
hand_kernels!(libm_kernels, Libm);

fn run<T: Real>(b: Bencher, n: usize, kernels: Kernels<T>, which: u8) {
    with_data::<T>(n, |d| {
        let Data { x, g, a, b: d2 } = d;
        b.counter(divan::counter::ItemsCount::new(n)).bench_local(|| match which {
            0 => (kernels.forward)(black_box(x), a),
            1 => (kernels.backward)(black_box(x), g, a),
            _ => (kernels.fused)(black_box(x), a, d2),
        });
    });
}

macro_rules! benches {
    ($($name:ident: $t:ty, $which:literal, $kernels:ident;)*) => {$(
        #[divan::bench(consts = [SMALL, LARGE], args = NAMES, sample_count = 10)]
        fn $name<const N: usize>(b: Bencher, name: &str) {
            run::<$t>(b, N, $kernels::<$t>(name), $which);
        }
    )*};
}

benches! {
    f32_forward_ours: f32, 0, ours;
    f32_forward_vec: f32, 0, vec_kernels;
    f32_forward_libm: f32, 0, libm_kernels;
    f32_backward_ours: f32, 1, ours;
    f32_backward_vec: f32, 1, vec_kernels;
    f32_backward_libm: f32, 1, libm_kernels;
    f32_fused_ours: f32, 2, ours;
    f32_fused_vec: f32, 2, vec_kernels;
    f32_fused_libm: f32, 2, libm_kernels;
    f64_forward_ours: f64, 0, ours;
    f64_forward_vec: f64, 0, vec_kernels;
    f64_forward_libm: f64, 0, libm_kernels;
    f64_backward_ours: f64, 1, ours;
    f64_backward_vec: f64, 1, vec_kernels;
    f64_backward_libm: f64, 1, libm_kernels;
    f64_fused_ours: f64, 2, ours;
    f64_fused_vec: f64, 2, vec_kernels;
    f64_fused_libm: f64, 2, libm_kernels;
}

//! The elementary functions of `activation_runtime::math` (reached through `Float`):
//! within 1 ULP of MPFR over ~20,000 inputs per function and precision (the 10^6-input
//! measurement is `cargo xtask elementary`), and lanes that compute exactly the bits of
//! the scalar code, special values included.

use activation_runtime::lanes::{F32x16, F32x4, F32x8, F64x2, F64x4, F64x8};
use activation_runtime::{Float, Real};
use rug::Float as Mp;

const SAMPLES: usize = 20_000;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// One function: ours in both precisions, the MPFR truth, and where to sample.
struct Case {
    name: &'static str,
    f64: fn(f64) -> f64,
    f32: fn(f32) -> f32,
    truth: fn(Mp) -> Mp,
    /// The interval sampled uniformly (besides the bit-uniform and special inputs).
    interval: (f64, f64),
}

fn cases() -> Vec<Case> {
    vec![
        Case { name: "exp", f64: Float::exp, f32: Float::exp, truth: |x| x.exp(), interval: (-750.0, 720.0) },
        Case { name: "expm1", f64: Float::expm1, f32: Float::expm1, truth: |x| x.exp_m1(), interval: (-40.0, 40.0) },
        Case { name: "ln", f64: Float::ln, f32: Float::ln, truth: |x| x.ln(), interval: (0.0, 3.0) },
        Case { name: "log1p", f64: Float::log1p, f32: Float::log1p, truth: |x| x.ln_1p(), interval: (-1.0, 3.0) },
        Case { name: "tanh", f64: Float::tanh, f32: Float::tanh, truth: |x| x.tanh(), interval: (-20.0, 20.0) },
        Case {
            name: "sigmoid",
            f64: Float::sigmoid,
            f32: Float::sigmoid,
            truth: |x| (Mp::with_val(160, -x).exp() + 1u32).recip(),
            interval: (-750.0, 40.0),
        },
        Case {
            name: "softplus",
            f64: Float::softplus,
            f32: Float::softplus,
            // max(x, 0) + ln(1 + e^-|x|): e^x would leave MPFR's exponent range.
            truth: |x| {
                let e = Mp::with_val(160, -x.clone().abs()).exp();
                x.max(&Mp::new(160)) + e.ln_1p()
            },
            interval: (-750.0, 40.0),
        },
        Case { name: "sinh", f64: Float::sinh, f32: Float::sinh, truth: |x| x.sinh(), interval: (-720.0, 720.0) },
        Case { name: "cosh", f64: Float::cosh, f32: Float::cosh, truth: |x| x.cosh(), interval: (-720.0, 720.0) },
        Case { name: "atan", f64: Float::atan, f32: Float::atan, truth: |x| x.atan(), interval: (-8.0, 8.0) },
        Case { name: "sin", f64: Float::sin, f32: Float::sin, truth: |x| x.sin(), interval: (-100.0, 100.0) },
        Case { name: "cos", f64: Float::cos, f32: Float::cos, truth: |x| x.cos(), interval: (-100.0, 100.0) },
        Case { name: "erf", f64: Float::erf, f32: Float::erf, truth: |x| x.erf(), interval: (-6.0, 6.0) },
        Case { name: "erfc", f64: Float::erfc, f32: Float::erfc, truth: |x| x.erfc(), interval: (-6.0, 28.0) },
    ]
}

/// Inputs of one precision: specials, a third bit-uniform over all floats, a third
/// bit-uniform over |x| in [2^-40, 2^10] with both signs, a third uniform over `interval`.
fn inputs(single: bool, interval: (f64, f64), seed: u64) -> Vec<f64> {
    let round = |v: f64| if single { f64::from(v as f32) } else { v };
    let mut v = specials(single);
    let mut rng = Rng(seed);
    for i in 0..SAMPLES {
        let x = match i % 3 {
            0 => {
                if single {
                    f64::from(f32::from_bits(rng.next() as u32))
                } else {
                    f64::from_bits(rng.next())
                }
            }
            1 => {
                let m = 2f64.powf(-40.0 + 50.0 * rng.unit());
                round(if rng.next() & 1 == 0 { m } else { -m })
            }
            _ => round(interval.0 + (interval.1 - interval.0) * rng.unit()),
        };
        v.push(x);
    }
    v
}

fn specials(single: bool) -> Vec<f64> {
    let (tiny, min, max) = if single {
        (f64::from(f32::from_bits(1)), f64::from(f32::MIN_POSITIVE), f64::from(f32::MAX))
    } else {
        (f64::from_bits(1), f64::MIN_POSITIVE, f64::MAX)
    };
    let base = [0.0, f64::INFINITY, f64::NAN, tiny, min, 0.75 * min, max, 1.0, 0.5, 2.0, 1e-10, 0.35, 3.0, 100.0, 1e6];
    base.iter().flat_map(|&x| [x, -x]).collect()
}

/// |ours − truth| in ULPs of the format at the truth; infinite for a wrong NaN/inf.
fn ulp_error(ours: f64, x: f64, truth: fn(Mp) -> Mp, single: bool) -> f64 {
    ulp_error_of(ours, &truth(Mp::with_val(160, x)), single)
}

fn ulp_error_of(ours: f64, t: &Mp, single: bool) -> f64 {
    let rounded = if single { f64::from(t.to_f32()) } else { t.to_f64() };
    if ours.is_nan() || t.is_nan() {
        return if ours.is_nan() && t.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if ours == rounded {
        return 0.0;
    }
    if ours.is_infinite() || t.is_infinite() {
        return f64::INFINITY;
    }
    let (digits, min_exp, max_exp) = if single { (24, -149, 128) } else { (53, -1074, 1024) };
    let e = t.get_exp().unwrap_or(i32::MIN / 2);
    let diff = Mp::with_val(160, ours - t).abs();
    (diff >> ((e.min(max_exp) - digits).max(min_exp))).to_f64()
}

#[test]
fn within_one_ulp_of_mpfr() {
    let mut failures = Vec::new();
    for (n, case) in cases().iter().enumerate() {
        for single in [false, true] {
            let mut worst = (0.0, 0.0);
            for x in inputs(single, case.interval, 17 + n as u64) {
                let ours = if single { f64::from((case.f32)(x as f32)) } else { (case.f64)(x) };
                let err = ulp_error(ours, x, case.truth, single);
                if err > worst.0 {
                    worst = (err, x);
                }
            }
            let ty = if single { "f32" } else { "f64" };
            eprintln!("{} {ty}: max {:.3} ULP at x = {:e}", case.name, worst.0, worst.1);
            if worst.0 >= 1.0 {
                failures.push(format!("{} {ty}: {:.3} ULP at x = {:e}", case.name, worst.0, worst.1));
            }
        }
    }
    assert!(failures.is_empty(), "beyond 1 ULP:\n{}", failures.join("\n"));
}

/// x^y within 1 ULP over pairs: x over all bit patterns with moderate y, x in [0.5, 2] with
/// |y ln x| through the overflow and underflow edges, negative x with integer y, x near 1
/// with huge y.
#[test]
fn powf_within_one_ulp_of_mpfr() {
    use rug::ops::Pow;
    let mut failures = Vec::new();
    for single in [false, true] {
        let round = |v: f64| if single { f64::from(v as f32) } else { v };
        let mut rng = Rng(5);
        let mut worst = (0.0, 0.0, 0.0);
        for i in 0..SAMPLES {
            let (x, y) = match i % 4 {
                0 => (round(f64::from_bits(rng.next() >> 1)), round(16.0 * rng.unit() - 8.0)),
                1 => (round(0.5 + 1.5 * rng.unit()), round(4000.0 * rng.unit() - 2000.0)),
                2 => (round(-(0.01 + 100.0 * rng.unit())), ((rng.next() % 121) as f64) - 60.0),
                _ => (round(1.0 + 1e-4 * (2.0 * rng.unit() - 1.0)), round(1e7 * (2.0 * rng.unit() - 1.0))),
            };
            if !x.is_finite() {
                continue;
            }
            let ours = if single { f64::from(Float::powf(x as f32, y as f32)) } else { Float::powf(x, y) };
            let t = Mp::with_val(160, x).pow(Mp::with_val(160, y));
            let err = ulp_error_of(ours, &t, single);
            if err > worst.0 {
                worst = (err, x, y);
            }
        }
        let ty = if single { "f32" } else { "f64" };
        eprintln!("powf {ty}: max {:.3} ULP at ({:e}, {:e})", worst.0, worst.1, worst.2);
        if worst.0 >= 1.0 {
            failures.push(format!("powf {ty}: {:.3} ULP at ({:e}, {:e})", worst.0, worst.1, worst.2));
        }
    }
    assert!(failures.is_empty(), "beyond 1 ULP:\n{}", failures.join("\n"));
}

/// IEEE 754 `pow`'s special cases, against MPFR (which follows C99 Annex F).
#[test]
fn powf_special_values() {
    use rug::ops::Pow;
    let s = specials(false);
    let ys: Vec<f64> = s.iter().copied().chain([0.5, -0.5, 3.0, -3.0, 1.5, 2.5, 2.0, -2.0]).collect();
    for &x in &s {
        for &y in &ys {
            let t = Mp::with_val(160, x).pow(Mp::with_val(160, y));
            let ours = Float::powf(x, y);
            let want = t.to_f64();
            assert!(
                ours.to_bits() == want.to_bits()
                    || (ours.is_nan() && want.is_nan())
                    || ulp_error_of(ours, &t, false) < 1.0,
                "powf({x:e}, {y:e}) = {ours:e}, want {want:e}"
            );
            let (xf, yf) = (x as f32, y as f32);
            let t = Mp::with_val(160, xf).pow(Mp::with_val(160, yf));
            let ours = Float::powf(xf, yf);
            let want = t.to_f32();
            assert!(
                ours.to_bits() == want.to_bits()
                    || (ours.is_nan() && want.is_nan())
                    || ulp_error_of(f64::from(ours), &t, true) < 1.0,
                "powf({xf:e}, {yf:e}) in f32 = {ours:e}, want {want:e}"
            );
        }
    }
}

/// Arguments extremely close to multiples of π/2 (the reduction must keep the remainder's
/// relative precision): the closest `f64` of all (6381956970095103 · 2^797, remainder
/// ≈ 4.7e-19), and multiples of π/2 rounded, across the fast and the exact reduction.
#[test]
fn sine_and_cosine_near_multiples_of_half_pi() {
    let mut xs = vec![6381956970095103.0 * 2f64.powi(797), 1e22, 5.319372648326541e255];
    for k in [1.0, 2.0, 3.0, 7.0, 1e3, 123456.0, 667544.0, 1e6, 3e6, 1e9, 1e15] {
        let x = k * std::f64::consts::FRAC_PI_2;
        xs.extend([x, f64::from_bits(x.to_bits() + 1), f64::from_bits(x.to_bits() - 1)]);
    }
    for x in xs {
        for (name, f, t) in
            [("sin", Float::sin as fn(f64) -> f64, (|x| x.sin()) as fn(Mp) -> Mp), ("cos", Float::cos, |x| x.cos())]
        {
            let err = ulp_error(f(x), x, t, false);
            assert!(err < 1.0, "{name}({x:e}) = {:e}: {err:.3} ULP", f(x));
            let xf = x as f32;
            let err = ulp_error(
                f64::from(if name == "sin" { Float::sin(xf) } else { Float::cos(xf) }),
                f64::from(xf),
                t,
                true,
            );
            assert!(err < 1.0, "{name}({xf:e}) in f32: {err:.3} ULP");
        }
    }
}

/// The sign of zero results and the special values, exactly, in both precisions.
#[test]
fn special_values() {
    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;
    let (inf, nan) = (INF, NAN);
    type Table<'a> = [(&'static str, fn(f64) -> f64, fn(f32) -> f32, &'a [(f64, f64)])];
    let table: &Table = &[
        (
            "exp",
            Float::exp,
            Float::exp,
            &[(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, 0.0), (nan, nan), (710.0, inf), (-746.0, 0.0)],
        ),
        (
            "expm1",
            Float::expm1,
            Float::expm1,
            &[(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -1.0), (nan, nan), (-50.0, -1.0)],
        ),
        (
            "ln",
            Float::ln,
            Float::ln,
            &[(1.0, 0.0), (0.0, -inf), (-0.0, -inf), (inf, inf), (-1.0, nan), (-inf, nan), (nan, nan)],
        ),
        (
            "log1p",
            Float::log1p,
            Float::log1p,
            &[(0.0, 0.0), (-0.0, -0.0), (-1.0, -inf), (-2.0, nan), (inf, inf), (nan, nan)],
        ),
        (
            "tanh",
            Float::tanh,
            Float::tanh,
            &[(0.0, 0.0), (-0.0, -0.0), (inf, 1.0), (-inf, -1.0), (nan, nan), (30.0, 1.0)],
        ),
        (
            "sigmoid",
            Float::sigmoid,
            Float::sigmoid,
            &[(0.0, 0.5), (-0.0, 0.5), (inf, 1.0), (-inf, 0.0), (nan, nan), (800.0, 1.0), (-800.0, 0.0)],
        ),
        (
            "softplus",
            Float::softplus,
            Float::softplus,
            &[
                (0.0, std::f64::consts::LN_2),
                (-0.0, std::f64::consts::LN_2),
                (inf, inf),
                (-inf, 0.0),
                (nan, nan),
                (800.0, 800.0),
                (-800.0, 0.0),
            ],
        ),
        (
            "sinh",
            Float::sinh,
            Float::sinh,
            &[(0.0, 0.0), (-0.0, -0.0), (inf, inf), (-inf, -inf), (nan, nan), (711.0, inf)],
        ),
        (
            "cosh",
            Float::cosh,
            Float::cosh,
            &[(0.0, 1.0), (-0.0, 1.0), (inf, inf), (-inf, inf), (nan, nan), (-711.0, inf)],
        ),
        (
            "atan",
            Float::atan,
            Float::atan,
            &[
                (0.0, 0.0),
                (-0.0, -0.0),
                (inf, std::f64::consts::FRAC_PI_2),
                (-inf, -std::f64::consts::FRAC_PI_2),
                (nan, nan),
            ],
        ),
        ("sin", Float::sin, Float::sin, &[(0.0, 0.0), (-0.0, -0.0), (inf, nan), (-inf, nan), (nan, nan)]),
        ("cos", Float::cos, Float::cos, &[(0.0, 1.0), (-0.0, 1.0), (inf, nan), (-inf, nan), (nan, nan)]),
        ("erf", Float::erf, Float::erf, &[(0.0, 0.0), (-0.0, -0.0), (inf, 1.0), (-inf, -1.0), (nan, nan), (7.0, 1.0)]),
        (
            "erfc",
            Float::erfc,
            Float::erfc,
            &[(0.0, 1.0), (-0.0, 1.0), (inf, 0.0), (-inf, 2.0), (nan, nan), (30.0, 0.0)],
        ),
    ];
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    for &(name, f, g, cases) in table {
        for &(x, want) in cases {
            assert!(same(f(x), want), "{name}({x:e}) = {:e}, want {want:e}", f(x));
            let single = f64::from(g(x as f32));
            assert!(same(single, f64::from(want as f32)), "{name}({x:e}) in f32 = {single:e}, want {want:e}");
        }
    }
    // Subnormal arguments of the odd functions come back unchanged.
    for x in [f64::from_bits(1), 1e-310, -2.5e-320] {
        assert_eq!(Float::expm1(x), x);
        assert_eq!(Float::log1p(x), x);
        assert_eq!(Float::tanh(x), x);
        assert_eq!(Float::sinh(x), x);
        assert_eq!(Float::atan(x), x);
        assert_eq!(Float::sin(x), x);
    }
    // erf near 0 is 2x/√π, rounded once also where it is subnormal.
    assert_eq!(Float::erf(f64::from_bits(1)), f64::from_bits(1));
    assert_eq!(Float::erf(f64::from_bits(3)), f64::from_bits(3));
    assert_eq!(Float::erf(f64::from_bits(4)), f64::from_bits(5));
}

/// `f` over lanes `L` against `f` over scalars, on every whole chunk of `xs`.
fn agree<L: Float<Scalar = T>, T: Real>(name: &str, lanes: fn(L) -> L, scalar: fn(T) -> T, xs: &[T]) {
    let n = L::LANES;
    let mut out = vec![xs[0]; n];
    for chunk in xs.chunks(n).filter(|c| c.len() == n) {
        lanes(L::load(chunk)).store(&mut out);
        for (&x, &y) in chunk.iter().zip(&out) {
            let s = scalar(x);
            assert!(
                y.to_f64().to_bits() == s.to_f64().to_bits() || (y.to_f64().is_nan() && s.to_f64().is_nan()),
                "{name} over {n} lanes: {y:?}, scalar {s:?} at x = {x:?}"
            );
        }
    }
}

macro_rules! agree_all {
    ($name:expr, $f:path) => {{
        let f64s: Vec<f64> = inputs(false, (-30.0, 30.0), 99);
        let f32s: Vec<f32> = inputs(true, (-30.0, 30.0), 99).into_iter().map(|x| x as f32).collect();
        agree::<F64x2, f64>($name, $f, $f, &f64s);
        agree::<F64x4, f64>($name, $f, $f, &f64s);
        agree::<F64x8, f64>($name, $f, $f, &f64s);
        agree::<F32x4, f32>($name, $f, $f, &f32s);
        agree::<F32x8, f32>($name, $f, $f, &f32s);
        agree::<F32x16, f32>($name, $f, $f, &f32s);
    }};
}

/// powf over lanes `L` against scalars, on pairs.
fn agree_pow<L: Float<Scalar = T>, T: Real>(xs: &[T], ys: &[T]) {
    let n = L::LANES;
    let mut out = vec![xs[0]; n];
    for (cx, cy) in xs.chunks(n).zip(ys.chunks(n)).filter(|(c, _)| c.len() == n) {
        L::load(cx).powf(L::load(cy)).store(&mut out);
        for ((&x, &y), &v) in cx.iter().zip(cy).zip(&out) {
            let s = x.powf(y);
            assert!(
                v.to_f64().to_bits() == s.to_f64().to_bits() || (v.to_f64().is_nan() && s.to_f64().is_nan()),
                "powf over {n} lanes: {v:?}, scalar {s:?} at ({x:?}, {y:?})"
            );
        }
    }
}

#[test]
fn lanes_agree_with_scalars_bit_for_bit_powf() {
    let x64: Vec<f64> = inputs(false, (0.0, 3.0), 7).into_iter().map(f64::abs).collect();
    let mut y64: Vec<f64> = inputs(false, (-300.0, 300.0), 8);
    y64.truncate(x64.len());
    // Negative bases with integer exponents, specials against specials.
    let s = specials(false);
    let (mut xs, mut ys) = (x64.clone(), y64.clone());
    for &a in &s {
        for &b in s.iter().chain(&[3.0, -3.0, 0.5]) {
            xs.push(a);
            ys.push(b);
        }
    }
    for i in 0..2000 {
        xs.push(-(i as f64) * 0.37);
        ys.push((i % 41) as f64 - 20.0);
    }
    let (xf, yf): (Vec<f32>, Vec<f32>) = xs.iter().zip(&ys).map(|(&a, &b)| (a as f32, b as f32)).unzip();
    agree_pow::<F64x2, f64>(&xs, &ys);
    agree_pow::<F64x4, f64>(&xs, &ys);
    agree_pow::<F64x8, f64>(&xs, &ys);
    agree_pow::<F32x4, f32>(&xf, &yf);
    agree_pow::<F32x8, f32>(&xf, &yf);
    agree_pow::<F32x16, f32>(&xf, &yf);
}

#[test]
fn lanes_agree_with_scalars_bit_for_bit() {
    agree_all!("exp", Float::exp);
    agree_all!("expm1", Float::expm1);
    agree_all!("ln", Float::ln);
    agree_all!("log1p", Float::log1p);
    agree_all!("tanh", Float::tanh);
    agree_all!("sigmoid", Float::sigmoid);
    agree_all!("softplus", Float::softplus);
    agree_all!("sinh", Float::sinh);
    agree_all!("cosh", Float::cosh);
    agree_all!("atan", Float::atan);
    agree_all!("sin", Float::sin);
    agree_all!("cos", Float::cos);
    agree_all!("erf", Float::erf);
    agree_all!("erfc", Float::erfc);
}

//! `cargo xtask elementary [--samples N] [--check] [--only NAME]`: the ULP error of the
//! runtime's elementary functions (`activation-runtime/src/math`, reached through
//! `Float`) against MPFR, in `f64` and `f32`.
//!
//! For each function and precision, N inputs (10^6 by default): a fifth uniform over the
//! bit patterns of the whole domain (both signs, subnormals, huge values), two fifths
//! uniform over the interval where the function is interesting, a fifth uniform over the
//! bit patterns of that interval (dense near 0), a tenth at the overflow and underflow
//! edges and the subnormal results, and the special values (±0, ±inf, NaN, the extremes
//! of each binade class). The error of a result is |ours − truth| / ulp(truth), the truth
//! computed by MPFR with 160 bits and ulp the spacing of the target format at the truth
//! (subnormal spacing below the normal range); an infinity or NaN where the truth rounds
//! to something else counts as infinitely wrong. `--check` fails when any result is
//! 1 ULP or more off.

use std::fmt::Write as _;
use std::time::Instant;

use activation::Float;
use activation_core::rng::Rng;
use activation_core::ulp::{ulps_f32, ulps_f64};
use rug::ops::Pow;
use rug::Float as Mp;

/// MPFR precision of the truths.
const PREC: u32 = 160;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Precision {
    F32,
    F64,
}

impl Precision {
    fn digits(self) -> i32 {
        match self {
            Precision::F32 => 24,
            Precision::F64 => 53,
        }
    }
    /// The exponent of the smallest subnormal.
    fn min_exp(self) -> i32 {
        match self {
            Precision::F32 => -149,
            Precision::F64 => -1074,
        }
    }
    /// `v` rounded to this precision (as an `f64`).
    fn round(self, v: f64) -> f64 {
        match self {
            Precision::F32 => f64::from(v as f32),
            Precision::F64 => v,
        }
    }
    fn max(self) -> f64 {
        match self {
            Precision::F32 => f64::from(f32::MAX),
            Precision::F64 => f64::MAX,
        }
    }
}

/// Uniform over the bit patterns of the format (both signs, NaNs excluded).
fn any_bits(rng: &mut Rng, p: Precision) -> f64 {
    loop {
        let v = match p {
            Precision::F32 => f64::from(f32::from_bits(rng.next_u64() as u32)),
            Precision::F64 => f64::from_bits(rng.next_u64()),
        };
        if !v.is_nan() {
            return v;
        }
    }
}

/// Uniform over the bit patterns of the format between `a` and `b` (0 ≤ a < b), with a
/// random sign when `signed`.
fn bits_between(rng: &mut Rng, p: Precision, a: f64, b: f64, signed: bool) -> f64 {
    let v = match p {
        Precision::F32 => {
            let (lo, hi) = ((a as f32).to_bits(), (b as f32).to_bits());
            f64::from(f32::from_bits(lo + rng.below_u64(u64::from(hi - lo) + 1) as u32))
        }
        Precision::F64 => {
            let (lo, hi) = (a.to_bits(), b.to_bits());
            f64::from_bits(lo + rng.below_u64(hi - lo + 1))
        }
    };
    if signed && rng.next_u64() & 1 == 1 {
        -v
    } else {
        v
    }
}

/// Uniform over the reals of [a, b], rounded to the format.
fn between(rng: &mut Rng, p: Precision, a: f64, b: f64) -> f64 {
    p.round(a + (b - a) * rng.unit())
}

/// Where a function is worth sampling densely.
struct Domain {
    /// The interval where the function is interesting (sampled uniformly).
    interval: (f64, f64),
    /// Magnitudes sampled uniformly over their bit patterns: (lo, hi, both signs).
    magnitudes: (f64, f64, bool),
    /// Points around which the function overflows, underflows, turns subnormal or
    /// switches method: sampled within ±`width` relative.
    edges: Vec<f64>,
    /// The whole domain for the bit-uniform fifth: all floats, or only x > `floor`.
    floor: Option<f64>,
}

/// A function of the runtime with its MPFR truth.
struct Elementary {
    name: &'static str,
    ours_f64: fn(f64) -> f64,
    ours_f32: fn(f32) -> f32,
    truth: fn(Mp) -> Mp,
    domain: fn(Precision) -> Domain,
}

fn specials(p: Precision) -> Vec<f64> {
    let (tiny, min, max) = match p {
        Precision::F32 => (f64::from(f32::from_bits(1)), f64::from(f32::MIN_POSITIVE), f64::from(f32::MAX)),
        Precision::F64 => (f64::from_bits(1), f64::MIN_POSITIVE, f64::MAX),
    };
    let mut v = vec![0.0, f64::INFINITY, f64::NAN, tiny, min, min * 0.75, max, 1.0, 0.5, 2.0, 1e-10, 3.0, 100.0];
    let neg: Vec<f64> = v.iter().map(|x| -x).collect();
    v.extend(neg);
    v.into_iter().map(|x| p.round(x)).collect()
}

fn sample(rng: &mut Rng, p: Precision, d: &Domain) -> f64 {
    let pick = rng.below_u64(100);
    if pick < 20 {
        match d.floor {
            None => any_bits(rng, p),
            Some(f) => loop {
                let v = any_bits(rng, p);
                if v > f {
                    break v;
                }
            },
        }
    } else if pick < 60 {
        between(rng, p, d.interval.0, d.interval.1)
    } else if pick < 80 || d.edges.is_empty() {
        let (a, b, signed) = d.magnitudes;
        bits_between(rng, p, a, b, signed)
    } else {
        let e = d.edges[rng.below_u64(d.edges.len() as u64) as usize];
        let width = if rng.next_u64() & 1 == 0 { 1e-3 } else { 2f64.powi(-p.digits() + 4) };
        p.round(e * (1.0 + width * (2.0 * rng.unit() - 1.0)))
    }
}

/// The error of `ours` against the exact `truth`, in ULPs of the format at the truth.
fn ulp_error(ours: f64, truth: &Mp, p: Precision) -> f64 {
    let rounded = match p {
        Precision::F32 => f64::from(truth.to_f32()),
        Precision::F64 => truth.to_f64(),
    };
    if ours.is_nan() || truth.is_nan() {
        return if ours.is_nan() && truth.is_nan() { 0.0 } else { f64::INFINITY };
    }
    if ours.is_infinite() || rounded.is_infinite() {
        return if ours == rounded {
            0.0
        } else if ours.is_infinite() {
            f64::INFINITY
        } else {
            ulp_error_finite(ours, truth, p)
        };
    }
    ulp_error_finite(ours, truth, p)
}

fn ulp_error_finite(ours: f64, truth: &Mp, p: Precision) -> f64 {
    if truth.is_infinite() {
        return f64::INFINITY;
    }
    let diff = Mp::with_val(PREC, ours - truth).abs();
    if diff.is_zero() {
        return 0.0;
    }
    // truth in [2^(e-1), 2^e): ulp 2^(e-p), at least the subnormal spacing; beyond MAX the
    // spacing of the top binade.
    let e = truth.get_exp().unwrap_or(i32::MIN / 2);
    let max_exp = match p {
        Precision::F32 => 128,
        Precision::F64 => 1024,
    };
    let exponent = (e.min(max_exp) - p.digits()).max(p.min_exp());
    let _ = p.max();
    (diff >> exponent).to_f64()
}

/// Statistics of one function in one precision.
#[derive(Default, Clone)]
struct Stats {
    max: f64,
    sum: f64,
    count: usize,
    worst: f64,
    /// Largest distance in whole ULPs to the correctly rounded result.
    max_steps: f64,
    /// Results 1 ULP or more off.
    over: usize,
    /// For x^y, the y of the worst input.
    worst_y: f64,
}

impl Stats {
    fn add(&mut self, x: f64, y: f64, err: f64, steps: f64) {
        if err > self.max || self.count == 0 {
            self.max = err.max(self.max);
            self.worst = x;
            self.worst_y = y;
        }
        if err.is_finite() {
            self.sum += err;
        }
        self.max_steps = self.max_steps.max(steps);
        if err >= 1.0 {
            self.over += 1;
        }
        self.count += 1;
    }
    fn merge(mut self, o: Stats) -> Stats {
        if o.max > self.max {
            self.max = o.max;
            self.worst = o.worst;
            self.worst_y = o.worst_y;
        }
        self.sum += o.sum;
        self.count += o.count;
        self.max_steps = self.max_steps.max(o.max_steps);
        self.over += o.over;
        self
    }
}

fn measure(f: &Elementary, p: Precision, samples: usize) -> Stats {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
    let domain = (f.domain)(p);
    let chunk = samples.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let domain = &domain;
                scope.spawn(move || {
                    let mut rng = Rng::new(0x5eed ^ ((t as u64) << 32) ^ u64::from(p == Precision::F32));
                    let mut stats = Stats::default();
                    let mut inputs: Vec<f64> = if t == 0 { specials(p) } else { Vec::new() };
                    let n = chunk.min(samples.saturating_sub(t * chunk));
                    inputs.extend((0..n).map(|_| sample(&mut rng, p, domain)));
                    for x in inputs {
                        let (ours, steps_of): (f64, fn(f64, &Mp) -> f64) = match p {
                            Precision::F32 => {
                                (f64::from((f.ours_f32)(x as f32)), |o, t| ulps_f32(o as f32, t.to_f32()))
                            }
                            Precision::F64 => ((f.ours_f64)(x), |o, t| ulps_f64(o, t.to_f64())),
                        };
                        let truth = (f.truth)(Mp::with_val(PREC, x));
                        let err = ulp_error(ours, &truth, p);
                        stats.add(x, f64::NAN, err, steps_of(ours, &truth));
                    }
                    stats
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a measuring thread panicked")).fold(Stats::default(), Stats::merge)
    })
}

/// sinh and cosh: the same overflow edge (e^|x| / 2) and the same switch points.
fn hyperbolic_domain(p: Precision) -> Domain {
    match p {
        Precision::F64 => Domain {
            interval: (-711.0, 711.0),
            magnitudes: (1e-300, 711.0, true),
            edges: vec![710.4758600739439, 0.35, 1.0, 22.0],
            floor: None,
        },
        Precision::F32 => Domain {
            interval: (-90.0, 90.0),
            magnitudes: (1e-30, 90.0, true),
            edges: vec![89.4159851, 0.35, 1.0, 9.0],
            floor: None,
        },
    }
}

fn functions() -> Vec<Elementary> {
    vec![
        Elementary {
            name: "exp",
            ours_f64: Float::exp,
            ours_f32: Float::exp,
            truth: |x| x.exp(),
            domain: |p| match p {
                Precision::F64 => Domain {
                    interval: (-746.0, 710.0),
                    magnitudes: (1e-300, 746.0, true),
                    edges: vec![709.782712893384, -708.3964185322641, -745.1332191019411, -744.44007192138],
                    floor: None,
                },
                Precision::F32 => Domain {
                    interval: (-104.0, 89.0),
                    magnitudes: (1e-30, 104.0, true),
                    edges: vec![88.72283935546875, -87.33654022216797, -103.97207641601562, -102.0],
                    floor: None,
                },
            },
        },
        Elementary {
            name: "expm1",
            ours_f64: Float::expm1,
            ours_f32: Float::expm1,
            truth: |x| x.exp_m1(),
            domain: |p| match p {
                Precision::F64 => Domain {
                    interval: (-40.0, 710.0),
                    magnitudes: (1e-300, 40.0, true),
                    edges: vec![709.782712893384, -37.0, 0.35, -0.35, 1.0],
                    floor: None,
                },
                Precision::F32 => Domain {
                    interval: (-18.0, 89.0),
                    magnitudes: (1e-30, 18.0, true),
                    edges: vec![88.72283935546875, -17.0, 0.35, -0.35, 1.0],
                    floor: None,
                },
            },
        },
        Elementary {
            name: "ln",
            ours_f64: Float::ln,
            ours_f32: Float::ln,
            truth: |x| x.ln(),
            domain: |_| Domain {
                interval: (0.0, 4.0),
                magnitudes: (1e-300, 1e300, false),
                edges: vec![1.0, std::f64::consts::FRAC_1_SQRT_2, std::f64::consts::SQRT_2, 2.0, 0.5],
                floor: Some(0.0),
            },
        },
        Elementary {
            name: "log1p",
            ours_f64: Float::log1p,
            ours_f32: Float::log1p,
            truth: |x| x.ln_1p(),
            domain: |_| Domain {
                interval: (-1.0, 4.0),
                magnitudes: (1e-300, 1.0, true),
                edges: vec![-0.29289321881345254, 0.41421356237309515, -1.0, 1.0],
                floor: Some(-1.0),
            },
        },
        Elementary {
            name: "tanh",
            ours_f64: Float::tanh,
            ours_f32: Float::tanh,
            truth: |x| x.tanh(),
            domain: |_| Domain {
                interval: (-20.0, 20.0),
                magnitudes: (1e-300, 25.0, true),
                edges: vec![0.55, 0.35, 19.0, 9.0],
                floor: None,
            },
        },
        Elementary {
            name: "sigmoid",
            ours_f64: Float::sigmoid,
            ours_f32: Float::sigmoid,
            truth: |x| {
                let e = Mp::with_val(PREC, -x).exp();
                Mp::with_val(PREC, e + 1u32).recip()
            },
            domain: |p| match p {
                Precision::F64 => Domain {
                    interval: (-50.0, 50.0),
                    magnitudes: (1e-300, 800.0, true),
                    edges: vec![-745.1332191019411, -708.3964185322641, 36.7, 0.0],
                    floor: None,
                },
                Precision::F32 => Domain {
                    interval: (-20.0, 20.0),
                    magnitudes: (1e-30, 110.0, true),
                    edges: vec![-103.97207641601562, -87.33654022216797, 16.6, 0.0],
                    floor: None,
                },
            },
        },
        Elementary {
            name: "softplus",
            ours_f64: Float::softplus,
            ours_f32: Float::softplus,
            // max(x, 0) + ln(1 + e^-|x|): e^x would leave MPFR's exponent range at x = f64::MAX.
            truth: |x| {
                let e = Mp::with_val(PREC, -x.clone().abs()).exp();
                Mp::with_val(PREC, x.max(&Mp::new(PREC))) + e.ln_1p()
            },
            domain: |p| match p {
                Precision::F64 => Domain {
                    interval: (-50.0, 50.0),
                    magnitudes: (1e-300, 800.0, true),
                    edges: vec![-745.1332191019411, -708.3964185322641, 36.7, -0.8813735870195429, 0.0],
                    floor: None,
                },
                Precision::F32 => Domain {
                    interval: (-20.0, 20.0),
                    magnitudes: (1e-30, 110.0, true),
                    edges: vec![-103.97207641601562, -87.33654022216797, 16.6, -0.8813735870195429, 0.0],
                    floor: None,
                },
            },
        },
        Elementary {
            name: "erf",
            ours_f64: Float::erf,
            ours_f32: Float::erf,
            truth: |x| x.erf(),
            domain: |_| Domain {
                interval: (-6.0, 6.0),
                magnitudes: (1e-300, 7.0, true),
                edges: vec![0.5, 0.84375, 1.25, 2.857142857142857, 5.9],
                floor: None,
            },
        },
        Elementary {
            name: "erfc",
            ours_f64: Float::erfc,
            ours_f32: Float::erfc,
            truth: |x| x.erfc(),
            domain: |p| match p {
                Precision::F64 => Domain {
                    interval: (-6.0, 28.0),
                    magnitudes: (1e-300, 28.0, true),
                    edges: vec![0.5, 0.84375, 1.25, 2.857142857142857, 26.55, 27.2],
                    floor: None,
                },
                Precision::F32 => Domain {
                    interval: (-4.0, 10.5),
                    magnitudes: (1e-30, 10.5, true),
                    edges: vec![0.5, 0.84375, 1.25, 2.857142857142857, 9.2, 10.05],
                    floor: None,
                },
            },
        },
        Elementary {
            name: "sinh",
            ours_f64: Float::sinh,
            ours_f32: Float::sinh,
            truth: |x| x.sinh(),
            domain: hyperbolic_domain,
        },
        Elementary {
            name: "cosh",
            ours_f64: Float::cosh,
            ours_f32: Float::cosh,
            truth: |x| x.cosh(),
            domain: hyperbolic_domain,
        },
        Elementary {
            name: "atan",
            ours_f64: Float::atan,
            ours_f32: Float::atan,
            truth: |x| x.atan(),
            domain: |_| Domain {
                interval: (-8.0, 8.0),
                magnitudes: (1e-300, 1e300, true),
                // tan((2j + 1) π/16): where the reduction changes centre.
                edges: vec![0.198912367379658, 0.6681786379192989, 1.496605762665489, 5.027339492125848],
                floor: None,
            },
        },
        Elementary {
            name: "sin",
            ours_f64: Float::sin,
            ours_f32: Float::sin,
            truth: |x| x.sin(),
            domain: |_| Domain {
                interval: (-100.0, 100.0),
                magnitudes: (1e-300, 1e6, true),
                edges: vec![std::f64::consts::PI, std::f64::consts::FRAC_PI_2, 1e5 * std::f64::consts::PI],
                floor: None,
            },
        },
        Elementary {
            name: "cos",
            ours_f64: Float::cos,
            ours_f32: Float::cos,
            truth: |x| x.cos(),
            domain: |_| Domain {
                interval: (-100.0, 100.0),
                magnitudes: (1e-300, 1e6, true),
                edges: vec![std::f64::consts::PI, std::f64::consts::FRAC_PI_2, 1e5 * std::f64::consts::FRAC_PI_2],
                floor: None,
            },
        },
    ]
}

/// Samples of x^y: positive x over all bit patterns with moderate y; x near [0.5, 2] with
/// |y| up to 2000 (|y ln x| through the overflow and underflow edges); negative x with
/// integer y; y aimed at the overflow, underflow and subnormal edges; x near 1 with huge
/// y; both over all bit patterns; and every pair of special values.
fn pow_inputs(rng: &mut Rng, p: Precision, n: usize, with_specials: bool) -> Vec<(f64, f64)> {
    let mut v = Vec::with_capacity(n + 400);
    if with_specials {
        let s = specials(p);
        for &x in &s {
            for &y in s.iter().chain(&[0.5, -0.5, 3.0, -3.0, 1.5, 2.5]) {
                v.push((x, p.round(y)));
            }
        }
    }
    let edges: &[f64] = match p {
        Precision::F64 => &[709.782712893384, -708.3964185322641, -745.1332191019411, -720.0],
        Precision::F32 => &[88.72283935546875, -87.33654022216797, -103.97207641601562, -95.0],
    };
    for _ in 0..n {
        let pick = rng.below_u64(100);
        let pair = if pick < 25 {
            (any_bits(rng, p).abs(), between(rng, p, -8.0, 8.0))
        } else if pick < 50 {
            (between(rng, p, 0.5, 2.0), between(rng, p, -2000.0, 2000.0))
        } else if pick < 65 {
            (-bits_between(rng, p, 1e-3, 100.0, false), (rng.below_u64(121) as f64) - 60.0)
        } else if pick < 80 {
            let x = between(rng, p, 1.001, 10.0);
            let e = edges[rng.below_u64(edges.len() as u64) as usize];
            (x, p.round(e / x.ln() * (1.0 + 1e-4 * (2.0 * rng.unit() - 1.0))))
        } else if pick < 90 {
            (any_bits(rng, p), any_bits(rng, p))
        } else {
            let x = p.round(1.0 + bits_between(rng, p, 1e-15, 1e-3, true));
            (x, bits_between(rng, p, 1.0, 1e15, true))
        };
        v.push(pair);
    }
    v
}

fn measure_pow(p: Precision, samples: usize) -> Stats {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
    let chunk = samples.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mut rng = Rng::new(0x9a55 ^ ((t as u64) << 32) ^ u64::from(p == Precision::F32));
                    let n = chunk.min(samples.saturating_sub(t * chunk));
                    let mut stats = Stats::default();
                    for (x, y) in pow_inputs(&mut rng, p, n, t == 0) {
                        let truth = Mp::with_val(PREC, x).pow(Mp::with_val(PREC, y));
                        let (ours, steps) = match p {
                            Precision::F32 => {
                                let o = Float::powf(x as f32, y as f32);
                                (f64::from(o), ulps_f32(o, truth.to_f32()))
                            }
                            Precision::F64 => {
                                let o = Float::powf(x, y);
                                (o, ulps_f64(o, truth.to_f64()))
                            }
                        };
                        let err = ulp_error(ours, &truth, p);
                        stats.add(x, y, err, steps);
                    }
                    stats
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a measuring thread panicked")).fold(Stats::default(), Stats::merge)
    })
}

fn cell(s: &Stats) -> String {
    format!("{:.3} / {:.3}", s.max, s.sum / s.count.max(1) as f64)
}

pub fn main(args: &[String]) -> Result<(), String> {
    let o = crate::accuracy::options(args, 1_000_000, "a function name")?;
    let start = Instant::now();
    let mut table = String::from(
        "| function | f64 max / mean | worst x (f64) | f32 max / mean | worst x (f32) | ≥ 1 ULP |\n|---|---|---|---|---|---|\n",
    );
    let mut failures = Vec::new();
    for f in functions().into_iter().filter(|f| o.only.as_deref().is_none_or(|n| n == f.name)) {
        let t = Instant::now();
        let s64 = measure(&f, Precision::F64, o.samples);
        let s32 = measure(&f, Precision::F32, o.samples);
        eprintln!("{}: {:.1?}", f.name, t.elapsed());
        writeln!(
            table,
            "| {} | {} | {:e} | {} | {:e} | {} |",
            f.name,
            cell(&s64),
            s64.worst,
            cell(&s32),
            s32.worst as f32,
            s64.over + s32.over
        )
        .unwrap();
        for (s, ty) in [(&s64, "f64"), (&s32, "f32")] {
            if s.over > 0 {
                failures.push(format!(
                    "{} ({ty}): {} results ≥ 1 ULP off, worst {:.3} at x = {:e}",
                    f.name, s.over, s.max, s.worst
                ));
            }
        }
    }
    if o.only.as_deref().is_none_or(|n| n == "powf") {
        let t = Instant::now();
        let s64 = measure_pow(Precision::F64, o.samples);
        let s32 = measure_pow(Precision::F32, o.samples);
        eprintln!("powf: {:.1?}", t.elapsed());
        writeln!(
            table,
            "| powf | {} | ({:e}, {:e}) | {} | ({:e}, {:e}) | {} |",
            cell(&s64),
            s64.worst,
            s64.worst_y,
            cell(&s32),
            s32.worst as f32,
            s32.worst_y as f32,
            s64.over + s32.over
        )
        .unwrap();
        for (s, ty) in [(&s64, "f64"), (&s32, "f32")] {
            if s.over > 0 {
                failures.push(format!(
                    "powf ({ty}): {} results ≥ 1 ULP off, worst {:.3} at (x, y) = ({:e}, {:e})",
                    s.over, s.max, s.worst, s.worst_y
                ));
            }
        }
    }
    println!("{table}");
    eprintln!("{} inputs per function and precision, in {:.1?}", o.samples, start.elapsed());
    if !failures.is_empty() {
        eprintln!("{}", failures.join("\n"));
        if o.check {
            return Err(format!("{} functions are 1 ULP or more off", failures.len()));
        }
    }
    Ok(())
}

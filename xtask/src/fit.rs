//! `cargo xtask fit [--check]`: the polynomial coefficients and split constants of the
//! runtime's elementary functions (`activation-runtime/src/math`), computed here in MPFR
//! and written to `activation-runtime/src/math/coefficients.rs`. `--check` fails when that
//! file differs from what this task computes.
//!
//! Each polynomial is a weighted minimax fit by the Remez exchange algorithm, run in MPFR
//! at [`PREC`] bits on a dense grid of Chebyshev-distributed points (the reference moves
//! to the grid's local extrema of the error). The coefficients are then rounded to the
//! target precision one at a time, from the lowest power up, each rounding followed by a
//! new fit of the remaining ones, so that later coefficients absorb earlier roundings.
//! The approximation error printed for each fit is that of the rounded coefficients
//! (evaluated exactly, on the grid); the rounding of the evaluation itself is measured by
//! `cargo xtask elementary`.

use std::fmt::Write as _;

use rug::float::{Constant, Round};
use rug::ops::Pow;
use rug::Float;

/// MPFR working precision of the fits.
pub const PREC: u32 = 256;
/// Points of the grid the error is examined on.
const GRID: usize = 2000;

/// The generated file, relative to the workspace root.
const OUTPUT: &str = "activation-runtime/src/math/coefficients.rs";

fn mp(v: f64) -> Float {
    Float::with_val(PREC, v)
}

/// How the error of a fit is measured.
#[derive(Clone, Copy)]
pub enum Weight {
    /// |g − p|.
    Absolute,
    /// |g − p| / |g|.
    Relative,
}

/// A weighted minimax fit: p(t) = Σ c_i t^powers[i] ≈ g(t) on [lo, hi].
pub struct Fit<'a> {
    pub powers: Vec<u32>,
    pub lo: f64,
    pub hi: f64,
    pub weight: Weight,
    pub g: &'a dyn Fn(&Float) -> Float,
}

/// The result of [`remez`]: coefficients and the weighted max error on the grid.
pub struct Fitted {
    pub coefficients: Vec<Float>,
    pub error: f64,
}

/// The grid: `GRID` Chebyshev-distributed points of [lo, hi] (endpoints included).
fn grid(lo: f64, hi: f64) -> Vec<Float> {
    let (lo, hi) = (mp(lo), mp(hi));
    let mid = Float::with_val(PREC, &lo + &hi) / 2;
    let half = Float::with_val(PREC, &hi - &lo) / 2;
    let pi = Float::with_val(PREC, Constant::Pi);
    (0..GRID)
        .map(|j| {
            let angle = Float::with_val(PREC, &pi * j as u32) / (GRID as u32 - 1);
            let c = angle.cos();
            let t = Float::with_val(PREC, &mid - &half * c);
            // A removable singularity at 0 is evaluated just beside it (near enough that the
            // function has not moved, far enough that its cancelling expression keeps
            // PREC − 80 bits).
            if t.is_zero() {
                Float::with_val(PREC, Float::i_exp(1, -80))
            } else {
                t
            }
        })
        .collect()
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<Float>>, mut b: Vec<Float>) -> Vec<Float> {
    let n = b.len();
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i][col].clone().abs().partial_cmp(&a[j][col].clone().abs()).unwrap()).unwrap();
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (pivot_row, bp) = (a[col].clone(), b[col].clone());
        for (row, br) in a.iter_mut().zip(b.iter_mut()).skip(col + 1) {
            let factor = Float::with_val(PREC, &row[col] / &pivot_row[col]);
            for (v, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                *v -= Float::with_val(PREC, &factor * p);
            }
            *br -= Float::with_val(PREC, &factor * &bp);
        }
    }
    let mut x = vec![mp(0.0); n];
    for row in (0..n).rev() {
        let mut s = b[row].clone();
        for k in row + 1..n {
            s -= Float::with_val(PREC, &a[row][k] * &x[k]);
        }
        x[row] = s / &a[row][row];
    }
    x
}

/// The problem on the grid: points, basis values, target and weight at each point.
struct Problem {
    basis: Vec<Vec<Float>>,
    target: Vec<Float>,
    weight: Vec<Float>,
}

impl Problem {
    fn new(fit: &Fit) -> Problem {
        let points = grid(fit.lo, fit.hi);
        let target: Vec<Float> = points.iter().map(|t| (fit.g)(t)).collect();
        let weight = target
            .iter()
            .map(|g| match fit.weight {
                Weight::Absolute => mp(1.0),
                Weight::Relative => Float::with_val(PREC, 1.0 / g.clone().abs()),
            })
            .collect();
        let basis =
            points.iter().map(|t| fit.powers.iter().map(|&k| Float::with_val(PREC, t.pow(k))).collect()).collect();
        Problem { basis, target, weight }
    }

    /// Weighted error of `c` (over the basis columns `cols`) against `target` at each point.
    fn errors(&self, cols: &[usize], c: &[Float], target: &[Float]) -> Vec<Float> {
        (0..self.target.len())
            .map(|j| {
                let mut p = mp(0.0);
                for (&col, ci) in cols.iter().zip(c) {
                    p += Float::with_val(PREC, ci * &self.basis[j][col]);
                }
                Float::with_val(PREC, &target[j] - &p) * &self.weight[j]
            })
            .collect()
    }

    /// Weighted least-squares fit of `target` over the basis columns `cols` (normal
    /// equations, solved in MPFR).
    fn least_squares(&self, cols: &[usize], target: &[Float]) -> Vec<Float> {
        let n = cols.len();
        let mut a = vec![vec![mp(0.0); n]; n];
        let mut b = vec![mp(0.0); n];
        for ((basis, weight), t) in self.basis.iter().zip(&self.weight).zip(target) {
            let w2 = Float::with_val(PREC, weight.square_ref());
            for (r, &cr) in cols.iter().enumerate() {
                let br = Float::with_val(PREC, &basis[cr] * &w2);
                b[r] += Float::with_val(PREC, &br * t);
                for (c, &cc) in cols.iter().enumerate() {
                    a[r][c] += Float::with_val(PREC, &br * &basis[cc]);
                }
            }
        }
        solve(a, b)
    }

    /// Minimax fit of `target` over the basis columns `cols`.
    fn remez(&self, cols: &[usize], target: &[Float]) -> Fitted {
        let n = cols.len();
        let m = self.target.len();
        // Initial reference: the grid points nearest the Chebyshev extrema of degree n.
        let mut reference: Vec<usize> = (0..n + 1).map(|i| i * (m - 1) / n).collect();
        let mut best: Option<Fitted> = None;
        for _ in 0..40 {
            let a: Vec<Vec<Float>> = reference
                .iter()
                .enumerate()
                .map(|(k, &j)| {
                    let mut row: Vec<Float> = cols.iter().map(|&col| self.basis[j][col].clone()).collect();
                    let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
                    row.push(Float::with_val(PREC, sign / &self.weight[j]));
                    row
                })
                .collect();
            let b: Vec<Float> = reference.iter().map(|&j| target[j].clone()).collect();
            let mut x = solve(a, b);
            let levelled = x.pop().unwrap().abs().to_f64();
            let e = self.errors(cols, &x, target);
            let max = e.iter().map(|v| v.clone().abs().to_f64()).fold(0.0, f64::max);
            if best.as_ref().is_none_or(|b| max < b.error) {
                best = Some(Fitted { coefficients: x, error: max });
            }
            if max <= levelled * (1.0 + 1e-4) {
                break;
            }
            // New reference: the largest error of each run of one sign, trimmed to n + 1.
            let mut peaks: Vec<usize> = Vec::new();
            for j in 0..m {
                let s = e[j].is_sign_negative();
                match peaks.last() {
                    Some(&p) if e[p].is_sign_negative() == s => {
                        if e[j].clone().abs() > e[p].clone().abs() {
                            *peaks.last_mut().unwrap() = j;
                        }
                    }
                    _ => peaks.push(j),
                }
            }
            if peaks.len() < n + 1 {
                break;
            }
            while peaks.len() > n + 1 {
                let mag = |i: usize| e[peaks[i]].clone().abs();
                let smallest = (0..peaks.len()).min_by(|&i, &j| mag(i).partial_cmp(&mag(j)).unwrap()).unwrap();
                if smallest == 0 || smallest == peaks.len() - 1 {
                    peaks.remove(smallest);
                } else if peaks.len() - (n + 1) == 1 {
                    let last = peaks.len() - 1;
                    peaks.remove(if mag(0) < mag(last) { 0 } else { last });
                } else {
                    // Remove it with its smaller neighbour: the signs still alternate.
                    let other = if mag(smallest - 1) < mag(smallest + 1) { smallest - 1 } else { smallest + 1 };
                    peaks.remove(smallest.max(other));
                    peaks.remove(smallest.min(other));
                }
            }
            if peaks == reference {
                break;
            }
            reference = peaks;
        }
        best.unwrap()
    }
}

/// Rounds to `f64` or `f32` (as an `f64`).
fn round_to(v: &Float, single: bool) -> f64 {
    if single {
        f64::from(v.to_f32_round(Round::Nearest))
    } else {
        v.to_f64_round(Round::Nearest)
    }
}

/// The fit with its coefficients rounded to the target precision: the best (smallest
/// weighted error on the grid) of three roundings of the minimax fit: each coefficient
/// rounded to nearest; and one at a time from the lowest power up, each rounding followed
/// by a new fit of the remaining coefficients, by Remez or by weighted least squares (the
/// remaining powers vanish together at 0, so on an interval around 0 they are not a
/// Chebyshev system and the exchange may stall; least squares always converges).
pub fn fit_rounded(fit: &Fit, single: bool) -> (Vec<f64>, f64) {
    let problem = Problem::new(fit);
    let n = fit.powers.len();
    let all: Vec<usize> = (0..n).collect();
    let error_of = |c: &[f64]| {
        let c: Vec<Float> = c.iter().map(|&v| mp(v)).collect();
        problem.errors(&all, &c, &problem.target).iter().map(|v| v.clone().abs().to_f64()).fold(0.0, f64::max)
    };
    let minimax = problem.remez(&all, &problem.target);
    let plain: Vec<f64> = minimax.coefficients.iter().map(|c| round_to(c, single)).collect();
    let mut candidates = vec![plain];
    for least_squares in [false, true] {
        let mut target = problem.target.clone();
        let mut rounded = Vec::with_capacity(n);
        for i in 0..n {
            let cols: Vec<usize> = (i..n).collect();
            let c = if least_squares {
                problem.least_squares(&cols, &target)
            } else {
                problem.remez(&cols, &target).coefficients
            };
            let c = round_to(&c[0], single);
            rounded.push(c);
            for (j, t) in target.iter_mut().enumerate() {
                *t -= Float::with_val(PREC, &problem.basis[j][i] * c);
            }
        }
        candidates.push(rounded);
    }
    candidates
        .into_iter()
        .map(|c| {
            let e = error_of(&c);
            (c, e)
        })
        .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap())
        .unwrap()
}

/// The unrounded minimax error of a fit (for choosing degrees).
pub fn minimax_error(fit: &Fit) -> f64 {
    let problem = Problem::new(fit);
    let cols: Vec<usize> = (0..fit.powers.len()).collect();
    problem.remez(&cols, &problem.target).error
}

/// The two target precisions.
#[derive(Clone, Copy, PartialEq)]
enum Precision {
    F32,
    F64,
}

impl Precision {
    fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        }
    }
    /// Significand bits p.
    fn digits(self) -> u32 {
        match self {
            Precision::F32 => 24,
            Precision::F64 => 53,
        }
    }
    fn emax(self) -> i32 {
        match self {
            Precision::F32 => 127,
            Precision::F64 => 1023,
        }
    }
    /// Bits of the exponents k that multiply LN2_HI: |k| < 2^bits.
    fn exponent_bits(self) -> u32 {
        match self {
            Precision::F32 => 8,
            Precision::F64 => 11,
        }
    }
    /// `v` rounded to this precision, printed so that it reads back exactly.
    fn literal(self, v: &Float) -> String {
        match self {
            Precision::F32 => format!("{:?}", v.to_f32_round(Round::Nearest)),
            Precision::F64 => format!("{:?}", v.to_f64_round(Round::Nearest)),
        }
    }
    fn single(self) -> bool {
        self == Precision::F32
    }
}

/// One polynomial of the runtime, in one precision: what it approximates, where, with how
/// many coefficients (powers 0, 1, …).
struct Poly {
    name: &'static str,
    /// What the coefficients approximate (for the generated comment).
    what: &'static str,
    g: fn(&Float) -> Float,
    weight: Weight,
    lo: f64,
    hi: f64,
    n: u32,
}

fn ln2() -> Float {
    Float::with_val(PREC, Constant::Log2)
}

fn pi() -> Float {
    Float::with_val(PREC, Constant::Pi)
}

/// (e^r − 1 − r − r²/2) / r³.
fn exp_q(r: &Float) -> Float {
    let e = Float::with_val(PREC, r.exp_m1_ref());
    let r2 = Float::with_val(PREC, r * r);
    let num = e - r - Float::with_val(PREC, &r2 / 2);
    num / (r2 * r)
}

/// (e^r − 1 − r) / r²: `f32`'s e^x computed in `f64` (`EXP_WIDE`).
fn exp_p(r: &Float) -> Float {
    let e = Float::with_val(PREC, r.exp_m1_ref());
    let r2 = Float::with_val(PREC, r * r);
    (e - r) / r2
}

/// The coefficients of `EXP_WIDE`: e^r = 1 + r + r² P(r) on |r| ≤ ln 2 / 2 in `f64`, for
/// `f32`'s e^x. The `f64` result must be far closer to the truth than half an `f32` ULP, so
/// that rounding it to `f32` is almost always the correct rounding: with 6 coefficients P's
/// relative error is 2^-28.5, and r² P is at most 0.077 of the result, so the result is
/// within 2^-32 (plus a few `f64` roundings): at most 0.5 + 2^-8 `f32` ULP. One coefficient
/// fewer would allow 0.5 + 2^-4.
const EXP_WIDE_N: u32 = 6;

/// The coefficients of `LN_WIDE`: ln(1 + f) = 2s + s z P(z), s = f / (2 + f), z = s² ≤
/// 0.0295, in `f64`, for `f32`'s ln and log1p. s z P is at most a hundredth of the result
/// (2s z / 3 against 2s), so P's relative error reaches the result divided by 100: with 4
/// coefficients (2^-29) the `f64` value is within 2^-35 of the truth (plus a few `f64`
/// roundings), at most 0.5 + 2^-11 `f32` ULP after the one rounding to `f32`.
const LN_WIDE_N: u32 = 4;

/// The coefficients of `LN_POW_WIDE`: the same ln(1 + f) for `f32`'s powf, whose result
/// e^(y ln|x|) carries the logarithm's error times |y ln|x||, up to about 104 before `f32`
/// overflows or underflows. With 5 coefficients (2^-36) ln|x| is within about 2^-42 relative,
/// y ln|x| within 2^-35 absolute, and the result within 2^-32 relative as `f32`'s e^x:
/// at most 0.5 + 2^-8 `f32` ULP after the one rounding.
const LN_POW_WIDE_N: u32 = 5;

/// The coefficients of `SIN_WIDE`: sin r = r − r³/6 + r⁵ S(r²) for |r| ≤ π/4 in `f64`,
/// for `f32`'s sine and cosine. r⁵ S is at most w²/120 ≤ 0.0032 of sin r (w = r² ≤ 0.617),
/// so S's error (2^-25.4 with 3 coefficients) reaches the result below 2^-33, as close as
/// `EXP_WIDE` brings e^x: the `f64` value is within about 2^-33 of the truth before its one
/// rounding to `f32`.
const SIN_WIDE_N: u32 = 3;

/// The coefficients of `COS_WIDE`: cos r = 1 − r²/2 + r⁴ C(r²) for |r| ≤ π/4, as
/// `SIN_WIDE`: r⁴ C is at most 0.022 of cos r, so C needs 4 coefficients (2^-34; 3 give
/// 2^-24.3, only 2^-29.8 in the result) to put the result within about 2^-39.
const COS_WIDE_N: u32 = 4;

/// The coefficients of `ATAN_WIDE`: atan z = z + z³ P(z²) for |z| ≤ tan(π/16) in `f64`,
/// for `f32`'s arctangent after its reduction to the nearest tan(jπ/8). z³ P is at most
/// 0.014 of atan z, so P's error (2^-27.6 with 4 coefficients) reaches the result near
/// 2^-33.8.
const ATAN_WIDE_N: u32 = 4;

/// erf(√w)/√w: `f32`'s compensated erf in `f64` for |x| ≤ 0.5, erf x = x P(x²)
/// (`ERF_WIDE`).
fn erf_wide_p(w: &Float) -> Float {
    let x = Float::with_val(PREC, w.sqrt_ref());
    Float::with_val(PREC, x.erf_ref()) / &x
}

/// The coefficients of `ERF_WIDE`: erf x = x P(x²) for |x| ≤ 0.5 in `f64`, for the `f64`
/// values that carry `f32`'s compensated numbers (`crate::dd::wide`), which need about
/// 2^-30 relative: 6 coefficients give 2^-36 (5 would give 2^-29.5).
const ERF_WIDE_N: u32 = 6;

/// Where the wide erfc stops: erfc(26.6) ≈ 2.7e-309 is below `f64`'s normal range
/// (2^-1022 ≈ 2.2e-308 is reached at x ≈ 26.54), which `wide_erf` checks in MPFR.
const ERFC_WIDE_MAX: f64 = 26.6;

/// The variable of the wide erfc's polynomial is t = `ERFC_K` / (x + `ERFC_K`), centred on
/// `ERFC_WIDE_T0` (t's interval over [0.5, `ERFC_WIDE_MAX`], its midpoint rounded to 8 bits).
fn erfc_wide_t0() -> f64 {
    let mid = (ERFC_K / (ERFC_WIDE_MAX + ERFC_K) + ERFC_K / (0.5 + ERFC_K)) / 2.0;
    (mid * 256.0).round() / 256.0
}

/// erfcx(x) / t at x = K/t − K, t = τ + t₀: erfc x = e^(−x²) · t · S(τ) (`ERFC_WIDE`).
fn erfc_wide_s(tau: &Float) -> Float {
    let t = Float::with_val(PREC, tau + erfc_wide_t0());
    let x = Float::with_val(PREC, mp(ERFC_K) / &t) - ERFC_K;
    erfcx(&x) / t
}

/// The coefficients of `ERFC_WIDE`, relative error, on x in [0.5, `ERFC_WIDE_MAX`]: with
/// K = 4, 12 coefficients give 2^-33 (11 give 2^-27.4; with K = 2, 3 or 5, 12 give 2^-31.4,
/// 2^-32.0 and 2^-27.3). With e^(−x²) within 2^-32, erfc is within about 2^-31.
const ERFC_WIDE_N: u32 = 12;

/// (2 atanh(√z)/√z − 2 − 2z/3 − 2z²/5) / z³ = Σ_{n≥3} 2 z^(n−3) / (2n + 1): powf's
/// logarithm, with two more terms exact. Summed as its series (z ≤ 0.03: 80 terms are far
/// beyond PREC bits), which does not cancel.
fn ln_q(z: &Float) -> Float {
    let mut sum = mp(0.0);
    let mut power = mp(1.0);
    for n in 3u32..83 {
        sum += Float::with_val(PREC, &power * 2u32) / (2 * n + 1);
        power *= z;
    }
    sum
}

/// (2 atanh(√z)/√z − 2) / z.
fn ln_r(z: &Float) -> Float {
    let s = Float::with_val(PREC, z.sqrt_ref());
    let a = Float::with_val(PREC, s.atanh_ref()) * 2 / &s;
    (a - 2) / z
}

/// (erf(√w)/√w − 1 − c0) / w, c0 = 2/√π − 1.
fn erf_y(w: &Float) -> Float {
    let x = Float::with_val(PREC, w.sqrt_ref());
    let c0 = Float::with_val(PREC, 2 / Float::with_val(PREC, pi().sqrt_ref())) - 1;
    (Float::with_val(PREC, x.erf_ref()) / &x - 1 - c0) / w
}

/// erfc x · e^(x²) (erfcx).
fn erfcx(x: &Float) -> Float {
    Float::with_val(PREC, x.erfc_ref()) * Float::with_val(PREC, x.square_ref()).exp()
}

/// The pole b of erfc's leading approximation erfcx(x) ≈ a / (x + b) (with b ≈ 0.44 the
/// correction δ below stays within ±6% on [0.5, 27.3]).
pub const ERFC_B: f64 = 0.4375;

/// The numerator a of erfc's leading approximation, for one precision: centres the
/// correction δ = erfcx(x) (x + b) / a − 1 on [0.5, x_max] around 0.
fn erfc_a(single: bool) -> f64 {
    static CACHE: [std::sync::OnceLock<f64>; 2] = [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    *CACHE[usize::from(single)].get_or_init(|| erfc_a_uncached(single))
}

fn erfc_a_uncached(single: bool) -> f64 {
    let x_max = if single { ERFC_MAX_F32 } else { ERFC_MAX_F64 };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..=2000 {
        let x = mp(0.5 + (x_max - 0.5) * (f64::from(i) / 2000.0).powi(3));
        let r = (erfcx(&x) * (x + ERFC_B)).to_f64();
        lo = lo.min(r);
        hi = hi.max(r);
    }
    round_to(&mp((lo + hi) / 2.0), single)
}

/// Beyond it erfc rounds to 0 (erfc(x_max) < 2^(emin − p) / 2): 27.3 in `f64`, 10.1 in
/// `f32` (checked by `erfc_max_is_beyond_underflow`).
const ERFC_MAX_F64: f64 = 27.3;
const ERFC_MAX_F32: f64 = 10.1;

/// The variable of erfc's correction: t = K / (x + K), so that x = ∞ (where δ has an
/// essential singularity) stays well away from the interval fitted.
pub const ERFC_K: f64 = 4.0;

/// The centre t₀ of t's interval (rounded to 8 bits): the polynomial is in τ = t − t₀,
/// whose monomial coefficients stay small (in t they alternate up to ±10, and Horner's
/// rule would cancel).
fn erfc_t0(single: bool) -> f64 {
    let x_max = if single { ERFC_MAX_F32 } else { ERFC_MAX_F64 };
    let mid = (ERFC_K / (x_max + ERFC_K) + ERFC_K / (0.5 + ERFC_K)) / 2.0;
    (mid * 256.0).round() / 256.0
}

/// δ(τ) = erfcx(x) (x + b) / a − 1 at x = K/t − K, t = τ + t₀.
fn erfc_delta(tau: &Float, single: bool) -> Float {
    let t = Float::with_val(PREC, tau + erfc_t0(single));
    let a = mp(erfc_a(single));
    let x = Float::with_val(PREC, mp(ERFC_K) / t) - ERFC_K;
    erfcx(&x) * (x + ERFC_B) / a - 1
}

fn erfc_delta_f32(v: &Float) -> Float {
    erfc_delta(v, true)
}

fn erfc_delta_f64(v: &Float) -> Float {
    erfc_delta(v, false)
}

/// (atan(√w)/√w − 1) / w.
fn atan_p(w: &Float) -> Float {
    let x = Float::with_val(PREC, w.sqrt_ref());
    (Float::with_val(PREC, x.atan_ref()) / &x - 1) / w
}

/// The centres c_j = tan(jπ/8) (j = 1, 2, 3) of atan's reduction, rounded, and the interval
/// boundaries tan((2j+1)π/16) (j = 0…3), rounded; beyond the last, the centre is ∞.
fn atan_points(single: bool) -> (Vec<f64>, Vec<f64>) {
    let tan = |num: u32, den: u32| round_to(&Float::with_val(PREC, pi() * num / den).tan(), single);
    ((1..4).map(|j| tan(j, 8)).collect(), (0..4).map(|j| tan(2 * j + 1, 16)).collect())
}

/// The largest |z| = |y − c| / (1 + c y) over atan's intervals (and 1/y beyond the last).
fn atan_z_max(single: bool) -> f64 {
    let (c, t) = atan_points(single);
    let z = |y: f64, c: f64| (Float::with_val(PREC, mp(y) - c) / (mp(y) * c + 1u32)).abs().to_f64();
    let mut m = t[0].max(1.0 / t[3]);
    for j in 0..3 {
        m = m.max(z(t[j], c[j])).max(z(t[j + 1], c[j]));
    }
    m
}

/// (sin(√w)/√w − 1 + w/6) / w².
fn sin_s(w: &Float) -> Float {
    let x = Float::with_val(PREC, w.sqrt_ref());
    (Float::with_val(PREC, x.sin_ref()) / &x - 1 + Float::with_val(PREC, w / 6u32))
        / Float::with_val(PREC, w.square_ref())
}

/// (cos(√w) − 1 + w/2) / w².
fn cos_c(w: &Float) -> Float {
    let x = Float::with_val(PREC, w.sqrt_ref());
    (Float::with_val(PREC, x.cos_ref()) - 1 + Float::with_val(PREC, w / 2u32)) / Float::with_val(PREC, w.square_ref())
}

/// Cody–Waite parts of π/2 for one precision: `n − 1` parts of `bits` bits (so that k times
/// each is exact for |k| < 2^(p − bits)) and a last part rounded to the precision.
fn pio2_parts(p: Precision) -> Vec<Float> {
    let (n, bits) = match p {
        Precision::F32 => (5, 12),
        Precision::F64 => (4, 33),
    };
    let mut rest = Float::with_val(PREC, pi() / 2u32);
    let mut parts = Vec::new();
    for i in 0..n {
        let part = if i + 1 < n { round_bits(&rest, bits) } else { mp(round_to(&rest, p.single())) };
        rest -= &part;
        parts.push(part);
    }
    parts
}

/// The bits of 2/π after the binary point, 64 to a word, most significant first: enough
/// for the exact reduction of any finite `f64` (exponents up to 1023 − 52, plus a window
/// of 192 bits).
fn two_over_pi_words() -> Vec<u64> {
    let words = 20;
    let v =
        Float::with_val(64 * words as u32 + 64, Float::with_val(64 * words as u32 + 64, Constant::Pi).recip() * 2u32);
    let mut frac = v;
    let mut out = Vec::new();
    // 32 bits at a time: each chunk is an integer below 2^32, exact as an f64.
    let mut chunk = || {
        frac <<= 32;
        let whole = Float::with_val(frac.prec(), frac.floor_ref());
        let bits = whole.to_f64() as u64;
        frac -= whole;
        bits
    };
    for _ in 0..words {
        let high = chunk();
        out.push((high << 32) | chunk());
    }
    out
}

/// The `f64` tables of `f32`'s functions computed in `f64` and rounded once (relative
/// error), each with who uses it: their sizes are the `*_WIDE_N` above.
fn wide_polys() -> Vec<(Poly, &'static str)> {
    let relative = |name, what, g, lo, hi, n| Poly { name, what, g, weight: Weight::Relative, lo, hi, n };
    let ln = "(2 atanh(√z)/√z − 2) / z, relative error";
    let (sin_cos, trig) = (0.617, "`f32`'s sin and cos, computed in `f64` and rounded once (`super::trig`)");
    vec![
        (
            relative("EXP_WIDE", "(e^r − 1 − r) / r², relative error", exp_p, -0.3467, 0.3467, EXP_WIDE_N),
            "`f32`'s e^x, computed in `f64` and rounded once (`super::exp`)",
        ),
        (
            relative("LN_WIDE", ln, ln_r, 0.0, 0.0295, LN_WIDE_N),
            "`f32`'s ln and log1p, computed in `f64` and rounded once (`super::log`)",
        ),
        (
            relative("LN_POW_WIDE", ln, ln_r, 0.0, 0.0295, LN_POW_WIDE_N),
            "`f32`'s powf, ln|x| computed in `f64` (`super::pow`)",
        ),
        (relative("SIN_WIDE", "(sin(√w)/√w − 1 + w/6) / w², relative error", sin_s, 0.0, sin_cos, SIN_WIDE_N), trig),
        (relative("COS_WIDE", "(cos(√w) − 1 + w/2) / w², relative error", cos_c, 0.0, sin_cos, COS_WIDE_N), trig),
        (
            relative(
                "ATAN_WIDE",
                "(atan(√w)/√w − 1) / w, relative error",
                atan_p,
                0.0,
                atan_z_max(false).powi(2) * (1.0 + 1e-6),
                ATAN_WIDE_N,
            ),
            "`f32`'s atan, computed in `f64` and rounded once (`super::trig`)",
        ),
    ]
}

fn polys(p: Precision) -> Vec<Poly> {
    let single = p.single();
    let pick = |n32: u32, n64: u32| if single { n32 } else { n64 };
    let half_ln2 = 0.3467;
    // s = f / (2 + f) for f in [√½ − 1, √2 − 1]: |s| ≤ 3 − 2√2 = 0.1716, z = s² ≤ 0.02944.
    let z_max = 0.0295;
    // erfc's correction δ(v) for v = a / (x + b), x in [0.5, x_max].
    let x_max = if single { ERFC_MAX_F32 } else { ERFC_MAX_F64 };
    let t0 = erfc_t0(single);
    let (v_lo, v_hi) = (ERFC_K / (x_max + ERFC_K) * (1.0 - 1e-6) - t0, ERFC_K / (0.5 + ERFC_K) * (1.0 + 1e-6) - t0);
    vec![
        Poly {
            name: "EXP",
            what: "(e^r − 1 − r − r²/2) / r³, relative error",
            g: exp_q,
            weight: Weight::Relative,
            lo: -half_ln2,
            hi: half_ln2,
            n: pick(5, 10),
        },
        Poly {
            name: "LN",
            what: "(2 atanh(√z)/√z − 2) / z, relative error",
            g: ln_r,
            weight: Weight::Relative,
            lo: 0.0,
            hi: z_max,
            n: pick(4, 8),
        },
        Poly {
            name: "LN_POW",
            what: "(2 atanh(√z)/√z − 2 − 2z/3 − 2z²/5) / z³, relative error",
            g: ln_q,
            weight: Weight::Relative,
            lo: 0.0,
            hi: z_max,
            n: pick(3, 7),
        },
        Poly {
            name: "ATAN",
            what: "(atan(√w)/√w − 1) / w, relative error",
            g: atan_p,
            weight: Weight::Relative,
            lo: 0.0,
            hi: atan_z_max(single).powi(2) * (1.0 + 1e-6),
            n: pick(4, 8),
        },
        Poly {
            name: "SIN",
            what: "(sin(√w)/√w − 1 + w/6) / w², relative error",
            g: sin_s,
            weight: Weight::Relative,
            lo: 0.0,
            hi: 0.6170,
            n: pick(3, 6),
        },
        Poly {
            name: "COS",
            what: "(cos(√w) − 1 + w/2) / w², relative error",
            g: cos_c,
            weight: Weight::Relative,
            lo: 0.0,
            hi: 0.6170,
            n: pick(3, 6),
        },
        Poly {
            name: "ERF",
            what: "(erf(√w)/√w − 2/√π) / w, absolute error",
            g: erf_y,
            weight: Weight::Absolute,
            lo: 0.0,
            hi: 0.25,
            n: pick(5, 10),
        },
        Poly {
            name: "ERFC",
            what: "δ(τ) = erfcx(x) (x + ERFC_B) / ERFC_A − 1 at x = ERFC_K/t − ERFC_K, t = τ + ERFC_T0, \
                   absolute error",
            g: if single { erfc_delta_f32 } else { erfc_delta_f64 },
            weight: Weight::Absolute,
            lo: v_lo,
            hi: v_hi,
            n: pick(10, 22),
        },
    ]
}

/// `v` rounded to `bits` significant bits.
fn round_bits(v: &Float, bits: u32) -> Float {
    Float::with_val(PREC, Float::with_val(bits, v))
}

/// The constants (not polynomials) of one precision, as `(name, doc, value)`.
fn constants(p: Precision) -> Vec<(&'static str, String)> {
    let digits = p.digits();
    let ln2 = ln2();
    let ln2_hi = round_bits(&ln2, digits - p.exponent_bits());
    let ln2_lo = Float::with_val(PREC, &ln2 - &ln2_hi);
    let emax = p.emax();
    let emin = 1 - emax;
    // e^x overflows above (emax + 1) ln 2 and rounds to 0 below (emin − p) ln 2.
    let exp_max = Float::with_val(PREC, &ln2 * (emax + 1)).ceil();
    let exp_min = Float::with_val(PREC, &ln2 * (emin - digits as i32)).floor();
    // e^x − 1 rounds to −1 once e^x < 2^-(p+1); a margin of one more binade.
    let expm1_min = Float::with_val(PREC, &ln2 * -(digits as i32 + 2)).floor();
    // erf x = x (1 + c0 + …), c0 = 2/√π − 1, as a double-double.
    let erf_c0 = Float::with_val(PREC, 2 / Float::with_val(PREC, pi().sqrt_ref())) - 1;
    // tanh y = 1 − 2e^-2y + … rounds to 1 once 2e^-2y < 2^-(p+1).
    let tanh_max = Float::with_val(PREC, &ln2 * (digits + 2)) / 2u32;
    vec![
        ("LOG2E", p.literal(&Float::with_val(PREC, 1 / &ln2))),
        ("LN2_HI", p.literal(&ln2_hi)),
        ("LN2_LO", p.literal(&ln2_lo)),
        ("EXP_MIN", p.literal(&exp_min)),
        ("EXP_MAX", p.literal(&exp_max)),
        ("EXPM1_MIN", p.literal(&expm1_min)),
        ("TANH_MAX", p.literal(&tanh_max.ceil())),
        // sinh and cosh ≈ e^x / 2 overflow above (emax + 2) ln 2.
        ("SINH_MAX", p.literal(&Float::with_val(PREC, &ln2 * (emax + 2)).ceil())),
        // |k| = |round(x 2/π)| < 2^(p − bits of the Cody–Waite parts).
        ("TRIG_FAST_MAX", p.literal(&mp(if p.single() { 4096.0 } else { 1048576.0 }))),
        ("TWO_OVER_PI", p.literal(&Float::with_val(PREC, 2u32 / pi()))),
        ("TWO_THIRDS_HI", p.literal(&Float::with_val(PREC, mp(2.0) / 3u32))),
        (
            "TWO_THIRDS_LO",
            p.literal(&Float::with_val(
                PREC,
                Float::with_val(PREC, mp(2.0) / 3u32) - round_to(&Float::with_val(PREC, mp(2.0) / 3u32), p.single()),
            )),
        ),
        ("TWO_FIFTHS_HI", p.literal(&Float::with_val(PREC, mp(2.0) / 5u32))),
        (
            "TWO_FIFTHS_LO",
            p.literal(&Float::with_val(
                PREC,
                Float::with_val(PREC, mp(2.0) / 5u32) - round_to(&Float::with_val(PREC, mp(2.0) / 5u32), p.single()),
            )),
        ),
        ("SIXTH_HI", p.literal(&Float::with_val(PREC, mp(1.0) / 6u32))),
        (
            "SIXTH_LO",
            p.literal(&Float::with_val(
                PREC,
                Float::with_val(PREC, mp(1.0) / 6u32) - round_to(&Float::with_val(PREC, mp(1.0) / 6u32), p.single()),
            )),
        ),
        ("ERFC_A", p.literal(&mp(erfc_a(p.single())))),
        ("ERFC_B", p.literal(&mp(ERFC_B))),
        ("ERF_C0_HI", p.literal(&erf_c0)),
        ("ERF_C0_LO", p.literal(&Float::with_val(PREC, &erf_c0 - round_to(&erf_c0, p.single())))),
        ("ERFC_K", p.literal(&mp(ERFC_K))),
        ("ERFC_T0", p.literal(&mp(erfc_t0(p.single())))),
        ("ERFC_MAX", p.literal(&mp(if p.single() { ERFC_MAX_F32 } else { ERFC_MAX_F64 }))),
    ]
}

/// The constant arrays of one precision, as `(name, values)`.
fn arrays(p: Precision) -> Vec<(&'static str, Vec<String>)> {
    let single = p.single();
    let (c, t) = atan_points(single);
    // atan of each centre (0, c1, c2, c3, ∞) as a double-double, of the rounded centre.
    let mut hi = vec![p.literal(&mp(0.0))];
    let mut lo = vec![p.literal(&mp(0.0))];
    let atans = c.iter().map(|&cj| mp(cj).atan()).chain([Float::with_val(PREC, pi() / 2u32)]);
    for a in atans {
        let h = round_to(&a, single);
        hi.push(p.literal(&mp(h)));
        lo.push(p.literal(&Float::with_val(PREC, &a - h)));
    }
    let mut centres = vec![p.literal(&mp(0.0))];
    centres.extend(c.iter().map(|&v| p.literal(&mp(v))));
    vec![
        ("PIO2", pio2_parts(p).iter().map(|v| p.literal(v)).collect()),
        ("ATAN_C", centres),
        ("ATAN_T", t.iter().map(|&v| p.literal(&mp(v))).collect()),
        ("ATAN_HI", hi),
        ("ATAN_LO", lo),
    ]
}

/// The generated file's text; also prints each fit's error.
fn generate() -> String {
    let mut out = String::new();
    out.push_str(
        "//! Generated by `cargo xtask fit` (xtask/src/fit.rs): do not edit; rerun the command.\n\
         //! Minimax coefficients computed in MPFR and rounded to the target precision, and\n\
         //! the split constants of the range reductions. The errors quoted are those of the\n\
         //! rounded coefficients (weighted as stated), not counting evaluation rounding.\n\
         \n\
         // Values near π/4, 1/ln 2, … are the rounded constants themselves, not approximations.\n\
         #![allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]\n\
         \n\
         use super::Tables;\n",
    );
    for p in [Precision::F64, Precision::F32] {
        let t = p.name();
        writeln!(out, "\nimpl Tables for {t} {{").unwrap();
        for (name, value) in constants(p) {
            writeln!(out, "    const {name}: {t} = {value};").unwrap();
        }
        for (name, values) in arrays(p) {
            writeln!(out, "    const {name}: &'static [{t}] = &[{}];", values.join(", ")).unwrap();
        }
        for poly in polys(p) {
            let (lo, hi, n) = (poly.lo, poly.hi, poly.n);
            let fit = Fit { powers: (0..n).collect(), lo, hi, weight: poly.weight, g: &poly.g };
            let (c, error) = fit_rounded(&fit, p.single());
            eprintln!(
                "{t} {}: {n} coefficients on [{lo:.6}, {hi:.6}], error 2^{:.1} (unrounded 2^{:.1})",
                poly.name,
                error.log2(),
                minimax_error(&fit).log2()
            );
            writeln!(
                out,
                "    /// {} on [{lo:.6}, {hi:.6}]: {n} coefficients, error 2^{:.1}.",
                poly.what,
                error.log2()
            )
            .unwrap();
            let list: Vec<String> =
                c.iter().map(|&v| if p.single() { format!("{:?}", v as f32) } else { format!("{v:?}") }).collect();
            writeln!(out, "    const {}: &'static [{t}] = &[{}];", poly.name, list.join(", ")).unwrap();
        }
        out.push_str("}\n");
    }
    for (poly, used) in wide_polys() {
        let Poly { name, what, g, weight, lo, hi, n } = poly;
        let (list, error) = wide_fit(name, &Fit { powers: (0..n).collect(), lo, hi, weight, g: &g });
        writeln!(
            out,
            "\n/// {what}, on [{lo:.6}, {hi:.6}] in `f64`: {n} coefficients, error 2^{:.1}.\n\
             /// {used}.\n\
             pub(crate) const {name}: [f64; {n}] = [{}];",
            error.log2(),
            list.join(", ")
        )
        .unwrap();
    }
    out.push_str(&wide_erf());
    let words: Vec<String> = two_over_pi_words().iter().map(|w| format!("{w:#018x}")).collect();
    let pio2 = Float::with_val(PREC, pi() / 2u32);
    let pio2_hi = pio2.to_f64();
    writeln!(
        out,
        "\n/// The bits of 2/π after the binary point, most significant first (Payne–Hanek).\n\
         pub(crate) const TWO_OVER_PI: [u64; {}] = [{}];\n\
         /// π/2 as a double-double of `f64`s.\n\
         pub(crate) const PIO2_HI: f64 = {pio2_hi:?};\n\
         /// See `PIO2_HI`.\n\
         pub(crate) const PIO2_LO: f64 = {:?};",
        words.len(),
        words.join(", "),
        Float::with_val(PREC, &pio2 - pio2_hi).to_f64()
    )
    .unwrap();
    out
}

/// An `f64` table fitted for the wide kernels: its coefficients as Rust literals and its
/// error (both errors reported on stderr, as `name`).
fn wide_fit(name: &str, fit: &Fit) -> (Vec<String>, f64) {
    let (c, error) = fit_rounded(fit, false);
    eprintln!(
        "f64 {name}: {} coefficients, error 2^{:.1} (unrounded 2^{:.1})",
        c.len(),
        error.log2(),
        minimax_error(fit).log2()
    );
    (c.iter().map(|v| format!("{v:?}")).collect(), error)
}

/// The constants of the wide erf and erfc (`super::erf`'s `erf_wide_range` and
/// `erfc_wide_range`): `f32`'s compensated values, carried in `f64`.
fn wide_erf() -> String {
    let mut out = String::new();
    let fit = Fit { powers: (0..ERF_WIDE_N).collect(), lo: 0.0, hi: 0.25, weight: Weight::Relative, g: &erf_wide_p };
    let (list, error) = wide_fit("ERF_WIDE", &fit);
    writeln!(
        out,
        "\n/// erf(√w)/√w, relative error, on [0, 0.25] in `f64`: {ERF_WIDE_N} coefficients, error 2^{:.1}.\n\
         /// erf x = x P(x²) for |x| ≤ 0.5 (`super::erf::erf_wide_range`).\n\
         pub(crate) const ERF_WIDE: [f64; {ERF_WIDE_N}] = [{}];",
        error.log2(),
        list.join(", ")
    )
    .unwrap();
    // erfc(ERFC_WIDE_MAX) must be below f64's normal range: the kernel clamps there.
    let at_max = Float::with_val(PREC, mp(ERFC_WIDE_MAX).erfc());
    assert!(at_max < Float::with_val(PREC, Float::i_exp(1, -1022)), "erfc({ERFC_WIDE_MAX}) is normal");
    let t0 = erfc_wide_t0();
    let (t_lo, t_hi) = (ERFC_K / (ERFC_WIDE_MAX + ERFC_K), ERFC_K / (0.5 + ERFC_K));
    let (lo, hi) = (t_lo * (1.0 - 1e-6) - t0, t_hi * (1.0 + 1e-6) - t0);
    let fit = Fit { powers: (0..ERFC_WIDE_N).collect(), lo, hi, weight: Weight::Relative, g: &erfc_wide_s };
    let (list, error) = wide_fit("ERFC_WIDE", &fit);
    writeln!(
        out,
        "\n/// S(τ) = erfcx(x) / t at x = ERFC_WIDE_K/t − ERFC_WIDE_K, t = τ + ERFC_WIDE_T0, relative error, \
         on [{lo:.6}, {hi:.6}] (x in [0.5, {ERFC_WIDE_MAX}]) in `f64`: {ERFC_WIDE_N} coefficients, error 2^{:.1}.\n\
         /// erfc x = e^(−x²) · t · S(t − ERFC_WIDE_T0) (`super::erf::erfc_wide_range`).\n\
         pub(crate) const ERFC_WIDE: [f64; {ERFC_WIDE_N}] = [{}];\n\
         /// See `ERFC_WIDE`.\n\
         pub(crate) const ERFC_WIDE_K: f64 = {ERFC_K:?};\n\
         /// See `ERFC_WIDE`.\n\
         pub(crate) const ERFC_WIDE_T0: f64 = {t0:?};\n\
         /// The wide erfc's arguments are clamped to it: erfc is below `f64`'s normal range there.\n\
         pub(crate) const ERFC_WIDE_MAX: f64 = {ERFC_WIDE_MAX:?};",
        error.log2(),
        list.join(", ")
    )
    .unwrap();
    out
}

pub fn main(args: &[String]) -> Result<(), String> {
    let mut check = false;
    for a in args {
        match a.as_str() {
            "--check" => check = true,
            other => return Err(format!("unknown option `{other}` (accepted: --check)")),
        }
    }
    let text = generate();
    let path = crate::workspace_root().join(OUTPUT);
    let formatted = rustfmt(&text)?;
    if check {
        let current = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if current != formatted {
            return Err(format!("{OUTPUT} is stale: run `cargo xtask fit`"));
        }
        eprintln!("{OUTPUT} is up to date");
    } else {
        std::fs::write(&path, formatted).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {OUTPUT}");
    }
    Ok(())
}

/// `text` through `rustfmt` (with the workspace's configuration), so that the file on disk
/// is exactly what this task writes.
fn rustfmt(text: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .current_dir(crate::workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt: {e}"))?;
    child.stdin.take().unwrap().write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_max_is_beyond_underflow() {
        // erfc(x_max) is below half the smallest subnormal, so it rounds to 0: the fits
        // need not reach past x_max.
        for (x_max, tiny) in [(ERFC_MAX_F64, f64::from_bits(1)), (ERFC_MAX_F32, f64::from(f32::from_bits(1)))] {
            let erfc = Float::with_val(256, x_max).erfc();
            let half = mp(tiny) / 2u32;
            assert!(erfc < half, "erfc({x_max}) = {erfc}");
            // ... and not by far, so that the fitted interval is not wastefully long.
            assert!(erfc > half * mp(2f64.powi(-64)), "erfc({x_max}) = {erfc}");
        }
    }
}

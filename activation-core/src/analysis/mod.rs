//! Gradient-saturation analysis: the properties the report tabulates, computed from an
//! activation's formula alone (`docs/contract.md` §8).
//!
//! [`analyse`] takes a [`Definition`] (as parsed by the macro, or built with
//! the engine's `parse_formula`) with every parameter at its default,
//! and returns its [`Properties`]. Nothing is looked up per activation — except PyTorch's
//! `calculate_gain` constant, which is PyTorch's number, shown beside ours for comparison.
//!
//! # How
//!
//! The formula is cut at its breakpoints into pieces; on each piece every `if`, `abs`,
//! `max` and `min` is resolved to the branch it takes there, leaving an analytic
//! expression (see `pieces`). All values are then computed in MPFR (256 bits unless said
//! otherwise) from the stable forms of f, f', f'' and ∂f/∂p:
//! - limits at ±∞ symbolically where the IR allows, else at huge arguments
//!   (10^(2^k): MPFR's exponent range makes e^-1e16 an exact zero, not a NaN), recomputed
//!   at doubling precision until two precisions agree; a function that keeps swinging has
//!   the limit [`Limit::Oscillating`] — `limits`;
//! - critical points of f and f' by bracketing on a grid and bisecting to adjacent `f64`s,
//!   giving the output range and max |f'|, infinite where an oscillation's envelope grows
//!   without bound (x cos x) — `extrema`;
//! - saturation thresholds, where f rounds to its asymptote, dead zones — `saturation`.
//!   Every test a threshold rests on is decided by precision escalation (256 to 16384 bits,
//!   until the value's error interval gives one answer), never at one fixed precision;
//!   samples whose value cannot be computed (NaN past MPFR's exponent range) are skipped.
//!   So a side where f' → 0 (the `saturates` test, [`Tail::saturates`]) has its
//!   threshold, and the table cannot say "both" beside "none";
//! - one-sided limits of f, f', f'', … at each breakpoint — `smoothness`;
//! - E[f(Z)] and E[f(Z)²] by adaptive Gauss–Legendre quadrature split at breakpoints —
//!   `integrals`;
//! - transcendental calls and affinity from the IR — `cost`;
//! - mean-field signal propagation: the edge of chaos and the usual initialisations —
//!   [`signal`].
//!
//! Vector activations (softmax) have their own properties: [`vector::analyse_vector`].
//!
//! Grid bracketing finds every sign change whose two roots are at least 1/64 apart near 0
//! (5% apart beyond |x| = 16): a property of a formula with features finer than that may be
//! missed.

mod cost;
mod extrema;
mod integrals;
mod limits;
mod pieces;
mod saturation;
pub mod signal;
mod smoothness;
pub mod vector;

use std::fmt;

use crate::parse::Definition;
use crate::passes::derived::derive;

pub(crate) use integrals::pytorch_gain;

/// MPFR precision of the sampling, root finding and quadrature, in bits (thresholds and
/// numerical limits escalate from it; see the module docs).
pub(crate) const PREC: u32 = 256;
/// The default ε of the saturation thresholds: |f'(x)| < ε counts as saturated.
pub const DEFAULT_EPSILON: f64 = 1e-3;
/// The depth over which [`Properties::decay`] compounds the largest slope.
pub(crate) const DECAY_DEPTH: i32 = 10;

/// An end of the real line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// x → -∞.
    Left,
    /// x → +∞.
    Right,
}

impl Side {
    /// Both sides, left first: the order of every `[_; 2]` in [`Properties`].
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// -1 for the left, +1 for the right.
    pub(crate) fn sign(self) -> f64 {
        match self {
            Side::Left => -1.0,
            Side::Right => 1.0,
        }
    }
}

/// The limit of a function at one end of the real line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Limit {
    /// A finite limit.
    Finite(f64),
    /// +∞.
    PosInf,
    /// −∞.
    NegInf,
    /// No limit: the function keeps oscillating (sin x, x cos x; see `limits::Envelope`).
    Oscillating,
    /// Beyond what the analysis can decide.
    Undefined,
}

impl Limit {
    /// The value as an `f64` (±∞ for the infinities, NaN when there is none).
    pub fn value(self) -> f64 {
        match self {
            Limit::Finite(v) => v,
            Limit::PosInf => f64::INFINITY,
            Limit::NegInf => f64::NEG_INFINITY,
            Limit::Oscillating | Limit::Undefined => f64::NAN,
        }
    }
}

/// One end of the output range: its value (±∞ for an unbounded side) and whether the
/// function reaches it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct End {
    /// The end's value (±∞ for an unbounded side).
    pub value: f64,
    /// Whether the function reaches it.
    pub closed: bool,
}

/// The output range of f over the reals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// The lower end.
    pub lo: End,
    /// The upper end.
    pub hi: End,
}

/// A value at a point where the function may have a kink: the one-sided limits differ
/// from each other only at a kink.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sided {
    /// The same value from both sides.
    Value(f64),
    /// Left limit, the value the formula takes at the point, right limit.
    Kink {
        /// The limit from the left.
        left: f64,
        /// The value the formula takes at the point.
        at: f64,
        /// The limit from the right.
        right: f64,
    },
}

impl Sided {
    /// The value the formula takes at the point.
    pub(crate) fn at(self) -> f64 {
        match self {
            Sided::Value(v) | Sided::Kink { at: v, .. } => v,
        }
    }
}

/// An interval of the real line; infinite ends are open.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Whether the lower end belongs to the interval.
    pub lo_closed: bool,
    /// Whether the upper end belongs to the interval.
    pub hi_closed: bool,
}

/// Where a supremum is reached.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Location {
    /// At one point.
    At(f64),
    /// On a whole interval.
    On(Interval),
    /// Approached next to a breakpoint from one side, not reached.
    Beside {
        /// The breakpoint.
        at: f64,
        /// The side it is approached from.
        side: Side,
    },
    /// Approached as x → ±∞, not reached.
    Towards(Side),
}

/// A local extremum of f.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Extremum {
    /// Where the extremum is.
    pub x: f64,
    /// f there.
    pub value: f64,
    /// A minimum (f' goes from negative to positive) rather than a maximum.
    pub minimum: bool,
}

/// The largest |f'| and where it is reached.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaxSlope {
    /// Infinite when |f'| is unbounded.
    pub value: f64,
    /// Where it is reached.
    pub location: Location,
}

/// Where a function stays below a bound on one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// It does not, however far out.
    Never,
    /// Beyond this x (x < t on the left, x > t on the right).
    Beyond(f64),
    /// On the whole side: the function is below the bound everywhere.
    Everywhere,
}

/// How a function behaves at one end: its limit and where |g| < ε from there on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tail {
    /// The limit of f' at this end.
    pub limit: Limit,
    /// Beyond which |f'| < ε on this side.
    pub threshold: Threshold,
}

impl Tail {
    /// The function tends to 0 on this side: the one definition of "saturates" (the
    /// table's column and the selection guide both use it). Where it holds, |f'| < ε from
    /// some x on, so `threshold` is a [`Threshold::Beyond`] or [`Threshold::Everywhere`]
    /// (the tests hold every formula to that).
    pub fn saturates(&self) -> bool {
        self.limit == Limit::Finite(0.0)
    }

    /// The threshold as a number: NaN when there is none, ∓∞ when it holds everywhere.
    #[cfg(test)]
    pub(crate) fn threshold_value(&self) -> f64 {
        match self.threshold {
            Threshold::Never => f64::NAN,
            Threshold::Beyond(t) => t,
            Threshold::Everywhere => f64::INFINITY,
        }
    }
}

/// Where f, rounded to a float format, equals its own limit on each side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rounding {
    /// Left and right, rounded to `f64`.
    pub f64: [Threshold; 2],
    /// Left and right, rounded to `f32`.
    pub f32: [Threshold; 2],
}

/// The smoothness class of f at a breakpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smoothness {
    /// f itself jumps.
    Discontinuous,
    /// f, f', …, f^(k) are continuous and f^(k+1) jumps.
    C(u32),
    /// Continuous up to the highest order checked, the branches differing as formulas.
    AtLeast(u32),
    /// Both branches are the same formula.
    Infinite,
}

/// The smoothness class at one breakpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kink {
    /// The breakpoint.
    pub at: f64,
    /// Its smoothness class.
    pub class: Smoothness,
}

/// Whether f is monotone over the reals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monotonicity {
    /// f' > 0 except at isolated points.
    Increasing,
    /// f' >= 0, and f' = 0 on some interval.
    NonDecreasing,
    /// Strictly decreasing.
    Decreasing,
    /// Decreasing, with flat parts.
    NonIncreasing,
    /// Constant.
    Constant,
    /// f' takes both signs.
    No,
}

/// Transcendental calls on the costliest branch, each distinct subexpression counted once
/// (as the generated code computes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// In the stable forward function.
    pub forward: usize,
    /// In the fused forward + derivative.
    pub fused: usize,
}

/// How ∂f/∂p behaves for one parameter p.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamProperties {
    /// The parameter's name.
    pub name: String,
    /// The value the analysis used (the default).
    pub value: f64,
    /// Left and right: the limit of ∂f/∂p and where |∂f/∂p| < ε.
    pub tails: [Tail; 2],
}

/// Everything the report says about one activation. Each `[_; 2]` is left (x → -∞),
/// then right (x → +∞).
#[derive(Clone, Debug, PartialEq)]
pub struct Properties {
    /// The parameter's name.
    pub name: String,
    /// The input's name (usually `x`).
    pub input: String,
    /// The parameters and the values analysed (their defaults).
    pub params: Vec<(String, f64)>,
    /// The ε of the saturation thresholds.
    pub epsilon: f64,
    /// Where the formula switches branch or has a kink.
    pub breakpoints: Vec<f64>,
    /// The limits of f.
    pub limits: [Limit; 2],
    /// The output range over the reals.
    pub range: Range,
    /// Local extrema of f, left to right.
    pub extrema: Vec<Extremum>,
    /// f(0), with its one-sided limits if 0 is a kink.
    pub f0: Sided,
    /// f'(0), with its one-sided limits if 0 is a kink.
    pub df0: Sided,
    /// max |f'| and where.
    pub max_slope: MaxSlope,
    /// f' at each end: its limit and where |f'| < ε.
    pub slope: [Tail; 2],
    /// Where f rounds to its limit in `f64` and `f32`.
    pub rounding: Rounding,
    /// Intervals where f' is exactly 0.
    pub dead_zones: Vec<Interval>,
    /// Monotonicity of f.
    pub monotone: Monotonicity,
    /// f(0) = 0.
    pub zero_centred: bool,
    /// E[f(Z)], Z ~ N(0, 1).
    pub mean: f64,
    /// E[f(Z)²].
    pub second_moment: f64,
    /// The variance-preserving gain 1 / sqrt(E[f(Z)²]).
    pub gain: f64,
    /// PyTorch's `torch.nn.init.calculate_gain` for this name, if it has one.
    pub pytorch_gain: Option<f64>,
    /// (max |f'|)^10: the largest factor a gradient can keep through 10 layers.
    pub decay: f64,
    /// The class at each breakpoint (empty: f is C∞).
    pub smoothness: Vec<Kink>,
    /// Transcendental calls.
    pub cost: Cost,
    /// f' does not depend on x: f is affine and collapses under composition.
    pub affine: bool,
    /// ∂f/∂p for each parameter.
    pub param: Vec<ParamProperties>,
    /// Mean-field signal propagation: the edge of chaos, the usual initialisations.
    pub signal: signal::Signal,
}

impl Properties {
    /// The smoothness class of f over the reals: the lowest class at any breakpoint.
    pub fn overall_smoothness(&self) -> Smoothness {
        self.smoothness.iter().map(|k| k.class).min_by_key(|c| rank(*c)).unwrap_or(Smoothness::Infinite)
    }
}

fn rank(c: Smoothness) -> u32 {
    match c {
        Smoothness::Discontinuous => 0,
        Smoothness::C(k) => k + 1,
        Smoothness::AtLeast(k) => k + 2,
        Smoothness::Infinite => u32::MAX,
    }
}

/// Why an activation cannot be analysed.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisError {
    /// A parameter has no default to analyse at.
    NoDefault(String),
    /// A vector activation (softmax): the analysis is for element-wise ones.
    Vector,
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::NoDefault(p) => {
                write!(f, "parameter `{p}` has no default: give one in `#[activation({p} = ...)]` to analyse it")
            }
            AnalysisError::Vector => f.write_str("vector activations (with `sum`/`max` reductions) are not analysed"),
        }
    }
}

impl std::error::Error for AnalysisError {}

/// Analyses `def` at its parameters' defaults, with saturation threshold `epsilon`.
pub fn analyse(def: &Definition, epsilon: f64) -> Result<Properties, AnalysisError> {
    let params = def
        .params
        .iter()
        .map(|p| p.default.map(|v| (p.name.clone(), v)).ok_or_else(|| AnalysisError::NoDefault(p.name.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let derived = derive(def).map_err(|_| AnalysisError::Vector)?;
    let subject = pieces::Subject::new(&def.input, &derived, &params);
    let limits = Side::BOTH.map(|s| limits::of_f(&subject, s));
    let slope = Side::BOTH.map(|s| saturation::tail(&subject, pieces::Fun::D1, s, epsilon));
    let max_slope = extrema::max_slope(&subject, &slope);
    let (mean, second_moment) = integrals::moments(&subject);
    let f0 = subject.sided(pieces::Fun::F, 0.0);
    let gain = 1.0 / second_moment.sqrt();
    let smoothness = smoothness::kinks(&subject);
    // A constant f' makes f affine only where f does not jump (a step is not affine).
    let continuous = smoothness.iter().all(|k| k.class != Smoothness::Discontinuous);
    Ok(Properties {
        name: def.name.clone(),
        input: def.input.clone(),
        epsilon,
        breakpoints: subject.breakpoints.clone(),
        range: extrema::range(&subject, &limits),
        extrema: extrema::extrema(&subject),
        f0,
        df0: subject.sided(pieces::Fun::D1, 0.0),
        rounding: saturation::rounding(&subject, &limits),
        dead_zones: saturation::dead_zones(&subject),
        monotone: extrema::monotonicity(&subject),
        zero_centred: f0.at() == 0.0,
        mean,
        second_moment,
        gain,
        pytorch_gain: pytorch_gain(&def.name, &params),
        decay: max_slope.value.powi(DECAY_DEPTH),
        smoothness,
        cost: cost::cost(&derived),
        affine: continuous && cost::affine(&derived, &def.input),
        param: saturation::params(&subject, &params, epsilon),
        signal: signal::signal(&subject, &slope),
        params,
        limits,
        max_slope,
        slope,
    })
}

#[cfg(test)]
mod tests {
    //! The analysis against independent references: closed forms and roots computed here
    //! directly in MPFR, never the engine's own output.

    use rug::float::Constant;
    use rug::Float;

    use super::*;
    use crate::parse::{parse_formula, Param};

    const P: u32 = 256;

    fn def(name: &str, body: &str, params: &[(&str, f64)]) -> Definition {
        let mut vars = vec!["x"];
        vars.extend(params.iter().map(|(p, _)| *p));
        Definition {
            name: name.into(),
            input: "x".into(),
            params: params.iter().map(|(p, v)| Param { name: p.to_string(), default: Some(*v) }).collect(),
            body: parse_formula(body, &vars).unwrap(),
        }
    }

    fn analysed(name: &str, body: &str, params: &[(&str, f64)]) -> Properties {
        analyse(&def(name, body, params), DEFAULT_EPSILON).unwrap()
    }

    /// Relative distance.
    fn close(actual: f64, expected: f64, rel: f64) -> bool {
        (actual - expected).abs() <= rel * expected.abs().max(f64::MIN_POSITIVE)
    }

    /// Newton's method in MPFR from `x0`, for `g` with derivative `dg`.
    fn newton(x0: f64, g: impl Fn(&Float) -> Float, dg: impl Fn(&Float) -> Float) -> Float {
        let mut x = Float::with_val(P, x0);
        for _ in 0..200 {
            let step = g(&x) / dg(&x);
            x -= &step;
            if step.is_zero() || step.get_exp().is_some_and(|e| e < -240) {
                break;
            }
        }
        x
    }

    fn sigmoid(x: &Float) -> Float {
        (Float::with_val(P, -x).exp() + 1u32).recip()
    }

    #[test]
    fn swish_minimum_is_minus_one_minus_lambert_w_of_1_over_e() {
        // W(1/e): the root of w e^w = 1/e.
        let inv_e = Float::with_val(P, -1).exp();
        let w = newton(
            0.3,
            |w| Float::with_val(P, w * w.clone().exp()) - &inv_e,
            |w| Float::with_val(P, w + 1u32) * w.clone().exp(),
        );
        let x_star = Float::with_val(P, -1 - w);
        let value = Float::with_val(P, &x_star * sigmoid(&x_star));
        let p = analysed("swish", "x * sigmoid(beta * x)", &[("beta", 1.0)]);
        assert!(close(p.range.lo.value, value.to_f64(), 1e-15), "{:?} vs {value}", p.range);
        assert!(p.range.lo.closed && p.range.hi == End { value: f64::INFINITY, closed: false });
        let min = p.extrema.iter().find(|e| e.minimum).expect("a minimum");
        assert!(close(min.x, x_star.to_f64(), 1e-15), "{} vs {x_star}", min.x);
        assert!(close(min.value, value.to_f64(), 1e-15), "{} vs {value}", min.value);
        assert_eq!(p.monotone, Monotonicity::No);
    }

    #[test]
    fn swish_largest_slope_is_where_x_tanh_half_x_is_2() {
        // f'' = σ'(x) (2 - x tanh(x/2)): the largest slope is at the root of x tanh(x/2) = 2.
        let g = |x: &Float| Float::with_val(P, x * Float::with_val(P, x / 2u32).tanh()) - 2u32;
        let dg = |x: &Float| {
            let t = Float::with_val(P, x / 2u32).tanh();
            let sech2 = Float::with_val(P, 1u32 - Float::with_val(P, t.square_ref()));
            t + Float::with_val(P, x * sech2) / 2u32
        };
        let x = newton(2.4, g, dg);
        let s = sigmoid(&x);
        let slope = Float::with_val(P, &s + Float::with_val(P, &x * &s) * Float::with_val(P, 1u32 - &s));
        let p = analysed("swish", "x * sigmoid(beta * x)", &[("beta", 1.0)]);
        assert!(close(p.max_slope.value, slope.to_f64(), 1e-15));
        let Location::At(at) = p.max_slope.location else { panic!("{:?}", p.max_slope) };
        assert!(close(at, x.to_f64(), 1e-15), "{at} vs {x}");
        assert!(close(p.decay, slope.to_f64().powi(10), 1e-14));
    }

    #[test]
    fn gelu_erf_minimum_solves_phi_plus_x_density() {
        // d/dx x Φ(x) = Φ(x) + x φ(x) = 0.
        let norm = || Float::with_val(P, Float::with_val(P, Constant::Pi) * 2u32).sqrt().recip();
        let phi = move |x: &Float| Float::with_val(P, Float::with_val(P, x.square_ref()) / -2i32).exp() * norm();
        let cdf = |x: &Float| (Float::with_val(P, x / Float::with_val(P, 2u32).sqrt()).erf() + 1u32) / 2u32;
        let g = |x: &Float| cdf(x) + Float::with_val(P, x * phi(x));
        // (Φ + x φ)' = 2φ + x φ' = φ (2 - x²).
        let dg = |x: &Float| phi(x) * (2u32 - Float::with_val(P, x.square_ref()));
        let x = newton(-0.75, g, dg);
        let value = Float::with_val(P, &x * cdf(&x));
        let p = analysed("gelu_erf", "0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))", &[]);
        assert!(close(p.range.lo.value, value.to_f64(), 1e-15), "{:?} vs {value}", p.range);
        assert!(close(p.extrema[0].x, x.to_f64(), 1e-15));
    }

    #[test]
    fn relu_gain_mean_range_and_dead_zone() {
        let p = analysed("relu", "if x > 0.0 { x } else { 0.0 }", &[]);
        // E[relu(Z)] = ∫_0^∞ x φ = 1/sqrt(2π); E[relu(Z)²] = 1/2.
        let inv_sqrt_2pi = Float::with_val(P, Float::with_val(P, Constant::Pi) * 2u32).sqrt().recip().to_f64();
        assert!(close(p.mean, inv_sqrt_2pi, 1e-15), "{}", p.mean);
        assert!(close(p.gain, std::f64::consts::SQRT_2, 1e-15), "{}", p.gain);
        assert_eq!(p.pytorch_gain, Some(std::f64::consts::SQRT_2));
        assert_eq!(
            p.range,
            Range { lo: End { value: 0.0, closed: true }, hi: End { value: f64::INFINITY, closed: false } }
        );
        assert_eq!(p.dead_zones, vec![Interval { lo: f64::NEG_INFINITY, hi: 0.0, lo_closed: false, hi_closed: true }]);
        assert_eq!(p.df0, Sided::Kink { left: 0.0, at: 0.0, right: 1.0 });
        assert_eq!(p.slope[0].threshold, Threshold::Beyond(0.0));
        assert_eq!(p.slope[1].threshold, Threshold::Never);
        assert_eq!(p.monotone, Monotonicity::NonDecreasing);
        assert_eq!(p.smoothness, vec![Kink { at: 0.0, class: Smoothness::C(0) }]);
        assert_eq!(p.max_slope.value, 1.0);
        let right = Interval { lo: 0.0, hi: f64::INFINITY, lo_closed: false, hi_closed: false };
        assert_eq!(p.max_slope.location, Location::On(right));
        assert!(!p.affine);
        assert_eq!(p.cost, Cost { forward: 0, fused: 0 });
    }

    #[test]
    fn sigmoid_threshold_from_the_closed_form() {
        let eps = DEFAULT_EPSILON;
        // σ' = s (1 - s) = ε at s = (1 + sqrt(1 - 4ε)) / 2, x = ln(s / (1 - s)).
        let s = (1.0 + (1.0 - 4.0 * eps).sqrt()) / 2.0;
        let x = (s / (1.0 - s)).ln();
        let p = analysed("sigmoid", "1.0 / (1.0 + (-x).exp())", &[]);
        assert_eq!(p.slope[1].threshold, Threshold::Beyond(p.slope[1].threshold_value()));
        assert!(close(p.slope[1].threshold_value(), x, 1e-12), "{:?} vs {x}", p.slope);
        assert!(close(p.slope[0].threshold_value(), -x, 1e-12), "{:?} vs {x}", p.slope);
        assert_eq!(p.max_slope, MaxSlope { value: 0.25, location: Location::At(0.0) });
        assert_eq!(p.range, Range { lo: End { value: 0.0, closed: false }, hi: End { value: 1.0, closed: false } });
        assert_eq!(p.pytorch_gain, Some(1.0));
        assert!(p.slope.iter().all(Tail::saturates));
    }

    #[test]
    fn sigmoid_rounds_to_its_limits_where_the_float_format_runs_out() {
        let p = analysed("sigmoid", "1.0 / (1.0 + (-x).exp())", &[]);
        // σ(x) rounds to 0 once below half the smallest subnormal (2^-1075 in f64, 2^-150
        // in f32), and to 1 once 1 - σ(x) = σ(-x) is at most half an ulp below 1 (2^-54,
        // 2^-25): x = ±ln((1 - t) / t) for t = those powers of two.
        let edge = |log2_t: i32| {
            let t = Float::with_val(P, Float::i_exp(1, log2_t));
            Float::with_val(P, Float::with_val(P, 1u32 - &t) / &t).ln().to_f64()
        };
        let Rounding { f64: wide, f32: narrow } = p.rounding;
        for (got, expected) in
            [(wide[0], -edge(-1075)), (wide[1], edge(-54)), (narrow[0], -edge(-150)), (narrow[1], edge(-25))]
        {
            let Threshold::Beyond(t) = got else { panic!("{got:?}") };
            assert!(close(t, expected, 1e-13), "{t} vs {expected}");
        }
    }

    #[test]
    fn tanh_range_is_open() {
        let p = analysed("tanh", "x.tanh()", &[]);
        assert_eq!(p.range, Range { lo: End { value: -1.0, closed: false }, hi: End { value: 1.0, closed: false } });
        assert!(p.zero_centred && p.mean.abs() < 1e-30);
        assert_eq!(p.monotone, Monotonicity::Increasing);
        assert_eq!(p.smoothness, vec![]);
        assert_eq!(p.overall_smoothness(), Smoothness::Infinite);
        assert_eq!(p.pytorch_gain, Some(5.0 / 3.0));
    }

    #[test]
    fn elu_is_c1_only_when_alpha_is_1() {
        let elu =
            |alpha: f64| analysed("elu", "if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }", &[("alpha", alpha)]);
        assert_eq!(elu(1.0).smoothness, vec![Kink { at: 0.0, class: Smoothness::C(1) }]);
        assert_eq!(elu(0.5).smoothness, vec![Kink { at: 0.0, class: Smoothness::C(0) }]);
        let p = elu(0.5);
        assert_eq!(p.range.lo, End { value: -0.5, closed: false });
        // ∂f/∂α = e^x - 1 for x <= 0 (-> -1, never small), 0 for x > 0.
        assert_eq!(p.param[0].tails[0].limit, Limit::Finite(-1.0));
        assert_eq!(p.param[0].tails[0].threshold, Threshold::Never);
        // |e^x - 1| < ε for x > ln(1 - ε).
        let t = (1.0 - DEFAULT_EPSILON).ln();
        assert!(close(p.param[0].tails[1].threshold_value(), t, 1e-13), "{:?} vs {t}", p.param[0].tails);
    }

    #[test]
    fn piecewise_linear_and_abs() {
        let p = analysed("hardtanh", "if x < -1.0 { -1.0 } else if x > 1.0 { 1.0 } else { x }", &[]);
        assert_eq!(p.range, Range { lo: End { value: -1.0, closed: true }, hi: End { value: 1.0, closed: true } });
        let middle = Interval { lo: -1.0, hi: 1.0, lo_closed: true, hi_closed: true };
        assert_eq!(p.max_slope.location, Location::On(middle));
        assert_eq!(p.dead_zones.len(), 2);
        let p = analysed("softsign", "x / (1.0 + x.abs())", &[]);
        assert_eq!(p.smoothness, vec![Kink { at: 0.0, class: Smoothness::C(1) }]);
        // f' = 1 / (1 + |x|)^2 < ε beyond |x| = 1/sqrt(ε) - 1.
        let t = 1.0 / DEFAULT_EPSILON.sqrt() - 1.0;
        assert!(close(p.slope[1].threshold_value(), t, 1e-13));
        assert_eq!(p.range, Range { lo: End { value: -1.0, closed: false }, hi: End { value: 1.0, closed: false } });
        let p = analysed("line", "2.0 * x + 1.0", &[]);
        assert!(p.affine);
        assert_eq!(p.limits, [Limit::NegInf, Limit::PosInf]);
    }

    // Formulas nobody tuned the analysis to (issue #12), against references computed here
    // from hand-written formulas in MPFR at 4096 bits (enough to resolve 1 + 2^-1075).

    const HP: u32 = 4096;

    fn hp(v: f64) -> Float {
        Float::with_val(HP, v)
    }

    fn sigmoid_hp(u: &Float) -> Float {
        (Float::with_val(HP, -u).exp() + 1u32).recip()
    }

    /// The x between `a` (where `holds` is false) and `b` (where it is true) at which
    /// `holds` switches, bisected on the midpoint down to adjacent `f64`s: the `f64` on the
    /// side where it holds.
    fn switch(mut a: f64, mut b: f64, holds: impl Fn(&Float) -> bool) -> f64 {
        assert!(!holds(&hp(a)) && holds(&hp(b)), "no switch between {a} and {b}");
        loop {
            let m = 0.5 * (a + b);
            if m == a || m == b {
                return b;
            }
            if holds(&hp(m)) {
                b = m;
            } else {
                a = m;
            }
        }
    }

    fn beyond(t: Threshold) -> f64 {
        match t {
            Threshold::Beyond(v) => v,
            other => panic!("expected a threshold, got {other:?}"),
        }
    }

    /// Columns that must agree with each other, whatever the formula: a side where f' -> 0
    /// has a saturation threshold; a side where the limit of f is finite has places where
    /// f rounds to it, in f32 no further out than in f64; an unbounded range is open.
    fn consistent(p: &Properties) {
        for (i, side) in Side::BOTH.into_iter().enumerate() {
            let tail = &p.slope[i];
            if tail.saturates() {
                assert_ne!(tail.threshold, Threshold::Never, "{}: f' -> 0 on the {side:?} but no threshold", p.name);
            }
            if let Limit::Finite(_) = p.limits[i] {
                let (wide, narrow) = (beyond(p.rounding.f64[i]), beyond(p.rounding.f32[i]));
                assert!(narrow.abs() <= wide.abs(), "{}: f32 {narrow} beyond f64 {wide}", p.name);
            }
        }
        for end in [p.range.lo, p.range.hi] {
            assert!(end.value.is_finite() || !end.closed, "{}: {:?}", p.name, p.range);
        }
        if p.max_slope.value.is_infinite() {
            assert!(matches!(p.max_slope.location, Location::Towards(_)), "{}: {:?}", p.name, p.max_slope);
        }
    }

    const SOFT_CLIPPING: &str = "((1.0 + (alpha * x).exp()) / (1.0 + (alpha * (x - 1.0)).exp())).ln() / alpha";

    #[test]
    fn soft_clipping_saturates_on_both_sides_where_the_closed_form_says() {
        let alpha = 0.5;
        let p = analysed("soft_clipping", SOFT_CLIPPING, &[("alpha", alpha)]);
        consistent(&p);
        assert_eq!(p.limits, [Limit::Finite(0.0), Limit::Finite(1.0)]);
        assert!(p.slope.iter().all(Tail::saturates), "{:?}", p.slope);
        // f' = σ(αx) - σ(α(x - 1)) > 0: |f'| < ε beyond where it equals ε.
        let a = hp(alpha);
        let slope = move |x: &Float| {
            sigmoid_hp(&Float::with_val(HP, &a * x))
                - sigmoid_hp(&Float::with_val(HP, &a * Float::with_val(HP, x - 1u32)))
        };
        let small = |x: &Float| slope(x) < DEFAULT_EPSILON;
        let right = switch(0.5, 100.0, small);
        let left = switch(0.5, -100.0, small);
        // The figure: |f'| < 1e-3 for x > 12.94.
        assert!((12.9..13.0).contains(&right), "{right}");
        assert!(close(beyond(p.slope[1].threshold), right, 1e-13), "{:?} vs {right}", p.slope[1]);
        assert!(close(beyond(p.slope[0].threshold), left, 1e-13), "{:?} vs {left}", p.slope[0]);
        assert_eq!(p.range, Range { lo: End { value: 0.0, closed: false }, hi: End { value: 1.0, closed: false } });
    }

    #[test]
    fn soft_clipping_rounds_to_its_limits_where_the_float_formats_run_out() {
        let alpha = 0.5;
        let p = analysed("soft_clipping", SOFT_CLIPPING, &[("alpha", alpha)]);
        let a = hp(alpha);
        let f = move |x: &Float| {
            let up = Float::with_val(HP, &a * x).exp() + 1u32;
            let down = Float::with_val(HP, &a * Float::with_val(HP, x - 1u32)).exp() + 1u32;
            Float::with_val(HP, up / down).ln() / &a
        };
        // Where f, computed here at 4096 bits and rounded once, is its limit: left of about
        // -1489.8 in f64 (f ~ 2 (1 - e^{-1/2}) e^{x/2} < 2^-1075), not at -354.89 where e^{αx} < 2^-256;
        // right of about 74 (f64) and 35 (f32), where 1 - f is below half an ulp of 1.
        let expected = [
            switch(0.0, -3000.0, |x| f(x).to_f64() == 0.0),
            switch(0.0, 3000.0, |x| f(x).to_f64() == 1.0),
            switch(0.0, -3000.0, |x| f(x).to_f32() == 0.0),
            switch(0.0, 3000.0, |x| f(x).to_f32() == 1.0),
        ];
        assert!(expected[0] < -1480.0 && (70.0..80.0).contains(&expected[1]), "{expected:?}");
        assert!((30.0..40.0).contains(&expected[3]), "{expected:?}");
        let Rounding { f64: wide, f32: narrow } = p.rounding;
        for (got, want) in [wide[0], wide[1], narrow[0], narrow[1]].into_iter().zip(expected) {
            assert!(close(beyond(got), want, 1e-13), "{got:?} vs {want}");
        }
    }

    #[test]
    fn gcu_oscillates_without_bound() {
        let p = analysed("gcu", "x * x.cos()", &[]);
        consistent(&p);
        assert_eq!(p.limits, [Limit::Oscillating, Limit::Oscillating]);
        assert_eq!(p.slope[0].limit, Limit::Oscillating);
        let whole = Range {
            lo: End { value: f64::NEG_INFINITY, closed: false },
            hi: End { value: f64::INFINITY, closed: false },
        };
        assert_eq!(p.range, whole);
        assert_eq!(p.max_slope.value, f64::INFINITY);
        assert_eq!(p.decay, f64::INFINITY);
        assert!(p.slope.iter().all(|t| !t.saturates() && t.threshold == Threshold::Never), "{:?}", p.slope);
        assert_eq!(p.monotone, Monotonicity::No);
    }

    #[test]
    fn snake_oscillates_within_bounds() {
        // f' = 1 + sin 2x: no limit, but bounded: max |f'| = 2 at π/4, not infinite.
        let p = analysed("snake", "x + x.sin().powi(2)", &[]);
        consistent(&p);
        assert_eq!(p.limits, [Limit::NegInf, Limit::PosInf]);
        assert_eq!(p.slope[0].limit, Limit::Oscillating);
        assert!(close(p.max_slope.value, 2.0, 1e-15), "{:?}", p.max_slope);
        let Location::At(at) = p.max_slope.location else { panic!("{:?}", p.max_slope) };
        assert!(close(at, std::f64::consts::FRAC_PI_4, 1e-15), "{at}");
        assert_eq!(p.range.lo.value, f64::NEG_INFINITY);
        assert_eq!(p.monotone, Monotonicity::Increasing);
    }

    #[test]
    fn tanhexp_left_tail() {
        let p = analysed("tanhexp", "x * x.exp().tanh()", &[]);
        consistent(&p);
        // f' = tanh(e^x) + x e^x (1 - tanh²(e^x)); f = x tanh(e^x) -> 0 from below.
        let slope = |x: &Float| {
            let e = Float::with_val(HP, x.exp_ref());
            let t = Float::with_val(HP, e.tanh_ref());
            let sech2 = Float::with_val(HP, 1u32 - Float::with_val(HP, t.square_ref()));
            t + Float::with_val(HP, x * e) * sech2
        };
        let f = |x: &Float| Float::with_val(HP, x * Float::with_val(HP, x.exp_ref()).tanh());
        let left = switch(-1.0, -100.0, |x| slope(x).abs() < DEFAULT_EPSILON);
        assert!(close(beyond(p.slope[0].threshold), left, 1e-13), "{:?} vs {left}", p.slope[0]);
        let wide = switch(-1.0, -3000.0, |x| f(x).to_f64() == 0.0);
        assert!(close(beyond(p.rounding.f64[0]), wide, 1e-13), "{:?} vs {wide}", p.rounding);
        assert_eq!(p.slope[1].limit, Limit::Finite(1.0));
    }

    #[test]
    fn serf_left_tail() {
        let p = analysed("serf", "x * erf((1.0 + x.exp()).ln())", &[]);
        consistent(&p);
        // f' = erf(s) + x (2/√π) e^{-s²} σ(x), s = ln(1 + e^x).
        let two_over_sqrt_pi = || Float::with_val(HP, Float::with_val(HP, Constant::Pi).sqrt()).recip() * 2u32;
        let slope = |x: &Float| {
            let s = Float::with_val(HP, Float::with_val(HP, x.exp_ref()) + 1u32).ln();
            let gauss = Float::with_val(HP, -Float::with_val(HP, s.square_ref())).exp();
            Float::with_val(HP, s.erf_ref()) + Float::with_val(HP, x * two_over_sqrt_pi()) * gauss * sigmoid_hp(x)
        };
        let left = switch(-1.0, -100.0, |x| slope(x).abs() < DEFAULT_EPSILON);
        assert!(close(beyond(p.slope[0].threshold), left, 1e-13), "{:?} vs {left}", p.slope[0]);
    }

    #[test]
    fn smish_and_logish_slopes_tend_to_closed_forms() {
        // x ln(1 + σ(x)): f' -> ln 2; x tanh(ln(1 + σ(x))): f' -> tanh(ln 2) = 3/5.
        let logish = analysed("logish", "x * (1.0 + sigmoid(x)).ln()", &[]);
        let smish = analysed("smish", "x * (1.0 + sigmoid(x)).ln().tanh()", &[]);
        consistent(&logish);
        consistent(&smish);
        let Limit::Finite(l) = logish.slope[1].limit else { panic!("{:?}", logish.slope) };
        assert!(close(l, std::f64::consts::LN_2, 1e-15), "{l}");
        let Limit::Finite(s) = smish.slope[1].limit else { panic!("{:?}", smish.slope) };
        assert!(close(s, 0.6, 1e-15), "{s}");
        assert_eq!([logish.slope[1].threshold, smish.slope[1].threshold], [Threshold::Never; 2]);
        assert!(logish.slope[0].saturates() && smish.slope[0].saturates());
    }
}

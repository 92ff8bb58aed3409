//! `saturation.json`: the report's tables as typed data, written and read with `serde`.
//!
//! [`Report`] is the whole file. A row ([`Row`], [`VectorRow`]) has one member per column
//! of the Markdown and CSV tables, under the column's key (the `legend` lists them, with
//! the same meanings), plus a few properties only this file carries (`input`, `breakpoints`,
//! `extrema`, `second_moment`). Every number is a JSON number with the full precision of
//! the `f64` the analysis computed (the shortest decimal that reads back to the same
//! `f64`), never text rounded for people.
//!
//! What a bare number cannot say is said by the schema:
//! - a value that may be infinite or undefined is an [`Extended`]:
//!   `{"kind": "finite", "value": 1.5}`, `{"kind": "infinite", "sign": -1}`,
//!   `{"kind": "oscillating"}` (no limit) or `{"kind": "undefined"}` (not decided);
//! - an interval (the output range, a dead zone) is an [`Interval`] of two [`End`]s, each an
//!   [`Extended`] with `"closed"` (the end belongs to the interval);
//! - a threshold is a [`Threshold`]: `{"kind": "beyond", "value": -6.9}`, `{"kind":
//!   "never"}` or `{"kind": "everywhere"}`;
//! - "none" is an empty array (`dead_zone`, `smoothness`, `extrema`, `param_saturation`)
//!   or `null` (`torch_gain`, the vector table's `sum`).
//!
//! `docs/report-schema.md` describes the schema for readers, with a sample row.

use activation_core::analysis::vector::{self, VectorProperties, SIZES};
use activation_core::analysis::{self as analysis, signal, Limit, Properties};
use serde::{Deserialize, Serialize};

use super::columns::{columns, vector_columns, Column};
use super::guide::{guide, Advice};
use super::tables::vector_intro;
use super::{Entry, VectorEntry};

/// The version of this schema, raised when a member changes meaning or shape.
pub const SCHEMA: u32 = 2;

/// `saturation.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The version of the schema: [`SCHEMA`].
    pub schema: u32,
    /// The ε of every saturation threshold: |f'| < ε counts as saturated.
    pub epsilon: f64,
    /// Every member of a [`Row`], in order, with its meaning.
    pub legend: Vec<Field>,
    /// One row per scalar activation, in discovery order.
    pub rows: Vec<Row>,
    /// The selection guide: uses, and the activations whose properties suit them.
    pub guide: Vec<GuideLine>,
    /// The vector activations (softmax) and their own columns.
    pub vector: VectorTable,
}

/// A member of a row: its key, the header the Markdown and LaTeX tables give it, and what
/// it means.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The member's name in a row (and the CSV column's).
    pub key: String,
    /// The header of the Markdown and LaTeX tables.
    pub header: String,
    /// What the value means.
    pub meaning: String,
}

/// A value of the extended real line, or none at all: `{"kind": "finite", "value": 0.25}`,
/// `{"kind": "infinite", "sign": 1}` (+∞; −1 for −∞), `{"kind": "oscillating"}` (a limit
/// that does not exist: the function keeps swinging, as sin x does), `{"kind": "undefined"}`
/// (beyond what the analysis decides).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Extended {
    /// A real number.
    Finite {
        /// The number.
        value: f64,
    },
    /// +∞ (`sign` 1) or −∞ (`sign` −1).
    Infinite {
        /// 1 or −1.
        sign: i8,
    },
    /// No value: a limit that does not exist because the function keeps oscillating.
    Oscillating,
    /// No value: a limit that was not decided.
    Undefined,
}

impl From<f64> for Extended {
    fn from(v: f64) -> Extended {
        if v.is_nan() {
            Extended::Undefined
        } else if v.is_infinite() {
            Extended::Infinite { sign: if v > 0.0 { 1 } else { -1 } }
        } else {
            Extended::Finite { value: v }
        }
    }
}

impl From<Limit> for Extended {
    fn from(l: Limit) -> Extended {
        match l {
            Limit::Finite(v) => v.into(),
            Limit::PosInf => Extended::Infinite { sign: 1 },
            Limit::NegInf => Extended::Infinite { sign: -1 },
            Limit::Oscillating => Extended::Oscillating,
            Limit::Undefined => Extended::Undefined,
        }
    }
}

/// One end of an interval: an [`Extended`] (its members inline) and whether the end
/// belongs to the interval: `{"kind": "finite", "value": 0.0, "closed": true}`. Infinite
/// ends are open.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct End {
    /// Where the end is.
    #[serde(flatten)]
    pub value: Extended,
    /// Whether the interval holds the end (`[`/`]`) or only approaches it (`(`/`)`).
    pub closed: bool,
}

/// An interval of the real line: `{"lo": End, "hi": End}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The lower end.
    pub lo: End,
    /// The upper end.
    pub hi: End,
}

impl From<analysis::Range> for Interval {
    fn from(r: analysis::Range) -> Interval {
        let end = |e: analysis::End| End { value: e.value.into(), closed: e.closed };
        Interval { lo: end(r.lo), hi: end(r.hi) }
    }
}

impl From<analysis::Interval> for Interval {
    fn from(i: analysis::Interval) -> Interval {
        Interval {
            lo: End { value: i.lo.into(), closed: i.lo_closed },
            hi: End { value: i.hi.into(), closed: i.hi_closed },
        }
    }
}

/// An end of the real line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// x → −∞.
    Left,
    /// x → +∞.
    Right,
}

impl From<analysis::Side> for Side {
    fn from(s: analysis::Side) -> Side {
        match s {
            analysis::Side::Left => Side::Left,
            analysis::Side::Right => Side::Right,
        }
    }
}

/// Where a function stays below a bound on one side (which side is the member's name:
/// `_left` or `_right`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Threshold {
    /// Not however far out.
    Never,
    /// For every x beyond `value`: below it on the left, above it on the right.
    Beyond {
        /// The threshold (finite).
        value: f64,
    },
    /// On the whole line.
    Everywhere,
}

impl From<analysis::Threshold> for Threshold {
    fn from(t: analysis::Threshold) -> Threshold {
        match t {
            analysis::Threshold::Never => Threshold::Never,
            analysis::Threshold::Beyond(value) => Threshold::Beyond { value },
            analysis::Threshold::Everywhere => Threshold::Everywhere,
        }
    }
}

/// A value at a point where f may have a kink: the value the formula takes there (an
/// [`Extended`], its members inline) and, at a kink only, the one-sided limits:
/// `{"kind": "finite", "value": 0.0, "kink": {"left": ..., "right": ...}}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sided {
    /// The value the formula takes at the point.
    #[serde(flatten)]
    pub at: Extended,
    /// At a breakpoint: the limits from either side (absent elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kink: Option<OneSided>,
}

/// The one-sided limits at a breakpoint.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OneSided {
    /// The limit from the left.
    pub left: Extended,
    /// The limit from the right.
    pub right: Extended,
}

impl From<analysis::Sided> for Sided {
    fn from(s: analysis::Sided) -> Sided {
        match s {
            analysis::Sided::Value(v) => Sided { at: v.into(), kink: None },
            analysis::Sided::Kink { left, at, right } => {
                Sided { at: at.into(), kink: Some(OneSided { left: left.into(), right: right.into() }) }
            }
        }
    }
}

/// Where a supremum of |f'| is reached.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Location {
    /// At the point `x`.
    At {
        /// The point.
        x: f64,
    },
    /// On a whole interval.
    On {
        /// The interval.
        interval: Interval,
    },
    /// Approached beside the breakpoint `x` from `side`, not reached.
    Beside {
        /// The breakpoint.
        x: f64,
        /// The side it is approached from.
        side: Side,
    },
    /// Approached as x → ±∞, not reached.
    Towards {
        /// Which infinity.
        side: Side,
    },
}

impl From<analysis::Location> for Location {
    fn from(l: analysis::Location) -> Location {
        match l {
            analysis::Location::At(x) => Location::At { x },
            analysis::Location::On(i) => Location::On { interval: i.into() },
            analysis::Location::Beside { at, side } => Location::Beside { x: at, side: side.into() },
            analysis::Location::Towards(side) => Location::Towards { side: side.into() },
        }
    }
}

/// The sides where f' → 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Saturates {
    /// Neither.
    None,
    /// x → −∞ only.
    Left,
    /// x → +∞ only.
    Right,
    /// Both.
    Both,
}

/// Whether f is monotone: `"increasing"`, `"non-decreasing"`, … or `"no"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Monotone {
    /// f' > 0 but at isolated points.
    Increasing,
    /// f' ≥ 0, and 0 on an interval.
    NonDecreasing,
    /// f' < 0 but at isolated points.
    Decreasing,
    /// f' ≤ 0, and 0 on an interval.
    NonIncreasing,
    /// f' = 0.
    Constant,
    /// f' takes both signs.
    No,
}

impl From<analysis::Monotonicity> for Monotone {
    fn from(m: analysis::Monotonicity) -> Monotone {
        use analysis::Monotonicity as M;
        match m {
            M::Increasing => Monotone::Increasing,
            M::NonDecreasing => Monotone::NonDecreasing,
            M::Decreasing => Monotone::Decreasing,
            M::NonIncreasing => Monotone::NonIncreasing,
            M::Constant => Monotone::Constant,
            M::No => Monotone::No,
        }
    }
}

/// The smoothness class of f at a breakpoint (member `class`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Smoothness {
    /// f itself jumps.
    Discontinuous,
    /// C^k exactly: f, f', …, f^(k) are continuous and f^(k+1) jumps.
    Exactly {
        /// k.
        k: u32,
    },
    /// At least C^k: continuous up to the highest order checked.
    AtLeast {
        /// k.
        k: u32,
    },
    /// Both branches are the same formula.
    Infinite,
}

impl From<analysis::Smoothness> for Smoothness {
    fn from(s: analysis::Smoothness) -> Smoothness {
        match s {
            analysis::Smoothness::Discontinuous => Smoothness::Discontinuous,
            analysis::Smoothness::C(k) => Smoothness::Exactly { k },
            analysis::Smoothness::AtLeast(k) => Smoothness::AtLeast { k },
            analysis::Smoothness::Infinite => Smoothness::Infinite,
        }
    }
}

/// A breakpoint and the smoothness class there: `{"at": 0.0, "class": "exactly", "k": 0}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Breakpoint {
    /// Where.
    pub at: f64,
    /// The class (its members inline).
    #[serde(flatten)]
    pub class: Smoothness,
}

/// Minimum or maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtremumKind {
    /// f' goes from negative to positive.
    Minimum,
    /// f' goes from positive to negative.
    Maximum,
}

/// A local extremum of f: `{"kind": "minimum", "x": -1.2784645427610738, "value": ...}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extremum {
    /// Minimum or maximum.
    pub kind: ExtremumKind,
    /// Where (finite).
    pub x: f64,
    /// f there (finite).
    pub value: f64,
}

/// A parameter and the value analysed (its default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The parameter's name.
    pub name: String,
    /// The value analysed.
    pub value: f64,
}

fn params(p: &[(String, f64)]) -> Vec<Param> {
    p.iter().map(|(name, value)| Param { name: name.clone(), value: *value }).collect()
}

/// How a derivative behaves at one end: its limit and where it stays below ε.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tail {
    /// The limit.
    pub limit: Extended,
    /// Where its absolute value stays below ε.
    pub threshold: Threshold,
}

impl From<analysis::Tail> for Tail {
    fn from(t: analysis::Tail) -> Tail {
        Tail { limit: t.limit.into(), threshold: t.threshold.into() }
    }
}

/// ∂f/∂p of one parameter p at each end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamSaturation {
    /// The parameter's name.
    pub name: String,
    /// As x → −∞.
    pub left: Tail,
    /// As x → +∞.
    pub right: Tail,
}

/// One scalar activation. The members up to `param_saturation` are the table's columns,
/// under their keys; the last five are in this file only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The name of the `#[activation]` function.
    pub activation: String,
    /// The parameters and the values analysed (their defaults).
    pub params: Vec<Param>,
    /// The output range of f over the reals.
    pub range: Interval,
    /// f(0), with its one-sided limits if 0 is a breakpoint.
    pub f_0: Sided,
    /// f'(0), with its one-sided limits if 0 is a breakpoint.
    pub df_0: Sided,
    /// The supremum of |f'| (+∞ when unbounded).
    pub max_slope: Extended,
    /// Where that supremum is reached.
    pub max_slope_at: Location,
    /// The limit of f as x → −∞.
    pub f_left: Extended,
    /// The limit of f as x → +∞.
    pub f_right: Extended,
    /// The limit of f' as x → −∞.
    pub df_left: Extended,
    /// The limit of f' as x → +∞.
    pub df_right: Extended,
    /// The sides where f' → 0.
    pub saturates: Saturates,
    /// Where |f'| < ε on the left.
    pub sat_left: Threshold,
    /// Where |f'| < ε on the right.
    pub sat_right: Threshold,
    /// Where f rounded to `f64` equals its limit at −∞ rounded to `f64`.
    pub f64_left: Threshold,
    /// The same at +∞.
    pub f64_right: Threshold,
    /// Where f rounded to `f32` equals its limit at −∞ rounded to `f32`.
    pub f32_left: Threshold,
    /// The same at +∞.
    pub f32_right: Threshold,
    /// The intervals where f' = 0 exactly (empty: none).
    pub dead_zone: Vec<Interval>,
    /// Whether f is monotone.
    pub monotone: Monotone,
    /// f(0) = 0.
    pub zero_centred: bool,
    /// E[f(Z)], Z ~ N(0, 1).
    pub mean: Extended,
    /// 1 / sqrt(E[f(Z)²]).
    pub gain: Extended,
    /// PyTorch's `calculate_gain` for this name; `null` where PyTorch has none.
    pub torch_gain: Option<f64>,
    /// (max |f'|)^10.
    pub decay: Extended,
    /// The class at each breakpoint (empty: no breakpoint, f is C^∞).
    pub smoothness: Vec<Breakpoint>,
    /// Transcendental calls in the stable forward.
    pub cost_forward: usize,
    /// Transcendental calls in the fused forward + derivative.
    pub cost_fused: usize,
    /// f' does not depend on x.
    pub affine: bool,
    /// ∂f/∂p at each end, for each parameter.
    pub param_saturation: Vec<ParamSaturation>,
    /// The input's name (usually `x`).
    pub input: String,
    /// Where the formula switches branch or has a kink, left to right.
    pub breakpoints: Vec<f64>,
    /// The local extrema of f, left to right.
    pub extrema: Vec<Extremum>,
    /// E[f(Z)²], Z ~ N(0, 1).
    pub second_moment: Extended,
    /// Mean-field signal propagation: the edge of chaos and the usual initialisations.
    pub signal: SignalRow,
}

/// A fixed point q* of the variance map: `{"kind": "at", "q": 0.57}`, `{"kind": "any"}`
/// (every q is one) or `{"kind": "unbounded"}` (none: the variance grows without bound).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QStar {
    /// At q.
    At {
        /// q* (finite, >= 0).
        q: f64,
    },
    /// Every q is a fixed point.
    Any,
    /// No fixed point up to `q_max`.
    Unbounded,
}

impl From<signal::FixedPoint> for QStar {
    fn from(f: signal::FixedPoint) -> QStar {
        match f {
            signal::FixedPoint::At(q) => QStar::At { q },
            signal::FixedPoint::Any => QStar::Any,
            signal::FixedPoint::Unbounded => QStar::Unbounded,
        }
    }
}

/// A critical point (chi1 = 1 at q*).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriticalPoint {
    /// sigma_w^2 on the edge.
    pub sigma_w2: f64,
    /// The fixed point.
    pub q_star: QStar,
    /// dV/dq at q*.
    pub slope: f64,
    /// |dV/dq| < 1 at q*.
    pub stable: bool,
}

/// The edge of chaos at one sigma_b^2: every critical point (empty: none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeAt {
    /// The bias variance.
    pub sigma_b2: f64,
    /// The critical points, by increasing q*.
    pub critical: Vec<CriticalPoint>,
}

/// The signal at one initialisation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitRow {
    /// Weight variance times fan-in.
    pub sigma_w2: f64,
    /// Bias variance.
    pub sigma_b2: f64,
    /// The fixed point reached from q = 1.
    pub q_star: QStar,
    /// The gradient's factor per layer.
    pub chi1: Extended,
    /// dV/dq at q* (undefined when q* is not a point).
    pub slope: Extended,
    /// 1/|ln chi1|: the depth over which gradients change by e (infinite on the edge).
    pub depth: Extended,
}

impl From<&signal::Init> for InitRow {
    fn from(i: &signal::Init) -> InitRow {
        InitRow {
            sigma_w2: i.sigma_w2,
            sigma_b2: i.sigma_b2,
            q_star: i.q_star.into(),
            chi1: i.chi1.into(),
            slope: i.slope.into(),
            depth: i.depth.into(),
        }
    }
}

/// Mean-field signal propagation of one activation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalRow {
    /// The largest q searched for a fixed point.
    pub q_max: f64,
    /// f is positively homogeneous: the edge is one point at sigma_b^2 = 0.
    pub homogeneous: bool,
    /// The edge of chaos at sigma_b^2 = 0, 0.05, ..., 0.5.
    pub edge: Vec<EdgeAt>,
    /// sigma_w^2 = 1, sigma_b^2 = 0.
    pub lecun: InitRow,
    /// sigma_w^2 = 2, sigma_b^2 = 0.
    pub he: InitRow,
}

impl From<&signal::Signal> for SignalRow {
    fn from(s: &signal::Signal) -> SignalRow {
        SignalRow {
            q_max: signal::Q_MAX,
            homogeneous: s.homogeneous,
            edge: s
                .edge
                .iter()
                .map(|p| EdgeAt {
                    sigma_b2: p.sigma_b2,
                    critical: p
                        .critical
                        .iter()
                        .map(|c| CriticalPoint {
                            sigma_w2: c.sigma_w2,
                            q_star: c.q_star.into(),
                            slope: c.slope,
                            stable: c.stable,
                        })
                        .collect(),
                })
                .collect(),
            lecun: (&s.lecun).into(),
            he: (&s.he).into(),
        }
    }
}

/// The members of [`Row`] that are not columns of the other formats, with their meanings.
const ROW_EXTRAS: &[(&str, &str, &str)] = &[
    ("input", "input", "Name of the input variable (usually `x`)."),
    ("breakpoints", "breakpoints", "Where the formula switches branch or has a kink, left to right."),
    (
        "extrema",
        "local extrema",
        "Local extrema of f, left to right: `minimum` or `maximum`, where (`x`) and f there (`value`).",
    ),
    ("second_moment", "E[f(Z)^2]", "E[f(Z)^2] for Z ~ N(0, 1): the gain is 1 / sqrt of it."),
    (
        "signal",
        "signal propagation",
        "Mean-field signal propagation: `edge` (every critical point sigma_w^2, q*, dV/dq, stable at each sigma_b^2), \
         `lecun` and `he` (q*, chi1, dV/dq, depth 1/|ln chi1|), `homogeneous`, `q_max`; see docs/signal-propagation.md.",
    ),
];

impl From<&Properties> for Row {
    fn from(p: &Properties) -> Row {
        let saturates = match (p.slope[0].saturates(), p.slope[1].saturates()) {
            (true, true) => Saturates::Both,
            (true, false) => Saturates::Left,
            (false, true) => Saturates::Right,
            (false, false) => Saturates::None,
        };
        Row {
            activation: p.name.clone(),
            params: params(&p.params),
            range: p.range.into(),
            f_0: p.f0.into(),
            df_0: p.df0.into(),
            max_slope: p.max_slope.value.into(),
            max_slope_at: p.max_slope.location.into(),
            f_left: p.limits[0].into(),
            f_right: p.limits[1].into(),
            df_left: p.slope[0].limit.into(),
            df_right: p.slope[1].limit.into(),
            saturates,
            sat_left: p.slope[0].threshold.into(),
            sat_right: p.slope[1].threshold.into(),
            f64_left: p.rounding.f64[0].into(),
            f64_right: p.rounding.f64[1].into(),
            f32_left: p.rounding.f32[0].into(),
            f32_right: p.rounding.f32[1].into(),
            dead_zone: p.dead_zones.iter().map(|&i| i.into()).collect(),
            monotone: p.monotone.into(),
            zero_centred: p.zero_centred,
            mean: p.mean.into(),
            gain: p.gain.into(),
            torch_gain: p.pytorch_gain,
            decay: p.decay.into(),
            smoothness: p.smoothness.iter().map(|k| Breakpoint { at: k.at, class: k.class.into() }).collect(),
            cost_forward: p.cost.forward,
            cost_fused: p.cost.fused,
            affine: p.affine,
            param_saturation: p
                .param
                .iter()
                .map(|q| ParamSaturation { name: q.name.clone(), left: q.tails[0].into(), right: q.tails[1].into() })
                .collect(),
            input: p.input.clone(),
            breakpoints: p.breakpoints.clone(),
            extrema: p
                .extrema
                .iter()
                .map(|e| Extremum {
                    kind: if e.minimum { ExtremumKind::Minimum } else { ExtremumKind::Maximum },
                    x: e.x,
                    value: e.value,
                })
                .collect(),
            second_moment: p.second_moment.into(),
            signal: (&p.signal).into(),
        }
    }
}

/// One line of the selection guide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GuideLine {
    /// The use (`"Binary output (a probability)"`).
    #[serde(rename = "use")]
    pub topic: String,
    /// The rule that selects activations for it, in words.
    pub rule: String,
    /// Each activation selected, with the computed values that triggered the rule.
    pub activations: Vec<Selected>,
    /// A recommendation that follows from the selection, or `null`.
    pub note: Option<String>,
}

/// An activation the guide selects, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    /// Its name.
    pub activation: String,
    /// The values that triggered the rule, in words.
    pub because: String,
}

impl From<&Advice> for GuideLine {
    fn from(a: &Advice) -> GuideLine {
        GuideLine {
            topic: a.topic.into(),
            rule: a.rule.into(),
            activations: a
                .members
                .iter()
                .map(|(n, why)| Selected { activation: n.clone(), because: why.clone() })
                .collect(),
            note: a.note.clone(),
        }
    }
}

/// The vector activations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorTable {
    /// How their properties are computed: the gap family x = (d, 0, ..., 0), the lengths n.
    pub about: String,
    /// Every member of a [`VectorRow`], in order, with its meaning.
    pub legend: Vec<Field>,
    /// One row per vector activation.
    pub rows: Vec<VectorRow>,
}

/// Where a supremum over the gap d is reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reached {
    /// At the gap `d`.
    At {
        /// The gap.
        d: f64,
    },
    /// Approached as d → −∞ and/or +∞ (each side listed), not reached.
    Towards {
        /// The sides.
        sides: Vec<Side>,
    },
}

/// The supremum of a norm over the gap d: the value (an [`Extended`], its members inline)
/// and where: `{"kind": "finite", "value": 0.5, "reached": {"kind": "at", "d": 0.0}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sup {
    /// The supremum.
    #[serde(flatten)]
    pub value: Extended,
    /// Where it is reached.
    pub reached: Reached,
}

impl From<&vector::Sup> for Sup {
    fn from(s: &vector::Sup) -> Sup {
        let reached = match &s.at {
            vector::Reached::At(d) => Reached::At { d: *d },
            vector::Reached::Towards(sides) => Reached::Towards { sides: sides.iter().map(|&s| s.into()).collect() },
        };
        Sup { value: s.value.into(), reached }
    }
}

/// The sum of the outputs at one length n.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SumAt {
    /// The length.
    pub n: usize,
    /// Σ_i f_i.
    pub value: Extended,
}

/// One vector activation; every member is a column of the other formats, under its key.
/// `_n2` and `_n10` are the lengths n = 2 and n = 10 of the gap family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorRow {
    /// The name of the `#[activation]` function.
    pub activation: String,
    /// The parameters and the values analysed (their defaults).
    pub params: Vec<Param>,
    /// The output range of component 0 over x = (d, 0).
    pub range: Interval,
    /// Σ_i f_i at each length when it does not depend on x; `null` otherwise.
    pub sum: Option<Vec<SumAt>>,
    /// f(x + c) = f(x) for every constant c.
    pub shift_invariant: bool,
    /// sup over d of the spectral norm of the Jacobian, n = 2.
    pub norm2_n2: Sup,
    /// The same, n = 10.
    pub norm2_n10: Sup,
    /// sup over d of the ∞-norm of the Jacobian, n = 2.
    pub norminf_n2: Sup,
    /// The same, n = 10.
    pub norminf_n10: Sup,
    /// The largest |J_ik| as d → +∞, n = 2.
    pub jac_limit_n2: Extended,
    /// Where every |J_ik| < ε as d grows, n = 2 (a right-hand threshold on d).
    pub sat_n2: Threshold,
    /// The largest |J_ik| as d → +∞, n = 10.
    pub jac_limit_n10: Extended,
    /// Where every |J_ik| < ε as d grows, n = 10.
    pub sat_n10: Threshold,
    /// Transcendental calls per element in the stable forward.
    pub cost_forward: usize,
    /// Transcendental calls per element in the stable vector-Jacobian product.
    pub cost_vjp: usize,
}

impl From<&VectorProperties> for VectorRow {
    fn from(p: &VectorProperties) -> VectorRow {
        let [two, ten] = [&p.sizes[0], &p.sizes[1]];
        VectorRow {
            activation: p.name.clone(),
            params: params(&p.params),
            range: p.range.into(),
            sum: p.sum.map(|s| SIZES.iter().zip(s).map(|(&n, v)| SumAt { n, value: v.into() }).collect()),
            shift_invariant: p.shift_invariant,
            norm2_n2: (&two.spectral).into(),
            norm2_n10: (&ten.spectral).into(),
            norminf_n2: (&two.infinity).into(),
            norminf_n10: (&ten.infinity).into(),
            jac_limit_n2: two.entry_limit.into(),
            sat_n2: two.gap[1].into(),
            jac_limit_n10: ten.entry_limit.into(),
            sat_n10: ten.gap[1].into(),
            cost_forward: p.cost.forward,
            cost_vjp: p.cost.vjp,
        }
    }
}

fn legend<P>(cols: &[Column<P>], extras: &[(&str, &str, &str)]) -> Vec<Field> {
    let field = |key: &str, header: &str, meaning: &str| Field {
        key: key.into(),
        header: header.into(),
        meaning: meaning.into(),
    };
    let mut out: Vec<Field> = cols.iter().map(|c| field(c.key, c.header, c.legend)).collect();
    out.extend(extras.iter().map(|(k, h, m)| field(k, h, m)));
    out
}

impl Report {
    /// The report of `entries` and `vectors`, analysed with `epsilon`.
    pub fn new(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64) -> Report {
        let props: Vec<Properties> = entries.iter().map(|e| e.props.clone()).collect();
        Report {
            schema: SCHEMA,
            epsilon,
            legend: legend(&columns(), ROW_EXTRAS),
            rows: props.iter().map(Row::from).collect(),
            guide: guide(&props).iter().map(GuideLine::from).collect(),
            vector: VectorTable {
                about: vector_intro(epsilon),
                legend: legend(&vector_columns(), &[]),
                rows: vectors.iter().map(|v| VectorRow::from(&v.props)).collect(),
            },
        }
    }

    /// The file's text: pretty-printed JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("the report serialises (no map has non-string keys)");
        out.push('\n');
        out
    }
}

/// `saturation.json` for `entries` and `vectors`.
pub fn json(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64) -> String {
    Report::new(entries, vectors, epsilon).to_json()
}

#[cfg(test)]
mod tests {
    use activation_core::analysis::DEFAULT_EPSILON;
    use serde_json::Value;

    use super::*;

    #[test]
    fn extended_values_say_what_a_number_cannot() {
        let text = |v: Extended| serde_json::to_string(&v).unwrap();
        assert_eq!(text(1.5.into()), r#"{"kind":"finite","value":1.5}"#);
        assert_eq!(text(f64::NEG_INFINITY.into()), r#"{"kind":"infinite","sign":-1}"#);
        assert_eq!(text(f64::NAN.into()), r#"{"kind":"undefined"}"#);
        assert_eq!(text(Limit::PosInf.into()), r#"{"kind":"infinite","sign":1}"#);
        assert_eq!(text(Limit::Oscillating.into()), r#"{"kind":"oscillating"}"#);
        let relu_range = analysis::Range {
            lo: analysis::End { value: 0.0, closed: true },
            hi: analysis::End { value: f64::INFINITY, closed: false },
        };
        let range = serde_json::to_string(&Interval::from(relu_range)).unwrap();
        assert_eq!(
            range,
            r#"{"lo":{"kind":"finite","value":0.0,"closed":true},"hi":{"kind":"infinite","sign":1,"closed":false}}"#
        );
        let kink: Sided = analysis::Sided::Kink { left: 0.0, at: 0.0, right: 1.0 }.into();
        let text = serde_json::to_string(&kink).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"finite","value":0.0,"kink":{"left":{"kind":"finite","value":0.0},"right":{"kind":"finite","value":1.0}}}"#
        );
        assert_eq!(serde_json::from_str::<Sided>(&text).unwrap(), kink);
        let class = Breakpoint { at: -3.0, class: analysis::Smoothness::C(0).into() };
        assert_eq!(serde_json::to_string(&class).unwrap(), r#"{"at":-3.0,"class":"exactly","k":0}"#);
    }

    /// The member of `rows` (an array of objects) whose `activation` is `name`.
    fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
        rows.as_array().unwrap().iter().find(|r| r["activation"] == name).unwrap_or_else(|| panic!("no row {name}"))
    }

    /// `v` is a JSON number (not text) equal to `expected`.
    fn number(v: &Value, expected: f64) {
        assert!(v.is_number(), "{v} is not a number");
        assert_eq!(v.as_f64(), Some(expected), "{v}");
    }

    /// Every row has exactly the legend's keys as members.
    fn keys_match_legend(table: &Value) {
        let legend: Vec<&str> =
            table["legend"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap()).collect();
        for r in table["rows"].as_array().unwrap() {
            let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            let mut sorted = legend.clone();
            keys.sort_unstable();
            sorted.sort_unstable();
            assert_eq!(keys, sorted, "{}", r["activation"]);
        }
    }

    #[test]
    fn the_catalog_round_trips_with_numbers_as_numbers() {
        let root = crate::workspace_root();
        let (entries, vectors) = super::super::analyse_sources(&super::super::source_dirs(&root), DEFAULT_EPSILON)
            .expect("the catalog is analysed");
        let report = Report::new(&entries, &vectors, DEFAULT_EPSILON);
        let path = std::env::temp_dir().join(format!("activation-saturation-{}.json", std::process::id()));
        std::fs::write(&path, report.to_json()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(text, json(&entries, &vectors, DEFAULT_EPSILON));

        // Read back into the typed struct: equal, every f64 to the last bit.
        let back: Report = serde_json::from_str(&text).expect("saturation.json reads back");
        assert_eq!(back, report);

        // And as untyped JSON: the values are numbers, not text.
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schema"], SCHEMA);
        number(&v["epsilon"], DEFAULT_EPSILON);
        keys_match_legend(&v);
        keys_match_legend(&v["vector"]);
        let rows = &v["rows"];
        let sigmoid = row(rows, "sigmoid");
        assert_eq!(sigmoid["range"]["lo"]["kind"], "finite");
        number(&sigmoid["range"]["lo"]["value"], 0.0);
        assert_eq!(sigmoid["range"]["lo"]["closed"], false);
        number(&sigmoid["range"]["hi"]["value"], 1.0);
        number(&sigmoid["max_slope"]["value"], 0.25);
        assert_eq!(sigmoid["sat_right"]["kind"], "beyond");
        let t = sigmoid["sat_right"]["value"].as_f64().unwrap();
        assert!((t - 6.905_75).abs() < 1e-5, "{t}");
        number(&sigmoid["torch_gain"], 1.0);

        let relu = row(rows, "relu");
        assert_eq!(relu["sat_left"], serde_json::json!({"kind": "beyond", "value": 0.0}));
        assert_eq!(relu["sat_right"], serde_json::json!({"kind": "never"}));
        assert_eq!(relu["range"]["hi"], serde_json::json!({"kind": "infinite", "sign": 1, "closed": false}));
        number(&relu["df_0"]["value"], 0.0);
        number(&relu["df_0"]["kink"]["left"]["value"], 0.0);
        number(&relu["df_0"]["kink"]["right"]["value"], 1.0);
        assert_eq!(relu["dead_zone"][0]["lo"], serde_json::json!({"kind": "infinite", "sign": -1, "closed": false}));
        number(&relu["dead_zone"][0]["hi"]["value"], 0.0);
        assert_eq!(relu["torch_gain"].as_f64(), Some(std::f64::consts::SQRT_2));
        assert_eq!(relu["smoothness"], serde_json::json!([{"at": 0.0, "class": "exactly", "k": 0}]));

        // Full precision: swish's minimum at -1 - W(1/e), not its 6 digits.
        let swish = row(rows, "swish");
        let min = &swish["extrema"][0];
        assert_eq!(min["kind"], "minimum");
        let x = min["x"].as_f64().unwrap();
        assert!((x - -1.278_464_542_761_074).abs() < 1e-14, "{x}");
        assert_ne!(x, -1.27846);
        assert!(swish["params"][0]["value"].is_number());

        // Signal propagation: numbers, the closed forms, and nothing unknown is accepted.
        let tanh = &row(rows, "tanh")["signal"];
        assert_eq!(tanh["edge"][0]["sigma_b2"], serde_json::json!(0.0));
        number(&tanh["edge"][0]["critical"][0]["sigma_w2"], 1.0);
        assert_eq!(tanh["edge"][0]["critical"][0]["q_star"], serde_json::json!({"kind": "at", "q": 0.0}));
        number(&tanh["edge"][2]["sigma_b2"], 0.1);
        let edge = &tanh["edge"][2]["critical"][0];
        assert!(edge["sigma_w2"].is_number() && edge["q_star"]["q"].is_number() && edge["slope"].is_number());
        assert_eq!(edge["stable"], true);
        assert_eq!(tanh["lecun"]["depth"], serde_json::json!({"kind": "infinite", "sign": 1}));
        let relu = &row(rows, "relu")["signal"];
        number(&relu["edge"][0]["critical"][0]["sigma_w2"], 2.0);
        assert_eq!(relu["he"]["q_star"], serde_json::json!({"kind": "any"}));
        number(&relu["he"]["chi1"]["value"], 1.0);
        for r in rows.as_array().unwrap() {
            let s = &r["signal"];
            number(&s["q_max"], 1e4);
            assert_eq!(s["edge"].as_array().unwrap().len(), 11, "{}", r["activation"]);
            for p in s["edge"].as_array().unwrap() {
                assert!(p["sigma_b2"].is_number());
                for c in p["critical"].as_array().unwrap() {
                    assert!(c["sigma_w2"].is_number() && c["slope"].is_number(), "{c}");
                }
            }
        }
        let mut extra = v.clone();
        extra["rows"][0]["signal"]["lecun"]["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Report>(extra).is_err(), "an unknown member is rejected");
        let mut extra = v.clone();
        extra["rows"][0]["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Report>(extra).is_err(), "an unknown row member is rejected");
        let mut text_number = v.clone();
        text_number["rows"][0]["signal"]["edge"][0]["sigma_b2"] = serde_json::json!("0");
        assert!(serde_json::from_value::<Report>(text_number).is_err(), "a number as text is rejected");

        let softmax = row(&v["vector"]["rows"], "softmax");
        number(&softmax["sum"][0]["value"]["value"], 1.0);
        number(&softmax["norm2_n2"]["value"], 0.5);
        assert_eq!(softmax["norm2_n2"]["reached"], serde_json::json!({"kind": "at", "d": 0.0}));
        assert_eq!(softmax["cost_forward"], 1);
    }

    /// The sample rows in `docs/report-schema.md` read as a [`Row`] and a [`VectorRow`],
    /// member for member: the page describes the schema this file writes.
    #[test]
    fn the_documented_samples_read_back() {
        let page = std::fs::read_to_string(crate::workspace_root().join("docs/report-schema.md")).unwrap();
        let blocks: Vec<&str> =
            page.split("```json\n").skip(1).map(|b| b.split("```").next().expect("the sample ends")).collect();
        assert_eq!(blocks.len(), 2, "a scalar and a vector sample");
        let row: Row = serde_json::from_str(blocks[0]).expect("the first sample is a row");
        assert_eq!(serde_json::from_str::<Value>(blocks[0]).unwrap(), serde_json::to_value(&row).unwrap());
        let vector: VectorRow = serde_json::from_str(blocks[1]).expect("the second sample is a vector row");
        assert_eq!(serde_json::from_str::<Value>(blocks[1]).unwrap(), serde_json::to_value(&vector).unwrap());
    }
}

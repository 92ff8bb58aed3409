//! The selection guide: each rule names a use, tests computed properties, and states the
//! values that triggered it for every activation it selects. The rules and their words are
//! the report's; the properties they test are the engine's (`activation_core::analysis`).

use activation_core::analysis::{Limit, Monotonicity, Properties, Smoothness, Threshold};

use super::format::{interval, range, sig, smoothness};

/// One line of the guide: a use and the activations suited to it, each with the computed
/// property that put it there.
#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    /// The use (`Binary output`).
    pub topic: &'static str,
    /// The rule, in words.
    pub rule: &'static str,
    /// Each selected activation and the values that triggered the rule.
    pub members: Vec<(String, String)>,
    /// A recommendation that follows from the members, if any.
    pub note: Option<String>,
}

/// The guide for a set of analysed activations: the rules that select at least one.
pub fn guide(all: &[Properties]) -> Vec<Advice> {
    let mut out = Vec::new();
    for rule in RULES {
        let members: Vec<(String, String)> =
            all.iter().filter_map(|p| (rule.test)(p).map(|why| (p.name.clone(), why))).collect();
        if !members.is_empty() {
            let note = rule.note.and_then(|n| n(all));
            out.push(Advice { topic: rule.topic, rule: rule.rule, members, note });
        }
    }
    out
}

/// Builds a recommendation from every analysed activation.
type Note = fn(&[Properties]) -> Option<String>;

struct Rule {
    topic: &'static str,
    rule: &'static str,
    /// The triggering values when the rule selects the activation.
    test: fn(&Properties) -> Option<String>,
    note: Option<Note>,
}

const RULES: &[Rule] = &[
    Rule {
        topic: "Binary output (a probability)",
        rule: "range bounded inside [0, 1] and monotone",
        test: |p| {
            (bounded(p) && p.range.lo.value >= 0.0 && p.range.hi.value <= 1.0 && monotone(p))
                .then(|| format!("range {}", range(&p.range)))
        },
        note: None,
    },
    Rule {
        topic: "Bounded, zero-centred state (recurrent cells, gates)",
        rule: "range bounded inside [-1, 1], f(0) = 0, monotone",
        test: |p| {
            let inside = p.range.lo.value >= -1.0 && p.range.hi.value <= 1.0 && p.range.lo.value < 0.0;
            (bounded(p) && inside && p.zero_centred && monotone(p))
                .then(|| format!("range {}, f(0) = 0", range(&p.range)))
        },
        note: None,
    },
    Rule {
        topic: "Hidden-layer default",
        rule: "does not saturate for x -> +inf and costs no transcendental call",
        test: |p| {
            (open_right(p) && p.cost.forward == 0 && !p.affine).then(|| {
                format!("f'(+inf) = {}, {} transcendental calls", sig(p.slope[1].limit.value()), p.cost.forward)
            })
        },
        note: None,
    },
    Rule {
        topic: "Deep networks (smooth, non-monotone)",
        rule: "at least C1, not monotone, does not saturate for x -> +inf",
        test: |p| {
            let smooth = !matches!(p.overall_smoothness(), Smoothness::Discontinuous | Smoothness::C(0));
            (smooth && p.monotone == Monotonicity::No && open_right(p)).then(|| {
                let dip = p.extrema.iter().find(|e| e.minimum);
                let dip = dip.map_or(String::new(), |e| format!(", minimum {} at {}", sig(e.value), sig(e.x)));
                format!("{}, non-monotone{dip}", smoothness(p.overall_smoothness()))
            })
        },
        note: None,
    },
    Rule {
        topic: "Self-normalising networks",
        rule: "E[f(Z)] = 0 and E[f(Z)^2] = 1 to 1e-3 for Z ~ N(0, 1)",
        test: |p| {
            (p.mean.abs() < 1e-3 && (p.second_moment - 1.0).abs() < 1e-3)
                .then(|| format!("E[f(Z)] = {}, E[f(Z)^2] = {}", sig(p.mean), sig(p.second_moment)))
        },
        note: None,
    },
    Rule {
        topic: "Dead units: prefer a leaky variant",
        rule: "f' = 0 on an interval",
        test: |p| {
            (!p.dead_zones.is_empty()).then(|| {
                let zones: Vec<String> = p.dead_zones.iter().map(|z| interval(z, &p.input)).collect();
                format!("f' = 0 for {}", zones.join(", "))
            })
        },
        note: Some(|all| {
            let leaky: Vec<&str> = all
                .iter()
                .filter(|p| p.dead_zones.is_empty() && nonzero_left_slope(p) && open_right(p))
                .map(|p| p.name.as_str())
                .collect();
            (!leaky.is_empty())
                .then(|| format!("leaky variants here (f'(-inf) != 0, no dead zone): {}", leaky.join(", ")))
        }),
    },
    Rule {
        topic: "Vanishing gradients in deep stacks",
        rule: "(max |f'|)^10 < 1e-3",
        test: |p| (p.decay < 1e-3).then(|| format!("(max |f'|)^10 = {}", sig(p.decay))),
        note: None,
    },
    Rule {
        topic: "Growing gradients in deep stacks",
        rule: "(max |f'|)^10 > 2",
        test: |p| (p.decay > 2.0).then(|| format!("(max |f'|)^10 = {}", sig(p.decay))),
        note: None,
    },
    Rule {
        topic: "Very deep networks: a stable critical initialisation (edge of chaos)",
        rule: "chi1 = 1 at a fixed point q* with |dV/dq| < 1 for some sigma_b^2 in [0, 0.5] (signal propagation)",
        test: |p| {
            p.signal.stable().next().map(|(b, c)| {
                format!("sigma_b^2 = {}: sigma_w^2 = {}, dV/dq = {}", sig(b), sig(c.sigma_w2), sig(c.slope))
            })
        },
        note: Some(|all| {
            let none: Vec<&str> =
                all.iter().filter(|p| p.signal.stable().next().is_none()).map(|p| p.name.as_str()).collect();
            (!none.is_empty())
                .then(|| format!("no stable critical initialisation for sigma_b^2 <= 0.5: {}", none.join(", ")))
        }),
    },
    Rule {
        topic: "No non-linearity",
        rule: "affine: f' does not depend on x, so layers collapse into one",
        test: |p| p.affine.then(|| "f' constant".to_string()),
        note: None,
    },
];

fn bounded(p: &Properties) -> bool {
    p.range.lo.value.is_finite() && p.range.hi.value.is_finite()
}

fn monotone(p: &Properties) -> bool {
    matches!(p.monotone, Monotonicity::Increasing | Monotonicity::NonDecreasing)
}

/// f' keeps a slope of at least ε as x -> +inf (or grows): it does not saturate there (the
/// `saturates` column's own test) and never falls below ε.
fn open_right(p: &Properties) -> bool {
    !p.slope[1].saturates()
        && p.slope[1].threshold == Threshold::Never
        && !matches!(p.slope[1].limit, Limit::Undefined | Limit::Oscillating)
}

fn nonzero_left_slope(p: &Properties) -> bool {
    matches!(p.slope[0].limit, Limit::Finite(v) if v != 0.0)
}

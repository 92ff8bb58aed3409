//! Where gradients vanish: the saturation thresholds of f' and of each ∂f/∂p (the x beyond
//! which |g(x)| < ε), where f rounds to its own limit in `f64` and `f32`, and the dead
//! zones (f' exactly 0 on an interval).
//!
//! A threshold is found from the outside in: the samples are walked from ±1e300 towards 0
//! until the first one that is not beyond; the threshold is then bisected in MPFR between
//! that sample and the previous one (down to adjacent `f64`s), or is the breakpoint between
//! them when they lie on different pieces.
//!
//! Every test (|g| < ε; f rounds to its limit) is decided by precision escalation, never at
//! one fixed precision: the value is computed with a bound on its error, at 256, 512, …,
//! 16384 bits, until the whole error interval gives one answer (`Piece::decide`). A fixed
//! precision would answer wrongly wherever the formula cancels: at 256 bits
//! ln((1 + e^x) σ(1 - x)) is exactly 0 once e^x < 2^-256, so f would seem to "round to 0"
//! near x = -177 where its true value, about 0.63 e^x, is still a normal `f64` (it rounds
//! to 0 only below x = -744.7). Samples whose value cannot be computed at all (NaN: far
//! out, where an intermediate overflows MPFR's exponent range, |x| beyond about 7e8 inside
//! `exp`) are skipped, not counted as failing: the walk starts at the outermost sample
//! where the test is decided.

use rug::Float;

use super::limits;
use super::pieces::{bisect, Fun, Subject};
use super::{Interval, Limit, ParamProperties, Rounding, Side, Tail, Threshold};

/// `fun` (f' or a ∂f/∂p) on `side`: its limit and where |fun| < ε.
pub(crate) fn tail(subject: &Subject, fun: Fun, side: Side, epsilon: f64) -> Tail {
    let limit = limits::of(subject, fun, side);
    let threshold = match limit {
        Limit::Finite(v) if v.abs() < epsilon => beyond(subject, fun, side, |lo, hi| below(lo, hi, epsilon)),
        _ => Threshold::Never,
    };
    Tail { limit, threshold }
}

/// The tails of ∂f/∂p for every parameter.
pub(crate) fn params(subject: &Subject, params: &[(String, f64)], epsilon: f64) -> Vec<ParamProperties> {
    (0..subject.param_count())
        .map(|i| ParamProperties {
            name: params[i].0.clone(),
            value: params[i].1,
            tails: Side::BOTH.map(|s| tail(subject, Fun::Param(i), s, epsilon)),
        })
        .collect()
}

/// Where f, rounded to `f64` and to `f32`, equals its limit (rounded the same way).
pub(crate) fn rounding(subject: &Subject, limits: &[Limit; 2]) -> Rounding {
    let at = |side: Side, wide: bool| match limits[side as usize] {
        Limit::Finite(l) if wide => beyond(subject, Fun::F, side, |lo, hi| {
            let (a, b) = (lo.to_f64(), hi.to_f64());
            (a == b).then_some(a == l)
        }),
        Limit::Finite(l) => beyond(subject, Fun::F, side, |lo, hi| {
            let (a, b) = (lo.to_f32(), hi.to_f32());
            (a == b).then_some(a == l as f32)
        }),
        _ => Threshold::Never,
    };
    Rounding { f64: Side::BOTH.map(|s| at(s, true)), f32: Side::BOTH.map(|s| at(s, false)) }
}

/// Whether every value in `[lo, hi]` has |v| < ε (Some(true)), none has (Some(false)), or
/// some have and some not (None).
fn below(lo: &Float, hi: &Float, epsilon: f64) -> Option<bool> {
    if *lo > -epsilon && *hi < epsilon {
        Some(true)
    } else if *lo >= epsilon || *hi <= -epsilon {
        Some(false)
    } else {
        None
    }
}

/// The threshold beyond which `test` holds for `fun` on `side`; see the module docs.
/// `test(lo, hi)` answers for an enclosure of the value (`Piece::decide`).
fn beyond(subject: &Subject, fun: Fun, side: Side, test: impl Fn(&Float, &Float) -> Option<bool>) -> Threshold {
    let n = subject.pieces.len();
    let order: Vec<usize> = match side {
        Side::Left => (0..n).collect(),
        Side::Right => (0..n).rev().collect(),
    };
    // The innermost sample seen so far where the test holds: (piece, x).
    let mut outer: Option<(usize, f64)> = None;
    for i in order {
        let piece = &subject.pieces[i];
        let idx: Vec<usize> = match side {
            Side::Left => (0..piece.xs.len()).collect(),
            Side::Right => (0..piece.xs.len()).rev().collect(),
        };
        for k in idx {
            let x = piece.xs[k];
            match piece.decide(fun, x, &test) {
                // Not computable here (NaN): neither beyond nor not.
                None => continue,
                Some(true) => {
                    outer = Some((i, x));
                    continue;
                }
                Some(false) => {}
            }
            return match outer {
                None => Threshold::Never,
                Some((j, b)) if j != i => Threshold::Beyond(b),
                Some((_, out)) => {
                    let (_, first_ok) = bisect(x, out, |t| piece.decide(fun, t, &test) == Some(true));
                    Threshold::Beyond(first_ok)
                }
            };
        }
    }
    if outer.is_some() {
        Threshold::Everywhere
    } else {
        Threshold::Never
    }
}

/// The intervals where f' is exactly 0: pieces on which f' simplifies to the constant 0,
/// merged across breakpoints where f' is 0 too; an end is closed when f' is 0 there.
pub(crate) fn dead_zones(subject: &Subject) -> Vec<Interval> {
    let zero_at = |b: f64| b.is_finite() && subject.eval(Fun::D1, b).is_zero();
    let mut out: Vec<Interval> = Vec::new();
    for piece in &subject.pieces {
        if !(piece.constant(Fun::D1) && piece.eval(Fun::D1, piece.inside()).is_zero()) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.hi == piece.lo && last.hi_closed => {
                last.hi = piece.hi;
                last.hi_closed = zero_at(piece.hi);
            }
            _ => out.push(Interval {
                lo: piece.lo,
                hi: piece.hi,
                lo_closed: zero_at(piece.lo),
                hi_closed: zero_at(piece.hi),
            }),
        }
    }
    out
}

//! Where gradients vanish: the saturation thresholds of f' and of each ∂f/∂p (the x beyond
//! which |g(x)| < ε), where f rounds to its own limit in `f64` and `f32`, and the dead
//! zones (f' exactly 0 on an interval).
//!
//! A threshold is found from the outside in: the samples are walked from ±1e300 towards 0
//! until the first one that is not beyond; the threshold is then bisected in MPFR between
//! that sample and the previous one (down to adjacent `f64`s), or is the breakpoint between
//! them when they lie on different pieces.

use rug::Float;

use super::limits;
use super::pieces::{bisect, Fun, Subject};
use super::{Interval, Limit, ParamProperties, Rounding, Side, Tail, Threshold};

/// `fun` (f' or a ∂f/∂p) on `side`: its limit and where |fun| < ε.
pub(crate) fn tail(subject: &Subject, fun: Fun, side: Side, epsilon: f64) -> Tail {
    let limit = limits::of(subject, fun, side);
    let threshold = match limit {
        Limit::Finite(v) if v.abs() < epsilon => beyond(subject, fun, side, |v| v.clone().abs() < epsilon),
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
        Limit::Finite(l) if wide => beyond(subject, Fun::F, side, |v| v.to_f64() == l),
        Limit::Finite(l) => beyond(subject, Fun::F, side, |v| v.to_f32() == l as f32),
        _ => Threshold::Never,
    };
    Rounding { f64: Side::BOTH.map(|s| at(s, true)), f32: Side::BOTH.map(|s| at(s, false)) }
}

/// The threshold beyond which `ok` holds for `fun` on `side`; see the module docs.
fn beyond(subject: &Subject, fun: Fun, side: Side, ok: impl Fn(&Float) -> bool) -> Threshold {
    let n = subject.pieces.len();
    let order: Vec<usize> = match side {
        Side::Left => (0..n).collect(),
        Side::Right => (0..n).rev().collect(),
    };
    // The innermost sample seen so far where `ok` holds: (piece, x).
    let mut outer: Option<(usize, f64)> = None;
    for i in order {
        let piece = &subject.pieces[i];
        let idx: Vec<usize> = match side {
            Side::Left => (0..piece.xs.len()).collect(),
            Side::Right => (0..piece.xs.len()).rev().collect(),
        };
        for k in idx {
            let x = piece.xs[k];
            let v = match fun {
                Fun::Param(_) => piece.eval(fun, x),
                _ => piece.values(fun)[k].clone(),
            };
            if ok(&v) {
                outer = Some((i, x));
                continue;
            }
            return match outer {
                None => Threshold::Never,
                Some((j, b)) if j != i => Threshold::Beyond(b),
                Some((_, out)) => {
                    let (_, first_ok) = bisect(x, out, |t| ok(&piece.eval(fun, t)));
                    Threshold::Beyond(first_ok)
                }
            };
        }
    }
    Threshold::Everywhere
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

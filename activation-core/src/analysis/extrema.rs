//! Critical points of f and of f': the output range, local extrema, the largest slope and
//! monotonicity. Sign changes of f' (of f'') are bracketed on each piece's samples and
//! bisected in MPFR down to adjacent `f64`s; the candidates for an extreme value are those
//! points, the values and one-sided limits at breakpoints, constant pieces, and the limits
//! at ±∞ (approached, never reached) — or, where there is no limit (an oscillation), ±∞
//! when the oscillation's envelope grows without bound (`limits::envelope`): x cos x has
//! critical points out to 1e300, and its range is the whole line, not the largest of them.

use rug::Float;

use super::limits;
use super::pieces::{root, sign_changes, Fun, Piece, Subject};
use super::{End, Extremum, Interval, Limit, Location, MaxSlope, Monotonicity, Range, Side, Tail};

/// A value the function takes or approaches: a candidate for its infimum or supremum.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    value: f64,
    /// Reached (a closed end), not only approached.
    reached: bool,
    location: Location,
}

/// The zeros of `fun` inside `piece` where it changes sign (none on a constant piece).
fn zeros(piece: &Piece, fun: Fun) -> Vec<f64> {
    if piece.constant(fun) {
        return Vec::new();
    }
    let g = piece.expr(fun);
    let interior = |&(a, b): &(f64, f64)| !(a == b && piece.is_end(a));
    sign_changes(&piece.xs, piece.values(fun))
        .into_iter()
        .filter(interior)
        .map(|(a, b)| if a == b { a } else { root(g, a, b) })
        .collect()
}

/// The local extrema of f, left to right.
pub(crate) fn extrema(subject: &Subject) -> Vec<Extremum> {
    let mut out = Vec::new();
    for piece in &subject.pieces {
        for x in zeros(piece, Fun::D1) {
            let value = piece.eval(Fun::F, x).to_f64();
            // A minimum where f' goes from negative to positive: f'' > 0, or f' just after.
            let minimum = piece.eval(Fun::D2, x) > 0 || piece.eval(Fun::D1, next_up(x)) > 0;
            out.push(Extremum { x, value, minimum });
        }
    }
    out
}

fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// The candidates for the extreme values of `fun` (f or f'), mapped through `value`
/// (identity, or |·| for the largest slope).
fn candidates(subject: &Subject, fun: Fun, limits: &[Limit; 2], value: impl Fn(Float) -> f64) -> Vec<Candidate> {
    let critical = if fun == Fun::F { Fun::D1 } else { Fun::D2 };
    let mut out = Vec::new();
    for (side, limit) in Side::BOTH.into_iter().zip(limits) {
        let v = limit.value();
        if !v.is_nan() {
            let v = value(Float::with_val(64, v));
            out.push(Candidate { value: v, reached: false, location: Location::Towards(side) });
            continue;
        }
        // No limit (an oscillation): its envelope may still grow without bound, and then no
        // finite critical point is the supremum.
        let limits::Envelope { below, above, .. } = limits::envelope(subject.outer(side).expr(fun), side);
        for (grows, inf) in [(below, f64::NEG_INFINITY), (above, f64::INFINITY)] {
            if grows {
                let v = value(Float::with_val(64, inf));
                out.push(Candidate { value: v, reached: false, location: Location::Towards(side) });
            }
        }
    }
    for (i, &b) in subject.breakpoints.iter().enumerate() {
        let at = value(subject.eval(fun, b));
        out.push(Candidate { value: at, reached: true, location: Location::At(b) });
        for (piece, side) in [(&subject.pieces[i], Side::Left), (&subject.pieces[i + 1], Side::Right)] {
            let v = value(piece.eval(fun, b));
            let reached = v == at;
            out.push(Candidate { value: v, reached, location: Location::Beside { at: b, side } });
        }
    }
    for piece in &subject.pieces {
        if piece.constant(fun) {
            let v = value(piece.eval(fun, piece.inside()));
            let location = Location::On(closed_piece(subject, piece, fun, v, &value));
            out.push(Candidate { value: v, reached: true, location });
            continue;
        }
        for x in zeros(piece, critical) {
            out.push(Candidate { value: value(piece.eval(fun, x)), reached: true, location: Location::At(x) });
        }
    }
    out
}

/// The piece as an interval, each finite end closed when the formula takes `v` there.
fn closed_piece(subject: &Subject, piece: &Piece, fun: Fun, v: f64, value: &impl Fn(Float) -> f64) -> Interval {
    let closed = |b: f64| b.is_finite() && value(subject.eval(fun, b)) == v;
    Interval { lo: piece.lo, hi: piece.hi, lo_closed: closed(piece.lo), hi_closed: closed(piece.hi) }
}

/// The extreme candidate (lowest when `lowest`), preferring, among equal values, one that
/// is reached, then a whole interval, then the one nearest 0 (a periodic f' has its
/// largest slope at many points).
fn extreme(cands: &[Candidate], lowest: bool) -> Option<Candidate> {
    let rank = |c: &Candidate| (c.reached, matches!(c.location, Location::On(_)));
    let better = |a: &Candidate, b: &Candidate| {
        if a.value != b.value {
            return (a.value < b.value) == lowest;
        }
        if rank(a) != rank(b) {
            return rank(a) > rank(b);
        }
        distance(&a.location) < distance(&b.location)
    };
    let best = cands.iter().filter(|c| !c.value.is_nan()).fold(None, |best: Option<Candidate>, c| match best {
        Some(b) if !better(c, &b) => Some(b),
        _ => Some(*c),
    })?;
    Some(widen(best, cands))
}

/// How far a location is from 0.
fn distance(l: &Location) -> f64 {
    match l {
        Location::At(x) | Location::Beside { at: x, .. } => x.abs(),
        Location::On(i) => {
            if i.lo <= 0.0 && i.hi >= 0.0 {
                0.0
            } else {
                i.lo.abs().min(i.hi.abs())
            }
        }
        Location::Towards(_) => f64::INFINITY,
    }
}

/// An interval candidate joined with the adjacent intervals of the same value, across
/// breakpoints where the formula takes that value too (f' = 0 on both sides of a step).
fn widen(mut best: Candidate, cands: &[Candidate]) -> Candidate {
    let Location::On(mut span) = best.location else { return best };
    loop {
        let next = cands.iter().find_map(|c| match c.location {
            Location::On(i) if c.value == best.value && c.reached => {
                // Joined at a breakpoint only if the formula takes the value there too.
                if i.lo == span.hi && (span.hi_closed || i.lo_closed) {
                    Some(Interval { lo: span.lo, lo_closed: span.lo_closed, ..i })
                } else if i.hi == span.lo && (span.lo_closed || i.hi_closed) {
                    Some(Interval { hi: span.hi, hi_closed: span.hi_closed, ..i })
                } else {
                    None
                }
            }
            _ => None,
        });
        match next {
            Some(wider) => span = wider,
            None => break,
        }
    }
    best.location = Location::On(span);
    best
}

/// The output range of f.
pub(crate) fn range(subject: &Subject, limits: &[Limit; 2]) -> Range {
    let cands = candidates(subject, Fun::F, limits, |v| v.to_f64());
    let end = |lowest: bool| match extreme(&cands, lowest) {
        Some(c) => End { value: c.value, closed: c.reached && c.value.is_finite() },
        None => End { value: if lowest { f64::NEG_INFINITY } else { f64::INFINITY }, closed: false },
    };
    Range { lo: end(true), hi: end(false) }
}

/// The largest |f'| and where.
pub(crate) fn max_slope(subject: &Subject, slope: &[Tail; 2]) -> MaxSlope {
    let limits = [slope[0].limit, slope[1].limit];
    let cands = candidates(subject, Fun::D1, &limits, |v| v.abs().to_f64());
    match extreme(&cands, false) {
        Some(c) => MaxSlope { value: c.value, location: c.location },
        None => MaxSlope { value: f64::NAN, location: Location::At(f64::NAN) },
    }
}

/// Whether f is monotone: the signs f' takes on every piece and the jumps of f at breakpoints.
pub(crate) fn monotonicity(subject: &Subject) -> Monotonicity {
    let (mut up, mut down, mut flat) = (false, false, false);
    for piece in &subject.pieces {
        if piece.constant(Fun::D1) && piece.eval(Fun::D1, piece.inside()).is_zero() {
            flat = true;
            continue;
        }
        for v in piece.values(Fun::D1) {
            up |= *v > 0;
            down |= *v < 0;
        }
    }
    for (i, &b) in subject.breakpoints.iter().enumerate() {
        let jump = subject.pieces[i + 1].eval(Fun::F, b) - subject.pieces[i].eval(Fun::F, b);
        up |= jump > 0;
        down |= jump < 0;
    }
    match (up, down, flat) {
        (true, true, _) => Monotonicity::No,
        (true, false, false) => Monotonicity::Increasing,
        (true, false, true) => Monotonicity::NonDecreasing,
        (false, true, false) => Monotonicity::Decreasing,
        (false, true, true) => Monotonicity::NonIncreasing,
        (false, false, _) => Monotonicity::Constant,
    }
}

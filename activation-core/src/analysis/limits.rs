//! Limits at ±∞ of a piece's formula: symbolically where every node's limit follows from
//! its children's (`exp(-∞) = 0`, `∞ · c = ∞` for c > 0, …), otherwise — at an
//! indeterminate form such as `-∞ · 0` in x σ(x) — numerically, from MPFR values at
//! x = ±10^(2^k). MPFR's exponent range (about 2^±2^30) keeps e^(-10^16) an exact zero and
//! 10^16384 a number, so those values reach the limit instead of overflowing.

use rug::ops::{Pow, PowAssign};
use rug::Float;

use super::pieces::{eval, Fun, Subject, VAR};
use super::{Limit, Side, PREC};
use crate::ir::expr::{BinOp, Expr, Func};
use crate::verify::reference::eval_float;

/// The limit of f on `side`.
pub(crate) fn of_f(subject: &Subject, side: Side) -> Limit {
    of(subject, Fun::F, side)
}

/// The limit of `fun` on `side`.
pub(crate) fn of(subject: &Subject, fun: Fun, side: Side) -> Limit {
    limit(subject.outer(side).expr(fun), side)
}

/// The limit of an expression in [`VAR`] without branches (a resolved piece) on `side`.
pub(crate) fn limit(e: &Expr, side: Side) -> Limit {
    match symbolic(e, side) {
        Some(Lim::Finite(v)) => Limit::Finite(snap(v.to_f64())),
        Some(Lim::Pos) => Limit::PosInf,
        Some(Lim::Neg) => Limit::NegInf,
        None => match numeric(e, side) {
            Limit::Undefined if envelope(e, side).oscillates => Limit::Oscillating,
            other => other,
        },
    }
}

/// Zero for values below anything an activation produces as a limit (what is left of a
/// vanishing term at 256 bits).
fn snap(v: f64) -> f64 {
    if v.abs() < 1e-60 {
        0.0
    } else {
        v
    }
}

/// A limit during symbolic evaluation.
#[derive(Clone, Debug)]
enum Lim {
    Finite(Float),
    Pos,
    Neg,
}

impl Lim {
    fn infinity(positive: bool) -> Lim {
        if positive {
            Lim::Pos
        } else {
            Lim::Neg
        }
    }

    fn neg(self) -> Lim {
        match self {
            Lim::Finite(v) => Lim::Finite(-v),
            Lim::Pos => Lim::Neg,
            Lim::Neg => Lim::Pos,
        }
    }

    /// The sign of an infinity, or of a finite value (None for zero).
    fn positive(&self) -> Option<bool> {
        match self {
            Lim::Pos => Some(true),
            Lim::Neg => Some(false),
            Lim::Finite(v) if v.is_zero() => None,
            Lim::Finite(v) => Some(*v > 0),
        }
    }

    fn finite(&self) -> Option<&Float> {
        match self {
            Lim::Finite(v) => Some(v),
            _ => None,
        }
    }
}

/// The limit of `e`, or None at an indeterminate form (or a node without a rule).
fn symbolic(e: &Expr, side: Side) -> Option<Lim> {
    if let Expr::Var(v) = e {
        return (v == VAR).then(|| Lim::infinity(side == Side::Right));
    }
    let kids = e.children().into_iter().map(|c| symbolic(c, side)).collect::<Option<Vec<Lim>>>()?;
    if let Some(values) = kids.iter().map(Lim::finite).collect::<Option<Vec<&Float>>>() {
        return finite_node(e, &values);
    }
    infinite_node(e, kids)
}

/// A node whose children all have finite limits: the node at those values, if finite
/// (continuity of every function of the language where it is finite).
fn finite_node(e: &Expr, values: &[&Float]) -> Option<Lim> {
    let names: Vec<String> = (0..values.len()).map(|i| format!("u{i}")).collect();
    let mut next = names.iter();
    let node = e.map_children(|_| Expr::var(next.next().expect("one name per child")));
    let env: Vec<(&str, Float)> = names.iter().map(String::as_str).zip(values.iter().map(|v| (*v).clone())).collect();
    let v = eval_float(&node, &env, PREC);
    v.is_finite().then_some(Lim::Finite(v))
}

/// The rules for a node with an infinite child.
fn infinite_node(e: &Expr, kids: Vec<Lim>) -> Option<Lim> {
    let zero = || Lim::Finite(Float::new(PREC));
    let mut kids = kids.into_iter();
    let mut next = || kids.next().expect("children");
    match e {
        Expr::Neg(_) => Some(next().neg()),
        Expr::Bin(BinOp::Add, ..) => add(next(), next()),
        Expr::Bin(BinOp::Sub, ..) => add(next(), next().neg()),
        Expr::Bin(BinOp::Mul, ..) => {
            let (a, b) = (next(), next());
            Some(Lim::infinity(a.positive()? == b.positive()?))
        }
        Expr::Bin(BinOp::Div, ..) => match (next(), next()) {
            (Lim::Finite(_), _) => Some(zero()),
            (a, b @ Lim::Finite(_)) => Some(Lim::infinity(a.positive()? == b.positive()?)),
            _ => None,
        },
        Expr::Bin(op @ (BinOp::Max | BinOp::Min), ..) => {
            let (a, b) = (next(), next());
            let want = *op == BinOp::Max;
            match (&a, &b) {
                (Lim::Pos, _) | (_, Lim::Pos) => Some(if want { Lim::Pos } else { other(a, b, Lim::Pos) }),
                _ => Some(if want { other(a, b, Lim::Neg) } else { Lim::Neg }),
            }
        }
        Expr::Powi(_, n) => {
            let a = next();
            Some(match n {
                0 => Lim::Finite(Float::with_val(PREC, 1)),
                n if *n < 0 => zero(),
                n => Lim::infinity(n % 2 == 0 || a.positive()?),
            })
        }
        Expr::Call(f, _) => call(*f, next().positive()?),
        _ => None,
    }
}

/// The one of `a`, `b` that is not `skip` (the finite one, or the other infinity).
fn other(a: Lim, b: Lim, skip: Lim) -> Lim {
    let is_skip = |l: &Lim| matches!((l, &skip), (Lim::Pos, Lim::Pos) | (Lim::Neg, Lim::Neg));
    if is_skip(&a) {
        b
    } else {
        a
    }
}

fn add(a: Lim, b: Lim) -> Option<Lim> {
    match (&a, &b) {
        (Lim::Finite(_), _) => Some(b),
        (_, Lim::Finite(_)) => Some(a),
        _ if a.positive() == b.positive() => Some(a),
        _ => None,
    }
}

/// f(±∞) for each function of the language.
fn call(f: Func, positive: bool) -> Option<Lim> {
    let num = |v: f64| Some(Lim::Finite(Float::with_val(PREC, v)));
    let half_pi = || Some(Lim::Finite(Float::with_val(PREC, rug::float::Constant::Pi) / 2u32));
    match (f, positive) {
        (Func::Exp | Func::ExpM1 | Func::Ln | Func::Ln1p | Func::Sqrt | Func::Sinh | Func::Softplus, true) => {
            Some(Lim::Pos)
        }
        (Func::Abs | Func::Cosh, _) => Some(Lim::Pos),
        (Func::Exp | Func::Softplus | Func::Sigmoid, false) => num(0.0),
        (Func::ExpM1 | Func::Tanh | Func::Erf, false) => num(-1.0),
        (Func::Tanh | Func::Erf | Func::Sigmoid, true) => num(1.0),
        (Func::Erfc, true) => num(0.0),
        (Func::Erfc, false) => num(2.0),
        (Func::Sinh, false) => Some(Lim::Neg),
        (Func::Atan, true) => half_pi(),
        (Func::Atan, false) => half_pi().map(Lim::neg),
        // ln and sqrt of -∞ are not real; sin and cos oscillate.
        (Func::Ln | Func::Ln1p | Func::Sqrt, false) | (Func::Sin | Func::Cos, _) => None,
        // expm1(u) - u e^u: -1 at -∞, -∞ at +∞ (only the stabilising pass writes it).
        (Func::Expm1SubUexp, false) => num(-1.0),
        (Func::Expm1SubUexp, true) => Some(Lim::Neg),
    }
}

/// The limit from MPFR values at x = ±10^(2^k), k = 1, 2, …, 14: converged when two
/// successive values agree to 200 bits, infinite when the values overflow or keep at least
/// doubling with one sign (ln x doubles when x is squared), 0 when they keep at least
/// halving with one sign (1 / ln x; or 2 / x² where `exp` inside the formula overflows
/// MPFR beyond x = 1e8 and leaves only three values), undefined otherwise.
///
/// The answer depends on the precision where the formula cancels (1 + e^-x rounds to 1
/// at 256 bits long before it does in the reals), so it is computed again at twice the
/// precision until two successive precisions give the same answer (256, 512, …, 4096 bits;
/// past the cap the last answer stands).
fn numeric(e: &Expr, side: Side) -> Limit {
    let mut prec = PREC;
    let mut last = numeric_at(e, side, prec);
    while prec < 16 * PREC {
        prec *= 2;
        let next = numeric_at(e, side, prec);
        if next == last {
            return next;
        }
        last = next;
    }
    last
}

/// [`numeric`] at one precision.
fn numeric_at(e: &Expr, side: Side, prec: u32) -> Limit {
    let mut values: Vec<Float> = Vec::new();
    for k in 1..=14u32 {
        let mut x = Float::with_val(prec, 10);
        x.pow_assign(1u32 << k);
        if side == Side::Left {
            x = -x;
        }
        let v = eval_float(e, &[(VAR, x)], prec);
        if v.is_nan() {
            break;
        }
        let infinite = v.is_infinite();
        values.push(v);
        if infinite {
            break;
        }
    }
    classify(&values)
}

/// How a function without a limit behaves far out on one side, from its values at eight
/// points x = ±s (1 + j/8) of each scale s = 10^(2^k), k = 1, …, 8 (the scales stop at the
/// first one where every value is NaN: MPFR's exponent range overflowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Envelope {
    /// Unbounded below: the smallest value of each scale is negative and at least doubles
    /// in size from each scale to the next over the last three (as [`numeric`] decides a
    /// limit of −∞; an overflow to −∞ counts as doubling).
    pub below: bool,
    /// Unbounded above, likewise.
    pub above: bool,
    /// The values keep swinging: over the last three scales the spread (largest minus
    /// smallest value of a scale) is positive and never shrinks to less than half the
    /// previous one. A limit that is only slow to settle (1 / ln x) has a spread that
    /// shrinks; sin x keeps a spread of about 2 and x cos x one that grows.
    pub oscillates: bool,
}

/// The [`Envelope`] of `e` on `side`.
pub(crate) fn envelope(e: &Expr, side: Side) -> Envelope {
    let (mut highs, mut lows): (Vec<Float>, Vec<Float>) = (Vec::new(), Vec::new());
    for k in 1..=8u32 {
        let mut s = Float::with_val(PREC, 10);
        s.pow_assign(1u32 << k);
        let values: Vec<Float> = (0..8u32)
            .map(|j| {
                let x = Float::with_val(PREC, &s * (8 + j)) / 8u32;
                eval(e, &if side == Side::Left { -x } else { x })
            })
            .filter(|v| !v.is_nan())
            .collect();
        let (Some(hi), Some(lo)) =
            (values.iter().max_by(|a, b| a.total_cmp(b)), values.iter().min_by(|a, b| a.total_cmp(b)))
        else {
            break;
        };
        highs.push(hi.clone());
        lows.push(lo.clone());
    }
    let n = highs.len();
    if n < 3 {
        return Envelope { below: false, above: false, oscillates: false };
    }
    let doubling = |m: &[Float]| m.windows(2).all(|w| w[0] > 0 && w[1] >= Float::with_val(PREC, &w[0] * 1.9));
    let negated: Vec<Float> = lows[n - 3..].iter().map(|v| Float::with_val(PREC, -v)).collect();
    let spreads: Vec<Float> = (n - 3..n).map(|i| Float::with_val(PREC, &highs[i] - &lows[i])).collect();
    let oscillates = spreads.iter().all(|d| *d > 0)
        && spreads.windows(2).all(|w| w[1].is_nan() || w[1] >= Float::with_val(PREC, &w[0] / 2u32));
    Envelope { below: doubling(&negated), above: doubling(&highs[n - 3..]), oscillates }
}

fn classify(values: &[Float]) -> Limit {
    let Some(last) = values.last() else { return Limit::Undefined };
    if last.is_infinite() {
        return if *last > 0 { Limit::PosInf } else { Limit::NegInf };
    }
    let n = values.len();
    if n < 3 {
        return Limit::Undefined;
    }
    let (c, a, b) = (&values[n - 3], &values[n - 2], last);
    let tiny = Float::with_val(PREC, 2).pow(-200i32);
    let scale = Float::with_val(PREC, b.abs_ref()).max(&Float::with_val(PREC, 1));
    let gap = Float::with_val(PREC, b - a).abs();
    if gap <= tiny * scale {
        return Limit::Finite(snap(b.to_f64()));
    }
    let grows = |small: &Float, big: &Float| {
        (*small > 0) == (*big > 0)
            && Float::with_val(PREC, big.abs_ref()) >= Float::with_val(PREC, small.abs_ref()) * 1.9
    };
    if !c.is_zero() && grows(c, a) && grows(a, b) {
        return if *b > 0 { Limit::PosInf } else { Limit::NegInf };
    }
    // The mirror image: values that keep at least halving with one sign tend to 0.
    if !b.is_zero() && grows(b, a) && grows(a, c) {
        return Limit::Finite(0.0);
    }
    Limit::Undefined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn lim(src: &str, side: Side) -> Limit {
        limit(&parse_formula(src, &["x"]).unwrap(), side)
    }

    #[test]
    fn symbolic_limits() {
        assert!(symbolic(&parse_formula("sigmoid(x)", &["x"]).unwrap(), Side::Left).is_some());
        assert_eq!(lim("sigmoid(x)", Side::Left), Limit::Finite(0.0));
        assert_eq!(lim("sigmoid(x) * sigmoid(-x)", Side::Right), Limit::Finite(0.0));
        assert_eq!(lim("0.5 * expm1(x)", Side::Left), Limit::Finite(-0.5));
        assert_eq!(lim("-softplus(-x)", Side::Left), Limit::NegInf);
        assert_eq!(lim("atan(x)", Side::Right), Limit::Finite(std::f64::consts::FRAC_PI_2));
        assert_eq!(lim("x.powi(3)", Side::Left), Limit::NegInf);
    }

    #[test]
    fn indeterminate_forms_numerically() {
        // -∞ · 0 and ∞ / ∞.
        assert!(symbolic(&parse_formula("x * sigmoid(x)", &["x"]).unwrap(), Side::Left).is_none());
        assert_eq!(lim("x * sigmoid(x)", Side::Left), Limit::Finite(0.0));
        assert_eq!(lim("x / (1.0 + x)", Side::Right), Limit::Finite(1.0));
        assert_eq!(lim("x * erfc(-x * FRAC_1_SQRT_2)", Side::Left), Limit::Finite(0.0));
        assert_eq!(lim("x - x.ln()", Side::Right), Limit::PosInf);
        assert_eq!(lim("x.sin()", Side::Right), Limit::Oscillating);
        assert_eq!(lim("x * x.cos()", Side::Left), Limit::Oscillating);
        // 1 / ln x halves each time x is squared: its limit is 0, though slow to settle.
        assert_eq!(lim("x / (x * x.ln())", Side::Right), Limit::Finite(0.0));
        // Slow to settle elsewhere than at 0 is undecided, not oscillating.
        assert_eq!(lim("1.0 + x / (x * x.ln())", Side::Right), Limit::Undefined);
    }
}

//! Where a compensated rational form may run in untested pairs (`DdLean`), and on which
//! inputs.
//!
//! A compensated form pays for its safety nets on every vector: the wide form of `f32`
//! (one `f64` per lane) divides in `f64`, two divisions per 16 lanes where the plain code
//! takes one `f32` division, and pairs test every product and quotient for underflow. For
//! softsign′ = 1/(1 + |x|)², which needs neither net anywhere but at the ends of the range,
//! that made the `f32` kernel 3.4–3.8 times as slow as its plain code (`docs/speed.md`).
//!
//! Here, for a form built only of `+ − · /`, integer powers, |·|, constants and variables,
//! [`bound`] finds the largest B = 2^k (k ≤ [`LARGEST`]) such that, with every variable in
//! [−B, B], interval arithmetic shows:
//!
//! - every value of every node within [−2^[`RANGE`], 2^[`RANGE`]];
//! - every product, quotient, power — its operands, its partial squarings — and every
//!   divisor at least 2^-[`RANGE`] in magnitude: an error-free product or remainder of `T`s
//!   is then exact (its error term, at least 2^-(2·`RANGE` + 48), is a normal `f32`), and a
//!   low part lost below the normal range is at most 2^-149 beside a high part of 2^-60;
//! - no sum of rounded values that can cancel: a sum of two exact `T`s (a variable, a
//!   number `f32` holds, their negations and absolute values) is itself exact; any other
//!   sum has operands of one sign, so its relative error is at most its operands' and a
//!   rounding of the pair;
//! - at most [`NODES`] nodes.
//!
//! Each operation of a pair of `T`s is then within a few units of 2^-2p relative (p = 24
//! for `f32`), and the form within [`NODES`] times that: below 2^-40, against the final
//! rounding's 2^-24. The generated code tests the variables once per vector
//! (`|x| ≤ B`, `__private::lanes_if!`), computes `DdLean<T>` — `DdPair<T>`'s arithmetic
//! without its underflow tests — where they hold, and the form as before in the lanes
//! where they do not (NaN included). The bound is found for `f32`'s range and holds for
//! `f64`'s, which is wider at both ends.
//!
//! The expansion's probes (`passes::compensate`, `passes::doubts`) judge the `Dd<T>` form;
//! the lean lanes need no probe, their error being bounded as above.

use crate::emit::codegen::plain_leaf;
use crate::ir::expr::{BinOp, Expr, Func, Memo};

/// log2 of the largest magnitude, and of the inverse of the smallest, that a node may
/// reach: products of two such values and their error terms stay normal `f32`s.
const RANGE: i32 = 60;

/// log2 of the largest bound tried.
const LARGEST: i32 = 40;

/// log2 of the smallest bound worth a test: below it too many ordinary inputs would fail
/// the test and take the form's own code after both were computed.
const SMALLEST: i32 = 4;

/// The most nodes a lean form may have (its error grows with their number).
const NODES: usize = 64;

/// A closed interval of real values.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Interval {
    lo: f64,
    hi: f64,
}

impl Interval {
    fn point(v: f64) -> Self {
        Interval { lo: v, hi: v }
    }

    /// Widened outward by a relative 2^-40 (and 2^-1000 absolutely) where not 0: covers the
    /// `f64` rounding of the bounds' own arithmetic, in which a bound of 0 is exact (a sum
    /// or product of bounds that are 0).
    fn outward(self) -> Self {
        let pad = |v: f64| if v == 0.0 { 0.0 } else { v.abs() * 2f64.powi(-40) + 2f64.powi(-1000) };
        Interval { lo: self.lo - pad(self.lo), hi: self.hi + pad(self.hi) }
    }

    fn neg(self) -> Self {
        Interval { lo: -self.hi, hi: -self.lo }
    }

    fn abs(self) -> Self {
        if self.lo >= 0.0 {
            self
        } else if self.hi <= 0.0 {
            self.neg()
        } else {
            Interval { lo: 0.0, hi: self.hi.max(-self.lo) }
        }
    }

    fn add(self, b: Self) -> Self {
        Interval { lo: self.lo + b.lo, hi: self.hi + b.hi }.outward()
    }

    fn mul(self, b: Self) -> Self {
        let p = [self.lo * b.lo, self.lo * b.hi, self.hi * b.lo, self.hi * b.hi];
        Interval {
            lo: p.iter().copied().fold(f64::INFINITY, f64::min),
            hi: p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
        .outward()
    }

    /// `self / b` for a `b` that does not contain 0.
    fn div(self, b: Self) -> Self {
        self.mul(Interval { lo: 1.0 / b.hi, hi: 1.0 / b.lo }.outward())
    }

    /// The smallest magnitude of a value in it (0 where it contains 0).
    fn least(self) -> f64 {
        if self.lo > 0.0 {
            self.lo
        } else if self.hi < 0.0 {
            -self.hi
        } else {
            0.0
        }
    }

    fn greatest(self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }

    /// Whether every value is of one sign (0 counting as either).
    fn one_sign(self, b: Self) -> bool {
        (self.lo >= 0.0 && b.lo >= 0.0) || (self.hi <= 0.0 && b.hi <= 0.0)
    }
}

/// The largest B = 2^k (`SMALLEST` ≤ k ≤ `LARGEST`) on which `e` may run in `DdLean`, and
/// the variables to test against it; `None` where no B holds ([`interval`] refuses every
/// node but the rational ones).
pub(crate) fn bound(e: &Expr) -> Option<(f64, Vec<String>)> {
    if e.size() > NODES {
        return None;
    }
    let mut vars = Vec::new();
    e.visit(&mut |n| {
        if let Expr::Var(v) = n {
            if !vars.contains(v) {
                vars.push(v.clone());
            }
        }
    });
    if vars.is_empty() {
        return None;
    }
    // Valid at B, valid at every smaller B (interval arithmetic is monotone in its
    // inputs, and so is every test): the first from the top is the largest.
    (SMALLEST..=LARGEST)
        .rev()
        .map(|k| 2f64.powi(k))
        .find(|&b| interval(e, b, &mut Memo::new()).is_some())
        .map(|b| (b, vars))
}

/// The values of `e` with every variable in [−b, b], or `None` where a node is not one of
/// the rational ones (constants, variables, negations, |·|, `+ − · /`, powers up to the
/// 8th) or breaks one of the module's conditions.
fn interval(e: &Expr, b: f64, memo: &mut Memo<Interval>) -> Option<Interval> {
    if let Some(done) = memo.get(e) {
        return Some(*done);
    }
    let (large, small) = (2f64.powi(RANGE), 2f64.powi(-RANGE));
    let normal = |i: Interval| (i.least() >= small).then_some(i);
    let v = if e.is_constant() {
        // As code generation lifts it (`codegen::lifted_leaf`): a double-double.
        let (hi, lo) = crate::ir::constant::value(e)?;
        Interval::point(hi + lo)
    } else {
        match e {
            Expr::Var(_) => Interval { lo: -b, hi: b },
            Expr::Neg(a) => interval(a, b, memo)?.neg(),
            Expr::Call(Func::Abs, a) => interval(a, b, memo)?.abs(),
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), x, y) => {
                let (i, j) = (interval(x, b, memo)?, interval(y, b, memo)?);
                let j = if *op == BinOp::Sub { j.neg() } else { j };
                if !(i.one_sign(j) || (plain_leaf(x).is_some() && plain_leaf(y).is_some())) {
                    return None;
                }
                i.add(j)
            }
            Expr::Bin(BinOp::Mul, x, y) => {
                let (i, j) = (normal(interval(x, b, memo)?)?, normal(interval(y, b, memo)?)?);
                normal(i.mul(j))?
            }
            Expr::Bin(BinOp::Div, x, y) => {
                let (i, j) = (normal(interval(x, b, memo)?)?, normal(interval(y, b, memo)?)?);
                normal(i.div(j))?
            }
            Expr::Powi(a, n) if n.unsigned_abs() <= 8 => {
                let base = normal(interval(a, b, memo)?)?;
                // Every partial product of the squarings lies between |a| and |a|^|n| in
                // magnitude; a negative power is the reciprocal of the positive one.
                let m = base.abs();
                let k = n.unsigned_abs() as i32;
                let power = Interval { lo: m.lo.powi(k), hi: m.hi.powi(k) }.outward();
                let magnitude = Interval { lo: m.lo.min(power.lo), hi: m.hi.max(power.hi) };
                normal(magnitude)?;
                let power = if *n < 0 { Interval::point(1.0).div(power) } else { power };
                // The sign: an even power is positive, an odd one keeps the base's.
                let power = if k % 2 == 0 {
                    power
                } else if base.hi < 0.0 {
                    power.neg()
                } else if base.lo > 0.0 {
                    power
                } else {
                    Interval { lo: -power.hi, hi: power.hi }
                };
                normal(power)?
            }
            _ => return None,
        }
    };
    // (NaN bounds are refused too.)
    if v.greatest().partial_cmp(&large).is_none_or(|o| o.is_gt()) {
        return None;
    }
    memo.insert(e.clone(), v);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn b(text: &str) -> Option<f64> {
        bound(&parse_formula(text, &["x", "a"]).unwrap()).map(|(b, _)| b)
    }

    #[test]
    fn softsigns_derivatives_run_lean_below_a_bound_on_the_input() {
        // (1 + |x|)² ≤ 2^60: |x| < 2^30, the largest power of two with the margins 2^29.
        assert_eq!(b("1.0 / (1.0 + x.abs()).powi(2)"), Some(2f64.powi(29)));
        // (1 + |x|)³ ≤ 2^60: 2^19.
        assert_eq!(b("-2.0 / (1.0 + x.abs()).powi(3)"), Some(2f64.powi(19)));
        // A parameter is tested as the input is: (1 + 2B)² ≤ 2^60.
        let e = parse_formula("1.0 / (1.0 + (x.abs() + a.abs())).powi(2)", &["x", "a"]).unwrap();
        let (bound, vars) = bound(&e).unwrap();
        assert_eq!(bound, 2f64.powi(28));
        assert!(vars.len() == 2 && vars.contains(&"a".to_string()) && vars.contains(&"x".to_string()));
        // A parameter that may be 0 as a dividend: no bound.
        assert_eq!(b("a / (1.0 + x.abs()).powi(2)"), None);
    }

    #[test]
    fn forms_that_may_underflow_cancel_or_call_a_function_have_no_bound() {
        // x · y near x = 0 is below 2^-60: its error-free product is not exact there.
        assert_eq!(b("x * x / (1.0 + x * x)"), None);
        // A divisor that may vanish.
        assert_eq!(b("1.0 / x"), None);
        // A sum of rounded values that may cancel.
        assert_eq!(b("1.0 / (1.0 + x.abs()) - 1.0 / (2.0 + x.abs()).powi(2)"), None);
        // A library call, a branch, a maximum.
        assert_eq!(b("1.0 / (1.0 + x.exp())"), None);
        assert_eq!(b("1.0 / (1.0 + x.abs()).max(2.0)"), None);
        // No variable: nothing to test.
        assert_eq!(b("1.0 / 3.0"), None);
        // A sum of exact values may cancel: it is exact.
        assert_eq!(b("1.0 / (2.0 + x.abs()).powi(2) * (3.0 + x.abs())"), Some(2f64.powi(29)));
    }

    #[test]
    fn the_bound_holds_at_the_inputs_it_admits() {
        // At the bound and beside it, every node of softsign″'s form is inside the range.
        let e = parse_formula("-2.0 / (1.0 + x.abs()).powi(3)", &["x"]).unwrap();
        let (bound, _) = bound(&e).unwrap();
        for x in [0.0, 1e-45, 1.0, bound, -bound] {
            let d = 1.0 + f64::abs(x);
            let cube = d * d * d;
            assert!(cube <= 2f64.powi(RANGE) && 2.0 / cube >= 2f64.powi(-RANGE), "x = {x}");
        }
        // Twice the bound is refused.
        assert!(interval(&e, 2.0 * bound, &mut Memo::new()).is_none());
        // Powers beyond the 8th are refused.
        assert_eq!(b("1.0 / (1.0 + x.abs()).powi(9)"), None);
    }
}

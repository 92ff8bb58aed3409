//! Smoothness at each breakpoint: the one-sided limits of f, f', f'', … compared in MPFR.
//! Each side's formula is the adjacent piece's (analytic up to the breakpoint), so its
//! k-th derivative at the breakpoint is the one-sided limit of f^(k) there.

use rug::Float;

use super::pieces::{eval, Fun, Subject, VAR};
use super::{Kink, Smoothness, PREC};
use crate::ir::expr::Expr;
use crate::passes::diff::derivative;
use crate::passes::simplify::simplify;

/// The highest derivative compared.
const MAX_ORDER: u32 = 8;

/// The smoothness class at every breakpoint of `subject`, left to right.
pub(crate) fn kinks(subject: &Subject) -> Vec<Kink> {
    subject
        .breakpoints
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let left = subject.pieces[i].expr(Fun::F);
            let right = subject.pieces[i + 1].expr(Fun::F);
            Kink { at: b, class: class(left, right, b) }
        })
        .collect()
}

/// The class at `b` of the function that is `left` before it and `right` after.
pub(crate) fn class(left: &Expr, right: &Expr, b: f64) -> Smoothness {
    let (mut l, mut r) = (simplify(left), simplify(right));
    if l == r {
        return Smoothness::Infinite;
    }
    let x = Float::with_val(PREC, b);
    for k in 0..=MAX_ORDER {
        if !same(&eval(&l, &x), &eval(&r, &x)) {
            return if k == 0 { Smoothness::Discontinuous } else { Smoothness::C(k - 1) };
        }
        l = next(&l);
        r = next(&r);
    }
    Smoothness::AtLeast(MAX_ORDER)
}

fn next(e: &Expr) -> Expr {
    simplify(&derivative(e, VAR).expect("pieces have no reductions"))
}

/// Equal up to rounding at 256 bits (200 bits relative, or absolute near 0).
fn same(a: &Float, b: &Float) -> bool {
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    let scale =
        Float::with_val(PREC, a.abs_ref()).max(&Float::with_val(PREC, b.abs_ref())).max(&Float::with_val(PREC, 1));
    let gap = Float::with_val(PREC, a - b).abs();
    gap <= scale * Float::with_val(PREC, Float::i_exp(1, -200))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn at0(l: &str, r: &str) -> Smoothness {
        class(&parse_formula(l, &["x"]).unwrap(), &parse_formula(r, &["x"]).unwrap(), 0.0)
    }

    #[test]
    fn classes() {
        assert_eq!(at0("0.0", "x"), Smoothness::C(0));
        assert_eq!(at0("1.0", "x"), Smoothness::Discontinuous);
        assert_eq!(at0("x.exp() - 1.0", "x"), Smoothness::C(1));
        assert_eq!(at0("x.powi(3)", "0.0"), Smoothness::C(2));
        assert_eq!(at0("x", "x"), Smoothness::Infinite);
        // sin and its Taylor polynomial of degree 5 differ first in the 7th derivative.
        assert_eq!(at0("x.sin()", "x - x.powi(3) / 6.0 + x.powi(5) / 120.0"), Smoothness::C(6));
    }
}

//! Stabilising pass for vector formulas: the rewrites that keep sums of exponentials
//! finite, then the scalar pass ([`crate::passes::stabilise`]) for everything element-wise.
//!
//! - **Max shift**: `Σ_j b_j e^{u_j}` overflows as soon as one `u_j` exceeds 709, although
//!   the quotients and logarithms it usually feeds are moderate. It is rewritten as
//!   `e^M Σ_j b_j e^{u_j - M}` with `M = max_j u_j`: every exponential of the new sum is
//!   at most 1, and the largest is exactly 1, so the sum neither overflows nor underflows
//!   to 0. The identity holds for any `M`; the maximum is the choice that makes it safe.
//!   A sum whose exponent already subtracts a `max` is left as the user wrote it.
//! - **Exponential merging**: the factor `e^M` then meets the other exponentials of the
//!   formula — `e^{x_i} / (e^M S)` becomes `e^{x_i - M} / S`, `ln(e^M S)` becomes
//!   `M + ln(S)` — so the large factors cancel symbolically instead of overflowing.
//!
//! Softmax written as `exp(x) / sum(exp(x))` becomes `exp(x - max(x)) / sum(exp(x -
//! max(x)))`, log-softmax `x - ln(sum(exp(x)))` becomes `x - max(x) - ln(sum(exp(x -
//! max(x))))`; the log-sum-exp of the largest element is made accurate by `dominant`.

use crate::ir::expr::{BinOp, Expr, Func, Reduction};
use crate::passes::simplify::simplify;
use crate::vector::graph::Factors;

/// The stable form of the vector formula `e` whose element-wise variables are `vectors`.
pub(crate) fn stabilise(e: &Expr, vectors: &[String]) -> Expr {
    let shifted = shift(&simplify(e), vectors);
    crate::passes::stabilise::stabilise(&merge_exps(&shifted))
}

/// Applies the max shift to every sum of exponentials, innermost first.
fn shift(e: &Expr, vectors: &[String]) -> Expr {
    let e = e.map_children(|c| shift(c, vectors));
    let Expr::Reduce(Reduction::Sum, body) = &e else { return e };
    let mut factors = Factors::of(body);
    let exps: Vec<usize> = (0..factors.items.len())
        .filter(|&i| matches!(&factors.items[i], (Expr::Call(Func::Exp, u), 1) if shiftable(u, vectors)))
        .collect();
    let [i] = exps[..] else { return e };
    let Expr::Call(_, u) = factors.items[i].0.clone() else { return e };
    let max = Expr::Reduce(Reduction::Max, u.clone());
    factors.items[i].0 = Expr::call(Func::Exp, Expr::bin(BinOp::Sub, (*u).clone(), max.clone()));
    let sum = Expr::reduce(Reduction::Sum, factors.build());
    Expr::bin(BinOp::Mul, Expr::call(Func::Exp, max), sum)
}

/// An exponent worth shifting: it varies with the element and subtracts no maximum yet.
fn shiftable(u: &Expr, vectors: &[String]) -> bool {
    let mut has_max = false;
    u.visit(&mut |n| has_max |= matches!(n, Expr::Reduce(Reduction::Max, _)));
    !has_max && varies(u, vectors)
}

/// Whether `e` depends on an element-wise variable outside any reduction (inside one, the
/// variable is another index, summed over).
pub(crate) fn varies(e: &Expr, vectors: &[String]) -> bool {
    match e {
        Expr::Var(v) => vectors.contains(v),
        Expr::Reduce(..) => false,
        _ => e.children().into_iter().any(|c| varies(c, vectors)),
    }
}

/// Merges the exponentials of every product into one (`e^a e^b / e^c = e^{a+b-c}`) and
/// takes the exponentials out of logarithms (`ln(e^a S) = a + ln S`).
pub(crate) fn merge_exps(e: &Expr) -> Expr {
    let e = e.map_children(merge_exps);
    match &e {
        Expr::Bin(BinOp::Mul | BinOp::Div, ..) => {
            let mut factors = Factors::of(&e);
            let (exps, mut rest): (Vec<_>, Vec<_>) =
                factors.items.drain(..).partition(|(f, _)| matches!(f, Expr::Call(Func::Exp, _)));
            if exps.len() < 2 {
                return e;
            }
            rest.push((Expr::call(Func::Exp, exponent(&exps)), 1));
            Factors { coef: factors.coef, items: rest }.build()
        }
        Expr::Call(Func::Ln, p) => {
            let mut factors = Factors::of(p);
            let (exps, rest): (Vec<_>, Vec<_>) =
                factors.items.drain(..).partition(|(f, _)| matches!(f, Expr::Call(Func::Exp, _)));
            if exps.is_empty() {
                return e;
            }
            let rest = Factors { coef: factors.coef, items: rest }.build();
            simplify(&Expr::bin(BinOp::Add, exponent(&exps), Expr::call(Func::Ln, rest)))
        }
        _ => e,
    }
}

/// `Σ k a` for the factors `(e^a)^k`.
fn exponent(exps: &[(Expr, i32)]) -> Expr {
    let sum = exps.iter().fold(Expr::num(0.0), |acc, (f, k)| {
        let Expr::Call(_, a) = f else { return acc };
        Expr::bin(BinOp::Add, acc, Expr::bin(BinOp::Mul, Expr::num(f64::from(*k)), (**a).clone()))
    });
    simplify(&sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_vector_formula;

    fn s(src: &str) -> String {
        let e = parse_vector_formula(src, &["x", "t"]).unwrap();
        stabilise(&e, &["x".to_string()]).to_string()
    }

    #[test]
    fn textbook_softmax_gets_the_max_shift() {
        assert_eq!(s("exp(x) / sum(exp(x))"), "exp(x - max(x)) / sum(exp(x - max(x)))");
        assert_eq!(s("x - ln(sum(exp(x)))"), "x - max(x) - ln(sum(exp(x - max(x))))");
        assert_eq!(s("ln(sum(exp(x)))"), "max(x) + ln(sum(exp(x - max(x))))");
        assert_eq!(s("exp(x / t) / sum(exp(x / t))"), "exp(x / t - max(x / t)) / sum(exp(x / t - max(x / t)))");
    }

    #[test]
    fn shifted_forms_stay_as_written() {
        let shifted = "exp(x - max(x)) / sum(exp(x - max(x)))";
        assert_eq!(s(shifted), shifted);
    }
}

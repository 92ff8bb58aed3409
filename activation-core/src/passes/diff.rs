//! Symbolic differentiation.
//!
//! The chain rule for every [`Func`] comes from the `derivative`
//! column of [`FUNCS`], a formula in `u`; the operators have their
//! textbook rules here. Piecewise formulas differentiate branch by branch under the same
//! condition, so at a breakpoint the derivative takes the branch that the `if` selects
//! there (`docs/contract.md` §4.2); `max`/`min` follow the same convention through the branch `a > b`
//! (resp. `a < b`) selects.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::ir::expr::{BinOp, CmpOp, Cond, Expr, Func, Memo, FUNCS};
use crate::parse::parse_pattern;
use crate::passes::rules::{budget, Exceeded};

/// Why an expression could not be differentiated.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffError {
    /// Reductions are differentiated by the vector pass, not this scalar one.
    Reduction,
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::Reduction => f.write_str("reductions (`sum`, `max`) need the vector derivative"),
        }
    }
}

impl std::error::Error for DiffError {}

fn table() -> &'static HashMap<Func, Expr> {
    static TABLE: OnceLock<HashMap<Func, Expr>> = OnceLock::new();
    TABLE.get_or_init(|| {
        FUNCS
            .iter()
            .map(|i| {
                let d =
                    parse_pattern(i.derivative).unwrap_or_else(|e| panic!("derivative of `{}` in FUNCS: {e}", i.name));
                (i.func, d)
            })
            .collect()
    })
}

/// d e / d `var`, unsimplified (pass it through [`crate::passes::simplify::simplify`]).
///
/// Memoised on shared nodes: each distinct subterm is differentiated once, and the result
/// refers to the subterms of `e` rather than copying them, so the derivative of a DAG of
/// n nodes has O(n) nodes (a tree would double at every nested product).
pub(crate) fn derivative(e: &Expr, var: &str) -> Result<Expr, DiffError> {
    let d = derivative_memo(e, var, &mut Memo::new())?;
    if d.dag_size() > budget::NODES {
        budget::exceeded(Exceeded::Size, "derivative", e);
    }
    Ok(d)
}

fn derivative_memo(e: &Expr, var: &str, memo: &mut Memo<Expr>) -> Result<Expr, DiffError> {
    if let Some(done) = memo.get(e) {
        return Ok(done.clone());
    }
    let out = differentiate(e, var, memo)?;
    memo.insert(e.clone(), out.clone());
    Ok(out)
}

fn differentiate(e: &Expr, var: &str, memo: &mut Memo<Expr>) -> Result<Expr, DiffError> {
    use Expr as E;
    let mut d = |a: &Expr| derivative_memo(a, var, memo);
    Ok(match e {
        E::Num(_) | E::Const(_) => E::num(0.0),
        E::Var(v) => E::num(if v == var { 1.0 } else { 0.0 }),
        E::Neg(a) => E::neg(d(a)?),
        E::Bin(op, a, b) => {
            let (da, db) = (d(a)?, d(b)?);
            binary(*op, a, b, da, db, var)
        }
        E::Powi(a, n) => {
            let inner = E::bin(BinOp::Mul, E::num(f64::from(*n)), E::powi((**a).clone(), n - 1));
            E::bin(BinOp::Mul, inner, d(a)?)
        }
        E::Call(f, a) => {
            let outer = table()[f].substitute("u", a);
            E::bin(BinOp::Mul, outer, d(a)?)
        }
        E::If(c, a, b) => {
            let da = d(a)?;
            E::if_else((**c).clone(), da, d(b)?)
        }
        E::Reduce(..) => return Err(DiffError::Reduction),
    })
}

fn binary(op: BinOp, a: &Expr, b: &Expr, da: Expr, db: Expr, var: &str) -> Expr {
    use Expr as E;
    let (a, b) = (a.clone(), b.clone());
    let mul = |x, y| E::bin(BinOp::Mul, x, y);
    match op {
        BinOp::Add => E::bin(BinOp::Add, da, db),
        BinOp::Sub => E::bin(BinOp::Sub, da, db),
        BinOp::Mul => E::bin(BinOp::Add, mul(da, b), mul(a, db)),
        BinOp::Div if !b.depends_on(var) => E::bin(BinOp::Div, da, b),
        BinOp::Div => {
            let top = E::bin(BinOp::Sub, mul(da, b.clone()), mul(a, db));
            E::bin(BinOp::Div, top, E::powi(b, 2))
        }
        BinOp::Pow if !b.depends_on(var) => {
            let lower = E::bin(BinOp::Pow, a, E::bin(BinOp::Sub, b.clone(), E::num(1.0)));
            mul(mul(b, lower), da)
        }
        BinOp::Pow => {
            // d(a^b) = a^b (b' ln a + b a' / a)
            let this = E::bin(BinOp::Pow, a.clone(), b.clone());
            let log_term = mul(db, E::call(Func::Ln, a.clone()));
            let power_term = E::bin(BinOp::Div, mul(b, da), a);
            mul(this, E::bin(BinOp::Add, log_term, power_term))
        }
        BinOp::Max => E::if_else(Cond { op: CmpOp::Gt, lhs: a, rhs: b }, da, db),
        BinOp::Min => E::if_else(Cond { op: CmpOp::Lt, lhs: a, rhs: b }, da, db),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::eval::eval_at;
    use crate::parse::parse_formula;
    use crate::passes::simplify::simplify;

    fn d(src: &str) -> Expr {
        simplify(&derivative(&parse_formula(src, &["x", "a"]).unwrap(), "x").unwrap())
    }

    #[test]
    fn prelude_functions_differentiate_through_themselves() {
        assert_eq!(d("sigmoid(x)").to_string(), "sigmoid(x) * (1 - sigmoid(x))");
        assert_eq!(d("softplus(x)").to_string(), "sigmoid(x)");
        assert_eq!(d("tanh(x)").to_string(), "1 - tanh(x).powi(2)");
    }

    #[test]
    fn kink_takes_the_selected_branch() {
        let relu = d("if x > 0.0 { x } else { 0.0 }");
        assert_eq!(eval_at(&relu, "x", 0.0, &[]), 0.0);
        let max = d("x.max(0.0)");
        assert_eq!(eval_at(&max, "x", 0.0, &[]), 0.0);
        assert_eq!(eval_at(&max, "x", 1.0, &[]), 1.0);
    }

    #[test]
    fn quotient_and_powers() {
        assert_eq!(d("x.powi(3)").to_string(), "3 * x.powi(2)");
        assert_eq!(d("a / x").to_string(), "-(a / x.powi(2))");
        let e = d("x.powf(a)");
        assert!((eval_at(&e, "x", 2.0, &[("a", 3.0)]) - 12.0).abs() < 1e-12);
    }
}

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
    derivative_with(e, var, Quotient::Textbook)
}

/// How a quotient's derivative is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quotient {
    /// d(a/b) = (a′b − ab′) / b², the textbook rule (the readable derivative).
    Textbook,
    /// d(a/b) = (a′ − (a/b)·b′) / b: the same function without b², which overflows or
    /// underflows long before a/b does (x / erfc(√x) in `f32` from x ≈ 10, where erfc² is
    /// 0); a/b is the value, shared with f. A candidate of the stable derivative
    /// (`passes::derived`).
    ByValue,
}

/// [`derivative`] with quotients differentiated by `quotient`.
pub(crate) fn derivative_with(e: &Expr, var: &str, quotient: Quotient) -> Result<Expr, DiffError> {
    let d = derivative_memo(e, var, quotient, &mut Memo::new())?;
    if d.dag_size() > budget::NODES {
        budget::exceeded(Exceeded::Size, "derivative", e);
    }
    Ok(d)
}

fn derivative_memo(e: &Expr, var: &str, quotient: Quotient, memo: &mut Memo<Expr>) -> Result<Expr, DiffError> {
    if let Some(done) = memo.get(e) {
        return Ok(done.clone());
    }
    let out = differentiate(e, var, quotient, memo)?;
    memo.insert(e.clone(), out.clone());
    Ok(out)
}

fn differentiate(e: &Expr, var: &str, quotient: Quotient, memo: &mut Memo<Expr>) -> Result<Expr, DiffError> {
    use Expr as E;
    let mut d = |a: &Expr| derivative_memo(a, var, quotient, memo);
    Ok(match e {
        E::Num(_) | E::Const(_) => E::num(0.0),
        E::Var(v) => E::num(if v == var { 1.0 } else { 0.0 }),
        E::Neg(a) => E::neg(d(a)?),
        E::Bin(op, a, b) => {
            let (da, db) = (d(a)?, d(b)?);
            binary(*op, a, b, da, db, var, quotient)
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

fn binary(op: BinOp, a: &Expr, b: &Expr, da: Expr, db: Expr, var: &str, quotient: Quotient) -> Expr {
    use Expr as E;
    let (a, b) = (a.clone(), b.clone());
    let mul = |x, y| E::bin(BinOp::Mul, x, y);
    match op {
        BinOp::Add => E::bin(BinOp::Add, da, db),
        BinOp::Sub => E::bin(BinOp::Sub, da, db),
        BinOp::Mul => E::bin(BinOp::Add, mul(da, b), mul(a, db)),
        BinOp::Div if !b.depends_on(var) => E::bin(BinOp::Div, da, b),
        BinOp::Div if quotient == Quotient::ByValue => {
            let value = E::bin(BinOp::Div, a, b.clone());
            E::bin(BinOp::Div, E::bin(BinOp::Sub, da, mul(value, db)), b)
        }
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
        BinOp::Max | BinOp::Min => extremum(op == BinOp::Max, a, b, da, db),
    }
}

/// d max(a, b) and d min(a, b): the derivative of the side selected (`a` only where it is
/// strictly beyond `b`, §4.2). Where a side can be NaN while the other is not, the value
/// is the other side (`f64::max`, MPFR and the checks ignore a NaN argument) and so is
/// the derivative: a comparison with a NaN is false, and the plain rule would take `db`
/// where `b` is the NaN (`min(e^.., ln_1p(x³ − x))` at x = −1e4 took ln_1p's slope). Two
/// arms decide that case: after `a > b` and `b ≥ a` both fail, one side is NaN, and
/// `a ≥ −MAX or a ≤ MAX` (no NaN test in the formula language) says whether it is `b`.
/// Only where a side can be NaN (a logarithm, root, power or quotient in it): elsewhere
/// the selects cost and say nothing.
fn extremum(max: bool, a: Expr, b: Expr, da: Expr, db: Expr) -> Expr {
    use Expr as E;
    let (beyond, within) = if max { (CmpOp::Gt, CmpOp::Ge) } else { (CmpOp::Lt, CmpOp::Le) };
    let selected = |rest: Expr| E::if_else(Cond { op: beyond, lhs: a.clone(), rhs: b.clone() }, da.clone(), rest);
    if !may_be_nan(&a) && !may_be_nan(&b) {
        return selected(db);
    }
    let top = E::num(f64::MAX);
    let a_not_nan = E::if_else(
        Cond { op: CmpOp::Ge, lhs: a.clone(), rhs: E::neg(top.clone()) },
        da.clone(),
        E::if_else(Cond { op: CmpOp::Le, lhs: a.clone(), rhs: top }, da.clone(), db.clone()),
    );
    selected(E::if_else(Cond { op: within, lhs: b.clone(), rhs: a.clone() }, db, a_not_nan))
}

/// Whether `e` can be NaN where its variables are not: it takes a logarithm, a square
/// root, a power or a quotient.
fn may_be_nan(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |n| {
        found |= matches!(n, Expr::Call(Func::Ln | Func::Ln1p | Func::Sqrt, _) | Expr::Bin(BinOp::Pow | BinOp::Div, ..))
    });
    found
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
    fn an_extremum_with_a_nan_side_takes_the_other_sides_slope() {
        // ln(x) is NaN for x < 0, where max(3x, ln x) is 3x (as f64::max has it).
        for (src, slope) in [("max(3 * x, ln(x))", 3.0), ("max(ln(x), 3 * x)", 3.0), ("min(ln(x), 3 * x)", 3.0)] {
            let e = d(src);
            assert_eq!(eval_at(&e, "x", -2.0, &[]), slope, "{src}: {e}");
            // Where both are numbers, the selected side's slope, ties to the second.
            assert_eq!(eval_at(&e, "x", 0.5, &[]), if src.starts_with("max") { 3.0 } else { 2.0 }, "{src}");
        }
        // Without a side that can be NaN, the plain select.
        assert_eq!(d("max(x, 0.5 * x)").to_string(), "if x > 0.5 * x { 1 } else { 0.5 }");
    }

    #[test]
    fn quotient_and_powers() {
        assert_eq!(d("x.powi(3)").to_string(), "3 * x.powi(2)");
        assert_eq!(d("a / x").to_string(), "-(a / x.powi(2))");
        let e = d("x.powf(a)");
        assert!((eval_at(&e, "x", 2.0, &[("a", 3.0)]) - 12.0).abs() < 1e-12);
    }

    #[test]
    fn a_quotient_by_its_value_has_no_square_of_the_divisor() {
        let f = parse_formula("x / erfc(sqrt(x))", &["x"]).unwrap();
        let textbook = derivative_with(&f, "x", Quotient::Textbook).unwrap();
        let by_value = derivative_with(&f, "x", Quotient::ByValue).unwrap();
        assert!(textbook.to_string().contains("erfc(sqrt(x)).powi(2)"), "{textbook}");
        assert!(!by_value.to_string().contains("erfc(sqrt(x)).powi(2)"), "{by_value}");
        // The same function; in `f32` at x = 50, erfc(√x)² ≈ 2e-46 is 0 and the textbook
        // rule is ∞ or NaN, while the value's stays close (f' ≈ 3.4e24).
        for x in [0.5, 3.0, 50.0] {
            let (t, v) = (eval_at(&textbook, "x", x, &[]), eval_at(&by_value, "x", x, &[]));
            assert!(((t - v) / v).abs() < 1e-12, "{x}: {t} {v}");
        }
        let env: crate::ir::eval::Env<f32> = [("x".to_string(), 50.0f32)].into_iter().collect();
        let (t32, v32) = (crate::ir::eval::eval(&textbook, &env), crate::ir::eval::eval(&by_value, &env));
        let truth = eval_at(&by_value, "x", 50.0, &[]);
        assert!((f64::from(v32) / truth - 1.0).abs() < 1e-4, "{v32} {truth}");
        assert!(!t32.is_finite() || (f64::from(t32) / truth - 1.0).abs() > 1e-4, "{t32} {truth}");
    }
}

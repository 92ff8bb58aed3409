//! Direct evaluation of an expression in `f32` or `f64`, for constant folding, breakpoint
//! search and tests. Generated code, not this interpreter, is what users run.

use std::collections::HashMap;

use crate::ir::expr::{BinOp, Expr, Func, Memo};
use activation_runtime::Real;

/// Values of the variables of an expression.
pub(crate) type Env<T> = HashMap<String, T>;

/// Evaluates a scalar expression (no reductions) in `T`.
///
/// Unknown variables evaluate to NaN, so a missing binding shows up in the result rather
/// than as a panic.
///
/// Subterms that unfold to more than [`MEMO_FROM`] nodes are evaluated once per distinct
/// node (a memo table per call), so evaluating a DAG costs its number of distinct nodes
/// (times at most [`MEMO_FROM`]), not the size of the tree it unfolds to; small formulas
/// skip the table.
pub(crate) fn eval<T: Real>(e: &Expr, env: &Env<T>) -> T {
    eval_memo(e, env, &mut Memo::new())
}

/// Tree size from which a subterm's value is memoised.
const MEMO_FROM: usize = 48;

fn eval_memo<T: Real>(e: &Expr, env: &Env<T>, memo: &mut Memo<T>) -> T {
    if e.size() <= MEMO_FROM {
        return eval_tree(e, env);
    }
    if let Some(v) = memo.get(e) {
        return *v;
    }
    let v = eval_node(e, env, &mut |c, env| eval_memo(c, env, memo));
    memo.insert(e.clone(), v);
    v
}

fn eval_tree<T: Real>(e: &Expr, env: &Env<T>) -> T {
    eval_node(e, env, &mut |c, env| eval_tree(c, env))
}

/// One node, its children evaluated by `sub`.
fn eval_node<T: Real>(e: &Expr, env: &Env<T>, sub: &mut dyn FnMut(&Expr, &Env<T>) -> T) -> T {
    // A constant subtree is one number, as generated code has it (`ir::constant::folded`).
    if let Some(v) = crate::ir::constant::folded(e) {
        return T::from_f64(v);
    }
    let mut eval = |c: &Expr, env: &Env<T>| sub(c, env);
    match e {
        Expr::Num(n) => T::from_f64(n.0),
        Expr::Const(k) => T::from_f64(k.info().value),
        Expr::Var(v) => env.get(v).copied().unwrap_or(T::from_f64(f64::NAN)),
        Expr::Neg(a) => -eval(a, env),
        Expr::Powi(a, n) => eval(a, env).powi(*n),
        Expr::Call(f, a) => call(*f, eval(a, env)),
        Expr::Bin(op, a, b) => {
            let a = eval(a, env);
            binary(*op, a, eval(b, env))
        }
        Expr::If(c, a, b) => {
            // A constant side is compared with as the number it is (`Expr::leaf_constant`).
            let mut side = |e: &Expr| e.leaf_constant().unwrap_or_else(|| eval(e, env).to_f64());
            if c.op.holds(side(&c.lhs), side(&c.rhs)) {
                eval(a, env)
            } else {
                eval(b, env)
            }
        }
        Expr::Reduce(..) => T::from_f64(f64::NAN),
    }
}

/// Applies a one-argument function.
pub(crate) fn call<T: Real>(f: Func, a: T) -> T {
    match f {
        Func::Exp => a.exp(),
        Func::ExpM1 => a.expm1(),
        Func::Ln => a.ln(),
        Func::Ln1p => a.log1p(),
        Func::Sqrt => a.sqrt(),
        Func::Abs => a.abs(),
        Func::Tanh => a.tanh(),
        Func::Sinh => a.sinh(),
        Func::Cosh => a.cosh(),
        Func::Atan => a.atan(),
        Func::Sin => a.sin(),
        Func::Cos => a.cos(),
        Func::Sigmoid => a.sigmoid(),
        Func::Softplus => a.softplus(),
        Func::Erf => a.erf(),
        Func::Erfc => a.erfc(),
        Func::Expm1SubUexp => a.expm1_sub_uexp(),
    }
}

/// Applies a binary operator.
pub(crate) fn binary<T: Real>(op: BinOp, a: T, b: T) -> T {
    match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => a.powf(b),
        BinOp::Max => a.max(b),
        BinOp::Min => a.min(b),
    }
}

/// Evaluates `e` at `x` (bound to `input`) with the given parameter values, in `f64`.
pub fn eval_at(e: &Expr, input: &str, x: f64, params: &[(&str, f64)]) -> f64 {
    let mut env: Env<f64> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    env.insert(input.to_string(), x);
    eval(e, &env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    #[test]
    fn evaluates_piecewise_and_functions() {
        let e = parse_formula("if x > 0.0 { x } else { a * x.exp_m1() }", &["x", "a"]).unwrap();
        assert_eq!(eval_at(&e, "x", 2.0, &[("a", 1.0)]), 2.0);
        assert!((eval_at(&e, "x", -1.0, &[("a", 1.0)]) - (-0.6321205588285577)).abs() < 1e-16);
    }
}

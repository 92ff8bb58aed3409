//! Cost and affinity, read off the IR.
//!
//! Cost counts transcendental calls (every function but `abs`, and `powf`) the way the
//! generated code computes them: piecewise formulas branch once for all outputs, and on
//! each branch a subexpression shared by the outputs is computed once. The cost is that of
//! the costliest branch.

use std::collections::HashSet;

use super::Cost;
use crate::ir::expr::{BinOp, Cond, Expr, Func};
use crate::passes::derived::Derived;

/// The cost of the stable forward function and of the fused forward + derivative.
pub(crate) fn cost(derived: &Derived) -> Cost {
    let s = &derived.stable;
    Cost { forward: calls(std::slice::from_ref(&s.forward)), fused: calls(&[s.forward.clone(), s.derivative.clone()]) }
}

/// Whether f' does not depend on the input: f is affine, and a stack of layers using it
/// collapses into a single affine map.
pub(crate) fn affine(derived: &Derived, input: &str) -> bool {
    !derived.readable.derivative.depends_on(input)
}

/// Distinct transcendental calls computing `outputs` together, on the costliest branch.
pub(crate) fn calls(outputs: &[Expr]) -> usize {
    if let Some(cond) = outputs.iter().find_map(|e| crate::emit::codegen::branch_conditions(e).into_iter().next()) {
        let mut in_cond = HashSet::new();
        collect(&cond.lhs, &mut in_cond);
        collect(&cond.rhs, &mut in_cond);
        let branch = |holds: bool| calls(&outputs.iter().map(|e| assume(e, &cond, holds)).collect::<Vec<_>>());
        return in_cond.len() + branch(true).max(branch(false));
    }
    let mut seen = HashSet::new();
    for e in outputs {
        collect(e, &mut seen);
    }
    seen.len()
}

/// Adds every transcendental call node of `e` to `seen` (equal subtrees once).
fn collect<'a>(e: &'a Expr, seen: &mut HashSet<&'a Expr>) {
    if matches!(e, Expr::Call(f, _) if *f != Func::Abs) || matches!(e, Expr::Bin(BinOp::Pow, ..)) {
        seen.insert(e);
    }
    for c in e.children() {
        collect(c, seen);
    }
}

/// `e` with every piecewise node on `cond` replaced by the branch `holds` selects.
fn assume(e: &Expr, cond: &Cond, holds: bool) -> Expr {
    match e {
        Expr::If(c, a, b) if **c == *cond => assume(if holds { a } else { b }, cond, holds),
        _ => e.map_children(|c| assume(c, cond, holds)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn n(srcs: &[&str]) -> usize {
        calls(&srcs.iter().map(|s| parse_formula(s, &["x", "a"]).unwrap()).collect::<Vec<_>>())
    }

    #[test]
    fn shared_calls_count_once_on_the_costliest_branch() {
        assert_eq!(n(&["x * sigmoid(x)", "sigmoid(x) + x * sigmoid(x) * sigmoid(-x)"]), 2);
        assert_eq!(n(&["if x > 0.0 { x } else { a * x.exp_m1() }", "if x > 0.0 { 1.0 } else { a * x.exp() }"]), 2);
        assert_eq!(n(&["x / (1.0 + x.abs())"]), 0);
        assert_eq!(n(&["tanh(softplus(x)) * x"]), 2);
    }
}

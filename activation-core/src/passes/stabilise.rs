//! Stabilising pass: rewrites textbook forms that overflow, underflow or cancel into forms
//! built on the stable primitives of [`Real`](crate::real::Real).
//!
//! It runs on the forward formula and on every derivative before code generation; the
//! readable forms (canonical text, LaTeX) keep what the user wrote. Each rule is an
//! identity over the reals, and each has a test (`tests/rewrite_rules.rs`) that checks
//! against MPFR that it is one and that it never makes a result worse.

use std::sync::OnceLock;

use crate::ir::expr::{BinOp, Expr};
use crate::passes::rules::{self, Bindings, Compiled, Rule};
use crate::passes::simplify::{normalise_grouping, simplify, simplify_for_code};

/// The stabilising rewrites, in the order they are tried.
pub(crate) const RULES: &[Rule] = &[
    // ln(1 + e^u) overflows for u > 709 and returns 0 for u < -37.
    Rule::new("softplus", "ln(1 + exp(u))", "softplus(u)"),
    Rule::new("softplus-commuted", "ln(exp(u) + 1)", "softplus(u)"),
    Rule::new("log-sigmoid", "ln(sigmoid(u))", "-softplus(-u)"),
    // ln(1 + u) loses the digits of a small u.
    Rule::new("log1p", "ln(1 + u)", "log1p(u)"),
    Rule::new("log1p-commuted", "ln(u + 1)", "log1p(u)"),
    // e^u - 1 cancels near u = 0.
    Rule::new("expm1", "exp(u) - 1", "expm1(u)"),
    Rule::new("expm1-negated", "1 - exp(u)", "-expm1(u)"),
    // 1 / (1 + e^-u) overflows e^-u for u < -709: the sign-split sigmoid does not.
    Rule::new("sigmoid", "a / (1 + exp(-u))", "a * sigmoid(u)"),
    Rule::new("sigmoid-negated", "a / (1 + exp(u))", "a * sigmoid(-u)"),
    Rule::new("sigmoid-ratio", "exp(u) / (1 + exp(u))", "sigmoid(u)"),
    // e^-u / (1 + e^-u)^2 is inf / inf for u < -355.
    Rule::new("sigmoid-slope", "exp(-u) / (1 + exp(-u)).powi(2)", "sigmoid(u) * sigmoid(-u)"),
    Rule::new("sigmoid-slope-negated", "exp(u) / (1 + exp(u)).powi(2)", "sigmoid(u) * sigmoid(-u)"),
    // 1 - s cancels to 0 once s rounds to 1 (u > 36.7).
    Rule::new("sigmoid-complement", "1 - sigmoid(u)", "sigmoid(-u)"),
    // 1 - tanh^2 cancels to 0 from u ≈ 19; sech^2 u = 4 σ(2u) σ(-2u) does not.
    Rule::new("sech-squared", "1 - tanh(u).powi(2)", "4 * sigmoid(2 * u) * sigmoid(-2 * u)"),
    // 1 ± tanh(u) cancels in one tail.
    Rule::new("one-plus-tanh", "1 + tanh(u)", "2 * sigmoid(2 * u)"),
    Rule::new("one-minus-tanh", "1 - tanh(u)", "2 * sigmoid(-2 * u)"),
    // σ(u) - σ(-u) cancels near u = 0; tanh(u/2) is the same number without cancelling.
    Rule::new("sigmoid-difference", "sigmoid(u) - sigmoid(-u)", "tanh(0.5 * u)"),
    Rule::new("sigmoid-difference-negated", "sigmoid(-u) - sigmoid(u)", "-tanh(0.5 * u)"),
    // 1 - 2σ(u) = σ(-u) - σ(u): cancels to nothing near u = 0, where tanh keeps every bit.
    Rule::new("sigmoid-centred", "1 - 2 * sigmoid(u)", "-tanh(0.5 * u)"),
    Rule::new("sigmoid-centred-negated", "2 * sigmoid(u) - 1", "tanh(0.5 * u)"),
    // expm1(u) - u e^u cancels to -u²/2 near u = 0 (d/dα of α expm1(x/α), as in CELU).
    Rule::new("expm1-sub-uexp", "expm1(u) - u * exp(u)", "expm1_sub_uexp(u)"),
    Rule::new("expm1-sub-uexp-ratio", "expm1(a / b) - a * exp(a / b) / b", "expm1_sub_uexp(a / b)"),
    // 1 ± erf(u) cancels in one tail; erfc keeps it.
    Rule::new("one-plus-erf", "1 + erf(u)", "erfc(-u)"),
    Rule::new("one-minus-erf", "1 - erf(u)", "erfc(u)"),
    // a + sqrt(a² + b) cancels for a < 0; the conjugate b / (sqrt(a² + b) - a) does not.
    // (The other branch is written `sqrt(..) + a` so that this rule does not match it.)
    Rule::new(
        "conjugate-sqrt",
        "a + sqrt(a.powi(2) + b)",
        "if a < 0 { b / (sqrt(a.powi(2) + b) - a) } else { sqrt(a.powi(2) + b) + a }",
    ),
    // sqrt(a) - sqrt(b) cancels when a ≈ b; (a - b) / (sqrt(a) + sqrt(b)) does not when
    // a - b simplifies (sqrt(x² + c) - sqrt(c) → x² / (sqrt(x² + c) + sqrt(c))).
    Rule::when(
        "conjugate-sqrt-difference",
        "sqrt(a) - sqrt(b)",
        "(a - b) / (sqrt(a) + sqrt(b))",
        difference_simplifies,
    ),
    // e^a / e^b overflows as inf / inf where e^(a - b) is finite.
    Rule::new("exp-quotient", "exp(a) / exp(b)", "exp(a - b)"),
];

/// Guard: `a - b` simplifies to something smaller than `a` and `b` together, so the
/// difference is formed symbolically rather than in floating point.
fn difference_simplifies(b: &Bindings) -> bool {
    let (Some(x), Some(y)) = (b.get("a"), b.get("b")) else { return false };
    let difference = simplify(&Expr::bin(BinOp::Sub, x.clone(), y.clone()));
    difference.size() < x.size() + y.size()
}

/// The rules of [`RULES`], parsed.
pub(crate) fn compiled() -> &'static [Compiled] {
    static CACHE: OnceLock<Vec<Compiled>> = OnceLock::new();
    rules::compile(RULES, &CACHE)
}

/// Rounds of [`stabilise`]'s fixpoint loop (stabilising, then simplifying).
pub(crate) const ROUNDS: usize = 8;

/// The stable form of `e`.
pub(crate) fn stabilise(e: &Expr) -> Expr {
    let mut current = simplify_for_code(e);
    for _ in 0..ROUNDS {
        let next = simplify_for_code(&rules::rewrite_all(compiled(), &current, &normalise_grouping));
        if next == current {
            return current;
        }
        current = next;
    }
    rules::budget::exceeded(rules::Exceeded::Fixpoint, "stabiliser", &current);
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn s(src: &str) -> String {
        stabilise(&parse_formula(src, &["x", "alpha"]).unwrap()).to_string()
    }

    #[test]
    fn textbook_forms_become_stable() {
        assert_eq!(s("(1.0 + x.exp()).ln()"), "softplus(x)");
        assert_eq!(s("1.0 / (1.0 + (-x).exp())"), "sigmoid(x)");
        assert_eq!(s("x / (1.0 + (-x).exp())"), "x * sigmoid(x)");
        assert_eq!(s("alpha * (x.exp() - 1.0)"), "alpha * expm1(x)");
        assert_eq!(s("1.0 - x.tanh().powi(2)"), "4 * sigmoid(2 * x) * sigmoid(-2 * x)");
        assert_eq!(s("0.5 * x * (1.0 + tanh(x))"), "x * sigmoid(2 * x)");
        assert_eq!(s("sigmoid(x) * (1.0 - sigmoid(x))"), "sigmoid(x) * sigmoid(-x)");
    }
}

//! Every rewrite rule is an identity, and no stabilising rule makes a result worse:
//! checked against MPFR on sampled points, rule by rule, straight from the rule tables.
//!
//! Each rule's wildcards are bound to simple expressions (`u` and `a` to the input `x`, `b`
//! and the rest to constants), and both sides are evaluated at inputs spread over the
//! range: correctly rounded in MPFR they must agree wherever the left side is defined; and
//! evaluated in `f64` the right side must be within the accuracy bar (4 + 4·cond ULPs) of
//! the truth or no further from it than the left side.

use crate::ir::eval::eval_at;
use crate::ir::expr::Expr;
use crate::parse::parse_formula;
use crate::passes::rules::Compiled;
use crate::passes::simplify::simplify;
use crate::verify::check::bound;
use crate::verify::reference::{condition_number, reference_f64};
use crate::verify::ulp::ulps_f64;

fn points() -> Vec<f64> {
    let mut xs: Vec<f64> = (-200..=200).map(|i| f64::from(i) * 0.25 + 0.0625).collect();
    for m in [1e-12, 1e-6, 1e-3, 0.3, 30.0, 40.0, 100.0, 300.0, 700.0, 710.5, 720.0, 740.0, 750.0, 1e4, 1e100] {
        xs.extend([m, -m]);
    }
    xs
}

/// Two ways to bind a rule's wildcards: `u` and `a` to the input `x` (other names to
/// constants), then `a` to `x² + 1.3` — the shape under which `sqrt(a) - sqrt(b)` cancels.
const BINDINGS: [&[(&str, &str)]; 2] = [
    &[("u", "x"), ("a", "x"), ("b", "1.3"), ("c", "0.7"), ("d", "2.5"), ("v", "0.4"), ("w", "1.9")],
    &[("u", "x"), ("a", "x.powi(2) + 1.3"), ("b", "1.3"), ("c", "0.7"), ("d", "2.5"), ("v", "0.4"), ("w", "1.9")],
];

/// A rule's side with its wildcards bound by `binding`.
fn bind(side: &Expr, binding: &[(&str, &str)]) -> Expr {
    binding.iter().fold(side.clone(), |e, (name, value)| e.substitute(name, &parse_formula(value, &["x"]).unwrap()))
}

/// Both sides of `rule` under each binding; the right side simplified, as the engine
/// simplifies what a rule writes (`(x² + 1.3) - 1.3` is `x²` before any rounding).
fn instances(rule: &Compiled) -> Vec<(Expr, Expr)> {
    BINDINGS.iter().map(|b| (bind(&rule.lhs, b), simplify(&bind(&rule.rhs, b)))).collect()
}

fn check(rules: &[Compiled], stabilising: bool) -> Vec<String> {
    let mut failures = Vec::new();
    for rule in rules {
        for (lhs, rhs) in instances(rule) {
            for x in points() {
                let truth = reference_f64(&lhs, &[("x", x)]);
                if !truth.is_finite() {
                    // Outside the left side's domain the rule has nothing to preserve; an
                    // infinite reference is MPFR's exponent range (`exp(1e100)`), not the truth.
                    continue;
                }
                let other = reference_f64(&rhs, &[("x", x)]);
                // One ULP of slack: where the exact value is a midpoint between two floats
                // (`x² + 1.3` needs one bit more than f64 for x on a 1/16 grid), no precision
                // settles the tie and the two references may round to either side.
                let same = ulps_f64(other, truth) <= 1.0;
                if !same {
                    failures.push(format!("{}: not an identity at x = {x:e}: {truth:e} vs {other:e}", rule.name));
                    continue;
                }
                if !stabilising {
                    continue;
                }
                let before = ulps_f64(eval_at(&lhs, "x", x, &[]), truth);
                let after = ulps_f64(eval_at(&rhs, "x", x, &[]), truth);
                if after > before && after > bound(condition_number(&lhs, "x", &[("x", x)])) {
                    failures.push(format!("{}: worse at x = {x:e}: {after} ULPs after, {before} before", rule.name));
                }
            }
        }
    }
    failures
}

#[test]
fn stabilising_rules_are_identities_that_never_make_results_worse() {
    let failures = check(crate::passes::stabilise::compiled(), true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn simplifying_rules_are_identities() {
    let failures = check(crate::passes::simplify::compiled(), false);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stabilising_rules_help_where_the_textbook_form_fails() {
    // Each stabilising rule must matter somewhere: at some sampled point the left side is
    // beyond the accuracy bar and the right side within it.
    let mut useless = Vec::new();
    for rule in crate::passes::stabilise::compiled() {
        let helps = instances(rule).iter().any(|(lhs, rhs)| {
            points().into_iter().any(|x| {
                let truth = reference_f64(lhs, &[("x", x)]);
                if !truth.is_finite() {
                    return false;
                }
                let bar = bound(condition_number(lhs, "x", &[("x", x)]));
                let before = ulps_f64(eval_at(lhs, "x", x, &[]), truth);
                let after = ulps_f64(eval_at(rhs, "x", x, &[]), truth);
                before > bar && after <= bar
            })
        });
        if !helps {
            useless.push(rule.name);
        }
    }
    assert!(useless.is_empty(), "rules that never help on the sample: {useless:?}");
}

//! Rewrite rules as data: `lhs => rhs` pairs written in the formula language, matched
//! structurally.
//!
//! In a pattern every plain identifier is a wildcard that matches any subexpression (the
//! same identifier twice must match equal subexpressions), numbers and named constants
//! match themselves. A rule may carry a side condition on its bindings. The tables of rules
//! live beside the passes that use them (`simplify::RULES`, `stabilise::RULES`), so a
//! reader can list every rewrite the engine makes.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::ir::expr::Expr;
use crate::parse::parse_pattern;

/// Wildcard bindings of a successful match.
pub(crate) type Bindings = HashMap<String, Expr>;

/// A side condition: the rule applies only when it holds for the bindings.
pub(crate) type Guard = fn(&Bindings) -> bool;

/// One rewrite, as written in a rule table.
pub(crate) struct Rule {
    /// Short name, shown in tests and debugging output.
    pub name: &'static str,
    /// The pattern, in the formula language.
    pub lhs: &'static str,
    /// What it becomes.
    pub rhs: &'static str,
    /// A side condition on the bindings, if any.
    pub guard: Option<Guard>,
}

impl Rule {
    /// A rule without side condition.
    pub(crate) const fn new(name: &'static str, lhs: &'static str, rhs: &'static str) -> Rule {
        Rule { name, lhs, rhs, guard: None }
    }

    /// A rule that applies only when `guard` holds.
    pub(crate) const fn when(name: &'static str, lhs: &'static str, rhs: &'static str, guard: Guard) -> Rule {
        Rule { name, lhs, rhs, guard: Some(guard) }
    }
}

/// A rule with its two sides parsed.
pub(crate) struct Compiled {
    /// The rule's name.
    pub name: &'static str,
    /// The pattern, parsed.
    pub lhs: Expr,
    /// The replacement, parsed.
    pub rhs: Expr,
    /// A side condition on the bindings, if any.
    pub guard: Option<Guard>,
}

/// Parses a rule table once; a malformed rule is a bug in the engine and says which.
pub(crate) fn compile(rules: &'static [Rule], cache: &'static OnceLock<Vec<Compiled>>) -> &'static [Compiled] {
    cache.get_or_init(|| {
        rules
            .iter()
            .map(|r| {
                let parse =
                    |s: &str| parse_pattern(s).unwrap_or_else(|e| panic!("rule `{}`: cannot parse `{s}`: {e}", r.name));
                Compiled { name: r.name, lhs: signed_numbers(&parse(r.lhs)), rhs: parse(r.rhs), guard: r.guard }
            })
            .collect()
    })
}

/// `-1` in a pattern is the number -1, as the simplifier folds it in expressions.
fn signed_numbers(e: &Expr) -> Expr {
    match e {
        Expr::Neg(a) if a.as_number().is_some() && matches!(**a, Expr::Num(_)) => {
            Expr::num(-a.as_number().unwrap_or(0.0))
        }
        _ => e.map_children(signed_numbers),
    }
}

/// Matches `pattern` against `e`, extending `bindings`.
pub(crate) fn matches(pattern: &Expr, e: &Expr, bindings: &mut Bindings) -> bool {
    match pattern {
        Expr::Var(name) => match bindings.get(name) {
            Some(bound) => bound == e,
            None => {
                bindings.insert(name.clone(), e.clone());
                true
            }
        },
        Expr::Num(_) | Expr::Const(_) => pattern == e,
        _ => {
            if std::mem::discriminant(pattern) != std::mem::discriminant(e) || !same_head(pattern, e) {
                return false;
            }
            let (ps, es) = (pattern.children(), e.children());
            ps.len() == es.len() && ps.iter().zip(es).all(|(p, c)| matches(p, c, bindings))
        }
    }
}

/// Same operator, function, exponent or comparison at the root.
fn same_head(p: &Expr, e: &Expr) -> bool {
    match (p, e) {
        (Expr::Bin(a, ..), Expr::Bin(b, ..)) => a == b,
        (Expr::Call(a, _), Expr::Call(b, _)) => a == b,
        (Expr::Powi(_, a), Expr::Powi(_, b)) => a == b,
        (Expr::Reduce(a, _), Expr::Reduce(b, _)) => a == b,
        (Expr::If(a, ..), Expr::If(b, ..)) => a.op == b.op,
        _ => true,
    }
}

/// Replaces the wildcards of `template` by their bindings.
pub(crate) fn instantiate(template: &Expr, bindings: &Bindings) -> Expr {
    match template {
        Expr::Var(name) => bindings.get(name).cloned().unwrap_or_else(|| template.clone()),
        _ => template.map_children(|c| instantiate(c, bindings)),
    }
}

/// Tries every rule at the root of `e`; returns the first rewrite that applies.
pub(crate) fn rewrite_root(rules: &[Compiled], e: &Expr) -> Option<(&'static str, Expr)> {
    rules.iter().find_map(|r| {
        let mut b = Bindings::new();
        let ok = matches(&r.lhs, e, &mut b) && r.guard.is_none_or(|g| g(&b));
        ok.then(|| (r.name, instantiate(&r.rhs, &b)))
    })
}

/// Rewrites bottom-up until no rule applies anywhere. `post` normalises each node after
/// its children; the depth bound turns a cyclic rule set into a wrong result that tests
/// catch, rather than a hang.
pub(crate) fn rewrite_all(rules: &[Compiled], e: &Expr, post: &dyn Fn(Expr) -> Expr) -> Expr {
    rewrite_bounded(rules, e, post, 64)
}

fn rewrite_bounded(rules: &[Compiled], e: &Expr, post: &dyn Fn(Expr) -> Expr, budget: u32) -> Expr {
    let node = post(e.map_children(|c| rewrite_bounded(rules, c, post, budget)));
    match rewrite_root(rules, &node) {
        Some((_, next)) if budget > 0 => rewrite_bounded(rules, &next, post, budget - 1),
        _ => node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_bind_consistently() {
        let p = parse_pattern("a - a").unwrap();
        let mut b = Bindings::new();
        assert!(matches(&p, &parse_pattern("exp(x) - exp(x)").unwrap(), &mut b));
        let mut b = Bindings::new();
        assert!(!matches(&p, &parse_pattern("exp(x) - exp(y)").unwrap(), &mut b));
    }

    #[test]
    fn instantiates_bindings() {
        let mut b = Bindings::new();
        assert!(matches(
            &parse_pattern("ln(1 + exp(u))").unwrap(),
            &parse_pattern("ln(1 + exp(2 * x))").unwrap(),
            &mut b
        ));
        assert_eq!(instantiate(&parse_pattern("softplus(u)").unwrap(), &b).to_string(), "softplus(2 * x)");
    }
}

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

use crate::ir::expr::{Expr, Memo};
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
/// its children.
///
/// Memoised on shared nodes (each distinct node is rewritten once per call) and bounded
/// twice over: a chain of rewrites at one node stops after [`CHAIN`] steps (a cyclic rule
/// set), and the whole call after [`FUEL`] rewrites. Either bound, when reached, leaves the
/// expression as it stands and records the part of the formula where it happened (see
/// [`budget`]), which expansion turns into a compile error rather than a hang.
pub(crate) fn rewrite_all(rules: &[Compiled], e: &Expr, post: &dyn Fn(Expr) -> Expr) -> Expr {
    let mut run = Run { rules, post, fuel: FUEL, memo: Memo::new() };
    run.rewrite(e, CHAIN)
}

/// Rewrites in a row at one node before the rule set is taken to cycle there.
pub(crate) const CHAIN: u32 = 64;

/// Rewrites one [`rewrite_all`] may make in all: far above what any formula of the
/// catalog needs (the largest, GELU's tanh form, takes a few thousand), far below what
/// takes a second.
pub(crate) const FUEL: u64 = 200_000;

struct Run<'a> {
    rules: &'a [Compiled],
    post: &'a dyn Fn(Expr) -> Expr,
    fuel: u64,
    memo: Memo<Expr>,
}

impl Run<'_> {
    fn rewrite(&mut self, e: &Expr, chain: u32) -> Expr {
        if let Some(done) = self.memo.get(e) {
            return done.clone();
        }
        // Each node has its own chain: the bound is on rewrites in a row at one node.
        let node = (self.post)(e.map_children(|c| self.rewrite(c, CHAIN)));
        let out = match rewrite_root(self.rules, &node) {
            Some((name, next)) if chain > 0 && self.fuel > 0 => {
                self.fuel -= 1;
                if self.fuel == 0 {
                    budget::exceeded(Exceeded::Fuel, name, &node);
                }
                self.rewrite(&next, chain - 1)
            }
            Some((name, _)) => {
                if chain == 0 {
                    budget::exceeded(Exceeded::Chain, name, &node);
                }
                node
            }
            None => node,
        };
        self.memo.insert(e.clone(), out.clone());
        out
    }
}

/// Which bound a rewrite loop reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// [`CHAIN`] rewrites in a row at one node.
    Chain,
    /// [`FUEL`] rewrites in one pass.
    Fuel,
    /// A fixpoint loop (the simplifier's, the stabiliser's) that did not settle.
    Fixpoint,
    /// An expression grew past [`budget::NODES`] distinct nodes.
    Size,
}

/// The budgets of expansion: each loop that reaches its bound records where; the
/// pipeline asks at its end ([`budget::take`]) and reports the first one as an error.
pub(crate) mod budget {
    use std::cell::RefCell;

    use super::Exceeded;
    use crate::ir::expr::Expr;

    /// Distinct nodes a derivative or a stable form may have: a few hundred times what the
    /// catalog's largest form needs.
    pub(crate) const NODES: usize = 200_000;

    /// What was exceeded, by which rule (or loop), at which part of the formula.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) struct Report {
        /// The bound.
        pub bound: Exceeded,
        /// The rule or loop.
        pub by: &'static str,
        /// The part of the formula, as canonical text (shortened).
        pub at: String,
    }

    impl std::fmt::Display for Report {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let what = match self.bound {
                Exceeded::Chain => {
                    format!("the rewrite `{}` keeps applying (over {} times in a row)", self.by, super::CHAIN)
                }
                Exceeded::Fuel => format!("the rewrites (last `{}`) exceed {} steps", self.by, super::FUEL),
                Exceeded::Fixpoint => format!("the {} does not settle", self.by),
                Exceeded::Size => format!("the {} grows past {} distinct subterms", self.by, NODES),
            };
            write!(
                f,
                "expansion budget exceeded: {what} at `{}`; write this part of the formula more simply                  (combine repeated terms, e.g. `max(a, a)` as `a`), or split the activation",
                self.at
            )
        }
    }

    thread_local! {
        static FIRST: RefCell<Option<Report>> = const { RefCell::new(None) };
        static COUNT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    /// How many times a bound has been reached on this thread: a result computed while
    /// this changed was cut short and must not be remembered as the pass's answer.
    pub(crate) fn count() -> u64 {
        COUNT.with(|c| c.get())
    }

    /// Records that `bound` was reached by `by` at `at` (the first report is kept).
    pub(crate) fn exceeded(bound: Exceeded, by: &'static str, at: &Expr) {
        COUNT.with(|c| c.set(c.get() + 1));
        FIRST.with(|f| {
            let mut f = f.borrow_mut();
            if f.is_none() {
                *f = Some(Report { bound, by, at: shorten(at) });
            }
        });
    }

    /// The first report since the last call, if any (and forgets it).
    pub(crate) fn take() -> Option<Report> {
        FIRST.with(|f| f.borrow_mut().take())
    }

    /// Canonical text of `e`, cut to a readable length (printed only when small enough
    /// to print at all: a large DAG unfolds to an exponentially long text).
    fn shorten(e: &Expr) -> String {
        const MAX: usize = 120;
        if e.size() > 4 * MAX {
            return format!("a subterm of {} nodes ({})", e.size(), head(e));
        }
        let text = e.to_string();
        if text.chars().count() <= MAX {
            text
        } else {
            format!("{}…", text.chars().take(MAX).collect::<String>())
        }
    }

    /// The operator or function at the root of `e`.
    fn head(e: &Expr) -> String {
        match e {
            Expr::Call(f, _) => format!("a call of `{}`", f.name()),
            Expr::Bin(op, ..) => format!("a `{op:?}`"),
            Expr::If(..) => "a piecewise formula".into(),
            _ => "a term".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::expr::BinOp;

    #[test]
    fn wildcards_bind_consistently() {
        let p = parse_pattern("a - a").unwrap();
        let mut b = Bindings::new();
        assert!(matches(&p, &parse_pattern("exp(x) - exp(x)").unwrap(), &mut b));
        let mut b = Bindings::new();
        assert!(!matches(&p, &parse_pattern("exp(x) - exp(y)").unwrap(), &mut b));
    }

    #[test]
    fn a_cyclic_rule_set_stops_and_says_where() {
        static CYCLE: &[Rule] = &[Rule::new("swap", "a + b", "b + a")];
        static CACHE: OnceLock<Vec<Compiled>> = OnceLock::new();
        let rules = compile(CYCLE, &CACHE);
        budget::take();
        let e = parse_pattern("exp(x) + y").unwrap();
        let out = rewrite_all(rules, &e, &|e| e);
        // `a + b → b + a` applies forever; the chain bound ends it after CHAIN + 1 steps
        // (an even number of swaps: the input again).
        assert_eq!(out, e);
        let report = budget::take().expect("the bound was reached");
        assert_eq!(report.bound, Exceeded::Chain);
        assert_eq!(report.by, "swap");
        assert_eq!(report.at, "exp(x) + y");
        assert!(report.to_string().contains("`swap` keeps applying"), "{report}");
        assert!(budget::take().is_none(), "taken once");
    }

    #[test]
    fn fuel_bounds_a_whole_pass() {
        // Each node of a wide sum rewrites CHAIN times: more rewrites than FUEL in all.
        static CYCLE: &[Rule] = &[Rule::new("swap", "a * b", "b * a")];
        static CACHE: OnceLock<Vec<Compiled>> = OnceLock::new();
        let rules = compile(CYCLE, &CACHE);
        let terms = (FUEL / u64::from(CHAIN)) as usize + 10;
        // A balanced sum, so that the recursion stays shallow.
        let mut level: Vec<Expr> =
            (0..terms).map(|i| Expr::bin(BinOp::Mul, Expr::num(i as f64), Expr::var("x"))).collect();
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| match p {
                    [a, b] => Expr::bin(BinOp::Add, a.clone(), b.clone()),
                    [a] => a.clone(),
                    _ => unreachable!(),
                })
                .collect();
        }
        let e = level.remove(0);
        budget::take();
        rewrite_all(rules, &e, &|e| e);
        let first = budget::take().expect("a bound was reached");
        // The first bound reached is a chain at the first product; the fuel runs out later.
        assert_eq!(first.bound, Exceeded::Chain);
        let before = budget::count();
        rewrite_all(rules, &e, &|e| e);
        assert!(budget::count() >= before + 2, "every chain and the fuel are counted");
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

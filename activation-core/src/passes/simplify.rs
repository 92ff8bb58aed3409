//! Simplifier: makes derivatives read like a person would write them.
//!
//! Three mechanisms, applied bottom-up until nothing changes:
//! - the rewrite rules of [`RULES`] (identities such as `a * 1 → a`), data a reader can
//!   list;
//! - constant folding, kept to results a person would write (`2 * 0.5 → 1`, not
//!   `sqrt(2) → 1.4142135623730951`; code generation folds the rest); while a rational
//!   formula is derived ([`exact_folding`]), only to arithmetic that is exact in `f64`:
//!   such forms promise correct rounding, and `x + x / 10` folded to `1.1 * x` (or `x / 10`
//!   to `0.1 * x`) would round a constant the formula never rounds;
//! - collection of like terms and factors: a sum is a list of coefficient × term, a
//!   product a coefficient times bases with integer exponents (`x * x → x.powi(2)`,
//!   `2 * a - a → a`).

use std::sync::OnceLock;

use crate::ir::eval;
use crate::ir::expr::{BinOp, Expr, Num};
use crate::ir::text;
use crate::passes::rules::{self, Compiled, Rule};

/// The identities of the simplifier, in the order they are tried.
pub(crate) const RULES: &[Rule] = &[
    Rule::new("add-zero", "a + 0", "a"),
    Rule::new("zero-add", "0 + a", "a"),
    Rule::new("sub-zero", "a - 0", "a"),
    Rule::new("zero-sub", "0 - a", "-a"),
    Rule::new("mul-one", "a * 1", "a"),
    Rule::new("one-mul", "1 * a", "a"),
    Rule::new("mul-zero", "a * 0", "0"),
    Rule::new("zero-mul", "0 * a", "0"),
    Rule::new("div-one", "a / 1", "a"),
    Rule::new("zero-div", "0 / a", "0"),
    Rule::new("neg-neg", "-(-a)", "a"),
    Rule::new("neg-zero", "-0", "0"),
    Rule::new("sub-neg", "a - -b", "a + b"),
    Rule::new("add-neg", "a + -b", "a - b"),
    Rule::new("neg-add", "-a + b", "b - a"),
    Rule::new("neg-sub", "-(a - b)", "b - a"),
    Rule::new("powi-one", "a.powi(1)", "a"),
    Rule::new("powi-zero", "a.powi(0)", "1"),
    Rule::new("powf-one", "a.powf(1)", "a"),
    Rule::new("sqrt-squared", "sqrt(a).powi(2)", "a"),
    Rule::new("sqrt-2-squared", "SQRT_2.powi(2)", "2"),
    Rule::new("frac-1-sqrt-2-squared", "FRAC_1_SQRT_2.powi(2)", "0.5"),
    Rule::new("abs-via-sign", "a * (if a > 0 { 1 } else if a < 0 { -1 } else { 0 })", "abs(a)"),
    Rule::new("abs-via-sign-commuted", "(if a > 0 { 1 } else if a < 0 { -1 } else { 0 }) * a", "abs(a)"),
    Rule::new("exp-zero", "exp(0)", "1"),
    Rule::new("ln-one", "ln(1)", "0"),
    Rule::new("if-same-lt", "if c < d { a } else { a }", "a"),
    Rule::new("if-same-le", "if c <= d { a } else { a }", "a"),
    Rule::new("if-same-gt", "if c > d { a } else { a }", "a"),
    Rule::new("if-same-ge", "if c >= d { a } else { a }", "a"),
    // Idempotent forms: no kink left (the checks once saw one at every point of
    // `max(x * x, x * x)`), and the same derivative everywhere (§4.2: ties take a side
    // that is the other).
    Rule::new("max-same", "max(a, a)", "a"),
    Rule::new("min-same", "min(a, a)", "a"),
    Rule::new("abs-abs", "abs(abs(a))", "abs(a)"),
    Rule::new("abs-neg", "abs(-a)", "abs(a)"),
];

/// The rules of [`RULES`], parsed.
pub(crate) fn compiled() -> &'static [Compiled] {
    static CACHE: OnceLock<Vec<Compiled>> = OnceLock::new();
    rules::compile(RULES, &CACHE)
}

/// Simplifies `e` to a fixpoint, for reading.
pub(crate) fn simplify(e: &Expr) -> Expr {
    cached(Pass::Simplify, e, |e| simplify_with(e, &normalise))
}

/// Simplifies `e` for computing: like [`simplify`], and also groups pairs of terms that
/// share factors (`2 + x a - x b → 2 + x (a - b)`), so that differences which cancel are
/// exposed to the stabilising rules even where that reads worse.
pub(crate) fn simplify_for_code(e: &Expr) -> Expr {
    cached(Pass::ForCode, e, |e| simplify_with(e, &normalise_grouping))
}

/// The simplifier's functions whose results [`cached`] keeps.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Pass {
    Simplify,
    ForCode,
    Normalise,
    NormaliseGrouping,
}

/// Results kept per thread before the table is emptied.
const CACHE_LIMIT: usize = 1 << 18;

thread_local! {
    static CACHE: std::cell::RefCell<std::collections::HashMap<(Pass, bool, Expr), Expr>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Empties this thread's cache of simplified forms (expansion does, before each
/// activation, with the interning table whose nodes the keys are).
pub(crate) fn forget_cache() {
    CACHE.with(|c| c.borrow_mut().clear());
}

/// `f(e)`, remembered across calls: the simplifier is a pure function of its input, and
/// its passes call one another on the same subterms over and over (putting a sum over a
/// common denominator simplifies the numerator; every round of every fixpoint loop
/// normalises every node again). Keys hash in O(1) (see `ir::expr::Shared`).
fn cached(pass: Pass, e: &Expr, f: impl FnOnce(&Expr) -> Expr) -> Expr {
    let key = (pass, exact(), e.clone());
    if let Some(done) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return done;
    }
    let before = rules::budget::count();
    let out = f(e);
    if rules::budget::count() != before {
        return out;
    }
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, out.clone());
    });
    out
}

/// Rounds of [`simplify`]'s fixpoint loop: each round rewrites the whole expression to a
/// fixpoint of the rules at every node, so a round that changes anything is rare after
/// the second.
pub(crate) const ROUNDS: usize = 16;

fn simplify_with(e: &Expr, post: &dyn Fn(Expr) -> Expr) -> Expr {
    let mut current = e.clone();
    for _ in 0..ROUNDS {
        let next = rules::rewrite_all(compiled(), &current, post);
        if next == current {
            return current;
        }
        current = next;
    }
    rules::budget::exceeded(rules::Exceeded::Fixpoint, "simplifier", &current);
    current
}

/// Folding and collection at one node whose children are already simplified.
pub(crate) fn normalise(e: Expr) -> Expr {
    cached(Pass::Normalise, &e, |e| normalise_node(e.clone(), false))
}

/// [`normalise`], grouping pairs of terms too.
pub(crate) fn normalise_grouping(e: Expr) -> Expr {
    cached(Pass::NormaliseGrouping, &e, |e| normalise_node(e.clone(), true))
}

fn normalise_node(e: Expr, group: bool) -> Expr {
    let e = fold(e);
    match &e {
        // A condition whose sides differ by a number is decided here: the branch not taken
        // is dead (a rule's branch on the sign of a difference that is constant,
        // `if x + 2 < x { .. }`).
        Expr::If(c, a, b) => {
            let difference = match (&c.lhs, &c.rhs) {
                (Expr::Num(l), Expr::Num(r)) => Some(l.0 - r.0),
                _ => match simplify(&Expr::bin(BinOp::Sub, c.lhs.clone(), c.rhs.clone())) {
                    Expr::Num(d) => Some(d.0),
                    _ => None,
                },
            };
            match difference {
                Some(d) if !d.is_nan() => {
                    let taken: &Expr = if c.op.holds(d, 0.0) { a } else { b };
                    taken.clone()
                }
                _ => e,
            }
        }
        Expr::Bin(BinOp::Add | BinOp::Sub, ..) | Expr::Neg(_) => collect_sum(&e, group),
        Expr::Bin(BinOp::Mul | BinOp::Div, ..) | Expr::Powi(..) => collect_product(&e),
        _ => e,
    }
}

/// Whether a folded number is one a person would write.
fn is_short(v: f64) -> bool {
    v.is_finite() && text::number(v).len() <= 10
}

thread_local! {
    /// Whether folding must be exact (see [`exact_folding`]).
    static EXACT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// While the guard lives, this thread's simplifier folds constants and merges coefficients
/// only where `f64` arithmetic does so exactly. `derive` sets it for rational formulas (no
/// library function), whose generated code promises correct rounding (`docs/contract.md`
/// §5.4): there a merged `0.1 + 0.2` or a reciprocal `1 / 10` would change the function by
/// a rounding. Elsewhere the readable forms keep the coefficients a person writes
/// (`0.044715 · 3 = 0.134145`), a change far below the functions' own rounding.
pub(crate) fn exact_folding(on: bool) -> impl Drop {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            EXACT.with(|e| e.set(self.0));
        }
    }
    Restore(EXACT.with(|e| e.replace(on)))
}

fn exact() -> bool {
    EXACT.with(|e| e.get())
}

/// `a + b`, when it is exact in `f64`.
pub(crate) fn exact_sum(a: f64, b: f64) -> Option<f64> {
    let s = a + b;
    let bb = s - a;
    (s.is_finite() && (a - (s - bb)) + (b - bb) == 0.0).then_some(s)
}

/// `a · b`, when it is exact in `f64` (its fused residual is 0).
pub(crate) fn exact_product(a: f64, b: f64) -> Option<f64> {
    let p = a * b;
    (p.is_finite() && a.mul_add(b, -p) == 0.0).then_some(p)
}

/// `a / b`, when it is exact in `f64`.
pub(crate) fn exact_quotient(a: f64, b: f64) -> Option<f64> {
    let q = a / b;
    (q.is_finite() && b != 0.0 && q.mul_add(b, -a) == 0.0).then_some(q)
}

/// `a + b` as folding may compute it: exact where it must be ([`exact_folding`]).
fn folded_sum(a: f64, b: f64) -> Option<f64> {
    if exact() {
        exact_sum(a, b)
    } else {
        Some(a + b).filter(|s| s.is_finite())
    }
}

/// `a · b` as folding may compute it.
fn folded_product(a: f64, b: f64) -> Option<f64> {
    if exact() {
        exact_product(a, b)
    } else {
        Some(a * b).filter(|p| p.is_finite())
    }
}

/// `a / b` as folding may compute it.
fn folded_quotient(a: f64, b: f64) -> Option<f64> {
    if exact() {
        exact_quotient(a, b)
    } else {
        Some(a / b).filter(|q| q.is_finite() && b != 0.0)
    }
}

/// Evaluates a node whose children are all numbers, when the result is short and, for
/// arithmetic, exact.
fn fold(e: Expr) -> Expr {
    let all_numbers = !e.children().is_empty() && e.children().iter().all(|c| matches!(c, Expr::Num(_)));
    if !all_numbers || matches!(e, Expr::If(..)) {
        return e;
    }
    if let Expr::Bin(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) = &e {
        let (Some(a), Some(b)) = (a.as_number(), b.as_number()) else { return e };
        let exact = match op {
            BinOp::Add => folded_sum(a, b),
            BinOp::Sub => folded_sum(a, -b),
            BinOp::Mul => folded_product(a, b),
            _ => folded_quotient(a, b),
        };
        return match exact {
            Some(v) if is_short(v) => Expr::num(v),
            _ => e,
        };
    }
    let v: f64 = eval::eval(&e, &Default::default());
    if is_short(v) {
        Expr::num(v)
    } else {
        e
    }
}

/// Splits a product into its numeric coefficient and the rest.
fn coefficient(e: &Expr) -> (f64, Expr) {
    match e {
        Expr::Num(n) => (n.0, Expr::num(1.0)),
        Expr::Neg(a) => {
            let (c, r) = coefficient(a);
            (-c, r)
        }
        Expr::Bin(BinOp::Mul | BinOp::Div, ..) => {
            let p = Product::of(e);
            // A number that did not join the coefficient (folding must be exact) stays with
            // it: 0.044715 · 3 · x² is one constant times x² in generated code.
            let numbers_apart = p.factors.iter().any(|(b, _)| matches!(b, Expr::Num(_)));
            match p.coefficient().filter(|_| !numbers_apart) {
                Some(c) => (c, Product { num: 1.0, den: 1.0, ..p }.build()),
                None => (1.0, e.clone()),
            }
        }
        _ => (1.0, e.clone()),
    }
}

/// Collects like terms of a sum: `x + 2 * x - 3 → 3 * x - 3`.
fn collect_sum(e: &Expr, group: bool) -> Expr {
    let mut terms: Vec<(f64, Expr)> = Vec::new();
    flatten_sum(e, 1.0, &mut terms);
    let mut merged: Vec<(f64, Expr)> = Vec::new();
    for (c, t) in terms {
        // Like terms merge where their coefficients add (exactly, where folding must be:
        // 0.1 x + 0.2 x then stays).
        match merged.iter_mut().find(|(d, u)| *u == t && folded_sum(*d, c).is_some()) {
            Some((d, _)) => *d += c,
            None => merged.push((c, t)),
        }
    }
    merged.retain(|(c, _)| *c != 0.0);
    // Lead with a positive term when there is one: `b - a`, not `-a + b`.
    if let Some(i) = merged.iter().position(|(c, _)| *c > 0.0) {
        let first = merged.remove(i);
        merged.insert(0, first);
    }
    if let Some(combined) = together(&merged) {
        return combined;
    }
    if let Some(factored) = factor_out(&merged) {
        return factored;
    }
    match group.then(|| group_best_pair(&merged)).flatten() {
        Some(grouped) => rebuild_sum(grouped),
        None => rebuild_sum(merged),
    }
}

/// `1/s - a x²/s³ → (s² - a x²)/s³`: puts a sum over its common denominator when that
/// makes it smaller — when terms of the numerator cancel (here s² = 1 + a x², leaving
/// 1/s³). Cancelling symbolically is what keeps such derivatives from cancelling in
/// floating point.
fn together(terms: &[(f64, Expr)]) -> Option<Expr> {
    let products: Vec<Product> = terms.iter().map(|(_, t)| Product::of(t)).collect();
    let mut den: Vec<(Expr, i32)> = Vec::new();
    for (base, n) in products.iter().flat_map(|p| p.factors.iter()).filter(|(_, n)| *n < 0) {
        match den.iter_mut().find(|(b, _)| b == base) {
            Some((_, m)) => *m = (*m).max(n.saturating_neg()),
            None => den.push((base.clone(), n.saturating_neg())),
        }
    }
    if den.is_empty() || terms.len() < 2 {
        return None;
    }
    let numerator: Vec<(f64, Expr)> = terms
        .iter()
        .zip(products)
        .map(|((c, _), mut p)| {
            for (base, n) in &den {
                match p.factors.iter_mut().find(|(b, _)| b == base) {
                    Some((_, k)) => *k = k.saturating_add(*n),
                    None => p.factors.push((base.clone(), *n)),
                }
            }
            p.factors.retain(|(_, k)| *k != 0);
            (*c, p.build())
        })
        .collect();
    let numerator = simplify(&rebuild_sum(numerator));
    let denominator = Product { num: 1.0, den: 1.0, factors: den }.build();
    let combined = simplify(&Expr::bin(BinOp::Div, numerator, denominator));
    let original = rebuild_sum(terms.to_vec());
    (combined.size() < original.size()).then_some(combined)
}

/// `x a - x b → x (a - b)`: pulls the factors every term shares out of the sum, which
/// reads better and, in generated code, computes them once without cancelling.
fn factor_out(terms: &[(f64, Expr)]) -> Option<Expr> {
    if terms.len() < 2 {
        return None;
    }
    let products: Vec<Product> = terms.iter().map(|(_, t)| Product::of(t)).collect();
    let common = shared_factors(&products);
    // A coefficient every term shares in magnitude comes out too: `8 a - 8 b → 8 (a - b)`.
    let scale = terms[0].0.abs();
    let scale = if scale != 1.0 && terms.iter().all(|(c, _)| c.abs() == scale) { scale } else { 1.0 };
    if common.is_empty() && scale == 1.0 {
        return None;
    }
    let reduced: Vec<(f64, Expr)> = terms
        .iter()
        .zip(products)
        .map(|((c, _), mut p)| {
            for (base, n) in &common {
                p.factors.iter_mut().filter(|(b, _)| b == base).for_each(|(_, k)| *k = k.saturating_sub(*n));
            }
            p.factors.retain(|(_, k)| *k != 0);
            (*c / scale, p.build())
        })
        .collect();
    let shared = Product { num: scale, den: 1.0, factors: common }.build();
    Some(Expr::bin(BinOp::Mul, shared, rebuild_sum(reduced)))
}

/// The factors all `products` share, each at the power that divides them all.
fn shared_factors(products: &[Product]) -> Vec<(Expr, i32)> {
    products[0]
        .factors
        .iter()
        .filter_map(|(base, n)| {
            // Shared when every term has it on the same side of the fraction bar.
            let ks: Vec<i32> = products.iter().map(|p| p.exponent(base)).collect();
            if !ks.iter().all(|k| k.signum() == n.signum()) {
                return None;
            }
            let shared = if *n > 0 { ks.iter().min() } else { ks.iter().max() };
            shared.map(|k| (base.clone(), *k))
        })
        .collect()
}

/// When no factor is common to every term, groups the two terms that share the most:
/// `8 x σ(a) - 8 x σ(b) + c → 8 x (σ(a) - σ(b)) + c`, so that differences which cancel
/// become visible to the stabilising rules.
fn group_best_pair(terms: &[(f64, Expr)]) -> Option<Vec<(f64, Expr)>> {
    let products: Vec<Product> = terms.iter().map(|(_, t)| Product::of(t)).collect();
    let mut best: Option<(usize, usize, usize)> = None;
    for i in 0..terms.len() {
        for j in i + 1..terms.len() {
            let n = shared_factors(&[products[i].clone(), products[j].clone()]).len();
            if n > 0 && best.is_none_or(|(_, _, m)| n > m) {
                best = Some((i, j, n));
            }
        }
    }
    let (i, j, _) = best?;
    let pair = factor_out(&[terms[i].clone(), terms[j].clone()])?;
    let mut out = terms.to_vec();
    out.remove(j);
    out[i] = (1.0, pair);
    Some(out)
}

/// `c1 t1 ± c2 t2 ± ...` from collected terms.
fn rebuild_sum(merged: Vec<(f64, Expr)>) -> Expr {
    let mut iter = merged.into_iter();
    let Some((c0, t0)) = iter.next() else { return Expr::num(0.0) };
    let mut out = scaled(c0, t0);
    for (c, t) in iter {
        out =
            if c < 0.0 { Expr::bin(BinOp::Sub, out, scaled(-c, t)) } else { Expr::bin(BinOp::Add, out, scaled(c, t)) };
    }
    out
}

fn flatten_sum(e: &Expr, sign: f64, out: &mut Vec<(f64, Expr)>) {
    match e {
        Expr::Bin(BinOp::Add, a, b) => {
            flatten_sum(a, sign, out);
            flatten_sum(b, sign, out);
        }
        Expr::Bin(BinOp::Sub, a, b) => {
            flatten_sum(a, sign, out);
            flatten_sum(b, -sign, out);
        }
        Expr::Neg(a) => flatten_sum(a, -sign, out),
        _ => {
            let (c, t) = coefficient(e);
            out.push((sign * c, t));
        }
    }
}

/// `c * t`, written the way a person would (`t`, `-t`, `2 * t`, `3`). A negative
/// coefficient becomes a negation outside, as in [`Product::build`], so that both
/// collectors agree on one form.
fn scaled(c: f64, t: Expr) -> Expr {
    if t.is_num(1.0) {
        return Expr::num(c);
    }
    if c < 0.0 {
        return Expr::neg(scaled(-c, t));
    }
    if c == 1.0 {
        return t;
    }
    let p = Product::of(&t);
    match folded_product(p.num, c) {
        Some(num) => Product { num, ..p }.build(),
        // Where folding must be exact and is not: 3 · (0.044715 x²) keeps its 3.
        None => Expr::bin(BinOp::Mul, Expr::num(c), t),
    }
}

/// A product as coefficient (numerator / denominator) and bases with integer exponents.
#[derive(Clone)]
struct Product {
    num: f64,
    den: f64,
    factors: Vec<(Expr, i32)>,
}

impl Product {
    fn of(e: &Expr) -> Product {
        let mut p = Product { num: 1.0, den: 1.0, factors: Vec::new() };
        p.absorb(e, 1);
        p.factors.retain(|(_, n)| *n != 0);
        p
    }

    fn absorb(&mut self, e: &Expr, exp: i32) {
        match e {
            Expr::Bin(BinOp::Mul, a, b) => {
                self.absorb(a, exp);
                self.absorb(b, exp);
            }
            Expr::Bin(BinOp::Div, a, b) => {
                self.absorb(a, exp);
                self.absorb(b, -exp);
            }
            Expr::Neg(a) => {
                // (-a)^n = (-1)^n a^n
                if exp % 2 != 0 {
                    self.num = -self.num;
                }
                self.absorb(a, exp);
            }
            Expr::Powi(a, n) if n.checked_mul(exp).is_some() => self.absorb(a, n * exp),
            // Numbers join the coefficient (where folding must be exact, only where the
            // product stays exact: 3 * (0.1 * x) is not 0.30000000000000004 * x).
            Expr::Num(Num(v)) if exp == 1 && folded_product(self.num, *v).is_some() => self.num *= v,
            Expr::Num(Num(v)) if exp == -1 && folded_product(self.den, *v).is_some() => self.den *= v,
            _ => match self.factors.iter_mut().find(|(b, _)| b == e) {
                Some((_, n)) => *n = n.saturating_add(exp),
                None => self.factors.push((e.clone(), exp)),
            },
        }
    }

    /// The exponent of `base` in this product (0 when absent).
    fn exponent(&self, base: &Expr) -> i32 {
        self.factors.iter().find(|(b, _)| b == base).map_or(0, |(_, n)| *n)
    }

    /// The single numeric coefficient, when it is short enough to write (and exact where
    /// folding must be: `x / 10` then keeps its divisor, 1/10 is not an `f64`).
    fn coefficient(&self) -> Option<f64> {
        if self.den == 1.0 {
            return Some(self.num);
        }
        folded_quotient(self.num, self.den).filter(|&c| is_short(c))
    }

    /// Rebuilds `num/den * Π base^n` as `c * a * b / (d * e)`, with the sign in front and
    /// the factors in reading order: constants, then variables, then the rest.
    fn build(mut self) -> Expr {
        let (mut num, mut den) = (self.num, self.den);
        if let Some(c) = self.coefficient() {
            (num, den) = (c, 1.0);
        } else if let Some(g) = integer_gcd(num, den) {
            (num, den) = (num / g, den / g);
        }
        self.factors.sort_by(|(a, _), (b, _)| reading_order(a).cmp(&reading_order(b)));
        let negative = num < 0.0;
        let num = num.abs();
        let power = |b: &Expr, n: i32| if n == 1 { b.clone() } else { Expr::powi(b.clone(), n) };
        let top: Vec<Expr> = self.factors.iter().filter(|(_, n)| *n > 0).map(|(b, n)| power(b, *n)).collect();
        let bottom: Vec<Expr> =
            self.factors.iter().filter(|(_, n)| *n < 0).map(|(b, n)| power(b, n.saturating_neg())).collect();
        let top = chain(num, top);
        let out = match (den == 1.0, bottom.is_empty()) {
            (true, true) => top,
            _ => Expr::bin(BinOp::Div, top, chain(den, bottom)),
        };
        if negative {
            Expr::neg(out)
        } else {
            out
        }
    }
}

/// Where a factor goes in a product: `2 * PI * alpha * x * exp(x)`.
fn reading_order(e: &Expr) -> (u8, &str) {
    match e {
        _ if e.is_constant() => (0, ""),
        Expr::Var(v) => (1, v.as_str()),
        _ => (2, ""),
    }
}

/// The greatest common divisor of two integer-valued coefficients, when both are
/// integers small enough to be exact.
fn integer_gcd(a: f64, b: f64) -> Option<f64> {
    let exact = |v: f64| v.fract() == 0.0 && v.abs() < 9.0e15;
    if !exact(a) || !exact(b) || b == 0.0 {
        return None;
    }
    let (mut x, mut y) = (a.abs() as u64, b.abs() as u64);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    (x > 1).then_some(x as f64)
}

/// `c * a * b * ...`, omitting a coefficient of 1.
fn chain(c: f64, factors: Vec<Expr>) -> Expr {
    let mut iter = factors.into_iter();
    let first = match (c == 1.0, iter.next()) {
        (_, None) => return Expr::num(c),
        (true, Some(f)) => f,
        (false, Some(f)) => Expr::bin(BinOp::Mul, Expr::num(c), f),
    };
    iter.fold(first, |acc, f| Expr::bin(BinOp::Mul, acc, f))
}

/// Collects like factors of a product: `x * x → x.powi(2)`, `2 * (0.5 * x) → x`.
fn collect_product(e: &Expr) -> Expr {
    Product::of(e).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_pattern;

    fn s(src: &str) -> String {
        simplify(&parse_pattern(src).unwrap()).to_string()
    }

    #[test]
    fn identities() {
        assert_eq!(s("0 * x + 1 * y"), "y");
        assert_eq!(s("--x"), "x");
        assert_eq!(s("x.powi(1) - 0"), "x");
        assert_eq!(s("if x > 0 { 1 } else { 1 }"), "1");
    }

    #[test]
    fn idempotent_extrema_and_abs() {
        assert_eq!(s("erfc(x / exp(max(x * x, x * x)))"), "erfc(x / exp(x.powi(2)))");
        assert_eq!(s("min(tanh(x), x.tanh())"), "tanh(x)");
        assert_eq!(s("abs(abs(x - 1))"), "abs(x - 1)");
        assert_eq!(s("abs(-x)"), "abs(x)");
        // Different arguments keep their kink.
        assert_eq!(s("max(x, -x)"), "max(x, -x)");
    }

    #[test]
    fn like_terms_and_factors() {
        assert_eq!(s("x + x"), "2 * x");
        assert_eq!(s("2 * x - x"), "x");
        assert_eq!(s("x * x * y"), "x.powi(2) * y");
        assert_eq!(s("2 * (0.5 * x)"), "x");
        assert_eq!(s("a - a"), "0");
        assert_eq!(s("-a + b"), "b - a");
        assert_eq!(s("x * beta * 2"), "2 * beta * x");
        assert_eq!(s("-(2 * x)"), s("-2 * x"));
        assert_eq!(s("0.5 * (x * y)"), "0.5 * x * y");
        assert_eq!(s("(-x).powi(2)"), "x.powi(2)");
        assert_eq!(s("(-x).powi(3)"), "-x.powi(3)");
        assert_eq!(s("1 / -x"), "-1 / x");
        assert_eq!(s("x * a - x * b"), "x * (a - b)");
        assert_eq!(s("a / d + b / d"), "(a + b) / d");
        assert_eq!(s("8 * a - 8 * b"), "8 * (a - b)");
        assert_eq!(
            s("1 / sqrt(1 + a * x.powi(2)) - a * x.powi(2) / sqrt(1 + a * x.powi(2)).powi(3)"),
            "1 / sqrt(1 + a * x.powi(2)).powi(3)"
        );
        assert_eq!(s("2 + x * a - x * b"), "2 + a * x - b * x");
        let grouped = simplify_for_code(&parse_pattern("2 + x * a - x * b").unwrap());
        assert_eq!(grouped.to_string(), "2 + x * (a - b)");
    }

    #[test]
    fn folds_short_constants_only() {
        assert_eq!(s("2 * 3 + x"), "6 + x");
        assert_eq!(s("sqrt(2) * x"), "sqrt(2) * x");
        assert_eq!(s("1 / 3 * x"), "x / 3");
        assert_eq!(s("2 / 6"), "1 / 3");
        assert_eq!(s("FRAC_1_SQRT_2.powi(2) * x"), "0.5 * x");
    }

    #[test]
    fn folds_only_exact_arithmetic_for_rational_formulas() {
        // Outside, coefficients merge as a person writes them.
        assert_eq!(s("0.1 * x + 0.2 * x"), "0.30000000000000004 * x");
        assert_eq!(s("x + x / 10"), "1.1 * x");
        let _exact = exact_folding(true);
        // Each of these would round once more than the formula if folded.
        // (factored as `x + x / 3` always was: the constant part cannot be folded)
        assert_eq!(s("x + x / 10"), "(1 + 1 / 10) * x");
        assert_eq!(s("x / 10"), "x / 10");
        assert_eq!(s("0.1 * x + 0.2 * x"), "(0.1 + 0.2) * x");
        assert_eq!(s("1 / 10 * x"), "x / 10");
        // Exact ones still fold.
        assert_eq!(s("x / 4 + x / 4"), "0.5 * x");
        assert_eq!(s("0.5 * x + 0.25 * x"), "0.75 * x");
        assert_eq!(s("2 * (0.5 * x)"), "x");
        // A number that cannot join the coefficient stays beside it, where generated code
        // folds the two as one constant (`ir::constant`).
        assert_eq!(s("1 + 0.044715 * (3 * x.powi(2))"), "1 + 0.044715 * 3 * x.powi(2)");
    }

    #[test]
    fn keeps_derivative_shapes() {
        assert_eq!(s("sigmoid(u) * (1 - sigmoid(u)) * 1"), "sigmoid(u) * (1 - sigmoid(u))");
        assert_eq!(s("(0 * (1 + e) - 1 * (0 - e)) / (1 + e).powi(2)"), "e / (1 + e).powi(2)");
    }
}

//! The lowered form of a vector formula: its reductions in a table, the rest element-wise.
//!
//! Every reduction of a vector formula is a scalar — inside `sum(e)` the input means each
//! `x_j`, and nothing inside can name the outer index — so a formula is an element-wise
//! expression of `x_i`, the parameters and a few scalars `R_1, R_2, ...`, each of them a
//! reduction over the elements of an element-wise expression of earlier ones. [`Graph`]
//! holds that table; element-wise expressions refer to a reduction by its symbol (an
//! [`Expr::Var`]), so the scalar passes — differentiation, simplification, stabilisation,
//! code generation — work on them unchanged, treating the reductions as constants.
//!
//! Besides `sum` and `max`, the table has two kinds that only the engine creates, for
//! accuracy at the index of the largest element (see `dominant`): the sum over every
//! element but that one, and the value of an expression at that element.

use std::collections::HashSet;

use crate::ir::eval::{eval, Env};
use crate::ir::expr::{BinOp, CmpOp, Cond, Expr, Reduction};
use crate::passes::simplify::simplify;
use activation_runtime::Real;

/// What a reduction computes from its body `b_j`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Σ_j b_j`.
    Sum,
    /// `max_j b_j`; its argmax is the first index on ties.
    Max,
    /// `Σ_{j ≠ j*} b_j`, where `j*` is the argmax of the `Max` reduction it names.
    SumExcept(usize),
    /// `b_{j*}`, where `j*` is the argmax of the `Max` reduction it names.
    AtArgmax(usize),
}

/// One reduction: its kind, its element-wise body, and the symbol that stands for it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Red {
    /// What it computes.
    pub kind: Kind,
    /// The element-wise expression reduced, in the element `j`'s variables.
    pub body: Expr,
    /// The variable name that stands for the reduction in other expressions.
    pub symbol: String,
}

/// The reductions of a vector formula and the names of its element-wise variables.
#[derive(Clone, Debug)]
pub(crate) struct Graph {
    /// Variables indexed like the input: the input first, then any added with
    /// [`Graph::add_vector`] (the cotangent of a VJP, the tangent of a JVP).
    pub vectors: Vec<String>,
    /// The parameters: scalars.
    pub params: Vec<String>,
    /// The reductions; a body refers only to reductions before it.
    pub reds: Vec<Red>,
    /// Names in use (the user's and the generated ones), so that new names are fresh.
    taken: HashSet<String>,
}

impl Graph {
    /// An empty table for a formula over `input` and `params`.
    pub(crate) fn new(input: &str, params: &[String]) -> Graph {
        let mut taken: HashSet<String> = params.iter().cloned().collect();
        taken.insert(input.to_string());
        Graph { vectors: vec![input.to_string()], params: params.to_vec(), reds: Vec::new(), taken }
    }

    /// The input's name.
    pub(crate) fn input(&self) -> &str {
        &self.vectors[0]
    }

    /// A name based on `base` that no variable, parameter or symbol has yet, now taken.
    pub(crate) fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        while self.taken.contains(&name) {
            name.push('_');
        }
        self.taken.insert(name.clone());
        name
    }

    /// Adds an element-wise variable named after `base` (`g`, or `g_` when a parameter is
    /// called `g`), returning its name.
    pub(crate) fn add_vector(&mut self, base: &str) -> String {
        let name = self.fresh(base);
        self.vectors.push(name.clone());
        name
    }

    /// The reduction whose symbol is `name`.
    pub(crate) fn red_named(&self, name: &str) -> Option<usize> {
        self.reds.iter().position(|r| r.symbol == name)
    }

    /// The symbol of reduction `r`, as an expression.
    pub(crate) fn var(&self, r: usize) -> Expr {
        Expr::var(&self.reds[r].symbol)
    }

    /// The name of the 0/1 variable that marks the argmax of the `Max` reduction `r` in
    /// element-wise code (`d max_j b_j / d x_k` is `b'(x_k)` at the argmax only).
    pub(crate) fn indicator(&self, r: usize) -> String {
        format!("{}_is_argmax", self.reds[r].symbol)
    }

    /// `if (k is the argmax of r) { e } else { 0 }`, for element-wise expressions.
    pub(crate) fn at_argmax_only(&self, r: usize, e: Expr) -> Expr {
        let cond = Cond { op: CmpOp::Gt, lhs: Expr::var(&self.indicator(r)), rhs: Expr::num(0.0) };
        Expr::if_else(cond, e, Expr::num(0.0))
    }

    /// The `Max` reduction whose indicator is `name`.
    fn indicator_of(&self, name: &str) -> Option<usize> {
        let symbol = name.strip_suffix("_is_argmax")?;
        self.red_named(symbol).filter(|&r| self.reds[r].kind == Kind::Max)
    }

    /// Whether `e` varies with the element index: it uses an element-wise variable or an
    /// argmax indicator (reductions and parameters are the same for every element).
    pub(crate) fn is_indexed(&self, e: &Expr) -> bool {
        let mut indexed = false;
        e.visit(&mut |n| {
            if let Expr::Var(v) = n {
                indexed |= self.vectors.contains(v) || self.indicator_of(v).is_some();
            }
        });
        indexed
    }

    /// The symbol of the reduction `kind` of `body` (simplified), added if new.
    pub(crate) fn intern(&mut self, kind: Kind, body: Expr) -> Expr {
        let body = simplify(&body);
        if let Some(r) = self.reds.iter().position(|r| r.kind == kind && r.body == body) {
            return self.var(r);
        }
        let r = self.reds.len();
        let base = match (kind, &body) {
            (Kind::Sum, _) => format!("s{r}"),
            (Kind::Max, _) => format!("m{r}"),
            (Kind::SumExcept(_), _) => format!("o{r}"),
            (Kind::AtArgmax(_), Expr::Var(v)) => format!("{v}_at_max"),
            (Kind::AtArgmax(_), _) => format!("a{r}"),
        };
        let symbol = self.fresh(&base);
        self.reds.push(Red { kind, body, symbol });
        self.var(r)
    }

    /// Replaces every `sum(...)`/`max(...)` of `e` by its symbol, innermost first.
    pub(crate) fn lower(&mut self, e: &Expr) -> Expr {
        match e {
            Expr::Reduce(r, body) => {
                let body = self.lower(body);
                let kind = match r {
                    Reduction::Sum => Kind::Sum,
                    Reduction::Max => Kind::Max,
                };
                self.intern(kind, body)
            }
            _ => e.map_children(|c| self.lower(c)),
        }
    }

    /// `Σ_j body_j` as an expression in symbols, with the factors that do not vary with
    /// the index pulled out (`Σ_j c b_j = c Σ_j b_j`), so that the same sum written two
    /// ways — `Σ_j -e^{x_j - m}` and `-Σ_j e^{x_j - m}` — is one reduction. This is what
    /// lets a derivative recognise the sums of the formula in its own.
    pub(crate) fn sum_of(&mut self, body: &Expr) -> Expr {
        let body = simplify(body);
        let factors = Factors::of(&body);
        let (indexed, constant): (Vec<_>, Vec<_>) = factors.items.into_iter().partition(|(f, _)| self.is_indexed(f));
        let constant = Factors { coef: factors.coef, items: constant }.build();
        let indexed = Factors { coef: 1.0, items: indexed }.build();
        let sum = self.intern(Kind::Sum, indexed);
        simplify(&Expr::bin(BinOp::Mul, constant, sum))
    }

    /// `body` at the argmax of the `Max` reduction `m`: a new scalar unless `body` is the
    /// same for every element.
    pub(crate) fn at_argmax(&mut self, m: usize, body: &Expr) -> Expr {
        let body = simplify(body);
        if self.is_indexed(&body) {
            self.intern(Kind::AtArgmax(m), body)
        } else {
            body
        }
    }

    /// The reductions `e` refers to directly, in table order.
    pub(crate) fn reds_in(&self, e: &Expr) -> Vec<usize> {
        let mut out = Vec::new();
        e.visit(&mut |n| {
            if let Expr::Var(v) = n {
                if let Some(r) = self.red_named(v).or_else(|| self.indicator_of(v)) {
                    out.push(r);
                }
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The reductions reduction `r` needs computed first: those in its body and, for the
    /// kinds defined by an argmax, that `Max`.
    pub(crate) fn deps(&self, r: usize) -> Vec<usize> {
        let mut out = self.reds_in(&self.reds[r].body);
        if let Kind::SumExcept(m) | Kind::AtArgmax(m) = self.reds[r].kind {
            out.push(m);
        }
        out
    }

    /// Every reduction the expressions need, directly or through other reductions, in
    /// table order (which is an order they can be computed in).
    pub(crate) fn needed(&self, exprs: &[&Expr]) -> Vec<usize> {
        let mut seen = vec![false; self.reds.len()];
        let mut stack: Vec<usize> = exprs.iter().flat_map(|e| self.reds_in(e)).collect();
        while let Some(r) = stack.pop() {
            if !std::mem::replace(&mut seen[r], true) {
                stack.extend(self.deps(r));
            }
        }
        (0..self.reds.len()).filter(|&r| seen[r]).collect()
    }

    /// Reorders the table so that every reduction comes after those it needs (after a
    /// rewrite of bodies made one refer to a later one). Symbols keep their names.
    pub(crate) fn sort(&mut self) {
        fn visit(graph: &Graph, r: usize, done: &mut Vec<bool>, order: &mut Vec<usize>) {
            if std::mem::replace(&mut done[r], true) {
                return;
            }
            for d in graph.deps(r) {
                visit(graph, d, done, order);
            }
            order.push(r);
        }
        let mut done = vec![false; self.reds.len()];
        let mut order = Vec::with_capacity(self.reds.len());
        for r in 0..self.reds.len() {
            visit(self, r, &mut done, &mut order);
        }
        let mut position = vec![0; self.reds.len()];
        for (new, &old) in order.iter().enumerate() {
            position[old] = new;
        }
        let mut reds: Vec<Red> = order.iter().map(|&r| self.reds[r].clone()).collect();
        for red in &mut reds {
            if let Kind::SumExcept(m) | Kind::AtArgmax(m) = &mut red.kind {
                *m = position[*m];
            }
        }
        self.reds = reds;
    }

    /// Whether reduction `r` depends on reduction `on`, directly or not.
    pub(crate) fn depends(&self, r: usize, on: usize) -> bool {
        r == on || self.deps(r).into_iter().any(|d| self.depends(d, on))
    }

    /// `e` with every symbol replaced by the reduction it stands for: the readable form.
    ///
    /// The engine's own kinds have no exact notation: `Σ_{j≠j*}` and `b_{j*}` print as
    /// sums selected by `u_j < max(u)` and `u_j >= max(u)`, which is their value when the
    /// maximum is unique (on ties the generated code takes the first index).
    pub(crate) fn raise(&self, e: &Expr) -> Expr {
        match e {
            Expr::Var(v) => match self.red_named(v) {
                Some(r) => self.raise_red(r),
                None => e.clone(),
            },
            Expr::If(c, a, b) => match &c.lhs {
                Expr::Var(v) if self.indicator_of(v).is_some() => {
                    let m = self.indicator_of(v).expect("checked");
                    let u = self.raise(&self.reds[m].body);
                    let cond = Cond { op: CmpOp::Ge, lhs: u.clone(), rhs: Expr::reduce(Reduction::Max, u) };
                    Expr::if_else(cond, self.raise(a), self.raise(b))
                }
                _ => e.map_children(|c| self.raise(c)),
            },
            _ => e.map_children(|c| self.raise(c)),
        }
    }

    fn raise_red(&self, r: usize) -> Expr {
        let red = &self.reds[r];
        let body = self.raise(&red.body);
        let selected = |m: usize, op: CmpOp| {
            let u = self.raise(&self.reds[m].body);
            let max = Expr::reduce(Reduction::Max, u.clone());
            let pick = Expr::if_else(Cond { op, lhs: u, rhs: max }, body.clone(), Expr::num(0.0));
            Expr::reduce(Reduction::Sum, pick)
        };
        match red.kind {
            Kind::Sum => Expr::reduce(Reduction::Sum, body),
            Kind::Max => Expr::reduce(Reduction::Max, body),
            Kind::SumExcept(m) => selected(m, CmpOp::Lt),
            // The maximised expression at its argmax is the maximum.
            Kind::AtArgmax(m) if red.body == self.reds[m].body => Expr::reduce(Reduction::Max, body),
            Kind::AtArgmax(m) => selected(m, CmpOp::Ge),
        }
    }

    /// Evaluates element-wise `outputs` at every index, with `vectors` bound in the order of
    /// [`Graph::vectors`] (all of the same length) and the parameters from `params`: the
    /// interpreter the engine's tests and probes use (generated code is what users run).
    pub(crate) fn evaluate<T: Real>(&self, outputs: &[&Expr], vectors: &[&[T]], params: &[(&str, T)]) -> Vec<Vec<T>> {
        let n = vectors.first().map_or(0, |v| v.len());
        let mut env: Env<T> = params.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let mut argmax = vec![0usize; self.reds.len()];
        let at = |env: &Env<T>, argmax: &[usize], j: usize| {
            let mut env = env.clone();
            for (name, v) in self.vectors.iter().zip(vectors) {
                env.insert(name.clone(), v[j]);
            }
            for (r, &a) in argmax.iter().enumerate() {
                if self.reds[r].kind == Kind::Max {
                    env.insert(self.indicator(r), T::from_f64(if a == j { 1.0 } else { 0.0 }));
                }
            }
            env
        };
        for r in self.needed(outputs) {
            let red = &self.reds[r];
            let value = |j: usize| eval(&red.body, &at(&env, &argmax, j));
            let v = match red.kind {
                Kind::Sum => (0..n).fold(T::from_f64(0.0), |a, j| a + value(j)),
                Kind::SumExcept(m) => (0..n).filter(|&j| j != argmax[m]).fold(T::from_f64(0.0), |a, j| a + value(j)),
                Kind::AtArgmax(m) if n > 0 => value(argmax[m]),
                Kind::AtArgmax(_) => T::from_f64(f64::NAN),
                Kind::Max => {
                    let mut best = (T::from_f64(f64::NEG_INFINITY), 0);
                    for j in 0..n {
                        let b = value(j);
                        if b > best.0 {
                            best = (b, j);
                        }
                    }
                    argmax[r] = best.1;
                    best.0
                }
            };
            env.insert(red.symbol.clone(), v);
        }
        outputs.iter().map(|e| (0..n).map(|k| eval(e, &at(&env, &argmax, k))).collect()).collect()
    }
}

/// A product as a coefficient and factors with integer exponents: `-2 a / b²` is
/// `-2 · a¹ · b⁻²`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Factors {
    /// The numeric coefficient.
    pub coef: f64,
    /// Each factor with its exponent (negative: in the denominator).
    pub items: Vec<(Expr, i32)>,
}

impl Factors {
    /// Flattens the products, quotients, negations and integer powers at the top of `e`.
    pub(crate) fn of(e: &Expr) -> Factors {
        let mut f = Factors { coef: 1.0, items: Vec::new() };
        f.push(e, 1);
        f
    }

    fn push(&mut self, e: &Expr, k: i32) {
        match e {
            Expr::Num(n) if k == 1 || n.0 != 0.0 => self.coef *= n.0.powi(k),
            Expr::Neg(a) => {
                self.coef = -self.coef;
                self.push(a, k);
            }
            Expr::Bin(BinOp::Mul, a, b) => {
                self.push(a, k);
                self.push(b, k);
            }
            Expr::Bin(BinOp::Div, a, b) => {
                self.push(a, k);
                self.push(b, -k);
            }
            Expr::Powi(a, n) if n.checked_mul(k).is_some() => self.push(a, n * k),
            _ => match self.items.iter_mut().find(|(f, _)| f == e) {
                Some((_, m)) => *m += k,
                None => self.items.push((e.clone(), k)),
            },
        }
    }

    /// The product as an expression (simplified).
    pub(crate) fn build(&self) -> Expr {
        let mut num = Expr::num(self.coef);
        let mut den = Expr::num(1.0);
        for (f, k) in self.items.iter().filter(|(_, k)| *k != 0) {
            let power = if k.abs() == 1 { f.clone() } else { Expr::powi(f.clone(), k.abs()) };
            if *k > 0 {
                num = Expr::bin(BinOp::Mul, num, power);
            } else {
                den = Expr::bin(BinOp::Mul, den, power);
            }
        }
        simplify(&Expr::bin(BinOp::Div, num, den))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_vector_formula;

    fn lowered(src: &str) -> (Graph, Expr) {
        let e = parse_vector_formula(src, &["x", "t"]).unwrap();
        let mut g = Graph::new("x", &["t".to_string()]);
        let out = g.lower(&e);
        (g, out)
    }

    #[test]
    fn equal_reductions_are_one() {
        let (g, out) = lowered("exp(x - max(x)) / sum(exp(x - max(x)))");
        assert_eq!(g.reds.len(), 2);
        assert_eq!(out.to_string(), "exp(x - m0) / s1");
        assert_eq!(g.reds[1].body.to_string(), "exp(x - m0)");
        assert_eq!(g.raise(&out).to_string(), "exp(x - max(x)) / sum(exp(x - max(x)))");
    }

    #[test]
    fn sums_pull_out_what_does_not_vary() {
        let (mut g, _) = lowered("exp(x - max(x)) / sum(exp(x - max(x)))");
        let s = g.sum_of(&parse_vector_formula("-exp(x - m0) / t", &["x", "t", "m0"]).unwrap());
        assert_eq!(s.to_string(), "-(s1 / t)");
        assert_eq!(g.reds.len(), 2, "recognised as the existing sum");
        let n = g.sum_of(&Expr::var("t"));
        assert_eq!(n.to_string(), "s2 * t");
        assert_eq!(g.reds[2].body, Expr::num(1.0));
    }

    #[test]
    fn evaluates_with_argmax_kinds() {
        let (mut g, out) = lowered("exp(x - max(x)) / sum(exp(x - max(x)))");
        let others = g.intern(Kind::SumExcept(0), g.reds[1].body.clone());
        let star = g.at_argmax(0, &Expr::var("x"));
        let xs = [1.0, 3.0, 3.0, -1.0];
        let v = g.evaluate(&[&out, &others, &star], &[&xs[..]], &[("t", 1.0)]);
        let s: f64 = xs.iter().map(|x| (x - 3.0f64).exp()).sum();
        assert!((v[0][0] - (-2.0f64).exp() / s).abs() < 1e-15);
        assert_eq!(v[1][0], s - 1.0, "the first of the tied maxima is left out");
        assert_eq!(v[2][3], 3.0);
    }
}

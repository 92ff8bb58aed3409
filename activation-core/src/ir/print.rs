//! The printer that LaTeX ([`crate::ir::latex`]) and MathML ([`crate::ir::mathml`]) share.
//!
//! Every decision about the shape of a printed formula is made here, once: how tightly
//! each fragment binds and where parentheses go, signs moved to the front (`a + -b` is
//! `a - b`, `x \cdot (-2)` is `-x \cdot 2`), flattened sums and products, where a product
//! needs a visible dot, `\tanh^{2}(u)` for powers of named functions, one `cases` block
//! for a piecewise chain, indices inside reductions, how a variable name reads (`alpha`
//! is α, `x_max` is x with subscript max). A [`Notation`] only spells the result: it says
//! how a fraction, a power, a parenthesised group… is written, and answers the few
//! questions the decisions ask about what it wrote (does this start with a number?).

use std::marker::PhantomData;

use crate::ir::expr::{BinOp, CmpOp, Cond, Constant, Expr, Func, Reduction};

/// How one notation spells the pieces of a formula. Every method returns a fragment of
/// that notation; arguments are fragments already spelled.
pub(crate) trait Notation {
    /// The minus sign in front of a fragment.
    const MINUS: &'static str;
    /// `(s)`, sized to its content.
    fn parens(s: &str) -> String;
    /// `|s|`.
    fn abs(s: &str) -> String;
    /// `left + right`, or `left - right` when `minus`.
    fn sum(left: &str, minus: bool, right: &str) -> String;
    /// `left right`, or `left · right` when `dot`.
    fn product(left: &str, dot: bool, right: &str) -> String;
    /// `n` over `d`.
    fn fraction(n: &str, d: &str) -> String;
    /// `base` with superscript `exponent`.
    fn sup(base: &str, exponent: &str) -> String;
    /// `base` with subscript `index`.
    fn sub(base: &str, index: &str) -> String;
    /// The square root of `s`.
    fn sqrt(s: &str) -> String;
    /// A function applied to a parenthesised argument: `f(arg)`.
    fn apply(f: &str, arg: &str) -> String;
    /// Two arguments: `a, b`.
    fn pair(a: &str, b: &str) -> String;
    /// A function of the formula language, by name (`tanh`, `σ`, `erf`).
    fn func(f: Func) -> String;
    /// An operator written as an upright word (`max`, `min`).
    fn word(w: &str) -> String;
    /// A piecewise block: rows of value and condition, the last condition being
    /// [`Notation::otherwise`].
    fn cases(rows: &[(String, String)]) -> String;
    /// The condition of a piecewise block's last row.
    fn otherwise() -> String;
    /// `lhs op rhs`.
    fn relation(lhs: &str, op: CmpOp, rhs: &str) -> String;
    /// A big operator over `index` applied to `body`: `\sum_{j} body`, `\max_{j} body`.
    fn big(r: Reduction, index: &str, body: &str) -> String;
    /// A one-letter identifier (`x`, `e`, `j`).
    fn letter(name: &str) -> String;
    /// A Greek letter by its name (`alpha`, `Omega`).
    fn greek(name: &str) -> String;
    /// A word in upright type (`NaN`, the `max` of `x_max`).
    fn upright(w: &str) -> String;
    /// A multi-letter variable name (`neg_slope`).
    fn word_name(w: &str) -> String;
    /// A decimal number, possibly with a leading `-` (an exponent).
    fn number(text: &str) -> String;
    /// ∞.
    fn infinity() -> String;
    /// A named constant (`π`, `ln 2`).
    fn constant(k: Constant) -> String;
    /// Whether the fragment's first symbol is a number.
    fn starts_with_number(s: &str) -> bool;
    /// Whether the fragment's last symbol is a number.
    fn ends_with_number(s: &str) -> bool;
    /// Whether the fragment starts with a fraction.
    fn starts_with_fraction(s: &str) -> bool;
    /// The fragment without its leading minus sign, if it has one.
    fn strip_minus(s: &str) -> Option<&str>;
}

/// Prints `e` (whose input variable is `input`) in the notation `N`.
///
/// The input only matters for vector formulas: when `e` contains a reduction, the input
/// prints as `x_{i}` outside reductions and as `x_{j}` (`x_{k}`, … when nested) inside.
pub(crate) fn print<N: Notation>(e: &Expr, input: &str) -> String {
    let indexed = contains(e, |n| matches!(n, Expr::Reduce(..)));
    Printer::<N> { input, depth: 0, indexed, notation: PhantomData }.print(e).signed()
}

/// Binding strength of a fragment, loosest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// A `cases` block: its brace opens to the left only, so anything around it is
    /// parenthesised.
    Cases,
    /// `a + b`.
    Sum,
    /// Threshold for a leading minus sign; no fragment has this as its own level.
    Neg,
    /// `a b`, `a \cdot b` and big operators (`\sum_{j} …`).
    Product,
    /// Delimited on both sides, but a superscript on it would be ambiguous: `x^{2}`,
    /// `\frac{a}{b}`, `\tanh\left(x\right)`.
    Closed,
    /// Can take a superscript: `x`, `2`, `\pi`, `\left(…\right)`.
    Atom,
}

/// What juxtaposing a factor after a fragment would do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tail {
    /// Nothing: `x y` reads as a product.
    Closed,
    /// It would read as an argument (`\ln 2 x`), so a product needs `\cdot`.
    Operator,
    /// It would fall into a big operator's body (`\sum_{j} a_{j} b`), so a product
    /// parenthesises the fragment.
    Open,
}

/// A printed fragment: a magnitude and a sign kept apart, so that parents can move the
/// sign (`a + -b` → `a - b`, `\frac{-a}{b}` → `-\frac{a}{b}`).
struct Frag<N> {
    /// The printed form without the leading sign.
    body: String,
    /// Whether the fragment is `-body`. Only set when `prec >= Product`, so that the
    /// sign applies to the whole body.
    neg: bool,
    /// How tightly `body` binds.
    prec: Prec,
    /// What a factor juxtaposed after `body` would do.
    tail: Tail,
    notation: PhantomData<fn() -> N>,
}

impl<N: Notation> Frag<N> {
    fn new(body: String, prec: Prec) -> Self {
        Frag { body, neg: false, prec, tail: Tail::Closed, notation: PhantomData }
    }

    /// How tightly the signed fragment binds.
    fn outer(&self) -> Prec {
        if self.neg {
            Prec::Neg
        } else {
            self.prec
        }
    }

    /// The fragment with its sign.
    fn signed(self) -> String {
        if self.neg {
            format!("{}{}", N::MINUS, self.body)
        } else {
            self.body
        }
    }

    /// The signed fragment in parentheses.
    fn parens(self) -> Self {
        Frag::new(N::parens(&self.signed()), Prec::Atom)
    }

    /// The fragment, parenthesised unless it binds at least as tightly as `min`.
    fn at_least(self, min: Prec) -> Self {
        if self.outer() < min {
            self.parens()
        } else {
            self
        }
    }

    /// `-self`; a double negation cancels, since only the value is shown.
    fn negate(self) -> Self {
        if self.neg {
            return Frag { neg: false, ..self };
        }
        let mut t = self.at_least(Prec::Product);
        t.neg = true;
        t
    }

    /// The fragment without its sign.
    fn magnitude(self) -> Self {
        Frag { neg: false, ..self }
    }
}

/// Printing context: which variable is the input and how deep in reductions we are.
struct Printer<'a, N> {
    input: &'a str,
    /// Number of enclosing reductions.
    depth: usize,
    /// Whether the whole expression has a reduction, so the input needs an index.
    indexed: bool,
    notation: PhantomData<fn() -> N>,
}

impl<N: Notation> Printer<'_, N> {
    fn print(&self, e: &Expr) -> Frag<N> {
        match e {
            Expr::Num(n) => number(n.0),
            Expr::Const(k) => constant(*k),
            Expr::Var(v) => Frag::new(self.variable(v), Prec::Atom),
            Expr::Neg(a) => self.print(a).negate(),
            Expr::Bin(op, a, b) => self.binary(*op, a, b),
            Expr::Powi(a, n) => self.powi(a, *n),
            Expr::Call(f, a) => self.call(*f, a),
            Expr::If(..) => self.cases(e),
            Expr::Reduce(r, a) => self.reduce(*r, a),
        }
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr) -> Frag<N> {
        match op {
            BinOp::Add => self.sum(a, b, false),
            BinOp::Sub => self.sum(a, b, true),
            BinOp::Mul => self.product(a, b),
            BinOp::Div => self.fraction(a, b),
            BinOp::Pow => self.power(a, self.print(b).signed()),
            BinOp::Max => self.pair("max", a, b),
            BinOp::Min => self.pair("min", a, b),
        }
    }

    /// `a + b` or `a - b`, moving a leading minus of `b` into the operator.
    fn sum(&self, a: &Expr, b: &Expr, minus: bool) -> Frag<N> {
        let left = self.print(a).at_least(Prec::Sum).signed();
        let (minus, body, tail) = self.term(b, minus);
        Frag { tail, ..Frag::new(N::sum(&left, minus, &body), Prec::Sum) }
    }

    /// The right operand `b` of `… + b` (`… - b` when `minus`): whether the operator
    /// written before it is a minus once a leading minus of `b` moved into it, `b` printed
    /// without that minus, and its tail.
    fn term(&self, b: &Expr, minus: bool) -> (bool, String, Tail) {
        // `a + (b + c)` needs no parentheses, `a - (b + c)` does.
        let right = self.print(b).at_least(if minus { Prec::Neg } else { Prec::Sum });
        let tail = right.tail;
        let (flip, body) = match N::strip_minus(&right.body) {
            // A flat sum's first term carries its own sign: `a + (-b + c)` is `a - b + c`.
            Some(rest) if !right.neg => (true, rest.to_string()),
            _ => (right.neg, right.body),
        };
        (minus != flip, body, tail)
    }

    /// `a b`, or `a \cdot b` where juxtaposition would misread; signs move to the front.
    fn product(&self, a: &Expr, b: &Expr) -> Frag<N> {
        let l = self.print(a).at_least(Prec::Neg);
        let r = self.print(b).at_least(Prec::Neg);
        let neg = l.neg != r.neg;
        let body = juxtapose(l, &r.body);
        Frag { neg, tail: r.tail, ..Frag::new(body, Prec::Product) }
    }

    /// `a` over `b`, with the signs of both sides in front.
    fn fraction(&self, a: &Expr, b: &Expr) -> Frag<N> {
        let (n, d) = (self.print(a), self.print(b));
        let neg = n.neg != d.neg;
        Frag { neg, ..Frag::new(N::fraction(&n.body, &d.body), Prec::Closed) }
    }

    /// `a^{exponent}`.
    fn power(&self, a: &Expr, exponent: String) -> Frag<N> {
        let base = self.print(a).at_least(Prec::Atom).body;
        Frag::new(N::sup(&base, &exponent), Prec::Closed)
    }

    /// `a^{n}`, written `\tanh^{2}\left(u\right)` for named functions as is customary.
    /// Not for negative powers: `\tanh^{-1}` means the inverse function.
    fn powi(&self, a: &Expr, n: i32) -> Frag<N> {
        match a {
            Expr::Call(f, u) if n > 0 && !matches!(f, Func::Exp | Func::Sqrt | Func::Abs) => {
                let arg = self.print(u).signed();
                let name = N::sup(&N::func(*f), &N::number(&n.to_string()));
                Frag::new(N::apply(&name, &arg), Prec::Closed)
            }
            _ => self.power(a, N::number(&n.to_string())),
        }
    }

    /// `\max\left(a, b\right)`.
    fn pair(&self, name: &str, a: &Expr, b: &Expr) -> Frag<N> {
        let (a, b) = (self.print(a).signed(), self.print(b).signed());
        Frag::new(N::apply(&N::word(name), &N::pair(&a, &b)), Prec::Closed)
    }

    fn call(&self, f: Func, a: &Expr) -> Frag<N> {
        let arg = self.print(a).signed();
        match f {
            // A `cases` block in a superscript is unreadable, so that case keeps `\exp`.
            Func::Exp if !contains(a, |n| matches!(n, Expr::If(..))) => {
                Frag::new(N::sup(&N::letter("e"), &arg), Prec::Closed)
            }
            Func::Sqrt => Frag::new(N::sqrt(&arg), Prec::Closed),
            Func::Abs => Frag::new(N::abs(&arg), Prec::Atom),
            _ => Frag::new(N::apply(&N::func(f), &arg), Prec::Closed),
        }
    }

    /// One `cases` block for a whole `if … else if … else` chain.
    fn cases(&self, e: &Expr) -> Frag<N> {
        let mut rows = Vec::new();
        let mut rest = e;
        while let Expr::If(c, a, b) = rest {
            rows.push((self.print(a).signed(), self.condition(c)));
            rest = b;
        }
        rows.push((self.print(rest).signed(), N::otherwise()));
        Frag::new(N::cases(&rows), Prec::Cases)
    }

    fn condition(&self, c: &Cond) -> String {
        let lhs = self.print(&c.lhs).at_least(Prec::Sum).signed();
        let rhs = self.print(&c.rhs).at_least(Prec::Sum).signed();
        N::relation(&lhs, c.op, &rhs)
    }

    /// `\sum_{j} body` or `\max_{j} body`, over a fresh index per nesting level.
    fn reduce(&self, r: Reduction, a: &Expr) -> Frag<N> {
        let inner = Printer::<N> { depth: self.depth + 1, ..*self };
        let index = inner.index();
        let body = inner.print(a).at_least(Prec::Neg);
        let body = match r {
            // A sum of negatives is the negative of the sum; a max is not.
            Reduction::Sum => body,
            Reduction::Max => body.at_least(Prec::Product),
        };
        let frag = Frag::new(N::big(r, &index, &body.body), Prec::Product);
        Frag { neg: body.neg, tail: Tail::Open, ..frag }
    }

    /// The index of the input at the current depth: `i` outside reductions, then `j`,
    /// `k`, `l`.
    fn index(&self) -> String {
        match ["i", "j", "k", "l"].get(self.depth) {
            Some(letter) => N::letter(letter),
            None => N::sub(&N::letter("j"), &N::number(&self.depth.to_string())),
        }
    }

    fn variable(&self, name: &str) -> String {
        let printed = name_in::<N>(name);
        if name != self.input || (self.depth == 0 && !self.indexed) {
            return printed;
        }
        N::sub(&printed, &self.index())
    }
}

/// The magnitude of the factor `l` followed by the factor `right` (spelled, without its
/// sign): `l right`, or `l \cdot right` where juxtaposition would misread. The signs of
/// both are the caller's to put in front.
fn juxtapose<N: Notation>(l: Frag<N>, right: &str) -> String {
    let operator = l.tail == Tail::Operator;
    let left = match l.tail {
        Tail::Open => l.magnitude().parens().body,
        _ => l.body,
    };
    // A digit after a factor would merge with it or read as a coefficient on the wrong
    // side (`x 2`), and a fraction after a number reads as a mixed number.
    let dot =
        operator || N::starts_with_number(right) || (N::starts_with_fraction(right) && N::ends_with_number(&left));
    N::product(&left, dot, right)
}

/// A notation that can break a formula into lines: it has parentheses that may open on
/// one line and close on another (LaTeX's `\Bigl(`/`\Bigr)`, where `\left`/`\right`
/// must pair on one line).
pub(crate) trait Breakable: Notation {
    /// An opening parenthesis whose closing one may be on a later line.
    const OPEN: &'static str;
    /// The closing parenthesis of [`Breakable::OPEN`].
    const CLOSE: &'static str;
}

/// Prints `e` as lines to set one below the other, for a formula too wide for the page:
/// broken before each `+` and `-` of its outermost sum, reached through products, a
/// fraction's numerator (`\frac{1}{d}` in front) and negations, whose brackets become
/// [`Breakable::OPEN`]/[`Breakable::CLOSE`]. Signs move and dots appear as in the one-line
/// form, so joined with spaces the lines are the formula (but for those brackets). One
/// line, the one-line form, when there is no such sum.
pub(crate) fn print_lines<N: Breakable>(e: &Expr, input: &str) -> Vec<String> {
    let indexed = contains(e, |n| matches!(n, Expr::Reduce(..)));
    let p = Printer::<N> { input, depth: 0, indexed, notation: PhantomData };
    match p.lines(e) {
        Some(l) => l.signed(),
        None => vec![p.print(e).signed()],
    }
}

/// A formula broken into lines, as a [`Frag`] is one printed on one line.
struct Lines<N> {
    /// The lines, without the leading sign.
    lines: Vec<String>,
    /// Whether the formula is minus the lines.
    neg: bool,
    /// Whether the lines are a bare sum, to be bracketed before a factor or a sign joins.
    sum: bool,
    /// What a factor juxtaposed after the last line would do.
    tail: Tail,
    notation: PhantomData<fn() -> N>,
}

impl<N: Breakable> Lines<N> {
    /// The lines as a factor: a sum bracketed with [`Breakable::OPEN`] and
    /// [`Breakable::CLOSE`].
    fn factor(mut self) -> Self {
        if self.sum {
            let last = self.lines.len() - 1;
            self.lines[0] = format!("{}{}", N::OPEN, self.lines[0]);
            self.lines[last] = format!("{}{}", self.lines[last], N::CLOSE);
            self.sum = false;
            self.tail = Tail::Closed;
        }
        self
    }

    /// The lines with the sign in front of the first.
    fn signed(self) -> Vec<String> {
        let mut l = if self.neg { self.factor() } else { self };
        if l.neg {
            l.lines[0] = format!("{}{}", N::MINUS, l.lines[0]);
        }
        l.lines
    }
}

impl<N: Breakable> Printer<'_, N> {
    /// [`print_lines`], or None when `e` has no sum to break at. Products and fractions
    /// are joined and signed as [`Printer::product`] and [`Printer::fraction`] do.
    fn lines(&self, e: &Expr) -> Option<Lines<N>> {
        match e {
            Expr::Bin(BinOp::Add | BinOp::Sub, ..) => {
                Some(Lines { lines: self.terms(e), neg: false, sum: true, tail: Tail::Closed, notation: PhantomData })
            }
            Expr::Bin(BinOp::Div, n, d) => {
                let mut inner = self.lines(n)?.factor();
                let d = self.print(d);
                let reciprocal = Frag::<N>::new(N::fraction(&N::number("1"), &d.body), Prec::Closed);
                inner.lines[0] = juxtapose(reciprocal, &inner.lines[0]);
                Some(Lines { neg: inner.neg != d.neg, ..inner })
            }
            Expr::Bin(BinOp::Mul, a, b) => match self.lines(b) {
                Some(inner) => {
                    let mut inner = inner.factor();
                    let l = self.print(a).at_least(Prec::Neg);
                    let neg = inner.neg != l.neg;
                    inner.lines[0] = juxtapose(l, &inner.lines[0]);
                    Some(Lines { neg, ..inner })
                }
                None => {
                    let mut inner = self.lines(a)?.factor();
                    if inner.tail == Tail::Open {
                        // A factor after a big operator needs the operator parenthesised,
                        // which cannot span lines: this product stays on one line.
                        return None;
                    }
                    let r = self.print(b).at_least(Prec::Neg);
                    let last = inner.lines.len() - 1;
                    let left = Frag::<N> { tail: inner.tail, ..Frag::new(inner.lines[last].clone(), Prec::Product) };
                    inner.lines[last] = juxtapose(left, &r.body);
                    Some(Lines { neg: inner.neg != r.neg, tail: r.tail, ..inner })
                }
            },
            Expr::Neg(a) => {
                let inner = self.lines(a)?;
                Some(Lines { neg: !inner.neg, ..inner })
            }
            _ => None,
        }
    }

    /// The terms of the sum `e`, the first with its own sign, the others after their `+`
    /// or `-` (as [`Printer::sum`] writes them).
    fn terms(&self, e: &Expr) -> Vec<String> {
        match e {
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let mut out = self.terms(a);
                let (minus, body, _) = self.term(b, *op == BinOp::Sub);
                out.push(N::sum("", minus, &body).trim_start().to_string());
                out
            }
            _ => vec![self.print(e).at_least(Prec::Sum).signed()],
        }
    }
}

impl<N> Clone for Printer<'_, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N> Copy for Printer<'_, N> {}

/// Greek letters that have a lowercase or uppercase command of their own name, with the
/// letter itself.
pub(crate) const GREEK: &[(&str, char)] = &[
    ("alpha", 'α'),
    ("beta", 'β'),
    ("gamma", 'γ'),
    ("delta", 'δ'),
    ("epsilon", 'ϵ'),
    ("zeta", 'ζ'),
    ("eta", 'η'),
    ("theta", 'θ'),
    ("iota", 'ι'),
    ("kappa", 'κ'),
    ("lambda", 'λ'),
    ("mu", 'μ'),
    ("nu", 'ν'),
    ("xi", 'ξ'),
    ("pi", 'π'),
    ("rho", 'ρ'),
    ("sigma", 'σ'),
    ("tau", 'τ'),
    ("upsilon", 'υ'),
    ("phi", 'ϕ'),
    ("chi", 'χ'),
    ("psi", 'ψ'),
    ("omega", 'ω'),
    ("Gamma", 'Γ'),
    ("Delta", 'Δ'),
    ("Theta", 'Θ'),
    ("Lambda", 'Λ'),
    ("Xi", 'Ξ'),
    ("Pi", 'Π'),
    ("Sigma", 'Σ'),
    ("Upsilon", 'Υ'),
    ("Phi", 'Φ'),
    ("Psi", 'Ψ'),
    ("Omega", 'Ω'),
];

/// The Greek letter called `name`, if it is one.
pub(crate) fn greek_letter(name: &str) -> Option<char> {
    GREEK.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// A name that prints as one symbol: a single ASCII letter or a Greek letter.
fn symbol<N: Notation>(name: &str) -> Option<String> {
    if name.len() == 1 && name.chars().all(|c| c.is_ascii_alphabetic()) {
        Some(N::letter(name))
    } else if greek_letter(name).is_some() {
        Some(N::greek(name))
    } else {
        None
    }
}

/// A variable name: `x`, `\alpha`, `a_{1}`, `x_{\mathrm{max}}`, `\mathit{neg\_slope}`.
fn name_in<N: Notation>(name: &str) -> String {
    if let Some(s) = symbol::<N>(name) {
        return s;
    }
    // `base_sub` reads as a subscripted symbol only when the base is one symbol; a
    // multi-letter base (`neg_slope`) is one word and keeps its underscore.
    if let Some((base, sub)) = name.split_once('_') {
        if let (Some(base), false) = (symbol::<N>(base), sub.is_empty()) {
            let sub = match symbol::<N>(sub) {
                Some(s) => s,
                None if sub.chars().all(|c| c.is_ascii_digit()) => N::number(sub),
                None => N::upright(sub),
            };
            return N::sub(&base, &sub);
        }
    }
    N::word_name(name)
}

/// A number: `2`, `0.5`, `10^{-300}`, `1.5 \cdot 10^{-7}`, with its sign kept apart.
fn number<N: Notation>(v: f64) -> Frag<N> {
    let (body, prec) = if v.is_nan() {
        (N::upright("NaN"), Prec::Atom)
    } else if v.is_infinite() {
        (N::infinity(), Prec::Atom)
    } else {
        let text = crate::ir::text::number(v.abs());
        match text.split_once('e') {
            Some(("1", exp)) => (N::sup(&N::number("10"), &N::number(exp)), Prec::Closed),
            Some((mantissa, exp)) => {
                let power = N::sup(&N::number("10"), &N::number(exp));
                (N::product(&N::number(mantissa), true, &power), Prec::Product)
            }
            None => (N::number(&text), Prec::Atom),
        }
    };
    Frag { neg: v < 0.0, ..Frag::new(body, prec) }
}

/// A named constant, bound as its LaTeX (the `latex` column of the constants table) reads.
fn constant<N: Notation>(k: Constant) -> Frag<N> {
    let latex = k.info().latex;
    let body = N::constant(k);
    if latex.contains(' ') {
        // `\ln 2`, `\log_2 e`: an operator applied to its argument.
        Frag { tail: Tail::Operator, ..Frag::new(body, Prec::Product) }
    } else if latex.starts_with(|c: char| c.is_ascii_digit()) {
        // `2\pi` is a product.
        Frag::new(body, Prec::Product)
    } else if latex.starts_with("\\frac") || latex.starts_with("\\sqrt") {
        Frag::new(body, Prec::Closed)
    } else {
        Frag::new(body, Prec::Atom)
    }
}

/// Whether some node of `e` satisfies `pred`.
pub(crate) fn contains(e: &Expr, pred: impl Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    e.visit(&mut |n| found |= pred(n));
    found
}

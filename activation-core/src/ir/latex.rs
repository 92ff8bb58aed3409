//! LaTeX for an expression (math mode, for documentation and reports).
//!
//! The printer follows [`crate::ir::text`]: every node becomes a fragment that knows how
//! tightly it binds, and a parent parenthesises (with `\left( \right)`) only where
//! precedence requires. Unlike the canonical text, LaTeX is only read by people, so it
//! normalises signs that change nothing but the tree's shape (`a + -b` is `a - b`,
//! `x \cdot (-2)` is `-x \cdot 2`), flattens sums and products, and writes piecewise
//! formulas as one `cases` block. The output needs `amsmath` (`cases`, `\text`,
//! `\operatorname`).

use crate::ir::expr::{BinOp, CmpOp, Cond, Expr, Func, Reduction};

/// LaTeX (math mode, no surrounding `$`) for an expression whose input is called `x`.
pub fn to_latex(e: &Expr) -> String {
    to_latex_with_input(e, "x")
}

/// LaTeX for an expression whose input variable is `input`.
///
/// The input only matters for vector formulas: when `e` contains a reduction, the input
/// prints as `x_{i}` outside reductions and as `x_{j}` (`x_{k}`, … when nested) inside.
pub fn to_latex_with_input(e: &Expr, input: &str) -> String {
    let indexed = contains(e, |n| matches!(n, Expr::Reduce(..)));
    Printer { input, depth: 0, indexed }.print(e).signed()
}

/// LaTeX for `e` as lines to typeset one below the other, for a formula too wide for the
/// page: broken before each `+` and `-` of its outermost sum. A sum inside a product or a
/// fraction's numerator is reached through them and bracketed with `\Bigl(`/`\Bigr)`
/// (which, unlike `\left`/`\right`, may open on one line and close on another):
/// `a (b + c)` gives `a \Bigl(b` and `+ c\Bigr)`, `(b + c) / d` gives
/// `\frac{1}{d} \Bigl(b` and `+ c\Bigr)`. One line when there is no such sum. Joined with
/// spaces, the lines are the formula.
pub fn to_latex_lines(e: &Expr, input: &str) -> Vec<String> {
    let indexed = contains(e, |n| matches!(n, Expr::Reduce(..)));
    let p = Printer { input, depth: 0, indexed };
    p.lines(e).unwrap_or_else(|| vec![p.print(e).signed()])
}

impl Printer<'_> {
    /// [`to_latex_lines`], or None when `e` has no sum to break at.
    fn lines(&self, e: &Expr) -> Option<Vec<String>> {
        match e {
            Expr::Bin(BinOp::Add | BinOp::Sub, ..) => Some(self.terms(e)),
            Expr::Bin(BinOp::Div, n, d) => {
                let inner = self.lines(n)?;
                Some(wrap(format!("\\frac{{1}}{{{}}}", self.print(d).signed()), inner, String::new()))
            }
            Expr::Bin(BinOp::Mul, a, b) => {
                if let Some(inner) = self.lines(b) {
                    let l = self.print(a).at_least(Prec::Neg);
                    let sep = if l.tail == Tail::Operator { " \\cdot" } else { "" };
                    Some(wrap(format!("{}{sep}", l.signed()), inner, String::new()))
                } else {
                    let inner = self.lines(a)?;
                    let r = self.print(b).at_least(Prec::Neg);
                    let sep = if r.neg { " \\cdot " } else { " " };
                    Some(wrap(String::new(), inner, format!("{sep}{}", r.signed())))
                }
            }
            Expr::Neg(a) => Some(wrap("-".into(), self.lines(a)?, String::new())),
            _ => None,
        }
    }

    /// The terms of the sum `e`, the first with its own sign, the others after their `+`
    /// or `-` (as [`Printer::sum`] writes them).
    fn terms(&self, e: &Expr) -> Vec<String> {
        match e {
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let mut out = self.terms(a);
                let minus = *op == BinOp::Sub;
                let right = self.print(b).at_least(if minus { Prec::Neg } else { Prec::Sum });
                let (flip, body) = match right.body.strip_prefix('-') {
                    Some(rest) if !right.neg => (true, rest.to_string()),
                    _ => (right.neg, right.body),
                };
                out.push(format!("{} {body}", if minus != flip { "-" } else { "+" }));
                out
            }
            _ => vec![self.print(e).at_least(Prec::Sum).signed()],
        }
    }
}

/// `prefix \Bigl(` before the first line, `\Bigr) suffix` after the last.
fn wrap(prefix: String, mut lines: Vec<String>, suffix: String) -> Vec<String> {
    let first = format!("{prefix} \\Bigl({}", lines[0]);
    lines[0] = first.trim_start().to_string();
    let last = lines.len() - 1;
    lines[last] = format!("{}\\Bigr){suffix}", lines[last]);
    lines
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
#[derive(Clone, Debug)]
struct Tex {
    /// The printed form without the leading sign.
    body: String,
    /// Whether the fragment is `-body`. Only set when `prec >= Product`, so that the
    /// sign applies to the whole body.
    neg: bool,
    /// How tightly `body` binds.
    prec: Prec,
    /// What a factor juxtaposed after `body` would do.
    tail: Tail,
}

impl Tex {
    fn new(body: String, prec: Prec) -> Tex {
        Tex { body, neg: false, prec, tail: Tail::Closed }
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
            format!("-{}", self.body)
        } else {
            self.body
        }
    }

    /// The signed fragment in parentheses.
    fn parens(self) -> Tex {
        Tex::new(format!("\\left({}\\right)", self.signed()), Prec::Atom)
    }

    /// The fragment, parenthesised unless it binds at least as tightly as `min`.
    fn at_least(self, min: Prec) -> Tex {
        if self.outer() < min {
            self.parens()
        } else {
            self
        }
    }

    /// `-self`; a double negation cancels, since only the value is shown.
    fn negate(self) -> Tex {
        if self.neg {
            return Tex { neg: false, ..self };
        }
        let mut t = self.at_least(Prec::Product);
        t.neg = true;
        t
    }

    /// The fragment without its sign.
    fn magnitude(self) -> Tex {
        Tex { neg: false, ..self }
    }
}

/// Printing context: which variable is the input and how deep in reductions we are.
#[derive(Clone, Copy)]
struct Printer<'a> {
    input: &'a str,
    /// Number of enclosing reductions.
    depth: usize,
    /// Whether the whole expression has a reduction, so the input needs an index.
    indexed: bool,
}

impl Printer<'_> {
    fn print(&self, e: &Expr) -> Tex {
        match e {
            Expr::Num(n) => number(n.0),
            Expr::Const(k) => constant(k.info().latex),
            Expr::Var(v) => Tex::new(self.variable(v), Prec::Atom),
            Expr::Neg(a) => self.print(a).negate(),
            Expr::Bin(op, a, b) => self.binary(*op, a, b),
            Expr::Powi(a, n) => self.powi(a, *n),
            Expr::Call(f, a) => self.call(*f, a),
            Expr::If(..) => self.cases(e),
            Expr::Reduce(r, a) => self.reduce(*r, a),
        }
    }

    fn binary(&self, op: BinOp, a: &Expr, b: &Expr) -> Tex {
        match op {
            BinOp::Add => self.sum(a, b, false),
            BinOp::Sub => self.sum(a, b, true),
            BinOp::Mul => self.product(a, b),
            BinOp::Div => self.fraction(a, b),
            BinOp::Pow => self.power(a, self.print(b).signed()),
            BinOp::Max => self.pair("\\max", a, b),
            BinOp::Min => self.pair("\\min", a, b),
        }
    }

    /// `a + b` or `a - b`, moving a leading minus of `b` into the operator.
    fn sum(&self, a: &Expr, b: &Expr, minus: bool) -> Tex {
        let left = self.print(a).at_least(Prec::Sum).signed();
        // `a + (b + c)` needs no parentheses, `a - (b + c)` does.
        let right = self.print(b).at_least(if minus { Prec::Neg } else { Prec::Sum });
        let tail = right.tail;
        let (flip, body) = match right.body.strip_prefix('-') {
            // A flat sum's first term carries its own sign: `a + (-b + c)` is `a - b + c`.
            Some(rest) if !right.neg => (true, rest.to_string()),
            _ => (right.neg, right.body),
        };
        let op = if minus != flip { "-" } else { "+" };
        Tex { tail, ..Tex::new(format!("{left} {op} {body}"), Prec::Sum) }
    }

    /// `a b`, or `a \cdot b` where juxtaposition would misread; signs move to the front.
    fn product(&self, a: &Expr, b: &Expr) -> Tex {
        let l = self.print(a).at_least(Prec::Neg);
        let r = self.print(b).at_least(Prec::Neg);
        let neg = l.neg != r.neg;
        let operator = l.tail == Tail::Operator;
        let left = match l.tail {
            Tail::Open => l.magnitude().parens().body,
            _ => l.body,
        };
        // A digit after a factor would merge with it or read as a coefficient on the
        // wrong side (`x 2`), and a fraction after a number reads as a mixed number.
        let dot = operator
            || r.body.starts_with(|c: char| c.is_ascii_digit())
            || (r.body.starts_with("\\frac") && left.ends_with(|c: char| c.is_ascii_digit()));
        let sep = if dot { " \\cdot " } else { " " };
        Tex { neg, tail: r.tail, ..Tex::new(format!("{left}{sep}{}", r.body), Prec::Product) }
    }

    /// `\frac{a}{b}`, with the signs of both sides in front.
    fn fraction(&self, a: &Expr, b: &Expr) -> Tex {
        let (n, d) = (self.print(a), self.print(b));
        let neg = n.neg != d.neg;
        Tex { neg, ..Tex::new(format!("\\frac{{{}}}{{{}}}", n.body, d.body), Prec::Closed) }
    }

    /// `a^{exponent}`.
    fn power(&self, a: &Expr, exponent: String) -> Tex {
        let base = self.print(a).at_least(Prec::Atom).body;
        Tex::new(format!("{base}^{{{exponent}}}"), Prec::Closed)
    }

    /// `a^{n}`, written `\tanh^{2}\left(u\right)` for named functions as is customary.
    /// Not for negative powers: `\tanh^{-1}` means the inverse function.
    fn powi(&self, a: &Expr, n: i32) -> Tex {
        match a {
            Expr::Call(f, u) if n > 0 && !matches!(f, Func::Exp | Func::Sqrt | Func::Abs) => {
                let arg = self.print(u).signed();
                Tex::new(format!("{}^{{{n}}}\\left({arg}\\right)", f.info().latex), Prec::Closed)
            }
            _ => self.power(a, n.to_string()),
        }
    }

    /// `\max\left(a, b\right)`.
    fn pair(&self, name: &str, a: &Expr, b: &Expr) -> Tex {
        let (a, b) = (self.print(a).signed(), self.print(b).signed());
        Tex::new(format!("{name}\\left({a}, {b}\\right)"), Prec::Closed)
    }

    fn call(&self, f: Func, a: &Expr) -> Tex {
        let arg = self.print(a).signed();
        match f {
            // A `cases` block in a superscript is unreadable, so that case keeps `\exp`.
            Func::Exp if !contains(a, |n| matches!(n, Expr::If(..))) => Tex::new(format!("e^{{{arg}}}"), Prec::Closed),
            Func::Sqrt => Tex::new(format!("\\sqrt{{{arg}}}"), Prec::Closed),
            Func::Abs => Tex::new(format!("\\left|{arg}\\right|"), Prec::Atom),
            _ => Tex::new(format!("{}\\left({arg}\\right)", f.info().latex), Prec::Closed),
        }
    }

    /// One `cases` block for a whole `if … else if … else` chain.
    fn cases(&self, e: &Expr) -> Tex {
        let mut rows = Vec::new();
        let mut rest = e;
        while let Expr::If(c, a, b) = rest {
            rows.push(format!("{} & {}", self.print(a).signed(), self.condition(c)));
            rest = b;
        }
        rows.push(format!("{} & \\text{{otherwise}}", self.print(rest).signed()));
        let body = format!("\\begin{{cases}} {} \\end{{cases}}", rows.join(" \\\\ "));
        Tex::new(body, Prec::Cases)
    }

    fn condition(&self, c: &Cond) -> String {
        let op = match c.op {
            CmpOp::Lt => "<",
            CmpOp::Le => "\\le",
            CmpOp::Gt => ">",
            CmpOp::Ge => "\\ge",
        };
        let lhs = self.print(&c.lhs).at_least(Prec::Sum).signed();
        let rhs = self.print(&c.rhs).at_least(Prec::Sum).signed();
        format!("{lhs} {op} {rhs}")
    }

    /// `\sum_{j} body` or `\max_{j} body`, over a fresh index per nesting level.
    fn reduce(&self, r: Reduction, a: &Expr) -> Tex {
        let inner = Printer { depth: self.depth + 1, ..*self };
        let index = inner.index();
        let body = inner.print(a).at_least(Prec::Neg);
        let (name, body) = match r {
            // A sum of negatives is the negative of the sum; a max is not.
            Reduction::Sum => ("\\sum", body),
            Reduction::Max => ("\\max", body.at_least(Prec::Product)),
        };
        let tex = Tex::new(format!("{name}_{{{index}}} {}", body.body), Prec::Product);
        Tex { neg: body.neg, tail: Tail::Open, ..tex }
    }

    /// The index of the input at the current depth: `i` outside reductions, then `j`,
    /// `k`, `l`.
    fn index(&self) -> String {
        match ["i", "j", "k", "l"].get(self.depth) {
            Some(letter) => letter.to_string(),
            None => format!("j_{{{}}}", self.depth),
        }
    }

    fn variable(&self, name: &str) -> String {
        let tex = name_tex(name);
        if name != self.input || (self.depth == 0 && !self.indexed) {
            return tex;
        }
        // A name that already has a subscript is braced to avoid a double subscript.
        if tex.contains("_{") {
            format!("{{{tex}}}_{{{}}}", self.index())
        } else {
            format!("{tex}_{{{}}}", self.index())
        }
    }
}

/// Greek letters that have a lowercase or uppercase command of their own name.
const GREEK: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi",
    "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
];

/// A name that prints as one symbol: a single ASCII letter or a Greek letter.
fn symbol(name: &str) -> Option<String> {
    if name.len() == 1 && name.chars().all(|c| c.is_ascii_alphabetic()) {
        Some(name.to_string())
    } else if GREEK.contains(&name) {
        Some(format!("\\{name}"))
    } else {
        None
    }
}

/// A variable name: `x`, `\alpha`, `a_{1}`, `x_{\mathrm{max}}`, `\mathit{neg\_slope}`.
fn name_tex(name: &str) -> String {
    if let Some(s) = symbol(name) {
        return s;
    }
    // `base_sub` reads as a subscripted symbol only when the base is one symbol; a
    // multi-letter base (`neg_slope`) is one word and keeps its underscore.
    if let Some((base, sub)) = name.split_once('_') {
        if let (Some(base), false) = (symbol(base), sub.is_empty()) {
            let sub = match symbol(sub) {
                Some(s) => s,
                None if sub.chars().all(|c| c.is_ascii_digit()) => sub.to_string(),
                None => format!("\\mathrm{{{}}}", sub.replace('_', "\\_")),
            };
            return format!("{base}_{{{sub}}}");
        }
    }
    format!("\\mathit{{{}}}", name.replace('_', "\\_"))
}

/// A number: `2`, `0.5`, `10^{-300}`, `1.5 \cdot 10^{-7}`, with its sign kept apart.
fn number(v: f64) -> Tex {
    let (body, prec) = if v.is_nan() {
        ("\\mathrm{NaN}".to_string(), Prec::Atom)
    } else if v.is_infinite() {
        ("\\infty".to_string(), Prec::Atom)
    } else {
        let text = crate::ir::text::number(v.abs());
        match text.split_once('e') {
            Some(("1", exp)) => (format!("10^{{{exp}}}"), Prec::Closed),
            Some((mantissa, exp)) => (format!("{mantissa} \\cdot 10^{{{exp}}}"), Prec::Product),
            None => (text, Prec::Atom),
        }
    };
    Tex { neg: v < 0.0, ..Tex::new(body, prec) }
}

/// A named constant from the `latex` column of the constants table.
fn constant(latex: &str) -> Tex {
    if latex.contains(' ') {
        // `\ln 2`, `\log_2 e`: an operator applied to its argument.
        Tex { tail: Tail::Operator, ..Tex::new(latex.to_string(), Prec::Product) }
    } else if latex.starts_with(|c: char| c.is_ascii_digit()) {
        // `2\pi` is a product.
        Tex::new(latex.to_string(), Prec::Product)
    } else if latex.starts_with("\\frac") || latex.starts_with("\\sqrt") {
        Tex::new(latex.to_string(), Prec::Closed)
    } else {
        Tex::new(latex.to_string(), Prec::Atom)
    }
}

/// Whether some node of `e` satisfies `pred`.
fn contains(e: &Expr, pred: impl Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    e.visit(&mut |n| found |= pred(n));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_formula, parse_pattern};

    /// LaTeX of a formula over `x` and the usual parameter names.
    fn tex(src: &str) -> String {
        let e = parse_formula(src, &["x", "alpha", "beta", "lambda"]).unwrap();
        to_latex(&e)
    }

    fn lines(src: &str) -> Vec<String> {
        to_latex_lines(&parse_formula(src, &["x", "alpha"]).unwrap(), "x")
    }

    #[test]
    fn long_formulas_break_at_their_outermost_sum() {
        // A sum: one term per line, signs moved as in the one-line form, which the lines
        // join back into.
        let src = "x * (1.0 + x.exp()) - x.sin() + -(alpha * x)";
        assert_eq!(lines(src), ["x \\left(1 + e^{x}\\right)", "- \\sin\\left(x\\right)", "- \\alpha x"]);
        assert_eq!(lines(src).join(" "), tex(src));
        // Through a fraction and a product, with delimiters that may span lines.
        assert_eq!(lines("(x.exp() + x) / (1.0 + x)"), ["\\frac{1}{1 + x} \\Bigl(e^{x}", "+ x\\Bigr)"]);
        assert_eq!(lines("alpha * (x - x.cos())"), ["\\alpha \\Bigl(x", "- \\cos\\left(x\\right)\\Bigr)"]);
        // Nothing to break at: the one-line form.
        assert_eq!(lines("x.exp().tanh()"), [tex("x.exp().tanh()")]);
    }

    /// LaTeX of a pattern, where `sum` and one-argument `max` are reductions.
    fn vector(src: &str) -> String {
        to_latex(&parse_pattern(src).unwrap())
    }

    #[test]
    fn common_activations() {
        assert_eq!(tex("sigmoid(x)"), "\\sigma\\left(x\\right)");
        assert_eq!(tex("x * sigmoid(beta * x)"), "x \\sigma\\left(\\beta x\\right)");
        assert_eq!(
            tex("0.5 * x * (1.0 + (0.7978845608 * (x + 0.044715 * x.powi(3))).tanh())"),
            "0.5 x \\left(1 + \\tanh\\left(0.7978845608 \\left(x + 0.044715 x^{3}\\right)\\right)\\right)"
        );
        assert_eq!(tex("x / (1.0 + x.abs())"), "\\frac{x}{1 + \\left|x\\right|}");
        assert_eq!(tex("x / (1.0 + alpha * x.powi(2)).sqrt()"), "\\frac{x}{\\sqrt{1 + \\alpha x^{2}}}");
        assert_eq!(tex("softplus(x).tanh() * x"), "\\tanh\\left(\\operatorname{softplus}\\left(x\\right)\\right) x");
    }

    #[test]
    fn erf_uses_operatorname() {
        let gelu = tex("0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))");
        assert_eq!(gelu, "0.5 x \\left(1 + \\operatorname{erf}\\left(x \\frac{1}{\\sqrt{2}}\\right)\\right)");
        assert_eq!(tex("erfc(x)"), "\\operatorname{erfc}\\left(x\\right)");
        assert!(!gelu.contains("\\erf"));
    }

    #[test]
    fn exponentials() {
        assert_eq!(tex("exp(-x.powi(2))"), "e^{-x^{2}}");
        assert_eq!(tex("x * (-x).exp()"), "x e^{-x}");
        assert_eq!(tex("x.exp().powi(2)"), "\\left(e^{x}\\right)^{2}");
        assert_eq!(
            tex("exp(if x > 0.0 { x } else { 0.0 })"),
            "\\exp\\left(\\begin{cases} x & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}\\right)"
        );
    }

    #[test]
    fn piecewise() {
        assert_eq!(
            tex("if x < -1.0 { -1.0 } else if x > 1.0 { 1.0 } else { x }"),
            "\\begin{cases} -1 & x < -1 \\\\ 1 & x > 1 \\\\ x & \\text{otherwise} \\end{cases}"
        );
        assert_eq!(
            tex("if x >= 0.0 { x } else { alpha * (x.exp() - 1.0) }"),
            "\\begin{cases} x & x \\ge 0 \\\\ \\alpha \\left(e^{x} - 1\\right) & \\text{otherwise} \\end{cases}"
        );
        assert_eq!(
            tex("x * (if x <= alpha { 1.0 } else { 2.0 }) + 1.0"),
            "x \\left(\\begin{cases} 1 & x \\le \\alpha \\\\ 2 & \\text{otherwise} \\end{cases}\\right) + 1"
        );
    }

    #[test]
    fn powers() {
        assert_eq!(tex("(x + 1.0).powi(2)"), "\\left(x + 1\\right)^{2}");
        assert_eq!(tex("1.0 - x.tanh().powi(2)"), "1 - \\tanh^{2}\\left(x\\right)");
        assert_eq!(tex("sigmoid(x).powi(2)"), "\\sigma^{2}\\left(x\\right)");
        assert_eq!(tex("sigmoid(x).powi(-1)"), "\\left(\\sigma\\left(x\\right)\\right)^{-1}");
        assert_eq!(tex("x.powi(-2)"), "x^{-2}");
        assert_eq!(tex("(-x).powi(2)"), "\\left(-x\\right)^{2}");
        assert_eq!(tex("x.powi(2).powi(3)"), "\\left(x^{2}\\right)^{3}");
        assert_eq!(tex("x.powf(-alpha)"), "x^{-\\alpha}");
        assert_eq!(tex("x.sqrt().powi(3)"), "\\left(\\sqrt{x}\\right)^{3}");
        assert_eq!(tex("x.abs().powi(3)"), "\\left|x\\right|^{3}");
    }

    #[test]
    fn signs() {
        assert_eq!(tex("x + -alpha"), "x - \\alpha");
        assert_eq!(tex("x - -2.0"), "x + 2");
        assert_eq!(tex("x * -2.0"), "-x \\cdot 2");
        assert_eq!(tex("-2.0 * x"), "-2 x");
        assert_eq!(tex("-x * -alpha"), "x \\alpha");
        assert_eq!(tex("-(x + 1.0)"), "-\\left(x + 1\\right)");
        assert_eq!(tex("-(-x)"), "x");
        assert_eq!(tex("x - (alpha - x)"), "x - \\left(\\alpha - x\\right)");
        assert_eq!(tex("x + (-alpha + x)"), "x - \\alpha + x");
        assert_eq!(tex("x - alpha * -x"), "x + \\alpha x");
        assert_eq!(tex("-x / 2.0"), "-\\frac{x}{2}");
        assert_eq!(tex("x / -alpha"), "-\\frac{x}{\\alpha}");
        assert_eq!(tex("-x + 1.0"), "-x + 1");
    }

    #[test]
    fn products() {
        assert_eq!(tex("2.0 * x"), "2 x");
        assert_eq!(tex("x * 2.0"), "x \\cdot 2");
        assert_eq!(tex("2.0 * 3.0 * x"), "2 \\cdot 3 x");
        assert_eq!(tex("alpha * x * (x + 1.0)"), "\\alpha x \\left(x + 1\\right)");
        assert_eq!(tex("2.0 * (x / 3.0)"), "2 \\cdot \\frac{x}{3}");
        assert_eq!(tex("x * (alpha * beta)"), "x \\alpha \\beta");
        assert_eq!(tex("x.max(alpha * x)"), "\\max\\left(x, \\alpha x\\right)");
        assert_eq!(tex("x.min(0.0)"), "\\min\\left(x, 0\\right)");
    }

    #[test]
    fn numbers_and_constants() {
        assert_eq!(tex("1e-300 * x"), "10^{-300} x");
        assert_eq!(tex("x * 1.5e-7"), "x \\cdot 1.5 \\cdot 10^{-7}");
        assert_eq!(tex("x - 1e-300"), "x - 10^{-300}");
        assert_eq!(tex("x + 0.25"), "x + 0.25");
        assert_eq!(tex("PI * x"), "\\pi x");
        assert_eq!(tex("LN_2 * x"), "\\ln 2 \\cdot x");
        assert_eq!(tex("x * TAU"), "x \\cdot 2\\pi");
        assert_eq!(tex("SQRT_2.powi(2)"), "\\left(\\sqrt{2}\\right)^{2}");
        assert_eq!(tex("x * FRAC_2_SQRT_PI"), "x \\frac{2}{\\sqrt{\\pi}}");
    }

    #[test]
    fn variable_names() {
        let name = |n: &str| to_latex(&Expr::var(n));
        assert_eq!(name("x"), "x");
        assert_eq!(name("alpha"), "\\alpha");
        assert_eq!(name("lambda"), "\\lambda");
        assert_eq!(name("Omega"), "\\Omega");
        assert_eq!(name("temp"), "\\mathit{temp}");
        assert_eq!(name("a_1"), "a_{1}");
        assert_eq!(name("alpha_0"), "\\alpha_{0}");
        assert_eq!(name("x_max"), "x_{\\mathrm{max}}");
        assert_eq!(name("neg_slope"), "\\mathit{neg\\_slope}");
        assert_eq!(tex("lambda * x"), "\\lambda x");
    }

    #[test]
    fn reductions() {
        assert_eq!(
            vector("exp(x - max(x)) / sum(exp(x - max(x)))"),
            "\\frac{e^{x_{i} - \\max_{j} x_{j}}}{\\sum_{j} e^{x_{j} - \\max_{k} x_{k}}}"
        );
        assert_eq!(vector("sum(x) * x"), "\\left(\\sum_{j} x_{j}\\right) x_{i}");
        assert_eq!(vector("x * sum(t * x)"), "x_{i} \\sum_{j} t x_{j}");
        assert_eq!(vector("sum(x + 1)"), "\\sum_{j} \\left(x_{j} + 1\\right)");
        assert_eq!(vector("sum(-x)"), "-\\sum_{j} x_{j}");
        assert_eq!(vector("max(-x)"), "\\max_{j} \\left(-x_{j}\\right)");
        assert_eq!(vector("ln(sum(exp(x)))"), "\\ln\\left(\\sum_{j} e^{x_{j}}\\right)");
        assert_eq!(
            to_latex_with_input(&parse_pattern("sum(z) * z").unwrap(), "z"),
            "\\left(\\sum_{j} z_{j}\\right) z_{i}"
        );
    }

    /// Compiles a document with several outputs, when a TeX installation is at hand.
    #[test]
    fn compiles_with_pdflatex() {
        use std::process::Command;
        if Command::new("pdflatex").arg("-version").output().is_err() {
            eprintln!("pdflatex not found: skipping the LaTeX compilation check");
            return;
        }
        let formulas = [
            tex("x * sigmoid(beta * x)"),
            tex("0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))"),
            tex("if x < -1.0 { -1.0 } else if x > 1.0 { 1.0 } else { x }"),
            tex("x / (1.0 + alpha * x.powi(2)).sqrt() + x.abs() * LN_2 * x"),
            tex("1.0 - x.tanh().powi(2) + exp(-x.powi(2)) * 1.5e-7 * x.max(alpha)"),
            tex("exp(if x > 0.0 { x } else { 0.0 }) + (x + 1.0).powi(-2)"),
            vector("exp(x - max(x)) / sum(exp(x - max(x)))"),
            to_latex(&Expr::bin(BinOp::Mul, Expr::var("neg_slope"), Expr::var("x_max"))),
        ];
        let body: String = formulas.iter().map(|f| format!("\\[ {f} \\]\n")).collect();
        let doc = format!(
            "\\documentclass{{article}}\n\\usepackage{{amsmath}}\n\\begin{{document}}\n{body}\\end{{document}}\n"
        );
        let dir = std::env::temp_dir().join(format!("activation-latex-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("formulas.tex"), doc).unwrap();
        let out = Command::new("pdflatex")
            .args(["-halt-on-error", "-interaction=nonstopmode", "formulas.tex"])
            .current_dir(&dir)
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stdout).into_owned();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success(), "pdflatex failed:\n{log}");
    }
}

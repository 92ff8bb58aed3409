//! LaTeX for an expression (math mode, for documentation and reports).
//!
//! The shape of the formula is decided by the printer shared with MathML
//! ([`crate::ir::print`]): every node becomes a fragment that knows how tightly it binds,
//! and a parent parenthesises (with `\left( \right)`) only where precedence requires.
//! Unlike the canonical text ([`crate::ir::text`]), LaTeX is only read by people, so it
//! normalises signs that change nothing but the tree's shape (`a + -b` is `a - b`,
//! `x \cdot (-2)` is `-x \cdot 2`), flattens sums and products, and writes piecewise
//! formulas as one `cases` block. This module spells it: the output needs `amsmath`
//! (`cases`, `\text`, `\operatorname`).

use crate::ir::expr::{CmpOp, Constant, Expr, Func, Reduction};
use crate::ir::print::{print, print_lines, Breakable, Notation};

/// LaTeX (math mode, no surrounding `$`) for an expression whose input is called `x`.
pub fn to_latex(e: &Expr) -> String {
    to_latex_with_input(e, "x")
}

/// LaTeX for an expression whose input variable is `input`.
///
/// The input only matters for vector formulas: when `e` contains a reduction, the input
/// prints as `x_{i}` outside reductions and as `x_{j}` (`x_{k}`, … when nested) inside.
pub fn to_latex_with_input(e: &Expr, input: &str) -> String {
    print::<Latex>(e, input)
}

/// LaTeX for `e` as lines to typeset one below the other, for a formula too wide for the
/// page: broken before each `+` and `-` of its outermost sum. A sum inside a product or a
/// fraction's numerator is reached through them and bracketed with `\Bigl(`/`\Bigr)`
/// (which, unlike `\left`/`\right`, may open on one line and close on another):
/// `a (b + c)` gives `a \Bigl(b` and `+ c\Bigr)`, `(b + c) / d` gives
/// `\frac{1}{d} \Bigl(b` and `+ c\Bigr)`. One line when there is no such sum. Where to
/// break is decided by the shared printer (`ir::print::print_lines`); joined with
/// spaces, the lines are the formula.
pub fn to_latex_lines(e: &Expr, input: &str) -> Vec<String> {
    print_lines::<Latex>(e, input)
}

/// The LaTeX spelling.
struct Latex;

impl Breakable for Latex {
    const OPEN: &'static str = "\\Bigl(";
    const CLOSE: &'static str = "\\Bigr)";
}

impl Notation for Latex {
    const MINUS: &'static str = "-";

    fn parens(s: &str) -> String {
        format!("\\left({s}\\right)")
    }

    fn abs(s: &str) -> String {
        format!("\\left|{s}\\right|")
    }

    fn sum(left: &str, minus: bool, right: &str) -> String {
        format!("{left} {} {right}", if minus { "-" } else { "+" })
    }

    fn product(left: &str, dot: bool, right: &str) -> String {
        format!("{left}{}{right}", if dot { " \\cdot " } else { " " })
    }

    fn fraction(n: &str, d: &str) -> String {
        format!("\\frac{{{n}}}{{{d}}}")
    }

    fn sup(base: &str, exponent: &str) -> String {
        format!("{base}^{{{exponent}}}")
    }

    fn sub(base: &str, index: &str) -> String {
        // A base that already has a subscript is braced to avoid a double subscript.
        if base.contains("_{") {
            format!("{{{base}}}_{{{index}}}")
        } else {
            format!("{base}_{{{index}}}")
        }
    }

    fn sqrt(s: &str) -> String {
        format!("\\sqrt{{{s}}}")
    }

    fn apply(f: &str, arg: &str) -> String {
        format!("{f}{}", Self::parens(arg))
    }

    fn pair(a: &str, b: &str) -> String {
        format!("{a}, {b}")
    }

    fn func(f: Func) -> String {
        f.info().latex.to_string()
    }

    fn word(w: &str) -> String {
        format!("\\{w}")
    }

    fn cases(rows: &[(String, String)]) -> String {
        let rows: Vec<String> = rows.iter().map(|(v, c)| format!("{v} & {c}")).collect();
        format!("\\begin{{cases}} {} \\end{{cases}}", rows.join(" \\\\ "))
    }

    fn otherwise() -> String {
        "\\text{otherwise}".into()
    }

    fn relation(lhs: &str, op: CmpOp, rhs: &str) -> String {
        let op = match op {
            CmpOp::Lt => "<",
            CmpOp::Le => "\\le",
            CmpOp::Gt => ">",
            CmpOp::Ge => "\\ge",
        };
        format!("{lhs} {op} {rhs}")
    }

    fn big(r: Reduction, index: &str, body: &str) -> String {
        let name = match r {
            Reduction::Sum => "\\sum",
            Reduction::Max => "\\max",
        };
        format!("{name}_{{{index}}} {body}")
    }

    fn letter(name: &str) -> String {
        name.to_string()
    }

    fn greek(name: &str) -> String {
        format!("\\{name}")
    }

    fn upright(w: &str) -> String {
        format!("\\mathrm{{{}}}", w.replace('_', "\\_"))
    }

    fn word_name(w: &str) -> String {
        format!("\\mathit{{{}}}", w.replace('_', "\\_"))
    }

    fn number(text: &str) -> String {
        text.to_string()
    }

    fn infinity() -> String {
        "\\infty".into()
    }

    fn constant(k: Constant) -> String {
        k.info().latex.to_string()
    }

    fn starts_with_number(s: &str) -> bool {
        s.starts_with(|c: char| c.is_ascii_digit())
    }

    fn ends_with_number(s: &str) -> bool {
        s.ends_with(|c: char| c.is_ascii_digit())
    }

    fn starts_with_fraction(s: &str) -> bool {
        s.starts_with("\\frac")
    }

    fn strip_minus(s: &str) -> Option<&str> {
        s.strip_prefix('-')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::expr::BinOp;
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
        // Signs move to the front and dots appear as in the one-line form (the shared
        // printer decides both).
        assert_eq!(lines("(x + alpha) * -2.0"), ["-\\Bigl(x", "+ \\alpha\\Bigr) \\cdot 2"]);
        assert_eq!(tex("(x + alpha) * -2.0"), "-\\left(x + \\alpha\\right) \\cdot 2");
        assert_eq!(lines("LN_2 * -(x - 1.0)"), ["-\\ln 2 \\cdot \\Bigl(x", "- 1\\Bigr)"]);
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

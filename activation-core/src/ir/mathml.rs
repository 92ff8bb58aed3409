//! MathML for an expression: presentation markup (MathML Core: what browsers render
//! natively, with no script), for the HTML report.
//!
//! The formula's shape — parentheses, signs, where a product needs a dot, piecewise
//! blocks, indices — is decided by the printer shared with LaTeX
//! ([`crate::ir::print`]), so both notations of a formula read the same; this module only
//! spells it in MathML elements. Function applications carry U+2061 (function
//! application) and juxtaposed factors U+2062 (invisible times), so that the markup says
//! what is meant as well as how it looks. Multi-letter names (`tanh`, `neg_slope`) are
//! `<mi>` elements, upright as MathML draws them.

use crate::ir::expr::{CmpOp, Constant, Expr, Func, Reduction};
use crate::ir::print::{greek_letter, print, Notation};

/// MathML (one `<mrow>`, to be placed inside `<math>`) for an expression whose input is
/// called `x`.
pub fn to_mathml(e: &Expr) -> String {
    to_mathml_with_input(e, "x")
}

/// MathML for an expression whose input variable is `input`; indices inside reductions
/// as in [`crate::to_latex_with_input`].
pub fn to_mathml_with_input(e: &Expr, input: &str) -> String {
    format!("<mrow>{}</mrow>", print::<MathMl>(e, input))
}

/// Function application, between a function's name and its argument.
const APPLY: &str = "<mo>\u{2061}</mo>";
/// Invisible times, between juxtaposed factors.
const TIMES: &str = "<mo>\u{2062}</mo>";

/// The MathML spelling.
struct MathMl;

/// The delimiters around `s`: stretching to its height, as `\left( \right)` do, only
/// when it is taller than a line (a fraction, a root, a big operator, a piecewise block);
/// around a line of text they keep their plain glyphs, which browsers space as text.
fn fences(s: &str, open: &str, close: &str) -> (String, String) {
    let tall = ["<mfrac>", "<msqrt>", "<munder>", "<mtable>"].iter().any(|t| s.contains(t));
    if tall {
        (format!("<mo>{open}</mo>"), format!("<mo>{close}</mo>"))
    } else {
        (format!("<mo stretchy=\"false\">{open}</mo>"), format!("<mo stretchy=\"false\">{close}</mo>"))
    }
}

impl Notation for MathMl {
    const MINUS: &'static str = "<mo>−</mo>";

    fn parens(s: &str) -> String {
        let (open, close) = fences(s, "(", ")");
        format!("<mrow>{open}{s}{close}</mrow>")
    }

    fn abs(s: &str) -> String {
        let (open, close) = fences(s, "|", "|");
        format!("<mrow>{open}{s}{close}</mrow>")
    }

    fn sum(left: &str, minus: bool, right: &str) -> String {
        format!("{left}<mo>{}</mo>{right}", if minus { "−" } else { "+" })
    }

    fn product(left: &str, dot: bool, right: &str) -> String {
        format!("{left}{}{right}", if dot { "<mo>⋅</mo>" } else { TIMES })
    }

    fn fraction(n: &str, d: &str) -> String {
        format!("<mfrac><mrow>{n}</mrow><mrow>{d}</mrow></mfrac>")
    }

    fn sup(base: &str, exponent: &str) -> String {
        format!("<msup><mrow>{base}</mrow><mrow>{exponent}</mrow></msup>")
    }

    fn sub(base: &str, index: &str) -> String {
        format!("<msub><mrow>{base}</mrow><mrow>{index}</mrow></msub>")
    }

    fn sqrt(s: &str) -> String {
        format!("<msqrt>{s}</msqrt>")
    }

    fn apply(f: &str, arg: &str) -> String {
        format!("{f}{APPLY}{}", Self::parens(arg))
    }

    fn pair(a: &str, b: &str) -> String {
        format!("{a}<mo>,</mo>{b}")
    }

    /// The function's name, read off its LaTeX: `\tanh` is tanh, `\sigma` is σ,
    /// `\operatorname{erf}` is erf.
    fn func(f: Func) -> String {
        let latex = f.info().latex;
        let name = match latex.strip_prefix("\\operatorname{").and_then(|n| n.strip_suffix('}')) {
            Some(word) => word.replace("\\_", "_"),
            None => latex.trim_start_matches('\\').to_string(),
        };
        match greek_letter(&name) {
            Some(letter) => format!("<mi>{letter}</mi>"),
            None => format!("<mi>{name}</mi>"),
        }
    }

    fn word(w: &str) -> String {
        format!("<mi>{w}</mi>")
    }

    fn cases(rows: &[(String, String)]) -> String {
        let rows: String = rows
            .iter()
            .map(|(v, c)| format!("<mtr><mtd columnalign=\"left\">{v}</mtd><mtd columnalign=\"left\">{c}</mtd></mtr>"))
            .collect();
        format!("<mrow><mo>{{</mo><mtable>{rows}</mtable></mrow>")
    }

    fn otherwise() -> String {
        "<mtext>otherwise</mtext>".into()
    }

    fn relation(lhs: &str, op: CmpOp, rhs: &str) -> String {
        let op = match op {
            CmpOp::Lt => "&lt;",
            CmpOp::Le => "≤",
            CmpOp::Gt => "&gt;",
            CmpOp::Ge => "≥",
        };
        format!("{lhs}<mo>{op}</mo>{rhs}")
    }

    fn big(r: Reduction, index: &str, body: &str) -> String {
        let op = match r {
            Reduction::Sum => "<mo>∑</mo>",
            Reduction::Max => "<mi>max</mi>",
        };
        format!("<munder>{op}<mrow>{index}</mrow></munder>{body}")
    }

    fn letter(name: &str) -> String {
        format!("<mi>{name}</mi>")
    }

    /// Lowercase Greek is italic like Latin letters; uppercase Greek is upright.
    fn greek(name: &str) -> String {
        let letter = greek_letter(name).expect("a Greek letter's name");
        if letter.is_uppercase() {
            format!("<mi mathvariant=\"normal\">{letter}</mi>")
        } else {
            format!("<mi>{letter}</mi>")
        }
    }

    fn upright(w: &str) -> String {
        format!("<mi mathvariant=\"normal\">{w}</mi>")
    }

    fn word_name(w: &str) -> String {
        format!("<mi>{w}</mi>")
    }

    fn number(text: &str) -> String {
        match text.strip_prefix('-') {
            Some(digits) => format!("{}<mn>{digits}</mn>", Self::MINUS),
            None => format!("<mn>{text}</mn>"),
        }
    }

    fn infinity() -> String {
        "<mi>∞</mi>".into()
    }

    fn constant(k: Constant) -> String {
        k.info().mathml.to_string()
    }

    /// The first symbol drawn: through the bases of powers and subscripts and through
    /// groups, as the LaTeX reads left to right.
    fn starts_with_number(s: &str) -> bool {
        let mut rest = s;
        while let Some(inner) = ["<mrow>", "<msup>", "<msub>"].iter().find_map(|t| rest.strip_prefix(t)) {
            rest = inner;
        }
        rest.starts_with("<mn>")
    }

    fn ends_with_number(s: &str) -> bool {
        s.ends_with("</mn>")
    }

    fn starts_with_fraction(s: &str) -> bool {
        s.starts_with("<mfrac>")
    }

    fn strip_minus(s: &str) -> Option<&str> {
        s.strip_prefix(Self::MINUS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::expr::CONSTANTS;
    use crate::parse::{parse_formula, parse_pattern};

    /// MathML of a formula over `x` and the usual parameter names, without the outer
    /// `<mrow>`.
    fn mml(src: &str) -> String {
        let e = parse_formula(src, &["x", "alpha", "beta", "lambda"]).unwrap();
        let m = to_mathml(&e);
        m.strip_prefix("<mrow>").and_then(|m| m.strip_suffix("</mrow>")).unwrap().to_string()
    }

    /// The `<` and `>` of every tag balance, and every opened element is closed in order.
    fn well_formed(m: &str) -> bool {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = m;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>') else { return false };
            let tag = &rest[open + 1..open + close];
            let name = tag.trim_start_matches('/').split(' ').next().unwrap_or("");
            if tag.starts_with('/') {
                if stack.pop() != Some(name) {
                    return false;
                }
            } else {
                stack.push(name);
            }
            rest = &rest[open + close + 1..];
        }
        stack.is_empty()
    }

    #[test]
    fn fractions() {
        assert_eq!(
            mml("x / (1.0 + x.abs())"),
            "<mfrac><mrow><mi>x</mi></mrow><mrow><mn>1</mn><mo>+</mo><mrow><mo stretchy=\"false\">|</mo><mi>x</mi><mo stretchy=\"false\">|</mo></mrow></mrow></mfrac>"
        );
        // The signs of both sides go in front, as in LaTeX.
        assert_eq!(mml("x / -alpha"), "<mo>−</mo><mfrac><mrow><mi>x</mi></mrow><mrow><mi>α</mi></mrow></mfrac>");
        // A fraction after a number takes a dot, so it does not read as a mixed number.
        assert_eq!(
            mml("2.0 * (x / 3.0)"),
            "<mn>2</mn><mo>⋅</mo><mfrac><mrow><mi>x</mi></mrow><mrow><mn>3</mn></mrow></mfrac>"
        );
    }

    #[test]
    fn powers() {
        assert_eq!(
            mml("(x + 1.0).powi(2)"),
            "<msup><mrow><mrow><mo stretchy=\"false\">(</mo><mi>x</mi><mo>+</mo><mn>1</mn><mo stretchy=\"false\">)</mo></mrow></mrow><mrow><mn>2</mn></mrow></msup>"
        );
        assert_eq!(mml("x.powi(-2)"), "<msup><mrow><mi>x</mi></mrow><mrow><mo>−</mo><mn>2</mn></mrow></msup>");
        // tanh²(x), not (tanh x)²: the exponent sits on the name.
        assert_eq!(
            mml("1.0 - x.tanh().powi(2)"),
            "<mn>1</mn><mo>−</mo><msup><mrow><mi>tanh</mi></mrow><mrow><mn>2</mn></mrow></msup><mo>\u{2061}</mo><mrow><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo></mrow>"
        );
        assert_eq!(mml("exp(-x.powi(2))"), "<msup><mrow><mi>e</mi></mrow><mrow><mo>−</mo><msup><mrow><mi>x</mi></mrow><mrow><mn>2</mn></mrow></msup></mrow></msup>");
        // A number after a factor takes a dot, and so does a power of ten.
        assert_eq!(mml("x * 2.0"), "<mi>x</mi><mo>⋅</mo><mn>2</mn>");
        assert_eq!(
            mml("x * 1e-300"),
            "<mi>x</mi><mo>⋅</mo><msup><mrow><mn>10</mn></mrow><mrow><mo>−</mo><mn>300</mn></mrow></msup>"
        );
    }

    #[test]
    fn functions() {
        assert_eq!(mml("sigmoid(x)"), "<mi>σ</mi><mo>\u{2061}</mo><mrow><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo></mrow>");
        assert_eq!(
            mml("x * sigmoid(beta * x)"),
            "<mi>x</mi><mo>\u{2062}</mo><mi>σ</mi><mo>\u{2061}</mo><mrow><mo stretchy=\"false\">(</mo><mi>β</mi><mo>\u{2062}</mo><mi>x</mi><mo stretchy=\"false\">)</mo></mrow>"
        );
        assert_eq!(mml("erf(x)"), "<mi>erf</mi><mo>\u{2061}</mo><mrow><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo></mrow>");
        assert_eq!(mml("x.sqrt()"), "<msqrt><mi>x</mi></msqrt>");
        assert_eq!(
            mml("x.max(alpha * x)"),
            "<mi>max</mi><mo>\u{2061}</mo><mrow><mo stretchy=\"false\">(</mo><mi>x</mi><mo>,</mo><mi>α</mi><mo>\u{2062}</mo><mi>x</mi><mo stretchy=\"false\">)</mo></mrow>"
        );
        // `ln 2 · x`: a factor after an operator constant takes a dot.
        assert_eq!(mml("LN_2 * x"), "<mi>ln</mi><mo>\u{2061}</mo><mn>2</mn><mo>⋅</mo><mi>x</mi>");
    }

    #[test]
    fn piecewise() {
        let m = mml("if x >= 0.0 { x } else { alpha * (x.exp() - 1.0) }");
        assert!(m.starts_with("<mrow><mo>{</mo><mtable><mtr>"), "{m}");
        assert!(m.contains("<mi>x</mi><mo>≥</mo><mn>0</mn>"), "{m}");
        assert!(m.contains("<mtext>otherwise</mtext>"), "{m}");
        assert_eq!(m.matches("<mtr>").count(), 2);
        // `<` is escaped: the markup stays well-formed inside HTML.
        let m = mml("if x < -1.0 { -1.0 } else { x }");
        assert!(m.contains("<mi>x</mi><mo>&lt;</mo><mo>−</mo><mn>1</mn>"), "{m}");
        assert!(well_formed(&m), "{m}");
        // A piecewise factor is parenthesised, as in LaTeX, by parentheses that stretch to
        // its height (a line of text keeps plain ones).
        assert!(mml("x * (if x <= alpha { 1.0 } else { 2.0 }) + 1.0")
            .starts_with("<mi>x</mi><mo>\u{2062}</mo><mrow><mo>(</mo><mrow><mo>{</mo>"));
    }

    #[test]
    fn parameters_and_greek_names() {
        let name = |n: &str| to_mathml(&Expr::var(n));
        assert_eq!(name("alpha"), "<mrow><mi>α</mi></mrow>");
        assert_eq!(name("lambda"), "<mrow><mi>λ</mi></mrow>");
        assert_eq!(name("Omega"), "<mrow><mi mathvariant=\"normal\">Ω</mi></mrow>");
        assert_eq!(name("a_1"), "<mrow><msub><mrow><mi>a</mi></mrow><mrow><mn>1</mn></mrow></msub></mrow>");
        assert_eq!(
            name("x_max"),
            "<mrow><msub><mrow><mi>x</mi></mrow><mrow><mi mathvariant=\"normal\">max</mi></mrow></msub></mrow>"
        );
        assert_eq!(name("neg_slope"), "<mrow><mi>neg_slope</mi></mrow>");
        assert_eq!(mml("x + -alpha"), "<mi>x</mi><mo>−</mo><mi>α</mi>");
        assert_eq!(mml("-x * -alpha"), "<mi>x</mi><mo>\u{2062}</mo><mi>α</mi>");
    }

    #[test]
    fn reductions() {
        let m = to_mathml(&parse_pattern("exp(x - max(x)) / sum(exp(x - max(x)))").unwrap());
        assert!(m.contains("<msub><mrow><mi>x</mi></mrow><mrow><mi>i</mi></mrow></msub>"), "{m}");
        assert!(m.contains("<munder><mo>∑</mo><mrow><mi>j</mi></mrow></munder>"), "{m}");
        assert!(m.contains("<munder><mi>max</mi><mrow><mi>k</mi></mrow></munder>"), "{m}");
        assert!(well_formed(&m), "{m}");
    }

    /// Every constant's MathML is well-formed and binds as its LaTeX does.
    #[test]
    fn constants() {
        for k in CONSTANTS {
            assert!(well_formed(k.mathml), "{}: {}", k.name, k.mathml);
            assert_eq!(k.latex.starts_with("\\frac"), k.mathml.starts_with("<mfrac>"), "{}", k.name);
            assert_eq!(k.latex.ends_with(|c: char| c.is_ascii_digit()), k.mathml.ends_with("</mn>"), "{}", k.name);
        }
        assert_eq!(
            mml("x * FRAC_2_SQRT_PI"),
            "<mi>x</mi><mo>\u{2062}</mo><mfrac><mn>2</mn><msqrt><mi>π</mi></msqrt></mfrac>"
        );
        assert_eq!(mml("x * TAU"), "<mi>x</mi><mo>⋅</mo><mn>2</mn><mo>\u{2062}</mo><mi>π</mi>");
    }

    /// The catalog's formulas and their derivatives print as well-formed markup, with the
    /// same number of fractions, roots and parenthesised groups as their LaTeX.
    #[test]
    fn same_shape_as_latex() {
        let formulas = [
            "0.5 * x * (1.0 + (0.7978845608 * (x + 0.044715 * x.powi(3))).tanh())",
            "0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))",
            "x / (1.0 + alpha * x.powi(2)).sqrt() + x.abs() * LN_2 * x",
            "softplus(x).tanh() * x",
            "exp(if x > 0.0 { x } else { 0.0 }) + (x + 1.0).powi(-2)",
            "x - (alpha - x) * sigmoid(x).powi(-1)",
        ];
        for src in formulas {
            let e = parse_formula(src, &["x", "alpha"]).unwrap();
            let (m, tex) = (to_mathml(&e), crate::to_latex(&e));
            assert!(well_formed(&m), "{src}: {m}");
            assert_eq!(m.matches("<mfrac>").count(), tex.matches("\\frac").count(), "{src}");
            assert_eq!(m.matches("<msqrt>").count(), tex.matches("\\sqrt").count(), "{src}");
            assert_eq!(m.matches(">(</mo>").count(), tex.matches("\\left(").count(), "{src}");
            assert_eq!(m.matches("<mo>⋅</mo>").count(), tex.matches("\\cdot").count(), "{src}");
        }
    }
}

//! The parser and the front door over arbitrary token streams (`docs/fuzz.md`, "The parser
//! target"): whatever tokens reach `#[activation]`, expansion never panics — it either
//! accepts the item or answers with spanned `compile_error!`s — and the report's
//! discovery (`discover::find_in_source`, the same parsers) returns a `Result`.
//!
//! Seeded: three families of streams, a few thousand in all — random tokens (the formula
//! language's names among other idents, punctuation, literals, nested groups,
//! attributes), random bodies under a valid signature, and valid formulas with tokens
//! deleted, duplicated, swapped or replaced.

use activation_core::expand::activation;
use activation_core::rng::Rng;
use proc_macro2::TokenStream;

const IDENTS: &[&str] = &[
    "x",
    "x",
    "y",
    "a",
    "b",
    "alpha",
    "t0",
    "exp",
    "ln",
    "sqrt",
    "tanh",
    "sigmoid",
    "softplus",
    "erf",
    "erfc",
    "atan",
    "powi",
    "powf",
    "max",
    "min",
    "abs",
    "recip",
    "expm1",
    "log1p",
    "exp_m1",
    "ln_1p",
    "sinh",
    "cosh",
    "sin",
    "cos",
    "sum",
    "expm1_sub_uexp",
    "PI",
    "E",
    "LN_2",
    "consts",
    "std",
    "core",
    "f64",
    "f32",
    "i32",
    "let",
    "if",
    "else",
    "fn",
    "pub",
    "mut",
    "return",
    "match",
    "for",
    "in",
    "loop",
    "while",
    "self",
    "Self",
    "crate",
    "super",
    "as",
    "const",
    "async",
    "unsafe",
    "extern",
    "impl",
    "dyn",
    "move",
    "ref",
    "true",
    "false",
    "r#type",
    "activation",
    "mymath",
    "_",
];
const PUNCT: &[&str] = &[
    "+", "-", "*", "/", "%", ",", ";", ":", "::", ".", "..", "<", ">", "<=", ">=", "==", "!=", "=", "!", "&", "&&",
    "|", "||", "^", "#", "->", "=>", "?", "@", "+=", "'a",
];
const LITERALS: &[&str] = &[
    "0.0",
    "1.0",
    "2.0",
    "0.5",
    "1",
    "2",
    "3",
    "-1.5",
    "1e-8",
    "1e308",
    "1e400",
    "0.5f64",
    "1.0f32",
    "2u8",
    "1024",
    "1025",
    "4096",
    "99999999999999999999",
    "\"s\"",
    "'c'",
    "b'c'",
    "0x10",
    "1_000.5",
    "f64::NAN",
];

/// A random token stream, `depth` levels of groups at most, about `len` tokens per level.
fn random_tokens(r: &mut Rng, depth: usize, len: usize) -> String {
    let mut s = String::new();
    for _ in 0..r.below(len + 1) {
        let t = match r.below(12) {
            0..=4 => r.pick(IDENTS).to_string(),
            5..=7 => r.pick(PUNCT).to_string(),
            8 | 9 => r.pick(LITERALS).to_string(),
            10 if depth > 0 => {
                let (open, close) = [("(", ")"), ("[", "]"), ("{", "}")][r.below(3)];
                format!("{open} {} {close}", random_tokens(r, depth - 1, len / 2 + 1))
            }
            _ => format!("#[{}]", random_tokens(r, depth.saturating_sub(1), 3)),
        };
        s += &t;
        s.push(' ');
    }
    s
}

const FORMULAS: &[&str] = &[
    "x * sigmoid(a * x)",
    "if x > 0.0 { x } else { a * (x.exp() - 1.0) }",
    "let s = (x * x + 1.0).sqrt(); s - 1.0 + x",
    "x * tanh(softplus(x))",
    "max(x, 0.0) + min(x, 0.0) * a",
    "x / (1.0 + x.abs())",
    "0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))",
    "x.powi(3) - x.powf(a)",
    "ln(1.0 + exp(x)) - LN_2",
    "x * std::f64::consts::PI.atan()",
];

/// A valid formula with a few tokens deleted, duplicated, swapped or replaced.
fn mutated(r: &mut Rng) -> (String, String) {
    let body = FORMULAS[r.below(FORMULAS.len())];
    let item = format!("fn f(x: f64, a: f64) -> f64 {{ {body} }}");
    let mut toks: Vec<(String, bool)> = lex(&item);
    for _ in 0..r.below(3) {
        let i = r.below(toks.len());
        match r.below(4) {
            0 => {
                toks.remove(i);
            }
            1 => {
                let t = toks[i].clone();
                toks.insert(i, t);
            }
            2 => {
                let j = r.below(toks.len());
                toks.swap(i, j);
            }
            _ => {
                let t = match r.below(3) {
                    0 => *r.pick(IDENTS),
                    1 => *r.pick(PUNCT),
                    _ => *r.pick(LITERALS),
                };
                toks[i] = (t.to_string(), false);
            }
        }
    }
    let attr = match r.below(8) {
        0 => ["a = 1.0, a = 2.0", "x = 1.0", "a = \"s\"", "crate = ::activation", "a"][r.below(5)],
        1 => "",
        _ => "a = 1.0",
    };
    let text: String = toks.iter().map(|(t, joint)| if *joint { t.clone() } else { format!("{t} ") }).collect();
    (attr.to_string(), text)
}

/// Splits text into flat tokens, a group's delimiters being tokens of their own (so that
/// mutations may unbalance them: such text is not a token stream and is skipped); each
/// with whether it joins the next (the `-` of `->`).
fn lex(text: &str) -> Vec<(String, bool)> {
    fn flat(ts: TokenStream, out: &mut Vec<(String, bool)>) {
        for t in ts {
            match t {
                proc_macro2::TokenTree::Group(g) => {
                    let (o, c) = match g.delimiter() {
                        proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                        proc_macro2::Delimiter::Bracket => ("[", "]"),
                        proc_macro2::Delimiter::Brace => ("{", "}"),
                        proc_macro2::Delimiter::None => ("", ""),
                    };
                    out.push((o.into(), false));
                    flat(g.stream(), out);
                    out.push((c.into(), false));
                }
                proc_macro2::TokenTree::Punct(p) => {
                    out.push((p.as_char().to_string(), p.spacing() == proc_macro2::Spacing::Joint))
                }
                other => out.push((other.to_string(), false)),
            }
        }
    }
    let mut out = Vec::new();
    flat(text.parse().expect("valid formula"), &mut out);
    out
}

enum Fed {
    /// Not a token stream: the compiler never hands the macro such text.
    NotTokens,
    Accepted,
    Rejected,
    Broken(String),
}

/// Runs one (attribute, item) pair through the front door and through discovery.
fn feed(attr: &str, item: &str) -> Fed {
    let (Ok(a), Ok(i)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        return Fed::NotTokens;
    };
    let out = match std::panic::catch_unwind(|| activation(a, i)) {
        Ok(out) => out.to_string(),
        Err(_) => return Fed::Broken("the front door panicked".into()),
    };
    if out.contains("internal error of `#[activation]`") {
        return Fed::Broken(format!("an engine panic, caught by the front door: {out}"));
    }
    let source = format!("#[activation({attr})] {item}");
    if std::panic::catch_unwind(|| activation_core::discover::find_in_source(&source).map(|v| v.len())).is_err() {
        return Fed::Broken("discover::find_in_source panicked".into());
    }
    if out.contains("compile_error") {
        Fed::Rejected
    } else {
        Fed::Accepted
    }
}

#[test]
fn arbitrary_token_streams_never_panic() {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut r = Rng::new(0x5EED_0013);
    let mut failures = Vec::new();
    let (mut accepted, mut rejected, mut total) = (0, 0, 0);
    for n in 0..3000 {
        let (attr, item) = match n % 3 {
            0 => (random_tokens(&mut r, 1, 3), random_tokens(&mut r, 3, 8)),
            1 => {
                let sig =
                    ["fn f(x: f64) -> f64", "fn f(x: f64, a: f64) -> f64", "pub fn f(x: &[f64]) -> f64"][r.below(3)];
                let attr = ["", "a = 0.5", "a = 1e400"][r.below(3)].to_string();
                (attr, format!("{sig} {{ {} }}", random_tokens(&mut r, 2, 6)))
            }
            _ => mutated(&mut r),
        };
        total += 1;
        match feed(&attr, &item) {
            Fed::Broken(why) => failures.push(format!("#[activation({attr})] {item}\n    {why}")),
            Fed::Accepted => accepted += 1,
            Fed::Rejected => rejected += 1,
            Fed::NotTokens => {}
        }
    }
    std::panic::set_hook(quiet);
    assert!(failures.is_empty(), "{} of {total} streams panicked:\n{}", failures.len(), failures.join("\n"));
    // The streams reach past the parser: some are accepted formulas, most are rejected.
    assert!(accepted > 20 && rejected > 1000, "{accepted} accepted, {rejected} rejected of {total}");
}

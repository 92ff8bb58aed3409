//! Double-double arguments: where a saturating function's argument is a polynomial in the
//! input, its rounding error is amplified by the function's slope — σ(v) for v = -87 is
//! off by 87 · (error of v) relatively, hundreds of ULPs for the tanh-form GELU. The
//! generated code recomputes such an argument with error-free transformations (`two_sum`,
//! `two_prod`, constants as double-doubles) in the tails, and applies the function with
//! a first-order correction for the low part: the result is then as accurate as the
//! function itself.
//!
//! Eligible: `sigmoid`, `exp` and `erfc` of an expression built from the input, the
//! parameters, numbers, constants, `+ - *`, negation and small integer powers.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::codegen::float_literal;
use crate::expr::{BinOp, Expr, Func};
use crate::parse::parse_formula;

/// Beyond this |argument| the refinement runs: below it the argument's rounding costs at
/// most a few ULPs (its amplification is about |v|).
const TAIL: f64 = 4.0;
/// Above this |argument| every eligible function has saturated to 0, 1 or ∞ in `f64`; the
/// guard also keeps Dekker's splitting far from overflow.
const FAR: f64 = 1.0e4;

/// A double-double constant `hi + lo`.
type Dd = (f64, f64);

fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Exact product at macro time (the host's `mul_add` is exact whatever it costs).
fn two_prod(a: f64, b: f64) -> Dd {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

fn add(a: Dd, b: Dd) -> Dd {
    let (s, e) = two_sum(a.0, b.0);
    two_sum(s, e + a.1 + b.1)
}

fn mul(a: Dd, b: Dd) -> Dd {
    let (p, e) = two_prod(a.0, b.0);
    two_sum(p, e + a.0 * b.1 + a.1 * b.0)
}

fn div(a: Dd, b: Dd) -> Dd {
    let q = a.0 / b.0;
    let r = add(a, mul((-q, 0.0), b));
    two_sum(q, r.0 / b.0)
}

fn sqrt(a: Dd) -> Dd {
    let s = a.0.sqrt();
    let r = add(a, mul((-s, 0.0), (s, 0.0)));
    two_sum(s, r.0 / (2.0 * s))
}

/// π as a double-double.
const PI: Dd = (std::f64::consts::PI, 1.2246467991473532e-16);

/// The double-double value of a constant subexpression, where it is built from numbers,
/// `PI` (and the constants defined from it) with `+ - * /`, negation and `sqrt`.
pub fn constant(e: &Expr) -> Option<Dd> {
    match e {
        Expr::Num(n) => Some((n.0, 0.0)),
        Expr::Const(k) if k.info().name == "PI" => Some(PI),
        Expr::Const(k) => constant(&parse_formula(k.info().exact, &[]).ok()?),
        Expr::Neg(a) => constant(a).map(|(h, l)| (-h, -l)),
        Expr::Bin(BinOp::Add, a, b) => Some(add(constant(a)?, constant(b)?)),
        Expr::Bin(BinOp::Sub, a, b) => Some(add(constant(a)?, constant(b).map(|(h, l)| (-h, -l))?)),
        Expr::Bin(BinOp::Mul, a, b) => Some(mul(constant(a)?, constant(b)?)),
        Expr::Bin(BinOp::Div, a, b) => Some(div(constant(a)?, constant(b)?)),
        Expr::Powi(a, n) if (0..=8).contains(n) => {
            let base = constant(a)?;
            Some((0..*n).fold((1.0, 0.0), |acc, _| mul(acc, base)))
        }
        Expr::Call(Func::Sqrt, a) => Some(sqrt(constant(a)?)),
        _ => None,
    }
}

/// Whether `u` is a polynomial the refinement can evaluate, and worth it (it rounds).
fn eligible(u: &Expr) -> bool {
    polynomial(u) && !matches!(u, Expr::Var(_)) && !matches!(u, Expr::Neg(a) if matches!(**a, Expr::Var(_)))
}

fn polynomial(e: &Expr) -> bool {
    match e {
        Expr::Var(_) => true,
        _ if constant(e).is_some() => true,
        Expr::Neg(a) => polynomial(a),
        Expr::Bin(BinOp::Add | BinOp::Sub | BinOp::Mul, a, b) => polynomial(a) && polynomial(b),
        Expr::Powi(a, n) => (1..=8).contains(n) && polynomial(a),
        _ => false,
    }
}

/// `f(u)` with the argument refined in the tails, or `None` when `f` or `u` is not
/// eligible. `plain` is `u` as the ordinary code computes it.
pub fn refined_call(f: Func, u: &Expr, plain: &TokenStream) -> Option<TokenStream> {
    let method = match f {
        Func::Sigmoid => "sigmoid_dd",
        Func::Exp => "exp_dd",
        Func::Erfc => "erfc_dd",
        _ => return None,
    };
    if !eligible(u) {
        return None;
    }
    let (plain_method, refined) = (Ident::new(f.name(), Span::call_site()), Ident::new(method, Span::call_site()));
    let mut w = Writer::default();
    let (hi, lo) = w.value(u);
    let lets = w.lets;
    let (tail, far) = (float_literal(TAIL), float_literal(FAR));
    let v = Ident::new("v", Span::mixed_site());
    // Parenthesised: a block that starts a statement would not parse as an operand.
    Some(quote! {
        ({
            let #v = #plain;
            if #v.abs() > T::from_f64(#tail) && #v.abs() < T::from_f64(#far) {
                #(#lets)*
                #hi.#refined(#lo)
            } else {
                #v.#plain_method()
            }
        })
    })
}

/// `u` as a double-double `(hi, lo)` expression: refined when `u` is an eligible
/// polynomial, `(plain, 0)` otherwise.
pub fn pair(u: &Expr, plain: &TokenStream) -> TokenStream {
    if !eligible(u) {
        return quote! { (#plain, T::from_f64(0.0)) };
    }
    let mut w = Writer::default();
    let (hi, lo) = w.value(u);
    let lets = w.lets;
    quote! { { #(#lets)* (#hi, #lo) } }
}

/// Emits the double-double evaluation of a polynomial as `let` statements.
#[derive(Default)]
struct Writer {
    lets: Vec<TokenStream>,
}

impl Writer {
    /// The (hi, lo) pair of `e`, as two identifiers bound by the statements so far.
    fn value(&mut self, e: &Expr) -> (Ident, Ident) {
        if let Some((h, l)) = constant(e) {
            let (h, l) = (float_literal(h), float_literal(l));
            return self.bind(quote! { T::from_dd(#h, #l) });
        }
        let code = match e {
            Expr::Var(v) => {
                let v = Ident::new(v, Span::call_site());
                quote! { (#v, T::from_f64(0.0)) }
            }
            Expr::Neg(a) => {
                let (h, l) = self.value(a);
                quote! { (-#h, -#l) }
            }
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let ((ah, al), (bh, bl)) = (self.value(a), self.value(b));
                let (bh, bl) =
                    if *op == BinOp::Sub { (quote!(-#bh), quote!(-#bl)) } else { (quote!(#bh), quote!(#bl)) };
                quote! { #ah.dd_add(#al, #bh, #bl) }
            }
            Expr::Bin(BinOp::Mul, a, b) => {
                let ((ah, al), (bh, bl)) = (self.value(a), self.value(b));
                quote! { #ah.dd_mul(#al, #bh, #bl) }
            }
            Expr::Powi(a, n) => {
                let (ah, al) = self.value(a);
                let mut acc = (ah.clone(), al.clone());
                for _ in 1..*n {
                    let (h, l) = &acc;
                    acc = self.bind(quote! { #h.dd_mul(#l, #ah, #al) });
                }
                return acc;
            }
            // `eligible` admits nothing else.
            _ => quote! { (T::from_f64(::core::f64::NAN), T::from_f64(0.0)) },
        };
        self.bind(code)
    }

    fn bind(&mut self, code: TokenStream) -> (Ident, Ident) {
        let n = self.lets.len();
        let (h, l) =
            (format_ident!("h{}", n, span = Span::mixed_site()), format_ident!("l{}", n, span = Span::mixed_site()));
        self.lets.push(quote! { let (#h, #l) = #code; });
        (h, l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_carry_their_low_part() {
        let c = constant(&parse_formula("sqrt(2 / PI)", &[]).unwrap()).unwrap();
        assert_eq!(c.0, (2.0 / std::f64::consts::PI).sqrt());
        // sqrt(2/π) = 0.797884560802865355879892119868763736951717…, whose f64 is
        // 0.797884560802865405726436165423365…: the low part is the difference.
        assert!((c.1 + 4.98465440455546e-17).abs() < 1e-31, "{c:?}");
        assert!(constant(&parse_formula("ln(2)", &[]).unwrap()).is_none());
    }

    #[test]
    fn eligibility() {
        let e = |s: &str| parse_formula(s, &["x"]).unwrap();
        assert!(eligible(&e("2 * sqrt(2 / PI) * x * (1 + 0.044715 * x.powi(2))")));
        assert!(!eligible(&e("x")));
        assert!(!eligible(&e("-x")));
        assert!(!eligible(&e("x / 2")));
        assert!(!eligible(&e("tanh(x) * 2")));
    }
}

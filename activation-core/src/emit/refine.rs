//! Double-double arguments: where a saturating function's argument is a polynomial in the
//! input, its rounding error is amplified by the function's slope — σ(v) for v = -87 is
//! off by 87 · (error of v) relatively, hundreds of ULPs for the tanh-form GELU. The
//! generated code recomputes such an argument as a [`Dd`](activation_runtime::Dd) and
//! applies the function to it (`runtime::__private::refined_or!`): for `f64`, in pairs
//! (error-free transformations, constants as double-doubles) in the tails only, and the
//! function with a first-order correction for the low part (one call per vector of lanes:
//! where the lanes disagree, the lanes outside the tails take the pair `(v, 0)`, whose
//! correction is 0 and whose value is the plain call's bits); for `f32`, whose `Dd` is one
//! `f64`, everywhere, as the function of that `f64` rounded once — no dearer than the
//! plain call, which computes in `f64` too, so neither a branch per vector of lanes nor
//! the plain call is paid (the plain call runs only where the `f64` refused, an
//! underflowed product of subnormals). The result is then as accurate as the function
//! itself.
//!
//! Eligible: `sigmoid`, `exp` and `erfc` of an expression built from the input, the
//! parameters, numbers, constants, `+ - *`, negation and small integer powers.

use crate::emit::root::root;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::emit::literal::float_literal;
use crate::ir::constant::value as constant;
use crate::ir::expr::{BinOp, Expr, Func};

/// Beyond this |argument| the refinement runs in pairs (`f64`; `f32` refines everywhere):
/// below it the argument's rounding costs at most a few ULPs (its amplification is about |v|).
const TAIL: f64 = 4.0;
/// Above this |argument| every eligible function has saturated to 0, 1 or ∞ in `f64`.
const FAR: f64 = 1.0e4;

/// Whether `u` is a polynomial the refinement can evaluate, and worth it (it rounds).
///
/// Only polynomials whose tree has at most [`MAX_TREE`] nodes: the refinement is written
/// out as a tree (a polynomial DAG nested n deep would unfold to 2^n terms).
pub(crate) fn eligible(u: &Expr) -> bool {
    u.size() <= MAX_TREE && polynomial(u) && !exact(u)
}

/// The largest polynomial argument, in nodes of its tree, that is refined.
const MAX_TREE: usize = 200;

/// Whether the plain code computes `u` without rounding where the refinement would run
/// (|u| between [`TAIL`] and [`FAR`], far from underflow and overflow): a variable, times a
/// power of two, negated. Its low part would be 0 and the refined value the plain one.
fn exact(u: &Expr) -> bool {
    let power_of_two =
        |e: &Expr| constant(e).is_some_and(|(hi, lo)| lo == 0.0 && hi != 0.0 && hi.abs().log2().fract() == 0.0);
    match u {
        Expr::Var(_) => true,
        Expr::Neg(a) => exact(a),
        Expr::Bin(BinOp::Mul, a, b) => (power_of_two(a) && exact(b)) || (exact(a) && power_of_two(b)),
        _ => false,
    }
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
pub(crate) fn refined_call(f: Func, u: &Expr, plain: &TokenStream) -> Option<TokenStream> {
    let method = match f {
        Func::Sigmoid => "sigmoid_value",
        Func::Exp => "exp_value",
        Func::Erfc => "erfc_value",
        _ => return None,
    };
    refined(u, plain, method, f.name())
}

/// `(σ(u), σ(−u))` with the argument refined in the tails, from one exponential
/// (`Dd::sigmoid_pair_value`, `Float::sigmoid_pair`): the bits of the two
/// [`refined_call`]s it replaces. `None` when `u` is not eligible.
pub(crate) fn refined_sigmoid_pair(u: &Expr, plain: &TokenStream) -> Option<TokenStream> {
    refined(u, plain, "sigmoid_pair_value", "sigmoid_pair")
}

/// `{ let v = plain; refined_or!(v, tail test, { refined u }, refined_method, plain_method) }`.
fn refined(u: &Expr, plain: &TokenStream, refined_method: &str, plain_method: &str) -> Option<TokenStream> {
    if !eligible(u) {
        return None;
    }
    let ident = |name: &str| Ident::new(name, Span::call_site());
    let (refined, plain_method) = (ident(refined_method), ident(plain_method));
    let mut w = Writer::default();
    let d = w.value(u);
    let lets = w.lets;
    let (tail, far) = (float_literal(TAIL), float_literal(FAR));
    let v = Ident::new("v", Span::mixed_site());
    let test = quote! { #v.abs().gt(T::from_f64(#tail)) & #v.abs().lt(T::from_f64(#far)) };
    let root = root();
    // Parenthesised: a block that starts a statement would not parse as an operand.
    Some(quote! {
        ({
            let #v = #plain;
            #root::__private::refined_or!(#v, #test, { #(#lets)* #d }, #refined, #plain_method)
        })
    })
}

/// `u` as a double-double ([`Dd`](activation_runtime::Dd)) expression: refined when `u` is
/// an eligible polynomial, `Dd::<T>::new(plain)` otherwise.
pub(crate) fn pair(u: &Expr, plain: &TokenStream) -> TokenStream {
    let root = root();
    if !eligible(u) {
        return quote! { #root::__private::Dd::<T>::new(#plain) };
    }
    let mut w = Writer::default();
    let d = w.value(u);
    let lets = w.lets;
    quote! { { #(#lets)* #d } }
}

/// Emits the double-double evaluation of a polynomial as `let` statements.
#[derive(Default)]
struct Writer {
    lets: Vec<TokenStream>,
    /// Where a product of the argument's terms provably stays in `f64`'s normal range
    /// (`emit::exponents`): `mul_normal`, without the `f64` form's underflow test.
    bounds: crate::emit::exponents::Bounds,
}

impl Writer {
    /// The pair of `e`, as an identifier bound by the statements so far.
    fn value(&mut self, e: &Expr) -> Ident {
        let root = root();
        if let Some((h, l)) = constant(e) {
            let (h, l) = (float_literal(h), float_literal(l));
            return self.bind(quote! { #root::__private::Dd::<T>::constant(#h, #l) });
        }
        let code = match e {
            Expr::Var(v) => {
                let v = Ident::new(v, Span::call_site());
                quote! { #root::__private::Dd::<T>::new(#v) }
            }
            Expr::Neg(a) => {
                let a = self.value(a);
                quote! { -#a }
            }
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), x, y) => {
                let (a, b) = (self.value(x), self.value(y));
                match op {
                    BinOp::Add => quote! { #a + #b },
                    BinOp::Sub => quote! { #a - #b },
                    _ if self.bounds.normal_product(e, x, y) => quote! { #a.mul_normal(#b) },
                    _ => quote! { #a * #b },
                }
            }
            Expr::Powi(x, n) => {
                let a = self.value(x);
                // Each partial product a^k, k ≤ n, lies within a^n's bounds (`normal_power`).
                let normal = self.bounds.normal_power(x, *n);
                let mut acc = a.clone();
                for _ in 1..*n {
                    acc = self.bind(if normal {
                        quote! { #acc.mul_normal(#a) }
                    } else {
                        quote! { #acc * #a }
                    });
                }
                return acc;
            }
            // `eligible` admits nothing else.
            _ => quote! { #root::__private::Dd::<T>::new(T::from_f64(::core::f64::NAN)) },
        };
        self.bind(code)
    }

    fn bind(&mut self, code: TokenStream) -> Ident {
        let d = format_ident!("d{}", self.lets.len(), span = Span::mixed_site());
        self.lets.push(quote! { let #d = #code; });
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    #[test]
    fn eligibility() {
        let e = |s: &str| parse_formula(s, &["x"]).unwrap();
        assert!(eligible(&e("2 * sqrt(2 / PI) * x * (1 + 0.044715 * x.powi(2))")));
        assert!(!eligible(&e("x")));
        assert!(!eligible(&e("-x")));
        // Exact in the plain code: nothing to refine (tanh' = 4 σ(2x) σ(-2x)).
        assert!(!eligible(&e("2 * x")));
        assert!(!eligible(&e("-(x * 0.5)")));
        assert!(eligible(&e("3 * x")));
        assert!(eligible(&e("2 * x * x")));
        assert!(!eligible(&e("x / 2")));
        assert!(!eligible(&e("tanh(x) * 2")));
    }
}

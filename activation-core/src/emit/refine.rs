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
//! the plain call is paid. The result is then as accurate as the function itself.
//!
//! In `f64` the refinement is paid by every vector of lanes with one lane in a tail, and it
//! is spent, like compensation, only where it is needed: where the form's plain `f64` code
//! comes within [`SHARE`](crate::passes::compensate::SHARE) of the bar at some probe input
//! (`compensate::arguments_refined`, decided per form in `passes::derived`). The argument's
//! rounding is amplified by the call's slope, but the bar 4 + 4·cond grows with the same
//! slope wherever the argument moves with the input: GELU's f is 1,355 ULPs off at
//! x = −20 with the plain argument (6 refined), where the bar is about 7,000, and its `f64`
//! kernels run 1.6 times faster plain. An argument that hardly moves with the input keeps
//! its refinement: σ(0.001x − 50), whose bar is 4 ULPs and whose plain argument costs 50.
//!
//! The pair's products are unchecked (`Dd::mul_unchecked`): where one underflows it keeps
//! what the subnormal range holds, as the plain code's product of the same terms does, so
//! the refined argument is never further off than the plain one. A tested product would
//! cost a comparison and a branch per product and vector, and its refusal (a poisoned pair)
//! would turn the function's value into NaN: σ of 3x − (10⁻¹⁶⁰x)² computed so in `f64`
//! pairs was NaN at x = −5, where the plain call gives σ(−15) (`tails::tests` in the
//! runtime; the engine itself folds that formula into a form it does not refine).
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

/// Whether `e` has a call whose argument [`refined_call`] would refine.
pub(crate) fn refines(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |n| {
        found |= matches!(n, Expr::Call(f, u) if value_method(*f).is_some() && eligible(u));
    });
    found
}

/// The `Dd` method that gives `f` of a refined argument, for the functions refined.
fn value_method(f: Func) -> Option<&'static str> {
    match f {
        Func::Sigmoid => Some("sigmoid_value"),
        Func::Exp => Some("exp_value"),
        Func::Erfc => Some("erfc_value"),
        _ => None,
    }
}

/// `f(u)` with the argument refined in the tails (`f64` only where `tails`; `f32` always),
/// or `None` when `f` or `u` is not eligible. `plain` is `u` as the ordinary code computes it.
pub(crate) fn refined_call(f: Func, u: &Expr, plain: &TokenStream, tails: bool) -> Option<TokenStream> {
    refined(u, plain, value_method(f)?, f.name(), tails)
}

/// `(σ(u), σ(−u))` with the argument refined in the tails, from one exponential
/// (`Dd::sigmoid_pair_value`, `Float::sigmoid_pair`): the bits of the two
/// [`refined_call`]s it replaces. `None` when `u` is not eligible.
pub(crate) fn refined_sigmoid_pair(u: &Expr, plain: &TokenStream, tails: bool) -> Option<TokenStream> {
    refined(u, plain, "sigmoid_pair_value", "sigmoid_pair", tails)
}

/// `{ let v = plain; refined_or!(v, tail test, { refined u }, refined_method, plain_method) }`.
fn refined(
    u: &Expr,
    plain: &TokenStream,
    refined_method: &str,
    plain_method: &str,
    tails: bool,
) -> Option<TokenStream> {
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
    if !tails {
        // Refined where that is free (`f32`), the plain call elsewhere.
        return Some(quote! {
            ({
                let #v = #plain;
                #root::__private::refined_or!(#v, { #(#lets)* #d }, #refined, #plain_method)
            })
        });
    }
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
}

/// A term of the argument as the statements so far hold it.
enum Term {
    /// A `T` that is exactly the term: a variable, or one negated. Its pair's low part
    /// would be 0, so operations with it take the runtime's cheaper forms
    /// (`Dd::product_unchecked`, `Dd::sum`, `mul_plain_unchecked`), which give the same
    /// values.
    Exact(TokenStream),
    /// A `Dd<T>` bound by a `let`.
    Pair(Ident),
}

impl Writer {
    /// The pair of `e`, as an identifier bound by the statements so far.
    fn value(&mut self, e: &Expr) -> Ident {
        let term = self.term(e);
        self.pair(term)
    }

    fn term(&mut self, e: &Expr) -> Term {
        let root = root();
        if let Some((h, l)) = constant(e) {
            let (h, l) = (float_literal(h), float_literal(l));
            return Term::Pair(self.bind(quote! { #root::__private::Dd::<T>::constant(#h, #l) }));
        }
        let code = match e {
            Expr::Var(v) => {
                let v = Ident::new(v, Span::call_site());
                return Term::Exact(quote! { #v });
            }
            Expr::Neg(a) => match self.term(a) {
                Term::Exact(t) => return Term::Exact(quote! { (-#t) }),
                Term::Pair(d) => quote! { -#d },
            },
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), x, y) => match (self.term(x), self.term(y)) {
                (Term::Exact(a), Term::Exact(b)) if *op == BinOp::Add => {
                    quote! { #root::__private::Dd::<T>::sum(#a, #b) }
                }
                (Term::Exact(a), Term::Exact(b)) => quote! { #root::__private::Dd::<T>::sum(#a, -#b) },
                (a, b) => {
                    let (a, b) = (self.pair(a), self.pair(b));
                    if *op == BinOp::Add {
                        quote! { #a + #b }
                    } else {
                        quote! { #a - #b }
                    }
                }
            },
            Expr::Bin(BinOp::Mul, x, y) => match (self.term(x), self.term(y)) {
                (Term::Exact(a), Term::Exact(b)) => quote! { #root::__private::Dd::<T>::product_unchecked(#a, #b) },
                (Term::Pair(d), Term::Exact(t)) | (Term::Exact(t), Term::Pair(d)) => {
                    quote! { #d.mul_plain_unchecked(#t) }
                }
                (Term::Pair(a), Term::Pair(b)) => quote! { #a.mul_unchecked(#b) },
            },
            Expr::Powi(x, n) => {
                let (mut acc, factor) = match self.term(x) {
                    term if *n == 1 => return term,
                    Term::Exact(t) => {
                        let square = self.bind(quote! { #root::__private::Dd::<T>::product_unchecked(#t, #t) });
                        (square, Term::Exact(t))
                    }
                    Term::Pair(a) => (a.clone(), Term::Pair(a)),
                };
                let done = if matches!(factor, Term::Exact(_)) { 2 } else { 1 };
                for _ in done..*n {
                    acc = self.bind(match &factor {
                        Term::Exact(t) => quote! { #acc.mul_plain_unchecked(#t) },
                        Term::Pair(a) => quote! { #acc.mul_unchecked(#a) },
                    });
                }
                return Term::Pair(acc);
            }
            // `eligible` admits nothing else.
            _ => quote! { #root::__private::Dd::<T>::new(T::from_f64(::core::f64::NAN)) },
        };
        Term::Pair(self.bind(code))
    }

    fn pair(&mut self, term: Term) -> Ident {
        match term {
            Term::Pair(d) => d,
            Term::Exact(t) => {
                let root = root();
                self.bind(quote! { #root::__private::Dd::<T>::new(#t) })
            }
        }
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

    #[test]
    fn variables_enter_as_exact_terms_and_products_are_unchecked() {
        // Variables are exact Ts: a product of two is one error-free product, a pair times
        // one takes `mul_plain_unchecked`, a sum of two is one error-free sum; no product
        // carries an underflow test (`*`, `mul_normal`), powers included.
        let code = |s: &str| {
            let u = parse_formula(s, &["x", "a"]).unwrap();
            refined_call(Func::Sigmoid, &u, &quote! { v }, true).unwrap().to_string()
        };
        let gelu = code("2 * sqrt(2 / PI) * x * (1 + 0.044715 * x.powi(2))");
        assert_eq!(gelu.matches("product_unchecked (x , x)").count(), 1, "{gelu}");
        assert_eq!(gelu.matches("mul_plain_unchecked (x)").count(), 1, "{gelu}");
        assert_eq!(code("a * x").matches("product_unchecked (a , x)").count(), 1);
        assert_eq!(code("3 * (x - a)").matches("sum (x , - a)").count(), 1);
        let power = code("-x.powi(8)");
        assert_eq!(power.matches("mul_plain_unchecked (x)").count(), 6, "{power}");
        for c in [gelu, power, code("x * x * (x + a) * 2.5")] {
            assert!(!c.contains(" * ") && !c.contains("mul_normal") && !c.contains("Dd :: < T > :: new"), "{c}");
        }
    }
}

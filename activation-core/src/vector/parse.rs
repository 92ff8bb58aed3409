//! Parser front end for vector activations: checks the slice input, then hands the item to
//! the scalar parser with reductions enabled, so that everything else — parameters,
//! defaults, `let`, `if`, the accepted functions, every error message — is the same.

use proc_macro2::TokenStream;
use syn::{FnArg, ItemFn, Type};

use crate::parse::{parse_definition, Parsed};

/// Whether `item` declares a vector activation: its first argument is a slice reference
/// (of any element type, so that `&[f32]` gets the vector activation's error message).
pub(crate) fn is_vector(item: &ItemFn) -> bool {
    match item.sig.inputs.first() {
        Some(FnArg::Typed(t)) => matches!(&*t.ty, Type::Reference(r) if matches!(*r.elem, Type::Slice(_))),
        _ => false,
    }
}

/// Parses a vector activation `fn name(x: &[f64], p: f64, ...) -> f64 { formula }`: the
/// body is the formula for one element, where `x` is `x_i` and `sum(e)`/`max(e)` reduce
/// `e` over every element `j`.
pub(crate) fn parse_vector_activation(attr: TokenStream, item: &ItemFn) -> syn::Result<Parsed> {
    let input_error = input_type_error(item);
    let mut scalar = item.clone();
    if let Some(FnArg::Typed(t)) = scalar.sig.inputs.first_mut() {
        // The element type: what the body's `x` stands for.
        *t.ty = syn::parse_quote!(f64);
    }
    let parsed = parse_definition(attr, &scalar, true);
    // The input's error first, then the rest, all in one build.
    match (input_error, parsed) {
        (None, parsed) => parsed,
        (Some(e), Ok(_)) => Err(e),
        (Some(mut e), Err(rest)) => {
            e.combine(rest);
            Err(e)
        }
    }
}

/// What is wrong with the slice input's type, if anything: it must be `&[f64]`.
fn input_type_error(item: &ItemFn) -> Option<syn::Error> {
    let Some(FnArg::Typed(t)) = item.sig.inputs.first() else { return None };
    let Type::Reference(r) = &*t.ty else { return None };
    if let Some(m) = &r.mutability {
        return Some(syn::Error::new_spanned(
            m,
            "the input of a vector activation is read: write `x: &[f64]`, without `mut`",
        ));
    }
    if let Some(l) = &r.lifetime {
        return Some(syn::Error::new_spanned(l, "write the input as `x: &[f64]`, without a lifetime"));
    }
    let Type::Slice(s) = &*r.elem else { return None };
    let f64 = matches!(&*s.elem, Type::Path(p) if p.qself.is_none() && p.path.is_ident("f64"));
    (!f64).then(|| {
        syn::Error::new_spanned(
            &s.elem,
            "the input of a vector activation is `&[f64]`; the macro generates the `f32` version itself",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> syn::Result<crate::parse::Definition> {
        let item: ItemFn = syn::parse_str(src).unwrap();
        assert!(is_vector(&item));
        parse_vector_activation(TokenStream::new(), &item).map(|p| p.def)
    }

    #[test]
    fn reductions_in_the_body() {
        let d =
            parse("fn softmax(x: &[f64], t: f64) -> f64 { let m = max(x / t); exp(x / t - m) / sum(exp(x / t - m)) }")
                .unwrap();
        assert_eq!(d.body.to_string(), "exp(x / t - max(x / t)) / sum(exp(x / t - max(x / t)))");
        assert_eq!(d.param_names(), ["t"]);
    }

    #[test]
    fn slice_types_other_than_f64_are_errors() {
        let e = parse("fn f(x: &[f32]) -> f64 { x / sum(x) }").unwrap_err();
        assert!(e.to_string().contains("is `&[f64]`"), "{e}");
        let e = parse("fn f(x: &mut [f64]) -> f64 { x / sum(x) }").unwrap_err();
        assert!(e.to_string().contains("without `mut`"), "{e}");
        let e = parse("fn f(x: &[f32], a: f32) -> f64 { x / sum(x) }").unwrap_err();
        assert_eq!(e.into_iter().count(), 2);
    }

    #[test]
    fn sum_takes_one_argument() {
        let e = parse("fn f(x: &[f64]) -> f64 { x / sum(x, x) }").unwrap_err();
        assert!(e.to_string().contains("takes 1 argument"), "{e}");
    }
}

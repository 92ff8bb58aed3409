//! Numbers as Rust tokens: what every emitter writes constants with.

use proc_macro2::TokenStream;
use quote::quote;

/// An `f64` literal that reads back to exactly `v`: `0.5`, `-2.0`, `1e-300` (`{:?}` keeps
/// short exponents instead of hundreds of digits).
pub(crate) fn float_literal(v: f64) -> TokenStream {
    // Constant folding can overflow (`1e308 * 1e308`); name the non-finite values.
    if v.is_nan() {
        return quote! { ::core::f64::NAN };
    }
    if v.is_infinite() {
        return if v > 0.0 {
            quote! { ::core::f64::INFINITY }
        } else {
            quote! { ::core::f64::NEG_INFINITY }
        };
    }
    let digits: TokenStream = format!("{:?}", v.abs()).parse().expect("a float literal");
    if v.is_sign_negative() {
        quote! { -#digits }
    } else {
        digits
    }
}

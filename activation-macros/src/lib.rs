#![warn(missing_docs)]
//! The `#[activation]` attribute. Thin by design: it hands the item to
//! [`activation_core::expand::activation`], which parses, validates and generates; every
//! problem comes back as a spanned compile error, never a panic.
//!
//! Use it through the `activation` crate: `use activation::prelude::*;`.

use proc_macro::TokenStream;

/// Declares an activation function from its formula. See the `activation` crate.
#[proc_macro_attribute]
pub fn activation(attr: TokenStream, item: TokenStream) -> TokenStream {
    activation_core::expand::activation(attr.into(), item.into()).into()
}

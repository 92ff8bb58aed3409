//! Finds `#[activation]` functions in Rust source, with the macro's own parser — so the
//! report and the snapshots see exactly what the macro sees.

use proc_macro2::TokenStream;
use syn::{Item, ItemFn};

use crate::parse::{parse_activation, Definition};

/// One `#[activation]` function found in source.
pub struct Found {
    /// The function item, attribute removed.
    pub item: ItemFn,
    /// The attribute's arguments (`alpha = 0.01`).
    pub args: TokenStream,
    /// The parsed definition, or why the macro would reject it.
    pub definition: syn::Result<Definition>,
}

/// Every scalar `#[activation]` function in `source`, in order, including nested inline
/// modules. Vector activations (a slice input) are left to [`find_vectors_in_source`].
pub fn find_in_source(source: &str) -> syn::Result<Vec<Found>> {
    let file = syn::parse_file(source)?;
    let mut out = Vec::new();
    collect(&file.items, false, &mut out);
    Ok(out)
}

/// Every vector `#[activation]` function (a slice input, `sum`/`max` reductions) in
/// `source`, in order, parsed with the macro's vector parser.
pub fn find_vectors_in_source(source: &str) -> syn::Result<Vec<Found>> {
    let file = syn::parse_file(source)?;
    let mut out = Vec::new();
    collect(&file.items, true, &mut out);
    Ok(out)
}

fn collect(items: &[Item], vector: bool, out: &mut Vec<Found>) {
    for item in items {
        match item {
            Item::Fn(f) => out.extend(found(f, vector)),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect(inner, vector, out);
                }
            }
            _ => {}
        }
    }
}

fn found(f: &ItemFn, vector: bool) -> Option<Found> {
    if crate::vector::parse::is_vector(f) != vector {
        return None;
    }
    let at = f.attrs.iter().position(|a| a.path().segments.last().is_some_and(|s| s.ident == "activation"))?;
    let mut item = f.clone();
    let attr = item.attrs.remove(at);
    let args = match &attr.meta {
        syn::Meta::List(l) => l.tokens.clone(),
        _ => TokenStream::new(),
    };
    let parsed = if vector {
        crate::vector::parse::parse_vector_activation(args.clone(), &item)
    } else {
        parse_activation(args.clone(), &item)
    };
    let definition = parsed.map(|p| p.def);
    Some(Found { item, args, definition })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_functions_in_nested_modules() {
        let src = "mod m { #[activation(a = 2.0)] fn f(x: f64, a: f64) -> f64 { a * x } } fn g() {}";
        let found = find_in_source(src).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].definition.as_ref().unwrap().params[0].default, Some(2.0));
    }

    #[test]
    fn vector_activations_are_found_apart() {
        let src =
            "#[activation] fn s(x: &[f64]) -> f64 { exp(x) / sum(exp(x)) } #[activation] fn f(x: f64) -> f64 { x }";
        let scalar = find_in_source(src).unwrap();
        assert_eq!(scalar.len(), 1);
        assert_eq!(scalar[0].item.sig.ident, "f");
        let vector = find_vectors_in_source(src).unwrap();
        assert_eq!(vector.len(), 1);
        assert_eq!(vector[0].definition.as_ref().unwrap().body.to_string(), "exp(x) / sum(exp(x))");
    }
}

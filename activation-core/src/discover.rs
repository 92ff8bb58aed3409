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

/// Every `#[activation]` function in `source`, in order, including nested inline modules.
pub fn find_in_source(source: &str) -> syn::Result<Vec<Found>> {
    let file = syn::parse_file(source)?;
    let mut out = Vec::new();
    collect(&file.items, &mut out);
    Ok(out)
}

fn collect(items: &[Item], out: &mut Vec<Found>) {
    for item in items {
        match item {
            Item::Fn(f) => out.extend(found(f)),
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect(inner, out);
                }
            }
            _ => {}
        }
    }
}

fn found(f: &ItemFn) -> Option<Found> {
    // Vector activations (a slice input) have their own forms: `crate::vector`.
    if crate::vector::parse::is_vector(f) {
        return None;
    }
    let at = f.attrs.iter().position(|a| a.path().segments.last().is_some_and(|s| s.ident == "activation"))?;
    let mut item = f.clone();
    let attr = item.attrs.remove(at);
    let args = match &attr.meta {
        syn::Meta::List(l) => l.tokens.clone(),
        _ => TokenStream::new(),
    };
    let definition = parse_activation(args.clone(), &item);
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
}

//! The items every activation gets, scalar or vector, and what a kind of activation adds
//! to them.
//!
//! From one [`Definition`] named `softmax_t` with a parameter `t`, `Names` derives the
//! names all generated items agree on (the function `softmax_t`, the hidden kernel module
//! `__activation_softmax_t`, the struct `SoftmaxT` with the field `t`) and generates the
//! items that do not depend on the kind: the documented struct declaration, its `Default`
//! impl when every parameter has a default, and the `#[cfg(test)]` module running the
//! gradient checks. A `Kind` (scalar in [`scalar`](crate::emit::scalar), vector in
//! [`vector::expand`](crate::vector::expand)) parses and derives its forms and adds its
//! own kernels, free functions and trait impl; [`expand`](crate::emit::expand) runs the
//! one pipeline over both.

use crate::emit::root::root;
use std::fmt::Display;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::ItemFn;

use crate::emit::literal::float_literal;
use crate::parse::Definition;

/// Parameter value the gradient checks use when a parameter has no default.
pub(crate) const CHECK_VALUE_WITHOUT_DEFAULT: f64 = 0.75;

/// An identifier for a name from the user's source (raw identifiers keep their `r#`).
pub(crate) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `gelu_erf` → `GeluErf`.
pub(crate) fn upper_camel(name: &str) -> String {
    name.trim_start_matches("r#")
        .split('_')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// Doc lines as `#[doc = ...]` attributes, one a line.
pub(crate) fn docs(lines: &[String]) -> TokenStream {
    quote! { #(#[doc = #lines])* }
}

/// One kind of activation (scalar or vector): how its definition is read and derived, and
/// the items it adds to the shared ones of [`Names`].
pub(crate) trait Kind {
    /// What the passes derive from the definition, and what the kind's items are made of.
    type Forms;
    /// Why the passes gave up on a formula.
    type Error: Display;
    /// How the struct's doc names the activation: `"activation"`, `"vector activation"`.
    const WHAT: &'static str;
    /// The trait of the facade (`::activation`) the struct implements.
    const TRAIT: &'static str;
    /// The macro of the facade (`::activation`) that the `#[cfg(test)]` module calls on the struct value.
    const CHECKS: &'static str;

    /// Reads the definition from the attribute's arguments and the function.
    fn parse(attr: TokenStream, function: &ItemFn) -> syn::Result<crate::parse::Parsed>;

    /// Runs the passes.
    fn derive(def: &Definition) -> Result<Self::Forms, Self::Error>;

    /// The generic kernels, in the hidden module [`Names::module`].
    fn kernels(names: &Names, forms: &Self::Forms) -> TokenStream;

    /// The public `f64` functions; the first one carries the attributes of `function`.
    fn free_functions(names: &Names, forms: &Self::Forms, function: &ItemFn) -> TokenStream;

    /// The impl of [`TRAIT`](Self::TRAIT) for the struct, calling the kernels.
    fn implementation(names: &Names, forms: &Self::Forms) -> TokenStream;

    /// Where probing found no form that meets the bar (`passes::doubts`): warned about at
    /// expansion and skipped by the checks. Vector activations probe nothing here.
    fn doubts(_def: &Definition, _forms: &Self::Forms) -> Vec<crate::passes::doubts::Doubt> {
        Vec::new()
    }

    /// What stands for the user's function beside the errors when the expansion fails:
    /// the function unchanged, unless its body is not well-typed Rust.
    fn fallback(function: ItemFn) -> ItemFn {
        function
    }
}

/// The names the generated items share, and the items that do not depend on the kind.
pub(crate) struct Names<'a> {
    /// The activation's definition.
    pub def: &'a Definition,
    /// The user's visibility, given to every public item.
    pub vis: &'a syn::Visibility,
    /// The forward function: the user's own name (`gelu_erf`, `r#type`).
    pub fn_name: Ident,
    /// The hidden module of generic kernels: `__activation_gelu_erf`.
    pub module: Ident,
    /// The struct: `GeluErf`.
    pub strukt: Ident,
    /// The input's name (`x`).
    pub input: Ident,
    /// The parameters' names, which are also the struct's fields.
    pub fields: Vec<Ident>,
}

impl<'a> Names<'a> {
    /// The names for `def`, whose items are visible as `vis`.
    pub(crate) fn new(def: &'a Definition, vis: &'a syn::Visibility) -> Self {
        Names {
            def,
            vis,
            fn_name: ident(&def.name),
            module: format_ident!("__activation_{}", def.name.trim_start_matches("r#")),
            strukt: Ident::new(&upper_camel(&def.name), Span::call_site()),
            input: ident(&def.input),
            fields: def.params.iter().map(|p| ident(&p.name)).collect(),
        }
    }

    /// A companion function's name: `gelu_erf_derivative`.
    pub(crate) fn suffixed(&self, suffix: &str) -> Ident {
        format_ident!("{}_{}", self.def.name.trim_start_matches("r#"), suffix)
    }

    /// The struct, documented, with its `Default` impl when every parameter has a default.
    pub(crate) fn structure<K: Kind>(&self) -> TokenStream {
        let (vis, strukt, fields) = (self.vis, &self.strukt, &self.fields);
        let (what, tr) = (K::WHAT, K::TRAIT);
        let root = root().to_string().replace(' ', "");
        let doc = format!(
            " The {what} [`{}`] as a value: its parameters, and the \
             [`{tr}`]({root}::{tr}) methods for `f32` and `f64`.",
            self.def.name
        );
        let declaration = if fields.is_empty() {
            quote! { #vis struct #strukt; }
        } else {
            let field_docs = fields.iter().map(|f| format!(" The parameter `{f}`."));
            quote! { #vis struct #strukt { #(#[doc = #field_docs] pub #fields: f64),* } }
        };
        let default = self.default_impl();
        quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, Debug, PartialEq)]
            #declaration
            #default
        }
    }

    fn default_impl(&self) -> TokenStream {
        if !self.def.all_defaults() {
            return TokenStream::new();
        }
        let values = self.def.params.iter().map(|p| float_literal(p.default.unwrap_or_default()));
        let doc = format!(" The defaults of `#[activation(...)]` on [`{}`].", self.def.name);
        let value = self.value(quote!(), values);
        let strukt = &self.strukt;
        quote! {
            impl ::core::default::Default for #strukt {
                #[doc = #doc]
                fn default() -> Self { #value }
            }
        }
    }

    /// The `#[cfg(test)]` module running the kind's gradient checks on the struct with
    /// the parameters' defaults, or [`CHECK_VALUE_WITHOUT_DEFAULT`].
    /// `doubts` are the ranges the checks skip, each with what it says about it.
    pub(crate) fn checks<K: Kind>(&self, doubts: &[(crate::passes::doubts::Doubt, String)]) -> TokenStream {
        let root = root();
        let module = format_ident!("__activation_checks_{}", self.def.name.trim_start_matches("r#"));
        let values = self.def.params.iter().map(|p| float_literal(p.default.unwrap_or(CHECK_VALUE_WITHOUT_DEFAULT)));
        let value = self.value(quote!(super::), values);
        let checks = format_ident!("{}", K::CHECKS);
        if doubts.is_empty() {
            return quote! {
                #[cfg(test)]
                mod #module {
                    #root::#checks!(#value);
                }
            };
        }
        let skips = doubts.iter().map(|(d, why)| {
            let (lo, hi, at) = (float_literal(d.lo), float_literal(d.hi), float_literal(d.at));
            let target = d.target;
            quote! { (#target, #lo, #hi, #at, #why) }
        });
        quote! {
            #[cfg(test)]
            mod #module {
                #root::#checks!(#value, skip = [#(#skips),*]);
            }
        }
    }

    /// The check that each name of the body that the engine read as the prelude's function
    /// or constant (`named`, `parse::Parsed::prelude_names`) means that in the user's module
    /// (`docs/contract.md` §3.2), each named as written, at the span of its use in the
    /// formula. Bare names: a hidden module imports both the user's module and the prelude
    /// by glob; a bare name that the user's module defines itself (`fn sigmoid` beside
    /// `use activation::prelude::*`) comes from the two globs as two items, and rustc
    /// reports it as ambiguous there (E0659); a bare name that is the prelude's, or that the
    /// user's module does not have, is one item and nothing is reported. (No other check a
    /// macro can emit compares what a name resolves to; an item declared in a block is not
    /// seen, as `use super::*` does not reach into blocks.) Paths (`prelude::sigmoid`,
    /// `consts::PI`): named in a constant beside the function, where they resolve as the
    /// formula's own code would, block-level imports included, and use the imports they go
    /// through. `f64::consts::PI`, which the formula language accepts though Rust does not,
    /// is not named.
    pub(crate) fn prelude_names(&self, named: &[syn::Path]) -> TokenStream {
        let bare = |p: &&syn::Path| p.leading_colon.is_none() && p.segments.len() == 1;
        let (bare, paths): (Vec<&syn::Path>, Vec<&syn::Path>) = named.iter().partition(bare);
        let paths: Vec<&syn::Path> =
            paths.into_iter().filter(|p| p.leading_colon.is_some() || p.segments[0].ident != "f64").collect();
        let module = (!bare.is_empty()).then(|| {
            let root = root();
            let module = format_ident!("__activation_names_{}", self.def.name.trim_start_matches("r#"));
            quote! {
                #[doc(hidden)]
                #[allow(unused_imports, dead_code, non_snake_case)]
                mod #module {
                    use super::*;
                    use #root::prelude::*;
                    fn names() {
                        #(let _ = #bare;)*
                    }
                }
            }
        });
        let paths = (!paths.is_empty()).then(|| {
            quote! {
                const _: () = {
                    #(let _ = #paths;)*
                };
            }
        });
        quote! { #module #paths }
    }

    /// The struct value `prefix Strukt { field: value, ... }` (a unit struct without fields).
    fn value(&self, prefix: TokenStream, values: impl Iterator<Item = TokenStream>) -> TokenStream {
        let (strukt, fields) = (&self.strukt, &self.fields);
        if fields.is_empty() {
            quote!(#prefix #strukt)
        } else {
            quote!(#prefix #strukt { #(#fields: #values),* })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(upper_camel("gelu_erf"), "GeluErf");
        assert_eq!(upper_camel("relu"), "Relu");
        assert_eq!(upper_camel("r#type"), "Type");
        assert_eq!(ident("r#type").to_string(), "r#type");
    }
}

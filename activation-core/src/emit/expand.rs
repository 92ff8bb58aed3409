//! What `#[activation]` expands to (`docs/contract.md` §4 and §7): the front end of the
//! engine for the macro.
//!
//! [`activation`] parses the item and decides its kind — a slice input declares a vector
//! activation (`vector::expand`), anything else is scalar
//! (`emit::scalar`) — then runs one pipeline for both: the kind parses
//! the definition and runs its passes; the struct's name is checked; the kind's kernels
//! and free functions, the shared struct with its `Default`, the kind's trait impl and the
//! shared gradient-check module are generated (see `emit::item`). On any
//! error it emits the user's function beside the errors, unchanged for a scalar
//! activation (so the editor keeps understanding the code), with its body replaced for a
//! vector one (whose body is not well-typed Rust).

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::emit::item::{upper_camel, Kind, Names};
use crate::emit::scalar::Scalar;
use crate::parse::Definition;
use crate::passes::rules::budget;
use crate::vector::expand::Vector;
use crate::vector::parse::is_vector;

/// Expands `#[activation(attr)] item`. Never panics: every problem is a spanned error.
pub fn activation(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new_spanned(
                &item,
                "`#[activation]` goes on a function: `fn name(x: f64, params: f64...) -> f64 { formula }`",
            );
            return with_errors(item, e);
        }
    };
    let twice = function.attrs.iter().position(|a| a.path().segments.last().is_some_and(|s| s.ident == "activation"));
    if let Some(i) = twice {
        // Re-emitted without it, so that it does not expand on its own.
        let again = function.attrs.remove(i);
        let e = syn::Error::new_spanned(again, "`#[activation]` is applied twice to this function: keep one");
        return with_errors(quote!(#function), e);
    }
    if is_vector(&function) {
        expand::<Vector>(attr, function)
    } else {
        expand::<Scalar>(attr, function)
    }
}

/// The pipeline, for either kind.
fn expand<K: Kind>(attr: TokenStream, function: ItemFn) -> TokenStream {
    // One activation's nodes at a time in the per-thread tables (rustc expands every
    // activation of a crate on one thread).
    crate::ir::expr::forget_interned();
    crate::passes::simplify::forget_cache();
    let root = crate::parse::crate_root(attr.clone());
    let _root = crate::emit::root::set(root.as_ref());
    let expanded = K::parse(attr, &function).and_then(|parsed| {
        let def = parsed.def;
        check_struct_name(&def.name, &function)?;
        check_depth(&def, &function)?;
        run_passes(&function, || {
            // Every rewrite loop is bounded; one that reached its bound recorded where.
            budget::take();
            let forms = K::derive(&def).map_err(|e| e.to_string())?;
            match budget::take() {
                Some(exceeded) => Err(exceeded.to_string()),
                None => Ok(generate::<K>(&def, &forms, &function, &parsed.prelude_names)),
            }
        })
    });
    expanded.unwrap_or_else(|e| {
        let fallback = K::fallback(function);
        with_errors(quote!(#fallback), e)
    })
}

/// Every generated item, in order: kernels, free functions, struct, impl, checks, the
/// prelude names' check, warnings.
fn generate<K: Kind>(def: &Definition, forms: &K::Forms, function: &ItemFn, named: &[syn::Path]) -> TokenStream {
    let names = Names::new(def, &function.vis);
    let kernels = K::kernels(&names, forms);
    let functions = K::free_functions(&names, forms, function);
    let strukt = names.structure::<K>();
    let imp = K::implementation(&names, forms);
    let params: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
    let doubts: Vec<_> = K::doubts(def, forms)
        .into_iter()
        .map(|d| {
            let why = d.describe(&def.name, &def.input, &params);
            (d, why)
        })
        .collect();
    let warnings = warnings(def, &doubts, &params, function);
    let checks = names.checks::<K>(&doubts);
    let prelude_names = names.prelude_names(named);
    quote! { #kernels #functions #strukt #imp #checks #prelude_names #warnings }
}

/// One compile-time warning per function with doubts (`docs/contract.md` §5.7), naming its
/// ranges (`passes::doubts::warning`: a formula that oscillates can miss the bar in dozens
/// of ranges, and a warning each was noise). Stable Rust has no warning a proc macro can
/// emit, so each is a `#[deprecated(note = ..)]` constant that the generated code uses at
/// the span of the function's name: rustc then reports "use of deprecated constant" with
/// the note, at the user's function, in every build (`#[allow(deprecated)]` on the item or
/// the module silences it, as for any deprecation).
fn warnings(
    def: &Definition,
    doubts: &[(crate::passes::doubts::Doubt, String)],
    params: &[String],
    function: &ItemFn,
) -> TokenStream {
    let span = function.sig.ident.span();
    let ranges: Vec<_> = doubts.iter().map(|(d, _)| d.clone()).collect();
    let items = ranges.chunk_by(|a, b| a.target == b.target).map(|of_one| {
        let name = quote::format_ident!(
            "__ACTIVATION_DOUBT_{}_{}",
            def.name.trim_start_matches("r#").to_uppercase(),
            of_one[0].target
        );
        let why = crate::passes::doubts::warning(of_one, &def.name, &def.input, params);
        let note = format!("{why} (see docs/contract.md §5.7 of the `activation` crate)");
        let used = quote::quote_spanned! { span=> #name };
        quote! {
            #[deprecated(note = #note)]
            #[doc(hidden)]
            #[allow(dead_code)]
            const #name: () = ();
            const _: () = #used;
        }
    });
    quote! { #(#items)* }
}

/// The generated struct is named after the function (`gelu_erf` → `GeluErf`): that name
/// must be a usable type name.
fn check_struct_name(name: &str, function: &ItemFn) -> syn::Result<()> {
    let strukt = upper_camel(name);
    if strukt.starts_with(char::is_alphabetic) && strukt != "Self" {
        return Ok(());
    }
    let msg = format!(
        "the struct generated for `{name}` would be named `{strukt}`, which is not a usable type name: \
         name the function with letters, e.g. `my_activation`"
    );
    Err(syn::Error::new_spanned(&function.sig.ident, msg))
}

/// How deeply a formula may nest (operators and calls on the longest path from the
/// result to a variable). The passes recurse along such paths, each level costing
/// several frames of the compiler's stack, and derivatives nest deeper than the formula;
/// a formula nested deeper would be an exhausted stack, which no error can report.
pub const MAX_DEPTH: u32 = 160;

/// The formula nests at most [`MAX_DEPTH`] deep.
fn check_depth(def: &Definition, function: &ItemFn) -> syn::Result<()> {
    let depth = def.body.depth();
    if depth <= MAX_DEPTH {
        return Ok(());
    }
    let msg = format!(
        "expansion budget exceeded: this formula nests {depth} operations deep (counting from the \
         result to `{}`); `#[activation]` accepts at most {MAX_DEPTH}: write it with fewer nested operations",
        def.input
    );
    Err(syn::Error::new_spanned(&function.block, msg))
}

/// Runs the passes on `function`. A panic in them is an engine bug; it still becomes an
/// error at the formula rather than a crashed macro.
fn run_passes<E: std::fmt::Display>(
    function: &ItemFn,
    passes: impl FnOnce() -> Result<TokenStream, E>,
) -> syn::Result<TokenStream> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(passes)) {
        Ok(generated) => generated.map_err(|e| syn::Error::new_spanned(&function.block, e)),
        Err(panic) => {
            let why = panic.downcast_ref::<&str>().copied().or(panic.downcast_ref::<String>().map(String::as_str));
            let msg = format!(
                "internal error of `#[activation]` on this formula ({}); please report it",
                why.unwrap_or("panic")
            );
            Err(syn::Error::new_spanned(&function.block, msg))
        }
    }
}

/// `item` beside the errors.
fn with_errors(item: TokenStream, e: syn::Error) -> TokenStream {
    let errors = e.to_compile_error();
    quote! { #item #errors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_the_function() {
        let out = activation(TokenStream::new(), quote! { fn f(x: f32) -> f64 { x as f64 } }).to_string();
        assert!(out.contains("fn f"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn every_generated_path_starts_at_the_crate_root() {
        let items = [
            (quote!(a = 1.0), quote! { fn f(x: f64, a: f64) -> f64 { x * sigmoid(a * x) } }),
            (quote!(), quote! { fn g(x: &[f64]) -> f64 { exp(x) / sum(exp(x)) } }),
        ];
        for (attr, item) in items {
            let default = activation(attr.clone(), item.clone()).to_string();
            assert!(default.contains(":: activation ::") && !default.contains("compile_error"), "{default}");
            let attr =
                if attr.is_empty() { quote!(crate = ::my::reexport) } else { quote!(#attr, crate = ::my::reexport) };
            let out = activation(attr, item).to_string();
            assert!(!out.contains("compile_error"), "{out}");
            assert!(!out.contains(":: activation ::"), "{out}");
            assert!(out.contains(":: my :: reexport ::"), "{out}");
        }
        // The setting ends with the expansion.
        assert_eq!(crate::emit::root::root().to_string(), ":: activation");
    }

    #[test]
    fn non_function_items_are_errors() {
        let out = activation(TokenStream::new(), quote! { struct S; }).to_string();
        assert!(out.contains("goes on a function"), "{out}");
    }

    #[test]
    fn struct_names_must_be_type_names() {
        for item in [quote! { fn _1(x: f64) -> f64 { x } }, quote! { fn _1(x: &[f64]) -> f64 { x / sum(x) } }] {
            let out = activation(TokenStream::new(), item).to_string();
            assert!(out.contains("not a usable type name"), "{out}");
        }
    }

    #[test]
    fn vector_activations_get_every_item() {
        let item = quote! {
            #[doc = " Softmax."]
            pub fn softmax(x: &[f64]) -> f64 { exp(x) / sum(exp(x)) }
        };
        let out = activation(TokenStream::new(), item).to_string();
        for needle in ["fn softmax (", "fn softmax_vjp", "fn softmax_jvp", "fn softmax_jacobian", "struct Softmax"] {
            assert!(out.contains(needle), "{needle} missing from {out}");
        }
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn vector_errors_replace_the_body() {
        let out = activation(TokenStream::new(), quote! { fn f(x: &[f32]) -> f64 { x / sum(x) } }).to_string();
        assert!(out.contains("unimplemented"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }
}

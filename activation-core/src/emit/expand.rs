//! What `#[activation]` expands to (SPEC §4): the front end of the engine for the macro.
//!
//! [`activation`] parses the item, derives every form, and generates the free functions,
//! the struct, its [`Activation`](crate::traits::Activation) impl and the gradient-check
//! module. On any error it emits the user's function unchanged beside the errors, so the
//! editor keeps understanding the code.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::ItemFn;

use crate::emit::codegen::{block_with, float_literal};
use crate::ir::expr::Expr;
use crate::ir::latex::to_latex;
use crate::parse::{parse_activation, Definition};
use crate::passes::derived::{derive, Derived};

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
    // A slice input declares a vector activation (softmax): its own front end.
    if crate::vector::parse::is_vector(&function) {
        return crate::vector::expand::activation(attr, function);
    }
    let expanded = parse_activation(attr, &function).and_then(|def| {
        check_struct_name(&def.name, &function)?;
        run_passes(&function, || derive(&def).map(|derived| generate(&def, &derived, &function)))
    });
    expanded.unwrap_or_else(|e| with_errors(quote!(#function), e))
}

/// The generated struct is named after the function (`gelu_erf` → `GeluErf`): that name
/// must be a usable type name.
pub(crate) fn check_struct_name(name: &str, function: &ItemFn) -> syn::Result<()> {
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

/// Runs the passes on `function`. A panic in them is an engine bug; it still becomes an
/// error at the formula rather than a crashed macro.
pub(crate) fn run_passes<E: std::fmt::Display>(
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

fn with_errors(item: TokenStream, e: syn::Error) -> TokenStream {
    let errors = e.to_compile_error();
    quote! { #item #errors }
}

/// An identifier for a name from the user's source (raw identifiers keep their `r#`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// `gelu_erf` → `GeluErf`.
pub fn upper_camel(name: &str) -> String {
    name.trim_start_matches("r#")
        .split('_')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// Names and signature pieces shared by the generated items.
struct Names<'a> {
    def: &'a Definition,
    vis: &'a syn::Visibility,
    fn_name: Ident,
    module: Ident,
    strukt: Ident,
    /// `x, alpha`
    args: Vec<Ident>,
}

impl<'a> Names<'a> {
    fn new(def: &'a Definition, vis: &'a syn::Visibility) -> Self {
        let base = def.name.trim_start_matches("r#");
        let mut args = vec![ident(&def.input)];
        args.extend(def.params.iter().map(|p| ident(&p.name)));
        Names {
            def,
            vis,
            fn_name: ident(&def.name),
            module: format_ident!("__activation_{}", base),
            strukt: Ident::new(&upper_camel(&def.name), Span::call_site()),
            args,
        }
    }

    fn suffixed(&self, suffix: &str) -> Ident {
        format_ident!("{}_{}", self.def.name.trim_start_matches("r#"), suffix)
    }
}

fn generate(def: &Definition, derived: &Derived, item: &ItemFn) -> TokenStream {
    let names = Names::new(def, &item.vis);
    let kernels = kernels(&names, derived);
    let functions = free_functions(&names, derived, item);
    let strukt = structure(&names, derived);
    let checks = checks(&names);
    quote! { #kernels #functions #strukt #checks }
}

/// The generic kernels, one per generated function, in a hidden module.
fn kernels(n: &Names, derived: &Derived) -> TokenStream {
    let (s, c) = (&derived.stable, &derived.compensated);
    let args = &n.args;
    let sig = quote! { <T: ::activation::__private::Float>(#(#args: T),*) };
    let one = |name: Ident, e: &Expr, compensated: bool| {
        let body = block_with(std::slice::from_ref(e), &[compensated]);
        quote! { #[inline(always)] pub fn #name #sig -> T { #body } }
    };
    let forward = one(format_ident!("forward"), &s.forward, c.forward);
    let derivative = one(format_ident!("derivative"), &s.derivative, c.derivative);
    let second = one(format_ident!("second_derivative"), &s.second, c.second);
    let params = n
        .def
        .params
        .iter()
        .zip(s.params.iter().zip(&c.params))
        .map(|(p, (e, &compensated))| one(format_ident!("d_{}", p.name), e, compensated));
    let fused = block_with(&[s.forward.clone(), s.derivative.clone()], &[c.forward, c.derivative]);
    let module = &n.module;
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, unused_variables, unused_parens, clippy::all)]
        mod #module {
            use ::activation::__private::Float as _;
            #forward
            #derivative
            #second
            #(#params)*
            #[inline(always)]
            pub fn with_derivative #sig -> (T, T) { #fused }
        }
    }
}

/// The public `f64` functions: forward (with the user's attributes), derivatives, fused.
fn free_functions(n: &Names, derived: &Derived, item: &ItemFn) -> TokenStream {
    let (vis, args, module, fn_name) = (n.vis, &n.args, &n.module, &n.fn_name);
    let r = &derived.readable;
    let attrs = &item.attrs;
    let params = quote! { #(#args: f64),* };
    let doc = |what: &str, e: &Expr| format!(" {what} of [`{}`]: `{}`", n.def.name, e);
    let scalar = |name: &Ident, kernel: Ident, doc: String| {
        quote! {
            #[doc = #doc]
            #[inline]
            #vis fn #name(#params) -> f64 { #module::#kernel(#(#args),*) }
        }
    };
    let derivative = scalar(&n.suffixed("derivative"), format_ident!("derivative"), doc("d/dx", &r.derivative));
    let second = scalar(&n.suffixed("second_derivative"), format_ident!("second_derivative"), doc("d²/dx²", &r.second));
    let d_params = n.def.params.iter().zip(&r.params).map(|(p, e)| {
        let what = format!("d/d{}", p.name);
        scalar(&n.suffixed(&format!("d_{}", p.name)), format_ident!("d_{}", p.name), doc(&what, e))
    });
    let fused = n.suffixed("with_derivative");
    let fused_doc = format!(" (f, f') of [`{}`], computing their shared subexpressions once.", n.def.name);
    quote! {
        #(#attrs)*
        #[inline]
        #vis fn #fn_name(#params) -> f64 { #module::forward(#(#args),*) }
        #derivative
        #second
        #(#d_params)*
        #[doc = #fused_doc]
        #[inline]
        #vis fn #fused(#params) -> (f64, f64) { #module::with_derivative(#(#args),*) }
    }
}

/// The parameter struct and its `Activation` impl.
fn structure(n: &Names, derived: &Derived) -> TokenStream {
    let (vis, strukt, module) = (n.vis, &n.strukt, &n.module);
    let def = n.def;
    let fields: Vec<Ident> = def.params.iter().map(|p| ident(&p.name)).collect();
    let doc = format!(
        " The activation [`{}`] as a value: its parameters, and the \
         [`Activation`](::activation::Activation) methods for `f32` and `f64`.",
        def.name
    );
    let declaration = if fields.is_empty() {
        quote! { #vis struct #strukt; }
    } else {
        let field_docs = fields.iter().map(|f| format!(" The parameter `{f}`."));
        quote! { #vis struct #strukt { #(#[doc = #field_docs] pub #fields: f64),* } }
    };
    let default = default_impl(n, &fields);
    let imp = activation_impl(n, derived, &fields);
    let _ = module;
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #declaration
        #default
        #imp
    }
}

fn default_impl(n: &Names, fields: &[Ident]) -> TokenStream {
    if !n.def.all_defaults() {
        return TokenStream::new();
    }
    let strukt = &n.strukt;
    let values = n.def.params.iter().map(|p| float_literal(p.default.unwrap_or_default()));
    let doc = format!(" The defaults of `#[activation(...)]` on [`{}`].", n.def.name);
    let value = if fields.is_empty() { quote!(#strukt) } else { quote!(#strukt { #(#fields: #values),* }) };
    quote! {
        impl ::core::default::Default for #strukt {
            #[doc = #doc]
            fn default() -> Self { #value }
        }
    }
}

fn activation_impl(n: &Names, derived: &Derived, fields: &[Ident]) -> TokenStream {
    let (strukt, module) = (&n.strukt, &n.module);
    let def = n.def;
    let r = &derived.readable;
    let (name, input) = (&def.name, &def.input);
    let params = def.param_names();
    let (formula, derivative) = (r.forward.to_string(), r.derivative.to_string());
    let (latex, derivative_latex) = (to_latex(&r.forward), to_latex(&r.derivative));
    let args = quote! { x, #(T::from_f64(self.#fields)),* };
    let d_arms = def.params.iter().enumerate().map(|(i, p)| {
        let kernel = format_ident!("d_{}", p.name);
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote! { #i => #module::#kernel(#args), }
    });
    let out_of_range = format!("{name}: parameter index {{}} out of range (PARAMS = {params:?})");
    quote! {
        impl ::activation::Activation for #strukt {
            const NAME: &'static str = #name;
            const INPUT: &'static str = #input;
            const PARAMS: &'static [&'static str] = &[#(#params),*];
            const FORMULA: &'static str = #formula;
            const DERIVATIVE_FORMULA: &'static str = #derivative;
            const LATEX: &'static str = #latex;
            const DERIVATIVE_LATEX: &'static str = #derivative_latex;
            fn param_values(&self) -> ::std::vec::Vec<f64> { ::std::vec![#(self.#fields),*] }
            #[inline(always)]
            fn forward<T: ::activation::__private::Float>(&self, x: T) -> T { #module::forward(#args) }
            #[inline(always)]
            fn derivative<T: ::activation::__private::Float>(&self, x: T) -> T { #module::derivative(#args) }
            #[inline(always)]
            fn second_derivative<T: ::activation::__private::Float>(&self, x: T) -> T { #module::second_derivative(#args) }
            #[inline(always)]
            fn with_derivative<T: ::activation::__private::Float>(&self, x: T) -> (T, T) { #module::with_derivative(#args) }
            #[inline(always)]
            fn param_derivative<T: ::activation::__private::Float>(&self, index: usize, x: T) -> T {
                match index {
                    #(#d_arms)*
                    _ => ::core::panic!(#out_of_range, index),
                }
            }
        }
    }
}

/// Parameter value the gradient checks use when a parameter has no default.
pub const CHECK_VALUE_WITHOUT_DEFAULT: f64 = 0.75;

/// The `#[cfg(test)]` module running the gradient checks of SPEC §5.
fn checks(n: &Names) -> TokenStream {
    let strukt = &n.strukt;
    let module = format_ident!("__activation_checks_{}", n.def.name.trim_start_matches("r#"));
    let fields = n.def.params.iter().map(|p| ident(&p.name));
    let values = n.def.params.iter().map(|p| float_literal(p.default.unwrap_or(CHECK_VALUE_WITHOUT_DEFAULT)));
    let value =
        if n.def.params.is_empty() { quote!(super::#strukt) } else { quote!(super::#strukt { #(#fields: #values),* }) };
    quote! {
        #[cfg(test)]
        mod #module {
            ::activation::__gradient_checks!(#value);
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
    }

    #[test]
    fn errors_keep_the_function() {
        let out = activation(TokenStream::new(), quote! { fn f(x: f32) -> f64 { x as f64 } }).to_string();
        assert!(out.contains("fn f"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn non_function_items_are_errors() {
        let out = activation(TokenStream::new(), quote! { struct S; }).to_string();
        assert!(out.contains("goes on a function"), "{out}");
    }
}

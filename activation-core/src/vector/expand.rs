//! What `#[activation]` expands to for a vector activation (SPEC §7).
//!
//! For `#[activation(t = 1.0)] pub fn softmax_t(x: &[f64], t: f64) -> f64 { ... }`:
//!
//! | item | meaning |
//! | --- | --- |
//! | `softmax_t(x: &[f64], t: f64, out: &mut [f64])` | forward, stable form |
//! | `softmax_t_vjp(x, g, t, out)` | `out = Jᵀ g` in O(n): the backward pass |
//! | `softmax_t_jvp(x, v, t, out)` | `out = J v` in O(n) |
//! | `softmax_t_jacobian(x, t) -> Vec<f64>` | `J`, row-major `n × n` |
//! | `pub struct SoftmaxT { pub t: f64 }` | `Default` when every parameter has one |
//! | `impl VectorActivation for SoftmaxT` | the same in `f32` or `f64`, and the formulas |
//! | a `#[cfg(test)]` module | the gradient checks of `vector::check` (feature `mpfr`) |
//!
//! Slices come first, then the parameters, then `out`. A slice whose length differs from
//! `x`'s is a panic naming the function and both lengths (documented under `# Panics`):
//! a length mismatch is a bug in the caller, as with slice indexing, not a condition to
//! handle. The free functions delegate to the struct, which checks lengths once and
//! calls the generic kernels of a hidden module.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::ItemFn;

use crate::emit::codegen::float_literal;
use crate::emit::expand::{check_struct_name, ident, run_passes, upper_camel, CHECK_VALUE_WITHOUT_DEFAULT};
use crate::ir::latex::to_latex_with_input;
use crate::parse::Definition;
use crate::vector::codegen::{self, Slices};
use crate::vector::derive::{derive, VectorForms};
use crate::vector::parse::parse_vector_activation;

/// Expands `#[activation(attr)]` on a vector activation. Never panics: every problem is a
/// spanned error, emitted beside the function (its body replaced, since a vector body is
/// not well-typed Rust and would add type errors to the real one).
pub fn activation(attr: TokenStream, function: ItemFn) -> TokenStream {
    let expanded = parse_vector_activation(attr, &function).and_then(|def| {
        check_struct_name(&def.name, &function)?;
        run_passes(&function, || derive(&def).map(|forms| generate(&def, &forms, &function)))
    });
    expanded.unwrap_or_else(|e| {
        let mut stub = function.clone();
        stub.block = syn::parse_quote!({ ::core::unimplemented!() });
        stub.attrs.push(syn::parse_quote!(#[allow(unused_variables, dead_code)]));
        let errors = e.to_compile_error();
        quote! { #stub #errors }
    })
}

/// Names shared by the generated items.
struct Names<'a> {
    def: &'a Definition,
    vis: &'a syn::Visibility,
    module: Ident,
    strukt: Ident,
    params: Vec<Ident>,
    /// The free functions' argument names: input, cotangent, tangent, output.
    x: Ident,
    g: Ident,
    v: Ident,
    out: Ident,
}

impl<'a> Names<'a> {
    fn new(def: &'a Definition, forms: &VectorForms, vis: &'a syn::Visibility) -> Self {
        let base = def.name.trim_start_matches("r#");
        let taken = |n: &str| def.params.iter().any(|p| p.name == n) || def.input == n;
        let mut out = String::from("out");
        while taken(&out) {
            out.push('_');
        }
        Names {
            def,
            vis,
            module: format_ident!("__activation_{}", base),
            strukt: Ident::new(&upper_camel(&def.name), Span::call_site()),
            params: def.params.iter().map(|p| ident(&p.name)).collect(),
            x: ident(&def.input),
            g: ident(&forms.cotangent),
            v: ident(&forms.tangent),
            out: ident(&out),
        }
    }

    fn suffixed(&self, suffix: &str) -> Ident {
        format_ident!("{}_{}", self.def.name.trim_start_matches("r#"), suffix)
    }

    /// The struct value holding the free function's parameters: `Softmax` or `SoftmaxT { t }`.
    fn value(&self) -> TokenStream {
        let (strukt, params) = (&self.strukt, &self.params);
        if params.is_empty() {
            quote!(#strukt)
        } else {
            quote!(#strukt { #(#params),* })
        }
    }
}

fn generate(def: &Definition, forms: &VectorForms, item: &ItemFn) -> TokenStream {
    let names = Names::new(def, forms, &item.vis);
    let kernels = kernels(&names, forms);
    let functions = free_functions(&names, forms, item);
    let strukt = structure(&names, forms);
    let checks = checks(&names);
    quote! { #kernels #functions #strukt #checks }
}

/// The generic kernels, in a hidden module.
fn kernels(n: &Names, forms: &VectorForms) -> TokenStream {
    let graph = &forms.graph;
    let params = &n.params;
    let hygienic = |s: &str| Ident::new(s, Span::mixed_site());
    let (xs, gs, vs, out) = (hygienic("xs"), hygienic("gs"), hygienic("vs"), hygienic("out"));
    let forward = codegen::elementwise(graph, &Slices::new(graph, &[]), &forms.forward);
    let vjp = codegen::elementwise(graph, &Slices::new(graph, &[(&forms.cotangent, "gs")]), &forms.vjp);
    let jvp = codegen::elementwise(graph, &Slices::new(graph, &[(&forms.tangent, "vs")]), &forms.jvp);
    let jacobian = codegen::jacobian(graph, &Slices::new(graph, &[]), &forms.jacobian);
    let module = &n.module;
    quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, unused_variables, unused_parens, unused_mut, clippy::all)]
        mod #module {
            use ::activation::Real as _;
            pub fn forward<T: ::activation::Real>(#xs: &[T], #(#params: T,)* #out: &mut [T]) { #forward }
            pub fn vjp<T: ::activation::Real>(#xs: &[T], #gs: &[T], #(#params: T,)* #out: &mut [T]) { #vjp }
            pub fn jvp<T: ::activation::Real>(#xs: &[T], #vs: &[T], #(#params: T,)* #out: &mut [T]) { #jvp }
            pub fn jacobian<T: ::activation::Real>(#xs: &[T], #(#params: T),*) -> ::std::vec::Vec<T> { #jacobian }
        }
    }
}

/// Doc lines as attributes.
fn docs(lines: &[String]) -> TokenStream {
    quote! { #(#[doc = #lines])* }
}

/// The public `f64` functions.
fn free_functions(n: &Names, forms: &VectorForms, item: &ItemFn) -> TokenStream {
    let (vis, params, value) = (n.vis, &n.params, n.value());
    let (x, g, v, out) = (&n.x, &n.g, &n.v, &n.out);
    let name = &n.def.name;
    let fn_name = ident(name);
    let attrs = &item.attrs;
    let panics =
        |slices: &str| vec![String::new(), " # Panics".into(), format!(" When {slices} differs in length from `{x}`.")];
    let forward_doc = docs(&panics(&format!("`{out}`")));
    let mut vjp_doc = vec![
        format!(" The vector-Jacobian product of [`{name}`]: `{out}[k] = Σ_i {g}[i] ∂f_i/∂{x}_k`, the backward"),
        " pass, in O(n):".into(),
        String::new(),
        format!(" `{}`", forms.readable.vjp),
    ];
    vjp_doc.extend(panics(&format!("`{g}` or `{out}`")));
    let mut jvp_doc = vec![
        format!(" The Jacobian-vector product of [`{name}`]: `{out}[i] = Σ_k ∂f_i/∂{x}_k {v}[k]`, in O(n):"),
        String::new(),
        format!(" `{}`", forms.readable.jvp),
    ];
    jvp_doc.extend(panics(&format!("`{v}` or `{out}`")));
    let jacobian_doc = vec![
        format!(" The Jacobian of [`{name}`], row-major: element `i * n + k` is `∂f_i/∂{x}_k`, `n = {x}.len()`."),
        " O(n²) time and memory: for small `n`; the products never build it.".into(),
    ];
    let (vjp_doc, jvp_doc, jacobian_doc) = (docs(&vjp_doc), docs(&jvp_doc), docs(&jacobian_doc));
    let (vjp, jvp, jacobian) = (n.suffixed("vjp"), n.suffixed("jvp"), n.suffixed("jacobian"));
    quote! {
        #(#attrs)*
        #forward_doc
        #[inline]
        #vis fn #fn_name(#x: &[f64], #(#params: f64,)* #out: &mut [f64]) {
            ::activation::VectorActivation::forward(&#value, #x, #out)
        }
        #vjp_doc
        #[inline]
        #vis fn #vjp(#x: &[f64], #g: &[f64], #(#params: f64,)* #out: &mut [f64]) {
            ::activation::VectorActivation::vjp(&#value, #x, #g, #out)
        }
        #jvp_doc
        #[inline]
        #vis fn #jvp(#x: &[f64], #v: &[f64], #(#params: f64,)* #out: &mut [f64]) {
            ::activation::VectorActivation::jvp(&#value, #x, #v, #out)
        }
        #jacobian_doc
        #vis fn #jacobian(#x: &[f64], #(#params: f64),*) -> ::std::vec::Vec<f64> {
            ::activation::VectorActivation::jacobian(&#value, #x)
        }
    }
}

/// The parameter struct and its `VectorActivation` impl.
fn structure(n: &Names, forms: &VectorForms) -> TokenStream {
    let (vis, strukt, module, fields) = (n.vis, &n.strukt, &n.module, &n.params);
    let def = n.def;
    let doc = format!(
        " The vector activation [`{}`] as a value: its parameters, and the \
         [`VectorActivation`](::activation::VectorActivation) methods for `f32` and `f64`.",
        def.name
    );
    let declaration = if fields.is_empty() {
        quote! { #vis struct #strukt; }
    } else {
        let field_docs = fields.iter().map(|f| format!(" The parameter `{f}`."));
        quote! { #vis struct #strukt { #(#[doc = #field_docs] pub #fields: f64),* } }
    };
    let default = default_impl(n);
    let (name, input) = (&def.name, &def.input);
    let param_names = def.param_names();
    let formula = forms.readable.forward.to_string();
    let latex = to_latex_with_input(&forms.readable.forward, input);
    let (vjp_formula, jvp_formula) = (forms.readable.vjp.to_string(), forms.readable.jvp.to_string());
    let shift_invariant = forms.shift_invariant;
    let args: Vec<TokenStream> = fields.iter().map(|f| quote! { T::from_f64(self.#f) }).collect();
    let hygienic = |s: &str| Ident::new(s, Span::mixed_site());
    let (x, w, out) = (hygienic("x"), hygienic("w"), hygienic("out"));
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #declaration
        #default
        impl ::activation::VectorActivation for #strukt {
            const NAME: &'static str = #name;
            const INPUT: &'static str = #input;
            const PARAMS: &'static [&'static str] = &[#(#param_names),*];
            const FORMULA: &'static str = #formula;
            const LATEX: &'static str = #latex;
            const VJP_FORMULA: &'static str = #vjp_formula;
            const JVP_FORMULA: &'static str = #jvp_formula;
            const SHIFT_INVARIANT: bool = #shift_invariant;
            fn param_values(&self) -> ::std::vec::Vec<f64> { ::std::vec![#(self.#fields),*] }
            #[inline]
            fn forward_kernel<T: ::activation::Real>(&self, #x: &[T], #out: &mut [T]) {
                #module::forward(#x, #(#args,)* #out)
            }
            #[inline]
            fn vjp_kernel<T: ::activation::Real>(&self, #x: &[T], #w: &[T], #out: &mut [T]) {
                #module::vjp(#x, #w, #(#args,)* #out)
            }
            #[inline]
            fn jvp_kernel<T: ::activation::Real>(&self, #x: &[T], #w: &[T], #out: &mut [T]) {
                #module::jvp(#x, #w, #(#args,)* #out)
            }
            fn jacobian<T: ::activation::Real>(&self, #x: &[T]) -> ::std::vec::Vec<T> {
                #module::jacobian(#x, #(#args),*)
            }
        }
    }
}

fn default_impl(n: &Names) -> TokenStream {
    if !n.def.all_defaults() {
        return TokenStream::new();
    }
    let (strukt, fields) = (&n.strukt, &n.params);
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

/// The `#[cfg(test)]` module running the vector gradient checks.
fn checks(n: &Names) -> TokenStream {
    let strukt = &n.strukt;
    let module = format_ident!("__activation_checks_{}", n.def.name.trim_start_matches("r#"));
    let fields = &n.params;
    let values = n.def.params.iter().map(|p| float_literal(p.default.unwrap_or(CHECK_VALUE_WITHOUT_DEFAULT)));
    let value =
        if fields.is_empty() { quote!(super::#strukt) } else { quote!(super::#strukt { #(#fields: #values),* }) };
    quote! {
        #[cfg(test)]
        mod #module {
            ::activation::__vector_gradient_checks!(#value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_replace_the_body() {
        let item: ItemFn = syn::parse_quote! { fn f(x: &[f32]) -> f64 { x / sum(x) } };
        let out = activation(TokenStream::new(), item).to_string();
        assert!(out.contains("unimplemented"), "{out}");
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn generates_every_item() {
        let item: ItemFn = syn::parse_quote! {
            #[doc = " Softmax."]
            pub fn softmax(x: &[f64]) -> f64 { exp(x) / sum(exp(x)) }
        };
        let out = activation(TokenStream::new(), item).to_string();
        for needle in ["fn softmax (", "fn softmax_vjp", "fn softmax_jvp", "fn softmax_jacobian", "struct Softmax"] {
            assert!(out.contains(needle), "{needle} missing from {out}");
        }
        assert!(!out.contains("compile_error"), "{out}");
    }
}

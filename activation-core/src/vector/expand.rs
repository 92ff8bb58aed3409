//! What `#[activation]` adds for a vector activation (`docs/contract.md` §7), beside the
//! shared items of [`item`](crate::emit::item).
//!
//! For `#[activation(t = 1.0)] pub fn softmax_t(x: &[f64], t: f64) -> f64 { ... }`:
//!
//! | item | meaning |
//! | --- | --- |
//! | `softmax_t(x: &[f64], t: f64, out: &mut [f64])` | forward, stable form |
//! | `softmax_t_vjp(x, g, t, out)` | `out = Jᵀ g` in O(n): the backward pass |
//! | `softmax_t_jvp(x, v, t, out)` | `out = J v` in O(n) |
//! | `softmax_t_jacobian(x, t) -> Vec<f64>` | `J`, row-major `n × n` |
//! | `impl VectorActivation for SoftmaxT` | the same in `f32` or `f64`, and the formulas |
//!
//! The struct (`pub struct SoftmaxT { pub t: f64 }`, `Default` when every parameter has
//! one) and the `#[cfg(test)]` module of gradient checks (`vector::check`, feature `mpfr`)
//! are the shared items.
//!
//! Slices come first, then the parameters, then `out`. A slice whose length differs from
//! `x`'s is a panic naming the function and both lengths (documented under `# Panics`):
//! a length mismatch is a bug in the caller, as with slice indexing, not a condition to
//! handle. The free functions delegate to the struct, which checks lengths once and
//! calls the generic kernels of a hidden module.

use crate::emit::root::root;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::ItemFn;

use crate::emit::item::{docs, ident, Kind, Names};
use crate::ir::latex::to_latex_with_input;
use crate::parse::Definition;
use crate::vector::codegen::{self, Slices};
use crate::vector::derive::{derive, DeriveError, VectorForms};
use crate::vector::parse::parse_vector_activation;

/// A vector activation: `fn name(x: &[f64], params: f64...) -> f64`.
pub(crate) struct Vector;

impl Kind for Vector {
    type Forms = VectorForms;
    type Error = DeriveError;
    const WHAT: &'static str = "vector activation";
    const TRAIT: &'static str = "VectorActivation";
    const CHECKS: &'static str = "__vector_gradient_checks";

    fn parse(attr: TokenStream, function: &ItemFn) -> syn::Result<crate::parse::Parsed> {
        parse_vector_activation(attr, function)
    }

    fn derive(def: &Definition) -> Result<VectorForms, DeriveError> {
        derive(def)
    }

    /// Forward, VJP, JVP and Jacobian over slices of the runtime's `Real`.
    fn kernels(n: &Names, forms: &VectorForms) -> TokenStream {
        let root = root();
        let graph = &forms.graph;
        let params = &n.fields;
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
                use #root::Real as _;
                pub fn forward<T: #root::Real>(#xs: &[T], #(#params: T,)* #out: &mut [T]) { #forward }
                pub fn vjp<T: #root::Real>(#xs: &[T], #gs: &[T], #(#params: T,)* #out: &mut [T]) { #vjp }
                pub fn jvp<T: #root::Real>(#xs: &[T], #vs: &[T], #(#params: T,)* #out: &mut [T]) { #jvp }
                pub fn jacobian<T: #root::Real>(#xs: &[T], #(#params: T),*) -> ::std::vec::Vec<T> { #jacobian }
            }
        }
    }

    /// Forward (with the user's attributes), VJP, JVP and Jacobian, each delegating to the
    /// struct.
    fn free_functions(n: &Names, forms: &VectorForms, function: &ItemFn) -> TokenStream {
        let root = root();
        let (vis, params, fn_name) = (n.vis, &n.fields, &n.fn_name);
        // The struct holding the parameters: `Softmax` or `SoftmaxT { t }`.
        let strukt = &n.strukt;
        let value = if params.is_empty() { quote!(#strukt) } else { quote!(#strukt { #(#params),* }) };
        let (x, g, v, out) = (&n.input, ident(&forms.cotangent), ident(&forms.tangent), out(n.def));
        let name = &n.def.name;
        let attrs = &function.attrs;
        let panics = |slices: &str| {
            vec![String::new(), " # Panics".into(), format!(" When {slices} differs in length from `{x}`.")]
        };
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
                #root::VectorActivation::forward(&#value, #x, #out)
            }
            #vjp_doc
            #[inline]
            #vis fn #vjp(#x: &[f64], #g: &[f64], #(#params: f64,)* #out: &mut [f64]) {
                #root::VectorActivation::vjp(&#value, #x, #g, #out)
            }
            #jvp_doc
            #[inline]
            #vis fn #jvp(#x: &[f64], #v: &[f64], #(#params: f64,)* #out: &mut [f64]) {
                #root::VectorActivation::jvp(&#value, #x, #v, #out)
            }
            #jacobian_doc
            #vis fn #jacobian(#x: &[f64], #(#params: f64),*) -> ::std::vec::Vec<f64> {
                #root::VectorActivation::jacobian(&#value, #x)
            }
        }
    }

    /// `impl VectorActivation`: the names and formulas, and the kernels called with the
    /// struct's fields as the parameters.
    fn implementation(n: &Names, forms: &VectorForms) -> TokenStream {
        let root = root();
        let (strukt, module, fields) = (&n.strukt, &n.module, &n.fields);
        let def = n.def;
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
            impl #root::VectorActivation for #strukt {
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
                fn forward_kernel<T: #root::Real>(&self, #x: &[T], #out: &mut [T]) {
                    #module::forward(#x, #(#args,)* #out)
                }
                #[inline]
                fn vjp_kernel<T: #root::Real>(&self, #x: &[T], #w: &[T], #out: &mut [T]) {
                    #module::vjp(#x, #w, #(#args,)* #out)
                }
                #[inline]
                fn jvp_kernel<T: #root::Real>(&self, #x: &[T], #w: &[T], #out: &mut [T]) {
                    #module::jvp(#x, #w, #(#args,)* #out)
                }
                fn jacobian<T: #root::Real>(&self, #x: &[T]) -> ::std::vec::Vec<T> {
                    #module::jacobian(#x, #(#args),*)
                }
            }
        }
    }

    /// The function with its body replaced: a vector body is not well-typed Rust and would
    /// add type errors to the real ones.
    fn fallback(mut function: ItemFn) -> ItemFn {
        function.block = syn::parse_quote!({ ::core::unimplemented!() });
        function.attrs.push(syn::parse_quote!(#[allow(unused_variables, dead_code)]));
        function
    }
}

/// The free functions' output slice: `out`, with `_` appended while it would clash with the
/// input or a parameter.
fn out(def: &Definition) -> Ident {
    let taken = |n: &str| def.params.iter().any(|p| p.name == n) || def.input == n;
    let mut out = String::from("out");
    while taken(&out) {
        out.push('_');
    }
    ident(&out)
}

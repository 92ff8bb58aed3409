//! What `#[activation]` adds for a scalar activation (`docs/contract.md` §4.1), beside the
//! shared items of [`item`](crate::emit::item).
//!
//! For `#[activation(alpha = 1.0)] pub fn elu(x: f64, alpha: f64) -> f64 { ... }`:
//!
//! | item | meaning |
//! | --- | --- |
//! | `elu(x: f64, alpha: f64) -> f64` | forward, stable form, with the user's attributes |
//! | `elu_derivative(x, alpha)`, `elu_second_derivative(x, alpha)` | d/dx, d²/dx² |
//! | `elu_d_alpha(x, alpha)` | ∂f/∂alpha, one such function per parameter |
//! | `elu_with_derivative(x, alpha) -> (f64, f64)` | (f, f'), sharing their subexpressions |
//! | `impl Activation for Elu` | the same in `f32` or `f64`, lanes included, and the formulas |
//!
//! The free functions and the impl call the generic kernels of a hidden module, one per
//! function, each over the runtime's `Float`.

use crate::emit::root::root;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::ItemFn;

use crate::emit::codegen::block_refining;
use crate::emit::item::{Kind, Names};
use crate::ir::expr::Expr;
use crate::ir::latex::to_latex;
use crate::ir::text::printed;
use crate::parse::{parse_activation, Definition, Parsed};
use crate::passes::derived::{derive, Arithmetic, Derived};
use crate::passes::diff::DiffError;

/// A scalar activation: `fn name(x: f64, params: f64...) -> f64`.
pub(crate) struct Scalar;

impl Kind for Scalar {
    type Forms = Derived;
    type Error = DiffError;
    const WHAT: &'static str = "activation";
    const TRAIT: &'static str = "Activation";
    const CHECKS: &'static str = "__gradient_checks";

    fn parse(attr: TokenStream, function: &ItemFn) -> syn::Result<Parsed> {
        parse_activation(attr, function)
    }

    fn derive(def: &Definition) -> Result<Derived, DiffError> {
        derive(def)
    }

    fn doubts(def: &Definition, derived: &Derived) -> Vec<crate::passes::doubts::Doubt> {
        crate::passes::doubts::doubts(def, derived)
    }

    /// One kernel per generated function, and the fused forward and derivative.
    fn kernels(n: &Names, derived: &Derived) -> TokenStream {
        let root = root();
        let (s, c) = (&derived.stable, &derived.compensated);
        let args = arguments(n);
        let sig = quote! { <T: #root::__private::Float>(#(#args: T),*) };
        // Whether function `i` (f, f', f'', then d/dp) refines its arguments in the tails.
        let tails = |i: usize| c.refined[i];
        let one = |name: Ident, e: &Expr, arithmetic: Arithmetic, tails: bool| {
            if arithmetic.is_widened() {
                // The `f64` code over `T::Wide` (`T` itself for `f64`), rounded once: plain,
                // or compensated over `Dd<T::Wide>`.
                let inner = if arithmetic == Arithmetic::Wide { Arithmetic::Plain } else { Arithmetic::Compensated };
                let body = block_refining(std::slice::from_ref(e), &[inner], tails);
                let wide = format_ident!("{name}_wide");
                return quote! {
                    #[inline(always)]
                    pub fn #name #sig -> T { T::narrow(#wide::<T::Wide>(#(#args.widen()),*)) }
                    // Inlined where optimised, so that its lanes compile for the instruction set
                    // the dispatcher chose; a call of its own in unoptimised builds, whose
                    // frames keep every temporary: a widened compensated form in pairs of
                    // `f64` lanes, inlined into its callers, overflowed a test thread's 2 MB.
                    #[cfg_attr(debug_assertions, inline(never))]
                    #[cfg_attr(not(debug_assertions), inline(always))]
                    fn #wide #sig -> T { #body }
                };
            }
            let body = block_refining(std::slice::from_ref(e), &[arithmetic], tails);
            quote! { #[inline(always)] pub fn #name #sig -> T { #body } }
        };
        let forward = one(format_ident!("forward"), &s.forward, c.forward, tails(0));
        let derivative = one(format_ident!("derivative"), &s.derivative, c.derivative, tails(1));
        let second = one(format_ident!("second_derivative"), &s.second, c.second, tails(2));
        let params = n
            .def
            .params
            .iter()
            .zip(s.params.iter().zip(&c.params))
            .enumerate()
            .map(|(i, (p, (e, &arithmetic)))| one(format_ident!("d_{}", p.name), e, arithmetic, tails(3 + i)));
        let fused = if c.forward.is_widened() || c.derivative.is_widened() {
            // Each as its own kernel computes it: the fused kernel's results are the same bits.
            quote! { (forward(#(#args),*), derivative(#(#args),*)) }
        } else {
            block_refining(&[s.forward.clone(), s.derivative.clone()], &[c.forward, c.derivative], tails(0))
        };
        let module = &n.module;
        quote! {
            #[doc(hidden)]
            #[allow(non_snake_case, unused_variables, unused_parens, clippy::all)]
            mod #module {
                use #root::__private::Float as _;
                #forward
                #derivative
                #second
                #(#params)*
                #[inline(always)]
                pub fn with_derivative #sig -> (T, T) { #fused }
            }
        }
    }

    /// Forward (with the user's attributes), derivatives, fused, each documented with its
    /// readable form.
    fn free_functions(n: &Names, derived: &Derived, function: &ItemFn) -> TokenStream {
        let (vis, module, fn_name) = (n.vis, &n.module, &n.fn_name);
        let args = arguments(n);
        let r = &derived.readable;
        let attrs = &function.attrs;
        let params = quote! { #(#args: f64),* };
        let doc = |what: &str, e: &Expr| format!(" {what} of [`{}`]: `{}`", n.def.name, printed(e, Expr::to_string));
        let scalar = |name: &Ident, kernel: Ident, doc: String| {
            quote! {
                #[doc = #doc]
                #[inline]
                #vis fn #name(#params) -> f64 { #module::#kernel(#(#args),*) }
            }
        };
        let derivative = scalar(&n.suffixed("derivative"), format_ident!("derivative"), doc("d/dx", &r.derivative));
        let second =
            scalar(&n.suffixed("second_derivative"), format_ident!("second_derivative"), doc("d²/dx²", &r.second));
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

    /// `impl Activation`: the names and formulas, and every method calling its kernel
    /// with the struct's fields as the parameters.
    fn implementation(n: &Names, derived: &Derived) -> TokenStream {
        let root = root();
        let (strukt, module, fields) = (&n.strukt, &n.module, &n.fields);
        let def = n.def;
        let r = &derived.readable;
        let (name, input) = (&def.name, &def.input);
        let params = def.param_names();
        let (formula, derivative) = (printed(&r.forward, Expr::to_string), printed(&r.derivative, Expr::to_string));
        let (latex, derivative_latex) = (printed(&r.forward, to_latex), printed(&r.derivative, to_latex));
        let args = quote! { x, #(T::from_f64(self.#fields)),* };
        let d_arms = def.params.iter().enumerate().map(|(i, p)| {
            let kernel = format_ident!("d_{}", p.name);
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            quote! { #i => #module::#kernel(#args), }
        });
        let out_of_range = format!("{name}: parameter index {{}} out of range (PARAMS = {params:?})");
        // The frameworks' impls (a candle op), present when the facade's feature is on.
        let fields_list = if fields.is_empty() { quote!() } else { quote!({ #(#fields),* }) };
        let frameworks = quote! { #root::__candle!(#strukt #fields_list); };
        quote! {
            impl #root::Activation for #strukt {
                const NAME: &'static str = #name;
                const INPUT: &'static str = #input;
                const PARAMS: &'static [&'static str] = &[#(#params),*];
                const FORMULA: &'static str = #formula;
                const DERIVATIVE_FORMULA: &'static str = #derivative;
                const LATEX: &'static str = #latex;
                const DERIVATIVE_LATEX: &'static str = #derivative_latex;
                fn param_values(&self) -> ::std::vec::Vec<f64> { ::std::vec![#(self.#fields),*] }
                #[inline(always)]
                fn forward<T: #root::__private::Float>(&self, x: T) -> T { #module::forward(#args) }
                #[inline(always)]
                fn derivative<T: #root::__private::Float>(&self, x: T) -> T { #module::derivative(#args) }
                #[inline(always)]
                fn second_derivative<T: #root::__private::Float>(&self, x: T) -> T { #module::second_derivative(#args) }
                #[inline(always)]
                fn with_derivative<T: #root::__private::Float>(&self, x: T) -> (T, T) { #module::with_derivative(#args) }
                #[inline(always)]
                fn param_derivative<T: #root::__private::Float>(&self, index: usize, x: T) -> T {
                    match index {
                        #(#d_arms)*
                        _ => ::core::panic!(#out_of_range, index),
                    }
                }
            }
            #frameworks
        }
    }
}

/// The kernels' and free functions' arguments: the input, then the parameters (`x, alpha`).
fn arguments<'n>(n: &'n Names) -> Vec<&'n Ident> {
    std::iter::once(&n.input).chain(&n.fields).collect()
}

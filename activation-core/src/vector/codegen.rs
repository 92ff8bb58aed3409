//! Code generation for vector formulas: loops over the slices around the scalar
//! [`crate::emit::codegen::block`] emitter.
//!
//! A kernel computes the reductions it needs level by level — all reductions whose
//! inputs are ready share one pass over the elements, and their bodies share common
//! subexpressions — then the element-wise output in a last pass, with what does not vary
//! with the element (`<g, s>` in the softmax VJP, `log1p(S°)` in log-softmax) computed
//! once before it. Every kernel is O(n) but the Jacobian's, which fills its n × n result
//! from the diagonal and one column vector per reduction, never evaluating a formula
//! n² times.
//!
//! Names: the slices, indices and loop temporaries use mixed-site hygiene, so they never
//! meet the user's names; the element-wise variables, parameters and reduction symbols are
//! the expression's own names, at the call site (the graph keeps them fresh).

use crate::emit::root::root;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::emit::codegen::block;
use crate::emit::item::ident;
use crate::ir::expr::Expr;
use crate::vector::graph::{Graph, Kind};

/// An element-wise output and, optionally, its value at the argmax of a `max` (which
/// replaces the general value at that index).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Output {
    /// The value at every element.
    pub general: Expr,
    /// The `Max` reduction and the value at its argmax, written over the general one.
    pub at_max: Option<(usize, Expr)>,
}

/// A Jacobian to emit: `J_ik = [i = k] diagonal(x_i) + Σ_t terms[t].0(x_i) terms[t].1(x_k)`,
/// and the diagonal entry at the argmax, when it is computed apart.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JacobianOutput {
    /// The diagonal part, element-wise in `x_i`.
    pub diagonal: Expr,
    /// The outer products: a row factor in `x_i` and a column factor in `x_k` each.
    pub terms: Vec<(Expr, Expr)>,
    /// The `Max` reduction and the diagonal entry at its argmax, when computed apart.
    pub at_max: Option<(usize, Expr)>,
}

fn hygienic(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// The names of a kernel's slices: each element-wise variable and the slice it reads.
pub(crate) struct Slices(pub Vec<(String, Ident)>);

impl Slices {
    /// `xs` for the input and, for each other variable, the slice named `slice`.
    pub(crate) fn new(graph: &Graph, others: &[(&str, &str)]) -> Slices {
        let mut all = vec![(graph.input().to_string(), hygienic("xs"))];
        all.extend(others.iter().map(|(v, s)| (v.to_string(), hygienic(s))));
        Slices(all)
    }

    fn input(&self) -> &Ident {
        &self.0[0].1
    }
}

/// The statements binding, at index `at`, the element-wise variables and argmax
/// indicators that `exprs` use.
fn bindings(graph: &Graph, slices: &Slices, exprs: &[&Expr], at: &TokenStream) -> TokenStream {
    let uses = |name: &str| exprs.iter().any(|e| e.depends_on(name));
    let vars = slices.0.iter().filter(|(v, _)| uses(v)).map(|(v, slice)| {
        let v = ident(v);
        quote! { let #v = #slice[#at]; }
    });
    let indicators = (0..graph.reds.len()).filter(|&r| graph.reds[r].kind == Kind::Max).filter_map(|r| {
        let name = graph.indicator(r);
        uses(&name).then(|| {
            let (name, argmax) = (ident(&name), argmax(graph, r));
            quote! { let #name = if #at == #argmax { T::from_f64(1.0) } else { T::from_f64(0.0) }; }
        })
    });
    quote! { #(#vars)* #(#indicators)* }
}

/// The index variable holding the argmax of `Max` reduction `r`.
fn argmax(graph: &Graph, r: usize) -> Ident {
    hygienic(&format!("{}_argmax", graph.reds[r].symbol))
}

/// The value of `exprs` (one, or a tuple) at index `at`: an expression, in a block when it
/// needs statements.
fn value_at(graph: &Graph, slices: &Slices, exprs: &[Expr], at: &TokenStream) -> TokenStream {
    if let [Expr::Var(v)] = exprs {
        if let Some((_, slice)) = slices.0.iter().find(|(name, _)| name == v) {
            return quote! { #slice[#at] };
        }
    }
    let refs: Vec<&Expr> = exprs.iter().collect();
    let binds = bindings(graph, slices, &refs, at);
    let value = block(exprs);
    braced(quote! { #binds #value })
}

/// `tokens` as an expression: in braces if it starts with a statement.
fn braced(tokens: TokenStream) -> TokenStream {
    match tokens.clone().into_iter().next() {
        Some(proc_macro2::TokenTree::Ident(i)) if i == "let" => quote! { { #tokens } },
        _ => tokens,
    }
}

/// When each reduction can be computed: 1 + the level of its inputs for a pass over the
/// elements; the level of its inputs for a value at an argmax (read after that pass).
fn levels(graph: &Graph, needed: &[usize]) -> Vec<usize> {
    let mut level = vec![0; graph.reds.len()];
    for &r in needed {
        let inputs = graph.deps(r).into_iter().map(|d| level[d]).max().unwrap_or(0);
        level[r] = match graph.reds[r].kind {
            Kind::AtArgmax(_) => inputs,
            _ => inputs + 1,
        };
    }
    level
}

/// The `Max` reductions whose argmax `exprs` use (through the engine's kinds of
/// reduction, an indicator or a value at the argmax written into the output).
fn argmax_used(graph: &Graph, exprs: &[&Expr], needed: &[usize], fixups: &[usize]) -> Vec<usize> {
    let mut used: Vec<usize> = fixups.to_vec();
    for &r in needed {
        if let Kind::SumExcept(m) | Kind::AtArgmax(m) = graph.reds[r].kind {
            used.push(m);
        }
    }
    for &r in needed.iter().filter(|&&r| graph.reds[r].kind == Kind::Max) {
        let indicator = graph.indicator(r);
        let in_bodies = needed.iter().any(|&b| graph.reds[b].body.depends_on(&indicator));
        if in_bodies || exprs.iter().any(|e| e.depends_on(&indicator)) {
            used.push(r);
        }
    }
    used
}

/// Computes every reduction `exprs` need, in passes over the elements (`fixups`: the
/// `Max` reductions whose argmax the caller writes at).
fn reductions(graph: &Graph, slices: &Slices, exprs: &[&Expr], fixups: &[usize]) -> TokenStream {
    let needed = graph.needed(exprs);
    let argmaxes = argmax_used(graph, exprs, &needed, fixups);
    let level = levels(graph, &needed);
    let top = needed.iter().map(|&r| level[r]).max().unwrap_or(0);
    let mut out = TokenStream::new();
    for l in 1..=top {
        let passes: Vec<usize> = needed
            .iter()
            .copied()
            .filter(|&r| level[r] == l && !matches!(graph.reds[r].kind, Kind::AtArgmax(_)))
            .collect();
        if !passes.is_empty() {
            out.extend(pass(graph, slices, &passes, &argmaxes));
        }
        for r in needed.iter().copied().filter(|&r| level[r] == l && matches!(graph.reds[r].kind, Kind::AtArgmax(_))) {
            let Kind::AtArgmax(m) = graph.reds[r].kind else { continue };
            let at = argmax(graph, m);
            let value = value_at(graph, slices, std::slice::from_ref(&graph.reds[r].body), &quote!(#at));
            let symbol = ident(&graph.reds[r].symbol);
            out.extend(quote! { let #symbol = #value; });
        }
    }
    out
}

/// One pass over the elements accumulating the reductions `reds`, tracking the argmax of
/// the maxima in `argmaxes`.
fn pass(graph: &Graph, slices: &Slices, reds: &[usize], argmaxes: &[usize]) -> TokenStream {
    let mut bodies: Vec<Expr> = Vec::new();
    for &r in reds {
        if !bodies.contains(&graph.reds[r].body) {
            bodies.push(graph.reds[r].body.clone());
        }
    }
    let j = hygienic("j");
    let values: Vec<Ident> = (0..bodies.len()).map(|i| hygienic(&format!("b{i}"))).collect();
    let computed = value_at(graph, slices, &bodies, &quote!(#j));
    let mut declare = TokenStream::new();
    let mut update = TokenStream::new();
    // Sums over all elements but an argmax, grouped under one test per argmax.
    let mut except: Vec<(usize, TokenStream)> = Vec::new();
    for &r in reds {
        let symbol = ident(&graph.reds[r].symbol);
        let b = &values[bodies.iter().position(|b| *b == graph.reds[r].body).expect("collected above")];
        match graph.reds[r].kind {
            Kind::Sum => {
                declare.extend(quote! { let mut #symbol = T::from_f64(0.0); });
                update.extend(quote! { #symbol = #symbol + #b; });
            }
            Kind::SumExcept(m) => {
                declare.extend(quote! { let mut #symbol = T::from_f64(0.0); });
                let add = quote! { #symbol = #symbol + #b; };
                match except.iter_mut().find(|(k, _)| *k == m) {
                    Some((_, adds)) => adds.extend(add),
                    None => except.push((m, add)),
                }
            }
            Kind::Max if argmaxes.contains(&r) => {
                let at = argmax(graph, r);
                declare
                    .extend(quote! { let mut #symbol = T::from_f64(::core::f64::NEG_INFINITY); let mut #at = 0usize; });
                // Strictly greater: the first index wins a tie.
                update.extend(quote! { if #b > #symbol { #symbol = #b; #at = #j; } });
            }
            Kind::Max => {
                declare.extend(quote! { let mut #symbol = T::from_f64(::core::f64::NEG_INFINITY); });
                update.extend(quote! { #symbol = #symbol.max(#b); });
            }
            Kind::AtArgmax(_) => unreachable!("values at an argmax are not accumulated"),
        }
    }
    for (m, adds) in except {
        let at = argmax(graph, m);
        update.extend(quote! { if #j != #at { #adds } });
    }
    let xs = slices.input();
    let unpack = if values.len() == 1 { quote!(#(#values)*) } else { quote!((#(#values),*)) };
    quote! {
        #declare
        for #j in 0..#xs.len() {
            let #unpack = #computed;
            #update
        }
    }
}

/// Replaces the largest subexpressions of `e` that are the same for every element (and
/// cost something) by new symbols, returned with their values: they are computed once.
fn hoist(graph: &mut Graph, e: &Expr, out: &mut Vec<(String, Expr)>) -> Expr {
    let invariant = !graph.is_indexed(e);
    let trivial = matches!(e, Expr::Num(_) | Expr::Const(_) | Expr::Var(_))
        || matches!(e, Expr::Neg(a) if matches!(**a, Expr::Var(_) | Expr::Num(_)));
    if invariant && !trivial {
        if let Some((name, _)) = out.iter().find(|(_, v)| v == e) {
            return Expr::var(name);
        }
        let name = graph.fresh(&format!("c{}", out.len()));
        out.push((name.clone(), e.clone()));
        return Expr::var(&name);
    }
    e.map_children(|c| hoist(graph, c, out))
}

/// `let` statements for hoisted values.
fn constants(values: &[(String, Expr)]) -> TokenStream {
    let lets = values.iter().map(|(name, e)| {
        let (name, value) = (ident(name), braced(block(std::slice::from_ref(e))));
        quote! { let #name = #value; }
    });
    quote! { #(#lets)* }
}

/// The body of a kernel writing `output` into the slice `out`: reductions, the pass over
/// the elements, and the value at the argmax.
pub(crate) fn elementwise(graph: &Graph, slices: &Slices, output: &Output) -> TokenStream {
    let mut graph = graph.clone();
    let mut hoisted = Vec::new();
    let general = hoist(&mut graph, &output.general, &mut hoisted);
    let mut needed: Vec<&Expr> = vec![&output.general];
    needed.extend(output.at_max.as_ref().map(|(_, e)| e));
    let fixups: Vec<usize> = output.at_max.iter().map(|(m, _)| *m).collect();
    let reds = reductions(&graph, slices, &needed, &fixups);
    let hoisted_lets = constants(&hoisted);
    let (xs, out, k) = (slices.input(), hygienic("out"), hygienic("k"));
    let value = value_at(&graph, slices, std::slice::from_ref(&general), &quote!(#k));
    let fixup = output.at_max.as_ref().map(|(m, e)| {
        let at = argmax(&graph, *m);
        let value = value_at(&graph, slices, std::slice::from_ref(e), &quote!(#at));
        quote! { #out[#at] = #value; }
    });
    quote! {
        if #xs.is_empty() {
            return;
        }
        #reds
        #hoisted_lets
        for #k in 0..#xs.len() {
            #out[#k] = #value;
        }
        #fixup
    }
}

/// The body of the Jacobian kernel, returning the row-major `n × n` matrix.
pub(crate) fn jacobian(graph: &Graph, slices: &Slices, jac: &JacobianOutput) -> TokenStream {
    let root = root();
    let (xs, n, i, k, matrix) = (slices.input(), hygienic("n"), hygienic("i"), hygienic("k"), hygienic("jacobian"));
    let columns = hygienic("columns");
    let mut needed: Vec<&Expr> = vec![&jac.diagonal];
    for (c, t) in &jac.terms {
        needed.push(c);
        needed.push(t);
    }
    needed.extend(jac.at_max.as_ref().map(|(_, e)| e));
    let fixups: Vec<usize> = jac.at_max.iter().map(|(m, _)| *m).collect();
    let reds = reductions(graph, slices, &needed, &fixups);
    let column_exprs: Vec<Expr> = jac.terms.iter().map(|(_, t)| t.clone()).collect();
    let mut row_exprs = vec![jac.diagonal.clone()];
    row_exprs.extend(jac.terms.iter().map(|(c, _)| c.clone()));
    let names =
        |prefix: &str, count: usize| -> Vec<Ident> { (0..count).map(|t| hygienic(&format!("{prefix}{t}"))).collect() };
    let (col_names, row_names) = (names("t", column_exprs.len()), names("c", jac.terms.len()));
    let d = hygienic("d");
    // dR_r/dx_k for every k, once: the columns of the outer products.
    let column_code = (!column_exprs.is_empty()).then(|| {
        let value = value_at(graph, slices, &column_exprs, &quote!(#k));
        let unpack = if col_names.len() == 1 { quote!(#(#col_names)*) } else { quote!((#(#col_names),*)) };
        quote! {
            let #columns: ::std::vec::Vec<_> = (0..#n).map(|#k| { let #unpack = #value; [#(#col_names),*] }).collect();
        }
    });
    let row_value = value_at(graph, slices, &row_exprs, &quote!(#i));
    let row_unpack = quote!((#d, #(#row_names,)*));
    let row_value = if row_exprs.len() == 1 {
        quote! { (#row_value,) }
    } else {
        row_value
    };
    let entry = if jac.terms.is_empty() {
        quote! { T::from_f64(0.0) }
    } else {
        let t = (0..jac.terms.len()).map(proc_macro2::Literal::usize_unsuffixed);
        quote! { #(#root::__private::mul_or_zero(#row_names, #columns[#k][#t]))+* }
    };
    let fixup = jac.at_max.as_ref().map(|(m, e)| {
        let at = argmax(graph, *m);
        let value = value_at(graph, slices, std::slice::from_ref(e), &quote!(#at));
        quote! { #matrix[#at * #n + #at] = #value; }
    });
    quote! {
        let #n = #xs.len();
        let mut #matrix = ::std::vec![T::from_f64(0.0); #n * #n];
        if #n == 0 {
            return #matrix;
        }
        #reds
        #column_code
        for #i in 0..#n {
            let #row_unpack = #row_value;
            for #k in 0..#n {
                #matrix[#i * #n + #k] = #entry;
            }
            #matrix[#i * #n + #i] = #matrix[#i * #n + #i] + #d;
        }
        #fixup
        #matrix
    }
}

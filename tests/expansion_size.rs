//! Expansion grows linearly with the formula: the IR shares subterms (a DAG) and every
//! pass memoises on shared nodes, so nested formulas no longer double their derivatives at
//! every level. These tests count deterministic quantities — distinct nodes of each form,
//! tokens of the generated code — never wall-clock time (the times are in ARCHITECTURE.md,
//! with the command that measures them).

use activation_core::discover::find_in_source;
use activation_core::{derive, expand, Derived, Expr};
use quote::ToTokens;

/// `s(s(…s(x)))` with `s(u) = u * sigmoid(u)`, `depth` times, written with `let`s.
fn nested_swish(depth: usize) -> String {
    let mut body = String::new();
    let mut prev = "x".to_string();
    for i in 1..=depth {
        body += &format!("let u{i} = {prev} * sigmoid({prev}); ");
        prev = format!("u{i}");
    }
    format!("#[activation]\nfn nested{depth}(x: f64) -> f64 {{ {body}{prev} }}\n")
}

fn found(source: &str) -> activation_core::discover::Found {
    find_in_source(source).unwrap().remove(0)
}

fn derived(source: &str) -> Derived {
    derive(found(source).definition.as_ref().unwrap()).unwrap()
}

/// The generated code, as text (tokens separated by spaces).
fn expanded(source: &str) -> String {
    let f = found(source);
    expand::activation(f.args, f.item.to_token_stream()).to_string()
}

/// Tokens of the generated code (about: the printed stream separates them by spaces).
fn tokens(code: String) -> usize {
    code.split_whitespace().count()
}

fn distinct(e: &Expr) -> usize {
    e.node_counts().0
}

#[test]
fn derivatives_of_nested_formulas_grow_linearly() {
    let counts: Vec<[usize; 4]> = [6, 12, 24]
        .iter()
        .map(|&d| {
            let f = derived(&nested_swish(d));
            [distinct(&f.readable.derivative), distinct(&f.stable.derivative), distinct(&f.stable.second), d]
        })
        .collect();
    eprintln!("distinct nodes [readable f', stable f', stable f'', depth]: {counts:?}");
    for w in counts.windows(2) {
        let ([r1, s1, t1, d1], [r2, s2, t2, d2]) = (w[0], w[1]);
        // Twice as deep, at most a little more than twice as many distinct nodes (a tree
        // would square: 2^d nodes).
        for (small, large, what) in [(r1, r2, "readable f'"), (s1, s2, "stable f'"), (t1, t2, "stable f''")] {
            assert!(large <= small * 5 / 2, "{what}: {small} nodes at depth {d1}, {large} at depth {d2}");
        }
    }
    let [_, _, second, depth] = counts[2];
    assert!(second <= 60 * depth, "stable f'' of depth {depth}: {second} distinct nodes");
}

#[test]
fn shared_subterms_stay_shared() {
    // Unfolded, the derivative of a 24-deep nested swish is a tree of over 2^24 nodes.
    let f = derived(&nested_swish(24));
    let (shared, tree) = f.stable.derivative.node_counts();
    eprintln!("stable f' of depth 24: {shared} distinct nodes, {tree} unfolded");
    assert!(tree > 1 << 24, "{tree}");
    assert!(shared < 2_000, "{shared}");
}

#[test]
fn generated_code_grows_linearly() {
    let sizes: Vec<usize> = [8, 16, 32].iter().map(|&d| tokens(expanded(&nested_swish(d)))).collect();
    eprintln!("generated tokens at depths 8, 16, 32: {sizes:?}");
    assert!(!expanded(&nested_swish(32)).contains("compile_error"));
    for w in sizes.windows(2) {
        assert!(w[1] <= w[0] * 5 / 2, "generated tokens: {sizes:?} at depths 8, 16, 32");
    }
}

#[test]
fn the_deepest_accepted_formula_expands_and_one_deeper_is_an_error() {
    // `x.sin().sin()…`: depth n + 1, the deepest chain the recursive passes see.
    let chain = |n: usize| format!("#[activation]\nfn deep(x: f64) -> f64 {{ x{} }}\n", ".sin()".repeat(n));
    let max = activation_core::expand::MAX_DEPTH as usize;
    let ok = expanded(&chain(max - 1));
    assert!(!ok.contains("compile_error"), "{}", &ok[..ok.len().min(2000)]);
    let too_deep = expanded(&chain(max));
    assert!(too_deep.contains("expansion budget exceeded"), "{}", &too_deep[..too_deep.len().min(2000)]);
}

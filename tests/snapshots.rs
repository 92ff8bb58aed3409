//! Snapshots of every catalog activation: canonical text and LaTeX of f, f', f'' and each
//! d/dp, and the code `#[activation]` generates, formatted with prettyplease.
//!
//! The catalog is read from `src/catalog.rs` with the macro's own parser, so these are
//! exactly the forms the macro works from. A changed snapshot is a decision: review it
//! with `cargo insta review`, never accept it blindly.

use std::fmt::Write;

use activation_core::discover::{find_in_source, Found};
use activation_core::{derive, expand, to_latex, Expr};
use quote::ToTokens;

fn catalog() -> Vec<Found> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/catalog.rs")).unwrap();
    find_in_source(&source).unwrap()
}

fn forms(found: &Found) -> String {
    let def = found.definition.as_ref().unwrap();
    let d = derive(def).unwrap();
    let r = &d.readable;
    let mut out = String::new();
    let mut row = |label: &str, e: &Expr| {
        writeln!(out, "{label}:\n  text:  {e}\n  latex: {}", to_latex(e)).unwrap();
    };
    row("f", &r.forward);
    row("f'", &r.derivative);
    row("f''", &r.second);
    for (p, e) in def.params.iter().zip(&r.params) {
        row(&format!("d/d{}", p.name), e);
    }
    out
}

fn generated(found: &Found) -> String {
    let tokens = expand::activation(found.args.clone(), found.item.to_token_stream());
    let file: syn::File = syn::parse2(tokens).expect("generated code parses as a file");
    prettyplease::unparse(&file)
}

#[test]
fn catalog_forms() {
    for found in catalog() {
        let name = found.item.sig.ident.to_string();
        insta::assert_snapshot!(format!("{name}_forms"), forms(&found));
    }
}

#[test]
fn catalog_generated_code() {
    for found in catalog() {
        let name = found.item.sig.ident.to_string();
        insta::assert_snapshot!(format!("{name}_code"), generated(&found));
    }
}

#[test]
fn the_whole_catalog_is_found() {
    let names: Vec<String> = catalog().iter().map(|f| f.item.sig.ident.to_string()).collect();
    for expected in [
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "prelu",
        "elu",
        "swish",
        "gelu",
        "gelu_erf",
        "silu",
        "softplus",
        "mish",
        "selu",
        "celu",
        "logsigmoid",
        "softsign",
        "hardtanh",
        "hardsigmoid",
        "hardswish",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from the catalog");
    }
}

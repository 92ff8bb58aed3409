//! Snapshots of the catalog's vector activations (softmax, log-softmax): their readable
//! and stable forms — forward, VJP, JVP, Jacobian, with the values computed apart at the
//! largest element — and the code `#[activation]` generates, formatted with prettyplease.
//!
//! The functions are read from the facade's `src/catalog.rs` with the macro's own parser,
//! so these are exactly the forms the macro works from. The snapshots live beside the
//! catalog's scalar ones, in the workspace's `tests/snapshots/` (`vector_snapshots__*`). A
//! changed snapshot is a decision: review it with `cargo insta review`, never accept it
//! blindly.

use std::fmt::Write;

use quote::ToTokens;
use syn::{Item, ItemFn};

use crate::emit::expand;
use crate::ir::latex::to_latex_with_input;
use crate::parse::Definition;
use crate::vector::codegen::Output;
use crate::vector::derive::derive;
use crate::vector::graph::Graph;
use crate::vector::parse::{is_vector, parse_vector_activation};

/// Asserts the snapshot `vector_snapshots__{name}` in the workspace's `tests/snapshots/`
/// (relative to this file).
macro_rules! assert_vector_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../../../tests/snapshots",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(format!("vector_snapshots__{}", $name), $value);
        })
    };
}

/// The catalog's vector activations, each with its `#[activation]` attribute removed.
fn catalog() -> Vec<(ItemFn, syn::Attribute)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/catalog.rs")).unwrap();
    let file = syn::parse_file(&source).unwrap();
    let mut out = Vec::new();
    for item in file.items {
        let Item::Fn(mut f) = item else { continue };
        let Some(at) = f.attrs.iter().position(|a| a.path().is_ident("activation")) else { continue };
        if is_vector(&f) {
            let attr = f.attrs.remove(at);
            out.push((f, attr));
        }
    }
    out
}

fn definition(item: &ItemFn, attr: &syn::Attribute) -> Definition {
    let args = attr.meta.require_list().map(|l| l.tokens.clone()).unwrap_or_default();
    parse_vector_activation(args, item).unwrap().def
}

fn output(out: &mut String, graph: &Graph, label: &str, o: &Output) {
    writeln!(out, "{label}:\n  code:    {}\n  reads:   {}", o.general, graph.raise(&o.general)).unwrap();
    if let Some((m, e)) = &o.at_max {
        writeln!(out, "  at the argmax of {}: {e}", graph.reds[*m].symbol).unwrap();
    }
}

fn forms(item: &ItemFn, attr: &syn::Attribute) -> String {
    let def = definition(item, attr);
    let d = derive(&def).unwrap();
    let r = &d.readable;
    let mut out = String::new();
    writeln!(out, "readable:").unwrap();
    writeln!(out, "  f:     {}", r.forward).unwrap();
    writeln!(out, "  latex: {}", to_latex_with_input(&r.forward, &def.input)).unwrap();
    writeln!(out, "  vjp:   {}", r.vjp).unwrap();
    writeln!(out, "  jvp:   {}", r.jvp).unwrap();
    writeln!(out, "  shift invariant: {}", d.shift_invariant).unwrap();
    writeln!(out, "stable reductions:").unwrap();
    for red in &d.graph.reds {
        writeln!(out, "  {} = {:?} of {}", red.symbol, red.kind, red.body).unwrap();
    }
    output(&mut out, &d.graph, "stable f", &d.forward);
    output(&mut out, &d.graph, "stable vjp", &d.vjp);
    output(&mut out, &d.graph, "stable jvp", &d.jvp);
    writeln!(out, "stable jacobian:\n  diagonal: {}", d.jacobian.diagonal).unwrap();
    for (c, t) in &d.jacobian.terms {
        writeln!(out, "  + ({c}) (at i) * ({t}) (at k)").unwrap();
    }
    if let Some((m, e)) = &d.jacobian.at_max {
        writeln!(out, "  diagonal at the argmax of {}: {e}", d.graph.reds[*m].symbol).unwrap();
    }
    out
}

fn generated(item: &ItemFn, attr: &syn::Attribute) -> String {
    let args = attr.meta.require_list().map(|l| l.tokens.clone()).unwrap_or_default();
    let tokens = expand::activation(args, item.to_token_stream());
    let file: syn::File = syn::parse2(tokens).expect("generated code parses as a file");
    prettyplease::unparse(&file)
}

#[test]
fn vector_catalog_forms() {
    for (item, attr) in catalog() {
        let name = item.sig.ident.to_string();
        assert_vector_snapshot!(format!("{name}_forms"), forms(&item, &attr));
    }
}

#[test]
fn vector_catalog_generated_code() {
    for (item, attr) in catalog() {
        let name = item.sig.ident.to_string();
        assert_vector_snapshot!(format!("{name}_code"), generated(&item, &attr));
    }
}

#[test]
fn softmax_and_log_softmax_are_in_the_catalog() {
    let names: Vec<String> = catalog().iter().map(|(f, _)| f.sig.ident.to_string()).collect();
    assert_eq!(names, ["softmax", "log_softmax"]);
}

//! How long `#[activation]` takes to expand every activation in a file, with the engine
//! built as the proc macro is (opt-level 3):
//! `cargo run --release -p activation-core --example expand_time -- src/catalog.rs`.
use std::time::Instant;

use activation_core::discover::find_in_source;
use activation_core::expand::activation;
use quote::ToTokens;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "src/catalog.rs".into());
    let source = std::fs::read_to_string(&path).expect("readable source file");
    let found = find_in_source(&source).expect("valid Rust");
    let start = Instant::now();
    let mut tokens = 0;
    for f in &found {
        let one = Instant::now();
        let out = activation(f.args.clone(), f.item.to_token_stream());
        tokens += out.into_iter().count();
        println!("{:>14}: {:>8.2?}", f.item.sig.ident, one.elapsed());
    }
    println!("{} activations expanded in {:.2?} ({tokens} top-level tokens)", found.len(), start.elapsed());
}

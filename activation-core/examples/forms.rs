//! Prints every form of every `#[activation]` in a file: `cargo run -p activation-core
//! --example forms -- src/catalog.rs`.
use activation_core::derive;
use activation_core::discover::find_in_source;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "src/catalog.rs".into());
    let source = std::fs::read_to_string(&path).expect("readable source file");
    for found in find_in_source(&source).expect("valid Rust") {
        let def = found.definition.expect("valid activation");
        let d = derive(&def).expect("differentiable");
        println!("== {}", def.name);
        println!("  f   = {}\n  f'  = {}\n  f'' = {}", d.readable.forward, d.readable.derivative, d.readable.second);
        println!(
            "  stable f   = {}\n  stable f'  = {}\n  stable f'' = {}",
            d.stable.forward, d.stable.derivative, d.stable.second
        );
        for (p, e) in def.params.iter().zip(&d.readable.params) {
            println!("  d/d{} = {}", p.name, e);
        }
        for (p, e) in def.params.iter().zip(&d.stable.params) {
            println!("  stable d/d{} = {}", p.name, e);
        }
        let c = &d.compensated;
        println!("  arithmetic: f {:?} f' {:?} f'' {:?} params {:?}", c.forward, c.derivative, c.second, c.params);
    }
}

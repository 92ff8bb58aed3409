use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    println!("{x}");
    x.tanh()
}

fn main() {}

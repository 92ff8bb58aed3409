use activation::prelude::*;

#[activation]
fn self_(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

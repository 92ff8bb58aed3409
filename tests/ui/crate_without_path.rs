use activation::prelude::*;

#[activation(crate)]
fn scaled(x: f64) -> f64 {
    2.0 * x
}

fn main() {}

use activation::prelude::*;

#[activation(1.0)]
fn scaled(x: f64, alpha: f64) -> f64 {
    alpha * x
}

fn main() {}

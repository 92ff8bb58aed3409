use activation::prelude::*;

#[activation(alpha(0.1))]
fn scaled(x: f64, alpha: f64) -> f64 {
    alpha * x
}

fn main() {}

use activation::prelude::*;

#[activation(alpha)]
fn scaled(x: f64, alpha: f64) -> f64 {
    alpha * x
}

fn main() {}

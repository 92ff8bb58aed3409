use activation::prelude::*;

#[activation(alpha = 0.5)]
fn bias(x: f64, alpha: f64) -> f64 {
    alpha * 2.0
}

fn main() {}

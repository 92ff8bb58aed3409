use activation::prelude::*;

#[activation(crate = ::activation, alpha = 0.5, crate = ::activation)]
fn scaled(x: f64, alpha: f64) -> f64 {
    alpha * x
}

fn main() {}

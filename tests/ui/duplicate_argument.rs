use activation::prelude::*;

#[activation]
fn scaled(x: f64, alpha: f64, alpha: f64) -> f64 {
    alpha * x
}

fn main() {}

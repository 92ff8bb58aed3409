use activation::prelude::*;

#[activation(exp = 1.0)]
fn scaled(x: f64, exp: f64) -> f64 {
    exp(x)
}

fn main() {}

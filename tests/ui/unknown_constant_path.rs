use activation::prelude::*;

#[activation]
fn nudged(x: f64) -> f64 {
    x + f64::EPSILON
}

fn main() {}

use activation::prelude::*;

#[activation]
fn grow(x: f64) -> f64 {
    f64::exp(x) - 1.0
}

fn main() {}

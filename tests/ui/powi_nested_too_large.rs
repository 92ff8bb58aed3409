use activation::prelude::*;

#[activation]
fn steep(x: f64) -> f64 {
    x.powi(64).powi(64)
}

fn main() {}

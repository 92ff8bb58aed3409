use activation::prelude::*;

#[activation]
fn steep(x: f64) -> f64 {
    x.powi(100000)
}

fn main() {}

use activation::prelude::*;

#[activation]
fn rem(x: f64) -> f64 {
    x % 2.0
}

fn main() {}

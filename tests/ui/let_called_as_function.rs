use activation::prelude::*;

#[activation]
fn scaled(x: f64) -> f64 {
    let g = 2.0 * x;
    g(x)
}

fn main() {}

use activation::prelude::*;

#[activation]
fn half(x: f32) -> f64 {
    0.5 * x
}

fn main() {}

use activation::prelude::*;

#[activation]
fn half(x: f64) -> f64 {
    0.5f32 * x
}

fn main() {}

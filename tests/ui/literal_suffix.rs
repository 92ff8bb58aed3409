use activation::prelude::*;

#[activation]
fn clipped(x: f64) -> f64 {
    x.max(0.0f32)
}

fn main() {}

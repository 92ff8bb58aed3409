use activation::prelude::*;

#[activation(floor = 0.0)]
fn clipped(x: f64, floor: f32) -> f64 {
    x.max(floor)
}

fn main() {}

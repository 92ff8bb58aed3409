use activation::prelude::*;

#[activation]
fn scaled(x: f64) -> f64 {
    x * std::f32::consts::PI
}

fn main() {}

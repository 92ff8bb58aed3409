use activation::prelude::*;

#[activation]
fn half(x: f64) -> f64 {
    let h: f32 = 0.5;
    h * x
}

fn main() {}

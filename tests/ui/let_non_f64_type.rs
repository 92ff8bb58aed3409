use activation::prelude::*;

#[activation]
fn half(x: f64) -> f64 {
    let scale: f32 = 0.5;
    x.tanh()
}

fn main() {}

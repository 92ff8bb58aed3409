use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f32 {
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation(x = 0.0)]
fn soft(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

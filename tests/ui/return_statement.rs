use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    return x.tanh();
}

fn main() {}

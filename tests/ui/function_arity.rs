use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    sigmoid(x, 2.0)
}

fn main() {}

use activation::prelude::*;

#[activation]
fn swish(x: f64) -> f64 {
    x * sigmoid(beta * x)
}

fn main() {}

use activation::prelude::*;

#[activation]
fn gate(x: f64) -> f64 {
    x * sigmoid::<f64>(x)
}

fn main() {}

use activation::prelude::*;

#[activation]
fn one(x: f64) -> f64 {
    1.0
}

fn main() {}

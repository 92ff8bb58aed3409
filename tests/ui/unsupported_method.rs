use activation::prelude::*;

#[activation]
fn step(x: f64) -> f64 {
    x.floor()
}

fn main() {}

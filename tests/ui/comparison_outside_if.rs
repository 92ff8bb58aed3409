use activation::prelude::*;

#[activation]
fn step(x: f64) -> f64 {
    let positive = x > 0.0;
    if positive {
        x
    } else {
        0.0
    }
}

fn main() {}

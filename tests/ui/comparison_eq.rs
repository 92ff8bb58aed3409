use activation::prelude::*;

#[activation]
fn step(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        x
    }
}

fn main() {}

use activation::prelude::*;

#[activation]
fn window(x: f64) -> f64 {
    if x > 0.0 && x < 1.0 {
        x
    } else {
        0.0
    }
}

fn main() {}

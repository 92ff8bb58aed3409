use activation::prelude::*;

#[activation]
fn relu(x: f64) -> f64 {
    match x > 0.0 {
        true => x,
        false => 0.0,
    }
}

fn main() {}

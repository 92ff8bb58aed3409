use activation::prelude::*;

#[activation]
fn huge(x: f64) -> f64 {
    x * 1e999
}

fn main() {}

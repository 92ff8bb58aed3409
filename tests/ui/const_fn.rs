use activation::prelude::*;

#[activation]
const fn double(x: f64) -> f64 {
    2.0 * x
}

fn main() {}

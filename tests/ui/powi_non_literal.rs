use activation::prelude::*;

const N: i32 = 3;

#[activation]
fn cube(x: f64) -> f64 {
    x.powi(N)
}

fn main() {}

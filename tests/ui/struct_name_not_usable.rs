use activation::prelude::*;

#[activation]
fn _1(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

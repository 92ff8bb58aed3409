use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    for _ in 0..3 {}
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    while x > 10.0 {}
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation]
fn soft(mut x: f64) -> f64 {
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation]
#[activation]
fn soft(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

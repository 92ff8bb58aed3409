use activation::prelude::*;

#[activation]
unsafe fn soft(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation]
fn nothing(x: f64) -> f64 {
    {}
}

fn main() {}

use activation::prelude::*;

#[activation]
fn custom(x: f64) -> f64 {
    foo(x)
}

fn main() {}

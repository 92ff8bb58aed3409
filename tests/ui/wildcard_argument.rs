use activation::prelude::*;

#[activation]
fn soft(_: f64) -> f64 {
    1.0
}

fn main() {}

use activation::prelude::*;

// One-argument `max` is a reduction too; the element-wise one takes two arguments.
#[activation]
fn below(x: f64) -> f64 {
    x - max(x)
}

fn main() {}

use activation::prelude::*;

#[activation]
fn softmax_in_place(x: &mut [f64]) -> f64 {
    exp(x) / sum(exp(x))
}

fn main() {}

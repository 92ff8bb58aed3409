use activation::prelude::*;

#[activation]
fn softmax32(x: &[f32]) -> f64 {
    exp(x) / sum(exp(x))
}

fn main() {}

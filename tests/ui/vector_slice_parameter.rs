use activation::prelude::*;

// Only the input is a slice; parameters are numbers.
#[activation]
fn weighted_softmax(x: &[f64], w: &[f64]) -> f64 {
    exp(x) / sum(exp(x))
}

fn main() {}

use activation::prelude::*;

#[activation]
fn weighted(x: &[f64], w: f64) -> f64 {
    exp(x) / sum(exp(x), w)
}

fn main() {}

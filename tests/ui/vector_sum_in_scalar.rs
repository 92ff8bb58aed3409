use activation::prelude::*;

// `sum` reduces over a slice: a scalar activation has none.
#[activation]
fn normalised(x: f64) -> f64 {
    x / sum(exp(x))
}

fn main() {}

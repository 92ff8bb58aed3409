use activation::prelude::*;

/// Prelude functions called by the prelude's own paths are the prelude's functions.
#[activation]
pub fn gated(x: f64) -> f64 {
    x * activation::prelude::sigmoid(x) + activation::prelude::tanh(x) - ::activation::prelude::max(x, 0.0)
}

fn main() {
    let x = 0.7f64;
    let expected = x / (1.0 + (-x).exp()) + x.tanh() - x;
    assert!((gated(x) - expected).abs() < 1e-15);
    assert_eq!(Gated.forward(x), gated(x));
}

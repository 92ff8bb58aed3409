#![deny(unused_imports)]

use activation::prelude::{self, *};

/// An activation of the user's own called `sigmoid` (a steeper one): it shadows the
/// prelude's `sigmoid` in this module.
#[activation]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-2.0 * x).exp())
}

/// The prelude's `sigmoid` by its path: accepted, and the `prelude` import is used.
#[activation]
pub fn silu(x: f64) -> f64 {
    x * prelude::sigmoid(x)
}

/// Paths through a function body's own imports: they resolve, and the imports are used.
fn in_a_block() {
    use activation::prelude;
    use std::f64::consts;
    #[activation]
    fn gate(x: f64) -> f64 {
        x * activation::prelude::sigmoid(x) + consts::PI * prelude::tanh(x)
    }
    let expected = 0.5 / (1.0 + (-0.5f64).exp()) + std::f64::consts::PI * 0.5f64.tanh();
    assert!((gate(0.5) - expected).abs() < 1e-15);
}

fn main() {
    in_a_block();
    let x = 0.7f64;
    assert!((silu(x) - x / (1.0 + (-x).exp())).abs() < 1e-15);
    assert!((sigmoid(x) - 1.0 / (1.0 + (-2.0 * x).exp())).abs() < 1e-15);
}

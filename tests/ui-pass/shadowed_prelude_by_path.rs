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

fn main() {
    let x = 0.7f64;
    assert!((silu(x) - x / (1.0 + (-x).exp())).abs() < 1e-15);
    assert!((sigmoid(x) - 1.0 / (1.0 + (-2.0 * x).exp())).abs() < 1e-15);
}

use activation::prelude::*;

/// An activation of the user's own called `sigmoid` (a steeper one).
#[activation]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-2.0 * x).exp())
}

/// A bare `sigmoid` here is the activation above: an error, never the prelude's `sigmoid`.
#[activation]
pub fn silu(x: f64) -> f64 {
    x * sigmoid(x)
}

fn main() {}

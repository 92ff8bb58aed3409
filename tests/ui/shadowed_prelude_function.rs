use activation::prelude::*;

/// The user's own `sigmoid`, which shadows the prelude's in this module.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-2.0 * x).exp())
}

/// A bare `sigmoid` here is the function above, not the prelude's: an error at the call,
/// never a silent substitution.
#[activation]
fn gate(x: f64) -> f64 {
    x * sigmoid(x) + tanh(x)
}

fn main() {
    let _ = sigmoid(1.0);
}

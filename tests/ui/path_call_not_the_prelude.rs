use activation::prelude::*;

mod mymath {
    pub fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-2.0 * x).exp())
    }
}

/// The user's own `mymath::sigmoid` is not the prelude's `sigmoid`: an error, never a
/// silent substitution.
#[activation]
fn gate(x: f64) -> f64 {
    x * mymath::sigmoid(x)
}

fn main() {}

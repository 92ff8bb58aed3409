use activation::prelude::*;

/// The user's own `PI`, which shadows the prelude's (`std::f64::consts::PI`).
const PI: f64 = 3.0;

/// A bare `PI` here is the constant above: an error, never the prelude's value.
#[activation]
fn wave(x: f64) -> f64 {
    x * (PI * x).tanh()
}

fn main() {
    let _ = PI;
}

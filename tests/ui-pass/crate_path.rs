// A crate that re-exports `activation` names it with `crate = path`
// (`tests/reexport` checks the same with `::activation` unavailable).
mod nn {
    pub use activation;
}

use activation::prelude::*;

#[activation(crate = crate::nn::activation, alpha = 0.5)]
fn scaled(x: f64, alpha: f64) -> f64 {
    alpha * x
}

fn main() {
    assert_eq!(scaled(4.0, 0.5), 2.0);
    assert_eq!(Scaled::default().forward(4.0f32), 2.0);
}

//! A crate that re-exports `activation` (renamed, as a framework would) and declares
//! activations through the re-export with `#[activation(crate = ...)]`. `::activation`
//! does not resolve here, so this crate compiles only if every generated path starts at
//! the given root; the tests run what was generated.

/// The re-export, as a framework crate would offer it.
pub mod nn {
    pub use renamed as activation;
}

use nn::activation::prelude::*;

/// A scalar activation with a parameter and a compensated (double-double) form, whose
/// code names the runtime's private items.
#[activation(crate = crate::nn::activation, alpha = 1.0)]
pub fn soft(x: f64, alpha: f64) -> f64 {
    x / (1.0 + abs(alpha * x)) + x * sigmoid(x)
}

/// A vector activation through the same root, given as a string (serde's form).
#[activation(crate = "crate::nn::activation")]
pub fn normalised(x: &[f64]) -> f64 {
    exp(x) / sum(exp(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::activation::{Activation, VectorActivation};

    #[test]
    fn generated_items_run() {
        let s = Soft::default();
        assert_eq!(soft(0.0, 1.0), 0.0);
        let x = [-3.0f32, -0.5, 0.0, 0.25, 2.0, 7.0, 1e-3, -40.0, 100.0];
        let mut y = [0.0f32; 9];
        s.forward_slice(&x, &mut y);
        for (&x, &y) in x.iter().zip(&y) {
            assert_eq!(y.to_bits(), s.forward(x).to_bits());
        }
        let mut out = [0.0; 3];
        VectorActivation::forward(&Normalised, &[0.0, 0.0, 0.0], &mut out);
        assert!(out.iter().all(|&p| (p - 1.0 / 3.0).abs() < 1e-15), "{out:?}");
    }
}

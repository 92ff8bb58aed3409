#![warn(missing_docs)]
//! Write an activation function once, as a Rust formula, and get its stable forward code,
//! every derivative, gradient-check tests and LaTeX.
//!
//! ```
//! use activation::prelude::*;
//!
//! /// Swish: x σ(βx).
//! #[activation(beta = 1.0)]
//! pub fn swish(x: f64, beta: f64) -> f64 {
//!     x * sigmoid(beta * x)
//! }
//!
//! assert_eq!(swish(0.0, 1.0), 0.0);
//! assert_eq!(swish_derivative(0.0, 1.0), 0.5);
//! let (f, df) = swish_with_derivative(2.0, 1.0);
//! assert_eq!((f, df), (swish(2.0, 1.0), swish_derivative(2.0, 1.0)));
//!
//! // The same activation as a value, in f32 or f64.
//! let s = Swish::default();
//! assert!((s.forward(1.0f32) - 0.7310586).abs() < 1e-6);
//! assert_eq!(Swish::FORMULA, "x * sigmoid(beta * x)");
//! assert_eq!(Swish::LATEX, r"x \sigma\left(\beta x\right)");
//! ```
//!
//! The formula language, what is generated and the numerical guarantees are described in
//! the README and in `SPEC.md`.

// Generated code names this crate `::activation`, also inside the catalog.
extern crate self as activation;

pub mod catalog;
pub mod prelude;

pub use activation_core::vector::VectorActivation;
pub use activation_core::{Activation, DynActivation, Function, Real};
pub use activation_macros::activation;

#[doc(hidden)]
pub use activation_core::__gradient_checks;
#[doc(hidden)]
pub use activation_core::__vector_gradient_checks;
#[doc(hidden)]
pub use activation_core::dd::Dd;

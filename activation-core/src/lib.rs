#![warn(missing_docs)]
//! The engine of `activation`: it owns the expression IR and every pass over it.
//!
//! A formula flows through the passes in this order (see `ARCHITECTURE.md`):
//! [`parse`] → [`passes`] (differentiate, simplify for the readable forms, stabilise and
//! compensate for the compiled ones) → [`emit`] (the Rust that `#[activation]` expands
//! to). [`ir`] holds the expression type and its printers and interpreter; with the `mpfr`
//! feature, [`verify`] holds the MPFR reference and the gradient checks, and `analysis`
//! the report's mathematics; [`vector`] is the same pipeline for activations over slices.

#[cfg(feature = "mpfr")]
pub mod analysis;
pub mod emit;
pub mod ir;
pub mod parse;
pub mod passes;
pub mod vector;
pub mod verify;

pub use activation_runtime::{Activation, DynActivation, Function, Real};
pub use ir::expr::Expr;
pub use parse::Definition;

// The front doors: what the macro, the generated tests and the xtask use.
pub use emit::expand;
pub use parse::discover;
#[cfg(feature = "mpfr")]
pub use verify::{accuracy, check};

/// The gradient-check test the `#[activation]` macro puts in a `#[cfg(test)]` module.
/// With the `mpfr` feature it runs [`check::run`] on the activation value.
#[cfg(feature = "mpfr")]
#[doc(hidden)]
#[macro_export]
macro_rules! __gradient_checks {
    ($value:expr) => {
        #[test]
        fn gradient_checks() {
            $crate::verify::check::run(&$value);
        }
    };
}

/// Without the `mpfr` feature the gradient checks cannot run; they show up as an ignored
/// test that says how to turn them on.
#[cfg(not(feature = "mpfr"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __gradient_checks {
    ($value:expr) => {
        #[test]
        #[ignore = "gradient checks need the `mpfr` feature: activation = { features = [\"mpfr\"] } in [dev-dependencies]"]
        fn gradient_checks() {
            let _ = $value;
        }
    };
}

/// The vector gradient-check test the `#[activation]` macro puts beside a vector
/// activation (`docs/contract.md` §7). With the `mpfr` feature it runs [`vector::check::run`].
#[cfg(feature = "mpfr")]
#[doc(hidden)]
#[macro_export]
macro_rules! __vector_gradient_checks {
    ($value:expr) => {
        #[test]
        fn vector_gradient_checks() {
            $crate::vector::check::run(&$value);
        }
    };
}

/// Without the `mpfr` feature the vector gradient checks show up as an ignored test that
/// says how to turn them on.
#[cfg(not(feature = "mpfr"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __vector_gradient_checks {
    ($value:expr) => {
        #[test]
        #[ignore = "gradient checks need the `mpfr` feature: activation = { features = [\"mpfr\"] } in [dev-dependencies]"]
        fn vector_gradient_checks() {
            let _ = $value;
        }
    };
}

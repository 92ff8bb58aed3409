#![warn(missing_docs)]
//! The engine of `activation`: it owns the expression IR and every pass over it.
//!
//! A formula flows through the passes in this order (see `ARCHITECTURE.md`):
//! [`parse`] → [`diff`] → [`simplify`] (readable forms: text and [`latex`]) →
//! [`stabilise`] → [`codegen`]. [`eval`] interprets the IR in `f64`/`f32`;
//! with the `mpfr` feature, `reference` evaluates it exactly and `check` runs the
//! gradient checks that `#[activation]` generates.

#[cfg(feature = "mpfr")]
pub mod accuracy;
#[cfg(feature = "mpfr")]
pub mod analysis;
pub mod breakpoints;
#[cfg(feature = "mpfr")]
pub mod check;
pub mod codegen;
pub mod compensate;
pub mod dd;
pub mod derived;
pub mod diff;
pub mod discover;
pub mod double;
pub mod eval;
pub mod expand;
pub mod expr;
pub mod latex;
pub mod parse;
pub mod real;
#[cfg(feature = "mpfr")]
pub mod reference;
pub mod rules;
pub mod simplify;
pub mod stabilise;
pub mod text;
pub mod traits;
pub mod ulp;
pub mod vector;

pub use expr::Expr;
pub use parse::Definition;
pub use real::Real;
pub use traits::{Activation, DynActivation, Function};

/// The gradient-check test the `#[activation]` macro puts in a `#[cfg(test)]` module.
/// With the `mpfr` feature it runs [`check::run`] on the activation value.
#[cfg(feature = "mpfr")]
#[doc(hidden)]
#[macro_export]
macro_rules! __gradient_checks {
    ($value:expr) => {
        #[test]
        fn gradient_checks() {
            $crate::check::run(&$value);
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
/// activation (SPEC §7). With the `mpfr` feature it runs [`vector::check::run`].
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

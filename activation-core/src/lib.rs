#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Checked where the whole surface is compiled: without `mpfr`, what only `analysis` and
// `ulp` make public is crate-private.
#![cfg_attr(feature = "mpfr", warn(unreachable_pub))]
//! The engine of `activation`: it owns the expression IR and every pass over it.
//!
//! A formula flows through the passes in this order (see `ARCHITECTURE.md`): `parse` →
//! `passes` (differentiate, simplify for the readable forms, stabilise and compensate for
//! the compiled ones) → `emit` (the Rust that `#[activation]` expands to). `ir` holds the
//! expression type and its printers and interpreter; with the `mpfr` feature, `verify`
//! holds the MPFR reference and the gradient checks, and `analysis` the report's
//! mathematics; `vector` is the same pipeline for activations over slices.
//!
//! Those modules are the engine's own. What is public is what its front ends use:
//! [`expand::activation`] (the macro); [`discover`], [`Definition`], [`Expr`],
//! [`derive()`], [`to_latex`], [`to_mathml`] and [`eval_at`] (the report and the snapshot tests); and,
//! with the `mpfr` feature, `check` and `vector_check` (the gradient checks the macro
//! generates), `accuracy`, `ulp` and `analysis` (the xtask and the tests).

#[cfg(feature = "mpfr")]
#[cfg_attr(docsrs, doc(cfg(feature = "mpfr")))]
pub mod analysis;
mod emit;
mod ir;
mod parse;
mod passes;
#[doc(hidden)]
pub mod rng;
mod vector;
mod verify;

// The front doors: what the macro, the generated tests, the xtask and the facade use.
// Everything else is the engine's own business.
pub use emit::expand;
pub use ir::eval::eval_at;
pub use ir::expr::Expr;
pub use ir::latex::{to_latex, to_latex_lines, to_latex_with_input};
pub use ir::mathml::{to_mathml, to_mathml_with_input};
pub mod discover;
pub use parse::{Definition, Param};
pub use passes::derived::{derive, Arithmetic, Compensated, Derived, Forms};
pub use passes::diff::DiffError;
#[cfg(feature = "mpfr")]
#[cfg_attr(docsrs, doc(cfg(feature = "mpfr")))]
pub use vector::check as vector_check;
#[cfg(feature = "mpfr")]
#[cfg_attr(docsrs, doc(cfg(feature = "mpfr")))]
pub use verify::{accuracy, check, ulp};

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
    ($value:expr, skip = [$($skip:expr),* $(,)?]) => {
        #[test]
        fn gradient_checks() {
            $crate::check::run_skipping(&$value, &[$($skip),*]);
        }
    };
}

/// The vector gradient-check test the `#[activation]` macro puts beside a vector
/// activation (`docs/contract.md` §7). With the `mpfr` feature it runs [`vector_check::run`].
#[cfg(feature = "mpfr")]
#[doc(hidden)]
#[macro_export]
macro_rules! __vector_gradient_checks {
    ($value:expr) => {
        #[test]
        fn vector_gradient_checks() {
            $crate::vector_check::run(&$value);
        }
    };
}

//! The engine of `activation`: it owns the expression IR and every pass over it.
//!
//! A formula flows through the passes in this order (see `ARCHITECTURE.md`):
//! [`parse`] → [`diff`] → [`simplify`] (readable forms: text and [`latex`]) →
//! [`stabilise`] → [`codegen`]. [`eval`] interprets the IR in `f64`/`f32`;
//! with the `mpfr` feature, `reference` evaluates it exactly and `check` runs the
//! gradient checks that `#[activation]` generates.

pub mod codegen;
pub mod diff;
pub mod eval;
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
pub mod ulp;

pub use expr::Expr;
pub use parse::Definition;
pub use real::Real;

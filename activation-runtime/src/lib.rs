#![warn(missing_docs)]
//! The runtime of `activation`: what the code that `#[activation]` generates calls at run
//! time, and nothing else — no parser, no code generation, so a user's build compiles none
//! of them for the target (see `ARCHITECTURE.md`, "Crates").
//!
//! - [`Real`] (`f32`, `f64`) and [`Float`] (those and their [`lanes`]): the numbers
//!   generated kernels are generic over;
//! - [`Dd`]: double-double numbers, for compensated forms and refined arguments;
//! - [`Activation`], [`VectorActivation`]: the traits generated structs implement, with
//!   slice kernels that run on the widest lanes the CPU has ([`dispatch`]).
//!
//! Users depend on the `activation` facade, which re-exports this crate.

pub mod dd;
pub mod dispatch;
pub mod float;
pub mod lanes;
pub mod math;
pub mod real;
mod tails;
pub mod traits;
pub mod vector;

pub use dd::Dd;
pub use float::{Float, Mask};
pub use real::Real;
pub use traits::{Activation, DynActivation, Function};
pub use vector::VectorActivation;

/// What generated code names and nothing else should: the paths may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::dd::Dd;
    pub use crate::float::{branch, merge, sides, unless, Float, Mask};
    pub use crate::tails::{mul_or_zero, mul_small, mul_small_logs};
}

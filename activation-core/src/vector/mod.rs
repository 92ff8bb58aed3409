//! Vector activations (`docs/contract.md` §7): softmax, log-softmax and any formula with reductions.
//!
//! # The formula language
//!
//! A vector activation is declared like a scalar one, with a slice as its input:
//!
//! ```text
//! #[activation]
//! pub fn softmax(x: &[f64]) -> f64 {
//!     exp(x) / sum(exp(x))
//! }
//! ```
//!
//! The body is the formula for one element `i` of the output. In it, `x` outside a
//! reduction is the element `x_i`; `sum(e)` is `Σ_j e_j` and a one-argument `max(e)` is
//! `max_j e_j`, where inside `e` the input means each `x_j`. Reductions nest
//! (`sum(exp(x - max(x)))`); `max(a, b)` with two arguments stays the element-wise
//! maximum. Everything else — parameters (`f64`, with defaults in the attribute), `let`,
//! `if`, methods, prelude functions — is the scalar language of `docs/contract.md` §3, and every
//! scalar rejection applies; the input must be exactly `&[f64]`.
//!
//! The body is valid Rust syntax, written with `activation::prelude` names (`sum` is a
//! prelude function too), but unlike a scalar body it is not a well-typed Rust function:
//! `x` is a slice there, `exp(x)` and `x - max(x)` do not type-check, and Rust's `max`
//! takes two arguments. No typing would fix that without changing the notation — Rust
//! allows no `f64 - &[f64]` (both foreign types) and no function overloaded on arity — and
//! none is needed: `#[activation]` replaces the function by the generated items, so the
//! body is never compiled, and rust-analyzer (which analyses the expansion) reports
//! nothing in it.
//!
//! # What is generated
//!
//! For `softmax` (see [`expand`]): `softmax(x, out)`, `softmax_vjp(x, g, out)`,
//! `softmax_jvp(x, v, out)` and `softmax_jacobian(x) -> Vec<f64>` (row-major), with any
//! parameters after the slices they read and before `out`; the struct `Softmax` with its
//! [`VectorActivation`](activation_runtime::VectorActivation) impl, whose methods run in
//! `f32` or `f64`; and the gradient checks of `check` (with the `mpfr` feature) in a
//! `#[cfg(test)]` module.
//!
//! # The passes
//!
//! [`parse`] → [`stable`] (the max shift) → [`graph`] (the reductions become a table of
//! scalars, the rest element-wise) → [`derive`](mod@derive) (the shift anchored at the
//! largest element; VJP, JVP and Jacobian by the chain rule through `sum` and `max`) →
//! [`dominant`] (accuracy at the largest element) → [`codegen`] (O(n) loops). The
//! readable forms (`FORMULA`, `VJP_FORMULA`, LaTeX) come from the formula as written.

pub(crate) mod codegen;
pub(crate) mod derive;
pub(crate) mod dominant;
pub(crate) mod expand;
pub(crate) mod graph;
pub(crate) mod parse;
pub(crate) mod rational;
pub(crate) mod stable;

#[cfg(feature = "mpfr")]
pub mod check;

#[cfg(test)]
mod snapshots;

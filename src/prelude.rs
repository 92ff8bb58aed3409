//! Everything an activation's body uses: `use activation::prelude::*;`.
//!
//! The functions are real `f64` functions, so a formula is valid Rust that editors
//! understand; `#[activation]` reads them as the formula language's primitives and
//! generates stable code for `f32` and `f64` from them.

pub use std::f64::consts::*;

#[cfg(feature = "ndarray")]
pub use crate::ArrayActivation;
#[cfg(feature = "half")]
pub use crate::HalfActivation;
pub use crate::{activation, Activation, Float, Real, VectorActivation};

/// e^x.
pub fn exp(x: f64) -> f64 {
    x.exp()
}
/// e^x - 1, accurate near 0.
pub fn expm1(x: f64) -> f64 {
    x.exp_m1()
}
/// e^x - 1 (the name of the `f64` method).
pub fn exp_m1(x: f64) -> f64 {
    x.exp_m1()
}
/// ln(1 + x) (the name of the `f64` method).
pub fn ln_1p(x: f64) -> f64 {
    x.ln_1p()
}
/// Natural logarithm.
pub fn ln(x: f64) -> f64 {
    x.ln()
}
/// ln(1 + x), accurate near 0.
pub fn log1p(x: f64) -> f64 {
    x.ln_1p()
}
/// Square root.
pub fn sqrt(x: f64) -> f64 {
    x.sqrt()
}
/// |x|.
pub fn abs(x: f64) -> f64 {
    x.abs()
}
/// Hyperbolic tangent.
pub fn tanh(x: f64) -> f64 {
    x.tanh()
}
/// Hyperbolic sine.
pub fn sinh(x: f64) -> f64 {
    x.sinh()
}
/// Hyperbolic cosine.
pub fn cosh(x: f64) -> f64 {
    x.cosh()
}
/// Arctangent.
pub fn atan(x: f64) -> f64 {
    x.atan()
}
/// Sine.
pub fn sin(x: f64) -> f64 {
    x.sin()
}
/// Cosine.
pub fn cos(x: f64) -> f64 {
    x.cos()
}
/// The logistic function 1 / (1 + e^-x), computed without overflow.
pub fn sigmoid(x: f64) -> f64 {
    Float::sigmoid(x)
}
/// ln(1 + e^x), computed without overflow.
pub fn softplus(x: f64) -> f64 {
    Float::softplus(x)
}
/// The error function.
pub fn erf(x: f64) -> f64 {
    Float::erf(x)
}
/// The complementary error function 1 - erf(x), accurate in the right tail.
pub fn erfc(x: f64) -> f64 {
    Float::erfc(x)
}
/// The larger of `a` and `b`.
pub fn max(a: f64, b: f64) -> f64 {
    a.max(b)
}
/// The smaller of `a` and `b`.
pub fn min(a: f64, b: f64) -> f64 {
    a.min(b)
}
/// The sum of `values`.
///
/// In a vector activation (`fn name(x: &[f64]) -> f64`), `sum(e)` is the reduction
/// `Σ_j e_j` over the elements, and a one-argument `max(e)` is `max_j e_j`: see the
/// README's "Vector activations".
pub fn sum(values: &[f64]) -> f64 {
    values.iter().sum()
}

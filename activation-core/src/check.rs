//! Gradient checks (placeholder while the reference is being written).
use crate::traits::Activation;
/// Runs the gradient checks of one activation.
pub fn run<A: Activation>(_a: &A) {}

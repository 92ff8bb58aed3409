//! Numbers checked against an independent truth: the MPFR reference, the gradient checks
//! that `#[activation]` generates, accuracy statistics over many inputs, and the ULP
//! distance they are all stated in. Everything but `ulp` needs the `mpfr` feature.

#[cfg(feature = "mpfr")]
pub mod accuracy;
#[cfg(feature = "mpfr")]
pub mod check;
#[cfg(feature = "mpfr")]
pub(crate) mod reference;
pub mod ulp;

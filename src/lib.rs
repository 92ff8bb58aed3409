#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
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
//! the README (whose examples are doctests of this crate) and in `docs/contract.md`.
//!
//! Features: `mpfr` (the gradient checks; GMP and MPFR built from source, needs `m4`),
//! `rayon` (long slices over threads), `ndarray` (`ArrayActivation` over arrays of any
//! dimension), `half` (`HalfActivation`: slice kernels over `bf16`/`f16`).

// The README's examples are doctests of `frameworks/` (feature `readme`): they show the
// candle, burn, ndarray and half integrations together.

// Generated code names this crate `::activation`, also inside the catalog.
extern crate self as activation;

#[cfg(feature = "burn")]
pub mod burn;
#[cfg(feature = "candle")]
pub mod candle;
pub mod catalog;
pub mod prelude;

pub use activation_macros::activation;
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub use activation_runtime::traits::{PARALLEL_MIN, PARALLEL_WORK};
#[cfg(feature = "ndarray")]
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
pub use activation_runtime::{array, ArrayActivation};
pub use activation_runtime::{dd, dispatch, float, lanes};
#[cfg(feature = "half")]
#[cfg_attr(docsrs, doc(cfg(feature = "half")))]
pub use activation_runtime::{half_float, Half, HalfActivation};
pub use activation_runtime::{Activation, Dd, DynActivation, Float, Function, Mask, Real, VectorActivation};

/// What generated code names, and nothing else should: the paths may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use activation_runtime::__private::*;
    #[cfg(feature = "candle")]
    pub use candle_core;
}

/// With the `candle` feature: the activation `$strukt` (with parameters `$field`s) is a
/// `candle_core::CustomOp1` whose backward pass is the generated derivative, and a
/// [`candle::WithParamValues`]. Without it: nothing.
#[cfg(feature = "candle")]
#[doc(hidden)]
#[macro_export]
macro_rules! __candle {
    ($strukt:ident $({ $($field:ident),* })?) => {
        impl $crate::__private::candle_core::CustomOp1 for $strukt {
            fn name(&self) -> &'static str {
                <Self as $crate::Activation>::NAME
            }
            fn cpu_fwd(
                &self,
                storage: &$crate::__private::candle_core::CpuStorage,
                layout: &$crate::__private::candle_core::Layout,
            ) -> $crate::__private::candle_core::Result<(
                $crate::__private::candle_core::CpuStorage,
                $crate::__private::candle_core::Shape,
            )> {
                $crate::candle::cpu_forward(self, storage, layout)
            }
            fn bwd(
                &self,
                arg: &$crate::__private::candle_core::Tensor,
                _res: &$crate::__private::candle_core::Tensor,
                grad_res: &$crate::__private::candle_core::Tensor,
            ) -> $crate::__private::candle_core::Result<::core::option::Option<$crate::__private::candle_core::Tensor>> {
                $crate::candle::backward(self, arg, grad_res)
            }
        }
        impl $crate::candle::WithParamValues for $strukt {
            #[allow(unused_variables, unused_mut)]
            fn with_param_values(values: &[f64]) -> Self {
                let mut values = values.iter();
                $strukt $({ $($field: $crate::candle::next_value(&mut values, <Self as $crate::Activation>::NAME)),* })?
            }
        }
    };
}

/// Without the `candle` feature the activation is no candle op.
#[cfg(not(feature = "candle"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __candle {
    ($($anything:tt)*) => {};
}

// The gradient checks: with the `mpfr` feature they run the engine's checks against MPFR;
// without it they are ignored tests that say how to turn them on.
#[cfg(feature = "mpfr")]
#[doc(hidden)]
pub use activation_core::{__gradient_checks, __vector_gradient_checks};

/// Without the `mpfr` feature the gradient checks cannot run; they show up as an ignored
/// test that says how to turn them on.
#[cfg(not(feature = "mpfr"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __gradient_checks {
    ($value:expr $(, skip = [$($skip:expr),* $(,)?])?) => {
        #[test]
        #[ignore = "gradient checks need the `mpfr` feature: activation = { features = [\"mpfr\"] } in [dev-dependencies]"]
        fn gradient_checks() {
            let _ = $value;
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

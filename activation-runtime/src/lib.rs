#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
//! The runtime of `activation`: what the code that `#[activation]` generates calls at run
//! time, and nothing else — no parser, no code generation, so a user's build compiles none
//! of them for the target (see `ARCHITECTURE.md`, "Crates").
//!
//! - [`Real`] (`f32`, `f64`) and [`Float`] (those and their [`lanes`]): the numbers
//!   generated kernels are generic over;
//! - [`Dd`]: compensated numbers (double-double for `f64`, `f64` for `f32`), for
//!   compensated forms and refined arguments;
//! - [`Activation`], [`VectorActivation`]: the traits generated structs implement, with
//!   slice kernels that run on the widest lanes the CPU has ([`dispatch`]).
//!
//! Users depend on the `activation` facade, which re-exports this crate.

#[cfg(feature = "ndarray")]
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
pub mod array;
pub mod dd;
pub mod dispatch;
pub mod float;
#[cfg(feature = "half")]
#[cfg_attr(docsrs, doc(cfg(feature = "half")))]
pub mod half_float;
pub mod lanes;
pub mod math;
pub mod real;
mod tails;
pub mod traits;
pub mod vector;

#[cfg(feature = "ndarray")]
#[cfg_attr(docsrs, doc(cfg(feature = "ndarray")))]
pub use array::ArrayActivation;
pub use dd::{Dd, DdLean, DdPair};
pub use float::{Float, Mask};
#[cfg(feature = "half")]
#[cfg_attr(docsrs, doc(cfg(feature = "half")))]
pub use half_float::{Half, HalfActivation};
pub use real::Real;
pub use traits::{Activation, DynActivation, Function};
pub use vector::VectorActivation;

/// What generated code names and nothing else should: the paths may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::dd::{Dd, DdLean, DdPair};
    pub use crate::float::{branch, merge, select, settled_else, settled_or, sides, unless, Float, Mask};
    pub use crate::tails::{
        div_or_zero, mul_or_zero, mul_small, mul_small_at, mul_small_logs, mul_small_logs_at, tails_idle,
    };
    pub use crate::{__lanes_if as lanes_if, __refined_or as refined_or, __settled_or as settled_or};

    /// Whether `Dd<T>`'s value functions hold at every argument, at about the plain
    /// function's cost ([`Repr::VALUES_EVERYWHERE`](crate::dd::Repr::VALUES_EVERYWHERE)):
    /// a constant, so the branch of [`refined_or!`](crate::__refined_or) not taken is
    /// compiled away.
    #[inline(always)]
    pub fn refines_everywhere<T: Float>(_: T) -> bool {
        <T::DdRepr as crate::dd::Repr<T>>::VALUES_EVERYWHERE
    }
}

/// A library call of a refined argument, as generated code writes it
/// (`activation_core`'s `emit::refine`): `$pair` (the argument recomputed as a `Dd`, with
/// unchecked products: `Dd::mul_unchecked`), `$refined` (the `Dd` method that gives the
/// function of it rounded to `T`, such as `erfc_value`) and `$plain` (the method of `T`
/// that gives the function of the argument `$v` as the plain code rounds it, `erfc`). Where
/// `Dd<T>`'s value functions hold everywhere (`f32`, computed in `f64`) the refined value
/// is taken in every lane. Elsewhere (pairs) the refined value is
/// taken in the lanes where `$test` holds (the tails) and the plain one in the others; where
/// the lanes disagree, the refined method runs once, on the pair in the tails and on
/// `Dd::new($v)` elsewhere, which gives the plain call's bits (a first-order correction by
/// a low part of 0: `Dd::new` gives the bits of the plain call, `dd::tests`), instead of
/// both calls. The same for σ(u) and σ(−u) from one refined pair (`$refined`
/// `sigmoid_pair_value`, `$plain` `sigmoid_pair`: the bits of the two calls it replaces,
/// `$v` and `−$v` being NaN together).
#[doc(hidden)]
#[macro_export]
macro_rules! __refined_or {
    // Without a test: refined where that is free, the plain call elsewhere (`f64` code
    // whose plain argument costs little of the bar, `compensate::arguments_refined` in the
    // engine).
    ($v:ident, $pair:expr, $refined:ident, $plain:ident) => {
        if $crate::__private::refines_everywhere($v) {
            ($pair).$refined()
        } else {
            $v.$plain()
        }
    };
    ($v:ident, $test:expr, $pair:expr, $refined:ident, $plain:ident) => {
        if $crate::__private::refines_everywhere($v) {
            ($pair).$refined()
        } else {
            let m = $test;
            if $crate::__private::Mask::any(m) {
                $crate::__private::select(m, $pair, $crate::__private::Dd::new($v)).$refined()
            } else {
                $v.$plain()
            }
        }
    };
}

/// `if $m { $a } else { $b }` over lanes, as generated code writes it: each side computed
/// only when some lane takes it, both selected lane by lane when both are. In an optimised
/// build the sides are written in place (a closure may stay a function of its own, compiled
/// without the instruction set the slice kernel dispatched to); with debug assertions they
/// are closures, so that an unoptimised build, which gives every temporary of a function
/// its own stack slot, keeps each side's temporaries in a frame of their own.
#[cfg(not(debug_assertions))]
#[doc(hidden)]
#[macro_export]
macro_rules! __lanes_if {
    ($m:expr, $a:expr, $b:expr) => {{
        let m = $m;
        let (ta, tb) = $crate::__private::sides(m);
        $crate::__private::merge(
            m,
            if ta { ::core::option::Option::Some($a) } else { ::core::option::Option::None },
            if tb { ::core::option::Option::Some($b) } else { ::core::option::Option::None },
        )
    }};
}

/// See the optimised build's definition.
#[cfg(debug_assertions)]
#[doc(hidden)]
#[macro_export]
macro_rules! __lanes_if {
    ($m:expr, $a:expr, $b:expr) => {
        $crate::__private::branch($m, || $a, || $b)
    };
}

/// A compensated value: the pair `$pair` (a `Dd`) rounded where [`Dd::settle`] trusts it,
/// `$fallback` (the plain code) in the other lanes, computed only when some lane needs it.
/// In place in an optimised build, a closure with debug assertions (see `__lanes_if`).
#[cfg(not(debug_assertions))]
#[doc(hidden)]
#[macro_export]
macro_rules! __settled_or {
    ($pair:expr, $fallback:expr) => {{
        let (v, ok) = ($pair).settle();
        let (_, refused) = $crate::__private::sides(ok);
        $crate::__private::merge(
            ok,
            ::core::option::Option::Some(v),
            if refused { ::core::option::Option::Some($fallback) } else { ::core::option::Option::None },
        )
    }};
}

/// See the optimised build's definition.
#[cfg(debug_assertions)]
#[doc(hidden)]
#[macro_export]
macro_rules! __settled_or {
    ($pair:expr, $fallback:expr) => {
        $crate::__private::settled_or($pair, || $fallback)
    };
}

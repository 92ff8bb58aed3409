//! The passes over the IR, each `Expr` in, `Expr` out: the rewrite engine and its rule
//! tables (simplify, stabilise), differentiation, breakpoints, and the choices derived from
//! them (every form of an activation; which forms run in compensated arithmetic).

pub mod breakpoints;
pub mod compensate;
pub mod derived;
pub mod diff;
pub mod rules;
pub mod simplify;
pub mod stabilise;

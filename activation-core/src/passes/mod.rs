//! The passes over the IR, each `Expr` in, `Expr` out: the rewrite engine and its rule
//! tables (simplify, stabilise), differentiation, breakpoints, and the choices derived from
//! them (every form of an activation; which forms run in compensated arithmetic).

// Also at expansion: `derived` probes candidate forms on both sides of each breakpoint.
pub(crate) mod breakpoints;
pub(crate) mod compensate;
pub(crate) mod derived;
pub(crate) mod diff;
pub(crate) mod doubts;
pub(crate) mod removable;
pub(crate) mod rules;
pub(crate) mod scaling;
pub(crate) mod series;
pub(crate) mod simplify;
pub(crate) mod stabilise;
pub(crate) mod zero_limits;

#[cfg(all(test, feature = "mpfr"))]
mod rules_against_mpfr;

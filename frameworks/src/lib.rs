//! Tests and measurements of the candle and burn integrations; see `docs/ecosystem.md`.
//!
//! With the feature `readme` (candle, burn, and `activation`'s `ndarray` and `half`), the
//! README's code blocks are this crate's doctests
//! (`cargo test -p activation-frameworks --features readme --doc`): its examples need the
//! frameworks, a burn backend, ndarray and half, which the `activation` crate itself does
//! not depend on by default.
#![cfg_attr(all(doctest, feature = "readme"), doc = include_str!("../../README.md"))]

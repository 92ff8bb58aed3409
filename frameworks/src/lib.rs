//! Tests and measurements of the candle and burn integrations; see `docs/ecosystem.md`.
//!
//! With both features, the README's code blocks are this crate's doctests
//! (`cargo test -p activation-frameworks --features candle,burn --doc`): its candle and
//! burn examples need the frameworks and a burn backend, which the `activation` crate
//! itself does not depend on.
#![cfg_attr(all(doctest, feature = "candle", feature = "burn"), doc = include_str!("../../README.md"))]

//! Tests and measurements of the candle and burn integrations; see `docs/ecosystem.md`.

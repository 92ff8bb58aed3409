//! The one expression type every pass works on, and what reads it without changing it:
//! canonical text, LaTeX, and an interpreter in `f32`/`f64`.

pub mod eval;
pub mod expr;
pub mod latex;
pub mod text;

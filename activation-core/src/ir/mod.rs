//! The one expression type every pass works on, and what reads it without changing it:
//! canonical text, LaTeX and MathML (one shared printer), and an interpreter in `f32`/`f64`
//! (recursive, and on a tape for many points).

pub(crate) mod constant;
pub(crate) mod eval;
pub(crate) mod expr;
pub(crate) mod extended;
pub(crate) mod latex;
pub(crate) mod mathml;
pub(crate) mod print;
pub(crate) mod tape;
pub(crate) mod text;

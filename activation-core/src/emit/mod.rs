//! From forms to Rust: `codegen` turns stable forms into kernels generic over the runtime's
//! `Float` (scalars and lanes alike), `refine` recomputes saturating functions' polynomial
//! arguments in double-double in the tails, `exponents` decides which compensated products
//! can do without an underflow test, `lean` on which inputs a compensated rational form can
//! do without any, and `expand` assembles everything
//! `#[activation]` generates: the items every activation shares (`item`), and those a
//! scalar activation adds (`scalar`) or a vector one adds (`crate::vector::expand`).

pub(crate) mod codegen;
pub mod expand;
pub(crate) mod exponents;
pub(crate) mod item;
pub(crate) mod lean;
pub(crate) mod literal;
pub(crate) mod refine;
pub(crate) mod root;
pub(crate) mod scalar;

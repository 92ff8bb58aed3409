//! From forms to Rust: `codegen` turns stable forms into kernels generic over the runtime's
//! `Float` (scalars and lanes alike), `refine` recomputes saturating functions' polynomial
//! arguments in double-double in the tails, and `expand` assembles everything
//! `#[activation]` generates.

pub mod codegen;
pub mod expand;
pub mod refine;

//! Every form of an activation the passes produce: the readable forms (for text, LaTeX and
//! the report) and the stable forms (for generated code).

use crate::diff::{derivative, DiffError};
use crate::expr::Expr;
use crate::parse::Definition;
use crate::simplify::simplify;
use crate::stabilise::stabilise;

/// f, f', f'' and each d/dp of one activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Forms {
    pub forward: Expr,
    pub derivative: Expr,
    pub second: Expr,
    /// d/dp for each parameter, in parameter order.
    pub params: Vec<Expr>,
}

/// The readable and the stable forms of an activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    /// What a person reads: the formula as written, derivatives simplified, written
    /// through the prelude's functions (σ' = σ(1 − σ)).
    pub readable: Forms,
    /// What runs: each form stabilised, derivatives taken of the stable forward so they
    /// inherit its structure.
    pub stable: Forms,
}

/// Differentiates, simplifies and stabilises `def`.
pub fn derive(def: &Definition) -> Result<Derived, DiffError> {
    let x = def.input.as_str();
    let names = def.param_names();
    let readable = chain(def.body.clone(), x, &names, simplify)?;
    let stable = chain(stabilise(&def.body), x, &names, stabilise)?;
    Ok(Derived { readable, stable })
}

fn chain(forward: Expr, x: &str, params: &[&str], pass: fn(&Expr) -> Expr) -> Result<Forms, DiffError> {
    let first = pass(&derivative(&forward, x)?);
    let second = pass(&derivative(&first, x)?);
    let params = params.iter().map(|p| Ok(pass(&derivative(&forward, p)?))).collect::<Result<_, DiffError>>()?;
    Ok(Forms { forward, derivative: first, second, params })
}

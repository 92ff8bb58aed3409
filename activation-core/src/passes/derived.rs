//! Every form of an activation the passes produce: the readable forms (for text, LaTeX and
//! the report) and the stable forms (for generated code).

use crate::ir::eval::{eval, Env};
use crate::ir::expr::Expr;
use crate::parse::Definition;
use crate::passes::diff::{derivative, DiffError};
use crate::passes::simplify::simplify;
use crate::passes::stabilise::stabilise;

/// f, f', f'' and each d/dp of one activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Forms {
    /// f
    pub forward: Expr,
    /// f'
    pub derivative: Expr,
    /// f''
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
    /// What runs: each form stabilised (see [`derive()`]).
    pub stable: Forms,
    /// Which stable forms run in double-double arithmetic.
    pub compensated: Compensated,
}

/// Which stable forms the generated code computes in compensated (double-double)
/// arithmetic: those whose plain rounding comes near the accuracy bar
/// (`passes::compensate::needed`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compensated {
    /// f
    pub forward: bool,
    /// f'
    pub derivative: bool,
    /// f''
    pub second: bool,
    /// d/dp for each parameter, in parameter order.
    pub params: Vec<bool>,
}

impl Compensated {
    fn of(forms: &Forms, probe: &Probe) -> Compensated {
        let needed = |e: &Expr| crate::passes::compensate::needed(e, &probe.input, &probe.params);
        Compensated {
            forward: needed(&forms.forward),
            derivative: needed(&forms.derivative),
            second: needed(&forms.second),
            params: forms.params.iter().map(needed).collect(),
        }
    }
}

/// Differentiates, simplifies and stabilises `def`.
///
/// Each stable derivative is chosen between two stabilised candidates, which are the same
/// function: the derivative of the stable form one order down (it inherits that form's
/// structure — `x σ(x)` differentiates without the overflow of `x / (1 + e^-x)`), and the
/// readable derivative stabilised (symbolic cancellation sometimes leaves it much simpler:
/// `ab / (2 s (x² + b))`). `Probe::steadier` picks between them.
pub fn derive(def: &Definition) -> Result<Derived, DiffError> {
    let x = def.input.as_str();
    let d = |e: &Expr, var: &str| -> Result<Expr, DiffError> { Ok(simplify(&derivative(e, var)?)) };
    let r_first = d(&def.body, x)?;
    let r_second = d(&r_first, x)?;
    let r_params = def.params.iter().map(|p| d(&def.body, &p.name)).collect::<Result<Vec<_>, _>>()?;
    let probe = Probe::new(def);
    let s_forward = stabilise(&def.body);
    let s_first = probe.steadier(stabilise(&derivative(&s_forward, x)?), stabilise(&r_first));
    let s_second = probe.steadier(stabilise(&derivative(&s_first, x)?), stabilise(&r_second));
    let s_params = def
        .params
        .iter()
        .zip(&r_params)
        .map(|(p, r)| Ok(probe.steadier(stabilise(&derivative(&s_forward, &p.name)?), stabilise(r))))
        .collect::<Result<Vec<_>, DiffError>>()?;
    let stable = Forms { forward: s_forward, derivative: s_first, second: s_second, params: s_params };
    Ok(Derived {
        readable: Forms { forward: def.body.clone(), derivative: r_first, second: r_second, params: r_params },
        compensated: Compensated::of(&stable, &probe),
        stable,
    })
}

/// Probe inputs for comparing equivalent forms without a high-precision reference.
struct Probe {
    input: String,
    params: Vec<(String, f64)>,
    points: Vec<f64>,
}

impl Probe {
    fn new(def: &Definition) -> Probe {
        let magnitudes = [1e-8, 1e-4, 0.01, 0.1, 0.3, 0.7, 1.0, 1.7, 3.0, 6.0, 12.0, 30.0, 80.0, 300.0, 1e3, 1e4];
        let points = magnitudes.iter().flat_map(|&m| [m, -m]).collect();
        // Parameters without a default probe at the gradient checks' value.
        let params = def.params.iter().map(|p| (p.name.clone(), p.default.unwrap_or(0.75))).collect();
        Probe { input: def.input.clone(), params, points }
    }

    /// The largest disagreement between the `f32` and `f64` evaluations of `e` over the
    /// probe points, relative to the `f64` value: a measure of how much the form amplifies
    /// rounding errors (a form that cancels loses in `f32` what it keeps in `f64`).
    fn sensitivity(&self, e: &Expr) -> f64 {
        let mut worst: f64 = 0.0;
        for &x in &self.points {
            let mut env64: Env<f64> = self.params.iter().cloned().collect();
            env64.insert(self.input.clone(), x);
            let env32: Env<f32> = env64.iter().map(|(k, v)| (k.clone(), *v as f32)).collect();
            let (wide, narrow) = (eval(e, &env64), f64::from(eval(e, &env32)));
            let gap = match (wide.is_finite(), narrow.is_finite()) {
                (true, true) if wide == narrow => 0.0,
                (true, true) => ((narrow - wide) / wide.abs().max(f64::from(f32::MIN_POSITIVE))).abs(),
                (false, false) => 0.0,
                _ => f64::INFINITY,
            };
            worst = worst.max(gap.min(1.0));
        }
        worst
    }

    /// Of two equivalent forms, the one less sensitive to rounding (the first unless the
    /// second is clearly better), then the smaller.
    fn steadier(&self, first: Expr, second: Expr) -> Expr {
        let (a, b) = (self.sensitivity(&first), self.sensitivity(&second));
        if b * 4.0 < a || (b <= a * 4.0 && second.size() < first.size()) {
            second
        } else {
            first
        }
    }
}

//! The gradient checks `#[activation]` generates (SPEC §5), run against MPFR.
//!
//! The reference for f is the formula (as written, re-read from `FORMULA`) evaluated
//! exactly and rounded; the references for f', f'' and each ∂f/∂p are numerical
//! derivatives of that same formula in MPFR — independent of the engine's symbolic
//! derivatives and of its rewrites. A value passes when it is within
//! `4 + 4·cond` ULPs of the reference, cond = |x g'(x) / g(x)| being the condition number
//! of the function g checked; where the reference is exactly 0 the value must be 0.
//! The fused, slice and parameter-gradient paths must agree bit for bit with the scalar
//! `f64` functions; the `f32` path is checked against its own `f32` reference.

use std::fmt::Write;

use crate::breakpoints::breakpoints;
use crate::parse::parse_formula;
use crate::reference::{numeric_derivative, reference_f32, reference_f64};
use crate::traits::Activation;
use crate::ulp::{ulps_f32, ulps_f64};
use crate::Expr;

/// Relative step for estimating a condition number from three reference values; the
/// check points keep at least 1e-6 relative distance from every breakpoint.
const COND_STEP: f64 = 1e-8;

/// Which function of the activation a check is about.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    Forward,
    Derivative,
    Second,
    Param(usize),
}

/// The ULP bound for a function with condition number `cond`.
pub fn bound(cond: f64) -> f64 {
    4.0 + 4.0 * cond
}

/// The inputs the checks use: both tails, around 0, and both sides of every breakpoint.
pub fn check_points(breaks: &[f64]) -> Vec<f64> {
    let base = [0.0, 1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 3.3, 5.0, 10.0, 20.0, 40.0, 100.0, 700.0, 1e4];
    let mut pts: Vec<f64> = base.iter().flat_map(|&v| [v, -v]).collect();
    pts.retain(|x| breaks.iter().all(|b| (x - b).abs() > 1e-6 * b.abs().max(1.0)));
    for b in breaks {
        let d = 1e-6 * b.abs().max(1.0);
        pts.extend([b - d, b + d, b - 0.25, b + 0.25]);
    }
    pts.sort_by(f64::total_cmp);
    pts.dedup();
    pts
}

/// The formula of `A` as an expression, and its variables' values.
pub struct Subject {
    pub name: &'static str,
    pub input: &'static str,
    pub formula: Expr,
    pub params: Vec<(&'static str, f64)>,
}

impl Subject {
    /// Reads `A::FORMULA` back with the parser.
    pub fn of<A: Activation>(a: &A) -> Subject {
        let mut vars = vec![A::INPUT];
        vars.extend(A::PARAMS);
        let formula = parse_formula(A::FORMULA, &vars)
            .unwrap_or_else(|e| panic!("{}: FORMULA `{}` does not read back: {e}", A::NAME, A::FORMULA));
        let params = A::PARAMS.iter().copied().zip(a.param_values()).collect();
        Subject { name: A::NAME, input: A::INPUT, formula, params }
    }

    fn env(&self, x: f64, params: &[(&'static str, f64)]) -> Vec<(&'static str, f64)> {
        let mut env = params.to_vec();
        env.push((self.input, x));
        env
    }

    /// The correctly rounded `f64` reference of `target` at `x`.
    pub fn reference(&self, target: Target, x: f64) -> f64 {
        let env = self.env(x, &self.params);
        match target {
            Target::Forward => reference_f64(&self.formula, &env),
            Target::Derivative => numeric_derivative(&self.formula, self.input, &env, 1),
            Target::Second => numeric_derivative(&self.formula, self.input, &env, 2),
            Target::Param(k) => numeric_derivative(&self.formula, self.params[k].0, &env, 1),
        }
    }

    /// The `f32` reference: parameters and input rounded to `f32` as the `f32` path sees
    /// them, the result rounded once to `f32`.
    pub fn reference_f32(&self, target: Target, x: f32) -> f32 {
        let params: Vec<(&'static str, f64)> = self.params.iter().map(|&(n, v)| (n, f64::from(v as f32))).collect();
        let env = self.env(f64::from(x), &params);
        match target {
            Target::Forward => reference_f32(&self.formula, &env),
            // Derivatives: the f64 numerical derivative rounded to f32 (double rounding costs
            // at most half an f32 ULP, far inside the bound).
            Target::Derivative => numeric_derivative(&self.formula, self.input, &env, 1) as f32,
            Target::Second => numeric_derivative(&self.formula, self.input, &env, 2) as f32,
            Target::Param(k) => numeric_derivative(&self.formula, self.params[k].0, &env, 1) as f32,
        }
    }

    /// cond = |x g'(x) / g(x)| of the checked function g, from references at x(1 ± h).
    pub fn condition(&self, target: Target, x: f64, gx: f64) -> f64 {
        let h = COND_STEP * x.abs().max(f64::MIN_POSITIVE);
        let slope = (self.reference(target, x + h) - self.reference(target, x - h)) / (2.0 * h);
        (x * slope / gx).abs()
    }
}

fn label(a: &Subject, target: Target) -> String {
    match target {
        Target::Forward => "f".into(),
        Target::Derivative => "d/dx".into(),
        Target::Second => "d²/dx²".into(),
        Target::Param(k) => format!("d/d{}", a.params[k].0),
    }
}

/// Compares one value with its reference; a failure line when it is out of bound.
fn judge(subject: &Subject, target: Target, x: f64, actual: f64, expected: f64, ulps: f64, ty: &str) -> Option<String> {
    let ok = if expected == 0.0 {
        actual == 0.0
    } else {
        !actual.is_nan() && ulps <= bound(subject.condition(target, x, expected))
    };
    (!ok).then(|| {
        let cond = if expected == 0.0 { 0.0 } else { subject.condition(target, x, expected) };
        format!(
            "{} {} ({ty}) at x = {x:e}: expected {expected:e}, actual {actual:e}, {ulps:.3e} ULPs (bound {:.1})",
            subject.name,
            label(subject, target),
            bound(cond)
        )
    })
}

/// Runs every check on `a`; panics with the list of failures.
pub fn run<A: Activation>(a: &A) {
    let subject = Subject::of(a);
    let breaks = breakpoints(&subject.formula, subject.input, &subject.params);
    let points = check_points(&breaks);
    let mut targets = vec![Target::Forward, Target::Derivative, Target::Second];
    targets.extend((0..A::PARAMS.len()).map(Target::Param));
    let mut failures = Vec::new();
    for &x in &points {
        for &t in &targets {
            let actual = evaluate(a, t, x);
            let expected = subject.reference(t, x);
            failures.extend(judge(&subject, t, x, actual, expected, ulps_f64(actual, expected), "f64"));
            let x32 = x as f32;
            let (actual32, expected32) = (evaluate(a, t, x32), subject.reference_f32(t, x32));
            let ulps = ulps_f32(actual32, expected32);
            failures.extend(judge(&subject, t, f64::from(x32), actual32.into(), expected32.into(), ulps, "f32"));
        }
    }
    failures.extend(paths_agree(a, &points));
    if !failures.is_empty() {
        let mut msg = format!("{} gradient check failures for `{}`:\n", failures.len(), A::NAME);
        for f in &failures {
            writeln!(msg, "  {f}").unwrap();
        }
        panic!("{msg}");
    }
}

fn evaluate<A: Activation, T: crate::Real>(a: &A, target: Target, x: T) -> T {
    match target {
        Target::Forward => a.forward(x),
        Target::Derivative => a.derivative(x),
        Target::Second => a.second_derivative(x),
        Target::Param(k) => a.param_derivative(k, x),
    }
}

/// The fused, slice and parameter-gradient paths against the scalar `f64` ones.
fn paths_agree<A: Activation>(a: &A, points: &[f64]) -> Vec<String> {
    let mut out = Vec::new();
    let same = |p: f64, q: f64| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan());
    for &x in points {
        let (f, df) = a.with_derivative(x);
        if !same(f, a.forward(x)) || !same(df, a.derivative(x)) {
            out.push(format!(
                "{} with_derivative at x = {x:e}: {:?} differs from ({:e}, {:e})",
                A::NAME,
                (f, df),
                a.forward(x),
                a.derivative(x)
            ));
        }
    }
    let grads: Vec<f64> = (0..points.len()).map(|i| 0.5 + i as f64 / 7.0).collect();
    let mut fwd = vec![0.0; points.len()];
    a.forward_slice(points, &mut fwd);
    let mut back = vec![0.0; points.len()];
    a.backward_slice(points, &grads, &mut back);
    for (i, &x) in points.iter().enumerate() {
        if !same(fwd[i], a.forward(x)) {
            out.push(format!(
                "{} forward_slice at x = {x:e}: {:e} differs from forward {:e}",
                A::NAME,
                fwd[i],
                a.forward(x)
            ));
        }
        if !same(back[i], grads[i] * a.derivative(x)) {
            out.push(format!(
                "{} backward_slice at x = {x:e}: {:e} differs from g·f' {:e}",
                A::NAME,
                back[i],
                grads[i] * a.derivative(x)
            ));
        }
    }
    let mut sums = vec![0.0; A::PARAMS.len()];
    a.param_gradients(points, &grads, &mut sums);
    for (k, &s) in sums.iter().enumerate() {
        let expected: f64 = points.iter().zip(&grads).map(|(&x, &g)| g * a.param_derivative(k, x)).sum();
        if !same(s, expected) {
            out.push(format!("{} param_gradients[{k}]: {s:e} differs from the scalar sum {expected:e}", A::NAME));
        }
    }
    out
}

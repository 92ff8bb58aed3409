//! The gradient checks `#[activation]` generates (`docs/contract.md` §5.5), run against MPFR.
//!
//! The reference for f is the formula (as written, re-read from `FORMULA`) evaluated
//! exactly and rounded; the references for f', f'' and each ∂f/∂p are numerical
//! derivatives of that same formula in MPFR — independent of the engine's symbolic
//! derivatives and of its rewrites. A value passes when it is within [`bound`] ULPs of
//! the reference — the accuracy bar `4 + 4·cond`, the same for f and every derivative —
//! cond = |x g'(x) / g(x)| being the condition number of the function g checked — and
//! exactly equal where MPFR certifies the truth as exactly representable
//! (`Subject::exact`); where the reference is exactly 0 the value must be 0, and
//! where it is subnormal in the checked type see `subnormal_close`.
//! The fused, slice and parameter-gradient paths must agree bit for bit with the scalar
//! `f64` functions; the `f32` path is checked against its own `f32` reference.

use std::fmt::Write;
use std::time::{Duration, Instant};

use crate::ir::expr::{BinOp, Func};
use crate::parse::parse_formula;
use crate::passes::breakpoints::breakpoints;
use crate::passes::diff::derivative;
use crate::passes::simplify::simplify;
use crate::passes::stabilise::stabilise;
use crate::verify::reference::{
    exact_value, numeric_derivative, reference_f32, reference_f64, verified_numeric_derivative, verified_reference_f32,
    verified_reference_f64,
};
use crate::verify::ulp::{ulps_f32, ulps_f64};
use crate::Expr;
use activation_runtime::{Activation, DynActivation, Function as Target, Real};

/// Relative step for estimating a condition number from three reference values; the
/// check points keep at least 1e-6 relative distance from every breakpoint.
const COND_STEP: f64 = 1e-8;

/// The accuracy contract's ULP bound (the accuracy issue's bar) for a function with
/// condition number `cond`: what `cargo xtask accuracy` measures every function against.
pub fn bound(cond: f64) -> f64 {
    4.0 + 4.0 * cond
}

/// The most breakpoints the checks visit: those nearest 0, where activations have their
/// kinks. A formula with more (`max(sin(x), 0)` has one every π) would otherwise ask for
/// thousands of points (`docs/contract.md` §5.5).
pub(crate) const MAX_CHECKED_BREAKPOINTS: usize = 16;

/// How long the checks of one activation may run before they fail, naming how far they
/// got: `ACTIVATION_CHECK_SECONDS` if set, else 300 s. The bounded number of points makes
/// them take seconds; the budget only turns a pathological case into a loud failure
/// instead of a test that seems to hang.
fn time_budget() -> Duration {
    let secs = std::env::var("ACTIVATION_CHECK_SECONDS").ok().and_then(|s| s.trim().parse::<f64>().ok());
    Duration::from_secs_f64(secs.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(300.0))
}

/// The inputs the checks use: both tails, around 0 (−0 and +0), and both sides of every
/// breakpoint (the [`MAX_CHECKED_BREAKPOINTS`] nearest 0).
pub(crate) fn check_points(breaks: &[f64]) -> Vec<f64> {
    let base = [0.0, 1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 3.3, 5.0, 10.0, 20.0, 40.0, 100.0, 700.0, 1e4];
    let mut breaks = breaks.to_vec();
    breaks.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    breaks.truncate(MAX_CHECKED_BREAKPOINTS);
    let mut pts: Vec<f64> = base.iter().flat_map(|&v| [v, -v]).collect();
    pts.retain(|x| breaks.iter().all(|b| (x - b).abs() > 1e-6 * b.abs().max(1.0)));
    for b in &breaks {
        let d = 1e-6 * b.abs().max(1.0);
        pts.extend([b - d, b + d, b - 0.25, b + 0.25]);
    }
    pts.sort_by(f64::total_cmp);
    // By bits: −0 and +0 are both checked (a branch or a quotient may take a different
    // side at each, and generated code must be right at both).
    pts.dedup_by(|a, b| a.to_bits() == b.to_bits());
    pts
}

/// The formula of `A` as an expression, and its variables' values.
pub struct Subject {
    /// The activation's name.
    pub(crate) name: &'static str,
    /// The input's name.
    pub(crate) input: &'static str,
    /// The formula as written, read back from `FORMULA`.
    pub(crate) formula: Expr,
    /// Parameter names and the values checked.
    pub(crate) params: Vec<(&'static str, f64)>,
    /// Evaluate the reference from the stable form first (see [`Subject::truth`]).
    pub(crate) stable_first: bool,
}

impl Subject {
    /// Reads the activation's `FORMULA` back with the parser.
    pub fn of(a: &dyn DynActivation) -> Subject {
        let mut vars = vec![a.input()];
        vars.extend(a.params());
        let formula = parse_formula(a.formula(), &vars)
            .unwrap_or_else(|e| panic!("{}: FORMULA `{}` does not read back: {e}", a.name(), a.formula()));
        let params = a.params().iter().copied().zip(a.param_values()).collect();
        Subject { name: a.name(), input: a.input(), formula, params, stable_first: false }
    }

    fn env(&self, x: f64, params: &[(&'static str, f64)]) -> Vec<(&'static str, f64)> {
        let mut env = params.to_vec();
        env.push((self.input, x));
        env
    }

    /// The correctly rounded `f64` reference of `target` at `x`.
    pub fn reference(&self, target: Target, x: f64) -> f64 {
        let env = self.env(x, &self.params);
        let frozen = self.frozen(&env);
        self.truth(target, &frozen, &env)
    }

    /// The `f32` reference: parameters and input rounded to `f32` as the `f32` path sees
    /// them, the result rounded once to `f32`.
    pub fn reference_f32(&self, target: Target, x: f32) -> f32 {
        let params: Vec<(&'static str, f64)> = self.params.iter().map(|&(n, v)| (n, f64::from(v as f32))).collect();
        let env = self.env(f64::from(x), &params);
        let frozen = self.frozen(&env);
        match target {
            Target::Forward => {
                let v = reference_f32(&frozen.0, &env);
                if v.is_finite() {
                    v
                } else {
                    reference_f32(&frozen.1, &env)
                }
            }
            // Derivatives: the f64 numerical derivative rounded to f32 (double rounding costs
            // at most half an f32 ULP, far inside the bound).
            _ => self.truth(target, &frozen, &env) as f32,
        }
    }

    /// [`Subject::reference`] where MPFR can vouch for it; `None` where the written
    /// formula and its stable form both overflow MPFR's exponent range, so that the NaN or
    /// infinity MPFR gives may stand for a finite truth (see
    /// [`verified_reference_f64`]). The checks skip such values and count them.
    pub(crate) fn verified_reference(&self, target: Target, x: f64) -> Option<f64> {
        let env = self.env(x, &self.params);
        self.verified_truth(target, &self.frozen(&env), &env)
    }

    /// [`Subject::reference_f32`] where MPFR can vouch for it (see
    /// [`Subject::verified_reference`]).
    pub(crate) fn verified_reference_f32(&self, target: Target, x: f32) -> Option<f32> {
        let params: Vec<(&'static str, f64)> = self.params.iter().map(|&(n, v)| (n, f64::from(v as f32))).collect();
        let env = self.env(f64::from(x), &params);
        let frozen = self.frozen(&env);
        match target {
            Target::Forward => {
                written_or_stable(verified_reference_f32(&frozen.0, &env), || verified_reference_f32(&frozen.1, &env))
            }
            _ => self.verified_truth(target, &frozen, &env).map(|v| v as f32),
        }
    }

    /// [`Subject::truth`] where MPFR can vouch for it.
    fn verified_truth(&self, target: Target, pair: &(Expr, Expr), env: &[(&'static str, f64)]) -> Option<f64> {
        let (written, stable) = if self.stable_first { (&pair.1, &pair.0) } else { (&pair.0, &pair.1) };
        let of = |e: &Expr| match target {
            Target::Forward => verified_reference_f64(e, env),
            Target::Derivative => verified_numeric_derivative(e, self.input, env, 1),
            Target::Second => verified_numeric_derivative(e, self.input, env, 2),
            Target::Param(k) => verified_numeric_derivative(e, self.params[k].0, env, 1),
        };
        if self.stable_first {
            return first_finite(of(written), || of(stable));
        }
        let value = of(written);
        if target != Target::Forward && !value.is_some_and(f64::is_finite) {
            // Outside the domain the neighbours of the difference quotient are NaN too, and
            // MPFR vouches for no quotient; the formula's own value at the point decides.
            // At a removable singularity (0/0 at the point, finite beside it) the quotient
            // is finite and judged.
            if verified_reference_f64(written, env).is_some_and(f64::is_nan) {
                return Some(f64::NAN);
            }
            // Nor is there a derivative where a neighbour is outside the domain (the
            // contract's "a neighbour outside the branch's domain", §5.5): the stable form,
            // which may be defined there (atan(1/exp(ln x)) at −0, whose stable form is
            // atan(1/|x|) with its branch frozen), must not stand in for it.
            let var = match target {
                Target::Param(k) => self.params[k].0,
                _ => self.input,
            };
            let beside = |sign: f64| {
                let moved: Vec<(&'static str, f64)> = env
                    .iter()
                    .map(|&(n, v)| {
                        (n, if n == var { v + sign * v.abs().max(2f64.powi(-20)) * 2f64.powi(-40) } else { v })
                    })
                    .collect();
                verified_reference_f64(written, &moved).is_some_and(f64::is_nan)
            };
            if value.is_none() && (beside(1.0) || beside(-1.0)) {
                return None;
            }
        }
        written_or_stable(value, || of(stable))
    }

    /// The formula as written and its stable form, each with every branch fixed to the one
    /// taken at `env` (see [`freeze`]).
    fn frozen(&self, env: &[(&'static str, f64)]) -> (Expr, Expr) {
        (freeze(&self.formula, env), freeze(&stabilise(&self.formula), env))
    }

    /// The reference of `target` from the formula as written; from its stable form where
    /// the written one overflows MPFR's exponent range (`exp(1e300)`). Both are the same
    /// number — the stabilising rules are identities, each checked against MPFR by its own
    /// test — but the stable form needs far fewer bits in the tails, so bulk measurements
    /// (`stable_first`) try it first; the gradient checks keep the written form first.
    fn truth(&self, target: Target, pair: &(Expr, Expr), env: &[(&'static str, f64)]) -> f64 {
        let (written, stable) = if self.stable_first { (&pair.1, &pair.0) } else { (&pair.0, &pair.1) };
        let of = |e: &Expr| match target {
            Target::Forward => reference_f64(e, env),
            Target::Derivative => numeric_derivative(e, self.input, env, 1),
            Target::Second => numeric_derivative(e, self.input, env, 2),
            Target::Param(k) => numeric_derivative(e, self.params[k].0, env, 1),
        };
        let v = of(written);
        if v.is_finite() {
            v
        } else {
            of(stable)
        }
    }

    /// The exactly representable truth of `target` at `x`, where there is one that MPFR can
    /// certify: the formula (f) or its symbolic derivative, branches frozen at `x`,
    /// evaluated without any rounding (see [`exact_value`]). The symbolic derivative is
    /// only an oracle here, trusted where the numerical reference agrees with it.
    pub(crate) fn exact(&self, target: Target, x: f64, narrow: bool) -> Option<f64> {
        let params: Vec<(&'static str, f64)> = if narrow {
            self.params.iter().map(|&(n, v)| (n, f64::from(v as f32))).collect()
        } else {
            self.params.clone()
        };
        let env = self.env(x, &params);
        let formula = freeze(&self.formula, &env);
        let d = |e: &Expr, var: &str| derivative(e, var).ok().map(|d| simplify(&d));
        let form = match target {
            Target::Forward => Some(formula),
            Target::Derivative => d(&formula, self.input),
            Target::Second => d(&formula, self.input).and_then(|f| d(&f, self.input)),
            Target::Param(k) => d(&formula, self.params[k].0),
        }?;
        exact_value(&form, &env, narrow)
    }

    /// cond = |x g'(x) / g(x)| of the checked function g, from references at x(1 ± h) with
    /// the branches taken at x, and the sign of each negative base raised to an integer
    /// power held ([`held_signs`]).
    pub(crate) fn condition(&self, target: Target, x: f64, gx: f64) -> f64 {
        let h = COND_STEP * x.abs().max(f64::MIN_POSITIVE);
        let env = self.env(x, &self.params);
        let (written, stable) = self.frozen(&env);
        let frozen = (held_signs(&written, &env), held_signs(&stable, &env));
        let at = |y: f64| self.truth(target, &frozen, &self.env(y, &self.params));
        // Relative to g(x) before scaling by x / 2h: near the top of the range, x times the
        // slope overflows (eˣ/100 at 711 is 6e306, and 711 · 6e306 is ∞) where cond is 711.
        // One-sided where one neighbour is not finite (eˣ just below ln(MAX), whose
        // neighbour above overflows), so that no finite value makes the bar infinite.
        let (above, below) = (at(x + h), at(x - h));
        let (difference, width) = match (above.is_finite(), below.is_finite()) {
            (true, false) => (above - gx, h),
            (false, true) => (gx - below, h),
            _ => (above - below, 2.0 * h),
        };
        (difference / gx * (x / width)).abs()
    }
}

/// `e` (branches frozen, [`freeze`]) with each `powf` whose base is negative at `env` and
/// whose exponent is an integer there — an isolated point of the real function's domain,
/// where the value is finite and its neighbours are NaN — continued as ±|b|^y, the sign of
/// the power at `env` held: `(0.01 - x).powf(x)` at 20 as `(x - 0.01).powf(x)`. Its
/// condition number is that of the value computed there (an error δ in the base moves the
/// power by y·δ/b, one in the exponent by ln|b| times it), which the real function's,
/// NaN at such a point, would not bound at all (`docs/contract.md` §5.5).
pub(crate) fn held_signs(e: &Expr, env: &[(&str, f64)]) -> Expr {
    match e {
        Expr::Bin(BinOp::Pow, b, y) => {
            let (base, power) = (reference_f64(b, env), reference_f64(y, env));
            let (b, y) = (held_signs(b, env), held_signs(y, env));
            if base < 0.0 && power.is_finite() && power == power.trunc() {
                let continued = Expr::bin(BinOp::Pow, Expr::neg(b), y);
                if power % 2.0 == 0.0 {
                    continued
                } else {
                    Expr::neg(continued)
                }
            } else {
                Expr::bin(BinOp::Pow, b, y)
            }
        }
        _ => e.map_children(|c| held_signs(c, env)),
    }
}

/// `e` with every branch fixed to the one taken at `env`: each `if` replaced by its selected
/// branch, `max`/`min`/`abs` by the argument they select (by the kink convention of
/// `docs/contract.md` §4.2: `max(a, b)` is `a` only where `a > b`, `abs(u)` is `0` where
/// `u = 0`, and where `u` is undefined, the side its neighbours take,
/// [`side_of_undefined`]). Conditions are decided exactly, by the sign of the correctly
/// rounded `lhs - rhs`. Numerical derivatives of the frozen formula are one-sided at a
/// breakpoint, on the side the formula selects there — the derivative `docs/contract.md`
/// §4.2 promises. A NaN is kept where the formula keeps it: `abs` of a NaN is NaN, and
/// `max`/`min` take the side that is not NaN, as `f64::max` and MPFR do.
pub(crate) fn freeze(e: &Expr, env: &[(&str, f64)]) -> Expr {
    let sign = |a: &Expr, b: &Expr| reference_f64(&Expr::bin(BinOp::Sub, a.clone(), b.clone()), env);
    let extremum = |a: &Expr, b: &Expr, larger: bool| {
        let d = sign(a, b);
        let pick_a = if d.is_nan() {
            reference_f64(b, env).is_nan()
        } else if larger {
            d > 0.0
        } else {
            d < 0.0
        };
        freeze(if pick_a { a } else { b }, env)
    };
    match e {
        Expr::If(c, a, b) => {
            let d = sign(&c.lhs, &c.rhs);
            freeze(if c.op.holds(d, 0.0) { a } else { b }, env)
        }
        Expr::Bin(BinOp::Max, a, b) => extremum(a, b, true),
        Expr::Bin(BinOp::Min, a, b) => extremum(a, b, false),
        Expr::Call(Func::Abs, u) => {
            let v = reference_f64(u, env);
            let side = if v.is_nan() { side_of_undefined(u, env) } else { Some(v) };
            match side {
                Some(v) if v > 0.0 => freeze(u, env),
                Some(v) if v < 0.0 => Expr::neg(freeze(u, env)),
                // 0 · u: the slope 0 around the point, and NaN where `u` is (the value
                // of the written formula there).
                Some(_) if v.is_nan() => Expr::bin(BinOp::Mul, Expr::num(0.0), freeze(u, env)),
                Some(_) => Expr::num(0.0),
                None => freeze(u, env),
            }
        }
        _ => e.map_children(|c| freeze(c, env)),
    }
}

/// For `u` undefined at the point (0/0 at a removable singularity), the sign of its values
/// one step either side in the input (bound last in `env`, as [`Subject::env`] and the
/// vector checks bind it), where they are defined: that sign where they agree, 0 where they
/// differ — `u` crosses 0 there, a kink, whose derivative is `abs(0)`'s by the convention
/// (the fuzzer's f681: |−softplus(x)·x³/x²| at ±0, whose generated derivative is 0, was
/// checked against the side `abs` of a NaN kept, −ln 2) —, `None` where neither is.
fn side_of_undefined(u: &Expr, env: &[(&str, f64)]) -> Option<f64> {
    let (&(name, x), rest) = env.split_last()?;
    let step = if x == 0.0 { 2f64.powi(-60) } else { x.abs() * 2f64.powi(-30) };
    let signs: Vec<f64> = [x - step, x + step]
        .into_iter()
        .map(|t| {
            let mut at = rest.to_vec();
            at.push((name, t));
            reference_f64(u, &at)
        })
        .filter(|v| !v.is_nan())
        .map(|v| if v == 0.0 { 0.0 } else { v.signum() })
        .collect();
    let first = *signs.first()?;
    Some(if signs.iter().all(|&s| s == first) { first } else { 0.0 })
}

/// The first form's value when it is finite, else the second's when MPFR vouches for it,
/// else the first's (`None` when neither is vouched for): the order of [`Subject::truth`].
fn first_finite<T: Copy + Into<f64>>(first: Option<T>, second: impl FnOnce() -> Option<T>) -> Option<T> {
    match first {
        Some(v) if v.into().is_finite() => Some(v),
        _ => second().or(first),
    }
}

/// The truth the gradient checks judge by: [`first_finite`] of the formula as written and
/// its stable form, except that a NaN MPFR vouches for in the written formula is the truth
/// (an exact NaN, `sqrt(-1)` or 0 · ∞, not an overflow of MPFR's exponent range). There the
/// point is outside the formula's domain, where `docs/contract.md` §5.3 promises nothing,
/// and the stable form, which may be defined beyond that domain (`0.01 + (x^-1.5 · x)²` is
/// `0.01 + 1/x`), must not stand in for the formula: the checks skip such values.
fn written_or_stable<T: Copy + Into<f64>>(written: Option<T>, stable: impl FnOnce() -> Option<T>) -> Option<T> {
    match written {
        Some(v) if v.into().is_nan() => Some(v),
        _ => first_finite(written, stable),
    }
}

fn label(a: &Subject, target: Target) -> String {
    let names: Vec<&str> = a.params.iter().map(|p| p.0).collect();
    target.label(&names)
}

/// Whether `actual` is acceptable where the truth `expected` is subnormal in the checked
/// type (`min_normal` being that type's smallest normal number). A subnormal intermediate
/// has already lost most of its bits, and `docs/contract.md` §5.3 asks for a nonzero result
/// only where the truth is normal: such results must be 0 or of the truth's sign, and
/// subnormal.
pub(crate) fn subnormal_close(actual: f64, expected: f64, min_normal: f64) -> bool {
    actual == 0.0 || (actual.signum() == expected.signum() && actual.abs() < min_normal)
}

/// Compares one value with its reference; a failure line when it is out of bound.
fn judge(subject: &Subject, target: Target, x: f64, actual: f64, expected: f64, ulps: f64, ty: &str) -> Option<String> {
    let min_normal = if ty == "f32" { f64::from(f32::MIN_POSITIVE) } else { f64::MIN_POSITIVE };
    // A truth that MPFR certifies as exactly representable must come out exactly.
    let exact = || actual != expected && subject.exact(target, x, ty == "f32") == Some(expected);
    let ok = if expected == 0.0 {
        // A truth that is 0 must come out 0; one that underflows to 0 is held as a
        // subnormal truth is (§5.3): 0, or of its sign and subnormal.
        actual == 0.0
            || (subnormal_close(actual, expected, min_normal) && subject.exact(target, x, ty == "f32").is_none())
    } else if expected.abs() < min_normal {
        // Before the exactness test: a subnormal truth is held to sign and magnitude only
        // (§5.3), even where MPFR certifies it exactly.
        subnormal_close(actual, expected, min_normal)
    } else if ulps <= 4.0 {
        !exact()
    } else {
        // §5.3 whatever the condition number: no NaN, infinity or 0 where the truth is a
        // finite, nonzero, normal number (an infinite cond would let any value pass).
        actual.is_finite() && actual != 0.0 && ulps <= bound(subject.condition(target, x, expected)) && !exact()
    };
    (!ok).then(|| {
        let cond = if expected == 0.0 { 0.0 } else { subject.condition(target, x, expected) };
        let limit = if exact() { 0.0 } else { bound(cond) };
        format!(
            "{} {} ({ty}) at x = {x:e}: expected {expected:e}, actual {actual:e}, {ulps:.3e} ULPs (bound {limit:.1})",
            subject.name,
            label(subject, target),
        )
    })
}

/// Runs every check on `a`; panics with the list of failures.
///
/// Values whose reference MPFR cannot vouch for (an intermediate overflowed its exponent
/// range in the written and in the stable form: see [`Subject::verified_reference`]), and
/// values outside the formula's domain (the formula as written is NaN: nothing is promised
/// there, `docs/contract.md` §5.3), are skipped and counted, never judged: the counts are
/// printed (stderr) and given with any failure. The checks fail loudly when they run past their time budget
/// (`ACTIVATION_CHECK_SECONDS`, default 300 s), naming the activation and how far they got.
pub fn run<A: Activation + Send + Sync>(a: &A) {
    run_skipping(a, &[]);
}

/// [`run`] with an explicit time budget (what `run` reads from `ACTIVATION_CHECK_SECONDS`);
/// for tests of the budget itself.
#[doc(hidden)]
pub fn run_within<A: Activation + Send + Sync>(a: &A, budget: Duration) {
    run_within_skipping(a, &[], budget, false);
}

/// What ends a failure line inside a warned range, where the checks judge those
/// ([`run_judging_warned_ranges`]); `cargo xtask fuzz` reads it.
#[doc(hidden)]
pub const IN_WARNED_RANGE: &str = " (in a warned range)";

/// A range the checks skip: the function (0 f, 1 f', 2 f'', 3 + k d/dp_k), the open range
/// of inputs, the probe point where the expansion found its worst error there, and why —
/// where the expansion warned that no form meets the bar (`docs/contract.md` §5.7).
pub type Skip = (usize, f64, f64, f64, &'static str);

/// [`run`], skipping the documented `skips` and saying so on the test's output. With
/// `ACTIVATION_CHECK_WARNED_RANGES=1` in the environment, [`run_judging_warned_ranges`].
pub fn run_skipping<A: Activation + Send + Sync>(a: &A, skips: &[Skip]) {
    let judge_warned = std::env::var("ACTIVATION_CHECK_WARNED_RANGES").is_ok_and(|v| v.trim() == "1");
    run_within_skipping(a, skips, time_budget(), judge_warned);
}

/// [`run`] judging the warned ranges too, marking what fails there `(in a warned range)`:
/// whether a warning matters at the check points, and at the probe point where the expansion
/// found its worst error, judged for the function warned about (`docs/contract.md` §5.7).
#[doc(hidden)]
pub fn run_judging_warned_ranges<A: Activation + Send + Sync>(a: &A, skips: &[Skip]) {
    run_within_skipping(a, skips, time_budget(), true);
}

fn run_within_skipping<A: Activation + Send + Sync>(a: &A, skips: &[Skip], budget: Duration, judge_warned: bool) {
    let start = Instant::now();
    for (_, _, _, _, why) in skips {
        println!("skipped: {why}");
    }
    let index = |t: Target| match t {
        Target::Forward => 0,
        Target::Derivative => 1,
        Target::Second => 2,
        Target::Param(k) => 3 + k,
    };
    let warned = |t: Target, x: f64| skips.iter().any(|&(i, lo, hi, _, _)| i == index(t) && lo < x && x < hi);
    let documented = |t: Target, x: f64| !judge_warned && warned(t, x);
    let mark = |t: Target, x: f64| move |line: String| if warned(t, x) { line + IN_WARNED_RANGE } else { line };
    let subject = Subject::of(a as &dyn DynActivation);
    let breaks = breakpoints(&subject.formula, subject.input, &subject.params);
    let points = check_points(&breaks);
    let targets = Target::all(A::PARAMS.len());
    let mut failures = Vec::new();
    // Not judged: values MPFR cannot vouch for, and values outside the formula's domain.
    let (mut skipped, mut undefined, mut judged) = (0usize, 0usize, 0usize);
    // The check points for every function, then (judging the warned ranges) each warned
    // range's worst probe point for its own function.
    let worst_points = skips.iter().filter(|_| judge_warned).map(|&(i, _, _, at, _)| (Some(i), at));
    let all: Vec<(Option<usize>, f64)> = points.iter().map(|&x| (None, x)).chain(worst_points).collect();
    for (i, &(only, x)) in all.iter().enumerate() {
        let wanted = |t: Target| only.is_none_or(|k| k == index(t)) && !documented(t, x);
        for &t in targets.iter().filter(|&&t| wanted(t)) {
            if start.elapsed() > budget {
                panic!(
                    "gradient checks of `{}` ran past their time budget of {budget:?} (ACTIVATION_CHECK_SECONDS): \
                     {i} of {} points done, stopped before {} at x = {x:e}; {} failures so far",
                    A::NAME,
                    all.len(),
                    label(&subject, t),
                    failures.len()
                );
            }
            judged += 2;
            let actual = a.evaluate(t, x);
            let reference = subject.verified_reference(t, x);
            match reference {
                Some(expected) if expected.is_nan() => undefined += 1,
                Some(expected) => failures
                    .extend(judge(&subject, t, x, actual, expected, ulps_f64(actual, expected), "f64").map(mark(t, x))),
                None => skipped += 1,
            }
            let x32 = x as f32;
            let actual32 = a.evaluate(t, x32);
            // A derivative's f32 reference is the f64 one rounded: where x and the
            // parameters are the same in f32, it is not computed twice.
            let same_point = f64::from(x32) == x && subject.params.iter().all(|&(_, p)| f64::from(p as f32) == p);
            let reference32 = if t != Target::Forward && same_point {
                reference.map(|v| v as f32)
            } else {
                subject.verified_reference_f32(t, x32)
            };
            match reference32 {
                Some(expected32) if expected32.is_nan() => undefined += 1,
                Some(expected32) => {
                    let ulps = ulps_f32(actual32, expected32);
                    let (x, actual, expected) = (f64::from(x32), actual32.into(), expected32.into());
                    failures.extend(judge(&subject, t, x, actual, expected, ulps, "f32").map(mark(t, x)));
                }
                None => skipped += 1,
            }
        }
    }
    failures.extend(paths_agree(a, &points));
    let mut reasons = Vec::new();
    if skipped > 0 {
        reasons.push(format!(
            "{skipped} where MPFR cannot vouch for the truth (its exponent range overflows in the formula \
             as written and in its stable form, or the value did not settle by 16384 bits) or the \
             derivative does not exist (a pole, a jump, a kink that no branch makes, a neighbour outside \
             the domain)"
        ));
    }
    if undefined > 0 {
        reasons.push(format!(
            "{undefined} outside the formula's domain, where the formula as written is NaN and nothing is \
             promised (docs/contract.md §5.3)"
        ));
    }
    let skipped_note = (!reasons.is_empty())
        .then(|| format!("{} of {judged} values not judged: {}", skipped + undefined, reasons.join("; ")));
    if !failures.is_empty() {
        let mut msg = format!("{} gradient check failures for `{}`:\n", failures.len(), A::NAME);
        for f in &failures {
            writeln!(msg, "  {f}").unwrap();
        }
        if let Some(note) = &skipped_note {
            writeln!(msg, "({note})").unwrap();
        }
        panic!("{msg}");
    }
    if let Some(note) = skipped_note {
        eprintln!("gradient checks of `{}`: {note}", A::NAME);
    }
}

/// The fused, slice and parameter-gradient paths against the scalar ones, in `f64` and in
/// `f32` (`points` rounded to it): the slice kernels run on lanes, and must give every
/// element bit for bit. One line per disagreement; none when every path agrees. All
/// `points` go to the slice kernels as one slice, so its length chooses how many whole
/// lanes and which remainder they compute.
pub fn paths_agree<A: Activation>(a: &A, points: &[f64]) -> Vec<String> {
    let mut out = paths_agree_in::<A, f64>(a, points);
    out.extend(paths_agree_in::<A, f32>(a, points));
    out
}

fn paths_agree_in<A: Activation, T: Real>(a: &A, points: &[f64]) -> Vec<String> {
    let mut out = Vec::new();
    let same = |p: T, q: T| {
        let (p, q) = (p.to_f64(), q.to_f64());
        p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())
    };
    let precision = std::any::type_name::<T>();
    let points: Vec<T> = points.iter().map(|&x| T::from_f64(x)).collect();
    for &x in &points {
        let (f, df) = a.with_derivative(x);
        if !same(f, a.forward(x)) || !same(df, a.derivative(x)) {
            out.push(format!(
                "{} with_derivative ({precision}) at x = {x:?}: {:?} differs from ({:?}, {:?})",
                A::NAME,
                (f, df),
                a.forward(x),
                a.derivative(x)
            ));
        }
    }
    let n = points.len();
    let grads: Vec<T> = (0..n).map(|i| T::from_f64(0.5 + i as f64 / 7.0)).collect();
    let zeros = || vec![T::from_f64(0.0); n];
    let (mut fwd, mut back, mut y, mut dydx) = (zeros(), zeros(), zeros(), zeros());
    a.forward_slice(&points, &mut fwd);
    a.backward_slice(&points, &grads, &mut back);
    a.with_derivative_slice(&points, &mut y, &mut dydx);
    for (i, &x) in points.iter().enumerate() {
        let (f, df) = (a.forward(x), a.derivative(x));
        let checks = [
            ("forward_slice", fwd[i], f),
            ("backward_slice", back[i], grads[i] * df),
            ("with_derivative_slice y", y[i], f),
            ("with_derivative_slice dydx", dydx[i], df),
        ];
        for (what, got, want) in checks {
            if !same(got, want) {
                out.push(format!("{} {what} ({precision}) at x = {x:?}: {got:?} differs from {want:?}", A::NAME));
            }
        }
    }
    let mut sums = vec![T::from_f64(0.0); A::PARAMS.len()];
    a.param_gradients(&points, &grads, &mut sums);
    for (k, &s) in sums.iter().enumerate() {
        let expected =
            points.iter().zip(&grads).fold(T::from_f64(0.0), |acc, (&x, &g)| acc + g * a.param_derivative(k, x));
        if !same(s, expected) {
            out.push(format!(
                "{} param_gradients[{k}] ({precision}): {s:?} differs from the scalar sum {expected:?}",
                A::NAME
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(formula: &str) -> Subject {
        let formula = parse_formula(formula, &["x"]).unwrap();
        Subject { name: "t", input: "x", formula, params: Vec::new(), stable_first: false }
    }

    #[test]
    fn freezing_keeps_a_nan_where_the_formula_keeps_it() {
        // The fuzzer's `log1p(x.sqrt().abs())` at −1e4: the truth is NaN, and freezing
        // `abs` of a NaN to 0 made it 0.
        let at = |f: &str, x: f64| {
            let e = parse_formula(f, &["x"]).unwrap();
            reference_f64(&freeze(&e, &[("x", x)]), &[("x", x)])
        };
        assert!(at("log1p(x.sqrt().abs())", -1e4).is_nan());
        assert_eq!(at("log1p(x.sqrt().abs())", 0.0), 0.0);
        // `max`/`min` ignore a NaN side, as `f64::max` and MPFR do.
        assert_eq!(at("max(x.sqrt(), 2)", -1.0), 2.0);
        assert_eq!(at("max(2, x.sqrt())", -1.0), 2.0);
        assert_eq!(at("min(x.ln(), -3)", -1.0), -3.0);
        assert_eq!(at("min(-3, x.ln())", -1.0), -3.0);
        assert_eq!(at("max(x, 2 * x)", 3.0), 6.0);
    }

    #[test]
    fn abs_of_an_undefined_argument_takes_its_neighbours_side() {
        let frozen = |f: &str, x: f64| freeze(&parse_formula(f, &["x"]).unwrap(), &[("x", x)]);
        let slope = |f: &str, x: f64| numeric_derivative(&frozen(f, x), "x", &[("x", x)], 1);
        // The fuzzer's f681: −softplus(x)·x³/x² is 0/0 at ±0 and changes sign there, a
        // kink: |·|′ is abs(0)'s, 0, as the generated code has it, not −ln 2 (the side
        // `abs` of a NaN kept).
        for x in [0.0, -0.0] {
            assert_eq!(slope("abs(-softplus(x) * x.powi(3) / (x * x))", x), 0.0, "{x}");
        }
        // x²/x·(x − 2) crosses 0 there too; (x − 2)·x/x is negative either side, so
        // |·| is −(x − 2), slope −1, and (x + 2)·x/x positive, slope 1.
        assert_eq!(slope("abs(x.powi(2) / x * (x - 2))", 0.0), 0.0);
        assert_eq!(slope("abs((x - 2) * x / x)", 0.0), -1.0);
        assert_eq!(slope("abs((x + 2) * x / x)", -0.0), 1.0);
        // The value stays the written formula's, NaN, at the point; and where the neighbours
        // are undefined too.
        for f in ["abs(-softplus(x) * x.powi(3) / (x * x))", "abs((x - 2) * x / x)"] {
            assert!(reference_f64(&frozen(f, 0.0), &[("x", 0.0)]).is_nan(), "{f}");
        }
        assert!(reference_f64(&frozen("abs(ln(x) / ln(x))", -1.0), &[("x", -1.0)]).is_nan());
    }

    #[test]
    fn representable_truths_must_be_met_exactly() {
        let s = subject("x * (x + 3) / 6");
        // f(1.5) = 1.125 and f'(1.5) = (2·1.5 + 3)/6 = 1 exactly: one ULP off fails ...
        let up = |v: f64| f64::from_bits(v.to_bits() + 1);
        let miss = judge(&s, Target::Forward, 1.5, up(1.125), 1.125, 1.0, "f64").expect("an inexact result fails");
        assert!(miss.contains("(bound 0.0)"), "{miss}");
        assert!(judge(&s, Target::Derivative, 1.5, up(1.0), 1.0, 1.0, "f32").is_some());
        // ... while at 0.1 the truth is not representable and one ULP is within the bar.
        let t = reference_f64(&s.formula, &[("x", 0.1)]);
        assert!(judge(&s, Target::Forward, 0.1, up(t), t, 1.0, "f64").is_none());
        assert!(judge(&s, Target::Forward, 1.5, 1.125, 1.125, 0.0, "f64").is_none());
    }

    #[test]
    fn check_points_are_bounded_whatever_the_breakpoints() {
        // An oscillating kink (`max(sin(x), 0)`) has thousands of breakpoints.
        let many: Vec<f64> = (0..5000).map(|k| f64::from(k) * std::f64::consts::PI - 3000.0).collect();
        let pts = check_points(&many);
        assert!(pts.len() <= 30 + 4 * MAX_CHECKED_BREAKPOINTS, "{}", pts.len());
        // The breakpoints kept are those nearest 0.
        let nearest = many.iter().copied().min_by(|a, b| a.abs().total_cmp(&b.abs())).unwrap();
        assert!(pts.contains(&(nearest + 0.25)), "{pts:?}");
        // Both zeros, each once.
        let zeros: Vec<u64> = check_points(&[]).iter().filter(|x| **x == 0.0).map(|x| x.to_bits()).collect();
        assert_eq!(zeros, [(-0.0f64).to_bits(), 0.0f64.to_bits()]);
    }

    #[test]
    fn references_mpfr_cannot_vouch_for_are_skipped_not_judged() {
        // e^(e^30) overflows MPFR's exponent range: ln of it less 1 is an infinity MPFR
        // computed, not the truth ≈ e^30. (`ln(exp(exp(x)))` no longer shows it: the
        // stabilising rules take it to `exp(x)`, whose reference is the truth.)
        let s = subject("ln(exp(exp(x)) - 1)");
        assert_eq!(s.verified_reference(Target::Forward, 30.0), None);
        assert_eq!(s.verified_reference_f32(Target::Forward, 30.0), None);
        let rescued = subject("ln(exp(exp(x)))");
        assert_eq!(rescued.verified_reference(Target::Forward, 30.0), Some(30f64.exp()));
        // Where MPFR's range suffices, the reference is the truth.
        let v = rescued.verified_reference(Target::Forward, 2.0).unwrap();
        assert_eq!(v, 2f64.exp());
        // An infinity that MPFR computes exactly is the truth, and is judged.
        assert_eq!(subject("1 / x").verified_reference(Target::Forward, 0.0), Some(f64::INFINITY));
    }

    #[test]
    fn outside_the_domain_the_truth_is_the_written_formulas_nan() {
        // The fuzzer's f291: the stable form of 0.01 + (x^-1.5 · x)² is 0.01 + 1/x, finite
        // for x < 0, where the formula as written is NaN. The truth there is NaN (the checks
        // skip it: nothing is promised, docs/contract.md §5.3), not the stable form's value.
        let s = subject("0.01 + (x.powf(-1.5) * x).powi(2)");
        for x in [-100.0, -1.0, -1e-8] {
            assert!(s.verified_reference(Target::Forward, x).is_some_and(f64::is_nan), "{x}");
            assert!(s.verified_reference_f32(Target::Forward, x as f32).is_some_and(f32::is_nan), "{x}");
            assert!(s.verified_reference(Target::Derivative, x).is_some_and(f64::is_nan), "{x}");
        }
        // Inside the domain it is the formula's value.
        let v = s.verified_reference(Target::Forward, 4.0).unwrap();
        assert_eq!(v, 0.26);
        // The f427 case: (ln 2 / x) · x is ∞ · 0 at 0, NaN as written.
        let s = subject("exp(LN_2 / x * x)");
        assert!(s.verified_reference(Target::Forward, 0.0).is_some_and(f64::is_nan));
        // A NaN from an overflow of MPFR's range is not the truth: the stable form stands.
        let rescued = subject("ln(exp(exp(x)))");
        assert_eq!(rescued.verified_reference(Target::Forward, 30.0), Some(30f64.exp()));
    }

    #[test]
    fn underflowing_truths_are_held_as_subnormal_ones() {
        let tiny = f64::from(f32::from_bits(1));
        // e^-200 rounds to 0 in f32: a result of its sign below the normal range is no
        // failure, nor is 0 ...
        let s = subject("exp(x)");
        assert!(judge(&s, Target::Forward, -200.0, tiny, 0.0, 1.0, "f32").is_none());
        assert!(judge(&s, Target::Forward, -200.0, 0.0, 0.0, 0.0, "f32").is_none());
        // ... but one of the other sign, or a normal one, is.
        assert!(judge(&s, Target::Forward, -200.0, -tiny, 0.0, 1.0, "f32").is_some());
        assert!(judge(&s, Target::Forward, -200.0, 1e-30, 0.0, 1e9, "f32").is_some());
        // A truth that is exactly 0 must come out 0.
        let s = subject("x - x");
        assert!(judge(&s, Target::Forward, 3.0, tiny, 0.0, 1.0, "f32").is_some());
        // An exactly representable subnormal truth is held to sign and magnitude (§5.3),
        // even though MPFR certifies it: 0 is accepted there.
        let s = subject("x * 0.5");
        let x = 6.0 * f64::from_bits(1);
        assert!(judge(&s, Target::Forward, x, 0.0, 3.0 * f64::from_bits(1), 3.0, "f64").is_none());
    }

    #[test]
    fn an_infinity_or_zero_where_the_truth_is_a_normal_number_fails_near_the_top_of_the_range() {
        // eˣ/100 at 711 is 6.1e306 and its cond is 711: x times the slope overflows, and a
        // cond taken that way was ∞, under which an infinite result passed (the fuzzer's
        // f838, f″ of its f876).
        let s = subject("exp(x) / 100");
        let t = reference_f64(&s.formula, &[("x", 711.0)]);
        assert!(t.is_finite() && t > 1e306, "{t:e}");
        let cond = s.condition(Target::Forward, 711.0, t);
        assert!((cond - 711.0).abs() < 1e-3, "{cond}");
        assert!(judge(&s, Target::Forward, 711.0, f64::INFINITY, t, f64::INFINITY, "f64").is_some());
        assert!(judge(&s, Target::Derivative, 711.0, f64::INFINITY, t, f64::INFINITY, "f64").is_some());
        // eˣ just below ln(MAX), whose neighbour one step up overflows: cond one-sided, x.
        let s = subject("exp(x)");
        let x = 709.78271;
        let t = reference_f64(&s.formula, &[("x", x)]);
        let cond = s.condition(Target::Forward, x, t);
        assert!(t.is_normal() && (cond - x).abs() < 1e-3 * x, "{t:e}, {cond}");
        // §5.3 whatever the condition number: (x − 1) + e^-69 at 1 is 1e-30 with cond 1e30,
        // a bar of 4e30 ULPs, which a 0 (4.6e18 ULPs away), a NaN or an infinity would meet
        // otherwise (e^-69 is not representable: no exactness test decides it).
        let s = subject("(x - 1) + exp(-69.0)");
        let t = reference_f64(&s.formula, &[("x", 1.0)]);
        assert!(s.exact(Target::Forward, 1.0, false).is_none() && s.condition(Target::Forward, 1.0, t) > 1e29, "{t:e}");
        for wrong in [f64::INFINITY, f64::NAN, 0.0] {
            assert!(judge(&s, Target::Forward, 1.0, wrong, t, ulps_f64(wrong, t), "f64").is_some(), "{wrong}");
        }
        assert!(judge(&s, Target::Forward, 1.0, t, t, 0.0, "f64").is_none());
    }

    #[test]
    fn a_negative_base_to_an_integer_power_is_conditioned_as_its_continuation() {
        // (0.01 − x)^x is real only at the integers beyond 0.01: at 20 and 21 the value is
        // finite and every neighbour NaN. Held as ±(x − 0.01)^x, cond is
        // |x (ln(x − 0.01) + x / (x − 0.01))|, about 80.
        let s = subject("(0.01 - x).powf(x)");
        for (x, sign) in [(20.0f64, 1.0), (21.0, -1.0)] {
            let t = s.reference(Target::Forward, x);
            assert_eq!(t.signum(), sign, "{t:e} at {x}");
            let cond = s.condition(Target::Forward, x, t);
            let want = (x * ((x - 0.01).ln() + x / (x - 0.01))).abs();
            assert!((cond / want - 1.0).abs() < 1e-4, "cond {cond} against {want} at {x}");
            // 9 ULPs off (the `f64` power of the rounded base) is within the bar.
            let off = f64::from_bits(t.to_bits() + 9);
            assert!(judge(&s, Target::Forward, x, off, t, 9.0, "f64").is_none());
        }
        // Where the real function is defined, nothing is held.
        let s = subject("(x - 0.01).powf(x)");
        let t = s.reference(Target::Forward, 2.5);
        let want = (2.5 * ((2.5f64 - 0.01).ln() + 2.5 / (2.5 - 0.01))).abs();
        assert!((s.condition(Target::Forward, 2.5, t) / want - 1.0).abs() < 1e-4);
    }

    #[test]
    fn the_bound_is_the_bar_for_every_derivative() {
        let s = subject("x * sigmoid(x)");
        let t = s.reference(Target::Second, 0.7);
        let off = |n: i64| f64::from_bits((t.to_bits() as i64 + n) as u64);
        let bar = bound(s.condition(Target::Second, 0.7, t));
        assert!(judge(&s, Target::Second, 0.7, off(bar.floor() as i64), t, bar.floor(), "f64").is_none());
        assert!(judge(&s, Target::Second, 0.7, off(bar.ceil() as i64 + 1), t, bar.ceil() + 1.0, "f64").is_some());
    }
}

//! Derivatives at 0 that their form cannot compute there, taken as their limit.
//!
//! At x = 0 a derivative's form is often NaN where the derivative itself is a number:
//! x·ln|x| is 0·(−∞) in (x^{2x})′, e^(−E⁴/x⁸)/x⁹ is 0/0 in atan(tanh(E/x²)⁴)′, x/x is 0/0
//! in log1p(x/min(x, c))′. `passes/removable.rs` takes the limit of a quotient whose
//! sides vanish together by differentiating them (L'Hôpital), which neither a product
//! 0·∞ nor a side that vanishes faster than any power (e^(−1/x⁸)) lets it do. Here the limit
//! is taken by evaluating the form itself beside 0, in the double-double model the probes
//! use (`compensate::pair_model`), at ±2^-k for k = 16, 32, 64, … while it stays finite:
//! where the last three values on each side settle ([`settled`]) — to a number, the same on
//! both sides, to 0 faster than h^(1/8), or to one infinity, growing at least as fast as
//! ln|x| (f″ of x·x^{2x} is 4 ln|x| + … at 0) — the form becomes
//! `if abs(x) <= 0 { L } else { form }`.
//!
//! A derivative has that limit as its value at 0 wherever the function it is the
//! derivative of is continuous there (the mean value theorem): f for f′ and ∂f/∂p, f′ for
//! f″, whose values at ±2^-k are asked to settle to one finite number too. Where
//! the two sides settle to different numbers (a kink) or grow apart (1/x), or either side
//! does not settle (1/ln|x|), nothing is taken and the NaN stays, for the probe to warn
//! about. A form with a parameter is left alone: the limit would be a number for the
//! parameter's probe value only. The limit is the mean of the two sides' last values,
//! rounded once to `f64` in the generated code; the gradient checks judge it against MPFR
//! as every value.

use crate::ir::expr::{CmpOp, Cond, Expr, Func};
use crate::ir::extended::eval as eval_extended;
use crate::ir::tape::Tape;
use crate::passes::compensate::pair_model;

/// The exponents k of the points ±2^-k the form is evaluated at, in order.
const STEPS: [i32; 7] = [16, 32, 64, 128, 256, 512, 1000];

/// How close the last two values must be, relatively, to be the limit: the distance to the
/// limit shrinks at least as fast as the step, so two values 2^-k apart in the step
/// (k ≥ 64) that agree to 2^-60 are the limit to about that.
const AGREE: f64 = 1.0 / (1u64 << 60) as f64;

/// How far a pair's value may be from the same value with an unbounded exponent and still
/// be taken: that value is computed in `f64` arithmetic, and takes a function of an
/// argument below 2^-30 by its first-order term (expm1(u) = u, 2^-31 off at most).
const NEAR: f64 = 1.0 / (1u64 << 20) as f64;

/// `form`, the derivative of `written` (f for f′, f′ for f″) by the input `input`, with
/// its limit at 0 where it is not finite at ±0 and has one (see the module's
/// documentation).
pub(crate) fn taken(form: &Expr, written: &Expr, input: &str, params: &[(String, f64)]) -> Expr {
    if params.iter().any(|(p, _)| form.depends_on(p)) || !form.depends_on(input) {
        return form.clone();
    }
    let at = |e: &Expr, x: f64| crate::ir::eval::eval_at(e, input, x, &[]);
    if [0.0, -0.0].iter().all(|&z| at(form, z).is_finite()) {
        return form.clone();
    }
    let mut tape = Tape::new(&[input]);
    let (root, body) = (tape.add(form), tape.add(written));
    let (mut pairs, mut extended) = (Vec::new(), Vec::new());
    // The form's and the written formula's values at ±2^-k, while they stay finite: in
    // pairs, or where a pair is refused (a value below `f64`'s normal range, e^(−2^128)) with
    // an unbounded exponent (`ir/extended.rs`), as far as that is within `f64`'s range
    // (about as accurate as `f64`: such a value settles only where it stops moving, 0
    // most often).
    let mut side = |sign: f64| -> (Vec<f64>, Vec<f64>) {
        let (mut derivative, mut function) = (Vec::new(), Vec::new());
        for k in STEPS {
            let vars = [sign * 2f64.powi(-k)];
            pair_model(&tape, &vars, &mut pairs);
            eval_extended(&tape, &vars, &mut extended);
            // A pair that has lost a value to underflow without refusing it (x² at 2^-1000 is 0
            // in `f64`'s range) disagrees with the unbounded exponent: the steps end there.
            let value = |node: usize| {
                let (p, e) = (pairs[node], extended[node]);
                let wide = Some(e.to_f64()).filter(|v| v.is_finite() && !e.is_saturated_non_finite())?;
                if !p.is_finite() {
                    return Some(wide);
                }
                let pair = p.parts().0 + p.parts().1;
                (pair == wide || (pair - wide).abs() <= NEAR * wide.abs()).then_some(pair)
            };
            let (Some(d), Some(f)) = (value(root), value(body)) else { break };
            derivative.push(d);
            function.push(f);
        }
        (derivative, function)
    };
    let (right, left) = (side(1.0), side(-1.0));
    let (Some(r), Some(l)) = (settled(&right.0), settled(&left.0)) else { return form.clone() };
    // Both sides the same number, and f continuous: its values beside 0 settled, and equal.
    let same = |a: f64, b: f64| a == b || (a - b).abs() <= AGREE * a.abs().max(b.abs()) && (a - b).is_finite();
    let continuous = matches!((settled(&right.1), settled(&left.1)), (Some(a), Some(b)) if a.is_finite() && same(a, b));
    if !same(r, l) || !continuous {
        return form.clone();
    }
    // (A limit 0 is +0, whatever the signs of the two sides' zeros.)
    let limit = if r == 0.0 || l == 0.0 { 0.0 } else { 0.5 * (r + l) };
    // (A form already ±∞ at both zeros, where that is the limit, keeps its shape.)
    if [0.0, -0.0].iter().all(|&z| at(form, z) == limit) {
        return form.clone();
    }
    let zero = Cond { op: CmpOp::Le, lhs: Expr::call(Func::Abs, Expr::var(input)), rhs: Expr::num(0.0) };
    Expr::if_else(zero, Expr::num(limit), form.clone())
}

/// The limit that `values`, at steps shrinking as [`STEPS`] says, settle to: the last
/// value, where the last two agree to [`AGREE`] and the two before to 2^-8 (a value
/// still moving by a large share is not settling, however close two of its steps come);
/// or 0, where each of the last three is 0 or below the one before by more than the eighth
/// root of the step's ratio (x ln|x|, x² and ∛x settle to 0; 1/ln|x| does not); or ±∞, where
/// the last three move the same way by at least as much, relative to the change of the
/// step's exponent, as ln|x| does (ln|x| and 1/x² grow without bound; L + x ln|x| does
/// not: its moves shrink).
fn settled(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let (a, b, c) = (values[n - 3], values[n - 2], values[n - 1]);
    let ratio = |i: usize| 2f64.powi(-(STEPS[i] - STEPS[i - 1]) / 8);
    if c == 0.0 && b == 0.0 || (c.abs() <= b.abs() * ratio(n - 1) && b.abs() <= a.abs() * ratio(n - 2)) {
        return Some(0.0);
    }
    let close = |p: f64, q: f64, tolerance: f64| (p - q).abs() <= tolerance * q.abs();
    if close(b, c, AGREE) && close(a, b, 1.0 / 256.0) {
        return Some(c);
    }
    // Without bound: the moves b − a and c − b of one sign, the second at least 0.9 times
    // the first times the ratio of the steps' exponents' changes (ln 2^-k moves by k), and
    // the value's magnitude growing.
    let (first, second) = (b - a, c - b);
    let exponents = f64::from(STEPS[n - 1] - STEPS[n - 2]) / f64::from(STEPS[n - 2] - STEPS[n - 3]);
    let growing = first != 0.0
        && first.signum() == second.signum()
        && second / first >= 0.9 * exponents
        && c.abs() > b.abs()
        && b.abs() > a.abs()
        && c.signum() == second.signum();
    growing.then_some(c.signum() * f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Expr {
        crate::parse::parse_formula(src, &["x"]).unwrap()
    }

    /// The form's value at `x` after [`taken`], with `written` as the formula.
    fn at(form: &str, written: &str, x: f64) -> f64 {
        let e = taken(&parse(form), &parse(written), "x", &[]);
        crate::ir::eval::eval_at(&e, "x", x, &[])
    }

    #[test]
    fn a_derivative_nan_at_zero_takes_its_limit() {
        // (x^{2x})′ = x^{2x}·2(ln|x| + 1): 0·∞ in x ln|x| terms, 1 at ±0 (x^{2x} → 1).
        let first = "x.powi(2).powf(x) + 2 * x * (x.powi(2).powf(x) * (ln(abs(x)) + 1) - 0.01)";
        let written = "x * (x.powi(2).powf(x) - x * 0.01)";
        for z in [0.0, -0.0] {
            assert_eq!(at(first, written, z), 1.0);
        }
        // e^(−1/x⁸)/x⁹: 0/0, its limit 0 (faster than any power).
        assert_eq!(at("exp(-1 / x.powi(8)) / x.powi(9)", "atan(tanh(1 / x.powi(8)))", 0.0), 0.0);
        // A logarithmic growth on both sides is an infinite limit: (x ln|x|)′ = ln|x| + 1
        // written as a quotient that is 0/0 at 0, −∞ there as the truth is.
        assert_eq!(at("x * ln(abs(x)) / x + 1", "x * ln(abs(x))", 0.0), f64::NEG_INFINITY);
    }

    #[test]
    fn no_limit_is_taken_where_there_is_none() {
        // A kink: |x|′ written as x/|x|, −1 on the left and 1 on the right.
        assert!(at("x / abs(x)", "abs(x)", 0.0).is_nan());
        // A slow decay, 1/ln|x|, and growths of opposite signs on the two sides.
        assert!(at("x / (x * ln(abs(x)))", "x", 0.0).is_nan());
        assert!(at("x.powi(2) / x.powi(3)", "ln(abs(x))", 0.0).is_nan());
        // One side settled to 0, the other growing without bound (softplus(1 − 2/x)′).
        assert!(at("2 * sigmoid(1 - 2 / x) / x.powi(2)", "softplus(1 - 2 / x)", 0.0).is_nan());
        // 1/|x| written as a quotient, NaN at 0, is the derivative of sign(x)·ln|x|, which
        // jumps from +∞ to −∞ at 0: no value there (a review found f″ of |x| ln|x| taking
        // +∞ where f, not f′, was asked to be continuous). |x|^(−2/3)/3, the derivative of
        // the continuous ∛x, is +∞ there.
        assert!(at("x / (x * abs(x))", "x / abs(x) * ln(abs(x))", 0.0).is_nan());
        let cbrt = "x / abs(x) * abs(x).powf(1 / 3)";
        assert_eq!(at("x / (3 * x * abs(x).powf(2 / 3))", cbrt, 0.0), f64::INFINITY);
        // f has a pole at 0 (its derivative's sides grow alike, to −∞, f is not continuous).
        assert!(at("0 * x / x - 1 / x.powi(2)", "1 / x", 0.0).is_nan());
        // f jumps at 0 (its derivative's sides agree, f's do not).
        assert!(at("0 * x / x", "x / abs(x)", 0.0).is_nan());
    }
}

//! Removable singularities of the derivatives: a quotient that is 0/0 at a point where the
//! function has a finite limit takes its limit there (L'Hôpital's rule).
//!
//! f' and f'' of a formula are often quotients whose numerator and divisor vanish together
//! at one point, 0 most often: the derivative of `tanh(x³)/x` is
//! `(3x³ sech²(x³) − tanh(x³)) / x²`, NaN at 0 in any arithmetic, though f' is continuous
//! there (its truth, the central difference of f, is 0). Where a probe point `c` of the
//! stable form is such a point — the form NaN there, both sides of a quotient exactly 0
//! with an exponent that does not underflow (`ir/extended.rs`), the written formula
//! neither NaN nor infinite beside `c` — the quotient `n / d` becomes
//!
//! ```text
//! if abs(n) + abs(d) <= 0 { L } else { n / d }
//! ```
//!
//! with `L` = n⁽ᵏ⁾(c) / d⁽ᵏ⁾(c), `k` the first order (up to [`ORDERS`]) at which the
//! derivatives with respect to the input are not both 0 at `c`, simplified at `c`: a number,
//! or an expression of the parameters. A derivative that is itself NaN at `c` has its own
//! quotients removed first ([`DEPTH`] levels), and an outer quotient whose side was NaN
//! only through an inner one is taken in a later round ([`ROUNDS`]). The condition holds
//! only where both sides are 0 (a NaN makes it false), so the form's value changes nowhere
//! but where it was NaN; generated code computes `L` only in lanes that take it (the guard
//! is computed where it stands, `emit::codegen`, not as a branch of the block). Where both
//! sides underflow to 0 beside `c` (x³ and x² below 1e-103), the guard gives the limit at
//! `c` too, the nearest value there is (it was NaN).
//!
//! f itself is left as written: at 0/0 its truth is NaN (`docs/contract.md` §5.3); its
//! derivatives' truth is the limit. The probe (`passes/doubts.rs`) judges the guarded form
//! as it judges every branch, and the gradient checks against MPFR.

use std::collections::{HashMap, HashSet};

use crate::ir::expr::{BinOp, CmpOp, Cond, Expr, Func, Memo};
use crate::ir::extended::eval as eval_extended;
use crate::ir::tape::Tape;
use crate::passes::diff::derivative;
use crate::passes::simplify::simplify;
use crate::passes::stabilise::stabilise;

/// The highest order of derivative tried: `x³ / x³`-like quotients need three.
const ORDERS: usize = 4;

/// Sides larger than this (distinct nodes) are not differentiated: the derivatives of a
/// large numerator, several orders deep, would cost more expansion time than the point is
/// worth.
const LARGEST: usize = 600;

/// The most distinct nodes a limit may have (at the point, where it is most often one
/// number): its code is carried beside the quotient in every branch of the form's block.
const LIMIT_SIZE: usize = 48;

/// Rounds of [`removed`]: a quotient over a quotient over a quotient, each 0/0 at one point.
const ROUNDS: usize = 3;

/// Levels of derivatives whose own removable singularities are removed ([`limit`]).
const DEPTH: usize = 2;

/// `form` with each quotient that is 0/0 at a probe point where `form` is NaN taking its
/// limit there (see the module's documentation), unless the `written` formula is NaN or
/// infinite beside it; `params` at their probe values.
pub(crate) fn removed(form: &Expr, written: &Expr, input: &str, params: &[(String, f64)], points: &[f64]) -> Expr {
    let mut names = vec![input];
    names.extend(params.iter().map(|(n, _)| n.as_str()));
    let mut vars: Vec<f64> = vec![0.0];
    vars.extend(params.iter().map(|(_, v)| *v));
    // Where the written formula is NaN or infinite beside the point (outside its domain,
    // at a pole), the derivatives' truth is NaN (`docs/contract.md` §5.3): no limit to take.
    let mut tape = Tape::new(&names);
    let body = tape.add(written);
    let mut extended = Vec::new();
    let points: Vec<f64> = points
        .iter()
        .copied()
        .filter(|&c| {
            let step = c.abs().max(1e-300) * 2f64.powi(-30);
            [c - step, c + step].iter().all(|&at| {
                vars[0] = at;
                eval_extended(&tape, &vars, &mut extended);
                !(extended[body].is_domain_nan() || extended[body].is_pole())
            })
        })
        .collect();
    within(form, &names, &mut vars, &points, DEPTH)
}

/// [`removed`] over the variables `names` (the input first), their values `vars` (the
/// input's overwritten), with `depth` levels of derivatives whose own quotients may be
/// removed in turn.
fn within(form: &Expr, names: &[&str], vars: &mut [f64], points: &[f64], depth: usize) -> Expr {
    let mut form = form.clone();
    // Quotients already replaced: their sides are 0 at the point still.
    let mut done = HashSet::new();
    // A quotient whose side holds a removable singularity is NaN there until that one is
    // removed: a few rounds, outer quotients after inner ones.
    for _ in 0..ROUNDS {
        match removed_once(&form, names, vars, points, depth, &mut done) {
            Some(next) => form = next,
            None => break,
        }
    }
    form
}

/// One round of [`within`]: `None` where no quotient was replaced.
fn removed_once(
    form: &Expr,
    names: &[&str],
    vars: &mut [f64],
    points: &[f64],
    depth: usize,
    done: &mut HashSet<Expr>,
) -> Option<Expr> {
    let input = names[0];
    let mut tape = Tape::new(names);
    let root = tape.add(form);
    // The quotients of the form and the tape nodes of their sides.
    let mut quotients: Vec<(Expr, usize, usize)> = Vec::new();
    form.visit(&mut |e| {
        if let Expr::Bin(BinOp::Div, n, d) = e {
            if n.depends_on(input) && d.depends_on(input) && !done.contains(e) {
                if let (Some(a), Some(b)) = (tape.find(n), tape.find(d)) {
                    quotients.push((e.clone(), a, b));
                }
            }
        }
    });
    if quotients.is_empty() {
        return None;
    }
    let (mut plain, mut extended) = (Vec::new(), Vec::new());
    let mut limits: HashMap<Expr, Expr> = HashMap::new();
    for &c in points {
        vars[0] = c;
        tape.eval(vars, &mut plain);
        if !plain[root].is_nan() {
            continue;
        }
        eval_extended(&tape, vars, &mut extended);
        for (q, a, b) in &quotients {
            if limits.contains_key(q) || !(extended[*a].is_exact_zero() && extended[*b].is_exact_zero()) {
                continue;
            }
            let Expr::Bin(_, n, d) = q else { unreachable!("a quotient") };
            if let Some(limit) = limit(n, d, names, vars, depth) {
                limits.insert(q.clone(), limit);
            }
        }
    }
    if limits.is_empty() {
        return None;
    }
    Some(replace(form, &limits, &mut Memo::new(), done))
}

/// The parts of a removable singularity's guard, `if abs(n) + abs(d) <= 0 { limit } else
/// { n / d }` as [`removed`] writes it: (`abs(n) + abs(d)`, `limit`, `n / d`). Generated
/// code computes it where it stands, the limit only in lanes that take it
/// (`emit::codegen`), not as a branch of the whole block as other conditions are: a form
/// can hold many such quotients, and a block per combination of their conditions would
/// grow exponentially. Recognised by its shape after constant folding too (`abs(3)` is
/// `3` once the branch of a piecewise numerator is chosen); any `if` of that shape may be
/// computed so, the same function.
pub(crate) fn guarded(e: &Expr) -> Option<(&Expr, &Expr, &Expr)> {
    let Expr::If(c, limit, quotient) = e else { return None };
    let (Expr::Bin(BinOp::Div, ..), Expr::Bin(BinOp::Add, p, q)) = (&**quotient, &c.lhs) else { return None };
    let side = |e: &Expr| matches!(e, Expr::Call(Func::Abs, _)) || e.is_constant();
    (c.op == CmpOp::Le && c.rhs.is_num(0.0) && side(p) && side(q)).then_some((&c.lhs, limit, quotient))
}

/// n⁽ᵏ⁾ / d⁽ᵏ⁾ for the first `k` at which the two are not both 0 at `vars` (its value
/// there finite), or `None`. A derivative that is NaN at the point has its own quotients
/// removed first, while `depth` lasts (√(t⁴)′ = 2t³t′/√(t⁴) at t = 0).
fn limit(n: &Expr, d: &Expr, names: &[&str], vars: &mut [f64], depth: usize) -> Option<Expr> {
    let (mut n, mut d) = (n.clone(), d.clone());
    let at = [vars[0]];
    for _ in 0..ORDERS {
        if n.dag_size() > LARGEST || d.dag_size() > LARGEST {
            return None;
        }
        n = simplify(&derivative(&n, names[0]).ok()?);
        d = simplify(&derivative(&d, names[0]).ok()?);
        if depth > 1 {
            n = within(&n, names, vars, &at, depth - 1);
            d = within(&d, names, vars, &at, depth - 1);
        }
        let mut tape = Tape::new(names);
        let (a, b) = (tape.add(&n), tape.add(&d));
        let mut extended = Vec::new();
        eval_extended(&tape, vars, &mut extended);
        if extended[a].is_exact_zero() && extended[b].is_exact_zero() {
            continue;
        }
        // At the point itself: a number, or an expression of the parameters alone (the
        // derivatives of a large side are large, and generated code carries this in every
        // branch of the form, compiled for every lane type).
        let quotient = simplify(&stabilise(&Expr::bin(BinOp::Div, n, d)).substitute(names[0], &Expr::num(vars[0])));
        let mut tape = Tape::new(names);
        let q = tape.add(&quotient);
        let mut values = Vec::new();
        tape.eval(vars, &mut values);
        let small = quotient.dag_size() <= LIMIT_SIZE;
        // A limit that is infinite is a pole, or a derivative that does not exist at the point
        // (the fuzzer's f395: √(t⁴)′ at t = 0): not taken, the probe flags the NaN.
        return (small && values[q].is_finite()).then_some(quotient);
    }
    None
}

/// `e` with each quotient of `limits` as `if abs(n) + abs(d) <= 0 { limit } else { n / d }`
/// (its sides rewritten first: a quotient inside a side may have its own limit); the
/// quotients so guarded go to `done`.
fn replace(e: &Expr, limits: &HashMap<Expr, Expr>, memo: &mut Memo<Expr>, done: &mut HashSet<Expr>) -> Expr {
    if let Some(done) = memo.get(e) {
        return done.clone();
    }
    let rebuilt = match (e, limits.get(e)) {
        (Expr::Bin(BinOp::Div, n, d), Some(limit)) => {
            let (n, d) = (replace(n, limits, memo, done), replace(d, limits, memo, done));
            let both = Expr::bin(BinOp::Add, Expr::call(Func::Abs, n.clone()), Expr::call(Func::Abs, d.clone()));
            let cond = Cond { op: CmpOp::Le, lhs: both, rhs: Expr::num(0.0) };
            let quotient = Expr::bin(BinOp::Div, n, d);
            done.insert(quotient.clone());
            Expr::if_else(cond, limit.clone(), quotient)
        }
        _ => e.map_children(|c| replace(c, limits, memo, done)),
    };
    memo.insert(e.clone(), rebuilt.clone());
    rebuilt
}

#[cfg(test)]
mod tests {
    use crate::ir::eval::eval_at;
    use crate::passes::derived::{derive, Derived};

    fn derived(source: &str) -> Derived {
        derive(&crate::discover::find_in_source(source).unwrap().remove(0).definition.unwrap()).unwrap()
    }

    #[test]
    fn a_quotient_that_is_0_over_0_takes_its_limit() {
        // erf(x) / 2x = (1 − x²/3 + x⁴/10 − …) / √π: f'(0) = 0, f''(0) = −2 / (3√π); f itself
        // is 0/0 at 0 as written, and stays so.
        let d = derived("#[activation] fn r(x: f64) -> f64 { erf(x) / (x + x) }");
        let sqrt_pi = std::f64::consts::PI.sqrt();
        assert!(eval_at(&d.stable.forward, "x", 0.0, &[]).is_nan());
        assert_eq!(eval_at(&d.stable.derivative, "x", 0.0, &[]), 0.0);
        let second = eval_at(&d.stable.second, "x", 0.0, &[]);
        assert!((second / (-2.0 / (3.0 * sqrt_pi)) - 1.0).abs() < 1e-15, "{second}");
        // Beside 0 the forms are what they were: the guard holds only where both sides are 0.
        let x: f64 = 0.3;
        let slope = (2.0 / sqrt_pi * (-x * x).exp() * x - libm_erf(x)) / (2.0 * x * x);
        assert!((eval_at(&d.stable.derivative, "x", x, &[]) / slope - 1.0).abs() < 1e-14);
    }

    #[test]
    fn the_limit_of_a_quotient_of_high_order_zeros() {
        // The fuzzer's f843: 0.001 tanh(−x³) / x ≈ −0.001 x², f' = 0.001 (−3x³ sech²(x³) −
        // tanh(−x³)) / x² needs the second derivatives (x² has no first-order term): f'(0) = 0,
        // f''(0) = −0.002.
        let d = derived("#[activation] fn g(x: f64) -> f64 { (tanh(-(x * (x * x))) * 0.001) / x }");
        assert_eq!(eval_at(&d.stable.derivative, "x", 0.0, &[]), 0.0);
        let second = eval_at(&d.stable.second, "x", 0.0, &[]);
        assert!((second + 0.002).abs() < 1e-18, "{second}");
        assert!(d.stable.derivative.to_string().contains("<= 0"), "{}", d.stable.derivative);
    }

    #[test]
    fn no_limit_where_the_truth_is_nan() {
        // √x · x is not defined left of 0, so its derivatives' truth at 0 is NaN (its
        // central difference reaches x < 0): nothing is guarded, whatever quotient is 0/0.
        let d = derived("#[activation] fn s(x: f64) -> f64 { sqrt(x) * x / (x + x) }");
        assert!(!d.stable.derivative.to_string().contains("<= 0"), "{}", d.stable.derivative);
    }

    #[test]
    fn an_infinite_limit_is_not_taken() {
        // The fuzzer's f395, |tanh(tanh x)| written through powers: f' is a quotient over
        // √(t⁴), whose derivatives at t = 0 do not exist; a quotient of them gave ∞ at 0,
        // where f'(0) = 0. The NaN stays (and the probe warns about it).
        let d = derived("#[activation] fn t(x: f64) -> f64 { x.tanh().tanh().powi(2).powi(-2).powi(-1).sqrt() }");
        for form in [&d.stable.derivative, &d.stable.second] {
            assert!(!eval_at(form, "x", 0.0, &[]).is_infinite(), "{form}");
        }
    }

    /// erf by its series (independent of the engine's), for |x| < 1.
    fn libm_erf(x: f64) -> f64 {
        let (mut term, mut sum, mut n) = (x, x, 0.0);
        while term.abs() > 1e-20 {
            n += 1.0;
            term *= -x * x / n;
            sum += term / (2.0 * n + 1.0);
        }
        2.0 / std::f64::consts::PI.sqrt() * sum
    }
}

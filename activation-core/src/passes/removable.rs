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
//! Beside the point the quotient's sides still cancel; within |x − c| ≤ r it takes its
//! Taylor polynomial instead ([`window`], computed by `passes/series.rs`), and so does a
//! whole form whose terms' poles cancel at a probe point, or that is 0 there by
//! cancellation ([`windowed`]).
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
    let form = within(form, &names, &mut vars, &points, DEPTH);
    // Where the form is still NaN or infinite at a point, its terms may have poles there that
    // cancel (−tanh(x)/x² + sech²(x)/x, f′ of tanh(x)/x written as a product): the form's own
    // Laurent series has no negative power, and near the point it takes its polynomial.
    windowed(form, &names, &mut vars, &points, true)
}

/// `form` (f itself, or a derivative with `nan` set) with its Taylor polynomial near each
/// probe point where, with `nan`, it is NaN or infinite, or where it is exactly 0 and its
/// terms cancel beside the point — its plain `f64` value at c ± 2^-20 and c ± 2^-10
/// (relative to max(1, |c|)) more than [`CANCELS`] from its double-double there: erfc(x) − eˣ
/// at 0, the fuzzer's f957, 1 − 1 where the truth is −(1 + 2/√π)x; atan(eˣ)″ =
/// eˣ(1 − e^2x)/(1 + e^2x)² (f667). A form that is 0 at the point without cancelling (x σ(x),
/// GELU) keeps its form. See [`window`].
pub(crate) fn windowed(form: Expr, names: &[&str], vars: &mut [f64], points: &[f64], nan: bool) -> Expr {
    let mut form = form;
    let mut tape = Tape::new(names);
    let mut root = tape.add(&form);
    let (mut values, mut pairs) = (Vec::new(), Vec::new());
    for &c in points {
        vars[0] = c;
        tape.eval(vars, &mut values);
        let value = values[root];
        let cancels = value == 0.0 && {
            let scale = c.abs().max(1.0);
            [-1.0, 1.0].iter().flat_map(|s| [s * 2f64.powi(-20), s * 2f64.powi(-10)]).any(|h| {
                vars[0] = c + h * scale;
                tape.eval(vars, &mut values);
                crate::passes::compensate::pair_model(&tape, vars, &mut pairs);
                let (hi, lo) = pairs[root].parts();
                let truth = hi + lo;
                truth.is_normal() && (values[root] - truth).abs() > truth.abs() * CANCELS
            })
        };
        vars[0] = c;
        if !(cancels || (nan && !value.is_finite())) {
            continue;
        }
        if let Some(w) = window(&unguarded(&form, &mut Memo::new()), names, vars) {
            form = Expr::if_else(inside(names[0], c, w.radius), w.polynomial, form);
            // The points after this one see the form with its window: one beside it is no
            // longer 0 by cancellation (x⁻¹·tanh x's f′ was exactly 0 at the probe point
            // 1.8e-8 too, and a second window there, the first re-expanded about it, gave
            // −3.5e-25 at 0).
            tape = Tape::new(names);
            root = tape.add(&form);
        }
    }
    form
}

/// How far (relative) a form's plain `f64` value beside a zero may be from its
/// double-double before its terms are taken to cancel there: 2^-50, four `f64` ULPs, the
/// least of the bar.
const CANCELS: f64 = 8.881784197001252e-16;

/// `e` with each guard of a removable singularity ([`guarded`]) as its quotient: the
/// analytic continuation beside the point, which its series follows.
fn unguarded(e: &Expr, memo: &mut Memo<Expr>) -> Expr {
    if let Some(done) = memo.get(e) {
        return done.clone();
    }
    let rebuilt = match guarded(e) {
        Some((_, _, quotient)) => unguarded(quotient, memo),
        None => e.map_children(|c| unguarded(c, memo)),
    };
    memo.insert(e.clone(), rebuilt.clone());
    rebuilt
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
    // Taylor windows about each point: the quotients' polynomials, and the radius they
    // share there (one condition per point, so that a form's block branches once for it).
    let mut windows: HashMap<Expr, (f64, Expr)> = HashMap::new();
    let mut radii: Vec<(f64, f64)> = Vec::new();
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
            // Where the quotient has a window, its polynomial's constant term is the limit
            // (the series cancel zeros of any order, L'Hôpital's rule here [`ORDERS`]).
            if let Some(w) = window(q, names, vars) {
                limits.insert(q.clone(), Expr::num(w.limit));
                windows.insert(q.clone(), (c, w.polynomial));
                match radii.iter_mut().find(|(at, _)| *at == c) {
                    Some((_, r)) => *r = r.min(w.radius),
                    None => radii.push((c, w.radius)),
                }
            } else if let Some(limit) = limit(n, d, names, vars, depth) {
                limits.insert(q.clone(), limit);
            }
        }
    }
    if limits.is_empty() {
        return None;
    }
    let guards: HashMap<Expr, Guard> = limits
        .into_iter()
        .map(|(q, limit)| {
            let window = windows.remove(&q).map(|(c, polynomial)| {
                let radius = radii.iter().find(|(at, _)| *at == c).expect("a radius per point").1;
                (inside(input, c, radius), polynomial)
            });
            (q, Guard { limit, window })
        })
        .collect();
    Some(replace(form, &guards, &mut Memo::new(), done))
}

/// t = x − c (x itself at 0), the variable of a window's polynomial.
fn offset(input: &str, c: f64) -> Expr {
    if c == 0.0 {
        Expr::var(input)
    } else {
        Expr::bin(BinOp::Sub, Expr::var(input), Expr::num(c))
    }
}

/// A window's condition, |x − c| ≤ r.
fn inside(input: &str, c: f64, radius: f64) -> Cond {
    Cond { op: CmpOp::Le, lhs: Expr::call(Func::Abs, offset(input, c)), rhs: Expr::num(radius) }
}

/// What a quotient that is 0/0 at a point becomes: its limit there, and near the point,
/// where its sides cancel, its Taylor polynomial (`window`: the condition |x − c| ≤ r and
/// the polynomial in x − c).
struct Guard {
    limit: Expr,
    window: Option<(Cond, Expr)>,
}

/// How many Taylor coefficients a window computes (the last eight estimate what the
/// polynomial leaves out).
const TERMS: usize = 64;

/// How closely a window's polynomial must agree with the form in double-double: an `f64`
/// ULP or two. (With series arithmetic in `f64`, a few roundings in the recurrences moved
/// the constant term of f″ of the fuzzer's f634 by 5 ULPs, against a bar of 4; the series
/// are double-double now, and a window that still disagrees is not taken.)
const AGREES: f64 = 2.220446049250313e-16; // 2^-52

/// 2^-60: a constant term below this share of a window's polynomial is no evidence of a
/// value (see [`window`]).
const RESIDUE: f64 = 8.673617379884035e-19;

/// The widest window tried, and the narrowest worth a branch, relative to max(1, |c|).
const WIDEST: f64 = 4.0;
const NARROWEST: f64 = 1.0 / 1024.0;

/// The Taylor polynomial of `q` (NaN at `vars`, its input first: a quotient 0/0 there, or
/// a form whose poles cancel) about that point, its constant term (the limit there), and
/// the radius r within which it is within 2^-55 of `q` by its own terms (those after the
/// last it keeps, and an estimate of the first unknown one, bound what it leaves out), r a
/// power of 2 (the same comparison in `f32` and `f64`). Beside the point `q`'s terms
/// cancel (its rounding errors grow as a power of 1/(x − c)); the polynomial does not. Where a branch, `abs`, `min` or `max` is decided
/// differently on the two sides of the point (e^(−|x|)), each side has its polynomial,
/// `if x < c { left } else { right }`. `None` where the series depends on a parameter (its
/// coefficients would be expressions), where it cannot be formed
/// (`passes/series.rs`), where the sides' limits differ, where the window would be
/// narrower than [`NARROWEST`], or where a polynomial disagrees with `q` in double-double
/// (the runtime's pairs, `compensate::pair_model`) by more than [`AGREES`] at ±r, ±r/2,
/// ±r/64 and ±r/4096.
fn window(q: &Expr, names: &[&str], vars: &[f64]) -> Option<Window> {
    let c = vars[0];
    // The parameters as NaN: a series that needs one (a coefficient, a branch's side, a
    // condition) is no series; one whose branches at the point leave them out is theirs
    // for every value (atan(if x < 0.01 { eˣ } else { a }) at 0).
    let free: Vec<f64> = vars.iter().enumerate().map(|(i, &v)| if i == 0 { v } else { f64::NAN }).collect();
    let mut tape = Tape::new(names);
    let root = tape.add(q);
    let series = |side: f64| {
        let s = crate::passes::series::taylor(&tape, &free, TERMS, &[root], side)?.remove(0);
        (s.len() >= 16).then_some(s)
    };
    let (left, right) = (series(-1.0)?, series(1.0)?);
    if left[0] != right[0] {
        return None;
    }
    let polynomial_at = |s: &[f64], t: f64, degree: usize| s[..=degree].iter().rev().fold(0.0, |p, &k| p * t + k);
    // Within 2^-55 at t by the terms it leaves out, as a fraction of its value there: the
    // known terms after `degree`, and the largest of the last eight known as an estimate of
    // the first unknown one (series are often sparse: tanh(x³)'s has every sixth term).
    let fits = |s: &[f64], t: f64, degree: usize| {
        let term = |j: usize| (s[j] * t.powi(j as i32)).abs();
        let known: f64 = (degree + 1..s.len()).map(term).sum();
        let unknown = (s.len().saturating_sub(8)..s.len()).map(term).fold(0.0, f64::max);
        let value = polynomial_at(s, t, degree).abs();
        value > 0.0 && known + unknown <= value * 2f64.powi(-55)
    };
    let scale = c.abs().max(1.0);
    // The widest power of 2 that fits on both sides and agrees with `q` in double-double
    // beside the point, each side at its lowest degree there.
    let degree = |s: &[f64], t: f64| (1..=s.len() - 9).find(|&d| fits(s, t, d));
    let (mut pairs, mut at) = (Vec::new(), vars.to_vec());
    let mut agrees = |r: f64, (left_degree, right_degree): (usize, usize)| {
        [0, 1, 6, 12].iter().all(|&k| {
            [(-r, &left, left_degree), (r, &right, right_degree)].into_iter().all(|(t, s, d)| {
                let t = t / f64::from(1 << k);
                at[0] = c + t;
                crate::passes::compensate::pair_model(&tape, &at, &mut pairs);
                let (hi, lo) = pairs[root].parts();
                let (truth, p) = (hi + lo, polynomial_at(s, t, d));
                truth.is_finite() && (p - truth).abs() <= truth.abs() * AGREES
            })
        })
    };
    let mut r = WIDEST * scale;
    let (r, (left_degree, right_degree)) = loop {
        if r < NARROWEST * scale {
            return None;
        }
        if let (Some(l), Some(d)) = (degree(&left, -r), degree(&right, r)) {
            if agrees(r, (l, d)) {
                break (r, (l, d));
            }
        }
        r /= 2.0;
    };
    // Horner's scheme in t = x − c.
    let t = offset(names[0], c);
    let horner = |s: &[f64], degree: usize| {
        let mut p = Expr::num(s[degree]);
        for &k in s[..degree].iter().rev() {
            p = Expr::bin(BinOp::Add, Expr::num(k), Expr::bin(BinOp::Mul, t.clone(), p));
        }
        simplify(&p)
    };
    // A constant term far below the polynomial's size on the window may be the residue of
    // a cancellation that is exact in the reals (f′ of x⁻¹·tanh x, the sum of −tanh(x)/x²
    // and sech²(x)/x, came out −3.5e-25 at 0, where it is 0): the double-double cannot tell,
    // and at the point itself it would be the value. No window then.
    let size: f64 = right.iter().enumerate().map(|(j, k)| (k * r.powi(j as i32)).abs()).sum();
    if right[0] != 0.0 && right[0].abs() < size * RESIDUE {
        return None;
    }
    let polynomial = if left_degree == right_degree && left[..=left_degree] == right[..=right_degree] {
        horner(&right, right_degree)
    } else {
        let below = Cond { op: CmpOp::Lt, lhs: Expr::var(names[0]), rhs: Expr::num(c) };
        Expr::if_else(below, horner(&left, left_degree), horner(&right, right_degree))
    };
    Some(Window { polynomial, limit: right[0], radius: r })
}

/// What [`window`] finds: the polynomial in x − c, its value at c, and its radius.
struct Window {
    polynomial: Expr,
    limit: f64,
    radius: f64,
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

/// `e` with each quotient of `guards` as `if abs(n) + abs(d) <= 0 { limit } else { n / d }`
/// (its sides rewritten first: a quotient inside a side may have its own limit), and
/// that inside `if abs(x - c) <= r { polynomial } else { … }` where it has a window; the
/// quotients so guarded go to `done`.
fn replace(e: &Expr, guards: &HashMap<Expr, Guard>, memo: &mut Memo<Expr>, done: &mut HashSet<Expr>) -> Expr {
    if let Some(done) = memo.get(e) {
        return done.clone();
    }
    let rebuilt = match (e, guards.get(e)) {
        (Expr::Bin(BinOp::Div, n, d), Some(guard)) => {
            let (n, d) = (replace(n, guards, memo, done), replace(d, guards, memo, done));
            let both = Expr::bin(BinOp::Add, Expr::call(Func::Abs, n.clone()), Expr::call(Func::Abs, d.clone()));
            let cond = Cond { op: CmpOp::Le, lhs: both, rhs: Expr::num(0.0) };
            let quotient = Expr::bin(BinOp::Div, n, d);
            done.insert(quotient.clone());
            let guarded = Expr::if_else(cond, guard.limit.clone(), quotient);
            match &guard.window {
                Some((within, polynomial)) => Expr::if_else(within.clone(), polynomial.clone(), guarded),
                None => guarded,
            }
        }
        _ => e.map_children(|c| replace(c, guards, memo, done)),
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

    #[test]
    fn beside_the_point_a_cancelling_quotient_takes_its_taylor_polynomial() {
        // erf(x)/2x: f′ = (2x erf′(x) − 2 erf x)/4x² cancels beside 0 (wrong zeros below
        // 1e-8, thousands of ULPs at 1e-3); f′ = (1/√π) Σ 2k c_k x^(2k−1) with c_k =
        // (−1)^k / (k! (2k + 1)) from erf's series.
        let d = derived("#[activation] fn r(x: f64) -> f64 { erf(x) / (x + x) }");
        let slope = |x: f64| {
            let (mut sum, mut factorial) = (0.0, 1.0);
            for k in 1..30i32 {
                factorial *= f64::from(k);
                let c = if k % 2 == 0 { 1.0 } else { -1.0 } / (factorial * (2 * k + 1) as f64);
                sum += 2.0 * f64::from(k) * c * x.powi(2 * k - 1);
            }
            sum / std::f64::consts::PI.sqrt()
        };
        for x in [1e-9, -1e-6, 1e-3, 0.03, -0.2] {
            let got = eval_at(&d.stable.derivative, "x", x, &[]);
            assert!((got / slope(x) - 1.0).abs() < 1e-14, "f'({x}) = {got}, truth {}", slope(x));
        }
        assert!(d.stable.derivative.to_string().contains("abs(x) <= "), "{}", d.stable.derivative);
    }

    #[test]
    fn poles_of_terms_that_cancel_leave_the_sum_a_polynomial() {
        // x⁻¹·tanh x: f′ = −tanh(x)/x² + sech²(x)/x, two poles at 0 that cancel (0 near 0 in
        // floating point, where the truth is −2x/3). tanh(x)/x = Σ c_k x^(2k) with c_k from
        // 1, −1/3, 2/15, −17/315, 62/2835, −1382/155925, 21844/6081075.
        let d = derived("#[activation] fn t(x: f64) -> f64 { x.powi(-1) * x.tanh() }");
        let c = [1.0, -1.0 / 3.0, 2.0 / 15.0, -17.0 / 315.0, 62.0 / 2835.0, -1382.0 / 155925.0, 21844.0 / 6081075.0];
        let slope = |x: f64| (1..c.len()).map(|k| 2.0 * k as f64 * c[k] * x.powi(2 * k as i32 - 1)).sum::<f64>();
        assert_eq!(eval_at(&d.stable.derivative, "x", 0.0, &[]), 0.0, "{}", d.stable.derivative);
        for x in [1e-9, -1e-5, 1e-3, -0.02] {
            let got = eval_at(&d.stable.derivative, "x", x, &[]);
            assert!((got / slope(x) - 1.0).abs() < 1e-14, "f'({x}) = {got}, truth {}", slope(x));
        }
    }

    #[test]
    fn a_zero_whose_terms_cancel_takes_its_polynomial_and_no_other_does() {
        // erfc(x) − eˣ is 1 − 1 at 0: −(1 + 2/√π)x − x²/2 + O(x³) beside it, where plain
        // arithmetic keeps none of its bits below 1e-16. x·σ(x) is 0 at 0 too, without
        // cancelling: its form stays as it is (the catalog's GELU, silu).
        let d = derived("#[activation] fn e(x: f64) -> f64 { erfc(x) - x.exp() }");
        let x = 1e-9;
        let truth = -(1.0 + std::f64::consts::FRAC_2_SQRT_PI) * x - x * x / 2.0;
        let got = eval_at(&d.stable.forward, "x", x, &[]);
        assert!((got / truth - 1.0).abs() < 1e-15, "{got} against {truth}");
        let plain = derived("#[activation] fn s(x: f64) -> f64 { x * sigmoid(x) }");
        assert!(!plain.stable.forward.to_string().contains("<="), "{}", plain.stable.forward);
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

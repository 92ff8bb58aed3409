//! Breakpoints: the inputs where a formula switches branch or has a kink — the zeros of
//! each `if` condition's `lhs - rhs`, of the argument of `abs`, and of `a - b` in
//! `max(a, b)`/`min(a, b)`. Found by scanning for sign changes and bisecting in `f64`.
//!
//! A kink function that is identically zero (`max(e, e)`: `e - e`) has no breakpoint, and
//! one that is zero over a stretch (`max(relu(x), 0)` for x ≤ 0) has its breakpoints at the
//! ends of the stretch, not at every point of it: the number of breakpoints is bounded by
//! the sign changes of each kink function over the scan grid.

use crate::ir::eval::eval_at;
use crate::ir::expr::{BinOp, Expr, Func};
use crate::passes::simplify::simplify;

/// The functions of `x` whose zeros are breakpoints of `e`.
pub(crate) fn kink_functions(e: &Expr) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    e.visit(&mut |n| {
        let g = match n {
            Expr::If(c, _, _) => Some(Expr::bin(BinOp::Sub, c.lhs.clone(), c.rhs.clone())),
            Expr::Call(Func::Abs, a) => Some((**a).clone()),
            Expr::Bin(BinOp::Max | BinOp::Min, a, b) => Some(Expr::bin(BinOp::Sub, (**a).clone(), (**b).clone())),
            _ => None,
        };
        if let Some(g) = g.filter(|g| !out.contains(g)) {
            out.push(g);
        }
    });
    out
}

/// The breakpoints of `e` in `[-1e6, 1e6]`, sorted, each to within a few ULPs.
pub(crate) fn breakpoints(e: &Expr, input: &str, params: &[(&str, f64)]) -> Vec<f64> {
    let grid = scan_grid();
    let mut out = Vec::new();
    for g in kink_functions(e) {
        // `x * x - x * x` is 0: `max(e, e)` has no kink.
        let g = simplify(&g);
        if !g.depends_on(input) {
            continue;
        }
        let at = |x: f64| eval_at(&g, input, x, params);
        let values: Vec<f64> = grid.iter().map(|&x| at(x)).collect();
        for (i, w) in grid.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            let (ga, gb) = (values[i], values[i + 1]);
            if ga == 0.0 {
                // A zero of g: a breakpoint where g is nonzero on either side (an isolated
                // zero, or an end of a stretch where g is 0).
                let before = if i == 0 { 0.0 } else { values[i - 1] };
                if before != 0.0 || gb != 0.0 {
                    out.push(a);
                }
            } else if ga.signum() != gb.signum() && gb != 0.0 && ga.is_finite() && gb.is_finite() {
                out.push(bisect(&at, a, b));
            }
        }
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// Dense near 0, geometric further out: where activation breakpoints live.
fn scan_grid() -> Vec<f64> {
    let mut pos: Vec<f64> = (1..=4000).map(|i| f64::from(i) * 0.0025).collect();
    let mut v = 10.0;
    while v < 1e6 {
        v *= 1.01;
        pos.push(v);
    }
    let mut grid: Vec<f64> = pos.iter().rev().map(|v| -v).collect();
    grid.push(0.0);
    grid.extend(pos);
    grid
}

fn bisect(g: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let ga = g(a);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m == a || m == b {
            break;
        }
        if g(m).signum() == ga.signum() && g(m) != 0.0 {
            a = m;
        } else {
            b = m;
        }
    }
    if g(a) == 0.0 {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    #[test]
    fn finds_conditions_abs_and_max() {
        let e =
            parse_formula("if x <= -3.0 { 0.0 } else if x >= 3.0 { x } else { x * (x + 3.0) / 6.0 }", &["x"]).unwrap();
        assert_eq!(breakpoints(&e, "x", &[]), vec![-3.0, 3.0]);
        let e = parse_formula("x.max(0.0) + (x - 0.1).abs()", &["x"]).unwrap();
        let b = breakpoints(&e, "x", &[]);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0], 0.0);
        assert!((b[1] - 0.1).abs() < 1e-15);
        let e = parse_formula("if x > a { x } else { a }", &["x", "a"]).unwrap();
        assert_eq!(breakpoints(&e, "x", &[("a", 0.7)]), vec![0.7]);
    }

    #[test]
    fn kinks_that_are_zero_everywhere_or_on_a_stretch_are_not_every_grid_point() {
        // `max(e, e)` once made every point of the scan grid a breakpoint.
        let e = parse_formula("erfc(x / exp(max(x * x, x * x)))", &["x"]).unwrap();
        assert_eq!(breakpoints(&e, "x", &[]), Vec::<f64>::new());
        let e = parse_formula("min(x * x, x.powi(2)) + abs(x - x)", &["x"]).unwrap();
        assert_eq!(breakpoints(&e, "x", &[]), Vec::<f64>::new());
        // max(relu(x), 0) - 1: g = relu(x) is 0 on all of x <= 0; its kink is at 0 alone.
        let e = parse_formula("max(if x > 0 { x } else { 0 }, 0) - 1", &["x"]).unwrap();
        assert_eq!(breakpoints(&e, "x", &[]), vec![0.0]);
    }
}

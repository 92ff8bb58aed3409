//! The formula cut at its breakpoints: on each piece every `if`, `abs`, `max` and `min` is
//! resolved to what it is there, so each piece is one analytic expression that can be
//! evaluated right up to (and at) the piece's ends — which is what one-sided limits at a
//! kink are. Also the sampling grid, MPFR evaluation and bisection every property uses.

use rug::Float;

use super::PREC;
use crate::ir::expr::{BinOp, CmpOp, Expr, Func};
use crate::passes::breakpoints::breakpoints;
use crate::passes::derived::Derived;
use crate::passes::simplify::simplify;
use crate::verify::reference::{decide, eval_float};

/// Which function of the activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fun {
    F,
    D1,
    D2,
    /// ∂f/∂p for the parameter with this index.
    Param(usize),
}

/// One piece `[lo, hi]` between consecutive breakpoints (infinite ends for the outer ones).
pub(crate) struct Piece {
    pub lo: f64,
    pub hi: f64,
    /// f, f', f'', then ∂f/∂p for each parameter, resolved on this piece.
    exprs: Vec<Expr>,
    /// Grid points inside the piece, and its finite ends.
    pub xs: Vec<f64>,
    /// Values of f, f', f'' at `xs` (one-sided at the ends).
    values: [Vec<Float>; 3],
}

impl Piece {
    /// The resolved expression of `fun` on this piece.
    pub(super) fn expr(&self, fun: Fun) -> &Expr {
        &self.exprs[index(fun)]
    }

    /// The values of f, f' or f'' at [`Piece::xs`].
    pub(super) fn values(&self, fun: Fun) -> &[Float] {
        &self.values[index(fun)]
    }

    /// `fun` at `x`, from this piece's formula (a one-sided limit at the piece's ends).
    pub(super) fn eval(&self, fun: Fun, x: f64) -> Float {
        eval(self.expr(fun), &Float::with_val(PREC, x))
    }

    /// Decides `test` on the exact value of `fun` at `x` (from this piece's formula), by
    /// precision escalation: `test(lo, hi)` answers for an enclosure of the value, or None
    /// while the enclosure is too wide (see `verify::reference::decide`). None when the
    /// value cannot be computed (NaN, as where MPFR's exponent range overflows).
    pub(super) fn decide(&self, fun: Fun, x: f64, test: impl Fn(&Float, &Float) -> Option<bool>) -> Option<bool> {
        decide(self.expr(fun), &[(VAR, Float::with_val(53, x))], test)
    }

    /// Whether `fun` is constant on this piece (its resolved formula, simplified, does not
    /// depend on x).
    pub(super) fn constant(&self, fun: Fun) -> bool {
        !simplify(self.expr(fun)).depends_on(VAR)
    }

    /// A point inside the piece.
    pub(super) fn inside(&self) -> f64 {
        inside(self.lo, self.hi)
    }

    /// Whether `x` is one of the piece's finite ends.
    pub(super) fn is_end(&self, x: f64) -> bool {
        x == self.lo || x == self.hi
    }
}

fn index(fun: Fun) -> usize {
    match fun {
        Fun::F => 0,
        Fun::D1 => 1,
        Fun::D2 => 2,
        Fun::Param(i) => 3 + i,
    }
}

/// The variable every concrete expression is written in (the input, renamed).
pub(crate) const VAR: &str = "x";

/// An activation with its parameters fixed: its whole formulas and its pieces.
pub(crate) struct Subject {
    pub breakpoints: Vec<f64>,
    pub pieces: Vec<Piece>,
    /// The whole formulas, in [`index`] order.
    exprs: Vec<Expr>,
}

impl Subject {
    /// The stable forms of `derived` with `params` substituted and the input renamed to
    /// [`VAR`], cut into pieces.
    pub(super) fn new(input: &str, derived: &Derived, params: &[(String, f64)]) -> Subject {
        let concrete = |e: &Expr| {
            let e = params.iter().fold(e.clone(), |e, (p, v)| e.substitute(p, &Expr::num(*v)));
            e.substitute(input, &Expr::var(VAR))
        };
        let s = &derived.stable;
        let mut exprs = vec![concrete(&s.forward), concrete(&s.derivative), concrete(&s.second)];
        exprs.extend(s.params.iter().map(concrete));
        let mut breaks: Vec<f64> = exprs.iter().flat_map(|e| breakpoints(e, VAR, &[])).collect();
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let grid = grid();
        let ends: Vec<f64> = std::iter::once(f64::NEG_INFINITY).chain(breaks.iter().copied()).collect();
        let pieces = ends
            .iter()
            .zip(breaks.iter().copied().chain(std::iter::once(f64::INFINITY)))
            .map(|(&lo, hi)| Piece::new(lo, hi, &exprs, &grid))
            .collect();
        Subject { breakpoints: breaks, pieces, exprs }
    }

    /// The whole formula of `fun`.
    pub(super) fn expr(&self, fun: Fun) -> &Expr {
        &self.exprs[index(fun)]
    }

    /// `fun` at `x` as the formula computes it there (the branch its `if` selects).
    pub(super) fn eval(&self, fun: Fun, x: f64) -> Float {
        eval(self.expr(fun), &Float::with_val(PREC, x))
    }

    /// The outermost piece on `side`.
    pub(super) fn outer(&self, side: super::Side) -> &Piece {
        match side {
            super::Side::Left => &self.pieces[0],
            super::Side::Right => self.pieces.last().expect("at least one piece"),
        }
    }

    /// `fun` at `x`, with its one-sided limits if `x` is a breakpoint where they differ.
    pub(super) fn sided(&self, fun: Fun, x: f64) -> super::Sided {
        let at = self.eval(fun, x).to_f64();
        match self.breakpoints.iter().position(|&b| b == x) {
            Some(i) => {
                let left = self.pieces[i].eval(fun, x).to_f64();
                let right = self.pieces[i + 1].eval(fun, x).to_f64();
                if left == right && left == at {
                    super::Sided::Value(at)
                } else {
                    super::Sided::Kink { left, at, right }
                }
            }
            None => super::Sided::Value(at),
        }
    }

    /// The number of parameters.
    pub(super) fn param_count(&self) -> usize {
        self.exprs.len() - 3
    }
}

impl Piece {
    fn new(lo: f64, hi: f64, whole: &[Expr], grid: &[f64]) -> Piece {
        let at = inside(lo, hi);
        let exprs: Vec<Expr> = whole.iter().map(|e| resolve(e, at)).collect();
        let mut xs: Vec<f64> = grid.iter().copied().filter(|&x| x > lo && x < hi).collect();
        xs.extend([lo, hi].into_iter().filter(|v| v.is_finite()));
        xs.sort_by(f64::total_cmp);
        let values = [0, 1, 2].map(|i| xs.iter().map(|&x| eval(&exprs[i], &Float::with_val(PREC, x))).collect());
        Piece { lo, hi, exprs, xs, values }
    }
}

/// A point inside `(lo, hi)`, away from both ends.
fn inside(lo: f64, hi: f64) -> f64 {
    match (lo.is_finite(), hi.is_finite()) {
        (true, true) => 0.5 * (lo + hi),
        (true, false) => lo + lo.abs().max(1.0),
        (false, true) => hi - hi.abs().max(1.0),
        (false, false) => 0.0,
    }
}

/// `e` with every `if`, `abs`, `max` and `min` replaced by what it is at `at`: valid on the
/// whole piece containing `at`, since their switching points are breakpoints.
pub(crate) fn resolve(e: &Expr, at: f64) -> Expr {
    let x = Float::with_val(PREC, at);
    let value = |e: &Expr| eval(e, &x);
    match e {
        Expr::If(c, a, b) => {
            let (l, r) = (value(&c.lhs), value(&c.rhs));
            let holds = match c.op {
                CmpOp::Lt => l < r,
                CmpOp::Le => l <= r,
                CmpOp::Gt => l > r,
                CmpOp::Ge => l >= r,
            };
            resolve(if holds { a } else { b }, at)
        }
        Expr::Call(Func::Abs, u) if u.depends_on(VAR) => {
            let u = resolve(u, at);
            if value(&u) < 0 {
                Expr::neg(u)
            } else {
                u
            }
        }
        Expr::Bin(op @ (BinOp::Max | BinOp::Min), a, b) if e.depends_on(VAR) => {
            let (a, b) = (resolve(a, at), resolve(b, at));
            let a_wins = if *op == BinOp::Max { value(&a) > value(&b) } else { value(&a) < value(&b) };
            if a_wins {
                a
            } else {
                b
            }
        }
        _ => e.map_children(|c| resolve(c, at)),
    }
}

/// `e` at `x` in MPFR.
pub(crate) fn eval(e: &Expr, x: &Float) -> Float {
    eval_float(e, &[(VAR, x.clone())], PREC)
}

/// Sampling points: every 1/64 up to 16, 5% apart up to 1e6, then a few decades out to
/// 1e300 (thresholds such as where softsign rounds to 1 in `f64` lie near 1e16).
pub(crate) fn grid() -> Vec<f64> {
    let mut pos: Vec<f64> = (1..=1024).map(|i| f64::from(i) / 64.0).collect();
    let mut v = 16.0;
    while v < 1e6 {
        v *= 1.05;
        pos.push(v);
    }
    for e in [7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 25, 30, 40, 50, 75, 100, 150, 200, 250, 300] {
        pos.push(10f64.powi(e));
    }
    let mut all: Vec<f64> = pos.iter().rev().map(|v| -v).collect();
    all.push(0.0);
    all.extend(pos);
    all
}

/// Maps `f64` onto a monotone integer line (the two zeros on one point), so that bisection
/// can halve the number of floats between two ends rather than the distance.
fn key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    if bits >= 0 {
        bits
    } else {
        -(bits & i64::MAX)
    }
}

fn from_key(k: i64) -> f64 {
    if k >= 0 {
        f64::from_bits(k as u64)
    } else {
        -f64::from_bits(k.unsigned_abs())
    }
}

/// Bisects between `a` and `b`, where `test(a) != test(b)`, down to two adjacent `f64`s;
/// returns them as `(near a, near b)`.
pub(crate) fn bisect(mut a: f64, mut b: f64, mut test: impl FnMut(f64) -> bool) -> (f64, f64) {
    let at_a = test(a);
    loop {
        let (ka, kb) = (i128::from(key(a)), i128::from(key(b)));
        if (kb - ka).abs() <= 1 {
            return (a, b);
        }
        let m = from_key((ka + (kb - ka) / 2) as i64);
        if test(m) == at_a {
            a = m;
        } else {
            b = m;
        }
    }
}

/// A root of `g` between `a` and `b` where g has opposite signs: of the two adjacent `f64`s
/// around the sign change, the one where |g| is smaller.
pub(crate) fn root(g: &Expr, a: f64, b: f64) -> f64 {
    let at = |x: f64| eval(g, &Float::with_val(PREC, x));
    let positive_at_b = at(b) > 0;
    let (l, r) = bisect(a, b, |x| {
        let v = at(x);
        v.is_zero() || (v > 0) == positive_at_b
    });
    if at(l).abs() < at(r).abs() {
        l
    } else {
        r
    }
}

/// The sign changes of a function sampled at `xs` (values `vs`): each as the bracket
/// `(a, b)` between consecutive nonzero samples of opposite sign, or as `(z, z)` when a
/// sample in between is exactly zero. Zeros without a sign change (underflow in the
/// tails, touching roots) are not reported.
pub(crate) fn sign_changes(xs: &[f64], vs: &[Float]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for i in 0..xs.len() {
        if vs[i].is_zero() || vs[i].is_nan() {
            continue;
        }
        if let Some(j) = last {
            if (vs[j] > 0) != (vs[i] > 0) {
                let zero = (j + 1..i).find(|&k| vs[k].is_zero());
                out.push(zero.map_or((xs[j], xs[i]), |k| (xs[k], xs[k])));
            }
        }
        last = Some(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn e(src: &str) -> Expr {
        parse_formula(src, &["x"]).unwrap()
    }

    #[test]
    fn resolves_branches_abs_and_max() {
        let f = e("if x > 0.0 { x } else { 0.01 * x }");
        assert_eq!(resolve(&f, -1.0).to_string(), "0.01 * x");
        assert_eq!(resolve(&e("x / (1.0 + x.abs())"), -2.0).to_string(), "x / (1 + -x)");
        assert_eq!(resolve(&e("x.max(0.0)"), 3.0).to_string(), "x");
    }

    #[test]
    fn bisection_reaches_adjacent_floats() {
        let (a, b) = bisect(0.0, 1.0, |x| x > 0.3);
        assert!(a <= 0.3 && b > 0.3 && b == f64::from_bits(a.to_bits() + 1));
        // Across zero, down to the sign of a subnormal.
        let (a, b) = bisect(-1.0, 1.0, |x| x > 0.0);
        assert_eq!((a, b), (0.0, f64::from_bits(1)));
        assert_eq!(root(&e("x * x - 2.0"), 1.0, 2.0), std::f64::consts::SQRT_2);
    }
}

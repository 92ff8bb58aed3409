//! Where compensated code may leave out its underflow tests.
//!
//! `Dd<f32>` is one `f64` per lane (the runtime's `dd::wide`). A product or quotient of
//! nonzero values that falls below `f64`'s normal range has lost bits, so the runtime tests
//! every one and refuses the lane — a test that costs more than the product. Code
//! generation emits `Dd::mul_normal`, `div_normal` and `powi_normal` instead (untested in
//! the `f64` form; pairs still test) where one of two things is proven here:
//!
//! - **exponent bounds** (`Exponents`, `Bounds::of`): from `f32` operands the result, and a
//!   divisor's reciprocal, stay inside [2^-`LIMIT`, 2^`LIMIT`] where they are not 0 — a
//!   nonzero `f32` is at least 2^-149 in magnitude, x · (x + 3) at least 2^-350, and
//!   `f64`'s normal range reaches down to 2^-1022. Library calls whose values can be as
//!   small as `f64` allows (`exp`, σ, `erfc`, …) have no lower bound;
//! - **gain** (`Bounds::settled`, compensated values only): what an underflow loses cannot
//!   reach the settled result, because every path from the product to it multiplies an
//!   error by at most 2^[`GAIN_LIMIT`] (GELU′'s x·(…)·σ(−u) is added to 2 and multiplied
//!   by σ(u) ≤ 1).

use std::collections::HashSet;

use crate::ir::expr::{BinOp, Expr, Func, Memo};

/// The largest exponent magnitude a promised product may reach: well inside `f64`'s normal
/// range (2^-1022 to 2^1024), so that the bounds need not be tight to the last bit.
const LIMIT: i64 = 1000;

/// The largest amplification (log2) from a product to the settled result under which the
/// bits an underflowing product loses cannot matter. An `f64` product that underflows is
/// off by at most 2^-1075 (half the subnormal spacing; 0 for anything smaller); amplified
/// by at most 2^900 it moves the result by 2^-175, and `Dd::settle` keeps only results of
/// at least 2^-126 (normal `f32`s): a relative 2^-49, below the `f64` arithmetic's own.
const GAIN_LIMIT: i64 = 900;

/// No bound: far beyond any exponent `f64` has, and far from overflowing `i64` when a
/// formula's bounds are added up.
const UNBOUNDED: i64 = 1 << 40;

/// Every nonzero value `v` of a subexpression has 2^lo ≤ |v| < 2^hi; `lo` is
/// −[`UNBOUNDED`] and `hi` [`UNBOUNDED`] where there is no bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Exponents {
    lo: i64,
    hi: i64,
}

/// Whether `v` is a bound. Anything as large as 2^30 is taken for none: no `f64` exponent
/// comes near it, and sums and multiples of smaller ones stay far from overflowing `i64`.
fn bounded(v: i64) -> bool {
    v.abs() < 1 << 30
}

/// `a + b`, or `unbounded` (−[`UNBOUNDED`] for a lower bound, [`UNBOUNDED`] for an upper
/// one) where either is not a bound.
fn sum(a: i64, b: i64, unbounded: i64) -> i64 {
    if bounded(a) && bounded(b) {
        a + b
    } else {
        unbounded
    }
}

impl Exponents {
    /// A nonzero `f32`: subnormals from 2^-149, the largest below 2^128.
    const F32: Exponents = Exponents { lo: -149, hi: 128 };
    const NONE: Exponents = Exponents { lo: -UNBOUNDED, hi: UNBOUNDED };

    fn inside(self) -> bool {
        self.lo >= -LIMIT && self.hi <= LIMIT
    }

    fn times(self, b: Exponents) -> Exponents {
        Exponents { lo: sum(self.lo, b.lo, -UNBOUNDED), hi: sum(self.hi, b.hi, UNBOUNDED) }
    }

    fn reciprocal(self) -> Exponents {
        Exponents { lo: sum(-self.hi, 0, -UNBOUNDED), hi: sum(1, -self.lo, UNBOUNDED) }
    }

    /// Values below 2^`hi`, with no lower bound (σ, erfc, sin: they reach 0 or near it).
    fn below(hi: i64) -> Exponents {
        Exponents { lo: -UNBOUNDED, hi }
    }
}

/// Bounds for each subexpression of the compensated forms of one activation.
#[derive(Default)]
pub(crate) struct Bounds {
    memo: Memo<Exponents>,
    /// The amplification to the settled result of each node of the form being emitted
    /// (`Bounds::settled`); empty outside compensated values.
    gains: Memo<i64>,
}

impl Bounds {
    /// Whether `a · b` (the node `e`) may leave out the `f64` form's underflow test: from
    /// `f32` operands it is, where it is not 0, in `f64`'s normal range; or what an
    /// underflow loses cannot reach the settled result ([`GAIN_LIMIT`]).
    pub(crate) fn normal_product(&mut self, e: &Expr, a: &Expr, b: &Expr) -> bool {
        self.of(a).times(self.of(b)).inside() || self.gain(e) <= GAIN_LIMIT
    }

    /// Whether `a / b` (the node `e`) may leave out its tests of the quotient and of `1 / b`
    /// (the runtime multiplies by the reciprocal): both normal where they are not 0, or what
    /// either loses (that of 1/b multiplied by a) cannot reach the settled result.
    pub(crate) fn normal_quotient(&mut self, e: &Expr, a: &Expr, b: &Expr) -> bool {
        let (a, inverse) = (self.of(a), self.of(b).reciprocal());
        (inverse.inside() && a.times(inverse).inside()) || sum(self.gain(e), a.hi.max(0), UNBOUNDED) <= GAIN_LIMIT
    }

    /// Whether `a^n`, every partial product of its squarings and (for n < 0) its
    /// reciprocal, are normal where they are not 0.
    pub(crate) fn normal_power(&mut self, a: &Expr, n: i32) -> bool {
        let a = self.of(a);
        let p = power(a, n.unsigned_abs());
        p.inside() && (n >= 0 || p.reciprocal().inside())
    }

    fn gain(&self, e: &Expr) -> i64 {
        self.gains.get(e).copied().unwrap_or(UNBOUNDED)
    }

    /// Records, for every node of `root` (a compensated value, rounded by `Dd::settle`),
    /// the log2 of the largest factor by which an absolute error in that node can reach
    /// `root`: the product of the nodes' Lipschitz bounds along each path, the largest over
    /// the paths. Replaces the gains of the form emitted before.
    pub(crate) fn settled(&mut self, root: &Expr) {
        let mut order = Vec::new();
        post_order(root, &mut HashSet::new(), &mut order);
        let mut gains: Memo<i64> = Memo::new();
        gains.insert(root.clone(), 0);
        // Parents before children: a node's gain is final when it is visited.
        for node in order.iter().rev() {
            let g = gains.get(node).copied().unwrap_or(UNBOUNDED);
            for (child, local) in self.local_gains(node) {
                let through = sum(g, local, UNBOUNDED);
                let entry = gains.entry(child.clone()).or_insert(-UNBOUNDED);
                *entry = (*entry).max(through);
            }
        }
        self.gains = gains;
    }

    /// log2 of a bound on |∂node/∂child| for each child of `node` (a Lipschitz bound where
    /// the function is not differentiable, as |·| and max are not).
    fn local_gains<'e>(&mut self, node: &'e Expr) -> Vec<(&'e Expr, i64)> {
        if node.is_constant() {
            return Vec::new();
        }
        let none = UNBOUNDED;
        match node {
            Expr::Neg(a)
            | Expr::Call(
                Func::Abs | Func::Tanh | Func::Sigmoid | Func::Softplus | Func::Sin | Func::Cos | Func::Atan,
                a,
            ) => {
                vec![(a, 0)]
            }
            // 2/√π ≈ 1.13.
            Expr::Call(Func::Erf | Func::Erfc, a) => vec![(a, 1)],
            // 1/(2√a) ≤ 2^(−lo/2), 1/a ≤ 2^−lo.
            Expr::Call(Func::Sqrt, a) => vec![(a, sum((-self.of(a).lo).div_euclid(2), 1, none))],
            Expr::Call(Func::Ln, a) => vec![(a, sum(-self.of(a).lo, 0, none))],
            // e^u, expm1, sinh, cosh (whose slope is a value with no bound here), log1p, …
            Expr::Call(_, a) => vec![(a, none)],
            Expr::Bin(BinOp::Add | BinOp::Sub | BinOp::Max | BinOp::Min, a, b) => vec![(a, 0), (b, 0)],
            Expr::Bin(BinOp::Mul, a, b) => {
                let (ea, eb) = (self.of(a), self.of(b));
                // a · a: the slope is 2a.
                let twice = i64::from(a == b);
                vec![(a, sum(eb.hi, twice, none)), (b, sum(ea.hi, twice, none))]
            }
            Expr::Bin(BinOp::Div, a, b) => {
                let (ea, eb) = (self.of(a), self.of(b));
                let inverse = eb.reciprocal();
                vec![(a, inverse.hi), (b, sum(ea.hi, sum(inverse.hi, inverse.hi, none), none))]
            }
            Expr::Powi(a, n) => {
                let ea = self.of(a);
                let k = i64::from(n.unsigned_abs());
                // n a^(n−1): log2 n + (n − 1) log2|a|, or for n < 0, |n| / a^(|n|+1).
                let slope = match *n {
                    0 => -none,
                    1 => 0,
                    2.. if bounded(ea.hi) => (k - 1) * ea.hi + log2_ceil(k),
                    ..0 if bounded(ea.lo) => (k + 1) * -ea.lo + log2_ceil(k),
                    _ => none,
                };
                vec![(a, slope)]
            }
            _ => node.children().into_iter().map(|c| (c, none)).collect(),
        }
    }

    /// The bounds of `e`'s nonzero values.
    pub(crate) fn of(&mut self, e: &Expr) -> Exponents {
        if let Some(done) = self.memo.get(e) {
            return *done;
        }
        let b = self.compute(e);
        let b = Exponents { lo: b.lo.max(-UNBOUNDED), hi: b.hi.min(UNBOUNDED) };
        self.memo.insert(e.clone(), b);
        b
    }

    fn compute(&mut self, e: &Expr) -> Exponents {
        if e.is_constant() {
            let v = crate::ir::eval::eval::<f64>(e, &Default::default()).abs();
            // 0 and what is not finite: no bound (0 is never multiplied by a promise).
            if !(v.is_finite() && v > 0.0) {
                return Exponents::NONE;
            }
            let k = v.log2().floor() as i64;
            return Exponents { lo: k - 1, hi: k + 2 };
        }
        match e {
            Expr::Var(_) => Exponents::F32,
            Expr::Neg(a) | Expr::Call(Func::Abs, a) => self.of(a),
            Expr::Bin(BinOp::Mul, a, b) => self.of(a).times(self.of(b)),
            Expr::Bin(BinOp::Div, a, b) => self.of(a).times(self.of(b).reciprocal()),
            // A nonzero sum of `f64`s is a multiple of the smaller operand's ULP (at least
            // 2^-52 of its magnitude): cancellation cannot go below it.
            Expr::Bin(BinOp::Add | BinOp::Sub | BinOp::Max | BinOp::Min, a, b) => {
                let (a, b) = (self.of(a), self.of(b));
                Exponents { lo: sum(a.lo.min(b.lo), -53, -UNBOUNDED), hi: sum(a.hi.max(b.hi), 1, UNBOUNDED) }
            }
            Expr::Powi(a, n) => {
                let p = power(self.of(a), n.unsigned_abs());
                if *n < 0 {
                    p.reciprocal()
                } else {
                    p
                }
            }
            Expr::Call(Func::Sqrt, a) => {
                let a = self.of(a);
                let half = |v: i64, unbounded: i64| if bounded(v) { v.div_euclid(2) } else { unbounded };
                Exponents { lo: half(a.lo, -UNBOUNDED), hi: sum(half(a.hi, UNBOUNDED), 1, UNBOUNDED) }
            }
            // |f(u)| ≥ |u| / 2 where |u| ≤ 1 (tanh 1 ≈ 0.76, erf 1 ≈ 0.84, atan 1 ≈ 0.79
            // of |u|), at least f(1) beyond, and below 2.
            Expr::Call(Func::Tanh | Func::Erf | Func::Atan, a) => {
                let a = self.of(a);
                Exponents { lo: sum(a.lo, -1, -UNBOUNDED).min(-1), hi: 1 }
            }
            Expr::Call(Func::Sigmoid | Func::Sin | Func::Cos, _) => Exponents::below(1),
            Expr::Call(Func::Erfc, _) => Exponents::below(2),
            // softplus u < max(u, 0) + 1.
            Expr::Call(Func::Softplus, a) => Exponents::below(sum(self.of(a).hi.max(1), 1, UNBOUNDED)),
            _ => Exponents::NONE,
        }
    }
}

/// ⌈log2 k⌉ for k ≥ 1.
fn log2_ceil(k: i64) -> i64 {
    i64::from(64 - (k - 1).leading_zeros())
}

/// The nodes of `e`, children before parents, each once (constant subtrees as leaves:
/// code generation emits them as one number).
fn post_order(e: &Expr, seen: &mut HashSet<Expr>, order: &mut Vec<Expr>) {
    if !seen.insert(e.clone()) {
        return;
    }
    if !e.is_constant() {
        for c in e.children() {
            post_order(c, seen, order);
        }
    }
    order.push(e.clone());
}

/// `a^k` (1 for k = 0), the bound widened to cover every partial product of the runtime's
/// squarings: those lie between a^1 and a^k in exponent.
fn power(a: Exponents, k: u32) -> Exponents {
    let k = i64::from(k);
    if k == 0 {
        return Exponents { lo: 0, hi: 1 };
    }
    let scaled = |v: i64, unbounded: i64| if bounded(v) { v * k } else { unbounded };
    let p = Exponents { lo: scaled(a.lo, -UNBOUNDED), hi: scaled(a.hi, UNBOUNDED) };
    Exponents { lo: p.lo.min(a.lo).max(-UNBOUNDED), hi: p.hi.max(a.hi).min(UNBOUNDED) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn p(text: &str) -> Expr {
        parse_formula(text, &["x", "a"]).unwrap()
    }

    fn bounds(text: &str) -> Exponents {
        Bounds::default().of(&p(text))
    }

    #[test]
    fn products_of_f32_operands_are_bounded_and_library_calls_are_not() {
        assert_eq!(bounds("x"), Exponents::F32);
        assert_eq!(bounds("x * (x + 3.0)"), Exponents { lo: -149 - 149 - 53, hi: 128 + 129 });
        assert!(bounds("x * (x + 3.0) / 6.0").inside());
        assert!(bounds("x / (1.0 + x.abs())").inside());
        assert_eq!(bounds("x.exp()"), Exponents::NONE);
        assert_eq!(bounds("sigmoid(x)"), Exponents::below(1));
        assert!(!bounds("x * sigmoid(x)").inside());
        // Seven factors of x reach 2^-1043: beyond the limit, so the product keeps its test.
        assert!(!bounds("x.powi(7)").inside());
        assert!(bounds("x.powi(6)").inside());
    }

    #[test]
    fn the_bounds_hold_at_the_smallest_and_largest_f32_operands() {
        // Every formula below, at the extreme operands, has a nonzero `f64` value inside
        // the bounds claimed for it.
        let extremes = [f32::from_bits(1), f32::MIN_POSITIVE, 0.5, 1.0, 3.0, f32::MAX];
        let formulas = [
            "x * (x + 3.0) / 6.0",
            "x / (1.0 + x.abs())",
            "x.tanh() * x",
            "x.sqrt() * a",
            "x.powi(-3) * a",
            "erf(x) / a",
        ];
        for text in formulas {
            let e = p(text);
            let b = Bounds::default().of(&e);
            for &x in &extremes {
                for &a in &extremes {
                    let vars = [("x".to_string(), f64::from(x)), ("a".to_string(), f64::from(a))].into_iter().collect();
                    let v = crate::ir::eval::eval::<f64>(&e, &vars).abs();
                    if v != 0.0 && v.is_finite() {
                        let k = v.log2();
                        assert!(k >= b.lo as f64 && k < b.hi as f64, "{text} at x = {x}, a = {a}: 2^{k} outside {b:?}");
                    }
                }
            }
        }
    }

    /// Whether the division `text` (a / b at its root) may leave out its tests.
    fn quotient(b: &mut Bounds, text: &str) -> bool {
        let e = p(text);
        let Expr::Bin(BinOp::Div, x, y) = &e else { panic!("{text} is not a quotient") };
        b.normal_quotient(&e, x, y)
    }

    #[test]
    fn quotients_need_their_reciprocal_bounded() {
        let mut b = Bounds::default();
        assert!(quotient(&mut b, "x / (1.0 + x.abs())"));
        // 1 / x² reaches 2^299 and x / x² 2^427 (the bounds do not know that both are x):
        // inside; 1 / x^8 reaches 2^1193: outside, as is a quotient by x^-6.
        assert!(quotient(&mut b, "x / x.powi(2)"));
        assert!(!quotient(&mut b, "x / x.powi(8)"));
        assert!(!quotient(&mut b, "x.powi(6) / x.powi(-6)"));
        assert!(!quotient(&mut b, "x / x.exp()"));
    }

    /// Whether the product `factor` inside the settled value `root` may leave out its test.
    fn product_in(root: &str, factor: &str) -> bool {
        let (root, e) = (p(root), p(factor));
        let mut b = Bounds::default();
        b.settled(&root);
        let Expr::Bin(BinOp::Mul, x, y) = &e else { panic!("{factor} is not a product") };
        b.normal_product(&e, x, y)
    }

    #[test]
    fn an_unbounded_product_is_untested_only_where_nothing_lifts_what_it_loses() {
        // GELU′'s shape: the product with σ(−u) is added to 2 and multiplied by σ(u) ≤ 1,
        // so an underflow's 2^-1075 reaches the result as at most 2^-1070.
        let gelu = "0.5 * (2.0 + 3.2 * x * (1.0 + 0.13 * x * x) * sigmoid(-x)) * sigmoid(x)";
        assert!(product_in(gelu, "3.2 * x * (1.0 + 0.13 * x * x) * sigmoid(-x)"));
        assert!(product_in(gelu, "0.5 * (2.0 + 3.2 * x * (1.0 + 0.13 * x * x) * sigmoid(-x))"));
        // Through e^u, a divisor, a square root or a large power, it is lifted: tested.
        assert!(!product_in("(x * sigmoid(x)).exp()", "x * sigmoid(x)"));
        assert!(!product_in("x / (x * sigmoid(x))", "x * sigmoid(x)"));
        assert!(!product_in("(x * sigmoid(x)).sqrt() + 1.0", "x * sigmoid(x)"));
        assert!(!product_in("(x * sigmoid(x)).powi(-1) + 1.0", "x * sigmoid(x)"));
        // Multiplied by x^8 (up to 2^1024) before the end: tested.
        assert!(!product_in("x.powi(8) * (x * sigmoid(x))", "x * sigmoid(x)"));
        // Not part of the settled value at all: tested.
        assert!(!product_in("x + 1.0", "x * sigmoid(x)"));
    }

    #[test]
    fn a_gain_is_the_largest_over_the_paths() {
        // x · σ(x) reaches the root through a sum (slope 1) and through x^6 (below 2^768).
        let root = p("x * sigmoid(x) + x.powi(6) * (x * sigmoid(x))");
        let mut b = Bounds::default();
        b.settled(&root);
        assert_eq!(b.gain(&p("x * sigmoid(x)")), 6 * 128);
        assert_eq!(b.gain(&root), 0);
    }
}

//! Truncated Taylor series of an expression about a point, computed numerically over its
//! tape (Taylor-mode differentiation: each node a vector of coefficients, each operation
//! a recurrence on them), for `passes/removable.rs`'s windows.
//!
//! A quotient that is 0/0 at a point `c` (f′ of erf(x)/2x at 0) takes its limit there, but
//! beside `c` its numerator still cancels: x·erf′(x) − erf(x) is a difference of two terms
//! of order x that agree to order x³, so its rounding errors, divided by the divisor's x²,
//! grow as 1/x² — to wrong zeros and NaN near `c`. Its Taylor series has no such trouble:
//! the series of numerator and divisor, both starting at the same power of t = x − c,
//! divide after that power is cancelled, and the quotient's coefficients are those of a
//! well-behaved function.
//!
//! The recurrences are the standard ones of automatic differentiation in Taylor mode
//! (Griewank and Walther, *Evaluating Derivatives*, ch. 13): for b = F(a) with
//! b′ = g(a)·a′, b_k = (1/k) Σ_{j=1..k} j a_j g_{k−j}, g's series built from b's lower
//! coefficients where g depends on b (tanh: g = 1 − b², σ: g = b − b²). The constant term
//!
//! Where a series cannot be formed — a branch, `abs`, `min` or `max` undecided at `c`, a
//! power or logarithm of a side that is 0 there, a quotient whose divisor vanishes to a
//! higher order than its numerator (a pole), a value that is not finite — the answer is
//! `None`, and the quotient keeps its form.

use activation_runtime::Dd;

use crate::ir::expr::{BinOp, CmpOp, Func};
use crate::ir::tape::{Op, Tape};

/// A truncated series: `c[k]` is the coefficient of tᵏ; its length is how many terms are
/// known (a quotient that cancels a common power of t knows fewer than its sides).
pub(crate) type Series = Vec<f64>;

/// A coefficient: a double-double.
type C = Dd<f64>;

/// The series as the engine computes it, in double-double.
type Exact = Vec<C>;

fn dd(v: f64) -> C {
    Dd::new(v)
}

fn hi(v: C) -> f64 {
    v.parts().0
}

fn is_zero(v: C) -> bool {
    hi(v) == 0.0
}

/// 2/√π, erf's slope at 0, as the constant `FRAC_2_SQRT_PI` of a formula has it (its
/// double-double, `ir::constant`): the derivatives the engine writes carry that constant,
/// and a series of erf must cancel against them exactly.
fn two_over_sqrt_pi() -> C {
    let k = crate::ir::expr::Constant::from_name("FRAC_2_SQRT_PI").expect("a named constant");
    let (h, l) = crate::ir::constant::value(&crate::ir::expr::Expr::Const(k)).expect("its value");
    dd(h) + dd(l)
}

/// A truncated Laurent series: Σ_k `c[k]`·t^(`v` + k), the terms up to t^(v + len − 1)
/// known. Sums and products of quotients carry negative powers (−tanh(x)/x² + sech²(x)/x,
/// both with poles at 0, add up to a series that has none); functions take Taylor series.
#[derive(Clone, Debug)]
struct Laurent {
    v: i32,
    c: Exact,
}

impl Laurent {
    fn taylor(c: Exact) -> Laurent {
        Laurent { v: 0, c }
    }

    /// Leading coefficients that are exactly 0 moved into the valuation (one coefficient
    /// kept, so that a series known to be 0 still says to which power).
    fn normal(mut self) -> Laurent {
        let zeros = self.c.iter().take(self.c.len().saturating_sub(1)).take_while(|&&v| is_zero(v)).count();
        self.c.drain(..zeros);
        self.v += zeros as i32;
        self
    }

    /// As a Taylor series (`None` where a negative power remains).
    fn into_taylor(self) -> Option<Exact> {
        let s = self.normal();
        if s.v < 0 {
            return None;
        }
        let mut c = vec![dd(0.0); s.v as usize];
        c.extend(s.c);
        Some(c)
    }

    /// The coefficient of t^p (0 below the valuation).
    fn at(&self, p: i32) -> C {
        if p < self.v {
            dd(0.0)
        } else {
            self.c[(p - self.v) as usize]
        }
    }

    /// The sign of the series on the `side` of the point: its first nonzero term's,
    /// c_p·side^p (`None` where every known term is 0 or one is NaN).
    fn sign(&self, side: f64) -> Option<f64> {
        let (k, c) = self.c.iter().enumerate().find(|(_, c)| !is_zero(**c))?;
        let (power, c) = (self.v + k as i32, hi(*c));
        (!c.is_nan()).then(|| c.signum() * if power % 2 == 0 { 1.0 } else { side })
    }

    /// One past the highest power known.
    fn end(&self) -> i32 {
        self.v + self.c.len() as i32
    }

    fn add(&self, b: &Laurent, negated: bool) -> Laurent {
        let (v, end) = (self.v.min(b.v), self.end().min(b.end()));
        let c = (v..end).map(|p| if negated { self.at(p) - b.at(p) } else { self.at(p) + b.at(p) }).collect();
        Laurent { v, c }
    }

    fn mul(&self, b: &Laurent) -> Laurent {
        Laurent { v: self.v + b.v, c: mul(&self.c, &b.c) }
    }

    /// `None` where the divisor is known to be 0 throughout.
    fn div(&self, b: &Laurent) -> Option<Laurent> {
        let (a, b) = (self.clone().normal(), b.clone().normal());
        if is_zero(b.c[0]) {
            return None;
        }
        Some(Laurent { v: a.v - b.v, c: div(&a.c, &b.c)? })
    }

    fn powi(&self, n: i32) -> Option<Laurent> {
        let one = || Laurent::taylor(constant(dd(1.0), self.c.len()));
        let mut result = one();
        let mut base = self.clone();
        let mut e = n.unsigned_abs();
        while e > 0 {
            if e & 1 == 1 {
                result = result.mul(&base);
            }
            base = base.mul(&base);
            e >>= 1;
        }
        if n >= 0 {
            Some(result)
        } else {
            one().div(&result)
        }
    }
}

/// The Taylor series of the nodes `wanted` of `tape` about the point `vars` (the input
/// first), to `terms` terms (fewer where a quotient cancels a common power of t), on the
/// `side` of the point where t = x − c has that sign: `abs`, `min`, `max` and branches
/// whose sides are equal at the point are decided there by the first term in which they
/// differ (|t| is t on the right, −t on the left; e^(−|x|) has a series on each side);
/// `None` where a wanted node's series cannot be formed (see the module's documentation)
/// or keeps a negative power (a pole). Each coefficient is the
/// double-double's rounded to `f64`.
pub(crate) fn taylor(tape: &Tape, vars: &[f64], terms: usize, wanted: &[usize], side: f64) -> Option<Vec<Series>> {
    let ops = tape.ops();
    // Which nodes are needed: the wanted ones and their operands, transitively.
    let mut needed = vec![false; ops.len()];
    for &w in wanted {
        needed[w] = true;
    }
    for i in (0..ops.len()).rev() {
        if !needed[i] {
            continue;
        }
        match ops[i] {
            Op::Value(_) | Op::Var(_) => {}
            Op::Neg(a) | Op::Powi(a, _) | Op::Call(_, a) => needed[a] = true,
            Op::Bin(_, a, b) => {
                needed[a] = true;
                needed[b] = true;
            }
            Op::If(_, l, r, a, b) => {
                needed[l] = true;
                needed[r] = true;
                needed[a] = true;
                needed[b] = true;
            }
        }
    }
    let mut out: Vec<Option<Laurent>> = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        if !needed[i] {
            out.push(None);
            continue;
        }
        // A node without a series (a NaN parameter, a pole, a branch undecided) fails only
        // the nodes that use it: a branch not taken may have none.
        let series = (|| {
            let s = |k: usize| out[k].as_ref();
            let t = |k: usize| s(k)?.clone().into_taylor();
            let series = match *op {
                // A folded constant as the double-double it is (`0.1 - 1`, √(2/π)).
                Op::Value(v) => {
                    let value = match crate::ir::constant::value(tape.node(i)) {
                        Some((h, l)) if h == v => dd(h) + dd(l),
                        _ => dd(v),
                    };
                    Laurent::taylor(constant(value, terms))
                }
                Op::Var(0) => {
                    let mut c = constant(dd(vars[0]), terms);
                    if terms > 1 {
                        c[1] = dd(1.0);
                    }
                    Laurent::taylor(c)
                }
                Op::Var(k) => Laurent::taylor(constant(dd(vars.get(k).copied().unwrap_or(f64::NAN)), terms)),
                Op::Neg(a) => Laurent { v: s(a)?.v, c: s(a)?.c.iter().map(|&v| -v).collect() },
                Op::Powi(a, n) => s(a)?.powi(n)?,
                Op::Bin(BinOp::Add, a, b) => s(a)?.add(s(b)?, false),
                Op::Bin(BinOp::Sub, a, b) => s(a)?.add(s(b)?, true),
                Op::Bin(BinOp::Mul, a, b) => s(a)?.mul(s(b)?),
                Op::Bin(BinOp::Div, a, b) => s(a)?.div(s(b)?)?,
                Op::If(cmp, l, r, a, b) => {
                    let sign = s(l)?.add(s(r)?, true).sign(side)?;
                    let holds = match cmp {
                        CmpOp::Lt | CmpOp::Le => sign < 0.0,
                        CmpOp::Gt | CmpOp::Ge => sign > 0.0,
                    };
                    s(if holds { a } else { b })?.clone()
                }
                Op::Call(Func::Abs, a) => {
                    let sign = s(a)?.sign(side)?;
                    Laurent { v: s(a)?.v, c: s(a)?.c.iter().map(|&v| if sign < 0.0 { -v } else { v }).collect() }
                }
                Op::Call(f, a) => Laurent::taylor(function(f, &t(a)?)?),
                Op::Bin(op @ (BinOp::Max | BinOp::Min), a, b) => {
                    let sign = s(a)?.add(s(b)?, true).sign(side)?;
                    s(if (sign > 0.0) == (op == BinOp::Max) { a } else { b })?.clone()
                }
                Op::Bin(BinOp::Pow, a, b) => Laurent::taylor(pow(&t(a)?, &t(b)?)?),
            };
            (!series.c.is_empty() && series.c.iter().all(|v| v.is_finite())).then_some(series)
        })();
        out.push(series);
    }
    wanted
        .iter()
        .map(|&w| {
            let c = out[w].clone()?.into_taylor()?;
            Some(
                c.into_iter()
                    .map(|v| {
                        let (h, l) = v.parts();
                        h + l
                    })
                    .collect(),
            )
        })
        .collect()
}

fn constant(v: C, terms: usize) -> Exact {
    let mut c = vec![dd(0.0); terms];
    c[0] = v;
    c
}

fn mul(a: &[C], b: &[C]) -> Exact {
    let n = a.len().min(b.len());
    (0..n).map(|k| sum((0..=k).map(|j| a[j] * b[k - j]))).collect()
}

fn sum(terms: impl Iterator<Item = C>) -> C {
    terms.fold(dd(0.0), |s, t| s + t)
}

/// a / b over Taylor series (b₀ ≠ 0, the common power cancelled by [`Laurent::div`]).
fn div(a: &[C], b: &[C]) -> Option<Exact> {
    let n = a.len().min(b.len());
    let mut q: Exact = Vec::with_capacity(n);
    for k in 0..n {
        let s = sum((1..=k).map(|j| b[j] * q[k - j]));
        q.push((a[k] - s) / b[0]);
    }
    (n > 0).then_some(q)
}

fn int(k: usize) -> C {
    dd(k as f64)
}

/// b with b′ = g·a′, b₀ given: b_k = (1/k) Σ_{j=1..k} j a_j g_{k−j}, where `g(b, k)` gives
/// g's coefficient k from b's coefficients up to k.
fn integrate(a: &[C], b0: C, mut g: impl FnMut(&[C], usize) -> C) -> Exact {
    let mut b = vec![b0];
    let mut gs = Vec::with_capacity(a.len());
    for k in 1..a.len() {
        gs.push(g(&b, k - 1));
        let s = sum((1..=k).map(|j| int(j) * a[j] * gs[k - j]));
        b.push(s / int(k));
    }
    b
}

/// The coefficient k of b·b from b's first k + 1.
fn square_at(b: &[C], k: usize) -> C {
    sum((0..=k).map(|j| b[j] * b[k - j]))
}

/// e^a.
fn exp(a: &[C]) -> Exact {
    integrate(a, a[0].exp(), |b, k| b[k])
}

/// The series of b with b′ = a′/g, b₀ given (g₀ ≠ 0).
fn over(a: &[C], g: &[C], b0: C) -> Option<Exact> {
    if is_zero(g[0]) {
        return None;
    }
    let n = a.len().min(g.len());
    let mut b = vec![b0];
    for k in 1..n {
        let s = sum((1..k).map(|j| int(j) * b[j] * g[k - j]));
        b.push((int(k) * a[k] - s) / (int(k) * g[0]));
    }
    Some(b)
}

/// a^p for a constant exponent p, a₀ ≠ 0 (a₀ > 0 unless p is an integer):
/// b_k = 1/(k a₀) Σ_{j=1..k} ((p + 1) j − k) a_j b_{k−j}.
fn power(a: &[C], p: C, b0: C) -> Option<Exact> {
    if is_zero(a[0]) || (hi(a[0]) < 0.0 && hi(p).fract() != 0.0) {
        return None;
    }
    let mut b = vec![b0];
    for k in 1..a.len() {
        let s = sum((1..=k).map(|j| ((p + dd(1.0)) * int(j) - int(k)) * a[j] * b[k - j]));
        b.push(s / (int(k) * a[0]));
    }
    Some(b)
}

fn pow(a: &[C], b: &[C]) -> Option<Exact> {
    let n = a.len().min(b.len());
    if b[1..n].iter().all(|&v| is_zero(v)) {
        let p = b[0];
        let b0 = if hi(a[0]) > 0.0 {
            (p * crate::passes::compensate::ln_pair(a[0])).exp()
        } else {
            dd(hi(a[0]).powf(hi(p)))
        };
        return power(&a[..n], p, b0);
    }
    // a^b = e^(b ln a), a₀ > 0.
    if hi(a[0]) <= 0.0 {
        return None;
    }
    Some(exp(&mul(b, &function(Func::Ln, a)?)))
}

fn function(f: Func, a: &[C]) -> Option<Exact> {
    let a0 = a[0];
    Some(match f {
        Func::Exp => exp(a),
        Func::ExpM1 => {
            let mut b = exp(a);
            b[0] = a0.expm1();
            b
        }
        Func::Ln => {
            if hi(a0) <= 0.0 {
                return None;
            }
            over(a, a, crate::passes::compensate::ln_pair(a0))?
        }
        Func::Ln1p => {
            let mut g = a.to_vec();
            g[0] = g[0] + dd(1.0);
            if hi(g[0]) <= 0.0 {
                return None;
            }
            over(a, &g, a0.log1p())?
        }
        Func::Sqrt => {
            if hi(a0) <= 0.0 {
                return None;
            }
            power(a, dd(0.5), a0.sqrt())?
        }
        // Decided on a side of the point, as a Laurent series (`taylor`): not asked here.
        Func::Abs => return None,
        Func::Tanh => integrate(a, a0.tanh(), |b, k| if k == 0 { dd(1.0) - square_at(b, k) } else { -square_at(b, k) }),
        Func::Sigmoid => integrate(a, a0.sigmoid(), |b, k| b[k] - square_at(b, k)),
        Func::Softplus => {
            let s = function(Func::Sigmoid, a)?;
            integrate(a, a0.softplus(), |_, k| s[k])
        }
        Func::Sinh | Func::Cosh | Func::Sin | Func::Cos => {
            // The pair (s, c) with s′ = c·a′ and c′ = ±s·a′.
            let (hyperbolic, sine) = (matches!(f, Func::Sinh | Func::Cosh), matches!(f, Func::Sinh | Func::Sin));
            let (s0, c0) = if hyperbolic { (a0.sinh(), a0.cosh()) } else { (a0.sin(), a0.cos()) };
            let (mut s, mut c) = (vec![s0], vec![c0]);
            for k in 1..a.len() {
                let ds = sum((1..=k).map(|j| int(j) * a[j] * c[k - j]));
                let dc = sum((1..=k).map(|j| int(j) * a[j] * s[k - j]));
                s.push(ds / int(k));
                c.push(if hyperbolic { dc / int(k) } else { -(dc / int(k)) });
            }
            if sine {
                s
            } else {
                c
            }
        }
        Func::Atan => {
            let square = mul(a, a);
            let g: Exact = square.iter().enumerate().map(|(k, &v)| if k == 0 { v + dd(1.0) } else { v }).collect();
            over(a, &g, a0.atan())?
        }
        Func::Erf | Func::Erfc => {
            let slope = two_over_sqrt_pi();
            let slope = if f == Func::Erf { slope } else { -slope };
            let h = exp(&mul(a, a).iter().map(|&v| -v).collect::<Vec<_>>());
            let b0 = if f == Func::Erf { a0.erf() } else { a0.erfc() };
            integrate(a, b0, |_, k| slope * h[k])
        }
        Func::Expm1SubUexp => {
            // expm1(a) − a·e^a.
            let e = exp(a);
            let ae = mul(a, &e);
            let mut b: Exact = e.iter().zip(&ae).map(|(&x, &y)| x - y).collect();
            b[0] = a0.expm1_sub_uexp();
            b
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::expr::Expr;

    fn series_of(source: &str, at: f64, terms: usize) -> Option<Series> {
        let e: Expr = crate::parse::parse_formula(source, &["x"]).unwrap();
        let mut tape = Tape::new(&["x"]);
        let root = tape.add(&e);
        taylor(&tape, &[at], terms, &[root], 1.0).map(|mut s| s.remove(0))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1e-300)
    }

    #[test]
    fn series_of_elementary_functions_are_their_taylor_coefficients() {
        // e^x at 0: 1/k!; ln(1 + x): (−1)^(k+1)/k; tanh: x − x³/3 + 2x⁵/15; erf: 2/√π (x − x³/3
        // + x⁵/10); σ: 1/2 + x/4 − x³/48; atan: x − x³/3 + x⁵/5; √(1 + x): 1 + x/2 − x²/8.
        let e = series_of("exp(x)", 0.0, 8).unwrap();
        let mut f = 1.0;
        for (k, c) in e.iter().enumerate() {
            if k > 0 {
                f *= k as f64;
            }
            assert!(close(*c, 1.0 / f), "{k}: {c}");
        }
        let l = series_of("ln_1p(x)", 0.0, 6).unwrap();
        for (k, c) in l.iter().enumerate().skip(1) {
            let want = if k % 2 == 1 { 1.0 } else { -1.0 } / k as f64;
            assert!(close(*c, want), "{k}: {c}");
        }
        let t = series_of("tanh(x)", 0.0, 6).unwrap();
        assert!(close(t[1], 1.0) && t[2] == 0.0 && close(t[3], -1.0 / 3.0) && close(t[5], 2.0 / 15.0), "{t:?}");
        let r = series_of("erf(x)", 0.0, 6).unwrap();
        assert!(
            close(r[3], -std::f64::consts::FRAC_2_SQRT_PI / 3.0)
                && close(r[5], std::f64::consts::FRAC_2_SQRT_PI / 10.0),
            "{r:?}"
        );
        let s = series_of("sigmoid(x)", 0.0, 4).unwrap();
        assert!(close(s[0], 0.5) && close(s[1], 0.25) && s[2] == 0.0 && close(s[3], -1.0 / 48.0), "{s:?}");
        let a = series_of("atan(x)", 0.0, 6).unwrap();
        assert!(close(a[3], -1.0 / 3.0) && close(a[5], 0.2), "{a:?}");
        let q = series_of("sqrt(1 + x)", 0.0, 3).unwrap();
        assert!(close(q[1], 0.5) && close(q[2], -0.125), "{q:?}");
        // sin and cos about 1: derivatives cos 1, −sin 1, −cos 1 / 2, …
        let c = series_of("sin(x)", 1.0, 4).unwrap();
        assert!(close(c[1], 1f64.cos()) && close(c[2], -1f64.sin() / 2.0) && close(c[3], -1f64.cos() / 6.0));
    }

    #[test]
    fn a_quotient_cancels_its_common_power() {
        // (x·2/√π·e^(−x²) − erf x) / x² = 2/√π (−2x/3 + 2x³/5 − …) / 1 after t² cancels — erf(x)/x's
        // derivative times x… here simply: (tanh x − x) / x³ = −1/3 + 2x²/15.
        let q = series_of("(tanh(x) - x) / (x * x * x)", 0.0, 10).unwrap();
        assert_eq!(q.len(), 7);
        assert!(close(q[0], -1.0 / 3.0) && q[1] == 0.0 && close(q[2], 2.0 / 15.0), "{q:?}");
        // A pole is no series; neither is a branch decided at the point.
        assert!(series_of("x / (x * x)", 0.0, 6).is_none());
        // A branch or an `abs` whose sides are equal at the point is decided on each side.
        let mut tape = Tape::new(&["x"]);
        let root =
            tape.add(&crate::parse::parse_formula("exp(-abs(x)) + if x < 0 { x } else { 2 * x }", &["x"]).unwrap());
        let right = taylor(&tape, &[0.0], 4, &[root], 1.0).unwrap().remove(0);
        let left = taylor(&tape, &[0.0], 4, &[root], -1.0).unwrap().remove(0);
        assert_eq!((right[1], left[1]), (-1.0 + 2.0, 1.0 + 1.0));
        assert!(series_of("if x < x { x } else { 2 * x }", 0.0, 6).is_none());
        assert!(series_of("if x < 1 { x } else { 2 * x }", 0.0, 6).is_some());
        // Poles that cancel: tanh(x)/x's derivative written as a sum, −tanh(x)/x² + sech²(x)/x
        // = −2x/3 + 8x³/15 − …
        let d = series_of("-tanh(x) / (x * x) + (1 - tanh(x).powi(2)) / x", 0.0, 12).unwrap();
        // And in double-double: erf's coefficients to the last bit, 2/√π·(−1)^k/(k!(2k + 1)).
        let e = series_of("erf(x)", 0.0, 12).unwrap();
        let (h, l) = (-two_over_sqrt_pi() / dd(120.0 * 11.0)).parts();
        assert_eq!(e[11], h + l, "{e:?}");
        assert!(d[0] == 0.0 && close(d[1], -2.0 / 3.0) && close(d[3], 8.0 / 15.0), "{d:?}");
    }
}

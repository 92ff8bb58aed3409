//! Quotients of exponentials scaled by their divisor's largest exponential.
//!
//! A derivative of a formula with an exponential is often a quotient whose sides both grow
//! like exponentials: atan(eˣ − 1)′ = eˣ / (1 + (eˣ − 1)²), (1/(eˣ − 1))′ = −eˣ/(eˣ − 1)².
//! Each side overflows long before the quotient does (from x = 355 for the squares, where
//! the quotient is about e^-355), and gives ∞/∞ = NaN or a wrong 0. Multiplying both sides
//! by e^-g, g the exponent of the divisor's largest exponential ([`Scaler::growth`]),
//! moves the exponent into each term ([`Scaler::scale`]): e^(x − 2x) / (e^-2x + (1 − e^-x)²),
//! whose terms are all at most about 1 where g is large.
//!
//! The growth of an expression is read off its shape: e^u grows like u, eᵘ − 1 and a sum
//! of eᵘ with a term that does not grow like max(u, 0), cosh u and sinh u like |u|, a
//! product like the sum of its factors' growths, a sum like the larger of its terms'
//! (`max`), a power n·g, a root g/2; anything else (a polynomial, σ, a
//! logarithm) does not grow exponentially. Scaling is an identity over the reals whatever
//! g is, but a growth guessed too high underflows both sides to 0/0, so the guess is the
//! conservative one (max(u, 0) where a term beside eᵘ does not grow); the scaled quotient
//! is taken only where g > [`FROM`] (elsewhere e^-g itself would overflow), and the whole
//! form only where probing finds it breaking down at fewer points (`passes::derived`),
//! after the stabilising rules have rewritten what scaling leaves (1 − e^-x as
//! −expm1(−x)).

use std::collections::HashMap;

use crate::ir::expr::{BinOp, CmpOp, Cond, Expr, Func, Memo};

/// The divisor's growth above which its quotient is taken scaled: there e^-g ≤ e^-1, so
/// no scaled term overflows that did not before.
const FROM: f64 = 1.0;

/// `e` with each quotient whose divisor grows exponentially taken, where that growth g
/// exceeds [`FROM`], as both sides times e^-g (see the module's documentation).
pub(crate) fn scaled_quotients(e: &Expr) -> Expr {
    let mut scaler = Scaler::default();
    e.rewrite_dag(&mut |n| {
        let Expr::Bin(BinOp::Div, a, b) = &n else { return n };
        let Some(g) = scaler.growth(b) else { return n };
        let scaled = Expr::bin(BinOp::Div, scaler.scale(a, &g), scaler.scale(b, &g));
        Expr::if_else(Cond { op: CmpOp::Gt, lhs: g, rhs: Expr::num(FROM) }, scaled, n)
    })
}

/// The growths and scaled forms of one form's nodes, each computed once: a form's subterms
/// are shared, and a walk of its tree could take exponential time.
#[derive(Default)]
struct Scaler {
    growths: Memo<Option<Expr>>,
    scaled: HashMap<(Expr, Expr), Expr>,
}

impl Scaler {
    /// The exponent of the largest exponential `e` grows like, as an expression, or `None`
    /// where `e` has no exponential of the input that its shape shows.
    fn growth(&mut self, e: &Expr) -> Option<Expr> {
        if e.is_constant() {
            return None;
        }
        if let Some(g) = self.growths.get(e) {
            return g.clone();
        }
        let times = |c: f64, g: Expr| Expr::bin(BinOp::Mul, Expr::num(c), g);
        // Beside a term that does not grow, an exponential dominates only where it is large:
        // eᵘ + 1 grows like max(u, 0), not like u, which a negative power would turn into a
        // large growth where eᵘ is small ((eˣ + 1)^-2.5 at x = −400 is about 1, not e^1000).
        let at_least_zero = |g: Expr| match &g {
            Expr::Bin(BinOp::Max, _, z) if z.is_num(0.0) => g,
            _ => Expr::bin(BinOp::Max, g, Expr::num(0.0)),
        };
        let g = match e {
            Expr::Call(Func::Exp, u) => Some((**u).clone()),
            Expr::Call(Func::ExpM1, u) => Some(at_least_zero((**u).clone())),
            Expr::Call(Func::Cosh | Func::Sinh, u) => Some(Expr::call(Func::Abs, (**u).clone())),
            Expr::Call(Func::Sqrt, a) => self.growth(a).map(|g| times(0.5, g)),
            Expr::Neg(a) => self.growth(a),
            Expr::Powi(a, k) => self.growth(a).map(|g| times(f64::from(*k), g)),
            Expr::Bin(BinOp::Pow, a, c) if c.is_constant() => {
                self.growth(a).map(|g| Expr::bin(BinOp::Mul, (**c).clone(), g))
            }
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
                let sum = matches!(op, BinOp::Add | BinOp::Sub);
                match (self.growth(a), self.growth(b)) {
                    (None, None) => None,
                    (Some(g), None) | (None, Some(g)) if sum => Some(at_least_zero(g)),
                    (Some(g), None) => Some(g),
                    (None, Some(g)) if *op == BinOp::Div => Some(Expr::neg(g)),
                    (None, Some(g)) => Some(g),
                    (Some(p), Some(q)) => Some(match op {
                        BinOp::Mul => Expr::bin(BinOp::Add, p, q),
                        BinOp::Div => Expr::bin(BinOp::Sub, p, q),
                        _ if p == q => p,
                        _ => Expr::bin(BinOp::Max, p, q),
                    }),
                }
            }
            _ => None,
        };
        self.growths.insert(e.clone(), g.clone());
        g
    }

    /// `e · e^-s`, the exponent moved into each exponential `e`'s shape shows (see
    /// [`Scaler::growth`]); a factor e^-s where it shows none.
    fn scale(&mut self, e: &Expr, s: &Expr) -> Expr {
        let apart = || Expr::bin(BinOp::Mul, e.clone(), Expr::call(Func::Exp, Expr::neg(s.clone())));
        if self.growth(e).is_none() {
            return apart();
        }
        let key = (e.clone(), s.clone());
        if let Some(done) = self.scaled.get(&key) {
            return done.clone();
        }
        let shifted = |u: &Expr| Expr::call(Func::Exp, Expr::bin(BinOp::Sub, u.clone(), s.clone()));
        let out = match e {
            Expr::Call(Func::Exp, u) => shifted(u),
            // (e^u − 1) e^-s = e^(u − s) − e^-s
            Expr::Call(Func::ExpM1, u) => {
                Expr::bin(BinOp::Sub, shifted(u), Expr::call(Func::Exp, Expr::neg(s.clone())))
            }
            // cosh u = (e^u + e^-u)/2, sinh u = (e^u − e^-u)/2
            Expr::Call(f @ (Func::Cosh | Func::Sinh), u) => {
                let op = if *f == Func::Cosh { BinOp::Add } else { BinOp::Sub };
                let halves = Expr::bin(op, shifted(u), shifted(&Expr::neg((**u).clone())));
                Expr::bin(BinOp::Mul, Expr::num(0.5), halves)
            }
            Expr::Neg(a) => Expr::neg(self.scale(a, s)),
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let (a, b) = (self.scale(a, s), self.scale(b, s));
                Expr::bin(*op, a, b)
            }
            Expr::Bin(BinOp::Mul, a, b) => match (self.growth(a), self.growth(b)) {
                // Each factor takes its own growth, the second what remains of s.
                (Some(p), Some(_)) => {
                    let rest = Expr::bin(BinOp::Sub, s.clone(), p.clone());
                    let a = self.scale(a, &p);
                    Expr::bin(BinOp::Mul, a, self.scale(b, &rest))
                }
                (Some(_), None) => Expr::bin(BinOp::Mul, self.scale(a, s), (**b).clone()),
                (None, _) => Expr::bin(BinOp::Mul, (**a).clone(), self.scale(b, s)),
            },
            Expr::Bin(BinOp::Div, a, b) if self.growth(a).is_some() => {
                Expr::bin(BinOp::Div, self.scale(a, s), (**b).clone())
            }
            Expr::Powi(a, k) if *k > 0 => {
                let part = Expr::bin(BinOp::Div, s.clone(), Expr::num(f64::from(*k)));
                Expr::powi(self.scale(a, &part), *k)
            }
            Expr::Call(Func::Sqrt, a) => {
                let twice = Expr::bin(BinOp::Mul, Expr::num(2.0), s.clone());
                Expr::call(Func::Sqrt, self.scale(a, &twice))
            }
            _ => apart(),
        };
        self.scaled.insert(key, out.clone());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::eval::eval_at;
    use crate::passes::stabilise::stabilise;

    fn parse(src: &str) -> Expr {
        crate::parse::parse_formula(src, &["x"]).unwrap()
    }

    #[test]
    fn scaling_is_an_identity_and_breaks_down_nowhere_the_form_did_not() {
        let sources = [
            "exp(x) / (1 + expm1(x).powi(2))",
            "-(exp(x) / expm1(x).powi(2))",
            "x / (cosh(x) * exp(x) + sqrt(exp(x)))",
            // A negative power of a sum with an exponential decays where eˣ is large and is
            // about 1 where it is small: no growth to scale by on either side (a review
            // found 0/0 from x = −400 when eˣ + 1 was taken to grow like x there).
            "exp(x) / (1 + (exp(x) + 1).powf(-2.5))",
            "exp(x) / (2 + 1 / (expm1(x) + 3))",
        ];
        for src in sources {
            let e = parse(src);
            let s = stabilise(&scaled_quotients(&e));
            for x in [-3000.0, -710.0, -400.0, -3.0, -0.5, 0.25, 2.0, 5.0, 30.0, 400.0, 710.0, 3000.0] {
                let (a, b) = (eval_at(&e, "x", x, &[]), eval_at(&s, "x", x, &[]));
                if a.is_finite() && a != 0.0 {
                    assert!((a - b).abs() <= 1e-12 * a.abs(), "{src} at {x}: {a:e} against {b:e} from {s}");
                } else if !a.is_nan() {
                    assert!(!b.is_nan(), "{src} at {x}: {a:e} against {b:e} from {s}");
                }
            }
        }
    }
}

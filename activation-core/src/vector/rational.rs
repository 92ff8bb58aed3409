//! Rational normal form: an expression as an expanded polynomial over a product of
//! polynomial factors, with every non-arithmetic subexpression (a call, a symbol, a
//! power) as an opaque atom.
//!
//! The simplifier collects like terms but does not distribute products over sums, so
//! `g - (g + G) / (1 + S)` stays as written, although over its common denominator its
//! numerator is `g S - G`: the `g`s cancel. Those are the cancellations the vector passes
//! need to see — whether a derivative is identically zero, and the exact cancellation of
//! the largest element's terms at its index (see `dominant`) — so this module expands
//! numerators and records whether terms cancelled.

use std::collections::BTreeMap;

use crate::ir::expr::{BinOp, Expr};
use crate::passes::simplify::simplify;

/// A monomial: atoms (indices into [`Normaliser::atoms`]) with positive powers, sorted.
type Monomial = Vec<(usize, u32)>;

/// A polynomial over the atoms.
#[derive(Clone, Debug, PartialEq, Default)]
struct Poly(BTreeMap<Monomial, f64>);

/// `num / Π den_k^e_k`.
#[derive(Clone, Debug)]
struct Rational {
    num: Poly,
    den: Vec<(Poly, u32)>,
}

/// Beyond this many terms expansion gives up: the form would be no use to read or run.
const MAX_TERMS: usize = 64;

/// Converts expressions to rational form and back.
#[derive(Default)]
pub(crate) struct Normaliser {
    atoms: Vec<Expr>,
    /// Set when adding or multiplying out made terms cancel exactly.
    pub cancelled: bool,
}

impl Normaliser {
    /// `e` over a common denominator with its numerator expanded (simplified), or `None`
    /// when that form would be too large.
    pub(crate) fn normalise(&mut self, e: &Expr) -> Option<Expr> {
        let r = self.of(e)?;
        Some(self.expr(&r))
    }

    /// Whether `e` is identically zero as a rational function of its atoms.
    pub(crate) fn is_zero(&mut self, e: &Expr) -> bool {
        self.of(e).is_some_and(|r| r.num.0.is_empty())
    }

    fn atom(&mut self, e: &Expr) -> Rational {
        let i = match self.atoms.iter().position(|a| a == e) {
            Some(i) => i,
            None => {
                self.atoms.push(e.clone());
                self.atoms.len() - 1
            }
        };
        Rational { num: Poly(BTreeMap::from([(vec![(i, 1)], 1.0)])), den: Vec::new() }
    }

    fn of(&mut self, e: &Expr) -> Option<Rational> {
        let r = match e {
            Expr::Num(n) => Rational { num: Poly::constant(n.0), den: Vec::new() },
            Expr::Neg(a) => {
                let mut r = self.of(a)?;
                r.num = r.num.scale(-1.0);
                r
            }
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) => {
                let (a, mut b) = (self.of(a)?, self.of(b)?);
                if *op == BinOp::Sub {
                    b.num = b.num.scale(-1.0);
                }
                self.add(a, b)?
            }
            Expr::Bin(BinOp::Mul, a, b) => {
                let (a, b) = (self.of(a)?, self.of(b)?);
                self.mul(a, b)?
            }
            Expr::Bin(BinOp::Div, a, b) => {
                let (a, b) = (self.of(a)?, self.of(b)?);
                let b = self.recip(b)?;
                self.mul(a, b)?
            }
            Expr::Powi(a, n) if n.unsigned_abs() <= 4 => {
                let base = self.of(a)?;
                let mut r = Rational { num: Poly::constant(1.0), den: Vec::new() };
                for _ in 0..n.unsigned_abs() {
                    r = self.mul(r, base.clone())?;
                }
                if *n < 0 {
                    self.recip(r)?
                } else {
                    r
                }
            }
            _ => self.atom(e),
        };
        (r.num.0.len() <= MAX_TERMS).then_some(r)
    }

    fn add(&mut self, a: Rational, b: Rational) -> Option<Rational> {
        // The least common multiple of the two factor lists.
        let mut den = a.den.clone();
        for (f, k) in &b.den {
            match den.iter_mut().find(|(g, _)| g == f) {
                Some((_, m)) => *m = (*m).max(*k),
                None => den.push((f.clone(), *k)),
            }
        }
        let lift = |me: &mut Self, r: Rational| -> Option<Poly> {
            let mut num = r.num;
            for (f, k) in &den {
                let have = r.den.iter().find(|(g, _)| g == f).map_or(0, |(_, m)| *m);
                for _ in have..*k {
                    num = me.times(&num, f)?;
                }
            }
            Some(num)
        };
        let (x, y) = (lift(self, a)?, lift(self, b)?);
        let num = self.plus(x, &y);
        if num.0.is_empty() {
            return Some(Rational { num, den: Vec::new() });
        }
        Some(Rational { num, den })
    }

    fn mul(&mut self, a: Rational, b: Rational) -> Option<Rational> {
        let num = self.times(&a.num, &b.num)?;
        if num.0.is_empty() {
            return Some(Rational { num, den: Vec::new() });
        }
        let mut den = a.den;
        for (f, k) in b.den {
            match den.iter_mut().find(|(g, _)| *g == f) {
                Some((_, m)) => *m += k,
                None => den.push((f, k)),
            }
        }
        Some(Rational { num, den })
    }

    /// `1 / r`; `None` for a zero `r`.
    fn recip(&mut self, r: Rational) -> Option<Rational> {
        if r.num.0.is_empty() {
            return None;
        }
        let mut num = Poly::constant(1.0);
        for (f, k) in &r.den {
            for _ in 0..*k {
                num = self.times(&num, f)?;
            }
        }
        // A constant numerator divides through instead of becoming a factor.
        if let Some(c) = r.num.as_constant() {
            return Some(Rational { num: num.scale(1.0 / c), den: Vec::new() });
        }
        Some(Rational { num, den: vec![(r.num, 1)] })
    }

    /// `a + b`, noting cancellations.
    fn plus(&mut self, mut a: Poly, b: &Poly) -> Poly {
        for (m, c) in &b.0 {
            let entry = a.0.entry(m.clone()).or_insert(0.0);
            *entry += c;
            if *entry == 0.0 {
                a.0.remove(m);
                self.cancelled = true;
            }
        }
        a
    }

    /// `a · b`, expanded, noting cancellations.
    fn times(&mut self, a: &Poly, b: &Poly) -> Option<Poly> {
        let mut out = Poly::default();
        for (ma, ca) in &a.0 {
            for (mb, cb) in &b.0 {
                let term = Poly(BTreeMap::from([(multiply(ma, mb), ca * cb)]));
                out = self.plus(out, &term);
            }
        }
        (out.0.len() <= MAX_TERMS).then_some(out)
    }

    fn expr(&self, r: &Rational) -> Expr {
        let num = self.poly(&r.num);
        let den = r.den.iter().fold(Expr::num(1.0), |acc, (f, k)| {
            let f = self.poly(f);
            Expr::bin(BinOp::Mul, acc, if *k == 1 { f } else { Expr::powi(f, *k as i32) })
        });
        simplify(&Expr::bin(BinOp::Div, num, den))
    }

    fn poly(&self, p: &Poly) -> Expr {
        let terms = p.0.iter().map(|(m, c)| {
            m.iter().fold(Expr::num(*c), |acc, (a, k)| {
                let atom = self.atoms[*a].clone();
                Expr::bin(BinOp::Mul, acc, if *k == 1 { atom } else { Expr::powi(atom, *k as i32) })
            })
        });
        terms.reduce(|a, b| Expr::bin(BinOp::Add, a, b)).unwrap_or(Expr::num(0.0))
    }
}

impl Poly {
    fn constant(c: f64) -> Poly {
        if c == 0.0 {
            Poly::default()
        } else {
            Poly(BTreeMap::from([(Vec::new(), c)]))
        }
    }

    fn scale(self, s: f64) -> Poly {
        Poly(self.0.into_iter().map(|(m, c)| (m, c * s)).collect())
    }

    fn as_constant(&self) -> Option<f64> {
        match self.0.iter().collect::<Vec<_>>()[..] {
            [(m, c)] if m.is_empty() => Some(*c),
            _ => None,
        }
    }
}

fn multiply(a: &Monomial, b: &Monomial) -> Monomial {
    let mut out = a.clone();
    for (atom, k) in b {
        match out.iter_mut().find(|(x, _)| x == atom) {
            Some((_, m)) => *m += k,
            None => out.push((*atom, *k)),
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_pattern;

    fn p(src: &str) -> Expr {
        parse_pattern(src).unwrap()
    }

    #[test]
    fn zero_through_common_denominators() {
        assert!(Normaliser::default().is_zero(&p("-e / s + e / s.powi(2) * s")));
        assert!(Normaliser::default().is_zero(&p("-1 + (-1 / s) * (-s)")));
        assert!(!Normaliser::default().is_zero(&p("a / s - a / t")));
    }

    #[test]
    fn numerators_expand_and_cancel() {
        let mut n = Normaliser::default();
        let e = n.normalise(&p("1 / (1 + o) * (g - (g + h) / (1 + o))")).unwrap();
        assert!(n.cancelled);
        assert_eq!(e.to_string(), "(g * o - h) / (1 + o).powi(2)");
        let mut n = Normaliser::default();
        n.normalise(&p("a * b + c")).unwrap();
        assert!(!n.cancelled);
    }
}

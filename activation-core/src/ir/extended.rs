//! A formula's value with an exponent range that does not overflow: an `f64` mantissa
//! beside an `i64` exponent. It answers one question for the probes (`passes/doubts.rs`):
//! is the truth NaN here — outside the formula's domain, `ln` of a negative number, `0/0`
//! — or is an `f64` NaN only an intermediate's overflow (`e^800 − e^800`, `0 · e^800`)
//! that a stable form avoids? MPFR, which the gradient checks take the truth from, has an
//! exponent range of about 2^±62; so has this. Its mantissa is an `f64`'s, so values are
//! about as accurate as `f64` evaluation where that does not overflow: enough to tell the
//! domain (a difference that cancels to a wrong sign under a square root is misjudged, as
//! in `f64`), not a reference for values.
//!
//! Each function is computed in `f64` where its argument and result fit, and from its
//! asymptotic form where they do not (e^u beyond ±700 from the exponent, erfc(u) far out
//! as e^-u²/(u√π), tanh u = u near 0, …). A value whose exponent leaves ±2^60 saturates to
//! 0 or ±∞ and is marked `saturated`, as MPFR's own overflow is: a NaN that comes from it is
//! not known to be the truth.

use crate::ir::expr::{BinOp, Func};
use crate::ir::tape::{Op, Tape};

/// Exponents beyond this saturate.
const LIMIT: i64 = 1 << 60;

/// `m · 2^e`, with 0.5 ≤ |m| < 1 (or `m` zero, infinite or NaN and `e` 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ext {
    m: f64,
    e: i64,
    /// Some step on the way saturated (an exponent beyond ±2^60).
    saturated: bool,
}

impl Ext {
    /// The value `v`.
    pub(crate) fn new(v: f64) -> Ext {
        Ext::scaled(v, 0)
    }

    /// `m · 2^e`, normalised.
    fn scaled(m: f64, e: i64) -> Ext {
        if m == 0.0 || !m.is_finite() {
            return Ext { m, e: 0, saturated: false };
        }
        let (mut m, mut e) = (m, e);
        let mut bits = (m.to_bits() >> 52) & 0x7ff;
        if bits == 0 {
            // Subnormal: bring it into the normal range first.
            m *= 2f64.powi(64);
            e -= 64;
            bits = (m.to_bits() >> 52) & 0x7ff;
        }
        let exp = bits as i64 - 1022;
        let m = f64::from_bits((m.to_bits() & !(0x7ff << 52)) | (1022 << 52));
        let e = e.saturating_add(exp);
        if e > LIMIT {
            Ext { m: m.signum() * f64::INFINITY, e: 0, saturated: true }
        } else if e < -LIMIT {
            Ext { m: m.signum() * 0.0, e: 0, saturated: true }
        } else {
            Ext { m, e, saturated: false }
        }
    }

    /// The value rounded to `f64` (0 or ±∞ where it is out of `f64`'s range).
    pub(crate) fn to_f64(self) -> f64 {
        if self.e > 1100 {
            self.m * f64::INFINITY
        } else if self.e < -1200 {
            self.m * 0.0
        } else {
            // In two steps, so that neither factor overflows on its own.
            let half = self.e / 2;
            self.m * 2f64.powi(half as i32) * 2f64.powi((self.e - half) as i32)
        }
    }

    /// Finite, and beyond `f64`'s range (`to_f64` gives ±∞).
    pub(crate) fn is_finite_beyond_f64(self) -> bool {
        self.m.is_finite() && self.m != 0.0 && !self.saturated && self.to_f64().is_infinite()
    }

    /// Finite, not saturated, and within `f64`'s range: an `f64` infinity in its place is an
    /// intermediate's overflow, not the value.
    pub(crate) fn is_finite_in_f64(self) -> bool {
        self.m.is_finite() && !self.saturated && self.to_f64().is_finite()
    }

    /// A NaN that is the truth: not one that a saturated exponent produced.
    pub(crate) fn is_domain_nan(self) -> bool {
        self.m.is_nan() && !self.saturated
    }

    /// An infinity that is the truth (a pole, `1/0`, `ln 0`): not a saturated exponent.
    pub(crate) fn is_pole(self) -> bool {
        self.m.is_infinite() && !self.saturated
    }

    /// An infinity or NaN that a saturated exponent produced: beyond MPFR's range too, so
    /// not known to be the truth.
    pub(crate) fn is_saturated_non_finite(self) -> bool {
        self.saturated && !self.m.is_finite()
    }

    /// log2 of the magnitude, for a finite nonzero value that did not saturate.
    pub(crate) fn log2_abs(self) -> Option<f64> {
        (self.m.is_finite() && self.m != 0.0 && !self.saturated).then(|| self.e as f64 + self.m.abs().log2())
    }

    /// Exactly 0: not a value whose exponent saturated (an underflow).
    pub(crate) fn is_exact_zero(self) -> bool {
        self.m == 0.0 && !self.saturated
    }

    fn with(self, saturated: bool) -> Ext {
        Ext { saturated: self.saturated || saturated, ..self }
    }

    fn is_nan(self) -> bool {
        self.m.is_nan()
    }

    /// Magnitude below 2^k (k ≤ 0): small enough for a function's first-order term.
    fn below(self, k: i64) -> bool {
        self.m == 0.0 || (self.m.is_finite() && self.e < k)
    }

    /// Magnitude at most about 700: the argument of an `exp` that fits in `f64`.
    fn moderate(self) -> bool {
        self.m.is_finite() && (self.e < 10 || (self.e == 10 && self.m.abs() < 700.0 / 1024.0))
    }

    fn neg(self) -> Ext {
        Ext { m: -self.m, ..self }
    }

    /// `self − o` as a number of its sign (0 where they are equal, NaN where either is
    /// NaN): what a comparison of the two decides by, with no underflow of the difference.
    pub(crate) fn difference_sign(self, o: Ext) -> f64 {
        self.add(o.neg()).m
    }

    fn abs(self) -> Ext {
        Ext { m: self.m.abs(), ..self }
    }

    fn add(self, o: Ext) -> Ext {
        let s = self.saturated || o.saturated;
        if self.is_nan() || o.is_nan() || self.m.is_infinite() || o.m.is_infinite() {
            // NaN and infinities as in `f64` (a true infinity is a pole: ∞ − ∞ is NaN).
            let inf = |v: Ext| if v.m.is_finite() { 0.0 } else { v.m };
            return Ext::new(inf(self) + inf(o)).with(s);
        }
        if o.m == 0.0 {
            return self.with(s);
        }
        if self.m == 0.0 {
            return o.with(s);
        }
        let (big, small) = if self.e >= o.e { (self, o) } else { (o, self) };
        let shift = big.e - small.e;
        if shift > 80 {
            return big.with(s);
        }
        Ext::scaled(big.m + small.m * 2f64.powi(-(shift as i32)), big.e).with(s)
    }

    fn mul(self, o: Ext) -> Ext {
        let s = self.saturated || o.saturated;
        if !self.m.is_finite() || !o.m.is_finite() || self.m == 0.0 || o.m == 0.0 {
            return Ext::new(self.m * o.m).with(s);
        }
        Ext::scaled(self.m * o.m, self.e.saturating_add(o.e)).with(s)
    }

    fn recip(self) -> Ext {
        if !self.m.is_finite() || self.m == 0.0 {
            return Ext::new(1.0 / self.m).with(self.saturated);
        }
        Ext::scaled(1.0 / self.m, -self.e).with(self.saturated)
    }

    fn div(self, o: Ext) -> Ext {
        if o.m == 0.0 || !o.m.is_finite() || self.m == 0.0 || !self.m.is_finite() {
            return Ext::new(self.m / o.m).with(self.saturated || o.saturated);
        }
        self.mul(o.recip())
    }

    /// The comparison of `f64`: `None` where either side is NaN.
    fn cmp(self, o: Ext) -> Option<std::cmp::Ordering> {
        if self.is_nan() || o.is_nan() {
            return None;
        }
        let sign = |v: Ext| {
            if v.m > 0.0 {
                1
            } else if v.m < 0.0 {
                -1
            } else {
                0
            }
        };
        let (a, b) = (sign(self), sign(o));
        if a != b || a == 0 {
            return Some(a.cmp(&b));
        }
        if !self.m.is_finite() || !o.m.is_finite() {
            return self.m.partial_cmp(&o.m);
        }
        let magnitude = self.e.cmp(&o.e).then(self.m.abs().partial_cmp(&o.m.abs())?);
        Some(if a > 0 { magnitude } else { magnitude.reverse() })
    }

    /// `f64::max`/`f64::min`: a NaN side is ignored.
    fn extremum(self, o: Ext, max: bool) -> Ext {
        match self.cmp(o) {
            None if self.is_nan() => o,
            None => self,
            Some(order) => {
                if (order == std::cmp::Ordering::Less) == max {
                    o
                } else {
                    self
                }
            }
        }
    }

    fn powi(self, n: i32) -> Ext {
        let mut result = Ext::new(1.0);
        let mut base = if n < 0 { self.recip() } else { self };
        let mut k = n.unsigned_abs();
        while k > 0 {
            if k & 1 == 1 {
                result = result.mul(base);
            }
            base = base.mul(base);
            k >>= 1;
        }
        result
    }

    /// ln|self| for a finite nonzero value.
    fn ln_abs(self) -> f64 {
        self.m.abs().ln() + self.e as f64 * std::f64::consts::LN_2
    }

    fn exp(self) -> Ext {
        if self.is_nan() {
            return self;
        }
        if self.moderate() {
            return Ext::new(self.to_f64().exp()).with(self.saturated);
        }
        let u = self.to_f64();
        if !u.is_finite() || u.abs() > 2f64.powi(59) {
            // e^u's exponent itself leaves the range.
            let v = if u > 0.0 { f64::INFINITY } else { 0.0 };
            return Ext { m: v, e: 0, saturated: true };
        }
        let k = (u / std::f64::consts::LN_2).floor();
        Ext::scaled((u - k * std::f64::consts::LN_2).exp(), k as i64).with(self.saturated)
    }

    fn ln(self) -> Ext {
        if self.is_nan() || self.m < 0.0 {
            return Ext::new(f64::NAN).with(self.saturated);
        }
        if self.m == 0.0 || self.m.is_infinite() {
            return Ext::new(self.m.ln()).with(self.saturated);
        }
        Ext::new(self.ln_abs()).with(self.saturated)
    }

    fn ln_1p(self) -> Ext {
        if self.below(-30) {
            return self;
        }
        if self.e > 60 {
            return self.ln();
        }
        Ext::new(self.to_f64().ln_1p()).with(self.saturated)
    }

    fn sqrt(self) -> Ext {
        if self.is_nan() || self.m < 0.0 {
            return Ext::new(f64::NAN).with(self.saturated);
        }
        if self.m == 0.0 || self.m.is_infinite() {
            return self;
        }
        let (m, e) = if self.e % 2 == 0 { (self.m, self.e) } else { (self.m * 2.0, self.e - 1) };
        Ext::scaled(m.sqrt(), e / 2).with(self.saturated)
    }

    /// `f` of the value in `f64`, for a function bounded on the whole line (so only tiny
    /// arguments need more than `f64`: `slope · u` there).
    fn bounded(self, f: fn(f64) -> f64, slope: f64) -> Ext {
        if self.below(-30) {
            return self.mul(Ext::new(slope));
        }
        Ext::new(f(self.to_f64())).with(self.saturated)
    }

    fn pow(self, b: Ext) -> Ext {
        let s = self.saturated || b.saturated;
        let (a64, b64) = (self.to_f64(), b.to_f64());
        let b_integer = b.m.is_finite() && b64.is_finite() && b64.fract() == 0.0;
        if b.m == 0.0 {
            return Ext::new(1.0).with(s);
        }
        if self.is_nan() || b.is_nan() {
            return Ext::new(f64::NAN).with(s);
        }
        if self.m == 0.0 || !self.m.is_finite() || !b.m.is_finite() {
            // Zeros and infinities as in `f64`, with the sign of the magnitude's exponent.
            let a = if self.m == 0.0 || !self.m.is_finite() { self.m } else { a64 };
            return Ext::new(a.powf(b64)).with(s);
        }
        if self.m < 0.0 && !b_integer {
            return Ext::new(f64::NAN).with(s);
        }
        if b_integer && b64.abs() <= 1024.0 {
            return self.powi(b64 as i32);
        }
        // |a|^b = e^(b ln|a|), with the sign of an odd integer power.
        let magnitude = b.mul(Ext::new(self.ln_abs())).exp();
        let odd = b_integer && b64.abs() < 2f64.powi(53) && (b64 % 2.0).abs() == 1.0;
        if self.m < 0.0 && odd {
            magnitude.neg()
        } else {
            magnitude
        }
    }

    /// `f` in `f64` (the interpreter's function, `ir::eval::call`).
    fn in_f64(self, f: Func) -> Ext {
        Ext::new(crate::ir::eval::call(f, self.to_f64())).with(self.saturated)
    }

    fn call(self, f: Func) -> Ext {
        let half_exp = |u: Ext| u.exp().mul(Ext::new(0.5));
        match f {
            Func::Exp => self.exp(),
            Func::ExpM1 if self.below(-30) => self,
            Func::ExpM1 if self.moderate() => Ext::new(self.to_f64().exp_m1()).with(self.saturated),
            Func::ExpM1 if self.m < 0.0 => Ext::new(-1.0).with(self.saturated),
            Func::ExpM1 => self.exp(),
            Func::Ln => self.ln(),
            Func::Ln1p => self.ln_1p(),
            Func::Sqrt => self.sqrt(),
            Func::Abs => self.abs(),
            Func::Tanh => self.bounded(f64::tanh, 1.0),
            Func::Sinh | Func::Cosh if self.moderate() => {
                let v = self.to_f64();
                Ext::new(if f == Func::Sinh { v.sinh() } else { v.cosh() }).with(self.saturated)
            }
            Func::Sinh => {
                let m = half_exp(self.abs());
                if self.m < 0.0 {
                    m.neg()
                } else {
                    m
                }
            }
            Func::Cosh => half_exp(self.abs()),
            Func::Atan => self.bounded(f64::atan, 1.0),
            Func::Sin | Func::Cos if self.e > 1000 => {
                // Finite in MPFR, beyond what `f64` can reduce: not known here.
                Ext { m: f64::NAN, e: 0, saturated: true }
            }
            Func::Sin => self.bounded(f64::sin, 1.0),
            Func::Cos => Ext::new(self.to_f64().cos()).with(self.saturated),
            Func::Sigmoid if self.m < 0.0 && !self.moderate() => self.exp(),
            Func::Sigmoid => self.in_f64(f),
            Func::Softplus if self.m < 0.0 && !self.moderate() => self.exp(),
            Func::Softplus if !self.moderate() => self,
            Func::Softplus => self.in_f64(f),
            Func::Erf if self.below(-30) => self.mul(Ext::new(std::f64::consts::FRAC_2_SQRT_PI)),
            Func::Erf => self.in_f64(f),
            Func::Erfc if self.m > 0.0 && self.e >= 5 => {
                // erfc u ≈ e^(−u²) / (u √π) beyond u = 16 (where `f64`'s erfc nears its
                // underflow).
                let u = self;
                u.mul(u).neg().exp().div(u.mul(Ext::new(std::f64::consts::PI.sqrt())))
            }
            Func::Erfc => self.in_f64(f),
            Func::Expm1SubUexp if self.moderate() => self.in_f64(f),
            // expm1(u) − u e^u: −1 − u e^u far left (→ −1), −u e^u far right.
            Func::Expm1SubUexp if self.m < 0.0 => Ext::new(-1.0).with(self.saturated),
            Func::Expm1SubUexp => self.mul(self.exp()).neg(),
        }
    }
}

/// Every node of `tape` in [`Ext`], the variables bound to `vars` (in the tape's order).
pub(crate) fn eval(tape: &Tape, vars: &[f64], values: &mut Vec<Ext>) {
    values.clear();
    for op in tape.ops() {
        let v = match *op {
            Op::Value(v) => Ext::new(v),
            Op::Var(i) => Ext::new(vars.get(i).copied().unwrap_or(f64::NAN)),
            Op::Neg(a) => values[a].neg(),
            Op::Powi(a, n) => values[a].powi(n),
            Op::Call(f, a) => values[a].call(f),
            Op::Bin(op, a, b) => {
                let (a, b) = (values[a], values[b]);
                match op {
                    BinOp::Add => a.add(b),
                    BinOp::Sub => a.add(b.neg()),
                    BinOp::Mul => a.mul(b),
                    BinOp::Div => a.div(b),
                    BinOp::Pow => a.pow(b),
                    BinOp::Max => a.extremum(b, true),
                    BinOp::Min => a.extremum(b, false),
                }
            }
            Op::If(op, lhs, rhs, a, b) => {
                let holds = values[lhs].cmp(values[rhs]).is_some_and(|o| {
                    use crate::ir::expr::CmpOp;
                    use std::cmp::Ordering::{Greater, Less};
                    match op {
                        CmpOp::Lt => o == Less,
                        CmpOp::Le => o != Greater,
                        CmpOp::Gt => o == Greater,
                        CmpOp::Ge => o != Less,
                    }
                });
                if holds {
                    values[a]
                } else {
                    values[b]
                }
            }
        };
        values.push(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    /// The written formula's value at `x` in [`Ext`].
    fn at(formula: &str, x: f64) -> Ext {
        let e = parse_formula(formula, &["x"]).unwrap();
        let mut tape = Tape::new(&["x"]);
        let root = tape.add(&e);
        let mut values = Vec::new();
        eval(&tape, &[x], &mut values);
        values[root]
    }

    #[test]
    fn a_nan_of_overflow_is_not_a_nan_of_the_domain() {
        // Finite truths whose `f64` evaluation overflows to NaN.
        for (f, x, truth) in [
            ("exp(x) - exp(x)", 800.0, 0.0),
            ("x / exp(x * x)", 40.0, 40.0 * (-1600f64).exp()),
            ("ln(exp(x))", -800.0, -800.0),
            ("sqrt(exp(x))", 800.0, f64::INFINITY),
            ("exp(x) / exp(x)", 1000.0, 1.0),
            ("ln(1 + exp(x).powi(2))", 400.0, 800.0),
            ("x * sigmoid(1 / exp(exp(exp(x))))", 2.0, 1.0),
            ("erfc(x) * exp(x * x)", 100.0, 1.0 / (100.0 * std::f64::consts::PI.sqrt())),
        ] {
            let v = at(f, x);
            assert!(!v.is_nan(), "{f} at {x}: {v:?}");
            let got = v.to_f64();
            assert!(
                (got - truth).abs() <= 1e-6 * truth.abs() || (got.is_infinite() && truth.is_infinite()),
                "{f} at {x}: {got} against {truth}"
            );
        }
    }

    #[test]
    fn nans_of_the_domain_are_found() {
        for f in ["1 / x", "ln(x.abs())", "x.powi(-2)"] {
            assert!(at(f, 0.0).is_pole(), "{f}: {:?}", at(f, 0.0));
        }
        assert!(!at("exp(exp(x))", 800.0).is_pole());
        for (f, x) in [
            ("ln(x)", -1.0),
            ("log1p(sqrt(x).abs())", -2.0),
            ("sqrt(x * x - 1)", 0.5),
            ("x / x", 0.0),
            ("x.powf(0.25)", -3.0),
            ("log1p(x - 3)", 1.0),
            ("ln(-exp(x))", 800.0),
        ] {
            assert!(at(f, x).is_domain_nan(), "{f} at {x}: {:?}", at(f, x));
        }
        // …and a NaN that saturation makes is not known to be one.
        let v = at("exp(exp(exp(x))) - exp(exp(exp(x)))", 30.0);
        assert!(v.is_nan() && !v.is_domain_nan(), "{v:?}");
        // A NaN side of `max` is ignored, as by `f64::max` and MPFR.
        assert_eq!(at("max(ln(x), 2)", -1.0).to_f64(), 2.0);
        // Negative bases with integer exponents are defined.
        assert_eq!(at("x.powf(3)", -2.0).to_f64(), -8.0);
    }
}

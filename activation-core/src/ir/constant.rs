//! The value of a constant subexpression — no input, no parameter: `2 / 0.001`,
//! `sqrt(2 / PI)`, `softplus(FRAC_1_SQRT_2).powi(12)`, `erfc(3)` — as a double-double, to
//! 2^-90 relatively or better, so that generated code can carry it as one number rounded once
//! (`emit::codegen`), as the truth is, instead of rounding each operation and each library
//! call in `T` and passing their errors on, amplified, to a result whose bar does not count
//! them (a constant has no condition in the input: `x · c¹²` owes 4 ULPs whatever `c` is).
//!
//! Arithmetic is the runtime's [`Dd`] (error-free sums and products, the arithmetic
//! compensated code runs on); the elementary functions are written here, by series, on
//! that arithmetic: they run at expansion time only, on a handful of numbers, so they are
//! chosen for being short and plainly right, not fast. `exp` reduces by ln 2 and by 2^10
//! and sums Taylor's series (squaring back as expm1, 2p + p², so nothing cancels); `log1p`
//! takes Newton steps on `expm1` from the `f64` value, and `ln` is log1p of its mantissa;
//! `atan` halves its argument's angle four times, then sums its series; `sin` and `cos` reduce by π/2;
//! `erf` sums its Taylor series up to 2.5, and `erfc` beyond that is Laplace's continued
//! fraction times e^(−x²). Where a value is not a finite normal `f64` number, or a function
//! is not defined there (ln of a negative number, `powf` of a non-positive base), there is
//! no value (`None`), and the caller computes the subexpression as it would without one.
//! `tests` check every function against MPFR.

use std::cell::RefCell;

use activation_runtime::Dd;

use crate::ir::expr::{BinOp, Expr, Func, Memo};
use crate::parse::parse_formula;

type D = Dd<f64>;

/// π as a double-double.
const PI: (f64, f64) = (std::f64::consts::PI, 1.2246467991473532e-16);
/// ln 2 as a double-double.
const LN_2: (f64, f64) = (std::f64::consts::LN_2, 2.3190468138462996e-17);

/// `(hi, lo)` of the constant subexpression `e`, or `None` (see the module's documentation).
///
/// Memoised per thread: the interpreters ask for the same constants at every point they
/// evaluate a form at, and `erfc`'s continued fraction is a few thousand operations.
pub(crate) fn value(e: &Expr) -> Option<(f64, f64)> {
    thread_local! {
        static VALUES: RefCell<Memo<Option<(f64, f64)>>> = RefCell::new(Memo::new());
    }
    if let Some(v) = VALUES.with(|m| m.borrow().get(e).copied()) {
        return v;
    }
    let v = dd(e)
        .map(|v| v.parts())
        .filter(|&(hi, lo)| hi.is_finite() && lo.is_finite() && (hi == 0.0 || hi.abs() >= f64::MIN_POSITIVE));
    VALUES.with(|m| m.borrow_mut().insert(e.clone(), v));
    v
}

/// The value of `e` as generated code computes it, where `e` is a constant subexpression
/// that code generation folds into one number (not a number, named constant or negated
/// one, which are emitted as they are, and one with a value): `Some(hi)`, which `T`
/// rounds once (`emit::codegen::folded_constant`; the interpreters ask here so that they
/// compute what the generated code does).
pub(crate) fn folded(e: &Expr) -> Option<f64> {
    let leaf = |e: &Expr| matches!(e, Expr::Num(_) | Expr::Const(_));
    if leaf(e) || matches!(e, Expr::Neg(a) if leaf(a)) || !e.is_constant() {
        return None;
    }
    value(e).map(|(hi, _)| hi)
}

/// `outputs` with every folded constant subtree ([`folded`]) replaced by the first one of
/// the same value: 3 · 0.044715 and 0.044715 + 2 · 0.044715 are one number, and code
/// generation, which shares equal subtrees, computes what they multiply once.
pub(crate) fn shared(outputs: &[Expr]) -> Vec<Expr> {
    let mut first: std::collections::HashMap<(u64, u64), Expr> = std::collections::HashMap::new();
    let mut one = |e: Expr| -> Expr {
        if folded(&e).is_none() {
            return e;
        }
        let Some((hi, lo)) = value(&e) else { return e };
        first.entry((hi.to_bits(), lo.to_bits())).or_insert(e).clone()
    };
    outputs.iter().map(|e| e.rewrite_dag(&mut one)).collect()
}

fn d(v: f64) -> D {
    D::new(v)
}

fn pi() -> D {
    D::from_parts(PI.0, PI.1)
}

/// `Some(v)` where `v` is finite (a NaN or infinity from the arithmetic: no value).
fn finite(v: D) -> Option<D> {
    let (hi, lo) = v.parts();
    (hi.is_finite() && lo.is_finite()).then_some(v)
}

fn dd(e: &Expr) -> Option<D> {
    let v = match e {
        Expr::Num(n) => d(n.0),
        Expr::Const(k) if k.info().name == "PI" => pi(),
        Expr::Const(k) => dd(&parse_formula(k.info().exact, &[]).ok()?)?,
        Expr::Neg(a) => -dd(a)?,
        Expr::Bin(op, a, b) => {
            let (a, b) = (dd(a)?, dd(b)?);
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b.parts().0 != 0.0 => a / b,
                BinOp::Pow if a.parts().0 > 0.0 => exp(b * ln(a)?)?,
                BinOp::Max => a.max(b),
                BinOp::Min => a.min(b),
                _ => return None,
            }
        }
        Expr::Powi(a, n) => powi(dd(a)?, *n)?,
        Expr::Call(f, a) => call(*f, dd(a)?)?,
        Expr::Var(_) | Expr::If(..) | Expr::Reduce(..) => return None,
    };
    finite(v)
}

fn select(c: bool, a: D, b: D) -> D {
    if c {
        a
    } else {
        b
    }
}

/// The sign of a normalised pair is its high part's.
fn negative(a: D) -> bool {
    a.parts().0 < 0.0
}

fn call(f: Func, a: D) -> Option<D> {
    match f {
        Func::Exp => exp(a),
        Func::ExpM1 => expm1(a),
        Func::Ln => ln(a),
        Func::Ln1p => log1p(a),
        Func::Sqrt if !negative(a) => finite(a.sqrt()),
        Func::Abs => Some(a.abs()),
        Func::Tanh => tanh(a),
        Func::Sinh => sinh(a),
        Func::Cosh => {
            let m = a.abs();
            finite(scale(exp(m)? + exp(-m).unwrap_or(d(0.0)), -1))
        }
        Func::Atan => atan(a),
        Func::Sin => sin_cos(a).map(|(s, _)| s).filter(|&s| !cancelled(s, a)),
        Func::Cos => sin_cos(a).map(|(_, c)| c).filter(|&c| !cancelled(c, a)),
        Func::Sigmoid => {
            // e^−|a| below the range: σ is 1, or below the range itself.
            let e = exp(-a.abs()).unwrap_or(d(0.0));
            Some(select(negative(a), e, d(1.0)) / (d(1.0) + e))
        }
        Func::Softplus => {
            let tail = match exp(-a.abs()) {
                Some(e) => log1p(e)?,
                None => d(0.0),
            };
            Some(select(negative(a), d(0.0), a) + tail)
        }
        Func::Erf => erf(a),
        Func::Erfc => erfc(a),
        _ => None,
    }
}

/// a^n by squaring; a negative n inverts at the end.
fn powi(a: D, n: i32) -> Option<D> {
    let (mut base, mut k, mut acc) = (a, n.unsigned_abs(), d(1.0));
    while k > 0 {
        if k & 1 == 1 {
            acc = acc * base;
        }
        k >>= 1;
        if k > 0 {
            base = base * base;
        }
    }
    if n < 0 {
        if acc.parts().0 == 0.0 {
            return None;
        }
        acc = d(1.0) / acc;
    }
    finite(acc)
}

/// Σ_{k=1}^{terms} s^k / k!, Horner from the last term (|s| small: every term below the
/// one before).
fn taylor_expm1(s: D, terms: u32) -> D {
    let mut acc = d(0.0);
    for k in (1..=terms).rev() {
        acc = (acc + d(1.0)) * s / d(f64::from(k));
    }
    acc
}

/// e^a − 1 for the reduced argument `r` (|r| ≤ 0.35): Taylor's series at r / 2^10, then
/// ten doublings as (1 + p)² − 1 = p (2 + p), which never cancels.
fn expm1_reduced(r: D) -> D {
    let mut p = taylor_expm1(r * d(2f64.powi(-10)), 12);
    for _ in 0..10 {
        p = p * (d(2.0) + p);
    }
    p
}

/// a = k ln 2 + r with |r| ≤ ln 2 / 2 (plus rounding).
fn reduce_ln2(a: D) -> (i32, D) {
    let k = (a.parts().0 / LN_2.0).round();
    (k as i32, a - d(k) * D::from_parts(LN_2.0, LN_2.1))
}

/// 2^k · v, exact wherever the result is normal: each part scaled by powers of two
/// (cheaper than a pair product), in two steps, since 2^k alone may leave `f64`'s range.
fn scale(v: D, k: i32) -> D {
    let (hi, lo) = v.parts();
    let half = k / 2;
    let (a, b) = (2f64.powi(half), 2f64.powi(k - half));
    D::from_parts(hi * a * b, lo * a * b)
}

fn exp(a: D) -> Option<D> {
    let hi = a.parts().0;
    if !(-745.0..=710.0).contains(&hi) {
        return None;
    }
    let (k, r) = reduce_ln2(a);
    finite(scale(d(1.0) + expm1_reduced(r), k))
}

fn expm1(a: D) -> Option<D> {
    let m = a.parts().0.abs();
    if m < 1e-150 {
        return Some(a);
    }
    if m < 1e-60 {
        return Some(a + a * a * d(0.5));
    }
    if m < 2f64.powi(-30) {
        // Five terms of the series (a⁵ stays above f64's normal range; the rest is below
        // 2^-150 relatively), so that no product in the Taylor sum underflows.
        return Some(taylor_expm1(a, 5));
    }
    if m < 0.35 {
        return Some(expm1_reduced(a));
    }
    Some(exp(a)? - d(1.0))
}

/// Newton on expm1 from the `f64` value: y ← y − (e^y − 1 − a) / e^y, twice (each step
/// squares the relative error; the `f64` start is within 2^-52).
fn log1p(a: D) -> Option<D> {
    let one_plus = d(1.0) + a;
    if one_plus.parts().0 <= 0.0 {
        return None;
    }
    if a.parts().0.abs() < 1e-150 {
        return Some(a);
    }
    let mut y = d(a.parts().0.ln_1p());
    for _ in 0..2 {
        let m = expm1(y)?;
        y = y - (m - a) / (d(1.0) + m);
    }
    finite(y)
}

/// ln a = e ln 2 + log1p(m − 1), a = 2^e m with m in [√½, √2] (exact scaling, and m − 1
/// exact).
fn ln(a: D) -> Option<D> {
    let hi = a.parts().0;
    if hi <= 0.0 {
        return None;
    }
    let mut e = hi.log2().floor() as i32;
    let mut m = scale(a, -e);
    if m.parts().0 > std::f64::consts::SQRT_2 {
        m = scale(m, -1);
        e += 1;
    }
    finite(d(f64::from(e)) * D::from_parts(LN_2.0, LN_2.1) + log1p(m - d(1.0))?)
}

/// tanh |a| = t / (t + 2), t = e^(2|a|) − 1, below 0.5; (1 − e) / (1 + e), e = e^(−2|a|),
/// above it; the sign of a.
fn tanh(a: D) -> Option<D> {
    let m = a.abs();
    let v = if m.parts().0 < 0.5 {
        let t = expm1(m + m)?;
        t / (t + d(2.0))
    } else if m.parts().0 > 360.0 {
        d(1.0)
    } else {
        let e = exp(-(m + m))?;
        (d(1.0) - e) / (d(1.0) + e)
    };
    Some(select(negative(a), -v, v))
}

/// sinh |a| = (t + t / (1 + t)) / 2, t = e^|a| − 1, below 1 (no cancellation near 0),
/// (e^|a| − e^−|a|) / 2 above; the sign of a.
fn sinh(a: D) -> Option<D> {
    let m = a.abs();
    let v = if m.parts().0 < 1.0 {
        let t = expm1(m)?;
        scale(t + t / (d(1.0) + t), -1)
    } else {
        scale(exp(m)? - exp(-m).unwrap_or(d(0.0)), -1)
    };
    let v = finite(v)?;
    Some(select(negative(a), -v, v))
}

/// atan: 1/|a| beyond 1 (π/2 − atan), the angle halved four times (atan a = 2 atan(a / (1 +
/// √(1 + a²)))) to below 0.05, and the series Σ (−1)^k a^(2k+1) / (2k + 1).
fn atan(a: D) -> Option<D> {
    let m = a.abs();
    if m.parts().0 < 2f64.powi(-60) {
        return Some(a);
    }
    let big = m.parts().0 > 1.0;
    let mut x = if big { d(1.0) / m } else { m };
    for _ in 0..4 {
        x = x / (d(1.0) + (d(1.0) + x * x).sqrt());
    }
    let x2 = x * x;
    let mut acc = d(0.0);
    for k in (0..16).rev() {
        let term = d(1.0) / d(f64::from(2 * k + 1));
        acc = select(k % 2 == 1, -term, term) + x2 * acc;
    }
    let mut v = x * acc * d(16.0);
    if big {
        v = pi() * d(0.5) - v;
    }
    finite(select(negative(a), -v, v))
}

/// Whether `v`, a sine or cosine of `a`, is below 2^-40 of max(|a|, 1): the reduction by
/// π/2 may have cancelled most of it (sin π), so it has no value.
fn cancelled(v: D, a: D) -> bool {
    v.parts().0.abs() < a.parts().0.abs().max(1.0) * 2f64.powi(-40)
}

/// (sin a, cos a): a = k π/2 + r, |r| ≤ π/4, Taylor's series of sin r and cos r, rotated
/// by k. Up to |a| = 1e5 (π/2 to 2^-106 loses no more than 2^-88 there).
fn sin_cos(a: D) -> Option<(D, D)> {
    let hi = a.parts().0;
    if hi.abs() > 1e5 {
        return None;
    }
    if hi.abs() < 2f64.powi(-60) {
        return Some((a, d(1.0)));
    }
    let half_pi = pi() * d(0.5);
    let k = (hi / half_pi.parts().0).round();
    let r = a - d(k) * half_pi;
    let r2 = r * r;
    let (mut s, mut c) = (d(0.0), d(0.0));
    for n in (0..14).rev() {
        // sin: Σ (−1)^n r^(2n+1)/(2n+1)!, cos: Σ (−1)^n r^(2n)/(2n)!, Horner in r².
        let fs = d(1.0) / factorial(2 * n + 1);
        let fc = d(1.0) / factorial(2 * n);
        s = select(n % 2 == 1, -fs, fs) + r2 * s;
        c = select(n % 2 == 1, -fc, fc) + r2 * c;
    }
    s = s * r;
    let (s, c) = match (k as i64).rem_euclid(4) {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    };
    Some((s, c))
}

fn factorial(n: u32) -> D {
    (1..=n).fold(d(1.0), |acc, k| acc * d(f64::from(k)))
}

/// erf: its Taylor series (2/√π) Σ (−1)^k a^(2k+1) / (k! (2k + 1)) up to |a| = 2.5 (the
/// largest term is about 2^4, so the alternating sum loses 4 bits of 106), 1 − erfc beyond.
fn erf(a: D) -> Option<D> {
    let m = a.abs();
    // Beyond 27, erfc is below 2^-1000 (no value): erf is 1 to far below an ULP.
    let v = if m.parts().0 <= 2.5 { erf_series(m) } else { d(1.0) - erfc_far(m).unwrap_or(d(0.0)) };
    Some(select(negative(a), -v, v))
}

fn erfc(a: D) -> Option<D> {
    let hi = a.parts().0;
    if hi > 2.5 {
        return erfc_far(a);
    }
    if hi < -2.5 {
        return Some(d(2.0) - erfc_far(-a).unwrap_or(d(0.0)));
    }
    Some(d(1.0) - erf_series(a))
}

fn erf_series(a: D) -> D {
    if a.parts().0.abs() < 2f64.powi(-60) {
        return a * two_over_sqrt_pi();
    }
    let a2 = a * a;
    // Terms a^(2k+1) / k! / (2k+1), summed until they are below 2^-110 of the first.
    let (mut sum, mut power) = (d(0.0), a);
    for k in 0..80u32 {
        let term = power / d(f64::from(2 * k + 1));
        sum = select(k % 2 == 1, sum - term, sum + term);
        if term.parts().0.abs() < 2f64.powi(-110) * a.parts().0.abs() {
            break;
        }
        power = power * a2 / d(f64::from(k + 1));
    }
    sum * two_over_sqrt_pi()
}

fn two_over_sqrt_pi() -> D {
    d(2.0) / pi().sqrt()
}

/// erfc a for a > 2.5: e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …)))), Laplace's
/// continued fraction, evaluated from its 2000th term back.
fn erfc_far(a: D) -> Option<D> {
    let mut f = a;
    for n in (1..=2000).rev() {
        f = a + d(f64::from(n) * 0.5) / f;
    }
    let e = exp(-(a * a))?;
    finite(e / (pi().sqrt() * f))
}

#[cfg(test)]
mod low_parts {
    use super::*;

    #[test]
    fn constants_carry_their_low_part() {
        let c = value(&parse_formula("sqrt(2 / PI)", &[]).unwrap()).unwrap();
        assert_eq!(c.0, (2.0 / std::f64::consts::PI).sqrt());
        // sqrt(2/π) = 0.797884560802865355879892119868763736951717…, whose f64 is
        // 0.797884560802865405726436165423365…: the low part is the difference.
        assert!((c.1 + 4.98465440455546e-17).abs() < 1e-31, "{c:?}");
        // Library calls of constants have values too, and variables none.
        let ln2 = value(&parse_formula("ln(2)", &[]).unwrap()).unwrap();
        assert_eq!(ln2, (std::f64::consts::LN_2, 2.3190468138462996e-17));
        assert!(value(&parse_formula("ln(x)", &["x"]).unwrap()).is_none());
    }

    #[test]
    fn constants_of_one_value_are_one_node() {
        let f = |s: &str| parse_formula(s, &["x"]).unwrap();
        // 3 · 0.044715 and 0.044715 + 0.08943 are the same real number (0.08943 is
        // 2 · 0.044715 exactly), which neither rounds to nor is written as one `f64`.
        let out = shared(&[f("1 + 3 * 0.044715 * x"), f("x * (1 + (0.044715 + 0.08943) * x)")]);
        let mut constants = Vec::new();
        for e in &out {
            e.visit(&mut |n| {
                if folded(n).is_some() {
                    constants.push(n.clone());
                }
            });
        }
        assert_eq!(constants.len(), 2, "{out:?}");
        assert_eq!(constants[0], constants[1]);
        assert_eq!(out[0], f("1 + 3 * 0.044715 * x"));
        // Other values, and numbers as written, stay as they are.
        let apart = [f("3 * 0.044715 * x"), f("0.1 * 3 * x"), f("0.134145 * x")];
        assert_eq!(shared(&apart), apart);
    }
}

#[cfg(all(test, feature = "mpfr"))]
mod tests {
    use super::*;
    use rug::float::Constant;
    use rug::ops::Pow;
    use rug::Float;

    const PREC: u32 = 300;

    /// The error of the double-double value of `text` against MPFR's `reference`, relative
    /// to |reference| + 2^-1000 (near the bottom of `f64`'s range the low part is subnormal
    /// or 0, and holds less than 106 bits: 2^-1074 absolutely is all the rounding to
    /// `f64` needs there).
    fn error(text: &str, reference: Float) -> f64 {
        let e = parse_formula(text, &[]).unwrap();
        let (hi, lo) = value(&e).unwrap_or_else(|| panic!("no value for {text}"));
        let ours = Float::with_val(PREC, hi) + lo;
        let scale = Float::with_val(PREC, reference.clone().abs() + Float::with_val(PREC, 2f64.powi(-970)));
        (Float::with_val(PREC, &ours - &reference).abs() / scale).to_f64()
    }

    fn f(v: f64) -> Float {
        Float::with_val(PREC, v)
    }

    /// Every function at arguments across its range, against MPFR: within 2^-90 (sin and cos lose bits to the reduction by π/2 at large arguments where their value is small).
    #[test]
    fn every_function_matches_mpfr_to_2_pow_minus_90() {
        let args = [
            -700.0, -300.0, -40.0, -26.0, -9.5, -3.0, -2.6, -2.4, -1.0, -0.7, -0.3, -1e-3, -1e-9, 1e-12, 1e-5, 0.01,
            0.1, 0.3, 0.34, 0.36, 0.5, 0.75, 1.0, 1.5, 2.0, 2.49, 2.51, 3.3, 5.0, 7.0, 10.0, 20.0, 26.0, 40.0, 99.0,
            700.0,
        ];
        let mut worst = (0.0, String::new());
        for &v in &args {
            let a = f(v);
            let mut cases: Vec<(String, Float)> = vec![
                (format!("exp({v:e})"), a.clone().exp()),
                (format!("expm1({v:e})"), a.clone().exp_m1()),
                (format!("tanh({v:e})"), a.clone().tanh()),
                (format!("sinh({v:e})"), a.clone().sinh()),
                (format!("cosh({v:e})"), a.clone().cosh()),
                (format!("atan({v:e})"), a.clone().atan()),
                (format!("sigmoid({v:e})"), (f(1.0) + (-a.clone()).exp()).recip()),
                (format!("softplus({v:e})"), (f(1.0) + a.clone().exp()).ln()),
                (format!("erf({v:e})"), a.clone().erf()),
                (format!("erfc({v:e})"), a.clone().erfc()),
            ];
            if v > 0.0 {
                cases.push((format!("ln({v:e})"), a.clone().ln()));
                cases.push((format!("sqrt({v:e})"), a.clone().sqrt()));
                cases.push((format!("({v:e}).powf(0.37)"), a.clone().pow(f(0.37))));
                cases.push((format!("({v:e}).powf(-2.5)"), a.clone().pow(f(-2.5))));
            }
            if v > -1.0 {
                cases.push((format!("log1p({v:e})"), a.clone().ln_1p()));
            }
            if v.abs() < 1e5 {
                cases.push((format!("sin({v:e})"), a.clone().sin()));
                cases.push((format!("cos({v:e})"), a.clone().cos()));
            }
            for (text, reference) in cases {
                // Values outside f64's normal range have none (tested below).
                let r = reference.to_f64();
                if !(r.is_finite() && r.abs() >= f64::MIN_POSITIVE) {
                    continue;
                }
                let err = error(&text, reference);
                if err > worst.0 {
                    worst = (err, text.clone());
                }
                assert!(err < 2f64.powi(-90), "{text}: relative error {err:e}");
            }
        }
        eprintln!("worst: {:e} at {}", worst.0, worst.1);
    }

    /// Compositions: errors do not build up through the arithmetic (`softplus(c)^12`, the
    /// fuzzer's f401, rounded in `f64` at each step, was 9 ULPs off).
    #[test]
    fn compositions_match_mpfr() {
        // The named constant is 1/√2 itself (its double-double), not its `f64` rounding.
        let c = f(2.0).sqrt().recip();
        let softplus = (f(1.0) + c.clone().exp()).ln();
        assert!(
            error("softplus(FRAC_1_SQRT_2).powi(4).powi(3)", Float::with_val(PREC, softplus.pow(12u32)))
                < 2f64.powi(-90)
        );
        let pi = Float::with_val(PREC, Constant::Pi);
        let erf = (f(2.0) / pi.clone()).sqrt().erf();
        assert!(error("erf(sqrt(2 / PI))", erf) < 2f64.powi(-90));
        let e = f(3.0).ln() / Float::with_val(PREC, f(0.5).sqrt().exp_m1().pow(2u32));
        assert!(error("ln(3) / sqrt(0.5).exp_m1().powi(2)", e) < 2f64.powi(-90));
        let m = (f(1.5).pow(f(1.5)) / f(0.5).atan()).max(&f(1.0).erfc());
        assert!(error("max(1.5.powf(1.5) / atan(0.5), erfc(1))", m) < 2f64.powi(-90));
    }

    /// No value where there is none to give: outside a function's domain, where the value
    /// leaves `f64`'s normal range, and where sin or cos cancels to nearly nothing (sin π:
    /// the reduction's error could be all of it). Their other values stay.
    #[test]
    fn no_value_outside_the_domain_or_the_normal_range() {
        for text in [
            "ln(-1)",
            "ln(0)",
            "log1p(-2)",
            "sqrt(-1)",
            "(-2.0).powf(0.5)",
            "(0.0).powf(2.0)",
            "exp(800)",
            "exp(-720)",
            "erfc(30)",
            "1 / 0",
            "(0.0).powi(-1)",
            "sin(1e6)",
            "sin(PI)",
            "cos(FRAC_PI_2)",
        ] {
            let e = parse_formula(text, &[]).unwrap();
            assert_eq!(value(&e), None, "{text}");
        }
        let e = parse_formula("ln(x)", &["x"]).unwrap();
        assert_eq!(value(&e), None);
        for (text, v) in [("cos(PI)", -1.0), ("sin(FRAC_PI_2)", 1.0)] {
            assert_eq!(value(&parse_formula(text, &[]).unwrap()).map(|(hi, _)| hi), Some(v), "{text}");
        }
    }
}

//! Text for the analysed values: numbers to 6 significant digits and the property types,
//! in plain ASCII (`inf`, `<=`) so every output format can take them as they are.

use super::{End, Interval, Limit, Location, Monotonicity, Range, Side, Sided, Smoothness, Threshold};

/// `v` to 6 significant digits, trailing zeros dropped: `0.25`, `-0.278465`, `9.53674e-7`,
/// `inf`. Plain notation from 1e-4 to 1e6, scientific outside.
pub fn sig(v: f64) -> String {
    if v.is_nan() {
        return "undefined".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return "0".into();
    }
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("`e` formatting has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        trim(&format!("{v:.decimals$}")).to_string()
    } else {
        format!("{}e{exp}", trim(mantissa))
    }
}

fn trim(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A limit: a number, `inf`, `-inf` or `undefined`.
pub fn limit(l: Limit) -> String {
    sig(l.value())
}

/// `(0, 1)`, `[0, inf)`: a bracket is closed when the value is reached.
pub fn range(r: &Range) -> String {
    let End { value: lo, closed: lc } = r.lo;
    let End { value: hi, closed: hc } = r.hi;
    format!("{}{}, {}{}", if lc { '[' } else { '(' }, sig(lo), sig(hi), if hc { ']' } else { ')' })
}

/// A value, or at a kink the one-sided limits `left / right` (and the value in the middle
/// when it is neither).
pub fn sided(s: Sided) -> String {
    match s {
        Sided::Value(v) => sig(v),
        Sided::Kink { left, at, right } if at == left || at == right => format!("{} / {}", sig(left), sig(right)),
        Sided::Kink { left, at, right } => format!("{} / {} / {}", sig(left), sig(at), sig(right)),
    }
}

/// An interval as a condition on x: `x <= 0`, `-1 <= x <= 1`, `all x`.
pub fn interval(i: &Interval, x: &str) -> String {
    let op = |closed: bool| if closed { "<=" } else { "<" };
    match (i.lo.is_finite(), i.hi.is_finite()) {
        (false, false) => format!("all {x}"),
        (true, false) => format!("{x} {} {}", if i.lo_closed { ">=" } else { ">" }, sig(i.lo)),
        (false, true) => format!("{x} {} {}", op(i.hi_closed), sig(i.hi)),
        (true, true) => format!("{} {} {x} {} {}", sig(i.lo), op(i.lo_closed), op(i.hi_closed), sig(i.hi)),
    }
}

/// Where a supremum is reached: `0`, `x >= 0`, `x -> 3-` (beside a breakpoint), `x -> +inf`.
pub fn location(l: &Location, x: &str) -> String {
    match l {
        Location::At(v) => sig(*v),
        Location::On(i) => interval(i, x),
        Location::Beside { at, side: Side::Left } => format!("{x} -> {}-", sig(*at)),
        Location::Beside { at, side: Side::Right } => format!("{x} -> {}+", sig(*at)),
        Location::Towards(Side::Left) => format!("{x} -> -inf"),
        Location::Towards(Side::Right) => format!("{x} -> +inf"),
    }
}

/// A threshold on `side`: `x < -6.90575`, `x > 0`, `none`, `everywhere`.
pub fn threshold(t: Threshold, side: Side, x: &str) -> String {
    match (t, side) {
        (Threshold::Never, _) => "none".into(),
        (Threshold::Everywhere, _) => "everywhere".into(),
        (Threshold::Beyond(v), Side::Left) => format!("{x} < {}", sig(v)),
        (Threshold::Beyond(v), Side::Right) => format!("{x} > {}", sig(v)),
    }
}

/// `C0`, `C1`, …, `C8+`, `C-infinity`, `discontinuous`.
pub fn smoothness(s: Smoothness) -> String {
    match s {
        Smoothness::Discontinuous => "discontinuous".into(),
        Smoothness::C(k) => format!("C{k}"),
        Smoothness::AtLeast(k) => format!("C{k}+"),
        Smoothness::Infinite => "C-infinity".into(),
    }
}

/// `increasing`, `non-decreasing`, …, `no`.
pub fn monotonicity(m: Monotonicity) -> String {
    match m {
        Monotonicity::Increasing => "increasing",
        Monotonicity::NonDecreasing => "non-decreasing",
        Monotonicity::Decreasing => "decreasing",
        Monotonicity::NonIncreasing => "non-increasing",
        Monotonicity::Constant => "constant",
        Monotonicity::No => "no",
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_significant_digits() {
        assert_eq!(sig(-0.2784645427610738), "-0.278465");
        assert_eq!(sig(0.25), "0.25");
        assert_eq!(sig(1.099_839_320_128_867), "1.09984");
        assert_eq!(sig(0.25f64.powi(10)), "9.53674e-7");
        assert_eq!(sig(2.0f64.sqrt()), "1.41421");
        assert_eq!(sig(123456.7), "123457");
        assert_eq!(sig(1234567.0), "1.23457e6");
        assert_eq!(sig(9.999996), "10");
        assert_eq!(sig(1e-4), "0.0001");
        assert_eq!(sig(-745.133), "-745.133");
    }
}

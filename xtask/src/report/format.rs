//! Text for the analysed values: numbers to 6 significant digits and the property types,
//! in plain ASCII (`inf`, `<=`) so every output format can take them as they are.

use activation_core::analysis::{
    End, Interval, Limit, Location, Monotonicity, Range, Side, Sided, Smoothness, Threshold,
};

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

/// A limit: a number, `inf`, `-inf`, `oscillating` (there is none) or `undefined` (not
/// decided).
pub fn limit(l: Limit) -> String {
    match l {
        Limit::Oscillating => "oscillating".into(),
        _ => sig(l.value()),
    }
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

/// Plain text of the analysis (ASCII: `<=`, `->`, `inf`, `eps`, `` `code` ``) in another
/// markup: each ASCII symbol of `symbols` replaced (a word such as `inf` only whole, not
/// the `inf` of `infinity`), code spans between `code.0` and `code.1` (taken as they are),
/// every other character through `escape`.
pub fn markup(s: &str, symbols: &[(&str, &str)], code: (&str, &str), escape: impl Fn(char, &mut String)) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut rest = s;
    'scan: while let Some(c) = rest.chars().next() {
        let word_start = !out.chars().last().is_some_and(|p| p.is_ascii_alphabetic());
        for (from, to) in symbols.iter().filter(|(from, _)| !in_code && rest.starts_with(from)) {
            let whole = !from.ends_with(|c: char| c.is_ascii_alphabetic())
                || (word_start && !rest[from.len()..].starts_with(|c: char| c.is_ascii_alphabetic()));
            if whole {
                out.push_str(to);
                rest = &rest[from.len()..];
                continue 'scan;
            }
        }
        if c == '`' {
            out.push_str(if in_code { code.1 } else { code.0 });
            in_code = !in_code;
        } else {
            escape(c, &mut out);
        }
        rest = &rest[c.len_utf8()..];
    }
    if in_code {
        out.push_str(code.1);
    }
    out
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
        // swish's minimum, -1 - W(1/e), and its value there.
        assert_eq!(sig(-1.278_464_542_761_074), "-1.27846");
        assert_eq!(sig(-0.278_464_542_761_073_8), "-0.278465");
        assert_eq!(sig(f64::NEG_INFINITY), "-inf");
        assert_eq!(sig(f64::NAN), "undefined");
    }

    #[test]
    fn ranges_intervals_and_locations() {
        let end = |value: f64, closed: bool| End { value, closed };
        assert_eq!(range(&Range { lo: end(0.0, true), hi: end(f64::INFINITY, false) }), "[0, inf)");
        assert_eq!(range(&Range { lo: end(0.0, false), hi: end(1.0, false) }), "(0, 1)");
        assert_eq!(range(&Range { lo: end(-1.0, true), hi: end(1.0, true) }), "[-1, 1]");
        let right = Interval { lo: 0.0, hi: f64::INFINITY, lo_closed: false, hi_closed: false };
        assert_eq!(location(&Location::On(right), "x"), "x > 0");
        let middle = Interval { lo: -1.0, hi: 1.0, lo_closed: true, hi_closed: true };
        assert_eq!(location(&Location::On(middle), "x"), "-1 <= x <= 1");
        assert_eq!(location(&Location::Beside { at: 3.0, side: Side::Left }, "x"), "x -> 3-");
        assert_eq!(location(&Location::Towards(Side::Right), "x"), "x -> +inf");
        let left = Interval { lo: f64::NEG_INFINITY, hi: 0.0, lo_closed: false, hi_closed: true };
        assert_eq!(interval(&left, "x"), "x <= 0");
        assert_eq!(threshold(Threshold::Beyond(-6.905_75), Side::Left, "x"), "x < -6.90575");
        assert_eq!(threshold(Threshold::Never, Side::Right, "x"), "none");
        assert_eq!(sided(Sided::Kink { left: 0.0, at: 0.0, right: 1.0 }), "0 / 1");
        assert_eq!(smoothness(Smoothness::C(0)), "C0");
        assert_eq!(monotonicity(Monotonicity::NonDecreasing), "non-decreasing");
        assert_eq!(limit(Limit::NegInf), "-inf");
        assert_eq!(limit(Limit::Oscillating), "oscillating");
    }
}

//! The accuracy contract over a small sample of the whole range, in CI: every generated
//! function of every catalog activation, in f64 and f32, against MPFR. The full table,
//! over 100,000 inputs per function, is `cargo xtask accuracy`.

use activation_core::accuracy::measure;

/// Inputs per function and precision: enough to reach the tails, the breakpoints and the
/// overflow edges (always included) in a CI-sized run.
const SAMPLES: usize = 300;

#[test]
fn catalog_within_the_accuracy_bar_everywhere() {
    let mut failures = Vec::new();
    for a in activation::catalog::all() {
        for row in measure(a.as_ref(), SAMPLES) {
            for (ty, s) in [("f64", &row.ours_f64), ("f32", &row.ours_f32)] {
                if s.non_finite_or_zero > 0 {
                    failures.push(format!(
                        "{} {} ({ty}): NaN, inf or 0 where the truth is normal: {s:?}",
                        row.activation, row.function
                    ));
                }
                if let Some((x, ulps, bound)) = s.first_over_bar {
                    failures.push(format!(
                        "{} {} ({ty}) at x = {x:e}: {ulps:.3e} ULPs, bound {bound:.1}",
                        row.activation, row.function
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn piecewise_linear_results_are_exact() {
    for name in ["relu", "leaky_relu", "prelu", "hardtanh"] {
        let a = activation::catalog::all().into_iter().find(|a| a.name() == name).unwrap();
        for row in measure(a.as_ref(), SAMPLES) {
            assert_eq!(row.ours_f64.max_ulps, 0.0, "{name} {}", row.function);
            assert_eq!(row.ours_f32.max_ulps, 0.0, "{name} {}", row.function);
        }
    }
}

/// Plain rational forms that round more than once are kept plain only where they are exact
/// wherever their truth is representable (`passes/compensate.rs`,
/// `exact_where_representable`, a probe). Checked here on many more inputs, against exact
/// arithmetic written for each formula: softsign x/(1 + |x|) and hardsigmoid's x/6 + 1/2.
/// In `f32`, every 61st bit pattern (35 million inputs) with the truth computed in `f64`,
/// where x + 3 and 1 + |x| are exact for |x| ≥ 2^-29 and the quotient's residual, by a fused
/// multiply-add, is 0 only where it is exact; in `f64`, x = ±(2^j − 1), where softsign's
/// truth is representable, and a million short-significand inputs to hardsigmoid.
#[test]
fn plain_rational_forms_are_exact_wherever_their_truth_is_representable() {
    use activation::catalog::{Hardsigmoid, Softsign};
    use activation::Activation;
    // The exact quotient n/d in f64, if it is one (n, d exact).
    let exact_quotient = |n: f64, d: f64| {
        let q = n / d;
        (q.mul_add(d, -n) == 0.0).then_some(q)
    };
    let mut checked = [0u32; 2];
    for bits in (0..=u32::MAX).step_by(61) {
        let x = f32::from_bits(bits);
        let w = f64::from(x);
        if !x.is_finite() || w.abs() < 2f64.powi(-29) {
            continue;
        }
        if let Some(q) = exact_quotient(w, 1.0 + w.abs()).filter(|q| f64::from(*q as f32) == *q) {
            assert_eq!(f64::from(Softsign.forward(x)), q, "softsign f32 at {x:e}");
            checked[0] += 1;
        }
        if w.abs() < 3.0 {
            if let Some(q) = exact_quotient(w + 3.0, 6.0).filter(|q| f64::from(*q as f32) == *q) {
                assert_eq!(f64::from(Hardsigmoid.forward(x)), q, "hardsigmoid f32 at {x:e}");
                checked[1] += 1;
            }
        }
    }
    assert!(checked[0] >= 40 && checked[1] > 200_000, "{checked:?}");
    for j in 1..=53 {
        let x = 2f64.powi(j) - 1.0;
        assert_eq!(Softsign.forward(x), x / 2f64.powi(j), "softsign f64 at {x:e}");
        assert_eq!(Softsign.forward(-x), -x / 2f64.powi(j), "softsign f64 at {:e}", -x);
    }
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut hits = 0;
    for _ in 0..1_000_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // A significand of up to 48 bits, scaled into (−3, 3).
        let k = (state >> 16) as f64 * if state & 1 == 0 { 1.0 } else { -1.0 };
        let x = k * 2f64.powi(-46 - (state >> 58) as i32 % 8);
        if let Some(q) = exact_quotient(x + 3.0, 6.0).filter(|_| x.abs() < 3.0 && (x + 3.0) - 3.0 == x) {
            assert_eq!(Hardsigmoid.forward(x), q, "hardsigmoid f64 at {x:e}");
            hits += 1;
        }
    }
    assert!(hits > 100_000, "{hits}");
}

/// softsign′ = 1/(1 + |x|)² and softsign″ = −2 sgn(x)/(1 + |x|)³ run in untested pairs
/// (`DdLean`) where |x| is within the bound `emit::lean` proves (2^29, 2^19), and in `Dd`
/// beyond: within 0.5 + 2^-16 ULPs wherever the result is normal, both paths. In `f32`, every 997th bit
/// pattern against `f64` arithmetic (1 + |x| exact, two more roundings: within 2^-50
/// relative, 2^-26 of an `f32` ULP); in `f64`, 200,000 inputs with exponents from −60 to
/// 120, against MPFR.
#[test]
fn softsigns_derivatives_are_within_half_an_ulp_on_both_sides_of_the_lean_bound() {
    use activation::catalog::Softsign;
    use activation::Activation;
    use rug::{ops::Pow, Float};
    let ulps32 = |got: f32, truth: f64| {
        let spacing = f64::from(f32::from_bits((truth as f32).abs().to_bits() + 1)) - f64::from((truth as f32).abs());
        (f64::from(got) - truth).abs() / spacing
    };
    let mut lean = 0;
    for bits in (0..=u32::MAX).step_by(997) {
        let x = f32::from_bits(bits);
        if !x.is_finite() {
            continue;
        }
        let d = 1.0 + f64::from(x).abs();
        let (first, second) = (1.0 / (d * d), -2.0 * f64::from(x.signum()) / (d * d * d));
        // (Below `f32`'s normal range the plain code decides, within the bar.)
        if first >= f64::from(f32::MIN_POSITIVE) {
            let e1 = ulps32(Softsign.derivative(x), first);
            assert!(e1 <= 0.5 + 2f64.powi(-16), "softsign′ f32 at {x:e}: {e1} ULPs");
        }
        if x != 0.0 && second.abs() >= f64::from(f32::MIN_POSITIVE) {
            let e2 = ulps32(Softsign.second_derivative(x), second);
            assert!(e2 <= 0.5 + 2f64.powi(-16), "softsign″ f32 at {x:e}: {e2} ULPs");
        }
        lean += usize::from(x.abs() <= 2f32.powi(29));
    }
    assert!(lean > 2_000_000, "{lean}");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        // Any sign and significand, exponents from 2^-60 to 2^120.
        let m = f64::from_bits((state >> 12) | 0x3FF0_0000_0000_0000);
        let x = m * 2f64.powi((state % 181) as i32 - 60) * if state >> 63 == 0 { 1.0 } else { -1.0 };
        let d = Float::with_val(256, 1.0 + Float::with_val(256, x.abs()));
        let truths = [d.clone().pow(-2i32), d.pow(-3i32) * (-2.0 * x.signum())];
        for (got, truth, which) in
            [(Softsign.derivative(x), &truths[0], "′"), (Softsign.second_derivative(x), &truths[1], "″")]
        {
            let t = truth.to_f64().abs();
            let spacing = f64::from_bits(t.to_bits() + 1) - t;
            let err = (Float::with_val(256, got) - truth).abs().to_f64() / spacing;
            assert!(err <= 0.5 + 2f64.powi(-16), "softsign{which} f64 at {x:e}: {err} ULPs");
        }
    }
}

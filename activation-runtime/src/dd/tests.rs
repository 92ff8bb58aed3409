use super::{Dd, DdPair};

/// Exact to about 2^-100 relative in `f64`, so these compare against closed forms at
/// 1e-30 where a plain `f64` would be off by 1e-17.
fn close(a: Dd<f64>, truth_hi: f64, truth_lo: f64, tol: f64) {
    let (hi, lo) = a.parts();
    let err = (hi - truth_hi) + (lo - truth_lo);
    assert!(err.abs() <= tol * truth_hi.abs(), "{a:?} vs {truth_hi:e} + {truth_lo:e}");
}

#[test]
fn arithmetic_is_exact_to_twice_the_precision() {
    // 1/3 · 3 − 1 is exactly 0 in pairs; in f64 it is not representable as a third.
    let third = Dd::<_>::new(1.0f64) / Dd::<_>::new(3.0);
    assert!((third * Dd::<_>::new(3.0) - Dd::<_>::new(1.0)).parts().0.abs() < 1e-32);
    // (1 + 2^-60)^2 = 1 + 2^-59 + 2^-120: the 2^-59 survives.
    let a = Dd::<_>::from_parts(1.0f64, 2f64.powi(-60));
    close(a.powi(2), 1.0, 2f64.powi(-59), 1e-32);
    for n in [-3, 0, 1, 3, 4, 5, 6, 7, 8, 12] {
        let plain = 1.1f64.powi(n);
        assert!((Dd::<_>::new(1.1f64).powi(n).parts().0 - plain).abs() <= 4e-16 * plain, "{n}");
    }
    close(Dd::<_>::new(2.0f64).sqrt(), std::f64::consts::SQRT_2, -9.667293313452913e-17, 1e-31);
}

#[test]
fn sigmoid_and_tanh_round_only_their_exp() {
    // σ(0) = 1/2, tanh(1) = 0.76159415595576488811945828260479…
    close(Dd::<_>::new(0.0f64).sigmoid(), 0.5, 0.0, 1e-32);
    // (the pair is off by e^-2's rounding, damped: a fraction of 2^-53, not 1e-30)
    close(Dd::<_>::new(1.0f64).tanh(), 0.7615941559557649, 3.7090214482164924e-17, 3e-17);
    let t = Dd::<_>::new(-1.0f64).tanh();
    assert!((t.parts().0 + 0.7615941559557649).abs() < 1e-16);
}

#[test]
fn sigmoid_pair_agrees_with_two_sigmoids() {
    for u in [-30.0f64, -2.5, -0.1, 0.0, 0.7, 4.0, 36.0] {
        let u = Dd::<_>::from_parts(u, u * 1e-17);
        let (a, b) = u.sigmoid_pair();
        let (c, d) = (u.sigmoid(), (-u).sigmoid());
        for (x, y) in [(a, c), (b, d)] {
            let ((xh, xl), (yh, yl)) = (x.parts(), y.parts());
            let diff = (xh - yh) + (xl - yl);
            assert!(diff.abs() <= 1e-16 * yh, "{u:?}: {x:?} vs {y:?}");
        }
    }
}

#[test]
fn underflowed_factors_poison_the_pair() {
    // σ(-800) ≈ 3.7e-348 has underflowed f64 entirely; e^800 · σ(-800) would be 1.
    let (_, small) = Dd::<_>::new(100.0f64).sigmoid_pair();
    assert!(small.parts().1.is_finite());
    let (_, gone) = Dd::<_>::new(800.0f64).sigmoid_pair();
    assert_eq!((Dd::<_>::new(800.0f64).exp() * gone).settled(), None);
    // σ(-740) ≈ 4e-322 is subnormal in f64, with a few bits: e^700 σ(-740) ≈ e^-40 is
    // normal but wrong, and refused.
    let lifted = Dd::<_>::new(700.0f64).exp() * Dd::<_>::new(-740.0f64).sigmoid();
    assert!(lifted.parts().1.is_nan(), "{lifted:?}");
    // Exact zeros stay legitimate.
    assert_eq!((Dd::<_>::new(0.0f64) * Dd::<_>::new(3.0)).parts().1, 0.0);
}

#[test]
fn f32_values_leave_the_f32_range_and_come_back() {
    // f32 carried in f64: σ(-100) ≈ 3.7e-44 is subnormal in f32 but normal in f64, so
    // e^50 · σ(-100) ≈ e^-50 keeps its bits (a pair of f32s had to refuse it).
    let x = Dd::<_>::new(50.0f32);
    let lifted = x.exp() * (Dd::<_>::new(-2.0f32) * x).sigmoid();
    let v = lifted.settled().expect("settles");
    let truth = (-50.0f64).exp() / (1.0 + (-100.0f64).exp());
    assert!(((f64::from(v) - truth) / truth).abs() < 2f64.powi(-24), "{v:e} vs {truth:e}");
    // Beyond f64's range the wide form refuses too: e^800 · σ(-800).
    let far = Dd::<_>::new(800.0f32).exp() * Dd::<_>::new(-800.0f32).sigmoid();
    assert_eq!(far.settled(), None);
    let (_, gone) = Dd::<_>::new(750.0f32).sigmoid_pair();
    assert!(gone.parts().0.is_nan());
    // Subnormal f32 function values taken from f32 (erfc(10) ≈ 2.1e-45) are refused.
    assert!(Dd::<_>::new(10.0f32).erfc().parts().0.is_nan());
    // A product of nonzero values below f64's normal range is refused; 0 · x is not.
    let tiny = Dd::<_>::new(1e-30f32).powi(11);
    assert!(tiny.parts().0.is_nan(), "{tiny:?}");
    assert_eq!((Dd::<_>::new(0.0f32) * Dd::<_>::new(3.0)).parts(), (0.0, 0.0));
    // A value beyond f32's range is not finite, as a pair of f32s would not be (the tail
    // devices ask before taking its parts).
    let big = Dd::<_>::new(3e38f32) + Dd::<_>::new(3e38f32);
    assert!(!big.is_finite() && big.settled().is_none());
    assert!((big - Dd::<_>::new(3e38f32)).is_finite());
}

#[test]
fn f32_functions_agree_with_f64_to_well_below_an_f32_ulp() {
    // The wide form's exp, expm1, tanh, sigmoid and softplus against f64's (0.5 ULP of
    // f64): within 2^-29 relative, a sixtieth of an f32 ULP.
    let mut x = -30.0f32;
    while x < 30.0 {
        let d = Dd::<_>::new(x);
        let xf = f64::from(x);
        let truths = [
            (d.exp(), xf.exp()),
            (d.expm1(), xf.exp_m1()),
            (d.tanh(), xf.tanh()),
            (d.sigmoid(), 1.0 / (1.0 + (-xf).exp())),
            (d.softplus(), xf.max(0.0) + (-xf.abs()).exp().ln_1p()),
        ];
        for (i, (got, truth)) in truths.into_iter().enumerate() {
            let (hi, lo) = got.parts();
            let v = f64::from(hi) + f64::from(lo);
            let bound = if i == 4 { 2f64.powi(-24) } else { 2f64.powi(-29) };
            assert!(((v - truth) / truth).abs() < bound || v == truth, "{i} at {x}: {v:e} vs {truth:e}");
        }
        x += 0.0371;
    }
}

#[test]
fn settled_refuses_what_pairs_cannot_carry() {
    assert_eq!(Dd::<_>::new(1.5f64).settled(), Some(1.5));
    assert_eq!(Dd::<_>::new(1e-300f64).settled(), Some(1e-300));
    assert_eq!(Dd::<_>::new(1e-310f64).settled(), None);
    assert_eq!(Dd::<_>::new(0.0f64).settled(), None);
    assert_eq!(Dd::<_>::new(f64::INFINITY).settled(), None);
    assert_eq!(Dd::<_>::new(1e-30f32).settled(), Some(1e-30));
    assert_eq!(Dd::<_>::new(1e-40f32).settled(), None);
    assert_eq!(Dd::<_>::new(f32::NAN).settled(), None);
    assert_eq!(Dd::<_>::new(1e30f32).powi(2).settled(), None);
}

#[test]
fn pairs_keep_a_tiny_term_beside_one_that_f64_loses() {
    // 1 + t·(−t − s) with t = tanh(40) (1 − 3.6e-35) and s = 6e-18: the truth is about −s.
    // A pair holds t's distance from 1 and s in its low part; f64 rounds −t − s to −1.
    let s = 6e-18f32;
    let pair = {
        let t = DdPair::<f32>::new(40.0).tanh();
        DdPair::<f32>::new(1.0) + t * (-t - DdPair::<f32>::new(s))
    };
    let v = pair.settled().expect("settles");
    assert!(((v + s) / s).abs() < 1e-6, "{v:e}");
    let wide = {
        let t = Dd::<f32>::new(40.0).tanh();
        Dd::<f32>::new(1.0) + t * (-t - Dd::<f32>::new(s))
    };
    assert_eq!(wide.settled(), None, "{wide:?}");
}

#[test]
fn f32_quotients_are_exact_where_the_truth_is_an_f32() {
    // Division multiplies by the reciprocal: two roundings of f64, invisible in f32.
    for x in [-2.5f32, -1.0, 0.0, 1.0, 3.0, 7.0, 0.375, 1e-3, 12345.0] {
        let hs = (Dd::<f32>::new(x) + Dd::new(3.0)) / Dd::new(6.0);
        let truth = (f64::from(x) + 3.0) / 6.0;
        assert_eq!(f64::from(hs.parts().0), (truth as f32) as f64, "hardsigmoid at {x}");
        let ss = Dd::<f32>::new(x) / (Dd::new(1.0) + Dd::new(x).abs());
        let truth = f64::from(x) / (1.0 + f64::from(x).abs());
        assert_eq!(ss.parts().0, truth as f32, "softsign at {x}");
    }
    assert_eq!((Dd::<f32>::new(3.0) / Dd::new(6.0)).settled(), Some(0.5));
    // A divisor beyond 2^1022 has a subnormal reciprocal: refused, not rounded badly.
    let huge = Dd::<f32>::new(1e30).powi(10) * Dd::new(1e8);
    assert!((Dd::<f32>::new(1.0) / huge).parts().0.is_nan());
}

use rug::float::Round;
use rug::ops::Pow;
use rug::Float as Mp;

use super::{two_prod, Dd, DdPair};
use crate::float::Float;
use crate::lanes::{runs_here, Avx2Fma, Avx512, Baseline, F32x16, F32x16Avx512, F32x4, F32x8, F64x8, Lanes};
use crate::real::Real;

/// A seeded xorshift generator of `u64`s: reproducible random inputs for the tests.
fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

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
fn powers_correct_for_both_low_parts() {
    // a = 1/3 and b = 100/7 as pairs: the high parts' power is off by b·lo_a/a + ln a·lo_b,
    // several ULPs; the pair's power only by `f64`'s own rounding of it.
    let a = Dd::<_>::new(1.0f64) / Dd::<_>::new(3.0);
    let b = Dd::<_>::new(100.0f64) / Dd::<_>::new(7.0);
    let p = a.powf(b);
    let (ah, al) = a.parts();
    let (bh, bl) = b.parts();
    let exact = |hi: f64, lo: f64| Mp::with_val(200, Mp::with_val(200, hi) + lo);
    let truth = Mp::with_val(200, exact(ah, al).pow(&exact(bh, bl)));
    let error = |hi: f64, lo: f64| Mp::with_val(200, (exact(hi, lo) - &truth) / &truth).abs().to_f64();
    let (ph, pl) = p.parts();
    let plain = ah.powf(bh);
    assert!(error(plain, 0.0) > 2.0 * f64::EPSILON, "the high parts' power is {:e} off", error(plain, 0.0));
    assert!(error(ph, pl) < 0.6 * f64::EPSILON, "{:e}", error(ph, pl));
    // A negative base to an integer power keeps its value; a 0 base is refused to the
    // plain code (`settled` is `None`).
    assert_eq!(Dd::<_>::new(-2.5f64).powf(Dd::<_>::new(3.0)).settled(), Some(-15.625));
    assert_eq!(Dd::<_>::new(0.0f64).powf(Dd::<_>::new(2.0)).settled(), None);
    // The wide form: the `f64` power, rounded once by `settled`.
    let w = Dd::<f32>::new(3.0f32).powf(Dd::<f32>::new(0.5));
    assert_eq!(w.settled(), Some(3.0f64.sqrt() as f32));
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
fn tanh_sigmoid2_agrees_with_mpfr_and_with_the_three_calls() {
    // (tanh u, σ(2u), σ(−2u)) of pairs u = hi + lo on both sides of |u| = 0.35 (where tanh
    // changes form), out to where σ(−2u) leaves the range, and through F64x8 lanes whose
    // sides disagree: each within 2^-53 of MPFR (the exponential pair's own 2^-56,
    // damped), and the sigmoids the bits of `sigmoid_pair` of the doubled pair.
    let mut next = xorshift(0x7a11_5e1d);
    let mut us: Vec<f64> = vec![0.0, -0.0, 0.35, -0.35, 0.3499999, 1e-300, 20.0, -37.0, 354.0, -355.0, 372.0];
    for _ in 0..4000 {
        let r = next();
        let unit = (r >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        us.push(match r % 3 {
            0 => unit,
            1 => unit * 40.0,
            _ => unit * 400.0,
        });
    }
    let tanh_mp = |u: &Mp| Mp::with_val(300, u.tanh_ref());
    let sigmoid_mp = |u: &Mp| Mp::with_val(300, 1 + Mp::with_val(300, (-Mp::with_val(300, u)).exp_ref())).recip();
    for &h in &us {
        let u = Dd::<f64>::from_parts(h, h * 3e-17);
        let (t, a, b) = u.tanh_sigmoid2();
        let exact = Mp::with_val(300, Mp::with_val(300, h) + h * 3e-17);
        let two = Mp::with_val(300, &exact * 2u32);
        for (got, truth) in [(t, tanh_mp(&exact)), (a, sigmoid_mp(&two)), (b, sigmoid_mp(&Mp::with_val(300, -&two)))] {
            let Some(v) = got.settled() else {
                // Refused only where σ(−2u) has left the normal range.
                assert!(truth.to_f64().abs() < f64::MIN_POSITIVE, "u = {h:e}: refused, truth {truth:e}");
                continue;
            };
            let (gh, gl) = got.parts();
            let err = Mp::with_val(300, Mp::with_val(300, gh) + gl) - &truth;
            let rel = if truth.is_zero() { err.to_f64().abs() } else { (err / &truth).to_f64().abs() };
            assert!(rel <= f64::EPSILON / 2.0, "u = {h:e}: {got:?} ({v:e}) vs {truth:e}, {rel:e}");
        }
        let (c, d) = Dd::<f64>::from_parts(2.0 * h, 2.0 * h * 3e-17).sigmoid_pair();
        let bits = |d: Dd<f64>| {
            let (hi, lo) = d.parts();
            (hi.to_bits(), if lo.is_nan() { f64::NAN.to_bits() } else { lo.to_bits() })
        };
        assert_eq!((bits(a), bits(b)), (bits(c), bits(d)), "u = {h:e}");
    }
    for chunk in us.chunks_exact(8) {
        let (hi, lo) = (F64x8::load(chunk), F64x8::load(chunk) * F64x8::splat(3e-17));
        let (t, a, b) = Dd::<F64x8>::from_parts(hi, lo).tanh_sigmoid2();
        for (i, &h) in chunk.iter().enumerate() {
            let (ts, as_, bs) = Dd::<f64>::from_parts(h, h * 3e-17).tanh_sigmoid2();
            for (lanes, scalar) in [(t, ts), (a, as_), (b, bs)] {
                let ((lh, ll), (sh, sl)) = (lanes.parts(), scalar.parts());
                let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
                assert!(same(lh.0[i], sh) && same(ll.0[i], sl), "lane {i}, u = {h:e}");
            }
        }
    }
    // NaN stays NaN.
    let (t, a, b) = Dd::<f64>::new(f64::NAN).tanh_sigmoid2();
    assert!(t.settled().is_none() && a.settled().is_none() && b.settled().is_none());
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
    // erfc(10) ≈ 2.1e-45 is subnormal in f32 but normal in f64, and computed there: e^100 ·
    // erfc(10) keeps its bits. Below f64's normal range (erfc(27) ≈ 5e-319) it is refused.
    let lifted = Dd::<_>::new(100.0f32).exp() * Dd::<_>::new(10.0f32).erfc();
    let v = lifted.settled().expect("settles");
    let truth = (mpfr(100.0, Function::Exp) * mpfr(10.0, Function::Erfc)).to_f64();
    assert!(((f64::from(v) - truth) / truth).abs() < 2f64.powi(-23), "{v:e} vs {truth:e}");
    assert!(Dd::<_>::new(27.0f32).erfc().parts().0.is_nan());
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

/// The functions checked against MPFR below.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Function {
    Erf,
    Erfc,
    Exp,
    Sigmoid,
}

/// MPFR precision of the truths: far beyond the 2^-31 and 2^-6 ULP told apart.
const PREC: u32 = 96;

/// `f(x)` in MPFR at `PREC` bits (x exact).
fn mpfr(x: f64, f: Function) -> Mp {
    let x = Mp::with_val(PREC, x);
    match f {
        Function::Erf => x.erf(),
        Function::Erfc => x.erfc(),
        Function::Exp => x.exp(),
        Function::Sigmoid => {
            let e = Mp::with_val(PREC, -x).exp();
            Mp::with_val(PREC, 1) / Mp::with_val(PREC, e + 1u32)
        }
    }
}

#[path = "../../tests/support/rng.rs"]
mod rng;
use rng::Rng;

/// The `f64` value a wide `Dd<f32>` holds (NaN where refused).
fn raw(d: Dd<f32>) -> f64 {
    d.0 .0
}

/// A wide `Dd<f32>` holding any `f64` (`constant` would turn −0 into +0).
fn wide(x: f64) -> Dd<f32> {
    Dd(super::wide::Wide(x), core::marker::PhantomData)
}

/// Arguments for the wide erf and erfc: uniform over the ranges where each is not 1 or 0,
/// log-uniform from 2^-1022 up, dense at the switch to the tail (0.5) and at the end of
/// `f64`'s normal range for erfc (26.54), and the special points around those.
fn wide_arguments(erfc: bool, count: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed);
    let mut xs = vec![0.0, -0.0, 0.5, -0.5, 1.0, 6.0, -6.0, 26.0, 26.5, f64::MIN_POSITIVE, -f64::MIN_POSITIVE];
    for base in [0.5f64, -0.5, 26.54] {
        let mut up = base;
        let mut down = base;
        for _ in 0..50 {
            up = f64::from_bits(up.to_bits() + 1);
            down = f64::from_bits(down.to_bits() - 1);
            xs.extend([up, down]);
        }
    }
    while xs.len() < count {
        let x = match rng.next() % 6 {
            0 | 1 if erfc => rng.uniform(-6.5, 27.0),
            0 | 1 => rng.uniform(-6.5, 6.5),
            2 => rng.uniform(-1.0, 1.0),
            3 => rng.log_uniform(-1022.0, 5.0),
            4 if erfc => rng.uniform(20.0, 26.7),
            4 => rng.uniform(0.4, 0.6),
            _ => rng.uniform(0.45, 0.55) * if rng.next() & 1 == 0 { 1.0 } else { -1.0 },
        };
        xs.push(x);
    }
    xs
}

/// |v − truth| / |truth| in MPFR.
fn relative(v: f64, truth: &Mp) -> f64 {
    Mp::with_val(PREC, (Mp::with_val(PREC, v) - truth) / truth).abs().to_f64()
}

#[test]
fn wide_erf_is_within_2_to_the_28_of_mpfr() {
    // The f64 kernel (`math::erf_wide_range`) at 150,000 f64 arguments, not only f32s
    // (`cargo test -p activation-runtime --lib wide_erf -- --nocapture` prints the largest).
    let xs = wide_arguments(false, 150_000, 1);
    let mut worst = (0.0, 0.0);
    for &x in &xs {
        let v = raw(wide(x).erf());
        let truth = mpfr(x, Function::Erf);
        if x == 0.0 {
            assert_eq!(v.to_bits(), x.to_bits(), "erf({x:e})");
            continue;
        }
        let e = relative(v, &truth);
        assert!(e <= 2f64.powi(-28), "erf({x:e}) = {v:e}: relative error 2^{:.1}", e.log2());
        if e > worst.0 {
            worst = (e, x);
        }
    }
    for (x, truth) in [(f64::INFINITY, 1.0), (f64::NEG_INFINITY, -1.0), (1e300, 1.0)] {
        assert_eq!(raw(wide(x).erf()), truth);
    }
    assert!(raw(wide(f64::NAN).erf()).is_nan());
    eprintln!("wide erf: {} arguments, max relative error 2^{:.2} at {:e}", xs.len(), worst.0.log2(), worst.1);
}

#[test]
fn wide_erfc_is_within_2_to_the_28_of_mpfr_down_to_the_end_of_the_normal_range() {
    // At 120,000 f64 arguments (MPFR's erfc takes up to 0.1 ms each): relative error
    // wherever erfc is a normal f64, refused (NaN) below; within 2^-28 of the boundary
    // either is right.
    let xs = wide_arguments(true, 120_000, 2);
    let bottom = Mp::with_val(PREC, f64::MIN_POSITIVE);
    let (mut worst, mut refused) = ((0.0, 0.0), 0);
    for &x in &xs {
        let v = raw(wide(x).erfc());
        let truth = mpfr(x, Function::Erfc);
        let margin = Mp::with_val(PREC, &truth / &bottom).to_f64();
        if margin < 1.0 - 2f64.powi(-28) {
            assert!(v.is_nan(), "erfc({x:e}) = {v:e} is below the normal range: refused");
            refused += 1;
        } else if margin > 1.0 + 2f64.powi(-28) {
            let e = relative(v, &truth);
            assert!(e <= 2f64.powi(-28), "erfc({x:e}) = {v:e}: relative error 2^{:.1}", e.log2());
            if e > worst.0 {
                worst = (e, x);
            }
        }
    }
    assert!(refused > 1000, "{refused}");
    for (x, truth) in [(f64::NEG_INFINITY, 2.0), (-30.0, 2.0), (0.0, 1.0)] {
        assert_eq!(raw(wide(x).erfc()), truth);
    }
    for x in [f64::INFINITY, 1e300, 27.0, f64::NAN] {
        assert!(raw(wide(x).erfc()).is_nan(), "{x}");
    }
    eprintln!(
        "wide erfc: {} arguments ({refused} refused), max relative error 2^{:.2} at {:e}",
        xs.len(),
        worst.0.log2(),
        worst.1
    );
}

/// The error of `got` against `truth` in ULPs of `f32` at the truth (subnormal spacing
/// below the normal range), and whether the truth lies within `near` ULP of a midpoint
/// between two `f32`s.
fn f32_ulps(got: f32, truth: &Mp, near: f64) -> (f64, bool) {
    let ulp = match truth.get_exp() {
        Some(e) => 2f64.powi((e - 24).max(-149)),
        None => 2f64.powi(-149),
    };
    let error = Mp::with_val(PREC, Mp::with_val(PREC, got) - truth).abs().to_f64() / ulp;
    let rounded = truth.to_f32_round(Round::Nearest);
    let off = Mp::with_val(PREC, Mp::with_val(PREC, rounded) - truth).abs().to_f64() / ulp;
    (error, 0.5 - off < near)
}

/// Asserts that `got` is `f(arg)` correctly rounded to `f32`, or within 0.5 + `near` ULP of
/// it where the truth lies within `near` ULP of a midpoint; returns whether it does.
fn rounds_correctly(f: Function, arg: f64, got: f32, near: f64) -> bool {
    let truth = mpfr(arg, f);
    let (error, at_midpoint) = f32_ulps(got, &truth, near);
    assert!(error <= 0.5 + near, "{f:?}({arg:e}) = {got:e}: {error} ULP");
    if !at_midpoint {
        assert_eq!(got, truth.to_f32_round(Round::Nearest), "{f:?}({arg:e})");
    }
    at_midpoint
}

#[test]
fn f32_erf_and_erfc_round_correctly_except_near_midpoints() {
    // Dd<f32>'s erf, erfc and erfc_value rounded to f32 against MPFR's correctly rounded f32:
    // the same f32 wherever the truth is farther than 2^-6 ULP from a midpoint (the f64 is
    // within about 2^-31 relative, 2^-8 ULP), and within 0.5 + 2^-6 ULP everywhere.
    // Arguments: f32s (uniform, subnormal results of erfc included), and f64s for
    // erfc_value (arguments refined in f64, as in GELU's tails).
    let near = 2f64.powi(-6);
    let mut rng = Rng(3);
    let mut checked = 0;
    let mut midpoints = 0;
    for i in 0..30_000 {
        let x = match i % 4 {
            0 => rng.uniform(-10.5, 10.5),
            1 => rng.uniform(-4.0, 4.0),
            2 => rng.log_uniform(-140.0, 3.5),
            _ => rng.uniform(8.5, 10.2),
        };
        let xf = x as f32;
        let d = Dd::<f32>::new(xf);
        let cases = [
            (Function::Erf, f64::from(xf), d.erf().parts().0),
            (Function::Erfc, f64::from(xf), d.erfc().parts().0),
            (Function::Erfc, f64::from(xf), d.erfc_value()),
            (Function::Erfc, x, wide(x).erfc_value()),
        ];
        for (f, arg, got) in cases {
            midpoints += usize::from(rounds_correctly(f, arg, got, near));
            checked += 1;
        }
    }
    assert!(midpoints * 20 < checked, "{midpoints} of {checked} near midpoints");
    // erfc_value rounds what lies beyond f64's normal range to 0, as the truth rounds.
    for x in [10.1f32, 12.0, 26.6, 27.0, 1e4, f32::INFINITY] {
        assert_eq!(Dd::<f32>::new(x).erfc_value(), 0.0, "{x}");
    }
    assert_eq!(Dd::<f32>::new(f32::NEG_INFINITY).erfc_value(), 2.0);
    assert!(Dd::<f32>::new(f32::NAN).erfc_value().is_nan());
}

#[test]
fn wide_sigmoid_and_exp_values_round_the_f64_argument_once() {
    // The values generated code takes of refined arguments (`refined_or!`) at every
    // argument: any f64 (a refined argument is one, not an f32), from tiny to far beyond
    // where σ and exp saturate in f32, against MPFR's correctly rounded f32; below, the
    // ends of f64's range.
    let near = 2f64.powi(-6);
    let mut rng = Rng(5);
    let (mut checked, mut midpoints) = (0, 0);
    for i in 0..40_000 {
        let x = match i % 4 {
            0 => rng.uniform(-110.0, 110.0),
            1 => rng.uniform(-4.0, 4.0),
            2 => rng.log_uniform(-140.0, 3.5),
            _ => rng.uniform(-1e4, 1e4),
        };
        for (f, got) in [(Function::Sigmoid, wide(x).sigmoid_value()), (Function::Exp, wide(x).exp_value())] {
            if mpfr(x, f).to_f32_round(Round::Nearest).is_infinite() {
                assert_eq!(got, f32::INFINITY, "{f:?}({x:e})");
                continue;
            }
            midpoints += usize::from(rounds_correctly(f, x, got, near));
            checked += 1;
        }
    }
    assert!(midpoints * 20 < checked, "{midpoints} of {checked} near midpoints");
    // Beyond f64's range and at the ends: the f32 truths, and NaN stays NaN.
    for (x, s, e) in [(-1e300, 0.0, 0.0), (-750.0, 0.0, 0.0), (750.0, 1.0, f32::INFINITY), (1e300, 1.0, f32::INFINITY)]
    {
        assert_eq!((wide(x).sigmoid_value(), wide(x).exp_value()), (s, e), "{x}");
    }
    for x in [f64::NEG_INFINITY, f64::INFINITY] {
        assert_eq!(wide(x).sigmoid_value(), if x > 0.0 { 1.0 } else { 0.0 });
    }
    assert!(wide(f64::NAN).sigmoid_value().is_nan() && wide(f64::NAN).exp_value().is_nan());
}

/// `f` over `L` lanes of `Dd<L>` against the same function of `Dd<f32>` lane by lane, bit for
/// bit (NaNs as NaNs).
fn lanes_agree<L: Float<Scalar = f32>>(xs: &[f32], f: impl Fn(Dd<L>) -> (L, L), g: impl Fn(Dd<f32>) -> (f32, f32)) {
    let n = L::LANES;
    for chunk in xs.chunks_exact(n) {
        let (hi, lo) = f(Dd::<L>::new(L::load(chunk)));
        let (mut h, mut l) = (vec![0.0f32; n], vec![0.0f32; n]);
        hi.store(&mut h);
        lo.store(&mut l);
        for (i, &x) in chunk.iter().enumerate() {
            let (sh, sl) = g(Dd::<f32>::new(x));
            let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same(h[i], sh) && same(l[i], sl), "{n} lanes at {x:e}: {:?} vs {:?}", (h[i], l[i]), (sh, sl));
        }
    }
}

#[test]
fn wide_erf_and_erfc_lanes_are_the_scalar_bits() {
    let mut rng = Rng(4);
    let mut xs: Vec<f32> = (0..4096).map(|_| rng.uniform(-30.0, 30.0) as f32).collect();
    xs.extend([0.0, -0.0, 0.5, -0.5, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 26.54, 1e-30, -1e-40]);
    xs.extend((0..6).map(|i| i as f32 * 1e-3));
    let check = |xs: &[f32]| {
        fn erf<L: Float>(d: Dd<L>) -> (L, L) {
            d.erf().parts()
        }
        fn erfc<L: Float>(d: Dd<L>) -> (L, L) {
            d.erfc().parts()
        }
        fn value<L: Float>(d: Dd<L>) -> (L, L) {
            (d.erfc_value(), L::from_f64(0.0))
        }
        lanes_agree::<F32x4>(xs, erf, erf);
        lanes_agree::<F32x8>(xs, erf, erf);
        lanes_agree::<F32x16>(xs, erf, erf);
        lanes_agree::<F32x4>(xs, erfc, erfc);
        lanes_agree::<F32x8>(xs, erfc, erfc);
        lanes_agree::<F32x16>(xs, erfc, erfc);
        lanes_agree::<F32x4>(xs, value, value);
        lanes_agree::<F32x8>(xs, value, value);
        lanes_agree::<F32x16>(xs, value, value);
        if runs_here::<Avx512>() {
            lanes_agree::<F32x16Avx512>(xs, erf, erf);
            lanes_agree::<F32x16Avx512>(xs, erfc, erfc);
            lanes_agree::<F32x16Avx512>(xs, value, value);
        }
    };
    check(&xs[..4096]);
    check(&xs[4096..4112]);
}

#[test]
fn pairs_of_erf_and_erfc_round_to_the_runtime_s_own_values() {
    // Dd<f64>: the unrounded pairs of the runtime's erf and erfc (their accuracy is
    // `f64_pairs_carry_their_library_calls_far_below_an_ulp`), which round to its values, and
    // are refused where erfc is subnormal; DdPair<f32>: the wide form's `f64` kernels split
    // into pairs.
    let mut rng = Rng(5);
    for _ in 0..2000 {
        let hi = rng.uniform(-8.0, 30.0);
        let d = Dd::<f64>::new(hi);
        let (erf, erfc) = (Float::erf(hi), Float::erfc(hi));
        assert_eq!(d.erf().settled(), Some(erf), "erf at {hi}");
        if erfc >= f64::MIN_POSITIVE {
            assert_eq!(d.erfc().settled(), Some(erfc), "erfc at {hi}");
        } else {
            assert!(d.erfc().parts().1.is_nan(), "erfc at {hi}");
        }
        let lo = hi * rng.uniform(-1.0, 1.0) * 2f64.powi(-54);
        let d = Dd::<f64>::from_parts(hi, lo);
        // erfc of the pair, within the ULP of erfc itself: the first-order correction is
        // up to ~75 ULPs at 26 (2·hi² · 2^-54).
        let truth = (Mp::with_val(200, hi) + Mp::with_val(200, lo)).erfc();
        if truth.to_f64() >= f64::MIN_POSITIVE {
            let t = truth.to_f64();
            let ulp = f64::from_bits(t.to_bits() + 1) - t;
            let err = Mp::with_val(200, Mp::with_val(200, d.erfc_value()) - &truth).abs().to_f64() / ulp;
            assert!(err <= 1.0, "erfc_value at {hi:e} + {lo:e}: {err} ULPs");
        }
        // f32 pairs: within 2^-29 of the truth at hi + lo, erf beyond 0.5 as 1 − erfc with
        // the complement held (1 − erf is right to an `f32` ULP of itself).
        let (h, l) = (hi as f32, (hi - f64::from(hi as f32)) as f32);
        let x = Mp::with_val(200, h) + Mp::with_val(200, l);
        let rel = |(a, b): (f32, f32), truth: &Mp| {
            let got = Mp::with_val(200, a) + Mp::with_val(200, b);
            Mp::with_val(200, (got - truth) / truth).abs().to_f64()
        };
        let p = DdPair::<f32>::from_parts(h, l);
        let erf = x.clone().erf();
        assert!(rel(p.erf().parts(), &erf) < 2f64.powi(-29), "f32 erf at {h}");
        let (a, b) = p.erf().parts();
        let complement = Mp::with_val(200, 1 - Mp::with_val(200, erf.abs_ref()));
        if h.abs() > 0.5 && complement.to_f64() > 1e-36 {
            let held = Mp::with_val(200, 1 - (Mp::with_val(200, a.abs()) + Mp::with_val(200, b * a.signum())));
            // Where erf rounds to 1 the complement is the low part, one `f32`.
            assert!(
                Mp::with_val(200, (held - &complement) / &complement).abs().to_f64() < 2f64.powi(-23),
                "1 − erf at {h}"
            );
        }
        let erfc = x.erfc();
        // (Where the low part is normal too.)
        if erfc.to_f64() >= f64::from(f32::MIN_POSITIVE) * 2f64.powi(24) {
            assert!(rel(p.erfc().parts(), &erfc) < 2f64.powi(-29), "f32 erfc at {h}");
        }
    }
    let p = DdPair::<f32>::from_parts(9.5, 1e-7).erfc();
    assert!(p.parts().1.is_nan(), "erfc(9.5) is subnormal in f32: {p:?}");
}

#[test]
fn an_extremum_with_a_side_that_broke_down_is_unsettled() {
    // log1p(-1) = -inf: its pair's low part is NaN, and so are expm1's and the square's.
    // max(-1, that) must leave the choice to the plain code, not take -1.
    let broken = Dd::<f64>::new(-1.0).log1p().expm1().powi(2);
    assert_eq!(Dd::<f64>::new(-1.0).max(broken).settled(), None);
    assert_eq!(Dd::<f64>::new(-1.0).min(broken).settled(), None);
    let broken32 = Dd::<f32>::new(-1.0).log1p().expm1().powi(2);
    assert_eq!(Dd::<f32>::new(-1.0).max(broken32).settled(), None);
    let pair32 = DdPair::<f32>::new(-1.0).log1p();
    assert_eq!(DdPair::<f32>::new(-1.0).max(pair32).settled(), None);
    // Finite sides compare as before.
    assert_eq!(Dd::<f64>::new(-1.0).max(Dd::new(2.0)).settled(), Some(2.0));
    assert_eq!(Dd::<f32>::new(-1.0).min(Dd::new(2.0)).settled(), Some(-1.0));
}

#[test]
fn sigmoid_pair_values_are_the_bits_of_two_sigmoid_values() {
    // (σ(d), σ(−d)) from one exponential, as generated code binds both sides of a refined
    // argument: the bits of `sigmoid_value` of d and of −d, in every representation,
    // signed zeros, infinities, NaN, the tails and beyond f64's normal range included.
    fn same<T: crate::real::Real>(a: T, b: T) -> bool {
        let (p, q) = (a.to_f64(), b.to_f64());
        p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())
    }
    fn check<T: Float + crate::real::Real, R: super::Repr<T>>(d: super::Dd<T, R>, at: f64) {
        let (a, b) = d.sigmoid_pair_value();
        assert!(same(a, d.sigmoid_value()) && same(b, (-d).sigmoid_value()), "at {at:e}");
    }
    let mut rng = Rng(6);
    let mut xs: Vec<f64> = (0..4000).map(|_| rng.uniform(-50.0, 50.0)).collect();
    xs.extend((0..1000).map(|_| rng.uniform(-1.0, 1.0) * 10f64.powf(rng.uniform(-10.0, 3.5))));
    xs.extend([0.0, -0.0, 4.0, -4.0, 700.0, -700.0, 750.0, -750.0, 1e4, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
    for &x in &xs {
        let lo = x * rng.uniform(-1.0, 1.0) * 2f64.powi(-54);
        check(Dd::<f64>::from_parts(x, lo), x);
        check(wide(x), x);
        check(Dd::<f32>::new(x as f32), x);
        check(DdPair::<f32>::from_parts(x as f32, (lo * 2f64.powi(29)) as f32), x);
    }
    // Lanes: each lane the scalar's bits.
    let xs32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    fn pair<L: Float>(d: Dd<L>) -> (L, L) {
        d.sigmoid_pair_value()
    }
    lanes_agree::<F32x4>(&xs32[..4000], pair, pair);
    lanes_agree::<F32x8>(&xs32[..4000], pair, pair);
    lanes_agree::<F32x16>(&xs32[..4000], pair, pair);
    if runs_here::<Avx512>() {
        lanes_agree::<F32x16Avx512>(&xs32[..4000], pair, pair);
    }
    for chunk in xs[..4000].chunks_exact(8) {
        let (a, b) = Dd::<F64x8>::new(F64x8::load(chunk)).sigmoid_pair_value();
        for (i, &x) in chunk.iter().enumerate() {
            let (sa, sb) = Dd::<f64>::new(x).sigmoid_pair_value();
            let (mut va, mut vb) = ([0.0; 8], [0.0; 8]);
            a.store(&mut va);
            b.store(&mut vb);
            assert_eq!((va[i].to_bits(), vb[i].to_bits()), (sa.to_bits(), sb.to_bits()), "at {x:e}");
        }
    }
}

#[test]
fn pair_values_of_an_exact_argument_are_the_plain_calls_bits() {
    // `refined_or!` computes the refined value of f64 pairs once per vector, on the pair in
    // the tails and on `Dd::new(v)` in the other lanes, where the plain call's bits are
    // owed: the first-order correction by a low part of 0 must change nothing — signed
    // zeros, subnormals, infinities, NaN and the ends of the range included, scalars and
    // lanes.
    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }
    let mut rng = Rng(7);
    let mut xs: Vec<f64> = (0..4000).map(|_| rng.uniform(-40.0, 40.0)).collect();
    xs.extend((0..2000).map(|_| rng.uniform(-1.0, 1.0) * 10f64.powf(rng.uniform(-310.0, 308.0))));
    xs.extend([0.0, -0.0, 5e-324, -5e-324, 709.7, 709.8, -745.2, 26.5, 27.3, -27.3, f64::MAX, f64::MIN]);
    xs.extend([f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
    xs.truncate(xs.len() / 8 * 8);
    for &x in &xs {
        let d = Dd::<f64>::new(x);
        let (s, t) = d.sigmoid_pair_value();
        let (ps, pt) = x.sigmoid_pair();
        assert!(same(d.sigmoid_value(), x.sigmoid()), "σ({x:e})");
        assert!(same(s, ps) && same(t, pt), "σ pair ({x:e})");
        assert!(same(d.exp_value(), Float::exp(x)), "exp({x:e})");
        assert!(same(d.erfc_value(), Float::erfc(x)), "erfc({x:e})");
    }
    for chunk in xs.chunks_exact(8) {
        let v = F64x8::load(chunk);
        let d = Dd::<F64x8>::new(v);
        let (mut got, mut plain) = ([0.0; 8], [0.0; 8]);
        let values = [
            (d.sigmoid_value(), v.sigmoid()),
            (d.sigmoid_pair_value().0, v.sigmoid_pair().0),
            (d.sigmoid_pair_value().1, v.sigmoid_pair().1),
            (d.exp_value(), v.exp()),
            (d.erfc_value(), v.erfc()),
        ];
        for (k, (a, b)) in values.into_iter().enumerate() {
            a.store(&mut got);
            b.store(&mut plain);
            for i in 0..8 {
                assert!(same(got[i], plain[i]), "value {k} at {:e}", chunk[i]);
            }
        }
    }
}

#[test]
fn f64_pairs_carry_their_library_calls_far_below_an_ulp() {
    // The double-double's exp, expm1, ln, log1p, tanh, atan, erf and erfc are the unrounded
    // pairs of the runtime's own kernels (`math::exp_pair` …), and σ and softplus are built
    // from the pair of e^-|u|, not from `f64`'s rounded values corrected to first order:
    // their error, which a compensated form carries through every later operation, is
    // below 2^-56 relative (measured 2^-57.8, 2^-56.3, 2^-57.3, 2^-57.4, 2^-57.2, 2^-57.0,
    // and 2^-57.8, 2^-56.9 for σ and softplus) and 2^-54.5 for erf and erfc (2^-55.0,
    // 2^-54.9), where it was about 2^-53, half an ULP, or more (tanh 2^-52.7) (`cargo test
    // -p activation-runtime --lib f64_pairs_carry -- --nocapture` prints the largest).
    // Against MPFR at 200 bits, the argument hi + lo taken exactly.
    let exact = |hi: f64, lo: f64| Mp::with_val(200, hi) + Mp::with_val(200, lo);
    let rel = |d: Dd<f64>, truth: Mp| {
        let (h, l) = d.parts();
        let got = Mp::with_val(200, h) + Mp::with_val(200, l);
        Mp::with_val(200, (got - &truth) / &truth).abs().to_f64()
    };
    let mut rng = Rng(7);
    let mut worst = [0.0f64; 10];
    for i in 0..40_000 {
        let hi = match i % 4 {
            0 => rng.uniform(-700.0, 700.0),
            1 => rng.uniform(-1.0, 1.0) * 10f64.powf(rng.uniform(-12.0, 0.0)),
            2 => rng.uniform(-3.0, 3.0),
            _ => rng.uniform(-1.0, 1.0) * 10f64.powf(rng.uniform(-300.0, 300.0)),
        };
        let lo = hi * rng.uniform(-1.0, 1.0) * 2f64.powi(-54);
        let d = Dd::<f64>::from_parts(hi, lo);
        let x = exact(hi, lo);
        if hi.abs() <= 700.0 {
            worst[0] = worst[0].max(rel(d.exp(), x.clone().exp()));
            if hi != 0.0 {
                worst[1] = worst[1].max(rel(d.expm1(), x.clone().exp_m1()));
            }
        }
        if hi > 0.0 {
            worst[2] = worst[2].max(rel(d.ln(), x.clone().ln()));
        }
        if hi > -1.0 && hi != 0.0 {
            worst[3] = worst[3].max(rel(d.log1p(), x.clone().ln_1p()));
        }
        if hi != 0.0 && hi.abs() < 19.0 {
            worst[4] = worst[4].max(rel(d.tanh(), x.clone().tanh()));
        }
        if hi != 0.0 {
            worst[5] = worst[5].max(rel(d.atan(), x.clone().atan()));
        }
        if hi.abs() > 1e-290 && hi.abs() < 6.0 {
            worst[6] = worst[6].max(rel(d.erf(), x.clone().erf()));
        }
        if hi < 26.0 {
            worst[7] = worst[7].max(rel(d.erfc(), x.clone().erfc()));
        }
        if hi.abs() <= 700.0 {
            // σ(u) = 1 / (1 + e^-u), softplus(u) = ln(1 + e^u).
            let one = Mp::with_val(200, 1);
            let sigma = Mp::with_val(200, &one / (Mp::with_val(200, &one + Mp::with_val(200, -&x).exp())));
            worst[8] = worst[8].max(rel(d.sigmoid(), sigma));
            if hi > -700.0 {
                worst[9] = worst[9].max(rel(d.softplus(), x.exp().ln_1p()));
            }
        }
    }
    println!(
        "largest relative errors (exp, expm1, ln, log1p, tanh, atan, erf, erfc, sigmoid, softplus): {:?}",
        worst.map(|w| w.log2())
    );
    // erf and erfc: their fitted corrections are good to about 2^-55 (`math::erf`).
    let bars = [-56.0, -56.0, -56.0, -56.0, -56.0, -56.0, -54.5, -54.5, -56.0, -56.0];
    let names = ["exp", "expm1", "ln", "log1p", "tanh", "atan", "erf", "erfc", "sigmoid", "softplus"];
    for ((name, w), bar) in names.iter().zip(worst).zip(bars) {
        assert!(w < 2f64.powf(bar), "{name}: 2^{}", w.log2());
    }
    // NaN stays NaN; ln(1 + erf(−10)) is ln erfc(10), −102.88, where erf's pair is
    // (−1, erfc 10).
    assert!(Dd::<f64>::new(f64::NAN).tanh().parts().0.is_nan());
    let l = Dd::<f64>::new(-10.0).erf().log1p().settled().unwrap();
    assert!((l - -102.879_889_024_844_9).abs() < 1e-12, "{l}");
    // … and ln erfc 5 at −5, where lo is 7e-5 of 1 + hi (−27.200889545537436: MPFR).
    let l = Dd::<f64>::new(-5.0).erf().log1p().settled().unwrap();
    assert!((l - -27.200_889_545_537_436).abs() <= 4.0 * 3.6e-15, "{l}");
    // Far out, the pair of tanh keeps no e^-708 in its low part (`exp_pair` is clamped
    // there): 1 − tanh(u)² is 4e^-2u, below `f64`'s normal range from u = 355.
    for u in [355.0, 700.0, 1e4] {
        let t = Dd::<f64>::new(u).tanh();
        assert!((Dd::new(1.0) - t * t).parts().0.abs() < f64::MIN_POSITIVE, "tanh({u}): {t:?}");
    }
    // Beyond the pairs' range and at the special values, the first-order path as before:
    // refused, so that the plain code decides.
    for d in [Dd::<f64>::new(710.0).exp(), Dd::new(0.0).ln(), Dd::new(-1.5).log1p(), Dd::new(-1.0).log1p()] {
        assert_eq!(d.settled(), None, "{d:?}");
    }
    assert_eq!(Dd::<f64>::new(709.0).exp().settled(), Some(Float::exp(709.0)));
}

/// Quotients (pair by pair, pair by an exact `f64`) and products by an exact `f64` keep a
/// pair's precision against MPFR, sums and products of two exact `f64`s are exact, over operands spread across the exponent range with low
/// parts of either sign; in the wide form, quotients (a product with `f64`'s reciprocal)
/// are within 2^-50 of the exact quotient, with or without the promise of `div_normal`,
/// scalar and in lanes alike.
#[test]
fn quotients_and_plain_products_keep_the_precision_of_their_form() {
    let exact = |hi: f64, lo: f64| Mp::with_val(300, Mp::with_val(300, hi) + lo);
    let error = |got: (f64, f64), truth: &Mp| Mp::with_val(300, (exact(got.0, got.1) - truth) / truth).abs().to_f64();
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let mut unit = || (next() >> 11) as f64 / (1u64 << 53) as f64;
    for _ in 0..20_000 {
        let mut pair = |scale: f64| {
            let hi = (unit() * 2.0 - 1.0) * 2f64.powf(unit() * scale - scale / 2.0);
            let lo = hi * f64::EPSILON * (unit() - 0.5);
            let (s, e) = super::two_sum(hi, lo);
            (s, e)
        };
        let ((ah, al), (bh, bl)) = (pair(400.0), pair(400.0));
        let (a, b) = (Dd::<f64>::from_parts(ah, al), Dd::<f64>::from_parts(bh, bl));
        let q = (a / b).parts();
        assert!(error(q, &Mp::with_val(300, exact(ah, al) / exact(bh, bl))) < 2f64.powi(-100), "{a:?} / {b:?}: {q:?}");
        let q = a.div_plain(bh).parts();
        assert!(error(q, &Mp::with_val(300, exact(ah, al) / bh)) < 2f64.powi(-100), "{a:?} / {bh:e}: {q:?}");
        let p = a.mul_plain(bh).parts();
        assert!(error(p, &Mp::with_val(300, exact(ah, al) * bh)) < 2f64.powi(-100), "{a:?} · {bh:e}: {p:?}");
        // Sums and products of two exact values are exact.
        let (sum, product) = (Dd::<f64>::sum(ah, bh).parts(), Dd::<f64>::product(ah, bh).parts());
        assert_eq!(exact(sum.0, sum.1), Mp::with_val(300, Mp::with_val(300, ah) + bh), "{ah:e} + {bh:e}: {sum:?}");
        assert_eq!(
            exact(product.0, product.1),
            Mp::with_val(300, Mp::with_val(300, ah) * bh),
            "{ah:e} · {bh:e}: {product:?}"
        );
        let mut single = || ((unit() * 2.0 - 1.0) * 2f64.powf(unit() * 276.0 - 149.0)) as f32;
        let (x32, y32) = (single(), single());
        let wide = Dd::<f32>::product(x32, y32).0 .0;
        assert_eq!(wide, f64::from(x32) * f64::from(y32), "{x32:e} · {y32:e}");
        assert!(wide == 0.0 || wide.abs() >= f64::MIN_POSITIVE, "{x32:e} · {y32:e}: {wide:e}");
        // The wide form, scalar and in lanes alike (the same operations).
        let (x, y) = (
            (unit() * 2.0 - 1.0) * 2f64.powf(unit() * 100.0 - 50.0),
            (unit() * 2.0 - 1.0) * 2f64.powf(unit() * 280.0 - 140.0),
        );
        let (wx, wy) = (Dd::<f32>::constant(x, 0.0), Dd::<f32>::constant(y, 0.0));
        let (quotient, normal) = ((wx / wy).0 .0, wx.div_normal(wy).0 .0);
        let truth = Mp::with_val(300, Mp::with_val(300, x) / y);
        assert!(
            error((quotient, 0.0), &truth) < 2f64.powi(-50) && normal == quotient,
            "{x:e} / {y:e}: {quotient:e}, {normal:e}"
        );
        let lanes = (Dd::<F32x16>::constant(x, 0.0) / Dd::<F32x16>::constant(y, 0.0)).0 .0;
        assert_eq!(lanes.0[3].to_bits(), quotient.to_bits(), "{x:e} / {y:e} in lanes");
    }
}

/// A subnormal dividend leaves the remainder's product inexact: such quotients are refused
/// (the plain code decides), scalar and lanes alike, unless the dividend is 0.
#[test]
fn quotients_of_subnormal_dividends_are_refused() {
    for (x, y) in [(1.7953924147e-314, 3.8569544632377574e-294), (-4e-320, 1e-300), (2.2e-308, 3.0)] {
        assert_eq!(Dd::<f64>::new(x).div_plain(y).settled(), None, "{x:e} / {y:e}");
        assert_eq!((Dd::<f64>::new(x) / Dd::<f64>::new(y)).settled(), None, "{x:e} / {y:e}");
        let lanes = Dd::<F64x8>::new(F64x8::splat(x)).div_plain(F64x8::splat(y)).settle();
        assert!(lanes.1 .0.iter().all(|&m| m == 0), "{x:e} / {y:e} in lanes");
    }
    // A 0 dividend is not poisoned (its 0 is the plain code's to settle), a normal one
    // settles.
    let (hi, lo) = Dd::<f64>::new(0.0).div_plain(1e-300).parts();
    assert!(hi == 0.0 && !lo.is_nan(), "{hi:e} {lo:e}");
    assert!(Dd::<f64>::new(3e-300).div_plain(1e-300).settled().is_some());
}

/// `two_prod` gives, on every path — scalars, and lanes of each width: `F64x2` and `F32x4`
/// take Dekker's split in every build, the wider ones the fused multiply-add — the pair of
/// a fused multiply-add bit for bit (`mul_add`, correctly rounded in software where the CPU
/// lacks it) wherever the product is normal or not finite, exact against MPFR where its
/// error is not below the subnormal range: near the top of the range, where Dekker's split of a factor, or the product of
/// the high parts, would overflow; near the bottom, where its partial products would round
/// on the subnormal grid; where the product overflows or a factor is not finite (NaN
/// payloads aside); and with such lanes beside ordinary ones in one vector.
#[test]
fn error_free_products_are_those_of_a_fused_multiply_add() {
    assert_eq!(f64::SPLIT_SCALE, 2f64.powi(-28));
    assert_eq!(f32::SPLIT_SCALE, 2f32.powi(-13));
    assert_eq!(f64::SPLIT_FLOOR, 2f64.powi(-960));
    assert_eq!(f32::SPLIT_FLOOR, 2f32.powi(-93));
    assert_eq!(f64::SPLIT_RAISE, 2f64.powi(110));
    assert_eq!(f32::SPLIT_RAISE, 2f32.powi(52));
    fn same<T: Real>(x: T, y: T) -> bool {
        x.to_f64().to_bits() == y.to_f64().to_bits() || (x.to_f64().is_nan() && y.to_f64().is_nan())
    }
    // Every path against `mul_add`, and the finite products against MPFR (at `bits`); the
    // pair `ordinary` is put in the other lanes of each vector.
    macro_rules! checker {
        ($name:ident, $t:ty, $bits:expr, $($n:literal $isa:ty),*) => {
            fn $name(a: $t, b: $t, ordinary: ($t, $t)) {
                let (p, e) = two_prod(a, b);
                // A subnormal or zero product keeps Dekker's error (pairs refuse it).
                if p.abs() < <$t>::MIN_POSITIVE {
                    return;
                }
                let fused = a.mul_add(b, -p);
                assert!(same(e, fused), "{a:e} · {b:e}: {e:e}, fused {fused:e}");
                // (Below `SPLIT_FLOOR` the error may be below the subnormal range: rounded.)
                if p.is_finite() && p.abs() >= <$t>::SPLIT_FLOOR {
                    let exact = Mp::with_val($bits, Mp::with_val($bits, a) * b);
                    assert_eq!(Mp::with_val($bits, Mp::with_val($bits, p) + e), exact, "{a:e} · {b:e}: {p:e} + {e:e}");
                }
                let (po, eo) = two_prod(ordinary.0, ordinary.1);
                $(
                    for k in [0, $n - 1] {
                        if !crate::lanes::runs_here::<$isa>() {
                            break;
                        }
                        let (mut xa, mut xb) = ([ordinary.0; $n], [ordinary.1; $n]);
                        xa[k] = a;
                        xb[k] = b;
                        let (pv, ev) = two_prod(Lanes::<$t, $n, $isa>::new(xa), Lanes::<$t, $n, $isa>::new(xb));
                        assert!(same(pv.0[k], p) && same(ev.0[k], e), "{a:e} · {b:e}: {e:e}, lane {k} of {}: {:e}", $n, ev.0[k]);
                        let j = (k + 1) % $n;
                        assert!(same(pv.0[j], po) && same(ev.0[j], eo), "the ordinary lane beside {a:e} · {b:e}");
                    }
                )*
            }
        };
    }
    checker!(check64, f64, 300, 2 Baseline, 4 Avx2Fma, 8 Avx2Fma, 8 Avx512);
    checker!(check32, f32, 100, 4 Baseline, 8 Avx2Fma, 16 Avx2Fma, 16 Avx512);
    let threshold = f64::MAX / 134_217_729.0;
    let near_root = 2f64.powi(512) * (1.0 - f64::EPSILON / 2.0);
    let f64s = [
        (1e305, 3.7),
        (-1.7e308, 0.9),
        (threshold, 1.1),
        (threshold * (1.0 + f64::EPSILON), -1.1),
        (threshold * (1.0 - f64::EPSILON), -1.1),
        (1.3, 1e306),
        (1e305, 1e-310),
        (f64::MAX, 5e-324),
        (1e154, 1e154),
        (near_root, near_root),
        (near_root, -near_root * (1.0 - f64::EPSILON)),
        (3.1e-5, 7.9),
        (1e305, 10.0),
        (1e305, -0.0),
        (1e200, -1e200),
        (4.141870582997986e-59, 1.2858241772688684e-249),
        (4.997e-5, 6.74e-302),
        (-1.3e-150, 1.7e-160),
        (f64::MIN_POSITIVE, 1.0 + f64::EPSILON),
        (f64::INFINITY, 2.0),
        (0.0, f64::NEG_INFINITY),
        (f64::NAN, 1e305),
    ];
    for (a, b) in f64s {
        check64(a, b, (1.5, 2.5 + f64::EPSILON));
    }
    let f32_threshold = f32::MAX / 4097.0;
    let f32_root = 2f32.powi(64) * (1.0 - f32::EPSILON / 2.0);
    let f32s = [
        (3e38f32, 0.9f32),
        (f32_threshold, 3.3),
        (f32_threshold * (1.0 + f32::EPSILON), -3.3),
        (1.3, 2.5e38),
        (1e20, 1e-30),
        (f32_root, f32_root),
        (3.1e-5, 7.9),
        (3e38, 3.0),
        (3e38, -0.0),
        (3.3e-20, -1.7e-19),
        (f32::MIN_POSITIVE, 1.0 + f32::EPSILON),
        (f32::INFINITY, -1.0),
        (0.0, f32::INFINITY),
        (f32::NAN, 2.0),
    ];
    for (a, b) in f32s {
        check32(a, b, (1.5, 2.5 + f32::EPSILON));
    }
    // Random products over the whole range, and many near each end.
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let mut draw = |lo: i32, hi: i32| {
        let m = 1.0 + (next() >> 12) as f64 / (1u64 << 52) as f64;
        let k = lo + (next() % (hi - lo) as u64) as i32;
        let sign = if next() & 1 == 0 { 1.0 } else { -1.0 };
        sign * m * 2f64.powi(k)
    };
    for _ in 0..20_000 {
        check64(draw(-1000, 1000), draw(-1000, 1000), (1.5, 2.5));
        // Products in [2^-1022, 2^-960) and near 2^1024.
        let a = draw(-600, 100);
        check64(a, draw(-1021, -961) / a, (1.5, 2.5));
        let a = draw(0, 1023);
        check64(a, draw(990, 1024) / a, (1.5, 2.5));
        let a = draw(-80, 20) as f32;
        check32(a, draw(-125, -94) as f32 / a, (1.5, 2.5));
        let a = draw(0, 127) as f32;
        check32(a, draw(100, 128) as f32 / a, (1.5, 2.5));
    }
}

#[test]
fn lean_pairs_are_tested_pairs_without_the_tests() {
    // Inside the range `DdLean` is emitted for, every operation gives the bits of
    // `DdPair`'s (the same operations in the same order; no test fires there), in `f32`
    // and `f64`, on scalars and on lanes.
    use super::DdLean;
    let mut next = xorshift(0x5DEE_CE66_D1CE_4E5B);
    let mut value = || {
        let r = next();
        let m = 1.0 + (r >> 11) as f64 * 2f64.powi(-53);
        // 2^-10 to 2^11: y³ stays below 2^72, far inside `f32`'s range, as `DdLean` needs.
        let v = m * 2f64.powi((r % 21) as i32 - 10);
        if r & (1 << 10) == 0 {
            v
        } else {
            -v
        }
    };
    fn ops<T: Float, R: super::Repr<T>>(a: T, b: T, c: T) -> [(T, T); 6] {
        let (x, y) = (Dd::<T, R>::sum(a, b), Dd::<T, R>::product(b, c));
        [
            (x * y).parts(),
            (x / y).parts(),
            (x + y).parts(),
            y.powi_normal(3).parts(),
            x.mul_plain(c).div_plain(a).parts(),
            Dd::<T, R>::constant(0.1, -5.551115123125783e-18).div_normal(y.abs()).parts(),
        ]
    }
    for _ in 0..20_000 {
        let (a, b, c) = (value(), value(), value());
        let same = |p: [(f64, f64); 6], q: [(f64, f64); 6]| {
            p.iter().zip(&q).all(|(u, v)| u.0.to_bits() == v.0.to_bits() && u.1.to_bits() == v.1.to_bits())
        };
        assert!(
            same(ops::<f64, super::pair::Pair<f64>>(a, b, c), ops::<f64, super::pair::Pair<f64, false>>(a, b, c)),
            "{a:e} {b:e} {c:e}"
        );
        let (a, b, c) = (a as f32, b as f32, c as f32);
        let widen = |p: [(f32, f32); 6]| p.map(|(h, l)| (f64::from(h), f64::from(l)));
        let tested = widen(ops::<f32, super::pair::Pair<f32>>(a, b, c));
        assert!(same(tested, widen(ops::<f32, super::pair::Pair<f32, false>>(a, b, c))), "{a:e} {b:e} {c:e}");
        // Lanes give the scalar bits.
        let lanes =
            ops::<F32x16, super::pair::Pair<F32x16, false>>(F32x16::splat(a), F32x16::splat(b), F32x16::splat(c));
        let first = lanes.map(|(h, l)| {
            let (mut hs, mut ls) = ([0.0f32; 16], [0.0f32; 16]);
            h.store(&mut hs);
            l.store(&mut ls);
            (f64::from(hs[15]), f64::from(ls[15]))
        });
        assert!(same(tested, first), "{a:e} {b:e} {c:e}");
    }
    // The alias is those pairs.
    let _: DdLean<f32> = Dd::<f32, super::pair::Pair<f32, false>>::new(1.0);
}

//! `HalfActivation` (feature `half`) against MPFR, over every finite `bf16` input and every
//! other finite `f16`: the `f32` result the kernels compute is within its bar (`docs/contract.md`
//! §5.1) and the 16-bit result is its correctly rounded conversion — checked against a
//! rounding written here (round to nearest, ties to even, with the format's subnormals and
//! overflow), not against `half`'s. Prints the measured error in ULPs of the 16-bit format
//! against the truth (the README's "16-bit floats" quotes it).
#![cfg(feature = "half")]

use activation::catalog::{Gelu, Mish, Sigmoid, Swish, Tanh};
use activation::prelude::*;
use activation::{DynActivation, Function, Half};
use activation_core::check::{bound, Subject};
use activation_core::ulp::ulps_f32;
use half::{bf16, f16};

/// A 16-bit format: significand bits (with the hidden one), least normal exponent,
/// largest finite value.
struct Format {
    name: &'static str,
    digits: i32,
    emin: i32,
    max: f64,
}

const BF16: Format = Format { name: "bf16", digits: 8, emin: -126, max: 3.3895313892515355e38 };
const F16: Format = Format { name: "f16", digits: 11, emin: -14, max: 65504.0 };

impl Format {
    /// The spacing of the format's grid at `v`.
    fn ulp(&self, v: f64) -> f64 {
        let e = if v == 0.0 { self.emin } else { (v.abs().log2().floor() as i32).max(self.emin) };
        2f64.powi(e - self.digits + 1)
    }

    /// `v` rounded to the format: to nearest, ties to even; beyond the largest finite
    /// value by half an ULP or more, infinity.
    fn round(&self, v: f32) -> f64 {
        let v = f64::from(v);
        if !v.is_finite() || v == 0.0 {
            return v;
        }
        let q = self.ulp(v);
        let r = (v / q).round_ties_even() * q;
        if r.abs() > self.max {
            f64::INFINITY.copysign(v)
        } else {
            r
        }
    }
}

/// What one activation's kernels did over one format's inputs.
#[derive(Default)]
struct Measured {
    points: usize,
    /// Largest error of the 16-bit result against the truth, in the format's ULPs, and where.
    max_ulps: (f64, f64),
    /// The same over the points whose `f32` bar is at most 8 ULPs (cond ≤ 1).
    max_ulps_conditioned: f64,
    /// Points whose truth is below the least normal `f32` (held to sign and magnitude only).
    subnormal: usize,
}

fn sweep<H: Half + Into<f32> + Copy>(
    a: &(impl Activation + DynActivation),
    inputs: &[H],
    fmt: &Format,
) -> [Measured; 2] {
    let subject = Subject::of(a);
    let n = inputs.len();
    let (mut y, mut d, mut d2) = (vec![inputs[0]; n], vec![inputs[0]; n], vec![inputs[0]; n]);
    a.forward_slice_half(inputs, &mut y);
    a.with_derivative_slice_half(inputs, &mut d2, &mut d);
    // The backward kernel with grad_out = 1 is the derivative (1 · f' is exact).
    let ones: Vec<H> = {
        let mut o = vec![inputs[0]; n];
        H::narrow(&vec![1.0f32; n], &mut o);
        o
    };
    let mut back = vec![inputs[0]; n];
    a.backward_slice_half(inputs, &ones, &mut back);
    let wide = |v: &[H]| -> Vec<f32> { v.iter().map(|&h| h.into()).collect() };
    let (y, d, d2, back) = (wide(&y), wide(&d), wide(&d2), wide(&back));
    let x: Vec<f32> = wide(inputs);
    let mut out = [Measured::default(), Measured::default()];
    for (k, (which, results)) in [(Function::Forward, &y), (Function::Derivative, &d)].into_iter().enumerate() {
        let m = &mut out[k];
        for (i, &x) in x.iter().enumerate() {
            let r32 = a.evaluate(which, x);
            let h = results[i];
            // The 16-bit result is the correctly rounded f32 result.
            let rounded = fmt.round(r32);
            assert_eq!(
                f64::from(h).to_bits(),
                rounded.to_bits(),
                "{} {} {}: at x = {x:e} the f32 result {r32:e} rounds to {rounded:e}, the kernel gave {h:e}",
                a.name(),
                which.label(&[]),
                fmt.name
            );
            if which == Function::Forward {
                assert_eq!(d2[i].to_bits(), h.to_bits(), "with_derivative_slice_half f at {x:e}");
            } else {
                assert_eq!(back[i].to_bits(), h.to_bits(), "backward_slice_half at {x:e}");
            }
            // The f32 result is within its bar, against MPFR.
            let truth = subject.reference(which, f64::from(x));
            if !truth.is_finite() {
                assert_eq!(f64::from(r32), truth, "{} at {x:e}", a.name());
                continue;
            }
            m.points += 1;
            if truth.abs() < f64::from(f32::MIN_POSITIVE) {
                m.subnormal += 1;
                continue;
            }
            // f: MPFR rounded to f32 directly; f': the numerical derivative is an f64 (as in
            // the gradient checks), rounded to f32.
            let truth32 = if which == Function::Forward { subject.reference_f32(which, x) } else { truth as f32 };
            let ulps32 = ulps_f32(r32, truth32);
            let mut bar = 8.0;
            if ulps32 > 4.0 {
                let slope = match which {
                    Function::Forward => subject.reference(Function::Derivative, f64::from(x)),
                    _ => subject.reference(Function::Second, f64::from(x)),
                };
                bar = bound((f64::from(x) * slope / truth).abs());
                assert!(
                    ulps32 <= bar,
                    "{} {} at x = {x:e}: f32 result {r32:e} is {ulps32} ULPs from {truth32:e}, bar {bar}",
                    a.name(),
                    which.label(&[])
                );
            }
            let err = (f64::from(h) - truth).abs() / fmt.ulp(truth);
            if err > m.max_ulps.0 {
                m.max_ulps = (err, f64::from(x));
            }
            if bar <= 8.0 {
                m.max_ulps_conditioned = m.max_ulps_conditioned.max(err);
            }
        }
    }
    out
}

fn report(name: &str, fmt: &Format, m: &[Measured; 2]) {
    for (what, m) in ["f", "f'"].iter().zip(m) {
        println!(
            "{name:>8} {what:<2} {}: {} inputs, max {:.4} ULP (at x = {:e}), {:.4} ULP where cond ≤ 1; {} subnormal truths",
            fmt.name, m.points, m.max_ulps.0, m.max_ulps.1, m.max_ulps_conditioned, m.subnormal
        );
        // Correct rounding of an f32 result within 8 f32 ULPs costs at most half an ULP of
        // the 16-bit format plus 8 · 2^(p-24) of it.
        let allowed = 0.5 + 8.0 * 2f64.powi(fmt.digits - 24);
        assert!(
            m.max_ulps_conditioned <= allowed,
            "{name} {what} {}: {} > {allowed}",
            fmt.name,
            m.max_ulps_conditioned
        );
    }
}

fn all_finite_bf16() -> Vec<bf16> {
    (0..=u16::MAX).map(bf16::from_bits).filter(|v| v.is_finite()).collect()
}

/// Every other finite `f16` (every bit pattern with an even significand, so each binade
/// is swept at twice the format's spacing; 31,744 inputs). All of them double the time of
/// an MPFR-bound test that CI runs in debug builds.
fn dense_f16() -> Vec<f16> {
    (0..=u16::MAX).step_by(2).map(f16::from_bits).filter(|v| v.is_finite()).collect()
}

macro_rules! sweeps {
    ($($test:ident: $value:expr;)*) => {$(
        #[test]
        fn $test() {
            let a = $value;
            let m = sweep(&a, &all_finite_bf16(), &BF16);
            report(a.name(), &BF16, &m);
            let m = sweep(&a, &dense_f16(), &F16);
            report(a.name(), &F16, &m);
        }
    )*};
}

// Four kinds of kernel: a plain exp-based form, the runtime's tanh, GELU's refined tails
// (double-double arguments) and mish, whose derivative is compensated.
sweeps! {
    sigmoid_every_input: Sigmoid;
    tanh_every_input: Tanh;
    gelu_every_input: Gelu;
    mish_every_input: Mish;
}

#[test]
fn rounding_here_agrees_with_half_on_every_f32_midpoint() {
    // Every midpoint between neighbouring 16-bit values (ties), and its f32 neighbours,
    // for both formats: `half` rounds to nearest with ties to even, as `Format::round`.
    let mut checked = 0;
    for bits in 0..=u16::MAX {
        for (fmt, lo) in [(&BF16, f32::from(bf16::from_bits(bits))), (&F16, f32::from(f16::from_bits(bits)))] {
            if !lo.is_finite() {
                continue;
            }
            let hi = fmt.round(f32::from_bits(lo.to_bits() + 1)).max(f64::from(lo) + fmt.ulp(f64::from(lo)));
            let mid = ((f64::from(lo) + hi) / 2.0) as f32;
            for v in [f32::from_bits(mid.to_bits() - 1), mid, f32::from_bits(mid.to_bits() + 1)] {
                let ours = fmt.round(v);
                let theirs: f32 = if fmt.digits == 8 { bf16::from_f32(v).into() } else { f16::from_f32(v).into() };
                assert_eq!(f64::from(theirs).to_bits(), ours.to_bits(), "{} at {v:e}", fmt.name);
                checked += 1;
            }
        }
    }
    assert!(checked > 300_000, "{checked}");
}

#[test]
fn param_gradients_sum_in_f32() {
    let s = Swish { beta: 1.5 };
    let x: Vec<bf16> = (0..1000).map(|i| bf16::from_f32((i as f32 - 500.0) / 37.0)).collect();
    let g: Vec<bf16> = (0..1000).map(|i| bf16::from_f32(((i * 7) % 13) as f32 / 13.0)).collect();
    let mut out = [bf16::ZERO];
    s.param_gradients_half(&x, &g, &mut out);
    let exact: f64 = x.iter().zip(&g).map(|(&x, &g)| f64::from(g) * s.param_derivative(0, f64::from(x))).sum();
    let err = (f64::from(out[0]) - exact).abs() / BF16.ulp(exact);
    assert!(err <= 0.51, "{} vs {exact}: {err} ULP", out[0]);
}

#[test]
#[should_panic(expected = "slices differ in length")]
fn mismatched_lengths_panic_like_the_f32_kernels() {
    Sigmoid.forward_slice_half(&[f16::ONE; 3], &mut [f16::ZERO; 2]);
}

//! Every lane width computes, lane by lane, exactly what the scalar functions compute: the
//! same generated body runs on `f32`/`f64` and on 4, 8 and 16 lanes of `f32` (2, 4, 8 of
//! `f64`), whatever the CPU (the widths that this machine would not pick at run time run
//! here on plain arrays). Inputs cover both tails, the middle, breakpoints' neighbourhoods,
//! subnormals and the special values, so every select and every rare path (refined
//! arguments, log-domain products, pairs that refuse to settle) is taken by some lane
//! while its neighbours take another.

use activation::catalog as c;
use activation::lanes::{F32x16, F32x4, F32x8, F64x2, F64x4, F64x8};
use activation::prelude::*;
use activation::Function;

/// A user formula with `erf`, nothing the catalog has.
#[activation]
pub fn erf_softplus_gate(x: f64) -> f64 {
    x * erf(softplus(x))
}

/// A three-branch clipped polynomial with a parameter.
#[activation(a = 0.5)]
pub fn clipped_cubic(x: f64, a: f64) -> f64 {
    if x < -2.0 {
        -2.0 * a
    } else if x > 2.0 {
        2.0 * a
    } else {
        a * (x - x.powi(3) / 12.0) * 1.5
    }
}

fn inputs_f64() -> Vec<f64> {
    let mut xs: Vec<f64> = (-400..=400).map(|i| f64::from(i) * 0.0625 + 0.003).collect();
    for e in
        [1e-310, 1e-300, 1e-20, 1e-8, 0.5, 2.0, 3.0, 6.0, 20.0, 40.0, 88.0, 100.0, 700.0, 710.0, 745.0, 1e10, 1e300]
    {
        xs.extend([e, -e]);
    }
    // Either side of the bounds of softsign′ and softsign″'s untested pairs (`DdLean`:
    // 2^29 and 2^19), which lanes beyond them leave for `Dd`.
    for e in [524288.0, 524288.0625, 536870912.0, 536870976.0] {
        xs.extend([e, -e]);
    }
    xs.extend([0.0, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, f64::MAX, f64::MIN, f64::MIN_POSITIVE]);
    // Shuffle deterministically so that every lane group mixes tails and middles.
    let n = xs.len();
    (0..n).map(|i| xs[(i * 7919) % n]).collect()
}

fn same<T: Into<f64> + Copy>(a: T, b: T) -> bool {
    let (a, b) = (a.into(), b.into());
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Compares `which` on lanes `L` with the scalar function, for every input.
macro_rules! compare {
    ($a:expr, $lanes:ty, $scalar:ty, $which:expr, $xs:expr, $failures:expr) => {{
        let a = &$a;
        let n = <$lanes as Float>::LANES;
        let xs: Vec<$scalar> = $xs.iter().map(|&x| x as $scalar).collect();
        for chunk in xs.chunks_exact(n) {
            let v = <$lanes as Float>::load(chunk);
            let mut got = vec![0.0 as $scalar; n];
            a.evaluate($which, v).store(&mut got);
            let (mut f, mut d) = (vec![0.0 as $scalar; n], vec![0.0 as $scalar; n]);
            if $which == Function::Forward {
                let (fv, dv) = a.with_derivative(v);
                fv.store(&mut f);
                dv.store(&mut d);
            }
            for (i, &x) in chunk.iter().enumerate() {
                let want = a.evaluate($which, x);
                if !same(got[i], want) {
                    $failures.push(format!(
                        "{} {:?} on {}: at x = {x:e} lanes give {:e}, scalar {want:e}",
                        activation::DynActivation::name(a),
                        $which,
                        stringify!($lanes),
                        got[i]
                    ));
                }
                if $which == Function::Forward {
                    let (wf, wd) = a.with_derivative(x);
                    if !same(f[i], wf) || !same(d[i], wd) {
                        $failures.push(format!(
                            "{} with_derivative on {}: at x = {x:e}",
                            activation::DynActivation::name(a),
                            stringify!($lanes)
                        ));
                    }
                }
            }
        }
    }};
}

fn check<A: Activation + Send + Sync>(a: A) -> Vec<String> {
    let xs = inputs_f64();
    let mut failures = Vec::new();
    for which in Function::all(A::PARAMS.len()) {
        compare!(a, F32x4, f32, which, xs, failures);
        compare!(a, F32x8, f32, which, xs, failures);
        compare!(a, F32x16, f32, which, xs, failures);
        compare!(a, F64x2, f64, which, xs, failures);
        compare!(a, F64x4, f64, which, xs, failures);
        compare!(a, F64x8, f64, which, xs, failures);
    }
    failures
}

/// Runs `f` on a thread with a large stack. Unoptimised, every temporary of a kernel gets
/// its own stack slot, and `check` inlines the kernels of all six widths: its frame alone
/// is about 1.3 MB for GELU on this test's widths, above a test thread's 2 MiB together
/// with the slice kernels beneath it. Optimised builds need a few kilobytes.
fn with_large_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .expect("a test thread")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn every_lane_width_agrees_with_the_scalar_functions() {
    with_large_stack(every_lane_width_agrees);
}

fn every_lane_width_agrees() {
    let mut failures = Vec::new();
    failures.extend(check(c::Sigmoid));
    failures.extend(check(c::Tanh));
    failures.extend(check(c::Relu));
    failures.extend(check(c::LeakyRelu::default()));
    failures.extend(check(c::Prelu::default()));
    failures.extend(check(c::Elu::default()));
    failures.extend(check(c::Swish::default()));
    failures.extend(check(c::Gelu));
    failures.extend(check(c::GeluErf));
    failures.extend(check(c::Silu));
    failures.extend(check(c::Softplus));
    failures.extend(check(c::Mish));
    failures.extend(check(c::Selu::default()));
    failures.extend(check(c::Celu::default()));
    failures.extend(check(c::Logsigmoid));
    failures.extend(check(c::Softsign));
    failures.extend(check(c::Hardtanh));
    failures.extend(check(c::Hardsigmoid));
    failures.extend(check(c::Hardswish));
    failures.extend(check(ErfSoftplusGate));
    failures.extend(check(ClippedCubic::default()));
    assert!(
        failures.is_empty(),
        "{} disagreements, first 20:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

#[test]
fn slices_of_every_length_agree_with_the_scalar_functions() {
    // Whole lanes and every remainder length, through the run-time dispatch.
    let xs = inputs_f64();
    let a = c::Gelu;
    for n in 0..40 {
        let x32: Vec<f32> = xs[..n].iter().map(|&v| v as f32).collect();
        let g32: Vec<f32> = (0..n).map(|i| 0.5 + i as f32 / 7.0).collect();
        let (mut y, mut d, mut back) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        a.with_derivative_slice(&x32, &mut y, &mut d);
        a.backward_slice(&x32, &g32, &mut back);
        for i in 0..n {
            assert!(same(y[i], a.forward(x32[i])), "n = {n}, i = {i}");
            assert!(same(d[i], a.derivative(x32[i])), "n = {n}, i = {i}");
            assert!(same(back[i], g32[i] * a.derivative(x32[i])), "n = {n}, i = {i}");
        }
        let mut sums = [0.0f64];
        let x64 = &xs[..n];
        let g64: Vec<f64> = (0..n).map(|i| 0.5 + i as f64 / 7.0).collect();
        ClippedCubic::default().param_gradients(x64, &g64, &mut sums);
        // Summed in index order from +0 (`Iterator::sum` starts from -0).
        let expected =
            x64.iter().zip(&g64).fold(0.0, |acc, (&x, &g)| acc + g * ClippedCubic::default().param_derivative(0, x));
        assert!(same(sums[0], expected), "n = {n}");
    }
}

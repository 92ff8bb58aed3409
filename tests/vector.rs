//! Vector activations (`docs/contract.md` §7): ones the catalog does not have, declared as a user would —
//! a softmax with a temperature, written with the max shift by hand; the textbook one
//! with a temperature that has no default; log-sum-exp; a genuine `max`; a piecewise
//! formula with a `let` used inside a reduction — and the
//! catalog's softmax and log-softmax. Each `#[activation]` below generates its own
//! gradient checks (forward, VJP, JVP and Jacobian against MPFR numerical derivatives, in
//! `f64` and `f32`, logits up to ±1e308) that run with this test binary; the tests here
//! add the properties, the extreme logits, the length checks and the measured errors.

use activation::catalog::{log_softmax, log_softmax_jacobian, log_softmax_vjp, softmax, softmax_jacobian};
use activation::catalog::{sigmoid, LogSoftmax, Softmax};
use activation::prelude::*;
use activation_core::ulp::{ulps_f32, ulps_f64};
use activation_core::vector_check::{max_ulps, run};

/// Softmax with a temperature, the max shift written by the user.
#[activation(t = 1.0)]
pub fn softmax_t(x: &[f64], t: f64) -> f64 {
    let m = max(x);
    exp((x - m) / t) / sum(exp((x - m) / t))
}

/// The textbook softmax with a temperature that has no default (the checks use 0.75).
#[activation]
pub fn tempered(x: &[f64], t: f64) -> f64 {
    exp(x / t) / sum(exp(x / t))
}

/// Log-sum-exp, the same for every element: a smooth maximum.
#[activation]
pub fn logsumexp(x: &[f64]) -> f64 {
    ln(sum(exp(x)))
}

/// The distance below the largest logit: a `max` the formula depends on, whose derivative
/// goes to the first argmax.
#[activation]
pub fn below_max(x: &[f64]) -> f64 {
    x - max(x)
}

/// Piecewise: each positive logit's share `x / (1 + x)`, normalised; a kink at 0, where
/// the derivative takes the `else` branch.
#[activation]
pub fn soft_share(x: &[f64]) -> f64 {
    let r = if x > 0.0 { x / (1.0 + x) } else { 0.0 };
    r / (1.0 + sum(r))
}

#[test]
fn other_temperatures_pass_the_checks() {
    run(&SoftmaxT { t: 0.25 });
    run(&SoftmaxT { t: 3.0 });
    run(&Tempered { t: 2.0 });
}

#[test]
fn products_agree_with_the_jacobian() {
    let x = [0.3, -1.2, 2.5, 0.0, -0.7];
    let g = [1.0, -0.5, 0.25, 2.0, 0.125];
    let s = SoftmaxT { t: 0.7 };
    let j = s.jacobian(&x);
    let (mut vjp, mut jvp) = ([0.0; 5], [0.0; 5]);
    s.vjp(&x, &g, &mut vjp);
    s.jvp(&x, &g, &mut jvp);
    for k in 0..5 {
        let by_j: f64 = (0..5).map(|i| g[i] * j[i * 5 + k]).sum();
        assert!((vjp[k] - by_j).abs() < 1e-15, "vjp[{k}]");
        let by_j: f64 = (0..5).map(|i| j[k * 5 + i] * g[i]).sum();
        assert!((jvp[k] - by_j).abs() < 1e-15, "jvp[{k}]");
    }
    // The free functions are the struct's methods.
    let mut out = [0.0; 5];
    softmax_t_vjp(&x, &g, 0.7, &mut out);
    assert_eq!(out, vjp);
    assert_eq!(softmax_t_jacobian(&x, 0.7), j);
}

#[test]
fn the_softmax_vjp_is_s_times_g_minus_its_mean() {
    let (x, g) = ([0.5, -1.0, 2.0], [1.0, 0.25, -0.5]);
    let mut s = [0.0; 3];
    softmax(&x, &mut s);
    let dot: f64 = s.iter().zip(&g).map(|(a, b)| a * b).sum();
    let mut vjp = [0.0; 3];
    activation::catalog::softmax_vjp(&x, &g, &mut vjp);
    for k in 0..3 {
        assert!(ulps_f64(vjp[k], s[k] * (g[k] - dot)) <= 4.0, "{k}");
    }
    // log-softmax: g - exp(y) sum(g).
    let mut y = [0.0; 3];
    log_softmax(&x, &mut y);
    log_softmax_vjp(&x, &g, &mut vjp);
    let total: f64 = g.iter().sum();
    for k in 0..3 {
        assert!(ulps_f64(vjp[k], g[k] - y[k].exp() * total) <= 4.0, "{k}");
    }
}

#[test]
fn large_equal_logits() {
    let mut out = [0.0; 2];
    softmax(&[1000.0, 1000.0], &mut out);
    assert_eq!(out, [0.5, 0.5]);
    let mut out32 = [0.0f32; 2];
    Softmax.forward(&[1000.0f32, 1000.0], &mut out32);
    assert_eq!(out32, [0.5, 0.5]);
}

#[test]
fn log_softmax_keeps_the_tail() {
    let mut out = [0.0; 2];
    log_softmax(&[0.0, -800.0], &mut out);
    assert_eq!(out, [0.0, -800.0]);
    // At a gap of 40 the largest element's log-probability is -e^-40, not 0.
    log_softmax(&[0.0, -40.0], &mut out);
    assert!(ulps_f64(out[0], -(-40.0f64).exp()) <= 2.0, "{}", out[0]);
}

#[test]
fn extreme_logits_stay_finite() {
    for x in [[1e308, -1e308], [-1e308, 1e308], [f64::MAX, f64::MAX], [-f64::MAX, 1.0]] {
        let mut s = [0.0; 2];
        softmax(&x, &mut s);
        assert!(s.iter().all(|v| v.is_finite()) && (s[0] + s[1] - 1.0).abs() <= f64::EPSILON, "{x:?}: {s:?}");
        assert!(softmax_jacobian(&x).iter().all(|v| v.is_finite()), "{x:?}");
        let mut y = [0.0; 2];
        log_softmax(&x, &mut y);
        // The smaller element's log-probability is x_small - x_large, which is -inf where
        // that difference is beyond f64 (-2e308): the correctly rounded value.
        assert!(!y.iter().any(|v| v.is_nan()), "{x:?}: {y:?}");
        assert!(log_softmax_jacobian(&x).iter().all(|v| v.is_finite()), "{x:?}");
    }
    let mut y = [0.0; 2];
    log_softmax(&[1e308, -1e308], &mut y);
    assert_eq!(y, [0.0, f64::NEG_INFINITY]);
    log_softmax(&[1e308, 1e307], &mut y);
    assert_eq!(y, [0.0, -9e307]);
}

#[test]
fn softmax_of_two_is_the_sigmoid() {
    for x in [-745.0, -100.0, -20.0, -1.5, -1e-9, 0.0, 0.3, 2.0, 17.0, 40.0, 750.0] {
        let mut s = [0.0; 2];
        softmax(&[x, 0.0], &mut s);
        assert!(ulps_f64(s[0], sigmoid(x)) <= 2.0, "x = {x}: {} vs {}", s[0], sigmoid(x));
        let mut s32 = [0.0f32; 2];
        Softmax.forward(&[x as f32, 0.0], &mut s32);
        let sig32: f32 = activation::catalog::Sigmoid.forward(x as f32);
        assert!(ulps_f32(s32[0], sig32) <= 2.0, "x = {x}: {} vs {sig32}", s32[0]);
    }
}

#[test]
fn jacobian_rows_and_columns_sum_to_zero() {
    let x = [0.5, -1.25, 2.0, 0.0, 7.5];
    for j in [softmax_jacobian(&x), log_softmax_jacobian(&x)] {
        for i in 0..5 {
            let row: f64 = j[i * 5..(i + 1) * 5].iter().sum();
            assert!(row.abs() <= 1e-15, "row {i} sums to {row:e}");
        }
    }
    // Softmax outputs sum to 1, so its columns sum to 0 too.
    let j = softmax_jacobian(&x);
    for k in 0..5 {
        let column: f64 = (0..5).map(|i| j[i * 5 + k]).sum();
        assert!(column.abs() <= 1e-15, "column {k} sums to {column:e}");
    }
    const { assert!(Softmax::SHIFT_INVARIANT && LogSoftmax::SHIFT_INVARIANT && SoftmaxT::SHIFT_INVARIANT) };
    const { assert!(!Logsumexp::SHIFT_INVARIANT && !BelowMax::SHIFT_INVARIANT) };
}

#[test]
fn adding_a_constant_changes_nothing() {
    let x = [0.5, -1.25, 2.0, 0.0];
    let (mut a, mut b) = ([0.0; 4], [0.0; 4]);
    for c in [0.5, -3.0, 1024.0] {
        let shifted = x.map(|v| v + c);
        softmax(&x, &mut a);
        softmax(&shifted, &mut b);
        assert_eq!(a, b, "softmax, c = {c}");
        log_softmax(&x, &mut a);
        log_softmax(&shifted, &mut b);
        assert_eq!(a, b, "log_softmax, c = {c}");
    }
}

#[test]
fn log_sum_exp_is_the_same_everywhere() {
    let mut out = [0.0; 3];
    logsumexp(&[1000.0, 1000.0, -5.0], &mut out);
    let expected = 1000.0 + std::f64::consts::LN_2;
    assert!(out.iter().all(|&v| ulps_f64(v, expected) <= 1.0), "{out:?}");
    // Its gradient is the softmax.
    let mut grad = [0.0; 3];
    logsumexp_vjp(&[0.0, 1.0, 2.0], &[1.0, 0.0, 0.0], &mut grad);
    let mut s = [0.0; 3];
    softmax(&[0.0, 1.0, 2.0], &mut s);
    assert!(grad.iter().zip(&s).all(|(a, b)| ulps_f64(*a, *b) <= 4.0), "{grad:?} vs {s:?}");
}

#[test]
fn a_genuine_max_differentiates_at_the_first_argmax() {
    let j = below_max_jacobian(&[2.0, 5.0, 5.0]);
    // f_i = x_i - x_1: the first of the tied maxima takes the derivative.
    assert_eq!(j, [1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 1.0]);
    let mut out = [0.0; 3];
    below_max_vjp(&[2.0, 5.0, 5.0], &[1.0, 2.0, 4.0], &mut out);
    assert_eq!(out, [1.0, -5.0, 4.0]);
}

#[test]
fn kinks_take_the_branch_the_if_selects() {
    // At x_0 = 0 the `else` branch is selected: f_0 is 0 and so is its derivative.
    let j = soft_share_jacobian(&[0.0, 1.0]);
    assert_eq!((j[0], j[1]), (0.0, 0.0));
    let mut out = [0.0; 2];
    soft_share(&[0.0, 1.0], &mut out);
    assert_eq!(out, [0.0, 0.5 / 1.5]);
}

#[test]
fn empty_and_single_inputs() {
    softmax(&[], &mut []);
    assert!(softmax_jacobian(&[]).is_empty());
    let mut out = [0.0];
    log_softmax(&[1e300], &mut out);
    assert_eq!(out, [0.0]);
    assert_eq!(softmax_jacobian(&[3.0]), [0.0]);
}

#[test]
#[should_panic(expected = "softmax::forward: `out` has length 2 but `x` has length 3")]
fn mismatched_output_length() {
    softmax(&[1.0, 2.0, 3.0], &mut [0.0; 2]);
}

#[test]
#[should_panic(expected = "softmax_t::vjp: `g` has length 2 but `x` has length 3")]
fn mismatched_cotangent_length() {
    softmax_t_vjp(&[1.0, 2.0, 3.0], &[1.0, 1.0], 1.0, &mut [0.0; 3]);
}

#[test]
#[should_panic(expected = "log_softmax::jvp: `v` has length 4 but `x` has length 3")]
fn mismatched_tangent_length_in_f32() {
    LogSoftmax.jvp(&[1.0f32, 2.0, 3.0], &[1.0; 4], &mut [0.0; 3]);
}

/// The largest error of every generated function of the catalog's vector activations
/// over the check vectors: `cargo test --test vector max_ulp_errors -- --nocapture`.
#[test]
fn max_ulp_errors() {
    for (name, rows) in [("softmax", max_ulps(&Softmax)), ("log_softmax", max_ulps(&LogSoftmax))] {
        for m in rows {
            println!(
                "{name:11} {:8} f64 {:>3} ULPs at {:?}; f32 {:>3} ULPs at {:?}; worst {:.2} of the bound",
                m.function, m.f64_max, m.f64_at, m.f32_max, m.f32_at, m.of_bound
            );
            assert!(m.of_bound <= 1.0, "{name} {}", m.function);
        }
    }
}

//! Formulas written the textbook way, as users write them, compile into code within the
//! accuracy bound: the stabilising rules are general, not tied to the catalog's spelling.
//!
//! Each activation's own gradient checks run with this binary too; the test below also
//! measures every generated function over a spread of inputs with the accuracy module.

use activation::prelude::*;
use activation::DynActivation;
use activation_core::accuracy::measure;

/// ln(1 + e^x), written naively.
#[activation]
pub fn naive_softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

/// 1 / (1 + e^-x), and its derivative written by hand as s(1 - s).
#[activation]
pub fn naive_sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The sigmoid's derivative as s(1 - s), with s the textbook sigmoid.
#[activation]
pub fn naive_sigmoid_slope(x: f64) -> f64 {
    let s = 1.0 / (1.0 + (-x).exp());
    s * (1.0 - s)
}

/// tanh' written as 1 - tanh².
#[activation]
pub fn naive_tanh_slope(x: f64) -> f64 {
    1.0 - x.tanh().powi(2)
}

/// ELU with exp(x) - 1.
#[activation(alpha = 1.0)]
pub fn naive_elu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * (x.exp() - 1.0)
    }
}

/// GELU with 1 + tanh.
#[activation]
pub fn naive_gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x * x * x)).tanh())
}

/// Mish as x tanh(ln(1 + e^x)).
#[activation]
pub fn naive_mish(x: f64) -> f64 {
    x * (1.0 + x.exp()).ln().tanh()
}

/// Swish as x / (1 + e^-x).
#[activation]
pub fn naive_swish(x: f64) -> f64 {
    x / (1.0 + (-x).exp())
}

fn all() -> Vec<Box<dyn DynActivation>> {
    vec![
        Box::new(NaiveSoftplus),
        Box::new(NaiveSigmoid),
        Box::new(NaiveSigmoidSlope),
        Box::new(NaiveTanhSlope),
        Box::new(NaiveElu::default()),
        Box::new(NaiveGelu),
        Box::new(NaiveMish),
        Box::new(NaiveSwish),
    ]
}

#[test]
fn textbook_forms_are_stable() {
    let mut failures = Vec::new();
    for a in all() {
        for row in measure(a.as_ref(), 600) {
            for (ty, s) in [("f64", &row.ours_f64), ("f32", &row.ours_f32)] {
                if s.non_finite_or_zero > 0 || s.over_bar > 0 {
                    failures.push(format!("{} {} ({ty}): {s:?}", row.activation, row.function));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_anchors_of_the_accuracy_issue() {
    // ln(1 + e^x): inf at 800 and 0 at -40 when evaluated as written.
    assert_eq!(naive_softplus(800.0), 800.0);
    assert_eq!(naive_softplus(-40.0), 4.248354255291589e-18);
    // s(1 - s) is 0 from x ≈ 36.7 when evaluated as written; the truth at 40 is 4.2e-18.
    let slope = naive_sigmoid_slope(40.0);
    assert!((slope - 4.248354255291589e-18).abs() <= 4.0 * 4.248354255291589e-18 * f64::EPSILON, "{slope:e}");
    // 1 - tanh² is 0 from x ≈ 19 when evaluated as written.
    assert!(naive_tanh_slope(20.0) > 0.0);
    // The tanh-form GELU at -10: -1.204092348209806e-37, not -0.
    let g = naive_gelu(-10.0);
    assert!(g < 0.0 && ((g + 1.204092348209806e-37) / 1.204092348209806e-37).abs() < 1e-12, "{g:e}");
    // The swish derivative of x / (1 + e^-x) at -400 is negative (tiny), not +0 or NaN.
    assert!(naive_swish_derivative(-400.0) < 0.0);
}

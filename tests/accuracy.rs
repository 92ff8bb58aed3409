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

use activation::prelude::*;

/// Softmax with a temperature: every generated item, in `f64` and `f32`.
#[activation(t = 1.0)]
pub fn softmax_t(x: &[f64], t: f64) -> f64 {
    exp(x / t) / sum(exp(x / t))
}

/// A private one with a parameter named like the cotangent: the VJP's slice becomes `g_`.
#[activation]
fn shifted(x: &[f64], g: f64) -> f64 {
    x - ln(sum(exp(x))) + g
}

fn main() {
    let x = [1.0, 2.0, 3.0];
    let mut out = [0.0; 3];
    softmax_t(&x, 1.0, &mut out);
    assert!((out.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    let mut grad = [0.0; 3];
    softmax_t_vjp(&x, &[1.0, 0.0, 0.0], 1.0, &mut grad);
    softmax_t_jvp(&x, &[0.0, 1.0, 0.0], 1.0, &mut grad);
    assert_eq!(softmax_t_jacobian(&x, 1.0).len(), 9);

    let s = SoftmaxT::default();
    assert_eq!(s.t, 1.0);
    let mut out32 = [0.0f32; 3];
    s.forward(&[1.0f32, 2.0, 3.0], &mut out32);
    assert!((out32[2] - out[2] as f32).abs() < 1e-6);
    assert_eq!(SoftmaxT::FORMULA, "exp(x / t) / sum(exp(x / t))");
    assert_eq!(SoftmaxT::LATEX, r"\frac{e^{\frac{x_{i}}{t}}}{\sum_{j} e^{\frac{x_{j}}{t}}}");
    assert!(SoftmaxT::SHIFT_INVARIANT);

    // Adding a constant to every logit changes nothing: J (1, ..., 1) = 0.
    shifted_jvp(&x, &[1.0, 1.0, 1.0], 0.5, &mut grad);
    assert!(grad.iter().all(|g| g.abs() < 1e-15));
    assert_eq!(Shifted { g: 2.0 }.param_values(), [2.0]);
}

use activation::prelude::*;

/// Nested blocks, a parameter named like a prelude function, bare and pathed constants.
#[activation(exp = 1.0)]
fn scaled_sigmoid(x: f64, exp: f64) -> f64 {
    {
        let s = { sigmoid(x) };
        exp * s * (core::f64::consts::E / E)
    }
}

/// A raw identifier as the function's name: the struct is `Match`, the functions `match_*`.
#[activation]
fn r#match(x: f64) -> f64 {
    let x = 2.0 * x;
    x.tanh()
}

fn main() {
    assert_eq!(ScaledSigmoid::PARAMS, &["exp"]);
    assert_eq!(ScaledSigmoid::default().exp, 1.0);
    assert!((scaled_sigmoid(0.0, 2.0) - 1.0).abs() < 1e-15);
    // d/dx = exp σ(x)(1 - σ(x)): 2 · 1/4 at 0.
    assert!((scaled_sigmoid_derivative(0.0, 2.0) - 0.5).abs() < 1e-15);
    assert!((scaled_sigmoid_d_exp(0.0, 2.0) - 0.5).abs() < 1e-15);

    // tanh(2x): derivative 2 at 0.
    assert_eq!(r#match(0.0), 0.0);
    assert!((match_derivative(0.0) - 2.0).abs() < 1e-15);
    assert!((Match.derivative(0.0f32) - 2.0).abs() < 1e-6);
}

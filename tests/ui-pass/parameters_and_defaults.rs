use activation::prelude::*;

/// A smooth leaky unit with two parameters, both defaulted.
#[activation(alpha = 0.1, beta = 2.0)]
pub fn smooth_leaky(x: f64, alpha: f64, beta: f64) -> f64 {
    let slope = 1.0 - alpha;
    alpha * x + slope * softplus(beta * x) / beta
}

/// A parameter without a default: no `Default` impl, the struct is built by hand.
#[activation]
fn scaled_tanh(x: f64, gain: f64) -> f64 {
    gain * x.tanh()
}

fn main() {
    let s = SmoothLeaky::default();
    assert_eq!((s.alpha, s.beta), (0.1, 2.0));
    assert_eq!(SmoothLeaky::PARAMS, &["alpha", "beta"]);
    assert_eq!(SmoothLeaky::NAME, "smooth_leaky");
    // f(0) = slope * ln 2 / beta; f'(0) = alpha + slope / 2.
    assert!((smooth_leaky(0.0, 0.1, 2.0) - 0.9 * LN_2 / 2.0).abs() < 1e-15);
    assert!((smooth_leaky_derivative(0.0, 0.1, 2.0) - 0.55).abs() < 1e-15);
    assert!((s.derivative(0.0f64) - 0.55).abs() < 1e-15);
    assert!((s.derivative(0.0f32) - 0.55).abs() < 1e-6);
    // d/dalpha = x - softplus(beta x) / beta.
    assert!((smooth_leaky_d_alpha(1.0, 0.1, 2.0) - (1.0 - softplus(2.0) / 2.0)).abs() < 1e-15);

    let t = ScaledTanh { gain: 3.0 };
    assert_eq!(ScaledTanh::PARAMS, &["gain"]);
    assert_eq!(t.forward(0.5f64), scaled_tanh(0.5, 3.0));
    assert!((scaled_tanh_derivative(0.0, 3.0) - 3.0).abs() < 1e-15);
    assert!((scaled_tanh_d_gain(0.5, 3.0) - 0.5f64.tanh()).abs() < 1e-15);
    let (f, df) = scaled_tanh_with_derivative(0.5, 3.0);
    assert_eq!((f, df), (scaled_tanh(0.5, 3.0), scaled_tanh_derivative(0.5, 3.0)));
}

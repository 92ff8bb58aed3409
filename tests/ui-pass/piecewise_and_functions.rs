use activation::prelude::*;

/// Piecewise with `else if`, `abs`, `sqrt`, `powi` and a constant by path.
#[activation]
pub fn bumpy(x: f64) -> f64 {
    if x < -1.0 {
        -x.abs().sqrt()
    } else if x <= 1.0 {
        let c = std::f64::consts::PI / 4.0;
        c * x.powi(3)
    } else {
        sqrt(abs(x)) * FRAC_PI_4
    }
}

fn main() {
    let q = std::f64::consts::FRAC_PI_4;
    // The middle piece: (π/4) x³, derivative 3(π/4) x², second derivative 6(π/4) x.
    assert!((bumpy(0.5) - q * 0.125).abs() < 1e-15);
    assert!((bumpy_derivative(0.5) - 3.0 * q * 0.25).abs() < 1e-15);
    assert!((bumpy_second_derivative(0.5) - 6.0 * q * 0.5).abs() < 1e-15);
    // At the breakpoint 1 the `<=` selects the middle piece.
    assert!((bumpy_derivative(1.0) - 3.0 * q).abs() < 1e-15);
    // The outer pieces: -sqrt|x| on the left, (π/4) sqrt x on the right.
    assert!((bumpy(-4.0) + 2.0).abs() < 1e-15);
    assert!((bumpy_derivative(-4.0) - 0.25).abs() < 1e-15);
    assert!((bumpy(4.0) - 2.0 * q).abs() < 1e-15);
    assert!(Bumpy::PARAMS.is_empty());
    assert_eq!(Bumpy.forward(0.5f64), bumpy(0.5));
}

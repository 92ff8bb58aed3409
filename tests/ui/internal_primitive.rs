use activation::prelude::*;

/// d/dalpha of CELU, calling the engine's internal primitive instead of writing it out.
#[activation(alpha = 1.0)]
fn celu_d_alpha(x: f64, alpha: f64) -> f64 {
    expm1_sub_uexp(x / alpha)
}

fn main() {}

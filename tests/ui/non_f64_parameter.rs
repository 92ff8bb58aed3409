use activation::prelude::*;

#[activation(alpha = 0.1)]
fn leaky(x: f64, alpha: f32) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * x
    }
}

fn main() {}

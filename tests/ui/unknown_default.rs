use activation::prelude::*;

#[activation(alpah = 0.1)]
fn leaky(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * x
    }
}

fn main() {}

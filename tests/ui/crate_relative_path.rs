use activation::prelude::*;

mod nn {
    #[allow(unused_imports)] pub use activation;
}

#[activation(crate = self::nn::activation)]
fn scaled(x: f64) -> f64 {
    2.0 * x
}

fn main() {}

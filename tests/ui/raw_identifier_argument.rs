use activation::prelude::*;

#[activation(r#type = 1.0)]
fn scaled(x: f64, r#type: f64) -> f64 {
    r#type * x
}

fn main() {}

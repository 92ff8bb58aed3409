use activation::prelude::*;

#[activation(crate = 1.5)]
fn scaled(x: f64) -> f64 {
    2.0 * x
}

#[activation(crate = "not a path")]
fn doubled(x: f64) -> f64 {
    2.0 * x
}

#[activation(crate = my::reexport::<f64>)]
fn tripled(x: f64) -> f64 {
    3.0 * x
}

fn main() {}

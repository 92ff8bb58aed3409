use activation::prelude::*;

#[activation]
fn cube_root(x: f64) -> f64 {
    cbrt(x)
}

fn main() {}

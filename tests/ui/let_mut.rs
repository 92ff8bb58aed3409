use activation::prelude::*;

#[activation]
fn shifted(x: f64) -> f64 {
    let mut y = x;
    y += 1.0;
    y
}

fn main() {}

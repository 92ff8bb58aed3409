use activation::prelude::*;

#[activation]
fn shifted(x: f64) -> f64 {
    let y;
    y = x + 1.0;
    y
}

fn main() {}

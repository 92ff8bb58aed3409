use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    let y = x else { return 0.0 };
    y.tanh()
}

fn main() {}

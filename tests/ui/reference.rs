use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    let r = &x;
    r.tanh()
}

fn main() {}

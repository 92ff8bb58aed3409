use activation::prelude::*;

#[activation]
fn soft(x: f64) {
    x.tanh()
}

fn main() {}

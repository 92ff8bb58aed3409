use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    dbg!(x).tanh()
}

fn main() {}

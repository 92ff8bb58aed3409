use activation::prelude::*;

#[activation]
fn soft<T>(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation]
fn soft(x: f64) -> f64 {
    fn helper() {}
    x.tanh()
}

fn main() {}

use activation::prelude::*;

#[activation]
async fn soft(x: f64) -> f64 {
    x.tanh()
}

fn main() {}

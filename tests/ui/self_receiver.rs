use activation::prelude::*;

struct Layer;

impl Layer {
    #[activation]
    fn soft(&self, x: f64) -> f64 {
        x.tanh()
    }
}

fn main() {}

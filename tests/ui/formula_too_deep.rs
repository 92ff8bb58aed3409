use activation::activation;

// Every pass recurses along the formula's longest path; a formula nested deeper than
// `#[activation]` accepts is a spanned error, never an exhausted stack.
#[activation]
fn deep(x: f64) -> f64 {
    x.sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin().sin()
}

fn main() {}

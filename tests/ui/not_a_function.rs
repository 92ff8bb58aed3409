use activation::prelude::*;

#[activation]
struct Relu;

fn main() {}

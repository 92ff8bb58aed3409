use activation_core::parse::parse_formula;
use activation_core::reference::{numeric_derivative, reference_f64};
use std::time::Instant;
fn main() {
    let e = parse_formula("0.5 * x * erfc(-(x * FRAC_1_SQRT_2))", &["x"]).unwrap();
    for x in [0.5, -3.0, -10.0, -30.0, 10.0, 1e5, -1e5, 1e300] {
        for order in [0u32, 1, 2] {
            let t = Instant::now();
            let v = if order == 0 {
                reference_f64(&e, &[("x", x)])
            } else {
                numeric_derivative(&e, "x", &[("x", x)], order)
            };
            println!("x={x:e} order={order} v={v:e} {:?}", t.elapsed());
        }
    }
}

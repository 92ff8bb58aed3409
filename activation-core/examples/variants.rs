use activation_core::eval::eval_at;
use activation_core::parse::parse_formula;
use activation_core::reference::{condition_number, reference_f64};
use activation_core::ulp::ulps_f64;
fn main() {
    let truth = parse_formula("x * tanh(ln(1 + exp(x)))", &["x"]).unwrap();
    let _ = truth;
    let variants = std::env::args().skip(1).collect::<Vec<_>>();
    let reference = parse_formula(&variants[0], &["x"]).unwrap();
    for v in &variants[1..] {
        let e = parse_formula(v, &["x"]).unwrap();
        let mut worst = (0.0, 0.0);
        for i in 0..4000 {
            let x = -6.0 + 12.0 * (i as f64) / 4000.0 + 1e-7;
            let r = reference_f64(&reference, &[("x", x)]);
            let u = ulps_f64(eval_at(&e, "x", x, &[]), r);
            if u <= 4.0 {
                continue;
            }
            let ratio = u / (4.0 + 4.0 * condition_number(&reference, "x", &[("x", x)]));
            if ratio > worst.0 {
                worst = (ratio, x);
            }
        }
        println!("{v}\n   worst {:.2} x bound at {:.4}", worst.0, worst.1);
    }
}

#[test]
fn scratch() {
    for src in [
        "#[activation] fn n(x: f64) -> f64 { x.tanh() * sigmoid(1.5 * sigmoid(-x)) }",
        "#[activation] fn z(x: f64) -> f64 { erf(log1p(x)).ln() }",
    ] {
        let def = activation_core::discover::find_in_source(src).unwrap().remove(0).definition.unwrap();
        let d = activation_core::derive(&def).unwrap();
        println!("{src}\n  {:?}", d.compensated);
    }
}

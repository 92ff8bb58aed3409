//! Activations from the literature, written the way their papers write them (issue
//! #13): each `#[activation]` below generates its gradient checks (f, f', f'', every d/dp
//! against MPFR, in `f64` and `f32`), which run with this test binary under the `mpfr`
//! feature (`cargo test --features mpfr --test literature`). Nothing here names a rewrite:
//! whatever stabilisation they need comes from the general rules.

use activation::prelude::*;

/// TanhExp (Liu & Di 2020): x tanh(eˣ).
#[activation]
pub fn tanh_exp(x: f64) -> f64 {
    x * x.exp().tanh()
}

/// Snake (Ziyin et al. 2020): x + sin²(ax)/a.
#[activation(a = 1.0)]
pub fn snake(x: f64, a: f64) -> f64 {
    x + (a * x).sin().powi(2) / a
}

/// Smish (Wang et al. 2022): x tanh(ln(1 + σ(x))).
#[activation]
pub fn smish(x: f64) -> f64 {
    x * (1.0 + sigmoid(x)).ln().tanh()
}

/// Logish (Zhu et al. 2021): x ln(1 + σ(x)).
#[activation]
pub fn logish(x: f64) -> f64 {
    x * (1.0 + sigmoid(x)).ln()
}

/// SERF (Nag & Bhattacharyya 2021): x erf(ln(1 + eˣ)).
#[activation]
pub fn serf(x: f64) -> f64 {
    x * erf((1.0 + x.exp()).ln())
}

/// Growing cosine unit (Noel et al. 2021): x cos x.
#[activation]
pub fn gcu(x: f64) -> f64 {
    x * x.cos()
}

/// ReLU6 (Krizhevsky 2010): min(max(x, 0), 6).
#[activation]
pub fn relu6(x: f64) -> f64 {
    x.max(0.0).min(6.0)
}

/// ELiSH (Basirat & Roth 2018): x σ(x) for x ≥ 0, (eˣ − 1) σ(x) below.
#[activation]
pub fn elish(x: f64) -> f64 {
    if x >= 0.0 {
        x * sigmoid(x)
    } else {
        (x.exp() - 1.0) * sigmoid(x)
    }
}

/// Soft clipping (Klimek & Perelstein 2020): (1/α) ln((1 + e^{αx}) / (1 + e^{α(x−1)})).
#[activation(alpha = 0.5)]
pub fn soft_clipping(x: f64, alpha: f64) -> f64 {
    (1.0 / alpha) * ((1.0 + (alpha * x).exp()) / (1.0 + (alpha * (x - 1.0)).exp())).ln()
}

/// ISRLU (Carlile et al. 2017): x for x ≥ 0, x / sqrt(1 + αx²) below.
#[activation(alpha = 1.0)]
pub fn isrlu(x: f64, alpha: f64) -> f64 {
    if x >= 0.0 {
        x
    } else {
        x / (1.0 + alpha * x * x).sqrt()
    }
}

/// Shifted softplus (Schütt et al. 2017, SchNet): ln(½eˣ + ½).
#[activation]
pub fn shifted_softplus(x: f64) -> f64 {
    (0.5 * x.exp() + 0.5).ln()
}

/// Bent identity: (sqrt(x² + 1) − 1)/2 + x, the square root written as `powf(0.5)`.
#[activation]
pub fn bent_identity(x: f64) -> f64 {
    ((x * x + 1.0).powf(0.5) - 1.0) / 2.0 + x
}

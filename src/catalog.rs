//! The catalog: every activation of the source article, and common extras, each declared
//! once with `#[activation]` — nothing here is hand-written code.

// The catalog declares `sigmoid`, `tanh` and `softplus` itself, so its formulas name the
// prelude's functions of those names by path (a bare `sigmoid` here is this module's
// `sigmoid`, and `#[activation]` refuses to read it as the prelude's).
use crate::prelude::{self, *};
use crate::DynActivation;

/// Every catalog activation with its default parameters, for tools that go through all of
/// them (a test checks this list against the declarations below).
pub fn all() -> Vec<Box<dyn DynActivation>> {
    vec![
        Box::new(Sigmoid),
        Box::new(Tanh),
        Box::new(Relu),
        Box::new(LeakyRelu::default()),
        Box::new(Prelu::default()),
        Box::new(Elu::default()),
        Box::new(Swish::default()),
        Box::new(Gelu),
        Box::new(GeluErf),
        Box::new(Silu),
        Box::new(Softplus),
        Box::new(Mish),
        Box::new(Selu::default()),
        Box::new(Celu::default()),
        Box::new(Logsigmoid),
        Box::new(Softsign),
        Box::new(Hardtanh),
        Box::new(Hardsigmoid),
        Box::new(Hardswish),
    ]
}

/// Logistic sigmoid: 1 / (1 + e^-x). Output in (0, 1).
#[activation]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Hyperbolic tangent. Output in (-1, 1), zero-centred.
#[activation]
pub fn tanh(x: f64) -> f64 {
    x.tanh()
}

/// Rectified linear unit: max(x, 0), derivative 0 at 0 (as in PyTorch).
#[activation]
pub fn relu(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// Leaky ReLU: x for x > 0, αx otherwise.
#[activation(alpha = 0.01)]
pub fn leaky_relu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * x
    }
}

/// Parametric ReLU: leaky ReLU whose slope α is learned (initialised to 0.25).
#[activation(alpha = 0.25)]
pub fn prelu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * x
    }
}

/// Exponential linear unit: x for x > 0, α(e^x − 1) otherwise.
#[activation(alpha = 1.0)]
pub fn elu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * (x.exp() - 1.0)
    }
}

/// Swish: x σ(βx).
#[activation(beta = 1.0)]
pub fn swish(x: f64, beta: f64) -> f64 {
    x * prelude::sigmoid(beta * x)
}

/// GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
#[activation]
pub fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
}

/// GELU, exact: x Φ(x) = ½x(1 + erf(x/√2)).
#[activation]
pub fn gelu_erf(x: f64) -> f64 {
    0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))
}

/// SiLU: x σ(x) (swish with β = 1).
#[activation]
pub fn silu(x: f64) -> f64 {
    x * prelude::sigmoid(x)
}

/// Softplus: ln(1 + e^x), a smooth ReLU.
#[activation]
pub fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

/// Mish: x tanh(softplus(x)).
#[activation]
pub fn mish(x: f64) -> f64 {
    x * prelude::softplus(x).tanh()
}

/// SELU: λx for x > 0, λα(e^x − 1) otherwise, with the self-normalising constants.
#[activation(alpha = 1.6732632423543772, lambda = 1.0507009873554805)]
pub fn selu(x: f64, alpha: f64, lambda: f64) -> f64 {
    if x > 0.0 {
        lambda * x
    } else {
        lambda * alpha * (x.exp() - 1.0)
    }
}

/// CELU: x for x > 0, α(e^(x/α) − 1) otherwise.
#[activation(alpha = 1.0)]
pub fn celu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        alpha * ((x / alpha).exp() - 1.0)
    }
}

/// Log-sigmoid: ln σ(x).
#[activation]
pub fn logsigmoid(x: f64) -> f64 {
    prelude::sigmoid(x).ln()
}

/// Softsign: x / (1 + |x|).
#[activation]
pub fn softsign(x: f64) -> f64 {
    x / (1.0 + x.abs())
}

/// Hard tanh: x clipped to [-1, 1].
#[activation]
pub fn hardtanh(x: f64) -> f64 {
    if x < -1.0 {
        -1.0
    } else if x > 1.0 {
        1.0
    } else {
        x
    }
}

/// Hard sigmoid (PyTorch's): 0 below -3, 1 above 3, x/6 + 1/2 between.
#[activation]
pub fn hardsigmoid(x: f64) -> f64 {
    if x <= -3.0 {
        0.0
    } else if x >= 3.0 {
        1.0
    } else {
        x / 6.0 + 0.5
    }
}

/// Hard swish (PyTorch's): x · hardsigmoid(x).
#[activation]
pub fn hardswish(x: f64) -> f64 {
    if x <= -3.0 {
        0.0
    } else if x >= 3.0 {
        x
    } else {
        x * (x + 3.0) / 6.0
    }
}

/// Softmax: e^{x_i} / Σ_j e^{x_j}, over a slice of logits. Outputs in (0, 1), summing
/// to 1. Written as the textbook formula; the engine subtracts the largest logit, so any
/// finite logits work (`[1000, 1000]` gives `[0.5, 0.5]`).
#[activation]
pub fn softmax(x: &[f64]) -> f64 {
    exp(x) / sum(exp(x))
}

/// Log-softmax: x_i - ln Σ_j e^{x_j}, the logarithm of softmax without its underflow
/// (`[0, -800]` gives `[0, -800]`).
#[activation]
pub fn log_softmax(x: &[f64]) -> f64 {
    x - ln(sum(exp(x)))
}

#[cfg(test)]
mod tests {
    //! The slice loops as this build compiles them — `.ci/run` runs this crate's unit tests
    //! in release too, where `tests/lanes.rs` runs in debug only: every remainder length
    //! after whole lanes, and slices long enough for the loops to ask for their inputs ahead
    //! (`activation_runtime::traits`, from 64 KiB), bit for bit against the scalar functions
    //! (the gradient checks' own comparison, on slices of the lengths chosen here).
    use super::*;
    use activation_core::check::paths_agree;

    /// `n` inputs spread over [−60, 60], with 0 and ±1e-30 first: most vectors of lanes mix
    /// the middle with the tails beyond |x| = 40, where `f64` σ and softplus take another
    /// path (`math::exp::exp_minus_abs_parts`).
    fn inputs(n: usize) -> Vec<f64> {
        let spread = |i: usize| -60.0 + 120.0 * ((i as f64 * 0.618_033_988_749_895).fract());
        let special = [0.0, 1e-30, -1e-30];
        (0..n).map(|i| special.get(i).copied().unwrap_or_else(|| spread(i))).collect()
    }

    #[test]
    fn slices_of_every_remainder_length_and_beyond_the_prefetch_threshold_agree_with_the_scalars() {
        // 20,000 elements: 80 KB of `f32`, 160 KB of `f64`, both past the 64 KiB.
        for n in (0..=40).chain([20_000]) {
            let x = inputs(n);
            let failures = [
                paths_agree(&Gelu, &x),
                paths_agree(&Elu::default(), &x),
                paths_agree(&Softplus, &x),
                paths_agree(&Silu, &x),
            ]
            .concat();
            assert!(failures.is_empty(), "slices of {n}, {} disagreements:\n{}", failures.len(), failures.join("\n"));
        }
    }
}

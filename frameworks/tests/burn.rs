//! The burn integration (`--features burn`), on the ndarray backend: the forward is the
//! generated kernels' bits, the autodiff gradient is `grad · f'(x)` with the generated
//! derivative, bit for bit, and the tails stay finite where burn's own formulas did not.

use activation::prelude::*;
use activation::{burn::BurnActivation, catalog};
use burn_tensor::{DType, Device, Tensor, TensorData};

/// A user formula the catalog does not have.
#[activation(a = 0.5)]
pub fn bumpy(x: f64, a: f64) -> f64 {
    x * tanh(softplus(a * x)) + 0.25 * x
}

/// burn's ndarray backend (deprecated in burn 0.22 in favour of `flex`, kept here: the
/// reference CPU backend these tests were written for).
#[allow(deprecated)]
fn ndarray() -> Device {
    Device::ndarray()
}

fn inputs() -> Vec<f64> {
    let mut v =
        vec![0.0, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 3.3, -3.3, 20.0, -20.0, 88.0, -88.0, 100.0, -100.0, 700.0, -700.0];
    v.extend((0..48).map(|i| -12.0 + 0.5 * i as f64));
    v
}

fn tensor(values: &[f64], dtype: DType, device: &Device) -> Tensor<1> {
    let data = match dtype {
        DType::F64 => TensorData::new(values.to_vec(), [values.len()]),
        _ => TensorData::new(values.iter().map(|&x| x as f32).collect::<Vec<f32>>(), [values.len()]),
    };
    Tensor::<1>::from_data(data, (device, dtype))
}

fn bits(t: Tensor<1>) -> Vec<u64> {
    match t.dtype() {
        DType::F64 => t.into_data().try_into_vec::<f64>().unwrap().iter().map(|x| x.to_bits()).collect(),
        _ => t.into_data().try_into_vec::<f32>().unwrap().iter().map(|x| u64::from(x.to_bits())).collect(),
    }
}

/// Our values of `act` at `xs` in `dtype`, as bits.
fn ours<A: Activation>(
    act: &A,
    xs: &[f64],
    dtype: DType,
    f: impl Fn(&A, f64) -> f64,
    f32_: impl Fn(&A, f32) -> f32,
) -> Vec<u64> {
    match dtype {
        DType::F64 => xs.iter().map(|&x| f(act, x).to_bits()).collect(),
        _ => xs.iter().map(|&x| u64::from(f32_(act, x as f32).to_bits())).collect(),
    }
}

fn forward_matches<A: Activation>(act: A) {
    let device = ndarray();
    let xs = inputs();
    for dtype in [DType::F32, DType::F64] {
        let y = act.burn(tensor(&xs, dtype, &device)).unwrap();
        assert_eq!(y.dtype(), dtype);
        let want = ours(&act, &xs, dtype, |a, x| a.forward(x), |a, x| a.forward(x));
        assert_eq!(bits(y), want, "{} {dtype:?}", A::NAME);
    }
}

#[test]
fn forward_is_the_generated_kernel() {
    forward_matches(catalog::Silu);
    forward_matches(catalog::Gelu);
    forward_matches(catalog::GeluErf);
    forward_matches(catalog::Softplus);
    forward_matches(catalog::Mish);
    forward_matches(Bumpy::default());
}

/// Under autodiff: the value is f(x) and x's gradient is `c · f'(x)`, bit for bit, after a
/// linear layer before the activation.
fn autodiff_matches<A: Activation>(act: A) {
    let device = ndarray().autodiff();
    let xs = inputs();
    for dtype in [DType::F32, DType::F64] {
        let x = tensor(&xs, dtype, &device).require_grad();
        let c: Vec<f64> = (0..xs.len()).map(|i| 1.0 + 0.125 * (i % 7) as f64).collect();
        let ct = tensor(&c, dtype, &device);
        // A linear layer before the activation: h = 2x + 0 is exact, so f is taken at 2x.
        let h = x.clone().mul_scalar(2.0);
        let y = act.burn(h).unwrap();
        let hs: Vec<f64> = xs.iter().map(|&x| 2.0 * x).collect();
        let want_y = ours(&act, &hs, dtype, |a, x| a.forward(x), |a, x| a.forward(x));
        // Under autodiff a −0 comes out +0 (documented): compare zeros by value.
        let got_y = bits(y.clone());
        for (i, (g, w)) in got_y.iter().zip(&want_y).enumerate() {
            let zero = |b: u64| b & !(1 << 63) == 0 || b & !(1 << 31) == 0;
            assert!(g == w || (zero(*g) && zero(*w)), "{} {dtype:?} f at {}: {g:x} vs {w:x}", A::NAME, hs[i]);
        }
        let grads = (y * ct).sum().backward();
        let got = bits(x.grad(&grads).expect("gradient of x"));
        // dL/dx = 2 · c · f'(2x): c · f'(h) is one rounding (the generated backward), ·2 exact.
        let want: Vec<u64> = match dtype {
            DType::F64 => hs.iter().zip(&c).map(|(&h, &c)| (2.0 * (c * act.derivative(h))).to_bits()).collect(),
            _ => hs
                .iter()
                .zip(&c)
                .map(|(&h, &c)| u64::from((2.0 * (c as f32 * act.derivative(h as f32))).to_bits()))
                .collect(),
        };
        assert_eq!(got, want, "{} {dtype:?} gradient", A::NAME);
    }
}

#[test]
fn autodiff_gradient_is_the_generated_derivative() {
    autodiff_matches(catalog::Silu);
    autodiff_matches(catalog::Gelu);
    autodiff_matches(catalog::Softplus);
    autodiff_matches(catalog::Mish);
    autodiff_matches(catalog::Relu);
    autodiff_matches(Bumpy::default());
}

/// The tails: softplus and its gradient are finite and nonzero where the truth is, in f32,
/// far beyond exp's overflow at 88.7; burn's own softplus is compared beside.
#[test]
fn tail_values() {
    let device = ndarray().autodiff();
    let xs = [-1000.0f64, -100.0, -30.0, 30.0, 89.0, 100.0, 1000.0, 1e30];
    let x = tensor(&xs, DType::F32, &device).require_grad();
    let y = catalog::Softplus.burn(x.clone()).unwrap();
    let values = y.clone().into_data().try_into_vec::<f32>().unwrap();
    for (&x, &v) in xs.iter().zip(&values) {
        assert!(v.is_finite() && v >= 0.0, "softplus({x}) = {v}");
        if x > 20.0 {
            assert_eq!(v, x as f32, "softplus({x})");
        }
    }
    // softplus(−30) = 9.36e-14 and softplus(−100) = 3.7e-44 (subnormal) are not 0.
    assert!(values[2] > 9.3e-14 && values[2] < 9.4e-14);
    assert!(values[1] > 0.0);
    let grads = y.sum().backward();
    let g = x.grad(&grads).unwrap().into_data().try_into_vec::<f32>().unwrap();
    for (&x, &d) in xs.iter().zip(&g) {
        assert!(d.is_finite(), "softplus'({x}) = {d}");
        assert_eq!(d, catalog::Softplus.derivative(x as f32), "softplus'({x})");
    }

    // burn's own softplus, beside: finite too (its threshold replaces exp beyond 20), but
    // it rounds the left tail through log1p(exp(x)).
    let theirs = burn_tensor::activation::softplus(tensor(&xs, DType::F32, &ndarray()), 1.0);
    let theirs = theirs.into_data().try_into_vec::<f32>().unwrap();
    assert!(theirs.iter().all(|v| v.is_finite()), "{theirs:?}");

    // Infinite inputs: the value is f(±inf), the gradient 0 (documented), nothing NaN.
    let x = tensor(&[f64::INFINITY, f64::NEG_INFINITY], DType::F32, &device).require_grad();
    let y = catalog::Softplus.burn(x.clone()).unwrap();
    assert_eq!(y.clone().into_data().try_into_vec::<f32>().unwrap(), vec![f32::INFINITY, 0.0]);
    let g = x.grad(&y.sum().backward()).unwrap().into_data().try_into_vec::<f32>().unwrap();
    assert_eq!(g, vec![0.0, 0.0]);
}

// f16 and bf16 are not tested here: the ndarray backend has no f16 tensors (burn panics
// creating one), and no other backend is built for the tests.

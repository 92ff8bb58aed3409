//! The candle integration (`--features candle`): every `#[activation]` struct is a
//! `CustomOp1` on CPU tensors of f32, f64, bf16 and f16, contiguous or strided, whose
//! backward is the generated derivative, bit for bit.

use activation::prelude::*;
use activation::{candle::apply_with_params, catalog};
use candle_core::{DType, Device, Tensor, Var};
use half::{bf16, f16};

/// A user formula the catalog does not have.
#[activation(a = 0.5)]
pub fn bumpy(x: f64, a: f64) -> f64 {
    x * tanh(softplus(a * x)) + 0.25 * x
}

/// Inputs over the tails and the middle, breakpoints of ReLU-like activations included.
fn inputs() -> Vec<f64> {
    let mut v = vec![0.0, -0.0, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 3.3, -3.3, 20.0, -20.0, 88.0, -88.0, 700.0, -700.0];
    v.extend((0..48).map(|i| -12.0 + 0.5 * i as f64));
    v
}

fn bits64(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}
fn bits32(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The candle forward of `act` equals the scalar functions bit for bit in every dtype.
fn forward_matches<A>(act: A)
where
    A: Activation + candle_core::CustomOp1 + Copy + Send + Sync + 'static,
{
    let dev = Device::Cpu;
    let xs = inputs();
    // f64
    let y = Tensor::new(xs.as_slice(), &dev).unwrap().apply_op1(act).unwrap().to_vec1::<f64>().unwrap();
    let want: Vec<f64> = xs.iter().map(|&x| act.forward(x)).collect();
    assert_eq!(bits64(&y), bits64(&want), "{} f64", A::NAME);
    // f32
    let x32: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    let y = Tensor::new(x32.as_slice(), &dev).unwrap().apply_op1(act).unwrap().to_vec1::<f32>().unwrap();
    let want: Vec<f32> = x32.iter().map(|&x| act.forward(x)).collect();
    assert_eq!(bits32(&y), bits32(&want), "{} f32", A::NAME);
    // bf16 and f16: the f32 result rounded once.
    let xb: Vec<bf16> = xs.iter().map(|&x| bf16::from_f64(x)).collect();
    let y = Tensor::new(xb.as_slice(), &dev).unwrap().apply_op1(act).unwrap().to_vec1::<bf16>().unwrap();
    let want: Vec<bf16> = xb.iter().map(|x| bf16::from_f32(act.forward(x.to_f32()))).collect();
    assert_eq!(
        y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "{} bf16",
        A::NAME
    );
    let xh: Vec<f16> = xs.iter().map(|&x| f16::from_f64(x)).collect();
    let y = Tensor::new(xh.as_slice(), &dev).unwrap().apply_op1(act).unwrap().to_vec1::<f16>().unwrap();
    let want: Vec<f16> = xh.iter().map(|x| f16::from_f32(act.forward(x.to_f32()))).collect();
    assert_eq!(
        y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "{} f16",
        A::NAME
    );
}

#[test]
fn forward_every_dtype_bit_for_bit() {
    forward_matches(catalog::Silu);
    forward_matches(catalog::Gelu);
    forward_matches(catalog::Softplus);
    forward_matches(catalog::Prelu::default());
    forward_matches(Bumpy::default());
}

/// Strided inputs (transposed, narrowed with an offset, broadcast) give the values of
/// their contiguous copies, in every dtype.
#[test]
fn strided_layouts_are_gathered() {
    let dev = Device::Cpu;
    let base = Tensor::new(inputs().as_slice(), &dev).unwrap().reshape((8, 8)).unwrap();
    for dtype in [DType::F64, DType::F32, DType::BF16, DType::F16] {
        let base = base.to_dtype(dtype).unwrap();
        let views = [
            base.t().unwrap(),
            base.narrow(0, 2, 3).unwrap().narrow(1, 1, 5).unwrap().t().unwrap(),
            base.narrow(1, 3, 1).unwrap().broadcast_as((8, 4)).unwrap(),
        ];
        for view in views {
            assert!(!view.is_contiguous());
            let strided = view.apply_op1(Bumpy::default()).unwrap();
            let contiguous = view.contiguous().unwrap().apply_op1(Bumpy::default()).unwrap();
            assert_eq!(strided.dims(), view.dims());
            let (a, b) = (strided.to_dtype(DType::F64).unwrap(), contiguous.to_dtype(DType::F64).unwrap());
            let (a, b) = (
                a.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
                b.flatten_all().unwrap().to_vec1::<f64>().unwrap(),
            );
            assert_eq!(bits64(&a), bits64(&b), "{dtype:?}");
        }
    }
}

/// linear → activation → weighted sum, backward: the gradients of the input and of the
/// weight are candle's matmuls of `c · f'(h)`, the generated backward, bit for bit.
fn graph_gradients_match<A>(act: A)
where
    A: Activation + candle_core::CustomOp1 + Copy + Send + Sync + 'static,
{
    let dev = Device::Cpu;
    let x = Var::from_tensor(
        &Tensor::new(inputs().as_slice(), &dev).unwrap().to_dtype(DType::F32).unwrap().reshape((16, 4)).unwrap(),
    )
    .unwrap();
    let w = Var::new(&[[0.5f32, -1.25, 2.0], [1.5, 0.75, -0.5], [-2.0, 0.25, 1.0], [0.125, -3.0, 0.5]], &dev).unwrap();
    let c = Tensor::new(&[1.0f32, -0.5, 3.0], &dev).unwrap();
    let h = x.matmul(w.as_tensor()).unwrap();
    let y = h.apply_op1(act).unwrap();
    // The weights broadcast: the activation's incoming gradient is strided.
    let loss = y.broadcast_mul(&c).unwrap().sum_all().unwrap();
    let grads = loss.backward().unwrap();

    let hv: Vec<f32> = h.flatten_all().unwrap().to_vec1().unwrap();
    let cv: Vec<f32> = c.broadcast_as((16, 3)).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    let want: Vec<f32> = hv.iter().zip(&cv).map(|(&h, &c)| c * act.derivative(h)).collect();
    let mut sliced = vec![0.0f32; hv.len()];
    act.backward_slice(&hv, &cv, &mut sliced);
    assert_eq!(bits32(&want), bits32(&sliced));
    assert!(want.iter().any(|&d| d != 0.0));

    let dh = Tensor::from_vec(want, (16, 3), &dev).unwrap();
    let want_w: Vec<f32> = x.t().unwrap().matmul(&dh).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    let got_w: Vec<f32> = grads.get(w.as_tensor()).expect("gradient of w").flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(bits32(&got_w), bits32(&want_w), "{}: dL/dW", A::NAME);
    let want_x: Vec<f32> = dh.matmul(&w.t().unwrap()).unwrap().flatten_all().unwrap().to_vec1().unwrap();
    let got_x: Vec<f32> = grads.get(x.as_tensor()).expect("gradient of x").flatten_all().unwrap().to_vec1().unwrap();
    assert_eq!(bits32(&got_x), bits32(&want_x), "{}: dL/dx", A::NAME);
}

#[test]
fn backward_through_a_graph_is_the_generated_derivative() {
    graph_gradients_match(catalog::GeluErf);
    graph_gradients_match(catalog::Mish);
    graph_gradients_match(Bumpy::default());
}

/// Every dtype's backward, against `backward_slice` (f32 kernel, rounded once for halves).
#[test]
fn backward_every_dtype() {
    let dev = Device::Cpu;
    let xs = inputs();
    let gs: Vec<f64> = (0..xs.len()).map(|i| 1.0 + 0.125 * (i % 7) as f64).collect();
    let act = Bumpy::default();
    for dtype in [DType::F64, DType::F32, DType::BF16, DType::F16] {
        let x = Var::new(xs.as_slice(), &dev).unwrap();
        let x = Var::from_tensor(&x.as_tensor().to_dtype(dtype).unwrap()).unwrap();
        let g = Tensor::new(gs.as_slice(), &dev).unwrap().to_dtype(dtype).unwrap();
        let grads = x.apply_op1(act).unwrap().mul(&g).unwrap().sum_all().unwrap().backward().unwrap();
        let got = grads.get(x.as_tensor()).unwrap().to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
        let xv = x.to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
        let gv = g.to_dtype(DType::F64).unwrap().to_vec1::<f64>().unwrap();
        let want: Vec<f64> = match dtype {
            DType::F64 => xv.iter().zip(&gv).map(|(&x, &g)| g * act.derivative(x)).collect(),
            DType::F32 => xv.iter().zip(&gv).map(|(&x, &g)| f64::from(g as f32 * act.derivative(x as f32))).collect(),
            DType::BF16 => xv
                .iter()
                .zip(&gv)
                .map(|(&x, &g)| bf16::from_f32(g as f32 * act.derivative(x as f32)).to_f64())
                .collect(),
            _ => {
                xv.iter().zip(&gv).map(|(&x, &g)| f16::from_f32(g as f32 * act.derivative(x as f32)).to_f64()).collect()
            }
        };
        assert_eq!(bits64(&got), bits64(&want), "{dtype:?}");
    }
}

/// PReLU's α as a learnable `Var`: its gradient is `param_gradients`, the input's is the
/// generated derivative.
#[test]
fn learnable_parameters_through_a_var() {
    let dev = Device::Cpu;
    let xs: Vec<f32> = inputs().iter().map(|&x| x as f32).collect();
    let x = Var::new(xs.as_slice(), &dev).unwrap();
    let alpha = Var::new(&[0.2f32], &dev).unwrap();
    let y = apply_with_params::<catalog::Prelu>(x.as_tensor(), alpha.as_tensor()).unwrap();
    let act = catalog::Prelu { alpha: f64::from(0.2f32) };
    let want_y: Vec<f32> = xs.iter().map(|&x| act.forward(x)).collect();
    assert_eq!(bits32(&y.to_vec1::<f32>().unwrap()), bits32(&want_y));
    let grads = y.sum_all().unwrap().backward().unwrap();
    let ones = vec![1.0f32; xs.len()];
    let mut want_alpha = [0.0f32];
    act.param_gradients(&xs, &ones, &mut want_alpha);
    assert_eq!(grads.get(alpha.as_tensor()).unwrap().to_vec1::<f32>().unwrap(), want_alpha);
    assert!(want_alpha[0] < 0.0);
    let want_x: Vec<f32> = xs.iter().map(|&x| act.derivative(x)).collect();
    assert_eq!(bits32(&grads.get(x.as_tensor()).unwrap().to_vec1::<f32>().unwrap()), bits32(&want_x));

    // One optimisation step moves α.
    let before = alpha.as_tensor().to_vec1::<f32>().unwrap()[0];
    let step = grads.get(alpha.as_tensor()).unwrap().affine(0.01, 0.0).unwrap();
    alpha.set(&alpha.as_tensor().sub(&step).unwrap()).unwrap();
    assert!(alpha.as_tensor().to_vec1::<f32>().unwrap()[0] > before);

    // The parameters' tensor must have one element per parameter.
    let wrong = Tensor::new(&[0.2f32, 0.3], &dev).unwrap();
    assert!(apply_with_params::<catalog::Prelu>(x.as_tensor(), &wrong).is_err());
}

/// Integer tensors are an error, never a panic.
#[test]
fn unsupported_dtypes_are_errors() {
    let dev = Device::Cpu;
    let x = Tensor::new(&[1u32, 2, 3], &dev).unwrap();
    let err = x.apply_op1(catalog::Silu).unwrap_err();
    assert!(err.to_string().contains("silu"), "{err}");
    let x = Tensor::new(&[1.0f32, 2.0], &dev).unwrap();
    let g = Tensor::new(&[1.0f64, 2.0], &dev).unwrap();
    assert!(activation::candle::backward(&catalog::Silu, &x, &g).is_err());
}

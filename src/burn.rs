//! burn integration (feature `burn`): every activation applies to burn tensors, with the
//! generated derivative as the gradient under burn's autodiff.
//!
//! `Swish::default().burn(x)?` returns f(x) for a `burn_tensor::Tensor<D>` on any device
//! (the README has an example, run on the ndarray backend by the tests).
//!
//! **How.** burn has no user-level custom backward in its tensor API (a custom op needs a
//! backend extension per backend), so the activation runs the generated kernels on the
//! tensor's values and gives burn's autodiff the generated derivative through an identity:
//! with `y = f(x)` and `d = f'(x)` computed by
//! [`with_derivative_slice`](Activation::with_derivative_slice) as constants,
//!
//! ```text
//! out = y + (x − detach(x)) · d
//! ```
//!
//! is `y` in value (`x − detach(x)` is 0) and has gradient `grad · d` with respect to `x`:
//! the generated derivative, one multiplication, bit for bit what
//! [`backward_slice`](Activation::backward_slice) computes. On a device without autodiff
//! the result is `y` itself and no derivative is computed.
//!
//! - **backends**: any backend, since only `to_data`/`from_data` and elementary tensor ops
//!   are used; the values make a round trip through host memory, so on a GPU this is a
//!   synchronisation, not a fused kernel.
//! - **dtypes**: `f32` and `f64` run the slice kernels; `f16` and `bf16` are widened to
//!   `f32` and rounded back once (on backends that have them: not ndarray, so the tests
//!   do not exercise this path). Other dtypes are an [`Error`].
//! - **under autodiff**: a result of −0 comes out as +0 (`y + 0`), and the gradient at an
//!   infinite or NaN input is 0 (`x − detach(x)` is NaN there and is replaced by 0).
//! - **parameters** are constants (the struct's fields); their gradients are not given to
//!   burn. [`Activation::param_gradients`] computes them on slices.

use burn_tensor::{DType, Device, Tensor, TensorData};

use crate::{Activation, Real};

/// Why an activation could not be applied to a burn tensor.
#[derive(Debug)]
pub enum Error {
    /// The tensor's dtype is not `f32`, `f64`, `f16` or `bf16`.
    UnsupportedDType {
        /// The activation's name.
        activation: &'static str,
        /// The tensor's dtype.
        dtype: DType,
    },
    /// The tensor's values could not be read back or converted.
    Read(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::UnsupportedDType { activation, dtype } => {
                write!(f, "{activation}: unsupported dtype {dtype:?} (f32, f64, f16 and bf16 are supported)")
            }
            Error::Read(why) => write!(f, "reading the tensor's values: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// Activations on burn tensors. Implemented for every [`Activation`].
pub trait BurnActivation: Activation {
    /// f(x), element-wise, on `x`'s device and in its dtype; under autodiff its gradient is
    /// `grad · f'(x)` with the generated derivative.
    fn burn<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>, Error>;
}

impl<A: Activation> BurnActivation for A {
    fn burn<const D: usize>(&self, x: Tensor<D>) -> Result<Tensor<D>, Error> {
        apply(self, x)
    }
}

/// f and, when wanted, f' over one precision's values.
fn kernels<A: Activation, T: Real>(act: &A, x: &[T], derivative: bool) -> (Vec<T>, Option<Vec<T>>) {
    let mut y = vec![T::from_f64(0.0); x.len()];
    if derivative {
        let mut d = vec![T::from_f64(0.0); x.len()];
        act.with_derivative_slice(x, &mut y, &mut d);
        (y, Some(d))
    } else {
        act.forward_slice(x, &mut y);
        (y, None)
    }
}

fn read<E: burn_tensor::Element>(data: TensorData) -> Result<Vec<E>, Error> {
    data.try_into_vec::<E>().map_err(|e| Error::Read(format!("{e:?}")))
}

fn apply<A: Activation, const D: usize>(act: &A, x: Tensor<D>) -> Result<Tensor<D>, Error> {
    let device: Device = x.device();
    let dtype = x.dtype();
    let shape = x.shape();
    let autodiff = device.is_autodiff();
    let data = x.clone().try_into_data().map_err(|e| Error::Read(format!("{e:?}")))?;
    let (y, d) = match dtype {
        DType::F32 => {
            let (y, d) = kernels(act, &read::<f32>(data)?, autodiff);
            (TensorData::new(y, shape.clone()), d.map(|d| TensorData::new(d, shape.clone())))
        }
        DType::F64 => {
            let (y, d) = kernels(act, &read::<f64>(data)?, autodiff);
            (TensorData::new(y, shape.clone()), d.map(|d| TensorData::new(d, shape.clone())))
        }
        DType::F16 | DType::BF16 => {
            let (y, d) = kernels(act, &read::<f32>(data.convert::<f32>())?, autodiff);
            let back = |v: Vec<f32>| TensorData::new(v, shape.clone()).convert_dtype(dtype);
            (back(y), d.map(back))
        }
        other => return Err(Error::UnsupportedDType { activation: A::NAME, dtype: other }),
    };
    let y = Tensor::<D>::from_data(y, (&device, dtype));
    let Some(d) = d else { return Ok(y) };
    let d = Tensor::<D>::from_data(d, (&device, dtype));
    // 0 in value, the identity in gradient (NaN at infinite inputs: replaced by 0).
    let zero = x.clone() - x.detach();
    let zero = zero.clone().mask_fill(zero.is_nan(), 0.0);
    Ok(y + zero * d)
}

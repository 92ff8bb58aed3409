//! Slice kernels over 16-bit floats (feature `half`): [`HalfActivation`] reads and writes
//! [`half::bf16`] or [`half::f16`] and computes in `f32`.
//!
//! Each kernel converts a chunk of [`CHUNK`] elements to `f32` on the stack (exactly: every
//! 16-bit float is an `f32`), runs the `f32` slice kernel of [`Activation`] on it — the
//! widest lanes of the CPU, bit for bit the scalar `f32` functions — and rounds each result
//! once to the 16-bit format, to nearest with ties to even (`half`'s conversion). No copy
//! of the whole slice is allocated. So every element is the correctly rounded 16-bit
//! value of the `f32` result, which is within its bar (`docs/contract.md` §5.1, in `f32`
//! ULPs, 2^16 times finer than `bf16`'s and 2^13 times finer than `f16`'s). Measured
//! against MPFR over every finite `bf16` input and every other finite `f16`
//! (`tests/half.rs`; sigmoid, tanh, GELU, mish, f and f'): within 0.5000 ULP of `bf16`
//! and 0.5003 ULP of `f16` wherever the truth is a normal `f32`.

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};

use crate::traits::{same_len, Activation};

/// Elements converted to `f32` at a time, on the stack: 1 KiB per buffer.
pub const CHUNK: usize = 256;

mod sealed {
    pub trait Sealed {}
    impl Sealed for half::bf16 {}
    impl Sealed for half::f16 {}
}

/// A 16-bit float the [`HalfActivation`] kernels read and write: [`bf16`](struct@bf16) or
/// [`f16`](struct@f16). Sealed.
pub trait Half: Copy + Send + Sync + sealed::Sealed + 'static {
    /// `dst[i] = src[i]` as `f32` (exact).
    fn widen(src: &[Self], dst: &mut [f32]);
    /// `dst[i] = src[i]` rounded to this format, to nearest, ties to even.
    fn narrow(src: &[f32], dst: &mut [Self]);
}

impl Half for bf16 {
    #[inline]
    fn widen(src: &[Self], dst: &mut [f32]) {
        src.convert_to_f32_slice(dst);
    }
    #[inline]
    fn narrow(src: &[f32], dst: &mut [Self]) {
        dst.convert_from_f32_slice(src);
    }
}

impl Half for f16 {
    #[inline]
    fn widen(src: &[Self], dst: &mut [f32]) {
        src.convert_to_f32_slice(dst);
    }
    #[inline]
    fn narrow(src: &[f32], dst: &mut [Self]) {
        dst.convert_from_f32_slice(src);
    }
}

/// The slice kernels of [`Activation`] over [`bf16`](struct@bf16) and [`f16`](struct@f16),
/// computed in `f32`. Implemented for every activation; bring it into scope (it is in the
/// prelude with the feature) and call `a.forward_slice_half(&x, &mut y)`.
pub trait HalfActivation: Activation {
    /// `out[i] = f(x[i])`, computed in `f32`, rounded once.
    ///
    /// # Panics
    /// When the slices differ in length.
    fn forward_slice_half<H: Half>(&self, x: &[H], out: &mut [H]) {
        same_len(Self::NAME, "forward_slice_half", &[x.len(), out.len()]);
        let (mut xf, mut yf) = ([0f32; CHUNK], [0f32; CHUNK]);
        for (x, out) in x.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
            let n = x.len();
            H::widen(x, &mut xf[..n]);
            self.forward_slice(&xf[..n], &mut yf[..n]);
            H::narrow(&yf[..n], out);
        }
    }

    /// The backward pass: `grad_in[i] = grad_out[i] * f'(x[i])`, the product computed in
    /// `f32` and rounded once.
    ///
    /// # Panics
    /// When the slices differ in length.
    fn backward_slice_half<H: Half>(&self, x: &[H], grad_out: &[H], grad_in: &mut [H]) {
        same_len(Self::NAME, "backward_slice_half", &[x.len(), grad_out.len(), grad_in.len()]);
        let (mut xf, mut gf, mut df) = ([0f32; CHUNK], [0f32; CHUNK], [0f32; CHUNK]);
        for ((x, g), out) in x.chunks(CHUNK).zip(grad_out.chunks(CHUNK)).zip(grad_in.chunks_mut(CHUNK)) {
            let n = x.len();
            H::widen(x, &mut xf[..n]);
            H::widen(g, &mut gf[..n]);
            self.backward_slice(&xf[..n], &gf[..n], &mut df[..n]);
            H::narrow(&df[..n], out);
        }
    }

    /// `y[i] = f(x[i])`, `dydx[i] = f'(x[i])`, computed together in `f32`, each rounded once.
    ///
    /// # Panics
    /// When the slices differ in length.
    fn with_derivative_slice_half<H: Half>(&self, x: &[H], y: &mut [H], dydx: &mut [H]) {
        same_len(Self::NAME, "with_derivative_slice_half", &[x.len(), y.len(), dydx.len()]);
        let (mut xf, mut yf, mut df) = ([0f32; CHUNK], [0f32; CHUNK], [0f32; CHUNK]);
        for ((x, y), d) in x.chunks(CHUNK).zip(y.chunks_mut(CHUNK)).zip(dydx.chunks_mut(CHUNK)) {
            let n = x.len();
            H::widen(x, &mut xf[..n]);
            self.with_derivative_slice(&xf[..n], &mut yf[..n], &mut df[..n]);
            H::narrow(&yf[..n], y);
            H::narrow(&df[..n], d);
        }
    }

    /// Parameter gradients: `out[k] = Σ_i grad_out[i] * ∂f/∂p_k(x[i])`. Products and sums
    /// in `f32` (each chunk of [`CHUNK`] summed in index order, the chunks' sums added in
    /// order), the total rounded once: a 16-bit accumulator would lose the sum.
    ///
    /// # Panics
    /// When `x` and `grad_out` differ in length or `out.len() != PARAMS.len()`.
    fn param_gradients_half<H: Half>(&self, x: &[H], grad_out: &[H], out: &mut [H]) {
        same_len(Self::NAME, "param_gradients_half", &[x.len(), grad_out.len()]);
        assert_eq!(
            out.len(),
            Self::PARAMS.len(),
            "{}::param_gradients_half: `out` needs one slot per parameter",
            Self::NAME
        );
        let (mut xf, mut gf) = ([0f32; CHUNK], [0f32; CHUNK]);
        let mut total = vec![0f32; out.len()];
        let mut part = vec![0f32; out.len()];
        for (x, g) in x.chunks(CHUNK).zip(grad_out.chunks(CHUNK)) {
            let n = x.len();
            H::widen(x, &mut xf[..n]);
            H::widen(g, &mut gf[..n]);
            self.param_gradients(&xf[..n], &gf[..n], &mut part);
            for (t, p) in total.iter_mut().zip(&part) {
                *t += p;
            }
        }
        H::narrow(&total, out);
    }
}

impl<A: Activation> HalfActivation for A {}

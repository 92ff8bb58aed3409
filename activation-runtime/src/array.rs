//! `ndarray` arrays of any dimension (feature `ndarray`): [`ArrayActivation`] runs the
//! slice kernels of [`Activation`] over [`ArrayBase`], in `f32` or `f64`.
//!
//! Arrays that share one memory layout (all standard row-major, all column-major, or any
//! contiguous layout with the same strides) go straight through the slice kernels, whole,
//! in memory order. Any other combination — a slice with steps, a transposed view beside a
//! row-major one, broadcast-like strides — is gathered in logical (row-major) order,
//! [`CHUNK`] elements at a time into buffers on the stack, run through the same kernels and
//! scattered back, without allocating. Every element is bit for bit what the scalar method
//! returns, whichever path it took.
//!
//! **Shapes.** Arrays that must have the same shape and do not give an
//! [`ErrorKind::IncompatibleShape`] [`ShapeError`], nothing is written, and nothing panics
//! (there is no broadcasting): the convention of ndarray's fallible methods
//! (`into_shape_with_order`, `from_shape_vec`) rather than of its operators, which panic.

use ndarray::{
    Array, ArrayBase, ArrayView, ArrayViewMut, Data, DataMut, Dimension, ErrorKind, ShapeBuilder, ShapeError,
};

use crate::real::Real;
use crate::traits::Activation;

/// Elements gathered at a time when the arrays do not share a memory layout.
pub const CHUNK: usize = 256;

/// [`Activation`]'s slice kernels over `ndarray` arrays of any dimension. Implemented for
/// every activation; bring it into scope (it is in the prelude with the feature).
pub trait ArrayActivation: Activation {
    /// `f` of every element, in a new array of the same shape (and, for a row- or
    /// column-major `x`, the same layout).
    fn forward_array<T: Real, S: Data<Elem = T>, D: Dimension>(&self, x: &ArrayBase<S, D>) -> Array<T, D> {
        let mut out = like(x);
        run(x.view(), [], [out.view_mut()], |x, [], [out]| self.forward_slice(x, out));
        out
    }

    /// `out = f(x)`, element by element.
    ///
    /// # Errors
    /// [`ErrorKind::IncompatibleShape`] when `out`'s shape is not `x`'s; `out` is untouched.
    fn forward_array_into<T: Real, S: Data<Elem = T>, So: DataMut<Elem = T>, D: Dimension>(
        &self,
        x: &ArrayBase<S, D>,
        out: &mut ArrayBase<So, D>,
    ) -> Result<(), ShapeError> {
        same_shape(x, &[out.shape()])?;
        run(x.view(), [], [out.view_mut()], |x, [], [out]| self.forward_slice(x, out));
        Ok(())
    }

    /// The backward pass: `grad_out * f'(x)`, element by element, in a new array.
    ///
    /// # Errors
    /// [`ErrorKind::IncompatibleShape`] when `grad_out`'s shape is not `x`'s.
    fn backward_array<T: Real, S: Data<Elem = T>, Sg: Data<Elem = T>, D: Dimension>(
        &self,
        x: &ArrayBase<S, D>,
        grad_out: &ArrayBase<Sg, D>,
    ) -> Result<Array<T, D>, ShapeError> {
        same_shape(x, &[grad_out.shape()])?;
        let mut grad_in = like(x);
        run(x.view(), [grad_out.view()], [grad_in.view_mut()], |x, [g], [out]| self.backward_slice(x, g, out));
        Ok(grad_in)
    }

    /// `grad_in = grad_out * f'(x)`, element by element.
    ///
    /// # Errors
    /// [`ErrorKind::IncompatibleShape`] when the three shapes differ; `grad_in` is untouched.
    fn backward_array_into<T: Real, S: Data<Elem = T>, Sg: Data<Elem = T>, So: DataMut<Elem = T>, D: Dimension>(
        &self,
        x: &ArrayBase<S, D>,
        grad_out: &ArrayBase<Sg, D>,
        grad_in: &mut ArrayBase<So, D>,
    ) -> Result<(), ShapeError> {
        same_shape(x, &[grad_out.shape(), grad_in.shape()])?;
        run(x.view(), [grad_out.view()], [grad_in.view_mut()], |x, [g], [out]| self.backward_slice(x, g, out));
        Ok(())
    }

    /// `(f(x), f'(x))`, element by element, sharing their work, in two new arrays.
    fn with_derivative_array<T: Real, S: Data<Elem = T>, D: Dimension>(
        &self,
        x: &ArrayBase<S, D>,
    ) -> (Array<T, D>, Array<T, D>) {
        let (mut y, mut dydx) = (like(x), like(x));
        run(x.view(), [], [y.view_mut(), dydx.view_mut()], |x, [], [y, d]| self.with_derivative_slice(x, y, d));
        (y, dydx)
    }

    /// Parameter gradients: `Σ grad_out * ∂f/∂p_k(x)` for each parameter, in the order of
    /// [`PARAMS`](Activation::PARAMS). The sum runs in the order the elements are visited
    /// (memory order when the arrays share a layout, else logical order), in `T`.
    ///
    /// # Errors
    /// [`ErrorKind::IncompatibleShape`] when `grad_out`'s shape is not `x`'s.
    fn param_gradients_array<T: Real, S: Data<Elem = T>, Sg: Data<Elem = T>, D: Dimension>(
        &self,
        x: &ArrayBase<S, D>,
        grad_out: &ArrayBase<Sg, D>,
    ) -> Result<Vec<T>, ShapeError> {
        same_shape(x, &[grad_out.shape()])?;
        let zero = T::from_f64(0.0);
        let (mut total, mut part) = (vec![zero; Self::PARAMS.len()], vec![zero; Self::PARAMS.len()]);
        run(x.view(), [grad_out.view()], [], |x, [g], []| {
            self.param_gradients(x, g, &mut part);
            for (t, &p) in total.iter_mut().zip(&part) {
                *t = *t + p;
            }
        });
        Ok(total)
    }
}

impl<A: Activation> ArrayActivation for A {}

/// A zero array of `x`'s shape, column-major when `x` is (so that both share a layout).
fn like<T: Real, S: Data<Elem = T>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<T, D> {
    let zero = T::from_f64(0.0);
    let fortran = x.ndim() > 1 && !x.is_standard_layout() && x.t().is_standard_layout();
    if fortran {
        Array::from_elem(x.raw_dim().f(), zero)
    } else {
        Array::from_elem(x.raw_dim(), zero)
    }
}

fn same_shape<T, S: Data<Elem = T>, D: Dimension>(x: &ArrayBase<S, D>, others: &[&[usize]]) -> Result<(), ShapeError> {
    if others.iter().all(|s| *s == x.shape()) {
        Ok(())
    } else {
        Err(ShapeError::from_kind(ErrorKind::IncompatibleShape))
    }
}

/// Runs `kernel` over the arrays (all of one shape): once over their memory when they
/// share a contiguous layout, else over chunks gathered in logical order.
fn run<T: Real, D: Dimension, const I: usize, const O: usize>(
    x: ArrayView<'_, T, D>,
    inputs: [ArrayView<'_, T, D>; I],
    mut outputs: [ArrayViewMut<'_, T, D>; O],
    mut kernel: impl FnMut(&[T], [&[T]; I], [&mut [T]; O]),
) {
    let strides = x.strides();
    let shared = inputs.iter().all(|a| a.strides() == strides) && outputs.iter().all(|a| a.strides() == strides);
    if shared {
        let ins = inputs.each_ref().map(|a| a.as_slice_memory_order());
        if let (Some(xs), true) = (x.as_slice_memory_order(), ins.iter().all(Option::is_some)) {
            let outs = outputs.each_mut().map(|a| a.as_slice_memory_order_mut());
            if outs.iter().all(Option::is_some) {
                let some = "checked just above";
                kernel(xs, ins.map(|s| s.expect(some)), outs.map(|s| s.expect(some)));
                return;
            }
        }
    }
    let zero = T::from_f64(0.0);
    let (mut xb, mut ib, mut ob) = ([zero; CHUNK], [[zero; CHUNK]; I], [[zero; CHUNK]; O]);
    let mut xi = x.iter();
    let mut ii = inputs.each_ref().map(|a| a.iter());
    let mut oi = outputs.each_mut().map(|a| a.iter_mut());
    loop {
        let mut n = 0;
        for (slot, &v) in xb.iter_mut().zip(xi.by_ref()) {
            *slot = v;
            n += 1;
        }
        if n == 0 {
            return;
        }
        for (buf, it) in ib.iter_mut().zip(ii.iter_mut()) {
            for (slot, &v) in buf[..n].iter_mut().zip(it) {
                *slot = v;
            }
        }
        kernel(&xb[..n], ib.each_ref().map(|b| &b[..n]), ob.each_mut().map(|b| &mut b[..n]));
        for (buf, it) in ob.iter().zip(oi.iter_mut()) {
            for (&v, slot) in buf[..n].iter().zip(it) {
                *slot = v;
            }
        }
        if n < CHUNK {
            return;
        }
    }
}

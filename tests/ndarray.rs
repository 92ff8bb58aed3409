//! `ArrayActivation` (feature `ndarray`): every element of every array kernel is bit for
//! bit the scalar function's, in any dimension, in `f32` and `f64`, whether the arrays
//! share a contiguous layout (the slice kernels run on their memory) or not (stepped
//! slices, transposes, reversed and broadcast views: gathered in chunks); mismatched shapes
//! are errors that write nothing.
#![cfg(feature = "ndarray")]

use activation::catalog::{Gelu, Selu, Sigmoid, Swish};
use activation::prelude::*;
use ndarray::{s, Array, Array1, Array2, Array3, ArrayD, ErrorKind, IxDyn, ShapeBuilder};

/// Inputs spread over both tails, the middle and the subnormals, some repeated.
fn values<T: Real>(n: usize) -> Vec<T> {
    (0..n)
        .map(|i| {
            let t = i as f64 * 0.618_033_988_749_895 % 1.0;
            let v = match i % 5 {
                0 => (t - 0.5) * 12.0,
                1 => (t - 0.5) * 200.0,
                2 => (t - 0.5) * 1e-40,
                3 => -(t * 700.0),
                _ => t * 3.0,
            };
            T::from_f64(v)
        })
        .collect()
}

fn same<T: Real + std::fmt::Debug>(what: &str, actual: T, expected: T) {
    assert!(actual.to_f64().to_bits() == expected.to_f64().to_bits(), "{what}: {actual:?} != {expected:?} (scalar)");
}

/// Every kernel of `a` over `x` (any layout) and `g`, against the scalar methods.
fn check_all<A: Activation, T: Real + std::fmt::Debug, D: ndarray::Dimension>(
    a: &A,
    x: ndarray::ArrayView<'_, T, D>,
    g: ndarray::ArrayView<'_, T, D>,
) {
    let y = a.forward_array(&x);
    assert_eq!(y.shape(), x.shape());
    for (&x, &y) in x.iter().zip(y.iter()) {
        same("forward_array", y, a.forward(x));
    }
    let d = a.backward_array(&x, &g).unwrap();
    for ((&x, &g), &d) in x.iter().zip(g.iter()).zip(d.iter()) {
        same("backward_array", d, g * a.derivative(x));
    }
    let (y2, dy) = a.with_derivative_array(&x);
    for ((&x, &y), &dy) in x.iter().zip(y2.iter()).zip(dy.iter()) {
        let (f, df) = a.with_derivative(x);
        same("with_derivative_array f", y, f);
        same("with_derivative_array f'", dy, df);
    }
    // Into arrays of the other layout: the gathered path.
    let mut out = Array::from_elem(x.raw_dim().f(), T::from_f64(0.0));
    a.forward_array_into(&x, &mut out).unwrap();
    assert_eq!(out, y);
    let mut out = Array::from_elem(x.raw_dim(), T::from_f64(0.0));
    a.backward_array_into(&x, &g, &mut out).unwrap();
    assert_eq!(out, d);
    // Parameter gradients: sums over the elements (order aside) of the scalar products.
    let grads = a.param_gradients_array(&x, &g).unwrap();
    assert_eq!(grads.len(), A::PARAMS.len());
    for (k, &total) in grads.iter().enumerate() {
        let terms: Vec<f64> = x.iter().zip(g.iter()).map(|(&x, &g)| (g * a.param_derivative(k, x)).to_f64()).collect();
        let exact: f64 = terms.iter().sum();
        let scale: f64 = terms.iter().map(|t| t.abs()).sum();
        let eps = if std::mem::size_of::<T>() == 4 { 1e-6 } else { 1e-14 };
        assert!((total.to_f64() - exact).abs() <= eps * scale.max(1e-300), "d/d{}: {total:?} vs {exact}", A::PARAMS[k]);
    }
}

fn every_layout<T: Real + std::fmt::Debug>() {
    let (swish, gelu, selu, sigmoid) = (Swish { beta: 1.25 }, Gelu, Selu::default(), Sigmoid);
    // 1-D, long enough for several chunks and a remainder.
    let x1 = Array1::from(values::<T>(1000));
    let g1 = Array1::from(values::<T>(1003).split_off(3));
    check_all(&swish, x1.view(), g1.view());
    // Stepped and reversed: not contiguous.
    check_all(&gelu, x1.slice(s![..;3]), g1.slice(s![..;-3]));
    check_all(&swish, x1.slice(s![..;-1]), g1.slice(s![..;-1]));
    // 2-D: row-major, column-major, transposed beside row-major, a sub-block.
    let x2 = Array2::from_shape_vec((40, 30), values::<T>(1200)).unwrap();
    let g2 = Array2::from_shape_vec((40, 30), values::<T>(1201).split_off(1)).unwrap();
    check_all(&selu, x2.view(), g2.view());
    let xf = Array2::from_shape_vec((30, 40).f(), values::<T>(1200)).unwrap();
    let gf = Array2::from_shape_vec((30, 40).f(), values::<T>(1200)).unwrap();
    check_all(&swish, xf.view(), gf.view());
    check_all(&swish, x2.t(), gf.view());
    check_all(&gelu, x2.slice(s![3..17, 5..29;2]), g2.slice(s![20..34, ..12]));
    // A broadcast gradient (stride 0).
    let row = Array1::from(values::<T>(30));
    check_all(&sigmoid, x2.view(), row.broadcast((40, 30)).unwrap());
    // 3-D, 0-D and dynamic dimension.
    let x3 = Array3::from_shape_vec((4, 5, 6), values::<T>(120)).unwrap();
    check_all(&swish, x3.view(), x3.view());
    let x3p = x3.clone().permuted_axes([2, 0, 1]);
    check_all(&selu, x3p.view(), x3p.view());
    let x0 = ndarray::arr0(T::from_f64(0.75));
    check_all(&swish, x0.view(), x0.view());
    let xd = ArrayD::from_shape_vec(IxDyn(&[2, 3, 2, 5]), values::<T>(60)).unwrap();
    check_all(&gelu, xd.view(), xd.view());
    // Empty arrays.
    let empty = Array2::from_elem((0, 7), T::from_f64(0.0));
    check_all(&swish, empty.view(), empty.view());
}

#[test]
fn every_layout_f32() {
    every_layout::<f32>();
}

#[test]
fn every_layout_f64() {
    every_layout::<f64>();
}

#[test]
fn contiguous_arrays_run_the_slice_kernels_whole() {
    // Same layout: the result is the slice kernel's over memory order, including the
    // parameter gradients' summation order.
    let s = Swish { beta: 0.5 };
    let x = Array2::from_shape_vec((64, 33).f(), values::<f64>(64 * 33)).unwrap();
    let g = Array2::from_shape_vec((64, 33).f(), values::<f64>(64 * 34).split_off(64)).unwrap();
    let (xs, gs) = (x.as_slice_memory_order().unwrap(), g.as_slice_memory_order().unwrap());
    let mut expected = [0.0];
    s.param_gradients(xs, gs, &mut expected);
    assert_eq!(s.param_gradients_array(&x, &g).unwrap(), expected);
    let y = s.forward_array(&x);
    assert!(y.t().is_standard_layout(), "column-major in, column-major out");
    let mut ys = vec![0.0; xs.len()];
    s.forward_slice(xs, &mut ys);
    assert_eq!(y.as_slice_memory_order().unwrap(), &ys[..]);
}

#[test]
fn mismatched_shapes_are_errors_and_write_nothing() {
    let s = Swish::default();
    let x = Array2::<f32>::ones((3, 4));
    let g = Array2::<f32>::ones((4, 3));
    assert_eq!(s.backward_array(&x, &g).unwrap_err().kind(), ErrorKind::IncompatibleShape);
    assert_eq!(s.param_gradients_array(&x, &g).unwrap_err().kind(), ErrorKind::IncompatibleShape);
    let mut out = Array2::<f32>::from_elem((3, 5), 7.0);
    assert_eq!(s.forward_array_into(&x, &mut out).unwrap_err().kind(), ErrorKind::IncompatibleShape);
    assert!(out.iter().all(|&v| v == 7.0));
    let mut out = Array2::<f32>::from_elem((3, 4), 7.0);
    let err = s.backward_array_into(&x, &x.t(), &mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::IncompatibleShape);
    assert!(out.iter().all(|&v| v == 7.0));
    // Same shape: written.
    s.backward_array_into(&x, &x, &mut out).unwrap();
    assert_eq!(out[[0, 0]], s.derivative(1.0f32));
}

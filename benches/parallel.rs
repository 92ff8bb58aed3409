//! Where splitting a slice over threads pays (`cargo bench --bench parallel --features
//! rayon`): each kernel at lengths from 4 K to 16 M, once serial and once as the `rayon`
//! feature runs it. "Serial" calls the same kernel on pieces shorter than
//! `2 · PARALLEL_MIN`, which the feature never splits, one after the other: the same code
//! per element, on one thread. The figures and the thresholds chosen (`PARALLEL_MIN`,
//! `PARALLEL_WORK`) are in `docs/speed.md`.

use activation::catalog as c;
use activation::{Activation, PARALLEL_MIN};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

fn inputs(n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let x = (0..n).map(|i| -10.0 + 20.0 * ((i * 7919) % n) as f32 / n as f32).collect();
    (x, vec![1.0; n], vec![0.0; n])
}

/// One kernel: `(x, g, out)`, the activation's forward (g unused) or backward.
type Kernel = fn(&[f32], &[f32], &mut [f32]);

const KERNELS: &[(&str, Kernel)] = &[
    ("relu_forward", |x, _, y| c::Relu.forward_slice(x, y)),
    ("sigmoid_forward", |x, _, y| c::Sigmoid.forward_slice(x, y)),
    ("gelu_forward", |x, _, y| c::Gelu.forward_slice(x, y)),
    ("gelu_backward", |x, g, y| c::Gelu.backward_slice(x, g, y)),
];

fn kernel(name: &str) -> Kernel {
    KERNELS.iter().find(|k| k.0 == name).map(|k| k.1).expect("a listed kernel")
}

const NAMES: &[&str] = &["relu_forward", "sigmoid_forward", "gelu_forward", "gelu_backward"];

#[divan::bench(args = NAMES, consts = [4096, 16384, 65536, 262144, 1048576, 16777216], sample_count = 20)]
fn parallel<const N: usize>(bencher: Bencher, name: &str) {
    let (x, g, mut y) = inputs(N);
    let k = kernel(name);
    bencher
        .counter(divan::counter::ItemsCount::new(N))
        .bench_local(|| k(black_box(&x), black_box(&g), black_box(&mut y)));
}

#[divan::bench(args = NAMES, consts = [4096, 16384, 65536, 262144, 1048576, 16777216], sample_count = 20)]
fn serial<const N: usize>(bencher: Bencher, name: &str) {
    let (x, g, mut y) = inputs(N);
    let k = kernel(name);
    bencher.counter(divan::counter::ItemsCount::new(N)).bench_local(|| {
        for ((x, g), y) in x.chunks(PARALLEL_MIN).zip(g.chunks(PARALLEL_MIN)).zip(y.chunks_mut(PARALLEL_MIN)) {
            k(black_box(x), black_box(g), black_box(y));
        }
    });
}

//! Generated kernels beside hand-written Rust of the formulas PyTorch uses, on the same
//! 4096 inputs in [-8, 8]: `cargo bench --bench kernels`. Each group pairs `ours` with its
//! baseline; the ratio of their medians is the cost of our accuracy (compensated forms
//! such as mish'' run in double-double arithmetic, see ARCHITECTURE.md, "Numbers").

use activation::catalog as c;
use divan::black_box;

fn main() {
    divan::main();
}

fn inputs() -> Vec<f64> {
    (0..4096).map(|i| -8.0 + 16.0 * (i as f64 + 0.5) / 4096.0).collect()
}

/// Times `f` over the inputs, summed so that nothing is optimised away.
fn time(b: divan::Bencher, f: impl Fn(f64) -> f64 + Sync) {
    let xs = inputs();
    b.bench(|| xs.iter().map(|&x| f(black_box(x))).sum::<f64>());
}

fn stable_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn stable_softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

const SQRT_2_OVER_PI: f64 = 0.7978845608028654;

mod derivative {
    use super::*;

    #[divan::bench]
    fn sigmoid_ours(b: divan::Bencher) {
        time(b, c::sigmoid_derivative);
    }

    #[divan::bench]
    fn sigmoid_torch(b: divan::Bencher) {
        time(b, |x| {
            let y = stable_sigmoid(x);
            (1.0 - y) * y
        });
    }

    #[divan::bench]
    fn tanh_ours(b: divan::Bencher) {
        time(b, c::tanh_derivative);
    }

    #[divan::bench]
    fn tanh_torch(b: divan::Bencher) {
        time(b, |x| {
            let y = x.tanh();
            1.0 - y * y
        });
    }

    #[divan::bench]
    fn swish_ours(b: divan::Bencher) {
        time(b, |x| c::swish_derivative(x, 1.0));
    }

    #[divan::bench]
    fn swish_torch(b: divan::Bencher) {
        time(b, |x| {
            let s = stable_sigmoid(x);
            s * (1.0 + x * (1.0 - s))
        });
    }

    #[divan::bench]
    fn gelu_ours(b: divan::Bencher) {
        time(b, c::gelu_derivative);
    }

    #[divan::bench]
    fn gelu_torch(b: divan::Bencher) {
        time(b, |x| {
            let inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
            let t = inner.tanh();
            let left = 0.5 * x;
            let right = 1.0 + t;
            let left_d = 0.5 * right;
            let right_d = left * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x);
            left_d + right_d
        });
    }

    #[divan::bench]
    fn mish_ours(b: divan::Bencher) {
        time(b, c::mish_derivative);
    }

    #[divan::bench]
    fn mish_torch(b: divan::Bencher) {
        time(b, |x| {
            let t = stable_softplus(x).tanh();
            t + x * stable_sigmoid(x) * (1.0 - t * t)
        });
    }

    #[divan::bench]
    fn softsign_ours(b: divan::Bencher) {
        time(b, c::softsign_derivative);
    }

    #[divan::bench]
    fn softsign_torch(b: divan::Bencher) {
        time(b, |x| {
            let d = 1.0 + x.abs();
            1.0 / (d * d)
        });
    }
}

mod second_derivative {
    use super::*;

    #[divan::bench]
    fn mish_ours(b: divan::Bencher) {
        time(b, c::mish_second_derivative);
    }

    /// d/dx of PyTorch's mish backward, written out by hand.
    #[divan::bench]
    fn mish_by_hand(b: divan::Bencher) {
        time(b, |x| {
            let s = stable_sigmoid(x);
            let t = stable_softplus(x).tanh();
            let sech2 = 1.0 - t * t;
            s * sech2 * (2.0 * (1.0 - x * t * s) + x * (1.0 - s))
        });
    }
}

mod forward {
    use super::*;

    #[divan::bench]
    fn gelu_ours(b: divan::Bencher) {
        time(b, c::gelu);
    }

    #[divan::bench]
    fn gelu_torch(b: divan::Bencher) {
        time(b, |x| 0.5 * x * (1.0 + (SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)).tanh()));
    }

    #[divan::bench]
    fn mish_ours(b: divan::Bencher) {
        time(b, c::mish);
    }

    #[divan::bench]
    fn hardswish_ours(b: divan::Bencher) {
        time(b, c::hardswish);
    }

    #[divan::bench]
    fn hardswish_torch(b: divan::Bencher) {
        time(b, |x| x * (x + 3.0).clamp(0.0, 6.0) / 6.0);
    }

    #[divan::bench]
    fn softsign_ours(b: divan::Bencher) {
        time(b, c::softsign);
    }

    #[divan::bench]
    fn softsign_torch(b: divan::Bencher) {
        time(b, |x| x / (1.0 + x.abs()));
    }

    #[divan::bench]
    fn mish_torch(b: divan::Bencher) {
        time(b, |x| x * stable_softplus(x).tanh());
    }
}

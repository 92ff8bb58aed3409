//! E[f(Z)] and E[f(Z)²] for Z ~ N(0, 1), by adaptive Gauss–Legendre quadrature in MPFR,
//! split at the breakpoints so every panel integrates an analytic function; and
//! PyTorch's `calculate_gain`, shown beside the variance-preserving gain.
//!
//! The integrals are cut at |x| = 40, where the normal density is below 1e-347: beyond it
//! only a function growing like e^(x²/4) could contribute.

use std::sync::OnceLock;

use rug::float::Constant;
use rug::Float;

use super::pieces::{eval, Fun, Piece, Subject};
use super::PREC;

/// Nodes of the Gauss–Legendre rule.
const NODES: usize = 20;
/// Where the integrals are cut.
const CUT: f64 = 40.0;
/// Width of the initial panels.
const PANEL: f64 = 2.0;
/// A panel is accepted when halving it changes its integral by at most this much.
const TOLERANCE: f64 = 1e-30;
/// How many times a panel may be halved.
const DEPTH: u32 = 40;

/// `(E[f(Z)], E[f(Z)²])`.
pub(crate) fn moments(subject: &Subject) -> (f64, f64) {
    let mut sum = [Float::new(PREC), Float::new(PREC)];
    for piece in &subject.pieces {
        let (lo, hi) = (piece.lo.max(-CUT), piece.hi.min(CUT));
        if lo >= hi {
            continue;
        }
        let panels = ((hi - lo) / PANEL).ceil().max(1.0) as usize;
        let width = (hi - lo) / panels as f64;
        // Each panel ends exactly where the next begins: no gap, no overlap.
        let edge = |k: usize| if k == panels { hi } else { lo + width * k as f64 };
        for k in 0..panels {
            let (a, b) = (edge(k), edge(k + 1));
            let whole = panel(piece, a, b);
            let [m1, m2] = adaptive(piece, a, b, whole, DEPTH);
            sum[0] += m1;
            sum[1] += m2;
        }
    }
    (snap(&sum[0]), snap(&sum[1]))
}

/// The value, or 0 when it is below the quadrature's resolution (each panel is settled to
/// 1e-30): the mean of an odd function comes out as ±1e-79 noise otherwise.
fn snap(v: &Float) -> f64 {
    if v.clone().abs() < 1e-25 {
        0.0
    } else {
        v.to_f64()
    }
}

/// The integrals over `[a, b]` of f φ and f² φ, refined until halving agrees.
fn adaptive(piece: &Piece, a: f64, b: f64, whole: [Float; 2], depth: u32) -> [Float; 2] {
    let m = 0.5 * (a + b);
    let (l, r) = (panel(piece, a, m), panel(piece, m, b));
    let halves = [Float::with_val(PREC, &l[0] + &r[0]), Float::with_val(PREC, &l[1] + &r[1])];
    let settled = (0..2).all(|i| Float::with_val(PREC, &halves[i] - &whole[i]).abs() <= TOLERANCE);
    if settled || depth == 0 || m <= a || m >= b {
        return halves;
    }
    let [l0, l1] = adaptive(piece, a, m, l, depth - 1);
    let [r0, r1] = adaptive(piece, m, b, r, depth - 1);
    [l0 + r0, l1 + r1]
}

/// The Gauss–Legendre estimate over `[a, b]` of f φ and f² φ.
fn panel(piece: &Piece, a: f64, b: f64) -> [Float; 2] {
    // In MPFR: the halves of a panel must tile it exactly for the comparison to mean anything.
    let half = (Float::with_val(PREC, b) - a) / 2u32;
    let mid = (Float::with_val(PREC, b) + a) / 2u32;
    let mut out = [Float::new(PREC), Float::new(PREC)];
    for (t, w) in rule() {
        let x = Float::with_val(PREC, t * &half) + &mid;
        let f = eval(piece.expr(Fun::F), &x);
        let weight = Float::with_val(PREC, w * &half) * density(&x);
        let fw = Float::with_val(PREC, &f * &weight);
        out[1] += Float::with_val(PREC, &fw * &f);
        out[0] += fw;
    }
    out
}

/// The standard normal density.
fn density(x: &Float) -> Float {
    static NORM: OnceLock<Float> = OnceLock::new();
    let norm = NORM.get_or_init(|| {
        let two_pi = Float::with_val(PREC, Constant::Pi) * 2u32;
        two_pi.sqrt().recip()
    });
    let e = Float::with_val(PREC, x.square_ref()) / -2i32;
    e.exp() * norm
}

/// The Gauss–Legendre nodes and weights on [-1, 1] of this module's quadrature.
fn rule() -> &'static [(Float, Float)] {
    static RULE: OnceLock<Vec<(Float, Float)>> = OnceLock::new();
    RULE.get_or_init(|| gauss_legendre(NODES, PREC))
}

/// The `n` Gauss–Legendre nodes and weights on [-1, 1] at precision `prec`, by Newton's
/// method on P_n in MPFR.
pub(crate) fn gauss_legendre(n: usize, prec: u32) -> Vec<(Float, Float)> {
    let mut out = Vec::with_capacity(n);
    for i in 1..=n / 2 {
        let guess = (std::f64::consts::PI * (i as f64 - 0.25) / (n as f64 + 0.5)).cos();
        let mut x = Float::with_val(prec, guess);
        for _ in 0..100 {
            let (p, d) = legendre(n, &x);
            let step = Float::with_val(prec, &p / &d);
            x -= &step;
            if step.is_zero() || step.get_exp().is_some_and(|e| e < -(prec as i32) + 4) {
                break;
            }
        }
        let (_, slope) = legendre(n, &x);
        let one_minus = Float::with_val(prec, 1u32 - Float::with_val(prec, x.square_ref()));
        let w = Float::with_val(prec, 2u32) / (one_minus * slope.square());
        out.push((Float::with_val(prec, -&x), w.clone()));
        out.push((x, w));
    }
    out
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence, at the precision of `x`.
fn legendre(n: usize, x: &Float) -> (Float, Float) {
    let prec = x.prec();
    let mut prev = Float::with_val(prec, 1u32);
    let mut p = x.clone();
    for k in 1..n {
        let k = k as u32;
        let next = (Float::with_val(prec, x * &p) * (2 * k + 1) - Float::with_val(prec, &prev * k)) / (k + 1);
        prev = std::mem::replace(&mut p, next);
    }
    // P_n' = n (x P_n - P_{n-1}) / (x² - 1).
    let num = (Float::with_val(prec, x * &p) - &prev) * n as u32;
    let den = Float::with_val(prec, x.square_ref()) - 1u32;
    (p, num / den)
}

/// PyTorch's `torch.nn.init.calculate_gain` for an activation called `name`, where it
/// defines one: PyTorch's constant, listed here only to be shown beside the computed gain.
/// `leaky_relu` takes its negative slope from a parameter called `alpha` or
/// `negative_slope` (PyTorch's default 0.01 otherwise).
pub(crate) fn pytorch_gain(name: &str, params: &[(String, f64)]) -> Option<f64> {
    match name {
        "linear" | "identity" | "sigmoid" => Some(1.0),
        "tanh" => Some(5.0 / 3.0),
        "relu" => Some(std::f64::consts::SQRT_2),
        "selu" => Some(0.75),
        "leaky_relu" => {
            let slope = params.iter().find(|(p, _)| p == "alpha" || p == "negative_slope").map_or(0.01, |(_, v)| *v);
            Some((2.0 / (1.0 + slope * slope)).sqrt())
        }
        _ => None,
    }
}

//! The tail devices of generated code: products that must survive a factor decaying to 0.
//! Generated code calls these through `activation::__private`; they are not API.

use crate::dd::Dd;
use crate::float::{unless_in_place, Float, Mask};

/// `a * b`, except that a zero factor wins: 0 · inf = 0. Generated code multiplies this
/// way where one factor can underflow to 0 (a decaying `exp`, `sigmoid`, `erfc`) and the
/// other overflow: in the tails of an activation the decay always dominates, so the
/// product's truth is 0 (or tiny), never the NaN that `0 * inf` gives.
#[inline(always)]
pub fn mul_or_zero<T: Float>(a: T, b: T) -> T {
    let zero = T::from_f64(0.0);
    T::select(a.eq(zero) | b.eq(zero), zero, a * b)
}

/// `a / b`, except that where the numerator's decaying factor `small` (an `exp`,
/// `sigmoid`, `erfc` or `softplus`) has underflowed to 0 and the divisor has reached 0 too,
/// the quotient is 0, not the NaN of 0 / 0: e^(−1/x²) / x² below |x| = 1e-154, where x²
/// underflows, or e^(−x²) / √(erfc x) beyond 27, where both have. A decaying factor is 0
/// only by underflow, and its exponential decay dominates a divisor that vanishes as a
/// power; where the divisor decays faster, the expansion's doubts see a 0 whose value with
/// an unbounded exponent is a normal number and warn. A numerator that is 0 for another
/// reason (x e^(−x²) / x² at 0) keeps its NaN.
#[inline(always)]
pub fn div_or_zero<T: Float>(a: T, b: T, small: T) -> T {
    let zero = T::from_f64(0.0);
    T::select(small.eq(zero) & b.eq(zero), zero, a / b)
}

/// `a * small` where `small = e^u` or `σ(u)` decays to 0 in a tail, and `log_small()` gives
/// u as a double-double (where `small` has underflowed, ln σ(u) = u to far below an ULP).
/// Where `small` is subnormal — it has lost bits, up to all of them — while `|a| > 1` could
/// lift the product back into the normal range, the product is taken in the log domain,
/// `±exp(ln|a| + u)`. Where `small` is a normal number, the product is the plain `a * small`
/// (a zero `a` keeps its sign: silu(−0) = −0); where it is 0, ∞ or NaN, [`mul_or_zero`].
#[inline(always)]
pub fn mul_small<T: Float>(a: T, small: T, log_small: impl FnOnce() -> Dd<T>) -> T {
    mul_small_logs(a, small, || Dd::new(a.abs().ln()), log_small)
}

/// [`mul_small`] where `a = ±e^w` too and `log_a()` gives w as a double-double: the
/// log-domain product then rounds nothing before its final `exp` (ln of a rounded e^47
/// would already be off by 47 · 2^-p), and it holds where e^w has overflowed as well
/// (e^x σ(−x) beyond x = 709.8, where the truth is about 1).
#[inline(always)]
pub fn mul_small_logs<T: Float>(a: T, small: T, log_a: impl FnOnce() -> Dd<T>, log_small: impl FnOnce() -> Dd<T>) -> T {
    let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
    // MIN_POSITIVE ≤ small < ∞ (small − MIN_POSITIVE ≥ 0 without the |·|, small being
    // non-negative): the product is the plain one, and this is the one test on every
    // vector. Elsewhere — small subnormal, 0, ∞ or NaN — a zero factor wins, and where
    // |a| > 1 could lift a subnormal small back, the product is taken in the log domain.
    let usual = (small - T::min_positive()).ge(zero) & small.lt(T::from_f64(f64::INFINITY));
    unless_in_place!(!usual, a * small, {
        let plain = mul_or_zero(a, small);
        let tiny = (small - T::min_positive()).lt(zero) & small.ge(zero);
        // (An `a` that has overflowed is lost too: where `log_a()` is exact — `a = e^w`,
        // [`mul_small_logs`] — e^720 σ(−720) is e^0; where it is ln|a| = ∞, the sum is not
        // finite and the product stays `plain`.)
        let lost = tiny & a.abs().gt(one) & !a.is_nan();
        unless_in_place!(lost, plain, {
            let sum = log_a() + log_small();
            // Far out (|u| beyond what the error-free splitting can take) the pair is not
            // finite, and the product is 0 anyway.
            let finite = sum.is_finite();
            let m = sum.exp_value();
            T::select(finite, T::select(a.lt(zero), -m, m), plain)
        })
    })
}

/// Whether, in every lane, every decaying factor of a block's tail products is a normal,
/// finite number for sure, from their arguments: each of `floor` at least −84 in `f32`
/// (−705 in `f64`), where e^u, σ(u), softplus(u) and tanh of them are above the normal
/// range's bottom (e^-87.3 in `f32`) with room for their roundings, and each of `ceiling`
/// (the arguments of e^u and softplus(u)) at most 87 (708), below overflow. Generated code
/// asks this once per block with two or more tail products and then takes the plain
/// products ([`mul_small_at`]): one test per vector instead of one per product, which cost
/// silu′ a fifth of its time. NaN arguments fail it.
#[inline(always)]
pub fn tails_idle<T: Float, const F: usize, const C: usize>(floor: [T; F], ceiling: [T; C]) -> bool {
    let wide = crate::real::Real::to_f64(<T::Scalar as crate::real::Real>::EMAX) > 200.0;
    let (low, high) = if wide { (-705.0, 708.0) } else { (-84.0, 87.0) };
    let (low, high) = (T::from_f64(low), T::from_f64(high));
    // Loops, not iterator adapters and `Mask::all` passed as a function: a function value
    // may stay a call of its own, compiled without the instruction set the slice kernel
    // dispatched to (in a default build the AVX-512 kernels' silu′ took three times as
    // long with them). `low == low` is every lane.
    let mut ok = low.eq(low);
    for &u in &floor {
        ok = ok & u.ge(low);
    }
    for &u in &ceiling {
        ok = ok & u.le(high);
    }
    ok.all()
}

/// `a * small` where `idle` ([`tails_idle`]: `small` is normal and finite in every lane),
/// else [`mul_small`]: the same bits either way, `mul_small`'s own test skipped.
#[inline(always)]
pub fn mul_small_at<T: Float>(idle: bool, a: T, small: T, log_small: impl FnOnce() -> Dd<T>) -> T {
    if idle {
        a * small
    } else {
        mul_small(a, small, log_small)
    }
}

/// [`mul_small_logs`] as [`mul_small_at`] is [`mul_small`].
#[inline(always)]
pub fn mul_small_logs_at<T: Float>(
    idle: bool,
    a: T,
    small: T,
    log_a: impl FnOnce() -> Dd<T>,
    log_small: impl FnOnce() -> Dd<T>,
) -> T {
    if idle {
        a * small
    } else {
        mul_small_logs(a, small, log_a, log_small)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_survive_a_subnormal_factor() {
        // 5e5 · σ(-721): σ(-721) is subnormal in f64, the product is normal.
        let x = 721.0f64;
        let p = mul_small(x * x, Float::sigmoid(-x), || Dd::new(-x));
        let truth = (2.0 * x.ln() - x).exp(); // σ(-x) = e^-x (1 + e^-x)^-1, e^-x negligible
        assert!(((p - truth) / truth).abs() < 1e-12, "{p:e} vs {truth:e}");
        // 0 · anything stays 0, and an overflowed factor does not turn into inf.
        assert_eq!(mul_small(f64::INFINITY, 0.0, || Dd::new(-800.0)), 0.0);
        // Unless its logarithm is known: e^720 · σ(−720) is e^0 · (1 + e^-720)^-1 = 1, and
        // e^800 · e^-1000 is e^-200 (both factors out of range).
        let (w, u) = (720.0f64, -720.0f64);
        assert_eq!(mul_small_logs(w.exp(), Float::sigmoid(u), || Dd::new(w), || Dd::new(u)), 1.0);
        let p = mul_small_logs(800.0f64.exp(), (-1000.0f64).exp(), || Dd::new(800.0), || Dd::new(-1000.0));
        assert!((p / (-200.0f64).exp() - 1.0).abs() < 1e-15, "{p:e}");
        assert_eq!(mul_small_logs(-f64::INFINITY, 0.0, || Dd::new(800.0), || Dd::new(-1000.0)), -(-200.0f64).exp());
        assert_eq!(mul_small(0.0f64, 1e-315, || Dd::new(-725.0)), 0.0);
    }

    #[test]
    fn an_idle_block_s_factors_are_normal_and_its_products_mul_small_s() {
        // At the test's edges every decaying factor it admits is a normal, finite number,
        // in both precisions; just beyond them, and for NaN, it refuses.
        fn edges<T: crate::real::Real>(low: f64, high: f64) {
            let (l, h) = (T::from_f64(low), T::from_f64(high));
            for small in [l.exp(), l.sigmoid(), l.softplus(), l.exp().tanh(), l.sigmoid().tanh(), h.exp(), h.softplus()]
            {
                assert!(small >= T::MIN_POSITIVE && small.is_finite().all(), "{:e}", small.to_f64());
            }
            assert!(tails_idle([l, T::from_f64(0.0)], [h]));
            assert!(!tails_idle([T::from_f64(low - 1.0)], []) && !tails_idle([l], [T::from_f64(high + 1.0)]));
            assert!(!tails_idle([T::from_f64(f64::NAN)], []));
        }
        edges::<f32>(-84.0, 87.0);
        edges::<f64>(-705.0, 708.0);
        // Where the test holds, the plain product is mul_small's, bit for bit.
        for i in 0..2000 {
            let u = -84.0 + f64::from(i) * 0.0855;
            let (a, small) = (u * 1e3 - 7.0, Float::sigmoid(u));
            assert!(tails_idle([u, -u], []));
            let lean = mul_small_at(true, a, small, || Dd::new(u));
            assert_eq!(lean.to_bits(), mul_small(a, small, || Dd::new(u)).to_bits(), "{u}");
            assert_eq!(lean.to_bits(), mul_small_at(false, a, small, || Dd::new(u)).to_bits(), "{u}");
            let (a, small) = (a as f32, Float::exp(u as f32));
            let log = || Dd::new(u as f32);
            assert_eq!(
                mul_small_logs_at(true, a, small, log, log).to_bits(),
                mul_small_logs(a, small, log, log).to_bits()
            );
        }
    }

    #[test]
    fn zero_factors_win_only_where_small_is_not_a_normal_number() {
        use crate::lanes::F64x8;
        // Lanes whose `small` is normal take the plain product, the others mul_or_zero's,
        // whichever path the vector takes: with no lane outside the normal range (the
        // first four) and with some (all eight), each lane's bits are the scalar's.
        let a = [-0.0f64, f64::INFINITY, 3.0, f64::NAN, f64::INFINITY, 0.0, -0.0, 0.5];
        let small = [0.5f64, 1e-300, 0.25, 0.5, 0.0, f64::INFINITY, f64::NAN, 0.0];
        let f = |a: f64, s: f64| mul_small(a, s, || Dd::new(-1.0));
        let expect = [-0.0f64, f64::INFINITY, 0.75, f64::NAN, 0.0, 0.0, 0.0, 0.0];
        for i in 0..8 {
            let got = f(a[i], small[i]);
            assert!(got.to_bits() == expect[i].to_bits() || (got.is_nan() && expect[i].is_nan()), "lane {i}: {got:e}");
        }
        let mut first = a;
        first[4..].copy_from_slice(&a[..4]);
        let mut first_small = small;
        first_small[4..].copy_from_slice(&small[..4]);
        for (a, small) in [(first, first_small), (a, small)] {
            let lanes = mul_small(F64x8::load(&a), F64x8::load(&small), || Dd::new(F64x8::splat(-1.0)));
            for i in 0..8 {
                let scalar = f(a[i], small[i]);
                assert!(
                    lanes.0[i].to_bits() == scalar.to_bits() || (scalar.is_nan() && lanes.0[i].is_nan()),
                    "lane {i}"
                );
            }
        }
    }

    #[test]
    fn only_tiny_factors_that_a_large_one_lifts_take_the_log_domain() {
        use crate::lanes::F32x8;
        // a · e^u in f32 with e^u subnormal or 0 (u < −87.3) or not, |a| above 1 or not:
        // lanes give what scalars give, and only the lanes with both (and a finite) differ
        // from the plain product (2 · e^-103 too: a subnormal with its bits back).
        let a = [1e30f32, 0.5, 1e30, f32::INFINITY, -1e30, 1e30, 2.0, 0.0];
        let u = [-100.0f32, -100.0, -10.0, -100.0, -100.0, -150.0, -103.0, -100.0];
        let f = |a: f32, u: f32| mul_small(a, Float::exp(u), || Dd::new(u));
        let lanes = mul_small(F32x8::load(&a), F32x8::load(&u).exp(), || Dd::new(F32x8::load(&u)));
        for i in 0..8 {
            let (scalar, plain) = (f(a[i], u[i]), mul_or_zero(a[i], Float::exp(u[i])));
            assert_eq!(lanes.0[i].to_bits(), scalar.to_bits(), "lane {i}");
            let lifted = [0, 4, 5, 6].contains(&i);
            assert_eq!(scalar != plain, lifted, "lane {i}: {scalar:e} against {plain:e}");
            if lifted && scalar.abs() >= f32::MIN_POSITIVE {
                let truth = f64::from(a[i]) * f64::from(u[i]).exp();
                assert!(((f64::from(scalar) - truth) / truth).abs() < 1e-6, "lane {i}: {scalar:e} vs {truth:e}");
            }
        }
    }

    #[test]
    fn refined_values_are_the_rounded_truth_in_f32_and_finite_where_a_product_underflows() {
        use crate::lanes::{F32x8, F64x4};
        // σ(−x⁸) and σ(3x − (x·1e-160)²) with the argument recomputed as a Dd, as generated
        // code writes it (unchecked products). In f32 the refined value is taken at every
        // argument, tails or not: σ of the f64, rounded once — the rounded truth, where σ of
        // x⁸ rounded to f32 misses it somewhere; at x = 1e-40, whose x⁸ underflows in f64
        // too, 1/2 as the truth. In f64 pairs the tails are refined: (x·1e-160)² underflows
        // there, and the refined σ is finite (a tested product would have made it NaN); 3x
        // is exact at these inputs, so that the libm truth below is one.
        fn f<T: Float>(x: T) -> T {
            let v = -x.powi(8);
            crate::__refined_or!(
                v,
                v.abs().gt(T::from_f64(4.0)) & v.abs().lt(T::from_f64(1e4)),
                {
                    let d = Dd::<T>::product_unchecked(x, x);
                    let d4 = d.mul_unchecked(d);
                    -d4.mul_unchecked(d4)
                },
                sigmoid_value,
                sigmoid
            )
        }
        let xs = [1.0e-40f32, 0.0, 1.05, 1.1, 1.15, 1.17, 1.2, -1.6];
        let lanes = f(F32x8::load(&xs));
        let mut plain_off = 0;
        for (i, &x) in xs.iter().enumerate() {
            let truth = (1.0 / (1.0 + f64::from(x).powi(8).exp())) as f32;
            assert_eq!(lanes.0[i].to_bits(), f(x).to_bits(), "{x}");
            assert_eq!(f(x), truth, "{x}");
            plain_off += usize::from((-x.powi(8)).sigmoid() != truth);
        }
        // The plain call, on x⁸ rounded to f32, misses the rounded truth somewhere.
        assert!(plain_off > 0);

        fn g<T: Float>(x: T) -> T {
            let small = T::from_f64(1e-160) * x;
            let v = T::from_f64(3.0) * x - small * small;
            crate::__refined_or!(
                v,
                v.abs().gt(T::from_f64(4.0)) & v.abs().lt(T::from_f64(1e4)),
                {
                    let small = Dd::<T>::constant(1e-160, 0.0).mul_plain_unchecked(x);
                    Dd::<T>::constant(3.0, 0.0).mul_plain_unchecked(x) - small.mul_unchecked(small)
                },
                sigmoid_value,
                sigmoid
            )
        }
        let xs = [-5.0f64, -200.5, 2.5, -1.0];
        let lanes = g(F64x4::load(&xs));
        for (i, &x) in xs.iter().enumerate() {
            let truth = 1.0 / (1.0 + (-3.0 * x).exp());
            assert!(((g(x) - truth) / truth).abs() < 1e-15, "{x}: {:e} against {truth:e}", g(x));
            assert_eq!(lanes.0[i].to_bits(), g(x).to_bits(), "{x}");
        }
    }

    #[test]
    fn a_vanished_decaying_factor_wins_over_a_vanished_divisor() {
        use crate::lanes::F64x4;
        // e^(−1/x²) / x² at x = 1e-200 (both underflowed) and at 0.1 (neither); x e^(−x²)
        // / x² at 0, whose 0 is x's (it stays NaN); a divisor alone at 0 (a pole stays one).
        let small = [0.0f64, (-100.0f64).exp(), 1.0, 1.0];
        let a = [0.0f64, small[1], 0.0, 1.0];
        let b = [0.0f64, 0.01, 0.0, 0.0];
        let lanes = div_or_zero(F64x4::load(&a), F64x4::load(&b), F64x4::load(&small));
        let expected = [0.0, small[1] / 0.01, f64::NAN, f64::INFINITY];
        for i in 0..4 {
            let scalar = div_or_zero(a[i], b[i], small[i]);
            assert_eq!(scalar.is_nan(), expected[i].is_nan(), "lane {i}: {scalar:e}");
            assert!(scalar.is_nan() || scalar == expected[i], "lane {i}: {scalar:e}");
            assert_eq!(lanes.0[i].to_bits(), scalar.to_bits(), "lane {i}");
        }
    }

    #[test]
    fn lanes_take_the_log_domain_only_where_they_need_it() {
        use crate::lanes::F64x2;
        let x = F64x2::load(&[721.0, 3.0]);
        let p = mul_small(x * x, (-x).sigmoid(), || Dd::new(-x));
        for (i, &xi) in [721.0f64, 3.0].iter().enumerate() {
            let s = mul_small(xi * xi, Float::sigmoid(-xi), || Dd::new(-xi));
            assert_eq!(p.0[i].to_bits(), s.to_bits());
        }
    }
}

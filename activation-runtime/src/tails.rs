//! The tail devices of generated code: products that must survive a factor decaying to 0.
//! Generated code calls these through `activation::__private`; they are not API.

use crate::dd::Dd;
use crate::float::{unless, Float};

/// `a * b`, except that a zero factor wins: 0 · inf = 0. Generated code multiplies this
/// way where one factor can underflow to 0 (a decaying `exp`, `sigmoid`, `erfc`) and the
/// other overflow: in the tails of an activation the decay always dominates, so the
/// product's truth is 0 (or tiny), never the NaN that `0 * inf` gives.
#[inline(always)]
pub fn mul_or_zero<T: Float>(a: T, b: T) -> T {
    let zero = T::from_f64(0.0);
    T::select(a.eq(zero) | b.eq(zero), zero, a * b)
}

/// `a * small` where `small = e^u` or `σ(u)` decays to 0 in a tail, and `log_small()` gives
/// u as a double-double (where `small` has underflowed, ln σ(u) = u to far below an ULP).
/// Where `small` is subnormal — it has lost bits, up to all of them — while `|a| > 1` could
/// lift the product back into the normal range, the product is taken in the log domain,
/// `±exp(ln|a| + u)`; otherwise it is [`mul_or_zero`].
#[inline(always)]
pub fn mul_small<T: Float>(a: T, small: T, log_small: impl FnOnce() -> Dd<T>) -> T {
    mul_small_logs(a, small, || Dd::new(a.abs().ln()), log_small)
}

/// [`mul_small`] where `a = ±e^w` too and `log_a()` gives w as a double-double: the
/// log-domain product then rounds nothing before its final `exp` (ln of a rounded e^47
/// would already be off by 47 · 2^-p).
#[inline(always)]
pub fn mul_small_logs<T: Float>(a: T, small: T, log_a: impl FnOnce() -> Dd<T>, log_small: impl FnOnce() -> Dd<T>) -> T {
    let (zero, one) = (T::from_f64(0.0), T::from_f64(1.0));
    let plain = mul_or_zero(a, small);
    let lost = small.below_normal() & a.is_finite() & a.abs().gt(one) & small.ge(zero);
    unless(lost, plain, || {
        let sum = log_a() + log_small();
        // Far out (|u| beyond what the error-free splitting can take) the pair is not
        // finite, and the product is 0 anyway.
        let finite = sum.is_finite();
        let m = sum.exp_value();
        T::select(finite, T::select(a.lt(zero), -m, m), plain)
    })
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
        assert_eq!(mul_small(0.0f64, 1e-315, || Dd::new(-725.0)), 0.0);
    }

    #[test]
    fn refined_values_fall_back_to_the_plain_call_only_where_refused() {
        use crate::lanes::F32x8;
        // σ(−x⁸) with −x⁸ recomputed as a Dd: for f32 the refined value is taken at every
        // argument, tails or not (σ of the f64, rounded once), except where the f64
        // product of subnormal f32s underflowed and was refused: there the plain
        // σ(−x⁸) = σ(−0) = 1/2.
        fn f<T: Float>(x: T) -> T {
            let v = -x.powi(8);
            crate::__refined_or!(
                v,
                v.abs().gt(T::from_f64(4.0)) & v.abs().lt(T::from_f64(1e4)),
                {
                    let d = Dd::<T>::new(x);
                    let d2 = d * d;
                    let d4 = d2 * d2;
                    (-(d4 * d4)).sigmoid_value()
                },
                { v.sigmoid() }
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

//! Distances between floats in units in the last place (ULPs), the unit the accuracy
//! checks are stated in.
//!
//! The distance between two floats is the number of representable values one has to step
//! over to get from one to the other. Bit patterns are mapped onto a monotone integer line
//! (sign-magnitude to two's complement) so the count is right across zero and through the
//! subnormals, and `-0` and `+0` land on the same point.

/// The distance in ULPs between two `f64`s: how many representable `f64` values lie
/// between them, counting one end.
///
/// * `-0.0` and `+0.0` are at distance 0; the two smallest subnormals of opposite sign are
///   at distance 2.
/// * Two NaNs are at distance 0; a NaN and anything else are at distance `INFINITY`.
/// * An infinity and the same infinity are at distance 0; an infinity and anything else
///   (a finite value or the other infinity) are at distance `INFINITY`, not at the bit
///   distance to `MAX`, since overflowing where the truth is finite is not "a few ULPs".
#[cfg(any(test, feature = "mpfr"))]
pub fn ulps_f64(actual: f64, expected: f64) -> f64 {
    if let Some(d) = special_distance(actual, expected) {
        return d;
    }
    key_f64(actual).abs_diff(key_f64(expected)) as f64
}

/// The distance in ULPs between two `f32`s, counted in `f32` values; see [`ulps_f64`] for
/// the conventions on zeros, NaNs and infinities.
#[cfg(any(test, feature = "mpfr"))]
pub fn ulps_f32(actual: f32, expected: f32) -> f64 {
    if let Some(d) = special_distance(f64::from(actual), f64::from(expected)) {
        return d;
    }
    f64::from(key_f32(actual).abs_diff(key_f32(expected)))
}

/// The spacing of the `f64` grid at `x`: the distance from `|x|` to the next `f64` away
/// from zero (at `MAX`, to the previous one). `INFINITY` for infinities, NaN for NaN.
#[cfg(test)]
pub(crate) fn ulp_of_f64(x: f64) -> f64 {
    let a = x.abs();
    if !a.is_finite() {
        return a;
    }
    if a == f64::MAX {
        return a - f64::from_bits(a.to_bits() - 1);
    }
    f64::from_bits(a.to_bits() + 1) - a
}

/// The spacing of the `f32` grid at `x` (as an `f64`), as [`ulp_of_f64`].
pub(crate) fn ulp_of_f32(x: f32) -> f64 {
    let a = x.abs();
    if !a.is_finite() {
        return f64::from(a);
    }
    if a == f32::MAX {
        return f64::from(a) - f64::from(f32::from_bits(a.to_bits() - 1));
    }
    f64::from(f32::from_bits(a.to_bits() + 1)) - f64::from(a)
}

/// The distance when a NaN or an infinity is involved, `None` for two finite values.
/// (An `f32` widens to `f64` exactly, so the classification is the same for both widths.)
#[cfg(any(test, feature = "mpfr"))]
fn special_distance(a: f64, b: f64) -> Option<f64> {
    if a.is_nan() || b.is_nan() {
        return Some(if a.is_nan() && b.is_nan() { 0.0 } else { f64::INFINITY });
    }
    if a.is_infinite() || b.is_infinite() {
        return Some(if a == b { 0.0 } else { f64::INFINITY });
    }
    None
}

/// Position of `x` on a monotone integer line: consecutive floats are consecutive
/// integers and both zeros map to 0.
#[cfg(any(test, feature = "mpfr"))]
fn key_f64(x: f64) -> i64 {
    let bits = x.to_bits();
    let magnitude = (bits & !(1 << 63)) as i64;
    if bits >> 63 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// As [`key_f64`], for `f32`.
#[cfg(any(test, feature = "mpfr"))]
fn key_f32(x: f32) -> i32 {
    let bits = x.to_bits();
    let magnitude = (bits & !(1 << 31)) as i32;
    if bits >> 31 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacent_floats_are_one_apart() {
        let x = 1.0f64;
        assert_eq!(ulps_f64(x, f64::from_bits(x.to_bits() + 1)), 1.0);
        assert_eq!(ulps_f64(f64::from_bits(x.to_bits() - 1), x), 1.0);
        assert_eq!(ulps_f64(x, x), 0.0);
        assert_eq!(ulps_f64(-2.0, f64::from_bits((-2.0f64).to_bits() + 1)), 1.0);
    }

    #[test]
    fn counts_across_zero_and_subnormals() {
        let tiny = f64::from_bits(1);
        assert_eq!(ulps_f64(tiny, -tiny), 2.0);
        assert_eq!(ulps_f64(0.0, -0.0), 0.0);
        assert_eq!(ulps_f64(tiny, 0.0), 1.0);
        assert_eq!(ulps_f64(f64::MIN_POSITIVE, 0.0), (1u64 << 52) as f64);
    }

    #[test]
    fn f32_distances() {
        let x = 1.5f32;
        assert_eq!(ulps_f32(x, f32::from_bits(x.to_bits() + 1)), 1.0);
        let tiny = f32::from_bits(1);
        assert_eq!(ulps_f32(tiny, -tiny), 2.0);
        assert_eq!(ulps_f32(-0.0, 0.0), 0.0);
        assert_eq!(ulps_f32(f32::MAX, -f32::MAX), 2.0 * f64::from(f32::MAX.to_bits()));
    }

    #[test]
    fn nans_and_infinities() {
        assert_eq!(ulps_f64(f64::NAN, f64::NAN), 0.0);
        assert_eq!(ulps_f64(f64::NAN, 1.0), f64::INFINITY);
        assert_eq!(ulps_f64(f64::INFINITY, f64::INFINITY), 0.0);
        assert_eq!(ulps_f64(f64::INFINITY, f64::MAX), f64::INFINITY);
        assert_eq!(ulps_f64(f64::INFINITY, f64::NEG_INFINITY), f64::INFINITY);
        assert_eq!(ulps_f32(f32::NAN, f32::NAN), 0.0);
        assert_eq!(ulps_f32(f32::NEG_INFINITY, 0.0), f64::INFINITY);
    }

    #[test]
    fn spacing() {
        assert_eq!(ulp_of_f64(1.0), f64::EPSILON);
        assert_eq!(ulp_of_f64(-1.0), f64::EPSILON);
        assert_eq!(ulp_of_f64(0.0), f64::from_bits(1));
        assert_eq!(ulp_of_f64(f64::MAX), 2f64.powi(971));
        assert_eq!(ulp_of_f32(1.0), f64::from(f32::EPSILON));
        assert!(ulp_of_f64(f64::NAN).is_nan());
    }
}

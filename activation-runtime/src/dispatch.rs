//! Run-time choice of lanes: a slice kernel is written once as a [`Kernel`], generic over
//! the lane type, and [`Real::dispatch`] runs it on the widest
//! lanes this CPU has. On x86-64 the kernel is compiled three times — for AVX-512, for
//! AVX2 + FMA, and for the SSE2 baseline — inside `#[target_feature]` functions, and the
//! CPU is asked once (`std` caches the answer); on aarch64 NEON is the baseline. No
//! `target-cpu` flag is needed, and every choice computes the same bits (see
//! [`crate::float`]).
//!
//! The slice loops themselves live beside the traits whose methods they implement
//! ([`crate::traits`]): whole lanes first, then the remainder with the scalar
//! instantiation of the same code.

use crate::float::Float;
use crate::lanes::{F32x16Avx512, F32x4, F32x8, F64x2, F64x4, F64x8Avx512};
use crate::real::Real;

/// A computation over lanes of `T`, run by [`Real::dispatch`] with the lane type it picks.
pub trait Kernel<T: Real> {
    /// What the computation returns.
    type Output;
    /// Runs the computation with lanes `F` (and `T` itself for remainders). Implementations
    /// are `#[inline(always)]`, so that the lane code is compiled for the instruction set
    /// of the caller that [`Real::dispatch`] chose.
    fn run<F: Float<Scalar = T>>(self) -> Self::Output;
}

macro_rules! dispatcher {
    ($name:ident, $t:ty, $base:ty, $avx2:ty, $avx512:ty, $avx2_fn:ident, $avx512_fn:ident) => {
        /// Runs `kernel` on the widest lanes of this CPU.
        #[inline]
        pub(crate) fn $name<K: Kernel<$t>>(kernel: K) -> K::Output {
            #[cfg(target_arch = "x86_64")]
            {
                if std::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F (and so AVX2 and FMA).
                    return unsafe { $avx512_fn(kernel) };
                }
                if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU has AVX2 and FMA.
                    return unsafe { $avx2_fn(kernel) };
                }
            }
            kernel.run::<$base>()
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $avx2_fn<K: Kernel<$t>>(kernel: K) -> K::Output {
            kernel.run::<$avx2>()
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn $avx512_fn<K: Kernel<$t>>(kernel: K) -> K::Output {
            kernel.run::<$avx512>()
        }
    };
}

dispatcher!(f32_lanes, f32, F32x4, F32x8, F32x16Avx512, f32_avx2, f32_avx512);
dispatcher!(f64_lanes, f64, F64x2, F64x4, F64x8Avx512, f64_avx2, f64_avx512);

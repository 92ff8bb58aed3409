//! Lane types: `N` values of `f32` or `f64` computed together, written as plain arrays whose
//! element-wise loops LLVM turns into SIMD instructions (SSE2/NEON for 4 × `f32` and
//! 2 × `f64`, AVX2 for 8 and 4, AVX-512 for 16 and 8) inside the functions that
//! [`crate::dispatch`] compiles for each instruction set. Every operation is the scalar
//! operation lane by lane, so a lane computes exactly what the scalar code computes.
//!
//! The third parameter ([`Isa`]) records, in the type, the instruction set the code is
//! compiled for: with fused multiply-add, error-free products take one instruction instead
//! of Dekker's split (the result is the same exact pair), and `mul_add` is an instruction
//! rather than a call of the library's `fma` per lane (the same bits); the lanes of the
//! AVX-512 kernels take whole 512-bit blocks with intrinsics (`block512`), in the default
//! build too, where only the dispatched function knows the CPU has AVX-512.

use core::marker::PhantomData;
use core::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use crate::dd::{pair::Pair, wide::Wide};
use crate::float::{sealed, Float, Mask};
use crate::real::{bits_f32, bits_f64};

/// `N` lanes of `T`, computed by code for the instruction set `S` ([`Isa`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(transparent)]
pub struct Lanes<T, const N: usize, S>(pub [T; N], PhantomData<S>);

/// A comparison of `N` lanes: all bits set where it holds (as SIMD compares produce).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct LaneMask<I, const N: usize, S>(pub [I; N], PhantomData<S>);

impl<T, const N: usize, S> Lanes<T, N, S> {
    /// The lanes `a`.
    #[inline(always)]
    pub const fn new(a: [T; N]) -> Self {
        Lanes(a, PhantomData)
    }
}

impl<I, const N: usize, S> LaneMask<I, N, S> {
    /// The mask `m` (each lane all ones or all zeros).
    #[inline(always)]
    pub const fn new(m: [I; N]) -> Self {
        LaneMask(m, PhantomData)
    }
}

/// The instruction set the code of a lane type is compiled for: its third parameter.
pub trait Isa: sealed::Sealed + Copy + core::fmt::Debug + PartialEq + Eq + Send + Sync + 'static {
    /// Whether the CPU has fused multiply-add: error-free products take one instruction
    /// instead of Dekker's split (the same exact pair), and `mul_add` is an instruction
    /// rather than a call of the library's `fma` per lane (the same bits).
    const FMA: bool;
    /// Whether the operations take whole 512-bit blocks with AVX-512 intrinsics
    /// (`block512`) in every build, not only where the build's target CPU has AVX-512.
    const BLOCKS512: bool;
}

/// Lanes compiled for x86-64's baseline (SSE2) or aarch64's NEON: no fused multiply-add
/// instruction assumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Baseline;
/// Lanes compiled for AVX2 and FMA, or lanes that assume FMA without a target: `mul_add` is
/// the library's `fma` where the code is not compiled for the instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Avx2Fma;
/// Lanes that only the functions [`crate::dispatch`] compiles for AVX-512 F compute, and
/// only after it found AVX-512 F on the CPU: their operations take 512-bit blocks with
/// intrinsics in every build. Private to this crate, so that no safe code outside obtains
/// such lanes on a CPU without AVX-512 (a generic kernel that dispatch runs receives them as
/// its type parameter, on that CPU only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Avx512;

impl sealed::Sealed for Baseline {}
impl sealed::Sealed for Avx2Fma {}
impl sealed::Sealed for Avx512 {}
impl Isa for Baseline {
    const FMA: bool = false;
    const BLOCKS512: bool = false;
}
impl Isa for Avx2Fma {
    const FMA: bool = true;
    const BLOCKS512: bool = false;
}
impl Isa for Avx512 {
    const FMA: bool = true;
    const BLOCKS512: bool = true;
}

/// 4 × `f32`: SSE2 on x86-64, NEON on aarch64.
pub type F32x4 = Lanes<f32, 4, Baseline>;
/// 8 × `f32`: AVX2 + FMA.
pub type F32x8 = Lanes<f32, 8, Avx2Fma>;
/// 16 × `f32` with FMA: 512-bit blocks in a build whose target CPU has AVX-512 F (as the
/// crate's own AVX-512 lanes, which the dispatched kernels compute in), element-wise loops
/// that the compiler vectorises for the build's target elsewhere.
pub type F32x16 = Lanes<f32, 16, Avx2Fma>;
/// 2 × `f64`: SSE2 on x86-64, NEON on aarch64.
pub type F64x2 = Lanes<f64, 2, Baseline>;
/// 4 × `f64`: AVX2 + FMA.
pub type F64x4 = Lanes<f64, 4, Avx2Fma>;
/// 8 × `f64` with FMA: 512-bit blocks or element-wise loops, as [`F32x16`].
pub type F64x8 = Lanes<f64, 8, Avx2Fma>;
/// 16 × `f32` for AVX-512: the lanes of [`crate::dispatch`]'s AVX-512 kernels.
pub(crate) type F32x16Avx512 = Lanes<f32, 16, Avx512>;
/// 8 × `f64` for AVX-512: the lanes of [`crate::dispatch`]'s AVX-512 kernels.
pub(crate) type F64x8Avx512 = Lanes<f64, 8, Avx512>;

/// Whether this CPU computes lanes of `S`: tests make [`Avx512`] lanes outside
/// [`crate::dispatch`], and skip them where the CPU lacks AVX-512 F.
#[cfg(test)]
pub(crate) fn runs_here<S: Isa>() -> bool {
    #[cfg(target_arch = "x86_64")]
    return !S::BLOCKS512 || std::is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    return true;
}

macro_rules! lane_mask {
    ($i:ident) => {
        impl<const N: usize, S: Isa> BitAnd for LaneMask<$i, N, S> {
            type Output = Self;
            #[inline(always)]
            fn bitand(self, b: Self) -> Self {
                on512!(LaneMask::new(block512::$i::and(self.0, b.0)), {
                    let mut r = self.0;
                    for i in 0..N {
                        r[i] &= b.0[i];
                    }
                    LaneMask::new(r)
                })
            }
        }
        impl<const N: usize, S: Isa> BitOr for LaneMask<$i, N, S> {
            type Output = Self;
            #[inline(always)]
            fn bitor(self, b: Self) -> Self {
                on512!(LaneMask::new(block512::$i::or(self.0, b.0)), {
                    let mut r = self.0;
                    for i in 0..N {
                        r[i] |= b.0[i];
                    }
                    LaneMask::new(r)
                })
            }
        }
        impl<const N: usize, S: Isa> Not for LaneMask<$i, N, S> {
            type Output = Self;
            #[inline(always)]
            fn not(self) -> Self {
                on512!(LaneMask::new(block512::$i::not(self.0)), {
                    let mut r = self.0;
                    for v in &mut r {
                        *v = !*v;
                    }
                    LaneMask::new(r)
                })
            }
        }
        impl<const N: usize, S: Isa> Mask for LaneMask<$i, N, S> {
            #[inline(always)]
            fn any(self) -> bool {
                #[cfg(target_arch = "x86_64")]
                if blocks512::<S>() {
                    return reduce::$i(&self.0, false) != 0;
                }
                let mut acc = 0;
                for v in self.0 {
                    acc |= v;
                }
                acc != 0
            }
            #[inline(always)]
            fn all(self) -> bool {
                #[cfg(target_arch = "x86_64")]
                if blocks512::<S>() {
                    return reduce::$i(&self.0, true) == 0;
                }
                // An OR of the complements, like `any`: an AND-reduction compiles to one
                // mask-bit test per lane on AVX-512.
                let mut acc = 0;
                for v in self.0 {
                    acc |= !v;
                }
                acc == 0
            }
        }
    };
}

/// The OR-reductions behind [`Mask::any`] and [`Mask::all`] for lanes that take 512-bit
/// blocks (`blocks512`: [`Avx512`] lanes, and every lane type in a build whose target CPU
/// has AVX-512, `-C target-cpu=native` on such a machine): the mask ORed 512 bits at a
/// time and tested at the lanes' width, which LLVM folds with the comparison that made the
/// mask into one `kortest` of the comparison's mask register, what is left of it
/// 128 bits at a time with one `movmsk`. Written as loops over the lanes, as elsewhere,
/// the reductions are left to LLVM's SLP vectoriser, which finds one `kortestw` while a
/// 512-bit vector is one register — the default build, where only the dispatched
/// function knows AVX-512 and LLVM's generic tuning keeps the vectors whole — but under
/// the tuning of an AVX-512 CPU it made every test one mask-bit extraction and branch per
/// lane (32 for `lanes_if!`'s two tests). 128-bit pieces alone kept most of it in mask
/// registers but still moved masks between vectors and general registers and tested
/// single bits (hardsigmoid's forward: 1.09 ns per `f32`; 0.47 with whole 512-bit
/// tests). The default build's dispatched AVX-512 functions did the same (bit tests of
/// single lanes after every settled pair: hardswish's forward 0.64 ns per `f32` there,
/// 0.34 in the native build), and take the blocks too since their lanes are [`Avx512`]'s.
/// Measured: `docs/speed.md`.
#[cfg(target_arch = "x86_64")]
mod reduce {
    use core::arch::x86_64::{
        __m128i, _mm_castsi128_pd, _mm_castsi128_ps, _mm_movemask_pd, _mm_movemask_ps, _mm_or_si128, _mm_set1_epi32,
        _mm_setzero_si128, _mm_xor_si128,
    };

    /// The lanes of `m` (complemented if `not`) ORed 128 bits at a time, and the OR of
    /// the lanes left over (`N` not a multiple of the piece). A lane of a mask is all ones
    /// or all zeros, so the accumulated pieces' sign bits say whether any lane is set.
    #[inline(always)]
    fn pieces<I, const K: usize>(m: &[I], not: bool) -> (__m128i, I)
    where
        I: Copy + Default + core::ops::BitOr<Output = I> + core::ops::Not<Output = I>,
    {
        let chunks = m.chunks_exact(K);
        let mut rest = I::default();
        for &v in chunks.remainder() {
            rest = rest | if not { !v } else { v };
        }
        // SAFETY: SSE2 is part of the x86-64 baseline; a piece is K lanes of 128 / K bits,
        // read unaligned.
        unsafe {
            let flip = if not { _mm_set1_epi32(-1) } else { _mm_setzero_si128() };
            let mut acc = _mm_setzero_si128();
            for c in chunks {
                let piece = core::ptr::read_unaligned(c.as_ptr().cast::<__m128i>());
                acc = _mm_or_si128(acc, _mm_xor_si128(piece, flip));
            }
            (acc, rest)
        }
    }

    /// Whether some lane of the whole 512-bit blocks of `m` (of their complement if `not`)
    /// is set, and the lanes after the last whole block. Called for lanes that take
    /// 512-bit blocks (`blocks512`) alone.
    #[inline(always)]
    fn blocks<I>(m: &[I], not: bool) -> (bool, &[I]) {
        use core::arch::x86_64::{
            __m512i, _mm512_or_si512, _mm512_set1_epi32, _mm512_setzero_si512, _mm512_test_epi32_mask,
            _mm512_test_epi64_mask, _mm512_xor_si512,
        };
        let chunks = m.chunks_exact(64 / core::mem::size_of::<I>());
        let rest = chunks.remainder();
        if m.len() == rest.len() {
            return (false, rest);
        }
        // SAFETY: the lanes are AVX-512's, which only code run where the CPU has AVX-512 F
        // computes, or the build's target CPU has it (`blocks512`); a block is 64 bytes of
        // lanes, read unaligned. A lane is all ones or all zeros, so testing elements of
        // the OR says whether any lane is set. The test takes the lanes' own width: a
        // comparison's mask register widened into lanes and tested at that width is the
        // mask register again, which LLVM then tests directly (one `kortest`; tested as
        // 32-bit elements, `f64` lanes went from the mask register to a vector and back
        // for every `any` and `all`).
        unsafe {
            let flip = if not { _mm512_set1_epi32(-1) } else { _mm512_setzero_si512() };
            let mut acc = _mm512_setzero_si512();
            for c in chunks {
                let block = core::ptr::read_unaligned(c.as_ptr().cast::<__m512i>());
                acc = _mm512_or_si512(acc, _mm512_xor_si512(block, flip));
            }
            let set = if core::mem::size_of::<I>() == 8 {
                _mm512_test_epi64_mask(acc, acc) != 0
            } else {
                _mm512_test_epi32_mask(acc, acc) != 0
            };
            (set, rest)
        }
    }

    /// Nonzero when some lane of `m` (of its complement if `not`) is set.
    #[inline(always)]
    pub(super) fn u32(m: &[u32], not: bool) -> u32 {
        let (set, m) = blocks(m, not);
        let (acc, rest) = pieces::<u32, 4>(m, not);
        // SAFETY: SSE2 is part of the x86-64 baseline.
        (unsafe { _mm_movemask_ps(_mm_castsi128_ps(acc)) } as u32) | rest | u32::from(set)
    }

    /// Nonzero when some lane of `m` (of its complement if `not`) is set.
    #[inline(always)]
    pub(super) fn u64(m: &[u64], not: bool) -> u64 {
        let (set, m) = blocks(m, not);
        let (acc, rest) = pieces::<u64, 2>(m, not);
        // SAFETY: SSE2 is part of the x86-64 baseline.
        (unsafe { _mm_movemask_pd(_mm_castsi128_pd(acc)) } as u64) | rest | u64::from(set)
    }
}

/// Explicit 512-bit operations for [`Avx512`] lanes, and for every lane type in a build
/// whose target CPU has AVX-512 F (`-C target-cpu=native` on such a machine). There the
/// CPU's tuning can ask LLVM to
/// prefer 256-bit vectors (Intel's AVX-512 cores do), and the SLP vectoriser then splits
/// the lanes' element-wise loops into halves, shuffles and reverses them between
/// operations (`f64` hardsigmoid's forward: 2.9 ns per element, 1.6 in the default build,
/// whose dispatched functions keep LLVM's generic tuning). The arithmetic, comparisons,
/// selections and conversions below take whole 512-bit blocks with intrinsics, which no
/// tuning splits, and the lanes after the last whole block (`F64x4`, `F32x8` …) one by one
/// as before. Each intrinsic is the IEEE operation the scalar code performs, so the bits
/// are the same. In the default build the dispatched AVX-512 functions, whose lanes are
/// [`Avx512`]'s, take them too: there the loops kept the vectors whole but not the masks'
/// logic and tests (see `reduce`). The intrinsics are inlined into those functions, which
/// are compiled for AVX-512; a helper that is not always inlined (a closure) would be
/// compiled for the baseline and call each intrinsic (σ's polynomial terms were a closure:
/// `math::poly_pair`).
#[cfg(target_arch = "x86_64")]
#[cfg_attr(all(debug_assertions, not(target_feature = "avx512f")), allow(dead_code, unused_imports, unused_macros))]
mod block512 {
    use core::arch::x86_64::*;

    /// `r[i] = f(a[i], …)` over whole blocks of `per` lanes with `block`, the rest with
    /// `lane`.
    macro_rules! blocks {
        ($n:ident, $per:expr, |$i:ident| $block:block, |$j:ident| $lane:block) => {{
            let whole = $n / $per * $per;
            let mut $i = 0;
            while $i < whole {
                $block
                $i += $per;
            }
            for $j in whole..$n {
                $lane
            }
        }};
    }

    macro_rules! float_blocks {
        ($t:ident, $i:ident, $per:expr, $load:ident, $store:ident, $add:ident, $sub:ident, $mul:ident,
         $div:ident, $fmadd:ident, $sqrt:ident, $cmp:ident, $blend:ident, $test:ident, $movm:ident, $and:ident,
         $xor:ident, $set1i:ident, $cast_to_i:ident, $cast_from_i:ident, $vi:ty) => {
            pub(super) mod $t {
                use super::*;

                macro_rules! binary {
                    ($name:ident, $op:ident, $scalar:tt) => {
                        #[inline(always)]
                        pub(in crate::lanes) fn $name<const N: usize>(a: [$t; N], b: [$t; N]) -> [$t; N] {
                            let mut r = a;
                            // SAFETY: the build's target CPU has AVX-512 F (the module's
                            // `cfg`); each block is `$per` lanes inside the arrays, read and
                            // written unaligned.
                            blocks!(N, $per, |i| {
                                unsafe {
                                    let v = $op($load(a.as_ptr().add(i)), $load(b.as_ptr().add(i)));
                                    $store(r.as_mut_ptr().add(i), v);
                                }
                            }, |j| { r[j] = a[j] $scalar b[j]; });
                            r
                        }
                    };
                }
                binary!(add, $add, +);
                binary!(sub, $sub, -);
                binary!(mul, $mul, *);
                binary!(div, $div, /);

                #[inline(always)]
                pub(in crate::lanes) fn mul_add<const N: usize>(a: [$t; N], b: [$t; N], c: [$t; N]) -> [$t; N] {
                    let mut r = a;
                    // SAFETY: as in `binary!`.
                    blocks!(N, $per, |i| {
                        unsafe {
                            let v = $fmadd($load(a.as_ptr().add(i)), $load(b.as_ptr().add(i)), $load(c.as_ptr().add(i)));
                            $store(r.as_mut_ptr().add(i), v);
                        }
                    }, |j| { r[j] = a[j].mul_add(b[j], c[j]); });
                    r
                }

                #[inline(always)]
                pub(in crate::lanes) fn sqrt<const N: usize>(a: [$t; N]) -> [$t; N] {
                    let mut r = a;
                    // SAFETY: as in `binary!`.
                    blocks!(N, $per, |i| {
                        unsafe { $store(r.as_mut_ptr().add(i), $sqrt($load(a.as_ptr().add(i)))) }
                    }, |j| { r[j] = a[j].sqrt(); });
                    r
                }

                /// The comparison `PRED` (an `_CMP_*` constant) as a mask of all-ones lanes.
                #[inline(always)]
                pub(in crate::lanes) fn compare<const PRED: i32, const N: usize>(
                    a: [$t; N],
                    b: [$t; N],
                    lane: impl Fn($t, $t) -> bool,
                ) -> [$i; N] {
                    let mut r = [0; N];
                    // SAFETY: as in `binary!`; the mask is stored as `$per` integers.
                    blocks!(N, $per, |i| {
                        unsafe {
                            let k = $cmp::<PRED>($load(a.as_ptr().add(i)), $load(b.as_ptr().add(i)));
                            let m = $movm(k, $set1i(-1));
                            _mm512_storeu_si512(r.as_mut_ptr().add(i).cast(), m);
                        }
                    }, |j| { r[j] = if lane(a[j], b[j]) { !0 } else { 0 }; });
                    r
                }

                /// `a` where `m` is set, else `b`.
                #[inline(always)]
                pub(in crate::lanes) fn select<const N: usize>(m: [$i; N], a: [$t; N], b: [$t; N]) -> [$t; N] {
                    let mut r = a;
                    // SAFETY: as in `binary!`.
                    blocks!(N, $per, |i| {
                        unsafe {
                            let mv = _mm512_loadu_si512(m.as_ptr().add(i).cast());
                            let k = $test(mv, mv);
                            let v = $blend(k, $load(b.as_ptr().add(i)), $load(a.as_ptr().add(i)));
                            $store(r.as_mut_ptr().add(i), v);
                        }
                    }, |j| { r[j] = <$t>::from_bits((a[j].to_bits() & m[j]) | (b[j].to_bits() & !m[j])); });
                    r
                }

                /// |a|: the sign bit cleared.
                #[inline(always)]
                pub(in crate::lanes) fn abs<const N: usize>(a: [$t; N]) -> [$t; N] {
                    let mut r = a;
                    // SAFETY: as in `binary!`.
                    blocks!(N, $per, |i| {
                        unsafe {
                            let bits: $vi = $cast_to_i($load(a.as_ptr().add(i)));
                            let v = $cast_from_i($and(bits, $set1i((<$i>::MAX >> 1) as _)));
                            $store(r.as_mut_ptr().add(i), v);
                        }
                    }, |j| { r[j] = a[j].abs(); });
                    r
                }

                /// −a: the sign bit flipped.
                #[inline(always)]
                pub(in crate::lanes) fn neg<const N: usize>(a: [$t; N]) -> [$t; N] {
                    let mut r = a;
                    // SAFETY: as in `binary!`.
                    blocks!(N, $per, |i| {
                        unsafe {
                            let bits: $vi = $cast_to_i($load(a.as_ptr().add(i)));
                            let v = $cast_from_i($xor(bits, $set1i((!(<$i>::MAX >> 1)) as _)));
                            $store(r.as_mut_ptr().add(i), v);
                        }
                    }, |j| { r[j] = -a[j]; });
                    r
                }
            }
        };
    }

    float_blocks!(
        f64,
        u64,
        8,
        _mm512_loadu_pd,
        _mm512_storeu_pd,
        _mm512_add_pd,
        _mm512_sub_pd,
        _mm512_mul_pd,
        _mm512_div_pd,
        _mm512_fmadd_pd,
        _mm512_sqrt_pd,
        _mm512_cmp_pd_mask,
        _mm512_mask_blend_pd,
        _mm512_test_epi64_mask,
        _mm512_maskz_mov_epi64,
        _mm512_and_epi64,
        _mm512_xor_epi64,
        _mm512_set1_epi64,
        _mm512_castpd_si512,
        _mm512_castsi512_pd,
        __m512i
    );
    float_blocks!(
        f32,
        u32,
        16,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_add_ps,
        _mm512_sub_ps,
        _mm512_mul_ps,
        _mm512_div_ps,
        _mm512_fmadd_ps,
        _mm512_sqrt_ps,
        _mm512_cmp_ps_mask,
        _mm512_mask_blend_ps,
        _mm512_test_epi32_mask,
        _mm512_maskz_mov_epi32,
        _mm512_and_epi32,
        _mm512_xor_epi32,
        _mm512_set1_epi32,
        _mm512_castps_si512,
        _mm512_castsi512_ps,
        __m512i
    );

    macro_rules! mask_blocks {
        ($i:ident, $per:expr) => {
            pub(super) mod $i {
                use super::*;

                macro_rules! logic {
                    ($name:ident, $op:ident, $scalar:tt) => {
                        #[inline(always)]
                        pub(in crate::lanes) fn $name<const N: usize>(a: [$i; N], b: [$i; N]) -> [$i; N] {
                            let mut r = a;
                            // SAFETY: the build's target CPU has AVX-512 F; blocks of 64 bytes
                            // inside the arrays, read and written unaligned.
                            blocks!(N, $per, |i| {
                                unsafe {
                                    let v = $op(
                                        _mm512_loadu_si512(a.as_ptr().add(i).cast()),
                                        _mm512_loadu_si512(b.as_ptr().add(i).cast()),
                                    );
                                    _mm512_storeu_si512(r.as_mut_ptr().add(i).cast(), v);
                                }
                            }, |j| { r[j] = a[j] $scalar b[j]; });
                            r
                        }
                    };
                }
                logic!(and, _mm512_and_si512, &);
                logic!(or, _mm512_or_si512, |);
                /// `!a`, as `a ^ !0`.
                #[inline(always)]
                pub(in crate::lanes) fn not<const N: usize>(a: [$i; N]) -> [$i; N] {
                    xor(a, [!0; N])
                }
                logic!(xor, _mm512_xor_si512, ^);
            }
        };
    }
    mask_blocks!(u64, 8);
    mask_blocks!(u32, 16);

    /// `f32` lanes as `f64` lanes and back (rounded to nearest, as `as` does), 8 at a
    /// time; masks of `u32` lanes as `u64` lanes (sign-extended: all ones stay all ones).
    pub(super) mod convert {
        use super::*;

        #[inline(always)]
        pub(in crate::lanes) fn widen<const N: usize>(a: [f32; N]) -> [f64; N] {
            let mut r = [0.0; N];
            // SAFETY: the build's target CPU has AVX-512 F; 8 lanes of each array at a time,
            // read and written unaligned.
            blocks!(
                N,
                8,
                |i| {
                    unsafe {
                        _mm512_storeu_pd(r.as_mut_ptr().add(i), _mm512_cvtps_pd(_mm256_loadu_ps(a.as_ptr().add(i))))
                    }
                },
                |j| {
                    r[j] = a[j] as f64;
                }
            );
            r
        }

        #[inline(always)]
        pub(in crate::lanes) fn narrow<const N: usize>(a: [f64; N]) -> [f32; N] {
            let mut r = [0.0; N];
            // SAFETY: as in `widen`.
            blocks!(
                N,
                8,
                |i| {
                    unsafe {
                        _mm256_storeu_ps(r.as_mut_ptr().add(i), _mm512_cvtpd_ps(_mm512_loadu_pd(a.as_ptr().add(i))))
                    }
                },
                |j| {
                    r[j] = a[j] as f32;
                }
            );
            r
        }

        #[inline(always)]
        pub(in crate::lanes) fn widen_mask<const N: usize>(m: [u32; N]) -> [u64; N] {
            let mut r = [0; N];
            // SAFETY: as in `widen`.
            blocks!(
                N,
                8,
                |i| {
                    unsafe {
                        let v = _mm512_cvtepi32_epi64(_mm256_loadu_si256(m.as_ptr().add(i).cast()));
                        _mm512_storeu_si512(r.as_mut_ptr().add(i).cast(), v);
                    }
                },
                |j| {
                    r[j] = if m[j] != 0 { !0 } else { 0 };
                }
            );
            r
        }
    }

    /// `f64` lanes are their own wide form: [`convert`]'s functions as identities.
    pub(super) mod same {
        #[inline(always)]
        pub(in crate::lanes) fn widen<const N: usize>(a: [f64; N]) -> [f64; N] {
            a
        }

        #[inline(always)]
        pub(in crate::lanes) fn narrow<const N: usize>(a: [f64; N]) -> [f64; N] {
            a
        }

        #[inline(always)]
        pub(in crate::lanes) fn widen_mask<const N: usize>(m: [u64; N]) -> [u64; N] {
            m
        }
    }
}

/// The comparison predicates of AVX-512's compares (ordered, quiet: false where a side is
/// NaN, as Rust's comparisons are), named here so that builds without AVX-512 see them too.
mod predicate {
    pub(super) const EQ_OQ: i32 = 0x00;
    pub(super) const LT_OQ: i32 = 0x11;
    pub(super) const LE_OQ: i32 = 0x12;
    pub(super) const GT_OQ: i32 = 0x1e;
    pub(super) const GE_OQ: i32 = 0x1d;
}

/// `$fast` (a call into `block512`) for [`Avx512`] lanes and in a build whose target CPU
/// has AVX-512 F, `$slow` (the element-wise loop) otherwise. (Expanded where the lanes'
/// instruction set `S` is in scope: a constant decides, so one of the two is compiled
/// away.)
macro_rules! on512 {
    ($fast:expr, $slow:expr) => {{
        #[cfg(all(target_arch = "x86_64", not(debug_assertions)))]
        let r = if blocks512::<S>() { $fast } else { $slow };
        // Unoptimised, only one side is compiled (see `blocks512`).
        #[cfg(all(target_arch = "x86_64", debug_assertions, target_feature = "avx512f"))]
        let r = $fast;
        #[cfg(not(any(
            all(target_arch = "x86_64", not(debug_assertions)),
            all(target_arch = "x86_64", debug_assertions, target_feature = "avx512f")
        )))]
        let r = $slow;
        r
    }};
}

/// Whether lanes of `S` take 512-bit blocks: they are [`Avx512`]'s, which exist only where
/// the CPU has AVX-512 F, or the build's target CPU has it. (Lanes of other instruction
/// sets can be as wide as one block: AVX2's 8 × `f32` computes its compensated values in
/// 8 × `f64`.)
///
/// With debug assertions (an unoptimised build) only the latter, and `on512!` compiles
/// only the side it takes: unoptimised, both sides of every `on512!` were compiled, and
/// the frame of a dispatched kernel, which holds every temporary of the functions inlined
/// into it, outgrew a test thread's stack (`tests/reproducers.rs`, σ(x²) − tanh x).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
const fn blocks512<S: Isa>() -> bool {
    (S::BLOCKS512 && !cfg!(debug_assertions)) || cfg!(target_feature = "avx512f")
}

lane_mask!(u32);
lane_mask!(u64);

macro_rules! lanes {
    ($t:ident, $i:ident, $bits:ident, $repr:ident, $conv:ident) => {
        impl<const N: usize, S: Isa> sealed::Sealed for Lanes<$t, N, S> {}

        impl<const N: usize, S: Isa> Lanes<$t, N, S> {
            #[inline(always)]
            fn compare<const PRED: i32>(self, b: Self, f: impl Fn($t, $t) -> bool) -> LaneMask<$i, N, S> {
                on512!(LaneMask::new(block512::$t::compare::<PRED, N>(self.0, b.0, f)), {
                    let mut r = [0; N];
                    for i in 0..N {
                        r[i] = if f(self.0[i], b.0[i]) { !0 } else { 0 };
                    }
                    LaneMask::new(r)
                })
            }
        }

        impl<const N: usize, S: Isa> Float for Lanes<$t, N, S> {
            type Scalar = $t;
            type Mask = LaneMask<$i, N, S>;
            const LANES: usize = N;
            const FAST_FMA: bool = S::FMA;
            type Wide = Lanes<f64, N, S>;

            #[inline(always)]
            fn widen(self) -> Self::Wide {
                on512!(Lanes::new(block512::$conv::widen(self.0)), {
                    let mut r = [0.0; N];
                    for i in 0..N {
                        r[i] = self.0[i] as f64;
                    }
                    Lanes::new(r)
                })
            }
            #[inline(always)]
            fn narrow(wide: Self::Wide) -> Self {
                on512!(Lanes::new(block512::$conv::narrow(wide.0)), {
                    let mut r = [0.0; N];
                    for i in 0..N {
                        r[i] = wide.0[i] as $t;
                    }
                    Lanes::new(r)
                })
            }
            #[inline(always)]
            fn widen_mask(m: Self::Mask) -> LaneMask<u64, N, S> {
                on512!(LaneMask::new(block512::$conv::widen_mask(m.0)), {
                    let mut r = [0; N];
                    for i in 0..N {
                        r[i] = if m.0[i] != 0 { !0 } else { 0 };
                    }
                    LaneMask::new(r)
                })
            }
            type DdRepr = $repr<Self>;

            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                Lanes::new([v as $t; N])
            }
            #[inline(always)]
            fn rounded_constant(v: f64) -> f64 {
                <$t as Float>::rounded_constant(v)
            }
            #[inline(always)]
            fn from_f64_up(v: f64) -> Self {
                Lanes::new([<$t as Float>::from_f64_up(v); N])
            }
            #[inline(always)]
            fn from_f64_down(v: f64) -> Self {
                Lanes::new([<$t as Float>::from_f64_down(v); N])
            }
            #[inline(always)]
            fn splat(v: $t) -> Self {
                Lanes::new([v; N])
            }
            #[inline(always)]
            fn map(self, f: impl Fn($t) -> $t) -> Self {
                let mut r = self.0;
                for v in &mut r {
                    *v = f(*v);
                }
                Lanes::new(r)
            }
            #[inline(always)]
            fn zip_map(self, b: Self, f: impl Fn($t, $t) -> $t) -> Self {
                let mut r = self.0;
                for i in 0..N {
                    r[i] = f(self.0[i], b.0[i]);
                }
                Lanes::new(r)
            }
            #[inline(always)]
            fn select(m: Self::Mask, a: Self, b: Self) -> Self {
                on512!(Lanes::new(block512::$t::select(m.0, a.0, b.0)), {
                    let mut r = a.0;
                    for i in 0..N {
                        r[i] = <$t>::from_bits((a.0[i].to_bits() & m.0[i]) | (b.0[i].to_bits() & !m.0[i]));
                    }
                    Lanes::new(r)
                })
            }
            #[inline(always)]
            fn load(s: &[$t]) -> Self {
                let mut r = [0.0; N];
                r.copy_from_slice(&s[..N]);
                Lanes::new(r)
            }
            #[inline(always)]
            fn store(self, s: &mut [$t]) {
                s[..N].copy_from_slice(&self.0);
            }
            #[inline(always)]
            fn lt(self, b: Self) -> Self::Mask {
                self.compare::<{ predicate::LT_OQ }>(b, |x, y| x < y)
            }
            #[inline(always)]
            fn le(self, b: Self) -> Self::Mask {
                self.compare::<{ predicate::LE_OQ }>(b, |x, y| x <= y)
            }
            #[inline(always)]
            fn gt(self, b: Self) -> Self::Mask {
                self.compare::<{ predicate::GT_OQ }>(b, |x, y| x > y)
            }
            #[inline(always)]
            fn ge(self, b: Self) -> Self::Mask {
                self.compare::<{ predicate::GE_OQ }>(b, |x, y| x >= y)
            }
            #[inline(always)]
            fn eq(self, b: Self) -> Self::Mask {
                self.compare::<{ predicate::EQ_OQ }>(b, |x, y| x == y)
            }
            #[inline(always)]
            fn is_finite(self) -> Self::Mask {
                // |x| < inf, as a compare (NaN compares false).
                self.abs().compare::<{ predicate::LT_OQ }>(Self::splat(<$t>::INFINITY), |x, y| x < y)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                on512!(Lanes::new(block512::$t::abs(self.0)), self.map(<$t>::abs))
            }
            #[inline(always)]
            fn max(self, y: Self) -> Self {
                self.zip_map(y, <$t>::max)
            }
            #[inline(always)]
            fn min(self, y: Self) -> Self {
                self.zip_map(y, <$t>::min)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                on512!(Lanes::new(block512::$t::sqrt(self.0)), self.map(<$t>::sqrt))
            }
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                on512!(Lanes::new(block512::$t::mul_add(self.0, b.0, c.0)), {
                    let mut r = self.0;
                    for i in 0..N {
                        r[i] = self.0[i].mul_add(b.0[i], c.0[i]);
                    }
                    Lanes::new(r)
                })
            }
            #[inline(always)]
            fn pow2i(self) -> Self {
                self.map($bits::pow2i)
            }
            #[inline(always)]
            fn split_exponent(self) -> (Self, Self) {
                let (mut m, mut e) = (self.0, self.0);
                for i in 0..N {
                    (m[i], e[i]) = $bits::split_exponent(self.0[i]);
                }
                (Lanes::new(m), Lanes::new(e))
            }
            #[inline(always)]
            fn copysign(self, sign: Self) -> Self {
                self.zip_map(sign, <$t>::copysign)
            }
            #[inline(always)]
            fn split_high(self) -> Self {
                self.map($bits::split_high)
            }
            #[inline(always)]
            fn stage(self) -> Self {
                core::hint::black_box(self)
            }
        }

        impl<const N: usize, S: Isa> Neg for Lanes<$t, N, S> {
            type Output = Self;
            #[inline(always)]
            fn neg(self) -> Self {
                on512!(Lanes::new(block512::$t::neg(self.0)), self.map(|v| -v))
            }
        }
        lanes!(@op $t, Add, add, +);
        lanes!(@op $t, Sub, sub, -);
        lanes!(@op $t, Mul, mul, *);
        lanes!(@op $t, Div, div, /);
    };
    (@op $t:ident, $trait:ident, $method:ident, $op:tt) => {
        impl<const N: usize, S: Isa> $trait for Lanes<$t, N, S> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, b: Self) -> Self {
                on512!(Lanes::new(block512::$t::$method(self.0, b.0)), {
                    let mut r = self.0;
                    for i in 0..N {
                        r[i] = self.0[i] $op b.0[i];
                    }
                    Lanes::new(r)
                })
            }
        }
    };
}

lanes!(f32, u32, bits_f32, Wide, convert);
lanes!(f64, u64, bits_f64, Pair, same);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_compute_what_scalars_compute() {
        let xs = [-3.5f32, -0.0, 0.0, 1e-40, f32::INFINITY, f32::NAN, 7.25, -1e30];
        let v = F32x8::load(&xs);
        let y = (v * v + F32x8::from_f64(0.1)).sqrt().max(v).sigmoid();
        for (i, &x) in xs.iter().enumerate() {
            let s = Float::sigmoid(Float::max(Float::sqrt(x * x + 0.1f32), x));
            // Bit for bit, except a NaN's sign and payload, which IEEE 754 leaves open and
            // an optimised build computes differently in lanes and in scalars.
            let same = y.0[i].to_bits() == s.to_bits() || (y.0[i].is_nan() && s.is_nan());
            assert!(same, "lane {i}: {x}: {:#x} vs {:#x}", y.0[i].to_bits(), s.to_bits());
        }
        let m = v.lt(F32x8::splat(0.0));
        assert!(m.any() && !m.all());
        assert_eq!(v.is_finite().0, [!0, !0, !0, !0, 0, 0, !0, !0]);
    }

    #[test]
    fn below_normal_is_the_comparison_with_the_smallest_normal() {
        let xs = [0.0f32, -0.0, 1e-45, -1e-40, f32::MIN_POSITIVE, -f32::MIN_POSITIVE, 1.2e-38, 1.0, f32::INFINITY];
        let xs = xs.iter().chain(&[f32::NEG_INFINITY, f32::NAN, -f32::NAN, 3.0e-39, f32::MAX, -7.5, 1.1754942e-38]);
        let xs: Vec<f32> = xs.copied().collect();
        let v = F32x16::load(&xs[..16]);
        for (i, &x) in xs.iter().enumerate() {
            let truth = x.abs() < f32::MIN_POSITIVE;
            assert_eq!(Float::below_normal(x), truth, "{x:e}");
            assert_eq!(v.below_normal().0[i] != 0, truth, "lane {i}: {x:e}");
            let y = f64::from(x) * 1e-270;
            assert_eq!(Float::below_normal(y), y.abs() < f64::MIN_POSITIVE, "{y:e}");
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn piecewise_reductions_agree_with_the_loops() {
        // Every mask of up to 5 lanes of u64 and 9 of u32 (remainders included).
        for n in 1..=9usize {
            for bits in 0u32..(1 << n) {
                let m32: Vec<u32> = (0..n).map(|i| if bits >> i & 1 == 1 { !0 } else { 0 }).collect();
                let (any, all) = (bits != 0, bits == (1 << n) - 1);
                assert_eq!((super::reduce::u32(&m32, false) != 0, super::reduce::u32(&m32, true) == 0), (any, all));
                if n <= 5 {
                    let m64: Vec<u64> = m32.iter().map(|&v| if v != 0 { !0 } else { 0 }).collect();
                    assert_eq!((super::reduce::u64(&m64, false) != 0, super::reduce::u64(&m64, true) == 0), (any, all));
                }
            }
        }
        // Whole 512-bit blocks (taken with AVX-512, which the CPU must have) and what
        // follows them: no lane, every lane, one lane and all lanes but one, at each place.
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        for n in 8..=40usize {
            let mut cases: Vec<Vec<bool>> = vec![vec![false; n], vec![true; n]];
            for i in 0..n {
                cases.push((0..n).map(|j| j == i).collect());
                cases.push((0..n).map(|j| j != i).collect());
            }
            for set in cases {
                let (any, all) = (set.contains(&true), !set.contains(&false));
                let m32: Vec<u32> = set.iter().map(|&b| if b { !0 } else { 0 }).collect();
                let m64: Vec<u64> = set.iter().map(|&b| if b { !0 } else { 0 }).collect();
                assert_eq!(
                    (super::reduce::u32(&m32, false) != 0, super::reduce::u32(&m32, true) == 0),
                    (any, all),
                    "{set:?}"
                );
                assert_eq!(
                    (super::reduce::u64(&m64, false) != 0, super::reduce::u64(&m64, true) == 0),
                    (any, all),
                    "{set:?}"
                );
            }
        }
    }

    /// Every operation `block512` takes over in an AVX-512 build (the loops elsewhere),
    /// lane by lane against the scalar operation, on values that tell IEEE operations apart
    /// (signed zeros, subnormals, infinities, NaN, inexact quotients and products), over
    /// whole 512-bit blocks and the lanes after them (`F64x4`, `F32x8`: no whole block).
    #[test]
    fn lane_operations_are_the_scalar_operations() {
        use crate::real::Real;
        fn same<T: Real>(lane: T, scalar: T) -> bool {
            lane.to_f64().to_bits() == scalar.to_f64().to_bits() || (lane.is_nan() && scalar.is_nan())
        }
        macro_rules! check {
            ($lanes:ty, $t:ty, $n:expr) => {{
                let special: [$t; 16] = [
                    -0.0,
                    0.0,
                    1.0,
                    -3.0,
                    0.1,
                    7.0,
                    <$t>::MIN_POSITIVE / 4.0,
                    -<$t>::MIN_POSITIVE,
                    <$t>::INFINITY,
                    <$t>::NEG_INFINITY,
                    <$t>::NAN,
                    <$t>::MAX,
                    1e-3,
                    -2.5e3,
                    1.0 / 3.0,
                    -6.0,
                ];
                for shift in 0..16 {
                    let a: Vec<$t> = (0..$n).map(|i| special[(i + shift) % 16]).collect();
                    let b: Vec<$t> = (0..$n).map(|i| special[(i * 7 + shift + 3) % 16]).collect();
                    let c: Vec<$t> = (0..$n).map(|i| special[(i * 5 + shift + 1) % 16]).collect();
                    let (va, vb, vc) = (<$lanes>::load(&a), <$lanes>::load(&b), <$lanes>::load(&c));
                    let results = [
                        (va + vb, "+"),
                        (va - vb, "-"),
                        (va * vb, "*"),
                        (va / vb, "/"),
                        (-va, "neg"),
                        (va.abs(), "abs"),
                        (va.sqrt(), "sqrt"),
                        (va.mul_add(vb, vc), "mul_add"),
                        (<$lanes>::select(va.lt(vb), va, vb), "select lt"),
                        (<$lanes>::select(va.le(vb) | va.is_nan(), va, vc), "select le or"),
                        (<$lanes>::select(va.gt(vb) & !vb.eq(vc), va, vb), "select gt and not eq"),
                        (<$lanes>::select(va.ge(vb), vc, vb), "select ge"),
                        (<$lanes>::select(va.is_finite(), va, vc), "select is_finite"),
                        (<$lanes>::narrow(va.widen() / vb.widen()), "widen divide narrow"),
                    ];
                    for i in 0..$n {
                        let (x, y, z) = (a[i], b[i], c[i]);
                        let truths: [$t; 14] = [
                            x + y,
                            x - y,
                            x * y,
                            x / y,
                            -x,
                            x.abs(),
                            x.sqrt(),
                            x.mul_add(y, z),
                            if x < y { x } else { y },
                            if x <= y || x.is_nan() { x } else { z },
                            if x > y && y != z { x } else { y },
                            if x >= y { z } else { y },
                            if x.is_finite() { x } else { z },
                            (x as f64 / y as f64) as $t,
                        ];
                        for ((lanes, name), truth) in results.iter().zip(truths) {
                            assert!(
                                same(lanes.0[i], truth),
                                "{}: lane {i} of {x:e}, {y:e}, {z:e}: {:e} vs {truth:e}",
                                name,
                                lanes.0[i]
                            );
                        }
                    }
                    let wide_mask = <$lanes>::widen_mask(va.lt(vb));
                    for i in 0..$n {
                        assert_eq!(wide_mask.0[i] != 0, a[i] < b[i], "widen_mask, lane {i}");
                        assert!(wide_mask.0[i] == 0 || wide_mask.0[i] == !0, "widen_mask, lane {i}: all bits or none");
                    }
                }
            }};
        }
        check!(F64x8, f64, 8);
        check!(F64x4, f64, 4);
        check!(F64x2, f64, 2);
        check!(F32x16, f32, 16);
        check!(F32x8, f32, 8);
        check!(F32x4, f32, 4);
        if runs_here::<Avx512>() {
            check!(F64x8Avx512, f64, 8);
            check!(F32x16Avx512, f32, 16);
            check!(Lanes<f64, 12, Avx512>, f64, 12);
            check!(Lanes<f32, 20, Avx512>, f32, 20);
        }
    }

    #[test]
    fn select_takes_each_lane_from_its_side() {
        let (a, b) = (F64x4::load(&[1.0, 2.0, 3.0, 4.0]), F64x4::splat(-1.0));
        let m = a.gt(F64x4::splat(2.5));
        assert_eq!(F64x4::select(m, a, b).0, [-1.0, -1.0, 3.0, 4.0]);
        assert!(crate::float::Mask::all(a.gt(F64x4::splat(0.0))));
    }
}

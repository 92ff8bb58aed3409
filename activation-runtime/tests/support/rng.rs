//! The seeded generator of the runtime's tests (the integration tests and `src/dd/tests.rs`
//! include this one file): SplitMix64, so that a seed draws the same inputs everywhere.
#![allow(dead_code)]

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * 2f64.powi(-53)
    }

    /// Uniform in [a, b).
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    /// |x| log-uniform in [2^lo, 2^hi), either sign.
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        let m = self.uniform(lo, hi).exp2();
        if self.next() & 1 == 0 {
            m
        } else {
            -m
        }
    }
}

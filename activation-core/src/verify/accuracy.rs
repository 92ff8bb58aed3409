//! Accuracy measurement: the ULP error of every generated function against MPFR over
//! many inputs, beside the same figures for the textbook formula (the readable forms
//! evaluated as written, without the stabilising pass).
//!
//! Inputs spread over the whole finite range: uniform over bit patterns, dense over
//! [-50, 50], log-uniform magnitudes, both sides of every breakpoint, and the edges where
//! `exp` overflows or underflows in `f64` and `f32`.

use crate::ir::eval::{eval, Env};
use crate::parse::{Definition, Param};
use crate::passes::breakpoints::breakpoints;
use crate::passes::derived::derive;
use crate::rng::Rng;
use crate::verify::check::{bound, subnormal_close, Subject};
use crate::verify::ulp::{ulps_f32, ulps_f64};
use crate::Expr;
use activation_runtime::{DynActivation, Function};

/// Error figures of one function in one precision.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Inputs measured.
    pub samples: usize,
    /// Largest and mean ULP error over the samples whose truth is 0 or normal (subnormal
    /// truths are held to `check::subnormal_close` instead, and counted in `subnormal`).
    pub max_ulps: f64,
    /// (see `max_ulps`)
    pub mean_ulps: f64,
    /// The input with the largest error.
    pub worst_x: f64,
    /// Samples whose truth is subnormal in this precision.
    pub subnormal: usize,
    /// Samples beyond the accuracy bar 4 + 4·cond ([`bound`]), wrong where the truth is 0
    /// or subnormal, or not exact where the truth is exactly representable; the first of
    /// them as (input, ULPs, bound).
    pub over_bar: usize,
    /// (see `over_bar`)
    pub first_over_bar: Option<(f64, f64, f64)>,
    /// Samples where the result is NaN, ±inf or 0 but the truth is a finite nonzero
    /// normal number.
    pub non_finite_or_zero: usize,
}

/// One function of one activation: ours and the textbook formula, in f64 and f32.
#[derive(Clone, Debug)]
pub struct Row {
    /// The activation's name.
    pub activation: &'static str,
    /// Which function (`f`, `d/dx`, …).
    pub function: String,
    /// The generated code, in `f64`.
    pub ours_f64: Stats,
    /// The generated code, in `f32`.
    pub ours_f32: Stats,
    /// The formula as written (readable forms, not stabilised), in `f64`.
    pub textbook_f64: Stats,
    /// The same in `f32`.
    pub textbook_f32: Stats,
}

/// `n` inputs spread over the finite `f64` range (see the module docs).
pub(crate) fn samples(n: usize, breaks: &[f64], seed: u64, f32_range: bool) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<f64> = edges(breaks, f32_range);
    let per_kind = n.saturating_sub(out.len()) / 3;
    for _ in 0..per_kind {
        let x =
            if f32_range { f64::from(f32::from_bits(rng.next_u64() as u32)) } else { f64::from_bits(rng.next_u64()) };
        if x.is_finite() {
            out.push(x);
        }
    }
    out.extend((0..per_kind).map(|_| -50.0 + 100.0 * rng.unit()));
    while out.len() < n {
        let sign = if rng.next_u64() & 1 == 0 { 1.0 } else { -1.0 };
        out.push(sign * 10f64.powf(-10.0 + 20.0 * rng.unit()));
    }
    out
}

/// Breakpoints and the overflow/underflow edges of `exp`, from both sides.
fn edges(breaks: &[f64], f32_range: bool) -> Vec<f64> {
    let mut centres = vec![0.0, 709.782712893384, 745.1332191019412, 88.72283935546875, 103.97207641601562, 36.7, 19.1];
    centres.extend_from_slice(breaks);
    let mut out = Vec::new();
    for c in centres {
        for d in [0.0, 1e-9, 1e-6, 1e-3, 0.5] {
            let step = d * f64::max(1.0, c.abs());
            out.extend([c + step, c - step, -c - step, -c + step]);
        }
    }
    let (max, tiny) = if f32_range { (f64::from(f32::MAX), 1e-40) } else { (f64::MAX, 1e-310) };
    out.extend([max, -max, tiny, -tiny, 1e300_f64.min(max), -1e300_f64.min(max)]);
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// The textbook forms: the readable f, f', f'', d/dp, as the user wrote them.
fn textbook(subject: &Subject) -> Vec<Expr> {
    let def = Definition {
        name: subject.name.into(),
        input: subject.input.into(),
        params: subject.params.iter().map(|(n, v)| Param { name: (*n).into(), default: Some(*v) }).collect(),
        body: subject.formula.clone(),
    };
    let forms = derive(&def).expect("a scalar activation differentiates").readable;
    let mut out = vec![forms.forward, forms.derivative, forms.second];
    out.extend(forms.params);
    out
}

/// What a sample is held to: the condition number (for the bar 4 + 4·cond) and, where
/// MPFR certifies one, the exactly representable truth. Both are computed only if needed.
struct Bounds<'a> {
    cond: &'a dyn Fn() -> f64,
    exact: &'a dyn Fn() -> Option<f64>,
}

/// The textbook baselines are held to the bar only (their exactness is not reported).
const NOT_ASKED: &dyn Fn() -> Option<f64> = &|| None;

/// Accumulates one precision's figures.
struct Tally {
    stats: Stats,
    sum: f64,
}

impl Tally {
    fn new() -> Self {
        Tally { stats: Stats::default(), sum: 0.0 }
    }

    /// One sample. `exact()` is the truth where it is exactly representable (asked only
    /// where the result differs from the reference but is within the bar).
    fn add(&mut self, x: f64, actual: f64, expected: f64, ulps: f64, min_normal: f64, bounds: Bounds) {
        let Bounds { cond, exact } = bounds;
        let s = &mut self.stats;
        s.samples += 1;
        let ulps = if ulps.is_nan() { f64::INFINITY } else { ulps };
        let subnormal = expected != 0.0 && expected.abs() < min_normal;
        if subnormal {
            s.subnormal += 1;
        } else {
            if ulps > s.max_ulps || s.samples - s.subnormal == 1 {
                s.max_ulps = ulps;
                s.worst_x = x;
            }
            self.sum += ulps.min(1e300);
        }
        if expected.is_finite() && !subnormal && expected != 0.0 && (!actual.is_finite() || actual == 0.0) {
            s.non_finite_or_zero += 1;
        }
        let limit = |b: f64| if expected == 0.0 || subnormal { 0.0 } else { b };
        if !within(actual, expected, ulps, min_normal, &|| bound(cond())) {
            s.over_bar += 1;
            s.first_over_bar = s.first_over_bar.or(Some((x, ulps, limit(bound(cond())))));
        } else if actual != expected && exact() == Some(expected) {
            s.over_bar += 1;
            s.first_over_bar = s.first_over_bar.or(Some((x, ulps, 0.0)));
        }
    }

    /// Adds another tally of later samples of the same function.
    fn merge(mut self, other: Tally) -> Tally {
        let (s, o) = (&mut self.stats, other.stats);
        let normal = |t: &Stats| t.samples - t.subnormal;
        if normal(&o) > 0 && (o.max_ulps > s.max_ulps || normal(s) == 0) {
            s.max_ulps = o.max_ulps;
            s.worst_x = o.worst_x;
        }
        s.samples += o.samples;
        s.subnormal += o.subnormal;
        s.over_bar += o.over_bar;
        s.non_finite_or_zero += o.non_finite_or_zero;
        s.first_over_bar = s.first_over_bar.or(o.first_over_bar);
        self.sum += other.sum;
        self
    }

    fn finish(mut self) -> Stats {
        self.stats.mean_ulps = self.sum / (self.stats.samples - self.stats.subnormal).max(1) as f64;
        self.stats
    }
}

/// The contract of `docs/contract.md` §5.1–§5.3 for one value, with the ULP bound `limit` (evaluated only when
/// needed: it costs two references).
fn within(actual: f64, expected: f64, ulps: f64, min_normal: f64, limit: &dyn Fn() -> f64) -> bool {
    if expected.is_nan() {
        return true;
    }
    if expected == 0.0 || expected.is_infinite() {
        return actual == expected;
    }
    ulps <= 4.0 || (expected.abs() < min_normal && subnormal_close(actual, expected, min_normal)) || ulps <= limit()
}

/// Measures every generated function of `a` over `n` inputs per precision.
pub fn measure(a: &dyn DynActivation, n: usize) -> Vec<Row> {
    let subject = Subject { stable_first: true, ..Subject::of(a) };
    let breaks = breakpoints(&subject.formula, subject.input, &subject.params);
    let textbook = textbook(&subject);
    let xs64 = samples(n, &breaks, 0x5EED_0064, false);
    let xs32: Vec<f32> = samples(n, &breaks, 0x5EED_0032, true).into_iter().map(|x| x as f32).collect();
    let functions = Function::all(a.params().len());
    let names: Vec<&str> = a.params().to_vec();
    functions
        .iter()
        .zip(&textbook)
        .map(|(&which, book)| {
            let (ours_f64, textbook_f64) = measure_f64(a, &subject, which, book, &xs64);
            let (ours_f32, textbook_f32) = measure_f32(a, &subject, which, book, &xs32);
            Row { activation: a.name(), function: which.label(&names), ours_f64, ours_f32, textbook_f64, textbook_f32 }
        })
        .collect()
}

fn env_f64(subject: &Subject, x: f64) -> Env<f64> {
    let mut env: Env<f64> = subject.params.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    env.insert(subject.input.to_string(), x);
    env
}

/// Runs `work` over `xs` split across the machine's cores and merges the tallies.
fn parallel<X: Sync>(xs: &[X], work: impl Fn(&[X]) -> (Tally, Tally) + Sync) -> (Stats, Stats) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = xs.len().div_ceil(threads).max(1);
    let parts: Vec<(Tally, Tally)> = std::thread::scope(|s| {
        let handles: Vec<_> = xs.chunks(chunk).map(|c| s.spawn(|| work(c))).collect();
        handles.into_iter().map(|h| h.join().expect("a measuring thread")).collect()
    });
    let (ours, theirs) =
        parts.into_iter().fold((Tally::new(), Tally::new()), |(a, b), (c, d)| (a.merge(c), b.merge(d)));
    (ours.finish(), theirs.finish())
}

fn measure_f64(a: &dyn DynActivation, subject: &Subject, which: Function, book: &Expr, xs: &[f64]) -> (Stats, Stats) {
    parallel(xs, |xs| {
        let (mut ours, mut theirs) = (Tally::new(), Tally::new());
        for &x in xs {
            let expected = subject.reference(which, x);
            let cond = || subject.condition(which, x, expected);
            let exact = || subject.exact(which, x, false);
            let actual = a.eval_f64(which, x);
            let bounds = Bounds { cond: &cond, exact: &exact };
            ours.add(x, actual, expected, ulps_f64(actual, expected), f64::MIN_POSITIVE, bounds);
            let naive = eval(book, &env_f64(subject, x));
            let bounds = Bounds { cond: &cond, exact: NOT_ASKED };
            theirs.add(x, naive, expected, ulps_f64(naive, expected), f64::MIN_POSITIVE, bounds);
        }
        (ours, theirs)
    })
}

fn measure_f32(a: &dyn DynActivation, subject: &Subject, which: Function, book: &Expr, xs: &[f32]) -> (Stats, Stats) {
    let min_normal = f64::from(f32::MIN_POSITIVE);
    parallel(xs, |xs| {
        let (mut ours, mut theirs) = (Tally::new(), Tally::new());
        for &x in xs {
            let expected = subject.reference_f32(which, x);
            let cond = || subject.condition(which, f64::from(x), f64::from(expected));
            let exact = || subject.exact(which, f64::from(x), true);
            let actual = a.eval_f32(which, x);
            let (e, act) = (f64::from(expected), f64::from(actual));
            let bounds = Bounds { cond: &cond, exact: &exact };
            ours.add(f64::from(x), act, e, ulps_f32(actual, expected), min_normal, bounds);
            let mut env: Env<f32> = subject.params.iter().map(|(n, v)| (n.to_string(), *v as f32)).collect();
            env.insert(subject.input.to_string(), x);
            let naive: f32 = eval(book, &env);
            let bounds = Bounds { cond: &cond, exact: NOT_ASKED };
            theirs.add(f64::from(x), f64::from(naive), e, ulps_f32(naive, expected), min_normal, bounds);
        }
        (ours, theirs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(actual: f64, expected: f64, exact: Option<f64>) -> Stats {
        let mut t = Tally::new();
        let (cond, exact) = (|| 0.0, move || exact);
        let ulps = crate::verify::ulp::ulps_f64(actual, expected);
        t.add(1.0, actual, expected, ulps, f64::MIN_POSITIVE, Bounds { cond: &cond, exact: &exact });
        t.finish()
    }

    #[test]
    fn an_inexact_result_is_over_where_the_truth_is_representable() {
        let next = f64::from_bits(0.5f64.to_bits() + 1);
        // One ULP is within the bar for an irrational truth ...
        assert_eq!(tally(next, 0.5, None).over_bar, 0);
        // ... but not where the truth is exactly 1/2.
        let s = tally(next, 0.5, Some(0.5));
        assert_eq!((s.over_bar, s.first_over_bar), (1, Some((1.0, 1.0, 0.0))));
        assert_eq!(tally(0.5, 0.5, Some(0.5)).over_bar, 0);
        // An oracle that disagrees with the reference is not trusted.
        assert_eq!(tally(next, 0.5, Some(0.25)).over_bar, 0);
    }
}

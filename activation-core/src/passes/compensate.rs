//! Which generated functions are computed in compensated (double-double) arithmetic.
//!
//! Stabilising removes the catastrophes (overflow, underflow, cancellation to 0), but a
//! compound derivative still adds up a dozen roundings, and a mild cancellation in its
//! last bracket can lift them past the accuracy bar of 4 + 4·cond ULPs: mish'' reaches 9
//! ULPs where the bar is 4.8. Such a function is emitted over [`Dd<T>`](crate::dd::Dd)
//! (see [`codegen`](crate::emit::codegen)), where only the library calls underneath round.
//! That costs a few times the arithmetic, so it is spent only where it is needed.
//!
//! Needed is measured, not guessed: at expansion time (no MPFR) the form is evaluated in
//! `f32` and in `f64` at probe inputs that `f32` represents exactly. The `f64` value is a
//! reference to about 2^-50 for the `f32` one, so their distance in `f32` ULPs is the
//! rounding error the form itself makes, and a finite difference gives the condition
//! number that sets the bar there. A form that spends more than [`SHARE`] of the bar
//! anywhere is compensated (the same operations round much the same way in `f64`).
//!
//! Rational forms (no library function) that round more than once are compensated unless
//! their plain code is exact wherever their truth is representable, which one rounding
//! guarantees and two do not: in pairs they come out correctly rounded, so exact there
//! (hardswish at many inputs). Probed in exact rational arithmetic at 13,000 inputs chosen
//! for it ([`exact_where_representable`]); softsign x/(1 + |x|) and hardsigmoid x/6 + 1/2
//! pass, and stay plain.
//!
//! Which compensated arithmetic ([`arithmetic`]): the runtime's `Dd<f32>` computes in
//! `f64`, which a tiny term beside a large one defeats where a pair of `f32`s holds it in
//! its low part; [`wide_loses`] probes the form in both and chooses pairs where `f64`
//! loses (`Arithmetic::Pairs`, `DdPair<T>` in generated code).

use activation_runtime::Dd;

use crate::ir::eval::call;
use crate::ir::expr::{BinOp, CmpOp, Expr, Func, Memo};
use crate::ir::extended::Ext;
use crate::ir::tape::{Op, Tape};
use crate::passes::derived::Arithmetic;
use crate::passes::simplify::{exact_product, exact_quotient, exact_sum};
use crate::verify::ulp::ulp_of_f32;

/// The share of the bar 4 + 4·cond that plain arithmetic may use at a probe point.
///
/// Calibrated against `cargo xtask accuracy` over 100,000 inputs (the probes are sparse,
/// and `f64` rounds a little differently from `f32`), with the runtime's own elementary
/// functions (`activation-runtime/src/math`, ≤ 0.79 ULP): of the catalog's plain forms,
/// mish' probes at 0.627 and breaks the bar (5 ULPs against 4.1 at x = −2.24 in `f64`);
/// the highest that keep it probe at 0.593 (σ', tanh', softplus'', logsigmoid''). swish''
/// and silu'' also probe at 0.627 and are compensated with mish'. (Against the platform's
/// libm the same forms probed at 0.69 for mish' and 0.60–0.63 for those that kept the
/// bar.) Compensation costs several times the plain kernel (`docs/speed.md`), so it is
/// not spent below the gap.
pub(crate) const SHARE: f64 = 0.61;

/// How much of the bar the `f64` form of a compensated `f32` function may lose, against
/// the same form in pairs, at a probe input before the function is computed in pairs.
/// Compensated forms land within about an ULP of the truth; a quarter of the bar (at least
/// one ULP) is a loss no rounding of `f64` arithmetic makes, only a lost term.
const WIDE_SHARE: f64 = 0.25;

/// How `e`, stabilised, is computed: in compensated arithmetic where [`needed`], in pairs
/// for `f32` too where the `f64` that `Dd<f32>` computes in loses against them at some
/// probe input ([`wide_loses`]).
pub(crate) fn arithmetic(e: &Expr, input: &str, params: &[(String, f64)]) -> Arithmetic {
    if !needed(e, input, params) {
        if exponent_rounds(e, Precision::F32) {
            Arithmetic::Wide
        } else {
            Arithmetic::Plain
        }
    } else if wide_loses(e, input, params) {
        Arithmetic::Pairs
    } else {
        Arithmetic::Compensated
    }
}

/// Whether `e`, stabilised, should be computed in compensated arithmetic: it can be, and
/// its plain rounding error comes near the bar at some probe input.
pub(crate) fn needed(e: &Expr, input: &str, params: &[(String, f64)]) -> bool {
    compensable(e)
        && !trivial(e)
        && ((rational_roundings(e).is_some_and(|n| n > 1) && !exact_where_representable(e, input, params))
            || exponent_rounds(e, Precision::F64)
            || {
                let probe = Excess::new(e, input, params);
                probe_points().any(|x| neighbours(x).any(|y| probe.at(y) > SHARE))
            }
            || f64_loses(e, input, params))
}

/// Whether the plain `f64` code of `e`, at some input from 1e-12 to 16384 in size, is 0 or
/// not finite where the same form in the runtime's double-double ([`pair_model`]) is a
/// normal number, or off from it by more than [`SHARE`] of the bar where the value leaves
/// `f32`'s normal range or the input the `f32` probe's (|x| > [`PROBED`]), or by more than
/// [`LOST`] times the bar anywhere: what the `f32` probe of [`needed`] cannot see.
/// (1/0.001)^100 is 1e300 in `f64`, 14 ULPs from the truth for the 0.001 that `f64` holds,
/// and ∞ in `f32`; ln(erf(ln(1 + x))) is 0 from x ≈ 300 in `f64`, where erf rounds to 1, and
/// −1.9e-20 at 700 in pairs. −erfc(ln(1 + x)) was 108 ULPs off at 10^4 against a bar of 78
/// (ln's rounding times erfc's slope 2u²), unseen while this probe stopped at 8192 and
/// allowed twice the bar wherever `f32` held the value.
fn f64_loses(e: &Expr, input: &str, params: &[(String, f64)]) -> bool {
    let mut probe = Excess::new(e, input, params);
    let (mut values, mut pairs) = (Vec::new(), Vec::new());
    f64_probe_points().any(|x| {
        let Some((ulps, truth)) = probe.plain_miss(x, &mut values, &mut pairs) else { return false };
        if ulps.is_infinite() {
            return true;
        }
        if ulps <= 4.0 * SHARE {
            return false;
        }
        // Where the `f32` probe of [`needed`] judges the rounding errors (a value `f32`
        // holds, at an input within its range), twice the bar is a loss; beyond that
        // range nothing else judges them.
        let share = if (truth as f32).is_normal() && x.abs() <= PROBED { LOST } else { SHARE };
        if ulps <= 4.0 * share {
            return false;
        }
        let cond = probe.paired_condition(x, truth, &mut pairs);
        cond.is_finite() && ulps > share * (4.0 + 4.0 * cond)
    })
}

/// Whether the plain `f64` code of `e` needs its library calls' polynomial arguments
/// recomputed in pairs in the tails (`emit/refine.rs`, `refined_or!`): its error against the
/// runtime's double-double goes over [`SHARE`] of the bar 4 + 4·cond at some probe input
/// (1e-12 to 16384, each with its `f32` [`neighbours`]), or it breaks down (0 or not
/// finite) where the double-double is a normal number. Elsewhere the argument's rounding,
/// amplified by the call's slope, stays within the share of the bar the engine spends
/// compensation on, and the pairs' cost — the refined path taken by every vector of lanes
/// that has one lane in a tail — is not paid: GELU's σ(v), v = √(8/π)(x + 0.044715x³), is
/// 1,355 ULPs off with the plain v at x = −20, where the bar is about 7,000, and its `f64`
/// kernels took 1.6 times as long refined (`docs/speed.md`). `f32` code refines every
/// argument regardless: its `Dd` is one `f64`, no dearer than the plain call.
pub(crate) fn arguments_refined(e: &Expr, input: &str, params: &[(String, f64)]) -> bool {
    let mut probe = Excess::new(e, input, params);
    let (mut values, mut pairs) = (Vec::new(), Vec::new());
    f64_probe_points().flat_map(neighbours).any(|x| {
        let Some((ulps, truth)) = probe.plain_miss(x, &mut values, &mut pairs) else { return false };
        if ulps.is_infinite() {
            return true;
        }
        if ulps <= 4.0 * SHARE {
            return false;
        }
        let cond = probe.paired_condition(x, truth, &mut pairs);
        !(cond.is_finite() && ulps <= SHARE * (4.0 + 4.0 * cond))
    })
}

/// How many times the bar the plain `f64` code of a form whose value `f32` holds may miss
/// its double-double by before [`f64_loses`] compensates it: a loss, not the luck of
/// rounding (the catalog's plain forms stay within the bar, `docs/accuracy.md`; GELU′
/// probes above [`SHARE`] in the tails, where the `f32` probe keeps it plain).
const LOST: f64 = 2.0;

/// The largest |x| among [`probe_points`]. (Below their smallest, 2^-12, twice the bar
/// stays the measure: taking [`SHARE`] there too compensated the fuzzer's f140,
/// max((ln 8)^(4x) x, x), whose f″ was then warned about from x = 178 on.)
const PROBED: f64 = 32.0;

/// ±2^(k/4) from 2^-40 to 2^14: [`f64_loses`]'s inputs, past the largest input the
/// gradient checks judge (10^4).
fn f64_probe_points() -> impl Iterator<Item = f64> {
    (-160..=56).flat_map(|k: i32| {
        let m = 2f64.powf(f64::from(k) / 4.0);
        [m, -m]
    })
}

/// The 16 `f32` inputs x (1 + j 2^-12), j = −8 … 7, x among them: where the plain form's
/// error is judged. Its rounding errors at one input are luck, and they add up differently
/// at the next: mish′ over a σ within 0.53 ULP spent 0.35 of the bar at the probe inputs
/// and 1.41 somewhere on a grid of 20,000 over [−8, 8] (the measured accuracy found 1.07
/// times the bar at 30,000 random inputs). The worst over neighbours moves smoothly with x,
/// as the worst case does: mish′ 0.83 over these clusters, mish″ 1.04, GELU′ 0.64 (0.50 and
/// 0.52 at the probe inputs alone, 1.47 and 0.83 on the grid).
fn neighbours(x: f64) -> impl Iterator<Item = f64> {
    (-8..8).map(move |j| f64::from((x * (1.0 + f64::from(j) * 2f64.powi(-12))) as f32))
}

/// Which code's rounding of an exponent [`exponent_rounds`] asks about.
#[derive(Clone, Copy, PartialEq)]
enum Precision {
    F32,
    F64,
}

/// Whether `e` raises a variable base to a constant exponent that plain code cannot hold
/// exactly: `f64` code rounds a constant subexpression (the c − 1 of (uᶜ)′) to its high
/// part, `f32` code any exponent to `f32`, and an exponent off by Δ moves uᶜ by |ln u|·Δ
/// relatively — 10 ULPs at u = 1e-8 for the rounding of −0.01 − 1 in `f64`, 7 at
/// u = 1e30 for 0.3 rounded to `f32`. No probe sees it (the `f64` reference rounds the
/// exponent too, and the probes stop at 2^9), so it is decided from the exponent: where Δ
/// could move the power by an ULP somewhere in the range of that precision (|ln u| up to
/// 745 in `f64`, 104 in `f32`). `f64` code that rounds so is compensated (its code carries
/// the exponent's low part, `Dd::powf`); `f32` code alone computes by its `f64` code
/// (`Arithmetic::Wide`, [`arithmetic`]).
fn exponent_rounds(e: &Expr, precision: Precision) -> bool {
    let mut found = false;
    e.visit(&mut |n| {
        if let Expr::Bin(BinOp::Pow, base, exponent) = n {
            if !found && !base.is_constant() && exponent.is_constant() {
                if let Some((hi, lo)) = crate::ir::constant::value(exponent) {
                    found = match precision {
                        Precision::F64 => lo.abs() * 745.0 > f64::EPSILON,
                        Precision::F32 => {
                            ((hi - f64::from(hi as f32)).abs() + lo.abs()) * 104.0 > f64::from(f32::EPSILON)
                        }
                    };
                }
            }
        }
    });
    found
}

/// For a rational form (`+ - * /`, integer powers, `abs`, `max`, `min`, branches; no
/// library function), how many roundings its plain code makes on the longest branch; `None`
/// if it calls a library function. Where the truth of such a form is exactly
/// representable (hardswish' = (2x + 3)/6 often is), one rounding returns it exactly and
/// two may not: in pairs the form is correctly rounded, hence exact there.
fn rational_roundings(e: &Expr) -> Option<usize> {
    roundings(e, &mut Memo::new())
}

/// Whether the plain code of a rational form of the input alone (no parameter: their values
/// are the user's, at run time) comes out exact, in `f32` and in `f64`, at every probe input
/// of [`exactness_points`] where its truth ([`exact_rational`], in exact rational
/// arithmetic) is representable: where two roundings do no harm there, compensation buys
/// nothing that one rounding would. softsign x/(1 + |x|) rounds twice, yet its truth is
/// representable only where 1 + |x| is a power of 2 (x = ±m·2^a, m odd: for a < 0 the
/// quotient is m/(m + 2^-a) in lowest terms, with an odd denominator; for an integer x,
/// x and 1 + x share no factor), and there the sum is exact. (2x + 1)/3 keeps its pairs:
/// at x = 5·2^-25, 2x + 1 rounds to 1 + 2^-22 in `f32`, and its third misses the
/// representable (1 + 5·2^-24)/3 by an ULP (8,388,596 such inputs in `f32`). A probe, not a
/// proof: the generated gradient checks and `cargo xtask accuracy --check` hold the
/// exactness at their inputs too.
fn exact_where_representable(e: &Expr, input: &str, params: &[(String, f64)]) -> bool {
    let mut other = false;
    e.visit(&mut |n| other |= matches!(n, Expr::Var(v) if v != input));
    if other {
        return false;
    }
    let probe = Excess::new(e, input, params);
    let ops = probe.tape.ops();
    let mut constants = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        constants.push(match op {
            Op::Value(_) => match exact_constant(probe.tape.node(i)) {
                Some(v) => v,
                None => return false,
            },
            Op::Call(f, _) if *f != Func::Abs => return false,
            _ => None,
        });
    }
    let (mut values, mut values32, mut exact) = (Vec::new(), Vec::new(), Vec::new());
    exactness_points().all(|x| {
        exact_rational(&probe.tape, &constants, Ratio::of(x), &mut exact);
        let Some(truth) = exact[probe.root] else { return true };
        let plain64 = truth.representable(Precision::F64).is_none_or(|v| {
            probe.tape.eval(&[x], &mut values);
            values[probe.root] == v
        });
        let narrow = x as f32;
        let plain32 = f64::from(narrow) != x
            || truth.representable(Precision::F32).is_none_or(|v| {
                probe.tape.eval(&[narrow], &mut values32);
                f64::from(values32[probe.root]) == v
            });
        plain64 && plain32
    })
}

/// A rational number num/den in lowest terms (den > 0), in 128 bits: the exact truth of a
/// rational form at a probe input, where it fits.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ratio {
    num: i128,
    den: i128,
}

impl Ratio {
    /// The finite `f64` `x`, exactly (`None` beyond 128 bits).
    fn of(x: f64) -> Option<Ratio> {
        if x == 0.0 {
            return Some(Ratio { num: 0, den: 1 });
        }
        if !x.is_finite() {
            return None;
        }
        let bits = x.abs().to_bits();
        let (exp, frac) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
        let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1 << 52), exp - 1075) };
        let m = i128::from(m) * if x < 0.0 { -1 } else { 1 };
        match e {
            0.. => Ratio::new(m.checked_mul(1i128.checked_shl(e as u32).filter(|_| e < 126)?)?, 1),
            _ if e > -126 => Ratio::new(m, 1i128 << -e),
            _ => None,
        }
    }

    fn new(num: i128, den: i128) -> Option<Ratio> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()) as i128;
        let sign = den.signum();
        Some(Ratio { num: (num / g).checked_mul(sign)?, den: (den / g).checked_mul(sign)? })
    }

    fn add(self, o: Ratio) -> Option<Ratio> {
        Ratio::new(
            self.num.checked_mul(o.den)?.checked_add(o.num.checked_mul(self.den)?)?,
            self.den.checked_mul(o.den)?,
        )
    }

    fn mul(self, o: Ratio) -> Option<Ratio> {
        Ratio::new(self.num.checked_mul(o.num)?, self.den.checked_mul(o.den)?)
    }

    fn recip(self) -> Option<Ratio> {
        Ratio::new(self.den, self.num)
    }

    fn neg(self) -> Option<Ratio> {
        Some(Ratio { num: self.num.checked_neg()?, den: self.den })
    }

    fn powi(self, n: i32) -> Option<Ratio> {
        let mut p = Ratio { num: 1, den: 1 };
        for _ in 0..n.unsigned_abs().min(128) {
            p = p.mul(self)?;
        }
        match n {
            ..-128 | 129.. => None,
            ..0 => p.recip(),
            _ => Some(p),
        }
    }

    fn binary(self, op: BinOp, o: Ratio) -> Option<Ratio> {
        match op {
            BinOp::Add => self.add(o),
            BinOp::Sub => self.add(o.neg()?),
            BinOp::Mul => self.mul(o),
            BinOp::Div => self.mul(o.recip()?),
            BinOp::Max => Some(if self.compare(o)?.is_lt() { o } else { self }),
            BinOp::Min => Some(if self.compare(o)?.is_gt() { o } else { self }),
            BinOp::Pow => None,
        }
    }

    /// The sign of `self − o`.
    fn compare(self, o: Ratio) -> Option<std::cmp::Ordering> {
        Some(self.num.checked_mul(o.den)?.cmp(&o.num.checked_mul(self.den)?))
    }

    /// The value, where `precision`'s type holds it exactly (subnormal included).
    fn representable(self, precision: Precision) -> Option<f64> {
        if self.den & (self.den - 1) != 0 {
            return None;
        }
        let zeros = self.num.trailing_zeros().min(127);
        let odd = (self.num >> zeros).unsigned_abs();
        let bits = match precision {
            Precision::F64 => 53,
            Precision::F32 => 24,
        };
        if odd >> bits != 0 {
            return None;
        }
        let scale = zeros as i32 - self.den.trailing_zeros() as i32;
        let v = (odd as f64) * 2f64.powi(scale) * if self.num < 0 { -1.0 } else { 1.0 };
        match precision {
            Precision::F64 => Some(v),
            Precision::F32 => (f64::from(v as f32) == v && v.abs() <= f64::from(f32::MAX)).then_some(v),
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The exact value of a constant subexpression of a rational form (the 1/10 that plain
/// code folds and rounds): `None` (outer) for a named constant or a library call,
/// `Some(None)` where a value does not fit [`Ratio`].
fn exact_constant(e: &Expr) -> Option<Option<Ratio>> {
    Some(match e {
        Expr::Num(n) => Ratio::of(n.0),
        Expr::Neg(a) => exact_constant(a)?.and_then(Ratio::neg),
        Expr::Powi(a, n) => exact_constant(a)?.and_then(|v| v.powi(*n)),
        Expr::Bin(op, a, b) => {
            let (a, b) = (exact_constant(a)?, exact_constant(b)?);
            a.zip(b).and_then(|(a, b)| a.binary(*op, b))
        }
        _ => return None,
    })
}

/// Every node of `tape`, a rational form of its one variable, exactly at `x` into `values`
/// (`None` where a value does not fit [`Ratio`] or divides by 0), its constants' exact
/// values being `constants`.
fn exact_rational(tape: &Tape, constants: &[Option<Ratio>], x: Option<Ratio>, values: &mut Vec<Option<Ratio>>) {
    values.clear();
    for (i, op) in tape.ops().iter().enumerate() {
        let v = &values[..];
        values.push(match *op {
            Op::Value(_) => constants[i],
            Op::Var(_) => x,
            Op::Neg(a) => v[a].and_then(Ratio::neg),
            Op::Call(Func::Abs, a) => v[a].and_then(|v| if v.num < 0 { v.neg() } else { Some(v) }),
            // (No other call is rational: `exact_where_representable` returns before.)
            Op::Call(..) => None,
            Op::Powi(a, n) => v[a].and_then(|v| v.powi(n)),
            Op::Bin(op, a, b) => v[a].zip(v[b]).and_then(|(a, b)| a.binary(op, b)),
            Op::If(cmp, lhs, rhs, a, b) => v[lhs].zip(v[rhs]).and_then(|(l, r)| {
                let ord = l.compare(r)?;
                let holds = match cmp {
                    CmpOp::Lt => ord.is_lt(),
                    CmpOp::Le => ord.is_le(),
                    CmpOp::Gt => ord.is_gt(),
                    CmpOp::Ge => ord.is_ge(),
                };
                if holds {
                    v[a]
                } else {
                    v[b]
                }
            }),
        });
    }
}

/// The inputs [`exact_where_representable`] probes (13,000, some 30 ms for a large form):
/// ±k·2^j for odd k < 64 and −30 ≤ j ≤ 30, ±(2^j ± d) for d ≤ 4 and j ≤ 60 (where
/// denominators such as 1 + |x| are powers of 2), and 4,096 seeded random ones from 2^-10 to 2^31 in size, whose
/// significands have 24 bits or a few less (half of them; 53 or a few less, the other half;
/// a quarter of each any width): where a sum or a product needs more bits than the type
/// has while the result does not.
fn exactness_points() -> impl Iterator<Item = f64> {
    let lattice = (1..64u32).step_by(2).flat_map(|k| (-30..=30).map(move |j| f64::from(k) * 2f64.powi(j)));
    let near_powers =
        (1..=60).flat_map(|j| (1..=4).flat_map(move |d| [2f64.powi(j) + f64::from(d), 2f64.powi(j) - f64::from(d)]));
    let mut rng = crate::rng::Rng::new(0x5EED_E8AC);
    let random = (0..4096).map(move |i| {
        let bits = if i % 2 == 0 { 24 } else { 53 };
        let width = if rng.chance(0.75) { bits - rng.below(4) } else { 1 + rng.below(bits) };
        let k = (rng.next_u64() >> (64 - width)) | 1 | (1 << (width - 1));
        let magnitude = rng.below(41) as i32 - 10;
        k as f64 * 2f64.powi(magnitude - width as i32 + 1)
    });
    lattice.chain(near_powers).chain(random).filter(|x| *x > 0.0).flat_map(|x| [x, -x])
}

/// Whether `e` is a rational form: `+ - * /`, integer powers, `abs`, `max`, `min` and
/// branches, no library function.
pub(crate) fn is_rational(e: &Expr) -> bool {
    rational_roundings(e).is_some()
}

/// [`rational_roundings`], memoised on shared nodes (counts saturate).
fn roundings(e: &Expr, memo: &mut Memo<Option<usize>>) -> Option<usize> {
    if e.is_constant() {
        return Some(constant_roundings(e));
    }
    if let Some(done) = memo.get(e) {
        return *done;
    }
    let mut r = |a: &Expr| roundings(a, memo);
    let out = match e {
        Expr::Var(_) => Some(0),
        Expr::Neg(a) | Expr::Call(Func::Abs, a) => r(a),
        Expr::Powi(a, n) => {
            Some(r(a)?.saturating_add(n.unsigned_abs().saturating_sub(1) as usize + usize::from(*n < 0)))
        }
        Expr::Bin(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div, a, b) => {
            Some(r(a)?.saturating_add(r(b)?).saturating_add(1))
        }
        Expr::Bin(BinOp::Max | BinOp::Min, a, b) => Some(r(a)?.saturating_add(r(b)?)),
        Expr::If(_, a, b) => Some(r(a)?.max(r(b)?)),
        _ => None,
    };
    memo.insert(e.clone(), out);
    out
}

/// How many roundings the plain code makes computing a constant subexpression: none for a
/// literal (its value is the `f64` written), one for a named constant (π rounded), and
/// one more for each operation whose `f64` result is not exact (`1 / 10`, `1 + 0.1`):
/// `(1 + 1 / 10) * x` rounds three times, where the formula's truth at x = 100 is 110.
fn constant_roundings(e: &Expr) -> usize {
    let value = |a: &Expr| crate::ir::eval::eval::<f64>(a, &Default::default());
    match e {
        Expr::Num(_) => 0,
        Expr::Neg(a) => constant_roundings(a),
        Expr::Bin(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
            let (x, y) = (value(a), value(b));
            let exact = match op {
                BinOp::Add => exact_sum(x, y),
                BinOp::Sub => exact_sum(x, -y),
                BinOp::Mul => exact_product(x, y),
                _ => exact_quotient(x, y),
            };
            let rounding = usize::from(exact.is_none());
            constant_roundings(a).saturating_add(constant_roundings(b)).saturating_add(rounding)
        }
        // Named constants, library calls and powers of constants: at least one rounding.
        _ => 1,
    }
}

/// Every node has a double-double form (reductions, vector code, do not).
fn compensable(e: &Expr) -> bool {
    let mut ok = true;
    e.visit(&mut |n| ok &= !matches!(n, Expr::Reduce(..)));
    ok
}

/// A bare variable, constant or one call of the input: nothing to compensate.
fn trivial(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => true,
        Expr::Neg(a) | Expr::Call(_, a) => matches!(**a, Expr::Var(_) | Expr::Num(_)),
        _ => false,
    }
}

/// ±2^(k/4) for 2^-12 ≤ |x| ≤ 2^5, all exact in `f32`: the moderate range, where an
/// activation's terms are of comparable size and compound rounding shows. (The tails are
/// the stabilising pass's and the refined arguments' business.)
fn probe_points() -> impl Iterator<Item = f64> {
    quarter_powers(20)
}

/// ±2^(k/4) for k from −48 to `top`, exact in `f32`.
fn quarter_powers(top: i32) -> impl Iterator<Item = f64> {
    (-48..=top).flat_map(|k| {
        let m = f64::from(2.0f32.powf(k as f32 / 4.0));
        [m, -m]
    })
}

/// ±2^(k/4) for 2^-12 ≤ |x| ≤ 2^9: [`probe_points`] and the tails, where saturating
/// functions leave a tiny term beside 1 (1 − tanh(20) ≈ 8e-18).
fn wide_probe_points() -> impl Iterator<Item = f64> {
    quarter_powers(36)
}

/// Whether the compensated `f32` code of `e` in `f64` ([`wide_model`]) is off, at some
/// probe input, by more than [`WIDE_SHARE`] of the bar from the same form computed in
/// pairs of `f64` (the runtime's double-double, [`pair_model`]), or is refused where that
/// is a normal `f32` number. `f64` has 53 contiguous bits where a pair has two runs with a
/// gap between them: 1 + tanh(40)·(−tanh(40) − 6e-18) keeps its −6e-18 in pairs and loses
/// it in `f64`.
fn wide_loses(e: &Expr, input: &str, params: &[(String, f64)]) -> bool {
    let mut probe = Excess::new(e, input, params);
    let (mut values, mut pairs) = (Vec::new(), Vec::new());
    wide_probe_points().any(|x| {
        let truth = probe.paired_value(x, &mut pairs);
        let t32 = truth as f32;
        if !t32.is_normal() {
            return false;
        }
        probe.vars[0] = x;
        wide_model(&probe.tape, &probe.vars, &mut values, false, None);
        let wide = values[probe.root];
        if !(wide as f32).is_normal() {
            return true;
        }
        let cond = probe.paired_condition(x, truth, &mut pairs);
        cond.is_finite() && (wide - truth).abs() / ulp_of_f32(t32) > WIDE_SHARE * (4.0 + 4.0 * cond)
    })
}

/// The compensated `f32` code's values, modelled in `f64` (the runtime's `Dd<f32>` is one
/// `f64`): arithmetic and the [`wide`] functions in `f64` (the runtime's are within about
/// an `f64` ULP), the other elementary functions as their `f32` value (the runtime adds a
/// first-order correction for the argument's low part). With `refusals`, what the runtime
/// refuses is NaN, as there, where the generated code falls back to its plain form
/// (`dd/wide.rs`): e^u for |u| > 700, σ(u) and softplus(u) for u < −700, erfc and nonzero
/// products and quotients below `f64`'s normal range, and `max` or `min` of a side that is
/// not finite. Given `conditions` (the plain `f32`
/// code's values), a branch takes the side those choose: generated code tests its
/// conditions in plain `T` before it computes the compensated sides.
pub(crate) fn wide_model(tape: &Tape, vars: &[f64], values: &mut Vec<f64>, refusals: bool, conditions: Option<&[f32]>) {
    const RANGE: f64 = 700.0;
    let lost = |v: f64, nonzero: bool| nonzero && v.abs() < f64::MIN_POSITIVE;
    tape.eval_with(vars, values, |_, op, v| match *op {
        Op::If(cmp, lhs, rhs, a, b) => conditions.map(|plain| {
            let side = |k: usize| crate::ir::tape::compared(tape.ops(), k, f64::from(plain[k]));
            if cmp.holds(side(lhs), side(rhs)) {
                v[a]
            } else {
                v[b]
            }
        }),
        // The runtime's `max` and `min` of a refused side are refused too, not the other
        // side (`dd/wide.rs`, `settled_side`): max(erfc(√x), x³) at 1e4, whose erfc
        // underflows, falls back to the plain code (the fuzzer's f326, whose plain `f32` f″
        // overflowed to 0 there).
        Op::Bin(BinOp::Max | BinOp::Min, a, b) if refusals && !(v[a].is_finite() && v[b].is_finite()) => Some(f64::NAN),
        Op::Call(f, a) => {
            let (u, r) = (v[a], call(f, v[a]));
            let refused = refusals
                && match f {
                    Func::Exp => u.abs() > RANGE,
                    Func::Sigmoid | Func::Softplus => u < -RANGE,
                    Func::Erfc => r < f64::MIN_POSITIVE,
                    _ => false,
                };
            Some(if refused {
                f64::NAN
            } else if wide(f) {
                r
            } else {
                f64::from(r as f32)
            })
        }
        Op::Bin(BinOp::Mul, a, b) if refusals => {
            let p = v[a] * v[b];
            Some(if lost(p, v[a] != 0.0 && v[b] != 0.0) { f64::NAN } else { p })
        }
        Op::Bin(BinOp::Div, a, b) if refusals => {
            let inv = 1.0 / v[b];
            let q = v[a] * inv;
            Some(if lost(inv, v[b].is_finite()) || lost(q, v[a] != 0.0) { f64::NAN } else { q })
        }
        _ => None,
    });
}

/// The range of the compensated `f32` code in pairs (`DdPair<f32>`, `Arithmetic::Pairs`),
/// modelled on [`wide_model`]'s values: a pair of `f32`s holds `f32`'s exponent range
/// only, so a node beyond ±`f32::MAX` leaves it (its low part becomes NaN), and a nonzero
/// product or quotient below `f32`'s normal range is refused; either is NaN here, as it is
/// there, where the generated code falls back to its plain form.
pub(crate) fn pairs_f32_model(tape: &Tape, vars: &[f64], values: &mut Vec<f64>, conditions: &[f32]) {
    let max = f64::from(f32::MAX);
    let min = f64::from(f32::MIN_POSITIVE);
    let mut wide = Vec::new();
    wide_model(tape, vars, &mut wide, true, Some(conditions));
    values.clear();
    for (i, op) in tape.ops().iter().enumerate() {
        let v = wide[i];
        let out_of_range = match *op {
            Op::Value(_) | Op::Var(_) => false,
            Op::Bin(BinOp::Mul | BinOp::Div, a, b) => {
                v.abs() > max || (v != 0.0 && v.abs() < min && values[a] != 0.0 && values[b].is_finite())
            }
            // A power or a call whose value is below `f32`'s normal range: the pair's high
            // part is `f32`'s own subnormal power (x^98 at x = 0.376, 2.4e-42, held to 3e-4
            // relative), no better than the plain code's, which stands for it here (−9900 x^98
            // is a normal number there, and was 1440 ULPs off: the fuzzer's f802).
            Op::Powi(..) | Op::Call(..) | Op::Bin(BinOp::Pow, ..) => v.abs() > max || (v != 0.0 && v.abs() < min),
            _ => v.abs() > max,
        };
        // A NaN operand poisons what it enters, as in the pairs; a branch, the side taken.
        let poisoned = match *op {
            Op::Neg(a) | Op::Powi(a, _) | Op::Call(_, a) => values[a].is_nan(),
            Op::Bin(_, a, b) => values[a].is_nan() || values[b].is_nan(),
            Op::If(cmp, lhs, rhs, a, b) => values[if cmp.holds(wide[lhs], wide[rhs]) { a } else { b }].is_nan(),
            Op::Value(_) | Op::Var(_) => false,
        };
        values.push(if out_of_range || poisoned { f64::NAN } else { v });
    }
}

/// The elementary functions that the runtime's `Dd<f32>` computes in `f64`.
fn wide(f: Func) -> bool {
    matches!(
        f,
        Func::Sqrt
            | Func::Exp
            | Func::ExpM1
            | Func::Sigmoid
            | Func::Tanh
            | Func::Softplus
            | Func::Erf
            | Func::Erfc
            | Func::Abs
    )
}

/// Which library calls [`moved_model`] moves off their value, and by how much: `doubts`
/// measures how far a form carries the errors its elementary functions may make, which
/// no arithmetic recovers (erf(x)/x's derivative cancels erf x against 2x/√π·e^{−x²}
/// near 0, to within 2^-50 of erf at 10^-8: an `f64` erf leaves no bit of the `f32`
/// result). Each value is moved by [`perturbation`] of the precision the generated code
/// computes that call in: relative to the value, except σ, tanh and softplus in
/// compensated code, whose pairs round only the e^-|u| underneath (`dd/pair.rs`), so that
/// their error is damped by the slope (σ(u)σ(−u) for σ, 1 − tanh² for tanh, ln(1 + e^-|u|)
/// for softplus) and 1 − σ(40) keeps its bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Perturb {
    // (Fieldless: `doubts` caches one model per kind, indexed by `kind as usize`.)
    /// Every call and power by an `f64` ULP: plain `f64` code.
    F64,
    /// Every call and power by an `f32` ULP: plain `f32` code.
    F32,
    /// Every call by an `f64` ULP, damped where the pairs damp it, and by [`PAIRED`] where
    /// the pair is the runtime's own unrounded one ([`paired`]): compensated `f64` code.
    CompensatedF64,
    /// The compensated `f32` code ([`wide_model`]): the [`wide`] functions by an `f64`
    /// ULP, damped where the pairs damp it, the others by an `f32` one.
    CompensatedF32,
}

impl Perturb {
    /// How far node `op` may be off: `(precision, damped)`, the relative precision of its
    /// value (0: exact, or not moved) and whether the error is damped by the slope.
    fn precision(self, op: &Op) -> (f64, bool) {
        let (e64, e32) = (f64::EPSILON, f64::from(f32::EPSILON));
        let compensated = matches!(self, Perturb::CompensatedF64 | Perturb::CompensatedF32);
        let damped = |f: Func| {
            compensated && matches!(f, Func::Sigmoid | Func::Tanh | Func::Softplus)
                || self == Perturb::CompensatedF64 && matches!(f, Func::Erf | Func::Erfc)
        };
        match *op {
            Op::Call(f, _) => match (self, f) {
                (_, Func::Abs) => (0.0, false),
                // Correctly rounded: half an ULP.
                (Perturb::F64, Func::Sqrt) => (e64 / 2.0, false),
                (Perturb::F32, Func::Sqrt) => (e32 / 2.0, false),
                (Perturb::F32, _) => (e32, false),
                (Perturb::CompensatedF32, f) if !wide(f) => (e32, false),
                (Perturb::CompensatedF64, f) if paired(f) => (PAIRED, damped(f)),
                _ => (e64, damped(f)),
            },
            // Compensated `powf` is `T`'s power corrected to first order in pairs (`f64`), and
            // the `f64` power in the wide form (`f32`).
            Op::Bin(BinOp::Pow, ..) => match self {
                Perturb::F32 => (e32, false),
                _ => (e64, false),
            },
            _ => (0.0, false),
        }
    }
}

/// The size of the error that σ, tanh and softplus make at `u` when only the e^-|u| they
/// are computed from rounds, per unit of its relative error (near 0, where tanh comes from
/// `expm1`, the error relative to the value is smaller, and taken instead); and that the
/// pairs of erf and erfc make, whose error beyond |u| = 0.5 is relative to the tail erfc |u|
/// they are computed from (erf u = ±(1 − erfc |u|), erfc(−|u|) = 2 − erfc |u|).
fn damped_error(f: Func, u: f64) -> f64 {
    let e = (-u.abs()).exp();
    match f {
        Func::Sigmoid => e / ((1.0 + e) * (1.0 + e)),
        Func::Tanh => 4.0 * e * e / ((1.0 + e * e) * (1.0 + e * e)),
        Func::Erf if u.abs() <= 0.5 => call(Func::Erf, u).abs(),
        Func::Erfc if u >= -0.5 => call(Func::Erfc, u),
        Func::Erf | Func::Erfc => call(Func::Erfc, u.abs()),
        _ => e.ln_1p(),
    }
}

/// The functions whose double-double in `f64` is the unrounded pair of the runtime's own
/// kernel (`dd/pair.rs`), within [`PAIRED`] of the truth rather than an ULP.
fn paired(f: Func) -> bool {
    matches!(
        f,
        Func::Exp
            | Func::ExpM1
            | Func::Ln
            | Func::Ln1p
            | Func::Tanh
            | Func::Atan
            | Func::Erf
            | Func::Erfc
            | Func::Sigmoid
            | Func::Softplus
    )
}

/// How far [`paired`] functions' pairs may be off, relatively: 2^-54 (measured at most
/// 2^-54.9, erfc, `dd::tests::f64_pairs_carry_their_library_calls_far_below_an_ulp`).
const PAIRED: f64 = 5.551115123125783e-17;

/// The relative perturbation, in ULPs, that [`Perturb`] gives node `i`'s value: ±½ to ±1,
/// sign and size drawn from the node's index, so that two calls in one difference are not
/// moved alike and their errors do not cancel.
fn perturbation(i: usize) -> f64 {
    let h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let size = 0.5 + ((h >> 40) & 7) as f64 / 16.0;
    if h >> 63 == 0 {
        size
    } else {
        -size
    }
}

/// Every node's value computed in the runtime's double-double `Dd<f64>`, the reference
/// [`wide_loses`] holds the `f64` model to and `doubts` the plain `f64` code: each
/// operation as the generated code's pairs do it, but `powf`, taken as e^(b ln a) to
/// double-double accuracy (the pairs' power is `f64`'s, corrected: [`Perturb`] moves it by
/// an ULP).
pub(crate) fn pair_model(tape: &Tape, vars: &[f64], values: &mut Vec<Dd<f64>>) {
    pairs(tape, vars, values, None, None, None);
}

/// [`pair_model`] where a condition whose sides' pairs are refused is decided by `ext`,
/// the nodes' values with an exponent that neither overflows nor underflows
/// (`ir/extended.rs`): σ(x) · 1 ≤ 2 at x = −711, where σ's pair is refused (subnormal),
/// holds, and the model would otherwise have taken the other side (the fuzzer's f276,
/// warned about on (−745.5, −562) with no error there). Not by the plain values: where
/// those decide wrongly (σ(x) · 1e300 ≥ 4e-24 near x = −745, σ a subnormal of one ULP),
/// the reference would share the code's mistake.
pub(crate) fn pair_model_deciding(tape: &Tape, vars: &[f64], values: &mut Vec<Dd<f64>>, ext: &[Ext]) {
    pairs(tape, vars, values, None, None, Some(ext));
}

/// [`pair_model`] where a node's pair is refused (not finite: the runtime's pairs hold no
/// subnormal or overflowing value) but `plain`, the node's plain `f64` value, is finite:
/// that node continues as the plain value with no low part. The reference for the plain
/// code that compensated code falls back to where its pair refuses: σ(−x) at 709.5 is
/// subnormal, refused, and beside 2 in 2 + x σ(−x) it moves nothing. A condition on such
/// a value is decided by `ext`, as in [`pair_model_deciding`]: a subnormal that decides
/// wrongly is the plain code's error, not the reference's.
pub(crate) fn patched_pair_model(tape: &Tape, vars: &[f64], values: &mut Vec<Dd<f64>>, plain: &[f64], ext: &[Ext]) {
    pairs(tape, vars, values, None, Some(plain), Some(ext));
}

/// [`pair_model`] with the library calls moved off their values as `perturb` says, each
/// by its [`perturbation`] times `sign` (±1). Each condition is decided as in `unmoved`
/// (the [`pair_model`] at the same point): what is measured is how far the values move, not
/// a branch taken because a comparison of two equal things came out the other way.
pub(crate) fn moved_model(
    tape: &Tape,
    vars: &[f64],
    values: &mut Vec<Dd<f64>>,
    unmoved: &[Dd<f64>],
    perturb: Perturb,
    sign: f64,
    ext: Option<&[Ext]>,
) {
    pairs(tape, vars, values, Some((perturb, sign, unmoved)), None, ext);
}

fn pairs(
    tape: &Tape,
    vars: &[f64],
    values: &mut Vec<Dd<f64>>,
    perturb: Option<(Perturb, f64, &[Dd<f64>])>,
    plain: Option<&[f64]>,
    ext: Option<&[Ext]>,
) {
    values.clear();
    // Nodes that a refused pair (patched with its plain value) reaches.
    let mut patched = vec![false; tape.ops().len()];
    for (i, op) in tape.ops().iter().enumerate() {
        let v = &values[..];
        let d = match *op {
            // A folded constant subtree (`0.1 - 1`, an exponent of a power's derivative) as
            // the double-double it is, not the `f64` the code rounds it to: the rounding of a
            // constant moves a power by its exponent's error times ln of its base, which a
            // reference sharing it would not see.
            Op::Value(c) => match crate::ir::constant::value(tape.node(i)) {
                Some((hi, lo)) if hi == c => Dd::new(hi) + Dd::new(lo),
                _ => Dd::new(c),
            },
            Op::Var(i) => Dd::new(vars[i]),
            Op::Neg(a) => -v[a],
            Op::Powi(a, n) => v[a].powi(n),
            Op::Call(f, a) => {
                let u = v[a];
                match f {
                    Func::Exp => u.exp(),
                    Func::ExpM1 => u.expm1(),
                    Func::Ln => u.ln(),
                    Func::Ln1p => u.log1p(),
                    Func::Sqrt => u.sqrt(),
                    Func::Abs => u.abs(),
                    Func::Tanh => u.tanh(),
                    Func::Sinh => u.sinh(),
                    Func::Cosh => u.cosh(),
                    Func::Atan => u.atan(),
                    Func::Sin => u.sin(),
                    Func::Cos => u.cos(),
                    Func::Sigmoid => u.sigmoid(),
                    Func::Softplus => u.softplus(),
                    Func::Erf => u.erf(),
                    Func::Erfc => u.erfc(),
                    Func::Expm1SubUexp => u.expm1_sub_uexp(),
                }
            }
            Op::Bin(op, a, b) => match op {
                BinOp::Add => v[a] + v[b],
                BinOp::Sub => v[a] - v[b],
                BinOp::Mul => v[a] * v[b],
                BinOp::Div => v[a] / v[b],
                BinOp::Max => v[a].max(v[b]),
                BinOp::Min => v[a].min(v[b]),
                // a^b = e^(b ln a) for a > 0 (the doubts' reference; compensated `powf` is the
                // `f64` power corrected to first order, moved by an ULP in `Perturb`), ln a to
                // double-double accuracy ([`ln_pair`]); elsewhere the plain power of the high
                // parts.
                BinOp::Pow if v[a].parts().0 > 0.0 => (v[b] * ln_pair(v[a])).exp(),
                BinOp::Pow => Dd::new(v[a].parts().0.powf(v[b].parts().0)),
            },
            Op::If(op, lhs, rhs, a, b) => {
                let decided = perturb.map_or(v, |(.., unmoved)| unmoved);
                let (l, r) = (decided[lhs].parts().0, decided[rhs].parts().0);
                let refused = !(l.is_finite() && r.is_finite()) || patched[lhs] || patched[rhs];
                let holds = match ext {
                    Some(c) if refused => op.holds(c[lhs].difference_sign(c[rhs]), 0.0),
                    _ => op.holds(l, r),
                };
                if holds {
                    v[a]
                } else {
                    v[b]
                }
            }
        };
        let d = match perturb.map(|(p, sign, _)| (p.precision(op), sign * perturbation(i))) {
            None | Some(((0.0, _), _)) => d,
            Some(((precision, true), moved)) => {
                let Op::Call(f, a) = *op else { unreachable!("only calls are damped") };
                let size = damped_error(f, v[a].parts().0).min(d.parts().0.abs());
                d + Dd::new(size * moved * precision)
            }
            Some(((precision, false), moved)) => d + d * Dd::new(moved * precision),
        };
        let operands_patched = match *op {
            Op::Neg(a) | Op::Powi(a, _) | Op::Call(_, a) => patched[a],
            Op::Bin(_, a, b) => patched[a] || patched[b],
            Op::If(_, lhs, rhs, a, b) => patched[lhs] || patched[rhs] || patched[a] || patched[b],
            Op::Value(_) | Op::Var(_) => false,
        };
        let d = match plain.map(|p| p[i]) {
            Some(p) if !d.is_finite() && p.is_finite() => {
                patched[i] = true;
                Dd::new(p)
            }
            _ => d,
        };
        patched[i] |= operands_patched;
        values.push(d);
    }
}

/// ln a (a > 0) to double-double accuracy, by one Newton step from the `f64` logarithm:
/// `Dd::ln` is the `f64` one plus a first-order term, whose error a power's b·ln a, or a
/// series' constant term, would carry.
pub(crate) fn ln_pair(a: Dd<f64>) -> Dd<f64> {
    let y = Dd::new(a.parts().0.ln());
    y + (a * (-y).exp() - Dd::new(1.0))
}

/// The `f32` rounding error of a form as a fraction of the bar 4 + 4·cond, point by point:
/// the form on a tape (evaluated in `f64` at x and x ± h, in `f32` at x).
struct Excess {
    tape: Tape,
    root: usize,
    vars: Vec<f64>,
}

impl Excess {
    fn new(e: &Expr, input: &str, params: &[(String, f64)]) -> Excess {
        let mut names = vec![input];
        names.extend(params.iter().map(|(k, _)| k.as_str()));
        let mut tape = Tape::new(&names);
        let root = tape.add(e);
        // Both evaluations see the parameters as `f32` holds them, so that their rounding is
        // not counted as the form's.
        let mut vars = vec![0.0];
        vars.extend(params.iter().map(|(_, v)| f64::from(*v as f32)));
        Excess { tape, root, vars }
    }

    /// The form in the runtime's double-double at `x` ([`pair_model`]): the reference that
    /// [`wide_loses`] and [`f64_loses`] hold the `f64` codes to.
    fn paired(&mut self, x: f64, pairs: &mut Vec<Dd<f64>>) -> Dd<f64> {
        self.vars[0] = x;
        pair_model(&self.tape, &self.vars, pairs);
        pairs[self.root]
    }

    /// How far the plain `f64` code is from the double-double at `x`, in `f64` ULPs of the
    /// latter, with that value rounded: `None` where the double-double is not a normal
    /// number (nothing to judge), ∞ where the plain code breaks down (0, ±∞ or NaN).
    fn plain_miss(&mut self, x: f64, values: &mut Vec<f64>, pairs: &mut Vec<Dd<f64>>) -> Option<(f64, f64)> {
        let (hi, lo) = self.paired(x, pairs).parts();
        let truth = hi + lo;
        if !truth.is_normal() {
            return None;
        }
        self.vars[0] = x;
        self.tape.eval(&self.vars, values);
        let plain = values[self.root];
        if plain == 0.0 || !plain.is_finite() {
            return Some((f64::INFINITY, truth));
        }
        let ulp = f64::from_bits(truth.abs().to_bits() + 1) - truth.abs();
        Some((((plain - hi) - lo).abs() / ulp, truth))
    }

    /// [`paired`](Self::paired) rounded to `f64`.
    fn paired_value(&mut self, x: f64, pairs: &mut Vec<Dd<f64>>) -> f64 {
        let (hi, lo) = self.paired(x, pairs).parts();
        hi + lo
    }

    /// cond = |x g′(x)/g(x)| of the double-double's values, g(x) = `value`, from its values
    /// at x(1 ± 2^-20).
    fn paired_condition(&mut self, x: f64, value: f64, pairs: &mut Vec<Dd<f64>>) -> f64 {
        let h = x.abs() * 2f64.powi(-20);
        let slope = (self.paired_value(x + h, pairs) - self.paired_value(x - h, pairs)) / (2.0 * h);
        (x * slope / value).abs()
    }

    /// The `f32` rounding error at `x` as a fraction of the bar 4 + 4·cond there (0 where
    /// the value leaves the normal `f32` range or the bar is undefined).
    fn at(&self, x: f64) -> f64 {
        let mut values = Vec::new();
        let mut vars = self.vars.clone();
        let mut wide_at = |x: f64| -> f64 {
            vars[0] = x;
            self.tape.eval(&vars, &mut values);
            values[self.root]
        };
        let wide = wide_at(x);
        let mut vars32: Vec<f32> = self.vars.iter().map(|v| *v as f32).collect();
        vars32[0] = x as f32;
        let mut values32 = Vec::new();
        self.tape.eval(&vars32, &mut values32);
        let narrow = values32[self.root];
        let truth = wide as f32;
        if !truth.is_normal() || !narrow.is_finite() {
            return 0.0;
        }
        let h = x.abs() * 2f64.powi(-20);
        let slope = (wide_at(x + h) - wide_at(x - h)) / (2.0 * h);
        let cond = (x * slope / wide).abs();
        if !cond.is_finite() {
            return 0.0;
        }
        let error = (f64::from(narrow) - wide).abs() / ulp_of_f32(truth);
        error / (4.0 + 4.0 * cond)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn needs(src: &str) -> bool {
        needed(&parse_formula(src, &["x"]).unwrap(), "x", &[])
    }

    #[test]
    fn arguments_are_refined_only_where_their_rounding_comes_near_the_bar() {
        let refined = |src: &str| arguments_refined(&parse_formula(src, &["x"]).unwrap(), "x", &[]);
        // GELU: the plain argument's error grows with its slope, and so does the bar.
        assert!(!refined("x * sigmoid(2 * sqrt(2 / PI) * (x + 0.044715 * x.powi(3)))"));
        // An argument that hardly moves with x: the bar stays 4 ULPs, and −50 + 0.001x
        // rounded moves σ by up to 50 · 2^-53 relatively.
        assert!(refined("sigmoid(0.001 * x - 50)"));
    }

    #[test]
    fn the_pair_models_powers_to_double_double_accuracy() {
        // a^b with an exact result: (2^-40)^-1.75 = 2^70, 81^0.25 = 3, (2^60)^0.1 = 64, to a
        // few `f64` ULPs (the pair's exp is the `f64` one plus a first-order term). With the
        // `f64` logarithm, b ln a would carry its rounding: |b ln a| ULPs of a^b, 48 for 2^70.
        let e = parse_formula("x.powf(a)", &["x", "a"]).unwrap();
        let mut tape = Tape::new(&["x", "a"]);
        let root = tape.add(&e);
        let mut values = Vec::new();
        for (x, a, power) in [(2f64.powi(-40), -1.75, 2f64.powi(70)), (81.0, 0.25, 3.0), (2f64.powi(60), 0.1, 64.0)] {
            pair_model(&tape, &[x, a], &mut values);
            let (hi, lo) = values[root].parts();
            let ulp = power * 2f64.powi(-52);
            assert!(((hi - power) + lo).abs() <= 4.0 * ulp, "{x}^{a}: {hi:e} + {lo:e}");
        }
    }

    #[test]
    fn the_pair_model_holds_folded_constants_exactly_and_continues_through_refused_nodes() {
        // `0.1 - 1` is one number in generated code, rounded to f64 (−0.9 + 2.2e-17); the
        // pair holds the difference of the two f64s exactly (−0.9 + 5.6e-18), so a power
        // with it as exponent is held to its true value, not to the code's.
        let e = parse_formula("x.powf(0.1 - 1)", &["x"]).unwrap();
        let mut tape = Tape::new(&["x"]);
        let root = tape.add(&e);
        let constant = tape.find(&parse_formula("0.1 - 1", &["x"]).unwrap()).unwrap();
        let mut values = Vec::new();
        pair_model(&tape, &[1e16], &mut values);
        let (hi, lo) = values[constant].parts();
        assert_eq!(hi, 0.1 - 1.0);
        assert_eq!(lo, 0.1 - (1.0 + hi), "{hi:e} + {lo:e}");
        let (p, q) = values[root].parts();
        let rounded = 1e16f64.powf(0.1 - 1.0);
        assert!(((p - rounded) + q).abs() > 2.0 * rounded * 2f64.powi(-52), "{p:e} + {q:e} against {rounded:e}");
        // σ(−x) at 709.5 is subnormal, and its pair refused (NaN); continued with its plain
        // value, 2 + x σ(−x) is 2.
        let e = parse_formula("2 + x * sigmoid(-x)", &["x"]).unwrap();
        let mut tape = Tape::new(&["x"]);
        let root = tape.add(&e);
        pair_model(&tape, &[709.5], &mut values);
        assert!(values[root].parts().0.is_nan(), "{:?}", values[root].parts());
        let mut plain = Vec::new();
        tape.eval(&[709.5f64], &mut plain);
        let mut ext = Vec::new();
        crate::ir::extended::eval(&tape, &[709.5], &mut ext);
        patched_pair_model(&tape, &[709.5], &mut values, &plain, &ext);
        assert_eq!(
            values[root].parts(),
            (2.0, 709.5 * plain[tape.find(&parse_formula("sigmoid(-x)", &["x"]).unwrap()).unwrap()])
        );
    }

    #[test]
    fn compound_brackets_with_cancellation_are_compensated() {
        // mish' in its stable form: judged at the probe inputs alone it spends 0.35 of the
        // bar, at their neighbours 0.83, and plain `f32` code measured 1.07 times the bar at
        // a few of 30,000 inputs (`neighbours`).
        assert!(needs("tanh(softplus(x)) + 4 * x * sigmoid(2 * softplus(x)) * sigmoid(-2 * softplus(x)) * sigmoid(x)"));
        // mish'' in its stable form: ~10 roundings, a 2.4× cancellation in the bracket.
        assert!(needs(
            "sigmoid(x) * sigmoid(2 * softplus(x)) * sigmoid(-2 * softplus(x)) \
             * (8 + x * (4 * sigmoid(-x) - 8 * sigmoid(x) * tanh(softplus(x))))"
        ));
    }

    #[test]
    fn f64_losses_where_the_f32_probe_does_not_judge_are_compensated() {
        // ln's rounding times erfc's slope 2u²: 108 ULPs at 10^4 against a bar of 78, where
        // erfc(ln(1 + x)) leaves `f32`'s range (the fuzzer's f744 after rule `log-erf`);
        // the `f32` probe stops at 32.
        assert!(needs("-erfc(log1p(x))"));
        assert!(!needs("-erfc(x)"));
    }

    #[test]
    fn rational_forms_that_round_twice_are_compensated() {
        assert!(needs("(2 * x + 3) / 6"));
        assert!(needs("if x <= -3 { 0 } else if x >= 3 { x } else { x * (x + 3) / 6 }"));
        assert!(!needs("if x > 0 { x } else { 0.01 * x }"));
        assert!(!needs("x / 6"));
        // x·1.1 with 1.1 = 1 + 1/10 rounded twice: 3.3 = 3 · 1.1 is not, x = 10 misses 11.
        assert!(needs("(1 + 1 / 10) * x"));
        // A parameter's values are the user's: no probe at the defaults speaks for them.
        assert!(needed(&parse_formula("x / (a + abs(x))", &["x", "a"]).unwrap(), "x", &[("a".into(), 1.0)]));
        assert_eq!(rational_roundings(&parse_formula("1 / (1 + abs(x)).powi(3)", &["x"]).unwrap()), Some(4));
        assert_eq!(rational_roundings(&parse_formula("x * sigmoid(x)", &["x"]).unwrap()), None);
    }

    #[test]
    fn rational_forms_exact_wherever_their_truth_is_representable_are_not() {
        // softsign and its reciprocal: the truth is representable only where 1 + |x| is a
        // power of 2, and there every step is exact.
        assert!(!needs("x / (1 + abs(x))"));
        assert!(!needs("(1 + abs(x)) / x"));
        // ... while at x = 5·2^-25 the f32 sum 2x + 1 rounds, and its third misses the
        // representable (1 + 5·2^-24)/3.
        assert!(needs("(2 * x + 1) / 3"));
        let points: Vec<f64> = exactness_points().collect();
        assert!(points.len() > 12_000 && points.iter().all(|x| x.is_finite() && *x != 0.0));
    }

    #[test]
    fn short_forms_are_not() {
        assert!(!needs("x * sigmoid(x)"));
        assert!(!needs("sigmoid(x)"));
        assert!(!needs("tanh(x)"));
        assert!(!needs("if x > 0 { x } else { 0.01 * x }"));
    }

    #[test]
    fn pairs_only_where_f64_loses_a_tiny_term() {
        let arithmetic_of = |src: &str| arithmetic(&parse_formula(src, &["x"]).unwrap(), "x", &[]);
        // nested_sigmoid' (tests/user_formulas.rs): beyond |x| ≈ 19, 1 + t·(−t − s) with
        // t = tanh x within 2^-53 of 1 and s ≈ 1.5 σ(−x) keeps −s in pairs, 0 in f64.
        let nested = "(1 + tanh(x) * (-tanh(x) - 1.5 * sigmoid(-1.5 * sigmoid(-x)) * sigmoid(-x) * sigmoid(x)))                       * sigmoid(1.5 * sigmoid(-x))";
        assert_eq!(arithmetic_of(nested), Arithmetic::Pairs);
        // (x tanh(x) σ(x))'' written out and mish'': compensated, and f64 is enough.
        let tanh_swish2 = "2 * sigmoid(x) * (1 - tanh(x) * tanh(x)) * (1 - x * tanh(x)) + sigmoid(x) * sigmoid(-x) \
                           * (2 * (tanh(x) + x * (1 - tanh(x) * tanh(x))) + x * tanh(x) * (sigmoid(-x) - sigmoid(x)))";
        assert_eq!(arithmetic_of(tanh_swish2), Arithmetic::Compensated);
        let mish2 = "sigmoid(x) * sigmoid(2 * softplus(x)) * sigmoid(-2 * softplus(x)) \
                     * (8 + x * (4 * sigmoid(-x) - 8 * sigmoid(x) * tanh(softplus(x))))";
        assert_eq!(arithmetic_of(mish2), Arithmetic::Compensated);
        // Rational forms: f64 holds their few roundings.
        assert_eq!(arithmetic_of("(2 * x + 1) / 3"), Arithmetic::Compensated);
        assert_eq!(arithmetic_of("x / 6"), Arithmetic::Plain);
    }

    #[test]
    fn powers_are_compensated_where_their_roundings_add_up() {
        // (atan x + π)^-10 raises the rounding of its sum to the tenth power: in `f64` it
        // missed the bar by up to 3× at probe points scattered over the range while `powf`
        // had no compensated form (`Dd::powf` now: the power of the high parts corrected
        // to first order).
        assert!(compensable(&parse_formula("x.powf(0.3) + 1", &["x"]).unwrap()));
        assert!(needs("(atan(x) + PI).powf(-10)"));
        assert!(!needs("x.powf(0.5)"));
    }

    #[test]
    fn powers_of_exponents_that_round_are_compensated() {
        let arithmetic = |src: &str| arithmetic(&parse_formula(src, &["x"]).unwrap(), "x", &[]);
        // (x^-0.01)′ = -0.01·x^(-0.01 - 1): the exponent rounded to `f64` moved f′(1e-8) by
        // 10 ULPs (fuzz seed 1, f136 and f173).
        assert_eq!(arithmetic("1 + x.powf(-0.01 - 1)"), Arithmetic::Compensated);
        // 0.3 rounded to `f32` moves x^0.3 by 7 ULPs at x = 1e30: `f32` computes it in `f64`,
        // which holds 0.3 as written.
        assert_eq!(arithmetic("x.powf(0.3)"), Arithmetic::Wide);
        assert_eq!(arithmetic("1 + x.powf(-2.01)"), Arithmetic::Wide);
        assert_eq!(arithmetic("1 + x.powf(-0.01)"), Arithmetic::Plain);
        // Exponents both hold exactly, or whose rounding moves no power by an ULP.
        assert_eq!(arithmetic("x.powf(0.5 - 1)"), Arithmetic::Plain);
        assert_eq!(arithmetic("x.powf(3 / 4)"), Arithmetic::Plain);
        assert_eq!(arithmetic("x.powf(1e-5)"), Arithmetic::Plain);
        // A constant base has no logarithm to amplify its exponent (it is one number).
        let constant_base = parse_formula("x + 2.powf(-0.01 - 1)", &["x"]).unwrap();
        assert!(!exponent_rounds(&constant_base, Precision::F64));
        assert!(!exponent_rounds(&constant_base, Precision::F32));
    }
}

//! Formulas the fuzzer drew (`cargo xtask fuzz --seed 1`, `fN` its formula N; `docs/fuzz.md`)
//! whose generated code failed its gradient checks or warned, each fixed by a general
//! mechanism and held here: their generated gradient checks (MPFR, `f64` and `f32`) run
//! with this binary under the `mpfr` feature, and their expansions carry no warning.

use activation::prelude::*;

/// f724: `ln(1 + eˣ)` spelled with `ln_1p` overflowed in `f32` from x = 88.7 (rule
/// `log1p-exp`: the softplus).
#[activation]
pub fn log1p_of_exp(x: f64) -> f64 {
    x.exp().ln_1p()
}

/// f884: `−ln(1 + (eˣ − 1))` is −x, and was −inf from x = 88.7 in `f32` (rule `log1p-expm1`).
#[activation]
pub fn log1p_of_expm1(x: f64) -> f64 {
    -log1p(expm1(x))
}

/// f560: `σ(√(x²))` had f′(0) = 0/0 (rule `sqrt-square`: |x|).
#[activation]
pub fn sigmoid_of_root_square(x: f64) -> f64 {
    sigmoid(sqrt(x.powi(2)))
}

/// `ln(x²)`, `ln(x⁴)`, `ln(x³)`, `ln(x⁻²)`: the power overflows or underflows long before the
/// logarithm does (rules `log-square`, …).
#[activation]
pub fn log_of_powers(x: f64) -> f64 {
    ln(x.powi(2)) + ln((x * x + 1.0).powi(4)) - ln((1.0 + x * x).powi(-2))
}

/// The parts of the fuzzer's formulas that failed only outside their domain: `ln x` and
/// `√x` for x < 0 are NaN, and so is the truth. The expansion used to warn "NaN where the
/// value is finite" there and skip those ranges; it warns about nothing now, and the checks
/// judge every point (NaN where MPFR's truth is NaN).
#[activation]
pub fn domain_edges(x: f64) -> f64 {
    log1p(x.sqrt().abs()) + x.powf(0.25) + ln(x.abs())
}

/// f783: `erfc(x) − 2` cancelled to 0 for x < −6 (f64), where the truth is −erfc(−x), down
/// to −5.4e-176 at −20 (rule `erfc-minus-two`). Its checks timed out before the reference
/// evaluated erfc by its asymptotic series at high precision.
#[activation]
pub fn erfc_minus_two(x: f64) -> f64 {
    erfc(x) - 2.0
}

/// `erf − 1` and `erf + 1` cancel in one tail each, as `1 ± erf` do (rules `erf-minus-one`,
/// `erf-plus-one`): their product is −erfc(x)·erfc(−x).
#[activation]
pub fn erf_minus_one_times_plus_one(x: f64) -> f64 {
    (erf(x) - 1.0) * (erf(x) + 1.0)
}

/// f658: σ(x/3)'' was 1e8 ULPs off at x = −1e-8: its form σσ̄(σ̄/3 − σ/3)/3 hid the
/// difference σ(−u) − σ(u) = −tanh(u/2) behind the divisions (rule
/// `common-divisor-difference`: a/c − b/c → (a − b)/c).
#[activation]
pub fn sigmoid_of_a_third(x: f64) -> f64 {
    sigmoid(x / 3.0)
}

/// f126 (shrunk): where one side of `min`/`max` is NaN, the value is the other side, and
/// the derivative took the NaN side's slope (x < 0 here: ln x is NaN, the value 3x, its
/// slope was 1/x).
#[activation]
pub fn extremum_with_a_nan_side(x: f64) -> f64 {
    min(3.0 * x, ln(x)) + max(x, (x * x * x - x).ln_1p())
}

/// f620: ∂/∂a of x^a is x^a ln x, 0 · −∞ = NaN at x = 0 where the truth is 0 (x^a vanishes
/// faster than ln x grows): a power times a logarithm is a tail product, 0 times anything
/// being 0 (`emit::codegen::tail_product`).
#[activation(a = 1.5)]
pub fn power_with_a_parameter(x: f64, a: f64) -> f64 {
    x.powf(a).tanh()
}

/// f69 and f111 (and f3, f102, f124, f165, f177, of the same kind): a comparison of the
/// input with a number `f32` does not hold. `f32` code compared with the number rounded to
/// nearest, and so could take the other branch at the input nearest it: `x >= 0.01` held
/// for `0.01f32`, which is below 0.01, and `x > 0.001` failed for `0.001f32`, which is
/// above 0.001; the expansion warned about a range around each. It compares
/// exactly now (`Float::from_f64_up`, `docs/contract.md` §4.2), and the checks judge the
/// breakpoint itself.
#[activation(a = 1.0)]
pub fn thresholds_f32_does_not_hold(x: f64, a: f64) -> f64 {
    let head = if x >= 0.01 { (x * 2.0).powi(2) } else { erfc(if x <= a { a } else { x }) };
    let tail = if x > 0.001 { erf(1.5) } else { x };
    let low = if -0.1 <= x { softplus(x) } else { -abs(x) };
    head * x + tail * a + low
}

/// f97 (shrunk): d² (ln(erf(x³)) + x) has erf(x³)² as the quotient rule's divisor, 0 in `f32` for
/// x below 1e-7 (erf(x³) ≈ 1e-21 · 2/√π), and f'' was ∞ or NaN there where the truth is
/// −2/x² (−2e16 at 1e-8); differentiated with the quotient by its value,
/// (a′ − (a/b)·b′)/b, it breaks down nowhere and is chosen (`diff::Quotient::ByValue`).
#[activation]
pub fn quotient_by_a_vanishing_divisor(x: f64) -> f64 {
    erf(x.powi(3)).ln() + x
}

/// f105: `ln(x^100)` was ∞ from |x| ≈ 1200 (`f64`; `f32`: 2.4), where x^100 overflows and
/// the truth is 100 ln|x| (rules `log-power-even`, `log-power`: a constant exponent).
#[activation]
pub fn log_of_a_power(x: f64) -> f64 {
    x.powf(100.0).ln() + (1.0 + x * x).powf(-2.5).ln()
}

/// f908: `erf(x + 0.1)` in `f32` at x = −0.1f32 was 0 where the truth is −1.7e-9: 0.1
/// rounded to `f32` cancels the input exactly. The number's low part is added after its
/// high part (`Float::plus_constant`); the checks judge both at ±0.1.
#[activation]
pub fn sum_with_a_number_f32_does_not_hold(x: f64) -> f64 {
    erf(x + 0.1)
}

/// The same for a difference, the number on either side.
#[activation]
pub fn difference_with_a_number_f32_does_not_hold(x: f64) -> f64 {
    atan(0.1 - x) * 2.0 + (x - 0.1).powi(3)
}

/// f822: `(ln 100 − eˣ)·atan(0.1)²` in `f32` was −∞ for x from 88.7, where eˣ overflows and
/// the value, about −0.0099·eˣ, is an `f32` number up to x ≈ 93.3; so were f′ and f″. Its
/// `f32` code is now its `f64` code rounded once (`Arithmetic::Wide`, `doubts::widen`).
#[activation]
pub fn difference_with_an_exponential_f32_overflows(x: f64) -> f64 {
    (100.0.ln() - exp(x)) * atan(0.1).powi(2)
}

/// f924: f″ of `(x²)^(−1/4)` in `f32` was ∞ near 0 (|x| < 3e-9), where its form raises x²
/// to the power −2.25 beyond `f32`'s range; the truth, 0.75·|x|^(−2.5), is 2.4e22 at 1e-9.
/// Computed by its `f64` code as the previous one.
#[activation]
pub fn power_of_a_square_near_0(x: f64) -> f64 {
    (x * x).powf(-0.25)
}

/// f401: `x · (softplus(1/√2)⁴)³`, whose f′ is the constant softplus(1/√2)¹²: the `f64`
/// code computed it call by call and product by product, 9 ULPs off against a bar of 4 (a
/// constant has no condition in x to excuse an error). A constant subexpression is now one
/// number, its value to 2^-90 rounded once (`ir/constant.rs`, `emit/codegen.rs`).
#[activation]
pub fn power_of_a_constant_call(x: f64) -> f64 {
    x * softplus(FRAC_1_SQRT_2).powi(4).powi(3)
}

/// f134: `(2x − (a + x))^10` raised its base's two roundings to the tenth power: f(−1e-8)
/// was 6 ULPs off against a bar of 4, without a warning. f311: σ(softplus((atan x + π)^−10))
/// had f′ 7 ULPs off against 6.9, warned about in ranges all over the line. `powf` had no
/// compensated form; `Dd::powf` is the power of the high parts corrected to first order for
/// both low parts, and both formulas are now computed in compensated arithmetic.
#[activation]
pub fn power_of_a_rounded_base(x: f64, a: f64) -> f64 {
    ((x + x) - (a + x)).powf(10.0)
}

#[activation]
pub fn power_of_a_sum_with_pi(x: f64) -> f64 {
    sigmoid(softplus((atan(x) + PI).powf(-10.0)))
}

/// f136: f′ of `softplus(√(exp(x^-0.001)))²` was 19 ULPs off at x = 1e-8, f173: f″ of
/// `erf(x)^-0.01 + a + x` 34 ULPs, f907 (a piecewise sum with `x^-0.01`) 24 ULPs, all
/// without a warning. (xᶜ)′ = c·x^(c − 1), and the stable forms folded c − 1 into one
/// rounded `f64`: an exponent off by Δ moves the power by |ln x|·Δ. The stable forms now
/// fold constants only exactly (c − 1 stays a constant subexpression, carried with its low
/// part), and a form whose exponent its code cannot hold exactly is compensated.
#[activation]
pub fn power_with_a_tiny_exponent(x: f64) -> f64 {
    softplus(sqrt(x.powf(-0.001).exp())).powi(2)
}

#[activation(a = 1.0)]
pub fn power_of_erf(x: f64, a: f64) -> f64 {
    erf(x).powf(-0.01) + ((a + x) * 1.0.powi(2))
}

/// f151: with c − 1 kept exact, `tanh(x / 0.001)′` became `sech²(…) / 0.001` (the quotient
/// 1 / 0.001 does not fold exactly either), and its `f32` code divided by 0.001 rounded to
/// `f32`: f′(0) = 999.99994 where the truth rounds to 1000. A divisor `f32` does not hold
/// and whose reciprocal it does is a product with the reciprocal in `f32` code
/// (`Float::over_constant`).
#[activation]
pub fn tanh_of_a_scaled_input(x: f64) -> f64 {
    tanh(x / 0.001)
}

/// f298: f′ and f″ at 1e4 in `f32` took the wrong side of `max(x, (x¹⁰ − (a + x))^0.01)`
/// (f′ 2.5e-5 where the truth is 1). Their compensated `f32` code computes in `f64`, but
/// generated code tests a condition in plain `T` before it computes the sides, and x¹⁰
/// overflows `f32`; the probe now models the conditions as the code tests them
/// (`compensate::wide_model` with the plain `f32` values), sees the `f32` code off, and
/// `f32` computes these forms by their compensated `f64` code. (A nonzero `f32` value
/// where the `f64` one is exactly 0 — f″ there — counts as off too.)
#[activation(a = 2.0)]
pub fn max_with_a_power_that_overflows_f32(x: f64, a: f64) -> f64 {
    if ((x * a) + x) > 1.5 {
        x.max((x.powf(10.0) - (a + x)).powf(0.01))
    } else {
        (if x <= a { x } else { x }) / x
    }
}

/// f318: x·e^(e^100 − 1) at x = 0 is 0 (the constant is finite, if far beyond `f64`), and
/// the check's reference said NaN: MPFR's e^(e^100) overflows its exponent range to an
/// infinity, and 0·∞ is NaN. An infinity MPFR made by overflowing stands for a finite
/// number now: 0 times it is 0, ∞ − ∞ of such infinities no truth (`verify/reference.rs`).
#[activation]
pub fn times_a_constant_beyond_f64(x: f64) -> f64 {
    x * exp(100.0.exp_m1())
}

/// f290: f′ of `erf(softplus(x) − x)` was 0 at 700, where the truth is −1.1e-304: its form
/// had σ(x) − 1, which `f64` rounds to 0 from x ≈ 37 (rules `sigmoid-complement-negated`:
/// −σ(−x), and `softplus-minus-input`: softplus(x) − x = softplus(−x)).
#[activation]
pub fn erf_of_softplus_minus_input(x: f64) -> f64 {
    erf(softplus(x) - x)
}

/// f992: `ln(−(√e · (…) · e⁻ˣ))` was ∞ at x = −1e4, where the truth is 10009.7: the
/// product overflows long before its logarithm (rules `log-exp-product*`: ln a + u).
#[activation]
pub fn log_of_a_product_with_an_exponential(x: f64) -> f64 {
    (-(((if x <= (-0.01) { min(x, 0.5) } else { 0.001 }) * exp(-x)) * sqrt(E))).ln()
}

/// f7: f″ of `softplus(x)·x`, written with `max(softplus(x), x)`, was 2 from x ≈ 33 where
/// the truth is 2 + 1e-13: `softplus(x) > x`, the condition of the derivative's branch,
/// rounds to false there (rules `compare-greater` and `softplus-minus-input`: the sign of
/// softplus(−x)).
#[activation]
pub fn max_of_softplus_and_input(x: f64) -> f64 {
    (softplus(x).max(x) * x) + x
}

/// f851: `(0.01 − x)^x` is real only at the integers beyond 0.01, and its checks failed
/// every error there against a NaN bound; the condition number holds the base's sign
/// (`check::held_signs`), 80 at x = 20, and its 9 ULPs pass.
#[activation]
pub fn negative_base_to_the_input(x: f64) -> f64 {
    (0.01 - min(if x < 0.5 { x } else { x }, x)).powf(x)
}

/// f972: `tanh(x + 0.1)^100` carried a hundred times the rounding of tanh(0.1) near x = 0,
/// where the condition is small (7 ULPs against 4 at −1e-8): the double-double's tanh is
/// the runtime's unrounded pair now.
#[activation]
pub fn power_of_a_shifted_tanh(x: f64) -> f64 {
    tanh((if x < 0.5 { x } else { x }) + 0.1).powf(100.0)
}

/// f936: `expm1(σ(atan(x)³))` carried atan's rounding at −700 (5 ULPs against 4): the
/// double-double's atan is the runtime's unrounded pair now.
#[activation]
pub fn expm1_of_sigmoid_of_an_atan_cube(x: f64) -> f64 {
    sigmoid(
        (if abs(x).powi(2) > (-2.0) {
            x.atan()
        } else {
            if exp(x) >= 4.0 {
                -1.5
            } else {
                x
            }
        })
        .powi(3),
    )
    .exp_m1()
}

/// f512: `exp(tanh(max(√x, 0.1)))` was e at x = −1e4, where the truth is e^tanh(0.1): √x
/// is NaN, `max` takes 0.1 in plain code and leaves the compensated pair unsettled, and the
/// double-double's tanh turned that NaN into 1 (`expm1_pair` clamps its argument); it
/// keeps a NaN now, so the plain code decides.
#[activation]
pub fn exp_of_tanh_of_a_clipped_root(x: f64) -> f64 {
    tanh(sqrt(max(x, x)).max(0.1)).exp()
}

/// f929: `erfc(1/2x)` jumps at 0 (2 on the left, 0 on the right). Its f′ = e^(−1/4x²)/x²
/// (times 1/√π) was 0/0 = NaN wherever x² underflows (|x| < 1e-154): the numerator's
/// decaying factor and the divisor had both reached 0. It is a tail quotient now
/// (`__private::div_or_zero`: 0 there, the truth rounded), and at the jump itself the
/// derivatives have no truth (`verify/reference.rs`, `passes/doubts.rs`): the checks no
/// longer skip a range around 0.
#[activation]
pub fn erfc_of_a_reciprocal(x: f64) -> f64 {
    erfc(((x + x) * 1.0).powi(-1))
}

/// f736: the same shape shifted, `erfc((x + 1)/x)`.
#[activation]
pub fn erfc_of_a_shifted_reciprocal(x: f64) -> f64 {
    erfc((x + 1.0) / x) + 0.01
}

/// f859, shrunk: a quotient whose numerator's decaying factor is a constant, e^(ln 2), is
/// no tail quotient (the probe looked that factor up among the formula's nodes, where a
/// constant subtree is one number, and the expansion panicked).
#[activation]
pub fn constant_exponential_over_the_input(x: f64) -> f64 {
    (LN_2 * exp(LN_2)) / x
}

/// f689: ∂/∂a of `(tanh(ln(x/2))^a · x)³` is 3x³ (tanh^a)³ ln tanh, 0 · −∞ at x = 2 where
/// tanh(ln 1) = 0, and its truth is 0: a power under an integer power is a power factor of
/// a tail product too (`emit::codegen::tail_product`).
#[activation]
pub fn cube_of_a_power_of_tanh(x: f64, a: f64) -> f64 {
    (tanh(ln(x * 0.5)).powf(a) * x).powi(3)
}

/// f364: at x = 1e4, ∂/∂a is −σ(·)·(atan∘atan)′(2) ≈ −0.09, but the reference's difference
/// quotient in a cancels beside e^(1e4) and gave 0 without an error bound, which the checks
/// took for the truth; such a 0 is no longer vouched for (`verify/reference.rs`).
#[activation(a = 2.0)]
pub fn softplus_beside_an_exponential(x: f64, a: f64) -> f64 {
    let t0 = ln(if x > a { x } else { 3.0 }) - softplus(x);
    softplus((erfc(t0.powf(2.0)) - atan(atan(a))) + (expm1(if x >= a { x } else { 0.1 }) - x))
}

/// f775: `(a/x)²·x` is a²/x, whose derivative −a²/x² tends to −∞ on both sides of 0. At ±0
/// the written formula is ∞·0, NaN in MPFR, and the checks took the central difference
/// across the pole, +∞, for the truth of f′(−0) = −∞ (`verify::reference::pole`).
#[activation(a = 3.0)]
pub fn pole_where_the_formula_is_nan(x: f64, a: f64) -> f64 {
    (a / x).powi(2) * x
}

/// f681: tanh(|−softplus(x)·x³ / (x·x)|) for x ≤ 1/2: the quotient is 0/0 at ±0, and its
/// generated limit 0 gives |·|′ = 0 there, a kink by the convention; the checks froze `abs`
/// of the NaN to its argument and expected −ln 2 (`verify::check::side_of_undefined`).
#[activation]
pub fn abs_of_a_removable_singularity(x: f64) -> f64 {
    tanh(abs(((-softplus(x)) * x.powi(3)) / ((if x <= 0.5 { x } else { 0.1 }) * x)))
}

/// f668 and f414: atan(eˣ − 1)′ = eˣ/(1 + (eˣ − 1)²) and (1/(eˣ − 1))′ = −eˣ/(eˣ − 1)² are
/// quotients whose sides overflow from x = 355 (`f64`) and 44 (`f32`), where the quotient is
/// about e^-x: they were NaN or −0 there. Each side is now multiplied by the divisor's
/// largest exponential's reciprocal (`passes/scaling.rs`): e^-x/(e^-2x + expm1(−x)²).
#[activation]
pub fn atan_of_expm1(x: f64) -> f64 {
    atan(x.exp_m1())
}

/// (See `atan_of_expm1`.)
#[activation]
pub fn reciprocal_of_expm1(x: f64) -> f64 {
    expm1(x).powi(-1)
}

/// f201: atan(x (e^{x²/√2} − ln 2)); its f′ and f″ are quotients of e^{x²/√2}, e^{√2 x²} and
/// e^{2√2 x²}, scaled by the largest (`passes/scaling.rs`).
#[activation]
pub fn atan_of_a_gaussian_growth(x: f64) -> f64 {
    (x * (exp((x * FRAC_1_SQRT_2) * x) - LN_2)).atan()
}

/// f17: log1p(x / min(x, tanh σ(2x))) is ln 2 on both sides of 0 (x/x), NaN at 0 as
/// written; its f′ and f″ were NaN at ±0, where their truth is 0 (`passes/zero_limits.rs`:
/// the limit of the form beside 0).
#[activation]
pub fn log1p_of_a_quotient_that_is_one_near_zero(x: f64) -> f64 {
    log1p(x / min(x, sigmoid(x + x).tanh()))
}

/// f123: x (x^{2x} − x/100) has f′ = 1 at 0 beside 0·(−∞) in x ln|x| terms, and f″ growing
/// like 4 ln|x| to −∞ there: both limits taken (`passes/zero_limits.rs`), where f′ and f″
/// were NaN.
#[activation]
pub fn power_of_the_input_to_itself_times_the_input(x: f64) -> f64 {
    x * (x.powi(2).powf(x) - 0.01 * x)
}

/// f172: atan(tanh((E/x²)⁴)) for x < 2: its f′ holds σ(−2E⁴/x⁸)/x⁹, 0/0 at 0 and 0 beside it
/// faster than any power, where L'Hôpital's rule (`passes/removable.rs`) never ends.
#[activation]
pub fn atan_of_tanh_of_a_pole(x: f64) -> f64 {
    (if x < 2.0 { ((E / x) / x).powi(4).tanh() } else { 3.0 }).atan()
}

/// f395: √(tanh(tanh x)⁴) = tanh(tanh x)²: its f″ at ±0 is 2, and was 0/0.
#[activation]
pub fn root_of_a_fourth_power_of_tanh(x: f64) -> f64 {
    x.tanh().tanh().powi(2).powi(-2).powi(-1).sqrt()
}

/// f729: ln √σ(√x) beyond x = 1.5 is −softplus(−√x)/2, about −e^-√x/2; ln of the rounded
/// root of σ was 0 from x ≈ 1e3 (rule `sigmoid-root`: √σ(u) = e^(−softplus(−u)/2), whose
/// logarithm is its exponent).
#[activation]
pub fn log_of_a_root_of_sigmoid(x: f64) -> f64 {
    ln(sqrt(sigmoid((if x <= 1.5 { FRAC_1_SQRT_2 } else { x }).sqrt())))
}

/// f152: exp((0.5^(a x))^0.01): 0.5^(a x) overflows or underflows from |x| ≈ 1400 where its
/// hundredth root is a modest number (rule `power-of-a-power`: 0.5^(0.01 a x)).
#[activation(a = -1.0)]
pub fn power_of_a_power(x: f64, a: f64) -> f64 {
    0.5.powf(a * x).powf(0.01).exp()
}

/// f846: tanh √(if x ≤ ½ { σ(x) } else { x }) was 0 below x = −745, where σ underflows and
/// the truth is about e^(x/2) (rules `if-root-*`, then `sigmoid-root`).
#[activation]
pub fn tanh_of_a_root_of_a_branch(x: f64) -> f64 {
    tanh(sqrt(if x <= 0.5 { sigmoid(x) } else { x }))
}

/// f441: (|erfc(x/1000)| / −(x + 1/1000))^100 near 0 is about 10^300 and its f′ about
/// −10^305: the compensated pairs' error-free products of such numbers overflowed Dekker's
/// split (and the fused path copied its NaN), the plain code decided, 11–62 ULPs against 4
/// (`dd::two_prod` now scales such a factor).
#[activation]
pub fn power_of_a_quotient_near_the_top_of_the_range(x: f64) -> f64 {
    (abs(erfc(0.001 * x)) / (-(x + 0.001))).powf(100.0)
}

/// f323: at −0, min(1.5/x, 100) takes 1.5/x = −∞ (at +0, 100), and σ(1.5/(x·softplus
/// x))·log1p(x) has a kink that no branch makes: 0 on the left, x on the right. The code takes the side of the
/// zero's sign; the checks took the central difference, ½, as the truth, and failed f′(−0).
/// The reference gives no derivative at such a kink now (`verify/reference.rs`).
#[activation]
pub fn kink_of_a_pole_inside_a_sigmoid(x: f64) -> f64 {
    sigmoid(min(1.5 / x, 100.0) / softplus(x)) * log1p(x)
}

/// f76: expm1(log1p x)² at x = 1e4 carried log1p's rounding multiplied by ln x, 12.0 ULPs
/// against a bar of 12 (rule `expm1-log1p`: x where log1p is defined). For x in [−100, −1)
/// log1p is NaN and max takes x, which the rule keeps: it does not extend the formula.
#[activation]
pub fn square_of_expm1_of_log1p(x: f64) -> f64 {
    x.max(if x >= (-100.0) { log1p(x).exp_m1().powi(2) } else { -(if x < (-0.001) { x } else { 2.0 }).powi(-1) })
}

/// f291: (x^-1.5 · x)² is 1/x for x > 0 and NaN for x < 0, where its stable form 0.01 + 1/x
/// is finite. The checks judged that form's value there (a 0 at x = −100 in `f32` failed);
/// outside the domain nothing is promised and the checks skip the point
/// (`verify/check.rs`, `written_or_stable`).
#[activation]
pub fn power_outside_its_domain(x: f64) -> f64 {
    0.01 + (x.powf(-1.5) * x).powi(2)
}

/// f427: (ln 2 / x) · x is ∞ · 0 at x = 0, NaN as written, where the code, which reads it as
/// ln 2, gives e^(ln 2 / 0) = ∞. The checks demanded the NaN; outside the domain nothing is
/// promised, and the point is not judged.
#[activation]
pub fn product_with_a_pole_at_zero(x: f64) -> f64 {
    (if x < 0.25 {
        (if (exp(x) - (x - x)) > 1.0 { 0.25 } else { (LN_2 / x) * x }) / min(x.powi(4) * x, x)
    } else {
        0.1
    })
    .exp()
}

/// f326: at x = 1e4, erfc(√x) underflows inside max(erfc(√x), x³); the compensated `f32`
/// code refused it, and its `max` with it, and fell back to plain `f32` code, whose f″
/// divides by (x³)³ … = ∞ and gave 0 (truth 2.6e-19). The probe's model took the `max` of
/// a refused side for the other side (`compensate::wide_model`); it now refuses it as the
/// runtime does, sees the fallback, and has `f32` compute f″ by its `f64` code.
#[activation]
pub fn max_of_an_underflowing_erfc(x: f64) -> f64 {
    erfc(x.sqrt()).max(abs(x) * (x * x)).powi(-1) * ln(log1p((x / 0.5) - max(x, 4.0)))
}

/// f802: f″ is −9900 x^98 left of the kink of min at x = 0.3762, a normal `f32` number
/// (−2.4e-38) of a subnormal power (x^98 = 2.4e-42, held to 3e-4): 1440 ULPs off in
/// `f32`, against a bar of 396. The probe's model of the `f32` pairs held the power to
/// `f64`'s precision (`compensate::pairs_f32_model`); it now takes a subnormal power or
/// call for the plain code's, and `f32` computes f″ by its `f64` code.
#[activation]
pub fn subnormal_power_under_a_normal_product(x: f64) -> f64 {
    tanh(sigmoid(if x >= 2.0 { 2.0 } else { x })).min(0.001.max((SQRT_2 * x) - x.powf(100.0)))
}

/// f513: for x < 0, (x + x³)^a is real at a = 3 and NaN for every a beside it, so d/da has
/// no value there (the checks' difference in a is NaN: not judged). The probe asked only
/// whether the formula was defined beside x, and warned about d/da on (−∞, 0); it now asks
/// beside the parameter too (`doubts::Model::scores`).
#[activation(a = 3.0)]
pub fn power_with_a_parameter_of_a_negative_base(x: f64, a: f64) -> f64 {
    (x + x.powi(3).powf(1.0)).powf(a)
}

/// f563: log1p(x/a) at a = −1 is defined for x < 1 only, and beside a = −1 the edge moves:
/// the same (warned about d/da on (0.56, 1.78)).
#[activation(a = -1.0)]
pub fn log1p_of_a_quotient_by_a_parameter(x: f64, a: f64) -> f64 {
    log1p(ln((0.1 * x.exp().powi(2)) + log1p(x / a).exp()))
}

/// f276: σ(x)·1^x ≤ 2 holds everywhere; at x = −711 σ's double-double is refused
/// (subnormal), and the probe's pair model took the condition for false and the other
/// branch, x + 10, as the reference for the plain code: f, f′ and f″ were warned about on
/// (−745.5, −562) with no error there. A condition whose pairs are refused is decided by
/// the values with an unbounded exponent (`compensate::pair_model_deciding`).
#[activation]
pub fn condition_on_a_subnormal_sigmoid(x: f64) -> f64 {
    softplus(if (sigmoid(x) * 1.0.powf(x)) <= 2.0 { ((-0.1) + x.max(x)).powf(2.0) } else { x + 10.0 })
}

/// A review's find in rule `exp-log`: exp(ln(−0)) is e^−∞ = +0, and the rule's first
/// form, `if u >= 0 { u } ...`, gave −0, so that atan(1/…) was −π/2 at −0 where the
/// formula is π/2.
#[activation]
pub fn exp_of_log_at_negative_zero(x: f64) -> f64 {
    (1.0 / exp(ln(x))).atan()
}

/// f744: ln erf(log1p x) was 0 for x from about 400 (f64: erf rounds to 1) to 3e11, where
/// the truth is −erfc(log1p x), down to −1e-305; warned about on (3.2e3, ∞). Rule
/// `log-erf`: log1p(−erfc(u)) where u > 1/2 — whose plain `f64` code is 108 ULPs off at
/// 10^4 against a bar of 78 (log1p's rounding times erfc's slope), compensated since
/// `compensate::f64_loses` judges inputs beyond the `f32` probe's by its share of the bar.
#[activation]
pub fn log_of_erf_in_its_tail(x: f64) -> f64 {
    erf(log1p(x)).ln()
}

/// f553's erf part: ∂/∂a of erf(u)^a is erf(u)^a ln erf(u), 0 where erf rounds to 1
/// (from u = 5.9 in `f64`, 3.9 in `f32`; f553 has u = x², warned about on (2.25, 5)); here
/// u = 4 + σ(x), and ∂/∂a was 1e6 times the bar for x < −562 (ln erf(4) = −1.5e-8).
/// Rule `log-erf`.
#[activation]
pub fn power_of_erf_in_a_parameter(x: f64, a: f64) -> f64 {
    erf(4.0 + sigmoid(x)).powf(a)
}

/// f141: erf(x)/2x. Its f′ is the quotient (2x·erf′(x) − 2 erf x)/4x², whose numerator
/// cancels beside 0 (two terms of order x that agree to order x³): wrong zeros and NaN for
/// |x| < 0.1, warned about. Near 0 the quotient takes its Taylor polynomial, computed by
/// series arithmetic over its tape (`passes/series.rs`, the windows of
/// `passes/removable.rs`).
#[activation]
pub fn erf_over_twice_x(x: f64) -> f64 {
    erf(x) / (x + x)
}

/// f952: ln(1 + x²)/(x · ln(1/√2))/x, whose derivatives cancel beside 0 as f141's do.
#[activation]
pub fn log1p_square_over_square(x: f64) -> f64 {
    (log1p(x.powi(2)) / (FRAC_1_SQRT_2.ln() * x)) / x
}

/// f634: erf(atan(min(x + 100 − ln 2, x)))/x, the same with a branch and a `min` decided
/// near 0.
#[activation]
pub fn erf_of_atan_of_min_over_x(x: f64) -> f64 {
    erf(atan(min((x - LN_2) + (if x >= 4.0 { SQRT_2 } else { 100.0 }), x))) / x
}

/// f453: expm1(erf x)² · (ln(1 + √2) + x⁻²)/(π/x). Its f″ is NaN within 1e-12 of 0, where
/// poles of its terms cancel: the form's own Laurent series has none, and near 0 it takes
/// its polynomial.
#[activation]
pub fn expm1_of_erf_squared_over_a_quotient(x: f64) -> f64 {
    expm1(erf(x)).powi(2) * ((SQRT_2.ln_1p() + x.powi(-2)) / (PI / x))
}

/// f577: erfc(erf(x)/x + ln 2)⁻² on x ≥ 0.01: f′ was 9 times the bar on (0.01, 0.03), where
/// the derivative of erf(x)/x cancels; its window reaches past the branch's edge.
#[activation]
pub fn erfc_of_erf_over_x_to_the_minus_two(x: f64) -> f64 {
    erfc(if x >= 0.01 { (erf(x) / x) + LN_2 } else { abs(x) / x }).powf(-2.0)
}

/// f957: erfc(x) − eˣ is 1 − 1 at 0, where the truth is −(1 + 2/√π)x: 1e10 times the bar
/// for |x| < 0.006. Where a form is 0 at a probe point and its plain `f64` value beside it
/// is off from its double-double, it takes its Taylor polynomial there, as the derivatives
/// do beside removable singularities (`removable::windowed`).
#[activation]
pub fn erfc_minus_exp(x: f64) -> f64 {
    erfc(x) - x.exp()
}

/// f157: ln(1 + erfc(x)²), whose f″ cancels at 0 (4e9 times the bar within 0.002 of it).
#[activation]
pub fn log1p_of_erfc_squared(x: f64) -> f64 {
    log1p(erfc(if x <= 1.5 { x } else { x }).powi(2))
}

/// f667: atan(eˣ) below 0.01, atan(a) above: f″ = eˣ(1 − e²ˣ)/(1 + e²ˣ)² cancels at 0. The
/// series leaves the parameter out (the branch taken at 0 has none), so the window is the
/// parameter's for every value; its radius stays below the branch's edge.
#[activation(a = 0.25)]
pub fn atan_of_exp_below_an_edge(x: f64, a: f64) -> f64 {
    atan(if x < 0.01 { x.exp() } else { a })
}

/// f768: ln of a branch with e^x on one side was ∞ from x = 709.8, where the truth is x/100
/// (rules `if-log-*`: the logarithm taken branch by branch, then `log-exp`).
#[activation(a = 1.5)]
pub fn log_of_a_branch_with_an_exponential(x: f64, a: f64) -> f64 {
    (if x > 1.5 { exp(if x < a { PI } else { x }) } else { a }).ln() * 0.01
}

/// f262: log1p of a branch with expm1(1/x²) on one side was ∞ for |x| < 0.04, where the
/// truth is 1/x² (rules `if-log1p-*`, then `log1p-expm1`).
#[activation]
pub fn log1p_of_a_branch_with_expm1(x: f64) -> f64 {
    (if x <= 0.001 { x.powi(2).powi(-1).exp_m1() } else { LN_2 }).ln_1p()
}

/// f261: f′ refines the argument of erfc(x²) in `f64` and f did not, so the fused kernel —
/// one block sharing their calls — gave f(3.3) one ULP from the forward kernel's; f and f′
/// now refine alike where either does (`passes::derived::Compensated::of`).
#[activation]
pub fn min_of_log1p_of_erf_of_erfc(x: f64) -> f64 {
    min(-erf(erfc(x * x)).ln_1p(), x)
}

#[test]
fn log1p_s_inverse_keeps_its_domain() {
    // Where log1p is NaN the branch is NaN, and max takes x, as the formula does.
    for x in [-1.5f64, -2.0, -50.0, -99.0] {
        assert_eq!(square_of_expm1_of_log1p(x), x, "f({x})");
        assert_eq!(square_of_expm1_of_log1p_derivative(x), 1.0, "f'({x})");
    }
    assert_eq!(square_of_expm1_of_log1p(1e4), 1e8);
}

/// Formulas held here that still warn, where `f64` itself breaks down (outside the scan of
/// `the_fixed_formulas_raise_no_warning_and_skip_nothing`, which reads top-level items; the
/// warning is expected, so allowed).
#[allow(deprecated)]
mod warned_where_f64_breaks_down {
    use activation::prelude::*;

    /// f313: f″ of `x·(atan(x^x) + x)` in `f32` became NaN at 20 and 40 once `powf` was
    /// compensated: its compensated `f32` code, in pairs of `f32`s, left `f32`'s range where
    /// (x^x)² does and fell back to plain `f32` code, where x^x overflows too. A compensated
    /// form whose `f32` code breaks down where its `f64` code holds is now computed, in `f32`,
    /// by its compensated `f64` code rounded once (`Arithmetic::WideCompensated`); the probe
    /// models pairs of `f32`s with `f32`'s range (`compensate::pairs_f32_model`). Warned
    /// from x ≈ 56 (f″) and 100 (f′), where x^x leaves `f64`.
    #[activation]
    pub fn power_of_x_to_the_x(x: f64) -> f64 {
        x * (atan(x.powf(x)) + x)
    }

    #[test]
    fn warned_ranges_are_judged_at_their_worst_probe_point_on_request() {
        // f″ warned on (50, ∞), its worst probe point at 200, which is no check point: judged
        // there, for f″ alone, when the warned ranges are judged (the fuzzer does), each
        // failure marked as inside a warned range.
        let skips = [(2, 50.0, f64::INFINITY, 200.0, "test")];
        let failed = std::panic::catch_unwind(|| {
            activation_core::check::run_judging_warned_ranges(&PowerOfXToTheX, &skips);
        })
        .expect_err("f'' is NaN or over the bar beyond 56");
        let message = failed.downcast_ref::<String>().expect("a formatted panic");
        let lines: Vec<&str> = message.lines().filter(|l| l.contains(" at x = 2e2:")).collect();
        assert!(!lines.is_empty(), "{message}");
        for line in lines {
            assert!(line.contains("d²/dx²") && line.ends_with("(in a warned range)"), "{line}");
        }
    }

    #[test]
    fn f32_is_the_f64_value_rounded_where_f32_overflows() {
        let f = PowerOfXToTheX;
        for x in [20.0f32, 30.0, 40.0] {
            let (narrow, wide) =
                (Activation::second_derivative(&f, x), power_of_x_to_the_x_second_derivative(f64::from(x)));
            assert_eq!(narrow, wide as f32, "f''({x})");
        }
    }
}

#[test]
fn f32_code_compares_with_the_numbers_written() {
    // 0.01f32 is below 0.01, 0.001f32 above 0.001, −0.1f32 below −0.1: the branch taken at
    // each is the one the number itself selects, in the scalar and the slice paths.
    let f = ThresholdsF32DoesNotHold::default();
    let at = |x: f32| {
        let (a, x64) = (1.0f64, f64::from(x));
        let head = if x64 >= 0.01 { (x64 * 2.0).powi(2) } else { 1.0 - 0.8427007929497149 };
        let tail = if x64 > 0.001 { 0.9661051464753108 } else { x64 };
        let low = if -0.1 <= x64 { (1.0 + x64.exp()).ln() } else { -x64.abs() };
        head * x64 + tail * a + low
    };
    let xs = [-0.1f32, 0.001, 0.01, -0.1f32.next_up(), 0.001f32.next_up(), 0.01f32.next_down()];
    let mut slice = [0.0f32; 6];
    f.forward_slice(&xs, &mut slice);
    for (&x, &y) in xs.iter().zip(&slice) {
        let value = Activation::forward(&f, x);
        assert_eq!(value.to_bits(), y.to_bits(), "slice at {x:e}");
        let truth = at(x);
        assert!(
            (f64::from(value) - truth).abs() <= 1e-6 * truth.abs().max(1.0),
            "f({x:e}) = {value:e}, truth {truth:e}"
        );
    }
}

#[test]
fn f32_code_that_overflows_is_computed_in_f64() {
    // Where eˣ overflows `f32` and the value does not, the `f32` result is the `f64` one
    // rounded once, on the scalar and the slice paths alike.
    let f = DifferenceWithAnExponentialF32Overflows;
    let xs = [88.0f32, 89.0, 90.0, 93.0, 94.0];
    let mut slice = [0.0f32; 5];
    f.forward_slice(&xs, &mut slice);
    for (&x, &y) in xs.iter().zip(&slice) {
        let (value, wide) = (Activation::forward(&f, x), difference_with_an_exponential_f32_overflows(f64::from(x)));
        assert_eq!(value.to_bits(), y.to_bits(), "slice at {x}");
        assert_eq!(value, wide as f32, "f({x})");
    }
    assert!(slice[3].is_finite() && slice[4] == f32::NEG_INFINITY, "{slice:?}");
}

#[test]
fn a_vanished_numerator_over_a_vanished_divisor_is_zero() {
    // Where x² underflows, e^(−1/4x²)/x² is 0/0 as computed and 0 in truth (far below the
    // smallest subnormal), on the scalar and the slice paths, in both precisions.
    let f = ErfcOfAReciprocal;
    let xs = [1e-200f64, -1e-200, 1e-160, -1e-300, 0.1, 1.0];
    let mut slice = [0.0f64; 6];
    f.with_derivative_slice(&xs, &mut [0.0; 6], &mut slice);
    for (&x, &dy) in xs.iter().zip(&slice) {
        let d = Activation::derivative(&f, x);
        assert_eq!(d.to_bits(), dy.to_bits(), "slice at {x:e}");
        let truth =
            if x.abs() < 1e-100 { 0.0 } else { (-0.25 / (x * x)).exp() / (x * x) / std::f64::consts::PI.sqrt() };
        assert!((d - truth).abs() <= 1e-12 * truth.abs(), "f'({x:e}) = {d:e}, truth {truth:e}");
    }
    for x in [1e-30f32, -1e-25, 1e-20] {
        assert_eq!(Activation::derivative(&f, x), 0.0, "f'({x:e})");
        assert_eq!(Activation::second_derivative(&f, x), 0.0, "f''({x:e})");
    }
}

#[test]
fn the_fixed_formulas_raise_no_warning_and_skip_nothing() {
    let file = syn::parse_file(include_str!("fuzz_finds.rs")).unwrap();
    let mut seen = 0;
    for item in file.items {
        let syn::Item::Fn(mut f) = item else { continue };
        let Some(at) = f.attrs.iter().position(|a| a.path().is_ident("activation")) else { continue };
        let args = match f.attrs.remove(at).meta {
            syn::Meta::List(list) => list.tokens,
            _ => Default::default(),
        };
        let name = f.sig.ident.to_string();
        // Expanded by the engine with the attribute's arguments (`a = -1.0`), as
        // `#[activation(..)]` would be.
        let text = activation_core::expand::activation(args, quote::ToTokens::to_token_stream(&f)).to_string();
        assert!(!text.contains("deprecated"), "{name}: {text}");
        assert!(!text.contains("skip = ["), "{name}: {text}");
        seen += 1;
    }
    assert_eq!(seen, 73);
}

#[test]
fn a_pole_where_the_formula_is_nan_has_the_derivative_of_its_sides() {
    // −a²/x² on both sides of 0: −∞ at ±0, where the written formula is ∞·0.
    for x in [0.0f64, -0.0] {
        let d = pole_where_the_formula_is_nan_derivative(x, 3.0);
        assert_eq!(d, f64::NEG_INFINITY, "f'({x})");
    }
}

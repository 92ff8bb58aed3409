//! Every form of an activation the passes produce: the readable forms (for text, LaTeX and
//! the report) and the stable forms (for generated code).

use crate::ir::expr::{BinOp, Expr, Func};
use crate::ir::tape::Tape;
use crate::parse::Definition;
use crate::passes::diff::{derivative, derivative_with, DiffError, Quotient};
use crate::passes::simplify::simplify;
use crate::passes::stabilise::stabilise;

/// f, f', f'' and each d/dp of one activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Forms {
    /// f
    pub forward: Expr,
    /// f'
    pub derivative: Expr,
    /// f''
    pub second: Expr,
    /// d/dp for each parameter, in parameter order.
    pub params: Vec<Expr>,
}

/// The readable and the stable forms of an activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    /// What a person reads: the formula as written, derivatives simplified, written
    /// through the prelude's functions (σ' = σ(1 − σ)).
    pub readable: Forms,
    /// What runs: each form stabilised (see [`derive()`]).
    pub stable: Forms,
    /// Which stable forms run in compensated arithmetic, and which kind; which are widened.
    pub compensated: Compensated,
}

/// How generated code computes one stable form (`passes::compensate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Arithmetic {
    /// In `T`: its plain rounding stays well within the bar.
    #[default]
    Plain,
    /// Over the runtime's `Dd<T>`: a double-double for `f64`, one `f64` per lane for `f32`.
    Compensated,
    /// Over `DdPair<T>`, a double-double for `f32` too: probing found a tiny term beside a
    /// large one that `f64`'s 53 contiguous bits lose and a pair keeps in its low part.
    Pairs,
    /// In plain arithmetic over [`Float::Wide`](activation_runtime::Float::Wide): plain `f64`
    /// code for `f64`, and for `f32` the same `f64` code rounded once to `f32`. Probing
    /// found the form breaking down in `f32` (an intermediate overflowing, a NaN, an error
    /// over the bar) where `f64` holds it (`passes::doubts::widen`).
    Wide,
    /// Over `Dd<T::Wide>`: the compensated (double-double) `f64` code for `f64`, and for
    /// `f32` the same `f64` code rounded once to `f32`. Probing found the form's compensated
    /// `f32` code — one `f64` per lane, which falls back to the plain `f32` code where it
    /// refuses a value — breaking down where the `f64` code holds it (`doubts::widen`).
    WideCompensated,
}

impl Arithmetic {
    /// Whether the form runs in compensated arithmetic of any kind (in `f64` at least).
    pub fn is_compensated(self) -> bool {
        matches!(self, Arithmetic::Compensated | Arithmetic::Pairs | Arithmetic::WideCompensated)
    }

    /// Whether the form's `f32` code is its `f64` code rounded once.
    pub fn is_widened(self) -> bool {
        matches!(self, Arithmetic::Wide | Arithmetic::WideCompensated)
    }
}

/// How each stable form is computed: compensated where its plain rounding comes near the
/// accuracy bar (`passes::compensate::arithmetic`), and, of the rest, widened for `f32`
/// where its `f32` code misses the bar and its `f64` code does not (`passes::doubts::widen`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compensated {
    /// f
    pub forward: Arithmetic,
    /// f'
    pub derivative: Arithmetic,
    /// f''
    pub second: Arithmetic,
    /// d/dp for each parameter, in parameter order.
    pub params: Vec<Arithmetic>,
    /// Whether each function's plain code recomputes its calls' polynomial arguments in
    /// pairs in the tails (`emit/refine.rs`), in the order of [`in_order`](Self::in_order):
    /// where its plain `f64` code would spend more than the compensation's share of the
    /// bar without (`compensate::arguments_refined`); f and f′ alike where either does, as
    /// the fused kernel is one block that shares their calls and must give each one's bits
    /// (the fuzzer's f261, whose f′ refined erfc(x²) and whose f did not).
    pub refined: Vec<bool>,
}

impl Compensated {
    /// Each function's arithmetic in the order f, f', f'', then d/dp in parameter order.
    pub(crate) fn in_order(&self) -> Vec<Arithmetic> {
        let mut all = vec![self.forward, self.derivative, self.second];
        all.extend(&self.params);
        all
    }

    /// The arithmetic of function `target` (as in [`in_order`](Self::in_order)).
    pub(crate) fn of_target_mut(&mut self, target: usize) -> &mut Arithmetic {
        match target {
            0 => &mut self.forward,
            1 => &mut self.derivative,
            2 => &mut self.second,
            k => &mut self.params[k - 3],
        }
    }

    fn of(forms: &Forms, probe: &Probe) -> Compensated {
        let choose = |e: &Expr| crate::passes::compensate::arithmetic(e, &probe.input, &probe.params);
        let mut all = vec![&forms.forward, &forms.derivative, &forms.second];
        all.extend(&forms.params);
        // Only forms with an argument to refine are probed for it.
        let mut refined: Vec<bool> = all
            .iter()
            .map(|e| {
                crate::emit::refine::refines(e)
                    && crate::passes::compensate::arguments_refined(e, &probe.input, &probe.params)
            })
            .collect();
        let fused = refined[0] || refined[1];
        refined[..2].fill(fused);
        Compensated {
            forward: choose(&forms.forward),
            derivative: choose(&forms.derivative),
            second: choose(&forms.second),
            params: forms.params.iter().map(choose).collect(),
            refined,
        }
    }
}

/// Differentiates, simplifies and stabilises `def`.
///
/// Each stable derivative is chosen between two stabilised candidates, which are the same
/// function: the derivative of the stable form one order down (it inherits that form's
/// structure — `x σ(x)` differentiates without the overflow of `x / (1 + e^-x)`), and the
/// readable derivative stabilised (symbolic cancellation sometimes leaves it much simpler:
/// `ab / (2 s (x² + b))`). `Probe::steadier` picks between them.
pub fn derive(def: &Definition) -> Result<Derived, DiffError> {
    let x = def.input.as_str();
    let d = |e: &Expr, var: &str| -> Result<Expr, DiffError> { Ok(simplify(&derivative(e, var)?)) };
    let readable = |exact: bool| -> Result<(Expr, Expr, Vec<Expr>), DiffError> {
        let _exact = crate::passes::simplify::exact_folding(exact);
        let first = d(&def.body, x)?;
        let second = d(&first, x)?;
        let params = def.params.iter().map(|p| d(&def.body, &p.name)).collect::<Result<Vec<_>, _>>()?;
        Ok((first, second, params))
    };
    // The readable forms keep the coefficients a person writes (`0.044715 · 3 = 0.134145`),
    // except a rational formula's, whose forms promise correct rounding. The stable forms
    // fold constants only where `f64` does so exactly: a rounded constant is an error no
    // arithmetic removes, and it can be far from small — the exponent c − 1 of (xᶜ)′
    // rounded moves the derivative by ln x times its rounding (10 ULPs at x = 1e-8). An
    // inexact constant subtree stays a subtree, and generated code carries its value to
    // 2^-90 (`ir::constant`): rounded once in plain code, with its low part in compensated
    // code.
    let rational = crate::passes::compensate::is_rational(&def.body);
    let (r_first, r_second, r_params) = readable(rational)?;
    let (e_first, e_second, e_params) =
        if rational { (r_first.clone(), r_second.clone(), r_params.clone()) } else { readable(true)? };
    let _exact = crate::passes::simplify::exact_folding(true);
    let probe = Probe::new(def);
    let s_forward = stabilise(&def.body);
    // The two candidates, then the stable form differentiated with quotients by their value
    // where that breaks down less (`Quotient::ByValue`).
    let candidates = |e: &Expr, var: &str, readable: &Expr| -> Result<Expr, DiffError> {
        let chosen = probe.steadier(stabilise(&derivative(e, var)?), stabilise(readable));
        if !divides_by(e, var) {
            return Ok(chosen);
        }
        // (It differentiates what `derivative` just did: it cannot fail.)
        let by_value = |_: &Expr| derivative_with(e, var, Quotient::ByValue).ok().map(|d| stabilise(&d));
        Ok(probe.unless_breaking(chosen, by_value))
    };
    let s_first = candidates(&s_forward, x, &e_first)?;
    let s_second = candidates(&s_first, x, &e_second)?;
    let s_params = def
        .params
        .iter()
        .zip(&e_params)
        .map(|(p, r)| candidates(&s_forward, &p.name, r))
        .collect::<Result<Vec<_>, DiffError>>()?;
    // Constant factors into exponents, then quotients of exponentials scaled
    // (`passes/scaling.rs`), each only where it breaks down at fewer probe points.
    let steady = |e: Expr| probe.unless_scaled(probe.unless_overflowing(e));
    let (s_first, s_second) = (steady(s_first), steady(s_second));
    let s_params: Vec<Expr> = s_params.into_iter().map(steady).collect();
    // Removable singularities of the derivatives take their limits (`passes/removable.rs`).
    let removed = |e: &Expr| crate::passes::removable::removed(e, &def.body, x, &probe.params, &probe.points);
    // And a derivative still not finite at ±0 takes its limit there where it has one and
    // the function it is the derivative of is continuous there (`passes/zero_limits.rs`).
    let at_zero =
        |e: &Expr, primitive: &Expr| crate::passes::zero_limits::taken(&removed(e), primitive, x, &probe.params);
    let s_first = at_zero(&s_first, &def.body);
    let s_second = at_zero(&s_second, &s_first);
    let s_params = s_params.iter().map(|e| at_zero(e, &def.body)).collect();
    // f too, where a constant factor of an exponential fits beyond the exponential's
    // overflow (e^x/100 up to x = 714.4, e^x only to 709.8, the fuzzer's f838); its
    // derivatives above are those of the form as stabilised.
    let s_forward = steady(s_forward);
    // And f where it is 0 at a probe point and its terms cancel beside it (erfc(x) − eˣ at
    // 0): its Taylor polynomial there (`passes/removable.rs`).
    let s_forward = {
        let mut names = vec![x];
        names.extend(probe.params.iter().map(|(n, _)| n.as_str()));
        let mut vars: Vec<f64> = vec![0.0];
        vars.extend(probe.params.iter().map(|(_, v)| *v));
        crate::passes::removable::windowed(s_forward, &names, &mut vars, &probe.points, false)
    };
    let stable = Forms { forward: s_forward, derivative: s_first, second: s_second, params: s_params };
    let compensated = crate::passes::doubts::widen(def, &stable, Compensated::of(&stable, &probe));
    Ok(Derived {
        readable: Forms { forward: def.body.clone(), derivative: r_first, second: r_second, params: r_params },
        compensated,
        stable,
    })
}

/// Whether `e` has a quotient whose divisor depends on `var` (where differentiating it by
/// its value, `Quotient::ByValue`, writes a different form).
fn divides_by(e: &Expr, var: &str) -> bool {
    let mut found = false;
    e.visit(&mut |n| found = found || matches!(n, Expr::Bin(BinOp::Div, _, b) if b.depends_on(var)));
    found
}

/// Probe inputs for comparing equivalent forms without a high-precision reference.
struct Probe {
    input: String,
    params: Vec<(String, f64)>,
    points: Vec<f64>,
}

impl Probe {
    fn new(def: &Definition) -> Probe {
        // Parameters without a default probe at the gradient checks' value.
        let params: Vec<(String, f64)> =
            def.params.iter().map(|p| (p.name.clone(), p.default.unwrap_or(0.75))).collect();
        let named: Vec<(&str, f64)> = params.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let breaks = crate::passes::breakpoints::breakpoints(&def.body, &def.input, &named);
        Probe { input: def.input.clone(), points: probe_points(&breaks), params }
    }

    /// The values of `forms` at every probe point, in `f64` and in `f32` (widened):
    /// `[form][point] = (wide, narrow)`. One tape holds them all, so the nodes they share
    /// are evaluated once per point.
    fn values(&self, forms: &[&Expr]) -> Vec<Vec<(f64, f64)>> {
        let mut names = vec![self.input.as_str()];
        names.extend(self.params.iter().map(|(n, _)| n.as_str()));
        let mut tape = Tape::new(&names);
        let roots: Vec<usize> = forms.iter().map(|e| tape.add(e)).collect();
        let mut vars64: Vec<f64> = vec![0.0];
        vars64.extend(self.params.iter().map(|(_, v)| *v));
        let (mut wide, mut narrow) = (Vec::new(), Vec::new());
        let mut out = vec![Vec::with_capacity(self.points.len()); forms.len()];
        for &x in &self.points {
            vars64[0] = x;
            let vars32: Vec<f32> = vars64.iter().map(|v| *v as f32).collect();
            tape.eval(&vars64, &mut wide);
            tape.eval(&vars32, &mut narrow);
            for (o, &r) in out.iter_mut().zip(&roots) {
                o.push((wide[r], f64::from(narrow[r])));
            }
        }
        out
    }

    /// The largest disagreement between the `f32` and `f64` evaluations of a form over the
    /// probe points (its [`Probe::values`]), relative to the `f64` value: a measure of how
    /// much the form amplifies rounding errors (a form that cancels loses in `f32` what it
    /// keeps in `f64`).
    fn sensitivity(values: &[(f64, f64)]) -> f64 {
        let mut worst: f64 = 0.0;
        for &(wide, narrow) in values {
            let gap = match (wide.is_finite(), narrow.is_finite()) {
                (true, true) if wide == narrow => 0.0,
                (true, true) => ((narrow - wide) / wide.abs().max(f64::from(f32::MIN_POSITIVE))).abs(),
                (false, false) => 0.0,
                _ => f64::INFINITY,
            };
            worst = worst.max(gap.min(1.0));
        }
        worst
    }

    /// How many probe points each of two equivalent forms fails where the other does not:
    /// NaN where the other is a number, ±∞ where the other is finite (in `f64` or in
    /// `f32`). Both are the same function, so the finite one is the truth's class there.
    fn breakdowns(first: &[(f64, f64)], second: &[(f64, f64)]) -> (usize, usize) {
        let (mut a, mut b) = (0, 0);
        for (&(p64, p32), &(q64, q32)) in first.iter().zip(second) {
            for (p, q) in [(p64, q64), (p32, q32)] {
                match (p.is_finite(), q.is_finite()) {
                    (false, true) => a += 1,
                    (true, false) => b += 1,
                    _ if p.is_nan() && !q.is_nan() => a += 1,
                    _ if q.is_nan() && !p.is_nan() => b += 1,
                    _ => {}
                }
            }
        }
        (a, b)
    }

    /// Of two equivalent forms, the one that breaks down (NaN, ∞) at fewer probe points;
    /// then the one less sensitive to rounding (the first unless the second is clearly
    /// better), then the smaller. Two equal candidates are not probed (the first wins).
    fn steadier(&self, first: Expr, second: Expr) -> Expr {
        if first == second {
            return first;
        }
        let values = self.values(&[&first, &second]);
        match Self::breakdowns(&values[0], &values[1]) {
            (a, b) if a < b => return first,
            (a, b) if b < a => return second,
            _ => {}
        }
        let (a, b) = (Self::sensitivity(&values[0]), Self::sensitivity(&values[1]));
        if b * 4.0 < a || (b <= a * 4.0 && second.size() < first.size()) {
            second
        } else {
            first
        }
    }
}

/// `e` with each constant factor of an exponential taken into its exponent: c e^u as
/// e^{u + ln c} (−e^{u + ln |c|} for c < 0), c a number or a constant subexpression (1/100,
/// which exact folding leaves a subtree, `ir::constant`; a constant divisor as its
/// reciprocal, e^u / 100 as e^{u + ln(1/100)}), and through one sum or difference
/// with an exponential term: c (a − e^u) as c a − e^{u + ln c}. Where |c| < 1 the product
/// fits beyond where e^u overflows (`f32`: 0.5 e^{x/2} up to x = 178.8, e^{x/2} only to
/// 177.4; `f64`: 0.01 e^x up to 714.4, e^x to 709.8); the exponent rounds once more, an
/// error of about |u| · 2^-p in the result, within the bar 4 + 4·cond since cond ≥ |x u'|.
fn constants_in_exponents(e: &Expr) -> Expr {
    // The value of a constant factor.
    let constant = |c: &Expr| match c {
        Expr::Num(v) => Some(v.0),
        Expr::Call(Func::Exp, _) => None,
        _ if c.is_constant() => crate::ir::constant::value(c).map(|(hi, _)| hi),
        _ => None,
    };
    let is_exp = |t: &Expr| matches!(t, Expr::Call(Func::Exp, _));
    e.rewrite_dag(&mut |n| {
        let (factor, c, other) = match &n {
            Expr::Bin(BinOp::Mul, p, q) => match (constant(p), constant(q)) {
                (Some(c), None) => ((**p).clone(), c, &**q),
                (None, Some(c)) => ((**q).clone(), c, &**p),
                _ => return n,
            },
            // e^u / c as (1/c) e^u: the reciprocal a constant subtree, carried exactly.
            Expr::Bin(BinOp::Div, p, q) if constant(p).is_none() => {
                let reciprocal = Expr::bin(BinOp::Div, Expr::num(1.0), (**q).clone());
                match constant(q).and_then(|_| constant(&reciprocal)) {
                    Some(c) => (reciprocal, c, &**p),
                    None => return n,
                }
            }
            _ => return n,
        };
        if c == 0.0 || !c.is_finite() {
            return n;
        }
        // c e^u as e^{u + ln |c|}, negated for c < 0.
        let into_exponent = |u: &Expr| {
            let magnitude = match &factor {
                Expr::Num(_) => Expr::num(c.abs()),
                f if c < 0.0 => Expr::neg(f.clone()),
                f => f.clone(),
            };
            let shifted = Expr::call(Func::Exp, Expr::bin(BinOp::Add, u.clone(), Expr::call(Func::Ln, magnitude)));
            if c < 0.0 {
                Expr::neg(shifted)
            } else {
                shifted
            }
        };
        let scaled = |t: &Expr| match t {
            Expr::Call(Func::Exp, u) => into_exponent(u),
            _ => Expr::bin(BinOp::Mul, factor.clone(), t.clone()),
        };
        match other {
            Expr::Call(Func::Exp, u) => into_exponent(u),
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub), a, b) if is_exp(a) || is_exp(b) => {
                Expr::bin(*op, scaled(a), scaled(b))
            }
            _ => n.clone(),
        }
    })
}

impl Probe {
    /// `chosen`, or the same form with its constant factors taken into the exponents
    /// ([`constants_in_exponents`]) where that breaks down (NaN, ±∞ where the other is
    /// finite) at fewer probe points: only then, so that forms which never overflow keep
    /// their shape.
    fn unless_overflowing(&self, chosen: Expr) -> Expr {
        let other = stabilise(&constants_in_exponents(&chosen));
        if other == chosen {
            return chosen;
        }
        self.fewer_breakdowns(chosen, other)
    }

    /// `chosen`, or the same form with its quotients of exponentials scaled
    /// (`passes::scaling`) where that breaks down at fewer probe points.
    fn unless_scaled(&self, chosen: Expr) -> Expr {
        self.unless_breaking(chosen, |c| Some(stabilise(&crate::passes::scaling::scaled_quotients(c))))
    }

    /// `chosen`, or the equivalent form `other(&chosen)` where that breaks down (NaN, ±∞
    /// where the other is finite) at fewer probe points: only then, so that forms which do
    /// not break down keep their shape. `other(&chosen)` is made only where `chosen` is not
    /// finite everywhere (`None`: no other form).
    fn unless_breaking(&self, chosen: Expr, other: impl FnOnce(&Expr) -> Option<Expr>) -> Expr {
        let alone = self.values(&[&chosen]);
        if alone[0].iter().all(|(w, n)| w.is_finite() && n.is_finite()) {
            return chosen;
        }
        match other(&chosen) {
            Some(other) if other != chosen => self.fewer_breakdowns(chosen, other),
            _ => chosen,
        }
    }

    /// `other` where it breaks down at fewer probe points than `chosen`, else `chosen`.
    fn fewer_breakdowns(&self, chosen: Expr, other: Expr) -> Expr {
        let values = self.values(&[&chosen, &other]);
        match Self::breakdowns(&values[0], &values[1]) {
            (a, b) if b < a => other,
            _ => chosen,
        }
    }
}

/// Where candidate forms are compared: the whole range rather than a few points — both
/// tails out to where every elementary function has saturated in `f64` (four points per
/// decade from 1e-12 to 1e4, each sign, and 0), and both sides of every breakpoint, near
/// and at a distance.
pub(crate) fn probe_points(breaks: &[f64]) -> Vec<f64> {
    let mut points = vec![0.0];
    for k in -48..=16 {
        let m = 10f64.powf(f64::from(k) / 4.0);
        points.extend([m, -m]);
    }
    // Where the f64 and f32 exponentials overflow: forms break down first there.
    points.extend([88.5, -88.5, 89.0, -89.0, 354.9, -354.9, 709.5, -709.5, 711.0, -711.0, 745.5, -745.5]);
    for &b in breaks {
        let d = 1e-6 * b.abs().max(1.0);
        points.extend([b - d, b + d, b - 0.25, b + 0.25, b - 3.0, b + 3.0]);
    }
    points.sort_by(f64::total_cmp);
    points.dedup();
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derived(source: &str) -> Derived {
        derive(&crate::discover::find_in_source(source).unwrap().remove(0).definition.unwrap()).unwrap()
    }

    #[test]
    fn stable_forms_fold_constants_only_exactly() {
        // (x^-0.01)′ = -0.01·x^(-0.01 - 1): -1.01 is the exponent rounded once more, which
        // moves f′(1e-8) by 10 ULPs; the readable form may show it, the stable one not.
        let d = derived("#[activation] fn p(x: f64) -> f64 { x.powf(-0.01) }");
        assert!(d.readable.derivative.to_string().contains("-1.01"), "{}", d.readable.derivative);
        let stable = d.stable.derivative.to_string();
        assert!(stable.contains("-0.01 - 1") && !stable.contains("1.01"), "{stable}");
        // Its code carries the exponent with its low part.
        assert!(d.compensated.derivative.is_compensated());
        // What is exact still folds: (x^0.75)′ = 0.75·x^-0.25.
        let d = derived("#[activation] fn p(x: f64) -> f64 { x.powf(0.75) }");
        assert_eq!(d.stable.derivative.to_string(), "0.75 * x.powf(-0.25)");
    }

    #[test]
    fn a_second_derivative_takes_a_limit_at_zero_only_where_the_first_is_continuous() {
        let at = |e: &Expr, x: f64| crate::ir::eval::eval_at(e, "x", x, &[]);
        // f = |x| ln|x| is continuous at 0, f′ = sign(x)(ln|x| + 1) jumps from +∞ to −∞: f″
        // has no value there (it took +∞ when f was asked to be continuous).
        let d = derived("#[activation] fn k(x: f64) -> f64 { abs(x) * ln(abs(x)) }");
        for z in [0.0, -0.0] {
            assert!(at(&d.stable.second, z).is_nan(), "{}: {}", d.stable.second, at(&d.stable.second, z));
        }
    }

    #[test]
    fn constant_factors_of_f_go_into_its_exponents_where_that_overflows_less() {
        // The fuzzer's f838 and f822: e^x/100 and (ln 100 − e^x)·atan(0.1)², whose values are
        // `f64` numbers up to x ≈ 714.4 where e^x overflows from 709.8.
        let at = |e: &Expr, x: f64| crate::ir::eval::eval_at(e, "x", x, &[]);
        for (source, truth) in [
            ("#[activation] fn q(x: f64) -> f64 { 100.0.powi(-1) * x.exp() }", 1.6507e307),
            // (A constant divisor too, as its reciprocal.)
            ("#[activation] fn r(x: f64) -> f64 { x.exp() / 100.0 }", 1.6507e307),
            ("#[activation] fn d(x: f64) -> f64 { (100.0.ln() - exp(x)) * atan(0.1).powi(2) }", -1.6398e307),
        ] {
            let d = derived(source);
            let v = at(&d.stable.forward, 712.0);
            assert!((v / truth - 1.0).abs() < 1e-3, "{source}: {v:e} from {}", d.stable.forward);
        }
        // A form that does not overflow keeps its shape.
        let d = derived("#[activation] fn s(x: f64) -> f64 { 0.5 * (-x * x).exp() }");
        assert!(!d.stable.forward.to_string().contains("ln"), "{}", d.stable.forward);
    }
}

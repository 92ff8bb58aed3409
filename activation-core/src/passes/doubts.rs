//! Where no candidate form meets the bar (issue #13, item 4): after the forms are chosen,
//! each stable form that runs in plain arithmetic is probed over the whole range
//! ([`probe_points`]) and flagged where its `f64` value is NaN, where its `f32` value
//! overflows while the `f64` one is an `f32` number, or where its `f32` rounding error is
//! over [`MARGIN`] times the bar `4 + 4·cond` (a form that cancels loses the same bits in
//! both types, so the `f32` error measured against `f64` predicts the loss of both).
//! Neighbouring flagged probe points make one open range, bounded by the unflagged probe
//! points on either side (two ranges one passing point apart are one). The expansion turns each into a compile-time warning, and the
//! generated gradient checks skip exactly those ranges, saying so (`docs/contract.md`
//! §5.7).
//!
//! The probe runs the interpreter, which has neither the double-double arguments of
//! `emit/refine.rs` nor the tail products of the runtime nor compensated arithmetic: where
//! those rescue a form, the margins keep the doubt from being raised (the catalog raises
//! none; a test holds it).

use activation_runtime::Real;

use crate::emit::codegen::{can_overflow, exponent_of_decaying, vanishes};
use crate::ir::eval::{binary, call, eval, Env};
use crate::ir::expr::Memo;
use crate::ir::expr::{BinOp, Expr, Func};
use crate::parse::Definition;
use crate::passes::derived::{probe_points, Derived};

/// How far over the bar the probed `f32` error must be to raise a doubt.
pub(crate) const MARGIN: f64 = 2.0;

/// A range of inputs where a generated function is not expected to meet the bar.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Doubt {
    /// Which function: 0 is f, 1 f', 2 f'', 3 + k the derivative by parameter k.
    pub(crate) target: usize,
    /// The open range of inputs, bounded by probe points that passed (or ±∞).
    pub(crate) lo: f64,
    /// (see `lo`)
    pub(crate) hi: f64,
    /// The worst probed error as a multiple of the bar (∞ for NaN or overflow).
    pub(crate) worst: f64,
}

impl Doubt {
    /// The function's name as the checks print it, for parameters named `params`.
    pub(crate) fn label(&self, params: &[String]) -> String {
        match self.target {
            0 => "f".into(),
            1 => "f'".into(),
            2 => "f''".into(),
            k => format!("d/d{}", params.get(k - 3).map_or("?", String::as_str)),
        }
    }

    /// What the warning and the checks say about the range.
    pub(crate) fn describe(&self, name: &str, input: &str, params: &[String]) -> String {
        let worst = if self.worst.is_finite() {
            format!("{:.0}× the accuracy bar 4 + 4·cond ULPs (probed in f32 against f64)", self.worst)
        } else {
            "NaN or an overflow where the value is finite".to_string()
        };
        format!(
            "`{name}`: no stable form of {} meets the bar for {input} in ({:e}, {:e}): the best found gives {worst}; \
             its gradient checks skip that range",
            self.label(params),
            self.lo,
            self.hi
        )
    }
}

/// The doubts about `derived`'s stable forms, in function order.
pub(crate) fn doubts(def: &Definition, derived: &Derived) -> Vec<Doubt> {
    let params: Vec<(String, f64)> = def
        .params
        .iter()
        .map(|p| (p.name.clone(), p.default.unwrap_or(crate::emit::item::CHECK_VALUE_WITHOUT_DEFAULT)))
        .collect();
    let named: Vec<(&str, f64)> = params.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let points = probe_points(&crate::passes::breakpoints::breakpoints(&def.body, &def.input, &named));
    let (s, c) = (&derived.stable, &derived.compensated);
    let mut forms = vec![(&s.forward, c.forward), (&s.derivative, c.derivative), (&s.second, c.second)];
    forms.extend(s.params.iter().zip(c.params.iter().copied()));
    let mut out = Vec::new();
    for (target, (form, compensated)) in forms.into_iter().enumerate() {
        let margin = MARGIN;
        let scores: Vec<f64> = points.iter().map(|&x| score(form, &def.input, &params, x, compensated)).collect();
        let mut i = 0;
        while i < points.len() {
            if scores[i] <= margin {
                i += 1;
                continue;
            }
            let start = i;
            while i < points.len() && scores[i] > margin {
                i += 1;
            }
            let lo = if start == 0 { f64::NEG_INFINITY } else { points[start - 1] };
            let hi = points.get(i).copied().unwrap_or(f64::INFINITY);
            let worst = scores[start..i].iter().copied().fold(0.0, f64::max);
            // Ranges that one passing probe point separates are one (errors near the bar pass
            // or fail by the luck of rounding; a zero of the function passes trivially).
            match out.last_mut() {
                Some(last @ &mut Doubt { .. }) if last.target == target && last.hi == lo => {
                    last.hi = hi;
                    last.worst = last.worst.max(worst);
                }
                _ => out.push(Doubt { target, lo, hi, worst }),
            }
        }
    }
    out
}

/// The probed error of `e` at `x` as a multiple of the bar; ∞ where the `f64` value is NaN
/// or the `f32` one is not finite while the `f64` one is an `f32` number. Both evaluations
/// see the parameters as `f32` holds them.
fn score(e: &Expr, input: &str, params: &[(String, f64)], x: f64, compensated: bool) -> f64 {
    let x = f64::from(x as f32);
    let base: Env<f64> = params.iter().map(|(k, v)| (k.clone(), f64::from(*v as f32))).collect();
    let at = |x: f64| {
        let mut env = base.clone();
        env.insert(input.to_string(), x);
        run(e, &env)
    };
    let wide = at(x);
    if wide.is_nan() {
        return f64::INFINITY;
    }
    let mut env = base.clone();
    env.insert(input.to_string(), x);
    let env32: Env<f32> = env.iter().map(|(k, v)| (k.clone(), *v as f32)).collect();
    // Compensated code falls back to the plain code where its pair does not settle.
    let settled = Some(compensated_f32(e, &env) as f32).filter(|v| compensated && v.is_normal());
    let narrow = settled.unwrap_or_else(|| run(e, &env32));
    if !narrow.is_finite() && wide.is_finite() && wide.abs() <= f64::from(f32::MAX) {
        return f64::INFINITY;
    }
    let truth = wide as f32;
    if !truth.is_normal() || !narrow.is_finite() {
        return 0.0;
    }
    let h = x.abs() * 2f64.powi(-20);
    let cond = (x * (at(x + h) - at(x - h)) / (2.0 * h) / wide).abs();
    if !cond.is_finite() {
        return 0.0;
    }
    let ulp = f64::from(f32::from_bits(truth.abs().to_bits() + 1)) - f64::from(truth.abs());
    (f64::from(narrow) - wide).abs() / ulp / (4.0 + 4.0 * cond)
}

/// [`eval`](crate::ir::eval::eval), with the products that generated code takes as tail
/// products (`emit::codegen`: a factor that vanishes times one that can overflow) taken as
/// they run: 0 · ∞ is 0, and where the vanishing factor has an exponent and has underflowed
/// below the normal range, the log-domain product is modelled by the `f64` product rounded
/// once.
fn run<T: Real>(e: &Expr, env: &Env<T>) -> T {
    run_memo(e, env, &mut Memo::new())
}

/// Subterms that unfold to more than this many nodes are evaluated once per distinct node
/// (the IR is a DAG: a nested formula's derivative unfolds to a tree exponentially larger).
const MEMO_FROM: usize = 48;

fn run_memo<T: Real>(e: &Expr, env: &Env<T>, memo: &mut Memo<T>) -> T {
    let shared = e.size() > MEMO_FROM;
    if shared {
        if let Some(v) = memo.get(e) {
            return *v;
        }
    }
    let v = run_node(e, env, memo);
    if shared {
        memo.insert(e.clone(), v);
    }
    v
}

fn run_node<T: Real>(e: &Expr, env: &Env<T>, memo: &mut Memo<T>) -> T {
    let zero = T::from_f64(0.0);
    let mut run = |e: &Expr, env: &Env<T>| run_memo(e, env, memo);
    match e {
        Expr::Bin(BinOp::Mul, a, b) if (vanishes(a) && can_overflow(b)) || (vanishes(b) && can_overflow(a)) => {
            let (p, q) = (run(a, env), run(b, env));
            let (big, small, small_e) = if vanishes(b) { (p, q, &**b) } else { (q, p, &**a) };
            if small.abs() < T::MIN_POSITIVE && big.is_finite() && exponent_of_decaying(small_e).is_some() {
                let wide: Env<f64> = env.iter().map(|(k, v)| (k.clone(), v.to_f64())).collect();
                return T::from_f64(self::run(a, &wide) * self::run(b, &wide));
            }
            if p == zero || q == zero {
                zero
            } else {
                p * q
            }
        }
        Expr::Neg(a) => -run(a, env),
        Expr::Powi(a, n) => run(a, env).powi(*n),
        Expr::Call(f, a) => call(*f, run(a, env)),
        Expr::Bin(op, a, b) => binary(*op, run(a, env), run(b, env)),
        Expr::If(c, a, b) => {
            if c.op.holds(run(&c.lhs, env).to_f64(), run(&c.rhs, env).to_f64()) {
                run(a, env)
            } else {
                run(b, env)
            }
        }
        _ => eval(e, env),
    }
}

/// A model of the compensated `f32` code (`Dd<f32>`, from `f32` inputs): arithmetic,
/// `sqrt`, `sigmoid`, `tanh` and `softplus` are double-double there (taken in `f64` here),
/// the other elementary functions give their `f32` result with a first-order correction
/// for the argument's low part (taken here as the `f64` value rounded to `f32`).
fn compensated_f32(e: &Expr, env: &Env<f64>) -> f64 {
    compensated_memo(e, env, &mut Memo::new())
}

fn compensated_memo(e: &Expr, env: &Env<f64>, memo: &mut Memo<f64>) -> f64 {
    let shared = e.size() > MEMO_FROM;
    if shared {
        if let Some(v) = memo.get(e) {
            return *v;
        }
    }
    let v = compensated_node(e, env, memo);
    if shared {
        memo.insert(e.clone(), v);
    }
    v
}

fn compensated_node(e: &Expr, env: &Env<f64>, memo: &mut Memo<f64>) -> f64 {
    let mut compensated_f32 = |e: &Expr, env: &Env<f64>| compensated_memo(e, env, memo);
    match e {
        Expr::Call(f, a) => {
            let v = call(*f, compensated_f32(a, env));
            match f {
                Func::Sqrt | Func::Sigmoid | Func::Tanh | Func::Softplus | Func::Abs => v,
                _ => f64::from(v as f32),
            }
        }
        Expr::Neg(a) => -compensated_f32(a, env),
        Expr::Powi(a, n) => compensated_f32(a, env).powi(*n),
        Expr::Bin(op, a, b) => binary(*op, compensated_f32(a, env), compensated_f32(b, env)),
        Expr::If(c, a, b) => {
            if c.op.holds(compensated_f32(&c.lhs, env), compensated_f32(&c.rhs, env)) {
                compensated_f32(a, env)
            } else {
                compensated_f32(b, env)
            }
        }
        _ => run(e, env),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::derived::derive;

    fn of(source: &str) -> Vec<(String, Vec<Doubt>)> {
        crate::discover::find_in_source(source)
            .unwrap()
            .into_iter()
            .map(|found| {
                let def = found.definition.unwrap();
                let d = derive(&def).unwrap();
                (def.name.clone(), doubts(&def, &d))
            })
            .collect()
    }

    #[test]
    fn formulas_whose_checks_pass_raise_no_doubt() {
        // The catalog, and the user and textbook formulas of the tests, all pass their
        // gradient checks everywhere: a doubt about any of them would be a false alarm.
        let sources = [
            include_str!("../../../src/catalog.rs"),
            include_str!("../../../tests/user_formulas.rs"),
            include_str!("../../../tests/textbook.rs"),
            include_str!("../../../tests/literature.rs"),
            include_str!("../../../tests/lanes.rs"),
            include_str!("../../../tests/reexport/src/lib.rs"),
            include_str!("../../../tests/ui-pass/nested_blocks_and_names.rs"),
            include_str!("../../../tests/ui-pass/parameters_and_defaults.rs"),
            include_str!("../../../tests/ui-pass/piecewise_and_functions.rs"),
            include_str!("../../../tests/ui-pass/crate_path.rs"),
            include_str!("../../../frameworks/tests/burn.rs"),
            include_str!("../../../frameworks/tests/candle.rs"),
        ];
        for source in sources {
            for (name, doubts) in of(source) {
                assert!(doubts.is_empty(), "{name}: {doubts:?}");
            }
        }
    }

    #[test]
    fn a_cancellation_no_rule_removes_is_a_doubt() {
        // sqrt(1 + x²) - eˣ: its f'' is 1 / ((1 + x²) sqrt(1 + x²)) - eˣ, which cancels near 0.
        let found = of("#[activation] fn h(x: f64) -> f64 { (1.0 + x * x).sqrt() - x.exp() }");
        let doubts = &found[0].1;
        let covered = |x: f64| doubts.iter().any(|d| d.target == 2 && d.lo < x && x < d.hi);
        assert!(covered(-1e-8) && covered(1e-8), "{doubts:?}");
        assert!(doubts.iter().all(|d| d.target == 2), "{doubts:?}");
    }
}

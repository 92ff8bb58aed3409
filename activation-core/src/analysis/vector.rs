//! Vector activations (softmax, log-softmax, any formula with `sum`/`max` reductions): the
//! properties the report's "Vector activations" table gives, computed from the formula.
//!
//! # How
//!
//! A vector formula is instantiated at a concrete length `n`: each reduction becomes the
//! sum (or maximum) of its body at every element, giving scalar formulas of the elements.
//! On the *gap family* `x = (d, 0, ..., 0)` — logit 0 ahead of the others by `d` — that
//! leaves scalar formulas of `d` alone:
//! - `f_0(d, 0)` for `n = 2`, which the scalar analysis ([`analyse`]) takes as it is: the
//!   output range of a component and the report's plot come from there;
//! - the distinct entries of the Jacobian, by the scalar symbolic differentiation of the
//!   instantiated components with respect to separate elements `x_0`, `x_1`, `x_2` (then
//!   set to `(d, 0, 0)`): `J_00`, `J_0k`, `J_k0`, `J_kk` and, for `n >= 3`, `J_kl` (`k != l`,
//!   both `> 0`). Every other entry equals one of those, the zeros being interchangeable.
//!
//! These are evaluated in MPFR (`eval_float`). From the entries: the spectral norm
//! exactly (the Jacobian maps `span(e_0, 1 - e_0)` to itself and acts on the rest of the
//! zeros' subspace as `(J_kk - J_kl) I`, so it is the largest singular value of a 2×2
//! matrix, or `|J_kk - J_kl|`), the ∞-norm (largest absolute row sum), and the largest
//! absolute entry. Their suprema over `d` are found on a grid over `[-64, 64]` refined by
//! golden-section search, against their values at `d = ±1e6` (the limits); the saturation
//! gap (the `d` beyond which every entry is below ε) is found from the outside in as in the
//! scalar analysis and bisected to adjacent `f64`s.
//!
//! Whether the outputs sum to a constant and whether the formula is shift invariant are
//! decided symbolically: `1ᵀ J = 0` (the VJP at `g = 1` is identically zero) and `J 1 = 0`
//! (see the engine's vector `derive`), each in `Normaliser`'s rational form. The cost counts
//! transcendental calls per element in the stable forms the generated code runs.

use rug::Float;

use super::pieces::bisect;
use super::{analyse, cost, AnalysisError, Properties, Range, Side, Threshold};
use crate::ir::expr::{BinOp, Expr, Reduction};
use crate::parse::Definition;
use crate::passes::diff::derivative;
use crate::passes::simplify::simplify;
/// The readable forms of a vector activation ([`VectorProperties::readable`]).
pub use crate::vector::derive::Readable;
use crate::vector::derive::{derive, free_reductions};
use crate::vector::graph::Graph;
use crate::vector::rational::Normaliser;
use crate::verify::reference::eval_float;

/// The lengths analysed: two logits, and ten (a typical small classifier).
pub const SIZES: [usize; 2] = [2, 10];
/// The limits of the norms and entries are their values at `d = ±LIMIT_GAP`.
pub(crate) const LIMIT_GAP: f64 = 1e6;
/// Half-width of the grid the suprema are searched on, in steps of 1/16.
const GRID: f64 = 64.0;

/// Where a supremum over the gap `d` is reached.
#[derive(Clone, Debug, PartialEq)]
pub enum Reached {
    /// At this gap.
    At(f64),
    /// Approached as `d -> -inf` or `+inf` (both listed when both tend to it), not reached.
    Towards(Vec<Side>),
}

/// The supremum of a norm over the gap family, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Sup {
    /// The largest value found.
    pub value: f64,
    /// Where it is reached.
    pub at: Reached,
}

/// The properties on the gap family `x = (d, 0, ..., 0)` of one length `n`.
#[derive(Clone, Debug, PartialEq)]
pub struct AtSize {
    /// The vector length the figures are for.
    pub n: usize,
    /// sup over d of the spectral norm ‖J‖₂ (largest singular value).
    pub spectral: Sup,
    /// sup over d of the ∞-norm ‖J‖∞ (largest absolute row sum).
    pub infinity: Sup,
    /// The largest |J_ij| as `d -> +inf` (logit 0 dominating).
    pub entry_limit: f64,
    /// Left (`d -> -inf`) and right: where every |J_ij| < ε from there on.
    pub gap: [Threshold; 2],
}

/// Transcendental calls per element, each distinct subexpression once, in the stable forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorCost {
    /// The forward: the element's output and the reduction bodies it needs.
    pub forward: usize,
    /// The vector-Jacobian product (the backward pass), with the reductions it needs.
    pub vjp: usize,
}

/// Everything the report says about one vector activation.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorProperties {
    /// The activation's name.
    pub name: String,
    /// The input's name (`x`).
    pub input: String,
    /// The parameters and the values analysed (their defaults).
    pub params: Vec<(String, f64)>,
    /// The ε of the saturation thresholds.
    pub epsilon: f64,
    /// The formula, VJP and JVP people read.
    pub readable: Readable,
    /// `f_0(d, 0)` as a scalar activation of `d` (named after the input): what is plotted.
    pub along: Definition,
    /// The scalar analysis of [`along`](Self::along): f_0 and ∂f_0/∂x_0 on the gap family.
    pub along_props: Properties,
    /// The output range of a component over `x = (d, 0)`, d real (for a shift-invariant
    /// activation, its range over all of ℝ²).
    pub range: Range,
    /// `Σ_i f_i(x)` when it does not depend on x: its value for `n = 2` and for `n = 10`.
    pub sum: Option<[f64; 2]>,
    /// `f(x + c) = f(x)` for every constant c.
    pub shift_invariant: bool,
    /// The norms and the saturation for each length of [`SIZES`].
    pub sizes: Vec<AtSize>,
    /// Transcendental calls.
    pub cost: VectorCost,
}

/// Why a vector activation cannot be analysed.
pub type VectorError = String;

/// Analyses the vector activation `def` (its body has `sum`/`max` reductions) at its
/// parameters' defaults, with saturation threshold `epsilon`.
pub fn analyse_vector(def: &Definition, epsilon: f64) -> Result<VectorProperties, VectorError> {
    let params = def
        .params
        .iter()
        .map(|p| p.default.map(|v| (p.name.clone(), v)).ok_or_else(|| AnalysisError::NoDefault(p.name.clone())))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let forms = derive(def)?;
    let def = &Definition { body: without_free_maxima(def)?, ..def.clone() };
    let along = along(def);
    let along_props = analyse(&along, epsilon).map_err(|e| format!("f_0(d, 0): {e}"))?;
    let prec = precision(epsilon);
    let mut sizes = Vec::new();
    let mut sums = Vec::new();
    for n in SIZES {
        let entries = Entries::new(def, n, &params, prec)?;
        sums.push(entries.sum());
        sizes.push(entries.properties(epsilon));
    }
    let sum = constant_sum(&forms.readable, &forms.cotangent, def, &params).then(|| [sums[0], sums[1]]);
    let graph = &forms.graph;
    let per_element = |e: &Expr| {
        let mut all = vec![e.clone()];
        all.extend(graph.needed(&[e]).into_iter().map(|r| graph.reds[r].body.clone()));
        cost::calls(&all)
    };
    Ok(VectorProperties {
        name: def.name.clone(),
        input: def.input.clone(),
        params,
        epsilon,
        range: along_props.range,
        readable: forms.readable,
        along,
        along_props,
        sum,
        shift_invariant: forms.shift_invariant,
        sizes,
        cost: VectorCost { forward: per_element(&forms.forward.general), vjp: per_element(&forms.vjp.general) },
    })
}

/// Bits of every evaluation: 256, and more for a tiny ε (an entry must be computed well
/// below ε, through the cancellations of the formula as written).
fn precision(epsilon: f64) -> u32 {
    256 + (2.0 * -epsilon.log2()).clamp(0.0, 4096.0) as u32
}

/// `e` at length `xs.len()` with the element `x_i = xi`: every reduction expanded over the
/// elements `xs` (inside a reduction the input means each `x_j` in turn).
pub(crate) fn instantiate(e: &Expr, input: &str, xi: &Expr, xs: &[Expr]) -> Expr {
    match e {
        Expr::Var(v) if v == input => xi.clone(),
        Expr::Reduce(r, body) => {
            let op = match r {
                Reduction::Sum => BinOp::Add,
                Reduction::Max => BinOp::Max,
            };
            let mut terms = xs.iter().map(|xj| instantiate(body, input, xj, xs));
            let first = terms.next().unwrap_or_else(|| Expr::num(0.0));
            terms.fold(first, |acc, t| Expr::bin(op, acc, t))
        }
        _ => e.map_children(|c| instantiate(c, input, xi, xs)),
    }
}

/// The body of `def` with every `max` it does not depend on (a shift such as softmax's
/// `exp(x - max(x)) / sum(exp(x - max(x)))`, see
/// [`free_reductions`](crate::vector::derive::free_reductions)) replaced by 0: the same
/// function, without the kinks that would cut it into pieces for the scalar analysis.
pub(crate) fn without_free_maxima(def: &Definition) -> Result<Expr, VectorError> {
    let names: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
    let mut graph = Graph::new(&def.input, &names);
    let f = graph.lower(&def.body);
    let free = free_reductions(&graph, &f)?;
    let zero = |e: &Expr| free.iter().fold(e.clone(), |e, &r| e.substitute(&graph.reds[r].symbol, &Expr::num(0.0)));
    let bodies: Vec<Expr> = graph.reds.iter().map(|r| zero(&r.body)).collect();
    let f = zero(&f);
    for (red, body) in graph.reds.iter_mut().zip(bodies) {
        red.body = body;
    }
    Ok(simplify(&graph.raise(&f)))
}

/// `f_0(d, 0)` as a scalar activation of `d`, written with the input's name.
pub(crate) fn along(def: &Definition) -> Definition {
    let x = Expr::var(&def.input);
    let body = simplify(&instantiate(&def.body, &def.input, &x, &[x.clone(), Expr::num(0.0)]));
    Definition { name: def.name.clone(), input: def.input.clone(), params: def.params.clone(), body }
}

/// Whether `Σ_i f_i` is constant: the readable VJP at `g = 1` is identically zero.
fn constant_sum(readable: &Readable, cotangent: &str, def: &Definition, params: &[(String, f64)]) -> bool {
    let ones = readable.vjp.substitute(cotangent, &Expr::num(1.0));
    let names: Vec<String> = params.iter().map(|(p, _)| p.clone()).collect();
    let mut graph = Graph::new(&def.input, &names);
    let lowered = graph.lower(&ones);
    Normaliser::default().is_zero(&lowered)
}

/// The distinct Jacobian entries on the gap family at one length, as formulas in `d`.
struct Entries {
    n: usize,
    /// The gap's variable name.
    d: String,
    /// `f_0` and `f_1` (any `f_k`, `k > 0`).
    outputs: [Expr; 2],
    /// `J_00, J_0k, J_k0, J_kk` and, for `n >= 3`, `J_kl`.
    entries: Vec<Expr>,
    params: Vec<(String, f64)>,
    prec: u32,
}

impl Entries {
    fn new(def: &Definition, n: usize, params: &[(String, f64)], prec: u32) -> Result<Entries, VectorError> {
        // Fresh names for x_0, x_1, x_2 (no parameter can be called that: `__` is not taken).
        let names: Vec<String> = (0..3).map(|j| format!("{}__{j}", def.input)).collect();
        let xs: Vec<Expr> = (0..n).map(|j| if j < 3 { Expr::var(&names[j]) } else { Expr::num(0.0) }).collect();
        let f0 = instantiate(&def.body, &def.input, &xs[0], &xs);
        let f1 = instantiate(&def.body, &def.input, &xs[1], &xs);
        let at_gap = |e: &Expr| {
            let e = names[1..].iter().fold(e.clone(), |e, v| e.substitute(v, &Expr::num(0.0)));
            simplify(&e)
        };
        let d = |e: &Expr, j: usize| -> Result<Expr, VectorError> {
            Ok(at_gap(&derivative(e, &names[j]).map_err(|e| e.to_string())?))
        };
        let mut entries = vec![d(&f0, 0)?, d(&f0, 1)?, d(&f1, 0)?, d(&f1, 1)?];
        if n >= 3 {
            entries.push(d(&f1, 2)?);
        }
        Ok(Entries {
            n,
            d: names[0].clone(),
            outputs: [at_gap(&f0), at_gap(&f1)],
            entries,
            params: params.to_vec(),
            prec,
        })
    }

    fn eval(&self, e: &Expr, d: f64) -> Float {
        let mut env: Vec<(&str, Float)> =
            self.params.iter().map(|(k, v)| (k.as_str(), Float::with_val(self.prec, v))).collect();
        env.push((self.d.as_str(), Float::with_val(self.prec, d)));
        eval_float(e, &env, self.prec)
    }

    /// `Σ_i f_i` at `d = 1/2`: `f_0 + (n - 1) f_1`.
    fn sum(&self) -> f64 {
        let rest = Float::with_val(self.prec, self.eval(&self.outputs[1], 0.5) * (self.n as u32 - 1));
        Float::with_val(self.prec, self.eval(&self.outputs[0], 0.5) + rest).to_f64()
    }

    /// The entries at `d`, and the spectral norm, the ∞-norm and the largest |entry|.
    fn norms(&self, d: f64) -> [Float; 3] {
        let p = self.prec;
        let v: Vec<Float> = self.entries.iter().map(|e| self.eval(e, d)).collect();
        let abs = |x: &Float| Float::with_val(p, x.abs_ref());
        let m = (self.n - 1) as u32;
        let (a, b, c, e) = (&v[0], &v[1], &v[2], &v[3]);
        let zero = Float::new(p);
        let f = v.get(4).unwrap_or(&zero);
        let root_m = Float::with_val(p, m).sqrt();
        // The 2×2 block on span(e_0, (1 - e_0)/sqrt(m)): [[a, b√m], [c√m, e + (m-1) f]].
        let block = [
            a.clone(),
            Float::with_val(p, b * &root_m),
            Float::with_val(p, c * &root_m),
            Float::with_val(p, e + Float::with_val(p, f * (m - 1))),
        ];
        let squares: Vec<Float> = block.iter().map(|x| Float::with_val(p, x.square_ref())).collect();
        let squares = Float::with_val(p, Float::sum(squares.iter()));
        let det = Float::with_val(p, &block[0] * &block[3]) - Float::with_val(p, &block[1] * &block[2]);
        let disc = Float::with_val(p, squares.square_ref()) - Float::with_val(p, det.square_ref()) * 4u32;
        let disc = if disc.is_sign_negative() { Float::new(p) } else { disc.sqrt() };
        let mut spectral = ((squares + disc) / 2u32).sqrt();
        if m >= 2 {
            spectral = spectral.max(&abs(&Float::with_val(p, e - f)));
        }
        let row0 = abs(a) + abs(b) * m;
        let row_k = abs(c) + abs(e) + abs(f) * (m - 1);
        let infinity = row0.max(&row_k);
        let largest = v.iter().map(abs).fold(Float::new(p), |acc, x| acc.max(&x));
        [spectral, infinity, largest]
    }

    fn properties(&self, epsilon: f64) -> AtSize {
        let norm = |k: usize| move |d: f64| self.norms(d)[k].clone();
        let largest = norm(2);
        let ok = |d: f64| largest(d) < epsilon;
        let limit = largest(LIMIT_GAP).to_f64();
        // Below 2^-128 the value at 1e6 is the rounding noise of an exact zero.
        let entry_limit = if limit.abs() < 2f64.powi(-128) { 0.0 } else { limit };
        AtSize {
            n: self.n,
            spectral: sup(norm(0)),
            infinity: sup(norm(1)),
            entry_limit,
            gap: Side::BOTH.map(|s| gap(&ok, s)),
        }
    }
}

/// The samples of one side, from the outside in: `±1e6`, geometric down to 64, then steps
/// of 1/16 down to 0.
fn samples(side: Side) -> Vec<f64> {
    let mut out = Vec::new();
    let mut d = LIMIT_GAP;
    while d > GRID {
        out.push(d);
        d /= 1.1;
    }
    out.extend((0..=(GRID * 16.0) as i32).rev().map(|k| f64::from(k) / 16.0));
    out.into_iter().map(|d| side.sign() * d).collect()
}

/// The gap beyond which `ok` holds on `side`, walking in from the outside.
fn gap(ok: &impl Fn(f64) -> bool, side: Side) -> Threshold {
    let mut outer: Option<f64> = None;
    for d in samples(side) {
        if ok(d) {
            outer = Some(d);
            continue;
        }
        return match outer {
            None => Threshold::Never,
            Some(o) => Threshold::Beyond(bisect(d, o, ok).1),
        };
    }
    Threshold::Everywhere
}

/// The supremum of `g` over the gap: the best point of the grid refined by golden-section
/// search, or a limit at ±∞ that is at least as large.
fn sup(g: impl Fn(f64) -> Float) -> Sup {
    let grid: Vec<f64> = (-(GRID as i32) * 16..=(GRID as i32) * 16).map(|k| f64::from(k) / 16.0).collect();
    let values: Vec<Float> = grid.iter().map(|&d| g(d)).collect();
    let best = (0..grid.len()).fold(0, |b, i| if values[i] > values[b] { i } else { b });
    let (mut lo, mut hi) = (grid[best] - 1.0 / 16.0, grid[best] + 1.0 / 16.0);
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    while hi - lo > 1e-13 * hi.abs().max(1.0) {
        let (a, b) = (hi - phi * (hi - lo), lo + phi * (hi - lo));
        if g(a) >= g(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    let mid = (lo + hi) / 2.0;
    // A round point that is no worse (the maximum of softmax's norm is at exactly 0).
    let round = (mid * 1e6).round() / 1e6;
    let mut at = if g(round) >= g(mid) { round } else { mid };
    if g(grid[best]) > g(at) {
        at = grid[best];
    }
    let value = g(at).to_f64();
    let towards: Vec<Side> = Side::BOTH.into_iter().filter(|s| g(s.sign() * LIMIT_GAP).to_f64() >= value).collect();
    if towards.is_empty() {
        Sup { value, at: Reached::At(at) }
    } else {
        let value = towards.iter().map(|s| g(s.sign() * LIMIT_GAP).to_f64()).fold(value, f64::max);
        Sup { value, at: Reached::Towards(towards) }
    }
}

#[cfg(test)]
mod tests {
    //! Against closed forms computed here, never the engine's output.

    use super::*;
    use crate::analysis::{End, DEFAULT_EPSILON};
    use crate::parse::parse_vector_formula;

    fn def(name: &str, body: &str) -> Definition {
        with_params(name, body, &[])
    }

    fn with_params(name: &str, body: &str, params: &[(&str, f64)]) -> Definition {
        let mut vars = vec!["x"];
        vars.extend(params.iter().map(|(p, _)| *p));
        Definition {
            name: name.into(),
            input: "x".into(),
            params: params
                .iter()
                .map(|(p, v)| crate::parse::Param { name: p.to_string(), default: Some(*v) })
                .collect(),
            body: parse_vector_formula(body, &vars).unwrap(),
        }
    }

    fn close(actual: f64, expected: f64, rel: f64) -> bool {
        (actual - expected).abs() <= rel * expected.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn softmax() {
        let p = analyse_vector(&def("softmax", "exp(x) / sum(exp(x))"), DEFAULT_EPSILON).unwrap();
        assert_eq!(p.range, Range { lo: End { value: 0.0, closed: false }, hi: End { value: 1.0, closed: false } });
        assert_eq!(p.sum, Some([1.0, 1.0]));
        assert!(p.shift_invariant);
        // J = diag(s) - s sᵀ: for n = 2 its spectral norm is 2 s (1 - s) <= 1/2, at d = 0.
        let two = &p.sizes[0];
        assert_eq!(two.spectral, Sup { value: 0.5, at: Reached::At(0.0) });
        assert_eq!(two.infinity, Sup { value: 0.5, at: Reached::At(0.0) });
        assert_eq!(two.entry_limit, 0.0);
        // Every entry is ±s(1 - s) = ε at s = (1 + sqrt(1 - 4ε)) / 2, d = ln(s / (1 - s)).
        let eps = DEFAULT_EPSILON;
        let s = (1.0 + (1.0 - 4.0 * eps).sqrt()) / 2.0;
        let d = (s / (1.0 - s)).ln();
        let Threshold::Beyond(right) = two.gap[1] else { panic!("{:?}", two.gap) };
        assert!(close(right, d, 1e-12), "{right} vs {d}");
        let Threshold::Beyond(left) = two.gap[0] else { panic!("{:?}", two.gap) };
        assert!(close(left, -d, 1e-12), "{left} vs {d}");
        // n = 10 at (d, 0, ..., 0): s_0 = e^d / (e^d + 9); row 0's ∞-norm 2 s_0 (1 - s_0) is
        // 1/2 at e^d = 9; the largest entry is J_00 = 9 e^d / (e^d + 9)^2, which is ε at
        // e^d = u, u^2 + (18 - 9/ε) u + 81 = 0 (the larger root).
        let ten = &p.sizes[1];
        assert!(close(ten.infinity.value, 0.5, 1e-15), "{:?}", ten.infinity);
        let Reached::At(at) = ten.infinity.at else { panic!("{:?}", ten.infinity) };
        assert!(close(at, 9f64.ln(), 1e-9), "{at}");
        assert!(ten.spectral.value <= 0.5 + 1e-15);
        let b = 18.0 - 9.0 / eps;
        let u = (-b + (b * b - 4.0 * 81.0).sqrt()) / 2.0;
        let Threshold::Beyond(right) = ten.gap[1] else { panic!("{:?}", ten.gap) };
        assert!(close(right, u.ln(), 1e-12), "{right} vs {}", u.ln());
        assert_eq!(p.cost, VectorCost { forward: 1, vjp: p.cost.vjp });
    }

    #[test]
    fn log_softmax() {
        let p = analyse_vector(&def("log_softmax", "x - ln(sum(exp(x)))"), DEFAULT_EPSILON).unwrap();
        assert_eq!(
            p.range,
            Range { lo: End { value: f64::NEG_INFINITY, closed: false }, hi: End { value: 0.0, closed: false } }
        );
        assert_eq!(p.sum, None);
        assert!(p.shift_invariant);
        // J = I - 1 sᵀ: for n = 2, ‖J‖₂ = sqrt(2 (s_0^2 + s_1^2)) -> √2 as |d| -> inf, and
        // the row of the dominated logit tends to (-1, 1): the entries never all fall below ε.
        let two = &p.sizes[0];
        assert!(close(two.spectral.value, std::f64::consts::SQRT_2, 1e-15), "{:?}", two.spectral);
        assert_eq!(two.spectral.at, Reached::Towards(vec![Side::Left, Side::Right]));
        assert_eq!(two.infinity.value, 2.0);
        assert_eq!(two.entry_limit, 1.0);
        assert_eq!(two.gap, [Threshold::Never, Threshold::Never]);
    }

    #[test]
    fn a_temperature_and_a_max_shift() {
        // softmax(x / t) with t = 2, written with the max shift: the gap scales by t.
        let d = with_params("softmax_t", "exp((x - max(x)) / t) / sum(exp((x - max(x)) / t))", &[("t", 2.0)]);
        let p = analyse_vector(&d, DEFAULT_EPSILON).unwrap();
        // Entries ±s(1 - s)/t = ε: s(1 - s) = tε.
        let te = 2.0 * DEFAULT_EPSILON;
        let s = (1.0 + (1.0 - 4.0 * te).sqrt()) / 2.0;
        let gap = 2.0 * (s / (1.0 - s)).ln();
        let Threshold::Beyond(right) = p.sizes[0].gap[1] else { panic!("{:?}", p.sizes[0].gap) };
        assert!(close(right, gap, 1e-12), "{right} vs {gap}");
        assert!(close(p.sizes[0].spectral.value, 0.25, 1e-15));
        assert_eq!(p.sum, Some([1.0, 1.0]));
        assert_eq!(p.along.body.to_string(), "exp(x / t) / (exp(x / t) + 1)");
    }
}

//! The gradient checks of vector activations (`docs/contract.md` §7.3), against MPFR.
//!
//! The reference for `f(x)` is the formula as written (re-read from `FORMULA`),
//! its reductions and element-wise parts evaluated in MPFR; where the written formula
//! leaves MPFR's exponent range (`exp(1e308)`), its stable form, the same function.
//! The references for the products are built from the numerical Jacobian — central
//! differences of that same formula in MPFR with a Richardson step, independent of the
//! engine's symbolic derivatives — as `Jᵀ g` and `J v`, summed in MPFR. The precision
//! doubles from 256 bits until two successive precisions round every value to the same
//! float (at most 8192 bits; the proof-carrying error bounds of `verify::reference` do not
//! extend to reductions, so agreement stands in for them here).
//!
//! Each component passes when it is within `4 + 4·cond` ULPs of its reference, cond being
//! the component's condition number with respect to every input it reads:
//! `(Σ_l |x_l ∂h/∂x_l| + Σ_l |w_l ∂h/∂w_l|) / |h|` for a product `h` of the cotangent or
//! tangent `w` (for `f` itself, the first sum alone). Where the reference is 0 the value
//! must be 0; where it is subnormal see `subnormal_close`. `f32` is checked against its
//! own reference at the `f32` inputs. A shift-invariant formula must also give the
//! reference `f(x)` at `x + c`, and Jacobian rows that sum to 0.

use std::fmt::Write;

use activation_runtime::vector::VectorActivation;
use activation_runtime::Real;
use rug::float::Round;
use rug::Float;

use crate::ir::expr::Expr;
use crate::parse::parse_vector_formula;
use crate::vector::graph::{Graph, Kind};
use crate::verify::check::{bound, freeze, subnormal_close};
use crate::verify::reference::eval_float;
use crate::verify::ulp::{ulps_f32, ulps_f64};

/// First precision tried, and the last.
const START_PREC: u32 = 256;
const MAX_PREC: u32 = 8192;
/// Relative step for the condition numbers of the products (a few digits suffice).
const COND_STEP: f64 = 1e-8;

/// A vector formula in lowered form (see [`Graph`]), ready for MPFR.
#[derive(Clone, Debug)]
struct Form {
    graph: Graph,
    f: Expr,
}

impl Form {
    fn new(formula: &Expr, input: &str, params: &[String]) -> Form {
        let mut graph = Graph::new(input, params);
        let f = graph.lower(formula);
        Form { graph, f }
    }

    /// `f(x)` in MPFR at `prec` bits (the points must be exact at that precision), and the
    /// branches it took there. With `frozen`, it takes those branches instead of its own:
    /// finite differences around a point then follow the kink convention of `docs/contract.md` §4.2 and §7.3 — the
    /// derivative of a `max` is its argument's at the argmax (the first one on ties), and
    /// each element's `if`, `abs` and two-argument `max`/`min` take the branch they
    /// select at the point (see [`freeze`]).
    fn eval(&self, xs: &[Float], params: &[(String, f64)], prec: u32, frozen: Option<&Frozen>) -> (Vec<Float>, Frozen) {
        let input = self.graph.input();
        let mut env: Vec<(&str, Float)> = params.iter().map(|(k, v)| (k.as_str(), Float::with_val(prec, v))).collect();
        let at = |env: &[(&str, Float)], e: &Expr, x: &Float| {
            let mut env = env.to_vec();
            env.push((input, x.clone()));
            eval_float(e, &env, prec)
        };
        // The expression of element `j` at this point, its branches fixed.
        let fixed = |env: &[(&str, Float)], e: &Expr, x: &Float| {
            let mut point: Vec<(&str, f64)> = env.iter().map(|(k, v)| (*k, v.to_f64())).collect();
            point.push((input, x.to_f64()));
            freeze(e, &point)
        };
        let n = self.graph.reds.len();
        let mut taken = Frozen { argmax: vec![0; n], bodies: vec![Vec::new(); n], outputs: Vec::new() };
        for r in self.graph.needed(&[&self.f]) {
            let red = &self.graph.reds[r];
            taken.bodies[r] = match frozen {
                Some(f) => f.bodies[r].clone(),
                None => xs.iter().map(|x| fixed(&env, &red.body, x)).collect(),
            };
            let values: Vec<Float> = xs.iter().zip(&taken.bodies[r]).map(|(x, b)| at(&env, b, x)).collect();
            let v = match red.kind {
                Kind::Sum => Float::with_val(prec, Float::sum(values.iter())),
                Kind::Max => {
                    // Strictly greater: the first index wins a tie; a NaN is skipped, as by
                    // `f64::max`.
                    let mut best = 0;
                    for (j, v) in values.iter().enumerate() {
                        if *v > values[best] || values[best].is_nan() {
                            best = j;
                        }
                    }
                    taken.argmax[r] = frozen.map_or(best, |f| f.argmax[r]);
                    values.into_iter().nth(taken.argmax[r]).unwrap_or_else(|| Float::with_val(prec, f64::NEG_INFINITY))
                }
                Kind::SumExcept(_) | Kind::AtArgmax(_) => unreachable!("formulas as written have only sum and max"),
            };
            env.push((red.symbol.as_str(), v));
        }
        taken.outputs = match frozen {
            Some(f) => f.outputs.clone(),
            None => xs.iter().map(|x| fixed(&env, &self.f, x)).collect(),
        };
        (xs.iter().zip(&taken.outputs).map(|(x, e)| at(&env, e, x)).collect(), taken)
    }
}

/// The branches a vector formula takes at a point: the argmax of each `max`, and for each
/// element the bodies of the reductions and the output with their branches fixed.
#[derive(Clone, Debug)]
struct Frozen {
    argmax: Vec<usize>,
    bodies: Vec<Vec<Expr>>,
    outputs: Vec<Expr>,
}

/// A vector activation's formula, as written and in stable form, and its parameters.
pub(crate) struct Subject {
    /// The activation's name, for failure messages.
    pub name: &'static str,
    written: Form,
    stable: Form,
    params: Vec<(String, f64)>,
}

/// The exact values of everything checked at one point, at some precision: `f(x)`, the
/// Jacobian (row-major), `Jᵀ g` and `J v`.
#[derive(Clone, Debug)]
pub(crate) struct Exact {
    /// `f(x)`.
    pub forward: Vec<Float>,
    /// `J`, row-major.
    pub jacobian: Vec<Float>,
    /// `Jᵀ g`.
    pub vjp: Vec<Float>,
    /// `J v`.
    pub jvp: Vec<Float>,
    /// Every derivative stands clear of its rounding noise: its bound on the noise of the
    /// finite differences is below the value by 64 bits, or below `f64`'s range.
    pub trusted: bool,
}

impl Exact {
    fn all(&self) -> impl Iterator<Item = &Float> {
        self.forward.iter().chain(&self.jacobian).chain(&self.vjp).chain(&self.jvp)
    }
}

impl Subject {
    /// Reads the activation's `FORMULA` back with the parser.
    pub(crate) fn of<A: VectorActivation>(a: &A) -> Subject {
        let mut vars = vec![A::INPUT];
        vars.extend(A::PARAMS);
        let formula = parse_vector_formula(A::FORMULA, &vars)
            .unwrap_or_else(|e| panic!("{}: FORMULA `{}` does not read back: {e}", A::NAME, A::FORMULA));
        let params: Vec<String> = A::PARAMS.iter().map(|p| p.to_string()).collect();
        let stable = crate::vector::stable::stabilise(&formula, &[A::INPUT.to_string()]);
        Subject {
            name: A::NAME,
            written: Form::new(&formula, A::INPUT, &params),
            stable: Form::new(&stable, A::INPUT, &params),
            params: params.into_iter().zip(a.param_values()).collect(),
        }
    }

    /// The form to evaluate at `xs`: the formula as written unless it leaves MPFR's range.
    fn form(&self, xs: &[Float]) -> &Form {
        let finite =
            self.written.eval(xs, &self.params, exact_prec(xs, START_PREC), None).0.iter().all(Float::is_finite);
        if finite {
            &self.written
        } else {
            &self.stable
        }
    }

    /// Everything at `xs` at precision `prec` (`g` and `v` exact).
    fn exact_at(&self, xs: &[Float], g: &[f64], v: &[f64], prec: u32) -> Exact {
        let form = self.form(xs);
        let n = xs.len();
        let wp = exact_prec(xs, prec);
        let (forward, taken) = form.eval(xs, &self.params, wp, None);
        // Richardson's extrapolation of central differences: (4 D(h) - D(2h)) / 3, error
        // O(h^4); h = 2^-(prec/5) balances it against rounding (2^-prec / h).
        let h_exp = -((prec / 5) as i32);
        let mut jacobian = vec![Float::new(wp); n * n];
        // log2 of a bound on each entry's rounding noise: the values' rounding (2^(E - wp),
        // `|f| < 2^E`, a few roundings per value) over the step. A derivative far below
        // its function (`-e^-700` beside 1) is pure noise until the precision reaches it.
        let mut noise = vec![f64::NEG_INFINITY; n * n];
        for k in 0..n {
            let at = |steps: i32| {
                let mut p: Vec<Float> = xs.iter().map(|x| Float::with_val(wp, x)).collect();
                let mut d = Float::with_val(wp, steps);
                d <<= h_exp;
                p[k] += d;
                form.eval(&p, &self.params, wp, Some(&taken)).0
            };
            let (p1, m1, p2, m2) = (at(1), at(-1), at(2), at(-2));
            for i in 0..n {
                let top =
                    [&p1[i], &m1[i], &p2[i], &m2[i]].iter().filter_map(|v| v.get_exp()).max().unwrap_or(i32::MIN / 2);
                noise[i * n + k] = f64::from(top) - f64::from(wp) - f64::from(h_exp) + 4.0;
                let d1 = Float::with_val(wp, &p1[i] - &m1[i]) << (-h_exp - 1);
                let d2 = Float::with_val(wp, &p2[i] - &m2[i]) << (-h_exp - 2);
                let mut j = Float::with_val(wp, &d1 * 4u32) - d2;
                j /= 3u32;
                jacobian[i * n + k] = j;
            }
        }
        let dot = |terms: Vec<Float>| Float::with_val(wp, Float::sum(terms.iter()));
        let vjp: Vec<Float> =
            (0..n).map(|k| dot((0..n).map(|i| Float::with_val(wp, &jacobian[i * n + k] * g[i])).collect())).collect();
        let jvp: Vec<Float> =
            (0..n).map(|i| dot((0..n).map(|k| Float::with_val(wp, &jacobian[i * n + k] * v[k])).collect())).collect();
        let clear =
            |value: &Float, noise: f64| noise < -1080.0 || value.get_exp().is_some_and(|e| noise < f64::from(e) - 64.0);
        let weighted = |w: &[f64], k: usize, column: bool| {
            let terms = (0..n).map(|i| {
                let c = if column { i * n + k } else { k * n + i };
                w[i].abs().log2() + noise[c]
            });
            terms.fold(f64::NEG_INFINITY, f64::max) + (n as f64).log2()
        };
        let trusted = (0..n * n).all(|c| clear(&jacobian[c], noise[c]))
            && (0..n).all(|k| clear(&vjp[k], weighted(g, k, true)) && clear(&jvp[k], weighted(v, k, false)));
        Exact { forward, jacobian, vjp, jvp, trusted }
    }

    /// Everything at `xs`, each value settled for rounding with `same` (to `f64` or `f32`).
    fn exact(&self, xs: &[f64], g: &[f64], v: &[f64], same: fn(&Float, &Float) -> bool) -> Exact {
        let points: Vec<Float> = xs.iter().map(|&x| Float::with_val(64, x)).collect();
        let mut prec = START_PREC;
        let mut last = self.exact_at(&points, g, v, prec);
        while prec < MAX_PREC {
            prec *= 2;
            let next = self.exact_at(&points, g, v, prec);
            let settled = next.trusted && last.all().zip(next.all()).all(|(a, b)| same(a, b));
            last = next;
            if settled {
                break;
            }
        }
        last
    }

    /// The references at `f64` inputs.
    pub(crate) fn reference(&self, xs: &[f64], g: &[f64], v: &[f64]) -> Exact {
        self.exact(xs, g, v, |a, b| same_f64(a.to_f64(), b.to_f64()))
    }

    /// The references at `f32` inputs (widened), to be rounded to `f32`.
    pub(crate) fn reference_f32(&self, xs: &[f32], g: &[f32], v: &[f32]) -> Exact {
        let wide = |s: &[f32]| s.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
        self.exact(&wide(xs), &wide(g), &wide(v), |a, b| same_f64(f64::from(a.to_f32()), f64::from(b.to_f32())))
    }

    /// The condition numbers of every checked value at `xs` (see the module docs), in
    /// the layout of [`Exact`], from references at `x_l (1 ± COND_STEP)`.
    pub(crate) fn conditions(&self, xs: &[f64], g: &[f64], v: &[f64], exact: &Exact) -> Exact {
        let n = xs.len();
        let mut slopes: Vec<Exact> = Vec::with_capacity(n);
        for l in 0..n {
            let step = COND_STEP * xs[l].abs().max(1.0);
            let moved = |s: f64| {
                let mut p = xs.to_vec();
                p[l] += s;
                if p[l].is_finite() {
                    p
                } else {
                    xs.to_vec()
                }
            };
            let (up, down) = (moved(step), moved(-step));
            let (a, b) = (self.reference(&up, g, v), self.reference(&down, g, v));
            let scale = xs[l] / (up[l] - down[l]);
            let slope = |a: &[Float], b: &[Float]| -> Vec<Float> {
                a.iter().zip(b).map(|(p, q)| Float::with_val(64, p - q) * scale).collect()
            };
            slopes.push(Exact {
                forward: slope(&a.forward, &b.forward),
                jacobian: slope(&a.jacobian, &b.jacobian),
                vjp: slope(&a.vjp, &b.vjp),
                jvp: slope(&a.jvp, &b.jvp),
                trusted: a.trusted && b.trusted,
            });
        }
        let x_part = |pick: Part, c: usize| -> f64 { slopes.iter().map(|s| pick(s)[c].to_f64().abs()).sum() };
        let j = |i: usize, k: usize| exact.jacobian[i * n + k].to_f64();
        let ratio = |num: f64, value: &Float| Float::with_val(64, num / value.to_f64().abs());
        let forward = (0..n).map(|i| ratio((0..n).map(|k| (xs[k] * j(i, k)).abs()).sum(), &exact.forward[i])).collect();
        // An entry is the VJP of a unit cotangent: 1 for that part, plus the x part.
        let jacobian = (0..n * n)
            .map(|c| Float::with_val(64, 1.0) + ratio(x_part(|s| &s.jacobian, c), &exact.jacobian[c]))
            .collect();
        let vjp = (0..n)
            .map(|k| ratio(x_part(|s| &s.vjp, k) + (0..n).map(|i| (g[i] * j(i, k)).abs()).sum::<f64>(), &exact.vjp[k]))
            .collect();
        let jvp = (0..n)
            .map(|i| ratio(x_part(|s| &s.jvp, i) + (0..n).map(|k| (v[k] * j(i, k)).abs()).sum::<f64>(), &exact.jvp[i]))
            .collect();
        Exact { forward, jacobian, vjp, jvp, trusted: true }
    }
}

fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()) || (a == 0.0 && b == 0.0)
}

/// A precision at which `x_k ± 2 h` is exact for every point, `h = 2^-(prec/5)`.
fn exact_prec(xs: &[Float], prec: u32) -> u32 {
    let top = xs.iter().filter_map(|x| x.get_exp()).max().unwrap_or(0).max(0) as u32;
    prec.max(top + prec / 5 + 64)
}

/// The check vectors: moderate logits, ties, a single element, a dominant logit at every
/// scale, both extremes of `f64` (and of `f32`), tiny logits.
pub(crate) fn check_vectors() -> Vec<Vec<f64>> {
    vec![
        vec![0.5, -1.25, 2.0, 0.0],
        vec![0.75],
        vec![1.0, 1.0, 1.0],
        vec![1000.0, 1000.0],
        vec![0.0, -800.0],
        vec![0.0, -50.0],
        vec![5.0, 0.0, -1.0],
        vec![-3.5, 40.0, 0.0, -40.0],
        vec![-700.0, -700.5, -710.0],
        vec![1e-8, -1e-8, 0.0],
        vec![1e4, -1e4, 0.25, 3.0],
        vec![1e308, -1e308],
        vec![-1e308, 1e308, 0.0, 1e308],
        vec![3e38, -3e38, 1.0],
        vec![100.0, 99.0, -5.0, 20.0, 0.1],
    ]
}

/// A cotangent (or, with `seed` 1, a tangent) for `n` elements: mixed signs and sizes.
pub(crate) fn direction(n: usize, seed: usize) -> Vec<f64> {
    const VALUES: [f64; 7] = [0.75, -1.5, 0.25, 2.0, -0.625, 1.125, -3.0];
    (0..n).map(|i| VALUES[(i * 3 + seed * 5) % VALUES.len()]).collect()
}

/// Selects one checked function's values from an [`Exact`].
type Part = fn(&Exact) -> &Vec<Float>;

/// One checked value: what, where, expected and actual.
struct Case<'a> {
    what: String,
    ty: &'a str,
    x: &'a [f64],
    expected: f64,
    actual: f64,
    ulps: f64,
}

/// Whether `case` is within its bound; `cond` computes the condition number if needed.
fn judge(case: &Case, cond: impl FnOnce() -> f64) -> Option<String> {
    let min_normal = if case.ty == "f32" { f64::from(f32::MIN_POSITIVE) } else { f64::MIN_POSITIVE };
    let (expected, actual) = (case.expected, case.actual);
    let mut limit = 4.0;
    let ok = if expected == 0.0 {
        actual == 0.0
    } else if case.ulps <= 4.0 {
        true
    } else if expected.is_finite() && expected.abs() < min_normal {
        subnormal_close(actual, expected, min_normal)
    } else {
        limit = bound(cond());
        !actual.is_nan() && case.ulps <= limit
    };
    (!ok).then(|| {
        format!(
            "{} ({}) at x = {:?}: expected {expected:e}, actual {actual:e}, {:.3e} ULPs (bound {limit:.1})",
            case.what, case.ty, case.x, case.ulps
        )
    })
}

/// The values of `a` at `x` in `T`: forward, Jacobian, VJP of `g`, JVP of `v`.
fn computed<A: VectorActivation, T: Real>(a: &A, x: &[T], g: &[T], v: &[T]) -> [Vec<T>; 4] {
    let n = x.len();
    let zero = T::from_f64(0.0);
    let (mut f, mut vjp, mut jvp) = (vec![zero; n], vec![zero; n], vec![zero; n]);
    a.forward(x, &mut f);
    a.vjp(x, g, &mut vjp);
    a.jvp(x, v, &mut jvp);
    [f, a.jacobian(x), vjp, jvp]
}

/// Compares every value of `a` at `x` (in `f64` or, `narrow`, in `f32`) with `exact`.
fn compare<A: VectorActivation>(a: &A, subject: &Subject, x: &[f64], narrow: bool, failures: &mut Vec<String>) {
    let n = x.len();
    let (g, v) = (direction(n, 0), direction(n, 1));
    let (ty, values, exact, point): (&str, [Vec<f64>; 4], Exact, Vec<f64>) = if narrow {
        let n32 = |s: &[f64]| s.iter().map(|&e| e as f32).collect::<Vec<f32>>();
        let (x32, g32, v32) = (n32(x), n32(&g), n32(&v));
        let widen = |s: Vec<f32>| s.into_iter().map(f64::from).collect::<Vec<f64>>();
        let values = computed(a, &x32, &g32, &v32).map(widen);
        let exact = subject.reference_f32(&x32, &g32, &v32);
        ("f32", values, exact, widen(x32))
    } else {
        ("f64", computed(a, x, &g, &v), subject.reference(x, &g, &v), x.to_vec())
    };
    let (g, v) = if narrow {
        (g.iter().map(|&e| f64::from(e as f32)).collect(), v.iter().map(|&e| f64::from(e as f32)).collect())
    } else {
        (g, v)
    };
    let conditions = std::cell::OnceCell::new();
    let cond = || conditions.get_or_init(|| subject.conditions(&point, &g, &v, &exact));
    let parts: [(&str, &Vec<Float>, Part); 4] = [
        ("f", &exact.forward, |e| &e.forward),
        ("jacobian", &exact.jacobian, |e| &e.jacobian),
        ("vjp", &exact.vjp, |e| &e.vjp),
        ("jvp", &exact.jvp, |e| &e.jvp),
    ];
    for ((label, reference, pick), actual) in parts.into_iter().zip(&values) {
        for (c, (value, &actual)) in reference.iter().zip(actual).enumerate() {
            let (expected, ulps) = if narrow {
                let e = value.to_f32_round(Round::Nearest);
                (f64::from(e), ulps_f32(actual as f32, e))
            } else {
                let e = value.to_f64();
                (e, ulps_f64(actual, e))
            };
            let what = format!("{} {label}[{c}]", subject.name);
            let case = Case { what, ty, x: &point, expected, actual, ulps };
            failures.extend(judge(&case, || pick(cond())[c].to_f64()));
        }
    }
}

/// For a shift-invariant activation: `f(x + c)` against the reference `f(x)` (within the
/// bound at `x + c`), at shifts that are exact, and Jacobian rows that sum to 0.
fn invariance<A: VectorActivation>(a: &A, subject: &Subject, x: &[f64], failures: &mut Vec<String>) {
    let n = x.len();
    let (g, v) = (direction(n, 0), direction(n, 1));
    let exact = subject.reference(x, &g, &v);
    for c in [0.5, -3.0, 1024.0] {
        let shifted: Vec<f64> = x.iter().map(|e| e + c).collect();
        if shifted.iter().zip(x).any(|(s, e)| s - c != *e || !s.is_finite()) {
            continue;
        }
        let mut out = vec![0.0; n];
        a.forward(&shifted, &mut out);
        let conditions = std::cell::OnceCell::new();
        for (i, (&actual, value)) in out.iter().zip(&exact.forward).enumerate() {
            let expected = value.to_f64();
            let what = format!("{} f[{i}] at x + {c} (shift invariance)", subject.name);
            let case = Case { what, ty: "f64", x, expected, actual, ulps: ulps_f64(actual, expected) };
            let cond = || {
                let at = conditions.get_or_init(|| {
                    let there = subject.reference(&shifted, &g, &v);
                    subject.conditions(&shifted, &g, &v, &there)
                });
                at.forward[i].to_f64()
            };
            failures.extend(judge(&case, cond));
        }
    }
    let jac = a.jacobian(x);
    for i in 0..n {
        let row = &jac[i * n..(i + 1) * n];
        let (sum, size): (f64, f64) = (row.iter().sum(), row.iter().map(|e| e.abs()).sum());
        if sum.abs() > 8.0 * n as f64 * f64::EPSILON * size {
            failures.push(format!(
                "{} jacobian row {i} at x = {x:?} sums to {sum:e}, not 0 (row size {size:e})",
                subject.name
            ));
        }
    }
}

/// Runs every check on `a`; panics with the list of failures.
pub fn run<A: VectorActivation>(a: &A) {
    let subject = Subject::of(a);
    let mut failures = Vec::new();
    for x in check_vectors() {
        compare(a, &subject, &x, false, &mut failures);
        if x.iter().all(|&e| (e as f32).is_finite()) {
            compare(a, &subject, &x, true, &mut failures);
        }
        if A::SHIFT_INVARIANT {
            invariance(a, &subject, &x, &mut failures);
        }
    }
    if !failures.is_empty() {
        let mut msg = format!("{} vector gradient check failures for `{}`:\n", failures.len(), A::NAME);
        for f in &failures {
            writeln!(msg, "  {f}").unwrap();
        }
        panic!("{msg}");
    }
}

/// The largest error of one checked function over the check vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// `f`, `jacobian`, `vjp` or `jvp`.
    pub function: &'static str,
    /// The largest error in `f64`, in ULPs.
    pub f64_max: f64,
    /// Where it occurs.
    pub f64_at: Vec<f64>,
    /// The largest error in `f32`, in (`f32`) ULPs.
    pub f32_max: f64,
    /// Where it occurs (the `f32` input, widened).
    pub f32_at: Vec<f64>,
    /// The largest error as a fraction of its bound `4 + 4·cond`, in either type.
    pub of_bound: f64,
}

/// Measures every checked function of `a` over the check vectors (the cotangents and
/// tangents of `direction`) against the MPFR references.
pub fn max_ulps<A: VectorActivation>(a: &A) -> Vec<Measured> {
    let subject = Subject::of(a);
    let mut rows: Vec<Measured> = ["f", "jacobian", "vjp", "jvp"]
        .iter()
        .map(|&function| Measured {
            function,
            f64_max: 0.0,
            f64_at: vec![],
            f32_max: 0.0,
            f32_at: vec![],
            of_bound: 0.0,
        })
        .collect();
    let pick: [Part; 4] = [|e| &e.forward, |e| &e.jacobian, |e| &e.vjp, |e| &e.jvp];
    for x in check_vectors() {
        let n = x.len();
        let (g, v) = (direction(n, 0), direction(n, 1));
        let exact = subject.reference(&x, &g, &v);
        let values = computed(a, &x, &g, &v);
        let conditions = std::cell::OnceCell::new();
        for (t, row) in rows.iter_mut().enumerate() {
            for (c, (value, r)) in values[t].iter().zip(pick[t](&exact)).enumerate() {
                let ulps = ulps_f64(*value, r.to_f64());
                if ulps > row.f64_max {
                    (row.f64_max, row.f64_at) = (ulps, x.clone());
                }
                if ulps > 4.0 && ulps.is_finite() {
                    let cond = pick[t](conditions.get_or_init(|| subject.conditions(&x, &g, &v, &exact)))[c].to_f64();
                    row.of_bound = row.of_bound.max(ulps / bound(cond));
                }
            }
        }
        if x.iter().all(|&e| (e as f32).is_finite()) {
            let n32 = |s: &[f64]| s.iter().map(|&e| e as f32).collect::<Vec<f32>>();
            let (x32, g32, v32) = (n32(&x), n32(&g), n32(&v));
            let exact = subject.reference_f32(&x32, &g32, &v32);
            let values = computed(a, &x32, &g32, &v32);
            let wide = |s: &[f32]| s.iter().map(|&e| f64::from(e)).collect::<Vec<f64>>();
            let conditions = std::cell::OnceCell::new();
            for (t, row) in rows.iter_mut().enumerate() {
                for (c, (value, r)) in values[t].iter().zip(pick[t](&exact)).enumerate() {
                    let ulps = ulps_f32(*value, r.to_f32_round(Round::Nearest));
                    if ulps > row.f32_max {
                        (row.f32_max, row.f32_at) = (ulps, wide(&x32));
                    }
                    if ulps > 4.0 && ulps.is_finite() {
                        let cond = pick[t](
                            conditions
                                .get_or_init(|| subject.conditions(&wide(&x32), &wide(&g32), &wide(&v32), &exact)),
                        )[c]
                            .to_f64();
                        row.of_bound = row.of_bound.max(ulps / bound(cond));
                    }
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Softmax written by hand, with a VJP that forgets the `<g, s>` term unless `right`.
    struct HandSoftmax {
        right: bool,
    }

    fn softmax<T: Real>(x: &[T]) -> Vec<T> {
        let m = x.iter().fold(T::from_f64(f64::NEG_INFINITY), |a, &b| a.max(b));
        let e: Vec<T> = x.iter().map(|&v| (v - m).exp()).collect();
        let s = e.iter().fold(T::from_f64(0.0), |a, &b| a + b);
        e.iter().map(|&v| v / s).collect()
    }

    impl VectorActivation for HandSoftmax {
        const NAME: &'static str = "hand_softmax";
        const INPUT: &'static str = "x";
        const PARAMS: &'static [&'static str] = &[];
        const FORMULA: &'static str = "exp(x) / sum(exp(x))";
        const LATEX: &'static str = "";
        const VJP_FORMULA: &'static str = "";
        const JVP_FORMULA: &'static str = "";
        const SHIFT_INVARIANT: bool = false;
        fn param_values(&self) -> Vec<f64> {
            Vec::new()
        }
        fn forward_kernel<T: Real>(&self, x: &[T], out: &mut [T]) {
            out.copy_from_slice(&softmax(x));
        }
        fn vjp_kernel<T: Real>(&self, x: &[T], g: &[T], out: &mut [T]) {
            let s = softmax(x);
            let dot = if self.right {
                s.iter().zip(g).fold(T::from_f64(0.0), |a, (&p, &q)| a + p * q)
            } else {
                T::from_f64(0.0)
            };
            for k in 0..x.len() {
                out[k] = s[k] * (g[k] - dot);
            }
        }
        fn jvp_kernel<T: Real>(&self, x: &[T], v: &[T], out: &mut [T]) {
            let s = softmax(x);
            let dot = s.iter().zip(v).fold(T::from_f64(0.0), |a, (&p, &q)| a + p * q);
            for i in 0..x.len() {
                out[i] = s[i] * (v[i] - dot);
            }
        }
        fn jacobian<T: Real>(&self, x: &[T]) -> Vec<T> {
            let s = softmax(x);
            let n = x.len();
            let mut j = vec![T::from_f64(0.0); n * n];
            for i in 0..n {
                for k in 0..n {
                    j[i * n + k] = if i == k { s[i] * (T::from_f64(1.0) - s[i]) } else { -s[i] * s[k] };
                }
            }
            j
        }
    }

    #[test]
    fn references_at_known_points() {
        let subject = Subject::of(&HandSoftmax { right: true });
        let e = subject.reference(&[0.0, -700.0], &[1.0, 0.5], &[1.0, 0.0]);
        // s_1 = e^-700 / (1 + e^-700), and J_01 = -s_0 s_1: far below the rounding of s_0.
        let s1 = (-700.0f64).exp();
        assert!(ulps_f64(e.forward[1].to_f64(), s1) <= 1.0);
        assert!(ulps_f64(e.jacobian[1].to_f64(), -s1) <= 1.0, "{}", e.jacobian[1]);
        assert!(ulps_f64(e.vjp[0].to_f64(), 0.5 * s1) <= 1.0);
        let e = subject.reference(&[1e308, -1e308], &[1.0, 0.5], &[1.0, 0.0]);
        assert_eq!(e.forward[0].to_f64(), 1.0, "from the stable form");
    }

    #[test]
    fn the_checks_catch_a_wrong_vjp() {
        let wrong = std::panic::catch_unwind(|| run(&HandSoftmax { right: false }));
        let msg = *wrong.unwrap_err().downcast::<String>().unwrap();
        assert!(msg.contains("hand_softmax vjp[0] (f64) at x = [0.5, -1.25, 2.0, 0.0]"), "{msg}");
        assert!(!msg.contains(" f["), "{msg}");
    }

    #[test]
    fn the_checks_catch_a_naive_jacobian_diagonal() {
        // s (1 - s) cancels to 0 at the largest logit once s rounds to 1.
        let naive = std::panic::catch_unwind(|| run(&HandSoftmax { right: true }));
        let msg = *naive.unwrap_err().downcast::<String>().unwrap();
        assert!(msg.contains("hand_softmax jacobian[0] (f64) at x = [0.0, -50.0]"), "{msg}");
    }
}

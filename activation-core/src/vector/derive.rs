//! Derivatives of vector formulas: the vector-Jacobian product, the Jacobian-vector
//! product and the Jacobian, by the chain rule through the reductions.
//!
//! A lowered formula (see [`Graph`]) is `f_i = F(x_i, R_1, ..., R_m)` with reductions
//! `R_r = ⊕_j B_r(x_j, R_1, ..., R_{r-1})`. Treating the `R` as variables, the scalar
//! [`diff`](crate::passes::diff) gives every partial derivative; the reductions then contribute
//! through their own derivatives:
//!
//! - `d Σ_j B(x_j) / d x_k = B'(x_k)`, and through an earlier reduction `R'`,
//!   `Σ_j ∂B/∂R'(x_j) · dR'/dx_k`;
//! - `d max_j B(x_j) / d x_k = B'(x_k)` at the argmax `k = j*` (the first index on ties)
//!   and 0 elsewhere, and `∂B/∂R'(x_{j*}) · dR'/dx_k` through `R'`.
//!
//! The VJP accumulates, in reverse order, the adjoint of each reduction — a scalar, itself
//! a sum over the elements such as `Σ_i g_i ∂F/∂R(x_i)` — so `grad_k` costs O(1) per
//! element after O(n) reductions; the JVP carries the tangent of each reduction forward;
//! the Jacobian is `J_ik = [i = k] ∂F/∂x(x_i) + Σ_r ∂F/∂R_r(x_i) T_r(x_k)`, with `T_r(x_k) =
//! dR_r/dx_k`: a diagonal plus one outer product per reduction.
//!
//! A `max` the formula does not depend on — the shift of softmax, `exp(x - max(x)) /
//! sum(exp(x - max(x)))`, whether written by the user or by the stabiliser — is a
//! constant for differentiation: its total derivative is identically zero (checked
//! symbolically, see [`free_reductions`]), and treating it as one keeps its exact-zero
//! adjoint from being computed as a rounding residue.

use crate::emit::item::CHECK_VALUE_WITHOUT_DEFAULT;
use crate::ir::expr::{BinOp, Expr};
use crate::parse::Definition;
use crate::passes::diff::derivative;
use crate::passes::simplify::simplify;
use crate::vector::codegen::{JacobianOutput, Output};
use crate::vector::dominant::{self, Probe};
use crate::vector::graph::{Graph, Kind};
use crate::vector::rational::Normaliser;

/// A Jacobian as a diagonal plus outer products: `J_ik = [i = k] diagonal(x_i) + Σ_t
/// terms[t].0(x_i) · terms[t].1(x_k)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Jacobian {
    /// `∂f/∂x` with the reductions held: the diagonal part, in `x_i`.
    pub diagonal: Expr,
    /// One `(∂f/∂R_r (x_i), dR_r/dx_k (x_k))` per reduction `f` uses directly.
    pub terms: Vec<(Expr, Expr)>,
}

impl Jacobian {
    /// `J_kk`, as one element-wise expression.
    pub(crate) fn diagonal_entry(&self) -> Expr {
        let sum = self.terms.iter().fold(self.diagonal.clone(), |acc, (c, t)| {
            Expr::bin(BinOp::Add, acc, Expr::bin(BinOp::Mul, c.clone(), t.clone()))
        });
        simplify(&sum)
    }
}

/// The derivatives of the element-wise output `f` of `graph`.
#[derive(Clone, Debug)]
pub(crate) struct Products {
    /// `grad_k`, element-wise in `x_k` and the cotangent `g_k`.
    pub vjp: Expr,
    /// `(J v)_i`, element-wise in `x_i` and the tangent `v_i`.
    pub jvp: Expr,
    /// The Jacobian as a diagonal plus outer products.
    pub jacobian: Jacobian,
}

/// Why a formula cannot be differentiated.
pub(crate) type DeriveError = String;

/// d e / d `var` (a variable or a reduction's symbol), simplified.
fn partial(e: &Expr, var: &str) -> Result<Expr, DeriveError> {
    Ok(simplify(&derivative(e, var).map_err(|e| e.to_string())?))
}

fn is_zero(e: &Expr) -> bool {
    e.is_num(0.0) || e.is_num(-0.0)
}

fn add(acc: Option<Expr>, e: Expr) -> Option<Expr> {
    Some(match acc {
        Some(a) => Expr::bin(BinOp::Add, a, e),
        None => e,
    })
}

fn mul(a: &Expr, b: &Expr) -> Expr {
    Expr::bin(BinOp::Mul, a.clone(), b.clone())
}

/// Derives the products of `f` (element-wise in `graph`), with `cotangent` and `tangent`
/// the names of the VJP's and JVP's element-wise inputs (already in `graph.vectors`).
pub(crate) fn products(graph: &mut Graph, f: &Expr, cotangent: &str, tangent: &str) -> Result<Products, DeriveError> {
    let free = free_reductions(graph, f)?;
    let vjp = vjp(graph, f, &free, cotangent)?;
    let jvp = jvp(graph, f, &free, tangent)?;
    let jacobian = jacobian(graph, f, &free)?;
    Ok(Products { vjp, jvp, jacobian })
}

/// The reductions `f` does not depend on: the `Max` reductions (and values at their
/// argmax) whose total derivative of `f` is identically zero. (Zero is decided in
/// [`Normaliser`]'s rational form, where the shift of softmax cancels: `-e/S + (-e/S²)(-S)
/// = 0`.) A value at an argmax that `f` does depend on is an error: only the stabiliser
/// creates them, as shifts.
pub(crate) fn free_reductions(graph: &Graph, f: &Expr) -> Result<Vec<usize>, DeriveError> {
    let mut free = Vec::new();
    for m in 0..graph.reds.len() {
        let kind = graph.reds[m].kind;
        if !matches!(kind, Kind::Max | Kind::AtArgmax(_)) {
            continue;
        }
        let mut scratch = graph.clone();
        let zero = total(&mut scratch, f, m, &free)?.is_some_and(|d| Normaliser::default().is_zero(&d));
        if zero {
            free.push(m);
        } else if let Kind::AtArgmax(_) = kind {
            if graph.needed(&[f]).contains(&m) {
                return Err(format!("`{}` is not a shift the formula is invariant to", graph.reds[m].symbol));
            }
        }
    }
    Ok(free)
}

/// d e / d R_m through every reduction `e` uses; `None` where that needs a kind of
/// reduction this does not differentiate.
fn total(graph: &mut Graph, e: &Expr, m: usize, free: &[usize]) -> Result<Option<Expr>, DeriveError> {
    let mut out = partial(e, &graph.reds[m].symbol)?;
    for r in graph.reds_in(e) {
        if r == m || free.contains(&r) || !graph.depends(r, m) {
            continue;
        }
        let body = graph.reds[r].body.clone();
        let Some(inner) = total(graph, &body, m, free)? else { return Ok(None) };
        if is_zero(&inner) {
            continue;
        }
        let outer = partial(e, &graph.reds[r].symbol)?;
        let through = match graph.reds[r].kind {
            Kind::Sum => graph.sum_of(&inner),
            Kind::Max => graph.at_argmax(r, &inner),
            Kind::SumExcept(_) | Kind::AtArgmax(_) => return Ok(None),
        };
        out = Expr::bin(BinOp::Add, out, mul(&outer, &through));
    }
    Ok(Some(simplify(&out)))
}

/// The reductions that carry derivatives: those of the formula, without its free maxima.
fn live(graph: &Graph, f: &Expr, free: &[usize]) -> Vec<usize> {
    graph.needed(&[f]).into_iter().filter(|r| !free.contains(r)).collect()
}

/// How reduction `r` passes on a derivative `d` of its body: `Σ_j d_j` for a sum, `d_{j*}`
/// for a maximum.
fn through(graph: &mut Graph, r: usize, d: &Expr) -> Expr {
    match graph.reds[r].kind {
        Kind::Max => graph.at_argmax(r, d),
        _ => graph.sum_of(d),
    }
}

/// `grad_k = Σ_i g_i ∂f_i/∂x_k`, element-wise in `x_k` and `g_k`.
fn vjp(graph: &mut Graph, f: &Expr, free: &[usize], g: &str) -> Result<Expr, DeriveError> {
    let x = graph.input().to_string();
    let g = Expr::var(g);
    let reds = live(graph, f, free);
    let mut adjoint: Vec<Option<Expr>> = vec![None; graph.reds.len()];
    for &r in &reds {
        let d = partial(f, &graph.reds[r].symbol)?;
        if !is_zero(&d) {
            adjoint[r] = Some(graph.sum_of(&mul(&g, &d)));
        }
    }
    for &r in reds.iter().rev() {
        let Some(a) = adjoint[r].clone() else { continue };
        let body = graph.reds[r].body.clone();
        for inner in graph.reds_in(&body).into_iter().filter(|i| !free.contains(i)) {
            let d = partial(&body, &graph.reds[inner].symbol)?;
            if !is_zero(&d) {
                let w = through(graph, r, &d);
                adjoint[inner] = add(adjoint[inner].take(), mul(&a, &w));
            }
        }
    }
    let mut out = mul(&g, &partial(f, &x)?);
    for &r in &reds {
        let Some(a) = &adjoint[r] else { continue };
        let d = partial(&graph.reds[r].body, &x)?;
        if is_zero(&d) {
            continue;
        }
        let term = mul(a, &d);
        let term = if graph.reds[r].kind == Kind::Max { graph.at_argmax_only(r, term) } else { term };
        out = Expr::bin(BinOp::Add, out, term);
    }
    Ok(simplify(&out))
}

/// `(J v)_i = Σ_k ∂f_i/∂x_k v_k`, element-wise in `x_i` and `v_i`.
fn jvp(graph: &mut Graph, f: &Expr, free: &[usize], v: &str) -> Result<Expr, DeriveError> {
    let x = graph.input().to_string();
    let v = Expr::var(v);
    let reds = live(graph, f, free);
    let mut tangent: Vec<Option<Expr>> = vec![None; graph.reds.len()];
    for &r in &reds {
        let body = graph.reds[r].body.clone();
        let d = partial(&body, &x)?;
        let mut t = (!is_zero(&d)).then(|| through(graph, r, &mul(&d, &v)));
        for inner in graph.reds_in(&body) {
            let Some(ti) = tangent[inner].clone() else { continue };
            let d = partial(&body, &graph.reds[inner].symbol)?;
            if !is_zero(&d) {
                let w = through(graph, r, &d);
                t = add(t, mul(&w, &ti));
            }
        }
        tangent[r] = t;
    }
    let mut out = mul(&partial(f, &x)?, &v);
    for &r in &reds {
        if let Some(t) = &tangent[r] {
            out = Expr::bin(BinOp::Add, out, mul(&partial(f, &graph.reds[r].symbol)?, t));
        }
    }
    Ok(simplify(&out))
}

/// The Jacobian as a diagonal plus one outer product per reduction `f` uses directly.
fn jacobian(graph: &mut Graph, f: &Expr, free: &[usize]) -> Result<Jacobian, DeriveError> {
    let x = graph.input().to_string();
    let reds = live(graph, f, free);
    // T_r(x_k) = d R_r / d x_k, element-wise in x_k.
    let mut column: Vec<Option<Expr>> = vec![None; graph.reds.len()];
    for &r in &reds {
        let body = graph.reds[r].body.clone();
        let d = partial(&body, &x)?;
        let mut t = (!is_zero(&d)).then(|| match graph.reds[r].kind {
            Kind::Max => graph.at_argmax_only(r, d),
            _ => d,
        });
        for inner in graph.reds_in(&body) {
            let Some(ti) = column[inner].clone() else { continue };
            let d = partial(&body, &graph.reds[inner].symbol)?;
            if !is_zero(&d) {
                let w = through(graph, r, &d);
                t = add(t, mul(&w, &ti));
            }
        }
        column[r] = t.map(|t| simplify(&t));
    }
    let mut terms = Vec::new();
    for r in graph.reds_in(f).into_iter().filter(|r| !free.contains(r)) {
        let c = partial(f, &graph.reds[r].symbol)?;
        if let (false, Some(t)) = (is_zero(&c), &column[r]) {
            terms.push((c, t.clone()));
        }
    }
    Ok(Jacobian { diagonal: partial(f, &x)?, terms })
}

/// The readable forms of a vector activation: what `FORMULA`, `VJP_FORMULA` and
/// `JVP_FORMULA` print, with reductions as `sum(...)`/`max(...)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Readable {
    /// The formula as written.
    pub forward: Expr,
    /// The vector-Jacobian product, simplified.
    pub vjp: Expr,
    /// The Jacobian-vector product, simplified.
    pub jvp: Expr,
}

/// Everything the passes produce for a vector activation.
#[derive(Clone, Debug)]
pub(crate) struct VectorForms {
    /// The names of the VJP's cotangent and the JVP's tangent (`g` and `v`, unless a
    /// parameter has the name).
    pub cotangent: String,
    /// See [`VectorForms::cotangent`].
    pub tangent: String,
    /// The forms people read.
    pub readable: Readable,
    /// The stable forms' reductions, which the outputs below refer to.
    pub graph: Graph,
    /// The stable forward formula.
    pub forward: Output,
    /// The stable vector-Jacobian product.
    pub vjp: Output,
    /// The stable Jacobian-vector product.
    pub jvp: Output,
    /// The stable Jacobian.
    pub jacobian: JacobianOutput,
    /// `f(x + c) = f(x)`: the JVP along `(1, ..., 1)` is identically zero.
    pub shift_invariant: bool,
}

/// Derives every form of the vector activation `def`: the readable ones from the formula
/// as written, the stable ones (what runs) from its stable form (see
/// [`stable`](crate::vector::stable)), each made accurate at the largest element by
/// [`dominant`].
pub(crate) fn derive(def: &Definition) -> Result<VectorForms, DeriveError> {
    let params: Vec<String> = def.params.iter().map(|p| p.name.clone()).collect();
    let new_graph = || {
        let mut graph = Graph::new(&def.input, &params);
        let (g, v) = (graph.add_vector("g"), graph.add_vector("v"));
        (graph, g, v)
    };
    let (mut readable_graph, cotangent, tangent) = new_graph();
    let written = readable_graph.lower(&def.body);
    let written_products = products(&mut readable_graph, &written, &cotangent, &tangent)?;
    let readable = Readable {
        forward: def.body.clone(),
        vjp: readable_graph.raise(&written_products.vjp),
        jvp: readable_graph.raise(&written_products.jvp),
    };
    let shift_invariant = shift_invariant(&readable_graph, &readable.jvp, &tangent);

    let stable_body = crate::vector::stable::stabilise(&def.body, std::slice::from_ref(&def.input));
    let anchored = || {
        let (mut graph, _, _) = new_graph();
        let f = anchor(&mut graph, &stable_body);
        let p = products(&mut graph, &f, &cotangent, &tangent)?;
        Ok::<_, DeriveError>((graph, f, p))
    };
    let (mut graph, f, p) = match anchored() {
        Ok(done) => done,
        // Not a shift after all: the max stays as the stabiliser wrote it.
        Err(_) => {
            let (mut graph, _, _) = new_graph();
            let f = graph.lower(&stable_body);
            let p = products(&mut graph, &f, &cotangent, &tangent)?;
            (graph, f, p)
        }
    };
    let probe_params = def.params.iter().map(|p| (p.name.clone(), p.default.unwrap_or(CHECK_VALUE_WITHOUT_DEFAULT)));
    let probe = Probe::new(probe_params.collect());
    let forward = finish(&mut graph, &f, &probe);
    let vjp = finish(&mut graph, &p.vjp, &probe);
    let jvp = finish(&mut graph, &p.jvp, &probe);
    let diagonal_entry = crate::passes::stabilise::stabilise(&p.jacobian.diagonal_entry());
    let jacobian = JacobianOutput {
        diagonal: crate::passes::stabilise::stabilise(&p.jacobian.diagonal),
        terms: p.jacobian.terms.iter().map(|(c, t)| (stabilise(c), stabilise(t))).collect(),
        at_max: dominant::at_argmax(&mut graph, &diagonal_entry, &probe),
    };
    Ok(VectorForms { cotangent, tangent, readable, graph, forward, vjp, jvp, jacobian, shift_invariant })
}

fn stabilise(e: &Expr) -> Expr {
    crate::passes::stabilise::stabilise(e)
}

/// Lowers the stable form `e`, writing each max shift `u - max(u)` as `u - u(x_{j*})`,
/// simplified: the largest element's own exponent, subtracted inside `u` where a common
/// scale cancels first — `x / t - max(x / t)` becomes `(x - x_{j*}) / t`, whose difference
/// can overflow only to `-inf` (and `exp` of that is 0), where `x / t` overflows to
/// `inf - inf` for large logits and a small temperature.
fn anchor(graph: &mut Graph, e: &Expr) -> Expr {
    let mut f = graph.lower(e);
    for m in 0..graph.reds.len() {
        if graph.reds[m].kind != Kind::Max {
            continue;
        }
        let u = graph.reds[m].body.clone();
        let shift = Expr::bin(BinOp::Sub, u.clone(), graph.var(m));
        let star = dominant::starred(graph, m, &u);
        let anchored = simplify(&Expr::bin(BinOp::Sub, u, star));
        f = replace(&f, &shift, &anchored);
        for r in m + 1..graph.reds.len() {
            let body = replace(&graph.reds[r].body, &shift, &anchored);
            graph.reds[r].body = simplify(&body);
        }
    }
    // The values at the argmax came after the sums that now use them.
    graph.sort();
    simplify(&f)
}

/// `e` with every subexpression equal to `from` replaced by `to`.
fn replace(e: &Expr, from: &Expr, to: &Expr) -> Expr {
    if e == from {
        to.clone()
    } else {
        e.map_children(|c| replace(c, from, to))
    }
}

/// A stable element-wise output with the accuracy passes of [`dominant`] applied.
fn finish(graph: &mut Graph, e: &Expr, probe: &Probe) -> Output {
    let e = stabilise(e);
    let general = dominant::global(graph, &e, probe).unwrap_or(e);
    let at_max = dominant::at_argmax(graph, &general, probe);
    Output { general, at_max }
}

/// Whether the readable JVP vanishes for `v = (1, ..., 1)`.
fn shift_invariant(graph: &Graph, jvp: &Expr, tangent: &str) -> bool {
    let along_ones = jvp.substitute(tangent, &Expr::num(1.0));
    let mut fresh = Graph::new(graph.input(), &graph.params);
    let lowered = fresh.lower(&along_ones);
    Normaliser::default().is_zero(&lowered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_vector_formula;

    fn derived(src: &str) -> (Graph, Expr, Products) {
        let e = parse_vector_formula(src, &["x"]).unwrap();
        let mut graph = Graph::new("x", &[]);
        let f = graph.lower(&e);
        let (g, v) = (graph.add_vector("g"), graph.add_vector("v"));
        let p = products(&mut graph, &f, &g, &v).unwrap();
        (graph, f, p)
    }

    #[test]
    fn softmax_products_read_as_textbook() {
        let (graph, _, p) = derived("exp(x) / sum(exp(x))");
        // s (g - <g, s>) over the common denominator, as the simplifier writes it.
        assert_eq!(
            graph.raise(&p.vjp).to_string(),
            "exp(x) * (g * sum(exp(x)) - sum(g * exp(x))) / sum(exp(x)).powi(2)"
        );
        assert_eq!(
            graph.raise(&p.jvp).to_string(),
            "exp(x) * (sum(exp(x)) * v - sum(v * exp(x))) / sum(exp(x)).powi(2)"
        );
        let (graph, _, p) = derived("x - ln(sum(exp(x)))");
        assert_eq!(graph.raise(&p.vjp).to_string(), "g - sum(g) * exp(x) / sum(exp(x))");
    }

    #[test]
    fn the_shift_of_softmax_is_free() {
        let free = |src: &str| {
            let mut graph = Graph::new("x", &[]);
            let f = graph.lower(&parse_vector_formula(src, &["x"]).unwrap());
            free_reductions(&graph, &f).unwrap()
        };
        assert_eq!(free("exp(x - max(x)) / sum(exp(x - max(x)))"), vec![0]);
        assert_eq!(free("x - max(x) - ln(sum(exp(x - max(x))))"), vec![0]);
        assert!(free("x - max(x)").is_empty());
    }

    /// The products agree with finite differences of the forward formula.
    fn agrees(src: &str, xs: &[f64]) {
        let (graph, f, p) = derived(src);
        let n = xs.len();
        let forward = |xs: &[f64]| graph.evaluate(&[&f], &[xs, xs, xs], &[]).remove(0);
        let h = 1e-6;
        let mut jac = vec![vec![0.0; n]; n];
        for k in 0..n {
            let (mut up, mut down) = (xs.to_vec(), xs.to_vec());
            up[k] += h;
            down[k] -= h;
            let (a, b) = (forward(&up), forward(&down));
            for i in 0..n {
                jac[i][k] = (a[i] - b[i]) / (2.0 * h);
            }
        }
        let g: Vec<f64> = (0..n).map(|i| 0.3 + 0.7 * i as f64 - 0.2 * (i * i) as f64).collect();
        let out = graph.evaluate(&[&p.vjp, &p.jvp], &[xs, &g, &g], &[]);
        let terms: Vec<(&Expr, &Expr)> = p.jacobian.terms.iter().map(|(c, t)| (c, t)).collect();
        for k in 0..n {
            let vjp: f64 = (0..n).map(|i| g[i] * jac[i][k]).sum();
            let jvp: f64 = (0..n).map(|j| jac[k][j] * g[j]).sum();
            assert!((out[0][k] - vjp).abs() < 1e-7, "{src} vjp[{k}]: {} vs {vjp}", out[0][k]);
            assert!((out[1][k] - jvp).abs() < 1e-7, "{src} jvp[{k}]: {} vs {jvp}", out[1][k]);
        }
        let mut exprs = vec![&p.jacobian.diagonal];
        for (c, t) in &terms {
            exprs.push(c);
            exprs.push(t);
        }
        let values = graph.evaluate(&exprs, &[xs, xs, xs], &[]);
        for i in 0..n {
            for k in 0..n {
                let mut v = if i == k { values[0][i] } else { 0.0 };
                for t in 0..terms.len() {
                    v += values[1 + 2 * t][i] * values[2 + 2 * t][k];
                }
                assert!((v - jac[i][k]).abs() < 1e-7, "{src} J[{i}][{k}]: {v} vs {}", jac[i][k]);
            }
        }
    }

    #[test]
    fn products_match_finite_differences() {
        let xs = [0.3, -1.2, 2.0, 0.7];
        for src in [
            "exp(x) / sum(exp(x))",
            "exp(x - max(x)) / sum(exp(x - max(x)))",
            "x - ln(sum(exp(x)))",
            "ln(sum(exp(x)))",
            "x - max(x)",
            "exp(x - max(x))",
            "x * sum(x.powi(2)) / max(x * x)",
            "tanh(x) * sum(sigmoid(x - max(x)) * x)",
            "x / sum(abs(x) + sum(exp(x)))",
            // Element-wise only, piecewise, a sum of a constant (n), a parameter-free max.
            "0.5 * x.powi(2)",
            "if x > 0.5 { x * sum(x) } else { exp(x) / sum(1.0) }",
            "sum(exp(x - max(x)))",
        ] {
            agrees(src, &xs);
        }
    }
}

//! Accuracy at the largest element.
//!
//! After the max shift, the weight `e^{u_j - M}` of the largest element `j*` is exactly 1
//! and every sum of the formula is dominated by that element's term. Quantities such as
//! `1 - s_{j*}` (in the softmax Jacobian) or `g_{j*} - <g, s>` (in its VJP) are then a
//! difference of two numbers that agree in their leading digits: computed as written, the
//! result is the rounding error of the sums. Log-softmax has the same problem in
//! `ln(Σ_j e^{x_j - M})` when the sum is `1 + tiny`.
//!
//! The cure is to say what is known at `j*`: `x_{j*}` is the element where the maximum
//! is reached (`M = u(x_{j*})` exactly), and each sum is its `j*` term plus the sum over
//! the other elements, `S = b_{j*} + S°`. Substituted, simplified and put over a common
//! denominator (see [`Normaliser`]), the dominant terms cancel symbolically — `g_{j*} -
//! (g_{j*} + G°)/(1 + S°)` is `(g_{j*} S° - G°)/(1 + S°)` — and `ln(1 + S°)` becomes
//! `log1p(S°)`. Two uses:
//!
//! - [`global`]: the split without fixing the index is valid for every element
//!   (log-softmax becomes `x_i - x_{j*} - log1p(S°)`);
//! - [`at_argmax`]: the value at `j*` alone, which generated code writes over the general
//!   formula's value at that index.
//!
//! Both apply when the formula has exactly one `max` (the usual shift). Whether a rewritten
//! form is kept is decided as the scalar engine decides between equivalent forms (see
//! [`derived`](crate::passes::derived)): by how far its `f32` and `f64` evaluations drift apart on
//! probe inputs — here logits with one element ahead by growing margins — since a form
//! that cancels loses in `f32` what it keeps in `f64`. A form is kept only when it is
//! clearly steadier where the general one is not.

use crate::ir::expr::{BinOp, Expr};
use crate::passes::simplify::simplify;
use crate::vector::graph::{Graph, Kind};
use crate::vector::rational::Normaliser;

/// The only `Max` reduction `e` needs, if there is exactly one.
fn the_max(graph: &Graph, e: &Expr) -> Option<usize> {
    let maxima: Vec<usize> = graph.needed(&[e]).into_iter().filter(|&r| graph.reds[r].kind == Kind::Max).collect();
    match maxima[..] {
        [m] => Some(m),
        _ => None,
    }
}

/// `e` with its element-wise variables at the argmax of `m`.
pub(crate) fn starred(graph: &mut Graph, m: usize, e: &Expr) -> Expr {
    let vectors = graph.vectors.clone();
    vectors.iter().filter(|v| e.depends_on(v)).fold(e.clone(), |acc, v| {
        let star = graph.at_argmax(m, &Expr::var(v));
        acc.substitute(v, &star)
    })
}

/// `e` with what is known at the argmax of `m`: `M = u(x_{j*})`, every sum `e` uses split
/// into its `j*` term and the rest, and (`at_index`) `e`'s own variables at `j*`.
fn split(graph: &mut Graph, e: &Expr, m: usize, at_index: bool) -> Expr {
    let max_body = graph.reds[m].body.clone();
    let top = starred(graph, m, &max_body);
    let mut out = e.clone();
    if at_index {
        out = starred(graph, m, &out).substitute(&graph.indicator(m), &Expr::num(1.0));
    }
    let sums: Vec<usize> = graph.reds_in(&out).into_iter().filter(|&s| graph.reds[s].kind == Kind::Sum).collect();
    for s in sums {
        let body = graph.reds[s].body.clone();
        let own = starred(graph, m, &body).substitute(&graph.reds[m].symbol, &top);
        let others = graph.intern(Kind::SumExcept(m), body);
        out = out.substitute(&graph.reds[s].symbol, &Expr::bin(BinOp::Add, own, others));
    }
    simplify(&out.substitute(&graph.reds[m].symbol, &top))
}

/// Probe inputs for comparing forms: see the module docs.
pub(crate) struct Probe {
    params: Vec<(String, f64)>,
}

/// A form must lose at least this much (relative) in `f32` for a rewrite to matter.
const NOTICEABLE: f64 = 64.0 * f32::EPSILON as f64;

impl Probe {
    /// Probes with the parameters at `params`.
    pub(crate) fn new(params: Vec<(String, f64)>) -> Probe {
        Probe { params }
    }

    fn logits() -> Vec<Vec<f64>> {
        vec![
            vec![0.0, -1.0, -2.0],
            vec![3.0, 0.0, -1.5, -4.0],
            vec![0.0, -8.0],
            vec![0.0, -15.0, -30.0],
            vec![20.0, 0.0, -3.0],
            vec![-2.0, 40.0, 1.0],
            vec![0.3, -60.0, -70.0],
            vec![1.0, 1.0, -2.0],
        ]
    }

    /// The cotangents (and tangents) for logits `x`: mixed signs and sizes, and one-hot at
    /// the largest logit (the gradient of a negative log-likelihood).
    fn directions(x: &[f64]) -> Vec<Vec<f64>> {
        let top = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let hot: Vec<f64> = x.iter().map(|&e| if e == top { 1.0 } else { 0.0 }).collect();
        let mixed = (0..x.len()).map(|i| [0.75, -1.5, 0.25, 2.0, -0.625][i % 5]).collect();
        vec![mixed, hot]
    }

    /// The largest relative gap between the `f32` and `f64` values of `e` over the probes,
    /// at the indices `at` selects.
    fn gap(&self, graph: &Graph, e: &Expr, at: Where) -> f64 {
        let p64: Vec<(&str, f64)> = self.params.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let p32: Vec<(&str, f32)> = self.params.iter().map(|(k, v)| (k.as_str(), *v as f32)).collect();
        let mut worst: f64 = 0.0;
        for x in Self::logits() {
            for d in Self::directions(&x) {
                // The input, then the same direction for every other element-wise variable.
                let mut wide: Vec<&[f64]> = vec![&x];
                wide.extend((1..graph.vectors.len()).map(|_| d.as_slice()));
                let narrow_vecs: Vec<Vec<f32>> = wide.iter().map(|v| v.iter().map(|&e| e as f32).collect()).collect();
                let narrow: Vec<&[f32]> = narrow_vecs.iter().map(Vec::as_slice).collect();
                let v64 = graph.evaluate(&[e], &wide, &p64).remove(0);
                let v32 = graph.evaluate(&[e], &narrow, &p32).remove(0);
                let (Where::At(m) | Where::Elsewhere(m)) = at;
                let body = graph.evaluate(&[&graph.reds[m].body], &wide, &p64).remove(0);
                let top = body.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let argmax = body.iter().position(|&b| b == top);
                let selected = |i: usize| match at {
                    Where::At(_) => Some(i) == argmax,
                    Where::Elsewhere(_) => Some(i) != argmax,
                };
                for i in (0..x.len()).filter(|&i| selected(i)) {
                    worst = worst.max(relative_gap(v64[i], f64::from(v32[i])));
                }
            }
        }
        worst
    }

    /// Whether `candidate` is clearly steadier than `general` at the indices `at` selects.
    fn better(&self, graph: &Graph, general: &Expr, candidate: &Expr, at: Where) -> bool {
        let before = self.gap(graph, general, at);
        before > NOTICEABLE && self.gap(graph, candidate, at) * 4.0 < before
    }
}

/// Where [`Probe::gap`] looks: only at the argmax of a `Max` reduction, or everywhere else.
#[derive(Clone, Copy)]
enum Where {
    At(usize),
    Elsewhere(usize),
}

/// `|narrow - wide| / |wide|`, at most 1; 1 when only one of them is finite.
fn relative_gap(wide: f64, narrow: f64) -> f64 {
    match (wide.is_finite(), narrow.is_finite()) {
        (true, true) if wide == narrow => 0.0,
        (true, true) => ((narrow - wide) / wide.abs().max(f64::from(f32::MIN_POSITIVE))).abs().min(1.0),
        (false, false) => 0.0,
        _ => 1.0,
    }
}

/// The split form of the stable element-wise output `e`, valid for every element, when it
/// is steadier at the other elements (log-sum-exp: `M + ln(S)` is `x_{j*} + log1p(S°)`
/// for every element).
pub(crate) fn global(graph: &mut Graph, e: &Expr, probe: &Probe) -> Option<Expr> {
    let m = the_max(graph, e)?;
    let mut scratch = graph.clone();
    let split = crate::passes::stabilise::stabilise(&split(&mut scratch, e, m, false));
    // The value at the argmax has its own rewrite (`at_argmax`): this one must pay off elsewhere.
    probe.better(&scratch, e, &split, Where::Elsewhere(m)).then(|| {
        *graph = scratch;
        split
    })
}

/// The value of the stable element-wise output `e` at the argmax of its `max` (returned
/// with it), when that is steadier there than `e` itself.
pub(crate) fn at_argmax(graph: &mut Graph, e: &Expr, probe: &Probe) -> Option<(usize, Expr)> {
    let m = the_max(graph, e)?;
    let mut scratch = graph.clone();
    let star = split(&mut scratch, e, m, true);
    let mut candidates = vec![crate::passes::stabilise::stabilise(&star)];
    if let Some(normal) = Normaliser::default().normalise(&star) {
        candidates.push(crate::passes::stabilise::stabilise(&normal));
    }
    let gaps: Vec<f64> = candidates.iter().map(|c| probe.gap(&scratch, c, Where::At(m))).collect();
    let best = if gaps.len() > 1 && gaps[1] < gaps[0] { 1 } else { 0 };
    let value = candidates.swap_remove(best);
    probe.better(&scratch, e, &value, Where::At(m)).then(|| {
        *graph = scratch;
        (m, value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_vector_formula;
    use crate::vector::stable::stabilise;

    fn stable(src: &str) -> (Graph, Expr) {
        let mut graph = Graph::new("x", &[]);
        graph.add_vector("g");
        let e = parse_vector_formula(src, &["x", "g"]).unwrap();
        let lowered = graph.lower(&stabilise(&e, &graph.vectors));
        (graph, lowered)
    }

    fn probe() -> Probe {
        Probe::new(Vec::new())
    }

    #[test]
    fn log_softmax_takes_log1p_of_the_others_at_the_argmax() {
        let (mut graph, f) = stable("x - ln(sum(exp(x)))");
        assert_eq!(f.to_string(), "x - m0 - ln(s1)");
        assert!(global(&mut graph, &f, &probe()).is_none(), "accurate at the other elements");
        let (m, at) = at_argmax(&mut graph, &f, &probe()).unwrap();
        assert_eq!((m, at.to_string()), (0, "-log1p(o3)".to_string()));
    }

    #[test]
    fn log_sum_exp_takes_log1p_of_the_others_everywhere() {
        let (mut graph, f) = stable("ln(sum(exp(x)))");
        let split = global(&mut graph, &f, &probe()).unwrap();
        assert_eq!(split.to_string(), "x_at_max + log1p(o3)");
        assert_eq!(
            graph.raise(&split).to_string(),
            "max(x) + log1p(sum(if x < max(x) { exp(x - max(x)) } else { 0 }))"
        );
        assert!(at_argmax(&mut graph, &split, &probe()).is_none(), "nothing left to cancel");
    }

    #[test]
    fn softmax_needs_nothing_for_its_forward() {
        let (mut graph, f) = stable("exp(x) / sum(exp(x))");
        assert!(global(&mut graph, &f, &probe()).is_none());
        assert!(at_argmax(&mut graph, &f, &probe()).is_none());
    }

    #[test]
    fn dominant_terms_cancel_at_the_argmax() {
        let (mut graph, _) = stable("exp(x) / sum(exp(x))");
        graph.intern(Kind::Sum, parse_vector_formula("g * exp(x - m0)", &["x", "g", "m0"]).unwrap());
        // The softmax VJP, s (g - <g, s>), over the shifted sums.
        let vjp =
            parse_vector_formula("exp(x - m0) * (g * s1 - s2) / s1.powi(2)", &["x", "g", "m0", "s1", "s2"]).unwrap();
        let (m, at) = at_argmax(&mut graph, &vjp, &probe()).unwrap();
        assert_eq!(m, 0);
        assert_eq!(at.to_string(), "(g_at_max * o5 - o6) / (1 + o5).powi(2)");
    }
}

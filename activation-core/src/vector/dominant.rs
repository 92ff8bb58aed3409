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
//! - [`global`]: the split without fixing the index is valid for every element; it is
//!   used when it lets the stabiliser write a `log1p` of the other elements' sum
//!   (log-softmax becomes `x_i - x_{j*} - log1p(S°)`);
//! - [`at_argmax`]: the value at `j*` alone, used when terms cancelled, which generated
//!   code writes over the general formula's value at that index.
//!
//! Both apply when the formula has exactly one `max` (the usual shift); none otherwise.

use crate::expr::{BinOp, Expr, Func};
use crate::simplify::simplify;
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
fn starred(graph: &mut Graph, m: usize, e: &Expr) -> Expr {
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
    for s in graph.reds_in(&out).into_iter().filter(|&s| graph.reds[s].kind == Kind::Sum) {
        let body = graph.reds[s].body.clone();
        let own = starred(graph, m, &body).substitute(&graph.reds[m].symbol, &top);
        let others = graph.intern(Kind::SumExcept(m), body);
        out = out.substitute(&graph.reds[s].symbol, &Expr::bin(BinOp::Add, own, others));
    }
    simplify(&out.substitute(&graph.reds[m].symbol, &top))
}

/// Whether `e` takes a `log1p` or `expm1` of a sum over the other elements.
fn accurate_logs(graph: &Graph, e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |n| {
        if let Expr::Call(Func::Ln1p | Func::ExpM1, a) = n {
            found |= graph.reds_in(a).iter().any(|&r| matches!(graph.reds[r].kind, Kind::SumExcept(_)));
        }
    });
    found
}

/// The split form of the stable element-wise output `e` for every element, when it makes
/// a logarithm accurate.
pub fn global(graph: &mut Graph, e: &Expr) -> Option<Expr> {
    let m = the_max(graph, e)?;
    let mut scratch = graph.clone();
    let split = crate::stabilise::stabilise(&split(&mut scratch, e, m, false));
    (accurate_logs(&scratch, &split) && !accurate_logs(graph, e)).then(|| {
        *graph = scratch;
        split
    })
}

/// The value of the stable element-wise output `e` at the argmax of its `max` (returned
/// with it), when knowing the index cancels terms there.
pub fn at_argmax(graph: &mut Graph, e: &Expr) -> Option<(usize, Expr)> {
    let m = the_max(graph, e)?;
    let mut scratch = graph.clone();
    let star = split(&mut scratch, e, m, true);
    let mut normaliser = Normaliser::default();
    let normal = normaliser.normalise(&star)?;
    let value = if normaliser.cancelled { normal } else { star };
    let value = crate::stabilise::stabilise(&value);
    (normaliser.cancelled || accurate_logs(&scratch, &value) && !accurate_logs(graph, e)).then(|| {
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

    #[test]
    fn log_softmax_takes_log1p_of_the_others() {
        let (mut graph, f) = stable("x - ln(sum(exp(x)))");
        let split = global(&mut graph, &f).unwrap();
        assert_eq!(split.to_string(), "x - x_at_max - log1p(o2)");
        assert_eq!(graph.raise(&split).to_string(), "x - sum(if x >= max(x) { x } else { 0 }) - log1p(sum(if x < max(x) { exp(x - max(x)) } else { 0 }))");
        assert!(at_argmax(&mut graph, &split).is_none(), "nothing left to cancel");
    }

    #[test]
    fn softmax_needs_nothing_for_its_forward() {
        let (mut graph, f) = stable("exp(x) / sum(exp(x))");
        assert!(global(&mut graph, &f).is_none());
        assert!(at_argmax(&mut graph, &f).is_none());
    }

    #[test]
    fn dominant_terms_cancel_at_the_argmax() {
        let (mut graph, _) = stable("exp(x) / sum(exp(x))");
        // The softmax VJP, s (g - <g, s>), over the shifted sums.
        let vjp = parse_vector_formula("exp(x - m0) / s1 * (g - s2 / s1)", &["x", "g", "m0", "s1", "s2"]).unwrap();
        graph.intern(Kind::Sum, parse_vector_formula("g * exp(x - m0)", &["x", "g", "m0"]).unwrap());
        let (m, at) = at_argmax(&mut graph, &vjp).unwrap();
        assert_eq!(m, 0);
        assert_eq!(at.to_string(), "(g_at_max * o4 - o5) / (1 + o4).powi(2)");
    }
}

//! Expressions laid out for evaluation at many points: every distinct node once, children
//! before parents, so evaluating at a point is one pass over a vector — no hashing, no
//! memo table per point, and no subterm evaluated twice however often the DAG shares it.
//!
//! The probes that compare candidate forms (`passes/derived.rs`), choose compensation
//! (`passes/compensate.rs`) and look for doubts (`passes/doubts.rs`) evaluate a few forms
//! at ~140 points, several times each; forms of one activation share most of their nodes
//! (f'' is built from f'), so one tape holding all of them evaluates each shared node once
//! per point for all. Each node computes what [`eval`](crate::ir::eval::eval) computes for
//! it (the same operations on the same values, hence the same bits); both sides of a
//! branch are computed and the condition picks one.

use activation_runtime::Real;

use crate::ir::eval::{binary, call};
use crate::ir::expr::{inexact_in_f32, inverted_in_f32, BinOp, CmpOp, Expr, Func, Memo};

/// One node of a [`Tape`]: operands are indices of earlier nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Op {
    /// A number, a named constant's value, or NaN (an unbound variable, a reduction).
    Value(f64),
    /// The tape's variable of that index.
    Var(usize),
    /// `-a`
    Neg(usize),
    /// `a.powi(n)`
    Powi(usize, i32),
    /// `f(a)`
    Call(Func, usize),
    /// `a op b`
    Bin(BinOp, usize, usize),
    /// `if lhs op rhs { then } else { otherwise }`: (op, lhs, rhs, then, otherwise).
    If(CmpOp, usize, usize, usize, usize),
}

/// Distinct nodes of some expressions, children first (see the module's documentation).
pub(crate) struct Tape {
    vars: Vec<String>,
    ops: Vec<Op>,
    nodes: Vec<Expr>,
    index: Memo<usize>,
}

#[cfg(test)]
thread_local! {
    /// Nodes evaluated on tapes by this thread (tests count the probes' work with it).
    pub(crate) static EVALUATED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl Tape {
    /// An empty tape over the variables `vars` (a name listed twice is bound to its first
    /// place; names not listed evaluate to NaN, as in `eval`).
    pub(crate) fn new(vars: &[&str]) -> Tape {
        Tape {
            vars: vars.iter().map(|v| v.to_string()).collect(),
            ops: Vec::new(),
            nodes: Vec::new(),
            index: Memo::new(),
        }
    }

    /// Adds `e` (the nodes it does not share with what the tape holds) and returns the
    /// index of its value.
    pub(crate) fn add(&mut self, e: &Expr) -> usize {
        if let Some(&i) = self.index.get(e) {
            return i;
        }
        // A constant subtree is one number, as generated code has it (`ir::constant::folded`).
        let op = if let Some(v) = crate::ir::constant::folded(e) {
            Op::Value(v)
        } else {
            match e {
                Expr::Num(n) => Op::Value(n.0),
                Expr::Const(k) => Op::Value(k.info().value),
                Expr::Var(v) => match self.vars.iter().position(|name| name == v) {
                    Some(i) => Op::Var(i),
                    None => Op::Value(f64::NAN),
                },
                Expr::Reduce(..) => Op::Value(f64::NAN),
                Expr::Neg(a) => Op::Neg(self.add(a)),
                Expr::Powi(a, n) => Op::Powi(self.add(a), *n),
                Expr::Call(f, a) => Op::Call(*f, self.add(a)),
                Expr::Bin(op, a, b) => {
                    let a = self.add(a);
                    Op::Bin(*op, a, self.add(b))
                }
                Expr::If(c, a, b) => {
                    let (lhs, rhs) = (self.add(&c.lhs), self.add(&c.rhs));
                    let (a, b) = (self.add(a), self.add(b));
                    Op::If(c.op, lhs, rhs, a, b)
                }
            }
        };
        self.ops.push(op);
        self.nodes.push(e.clone());
        self.index.insert(e.clone(), self.ops.len() - 1);
        self.ops.len() - 1
    }

    /// The index of `e`'s value, where the tape holds it.
    pub(crate) fn find(&self, e: &Expr) -> Option<usize> {
        self.index.get(e).copied()
    }

    /// The nodes, children before parents.
    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The expression of node `i`.
    pub(crate) fn node(&self, i: usize) -> &Expr {
        &self.nodes[i]
    }

    /// Evaluates every node in `T` with the variables bound to `vars` (in the tape's order),
    /// into `values` (one per node).
    pub(crate) fn eval<T: Real>(&self, vars: &[T], values: &mut Vec<T>) {
        self.eval_with(vars, values, |_, _, _| None);
    }

    /// [`Tape::eval`], except that `special(i, op, values so far)` may give node `i`'s value
    /// instead (`None`: the plain one).
    pub(crate) fn eval_with<T: Real>(
        &self,
        vars: &[T],
        values: &mut Vec<T>,
        mut special: impl FnMut(usize, &Op, &[T]) -> Option<T>,
    ) {
        #[cfg(test)]
        EVALUATED.with(|n| n.set(n.get() + self.ops.len() as u64));
        values.clear();
        values.reserve(self.ops.len());
        for (i, op) in self.ops.iter().enumerate() {
            let v = match special(i, op, values) {
                Some(v) => v,
                None => plain(op, vars, values, &self.ops),
            };
            values.push(v);
        }
    }
}

/// What `eval` computes for a node whose operands' values are in `values` (of the nodes
/// `ops`).
pub(crate) fn plain<T: Real>(op: &Op, vars: &[T], values: &[T], ops: &[Op]) -> T {
    match *op {
        Op::Value(v) => T::from_f64(v),
        Op::Var(i) => vars[i],
        Op::Neg(a) => -values[a],
        Op::Powi(a, n) => values[a].powi(n),
        Op::Call(f, a) => call(f, values[a]),
        Op::Bin(op, a, b) => plus_constant(op, a, b, values, ops)
            .or_else(|| over_constant(op, a, b, values, ops))
            .unwrap_or_else(|| binary(op, values[a], values[b])),
        Op::If(op, lhs, rhs, a, b) => {
            let side = |k: usize| compared(ops, k, values[k].to_f64());
            if op.holds(side(lhs), side(rhs)) {
                values[a]
            } else {
                values[b]
            }
        }
    }
}

/// A side of a comparison whose node `k` has the value `value`, as generated code compares
/// it: a constant side as the number it is (`Expr::leaf_constant`), not as rounded.
pub(crate) fn compared(ops: &[Op], k: usize, value: f64) -> f64 {
    match ops[k] {
        Op::Value(v) => v,
        Op::Neg(j) => match ops[j] {
            Op::Value(v) => -v,
            _ => value,
        },
        _ => value,
    }
}

/// The number at node `i` if it is one that `f32` does not hold.
fn inexact(ops: &[Op], i: usize) -> Option<f64> {
    match ops[i] {
        Op::Value(v) if inexact_in_f32(v) => Some(v),
        _ => None,
    }
}

/// A sum or difference of node `a` and `b` with a number `f32` does not hold, as generated
/// code computes it (`Float::plus_constant`: the number's low part added after its high
/// part); `None` for any other operation.
fn plus_constant<T: Real>(op: BinOp, a: usize, b: usize, values: &[T], ops: &[Op]) -> Option<T> {
    let (x, c) = match (op, inexact(ops, a), inexact(ops, b)) {
        (BinOp::Add, _, Some(c)) => (values[a], c),
        (BinOp::Add, Some(c), _) => (values[b], c),
        (BinOp::Sub, _, Some(c)) => (values[a], -c),
        (BinOp::Sub, Some(c), _) => (-values[b], c),
        _ => return None,
    };
    let hi = T::from_f64(c);
    Some(x + hi + T::from_f64(c - hi.to_f64()))
}

/// A quotient by a number `f32` does not hold and whose reciprocal it does, as generated
/// code computes it (`Float::over_constant`); `None` for any other operation.
fn over_constant<T: Real>(op: BinOp, a: usize, b: usize, values: &[T], ops: &[Op]) -> Option<T> {
    let c = inexact(ops, b).filter(|&c| op == BinOp::Div && inverted_in_f32(c))?;
    Some(values[a].over_constant(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::eval::{eval, Env};
    use crate::parse::parse_formula;

    #[test]
    fn f32_sums_and_comparisons_with_numbers_are_those_of_generated_code() {
        use activation_runtime::Float;
        // x + 0.1, 0.1 − x and x − 0.1 take 0.1's low part as `Float::plus_constant` does,
        // and x >= 0.01 compares with the number itself (0.01f32 is below it).
        let forms = ["x + 0.1", "0.1 - x", "x - 0.1", "if x >= 0.01 { 1 } else { 2 }"];
        let mut tape = Tape::new(&["x"]);
        let roots: Vec<usize> = forms.iter().map(|f| tape.add(&parse_formula(f, &["x"]).unwrap())).collect();
        let mut values = Vec::new();
        tape.eval(&[-0.1f32], &mut values);
        assert_eq!(values[roots[0]], (-0.1f32).plus_constant(0.1));
        assert!(values[roots[0]] != 0.0 && values[roots[0]] < 0.0);
        tape.eval(&[0.1f32], &mut values);
        assert_eq!(values[roots[1]], (-0.1f32).plus_constant(0.1));
        assert_eq!(values[roots[2]], 0.1f32.plus_constant(-0.1));
        assert!(values[roots[2]] > 0.0);
        tape.eval(&[0.01f32], &mut values);
        assert_eq!(values[roots[3]], 2.0);
    }

    #[test]
    fn a_tape_computes_what_eval_computes_bit_for_bit() {
        let forms = [
            "if x > 0.5 { x * sigmoid(x) } else { a * x.exp_m1() + PI }",
            "(1 + x * x).sqrt() - x.exp() + x.powi(-3) + tanh(x).powf(a)",
            "max(sin(3 * x), 0) + min(ln(x), erfc(x)) / softplus(-x) - y",
        ];
        let mut tape = Tape::new(&["x", "a"]);
        let exprs: Vec<Expr> = forms.iter().map(|f| parse_formula(f, &["x", "a", "y"]).unwrap()).collect();
        let roots: Vec<usize> = exprs.iter().map(|e| tape.add(e)).collect();
        // Shared nodes are added once.
        assert_eq!(tape.add(&exprs[1]), roots[1]);
        let mut values = Vec::new();
        for x in [-800.0, -3.0, -1e-9, 0.0, 0.25, 0.5, 2.0, 40.0, 1e300] {
            let env: Env<f64> = [("x".to_string(), x), ("a".to_string(), 0.75)].into_iter().collect();
            tape.eval(&[x, 0.75], &mut values);
            for (e, &r) in exprs.iter().zip(&roots) {
                assert_eq!(values[r].to_bits(), eval(e, &env).to_bits(), "{e:?} at {x}");
            }
            let env32: Env<f32> = env.iter().map(|(k, v)| (k.clone(), *v as f32)).collect();
            let mut values32 = Vec::new();
            tape.eval(&[x as f32, 0.75], &mut values32);
            for (e, &r) in exprs.iter().zip(&roots) {
                assert_eq!(values32[r].to_bits(), eval(e, &env32).to_bits(), "{e:?} at {x} in f32");
            }
        }
    }
}

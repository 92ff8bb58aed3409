//! Canonical text of an expression: Rust formula syntax that [`crate::parse`] reads back,
//! with the fewest parentheses that keep the meaning.

use crate::ir::expr::{BinOp, Expr, Reduction};

/// Binding strength, loosest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    If,
    Sum,
    Product,
    Prefix,
    Postfix,
    Atom,
}

/// The canonical text of `e`.
pub(crate) fn to_text(e: &Expr) -> String {
    print(e)
}

/// A number as a person would write it in Rust source: `2`, `0.5`, `1e-300`.
pub(crate) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

fn prec(e: &Expr) -> Prec {
    match e {
        Expr::Num(n) if n.0 < 0.0 || (n.0 == 0.0 && n.0.is_sign_negative()) => Prec::Prefix,
        Expr::Num(_) | Expr::Const(_) | Expr::Var(_) | Expr::Call(..) | Expr::Reduce(..) => Prec::Atom,
        Expr::Bin(BinOp::Add | BinOp::Sub, ..) => Prec::Sum,
        Expr::Bin(BinOp::Mul | BinOp::Div, ..) => Prec::Product,
        Expr::Bin(BinOp::Max | BinOp::Min, ..) => Prec::Atom,
        Expr::Bin(BinOp::Pow, ..) | Expr::Powi(..) => Prec::Postfix,
        Expr::Neg(_) => Prec::Prefix,
        Expr::If(..) => Prec::If,
    }
}

/// `e` printed so that it binds at least as tightly as `min`.
fn wrap(e: &Expr, min: Prec) -> String {
    if prec(e) < min {
        format!("({})", print(e))
    } else {
        print(e)
    }
}

fn print(e: &Expr) -> String {
    match e {
        Expr::Num(n) => number(n.0),
        Expr::Const(k) => k.info().name.to_string(),
        Expr::Var(v) => v.clone(),
        // -(2 * x) reads as -2 * x: the same value, the same rounding.
        Expr::Neg(a) if leading_number(a) => format!("-{}", print(a)),
        Expr::Neg(a) => format!("-{}", wrap(a, Prec::Prefix)),
        Expr::Powi(a, n) => format!("{}.powi({n})", wrap(a, Prec::Postfix)),
        Expr::Call(f, a) => format!("{}({})", f.name(), print(a)),
        Expr::Reduce(r, a) => {
            let name = match r {
                Reduction::Sum => "sum",
                Reduction::Max => "max",
            };
            format!("{name}({})", print(a))
        }
        Expr::Bin(op, a, b) => binary(*op, a, b),
        Expr::If(c, a, b) => {
            let cond = format!("{} {} {}", wrap(&c.lhs, Prec::Sum), c.op.symbol(), wrap(&c.rhs, Prec::Sum));
            let rest = match &**b {
                Expr::If(..) => print(b),
                _ => format!("{{ {} }}", print(b)),
            };
            format!("if {cond} {{ {} }} else {rest}", print(a))
        }
    }
}

/// A product whose leftmost factor is a non-negative number.
fn leading_number(e: &Expr) -> bool {
    match e {
        Expr::Bin(BinOp::Mul | BinOp::Div, a, _) => leading_number(a),
        Expr::Num(n) => n.0 >= 0.0,
        _ => false,
    }
}

fn binary(op: BinOp, a: &Expr, b: &Expr) -> String {
    let (sym, left, right) = match op {
        BinOp::Add => ("+", Prec::Sum, Prec::Product),
        BinOp::Sub => ("-", Prec::Sum, Prec::Product),
        BinOp::Mul => ("*", Prec::Product, Prec::Prefix),
        BinOp::Div => ("/", Prec::Product, Prec::Prefix),
        BinOp::Pow => return format!("{}.powf({})", wrap(a, Prec::Postfix), print(b)),
        BinOp::Max => return format!("max({}, {})", print(a), print(b)),
        BinOp::Min => return format!("min({}, {})", print(a), print(b)),
    };
    // The right operand is parenthesised unless it binds tighter, so that the text reads
    // back as the same tree (`a + (b + c)` stays as written).
    format!("{} {sym} {}", wrap(a, left), wrap(b, right))
}
/// Formulas whose tree has more nodes than this are not printed in generated docs and
/// constants: shared subterms make a DAG of a few hundred nodes unfold to a text of
/// millions of characters (a deeply nested formula's derivatives).
pub(crate) const PRINT_LIMIT: usize = 20_000;

/// `print(e)`, or a short note saying how large `e` is when it is over [`PRINT_LIMIT`].
pub(crate) fn printed(e: &Expr, print: impl FnOnce(&Expr) -> String) -> String {
    if e.size() <= PRINT_LIMIT {
        print(e)
    } else {
        format!("(a formula of {} terms unfolded, {} distinct: too long to print)", e.size(), e.dag_size())
    }
}

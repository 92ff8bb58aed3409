//! The expression IR: one small tree type that every pass reads and writes.
//!
//! A formula is an [`Expr`] over named variables: the input (conventionally `x`) and the
//! parameters. Scalar activations use only the element-wise nodes; vector activations
//! (softmax) add [`Expr::Reduce`], whose body is evaluated for every element of the input
//! slice and combined — so `x` inside a reduction means "each `x_j`", outside it "this
//! `x_i`". Every pass that does not understand reductions yet says so with an error
//! instead of guessing.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A finite `f64` constant with total equality, ordering and hashing, so expressions can
/// be compared, sorted and used as map keys.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}
impl Eq for Num {}
impl Hash for Num {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Binary operators. `Pow` is `powf`; integer powers are [`Expr::Powi`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BinOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a.powf(b)`
    Pow,
    /// `max(a, b)`
    Max,
    /// `min(a, b)`
    Min,
}

/// Comparison operators allowed in the conditions of piecewise formulas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Whether the finite number `v` is not an `f32` value.
pub(crate) fn inexact_in_f32(v: f64) -> bool {
    v.is_finite() && f64::from(v as f32) != v
}

/// Whether dividing by the number `v` is a product with its reciprocal in `f32` code
/// (`Float::over_constant`): `f32` does not hold `v` and holds 1/`v` rounded to `f64`.
pub(crate) fn inverted_in_f32(v: f64) -> bool {
    let inverse = 1.0 / v;
    inexact_in_f32(v) && inverse.is_finite() && !inexact_in_f32(inverse)
}

impl CmpOp {
    /// The Rust spelling of the operator.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether `lhs op c` holds exactly, for `lhs` of some floating type and a real `c`, when
    /// `c` is rounded up to that type (else down): `x >= c` is `x >= ⌈c⌉` and `x > c` is
    /// `x > ⌊c⌋`. `constant_left`: the comparison is `c op rhs` instead.
    pub(crate) fn rounds_constant_up(self, constant_left: bool) -> bool {
        match self {
            CmpOp::Ge | CmpOp::Lt => !constant_left,
            CmpOp::Gt | CmpOp::Le => constant_left,
        }
    }

    /// Whether `lhs op rhs` holds for two numbers.
    pub(crate) fn holds(self, lhs: f64, rhs: f64) -> bool {
        match self {
            CmpOp::Lt => lhs < rhs,
            CmpOp::Le => lhs <= rhs,
            CmpOp::Gt => lhs > rhs,
            CmpOp::Ge => lhs >= rhs,
        }
    }
}

/// A condition `lhs op rhs` of a piecewise formula.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cond {
    /// The comparison.
    pub op: CmpOp,
    /// Left side.
    pub lhs: Expr,
    /// Right side.
    pub rhs: Expr,
}

/// Reductions over the elements of a vector input (the softmax family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reduction {
    /// `sum(e)`: Σ_j e(x_j).
    Sum,
    /// `max(e)`: the largest e(x_j).
    Max,
}

/// One-argument functions of the formula language (methods and prelude functions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// e^u
    Exp,
    /// e^u - 1
    ExpM1,
    /// ln u
    Ln,
    /// ln(1 + u)
    Ln1p,
    /// √u
    Sqrt,
    /// |u|
    Abs,
    /// tanh u
    Tanh,
    /// sinh u
    Sinh,
    /// cosh u
    Cosh,
    /// arctan u
    Atan,
    /// sin u
    Sin,
    /// cos u
    Cos,
    /// 1 / (1 + e^-u)
    Sigmoid,
    /// ln(1 + e^u)
    Softplus,
    /// the error function
    Erf,
    /// 1 - erf u
    Erfc,
    /// expm1(u) - u e^u, evaluated without the cancellation near u = 0; produced only by
    /// the stabilising pass (d/dα of α expm1(x/α), as in CELU).
    Expm1SubUexp,
}

/// What the passes need to know about a [`Func`], kept as one table so that adding a
/// function is adding a row.
pub(crate) struct FuncInfo {
    /// The function this row describes.
    pub func: Func,
    /// Canonical (prelude function) name, used in canonical text.
    pub name: &'static str,
    /// Other names accepted for the prelude function (`expm1` and `exp_m1`).
    pub aliases: &'static [&'static str],
    /// The `f64` method name, if `x.name()` is accepted.
    pub method: Option<&'static str>,
    /// LaTeX command for the function.
    pub latex: &'static str,
    /// d/du f(u), as a formula in `u` of the formula language.
    pub derivative: &'static str,
    /// For an engine-internal primitive, what it computes, as a formula in `u` of the
    /// formula language: the passes write the primitive (the stabilising rules) and the
    /// canonical text of stable forms contains it, but a user's formula may not call it
    /// (`parse::parse_activation` rejects it and shows this formula instead). `None` for
    /// the functions of the formula language.
    pub internal: Option<&'static str>,
}

/// The function table. The derivative column is data: `diff` parses it once.
pub(crate) const FUNCS: &[FuncInfo] = &[
    FuncInfo {
        func: Func::Exp,
        name: "exp",
        aliases: &[],
        method: Some("exp"),
        latex: "\\exp",
        derivative: "exp(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::ExpM1,
        name: "expm1",
        aliases: &["exp_m1"],
        method: Some("exp_m1"),
        latex: "\\operatorname{expm1}",
        derivative: "exp(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Ln,
        name: "ln",
        aliases: &[],
        method: Some("ln"),
        latex: "\\ln",
        derivative: "1 / u",
        internal: None,
    },
    FuncInfo {
        func: Func::Ln1p,
        name: "log1p",
        aliases: &["ln_1p"],
        method: Some("ln_1p"),
        latex: "\\operatorname{log1p}",
        derivative: "1 / (1 + u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Sqrt,
        name: "sqrt",
        aliases: &[],
        method: Some("sqrt"),
        latex: "\\sqrt",
        derivative: "0.5 / sqrt(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Abs,
        name: "abs",
        aliases: &[],
        method: Some("abs"),
        latex: "\\left|\\cdot\\right|",
        derivative: "if u > 0 { 1 } else if u < 0 { -1 } else { 0 }",
        internal: None,
    },
    FuncInfo {
        func: Func::Tanh,
        name: "tanh",
        aliases: &[],
        method: Some("tanh"),
        latex: "\\tanh",
        derivative: "1 - tanh(u).powi(2)",
        internal: None,
    },
    FuncInfo {
        func: Func::Sinh,
        name: "sinh",
        aliases: &[],
        method: Some("sinh"),
        latex: "\\sinh",
        derivative: "cosh(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Cosh,
        name: "cosh",
        aliases: &[],
        method: Some("cosh"),
        latex: "\\cosh",
        derivative: "sinh(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Atan,
        name: "atan",
        aliases: &[],
        method: Some("atan"),
        latex: "\\arctan",
        derivative: "1 / (1 + u.powi(2))",
        internal: None,
    },
    FuncInfo {
        func: Func::Sin,
        name: "sin",
        aliases: &[],
        method: Some("sin"),
        latex: "\\sin",
        derivative: "cos(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Cos,
        name: "cos",
        aliases: &[],
        method: Some("cos"),
        latex: "\\cos",
        derivative: "-sin(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Sigmoid,
        name: "sigmoid",
        aliases: &[],
        method: None,
        latex: "\\sigma",
        derivative: "sigmoid(u) * (1 - sigmoid(u))",
        internal: None,
    },
    FuncInfo {
        func: Func::Softplus,
        name: "softplus",
        aliases: &[],
        method: None,
        latex: "\\operatorname{softplus}",
        derivative: "sigmoid(u)",
        internal: None,
    },
    FuncInfo {
        func: Func::Erf,
        name: "erf",
        aliases: &[],
        method: None,
        latex: "\\operatorname{erf}",
        derivative: "FRAC_2_SQRT_PI * exp(-u.powi(2))",
        internal: None,
    },
    FuncInfo {
        func: Func::Erfc,
        name: "erfc",
        aliases: &[],
        method: None,
        latex: "\\operatorname{erfc}",
        derivative: "-FRAC_2_SQRT_PI * exp(-u.powi(2))",
        internal: None,
    },
    FuncInfo {
        func: Func::Expm1SubUexp,
        name: "expm1_sub_uexp",
        aliases: &[],
        method: None,
        latex: "\\operatorname{expm1\\_sub\\_uexp}",
        derivative: "-u * exp(u)",
        internal: Some("expm1(u) - u * exp(u)"),
    },
];

impl Func {
    /// This function's row of [`FUNCS`].
    pub(crate) fn info(self) -> &'static FuncInfo {
        FUNCS.iter().find(|i| i.func == self).expect("every Func has a row in FUNCS")
    }

    /// The canonical name.
    pub(crate) fn name(self) -> &'static str {
        self.info().name
    }

    /// The function called `name` as a prelude function, if any.
    pub(crate) fn from_function_name(name: &str) -> Option<Func> {
        FUNCS.iter().find(|i| i.name == name || i.aliases.contains(&name)).map(|i| i.func)
    }

    /// The function called `name` as an `f64` method, if any.
    pub(crate) fn from_method_name(name: &str) -> Option<Func> {
        FUNCS.iter().find(|i| i.method == Some(name)).map(|i| i.func)
    }
}

/// A named mathematical constant (`PI`, `SQRT_2`, …), kept by name so printed formulas
/// say `\pi` rather than `3.14159…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Constant(pub(crate) u8);

/// One named constant: its `std::f64::consts` name, `f64` value, LaTeX, MathML, and its exact
/// definition as a formula over `PI` and numbers (what the MPFR reference evaluates).
pub(crate) struct ConstantInfo {
    /// Its `std::f64::consts` name.
    pub name: &'static str,
    /// Its `f64` value.
    pub value: f64,
    /// Its LaTeX.
    pub latex: &'static str,
    /// Its MathML (presentation markup, the same notation as its LaTeX).
    pub mathml: &'static str,
    /// Its exact definition, a formula over `PI` and numbers.
    pub exact: &'static str,
}

use std::f64::consts as c;

/// Every constant of `std::f64::consts`.
pub(crate) const CONSTANTS: &[ConstantInfo] = &[
    ConstantInfo { name: "PI", value: c::PI, latex: "\\pi", mathml: "<mi>π</mi>", exact: "PI" },
    ConstantInfo {
        name: "TAU",
        value: c::TAU,
        latex: "2\\pi",
        mathml: "<mn>2</mn><mo>\u{2062}</mo><mi>π</mi>",
        exact: "2 * PI",
    },
    ConstantInfo { name: "E", value: c::E, latex: "e", mathml: "<mi>e</mi>", exact: "exp(1)" },
    ConstantInfo {
        name: "SQRT_2",
        value: c::SQRT_2,
        latex: "\\sqrt{2}",
        mathml: "<msqrt><mn>2</mn></msqrt>",
        exact: "sqrt(2)",
    },
    ConstantInfo {
        name: "FRAC_1_SQRT_2",
        value: c::FRAC_1_SQRT_2,
        latex: "\\frac{1}{\\sqrt{2}}",
        mathml: "<mfrac><mn>1</mn><msqrt><mn>2</mn></msqrt></mfrac>",
        exact: "1 / sqrt(2)",
    },
    ConstantInfo {
        name: "FRAC_2_SQRT_PI",
        value: c::FRAC_2_SQRT_PI,
        latex: "\\frac{2}{\\sqrt{\\pi}}",
        mathml: "<mfrac><mn>2</mn><msqrt><mi>π</mi></msqrt></mfrac>",
        exact: "2 / sqrt(PI)",
    },
    ConstantInfo {
        name: "FRAC_1_PI",
        value: c::FRAC_1_PI,
        latex: "\\frac{1}{\\pi}",
        mathml: "<mfrac><mn>1</mn><mi>π</mi></mfrac>",
        exact: "1 / PI",
    },
    ConstantInfo {
        name: "FRAC_2_PI",
        value: c::FRAC_2_PI,
        latex: "\\frac{2}{\\pi}",
        mathml: "<mfrac><mn>2</mn><mi>π</mi></mfrac>",
        exact: "2 / PI",
    },
    ConstantInfo {
        name: "FRAC_PI_2",
        value: c::FRAC_PI_2,
        latex: "\\frac{\\pi}{2}",
        mathml: "<mfrac><mi>π</mi><mn>2</mn></mfrac>",
        exact: "PI / 2",
    },
    ConstantInfo {
        name: "FRAC_PI_3",
        value: c::FRAC_PI_3,
        latex: "\\frac{\\pi}{3}",
        mathml: "<mfrac><mi>π</mi><mn>3</mn></mfrac>",
        exact: "PI / 3",
    },
    ConstantInfo {
        name: "FRAC_PI_4",
        value: c::FRAC_PI_4,
        latex: "\\frac{\\pi}{4}",
        mathml: "<mfrac><mi>π</mi><mn>4</mn></mfrac>",
        exact: "PI / 4",
    },
    ConstantInfo {
        name: "FRAC_PI_6",
        value: c::FRAC_PI_6,
        latex: "\\frac{\\pi}{6}",
        mathml: "<mfrac><mi>π</mi><mn>6</mn></mfrac>",
        exact: "PI / 6",
    },
    ConstantInfo {
        name: "FRAC_PI_8",
        value: c::FRAC_PI_8,
        latex: "\\frac{\\pi}{8}",
        mathml: "<mfrac><mi>π</mi><mn>8</mn></mfrac>",
        exact: "PI / 8",
    },
    ConstantInfo {
        name: "LN_2",
        value: c::LN_2,
        latex: "\\ln 2",
        mathml: "<mi>ln</mi><mo>\u{2061}</mo><mn>2</mn>",
        exact: "ln(2)",
    },
    ConstantInfo {
        name: "LN_10",
        value: c::LN_10,
        latex: "\\ln 10",
        mathml: "<mi>ln</mi><mo>\u{2061}</mo><mn>10</mn>",
        exact: "ln(10)",
    },
    ConstantInfo {
        name: "LOG2_E",
        value: c::LOG2_E,
        latex: "\\log_2 e",
        mathml: "<msub><mi>log</mi><mn>2</mn></msub><mo>\u{2061}</mo><mi>e</mi>",
        exact: "1 / ln(2)",
    },
    ConstantInfo {
        name: "LOG10_E",
        value: c::LOG10_E,
        latex: "\\log_{10} e",
        mathml: "<msub><mi>log</mi><mn>10</mn></msub><mo>\u{2061}</mo><mi>e</mi>",
        exact: "1 / ln(10)",
    },
    ConstantInfo {
        name: "LOG2_10",
        value: c::LOG2_10,
        latex: "\\log_2 10",
        mathml: "<msub><mi>log</mi><mn>2</mn></msub><mo>\u{2061}</mo><mn>10</mn>",
        exact: "ln(10) / ln(2)",
    },
    ConstantInfo {
        name: "LOG10_2",
        value: c::LOG10_2,
        latex: "\\log_{10} 2",
        mathml: "<msub><mi>log</mi><mn>10</mn></msub><mo>\u{2061}</mo><mn>2</mn>",
        exact: "ln(2) / ln(10)",
    },
];

impl Constant {
    /// The constant called `name` in `std::f64::consts`.
    pub(crate) fn from_name(name: &str) -> Option<Constant> {
        CONSTANTS.iter().position(|k| k.name == name).map(|i| Constant(i as u8))
    }

    /// Its row of [`CONSTANTS`].
    pub(crate) fn info(self) -> &'static ConstantInfo {
        &CONSTANTS[self.0 as usize]
    }
}

/// A child of an [`Expr`] node: a shared, immutable, hash-consed node.
///
/// Children are reference-counted so that a subterm used twice — the `u` and `u'` of
/// every chain rule — is one node, not two copies: expressions are DAGs, and the passes
/// memoise on shared nodes (see [`Memo`]), so their work grows with the number of
/// distinct nodes rather than with the size of the tree they unfold to. Every node is
/// interned on creation (a per-thread table keyed by structural hash), so two equal
/// subterms built separately are the same node; the structural hash, the tree size and a
/// one-word summary of the variables are computed once, at creation. Equality is pointer
/// equality first, then (for nodes interned by different threads, or a hash collision)
/// structural. `Shared` dereferences to [`Expr`], so `match &**a { … }` reads a child as
/// it did when children were boxes.
#[derive(Clone)]
pub struct Shared(Arc<Node>);

struct Node {
    hash: u64,
    size: usize,
    depth: u32,
    vars: u64,
    funcs: u32,
    expr: Expr,
}

/// Nodes interned per thread before the table is emptied (emptying only loses sharing
/// with what was built before, never correctness).
const INTERN_LIMIT: usize = 1 << 20;

thread_local! {
    static INTERNED: RefCell<(usize, HashMap<u64, Vec<Shared>>)> = RefCell::new((0, HashMap::new()));
}

/// Empties this thread's interning table (expansion does, before each activation, so the
/// table holds one activation's nodes at a time). Nodes made before stay valid; they are
/// only no longer shared with equal nodes made after (equality then compares structure).
pub(crate) fn forget_interned() {
    INTERNED.with(|t| *t.borrow_mut() = (0, HashMap::new()));
}

impl Shared {
    /// The interned node for `e`.
    pub(crate) fn new(e: Expr) -> Shared {
        let hash = {
            let mut h = DefaultHasher::new();
            e.hash(&mut h);
            h.finish()
        };
        INTERNED.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(found) = t.1.get(&hash).and_then(|b| b.iter().find(|n| n.0.expr == e)) {
                return found.clone();
            }
            if t.0 >= INTERN_LIMIT {
                *t = (0, HashMap::new());
            }
            let node = Shared(Arc::new(Node {
                hash,
                size: e.size(),
                depth: e.depth(),
                vars: e.var_summary(),
                funcs: e.func_summary(),
                expr: e,
            }));
            t.0 += 1;
            t.1.entry(hash).or_default().push(node.clone());
            node
        })
    }

    /// A key naming this node for memo tables: equal keys are the same node.
    pub(crate) fn key(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl std::ops::Deref for Shared {
    type Target = Expr;
    fn deref(&self) -> &Expr {
        &self.0.expr
    }
}
impl AsRef<Expr> for Shared {
    fn as_ref(&self) -> &Expr {
        &self.0.expr
    }
}
impl std::borrow::Borrow<Expr> for Shared {
    fn borrow(&self) -> &Expr {
        &self.0.expr
    }
}
impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expr.fmt(f)
    }
}
impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || (self.0.hash == other.0.hash && self.0.expr == other.0.expr)
    }
}
impl Eq for Shared {}
impl Hash for Shared {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The node's structural hash, so that hashing an expression looks at one level.
        state.write_u64(self.0.hash);
    }
}
impl PartialOrd for Shared {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Shared {
    fn cmp(&self, other: &Self) -> Ordering {
        if Arc::ptr_eq(&self.0, &other.0) {
            Ordering::Equal
        } else {
            self.0.expr.cmp(&other.0.expr)
        }
    }
}

/// A memo table for a pass over a DAG: results by node, so each distinct node is
/// computed once however many parents share it. Keyed by [`Expr`] itself — its hash looks
/// at one level (children hash as their cached structural hash) and equal children are
/// the same node, so a lookup costs O(1) — and alive for one pass over one expression.
pub(crate) type Memo<T> = HashMap<Expr, T>;

/// An expression of the formula language.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Expr {
    /// A numeric literal.
    Num(Num),
    /// A named constant such as `PI`.
    Const(Constant),
    /// The input or a parameter, by name.
    Var(String),
    /// `-a`.
    Neg(Shared),
    /// `a op b`.
    Bin(BinOp, Shared, Shared),
    /// `a.powi(n)`.
    Powi(Shared, i32),
    /// `f(a)`.
    Call(Func, Shared),
    /// `if cond { then } else { otherwise }`: a piecewise formula.
    If(Box<Cond>, Shared, Shared),
    /// A reduction over the vector input: `sum(body)` or `max(body)`.
    Reduce(Reduction, Shared),
}

/// One bit per function (one row of [`FUNCS`] each, at most 32).
fn func_bit(f: Func) -> u32 {
    1 << (f as u32)
}
const _: () = assert!(FUNCS.len() <= 32);

/// One bit per variable name (of 64), for a quick "certainly does not depend on".
fn var_bit(name: &str) -> u64 {
    let mut h = DefaultHasher::new();
    name.hash(&mut h);
    1 << (h.finish() % 64)
}

impl Expr {
    /// A number.
    pub(crate) fn num(v: f64) -> Expr {
        Expr::Num(Num(v))
    }
    /// A variable.
    pub fn var(name: &str) -> Expr {
        Expr::Var(name.to_string())
    }
    /// `f(a)`.
    pub(crate) fn call(f: Func, a: Expr) -> Expr {
        Expr::Call(f, Shared::new(a))
    }
    /// `a op b`.
    pub(crate) fn bin(op: BinOp, a: Expr, b: Expr) -> Expr {
        Expr::Bin(op, Shared::new(a), Shared::new(b))
    }
    /// `-a`.
    #[allow(clippy::should_implement_trait)] // a constructor, like `num` and `bin`
    pub(crate) fn neg(a: Expr) -> Expr {
        Expr::Neg(Shared::new(a))
    }
    /// `a.powi(n)`.
    pub(crate) fn powi(a: Expr, n: i32) -> Expr {
        Expr::Powi(Shared::new(a), n)
    }
    /// `if c { a } else { b }`.
    pub(crate) fn if_else(c: Cond, a: Expr, b: Expr) -> Expr {
        Expr::If(Box::new(c), Shared::new(a), Shared::new(b))
    }
    /// A reduction `r(body)`.
    pub(crate) fn reduce(r: Reduction, body: Expr) -> Expr {
        Expr::Reduce(r, Shared::new(body))
    }

    /// The value of a constant expression node (`Num` or `Const`).
    pub(crate) fn as_number(&self) -> Option<f64> {
        match self {
            Expr::Num(n) => Some(n.0),
            Expr::Const(k) => Some(k.info().value),
            _ => None,
        }
    }

    /// The value of a number or named constant, possibly negated: a side of a condition
    /// that generated code compares with exactly (`Float::from_f64_up`), and so the
    /// interpreters compare with in `f64` whatever `T` they compute in.
    pub(crate) fn leaf_constant(&self) -> Option<f64> {
        match self {
            Expr::Neg(a) => a.as_number().map(|v| -v),
            _ => self.as_number(),
        }
    }

    /// [`as_number`](Self::as_number) for a number `f32` does not hold (`0.1`, `PI`): one
    /// that generated code compares with exactly and adds with its low part.
    pub(crate) fn inexact_in_f32(&self) -> Option<f64> {
        self.as_number().filter(|&v| inexact_in_f32(v))
    }

    /// Whether this is the number `v`.
    pub(crate) fn is_num(&self, v: f64) -> bool {
        matches!(self, Expr::Num(n) if n.0 == v)
    }

    /// The direct children, in order, including the two sides of a condition.
    pub(crate) fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => vec![],
            Expr::Neg(a) | Expr::Powi(a, _) | Expr::Call(_, a) | Expr::Reduce(_, a) => vec![a],
            Expr::Bin(_, a, b) => vec![a, b],
            Expr::If(c, a, b) => vec![&c.lhs, &c.rhs, a, b],
        }
    }

    /// Rebuilds this node with every child replaced by `f(child)` (children in the order of
    /// [`Expr::children`]). A node whose children all come back unchanged is returned as it
    /// was, so an unchanged subterm stays the shared node it was.
    pub(crate) fn map_children(&self, mut f: impl FnMut(&Expr) -> Expr) -> Expr {
        fn g(a: &Shared, f: &mut impl FnMut(&Expr) -> Expr) -> Shared {
            let new = f(a);
            if new == **a {
                a.clone()
            } else {
                Shared::new(new)
            }
        }
        match self {
            Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => self.clone(),
            Expr::Neg(a) => Expr::Neg(g(a, &mut f)),
            Expr::Powi(a, n) => Expr::Powi(g(a, &mut f), *n),
            Expr::Call(h, a) => Expr::Call(*h, g(a, &mut f)),
            Expr::Reduce(r, a) => Expr::Reduce(*r, g(a, &mut f)),
            Expr::Bin(op, a, b) => {
                let a = g(a, &mut f);
                Expr::Bin(*op, a, g(b, &mut f))
            }
            Expr::If(c, a, b) => {
                let cond = Cond { op: c.op, lhs: f(&c.lhs), rhs: f(&c.rhs) };
                let a = g(a, &mut f);
                Expr::If(Box::new(cond), a, g(b, &mut f))
            }
        }
    }

    /// [`Expr::map_children`] applied bottom-up over the whole DAG, memoised: `f` sees
    /// each distinct node once, its children already rewritten; its result stands for
    /// every occurrence of that node.
    pub(crate) fn rewrite_dag(&self, f: &mut impl FnMut(Expr) -> Expr) -> Expr {
        fn go(e: &Expr, f: &mut impl FnMut(Expr) -> Expr, memo: &mut Memo<Expr>) -> Expr {
            if let Some(done) = memo.get(e) {
                return done.clone();
            }
            let rebuilt = e.map_children(|c| go(c, f, memo));
            let out = f(rebuilt);
            memo.insert(e.clone(), out.clone());
            out
        }
        go(self, f, &mut Memo::new())
    }

    /// A summary of the variables: one bit per name (see [`var_bit`]).
    fn var_summary(&self) -> u64 {
        match self {
            Expr::Var(v) => var_bit(v),
            Expr::Num(_) | Expr::Const(_) => 0,
            Expr::Neg(a) | Expr::Powi(a, _) | Expr::Call(_, a) | Expr::Reduce(_, a) => a.0.vars,
            Expr::Bin(_, a, b) => a.0.vars | b.0.vars,
            Expr::If(c, a, b) => c.lhs.var_summary() | c.rhs.var_summary() | a.0.vars | b.0.vars,
        }
    }

    /// A summary of the functions called: one bit per [`Func`] (by its position).
    fn func_summary(&self) -> u32 {
        match self {
            Expr::Var(_) | Expr::Num(_) | Expr::Const(_) => 0,
            Expr::Call(f, a) => func_bit(*f) | a.0.funcs,
            Expr::Neg(a) | Expr::Powi(a, _) | Expr::Reduce(_, a) => a.0.funcs,
            Expr::Bin(_, a, b) => a.0.funcs | b.0.funcs,
            Expr::If(c, a, b) => c.lhs.func_summary() | c.rhs.func_summary() | a.0.funcs | b.0.funcs,
        }
    }

    /// Whether any of `funcs` is called anywhere in the expression, O(1) (the summary is
    /// kept in each shared node, as the variables' is).
    pub(crate) fn calls_any(&self, funcs: &[Func]) -> bool {
        let wanted = funcs.iter().fold(0, |m, &f| m | func_bit(f));
        self.func_summary() & wanted != 0
    }

    /// Whether no function but `funcs` is called anywhere in the expression (conditions
    /// included), O(1).
    pub(crate) fn calls_only(&self, funcs: &[Func]) -> bool {
        let allowed = funcs.iter().fold(0, |m, &f| m | func_bit(f));
        self.func_summary() & !allowed == 0
    }

    /// Whether `name` occurs anywhere in the expression.
    pub(crate) fn depends_on(&self, name: &str) -> bool {
        if self.var_summary() & var_bit(name) == 0 {
            return false;
        }
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e, Expr::Var(v) if v == name));
        found
    }

    /// Whether no variable occurs in the expression (numbers and named constants only).
    pub(crate) fn is_constant(&self) -> bool {
        self.var_summary() == 0
    }

    /// Replaces every occurrence of the variable `name` by `value`.
    pub fn substitute(&self, name: &str, value: &Expr) -> Expr {
        if !self.depends_on(name) {
            return self.clone();
        }
        self.rewrite_dag(&mut |e| match e {
            Expr::Var(v) if v == name => value.clone(),
            e => e,
        })
    }

    /// Number of nodes of the tree the expression unfolds to (shared subterms counted at
    /// every occurrence, saturating): a cost measure for the simplifier, O(1).
    pub(crate) fn size(&self) -> usize {
        match self {
            Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => 1,
            Expr::Neg(a) | Expr::Powi(a, _) | Expr::Call(_, a) | Expr::Reduce(_, a) => a.0.size.saturating_add(1),
            Expr::Bin(_, a, b) => a.0.size.saturating_add(b.0.size).saturating_add(1),
            Expr::If(c, a, b) => {
                [c.lhs.size(), c.rhs.size(), a.0.size, b.0.size].into_iter().fold(1usize, usize::saturating_add)
            }
        }
    }

    /// Nodes on the longest path from this node to a leaf (a leaf has depth 1): how deep
    /// the recursive passes go, O(1).
    pub(crate) fn depth(&self) -> u32 {
        match self {
            Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => 1,
            Expr::Neg(a) | Expr::Powi(a, _) | Expr::Call(_, a) | Expr::Reduce(_, a) => a.0.depth + 1,
            Expr::Bin(_, a, b) => a.0.depth.max(b.0.depth) + 1,
            Expr::If(c, a, b) => c.lhs.depth().max(c.rhs.depth()).max(a.0.depth).max(b.0.depth) + 1,
        }
    }

    /// How large the expression is: (distinct nodes, nodes of the tree it unfolds to —
    /// every shared subterm counted at each occurrence, saturating). The first is what the
    /// passes and generated code pay for; the second what they would pay without sharing.
    pub fn node_counts(&self) -> (usize, usize) {
        (self.dag_size(), self.size())
    }

    /// Number of distinct nodes: what the passes and generated code pay for.
    pub(crate) fn dag_size(&self) -> usize {
        let mut n = 0;
        self.visit(&mut |_| n += 1);
        n
    }

    /// Calls `f` on every distinct node once, parents before children (in the order of a
    /// walk of the tree, each shared node where it first occurs).
    pub(crate) fn visit(&self, f: &mut impl FnMut(&Expr)) {
        fn go(e: &Expr, f: &mut impl FnMut(&Expr), seen: &mut HashSet<usize>) {
            f(e);
            let mut child = |c: &Expr, shared: Option<&Shared>| {
                if shared.is_none_or(|s| seen.insert(s.key())) {
                    go(c, f, seen);
                }
            };
            match e {
                Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => {}
                Expr::Neg(a) | Expr::Powi(a, _) | Expr::Call(_, a) | Expr::Reduce(_, a) => child(a, Some(a)),
                Expr::Bin(_, a, b) => {
                    child(a, Some(a));
                    child(b, Some(b));
                }
                Expr::If(c, a, b) => {
                    child(&c.lhs, None);
                    child(&c.rhs, None);
                    child(a, Some(a));
                    child(b, Some(b));
                }
            }
        }
        go(self, f, &mut HashSet::new());
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::ir::text::to_text(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_function_summary_is_what_a_walk_finds() {
        let forms = [
            "x * sigmoid(x)",
            "if tanh(x) > 0 { x } else { erfc(x) * exp(x) }",
            "max(sin(3 * x), 0) + ln(1 + x * x).powi(2)",
            "-softplus(-x) / (1 + abs(x))",
            "x + 1",
        ];
        for text in forms {
            let e = crate::parse::parse_formula(text, &["x"]).unwrap();
            for info in FUNCS {
                let mut found = false;
                e.visit(&mut |n| found |= matches!(n, Expr::Call(f, _) if *f == info.func));
                assert_eq!(e.calls_any(&[info.func]), found, "{text}: {:?}", info.func);
            }
            assert!(!e.calls_any(&[]));
        }
    }

    #[test]
    fn every_func_has_one_row() {
        for info in FUNCS {
            assert_eq!(FUNCS.iter().filter(|i| i.func == info.func).count(), 1);
            assert_eq!(Func::from_function_name(info.name), Some(info.func));
        }
    }

    #[test]
    fn constants_match_std() {
        assert_eq!(Constant::from_name("SQRT_2").unwrap().info().value, std::f64::consts::SQRT_2);
        assert!(Constant::from_name("NOPE").is_none());
    }

    #[test]
    fn equal_subterms_are_one_node() {
        let build = || Expr::bin(BinOp::Mul, Expr::var("x"), Expr::call(Func::Sigmoid, Expr::var("x")));
        let (a, b) = (Shared::new(build()), Shared::new(build()));
        assert_eq!(a.key(), b.key(), "built twice, interned once");
        // u * σ(u) nested 40 deep: 40 levels of sharing, a tree of 2^41 nodes.
        let mut u = Expr::var("x");
        for _ in 0..40 {
            u = Expr::bin(BinOp::Mul, u.clone(), Expr::call(Func::Sigmoid, u));
        }
        let (distinct, tree) = u.node_counts();
        assert_eq!(distinct, 81);
        assert!(tree > 1 << 41, "{tree}");
        assert_eq!(u.depth(), 81);
        // Rebuilding with nothing changed keeps every node.
        let same = u.map_children(|c| c.clone());
        assert_eq!(same, u);
        let renamed = u.substitute("x", &Expr::var("y"));
        assert_eq!(renamed.node_counts().0, 81);
        assert!(renamed.depends_on("y") && !renamed.depends_on("x"));
    }

    #[test]
    fn substitution_and_dependence() {
        let e = Expr::bin(BinOp::Mul, Expr::var("x"), Expr::var("a"));
        assert!(e.depends_on("a"));
        let s = e.substitute("a", &Expr::num(2.0));
        assert!(!s.depends_on("a"));
        assert_eq!(s.size(), 3);
    }
}

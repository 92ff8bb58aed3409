//! The grammar the fuzzer draws formulas from (`docs/fuzz.md` documents it rule by rule;
//! keep the two in step): a small tree of the formula language's forms, printed as the Rust
//! a user writes under `#[activation]`, and the shrinking moves over that tree.

use activation_core::rng::Rng;

/// One-argument functions drawn, with the spellings the formula language accepts for them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fn1 {
    Exp,
    Ln,
    Sqrt,
    Tanh,
    Sigmoid,
    Softplus,
    Erf,
    Erfc,
    Atan,
    Abs,
    Expm1,
    Log1p,
}

impl Fn1 {
    const ALL: [Fn1; 12] = [
        Fn1::Exp,
        Fn1::Ln,
        Fn1::Sqrt,
        Fn1::Tanh,
        Fn1::Sigmoid,
        Fn1::Softplus,
        Fn1::Erf,
        Fn1::Erfc,
        Fn1::Atan,
        Fn1::Abs,
        Fn1::Expm1,
        Fn1::Log1p,
    ];

    /// The prelude function's name.
    fn function(self) -> &'static str {
        match self {
            Fn1::Exp => "exp",
            Fn1::Ln => "ln",
            Fn1::Sqrt => "sqrt",
            Fn1::Tanh => "tanh",
            Fn1::Sigmoid => "sigmoid",
            Fn1::Softplus => "softplus",
            Fn1::Erf => "erf",
            Fn1::Erfc => "erfc",
            Fn1::Atan => "atan",
            Fn1::Abs => "abs",
            Fn1::Expm1 => "expm1",
            Fn1::Log1p => "log1p",
        }
    }

    /// The `f64` method's name, where there is one.
    fn method(self) -> Option<&'static str> {
        match self {
            Fn1::Exp => Some("exp"),
            Fn1::Ln => Some("ln"),
            Fn1::Sqrt => Some("sqrt"),
            Fn1::Tanh => Some("tanh"),
            Fn1::Atan => Some("atan"),
            Fn1::Abs => Some("abs"),
            Fn1::Expm1 => Some("exp_m1"),
            Fn1::Log1p => Some("ln_1p"),
            Fn1::Sigmoid | Fn1::Softplus | Fn1::Erf | Fn1::Erfc => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

/// A formula tree. `Let(i)` names the `i`-th `let` binding, `Param(i)` the `i`-th parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    X,
    Param(usize),
    Let(usize),
    Num(f64),
    Const(&'static str),
    Neg(Box<Node>),
    Call(Fn1, bool, Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    MinMax(bool, bool, Box<Node>, Box<Node>),
    Powi(Box<Node>, i32),
    Powf(Box<Node>, Box<Node>),
    If(Box<Node>, Cmp, Box<Node>, Box<Node>, Box<Node>),
}

/// A drawn activation: parameters (names `a`, `b`, … with an optional default), `let`
/// bindings (`t0`, `t1`, …, each may use the earlier ones) and the body.
#[derive(Clone, Debug, PartialEq)]
pub struct Formula {
    pub params: Vec<Option<f64>>,
    pub lets: Vec<Node>,
    pub body: Node,
}

/// Bounds of the draw (the `--max-depth` and `--max-size` options).
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub max_depth: usize,
    pub max_size: usize,
}

const NUMBERS: [f64; 12] = [0.5, 1.0, 2.0, 3.0, 0.1, 1.5, 10.0, 0.25, 4.0, 100.0, 0.01, 1e-3];
const CONSTANTS: [&str; 5] = ["PI", "E", "LN_2", "SQRT_2", "FRAC_1_SQRT_2"];
const DEFAULTS: [f64; 7] = [0.5, 1.0, 1.5, 2.0, 0.25, -1.0, 3.0];
const PARAM_NAMES: [&str; 3] = ["a", "b", "c"];

struct Draw<'r> {
    rng: &'r mut Rng,
    params: usize,
    lets: usize,
    /// Nodes still allowed.
    budget: usize,
}

impl Draw<'_> {
    fn leaf(&mut self) -> Node {
        let r = self.rng.below(100);
        if r < 62 {
            Node::X
        } else if r < 82 {
            Node::Num(*self.rng.pick(&NUMBERS))
        } else if r < 92 && self.params > 0 {
            Node::Param(self.rng.below(self.params))
        } else if r < 95 {
            let c = CONSTANTS[self.rng.below(CONSTANTS.len())];
            Node::Const(c)
        } else if self.lets > 0 {
            Node::Let(self.rng.below(self.lets))
        } else {
            Node::X
        }
    }

    fn node(&mut self, depth: usize) -> Node {
        if depth == 0 || self.budget == 0 || self.rng.chance(0.15) {
            self.budget = self.budget.saturating_sub(1);
            return self.leaf();
        }
        self.budget -= 1;
        let d = depth - 1;
        let r = self.rng.below(100);
        let b = |n: Node| Box::new(n);
        if r < 34 {
            let f = *self.rng.pick(&Fn1::ALL);
            let method = f.method().is_some() && self.rng.chance(0.4);
            Node::Call(f, method, b(self.node(d)))
        } else if r < 66 {
            let op = *self.rng.pick(&[Op::Add, Op::Sub, Op::Mul, Op::Mul, Op::Div]);
            let (mut l, r) = (self.node(d), self.node(d));
            if !has_x(&l) && !has_x(&r) && self.rng.chance(0.7) {
                // Constant subformulas fold away; keep most operations about the input.
                l = Node::X;
            }
            Node::Bin(op, b(l), b(r))
        } else if r < 70 {
            Node::Neg(b(self.node(d)))
        } else if r < 77 {
            let max = self.rng.chance(0.5);
            let method = self.rng.chance(0.4);
            Node::MinMax(max, method, b(self.node(d)), b(self.node(d)))
        } else if r < 84 {
            let n = *self.rng.pick(&[-2, -1, 2, 2, 3, 4]);
            Node::Powi(b(self.node(d)), n)
        } else if r < 89 {
            // Mostly a constant or parameter exponent, as formulas are written.
            let e = if self.rng.chance(0.7) { self.leaf_not_x() } else { self.node(d.min(1)) };
            Node::Powf(b(self.node(d)), b(e))
        } else {
            let cmp = *self.rng.pick(&[Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge]);
            let left = match self.node(d.min(2)) {
                l if has_x(&l) && self.rng.chance(0.4) => l,
                _ => Node::X,
            };
            let right = self.leaf_not_x();
            Node::If(b(left), cmp, b(right), b(self.node(d)), b(self.node(d)))
        }
    }

    fn leaf_not_x(&mut self) -> Node {
        if self.params > 0 && self.rng.chance(0.3) {
            Node::Param(self.rng.below(self.params))
        } else {
            let n = *self.rng.pick(&NUMBERS);
            if self.rng.chance(0.3) {
                Node::Num(-n)
            } else {
                Node::Num(n)
            }
        }
    }
}

/// Draws one formula. Depth, size, parameters and `let`s are drawn from `rng` within `bounds`.
pub fn draw(rng: &mut Rng, bounds: Bounds) -> Formula {
    let depth = (2 + rng.below(bounds.max_depth.max(1))).min(bounds.max_depth);
    let size = 2 + rng.below(bounds.max_size.max(3) - 1);
    let params: Vec<Option<f64>> = (0..[0, 0, 0, 1, 1, 2][rng.below(6)])
        .map(|_| if rng.chance(0.8) { Some(*rng.pick(&DEFAULTS)) } else { None })
        .collect();
    let n_lets = if rng.chance(0.2) { 1 + rng.below(2) } else { 0 };
    let mut d = Draw { rng, params: params.len(), lets: 0, budget: size };
    let mut lets = Vec::new();
    for _ in 0..n_lets {
        let e = d.node(depth.min(3));
        lets.push(e);
        d.lets += 1;
    }
    let mut body = d.node(depth);
    for _ in 0..4 {
        if !children(&body).is_empty() {
            break;
        }
        // A bare leaf (`x`) tells nothing: the body is an operation.
        d.budget = size;
        body = d.node(depth);
    }
    if !mentions_x(&Formula { params: params.clone(), lets: lets.clone(), body: body.clone() }) {
        // The body must depend on the input: a formula without it is a rejection we need not
        // draw over and over.
        body = Node::Bin(Op::Mul, Box::new(Node::X), Box::new(body));
    }
    normalise(Formula { params, lets, body })
}

fn has_x(n: &Node) -> bool {
    let mut found = false;
    uses(n, &mut |m| found |= matches!(m, Node::X | Node::Let(_)));
    found
}

fn children(n: &Node) -> Vec<&Node> {
    match n {
        Node::X | Node::Param(_) | Node::Let(_) | Node::Num(_) | Node::Const(_) => vec![],
        Node::Neg(a) | Node::Call(_, _, a) | Node::Powi(a, _) => vec![a],
        Node::Bin(_, a, b) | Node::MinMax(_, _, a, b) | Node::Powf(a, b) => vec![a, b],
        Node::If(l, _, r, t, e) => vec![l, r, t, e],
    }
}

fn children_mut(n: &mut Node) -> Vec<&mut Node> {
    match n {
        Node::X | Node::Param(_) | Node::Let(_) | Node::Num(_) | Node::Const(_) => vec![],
        Node::Neg(a) | Node::Call(_, _, a) | Node::Powi(a, _) => vec![a],
        Node::Bin(_, a, b) | Node::MinMax(_, _, a, b) | Node::Powf(a, b) => vec![a, b],
        Node::If(l, _, r, t, e) => vec![l, r, t, e],
    }
}

fn size_of(n: &Node) -> usize {
    1 + children(n).into_iter().map(size_of).sum::<usize>()
}

fn uses(n: &Node, f: &mut impl FnMut(&Node)) {
    f(n);
    for c in children(n) {
        uses(c, f);
    }
}

fn mentions_x(f: &Formula) -> bool {
    let mut live = vec![false; f.lets.len()];
    let mut direct = false;
    uses(&f.body, &mut |n| match n {
        Node::X => direct = true,
        Node::Let(i) => live[*i] = true,
        _ => {}
    });
    // A used let that mentions x (or a used let that uses one that does).
    for i in (0..f.lets.len()).rev() {
        if live[i] {
            uses(&f.lets[i], &mut |n| match n {
                Node::X => direct = true,
                Node::Let(j) => live[*j] = true,
                _ => {}
            });
        }
    }
    direct
}

impl Formula {
    /// Nodes in the body and the `let`s, plus one per parameter: what shrinking decreases.
    pub fn size(&self) -> usize {
        size_of(&self.body) + self.lets.iter().map(size_of).sum::<usize>() + self.params.len()
    }

    /// The attribute's arguments: `a = 0.5, b = 1.0` for the parameters with a default.
    pub fn attr(&self) -> String {
        let parts: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.map(|v| format!("{} = {}", PARAM_NAMES[i], num(v))))
            .collect();
        parts.join(", ")
    }

    /// The function item (without the attribute), on one line.
    pub fn item(&self, name: &str) -> String {
        let mut s = format!("fn {name}(x: f64");
        for p in PARAM_NAMES.iter().take(self.params.len()) {
            s += &format!(", {p}: f64");
        }
        s += ") -> f64 { ";
        for (i, l) in self.lets.iter().enumerate() {
            s += &format!("let t{i} = {}; ", print(l));
        }
        s += &print(&self.body);
        s += " }";
        s
    }

    /// `#[activation(...)] pub fn name(...) -> f64 { ... }`, as a user writes it.
    pub fn source(&self, name: &str) -> String {
        format!("#[activation({})] pub {}", self.attr(), self.item(name))
    }

    /// Smaller formulas, one move each: a subterm replaced by `x`, by `1.0` or by one of its
    /// own subterms (which drops a branch of an `if`, an operand, a call); a `let` inlined.
    /// Every candidate mentions `x` and is normalised (unused `let`s and parameters dropped).
    pub fn shrink_candidates(&self) -> Vec<Formula> {
        let mut out: Vec<Formula> = Vec::new();
        let roots = self.lets.len() + 1;
        for root in 0..roots {
            let tree = if root < self.lets.len() { &self.lets[root] } else { &self.body };
            let n = size_of(tree);
            for pos in 0..n {
                let sub = nth(tree, pos).clone();
                let mut replacements: Vec<Node> = children(&sub).into_iter().cloned().collect();
                replacements.sort_by_key(size_of);
                if sub != Node::X {
                    replacements.insert(0, Node::X);
                }
                if !matches!(sub, Node::Num(_)) {
                    replacements.push(Node::Num(1.0));
                }
                for r in replacements {
                    let mut g = self.clone();
                    let t = if root < g.lets.len() { &mut g.lets[root] } else { &mut g.body };
                    *nth_mut(t, pos) = r;
                    out.push(g);
                }
            }
        }
        for i in 0..self.lets.len() {
            let mut g = self.clone();
            let e = g.lets[i].clone();
            for t in g.lets.iter_mut().skip(i + 1).chain(std::iter::once(&mut g.body)) {
                replace_let(t, i, &e);
            }
            out.push(g);
        }
        let size = self.size();
        let mut out: Vec<Formula> =
            out.into_iter().filter(mentions_x).map(normalise).filter(|g| g.size() < size).collect();
        out.sort_by_key(Formula::size);
        out.dedup();
        out
    }
}

fn replace_let(t: &mut Node, i: usize, e: &Node) {
    if *t == Node::Let(i) {
        *t = e.clone();
        return;
    }
    for c in children_mut(t) {
        replace_let(c, i, e);
    }
}

fn nth(n: &Node, pos: usize) -> &Node {
    fn go<'a>(n: &'a Node, pos: &mut usize) -> Option<&'a Node> {
        if *pos == 0 {
            return Some(n);
        }
        *pos -= 1;
        children(n).into_iter().find_map(|c| go(c, pos))
    }
    go(n, &mut { pos }).expect("position within the tree")
}

fn nth_mut(n: &mut Node, pos: usize) -> &mut Node {
    fn go<'a>(n: &'a mut Node, pos: &mut usize) -> Option<&'a mut Node> {
        if *pos == 0 {
            return Some(n);
        }
        *pos -= 1;
        for c in children_mut(n) {
            if let Some(found) = go(c, pos) {
                return Some(found);
            }
        }
        None
    }
    go(n, &mut { pos }).expect("position within the tree")
}

/// Drops `let`s and parameters nothing uses any more, renumbering the rest.
fn normalise(mut f: Formula) -> Formula {
    loop {
        let mut used_lets = vec![false; f.lets.len()];
        let mut used_params = vec![false; f.params.len()];
        let mut mark = |n: &Node| match n {
            Node::Let(i) => used_lets[*i] = true,
            Node::Param(i) => used_params[*i] = true,
            _ => {}
        };
        uses(&f.body, &mut mark);
        for l in &f.lets {
            uses(l, &mut mark);
        }
        if let Some(i) = used_lets.iter().position(|u| !u) {
            f.lets.remove(i);
            renumber(&mut f, |n| match n {
                Node::Let(j) if *j > i => Some(Node::Let(j - 1)),
                _ => None,
            });
            continue;
        }
        if let Some(i) = used_params.iter().position(|u| !u) {
            f.params.remove(i);
            renumber(&mut f, |n| match n {
                Node::Param(j) if *j > i => Some(Node::Param(j - 1)),
                _ => None,
            });
            continue;
        }
        return f;
    }
}

fn renumber(f: &mut Formula, map: impl Fn(&Node) -> Option<Node> + Copy) {
    fn go(n: &mut Node, map: impl Fn(&Node) -> Option<Node> + Copy) {
        if let Some(m) = map(n) {
            *n = m;
        }
        for c in children_mut(n) {
            go(c, map);
        }
    }
    go(&mut f.body, map);
    for l in &mut f.lets {
        go(l, map);
    }
}

/// A number as a Rust `f64` literal without suffix (`2.0`, `0.001`, `-1.5`).
fn num(v: f64) -> String {
    format!("{v:?}")
}

/// An operand: atoms and calls as they are, everything else in parentheses.
fn operand(n: &Node) -> String {
    match n {
        Node::X | Node::Param(_) | Node::Let(_) | Node::Const(_) | Node::Call(..) | Node::Powi(..) | Node::Powf(..) => {
            print(n)
        }
        Node::Num(v) if *v >= 0.0 => print(n),
        Node::MinMax(..) => print(n),
        _ => format!("({})", print(n)),
    }
}

/// The Rust text of a node.
pub fn print(n: &Node) -> String {
    match n {
        Node::X => "x".into(),
        Node::Param(i) => PARAM_NAMES[*i].into(),
        Node::Let(i) => format!("t{i}"),
        Node::Num(v) => num(*v),
        Node::Const(c) => (*c).into(),
        Node::Neg(a) => format!("-{}", operand(a)),
        Node::Call(f, true, a) => format!("{}.{}()", operand(a), f.method().expect("a method spelling")),
        Node::Call(f, false, a) => format!("{}({})", f.function(), print(a)),
        Node::Bin(op, a, b) => {
            let o = match op {
                Op::Add => "+",
                Op::Sub => "-",
                Op::Mul => "*",
                Op::Div => "/",
            };
            format!("{} {o} {}", operand(a), operand(b))
        }
        Node::MinMax(max, true, a, b) => format!("{}.{}({})", operand(a), if *max { "max" } else { "min" }, print(b)),
        Node::MinMax(max, false, a, b) => format!("{}({}, {})", if *max { "max" } else { "min" }, print(a), print(b)),
        Node::Powi(a, k) => format!("{}.powi({k})", operand(a)),
        Node::Powf(a, b) => format!("{}.powf({})", operand(a), print(b)),
        Node::If(l, c, r, t, e) => {
            let c = match c {
                Cmp::Lt => "<",
                Cmp::Le => "<=",
                Cmp::Gt => ">",
                Cmp::Ge => ">=",
            };
            format!("if {} {c} {} {{ {} }} else {{ {} }}", operand(l), operand(r), print(t), print(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds { max_depth: 6, max_size: 30 }
    }

    #[test]
    fn the_same_seed_draws_the_same_formulas() {
        let a: Vec<String> = (0..50).map(|i| draw(&mut Rng::for_index(9, i), bounds()).source("f")).collect();
        let b: Vec<String> = (0..50).map(|i| draw(&mut Rng::for_index(9, i), bounds()).source("f")).collect();
        assert_eq!(a, b);
        let c: Vec<String> = (0..50).map(|i| draw(&mut Rng::for_index(10, i), bounds()).source("f")).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn every_drawn_formula_is_accepted_rust_syntax_and_mentions_x() {
        for i in 0..500 {
            let f = draw(&mut Rng::for_index(1, i), bounds());
            assert!(mentions_x(&f), "{}", f.source("f"));
            let item: syn::ItemFn = syn::parse_str(&f.item("f")).unwrap_or_else(|e| panic!("{e}: {}", f.item("f")));
            assert_eq!(item.sig.inputs.len(), 1 + f.params.len());
            assert!(f.size() <= 2 * bounds().max_size + 8, "{}", f.source("f"));
        }
    }

    #[test]
    fn the_draw_covers_the_grammar() {
        let text: String = (0..400).map(|i| draw(&mut Rng::for_index(3, i), bounds()).source("f")).collect();
        for needle in [
            "exp(",
            "ln(",
            "sqrt(",
            "tanh(",
            "sigmoid(",
            "softplus(",
            "erf(",
            "erfc(",
            "atan(",
            ".powi(",
            ".powf(",
            "max(",
            "min(",
            "abs",
            "if ",
            " / ",
            " - ",
            " * ",
            " + ",
            "let t0",
            "a = ",
            "PI",
        ] {
            assert!(text.contains(needle), "no `{needle}` in 400 draws");
        }
    }

    #[test]
    fn shrinking_moves_are_smaller_and_keep_x() {
        let f = Formula {
            params: vec![Some(1.0)],
            lets: vec![],
            body: Node::Bin(
                Op::Mul,
                Box::new(Node::X),
                Box::new(Node::Call(
                    Fn1::Exp,
                    false,
                    Box::new(Node::Bin(Op::Mul, Box::new(Node::Param(0)), Box::new(Node::X))),
                )),
            ),
        };
        assert_eq!(f.item("f"), "fn f(x: f64, a: f64) -> f64 { x * exp(a * x) }");
        let c = f.shrink_candidates();
        assert!(c.iter().all(|g| g.size() < f.size() && mentions_x(g)));
        assert_eq!(c[0].item("f"), "fn f(x: f64) -> f64 { x }");
        assert!(c.iter().any(|g| g.item("f") == "fn f(x: f64) -> f64 { x * exp(x) }"));
    }
}

//! Code generation: turns the stable forms into Rust with `quote`.
//!
//! Expressions become generic functions over [`Real`](crate::real::Real) so the same body
//! serves `f32` and `f64`. Several outputs computed together (the fused forward +
//! derivative) share their common subexpressions: each subtree that occurs twice is bound
//! once with `let`. Piecewise formulas branch once per condition for all outputs.

use crate::emit::root::root;
use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::emit::exponents::Bounds;
use crate::emit::literal::float_literal;
use crate::ir::expr::{inverted_in_f32, BinOp, Cond, Expr, Func, Memo};
use crate::passes::derived::Arithmetic;

/// Binding strength of emitted code, loosest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Sum,
    Product,
    Prefix,
    Postfix,
}

/// A block (statements and a final value) computing `outputs` — one value, or a tuple of
/// them — over variables named as in the expressions, in plain arithmetic and without tail
/// quotients: the vector kernels' blocks, whose divisors are sums that do not vanish
/// (Σ e^(xᵢ − max) ≥ 1).
pub(crate) fn block(outputs: &[Expr]) -> TokenStream {
    block_in(outputs, &vec![Arithmetic::Plain; outputs.len()], false, true)
}

/// `if test { a } else { b }` over lanes (`__private::lanes_if!`): each side is computed
/// only when some lane takes it, and the two are selected lane by lane when both are. The
/// runtime's macro writes the sides in place in optimised builds, not as closures: a
/// closure may stay a function of its own, compiled without the instruction set the slice
/// kernel dispatched to.
pub(crate) fn branch(test: &TokenStream, a: &TokenStream, b: &TokenStream) -> TokenStream {
    let root = root();
    quote! { #root::__private::lanes_if!(#test, { #a }, { #b }) }
}

/// `if test { a } else { b }` computing both sides in every lane and selecting
/// (`__private::select`): for sides cheaper than the test [`branch`] pays to skip one.
/// Asking whether any lane takes a side is an OR-reduction of the mask and a branch per
/// vector of lanes, which the CPU mispredicts wherever neighbouring vectors mix sides
/// differently; for `relu` or `hardtanh` that costs more than both sides together (and
/// a select is what a hand-written vectorised loop compiles to).
pub(crate) fn select(test: &TokenStream, a: &TokenStream, b: &TokenStream) -> TokenStream {
    let root = root();
    quote! { #root::__private::select(#test, { #a }, { #b }) }
}

/// Expression nodes a side may have and still be computed in every lane ([`select`]): a
/// few arithmetic instructions, about what one mispredicted branch costs.
const CHEAP_NODES: usize = 12;

/// Whether one side of a branch is cheap enough to compute where no lane takes it: plain
/// arithmetic (no function call but `abs`, so no elementary function and no tail device;
/// no compensated value; no division but of constants, which are folded: a division
/// costs a dozen cycles or more per vector, and computed in every lane it made `f64`
/// softsign's fused kernel 1.7× slower) of at most [`CHEAP_NODES`] nodes per output.
fn cheap(outputs: &[Expr], compensated: &[Arithmetic]) -> bool {
    outputs.iter().zip(compensated).all(|(e, &a)| {
        let mut divides = false;
        e.visit(&mut |n| divides |= matches!(n, Expr::Bin(BinOp::Div, ..)) && !n.is_constant());
        e.calls_only(&[Func::Abs]) && !divides && !(a.is_compensated() && rounds(e)) && e.size() <= CHEAP_NODES
    })
}

/// The block of a scalar activation's `outputs`: those flagged in `compensated` computed in
/// double-double arithmetic (see [`crate::passes::compensate`]), falling back to their plain
/// code where the pair cannot be trusted (results that overflow or come near the subnormal
/// range); quotients of a vanishing numerator taken as tail quotients ([`tail_quotient`]).
#[cfg(test)]
pub(crate) fn block_with(outputs: &[Expr], compensated: &[Arithmetic]) -> TokenStream {
    block_in(outputs, compensated, true, true)
}

/// [`block_with`], the plain code's polynomial arguments recomputed in pairs in the tails
/// (`emit/refine.rs`) only if `tails`: for `f32`, whose refinement costs nothing, they are
/// refined everywhere regardless (`compensate::arguments_refined` decides `tails`).
pub(crate) fn block_refining(outputs: &[Expr], compensated: &[Arithmetic], tails: bool) -> TokenStream {
    block_in(outputs, compensated, true, tails)
}

fn block_in(outputs: &[Expr], compensated: &[Arithmetic], quotients: bool, tails: bool) -> TokenStream {
    if let Some(cond) = outputs.iter().find_map(innermost_condition) {
        let taken: Vec<Expr> = outputs.iter().map(|e| assume(e, &cond, true)).collect();
        let other: Vec<Expr> = outputs.iter().map(|e| assume(e, &cond, false)).collect();
        let test = condition(&cond);
        let (a, b) = (block_in(&taken, compensated, quotients, tails), block_in(&other, compensated, quotients, tails));
        if cheap(&taken, compensated) && cheap(&other, compensated) {
            return select(&test, &a, &b);
        }
        return branch(&test, &a, &b);
    }
    let outputs: Vec<Expr> = crate::ir::constant::shared(&outputs.iter().map(decaying_last).collect::<Vec<_>>());
    let lifted = |e: &Expr, a: Arithmetic| a.is_compensated() && rounds(e);
    let plain: Vec<Expr> =
        outputs.iter().zip(compensated).filter(|(e, &a)| !lifted(e, a)).map(|(e, _)| e.clone()).collect();
    let mut emitter = Emitter::with(&plain, None, quotients);
    emitter.tails = tails;
    emitter.tails_guard(&plain);
    for e in &plain {
        emitter.sigmoid_pairs(e);
    }
    let values: Vec<TokenStream> = outputs
        .iter()
        .zip(compensated)
        .map(|(e, &a)| if lifted(e, a) { compensated_value(e, a == Arithmetic::Pairs) } else { emitter.emit(e).0 })
        .collect();
    let lets = emitter.lets;
    let value = match values.as_slice() {
        [one] => one.clone(),
        many => quote! { (#(#many),*) },
    };
    quote! { #(#lets)* #value }
}

/// `e` with the decaying factors (`exp`, `sigmoid` calls) of every product chain moved to
/// its end, in their order: each then meets the rest of the product as one factor, which
/// is what lets [`Real::mul_small`](crate::real::Real::mul_small) take the product in the
/// log domain. (`c σ(v) σ(-v) B` would otherwise round `c σ(v) σ(-v)` into the subnormal
/// range before the large `B` could lift it back: GELU'' at x = 21.)
fn decaying_last(e: &Expr) -> Expr {
    e.rewrite_dag(&mut decaying_last_node)
}

/// [`decaying_last`] at one node whose children are done.
fn decaying_last_node(e: Expr) -> Expr {
    if !matches!(e, Expr::Bin(BinOp::Mul, ..)) {
        return e;
    }
    let mut factors = Vec::new();
    product_factors(&e, &mut factors);
    let (rest, decaying): (Vec<&Expr>, Vec<&Expr>) = factors.iter().partition(|f| exponent_of_decaying(f).is_none());
    if rest.is_empty() || decaying.is_empty() {
        return e;
    }
    let product = |a: Expr, b: &&Expr| Expr::bin(BinOp::Mul, a, (*b).clone());
    let head = rest[1..].iter().fold(rest[0].clone(), product);
    decaying.iter().fold(head, product)
}

/// The factors of a left- or right-nested product, left to right.
fn product_factors<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Bin(BinOp::Mul, a, b) => {
            product_factors(a, out);
            product_factors(b, out);
        }
        _ => out.push(e),
    }
}

/// Whether computing `e` rounds at all: a constant, a variable and its negation are exact,
/// and need no compensated form (a branch `x` of a compensated piecewise function).
fn rounds(e: &Expr) -> bool {
    let exact = |e: &Expr| e.is_constant() || matches!(e, Expr::Var(_));
    !(exact(e) || matches!(e, Expr::Neg(a) if exact(a)))
}

/// `e` computed over `Dd<T>` (`DdPair<T>` where `pairs`), or by its plain code in the
/// lanes where `Dd::settle` refuses the value (`__private::settled_or!`: computed only when
/// some lane is refused, written in place as the sides of [`branch`] are).
fn compensated_value(e: &Expr, pairs: bool) -> TokenStream {
    let root = root();
    let dd = if pairs {
        quote! { #root::__private::DdPair::<T> }
    } else {
        quote! { #root::__private::Dd::<T> }
    };
    let mut lifted = Emitter::new(std::slice::from_ref(e), Some(dd));
    // Rounded by `Dd::settle`, which keeps only normal results: the underflow tests of
    // products whose lost bits cannot reach it are left out (`emit::exponents`).
    lifted.bounds.settled(e);
    lifted.tanh_sigmoid2s(e);
    lifted.sigmoid_pairs(e);
    let pair = lifted.emit(e).0;
    let lets = lifted.lets;
    let fallback = block_in(std::slice::from_ref(e), &[Arithmetic::Plain], true, true);
    let value = if cheap(std::slice::from_ref(e), &[Arithmetic::Plain]) {
        // The fallback costs less than the test that would skip it (see [`select`]).
        quote! {
            ({
                #(#lets)*
                #root::__private::settled_else(#pair, { #fallback })
            })
        }
    } else {
        quote! {
            ({
                #(#lets)*
                #root::__private::settled_or!(#pair, { #fallback })
            })
        }
    };
    lean_where_bounded(e, value)
}

/// `value` (a compensated value's code), preceded where `e` is a rational form with a lean
/// bound (`emit::lean`) by the same form over `DdLean<T>` — pairs without underflow tests —
/// in the lanes whose variables are within the bound: one test of the inputs per vector
/// instead of a test per product and quotient, or an `f64` division per half vector.
fn lean_where_bounded(e: &Expr, value: TokenStream) -> TokenStream {
    let Some((bound, vars)) = crate::emit::lean::bound(e) else {
        return value;
    };
    let root = root();
    let mut lean = Emitter::new(std::slice::from_ref(e), Some(quote! { #root::__private::DdLean::<T> }));
    lean.bounds.settled(e);
    let pair = lean.emit(e).0;
    let lets = lean.lets;
    let lit = float_literal(bound);
    let tests = vars.iter().map(|v| {
        let name = Ident::new(v, Span::call_site());
        quote! { #name.abs().le(T::from_f64(#lit)) }
    });
    let test = quote! { #(#tests)&* };
    branch(&test, &quote! { #(#lets)* (#pair).rounded() }, &value)
}

/// A condition of `e` whose two sides are free of conditions themselves, if `e` has any
/// condition: the one to branch on first. A condition may contain a piecewise expression
/// (`max(if x > 0 { x } else { 2x }, 1)` becomes `if (if x > 0 { x } else { 2x }) > 1 …`);
/// branching on the innermost one first resolves it inside the outer condition, so every
/// condition is emitted free of `if`s, and so is every value.
fn innermost_condition(e: &Expr) -> Option<Cond> {
    let all = branch_conditions(e);
    let plain = |c: &&Cond| branch_conditions(&c.lhs).is_empty() && branch_conditions(&c.rhs).is_empty();
    // The sides of a condition are finite trees: a condition nested deepest has plain sides.
    all.iter().find(plain).or(all.first()).cloned()
}

/// The conditions of `e` that its block branches on, outermost first, without repeats:
/// every one but the guards of removable singularities (`passes::removable::guarded`) and
/// the conditions of their limits, which generated code computes where they stand.
pub(crate) fn branch_conditions(e: &Expr) -> Vec<Cond> {
    fn go(e: &Expr, out: &mut Vec<Cond>, seen: &mut Memo<()>) {
        if seen.insert(e.clone(), ()).is_some() {
            return;
        }
        if let Some((sides, _, quotient)) = crate::passes::removable::guarded(e) {
            go(sides, out, seen);
            return go(quotient, out, seen);
        }
        if let Expr::If(c, _, _) = e {
            if !out.contains(c) {
                out.push((**c).clone());
            }
        }
        for child in e.children() {
            go(child, out, seen);
        }
    }
    let mut out = Vec::new();
    go(e, &mut out, &mut Memo::new());
    out
}

/// `e` with every piecewise node on `cond` replaced by the branch `holds` selects.
fn assume(e: &Expr, cond: &Cond, holds: bool) -> Expr {
    fn go(e: &Expr, cond: &Cond, holds: bool, memo: &mut Memo<Expr>) -> Expr {
        if let Some(done) = memo.get(e) {
            return done.clone();
        }
        let out = match e {
            Expr::If(c, a, b) if **c == *cond => go(if holds { a } else { b }, cond, holds, memo),
            _ => e.map_children(|c| go(c, cond, holds, memo)),
        };
        memo.insert(e.clone(), out.clone());
        out
    }
    go(e, cond, holds, &mut Memo::new())
}

fn condition(c: &Cond) -> TokenStream {
    let mut emitter = Emitter::new(&[c.lhs.clone(), c.rhs.clone()], None);
    // A constant side that `f32` does not hold is rounded toward the other side's values so
    // that the comparison is exact (`Float::from_f64_up`): `x >= -0.1` in `f32` holds for
    // the input `-0.1f32` only if it is at or above the number −0.1, which it is not.
    let mut side = |e: &Expr, constant_left: bool| match e.leaf_constant() {
        Some(v) if crate::ir::expr::inexact_in_f32(v) => {
            let lit = float_literal(v);
            if c.op.rounds_constant_up(constant_left) {
                quote! { T::from_f64_up(#lit) }
            } else {
                quote! { T::from_f64_down(#lit) }
            }
        }
        _ => emitter.emit(e).0,
    };
    let (lhs, rhs) = (side(&c.lhs, true), side(&c.rhs, false));
    // A comparison of `Float`s is a mask: `bool` for a scalar, one per lane otherwise.
    let method = Ident::new(
        match c.op.symbol() {
            "<" => "lt",
            "<=" => "le",
            ">" => "gt",
            _ => "ge",
        },
        Span::call_site(),
    );
    let lets = emitter.lets;
    if lets.is_empty() {
        quote! { (#lhs).#method(#rhs) }
    } else {
        quote! { { #(#lets)* (#lhs).#method(#rhs) } }
    }
}

/// Emits expressions, binding shared subtrees once.
struct Emitter {
    shared: HashSet<Expr>,
    names: HashMap<Expr, Ident>,
    lets: Vec<TokenStream>,
    /// Emit over this compensated type (`Dd::<T>` or `DdPair::<T>`) instead of `T`: leaves
    /// are lifted into it, and the tail devices of plain code (log-domain products, refined
    /// arguments) are not needed.
    lifted: Option<TokenStream>,
    /// Temporaries named so far.
    temporaries: usize,
    /// Exponent bounds of lifted subexpressions: where a product or quotient provably stays
    /// in `f64`'s normal range, `mul_normal`/`div_normal`/`powi_normal` leave out the `f64`
    /// form's underflow test (`emit::exponents`).
    bounds: Bounds,
    /// Whether a quotient of a vanishing numerator is a tail quotient ([`tail_quotient`]).
    quotients: bool,
    /// Whether plain code recomputes polynomial arguments in pairs in the tails for `f64`
    /// too ([`block_refining`]).
    tails: bool,
    /// The name of the block's test that every decaying factor of its tail products is
    /// normal and finite in every lane ([`Emitter::tails_guard`]), where it has one.
    idle: Option<Ident>,
}

impl Emitter {
    fn new(outputs: &[Expr], lifted: Option<TokenStream>) -> Self {
        Self::with(outputs, lifted, true)
    }

    /// An emitter whose quotients of a vanishing numerator are tail quotients where
    /// `quotients` ([`tail_quotient`]), plain divisions elsewhere (see [`block`]).
    fn with(outputs: &[Expr], lifted: Option<TokenStream>, quotients: bool) -> Self {
        let mut counts: HashMap<&Expr, usize> = HashMap::new();
        for e in outputs {
            count(e, &mut counts, quotients);
        }
        let shared = counts.into_iter().filter(|(e, n)| *n > 1 && worth_sharing(e)).map(|(e, _)| e.clone()).collect();
        let (names, lets, temporaries, bounds) = (HashMap::new(), Vec::new(), 0, Bounds::default());
        Emitter { shared, names, lets, lifted, temporaries, bounds, quotients, tails: true, idle: None }
    }

    fn emit(&mut self, e: &Expr) -> (TokenStream, Prec) {
        if let Some(name) = self.names.get(e) {
            return (quote!(#name), Prec::Postfix);
        }
        let code = self.node(e);
        if !self.shared.contains(e) {
            return code;
        }
        let name = self.fresh();
        let value = code.0;
        self.lets.push(quote! { let #name = #value; });
        self.names.insert(e.clone(), name.clone());
        (quote!(#name), Prec::Postfix)
    }

    /// Binds σ(u) and σ(-u), where `e` needs both, from one `sigmoid_pair` call (of `Dd`,
    /// or of `Float` in plain code, where it returns the bits of two `sigmoid` calls): one
    /// `exp` and one division instead of two of each. In plain code where the argument is
    /// refined in the tails (`emit::refine`), from one refined pair
    /// (`Dd::sigmoid_pair_value`), the bits of the two refined calls.
    fn sigmoid_pairs(&mut self, e: &Expr) {
        let plain = self.lifted.is_none();
        let mut args = Vec::new();
        e.visit(&mut |n| {
            if let Expr::Call(Func::Sigmoid, u) = n {
                args.push((**u).clone());
            }
        });
        for u in &args {
            let negated = Expr::neg(u.clone());
            let (pos, neg) = (Expr::call(Func::Sigmoid, u.clone()), Expr::call(Func::Sigmoid, negated.clone()));
            if !args.contains(&negated) || self.names.contains_key(&pos) || self.names.contains_key(&neg) {
                continue;
            }
            let arg = self.operand(u, Prec::Postfix);
            // Emitting the argument may have bound one of the two (σ(-u) inside u).
            if self.names.contains_key(&pos) || self.names.contains_key(&neg) {
                continue;
            }
            let pair = match crate::emit::refine::refined_sigmoid_pair(u, &arg, self.tails).filter(|_| plain) {
                Some(refined) => refined,
                None => quote! { #arg.sigmoid_pair() },
            };
            let (a, b) = (self.fresh(), self.fresh());
            self.lets.push(quote! { let (#a, #b) = #pair; });
            self.names.insert(pos, a);
            self.names.insert(neg, b);
        }
    }

    /// Binds tanh v, σ(2v) and σ(−2v), where a compensated `e` needs all three, from one
    /// `tanh_sigmoid2` call (`Dd::tanh_sigmoid2`: pairs take them from one e^-2|v| and one
    /// division, where `tanh` and `sigmoid_pair` take two of each): tanh v beside its slope
    /// 1 − tanh² v, which the stable forms write 4 σ(2v) σ(−2v) (mish′, mish″). Before
    /// [`sigmoid_pairs`](Self::sigmoid_pairs), which then finds σ(±2v) bound.
    fn tanh_sigmoid2s(&mut self, e: &Expr) {
        let (mut tanhs, mut sigmoids) = (Vec::new(), HashSet::new());
        e.visit(&mut |n| match n {
            Expr::Call(Func::Tanh, v) => tanhs.push((**v).clone()),
            Expr::Call(Func::Sigmoid, u) => {
                sigmoids.insert((**u).clone());
            }
            _ => {}
        });
        for v in &tanhs {
            let two = Expr::num(2.0);
            let doubled = [Expr::bin(BinOp::Mul, two.clone(), v.clone()), Expr::bin(BinOp::Mul, v.clone(), two)];
            let Some(u) =
                doubled.into_iter().find(|u| sigmoids.contains(u) && sigmoids.contains(&Expr::neg(u.clone())))
            else {
                continue;
            };
            let calls = [
                Expr::call(Func::Tanh, v.clone()),
                Expr::call(Func::Sigmoid, u.clone()),
                Expr::call(Func::Sigmoid, Expr::neg(u)),
            ];
            if calls.iter().any(|c| self.names.contains_key(c)) {
                continue;
            }
            let arg = self.operand(v, Prec::Postfix);
            // Emitting the argument may have bound one of the three.
            if calls.iter().any(|c| self.names.contains_key(c)) {
                continue;
            }
            let names = [self.fresh(), self.fresh(), self.fresh()];
            let [a, b, c] = &names;
            self.lets.push(quote! { let (#a, #b, #c) = #arg.tanh_sigmoid2(); });
            for (call, name) in calls.into_iter().zip(names) {
                self.names.insert(call, name);
            }
        }
    }

    /// Where `outputs` (plain code) have two or more tail products with a decaying factor
    /// e^u, σ(u), softplus(u) or tanh of one ([`exponent_of_decaying`]), binds their
    /// arguments u and one test of them, `__private::tails_idle`: every factor normal and
    /// finite in every lane. The products then take `mul_small_at`, the plain product where
    /// the test holds — `mul_small`'s own result there, bit for bit — and `mul_small`
    /// elsewhere: one test per vector for the block instead of one per product.
    fn tails_guard(&mut self, outputs: &[Expr]) {
        let mut products = HashSet::new();
        let mut factors: Vec<(Func, Expr)> = Vec::new();
        for e in outputs {
            e.visit(&mut |n| {
                let Expr::Bin(BinOp::Mul, a, b) = n else { return };
                if !tail_product(a, b) {
                    return;
                }
                let small = if vanishes(b) { b } else { a };
                if let (Some(u), Some(f)) = (exponent_of_decaying(small), decaying_function(small)) {
                    products.insert(n.clone());
                    if !factors.iter().any(|(g, v)| *g == f && v == u) {
                        factors.push((f, u.clone()));
                    }
                }
            });
        }
        if products.len() < 2 {
            return;
        }
        let (mut floor, mut ceiling) = (Vec::new(), Vec::new());
        for (f, u) in &factors {
            // Bound once (but a variable, −x, |x|), so that the factor's call and the
            // product reuse it.
            let code = self.emit(u).0;
            let value = match self.names.get(u) {
                Some(name) => quote!(#name),
                None if plain_leaf(u).is_some() => code,
                None => {
                    let name = self.fresh();
                    self.lets.push(quote! { let #name = #code; });
                    self.names.insert(u.clone(), name.clone());
                    quote!(#name)
                }
            };
            floor.push(value.clone());
            if matches!(f, Func::Exp | Func::Softplus) {
                ceiling.push(value);
            }
        }
        let root = root();
        let idle = self.fresh();
        self.lets.push(quote! { let #idle = #root::__private::tails_idle([#(#floor),*], [#(#ceiling),*]); });
        self.idle = Some(idle);
    }

    /// A new temporary's name, never given before in this block. (Mixed-site hygiene: a
    /// user parameter called `t0` is a different variable.)
    fn fresh(&mut self) -> Ident {
        self.temporaries += 1;
        format_ident!("t{}", self.temporaries - 1, span = Span::mixed_site())
    }

    /// `e` emitted at precedence `min` or tighter.
    fn operand(&mut self, e: &Expr, min: Prec) -> TokenStream {
        let (code, prec) = self.emit(e);
        if prec < min {
            quote! { (#code) }
        } else {
            code
        }
    }

    fn node(&mut self, e: &Expr) -> (TokenStream, Prec) {
        if let Some(dd) = &self.lifted {
            if let Some(leaf) = lifted_leaf(e, dd) {
                return (leaf, Prec::Postfix);
            }
        }
        if let Some(folded) = folded_constant(e) {
            return (folded, Prec::Postfix);
        }
        match e {
            Expr::Num(n) => (number(n.0), Prec::Postfix),
            Expr::Const(k) => {
                let name = Ident::new(k.info().name, Span::call_site());
                (quote! { T::from_f64(::core::f64::consts::#name) }, Prec::Postfix)
            }
            Expr::Var(v) => {
                let name = Ident::new(v, Span::call_site());
                (quote!(#name), Prec::Postfix)
            }
            Expr::Neg(a) => {
                let a = self.operand(a, Prec::Prefix);
                (quote! { -#a }, Prec::Prefix)
            }
            Expr::Powi(a, n) => {
                let method = if self.lifted.is_some() && self.bounds.normal_power(a, *n) {
                    quote!(powi_normal)
                } else {
                    quote!(powi)
                };
                let a = self.operand(a, Prec::Postfix);
                let n = proc_macro2::Literal::i32_unsuffixed(*n);
                (quote! { #a.#method(#n) }, Prec::Postfix)
            }
            Expr::Call(f, u) => {
                let a = self.operand(u, Prec::Postfix);
                if let Some(refined) =
                    crate::emit::refine::refined_call(*f, u, &a, self.tails).filter(|_| self.lifted.is_none())
                {
                    return (refined, Prec::Postfix);
                }
                let method = Ident::new(f.name(), Span::call_site());
                (quote! { #a.#method() }, Prec::Postfix)
            }
            Expr::Bin(op, a, b) => self.binary(e, *op, a, b),
            Expr::If(..) if crate::passes::removable::guarded(e).is_some() => self.guarded(e),
            Expr::If(..) | Expr::Reduce(..) => {
                // `block` branches on every condition, innermost first, before emitting a
                // value, and the parser rejects reductions in scalar activations: reaching
                // this is an engine bug. It is a compile error at expansion, never code
                // that runs (nor the formula used as a format string).
                let kind = if matches!(e, Expr::If(..)) { "a piecewise expression" } else { "a reduction" };
                let text = format!(
                    "internal error of `#[activation]`: {kind} was left where code generation cannot place it; \
                     please report this formula"
                );
                (quote! { ::core::compile_error!(#text) }, Prec::Postfix)
            }
        }
    }

    /// A quotient guarded at a removable singularity (`passes::removable`): its limit, a
    /// block of its own (conditions and all), computed only where some lane has both sides
    /// 0. Compensated code computes the quotient alone: it is NaN there, so the pair
    /// refuses it and the plain fallback, which has the guard, decides.
    fn guarded(&mut self, e: &Expr) -> (TokenStream, Prec) {
        let Some((sides, limit, quotient)) = crate::passes::removable::guarded(e) else {
            unreachable!("only guards are emitted here")
        };
        // Where a side is a constant (the branch of a piecewise side chosen), it is not 0,
        // as the probe found it, or the quotient is 0/0 everywhere: the limit is not needed.
        let nonzero = |e: &Expr| crate::ir::constant::folded(e).is_some_and(|v| v != 0.0);
        let constant_side = matches!(quotient, Expr::Bin(_, n, d) if nonzero(n) || nonzero(d));
        if self.lifted.is_some() || constant_side {
            return self.emit(quotient);
        }
        let root = root();
        let test = self.operand(sides, Prec::Postfix);
        let otherwise = self.emit(quotient).0;
        let limit = block_in(std::slice::from_ref(limit), &[Arithmetic::Plain], self.quotients, self.tails);
        let code = quote! { #root::__private::lanes_if!(#test.le(T::from_f64(0.0)), { #limit }, { #otherwise }) };
        (code, Prec::Postfix)
    }

    /// A compensated product or quotient whose factor or divisor is exactly a `T` (a
    /// variable, a number `f32` holds): it has no low part, and `mul_plain`/`div_plain`
    /// leave out the pair's work on it. (A function of its own, kept out of line: `binary`
    /// recurses as deep as the formula, and its frame stays small.)
    #[inline(never)]
    fn with_plain_leaf(&mut self, e: &Expr, op: BinOp, a: &Expr, b: &Expr) -> Option<(TokenStream, Prec)> {
        let dd = self.lifted.clone()?;
        if let (Some(x), Some(y)) = (plain_leaf(a), plain_leaf(b)) {
            // Both exact: one error-free sum or product.
            match op {
                BinOp::Add => return Some((quote! { #dd::sum(#x, #y) }, Prec::Postfix)),
                BinOp::Sub => return Some((quote! { #dd::sum(#x, -#y) }, Prec::Postfix)),
                BinOp::Mul => return Some((quote! { #dd::product(#x, #y) }, Prec::Postfix)),
                _ => {}
            }
        }
        if !matches!(op, BinOp::Mul | BinOp::Div) {
            return None;
        }
        let (other, leaf) =
            plain_leaf(b).map(|l| (a, l)).or_else(|| plain_leaf(a).filter(|_| op == BinOp::Mul).map(|l| (b, l)))?;
        let method = match op {
            BinOp::Mul if self.bounds.normal_product(e, a, b) => quote!(mul_plain_normal),
            BinOp::Mul => quote!(mul_plain),
            _ if self.bounds.normal_quotient(e, a, b) => quote!(div_plain_normal),
            _ => quote!(div_plain),
        };
        let x = self.operand(other, Prec::Postfix);
        Some((quote! { #x.#method(#leaf) }, Prec::Postfix))
    }

    fn binary(&mut self, e: &Expr, op: BinOp, a: &Expr, b: &Expr) -> (TokenStream, Prec) {
        let root = root();
        let method = |name: &str| Ident::new(name, Span::call_site());
        let (sym, prec, left, right) = match op {
            BinOp::Add => (quote!(+), Prec::Sum, Prec::Sum, Prec::Product),
            BinOp::Sub => (quote!(-), Prec::Sum, Prec::Sum, Prec::Product),
            BinOp::Mul => (quote!(*), Prec::Product, Prec::Product, Prec::Prefix),
            BinOp::Div => (quote!(/), Prec::Product, Prec::Product, Prec::Prefix),
            BinOp::Pow | BinOp::Max | BinOp::Min => {
                let name = method(match op {
                    BinOp::Pow => "powf",
                    BinOp::Max => "max",
                    _ => "min",
                });
                let a = self.operand(a, Prec::Postfix);
                let b = self.emit(b).0;
                return (quote! { #a.#name(#b) }, Prec::Postfix);
            }
        };
        if self.lifted.is_none() && matches!(op, BinOp::Add | BinOp::Sub) {
            // A sum with a number `f32` does not hold takes the number's low part too
            // (`Float::plus_constant`): `x + 0.1` at x = −0.1f32 is −1.49e-9, not 0.
            let with_constant = match (op, a.inexact_in_f32(), b.inexact_in_f32()) {
                (BinOp::Add, _, Some(c)) => Some((a, c, false)),
                (BinOp::Add, Some(c), _) => Some((b, c, false)),
                (BinOp::Sub, _, Some(c)) => Some((a, -c, false)),
                (BinOp::Sub, Some(c), _) => Some((b, c, true)),
                _ => None,
            };
            if let Some((other, c, negate_other)) = with_constant {
                let lit = float_literal(c);
                let x = if negate_other {
                    let x = self.operand(other, Prec::Prefix);
                    quote! { (-#x) }
                } else {
                    self.operand(other, Prec::Postfix)
                };
                return (quote! { #x.plus_constant(#lit) }, Prec::Postfix);
            }
        }
        if let Some(c) = b.inexact_in_f32().filter(|&c| op == BinOp::Div && self.lifted.is_none() && inverted_in_f32(c))
        {
            // A divisor `f32` does not hold, whose reciprocal it does (`Float::over_constant`):
            // x / 0.001 is x · 1000 in `f32`, 1 / 0.001 exactly 1000.
            let lit = float_literal(c);
            let x = self.operand(a, Prec::Postfix);
            return (quote! { #x.over_constant(#lit) }, Prec::Postfix);
        }
        if op == BinOp::Mul && self.lifted.is_none() && tail_product(a, b) {
            // The decaying factor's logarithm, when it has a simple one, lets the product
            // survive a subnormal factor (`x² σ(-x)` at x = 720 is normal, σ(-720) is not).
            let (big, small) = if vanishes(b) { (a, b) } else { (b, a) };
            if let Some(u) = exponent_of_decaying(small) {
                let big_code = self.emit(big).0;
                let small = self.emit(small).0;
                let plain = self.emit(u).0;
                let log = crate::emit::refine::pair(u, &plain);
                // A growing e^w has the exact logarithm w: no ln of a rounded e^w.
                if let Expr::Call(Func::Exp, w) = big {
                    let w_plain = self.emit(w).0;
                    let log_big = crate::emit::refine::pair(w, &w_plain);
                    let code = match &self.idle {
                        Some(idle) => quote! {
                            #root::__private::mul_small_logs_at(#idle, #big_code, #small, || #log_big, || #log)
                        },
                        None => quote! { #root::__private::mul_small_logs(#big_code, #small, || #log_big, || #log) },
                    };
                    return (code, Prec::Postfix);
                }
                let code = match &self.idle {
                    Some(idle) => quote! { #root::__private::mul_small_at(#idle, #big_code, #small, || #log) },
                    None => quote! { #root::__private::mul_small(#big_code, #small, || #log) },
                };
                return (code, Prec::Postfix);
            }
            let a = self.emit(a).0;
            let b = self.emit(b).0;
            return (quote! { #root::__private::mul_or_zero(#a, #b) }, Prec::Postfix);
        }
        if let Some(small) = tail_quotient(a, b).filter(|_| op == BinOp::Div && self.lifted.is_none() && self.quotients)
        {
            // (`count` shared the decaying factor: its value is a name here, not a second call.)
            let a = self.emit(a).0;
            let b = self.emit(b).0;
            let small = self.emit(small).0;
            return (quote! { #root::__private::div_or_zero(#a, #b, #small) }, Prec::Postfix);
        }
        if let Some(code) = self.with_plain_leaf(e, op, a, b) {
            return code;
        }
        if self.lifted.is_some() {
            let normal = match op {
                BinOp::Mul if self.bounds.normal_product(e, a, b) => Some(quote!(mul_normal)),
                BinOp::Div if self.bounds.normal_quotient(e, a, b) => Some(quote!(div_normal)),
                _ => None,
            };
            if let Some(method) = normal {
                let a = self.operand(a, Prec::Postfix);
                let b = self.emit(b).0;
                return (quote! { #a.#method(#b) }, Prec::Postfix);
            }
        }
        let a = self.operand(a, left);
        let b = self.operand(b, right);
        (quote! { #a #sym #b }, prec)
    }
}

/// A leaf of compensated code that is exactly a `T` in both precisions, as a `T`: a
/// variable, or a constant whose value is an `f32` (`6`, `0.5`; not `0.1` nor `√2`), or
/// the negation or absolute value of one (exact too).
pub(crate) fn plain_leaf(e: &Expr) -> Option<TokenStream> {
    match e {
        Expr::Var(v) => {
            let name = Ident::new(v, Span::call_site());
            return Some(quote!(#name));
        }
        Expr::Neg(a) if !a.is_constant() => return plain_leaf(a).map(|a| quote! { (-#a) }),
        Expr::Call(Func::Abs, a) if !a.is_constant() => return plain_leaf(a).map(|a| quote! { #a.abs() }),
        _ => {}
    }
    if !e.is_constant() {
        return None;
    }
    let (hi, lo) = crate::ir::constant::value(e)?;
    (lo == 0.0 && hi.is_finite() && !crate::ir::expr::inexact_in_f32(hi)).then(|| {
        let lit = float_literal(hi);
        quote! { T::from_f64(#lit) }
    })
}

/// A variable or constant subtree as a value of the compensated type `dd`: constants as
/// double-doubles where they are built from numbers and π (`sqrt(2 / PI)` to 2^-106),
/// otherwise rounded once.
fn lifted_leaf(e: &Expr, dd: &TokenStream) -> Option<TokenStream> {
    if let Expr::Var(v) = e {
        let name = Ident::new(v, Span::call_site());
        return Some(quote! { #dd::new(#name) });
    }
    if !e.is_constant() {
        return None;
    }
    if let Some((hi, lo)) = crate::ir::constant::value(e) {
        let (hi, lo) = (float_literal(hi), float_literal(lo));
        return Some(quote! { #dd::constant(#hi, #lo) });
    }
    let value = crate::ir::eval::eval::<f64>(e, &Default::default());
    let lit = float_literal(value);
    Some(quote! { #dd::constant(#lit, 0.0) })
}

/// A constant subtree with arithmetic or calls in it (`2 / 0.001`, `sqrt(2 / PI)`,
/// `softplus(0.5).powi(12)`) as one literal: its value to 2^-90 or better
/// (`ir::constant`), rounded to `f64` — and by `T::from_f64` to the kernel's type — once,
/// as the truth is, instead of rounding each operation and call in `T` (`2 / 0.001` in
/// `f32` is one ULP below 2000, the truth's `f32` value; `softplus(0.5).powi(12)` in
/// `f64`, 9 ULPs off). Leaves and negated leaves are emitted as they are; a subtree
/// without a value (`ln(-1)`, `exp(800)`) is computed as written. The interpreters fold
/// the same subtrees (`ir::eval`, `ir::tape`).
fn folded_constant(e: &Expr) -> Option<TokenStream> {
    let lit = float_literal(crate::ir::constant::folded(e)?);
    Some(quote! { T::from_f64(#lit) })
}

/// Whether `e` can underflow to 0 in a tail: it contains a decaying function.
pub(crate) fn vanishes(e: &Expr) -> bool {
    e.calls_any(DECAYING)
}

/// The functions that decay to 0 in a tail (and are 0 only by underflow).
const DECAYING: &[Func] = &[Func::Exp, Func::Sigmoid, Func::Erfc, Func::Softplus];

/// Whether `a · b` is taken as a tail product (0 times anything is 0, `mul_or_zero`, or
/// the log-domain product): a factor that vanishes times one that can overflow; or a
/// power `u^v` times a factor with a logarithm, as ∂/∂v of u^v is u^v ln u, whose 0 · −∞
/// at u = 0 is 0 (u^v vanishes faster than ln u grows; the fuzzer's `x.powf(a)`, NaN at 0).
pub(crate) fn tail_product(a: &Expr, b: &Expr) -> bool {
    (vanishes(a) && can_overflow(b))
        || (vanishes(b) && can_overflow(a))
        || (power_factor(a) && b.calls_any(&[Func::Ln]))
        || (power_factor(b) && a.calls_any(&[Func::Ln]))
}

/// The decaying factor of `a / b` where that is taken as a tail quotient (`div_or_zero`:
/// 0 / 0 is 0 where the factor has underflowed): a numerator with a decaying factor
/// ([`DECAYING`] among the factors of its product) over a divisor
/// that can reach 0 by underflow too (x² below 1e-154, or a decaying function of its own):
/// not a constant, nor a variable alone, which is 0 only where it is given as 0 (`eˣ/α`
/// keeps its plain division).
pub(crate) fn tail_quotient<'a>(a: &'a Expr, b: &Expr) -> Option<&'a Expr> {
    if b.is_constant() || matches!(b, Expr::Var(_)) {
        return None;
    }
    decaying_factor(a)
}

/// A factor of the product `e` (through products, numerators and negations) that decays to
/// 0 in a tail.
fn decaying_factor(e: &Expr) -> Option<&Expr> {
    match e {
        // (A constant factor is one number: it does not underflow with the input, the
        // fuzzer's f859, `(ln 2 · e^(ln 2)) / x`.)
        _ if e.is_constant() => None,
        Expr::Call(f, _) if DECAYING.contains(f) => Some(e),
        Expr::Bin(BinOp::Mul, p, q) => decaying_factor(p).or_else(|| decaying_factor(q)),
        Expr::Bin(BinOp::Div, p, _) | Expr::Neg(p) => decaying_factor(p),
        _ => None,
    }
}

/// Whether `e` is a product (or quotient, negation or integer power) with a `powf` among
/// its factors: (u^a)³ ln u, ∂/∂a of (u^a)³, is 0 · −∞ at u = 0 too (the fuzzer's f689).
fn power_factor(e: &Expr) -> bool {
    match e {
        Expr::Bin(BinOp::Pow, ..) => true,
        Expr::Bin(BinOp::Mul, p, q) => power_factor(p) || power_factor(q),
        Expr::Bin(BinOp::Div, p, _) | Expr::Neg(p) | Expr::Powi(p, _) => power_factor(p),
        _ => false,
    }
}

/// The function whose argument [`exponent_of_decaying`] reads: e^u, σ(u) or softplus(u),
/// under any tanh.
fn decaying_function(e: &Expr) -> Option<Func> {
    match e {
        Expr::Call(f @ (Func::Exp | Func::Sigmoid | Func::Softplus), _) => Some(*f),
        Expr::Call(Func::Tanh, v) => decaying_function(v),
        _ => None,
    }
}

/// The u of a decaying factor — e^u, σ(u), softplus(u) ≈ e^u, or the tanh of one (tanh v ≈
/// v): where the factor underflows, its logarithm is u to far below an ULP.
pub(crate) fn exponent_of_decaying(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Call(Func::Exp | Func::Sigmoid | Func::Softplus, u) => Some(u),
        Expr::Call(Func::Tanh, v) => exponent_of_decaying(v),
        _ => None,
    }
}

/// Whether `e` can overflow for a finite input: anything that depends on a variable can
/// (even `3 * x` near the top of the range), unless it is bounded.
pub(crate) fn can_overflow(e: &Expr) -> bool {
    !e.is_constant() && !bounded(e)
}

/// Bounded for every input: sums and products of bounded functions and constants.
fn bounded(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Const(_) => true,
        Expr::Call(f, _) => {
            matches!(f, Func::Sigmoid | Func::Tanh | Func::Erf | Func::Erfc | Func::Atan | Func::Sin | Func::Cos)
        }
        Expr::Neg(a) => bounded(a),
        Expr::Bin(BinOp::Add | BinOp::Sub | BinOp::Mul, a, b) => bounded(a) && bounded(b),
        _ => false,
    }
}

fn count<'a>(e: &'a Expr, counts: &mut HashMap<&'a Expr, usize>, quotients: bool) {
    let n = counts.entry(e).or_default();
    *n += 1;
    // Children of a repeated subtree are counted once: they are computed with it.
    if *n == 1 {
        for c in e.children() {
            count(c, counts, quotients);
        }
        // A tail quotient tests its numerator's decaying factor on its own: one value, named.
        let quotient = if let Expr::Bin(BinOp::Div, a, b) = e { tail_quotient(a, b) } else { None };
        if let Some(small) = quotient.filter(|_| quotients) {
            *counts.entry(small).or_default() += 1;
        }
    }
}

/// Leaves and negated leaves cost nothing to recompute.
fn worth_sharing(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Const(_) | Expr::Var(_) => false,
        Expr::Neg(a) => !matches!(**a, Expr::Num(_) | Expr::Var(_) | Expr::Const(_)),
        Expr::If(..) | Expr::Reduce(..) => false,
        _ => true,
    }
}

/// A constant in the generated code: `T::from_f64(0.5)`, exact for `f64`, rounded once
/// for `f32`.
fn number(v: f64) -> TokenStream {
    let lit = float_literal(v);
    quote! { T::from_f64(#lit) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_formula;

    fn code(srcs: &[&str]) -> String {
        let es: Vec<Expr> = srcs.iter().map(|s| parse_formula(s, &["x"]).unwrap()).collect();
        block(&es).to_string()
    }

    #[test]
    fn shares_common_subexpressions() {
        let c = code(&["x * sigmoid(x)", "sigmoid(x) + tanh(sigmoid(x))"]);
        assert_eq!(c.matches("sigmoid ()").count(), 1, "{c}");
        assert!(c.contains("let t0 = x . sigmoid ()"), "{c}");
    }

    #[test]
    fn binds_both_sides_of_a_sigmoid_from_one_pair() {
        // σ(x) and σ(−x) from one `sigmoid_pair` call (the bits of two `sigmoid` calls);
        // where the argument is refined in the tails, from one refined pair (the bits of two
        // refined calls), with the plain pair where the refinement does not run.
        let c = code(&["x * sigmoid(x)", "sigmoid(x) + x * sigmoid(x) * sigmoid(-x)"]);
        assert_eq!(c.matches("sigmoid_pair ()").count(), 1, "{c}");
        assert_eq!(c.matches(". sigmoid ()").count(), 0, "{c}");
        let refined = code(&["sigmoid(3 * x) * sigmoid(-(3 * x))"]);
        assert_eq!(refined.matches("refined_or !").count(), 1, "{refined}");
        assert_eq!(refined.matches(", sigmoid_pair_value , sigmoid_pair)").count(), 1, "{refined}");
        assert_eq!(refined.matches("sigmoid_value").count(), 0, "{refined}");
        assert_eq!(refined.matches(". sigmoid ()").count(), 0, "{refined}");
    }

    #[test]
    fn binds_tanh_and_both_sigmoids_of_its_double_from_one_call() {
        // tanh u beside 4 σ(2u) σ(−2u) (its slope, as the stable forms write it), computed
        // compensated: one `tanh_sigmoid2` call, no `tanh` or `sigmoid_pair` of its own; in
        // plain code the calls stay as they were.
        let e =
            parse_formula("tanh(softplus(x)) + 4 * x * sigmoid(2 * softplus(x)) * sigmoid(-(2 * softplus(x)))", &["x"])
                .unwrap();
        let c = compensated_value(&e, false).to_string();
        assert_eq!(c.matches(". tanh_sigmoid2 ()").count(), 1, "{c}");
        let pair = c.split("settled_or").next().unwrap();
        assert!(!pair.contains(". tanh ()") && !pair.contains("sigmoid_pair"), "{c}");
        let plain = code(&["tanh(softplus(x)) + 4 * x * sigmoid(2 * softplus(x)) * sigmoid(-(2 * softplus(x)))"]);
        assert!(!plain.contains("tanh_sigmoid2"), "{plain}");
    }

    #[test]
    fn branches_once_for_all_outputs() {
        let c = code(&["if x > 0.0 { x } else { 0.01 * x.exp() }", "if x > 0.0 { 1.0 } else { 0.01 }"]);
        assert_eq!(c.matches("lanes_if").count(), 1, "{c}");
        // Sides of a few plain operations: both computed, one select for all outputs.
        let c = code(&["if x > 0.0 { x } else { 0.01 * x }", "if x > 0.0 { 1.0 } else { 0.01 }"]);
        assert_eq!(c.matches("__private :: select (").count(), 1, "{c}");
        assert!(!c.contains("lanes_if"), "{c}");
    }

    #[test]
    fn decaying_factors_meet_the_rest_of_the_product_last() {
        // σ(-x) · (x² σ(x)): the subnormal σ(-x) at x = 720 must multiply the normal rest.
        let c = code(&["sigmoid(-x) * 3.0 * x.powi(2) * sigmoid(x)"]);
        // The innermost product takes the normal rest as its first factor.
        assert!(c.contains("mul_small_at (t0 , T :: from_f64 (3.0) * x . powi (2) ,"), "{c}");
        assert_eq!(c.matches("mul_small").count(), 2, "{c}");
    }

    #[test]
    fn two_tail_products_share_one_test_of_their_factors_arguments() {
        // σ(x) and σ(−x): one `tails_idle` of both arguments, which the products take.
        let c = code(&["x * sigmoid(-x) * sigmoid(x) + sigmoid(x)"]);
        assert!(c.contains("tails_idle ([") && c.contains("] , [])"), "{c}");
        assert_eq!(c.matches("mul_small_at (").count(), 2, "{c}");
        // e^x and softplus(x) are tested below overflow as well.
        let c = code(&["x * (-x).exp() + x * softplus(-x)"]);
        assert!(c.contains("tails_idle (") && !c.contains("] , [])"), "{c}");
        // One tail product keeps its own test.
        let c = code(&["x * sigmoid(-x)"]);
        assert!(!c.contains("tails_idle") && c.contains("mul_small ("), "{c}");
    }

    #[test]
    fn compensated_outputs_run_on_pairs_with_a_plain_fallback() {
        let e = parse_formula("1.0 / (1.0 + x.abs()).powi(3)", &["x"]).unwrap();
        let c = block_with(&[e.clone(), e], &[Arithmetic::Compensated, Arithmetic::Plain]).to_string();
        // 1 + |x| of two exact values: one error-free sum.
        assert!(
            c.contains(":: activation :: __private :: Dd :: < T > :: sum (T :: from_f64 (1.0) , x . abs ())"),
            "{c}"
        );
        assert!(c.contains("settled_or !"), "{c}");
        // The fallback and the plain output are the same ordinary code.
        assert_eq!(c.matches("(T :: from_f64 (1.0) + x . abs ())").count(), 2, "{c}");
        // A fallback of a few plain operations is computed in every lane.
        let e = parse_formula("(1.0 + x.abs()) * x", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains("settled_else ("), "{c}");
    }

    #[test]
    fn bounded_rational_forms_run_untested_pairs_behind_one_test_of_the_inputs() {
        // 1/(1 + |x|)³: within 2^19 the lean pairs, beyond it the form's `Dd` code, which
        // keeps its own fallback.
        let e = parse_formula("1.0 / (1.0 + x.abs()).powi(3)", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains("lanes_if ! (x . abs () . le (T :: from_f64 (524288.0)) ,"), "{c}");
        assert!(
            c.contains("DdLean :: < T > :: sum (T :: from_f64 (1.0) , x . abs ())") && c.contains(". rounded ()"),
            "{c}"
        );
        let (lean, rest) = c.split_once("settled_or").unwrap();
        assert!(lean.contains("DdLean") && !rest.contains("DdLean") && rest.contains(":: Dd :: < T > :: sum"), "{c}");
        // Not for a form with a library call, nor in plain code.
        let e = parse_formula("1.0 / (1.0 + x.exp()).powi(3)", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(!c.contains("DdLean"), "{c}");
        let e = parse_formula("1.0 / (1.0 + x.abs()).powi(3)", &["x"]).unwrap();
        assert!(!block_with(&[e], &[Arithmetic::Plain]).to_string().contains("DdLean"));
    }

    #[test]
    fn exact_operands_of_compensated_code_are_passed_plain() {
        // x (x + 3) / 6: the sum of two exact values is one error-free sum, the factor x
        // and the divisor 6 have no low part.
        let e = parse_formula("x * (x + 3.0) / 6.0", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains("Dd :: < T > :: sum (x , T :: from_f64 (3.0))"), "{c}");
        assert!(c.contains("mul_plain") && c.contains("div_plain"), "{c}");
        // 2x − |x| and −x · 3: differences, negations and absolute values of exact values.
        let e = parse_formula("(2.0 * x - x.abs()) / (-x * 3.0)", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains("Dd :: < T > :: product (T :: from_f64 (2.0) , x)"), "{c}");
        assert!(c.contains("Dd :: < T > :: product ((- x) , T :: from_f64 (3.0))"), "{c}");
        // 0.1 and √2 are not `f32`s: they stay pairs (x, the other factor, is plain).
        let e = parse_formula("x * 0.1 + x / 2.0.sqrt()", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains(":: constant (0.1 , 0.0) . mul_plain_normal (x)"), "{c}");
        assert!(!c.contains("div_plain") && !c.contains(":: product") && !c.contains("from_f64 (0.1))"), "{c}");
    }

    #[test]
    fn exact_outputs_are_not_compensated() {
        // hardswish's branch `x`, and `-x`: nothing rounds, so no pair and no fallback.
        let outputs = [parse_formula("x", &["x"]).unwrap(), parse_formula("-x", &["x"]).unwrap()];
        let c = block_with(&outputs, &[Arithmetic::Compensated, Arithmetic::Compensated]).to_string();
        assert!(!c.contains("Dd") && !c.contains("settled_"), "{c}");
        let c = block_with(&[parse_formula("x * x", &["x"]).unwrap()], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains("settled_"), "{c}");
    }

    #[test]
    fn every_temporary_has_its_own_name() {
        // In tanh(x) σ(1.5 σ(-x)), f'' binds σ(-x) inside the argument of a later pair σ(±u);
        // the pair once took a name already given and shadowed σ(-x) by tanh x.
        let source = "#[activation] fn tsig(x: f64) -> f64 { x.tanh() * sigmoid(1.5 * sigmoid(-x)) }";
        let def = crate::discover::find_in_source(source).unwrap().remove(0).definition.unwrap();
        let second = crate::passes::derived::derive(&def).unwrap().stable.second;
        let code = block_with(&[second], &[Arithmetic::Compensated]).to_string();
        // The compensated block; its plain fallback is a scope of its own.
        let c = code.split("settled_or !").next().unwrap();
        let bound: Vec<&str> = c
            .split("let ")
            .skip(1)
            .flat_map(|l| l.split(" =").next().unwrap().trim_matches(|ch| ch == '(' || ch == ')').split(" , "))
            .map(str::trim)
            .collect();
        let mut unique = bound.clone();
        unique.sort();
        unique.dedup();
        assert!(bound.len() > 4, "{c}");
        assert_eq!(unique.len(), bound.len(), "{c}");
    }

    #[test]
    fn constants_enter_pairs_with_their_low_part() {
        let e = parse_formula("sqrt(2 / PI) * x", &["x"]).unwrap();
        let c = block_with(&[e], &[Arithmetic::Compensated]).to_string();
        assert!(c.contains("constant (0.7978845608028654 , - 4.98465440455546e-17)"), "{c}");
    }

    #[test]
    fn conditions_that_contain_piecewise_expressions_are_branched_innermost_first() {
        // `max(if x > 0 { x } else { 2x }, 1)` as the passes lower it: the outer condition
        // holds an `if`. Emitted outermost first, that `if` once reached `node` (a panic
        // with the formula as its format string).
        let inner = "(if x > 0.0 { x } else { 2.0 * x })";
        let c = code(&[&format!("if {inner} > 1.0 {{ {inner} }} else {{ 1.0 }}"), "x.abs()"]);
        assert!(!c.contains("panic") && !c.contains("compile_error"), "{c}");
        // One branch on x > 0, then one on each side's own value against 1 (all selects:
        // every side is a few plain operations).
        assert_eq!(c.matches("__private :: select (").count(), 3, "{c}");
        assert!(c.contains("(x) . gt (T :: from_f64 (1.0))"), "{c}");
    }

    #[test]
    fn parenthesises_by_precedence() {
        assert_eq!(code(&["-(x + 1.0) * x"]), "- (x + T :: from_f64 (1.0)) * x");
        assert_eq!(block(&[Expr::num(-2.0)]).to_string(), "T :: from_f64 (- 2.0)");
        assert_eq!(code(&["(x - 1.0).tanh()"]), "(x - T :: from_f64 (1.0)) . tanh ()");
    }
}

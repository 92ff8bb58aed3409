//! Parser: from a `syn` function item (or formula text) into a typed [`Definition`].
//!
//! Every form the formula language rejects becomes a `syn::Error` at the offending span
//! whose message says what is accepted instead. Errors are collected, not thrown at the
//! first one, so a user sees all of them in one build (`docs/contract.md` §3).
//!
//! Two modes: a user's `#[activation]` item ([`parse_activation`]) may call only the
//! accepted names — [`accepted_functions`], [`accepted_methods`], [`accepted_constants`],
//! generated from the tables [`FUNCS`] and [`CONSTANTS`], and printed in the errors, the
//! README and the contract from there — while the engine's own text ([`parse_formula`],
//! [`parse_vector_formula`], [`parse_pattern`]) also reads the internal primitives that
//! the stabilising pass writes (`expm1_sub_uexp`).

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{BinOp as SynBin, Expr as SynExpr, FnArg, ItemFn, Lit, Pat, ReturnType, Stmt, Type, UnOp};

use crate::ir::expr::{BinOp, CmpOp, Cond, Constant, Expr, Func, Reduction, CONSTANTS, FUNCS};

/// A parameter of an activation and its default, if `#[activation(name = value)]` gave one.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// The parameter's name.
    pub name: String,
    /// Its default, if the attribute gives one.
    pub default: Option<f64>,
}

/// A parsed activation: the typed model every later pass works from.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// The function's name (`swish`).
    pub name: String,
    /// The input argument's name (usually `x`).
    pub input: String,
    /// The parameters, in argument order.
    pub params: Vec<Param>,
    /// The formula, with `let` bindings substituted.
    pub body: Expr,
}

impl Definition {
    /// The parameter names, in order.
    pub(crate) fn param_names(&self) -> Vec<&str> {
        self.params.iter().map(|p| p.name.as_str()).collect()
    }

    /// Every parameter has a default.
    pub(crate) fn all_defaults(&self) -> bool {
        self.params.iter().all(|p| p.default.is_some())
    }
}

/// Methods with a rule of their own in `Scope::method` (not rows of [`FUNCS`]).
const OPERATOR_METHODS: &[&str] = &["powi", "powf", "max", "min", "recip"];
/// Prelude functions with a rule of their own in `Scope::call` (not rows of [`FUNCS`]).
const OPERATOR_FUNCTIONS: &[&str] = &["max", "min"];

/// The `f64` methods a formula may call, in the order of [`FUNCS`], then `powi`, `powf`,
/// `max`, `min`, `recip`: the list in the parse errors, README.md and
/// `docs/contract.md` §3 (a test holds the documents to it).
pub(crate) fn accepted_methods() -> Vec<&'static str> {
    let funcs = FUNCS.iter().filter(|i| i.internal.is_none()).filter_map(|i| i.method);
    funcs.chain(OPERATOR_METHODS.iter().copied()).collect()
}

/// The prelude functions a formula may call, by canonical name, in the order of
/// [`FUNCS`], then two-argument `max` and `min`. Engine-internal primitives are not
/// among them.
pub(crate) fn accepted_functions() -> Vec<&'static str> {
    let funcs = FUNCS.iter().filter(|i| i.internal.is_none()).map(|i| i.name);
    funcs.chain(OPERATOR_FUNCTIONS.iter().copied()).collect()
}

/// Other names accepted for prelude functions (the method names `exp_m1`, `ln_1p`).
#[cfg(test)]
pub(crate) fn accepted_aliases() -> Vec<&'static str> {
    FUNCS.iter().filter(|i| i.internal.is_none()).flat_map(|i| i.aliases.iter().copied()).collect()
}

/// The named constants a formula may use: every row of [`CONSTANTS`] (those of
/// `std::f64::consts`).
pub(crate) fn accepted_constants() -> Vec<&'static str> {
    CONSTANTS.iter().map(|k| k.name).collect()
}

fn methods_list() -> String {
    accepted_methods().join(", ")
}

fn functions_list() -> String {
    accepted_functions().join(", ")
}

/// Collects errors so that one build reports all of them.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    fn take<T>(&mut self, r: syn::Result<T>) -> Option<T> {
        r.map_err(|e| self.push(e)).ok()
    }
    fn finish<T>(self, value: T) -> syn::Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

fn err<T>(node: impl quote::ToTokens, msg: impl std::fmt::Display) -> syn::Result<T> {
    Err(syn::Error::new_spanned(node, msg))
}

/// Parses `#[activation(...)]` arguments: `name = number, ...`.
pub(crate) fn parse_defaults(attr: TokenStream) -> syn::Result<Vec<(syn::Ident, f64)>> {
    let parser = Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
    let list = parser.parse2(attr).map_err(|e| {
        syn::Error::new(e.span(), format!("{e}; expected parameter defaults like `#[activation(alpha = 0.01)]`"))
    })?;
    let mut errors = Errors::default();
    let mut out = Vec::new();
    let mut root: Option<syn::Path> = None;
    for meta in list {
        if meta.path().is_ident("crate") {
            // `crate = path`: not a default; read by `crate_root`, checked here so that
            // every front end (the macro, `discover`) reports a bad one.
            match (crate_path(&meta), &root) {
                (Ok(_), Some(_)) => errors.push(syn::Error::new_spanned(&meta, "`crate` is given twice: keep one")),
                (Ok(path), None) => root = Some(path),
                (Err(e), _) => errors.push(e),
            }
            continue;
        }
        let nv = match meta {
            syn::Meta::NameValue(nv) => nv,
            syn::Meta::Path(p) => {
                errors.push(syn::Error::new_spanned(&p, "a default needs a value: write `alpha = 0.01`"));
                continue;
            }
            syn::Meta::List(l) => {
                errors.push(syn::Error::new_spanned(&l, "expected a parameter default like `alpha = 0.01`"));
                continue;
            }
        };
        let Some(ident) = nv.path.get_ident().cloned() else {
            errors.push(syn::Error::new_spanned(&nv.path, "expected a parameter name like `alpha = 0.01`"));
            continue;
        };
        if let Some(v) = errors.take(number(&nv.value)) {
            out.push((ident, v));
        }
    }
    errors.finish(out)
}

/// The path that `#[activation(crate = path)]` gives for the facade, if the attribute has
/// a valid one (`emit::root`); errors are reported by [`parse_defaults`].
pub(crate) fn crate_root(attr: TokenStream) -> Option<syn::Path> {
    let parser = Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated;
    let list = parser.parse2(attr).ok()?;
    list.iter().filter(|m| m.path().is_ident("crate")).find_map(|m| crate_path(m).ok())
}

/// `crate = my_crate::activation` (or the same path as a string, serde's form): the path
/// under which a crate re-exports `activation`. Generated code names it from inside
/// modules of its own, so it must resolve from anywhere: `::a::b`, `crate::a` or a
/// dependency's name, not `self::`/`super::`.
fn crate_path(meta: &syn::Meta) -> syn::Result<syn::Path> {
    const FORM: &str = "expected the path under which `activation` is re-exported: `crate = my_crate::activation`";
    let syn::Meta::NameValue(nv) = meta else {
        return err(meta, FORM);
    };
    let path = match &nv.value {
        SynExpr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => p.path.clone(),
        SynExpr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => s
            .parse::<syn::Path>()
            .map_err(|_| syn::Error::new_spanned(s, format!("{FORM}; this string is not a path")))?,
        other => return err(other, FORM),
    };
    if let Some(seg) = path.segments.iter().find(|s| !s.arguments.is_none()) {
        return err(&seg.arguments, "the `crate` path names a crate or module: no generic arguments");
    }
    let first = &path.segments[0].ident;
    if path.leading_colon.is_none() && (first == "self" || first == "super" || first == "Self") {
        let msg = format!(
            "`{first}::` paths do not resolve inside the modules that `#[activation]` generates: \
             start the path with `crate::`, `::` or a dependency's name"
        );
        return err(&path, msg);
    }
    Ok(path)
}

/// A literal number, possibly negated: the only value a default may have.
fn number(e: &SynExpr) -> syn::Result<f64> {
    match e {
        SynExpr::Lit(l) => literal(&l.lit),
        SynExpr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => number(&u.expr).map(|v| -v),
        SynExpr::Paren(p) => number(&p.expr),
        _ => err(e, "expected a number literal such as `0.01` or `-1.5`"),
    }
}

fn literal(lit: &Lit) -> syn::Result<f64> {
    match lit {
        Lit::Float(f) if matches!(f.suffix(), "" | "f64") => finite(lit, f.base10_parse()?),
        Lit::Int(i) if matches!(i.suffix(), "" | "f64") => finite(lit, i.base10_parse::<f64>()?),
        Lit::Float(_) | Lit::Int(_) => err(lit, "literals are `f64`: drop the suffix or write `f64`"),
        _ => err(lit, "expected a number literal such as `0.5` or `2`"),
    }
}

fn finite(lit: &Lit, v: f64) -> syn::Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        err(lit, "literal out of range for `f64`: numbers are finite, at most `f64::MAX` (about 1.8e308)")
    }
}

/// A parsed `#[activation]` function: its definition, and what the generated code must check
/// about the names the body uses.
pub(crate) struct Parsed {
    /// The formula and its arguments.
    pub def: Definition,
    /// The names and paths of the body read as the prelude's functions and constants
    /// (`sigmoid`, `max`, `prelude::tanh`, `PI`), each at its first use. The engine cannot
    /// see the user's scope, so the generated code asks the compiler what each one is there:
    /// a user's own `fn sigmoid` (or `const PI`) beside `use activation::prelude::*` is an
    /// error at the call, never a silent substitution, and a path must resolve
    /// (`emit::item::Names::prelude_names`, `docs/contract.md` §3.2).
    pub prelude_names: Vec<syn::Path>,
}

/// Parses an `#[activation]` function with its attribute's defaults.
pub(crate) fn parse_activation(attr: TokenStream, item: &ItemFn) -> syn::Result<Parsed> {
    parse_definition(attr, item, false)
}

/// [`parse_activation`], with `sum(e)` and one-argument `max(e)` reductions accepted in
/// the body when `reductions` is set (vector activations; `crate::vector::parse` checks
/// the slice input and passes the item here with that input typed `f64`).
pub(crate) fn parse_definition(attr: TokenStream, item: &ItemFn, reductions: bool) -> syn::Result<Parsed> {
    let mut errors = Errors::default();
    let facade = crate_root(attr.clone());
    let defaults = errors.take(parse_defaults(attr)).unwrap_or_default();
    let names = signature(item, &mut errors);
    let mut params: Vec<Param> = names.iter().skip(1).map(|n| Param { name: n.to_string(), default: None }).collect();
    for (ident, value) in defaults {
        match params.iter_mut().find(|p| ident == p.name) {
            Some(p) if p.default.is_some() => {
                errors.push(syn::Error::new_spanned(&ident, format!("parameter `{ident}` has two defaults")))
            }
            Some(p) => p.default = Some(value),
            None => errors.push(unknown_default(&ident, &names)),
        }
    }
    let input = names.first().map(|i| i.to_string()).unwrap_or_else(|| "x".into());
    let mut scope = Scope::new(names.iter().map(|i| i.to_string()).collect());
    scope.reductions = reductions;
    scope.facade = facade.map(|p| quote::quote!(#p).to_string().replace(' ', ""));
    let body = errors.take(scope.block(&item.block));
    if let Some(b) = &body {
        if !names.is_empty() && !b.depends_on(&input) {
            errors.push(syn::Error::new_spanned(
                &item.block,
                format!("the body does not depend on the input `{input}`: an activation is a function of its first argument"),
            ));
        }
    }
    let def = Definition { name: item.sig.ident.to_string(), input, params, body: body.unwrap_or(Expr::num(0.0)) };
    errors.finish(Parsed { def, prelude_names: scope.named })
}

fn unknown_default(ident: &syn::Ident, names: &[syn::Ident]) -> syn::Error {
    let params: Vec<String> = names.iter().skip(1).map(|n| format!("`{n}`")).collect();
    let msg = if names.first().is_some_and(|x| x == ident) {
        format!("`{ident}` is the input, not a parameter: defaults are for the arguments after the input")
    } else if params.is_empty() {
        format!("unknown parameter `{ident}`: this activation has no parameters besides its input")
    } else {
        format!("unknown parameter `{ident}`: the parameters are {}", params.join(", "))
    };
    syn::Error::new_spanned(ident, msg)
}

/// Checks `fn name(x: f64, p: f64, ...) -> f64` and returns the argument names (even when
/// the signature has errors, so that the body is still checked).
fn signature(item: &ItemFn, errors: &mut Errors) -> Vec<syn::Ident> {
    let sig = &item.sig;
    let plain = "write a plain `fn name(x: f64, ...) -> f64`";
    if let Some(t) = &sig.constness {
        errors.push(syn::Error::new_spanned(t, format!("`const fn` is not supported: {plain}")));
    }
    if let Some(t) = &sig.asyncness {
        errors.push(syn::Error::new_spanned(t, format!("`async fn` is not supported: {plain}")));
    }
    if let Some(t) = &sig.unsafety {
        errors.push(syn::Error::new_spanned(t, format!("`unsafe fn` is not supported: {plain}")));
    }
    if let Some(t) = &sig.abi {
        errors.push(syn::Error::new_spanned(t, format!("`extern` functions are not supported: {plain}")));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "generic parameters are not supported: every argument is `f64`, and the macro generates the `f32` version itself",
        ));
    }
    if let Some(v) = &sig.variadic {
        errors.push(syn::Error::new_spanned(v, format!("variadic arguments are not supported: {plain}")));
    }
    let mut names = Vec::new();
    for arg in &sig.inputs {
        // A wrongly typed argument still names a variable, so the body is checked too.
        let (name, problem) = argument(arg);
        if let Some(name) = name.as_ref().filter(|n| names.contains(*n)) {
            errors.push(syn::Error::new_spanned(
                name,
                format!("`{name}` is already an argument: give each argument its own name"),
            ));
        }
        names.extend(name);
        if let Some(e) = problem {
            errors.push(e);
        }
    }
    if sig.inputs.is_empty() {
        errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            "an activation takes its input first: `fn name(x: f64) -> f64`, then any parameters",
        ));
    }
    match &sig.output {
        ReturnType::Default => errors.push(syn::Error::new_spanned(
            &sig.ident,
            "missing return type: an activation returns `f64` (`fn name(x: f64) -> f64`)",
        )),
        ReturnType::Type(_, ty) if !is_f64(ty) => errors.push(syn::Error::new_spanned(
            ty,
            "an activation returns `f64`; the macro generates the `f32` version itself",
        )),
        ReturnType::Type(..) => {}
    }
    names
}

/// The argument's name, if it has a plain one, and what is wrong with it, if anything.
fn argument(arg: &FnArg) -> (Option<syn::Ident>, Option<syn::Error>) {
    let t = match arg {
        FnArg::Receiver(r) => {
            let msg = "`self` is not supported: an activation is a free function `fn name(x: f64, ...) -> f64`";
            return (None, Some(syn::Error::new_spanned(r, msg)));
        }
        FnArg::Typed(t) => t,
    };
    let name = match &*t.pat {
        Pat::Ident(p) if p.ident.to_string().starts_with("r#") => {
            let msg = format!("raw identifiers are not supported as argument names: rename `{}`", p.ident);
            return (Some(p.ident.clone()), Some(syn::Error::new_spanned(&p.ident, msg)));
        }
        Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => p.ident.clone(),
        Pat::Ident(p) if p.subpat.is_none() => {
            let msg = "arguments are plain immutable names such as `x` or `alpha`: drop `mut`/`ref`; \
                       introduce a new name with `let` instead of mutating";
            return (Some(p.ident.clone()), Some(syn::Error::new_spanned(p, msg)));
        }
        other => {
            let msg = "expected a plain argument name such as `x` or `alpha`";
            return (None, Some(syn::Error::new_spanned(other, msg)));
        }
    };
    let problem = (!is_f64(&t.ty)).then(|| {
        let msg = "every argument of an activation is `f64`; the macro generates the `f32` version itself";
        syn::Error::new_spanned(&t.ty, msg)
    });
    (Some(name), problem)
}

fn is_f64(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("f64"))
}

/// Parses formula text (a Rust expression, possibly a block with `let`s) over `vars`.
///
/// This reads the engine's own canonical text ([`crate::ir::text`]) back: what `FORMULA`
/// holds, rule tables, the exact definitions of constants, and stable forms, so it accepts
/// the engine-internal primitives of [`FUNCS`] (`expm1_sub_uexp`) that a user's
/// `#[activation]` body may not call ([`parse_activation`] rejects them).
pub(crate) fn parse_formula(text: &str, vars: &[&str]) -> syn::Result<Expr> {
    let e: SynExpr = syn::parse_str(text)?;
    Scope::internal(vars.iter().map(|s| s.to_string()).collect()).expr(&e)
}

/// Parses vector formula text (`docs/contract.md` §7): [`parse_formula`] with `sum(e)`
/// and `max(e)` reductions accepted.
#[cfg(any(test, feature = "mpfr"))]
pub(crate) fn parse_vector_formula(text: &str, vars: &[&str]) -> syn::Result<Expr> {
    let e: SynExpr = syn::parse_str(text)?;
    let mut scope = Scope::internal(vars.iter().map(|s| s.to_string()).collect());
    scope.reductions = true;
    scope.expr(&e)
}

/// Parses a rewrite-rule pattern: every identifier that is not a constant is a variable
/// (the rule's wildcard). Engine-internal primitives are accepted, as in [`parse_formula`].
pub(crate) fn parse_pattern(text: &str) -> syn::Result<Expr> {
    let e: SynExpr = syn::parse_str(text)?;
    let mut scope = Scope::internal(Vec::new());
    scope.open = true;
    scope.expr(&e)
}

/// Names in scope while converting a body.
struct Scope {
    /// Arguments: the input and the parameters.
    args: Vec<String>,
    /// `let` bindings, substituted where used.
    lets: HashMap<String, Expr>,
    /// Pattern mode: unknown identifiers are variables.
    open: bool,
    /// Vector activation: `sum(e)` and `max(e)` are reductions.
    reductions: bool,
    /// Engine text: the internal primitives of [`FUNCS`] are accepted. Off for a user's
    /// `#[activation]` body.
    internal: bool,
    /// Names of `let`s that were rejected: their uses raise no further errors.
    failed: HashSet<String>,
    /// The facade's path from `#[activation(crate = path)]`, as written (`::a::b`), if given:
    /// its `prelude` is a path under which a call names a prelude function.
    facade: Option<String>,
    /// The names and paths read as the prelude's (`sigmoid`, `prelude::tanh`, `PI`), first
    /// use of each, with its span: see [`Parsed::prelude_names`].
    named: Vec<syn::Path>,
}

impl Scope {
    /// The scope of a user's `#[activation]` body.
    fn new(args: Vec<String>) -> Self {
        Scope {
            args,
            lets: HashMap::new(),
            open: false,
            reductions: false,
            internal: false,
            failed: HashSet::new(),
            facade: None,
            named: Vec::new(),
        }
    }

    /// The scope of the engine's own text, where internal primitives are accepted.
    fn internal(args: Vec<String>) -> Self {
        Scope { internal: true, ..Scope::new(args) }
    }

    /// The prelude function called `name` that this scope may call, if any: internal
    /// primitives only in the engine's own text.
    fn user_function(&self, name: &str) -> Option<Func> {
        Func::from_function_name(name).filter(|f| self.internal || f.info().internal.is_none())
    }

    /// The method called `name` that this scope may call, if any (as [`Scope::user_function`]).
    fn user_method(&self, name: &str) -> Option<Func> {
        Func::from_method_name(name).filter(|f| self.internal || f.info().internal.is_none())
    }

    fn block(&mut self, block: &syn::Block) -> syn::Result<Expr> {
        let saved = self.lets.clone();
        let result = self.statements(block);
        self.lets = saved;
        result
    }

    fn statements(&mut self, block: &syn::Block) -> syn::Result<Expr> {
        let Some((last, init)) = block.stmts.split_last() else {
            return err(block, "empty body: end the body with the formula, e.g. `{ x * sigmoid(x) }`");
        };
        let mut errors = Errors::default();
        for stmt in init {
            match stmt {
                Stmt::Local(local) => match self.local(local) {
                    Ok((name, value)) => {
                        self.lets.insert(name, value);
                    }
                    Err(e) => {
                        errors.push(e);
                        bound_names(&local.pat, &mut self.failed);
                    }
                },
                // The statement's own error (a `return` inside an `if`, say) says more.
                Stmt::Expr(e, _) => errors.push(self.expr(e).err().unwrap_or_else(|| statement_error(stmt))),
                other => errors.push(statement_error(other)),
            }
        }
        let result = match last {
            Stmt::Expr(e, None) => errors.take(self.expr(e)),
            Stmt::Expr(e, Some(semi)) => {
                errors.push(self.expr(e).err().unwrap_or_else(|| {
                    syn::Error::new_spanned(semi, "remove this `;`: the body ends with the formula, without `;`")
                }));
                None
            }
            other => {
                errors.push(statement_error(other));
                None
            }
        };
        errors.finish(result.unwrap_or(Expr::num(0.0)))
    }

    fn local(&mut self, local: &syn::Local) -> syn::Result<(String, Expr)> {
        let (pat, ty) = match &local.pat {
            Pat::Type(t) => (&*t.pat, Some(&t.ty)),
            p => (p, None),
        };
        let name = match pat {
            Pat::Ident(p) if p.mutability.is_some() => {
                return err(p, "`let mut` is not supported: bindings are immutable; introduce a new name instead")
            }
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.to_string(),
            other => return err(other, "expected `let name = expression;`"),
        };
        if let Some(ty) = ty {
            if !is_f64(ty) {
                return err(ty, "every value in an activation is `f64`: write `f64` or drop the type");
            }
        }
        let Some(init) = &local.init else {
            return err(local, "a `let` needs a value: `let name = expression;`");
        };
        if let Some((_, diverge)) = &init.diverge {
            return err(diverge, "`let ... else` is not supported: write `let name = expression;`");
        }
        Ok((name, self.expr(&init.expr)?))
    }

    fn expr(&mut self, e: &SynExpr) -> syn::Result<Expr> {
        match e {
            SynExpr::Lit(l) => literal(&l.lit).map(Expr::num),
            SynExpr::Path(p) => self.path(p),
            SynExpr::Paren(p) => self.expr(&p.expr),
            SynExpr::Group(g) => self.expr(&g.expr),
            SynExpr::Unary(u) => match u.op {
                UnOp::Neg(_) => Ok(Expr::neg(self.expr(&u.expr)?)),
                UnOp::Deref(_) => err(u, "dereferencing is not supported: every value is an `f64`, used directly"),
                _ => err(u, "unsupported operator: accepted are unary `-` and binary `+ - * /`"),
            },
            SynExpr::Binary(b) => self.binary(b),
            SynExpr::MethodCall(m) => self.method(m),
            SynExpr::Call(c) => self.call(c),
            SynExpr::If(i) => self.if_else(i),
            SynExpr::Block(b) if b.label.is_none() => self.block(&b.block),
            SynExpr::Reference(r) => err(r, "references are not supported: every value is an `f64`, passed by value"),
            SynExpr::Assign(a) => err(a, mutation()),
            SynExpr::ForLoop(_) | SynExpr::While(_) | SynExpr::Loop(_) => err(
                e,
                "loops are not supported: an activation is a closed-form formula; use `if`/`else` for piecewise definitions",
            ),
            SynExpr::Match(m) => err(
                m.match_token,
                "`match` is not supported: write piecewise definitions as `if C { A } else if C2 { B } else { D }`",
            ),
            SynExpr::Closure(c) => err(c, "closures are not supported: write the formula directly, naming parts with `let`"),
            SynExpr::Macro(m) => err(m, macro_msg()),
            SynExpr::Return(r) => err(
                r,
                "early `return` is not supported: the body's final expression is the result; use `if`/`else` for cases",
            ),
            SynExpr::Cast(c) => err(c, "casts are not supported: every value is already `f64`"),
            SynExpr::Unsafe(u) => err(u.unsafe_token, "`unsafe` blocks are not supported in an activation"),
            SynExpr::Async(a) => err(a.async_token, "`async` blocks are not supported in an activation"),
            _ => err(e, format!("unsupported expression: accepted are numbers, `std::f64::consts`, the arguments, `let` names, `+ - * /`, unary `-`, methods ({}), functions ({}) and `if`/`else`", methods_list(), functions_list())),
        }
    }

    fn path(&mut self, p: &syn::ExprPath) -> syn::Result<Expr> {
        if p.qself.is_some() {
            return err(p, "qualified paths are not supported");
        }
        let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segs.last().cloned().unwrap_or_default();
        if segs.len() == 1 {
            if let Some(v) = self.lets.get(&last) {
                return Ok(v.clone());
            }
            if self.args.contains(&last) {
                return Ok(Expr::Var(last));
            }
            if self.failed.contains(&last) {
                // Already reported where the `let` was rejected.
                return Ok(Expr::num(0.0));
            }
        }
        let consts_path = segs.len() == 1
            || matches!(
                segs[..segs.len() - 1].iter().map(String::as_str).collect::<Vec<_>>()[..],
                ["consts"] | ["f64", "consts"] | ["std" | "core", "f64", "consts"]
            );
        if consts_path {
            if let Some(k) = Constant::from_name(&last) {
                self.prelude_name(&p.path);
                return Ok(Expr::Const(k));
            }
        }
        if self.open && segs.len() == 1 {
            return Ok(Expr::Var(last));
        }
        err(p, unknown_name(&quote::quote!(#p).to_string().replace(' ', ""), &last))
    }

    fn binary(&mut self, b: &syn::ExprBinary) -> syn::Result<Expr> {
        let op = match b.op {
            SynBin::Add(_) => BinOp::Add,
            SynBin::Sub(_) => BinOp::Sub,
            SynBin::Mul(_) => BinOp::Mul,
            SynBin::Div(_) => BinOp::Div,
            SynBin::Lt(_) | SynBin::Le(_) | SynBin::Gt(_) | SynBin::Ge(_) => {
                return err(b, "a comparison is only allowed as the condition of `if C { A } else { B }`")
            }
            SynBin::AddAssign(_) | SynBin::SubAssign(_) | SynBin::MulAssign(_) | SynBin::DivAssign(_) => {
                return err(b, mutation())
            }
            _ => {
                return err(
                    b.op,
                    "unsupported operator: accepted are `+ - * /`, unary `-`, and `< <= > >=` in `if` conditions",
                )
            }
        };
        Ok(Expr::bin(op, self.expr(&b.left)?, self.expr(&b.right)?))
    }

    fn method(&mut self, m: &syn::ExprMethodCall) -> syn::Result<Expr> {
        if let Some(t) = &m.turbofish {
            return err(t, "turbofish is not supported on these methods");
        }
        let name = m.method.to_string();
        let receiver = self.expr(&m.receiver)?;
        let args: Vec<&SynExpr> = m.args.iter().collect();
        let arity = |n: usize| -> syn::Result<()> {
            if args.len() == n {
                Ok(())
            } else {
                err(&m.method, format!("`{name}` takes {n} argument(s) here"))
            }
        };
        match name.as_str() {
            "powi" => {
                arity(1)?;
                let n = integer(args[0])?;
                if power(&receiver) * i64::from(n.unsigned_abs()) > i64::from(MAX_POWI) {
                    return err(m, format!("nested `powi` exponents multiply to more than {MAX_POWI}; use `powf`"));
                }
                Ok(Expr::powi(receiver, n))
            }
            "powf" => {
                arity(1)?;
                Ok(Expr::bin(BinOp::Pow, receiver, self.expr(args[0])?))
            }
            "max" | "min" => {
                arity(1)?;
                let op = if name == "max" { BinOp::Max } else { BinOp::Min };
                Ok(Expr::bin(op, receiver, self.expr(args[0])?))
            }
            "recip" => {
                arity(0)?;
                Ok(Expr::bin(BinOp::Div, Expr::num(1.0), receiver))
            }
            _ => match self.user_method(&name) {
                Some(f) => {
                    arity(0)?;
                    Ok(Expr::call(f, receiver))
                }
                None => err(&m.method, format!("unsupported method `{name}`: accepted methods are {}", methods_list())),
            },
        }
    }

    fn call(&mut self, c: &syn::ExprCall) -> syn::Result<Expr> {
        let SynExpr::Path(p) = &*c.func else {
            return err(&c.func, format!("unsupported call: accepted functions are {}", functions_list()));
        };
        let name = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        self.function_path(p, &name)?;
        if p.path.segments.len() == 1 {
            if self.failed.contains(&name) {
                // A rejected `let` (a closure, say), already reported.
                return Ok(Expr::num(0.0));
            }
            if self.args.contains(&name) || self.lets.contains_key(&name) {
                let msg = if self.user_function(&name).is_some() || OPERATOR_FUNCTIONS.contains(&name.as_str()) {
                    format!("`{name}` is an argument or `let` name here, which hides the function `{name}`: rename it")
                } else {
                    format!(
                        "`{name}` is an argument or `let` name, not a function: accepted functions are {}",
                        functions_list()
                    )
                };
                return err(&c.func, msg);
            }
        }
        let args: Vec<Expr> = c.args.iter().map(|a| self.expr(a)).collect::<syn::Result<_>>()?;
        if matches!((name.as_str(), args.len()), ("max" | "min", 2)) || Func::from_function_name(&name).is_some() {
            self.prelude_name(&p.path);
        }
        let bad_arity = |n: usize| err(c, format!("`{name}` takes {n} argument(s)"));
        match (name.as_str(), args.len()) {
            ("max", 2) => Ok(Expr::bin(BinOp::Max, args[0].clone(), args[1].clone())),
            ("min", 2) => Ok(Expr::bin(BinOp::Min, args[0].clone(), args[1].clone())),
            ("min", _) => bad_arity(2),
            ("max" | "sum", 1) if self.open || self.reductions => {
                let r = if name == "sum" { Reduction::Sum } else { Reduction::Max };
                Ok(Expr::reduce(r, args[0].clone()))
            }
            ("sum", _) if self.reductions => bad_arity(1),
            ("max" | "sum", 1) => err(
                c,
                format!(
                    "`{name}(e)` is a reduction over a vector input: declare the input as a slice, \
                         `fn name(x: &[f64]) -> f64`, to write a vector activation such as softmax"
                ),
            ),
            ("max", _) => bad_arity(2),
            _ => match Func::from_function_name(&name) {
                Some(f) if f.info().internal.is_some() && !self.internal => Err(internal_primitive(&c.func, f, &args)),
                Some(f) if args.len() == 1 => Ok(Expr::call(f, args[0].clone())),
                Some(_) => bad_arity(1),
                None => {
                    err(&c.func, format!("unsupported function `{name}`: accepted functions are {}", functions_list()))
                }
            },
        }
    }

    /// Checks that the path of a call names a prelude function: bare (`sigmoid`), or under
    /// the prelude's own path — `prelude::`, `activation::prelude::`, `::activation::prelude::`
    /// or `PATH::prelude::` when `#[activation(crate = PATH)]` gives the facade's path.
    /// Any other path (`mymath::sigmoid`, `crate::x::exp`, `f64::exp`) names a function the
    /// engine cannot see, so it is an error, never the prelude function of the same last
    /// name (`docs/contract.md` §3.2).
    fn function_path(&self, p: &syn::ExprPath, name: &str) -> syn::Result<()> {
        if p.qself.is_some() {
            return err(p, format!("qualified paths are not supported: call `{name}(...)` by name"));
        }
        if let Some(seg) = p.path.segments.iter().find(|s| !s.arguments.is_none()) {
            let msg = format!("generic arguments are not supported: every value is `f64`; write `{}(...)`", seg.ident);
            return err(&seg.arguments, msg);
        }
        let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segs.len() == 1 && p.path.leading_colon.is_none() {
            return Ok(());
        }
        let prefix = {
            let lead = if p.path.leading_colon.is_some() { "::" } else { "" };
            format!("{lead}{}", segs[..segs.len() - 1].join("::"))
        };
        if self.prelude_paths().contains(&prefix) {
            return Ok(());
        }
        let shown = quote::quote!(#p).to_string().replace(' ', "");
        let prelude = self.user_function(name).is_some() || OPERATOR_FUNCTIONS.contains(&name);
        let msg = if prefix == "f64" && (prelude || accepted_methods().contains(&name)) {
            format!(
                "`{shown}(...)` is not part of the formula language: write it as a method, `a.{name}(...)`, \
                 or as the prelude function `{name}(...)`"
            )
        } else if prelude {
            format!(
                "`{shown}` is not the prelude's `{name}`: the engine reads the formula, not the code a path \
                 leads to, so a path other than the prelude's is not accepted; call the prelude's function \
                 by name, `{name}(...)`, or write the function's own formula inline (`let` names help); \
                 accepted functions are {}",
                functions_list()
            )
        } else {
            format!(
                "unsupported function `{shown}`: a formula calls the prelude's functions, by name \
                 (`sigmoid(x)`) or under `activation::prelude::`; a function of your own cannot be called, \
                 write its formula inline (`let` names help); accepted functions are {}",
                functions_list()
            )
        };
        err(p, msg)
    }

    /// Records a name or path read as the prelude's (its first use).
    fn prelude_name(&mut self, path: &syn::Path) {
        if !self.named.iter().any(|b| b == path) {
            self.named.push(path.clone());
        }
    }

    /// The paths under which a call names a prelude function (see [`Scope::function_path`]).
    fn prelude_paths(&self) -> Vec<String> {
        let mut out = vec!["prelude".to_string(), "activation::prelude".into(), "::activation::prelude".into()];
        out.extend(self.facade.iter().map(|root| format!("{root}::prelude")));
        out
    }

    fn if_else(&mut self, i: &syn::ExprIf) -> syn::Result<Expr> {
        let cond = self.condition(&i.cond)?;
        let then = self.block(&i.then_branch)?;
        let Some((_, otherwise)) = &i.else_branch else {
            return err(
                i.if_token,
                "`if` without `else`: a piecewise formula needs a value on every side; add `else { ... }`",
            );
        };
        let otherwise = self.expr(otherwise)?;
        Ok(Expr::if_else(cond, then, otherwise))
    }

    fn condition(&mut self, c: &SynExpr) -> syn::Result<Cond> {
        let inner = match c {
            SynExpr::Paren(p) => &*p.expr,
            other => other,
        };
        let SynExpr::Binary(b) = inner else {
            return err(c, "an `if` condition compares two expressions with `<`, `<=`, `>` or `>=`");
        };
        let op = match b.op {
            SynBin::Lt(_) => CmpOp::Lt,
            SynBin::Le(_) => CmpOp::Le,
            SynBin::Gt(_) => CmpOp::Gt,
            SynBin::Ge(_) => CmpOp::Ge,
            _ => return err(b.op, "an `if` condition compares two expressions with `<`, `<=`, `>` or `>=`"),
        };
        Ok(Cond { op, lhs: self.expr(&b.left)?, rhs: self.expr(&b.right)? })
    }
}

/// The largest `powi` exponent (either sign): the passes do exact integer arithmetic on
/// exponents, and `f64` powers beyond this are 0, 1 or infinite anyway.
const MAX_POWI: i32 = 1024;

/// The largest product of `powi` exponents along a path in `e`: `x.powi(a).powi(b)` is `x^(ab)`.
fn power(e: &Expr) -> i64 {
    let inner = e.children().into_iter().map(power).max().unwrap_or(1);
    match e {
        Expr::Powi(_, n) => inner * i64::from(n.unsigned_abs()),
        _ => inner,
    }
}

/// An integer literal (possibly negated): the exponent of `powi`.
fn integer(e: &SynExpr) -> syn::Result<i32> {
    match e {
        SynExpr::Lit(syn::ExprLit { lit: Lit::Int(i), .. }) => match i.base10_parse()? {
            n if n <= MAX_POWI => Ok(n),
            _ => err(e, format!("`powi` exponents go up to {MAX_POWI}; use `powf` for larger ones")),
        },
        SynExpr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => integer(&u.expr).map(|v| -v),
        SynExpr::Paren(p) => integer(&p.expr),
        _ => err(e, "`powi` takes an integer literal such as `2`; use `powf` for other exponents"),
    }
}

/// The names a `let` pattern binds, as far as they can be told.
fn bound_names(pat: &Pat, out: &mut HashSet<String>) {
    match pat {
        Pat::Ident(p) => {
            out.insert(p.ident.to_string());
        }
        Pat::Type(t) => bound_names(&t.pat, out),
        Pat::Paren(p) => bound_names(&p.pat, out),
        Pat::Reference(r) => bound_names(&r.pat, out),
        Pat::Tuple(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| bound_names(p, out)),
        _ => {}
    }
}

/// The error for an unknown name `shown` (last path segment `last`): names that look like
/// constants (a path, or `UPPER_CASE`) get the list of [`CONSTANTS`].
fn unknown_name(shown: &str, last: &str) -> String {
    let like_constant = shown.contains("::") || !last.chars().any(|c| c.is_ascii_lowercase());
    let constants = if like_constant {
        format!("a constant of `std::f64::consts` ({})", accepted_constants().join(", "))
    } else {
        format!("a constant of `std::f64::consts` such as `{}`", CONSTANTS[0].name)
    };
    format!("unknown name `{shown}`: use the input, a parameter, a `let` name or {constants}")
}

/// The error for a call of an engine-internal primitive in a user's formula: what the
/// primitive computes, written with accepted functions (its definition in `FUNCS`, with the
/// call's argument), and the accepted list.
fn internal_primitive(at: &SynExpr, f: Func, args: &[Expr]) -> syn::Error {
    let name = f.name();
    let written = args
        .first()
        .zip(f.info().internal)
        .and_then(|(arg, definition)| parse_formula(definition, &["u"]).ok().map(|d| d.substitute("u", arg)));
    let instead = match written {
        Some(e) => format!("write what it computes, `{e}`, and the engine rewrites that into its stable form itself"),
        None => "write what it computes with the accepted functions".to_string(),
    };
    let msg = format!(
        "`{name}` is a primitive internal to the engine (the stabilising pass writes it), not part of \
         the formula language: {instead}; accepted functions are {}",
        functions_list()
    );
    syn::Error::new_spanned(at, msg)
}

fn mutation() -> &'static str {
    "mutation is not supported: bindings are immutable; introduce a new name with `let`"
}

fn macro_msg() -> &'static str {
    "macros are not supported in an activation body: write the formula with operators, methods and prelude functions"
}

fn statement_error(stmt: &Stmt) -> syn::Error {
    match stmt {
        Stmt::Macro(m) => syn::Error::new_spanned(&m.mac, macro_msg()),
        Stmt::Item(i) => syn::Error::new_spanned(i, "items are not supported inside an activation: only `let` bindings and the final formula"),
        Stmt::Expr(SynExpr::Assign(a), _) => syn::Error::new_spanned(a, mutation()),
        Stmt::Expr(SynExpr::Binary(b), _)
            if matches!(b.op, SynBin::AddAssign(_) | SynBin::SubAssign(_) | SynBin::MulAssign(_) | SynBin::DivAssign(_)) =>
        {
            syn::Error::new_spanned(b, mutation())
        }
        Stmt::Expr(SynExpr::Return(r), _) => syn::Error::new_spanned(
            r,
            "early `return` is not supported: the body's final expression is the result; use `if`/`else` for cases",
        ),
        Stmt::Expr(e @ (SynExpr::ForLoop(_) | SynExpr::While(_) | SynExpr::Loop(_)), _) => syn::Error::new_spanned(
            e,
            "loops are not supported: an activation is a closed-form formula; use `if`/`else` for piecewise definitions",
        ),
        Stmt::Expr(e, Some(_)) => syn::Error::new_spanned(
            e,
            "only `let` bindings may come before the final formula, which has no `;` after it",
        ),
        Stmt::Expr(e, None) => syn::Error::new_spanned(e, "the formula must be the last expression of the body"),
        Stmt::Local(l) => syn::Error::new_spanned(l, "a body ends with the formula, not with `let`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> syn::Result<Definition> {
        let item: ItemFn = syn::parse_str(src).unwrap();
        parse_activation(TokenStream::new(), &item).map(|p| p.def)
    }

    #[test]
    fn crate_paths() {
        let attr = |s: &str| s.parse::<TokenStream>().unwrap();
        for ok in ["crate = my::reexport", "alpha = 1, crate = ::a::b", "crate = \"crate::x\"", "crate = activation"] {
            assert!(crate_root(attr(ok)).is_some(), "{ok}");
            let defaults = parse_defaults(attr(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(defaults.iter().all(|(i, _)| i == "alpha"), "{ok}");
        }
        assert_eq!(crate_root(attr("alpha = 1")), None);
        for (bad, says) in [
            ("crate", "expected the path"),
            ("crate(a)", "expected the path"),
            ("crate = 1.0", "expected the path"),
            ("crate = \"a b\"", "not a path"),
            ("crate = a::<T>", "no generic arguments"),
            ("crate = super::a", "do not resolve"),
            ("crate = a, crate = b", "given twice"),
        ] {
            let e = parse_defaults(attr(bad)).expect_err(bad).to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn lets_and_consts_and_methods() {
        let d = parse("fn f(x: f64, a: f64) -> f64 { let y = a * x; y.tanh() + std::f64::consts::PI + E }").unwrap();
        assert_eq!(d.body.to_string(), "tanh(a * x) + PI + E");
        assert_eq!(d.param_names(), vec!["a"]);
    }

    #[test]
    fn else_if_chain() {
        let d = parse("fn f(x: f64) -> f64 { if x < -1.0 { -1.0 } else if x > 1 { 1.0 } else { x } }").unwrap();
        assert_eq!(d.body.to_string(), "if x < -1 { -1 } else if x > 1 { 1 } else { x }");
    }

    #[test]
    fn text_reads_back_to_the_same_tree() {
        for src in [
            "a - (b - c)",
            "-(a + b) * c",
            "(a / b) / c",
            "a / (b * c)",
            "(x + 1).powi(2)",
            "-x.powi(2)",
            "x * (if x > 0 { 1 } else { 2 })",
        ] {
            let e = parse_pattern(src).unwrap();
            assert_eq!(parse_pattern(&e.to_string()).unwrap(), e, "{src} printed as {e}");
        }
    }

    #[test]
    fn collects_several_errors() {
        let e = parse("async fn f<T>(x: f32) -> f64 { x }").unwrap_err();
        let msgs: Vec<String> = e.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:#?}");
    }

    #[test]
    fn calls_name_the_prelude_or_are_rejected() {
        let body = |call: &str| format!("fn f(x: f64) -> f64 {{ {call} }}");
        for ok in [
            "sigmoid(x)",
            "prelude::sigmoid(x)",
            "activation::prelude::sigmoid(x)",
            "::activation::prelude::max(x, 1.0)",
            "activation::prelude::exp_m1(x)",
        ] {
            let d = parse(&body(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert!(d.body.depends_on("x"), "{ok}");
        }
        let d = parse(&body("activation::prelude::sigmoid(x)")).unwrap();
        assert_eq!(d.body, parse(&body("sigmoid(x)")).unwrap().body);
        for (bad, says) in [
            ("mymath::sigmoid(x)", "`mymath::sigmoid` is not the prelude's `sigmoid`"),
            ("crate::x::exp(x)", "`crate::x::exp` is not the prelude's `exp`"),
            ("self::max(x, 1.0)", "`self::max` is not the prelude's `max`"),
            ("::sigmoid(x)", "`::sigmoid` is not the prelude's"),
            ("mymath::swish(x)", "unsupported function `mymath::swish`"),
            ("f64::exp(x)", "write it as a method, `a.exp(...)`"),
            ("f64::exp_m1(x)", "write it as a method"),
            ("exp::<f64>(x)", "generic arguments are not supported"),
            ("<f64>::exp(x)", "qualified paths are not supported"),
            ("other::prelude::exp(x)", "is not the prelude's `exp`"),
        ] {
            let e = parse(&body(bad)).expect_err(bad).to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
        // Each list of what is accepted comes from the tables.
        let e = parse(&body("mymath::swish(x)")).unwrap_err().to_string();
        assert!(e.contains(&functions_list()), "{e}");
        // `crate = path` adds that facade's prelude.
        let item: ItemFn = syn::parse_str(&body("my::act::prelude::tanh(x)")).unwrap();
        let attr: TokenStream = "crate = my::act".parse().unwrap();
        assert!(parse_activation(attr, &item).is_ok());
        assert!(parse_activation(TokenStream::new(), &item).is_err());
    }

    #[test]
    fn rejects_constant_body() {
        let e = parse("fn f(x: f64) -> f64 { 1.0 }").unwrap_err();
        assert!(e.to_string().contains("does not depend on the input"));
    }

    /// The names listed in `doc` on the line that starts with `prefix`: the first
    /// backticked span after it, split at spaces.
    fn listed(doc: &str, file: &str, prefix: &str) -> Vec<String> {
        let line = doc
            .lines()
            .find_map(|l| l.trim_start().strip_prefix(prefix))
            .unwrap_or_else(|| panic!("{file}: no line starting with `{prefix}`"));
        let span = line.split('`').nth(1).unwrap_or_else(|| panic!("{file}: no `names` after `{prefix}`"));
        span.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn documents_list_the_accepted_names() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        for file in ["README.md", "docs/contract.md"] {
            let doc = std::fs::read_to_string(format!("{root}/{file}")).unwrap_or_else(|e| panic!("{file}: {e}"));
            let lists = [
                ("- methods ", accepted_methods()),
                ("- prelude functions ", accepted_functions()),
                ("- numbers, and the constants of `std::f64::consts`: ", accepted_constants()),
            ];
            for (prefix, names) in lists {
                assert_eq!(
                    listed(&doc, file, prefix),
                    names,
                    "{file}: the list `{prefix}` differs from what FUNCS/CONSTANTS accept; copy `{}`",
                    names.join(" ")
                );
            }
        }
        let contract = std::fs::read_to_string(format!("{root}/docs/contract.md")).unwrap();
        assert_eq!(
            listed(&contract, "docs/contract.md", "- the same functions under their method names "),
            accepted_aliases()
        );
    }

    #[test]
    fn every_listed_name_is_accepted() {
        for f in accepted_functions() {
            let args = if OPERATOR_FUNCTIONS.contains(&f) { "x, 1.0" } else { "x" };
            parse(&format!("fn f(x: f64) -> f64 {{ {f}({args}) }}")).unwrap_or_else(|e| panic!("{f}: {e}"));
        }
        for m in accepted_methods() {
            let args = match m {
                "powi" => "2",
                "powf" | "max" | "min" => "1.5",
                _ => "",
            };
            parse(&format!("fn f(x: f64) -> f64 {{ x.{m}({args}) }}")).unwrap_or_else(|e| panic!("{m}: {e}"));
        }
        for a in accepted_aliases() {
            parse(&format!("fn f(x: f64) -> f64 {{ {a}(x) }}")).unwrap_or_else(|e| panic!("{a}: {e}"));
        }
        for k in accepted_constants() {
            parse(&format!("fn f(x: f64) -> f64 {{ x * {k} + std::f64::consts::{k} }}"))
                .unwrap_or_else(|e| panic!("{k}: {e}"));
        }
    }

    #[test]
    fn internal_primitives_are_rejected_in_user_formulas_only() {
        for info in FUNCS.iter().filter(|i| i.internal.is_some()) {
            let name = info.name;
            assert!(
                !accepted_functions().contains(&name) && info.method.is_none_or(|m| !accepted_methods().contains(&m))
            );
            let e = parse(&format!("fn f(x: f64, a: f64) -> f64 {{ {name}(x / a) }}")).unwrap_err().to_string();
            assert!(e.contains("internal to the engine") && e.contains("accepted functions are exp,"), "{e}");
            // The engine's own text (stable forms, rule tables) still reads back.
            let e = parse_formula(&format!("{name}(x / a)"), &["x", "a"]).unwrap();
            assert_eq!(e, Expr::call(info.func, parse_formula("x / a", &["x", "a"]).unwrap()));
        }
        let e = parse("fn f(x: f64, a: f64) -> f64 { expm1_sub_uexp(x / a) }").unwrap_err().to_string();
        assert!(e.contains("`expm1(x / a) - x / a * exp(x / a)`"), "{e}");
    }

    #[test]
    fn stable_forms_read_back() {
        let celu = "fn celu(x: f64, alpha: f64) -> f64 { if x > 0.0 { x } else { alpha * ((x / alpha).exp() - 1.0) } }";
        let derived = crate::passes::derived::derive(&parse(celu).unwrap()).unwrap();
        let stable = &derived.stable.params[0];
        let text = stable.to_string();
        assert!(text.contains("expm1_sub_uexp"), "{text}");
        assert_eq!(&parse_formula(&text, &["x", "alpha"]).unwrap(), stable, "{text}");
        assert_eq!(&parse_pattern(&text).unwrap(), stable, "{text}");
    }
}

//! The report's table: one row per activation, one [`Column`] per property, each with the
//! legend that defines it — shared by every output format so they cannot disagree.

use activation_core::analysis::vector::{AtSize, Reached, Sup, VectorProperties};
use activation_core::analysis::{Limit, Properties, Side, Smoothness, Threshold};

use super::format::{interval, limit, location, monotonicity, range, sided, sig, smoothness, threshold};

/// A column of the table (of [`Properties`], or of another row type such as
/// [`VectorProperties`]).
pub struct Column<P = Properties> {
    /// Machine name: the CSV header and the JSON key.
    pub key: &'static str,
    /// Human header (Markdown, LaTeX).
    pub header: &'static str,
    /// What the column means, precisely.
    pub legend: &'static str,
    /// The cell for one activation.
    pub value: fn(&P) -> String,
}

/// Every column, in order.
pub fn columns() -> Vec<Column> {
    vec![
        col("activation", "activation", "Name of the `#[activation]` function.", |p| p.name.clone()),
        col("params", "params", "Parameter values analysed (the defaults); `-` when there are none.", params),
        col(
            "range",
            "range",
            "Output range of f over the reals. `[`/`]`: the end is reached; `(`/`)`: only approached; \
             `inf` where f is unbounded (growing, or swinging ever wider).",
            |p| range(&p.range),
        ),
        col("f_0", "f(0)", "f(0). At a kink: the one-sided limits `left / right`.", |p| sided(p.f0)),
        col(
            "df_0",
            "f'(0)",
            "f'(0). At a kink: the one-sided limits `left / right` (the generated derivative takes the \
             branch the formula's `if` selects at 0).",
            |p| sided(p.df0),
        ),
        col(
            "max_slope",
            "max |f'|",
            "Supremum of |f'(x)| over the reals; `inf` when |f'| is unbounded, as when it swings ever wider \
             (x cos x).",
            |p| sig(p.max_slope.value),
        ),
        col(
            "max_slope_at",
            "at",
            "Where the supremum of |f'| is reached: a point, an interval, `x -> b-`/`x -> b+` (approached \
             beside breakpoint b, not reached) or `x -> -inf`/`x -> +inf` (approached at infinity).",
            |p| location(&p.max_slope.location, &p.input),
        ),
        col(
            "f_left",
            "f(-inf)",
            "Limit of f as x -> -inf; `oscillating` when there is none because f keeps swinging (sin x), \
             `undefined` when the analysis cannot decide.",
            |p| limit(p.limits[0]),
        ),
        col("f_right", "f(+inf)", "Limit of f as x -> +inf.", |p| limit(p.limits[1])),
        col("df_left", "f'(-inf)", "Limit of f' as x -> -inf.", |p| limit(p.slope[0].limit)),
        col("df_right", "f'(+inf)", "Limit of f' as x -> +inf.", |p| limit(p.slope[1].limit)),
        col(
            "saturates",
            "saturates",
            "Sides where f' -> 0 (the gradient vanishes): `left`, `right`, `both` or `none`.",
            saturates,
        ),
        col(
            "sat_left",
            "|f'| < eps (left)",
            "Saturation threshold on the left: for every x below it, |f'(x)| < eps. `none`: |f'| does \
             not stay below eps; `everywhere`: |f'| < eps on the whole line.",
            |p| threshold(p.slope[0].threshold, Side::Left, &p.input),
        ),
        col(
            "sat_right",
            "|f'| < eps (right)",
            "Saturation threshold on the right: for every x above it, |f'(x)| < eps.",
            |p| threshold(p.slope[1].threshold, Side::Right, &p.input),
        ),
        col(
            "f64_left",
            "f = f(-inf) in f64",
            "Beyond this x, f(x) rounded to f64 equals f(-inf) rounded to f64: the forward output is \
             flat in f64. `none` when the limit is infinite.",
            |p| threshold(p.rounding.f64[0], Side::Left, &p.input),
        ),
        col(
            "f64_right",
            "f = f(+inf) in f64",
            "Beyond this x, f(x) rounded to f64 equals f(+inf) rounded to f64.",
            |p| threshold(p.rounding.f64[1], Side::Right, &p.input),
        ),
        col("f32_left", "f = f(-inf) in f32", "As `f64_left`, rounded to f32.", |p| {
            threshold(p.rounding.f32[0], Side::Left, &p.input)
        }),
        col("f32_right", "f = f(+inf) in f32", "As `f64_right`, rounded to f32.", |p| {
            threshold(p.rounding.f32[1], Side::Right, &p.input)
        }),
        col("dead_zone", "dead zone", "Where f'(x) is exactly 0 on an interval (dead units); `none`.", dead_zone),
        col(
            "monotone",
            "monotone",
            "`increasing` (f' > 0 but at isolated points), `non-decreasing` (f' >= 0, = 0 on an interval), \
             the decreasing counterparts, or `no` (f' takes both signs).",
            |p| monotonicity(p.monotone),
        ),
        col("zero_centred", "f(0) = 0", "`yes` when f(0) = 0 (zero-centred at the origin).", |p| yes(p.zero_centred)),
        col(
            "mean",
            "E[f(Z)]",
            "Mean output for a standard normal input Z ~ N(0, 1), by quadrature in MPFR split at the \
             breakpoints.",
            |p| sig(p.mean),
        ),
        col(
            "gain",
            "gain",
            "Variance-preserving gain 1 / sqrt(E[f(Z)^2]), Z ~ N(0, 1): the weight scale that keeps the \
             second moment of the pre-activations at 1.",
            |p| sig(p.gain),
        ),
        col(
            "torch_gain",
            "torch gain",
            "`torch.nn.init.calculate_gain` for this name, where PyTorch defines it (PyTorch's constant, \
             for comparison); `-` otherwise.",
            |p| p.pytorch_gain.map_or("-".into(), sig),
        ),
        col(
            "decay",
            "(max |f'|)^10",
            "Largest factor by which f' can scale a gradient through 10 layers: below 1 it vanishes, \
             above 1 it can grow.",
            |p| sig(p.decay),
        ),
        col(
            "smoothness",
            "smoothness",
            "Smoothness class at each breakpoint: Ck when f, f', ..., f^(k) are continuous there and \
             f^(k+1) jumps; `C-infinity` when f has no breakpoint.",
            smooth,
        ),
        col(
            "cost_forward",
            "cost fwd",
            "Transcendental calls (every function but abs, and powf) in the stable forward, on the \
             costliest branch.",
            |p| p.cost.forward.to_string(),
        ),
        col(
            "cost_fused",
            "cost fused",
            "Transcendental calls in the fused forward + derivative, shared subexpressions counted once.",
            |p| p.cost.fused.to_string(),
        ),
        col(
            "affine",
            "affine",
            "`yes` when f' does not depend on x: f is affine and layers using it collapse into one affine map.",
            |p| yes(p.affine),
        ),
        col(
            "param_saturation",
            "|df/dp| < eps",
            "For each parameter p, where |df/dp| < eps (as the saturation thresholds); `none` when it \
             does not fall below eps on either side.",
            param_saturation,
        ),
    ]
}

/// An activation's properties as (header, value) pairs in plain text: every column but the
/// name, then the breakpoints, the local extrema (the six nearest 0, with a count of the
/// rest) and E[f(Z)^2] — what each format's section on the activation lists.
pub fn property_rows(p: &Properties) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = columns().iter().skip(1).map(|c| (c.header.into(), (c.value)(p))).collect();
    let list = |v: Vec<String>| if v.is_empty() { "none".to_string() } else { v.join("; ") };
    rows.push(("breakpoints".into(), list(p.breakpoints.iter().map(|b| sig(*b)).collect())));
    rows.push(("local extrema".into(), list(extrema(p))));
    rows.push(("E[f(Z)^2]".into(), sig(p.second_moment)));
    rows
}

/// The most extrema a cell lists: an oscillating f has extrema out to the grid's end
/// (GCU's run to 1e178), which would push the table off the page.
const EXTREMA_SHOWN: usize = 6;

/// The local extrema nearest 0, at most [`EXTREMA_SHOWN`] of them, in order, and how many
/// more there are (all of them are in `saturation.json`).
fn extrema(p: &Properties) -> Vec<String> {
    let mut near: Vec<_> = p.extrema.iter().collect();
    near.sort_by(|a, b| a.x.abs().total_cmp(&b.x.abs()));
    near.truncate(EXTREMA_SHOWN);
    near.sort_by(|a, b| a.x.total_cmp(&b.x));
    let mut items: Vec<String> = near
        .iter()
        .map(|m| format!("{} {} at {}", if m.minimum { "min" } else { "max" }, sig(m.value), sig(m.x)))
        .collect();
    let more = p.extrema.len() - near.len();
    if more > 0 {
        let why = if p.limits.contains(&Limit::Oscillating) || p.slope.iter().any(|t| t.limit == Limit::Oscillating) {
            ", infinitely many in all: f oscillates"
        } else {
            ""
        };
        items.push(format!("and {more} more in saturation.json{why}"));
    }
    items
}

fn col<P>(key: &'static str, header: &'static str, legend: &'static str, value: fn(&P) -> String) -> Column<P> {
    Column { key, header, legend, value }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn params(p: &Properties) -> String {
    if p.params.is_empty() {
        return "-".into();
    }
    p.params.iter().map(|(n, v)| format!("{n}={}", sig(*v))).collect::<Vec<_>>().join(", ")
}

fn saturates(p: &Properties) -> String {
    match (p.slope[0].saturates(), p.slope[1].saturates()) {
        (true, true) => "both",
        (true, false) => "left",
        (false, true) => "right",
        (false, false) => "none",
    }
    .into()
}

fn dead_zone(p: &Properties) -> String {
    if p.dead_zones.is_empty() {
        return "none".into();
    }
    p.dead_zones.iter().map(|i| interval(i, &p.input)).collect::<Vec<_>>().join(", ")
}

fn smooth(p: &Properties) -> String {
    if p.smoothness.is_empty() {
        return smoothness(Smoothness::Infinite);
    }
    p.smoothness.iter().map(|k| format!("{} at {}", smoothness(k.class), sig(k.at))).collect::<Vec<_>>().join(", ")
}

/// The thresholds of one parameter's derivative: the sides where it falls below ε.
pub fn param_thresholds(p: &Properties, i: usize) -> String {
    let q = &p.param[i];
    let sides: Vec<String> = Side::BOTH
        .into_iter()
        .zip(&q.tails)
        .filter(|(_, t)| t.threshold != Threshold::Never)
        .map(|(s, t)| threshold(t.threshold, s, &p.input))
        .collect();
    if sides.is_empty() {
        "none".into()
    } else {
        sides.join(", ")
    }
}

fn param_saturation(p: &Properties) -> String {
    if p.param.is_empty() {
        return "-".into();
    }
    (0..p.param.len())
        .map(|i| format!("{}: {}", p.param[i].name, param_thresholds(p, i)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Every column of the vector activations' table, in order. `d` is the gap of the family
/// `x = (d, 0, ..., 0)`: logit 0 ahead of the n - 1 others by d.
pub fn vector_columns() -> Vec<Column<VectorProperties>> {
    vec![
        col("activation", "activation", "Name of the vector `#[activation]` function.", |p: &VectorProperties| {
            p.name.clone()
        }),
        col("params", "params", "Parameter values analysed (the defaults); `-` when there are none.", |p| {
            if p.params.is_empty() {
                return "-".into();
            }
            p.params.iter().map(|(n, v)| format!("{n}={}", sig(*v))).collect::<Vec<_>>().join(", ")
        }),
        col(
            "range",
            "range of f_i",
            "Output range of one component f_0 over x = (d, 0), d real (for a shift-invariant activation, \
             its range over all of R^2). `[`/`]`: the end is reached; `(`/`)`: only approached.",
            |p| range(&p.range),
        ),
        col(
            "sum",
            "sum_i f_i",
            "The sum of the outputs when it does not depend on x (1^T J = 0, decided symbolically), for n = 2 \
             and n = 10 (one value when they agree); `not constant` otherwise.",
            |p| match p.sum {
                None => "not constant".into(),
                Some([a, b]) if a == b => sig(a),
                Some([a, b]) => format!("{} (n=2), {} (n=10)", sig(a), sig(b)),
            },
        ),
        col(
            "shift_invariant",
            "shift invariant",
            "`yes` when f(x + c) = f(x) for every constant c (J 1 = 0, decided symbolically): every row of \
             the Jacobian sums to 0.",
            |p| yes(p.shift_invariant),
        ),
        col(
            "norm2_n2",
            "sup ||J||_2 (n=2)",
            "Supremum over d of the spectral norm (largest singular value) of the Jacobian J_ik = df_i/dx_k \
             at x = (d, 0), and where: `at d = v`, or `as d -> +inf`/`-inf`/`+-inf` (approached, not \
             reached). For a shift-invariant activation this is the supremum over all of R^2.",
            |p| sup_cell(&p.sizes[0].spectral),
        ),
        col(
            "norm2_n10",
            "sup ||J||_2 (n=10)",
            "As `norm2_n2`, over the family x = (d, 0, ..., 0) of length 10 only (not a bound over all of R^10).",
            |p| sup_cell(&p.sizes[1].spectral),
        ),
        col(
            "norminf_n2",
            "sup ||J||_inf (n=2)",
            "Supremum over d of the infinity norm (largest sum of |J_ik| over a row) of the Jacobian at \
             x = (d, 0), and where.",
            |p| sup_cell(&p.sizes[0].infinity),
        ),
        col("norminf_n10", "sup ||J||_inf (n=10)", "As `norminf_n2`, over x = (d, 0, ..., 0) of length 10.", |p| {
            sup_cell(&p.sizes[1].infinity)
        }),
        col(
            "jac_limit_n2",
            "max |J_ik| (d -> +inf, n=2)",
            "Limit of the largest |J_ik| as logit 0 dominates (d -> +inf, value at d = 1e6), n = 2: 0 when \
             the whole Jacobian vanishes.",
            |p| sig(p.sizes[0].entry_limit),
        ),
        col(
            "sat_n2",
            "all |J_ik| < eps (n=2)",
            "Saturation when one logit dominates, n = 2: for every gap d beyond this one, every |J_ik| at \
             x = (d, 0) is below eps. `none`: the entries do not all fall below eps however large d is.",
            |p| gap_cell(&p.sizes[0]),
        ),
        col(
            "jac_limit_n10",
            "max |J_ik| (d -> +inf, n=10)",
            "As `jac_limit_n2`, at x = (d, 0, ..., 0) of length 10.",
            |p| sig(p.sizes[1].entry_limit),
        ),
        col("sat_n10", "all |J_ik| < eps (n=10)", "As `sat_n2`, at x = (d, 0, ..., 0) of length 10.", |p| {
            gap_cell(&p.sizes[1])
        }),
        col(
            "cost_forward",
            "cost fwd",
            "Transcendental calls per element in the stable forward (the element's output and the \
             reduction bodies it needs), each distinct subexpression counted once.",
            |p| p.cost.forward.to_string(),
        ),
        col(
            "cost_vjp",
            "cost vjp",
            "Transcendental calls per element in the stable vector-Jacobian product (the backward pass), \
             reductions included, each distinct subexpression counted once.",
            |p| p.cost.vjp.to_string(),
        ),
    ]
}

/// `0.5 at d = 0`, `1.41421 as d -> +-inf`.
pub fn sup_cell(s: &Sup) -> String {
    match &s.at {
        Reached::At(d) => format!("{} at d = {}", sig(s.value), sig(*d)),
        Reached::Towards(sides) if sides.len() == 2 => format!("{} as d -> +-inf", sig(s.value)),
        Reached::Towards(sides) => {
            format!("{} as d -> {}inf", sig(s.value), if sides.first() == Some(&Side::Left) { "-" } else { "+" })
        }
    }
}

/// The saturation gap when logit 0 dominates: `d > 6.90575`, `none`, `everywhere`.
fn gap_cell(s: &AtSize) -> String {
    threshold(s.gap[1], Side::Right, "d")
}

//! Mean-field signal propagation (Poole et al. 2016, Schoenholz et al. 2017, Hayou et al.
//! 2019): how the pre-activation variance and the gradient behave through many layers of
//! width → ∞, with weights of variance σ_w²/fan-in and biases of variance σ_b², computed
//! from the activation φ alone.
//!
//! With Z ~ N(0, 1) and the expectations of a pre-activation of variance q,
//! - M(q) = E[φ(√q Z)²], D(q) = E[φ'(√q Z)²], S(q) = E[φ φ'(√q Z) · √q Z] / q;
//! - the variance map V(q) = σ_w² M(q) + σ_b², its fixed point q* = V(q*);
//! - the gradient's factor per layer χ₁ = σ_w² D(q*) (ordered below 1, chaotic above);
//! - the slope of the map dV/dq = σ_w² S(q) (differentiating under the integral: φ need
//!   only be continuous, not differentiable); q* is stable when |dV/dq| < 1 there.
//!
//! **The edge of chaos** (χ₁ = 1 at q*) is found by eliminating σ_w² = 1/D(q*):
//! q* solves G(q) = q − M(q)/D(q) = σ_b², a root in q alone, and σ_w² follows. G does not
//! depend on σ_b², so one scan of G over a q grid (0, then 10^(k/4) from 1e-6 to
//! [`Q_MAX`]) brackets every root for every σ_b²; each root is refined by Newton's
//! method kept inside its bracket, G' coming from the same quadrature (M' = S, and D' from
//! the Gaussian's weight differentiated in q, so kinks of φ' need no care). Several roots at one σ_b² are all reported, each with its
//! stability. q = 0 is a root exactly when σ_b² = 0 and φ(0) = 0 (G(0) = −φ(0)²/φ'(0)²).
//! A positively homogeneous φ (ReLU, leaky ReLU: φ(λx) = λφ(x)) has G ≡ 0: its edge is the
//! single point σ_b² = 0, σ_w² = 1/D, where every q is a fixed point (dV/dq = 1).
//!
//! **The usual initialisations** (σ_b² = 0 with σ_w² = 1 and 2): the fixed point reached
//! from inputs of unit variance (q⁰ = 1) — V is increasing, so the iteration moves
//! monotonically to the nearest root of V(q) − q in the direction V(1) − 1 points; when
//! there is none up to [`Q_MAX`] the variance grows without bound, and χ₁ is then its
//! limit σ_w² (φ'(−∞)² + φ'(+∞)²)/2. The depth over which gradients change by e is
//! 1/|ln χ₁|, infinite when χ₁ = 1 to 25 digits.
//!
//! **Quadrature.** Every expectation is ∫ g(x) N(x; 0, q) dx in MPFR ([`PREC`] bits) by
//! 12-point Gauss–Legendre panels in x whose ends are 0, ±10⁻³·1.2^j and the activation's
//! breakpoints: each panel integrates an analytic function, is at most a fifth of its
//! distance from 0 wide (so the Gaussian, of any width √q ≥ 10⁻³, is resolved where it
//! matters, and so are the activation's own features near 0), and φ, φ' are evaluated once
//! per node for every q. For q ≥ 1/4 a coarser set serves (0.25 wide up to |x| = 2, then
//! ±2·1.2^j): the Gaussian is then at least twice as wide as a panel. The integral is cut at |x| = 10√q (density below 2e-22); when the
//! outer panels still carry more than 1e-24 of a total (a φ growing fast), the cut moves to
//! 40√q. At q = 0 the expectations are their limits where φ(0) = 0: M = 0 and
//! D = S = (φ'(0⁻)² + φ'(0⁺)²)/2.

use rug::float::Constant;
use rug::Assign;
use rug::Float;
use std::cell::OnceCell;
use std::sync::OnceLock;

use super::pieces::{Fun, Subject, VAR};
use super::{Limit, Tail};
use crate::verify::reference::eval_float;

/// MPFR precision of the signal-propagation quadrature, in bits.
const PREC: u32 = 128;
/// Gauss–Legendre nodes per panel.
const NODES: usize = 12;
/// The largest variance searched for a fixed point.
pub const Q_MAX: f64 = 1e4;
/// The σ_b² of the edge: 0, 0.05, …, 0.5.
pub fn sigma_b2_grid() -> Vec<f64> {
    (0..=10).map(|k| f64::from(k) / 20.0).collect()
}
/// |dV/dq| below 1 by this much counts as stable (a marginal 1 computed as 1 − 1e-40 is not).
const STABLE_MARGIN: f64 = 1e-9;
/// |G| or |V − q| below this times q at every q ≥ [`HOMOGENEOUS_FROM`]: φ is positively
/// homogeneous (a smooth φ has G = O(q³) near 0, hence the lower end).
const HOMOGENEOUS: f64 = 1e-14;
const HOMOGENEOUS_FROM: f64 = 1e-2;
/// The quadrature's resolution relative to q (128-bit sums of ~10³ terms, panels settled
/// far below it).
const NOISE: f64 = 1e-24;

/// A fixed point of the variance map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FixedPoint {
    /// At q* (finite, ≥ 0).
    At(f64),
    /// Every q is a fixed point (φ positively homogeneous, on its edge).
    Any,
    /// None up to [`Q_MAX`]: the variance grows without bound.
    Unbounded,
}

/// A critical point: χ₁ = 1 at the fixed point q* of the variance map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Critical {
    /// σ_w² on the edge.
    pub sigma_w2: f64,
    /// The fixed point.
    pub q_star: FixedPoint,
    /// dV/dq at q*.
    pub slope: f64,
    /// |dV/dq| < 1 at q*: the fixed point attracts.
    pub stable: bool,
}

/// The edge of chaos at one σ_b².
#[derive(Clone, Debug, PartialEq)]
pub struct EdgePoint {
    /// The bias variance.
    pub sigma_b2: f64,
    /// Every critical point at this σ_b², by increasing q* (empty: none).
    pub critical: Vec<Critical>,
}

/// The signal at one initialisation (σ_w², σ_b²).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Init {
    /// Weight variance × fan-in.
    pub sigma_w2: f64,
    /// Bias variance.
    pub sigma_b2: f64,
    /// The fixed point reached from q = 1.
    pub q_star: FixedPoint,
    /// The gradient's factor per layer, σ_w² E[φ'(√q* Z)²].
    pub chi1: f64,
    /// dV/dq at q* (NaN when q* is not a point).
    pub slope: f64,
    /// 1 / |ln χ₁|: the depth over which gradients change by a factor e (∞ on the edge).
    pub depth: f64,
}

/// Signal propagation of one activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Signal {
    /// The edge of chaos at each σ_b² of [`sigma_b2_grid`].
    pub edge: Vec<EdgePoint>,
    /// φ is positively homogeneous (G ≡ 0): the edge is one point at σ_b² = 0.
    pub homogeneous: bool,
    /// σ_w² = 1, σ_b² = 0 (LeCun, Xavier-like).
    pub lecun: Init,
    /// σ_w² = 2, σ_b² = 0 (He).
    pub he: Init,
    /// The edge as a curve parametrised by q* (for plotting): the scan's points and the
    /// critical points, by increasing q* (empty when φ is homogeneous).
    pub trace: Vec<TracePoint>,
}

/// A point of the edge of chaos: (σ_b², σ_w²) = (G(q), 1/D(q)) at q* = q.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TracePoint {
    /// q*.
    pub q: f64,
    /// σ_b² = G(q).
    pub sigma_b2: f64,
    /// σ_w² = 1/D(q).
    pub sigma_w2: f64,
    /// |dV/dq| < 1 there.
    pub stable: bool,
}

impl Signal {
    /// The stable critical points, with their σ_b².
    pub fn stable(&self) -> impl Iterator<Item = (f64, &Critical)> {
        self.edge.iter().flat_map(|p| p.critical.iter().filter(|c| c.stable).map(move |c| (p.sigma_b2, c)))
    }
}

/// M(q), D(q), S(q) in MPFR.
struct Moments {
    m: Float,
    d: Float,
    s: Float,
    /// dD/dq = E[φ'(x)² (x²/q − 1)]/(2q): the Gaussian's weight differentiated.
    dd: Float,
}

/// The activation as the quadrature sees it.
struct Subj<'a> {
    subject: &'a Subject,
    /// φ(0) = 0 exactly.
    zero_at_0: bool,
    /// Panels fine enough for any q ([`INNER`] near 0), and coarser ones for q ≥ [`WIDE_FROM`].
    panels: Vec<Panel>,
    wide: Vec<Panel>,
}

/// The signal propagation of `subject`; `slope` are the limits of f' at ±∞ (for χ₁ when
/// the variance grows without bound).
pub(crate) fn signal(subject: &Subject, slope: &[Tail; 2]) -> Signal {
    let s = Subj {
        subject,
        zero_at_0: subject.eval(Fun::F, 0.0).is_zero(),
        panels: panels(subject, INNER),
        wide: panels(subject, WIDE_INNER),
    };
    let grid = q_grid();
    let scan: Vec<Moments> = grid.iter().map(|&q| s.moments(q)).collect();
    let g: Vec<Float> = grid.iter().zip(&scan).map(|(&q, m)| g_of(q, m)).collect();
    let homogeneous = homogeneous(&grid, &g);
    let edge: Vec<EdgePoint> = sigma_b2_grid().into_iter().map(|b| s.edge(b, &grid, &g, homogeneous)).collect();
    let init = |w| s.init(w, 0.0, &grid, &scan, slope);
    let mut trace = Vec::new();
    if !homogeneous {
        for ((&q, m), g) in grid.iter().zip(&scan).zip(&g).skip(1) {
            let c = critical_of(q, m);
            trace.push(TracePoint { q, sigma_b2: g.to_f64(), sigma_w2: c.sigma_w2, stable: c.stable });
        }
        for p in &edge {
            for c in &p.critical {
                if let FixedPoint::At(q) = c.q_star {
                    trace.push(TracePoint { q, sigma_b2: p.sigma_b2, sigma_w2: c.sigma_w2, stable: c.stable });
                }
            }
        }
        trace.sort_by(|a, b| a.q.total_cmp(&b.q));
    }
    Signal { edge, homogeneous, lecun: init(1.0), he: init(2.0), trace }
}

/// Whether `v` (G or V − q over `grid`) vanishes to [`HOMOGENEOUS`] relative to q.
fn homogeneous(grid: &[f64], v: &[Float]) -> bool {
    grid.iter().zip(v).filter(|(&q, _)| q >= HOMOGENEOUS_FROM).all(|(&q, v)| v.clone().abs() <= HOMOGENEOUS * q)
}

/// The critical point at q, from the moments there: σ_w² = 1/D(q), and dV/dq.
fn critical_of(q: f64, m: &Moments) -> Critical {
    let w = Float::with_val(PREC, m.d.recip_ref());
    let slope = Float::with_val(PREC, &w * &m.s).to_f64();
    Critical { sigma_w2: w.to_f64(), q_star: FixedPoint::At(q), slope, stable: slope.abs() < 1.0 - STABLE_MARGIN }
}

/// The sign of `v`, a value of G − σ_b² or V − q at q, or 0 where it is within the
/// quadrature's resolution ([`NOISE`]·q): a φ linear near 0 (hardtanh) has G = O(e^(−1/2q)),
/// below any precision at small q, and its sign there is noise, not a root.
fn sign(v: &Float, q: f64) -> i32 {
    if v.clone().abs() <= NOISE * q {
        0
    } else if *v > 0 {
        1
    } else {
        -1
    }
}

/// G(q) = q − M(q)/D(q).
fn g_of(q: f64, m: &Moments) -> Float {
    Float::with_val(PREC, q) - Float::with_val(PREC, &m.m / &m.d)
}

/// 0, then 10^(k/4) from 1e-6 to [`Q_MAX`] (1 among them).
fn q_grid() -> Vec<f64> {
    let mut v = vec![0.0];
    v.extend((-24..=16).map(|k| 10f64.powf(f64::from(k) / 4.0)));
    v
}

impl Subj<'_> {
    /// The critical points at `sigma_b2`, from the scan of G over `grid`.
    fn edge(&self, sigma_b2: f64, grid: &[f64], g: &[Float], homogeneous: bool) -> EdgePoint {
        let mut critical = Vec::new();
        if homogeneous {
            if sigma_b2 == 0.0 {
                let m = self.moments(1.0);
                let w = Float::with_val(PREC, m.d.recip_ref());
                let slope = Float::with_val(PREC, &w * &m.s).to_f64();
                critical.push(Critical { sigma_w2: w.to_f64(), q_star: FixedPoint::Any, slope, stable: false });
            }
            return EdgePoint { sigma_b2, critical };
        }
        if sigma_b2 == 0.0 && self.zero_at_0 {
            critical.push(self.critical(0.0));
        }
        let target = Float::with_val(PREC, sigma_b2);
        let h = |i: usize| Float::with_val(PREC, &g[i] - &target);
        for i in 1..grid.len() - 1 {
            let (a, b) = (h(i), h(i + 1));
            if sign(&a, grid[i]) * sign(&b, grid[i + 1]) < 0 {
                let (q, m) = newton(grid[i], grid[i + 1], a, b, |q| {
                    let m = self.moments(q);
                    // G' = 1 − (M' D − M D')/D², with M' = S.
                    let num = Float::with_val(PREC, &m.s * &m.d) - Float::with_val(PREC, &m.m * &m.dd);
                    let dg = 1u32 - num / Float::with_val(PREC, m.d.square_ref());
                    (g_of(q, &m) - &target, dg, m)
                });
                critical.push(critical_of(q, &m));
            }
        }
        EdgePoint { sigma_b2, critical }
    }

    /// The critical point at q.
    fn critical(&self, q: f64) -> Critical {
        critical_of(q, &self.moments(q))
    }

    /// The initialisation (`sigma_w2`, `sigma_b2`), from the scan `ms` over `grid`.
    fn init(&self, sigma_w2: f64, sigma_b2: f64, grid: &[f64], ms: &[Moments], tails: &[Tail; 2]) -> Init {
        let (w, b) = (Float::with_val(PREC, sigma_w2), Float::with_val(PREC, sigma_b2));
        // V(q) − q; at q = 0 exactly σ_w² φ(0)² + σ_b².
        let h = |q: f64, m: &Moments| Float::with_val(PREC, &w * &m.m) + &b - q;
        let hs: Vec<Float> = grid.iter().zip(ms).map(|(&q, m)| h(q, m)).collect();
        let f0 = self.subject.eval(Fun::F, 0.0);
        let h0 = Float::with_val(PREC, &w * Float::with_val(PREC, f0.square_ref())) + &b;
        let any = homogeneous(grid, &hs);
        let step = |q: f64| {
            let m = self.moments(q);
            let dh = Float::with_val(PREC, &w * &m.s) - 1u32;
            (h(q, &m), dh, m)
        };
        let refine = |i: usize| newton(grid[i], grid[i + 1], hs[i].clone(), hs[i + 1].clone(), step).0;
        let one = grid.iter().position(|&q| q == 1.0).expect("1 is on the grid");
        let q_star = if any {
            FixedPoint::Any
        } else if hs[one].is_zero() {
            FixedPoint::At(1.0)
        } else if hs[one] > 0 {
            // V(1) > 1: the variance grows to the first root above 1.
            match (one..grid.len() - 1).find(|&i| sign(&hs[i + 1], grid[i + 1]) <= 0) {
                Some(i) if sign(&hs[i + 1], grid[i + 1]) == 0 => FixedPoint::At(grid[i + 1]),
                Some(i) => FixedPoint::At(refine(i)),
                None => FixedPoint::Unbounded,
            }
        } else {
            // V(1) < 1: the variance shrinks to the last root below 1.
            match (1..one).rev().find(|&i| sign(&hs[i], grid[i]) > 0) {
                Some(i) => FixedPoint::At(refine(i)),
                None if h0.is_zero() => FixedPoint::At(0.0),
                None => FixedPoint::At(newton(0.0, grid[1], h0, hs[1].clone(), step).0),
            }
        };
        let (chi1, slope) = match q_star {
            FixedPoint::At(q) => {
                let m = self.moments(q);
                (Float::with_val(PREC, &w * &m.d), Float::with_val(PREC, &w * &m.s).to_f64())
            }
            FixedPoint::Any => (Float::with_val(PREC, &w * &ms[one].d), 1.0),
            FixedPoint::Unbounded => {
                // χ₁ → σ_w² (f'(-∞)² + f'(+∞)²) / 2 as q → ∞; an f' that keeps oscillating
                // has no such limit (the mean of its square would be another computation).
                let lim = |t: &Tail| match t.limit {
                    Limit::Finite(v) => v * v,
                    Limit::PosInf | Limit::NegInf => f64::INFINITY,
                    Limit::Oscillating | Limit::Undefined => f64::NAN,
                };
                (Float::with_val(PREC, sigma_w2 * (lim(&tails[0]) + lim(&tails[1])) / 2.0), f64::NAN)
            }
        };
        let ln = Float::with_val(PREC, chi1.ln_ref());
        let depth = if ln.is_nan() {
            f64::NAN
        } else if ln.clone().abs() < 1e-25 {
            f64::INFINITY
        } else {
            ln.recip().abs().to_f64()
        };
        Init { sigma_w2, sigma_b2, q_star, chi1: chi1.to_f64(), slope, depth }
    }

    /// M(q), D(q), S(q): the expectations over N(0, q) by Gauss–Legendre panels; their
    /// limits at q = 0 where φ(0) = 0 (M = 0, D = S = the mean of φ'(0±)²).
    fn moments(&self, q: f64) -> Moments {
        if q == 0.0 {
            let sides = [self.slope_at_0(true), self.slope_at_0(false)];
            let d =
                (Float::with_val(PREC, sides[0].square_ref()) + Float::with_val(PREC, sides[1].square_ref())) / 2u32;
            let m = Float::with_val(PREC, self.subject.eval(Fun::F, 0.0).square_ref());
            return Moments { m, s: d.clone(), d, dd: Float::with_val(PREC, f64::NAN) };
        }
        let (m, settled) = self.moments_to(q, CUT);
        if settled {
            m
        } else {
            self.moments_to(q, FAR_CUT).0
        }
    }

    /// φ'(0) from the left or from the right.
    fn slope_at_0(&self, left: bool) -> Float {
        let piece =
            self.subject
                .pieces
                .iter()
                .find(|p| if left { p.lo < 0.0 && p.hi >= 0.0 } else { p.lo <= 0.0 && p.hi > 0.0 });
        piece.expect("the pieces tile the line").eval(Fun::D1, 0.0)
    }

    /// The moments with the integral cut at |x| = `cut`·√q, and whether the outer panels
    /// carry at most 1e-24 of each total.
    fn moments_to(&self, q: f64, cut: f64) -> (Moments, bool) {
        let reach = cut * q.sqrt();
        let qf = Float::with_val(PREC, q);
        let norm = Float::with_val(PREC, Float::with_val(PREC, Constant::Pi) * 2u32 * &qf).sqrt().recip();
        let inv_two_q = Float::with_val(PREC, &qf * 2u32).recip();
        let mut sum = [Float::new(PREC), Float::new(PREC), Float::new(PREC), Float::new(PREC)];
        let mut outer = [Float::new(PREC), Float::new(PREC), Float::new(PREC), Float::new(PREC)];
        let mut e = Float::new(PREC);
        let mut term = Float::new(PREC);
        let panels = if q >= WIDE_FROM { &self.wide } else { &self.panels };
        for panel in panels.iter().filter(|p| p.b > -reach && p.a < reach) {
            let edge = panel.a <= -reach || panel.b >= reach;
            for node in panel.nodes(self.subject) {
                e.assign(&node.x2 * &inv_two_q);
                e = -e;
                e.exp_mut();
                e *= &node.w;
                for (i, v) in [&node.f2, &node.df2, &node.ffx, &node.df2x2].into_iter().enumerate() {
                    term.assign(v * &e);
                    if edge {
                        outer[i] += term.clone().abs();
                    }
                    sum[i] += &term;
                }
            }
        }
        let settled = (0..4).all(|i| outer[i] <= Float::with_val(PREC, sum[i].clone().abs() * 1e-24));
        let [m, d, s, dx2] = sum.map(|v| v * &norm);
        let s = s / &qf;
        let dd = (dx2 / &qf - &d) / (qf.clone() * 2u32);
        (Moments { m, d, s, dd }, settled)
    }
}

/// Where the integrals are cut, in standard deviations, and where when that is not enough.
const CUT: f64 = 10.0;
const FAR_CUT: f64 = 40.0;
/// The panels' ends: 0, ±[`INNER`]·[`RATIO`]^j out to [`FAR_CUT`]·√[`Q_MAX`], and the
/// breakpoints.
const INNER: f64 = 1e-3;
const RATIO: f64 = 1.2;
/// For q ≥ [`WIDE_FROM`] (√q ≥ 0.5) the panels are 0.25 wide up to |x| = [`WIDE_INNER`], then
/// geometric: the Gaussian is at least twice as wide as a panel, and the activation's
/// features near 0 are resolved as finely as the rest of the analysis samples them.
const WIDE_FROM: f64 = 0.25;
const WIDE_INNER: f64 = 2.0;

/// One Gauss–Legendre node: x², the weight (times the half-width), φ², φ'², φ φ' x, φ'² x².
struct Node {
    x2: Float,
    w: Float,
    f2: Float,
    df2: Float,
    ffx: Float,
    df2x2: Float,
}

/// A panel `[a, b]` inside one piece, its nodes evaluated when first needed: every q
/// reuses them, only the Gaussian weight changes.
struct Panel {
    a: f64,
    b: f64,
    nodes: OnceCell<Vec<Node>>,
}

impl Panel {
    fn nodes(&self, subject: &Subject) -> &[Node] {
        self.nodes.get_or_init(|| {
            let (a, b) = (self.a, self.b);
            let mid = 0.5 * (a + b);
            let piece = subject.pieces.iter().find(|p| mid >= p.lo && mid <= p.hi);
            let piece = piece.expect("the pieces tile the line");
            let half = Float::with_val(PREC, Float::with_val(PREC, b) - a) / 2u32;
            let mid = Float::with_val(PREC, Float::with_val(PREC, b) + a) / 2u32;
            rule()
                .iter()
                .map(|(t, w)| {
                    let x = Float::with_val(PREC, t * &half) + &mid;
                    let env = [(VAR, x.clone())];
                    let f = eval_float(piece.expr(Fun::F), &env, PREC);
                    let df = eval_float(piece.expr(Fun::D1), &env, PREC);
                    let x2 = Float::with_val(PREC, x.square_ref());
                    let df2 = Float::with_val(PREC, df.square_ref());
                    Node {
                        w: Float::with_val(PREC, w * &half),
                        f2: Float::with_val(PREC, f.square_ref()),
                        df2x2: Float::with_val(PREC, &df2 * &x2),
                        df2,
                        ffx: f * df * x,
                        x2,
                    }
                })
                .collect()
        })
    }
}

/// The panels for `subject`: ends at 0, ±`inner`·[`RATIO`]^j, the breakpoints, and, when
/// `inner` is [`WIDE_INNER`], every 0.25 below it.
fn panels(subject: &Subject, inner: f64) -> Vec<Panel> {
    let far = FAR_CUT * Q_MAX.sqrt();
    let mut ends = vec![0.0];
    if inner == WIDE_INNER {
        ends.extend((1..8).flat_map(|k| [-f64::from(k) / 4.0, f64::from(k) / 4.0]));
    }
    let mut t = inner;
    while t < far {
        ends.extend([-t, t]);
        t *= RATIO;
    }
    ends.extend([-far, far]);
    ends.extend(subject.breakpoints.iter().copied().filter(|b| b.abs() < far));
    ends.sort_by(f64::total_cmp);
    ends.dedup();
    ends.windows(2).map(|w| Panel { a: w[0], b: w[1], nodes: OnceCell::new() }).collect()
}

/// A root of h in `[a, b]`, where `ha` and `hb` have opposite signs: Newton's method on
/// `eval` (h, h' and the moments at q), from the secant point, kept inside the shrinking
/// bracket (bisection when a step would leave it), until a step is below 1e-13 of q.
/// Returns the last point evaluated and its moments.
fn newton(
    mut a: f64,
    mut b: f64,
    ha: Float,
    hb: Float,
    eval: impl Fn(f64) -> (Float, Float, Moments),
) -> (f64, Moments) {
    let negative_at_a = ha < 0;
    let (fa, fb) = (ha.to_f64(), hb.to_f64());
    let mut x = a - fa * (b - a) / (fb - fa);
    if !(x > a && x < b) {
        x = 0.5 * (a + b);
    }
    let mut last = None;
    for _ in 0..200 {
        let (v, dv, m) = eval(x);
        if v.is_zero() {
            return (x, m);
        }
        if (v < 0) == negative_at_a {
            a = x;
        } else {
            b = x;
        }
        let step = Float::with_val(PREC, &v / &dv).to_f64();
        last = Some((x, m));
        if step.abs() <= 1e-13 * x.abs() || (b - a) <= 1e-13 * b.abs() {
            break;
        }
        let next = x - step;
        x = if next > a && next < b { next } else { 0.5 * (a + b) };
    }
    last.expect("at least one step")
}

/// The Gauss–Legendre nodes and weights on [-1, 1] of this module's panels.
fn rule() -> &'static [(Float, Float)] {
    static RULE: OnceLock<Vec<(Float, Float)>> = OnceLock::new();
    RULE.get_or_init(|| super::integrals::gauss_legendre(NODES, PREC))
}

#[cfg(test)]
mod tests {
    //! Closed forms, and an independent computation: the σ_b² = 0.1 edge by a trapezoid
    //! rule in z over [-12, 12] (step 1/64, 256 bits) with φ and φ' written here directly in
    //! MPFR, and a two-dimensional Newton iteration on (q, σ_w²) with finite-difference
    //! derivatives — neither the engine's formulas, its quadrature nor its elimination.

    use rug::ops::Pow;

    use super::*;
    use crate::analysis::Side;
    use crate::parse::{parse_formula, Definition};
    use crate::passes::derived::derive;

    /// The signal of `body` (no parameters) alone, without the rest of the analysis.
    fn signal_of(body: &str) -> Signal {
        let def = Definition {
            name: "f".into(),
            input: "x".into(),
            params: vec![],
            body: parse_formula(body, &["x"]).unwrap(),
        };
        let derived = derive(&def).unwrap();
        let subject = Subject::new("x", &derived, &[]);
        let tails = Side::BOTH.map(|s| super::super::saturation::tail(&subject, Fun::D1, s, 1e-3));
        signal(&subject, &tails)
    }

    fn at(s: &Signal, sigma_b2: f64) -> &EdgePoint {
        s.edge.iter().find(|p| p.sigma_b2 == sigma_b2).expect("on the grid")
    }

    #[test]
    fn signal_relu_edge_is_he_and_only_at_zero_bias() {
        let s = signal_of("if x > 0.0 { x } else { 0.0 }");
        assert!(s.homogeneous);
        let zero = at(&s, 0.0);
        assert_eq!(zero.critical.len(), 1);
        let c = zero.critical[0];
        assert_eq!(c.sigma_w2, 2.0);
        assert_eq!(c.q_star, FixedPoint::Any);
        assert!(!c.stable && (c.slope - 1.0).abs() < 1e-20);
        assert!(s.edge.iter().filter(|p| p.sigma_b2 > 0.0).all(|p| p.critical.is_empty()));
        // He: every q is a fixed point, χ₁ = 2 · 1/2 = 1, gradients keep their size.
        assert_eq!((s.he.q_star, s.he.chi1, s.he.depth), (FixedPoint::Any, 1.0, f64::INFINITY));
        // LeCun: the variance halves to 0, and so do gradients: χ₁ = 1/2, depth 1/ln 2.
        assert_eq!((s.lecun.q_star, s.lecun.chi1), (FixedPoint::At(0.0), 0.5));
        assert_eq!(s.lecun.depth, 1.0 / std::f64::consts::LN_2);
    }

    #[test]
    fn signal_tanh_edge_at_zero_bias_is_one_with_q_zero() {
        let s = signal_of("x.tanh()");
        assert!(!s.homogeneous);
        let c = at(&s, 0.0).critical[0];
        assert_eq!((c.sigma_w2, c.q_star), (1.0, FixedPoint::At(0.0)));
        // dV/dq = φ'(0)² = 1 at q = 0: marginal, not stable.
        assert!(!c.stable);
        assert_eq!((s.lecun.q_star, s.lecun.chi1, s.lecun.depth), (FixedPoint::At(0.0), 1.0, f64::INFINITY));
        // σ_b² > 0: one stable critical point each, σ_w² and q* growing with σ_b².
        let later: Vec<&Critical> = s.edge.iter().skip(1).map(|p| &p.critical[0]).collect();
        assert!(s.edge.iter().skip(1).all(|p| p.critical.len() == 1));
        assert!(later.iter().all(|c| c.stable && c.sigma_w2 > 1.0));
        assert!(later.windows(2).all(|w| w[1].sigma_w2 > w[0].sigma_w2));
        // He for tanh: q* > 0, chaotic (χ₁ > 1).
        let FixedPoint::At(q) = s.he.q_star else { panic!("{:?}", s.he) };
        assert!(q > 0.1 && s.he.chi1 > 1.0 && s.he.depth.is_finite());
    }

    #[test]
    fn signal_linear_near_zero_has_no_noise_roots() {
        // hardtanh is x on [-1, 1]: G(q) = O(e^(-1/2q)) is below any precision at small q, and
        // its noise must not show as roots. The only critical point at σ_b² = 0 is q* = 0.
        let s = signal_of("if x < -1.0 { -1.0 } else if x > 1.0 { 1.0 } else { x }");
        let zero = &at(&s, 0.0).critical;
        assert_eq!(zero.len(), 1, "{zero:?}");
        assert_eq!((zero[0].sigma_w2, zero[0].q_star), (1.0, FixedPoint::At(0.0)));
        assert!(s.edge.iter().skip(1).all(|p| p.critical.len() == 1 && p.critical[0].stable));
        assert_eq!(s.lecun.q_star, FixedPoint::At(0.0));
    }

    #[test]
    fn signal_unbounded_variance_takes_the_slope_limits() {
        // ELU at σ_w² = 2: V(q) ≈ q + 1 for large q, no fixed point; χ₁ → 2 (0² + 1²)/2 = 1.
        let s = signal_of("if x > 0.0 { x } else { x.exp() - 1.0 }");
        assert_eq!((s.he.q_star, s.he.chi1, s.he.depth), (FixedPoint::Unbounded, 1.0, f64::INFINITY));
        assert!(s.he.slope.is_nan());
    }

    const P: u32 = 256;

    /// An activation written directly in MPFR: φ and φ'.
    type Phi = fn(&Float) -> (Float, Float);

    fn sigmoid(x: &Float) -> Float {
        (Float::with_val(P, -x).exp() + 1u32).recip()
    }

    fn tanh(x: &Float) -> (Float, Float) {
        let t = Float::with_val(P, x.tanh_ref());
        let d = 1u32 - Float::with_val(P, t.square_ref());
        (t, d)
    }

    fn logistic(x: &Float) -> (Float, Float) {
        let s = sigmoid(x);
        let d = Float::with_val(P, &s * (1u32 - s.clone()));
        (s, d)
    }

    fn gelu_erf(x: &Float) -> (Float, Float) {
        let cdf = (Float::with_val(P, x / Float::with_val(P, 2u32).sqrt()).erf() + 1u32) / 2u32;
        let two_pi = Float::with_val(P, Constant::Pi) * 2u32;
        let pdf = Float::with_val(P, Float::with_val(P, x.square_ref()) / -2i32).exp() / two_pi.sqrt();
        (Float::with_val(P, x * &cdf), cdf + Float::with_val(P, x * pdf))
    }

    fn swish(x: &Float) -> (Float, Float) {
        let s = sigmoid(x);
        let d = Float::with_val(P, &s + Float::with_val(P, x * &s) * (1u32 - s.clone()));
        (Float::with_val(P, x * s), d)
    }

    /// (E[φ(√q Z)²], E[φ'(√q Z)²]) by the trapezoid rule in z over [-12, 12], step 1/64.
    fn expectations(phi: Phi, q: &Float) -> (Float, Float) {
        let root = Float::with_val(P, q.sqrt_ref());
        let norm = (Float::with_val(P, Constant::Pi) * 2u32).sqrt().recip() / 64u32;
        let (mut m, mut d) = (Float::new(P), Float::new(P));
        for k in -768i32..=768 {
            let z = Float::with_val(P, k) / 64u32;
            let w = Float::with_val(P, Float::with_val(P, z.square_ref()) / -2i32).exp() * &norm;
            let (f, df) = phi(&Float::with_val(P, &root * &z));
            m += Float::with_val(P, f.square_ref()) * &w;
            d += Float::with_val(P, df.square_ref()) * &w;
        }
        (m, d)
    }

    /// The critical point at `sigma_b2` nearest (q0, w0): Newton's method on
    /// (w M(q) + σ_b² − q, w D(q) − 1) with central differences in q.
    fn critical_by_newton(phi: Phi, sigma_b2: f64, q0: f64, w0: f64) -> (f64, f64) {
        let (mut q, mut w) = (Float::with_val(P, q0), Float::with_val(P, w0));
        let b = Float::with_val(P, sigma_b2);
        for _ in 0..40 {
            let (m, d) = expectations(phi, &q);
            let h = Float::with_val(P, &q * Float::with_val(P, 2u32).pow(-60i32));
            let (mp, dp) = expectations(phi, &Float::with_val(P, &q + &h));
            let (mm, dm) = expectations(phi, &Float::with_val(P, &q - &h));
            let two_h = Float::with_val(P, &h * 2u32);
            let (dm_dq, dd_dq) = ((mp - mm) / &two_h, (dp - dm) / &two_h);
            let f1 = Float::with_val(P, &w * &m) + &b - &q;
            let f2 = Float::with_val(P, &w * &d) - 1u32;
            // J = [[w M' − 1, M], [w D', D]].
            let (a11, a12) = (Float::with_val(P, &w * &dm_dq) - 1u32, m);
            let (a21, a22) = (Float::with_val(P, &w * &dd_dq), d);
            let det = Float::with_val(P, &a11 * &a22) - Float::with_val(P, &a12 * &a21);
            let dq = (Float::with_val(P, &a22 * &f1) - Float::with_val(P, &a12 * &f2)) / &det;
            let dw = (Float::with_val(P, &a11 * &f2) - Float::with_val(P, &a21 * &f1)) / &det;
            q -= &dq;
            w -= &dw;
            if dq.abs() < 1e-40 && dw.abs() < 1e-40 {
                break;
            }
        }
        (q.to_f64(), w.to_f64())
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn signal_edge_at_sigma_b2_0_1_agrees_with_an_independent_computation() {
        let cases: [(&str, &str, Phi, f64, f64); 4] = [
            ("tanh", "x.tanh()", tanh, 1.0, 2.0),
            ("sigmoid", "1.0 / (1.0 + (-x).exp())", logistic, 40.0, 100.0),
            ("gelu_erf", "0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2))", gelu_erf, 1.0, 2.0),
            ("swish", "x * sigmoid(x)", swish, 1.0, 2.0),
        ];
        for (name, body, phi, q0, w0) in cases {
            let (q, w) = critical_by_newton(phi, 0.1, q0, w0);
            let s = signal_of(body);
            let found = &at(&s, 0.1).critical;
            let c = found.iter().find(|c| matches!(c.q_star, FixedPoint::At(p) if close(p, q, 1e-3)));
            let c = c.unwrap_or_else(|| panic!("{name}: no critical point near q* = {q}, σ_w² = {w}: {found:?}"));
            let FixedPoint::At(p) = c.q_star else { unreachable!() };
            assert!(close(c.sigma_w2, w, 1e-9), "{name}: σ_w² {} vs {w}", c.sigma_w2);
            assert!(close(p, q, 1e-9), "{name}: q* {p} vs {q}");
            // dV/dq = σ_w² dM/dq, by a central difference of the trapezoid M.
            let qf = Float::with_val(P, q);
            let h = Float::with_val(P, &qf * Float::with_val(P, 2u32).pow(-60i32));
            let (mp, _) = expectations(phi, &Float::with_val(P, &qf + &h));
            let (mm, _) = expectations(phi, &Float::with_val(P, &qf - &h));
            let slope = ((mp - mm) / (h * 2u32) * w).to_f64();
            assert!(close(c.slope, slope, 1e-9), "{name}: dV/dq {} vs {slope}", c.slope);
            assert_eq!(c.stable, slope.abs() < 1.0, "{name}");
        }
    }
}

//! The plot of one activation — f and f' over a window that shows its features,
//! breakpoints dashed, saturated regions (|f'| < ε) shaded — as a [`Model`] of sampled
//! points, drawn as SVG with plotters here and as PDF drawing commands in `latex`.
//!
//! A vector activation is plotted the same way along the gap `x = (d, 0)`: component 0
//! and ∂f_0/∂x_0 against d, shaded where every Jacobian entry is below ε ([`vector_model`]).

use activation_core::analysis::{Location, Side, Threshold};
use activation_core::{eval_at, Expr};
use plotters::prelude::*;

use super::format::{sig, threshold};
use super::{Entry, VectorEntry};

/// The words of a plot: axes, curves and the shaded region.
pub struct Labels {
    pub x: &'static str,
    pub y: &'static str,
    pub f: &'static str,
    pub df: &'static str,
    /// The shaded region's legend, before `< eps`.
    pub shaded: &'static str,
}

/// A scalar activation's labels.
pub const SCALAR: Labels = Labels { x: "x", y: "f(x), f'(x)", f: "f(x)", df: "f'(x)", shaded: "|f'|" };
/// A vector activation's labels, along the gap `x = (d, 0)`.
pub const VECTOR: Labels = Labels {
    x: "d = x0 - x1, at x = (d, 0)",
    y: "f0, df0/dx0",
    f: "f0(d, 0)",
    df: "df0/dx0 (d, 0)",
    shaded: "all |Jik|",
};

/// Samples per piece of the window.
const SAMPLES: usize = 240;

/// What a plot shows, in data coordinates.
pub struct Model {
    /// The x window.
    pub x: (f64, f64),
    /// The y window.
    pub y: (f64, f64),
    /// f, one polyline per piece (so jumps at breakpoints are not drawn as slopes).
    pub f: Vec<Vec<(f64, f64)>>,
    /// f', likewise.
    pub df: Vec<Vec<(f64, f64)>>,
    /// Breakpoints inside the window.
    pub breakpoints: Vec<f64>,
    /// Saturated x-intervals inside the window.
    pub shaded: Vec<(f64, f64)>,
}

/// The window: wide enough for every breakpoint, extremum, largest-slope point and
/// saturation threshold within |x| <= 10 (a threshold further out is named in the text
/// but not drawn), and at least [-4, 4].
fn half_width(e: &Entry) -> f64 {
    let p = &e.props;
    let mut features: Vec<f64> = p.breakpoints.clone();
    features.extend(p.extrema.iter().map(|x| x.x));
    if let Location::At(x) = p.max_slope.location {
        features.push(x);
    }
    features.extend(p.slope.iter().filter_map(|t| match t.threshold {
        Threshold::Beyond(v) => Some(v),
        _ => None,
    }));
    let far = features.iter().map(|v| v.abs()).filter(|v| *v <= 10.0).fold(0.0, f64::max);
    (1.2 * far).clamp(4.0, 10.0)
}

/// Samples f and f' and lays out the plot of `e`.
pub fn model(e: &Entry) -> Model {
    let p = &e.props;
    let r = half_width(e);
    let params: Vec<(&str, f64)> = p.params.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let curve = |g: &Expr| -> Vec<Vec<(f64, f64)>> {
        pieces(r, &p.breakpoints)
            .into_iter()
            .map(|(a, b)| {
                (0..=SAMPLES)
                    .map(|i| a + (b - a) * i as f64 / SAMPLES as f64)
                    .map(|x| (x, eval_at(g, &e.def.input, x, &params)))
                    .filter(|(_, y)| y.is_finite())
                    .collect()
            })
            .collect()
    };
    let (f, df) = (curve(&e.derived.stable.forward), curve(&e.derived.stable.derivative));
    let ys = f.iter().chain(&df).flatten().map(|&(_, y)| y);
    let (lo, hi) = ys.fold((0.0f64, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let pad = 0.06 * (hi - lo).max(1e-9);
    let shaded = shaded(p.slope.iter().map(|s| s.threshold), r);
    Model {
        x: (-r, r),
        y: (lo - pad, hi + pad),
        f,
        df,
        breakpoints: p.breakpoints.iter().copied().filter(|b| b.abs() < r).collect(),
        shaded,
    }
}

/// The saturation thresholds of `e` that lie outside the window of `m`, as text (the plot
/// cannot show them; each format says them under it).
pub fn beyond_window(e: &Entry, m: &Model) -> Vec<String> {
    let p = &e.props;
    Side::BOTH
        .into_iter()
        .zip(&p.slope)
        .filter(|(_, t)| matches!(t.threshold, Threshold::Beyond(v) if v < m.x.0 || v > m.x.1))
        .map(|(s, t)| threshold(t.threshold, s, &e.def.input))
        .collect()
}

/// The saturated intervals within [-r, r] from the left and right thresholds.
fn shaded(thresholds: impl IntoIterator<Item = Threshold>, r: f64) -> Vec<(f64, f64)> {
    let intervals = Side::BOTH.into_iter().zip(thresholds).filter_map(|(side, t)| match (side, t) {
        (_, Threshold::Never) => None,
        (_, Threshold::Everywhere) => Some((-r, r)),
        (Side::Left, Threshold::Beyond(t)) => Some((-r, t.min(r))),
        (Side::Right, Threshold::Beyond(t)) => Some((t.max(-r), r)),
    });
    intervals.filter(|(a, b)| a < b).collect()
}

/// The plot of a vector activation: its scalar plot along the gap, shaded where every
/// Jacobian entry at `x = (d, 0)` is below ε instead of where |∂f_0/∂x_0| is.
pub fn vector_model(v: &VectorEntry) -> Model {
    let mut m = model(&v.along);
    let r = m.x.1;
    m.shaded = shaded(v.props.sizes[0].gap, r);
    m
}

/// `[-r, r]` cut at the breakpoints, each piece nudged inside its ends so that a piece's
/// end shows its one-sided value.
fn pieces(r: f64, breakpoints: &[f64]) -> Vec<(f64, f64)> {
    let mut ends = vec![-r];
    ends.extend(breakpoints.iter().copied().filter(|b| b.abs() < r));
    ends.push(r);
    let nudge = 1e-9 * r;
    ends.windows(2).map(|w| (w[0] + nudge, w[1] - nudge)).collect()
}

/// Displayed size of the SVG, in CSS pixels.
const SIZE: (u32, u32) = (760, 460);
/// The SVG backend rounds coordinates to whole units: drawing at this multiple of the
/// displayed size (then scaling down with a `viewBox`) keeps curves from looking stepped.
const SCALE: u32 = 4;

/// The SVG plot of `e`.
pub fn svg(e: &Entry) -> Result<String, String> {
    svg_of(&model(e), &e.def.name, e.props.epsilon, &SCALAR)
}

/// The SVG plot of the vector activation `v`, along the gap.
pub fn vector_svg(v: &VectorEntry) -> Result<String, String> {
    let name = format!("{} along x = (d, 0)", v.def.name);
    svg_of(&vector_model(v), &name, v.props.epsilon, &VECTOR)
}

fn svg_of(m: &Model, name: &str, epsilon: f64, labels: &Labels) -> Result<String, String> {
    let mut out = String::new();
    draw(m, name, epsilon, labels, &mut out).map_err(|err| format!("{err:?}"))?;
    let (w, h) = SIZE;
    let (sw, sh) = (w * SCALE, h * SCALE);
    let drawn = format!("width=\"{sw}\" height=\"{sh}\"");
    if !out.contains(&format!("{drawn} viewBox=\"0 0 {sw} {sh}\"")) {
        return Err(format!("unexpected SVG header from plotters: {}", out.lines().next().unwrap_or("")));
    }
    // plotters writes `viewBox="0 0 sw sh"` already: only the displayed size changes.
    Ok(out.replacen(&drawn, &format!("width=\"{w}\" height=\"{h}\""), 1))
}

/// `v` display pixels in drawing units.
const fn px(v: u32) -> u32 {
    v * SCALE
}

const F_COLOUR: RGBColor = RGBColor(31, 88, 180);
const DF_COLOUR: RGBColor = RGBColor(214, 96, 30);
const SHADE: RGBColor = RGBColor(150, 150, 150);

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(m: &Model, name: &str, epsilon: f64, labels: &Labels, out: &mut String) -> DrawResult {
    let root = SVGBackend::with_string(out, (px(SIZE.0), px(SIZE.1))).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(name, ("sans-serif", px(22)))
        .margin(px(16))
        .x_label_area_size(px(44))
        .y_label_area_size(px(64))
        .build_cartesian_2d(m.x.0..m.x.1, m.y.0..m.y.1)?;
    chart
        .configure_mesh()
        .x_desc(labels.x)
        .y_desc(labels.y)
        .label_style(("sans-serif", px(14)))
        .axis_desc_style(("sans-serif", px(15)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(px(1)))
        .light_line_style(RGBColor(242, 242, 242).stroke_width(px(1)))
        .axis_style(BLACK.stroke_width(px(1)))
        .draw()?;
    let shade = SHADE.mix(0.25).filled();
    let (y0, y1) = m.y;
    for (i, &(a, b)) in m.shaded.iter().enumerate() {
        let s = chart.draw_series(std::iter::once(Rectangle::new([(a, y0), (b, y1)], shade)))?;
        if i == 0 {
            let label = format!("{} < {} (saturated)", labels.shaded, sig(epsilon));
            s.label(label).legend(move |(x, y)| {
                Rectangle::new([(x, y - px(6) as i32), (x + px(20) as i32, y + px(6) as i32)], shade)
            });
        }
    }
    for (i, &b) in m.breakpoints.iter().enumerate() {
        let style = BLACK.mix(0.6).stroke_width(px(1));
        let s = chart.draw_series(DashedLineSeries::new(vec![(b, y0), (b, y1)], px(6), px(4), style))?;
        if i == 0 {
            let (dash, gap) = (px(8) as i32, px(12) as i32);
            s.label("breakpoint").legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (dash, 0)], style)
                    + PathElement::new(vec![(gap, 0), (gap + dash, 0)], style)
            });
        }
    }
    for (curve, colour, label) in [(&m.f, F_COLOUR, labels.f), (&m.df, DF_COLOUR, labels.df)] {
        let style = colour.stroke_width(px(2));
        for (i, seg) in curve.iter().enumerate() {
            let s = chart.draw_series(LineSeries::new(seg.iter().copied(), style))?;
            if i == 0 {
                s.label(label).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + px(20) as i32, y)], style));
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", px(14)))
        .margin(px(10))
        .legend_area_size(px(26))
        .draw()?;
    root.present()?;
    Ok(())
}

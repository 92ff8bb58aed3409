//! Signal propagation: the phase diagram of one activation over (σ_b², σ_w²) — the edge of
//! chaos as a curve (solid where its fixed point is stable, dashed where not), ordered
//! (χ₁ < 1) below it and chaotic (χ₁ > 1) above, the usual initialisations marked — as SVG
//! with plotters ([`svg`], also for the HTML page) and as PDF drawing commands ([`picture`]);
//! and the words and table rows of the signal results ([`table`], [`summary`], the
//! terminal's [`columns`]).

use std::fmt::Write;

use activation_core::analysis::signal::{Critical, FixedPoint, Init, Signal};
use plotters::prelude::*;

use activation_core::analysis::Properties;

use super::columns::Column;
use super::format::sig;
use super::latex::text;
use super::Entry;

/// One branch of the edge: consecutive (σ_b², σ_w²) points and whether each is stable.
pub struct Branch {
    pub points: Vec<(f64, f64, bool)>,
}

/// What the phase diagram shows.
pub struct Model {
    /// The σ_b² window.
    pub x: (f64, f64),
    /// The σ_w² window.
    pub y: (f64, f64),
    /// The edge's branches: runs of the curve (G(q), 1/D(q)) inside the window, by q.
    pub branches: Vec<Branch>,
    /// The critical points at the σ_b² of the grid (σ_b², σ_w², stable).
    pub marks: Vec<(f64, f64, bool)>,
    /// The LeCun and He points (σ_b², σ_w², χ₁).
    pub inits: Vec<(f64, f64, f64, &'static str)>,
    /// φ positively homogeneous: χ₁ = 1 on the line σ_w² = this, a critical point only at
    /// σ_b² = 0.
    pub homogeneous: Option<f64>,
}

/// The phase diagram of `s`.
pub fn model(s: &Signal) -> Model {
    let x1 = s.edge.last().map_or(0.5, |p| p.sigma_b2);
    let inside = |b: f64, w: f64| (0.0..=x1).contains(&b) && w.is_finite();
    let mut branches = Vec::new();
    let mut current: Vec<(f64, f64, bool)> = Vec::new();
    for t in &s.trace {
        if inside(t.sigma_b2, t.sigma_w2) {
            current.push((t.sigma_b2, t.sigma_w2, t.stable));
        } else if !current.is_empty() {
            branches.push(Branch { points: std::mem::take(&mut current) });
        }
    }
    if !current.is_empty() {
        branches.push(Branch { points: current });
    }
    let marks: Vec<(f64, f64, bool)> =
        s.edge.iter().flat_map(|p| p.critical.iter().map(move |c| (p.sigma_b2, c.sigma_w2, c.stable))).collect();
    let homogeneous = s.homogeneous.then(|| s.edge[0].critical.first().map_or(f64::NAN, |c| c.sigma_w2));
    let inits = vec![(0.0, s.lecun.sigma_w2, s.lecun.chi1, "LeCun"), (0.0, s.he.sigma_w2, s.he.chi1, "He")];
    let top = marks.iter().map(|p| p.1).chain(homogeneous).fold(2.0, f64::max);
    Model { x: (0.0, x1), y: (0.0, (1.25 * top).max(3.0)), branches, marks, inits, homogeneous }
}

/// The upper boundary of the ordered region (what is shaded): the edge when it is one run
/// across the window with σ_b² increasing, the line σ_w² = 1/D of a homogeneous φ; nothing
/// otherwise (no shading where the phases are not a simple "below / above").
fn boundary(m: &Model) -> Vec<(f64, f64)> {
    if let Some(w) = m.homogeneous {
        return vec![(m.x.0, w), (m.x.1, w)];
    }
    match m.branches.as_slice() {
        [b] if b.points.windows(2).all(|w| w[1].0 > w[0].0) => b.points.iter().map(|&(x, y, _)| (x, y)).collect(),
        _ => vec![],
    }
}

/// Displayed size of the SVG, in CSS pixels, and the drawing scale (as `plot`).
const SIZE: (u32, u32) = (460, 360);
const SCALE: u32 = 4;

const fn px(v: u32) -> u32 {
    v * SCALE
}

const EDGE: RGBColor = RGBColor(180, 30, 60);
const ORDERED: RGBColor = RGBColor(70, 130, 200);
const CHAOTIC: RGBColor = RGBColor(230, 150, 60);

/// The SVG phase diagram of `e` (the HTML page calls this too).
pub fn svg(e: &Entry) -> Result<String, String> {
    let m = model(&e.props.signal);
    let mut out = String::new();
    draw(&m, &e.def.name, &mut out).map_err(|err| format!("{err:?}"))?;
    let (w, h) = SIZE;
    let drawn = format!("width=\"{}\" height=\"{}\"", px(w), px(h));
    Ok(out.replacen(&drawn, &format!("width=\"{w}\" height=\"{h}\""), 1))
}

fn draw(m: &Model, name: &str, out: &mut String) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (px(SIZE.0), px(SIZE.1))).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{name}: signal propagation"), ("sans-serif", px(18)))
        .margin(px(12))
        .x_label_area_size(px(40))
        .y_label_area_size(px(50))
        .build_cartesian_2d(m.x.0..m.x.1, m.y.0..m.y.1)?;
    chart
        .configure_mesh()
        .x_desc("bias variance sigma_b^2")
        .y_desc("weight variance sigma_w^2")
        .label_style(("sans-serif", px(12)))
        .axis_desc_style(("sans-serif", px(13)))
        .bold_line_style(RGBColor(215, 215, 215).stroke_width(px(1)))
        .light_line_style(RGBColor(242, 242, 242).stroke_width(px(1)))
        .axis_style(BLACK.stroke_width(px(1)))
        .draw()?;
    let b = boundary(m);
    if b.len() >= 2 {
        let below: Vec<(f64, f64)> =
            [(b[0].0, m.y.0)].into_iter().chain(b.iter().copied()).chain([(b[b.len() - 1].0, m.y.0)]).collect();
        let above: Vec<(f64, f64)> =
            [(b[0].0, m.y.1)].into_iter().chain(b.iter().copied()).chain([(b[b.len() - 1].0, m.y.1)]).collect();
        chart
            .draw_series(std::iter::once(Polygon::new(below, ORDERED.mix(0.18).filled())))?
            .label("ordered (chi1 < 1)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - px(5) as i32), (x + px(18) as i32, y + px(5) as i32)],
                    ORDERED.mix(0.3).filled(),
                )
            });
        chart
            .draw_series(std::iter::once(Polygon::new(above, CHAOTIC.mix(0.18).filled())))?
            .label("chaotic (chi1 > 1)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - px(5) as i32), (x + px(18) as i32, y + px(5) as i32)],
                    CHAOTIC.mix(0.3).filled(),
                )
            });
    }
    if let Some(w) = m.homogeneous {
        let style = EDGE.stroke_width(px(1));
        chart
            .draw_series(DashedLineSeries::new(vec![(m.x.0, w), (m.x.1, w)], px(5), px(4), style))?
            .label("chi1 = 1, no finite q* for sigma_b^2 > 0")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + px(18) as i32, y)], style));
    }
    let mut labelled = [false, false];
    for br in &m.branches {
        for w in br.points.windows(2) {
            let stable = w[0].2 && w[1].2;
            let line = vec![(w[0].0, w[0].1), (w[1].0, w[1].1)];
            if stable {
                let s = chart.draw_series(LineSeries::new(line, EDGE.stroke_width(px(2))))?;
                if !labelled[0] {
                    labelled[0] = true;
                    s.label("edge of chaos, q* stable").legend(|(x, y)| {
                        PathElement::new(vec![(x, y), (x + px(18) as i32, y)], EDGE.stroke_width(px(2)))
                    });
                }
            } else {
                let style = EDGE.mix(0.7).stroke_width(px(2));
                let s = chart.draw_series(DashedLineSeries::new(line, px(4), px(3), style))?;
                if !labelled[1] {
                    labelled[1] = true;
                    s.label("edge of chaos, q* unstable")
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + px(18) as i32, y)], style));
                }
            }
        }
    }
    let marks = m.marks.iter().map(|&(x, y, stable)| {
        Circle::new((x, y), px(3), if stable { EDGE.filled() } else { EDGE.stroke_width(px(1)) })
    });
    chart.draw_series(marks)?;
    for &(x, y, chi, label) in &m.inits {
        chart.draw_series(std::iter::once(
            EmptyElement::at((x, y))
                + TriangleMarker::new((0, 0), px(5), BLACK.filled())
                + Text::new(
                    format!("{label} (chi1 = {})", sig(chi)),
                    (px(8) as i32, -(px(6) as i32)),
                    ("sans-serif", px(11)),
                ),
        ))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", px(11)))
        .margin(px(8))
        .legend_area_size(px(22))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Plot size in bp of the PDF drawing (drawn beside the f/f' plot, see `latex`).
const W: f64 = 180.0;
const H: f64 = 150.0;

/// What the phase diagram shows, in plain text (the HTML figure's caption).
pub const CAPTION: &str = "Signal propagation: the edge of chaos (red: chi1 = 1 at q*; solid where q* is stable, \
dashed where not), ordered (blue, chi1 < 1) below it, chaotic (orange, chi1 > 1) above; triangles: LeCun and He";

/// The phase diagram of `e` as a `picture` of PDF path operators.
pub fn picture(e: &Entry) -> String {
    let mut out = String::new();
    let m = model(&e.props.signal);
    let px = |x: f64| (x - m.x.0) / (m.x.1 - m.x.0) * W;
    let py = |y: f64| (y - m.y.0) / (m.y.1 - m.y.0) * H;
    let mut ops = format!("q 0 0 {W} {H} re W n ");
    let b = boundary(&m);
    if b.len() >= 2 {
        let poly = |ops: &mut String, rgb: &str, base: f64| {
            let _ = write!(ops, "{rgb} rg {:.2} {:.2} m ", px(b[0].0), py(base));
            for &(x, y) in &b {
                let _ = write!(ops, "{:.2} {:.2} l ", px(x), py(y));
            }
            let _ = write!(ops, "{:.2} {:.2} l h f ", px(b[b.len() - 1].0), py(base));
        };
        poly(&mut ops, "0.85 0.9 0.97", m.y.0);
        poly(&mut ops, "0.99 0.92 0.84", m.y.1);
    }
    if let Some(w) = m.homogeneous {
        let _ = write!(ops, "0.7 0.12 0.24 RG 1 w [4 3] 0 d 0 {:.2} m {W} {:.2} l S [] 0 d ", py(w), py(w));
    }
    ops.push_str("0.7 0.12 0.24 RG 0.7 0.12 0.24 rg 1.4 w ");
    for br in &m.branches {
        for w in br.points.windows(2) {
            let dash = if w[0].2 && w[1].2 { "[] 0 d" } else { "[3 2] 0 d" };
            let _ =
                write!(ops, "{dash} {:.2} {:.2} m {:.2} {:.2} l S ", px(w[0].0), py(w[0].1), px(w[1].0), py(w[1].1));
        }
    }
    for &(x, y, stable) in &m.marks {
        let shape = if stable { "f" } else { "S" };
        let _ = write!(ops, "[] 0 d {:.2} {:.2} 2 2 re {shape} ", px(x) - 1.0, py(y) - 1.0);
    }
    ops.push_str("[] 0 d 0 0 0 rg ");
    for &(x, y, _, _) in &m.inits {
        let _ = write!(
            ops,
            "{:.2} {:.2} m {:.2} {:.2} l {:.2} {:.2} l h f ",
            px(x),
            py(y) - 3.0,
            px(x) + 5.0,
            py(y),
            px(x),
            py(y) + 3.0
        );
    }
    let _ = write!(ops, "Q q 0 0 0 RG 0.6 w 0 0 {W} {H} re S Q");
    out.push_str("\\setlength{\\unitlength}{1bp}%\n");
    let _ = writeln!(out, "\\begin{{picture}}({},{})(-36,-30)", W + 44.0, H + 40.0);
    let _ = writeln!(out, "\\put(0,0){{\\pdfliteral{{{ops}}}}}");
    for t in [0.0, 0.25, 0.5].into_iter().filter(|t| *t <= m.x.1) {
        let _ = writeln!(out, "\\put({:.2},-4){{\\makebox(0,0)[t]{{\\scriptsize ${}$}}}}", px(t), sig(t));
    }
    let step = if m.y.1 > 20.0 {
        (m.y.1 / 4.0).round()
    } else if m.y.1 > 6.0 {
        2.0
    } else {
        1.0
    };
    let mut t = 0.0;
    while t <= m.y.1 {
        let _ = writeln!(out, "\\put(-4,{:.2}){{\\makebox(0,0)[r]{{\\scriptsize ${}$}}}}", py(t), sig(t));
        t += step;
    }
    for &(x, y, chi, label) in &m.inits {
        let _ = writeln!(
            out,
            "\\put({:.2},{:.2}){{\\makebox(0,0)[l]{{\\scriptsize {label} ($\\chi_1 = {}$)}}}}",
            px(x) + 7.0,
            py(y),
            sig(chi)
        );
    }
    let _ = writeln!(out, "\\put({},-20){{\\makebox(0,0)[t]{{$\\sigma_b^2$}}}}", W / 2.0);
    let _ = writeln!(out, "\\put(-30,{}){{\\makebox(0,0){{\\rotatebox{{90}}{{$\\sigma_w^2$}}}}}}", H / 2.0);
    out.push_str("\\end{picture}");
    out
}

/// The line of words under the PDF phase diagram.
pub fn caption(e: &Entry) -> String {
    format!(
        "{{\\small Signal propagation: \\textcolor[RGB]{{180,30,60}}{{edge of chaos}} ($\\chi_1 = 1$ at $q^*$; \
         solid: $q^*$ stable, dashed: unstable), ordered (blue, $\\chi_1 < 1$) below, chaotic (orange) above; \
         triangles: LeCun and He. (SVG: \\texttt{{plots/{}-phase.svg}})}}",
        text(&e.def.name)
    )
}

/// q* in words.
pub fn fixed_point(q: FixedPoint) -> String {
    match q {
        FixedPoint::At(v) => sig(v),
        FixedPoint::Any => "any".into(),
        FixedPoint::Unbounded => "inf".into(),
    }
}

fn init(i: &Init) -> String {
    format!("q* = {}, chi1 = {}, depth {}", fixed_point(i.q_star), sig(i.chi1), sig(i.depth))
}

fn critical(c: &Critical) -> String {
    format!(
        "sigma_w^2 = {} (q* = {}, {})",
        sig(c.sigma_w2),
        fixed_point(c.q_star),
        if c.stable { "stable" } else { "unstable" }
    )
}

/// The edge at one σ_b² in words.
pub fn edge_at(s: &Signal, sigma_b2: f64) -> String {
    match s.edge.iter().find(|p| p.sigma_b2 == sigma_b2) {
        Some(p) if !p.critical.is_empty() => p.critical.iter().map(critical).collect::<Vec<_>>().join("; "),
        Some(_) => "none".into(),
        None => "-".into(),
    }
}

/// One sentence on the signal results.
pub fn summary(s: &Signal) -> String {
    let stable = s.stable().next().map_or_else(
        || "no stable critical point for sigma_b^2 in [0, 0.5]".to_string(),
        |(b, c)| format!("first stable critical point at sigma_b^2 = {}: {}", sig(b), critical(c)),
    );
    format!(
        "Edge of chaos at sigma_b^2 = 0: {}; at 0.1: {}; at 0.5: {}; {stable}. LeCun (sigma_w^2 = 1): {}. He (sigma_w^2 = 2): {}.",
        edge_at(s, 0.0),
        edge_at(s, 0.1),
        edge_at(s, 0.5),
        init(&s.lecun),
        init(&s.he)
    )
}

/// The edge of chaos at sigma_b^2 = 0 in short: each critical sigma_w^2 and whether its q* is
/// stable (the terminal's column).
fn edge_short(p: &Properties) -> String {
    match p.signal.edge.iter().find(|e| e.sigma_b2 == 0.0) {
        Some(e) if !e.critical.is_empty() => e
            .critical
            .iter()
            .map(|c| format!("{} {}", sig(c.sigma_w2), if c.stable { "stable" } else { "unstable" }))
            .collect::<Vec<_>>()
            .join("; "),
        Some(_) => "none".into(),
        None => "-".into(),
    }
}

/// Columns of the signal results that other tables pick by key, as they pick the
/// saturation columns of [`columns`](super::columns::columns) (the terminal's short table).
pub fn columns() -> Vec<Column> {
    vec![Column {
        key: "edge_chaos",
        header: "edge of chaos",
        legend: "The weight variance sigma_w^2 where chi1 = 1 at sigma_b^2 = 0, and whether its fixed point q* is \
                 stable; `none` when there is none.",
        value: edge_short,
    }]
}

/// The headers of the signal table.
pub const HEADERS: [&str; 6] = [
    "activation",
    "edge at sigma_b^2 = 0",
    "edge at sigma_b^2 = 0.1",
    "edge at sigma_b^2 = 0.5",
    "LeCun (1, 0)",
    "He (2, 0)",
];

/// The signal table's rows.
pub fn table(entries: &[Entry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|e| {
            let s = &e.props.signal;
            vec![e.def.name.clone(), edge_at(s, 0.0), edge_at(s, 0.1), edge_at(s, 0.5), init(&s.lecun), init(&s.he)]
        })
        .collect()
}

/// How the signal results are computed, for every format.
pub const ABOUT: &str = "Mean-field signal propagation (Poole et al. 2016, Schoenholz et al. 2017, Hayou et al. 2019), \
weights of variance sigma_w^2/fan-in, biases of variance sigma_b^2: the variance map q -> sigma_w^2 E[f(sqrt(q) Z)^2] + sigma_b^2 \
has the fixed point q*; gradients change by chi1 = sigma_w^2 E[f'(sqrt(q*) Z)^2] per layer. The edge of chaos is where chi1 = 1 \
(sigma_w^2 given for sigma_b^2 = 0, 0.1, 0.5; every critical point, stable when |dV/dq| < 1 at q*); LeCun and He are the \
initialisations sigma_w^2 = 1 and 2 at sigma_b^2 = 0, with the fixed point reached from q = 1, chi1 and the depth 1/|ln chi1| \
over which gradients change by e (inf on the edge). q* = any: every q is a fixed point; q* = inf: the variance grows without \
bound (chi1 is then its limit). Gaussian expectations by Gauss-Legendre quadrature in MPFR, roots by Newton's method kept inside a bracket.";

/// The signal section of `saturation.md`: what is computed, then one row per activation.
pub fn markdown(out: &mut String, entries: &[Entry]) {
    let _ = write!(out, "\n## Signal propagation\n\n{ABOUT}\n\n");
    let row =
        |v: Vec<String>| format!("| {} |\n", v.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | "));
    out.push_str(&row(HEADERS.iter().map(|h| h.to_string()).collect()));
    out.push_str(&row(HEADERS.iter().map(|_| "---".to_string()).collect()));
    for r in table(entries) {
        out.push_str(&row(r));
    }
}

/// The signal section of `report.tex`.
pub fn latex_section(out: &mut String, entries: &[Entry]) {
    let _ = writeln!(out, "\\section{{Signal propagation}}\n{}\n", text(ABOUT));
    let head: Vec<String> = HEADERS.iter().map(|h| text(h)).collect();
    let rows = table(entries).into_iter().map(|r| r.iter().map(|c| text(c)).collect()).collect();
    super::latex::table(out, &head, rows);
}

#[cfg(test)]
mod tests {
    use activation_core::analysis::signal::{EdgePoint, TracePoint};

    use super::*;

    fn init(w: f64, chi1: f64) -> Init {
        Init { sigma_w2: w, sigma_b2: 0.0, q_star: FixedPoint::At(0.0), chi1, slope: chi1, depth: f64::INFINITY }
    }

    fn signal(trace: &[(f64, f64, f64)], homogeneous: bool) -> Signal {
        let critical = vec![Critical { sigma_w2: 2.0, q_star: FixedPoint::Any, slope: 1.0, stable: false }];
        Signal {
            edge: vec![EdgePoint { sigma_b2: 0.0, critical }, EdgePoint { sigma_b2: 0.5, critical: vec![] }],
            homogeneous,
            lecun: init(1.0, 0.5),
            he: init(2.0, 1.0),
            trace: trace.iter().map(|&(q, b, w)| TracePoint { q, sigma_b2: b, sigma_w2: w, stable: true }).collect(),
        }
    }

    #[test]
    fn the_edge_is_cut_at_the_window_and_shaded_only_when_simple() {
        // A run leaving the window (σ_b² > 0.5) and coming back is two branches, not one line
        // across the gap; with two branches nothing is shaded.
        let folded = signal(&[(0.1, 0.1, 1.5), (0.2, 0.3, 1.8), (1.0, 0.9, 2.0), (2.0, 0.4, 2.5)], false);
        let m = model(&folded);
        assert_eq!(m.branches.len(), 2);
        assert!(boundary(&m).is_empty());
        let simple = signal(&[(0.1, 0.0, 1.0), (0.2, 0.2, 1.5), (0.3, 0.4, 1.8)], false);
        let m = model(&simple);
        assert_eq!(boundary(&m), vec![(0.0, 1.0), (0.2, 1.5), (0.4, 1.8)]);
        // A homogeneous φ: the line σ_w² = 1/D across the window, the point (0, 2) marked.
        let m = model(&signal(&[], true));
        assert_eq!(boundary(&m), vec![(0.0, 2.0), (0.5, 2.0)]);
        assert_eq!(m.marks, vec![(0.0, 2.0, false)]);
        let mut out = String::new();
        draw(&m, "relu", &mut out).unwrap();
        assert!(out.starts_with("<svg") && out.contains("LeCun (chi1 = 0.5)"));
    }
}

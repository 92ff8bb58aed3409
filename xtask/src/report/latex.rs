//! `report.tex`: a standalone LaTeX document (packages from Debian's texlive-latex-base and
//! texlive-latex-recommended only) with, per activation, the formula, its simplified
//! derivatives, the parameter derivatives, the properties and the plot. The plot is drawn
//! with PDF path operators (`\pdfliteral`) inside a `picture`, from the same samples as
//! the SVG: no TikZ, and nothing to convert.

use std::fmt::Write;

use activation_core::analysis::vector::VectorProperties;
use activation_core::analysis::Side;
use activation_core::{to_latex_lines, to_latex_with_input, Expr};

use super::columns::{columns, param_thresholds, property_rows, vector_columns, Column};
use super::format::{limit, markup, sig};
use super::guide::guide;
use super::plot::{beyond_window, model, vector_model, Model};
use super::tables::vector_intro;
use super::{Entry, VectorEntry};

const PREAMBLE: &str = r"\documentclass[10pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{graphicx}
\usepackage{xcolor}
% The plots are PDF drawing commands: pdfTeX's \pdfliteral, or LuaTeX's equivalent.
\ifdefined\pdfliteral\else\ifdefined\pdfextension
  \protected\def\pdfliteral#1{\pdfextension literal{#1}}\fi\fi
% A formula at its natural size, or shrunk to the line width when it is wider.
\newcommand{\fit}[1]{\par\smallskip\noindent\hfil
  \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle #1$}\hfil\par\smallskip}
% A formula on one line when it fits (#1), else broken into lines (#2, \fitline each).
\newsavebox{\formulabox}
\newcommand{\fitlines}[2]{\par\smallskip\noindent
  \sbox{\formulabox}{$\displaystyle #1$}%
  \ifdim\wd\formulabox>\linewidth #2\else\hfil\usebox{\formulabox}\hfil\fi\par\smallskip}
% One line of a broken formula, flush left, shrunk to the line width only if still wider.
\newcommand{\fitline}[1]{\par\noindent
  \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle #1$}\par}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
";

/// The whole document.
pub fn document(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64) -> String {
    let mut out = String::from(PREAMBLE);
    out.push_str("\\title{Gradient saturation of activation functions}\n\\date{}\n\\begin{document}\n\\maketitle\n");
    let _ = writeln!(
        out,
        "Every value below is computed from the activation's formula by \\texttt{{cargo xtask report}}: \
         limits symbolically or in MPFR at huge arguments, critical points by bracketing and MPFR root \
         finding, moments by Gauss--Legendre quadrature in MPFR split at the breakpoints; 6 significant \
         digits. Saturation threshold $\\varepsilon = {}$. The SVG plots are in \\texttt{{plots/}}.\n",
        sig(epsilon)
    );
    out.push_str("\\tableofcontents\n");
    summary(&mut out, entries);
    guide_section(&mut out, entries);
    super::phase::latex_section(&mut out, entries);
    legend(&mut out, epsilon);
    out.push_str("\\section{The activations}\n");
    for e in entries {
        activation(&mut out, e);
    }
    if !vectors.is_empty() {
        vector_section(&mut out, vectors, epsilon);
    }
    out.push_str("\\end{document}\n");
    out
}

/// The key columns for every activation, on one page.
fn summary(out: &mut String, entries: &[Entry]) {
    let keys = ["activation", "range", "max_slope", "max_slope_at", "sat_left", "sat_right", "dead_zone", "smoothness"];
    let more = ["mean", "gain", "torch_gain", "cost_forward", "cost_fused"];
    let cols = columns();
    let pick: Vec<_> = cols.iter().filter(|c| keys.contains(&c.key) || more.contains(&c.key)).collect();
    out.push_str("\\section{Summary}\n");
    let head: Vec<String> = pick.iter().map(|c| text(c.header)).collect();
    let rows = entries.iter().map(|e| pick.iter().map(|c| text(&(c.value)(&e.props))).collect()).collect();
    table(out, &head, rows);
}

/// A booktabs table shrunk to the page width.
pub(super) fn table(out: &mut String, head: &[String], rows: Vec<Vec<String>>) {
    out.push_str("\\begin{center}\n\\resizebox{\\textwidth}{!}{%\n");
    let _ = writeln!(out, "\\begin{{tabular}}{{{}}}\n\\toprule", "l".repeat(head.len()));
    let _ = writeln!(out, "{} \\\\\n\\midrule", head.join(" & "));
    for row in rows {
        let _ = writeln!(out, "{} \\\\", row.join(" & "));
    }
    out.push_str("\\bottomrule\n\\end{tabular}}\n\\end{center}\n");
}

fn guide_section(out: &mut String, entries: &[Entry]) {
    out.push_str("\\section{Selection guide}\nDerived from the computed properties; each line names the property that selects it.\n\\begin{itemize}\n");
    for a in guide(&entries.iter().map(|e| e.props.clone()).collect::<Vec<_>>()) {
        let members: Vec<String> =
            a.members.iter().map(|(n, why)| format!("\\texttt{{{}}} ({})", text(n), text(why))).collect();
        let _ = write!(out, "\\item \\textbf{{{}}} --- {}: {}.", text(a.topic), text(a.rule), members.join(", "));
        if let Some(note) = &a.note {
            let _ = write!(out, " {}.", text(note));
        }
        out.push('\n');
    }
    out.push_str("\\end{itemize}\n");
}

fn legend(out: &mut String, epsilon: f64) {
    let _ = writeln!(
        out,
        "\\section{{Legend}}\nLeft means $x \\to -\\infty$, right $x \\to +\\infty$; $\\varepsilon = {}$. The same \
         columns, under the names in parentheses, are in \\texttt{{saturation.csv}} (legend in \
         \\texttt{{saturation-legend.csv}}) and \\texttt{{saturation.json}} (legend under \\texttt{{\"legend\"}}).\n\
         \\begin{{description}}",
        sig(epsilon)
    );
    for c in columns() {
        let _ = writeln!(out, "\\item[{}] (\\texttt{{{}}}) {}", text(c.header), text(c.key), text(c.legend));
    }
    out.push_str("\\end{description}\n");
}

/// `lhs = e` on one line, or, when TeX finds it wider than the page, broken at the
/// outermost sum (`to_latex_lines`), continuation lines indented.
fn fit(lhs: &str, e: &Expr, x: &str) -> String {
    let lines = to_latex_lines(e, x);
    let one = format!("{lhs} = {}", to_latex_with_input(e, x));
    if lines.len() == 1 {
        return format!("\\fit{{{one}}}\n");
    }
    let broken: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { format!("\\fitline{{{lhs} = {l}}}") } else { format!("\\fitline{{\\qquad {l}}}") })
        .collect();
    format!("\\fitlines{{{one}}}{{%\n{}}}\n", broken.join("\n"))
}

/// One activation's subsection.
fn activation(out: &mut String, e: &Entry) {
    let (p, d, x) = (&e.props, &e.derived.readable, e.def.input.as_str());
    let tex = |ex: &Expr| to_latex_with_input(ex, x);
    let formula = |out: &mut String, lhs: &str, ex: &Expr| out.push_str(&fit(lhs, ex, x));
    let _ = writeln!(out, "\\clearpage\n\\subsection{{{}}}", text(&p.name));
    if !p.params.is_empty() {
        let vals: Vec<String> =
            p.params.iter().map(|(n, v)| format!("\\texttt{{{}}} $= {}$", text(n), sig(*v))).collect();
        let _ = writeln!(out, "Analysed at {}.", vals.join(", "));
    }
    formula(out, &format!("f({x})"), &d.forward);
    formula(out, &format!("f'({x})"), &d.derivative);
    formula(out, &format!("f''({x})"), &d.second);
    for (q, dp) in p.param.iter().zip(&d.params) {
        let name = tex(&Expr::var(&q.name));
        formula(out, &format!("\\frac{{\\partial f}}{{\\partial {name}}}"), dp);
        let lim: Vec<String> = Side::BOTH
            .iter()
            .zip(&q.tails)
            .map(|(s, t)| {
                format!("{} as $x \\to {}\\infty$", text(&limit(t.limit)), if *s == Side::Left { "-" } else { "+" })
            })
            .collect();
        let _ = writeln!(
            out,
            "$\\partial f / \\partial {name}$ tends to {}; $|\\partial f / \\partial {name}| < \\varepsilon$: {}.\n",
            lim.join(" and "),
            text(&param_thresholds(p, p.param.iter().position(|r| r.name == q.name).unwrap_or(0)))
        );
    }
    let m = model(e);
    let outside: Vec<String> = beyond_window(e, &m).iter().map(|t| text(t)).collect();
    // The f/f' plot and the phase diagram side by side, each with its words below.
    out.push_str("\\begin{center}\n\\begin{minipage}[t]{0.56\\textwidth}\\centering\n");
    let _ = writeln!(out, "\\resizebox{{\\linewidth}}{{!}}{{%\n{}}}\\\\[4pt]", picture(&m, SCALAR_SIZE, &SCALAR_AXES));
    let _ = writeln!(out, "{}", caption(&p.name, &SCALAR_AXES));
    out.push_str("\\end{minipage}\\hfill\n\\begin{minipage}[t]{0.41\\textwidth}\\centering\n");
    let _ = writeln!(out, "\\resizebox{{\\linewidth}}{{!}}{{%\n{}}}\\\\[4pt]", super::phase::picture(e));
    let _ = writeln!(out, "{}", super::phase::caption(e));
    out.push_str("\\end{minipage}\n\\end{center}\n\n");
    let _ = writeln!(out, "{}\n", text(&super::phase::summary(&p.signal)));
    if !outside.is_empty() {
        let _ = writeln!(out, "Saturated beyond the plotted window: {}.\n", outside.join(", "));
    }
    properties(out, e);
}

fn properties(out: &mut String, e: &Entry) {
    let rows: Vec<(String, String)> = property_rows(&e.props).iter().map(|(k, v)| (text(k), text(v))).collect();
    two_column_table(out, &rows, ("0.16", "0.3"));
}

/// Property/value pairs two per line, so that an activation fits on one page; `widths` are
/// the property and value columns' shares of the line width.
fn two_column_table(out: &mut String, rows: &[(String, String)], widths: (&str, &str)) {
    let (k, v) = widths;
    let half = rows.len().div_ceil(2);
    let _ = writeln!(
        out,
        "\\begin{{center}}\\small\n\\begin{{tabular}}{{@{{}}p{{{k}\\linewidth}}p{{{v}\\linewidth}}p{{{k}\\linewidth}}p{{{v}\\linewidth}}@{{}}}}\n\\toprule"
    );
    for i in 0..half {
        let (a, b) = &rows[i];
        let (c, d) = rows.get(i + half).map_or((String::new(), String::new()), |(c, d)| (c.clone(), d.clone()));
        let _ = writeln!(out, "{a} & {b} & {c} & {d} \\\\");
    }
    out.push_str("\\bottomrule\n\\end{tabular}\n\\end{center}\n");
}

/// Plot size in bp: a scalar activation's (beside its phase diagram), a vector one's (alone).
const SCALAR_SIZE: (f64, f64) = (250.0, 170.0);
const VECTOR_SIZE: (f64, f64) = (380.0, 210.0);

/// The LaTeX words of a plot: x axis, y axis, the two curves, the shaded region.
struct Axes {
    x: &'static str,
    y: &'static str,
    f: &'static str,
    df: &'static str,
    shaded: &'static str,
}

const SCALAR_AXES: Axes =
    Axes { x: "$x$", y: "$f(x)$, $f'(x)$", f: "$f(x)$", df: "$f'(x)$", shaded: "$|f'(x)| < \\varepsilon$" };
const VECTOR_AXES: Axes = Axes {
    x: "$d = x_0 - x_1$ at $x = (d, 0)$",
    y: "$f_0$, $\\partial f_0 / \\partial x_0$",
    f: "$f_0(d, 0)$",
    df: "$\\partial f_0 / \\partial x_0\\,(d, 0)$",
    shaded: "every $|J_{ik}| < \\varepsilon$",
};

/// The plot as a `picture` whose lines are PDF path operators, `(W, H)` bp.
fn picture(m: &Model, (w, h): (f64, f64), axes: &Axes) -> String {
    let mut out = String::new();
    let px = |x: f64| (x - m.x.0) / (m.x.1 - m.x.0) * w;
    let py = |y: f64| (y - m.y.0) / (m.y.1 - m.y.0) * h;
    let mut ops = String::from("q 0 0 ");
    let _ = write!(ops, "{w} {h} re W n ");
    for &(a, b) in &m.shaded {
        let _ = write!(ops, "0.88 0.88 0.88 rg {:.2} 0 {:.2} {h} re f ", px(a), px(b) - px(a));
    }
    let (xt, yt) = (ticks(m.x), ticks(m.y));
    ops.push_str("0.85 0.85 0.85 RG 0.4 w ");
    for &t in &xt {
        let _ = write!(ops, "{:.2} 0 m {:.2} {h} l S ", px(t), px(t));
    }
    for &t in &yt {
        let _ = write!(ops, "0 {:.2} m {w} {:.2} l S ", py(t), py(t));
    }
    ops.push_str("0.35 0.35 0.35 RG 0.8 w [4 3] 0 d ");
    for &b in &m.breakpoints {
        let _ = write!(ops, "{:.2} 0 m {:.2} {h} l S ", px(b), px(b));
    }
    ops.push_str("[] 0 d 1.4 w ");
    for (curve, rgb) in [(&m.f, "0.12 0.35 0.71"), (&m.df, "0.84 0.38 0.12")] {
        let _ = write!(ops, "{rgb} RG ");
        for seg in curve.iter().filter(|s| !s.is_empty()) {
            for (i, &(x, y)) in seg.iter().enumerate() {
                let _ = write!(ops, "{:.2} {:.2} {} ", px(x), py(y), if i == 0 { "m" } else { "l" });
            }
            ops.push_str("S ");
        }
    }
    let _ = write!(ops, "Q q 0 0 0 RG 0.6 w 0 0 {w} {h} re S Q");
    out.push_str("\\setlength{\\unitlength}{1bp}%\n");
    let _ = writeln!(out, "\\begin{{picture}}({},{})(-40,-34)", w + 50.0, h + 44.0);
    let _ = writeln!(out, "\\put(0,0){{\\pdfliteral{{{ops}}}}}");
    for &t in &xt {
        let _ = writeln!(out, "\\put({:.2},-4){{\\makebox(0,0)[t]{{\\scriptsize ${}$}}}}", px(t), sig(t));
    }
    for &t in &yt {
        let _ = writeln!(out, "\\put(-4,{:.2}){{\\makebox(0,0)[r]{{\\scriptsize ${}$}}}}", py(t), sig(t));
    }
    let _ = writeln!(out, "\\put({},-24){{\\makebox(0,0)[t]{{{}}}}}", w / 2.0, axes.x);
    let _ = writeln!(out, "\\put(-36,{}){{\\makebox(0,0){{\\rotatebox{{90}}{{{}}}}}}}", h / 2.0, axes.y);
    out.push_str("\\end{picture}");
    out
}

/// The line of words under a plot: its curves, what is shaded, its SVG.
fn caption(name: &str, axes: &Axes) -> String {
    format!(
        "{{\\small \\textcolor[RGB]{{31,88,180}}{{\\rule[0.5ex]{{1.5em}}{{1.4pt}}}} {}\\quad \
         \\textcolor[RGB]{{214,96,30}}{{\\rule[0.5ex]{{1.5em}}{{1.4pt}}}} {}\\quad dashed: breakpoints\\quad \
         grey: saturated, {}\\quad (SVG: \\texttt{{plots/{}.svg}})}}",
        axes.f,
        axes.df,
        axes.shaded,
        text(name)
    )
}

/// The plot alone, centred, with its words.
fn plot(out: &mut String, m: &Model, name: &str, axes: &Axes) {
    let _ = writeln!(
        out,
        "\\begin{{center}}\n{}\n\n{}\n\\end{{center}}",
        picture(m, VECTOR_SIZE, axes),
        caption(name, axes)
    );
}

/// The vector activations: their table, its legend, and a subsection each.
fn vector_section(out: &mut String, vectors: &[VectorEntry], epsilon: f64) {
    let cols = vector_columns();
    let _ = writeln!(out, "\\clearpage\n\\section{{Vector activations}}\n{}\n", text(&vector_intro(epsilon)));
    let head: Vec<String> = cols.iter().map(|c| text(c.header)).collect();
    let rows = vectors.iter().map(|v| cols.iter().map(|c| text(&(c.value)(&v.props))).collect()).collect();
    table(out, &head, rows);
    out.push_str("\\subsection*{Legend}\nThe same columns, under the names in parentheses, are in \\texttt{saturation-vector.csv} (legend in \\texttt{saturation-vector-legend.csv}) and under \\texttt{\"vector\"} in \\texttt{saturation.json}.\n\\begin{description}\n");
    for c in &cols {
        let _ = writeln!(out, "\\item[{}] (\\texttt{{{}}}) {}", text(c.header), text(c.key), text(c.legend));
    }
    out.push_str("\\end{description}\n");
    for v in vectors {
        vector_activation(out, v, &cols);
    }
}

/// One vector activation's subsection.
fn vector_activation(out: &mut String, v: &VectorEntry, cols: &[Column<VectorProperties>]) {
    let p = &v.props;
    let x = p.input.as_str();
    let tex = |ex: &Expr| to_latex_with_input(ex, x);
    let _ = writeln!(out, "\\clearpage\n\\subsection{{{}}}", text(&p.name));
    if !p.params.is_empty() {
        let vals: Vec<String> =
            p.params.iter().map(|(n, v)| format!("\\texttt{{{}}} $= {}$", text(n), sig(*v))).collect();
        let _ = writeln!(out, "Analysed at {}.", vals.join(", "));
    }
    out.push_str(
        "Element $i$ of the output ($x_j$ inside a reduction runs over every element), the \
                  vector-Jacobian product (element $k$, cotangent $g$), and component 0 along the gap $x = (d, 0)$:\n",
    );
    let _ = writeln!(out, "\\fit{{f_i(x) = {}}}", tex(&p.readable.forward));
    let _ = writeln!(out, "\\fit{{(J^\\top g)_k = {}}}", tex(&p.readable.vjp));
    let _ = writeln!(
        out,
        "\\fit{{f_0(d, 0) = {}}}",
        to_latex_with_input(&p.along.body.substitute(x, &Expr::var("d")), "d")
    );
    plot(out, &vector_model(v), &p.name, &VECTOR_AXES);
    let rows: Vec<(String, String)> = cols.iter().skip(1).map(|c| (text(c.header), text(&(c.value)(p)))).collect();
    two_column_table(out, &rows, ("0.2", "0.26"));
}

/// Round tick positions inside `(lo, hi)`: steps of 1, 2 or 5 times a power of ten, about
/// six of them.
fn ticks((lo, hi): (f64, f64)) -> Vec<f64> {
    let raw = (hi - lo) / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|k| k * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).map(|t| if t.abs() < 1e-12 * step { 0.0 } else { t }).collect()
}

/// Plain text of the analysis (ASCII: `<=`, `->`, `inf`, `eps`, `` `code` ``) as LaTeX.
pub fn text(s: &str) -> String {
    const SYMBOLS: &[(&str, &str)] = &[
        ("C-infinity", "$C^\\infty$"),
        ("sigma_w^2", "$\\sigma_w^2$"),
        ("sigma_b^2", "$\\sigma_b^2$"),
        ("chi1", "$\\chi_1$"),
        ("q*", "$q^*$"),
        ("<=", "$\\le$"),
        (">=", "$\\ge$"),
        ("!=", "$\\ne$"),
        ("->", "$\\to$"),
        ("-inf", "$-\\infty$"),
        ("+inf", "$+\\infty$"),
        ("inf", "$\\infty$"),
        ("eps", "$\\varepsilon$"),
        ("<", "$<$"),
        (">", "$>$"),
    ];
    markup(s, SYMBOLS, ("\\texttt{", "}"), |c, out| match c {
        '\\' => out.push_str("\\textbackslash{}"),
        '{' | '}' | '$' | '&' | '#' | '%' | '_' => {
            out.push('\\');
            out.push(c);
        }
        '^' => out.push_str("\\^{}"),
        '~' => out.push_str("\\~{}"),
        '|' => out.push_str("$|$"),
        _ => out.push(c),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_latex() {
        assert_eq!(text("x <= 0"), "x $\\le$ 0");
        assert_eq!(text("[0, inf)"), "[0, $\\infty$)");
        assert_eq!(text("x -> -inf, infinity"), "x $\\to$ $-\\infty$, infinity");
        assert_eq!(text("C-infinity"), "$C^\\infty$");
        assert_eq!(text("sigma_w^2 = 2 (q* = any), chi1 = 1"), "$\\sigma_w^2$ = 2 ($q^*$ = any), $\\chi_1$ = 1");
        assert_eq!(text("`x_1` & 5%"), "\\texttt{x\\_1} \\& 5\\%");
        assert_eq!(text("|f'| < eps"), "$|$f'$|$ $<$ $\\varepsilon$");
        assert_eq!(ticks((-4.4, 4.4)), vec![-4.0, -2.0, 0.0, 2.0, 4.0]);
    }
}

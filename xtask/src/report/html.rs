//! `index.html`: the report as one self-contained page — no script, no style sheet, font
//! or image from elsewhere — readable on a laptop and on a phone. The summary table (each
//! activation's formula beside its key properties), the selection guide, the signal
//! propagation table, the legend, then
//! one section per activation: its formulas in MathML (printed from the IR by
//! `activation_core::to_mathml`, the same layout decisions as the LaTeX), its figures as
//! inline SVG, and its properties. Browsers lay MathML out natively;
//! `cargo xtask html-check` makes sure one does.

use std::collections::BTreeMap;
use std::fmt::Write;

use activation_core::analysis::vector::VectorProperties;
use activation_core::analysis::Side;
use activation_core::{to_mathml_with_input, Expr};

use super::columns::{columns, param_thresholds, property_rows, vector_columns, Column};
use super::format::{limit, markup, sig};
use super::guide::guide;
use super::phase;
use super::plot::{beyond_window, model};
use super::tables::vector_intro;
use super::{Entry, VectorEntry};

/// One figure of an activation's section: an SVG drawn by the report, inlined.
pub struct Figure {
    /// Where the same SVG is written, relative to the report folder (`plots/gelu.svg`).
    pub file: String,
    /// What it shows, in plain text.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// Every activation's figures, by name, in the order they appear.
pub type Figures = BTreeMap<String, Vec<Figure>>;

/// The columns of the summary table, beside each activation's formula.
/// (The rest are in each activation's section.)
const SUMMARY: &[&str] = &["range", "max_slope", "sat_left", "sat_right", "dead_zone", "gain"];

const STYLE: &str = r#"
:root { --fg: #1d1d1f; --muted: #5a5a5f; --line: #dedee3; --head: #f4f5f7; --accent: #1f58b4; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 76rem; margin: 0 auto; padding: 0.5rem clamp(0.75rem, 3vw, 2rem) 3rem; }
h1 { font-size: clamp(1.4rem, 4vw, 2rem); line-height: 1.2; margin: 1rem 0 0.5rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 0.5rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.2rem; margin: 2rem 0 0.25rem; }
a { color: var(--accent); }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 0.9em; }
p.note, figcaption { color: var(--muted); font-size: 0.9rem; }
nav ol { columns: 9rem; padding-left: 1.4rem; margin: 0.25rem 0; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; font-size: 0.88rem; }
th, td { padding: 0.3rem 0.55rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
td { white-space: nowrap; }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", math; font-size: 1.2em; }
td math { math-style: normal; }
mtd { text-align: left; padding: 0.1em 0.4em; }
.formula { overflow-x: auto; overflow-y: hidden; padding: 0.3rem 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); gap: 1rem; }
figure { margin: 0.5rem 0; }
figure svg { display: block; width: 100%; max-width: 760px; height: auto; border: 1px solid var(--line); }
dl.props { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 21rem), 1fr));
  column-gap: 2rem; margin: 0.5rem 0; font-size: 0.92rem; }
dl.props div { display: flex; justify-content: space-between; gap: 1rem; padding: 0.2rem 0;
  border-bottom: 1px solid var(--line); }
dl.props dt { color: var(--muted); }
dl.props dd { margin: 0; text-align: right; overflow-wrap: anywhere; }
dl.legend dt { font-weight: 600; margin-top: 0.4rem; }
dl.legend dd { margin-left: 1.2rem; }
ul.guide li { margin: 0.3rem 0; }
@media (max-width: 40rem) { body { font-size: 15px; } th, td { padding: 0.25rem 0.4rem; } }
"#;

/// The whole page.
pub fn document(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64, figures: &Figures) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>Gradient saturation of activation functions</title>\n");
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    out.push_str("<h1>Gradient saturation of activation functions</h1>\n");
    let _ = writeln!(
        out,
        "<p>Every value is computed from the activation's formula by <code>cargo xtask report</code>: limits \
         symbolically or in MPFR at huge arguments, critical points by bracketing and MPFR root finding, moments \
         by Gauss–Legendre quadrature in MPFR split at the breakpoints; 6 significant digits. Saturation \
         threshold ε = {}. The same values are in <code>saturation.md</code>, <code>.csv</code> and \
         <code>.json</code>; the plots in <code>plots/</code>.</p>",
        sig(epsilon)
    );
    contents(&mut out, entries, vectors);
    summary(&mut out, entries);
    guide_section(&mut out, entries);
    signal_section(&mut out, entries);
    legend(&mut out, epsilon);
    out.push_str("<h2 id=\"activations\">The activations</h2>\n");
    for e in entries {
        activation(&mut out, e, figures.get(&e.def.name).map_or(&[], Vec::as_slice));
    }
    if !vectors.is_empty() {
        vector_section(&mut out, vectors, epsilon, figures);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Links to every section.
fn contents(out: &mut String, entries: &[Entry], vectors: &[VectorEntry]) {
    out.push_str("<nav aria-label=\"Contents\"><p><a href=\"#summary\">Summary</a> · ");
    out.push_str("<a href=\"#guide\">Selection guide</a> · <a href=\"#signal\">Signal propagation</a> · ");
    out.push_str("<a href=\"#legend\">Legend</a>");
    if !vectors.is_empty() {
        out.push_str(" · <a href=\"#vector\">Vector activations</a>");
    }
    out.push_str("</p><ol>");
    for name in entries.iter().map(|e| &e.def.name).chain(vectors.iter().map(|v| &v.def.name)) {
        let _ = write!(out, "<li><a href=\"#{}\">{}</a></li>", anchor(name), escape(name));
    }
    out.push_str("</ol></nav>\n");
}

/// The summary: each activation's formula and key properties, one row each.
fn summary(out: &mut String, entries: &[Entry]) {
    let cols = columns();
    let pick: Vec<&Column> = SUMMARY.iter().filter_map(|k| cols.iter().find(|c| c.key == *k)).collect();
    out.push_str(
        "<h2 id=\"summary\">Summary</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>activation</th><th>f</th>",
    );
    for c in &pick {
        let _ = write!(out, "<th>{}</th>", text(c.header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for e in entries {
        let name = &e.def.name;
        let formula = to_mathml_with_input(&e.derived.readable.forward, &e.def.input);
        let _ = write!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td><math>{formula}</math></td>",
            anchor(name),
            escape(name)
        );
        for c in &pick {
            let _ = write!(out, "<td>{}</td>", text(&(c.value)(&e.props)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn guide_section(out: &mut String, entries: &[Entry]) {
    out.push_str("<h2 id=\"guide\">Selection guide</h2>\n");
    out.push_str("<p>Derived from the computed properties; each line names the property that selects it.</p>\n");
    out.push_str("<ul class=\"guide\">\n");
    for a in guide(&entries.iter().map(|e| e.props.clone()).collect::<Vec<_>>()) {
        let members: Vec<String> = a
            .members
            .iter()
            .map(|(n, why)| format!("<a href=\"#{}\"><code>{}</code></a> ({})", anchor(n), escape(n), text(why)))
            .collect();
        let _ = write!(out, "<li><strong>{}</strong> — {}: {}.", text(a.topic), text(a.rule), members.join(", "));
        if let Some(note) = &a.note {
            let _ = write!(out, " {}.", text(note));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// Signal propagation: how it is computed, then the edge of chaos and the usual
/// initialisations of every activation (each one's phase diagram is in its section).
fn signal_section(out: &mut String, entries: &[Entry]) {
    let _ = writeln!(out, "<h2 id=\"signal\">Signal propagation</h2>\n<p>{}</p>", text(phase::ABOUT));
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for h in phase::HEADERS {
        let _ = write!(out, "<th>{}</th>", text(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in phase::table(entries) {
        let (name, cells) = row.split_first().expect("a row names its activation");
        let _ = write!(out, "<tr><td><a href=\"#{}\">{}</a></td>", anchor(name), escape(name));
        for c in cells {
            let _ = write!(out, "<td>{}</td>", text(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

fn legend(out: &mut String, epsilon: f64) {
    out.push_str("<h2 id=\"legend\">Legend</h2>\n");
    let _ = writeln!(
        out,
        "<p>Left means x → −∞, right x → +∞; ε = {}. The same columns, under the names in parentheses, are in \
         <code>saturation.csv</code> and <code>saturation.json</code>.</p>",
        sig(epsilon)
    );
    legend_list(out, &columns());
}

fn legend_list<P>(out: &mut String, cols: &[Column<P>]) {
    out.push_str("<dl class=\"legend\">\n");
    for c in cols {
        let _ =
            writeln!(out, "<dt>{} (<code>{}</code>)</dt><dd>{}</dd>", text(c.header), escape(c.key), text(c.legend));
    }
    out.push_str("</dl>\n");
}

/// `f(x)`, `f′(x)`, `f″(x)` as MathML, for the left side of a formula.
fn applied(f: &str, x: &str) -> String {
    format!("{f}<mo>\u{2061}</mo><mrow><mo stretchy=\"false\">(</mo>{x}<mo stretchy=\"false\">)</mo></mrow>")
}

/// `<math display="block">lhs = rhs</math>` in a horizontally scrolling box.
fn formula(out: &mut String, lhs: &str, rhs: &str) {
    let _ = writeln!(out, "<div class=\"formula\"><math display=\"block\">{lhs}<mo>=</mo>{rhs}</math></div>");
}

/// One activation's section.
fn activation(out: &mut String, e: &Entry, figures: &[Figure]) {
    let (p, d, x) = (&e.props, &e.derived.readable, e.def.input.as_str());
    let mml = |ex: &Expr| to_mathml_with_input(ex, x);
    let xm = mml(&Expr::var(x));
    let _ = writeln!(out, "<section id=\"{}\">\n<h3>{}</h3>", anchor(&p.name), escape(&p.name));
    params(out, &p.params);
    formula(out, &applied("<mi>f</mi>", &xm), &mml(&d.forward));
    // The math font's prime is drawn raised already: it follows f, not in a superscript.
    formula(out, &applied("<mi>f</mi><mo>′</mo>", &xm), &mml(&d.derivative));
    formula(out, &applied("<mi>f</mi><mo>″</mo>", &xm), &mml(&d.second));
    for (i, (q, dp)) in p.param.iter().zip(&d.params).enumerate() {
        let name = mml(&Expr::var(&q.name));
        let lhs = format!("<mfrac><mrow><mo>∂</mo><mi>f</mi></mrow><mrow><mo>∂</mo>{name}</mrow></mfrac>");
        formula(out, &lhs, &mml(dp));
        let lim: Vec<String> = Side::BOTH
            .iter()
            .zip(&q.tails)
            .map(|(s, t)| format!("{} as x → {}∞", text(&limit(t.limit)), if *s == Side::Left { "−" } else { "+" }))
            .collect();
        let _ = writeln!(
            out,
            "<p class=\"note\">∂f/∂<code>{}</code> tends to {}; |∂f/∂<code>{}</code>| &lt; ε: {}.</p>",
            escape(&q.name),
            lim.join(" and "),
            escape(&q.name),
            text(&param_thresholds(p, i))
        );
    }
    figure_grid(out, figures);
    let _ = writeln!(out, "<p class=\"note\">{}</p>", text(&phase::summary(&p.signal)));
    let outside: Vec<String> = beyond_window(e, &model(e)).iter().map(|t| text(t)).collect();
    if !outside.is_empty() {
        let _ = writeln!(out, "<p class=\"note\">Saturated beyond the plotted window: {}.</p>", outside.join(", "));
    }
    let rows = property_rows(p);
    properties(out, &rows);
    out.push_str("</section>\n");
}

/// `Analysed at α = 1.`
fn params(out: &mut String, params: &[(String, f64)]) {
    if !params.is_empty() {
        let vals: Vec<String> =
            params.iter().map(|(n, v)| format!("<code>{}</code> = {}", escape(n), sig(*v))).collect();
        let _ = writeln!(out, "<p>Analysed at {}.</p>", vals.join(", "));
    }
}

/// The figures of a section, side by side where the screen is wide enough.
fn figure_grid(out: &mut String, figures: &[Figure]) {
    if figures.is_empty() {
        return;
    }
    out.push_str("<div class=\"figures\">\n");
    for f in figures {
        let _ = writeln!(
            out,
            "<figure>\n{}\n<figcaption>{} (<code>{}</code>)</figcaption>\n</figure>",
            inline_svg(&f.svg),
            text(&f.caption),
            escape(&f.file)
        );
    }
    out.push_str("</div>\n");
}

/// An SVG document as an element of the page: without an XML declaration, scaled to the
/// width it is given (the `viewBox` keeps its proportions).
fn inline_svg(svg: &str) -> String {
    let body = match svg.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r),
        None => svg,
    };
    body.trim().replacen("<svg ", "<svg role=\"img\" ", 1)
}

/// Property/value pairs as a definition list, in as many columns as fit.
fn properties(out: &mut String, rows: &[(String, String)]) {
    out.push_str("<dl class=\"props\">\n");
    for (k, v) in rows {
        let _ = writeln!(out, "<div><dt>{}</dt><dd>{}</dd></div>", text(k), text(v));
    }
    out.push_str("</dl>\n");
}

/// The vector activations: their table, its legend, and a section each.
fn vector_section(out: &mut String, vectors: &[VectorEntry], epsilon: f64, figures: &Figures) {
    let cols = vector_columns();
    let _ = writeln!(out, "<h2 id=\"vector\">Vector activations</h2>\n<p>{}</p>", text(&vector_intro(epsilon)));
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for c in &cols {
        let _ = write!(out, "<th>{}</th>", text(c.header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for v in vectors {
        out.push_str("<tr>");
        for c in &cols {
            let _ = write!(out, "<td>{}</td>", text(&(c.value)(&v.props)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    legend_list(out, &cols);
    for v in vectors {
        vector_activation(out, v, &cols, figures.get(&v.def.name).map_or(&[], Vec::as_slice));
    }
}

/// One vector activation's section.
fn vector_activation(out: &mut String, v: &VectorEntry, cols: &[Column<VectorProperties>], figures: &[Figure]) {
    let p = &v.props;
    let x = p.input.as_str();
    let mml = |ex: &Expr| to_mathml_with_input(ex, x);
    let _ = writeln!(out, "<section id=\"{}\">\n<h3>{}</h3>", anchor(&p.name), escape(&p.name));
    params(out, &p.params);
    out.push_str(
        "<p>Element i of the output (x<sub>j</sub> inside a reduction runs over every element), the \
         vector-Jacobian product (element k, cotangent g), and component 0 along the gap x = (d, 0):</p>\n",
    );
    let xm = mml(&Expr::var(x));
    formula(out, &applied("<msub><mi>f</mi><mi>i</mi></msub>", &xm), &mml(&p.readable.forward));
    let vjp = "<msub><mrow><mo stretchy=\"false\">(</mo><msup><mi>J</mi><mo>⊤</mo></msup><mo>\u{2062}</mo><mi>g</mi>\
               <mo stretchy=\"false\">)</mo></mrow><mi>k</mi></msub>";
    formula(out, vjp, &mml(&p.readable.vjp));
    let along = to_mathml_with_input(&p.along.body.substitute(x, &Expr::var("d")), "d");
    formula(out, &applied("<msub><mi>f</mi><mn>0</mn></msub>", "<mi>d</mi><mo>,</mo><mn>0</mn>"), &along);
    figure_grid(out, figures);
    let rows: Vec<(String, String)> = cols.iter().skip(1).map(|c| (c.header.into(), (c.value)(p))).collect();
    properties(out, &rows);
    out.push_str("</section>\n");
}

/// A fragment identifier for an activation's section.
fn anchor(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' }).collect()
}

/// Text escaped for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Plain text of the analysis (ASCII: `<=`, `->`, `inf`, `eps`, `` `code` ``) as HTML:
/// escaped, with the ASCII symbols as the characters they stand for and code spans as
/// `<code>`.
pub fn text(s: &str) -> String {
    const SYMBOLS: &[(&str, &str)] = &[
        ("C-infinity", "C<sup>∞</sup>"),
        ("sigma_w^2", "σ<sub>w</sub><sup>2</sup>"),
        ("sigma_b^2", "σ<sub>b</sub><sup>2</sup>"),
        ("chi1", "χ<sub>1</sub>"),
        ("<=", "≤"),
        (">=", "≥"),
        ("!=", "≠"),
        ("->", "→"),
        ("-inf", "−∞"),
        ("+inf", "+∞"),
        ("inf", "∞"),
        ("eps", "ε"),
    ];
    markup(s, SYMBOLS, ("<code>", "</code>"), |c, out| out.push_str(&escape(c.encode_utf8(&mut [0; 4]))))
}

/// What `--check` asks of a page: self-contained and script-free, every activation with
/// its section, its formulas in MathML (no LaTeX left in them) and its figures inline.
/// Returns the problems found.
pub fn problems(page: &str, names: &[&str], figures: usize) -> Vec<String> {
    let mut out = Vec::new();
    let lower = page.to_ascii_lowercase();
    for banned in ["<script", "<link", "<iframe", "<img", "<object", "@import", "url(", "src=", " on"] {
        let hits = if banned == " on" {
            // Event handler attributes (`onload=`): a space, `on` and a letter run, then `=`.
            lower.match_indices(" on").filter(|(i, _)| is_handler(&lower[i + 1..])).count()
        } else {
            lower.matches(banned).count()
        };
        if hits > 0 {
            out.push(format!(
                "`{banned}` appears {hits} times: the page must need nothing from elsewhere and run no script"
            ));
        }
    }
    if lower.contains("http://") && lower.replace("http://www.w3.org/2000/svg", "").contains("http://")
        || lower.contains("https://")
    {
        out.push("the page names an address on the network".into());
    }
    for name in names {
        let id = format!("<section id=\"{}\">", anchor(name));
        let Some(start) = page.find(&id) else {
            out.push(format!("no section for {name}"));
            continue;
        };
        let section = &page[start..start + page[start..].find("</section>").unwrap_or(0)];
        if section.matches("<math display=\"block\">").count() < 3 {
            out.push(format!("{name}: fewer than three block formulas"));
        }
        if section.matches("</math>").count() != section.matches("<math").count() {
            out.push(format!("{name}: unbalanced <math> elements"));
        }
        let maths: Vec<&str> =
            section.split("<math").skip(1).map(|m| m.split("</math>").next().unwrap_or("")).collect();
        if maths.iter().any(|m| m.contains('\\')) {
            out.push(format!("{name}: LaTeX left in a formula"));
        }
        if !section.contains("<svg ") {
            out.push(format!("{name}: no inline figure"));
        }
    }
    let svgs = page.matches("<svg ").count();
    if svgs != figures {
        out.push(format!("{svgs} inline SVG figures, {figures} expected"));
    }
    out
}

/// Whether `s` (starting at `on`) is an event handler attribute such as `onload=`.
fn is_handler(s: &str) -> bool {
    let letters = s[2..].chars().take_while(|c| c.is_ascii_lowercase()).count();
    letters > 0 && s[2 + letters..].starts_with('=')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_symbols_become_characters() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(text("x <= 0 & y < 1"), "x ≤ 0 &amp; y &lt; 1");
        assert_eq!(text("[0, inf), infinity"), "[0, ∞), infinity");
        assert_eq!(text("x -> -inf"), "x → −∞");
        assert_eq!(text("|f'| < eps"), "|f&#39;| &lt; ε");
        assert_eq!(text("`<x>` C-infinity"), "<code>&lt;x&gt;</code> C<sup>∞</sup>");
        assert_eq!(
            text("sigma_w^2 = 2 (q* = inf), chi1 = 1 at sigma_b^2 = 0"),
            "σ<sub>w</sub><sup>2</sup> = 2 (q* = ∞), χ<sub>1</sub> = 1 at σ<sub>b</sub><sup>2</sup> = 0"
        );
        // Inside code, nothing is replaced.
        assert_eq!(text("`a->b`"), "<code>a-&gt;b</code>");
    }

    #[test]
    fn anchors_are_fragment_safe() {
        assert_eq!(anchor("gelu_erf"), "gelu_erf");
        assert_eq!(anchor("a b\"<"), "a-b--");
    }

    #[test]
    fn svg_is_inlined_without_its_declaration() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"1\" viewBox=\"0 0 4 4\"><rect/></svg>\n";
        assert_eq!(inline_svg(svg), "<svg role=\"img\" width=\"1\" viewBox=\"0 0 4 4\"><rect/></svg>");
    }

    /// The page checks find what they are for: a script, an address, a missing section, a
    /// formula left in LaTeX, a missing figure.
    #[test]
    fn page_checks_find_problems() {
        let section = |name: &str, math: &str| {
            let block = format!("<math display=\"block\">{math}</math>");
            format!("<section id=\"{name}\">{block}{block}{block}<svg viewBox=\"0 0 1 1\"></svg></section>")
        };
        let good = format!("<html>{}{}</html>", section("relu", "<mi>x</mi>"), section("tanh", "<mn>1</mn>"));
        assert_eq!(problems(&good, &["relu", "tanh"], 2), Vec::<String>::new());
        assert_eq!(problems(&good, &["relu", "tanh", "gelu"], 2), vec!["no section for gelu".to_string()]);
        assert_eq!(problems(&good, &["relu"], 3).len(), 1);
        let script = good.replace("<html>", "<html><script>alert(1)</script>");
        assert!(problems(&script, &["relu"], 2).iter().any(|p| p.contains("<script")));
        let handler = good.replace("<svg ", "<svg onload=\"x()\" ");
        assert!(problems(&handler, &["relu"], 2).iter().any(|p| p.contains("` on`")));
        let remote = good.replace("<html>", "<html><a href=\"https://example.org\">x</a>");
        assert!(!problems(&remote, &["relu"], 2).is_empty());
        let latex = good.replace("<mi>x</mi>", "\\frac{1}{2}");
        assert_eq!(problems(&latex, &["relu"], 2), vec!["relu: LaTeX left in a formula".to_string()]);
        let bare = good.replace(
            "<svg viewBox=\"0 0 1 1\"></svg></section><section id=\"tanh\">",
            "</section><section id=\"tanh\">",
        );
        assert!(problems(&bare, &["relu"], 1).iter().any(|p| p == "relu: no inline figure"));
    }
}

//! The table in Markdown and CSV, each with the legend of every column, and the selection
//! guide. Cells come from [`columns`](super::columns), so the formats cannot disagree
//! (`saturation.json` holds the same columns as typed values: [`json`](super::json)).

use std::fmt::Write;

use activation_core::analysis::vector::{VectorProperties, SIZES};

use super::columns::{columns, vector_columns, Column};
use super::format::sig;
use super::guide::{guide, Advice};
use super::{Entry, VectorEntry};

fn cells(e: &Entry, cols: &[Column]) -> Vec<String> {
    cols.iter().map(|c| (c.value)(&e.props)).collect()
}

fn vector_cells(e: &VectorEntry, cols: &[Column<VectorProperties>]) -> Vec<String> {
    cols.iter().map(|c| (c.value)(&e.props)).collect()
}

/// A Markdown table of `rows` under the headers of `cols`.
fn markdown_table<P>(cols: &[Column<P>], rows: impl Iterator<Item = Vec<String>>) -> String {
    let row =
        |v: Vec<String>| format!("| {} |", v.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | "));
    let mut out = row(cols.iter().map(|c| c.header.to_string()).collect());
    out.push('\n');
    out.push_str(&row(cols.iter().map(|_| "---".to_string()).collect()));
    for r in rows {
        out.push('\n');
        out.push_str(&row(r));
    }
    out
}

/// The Markdown table alone (what `cargo xtask report` prints).
pub fn table(entries: &[Entry]) -> String {
    let cols = columns();
    markdown_table(&cols, entries.iter().map(|e| cells(e, &cols)))
}

/// The vector activations' Markdown table alone.
pub fn vector_table(vectors: &[VectorEntry]) -> String {
    let cols = vector_columns();
    markdown_table(&cols, vectors.iter().map(|e| vector_cells(e, &cols)))
}

/// What the vector table's `d` and `n` mean, for every format.
pub fn vector_intro(epsilon: f64) -> String {
    let sizes: Vec<String> = SIZES.iter().map(|n| n.to_string()).collect();
    format!(
        "Functions of a whole vector of logits x (softmax): the Jacobian J_ik = df_i/dx_k replaces f'. \
         Computed on the gap family x = (d, 0, ..., 0), logit 0 ahead of the others by d, for n = {} logits, \
         with every reduction expanded and J differentiated symbolically, evaluated in MPFR; suprema by a \
         grid over -64 <= d <= 64 refined by golden-section search, against d = +-1e6; saturation gaps by \
         bisection. eps = {}.",
        sizes.join(" and "),
        sig(epsilon)
    )
}

/// `saturation.md`: the table, its legend and the selection guide, then the vector
/// activations' table and its legend.
pub fn markdown(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64) -> String {
    let mut out = String::from("# Gradient saturation of the activations\n\n");
    let _ = writeln!(
        out,
        "Computed from each formula by `cargo xtask report` (ε = {}): symbolic limits, MPFR root finding and \
         quadrature, 6 significant digits. Do not edit: rerun the report.\n",
        sig(epsilon)
    );
    out.push_str(&table(entries));
    out.push_str("\n\n## Legend\n\n");
    let _ = writeln!(out, "ε = {} (`--epsilon`). Left means x -> -inf, right x -> +inf.\n", sig(epsilon));
    for c in columns() {
        let _ = writeln!(out, "- **{}** (`{}`): {}", c.header.replace('|', "\\|"), c.key, c.legend);
    }
    out.push_str(
        "\n## Selection guide\n\nDerived from the properties above; each line names the property that selects it.\n\n",
    );
    for a in guide(&entries.iter().map(|e| e.props.clone()).collect::<Vec<_>>()) {
        out.push_str(&advice_line(&a));
    }
    super::phase::markdown(&mut out, entries);
    if !vectors.is_empty() {
        out.push_str("\n## Vector activations\n\n");
        let _ = writeln!(out, "{}\n", vector_intro(epsilon));
        out.push_str(&vector_table(vectors));
        out.push_str("\n\n### Legend\n\n");
        for c in vector_columns() {
            let _ = writeln!(out, "- **{}** (`{}`): {}", c.header.replace('|', "\\|"), c.key, c.legend);
        }
    }
    out
}

fn advice_line(a: &Advice) -> String {
    let members: Vec<String> = a.members.iter().map(|(n, why)| format!("{n} ({why})")).collect();
    let mut line = format!("- **{}** — {}: {}.\n", a.topic, a.rule, members.join(", "));
    if let Some(note) = &a.note {
        let _ = writeln!(line, "  {}{}.", note[..1].to_uppercase(), &note[1..]);
    }
    line
}

/// One CSV field, quoted when it has to be (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `saturation.csv`: a header row of column keys, then one row per activation. Its legend
/// is the separate `saturation-legend.csv`.
pub fn csv(entries: &[Entry]) -> String {
    let cols = columns();
    csv_text(cols.iter().map(|c| c.key), entries.iter().map(|e| cells(e, &cols)))
}

/// `saturation-vector.csv`: the vector activations' table, as `saturation.csv`.
pub fn vector_csv(vectors: &[VectorEntry]) -> String {
    let cols = vector_columns();
    csv_text(cols.iter().map(|c| c.key), vectors.iter().map(|e| vector_cells(e, &cols)))
}

/// A header line of `keys`, then one line per row, fields quoted where CSV needs it.
fn csv_text<'a>(keys: impl Iterator<Item = &'a str>, rows: impl Iterator<Item = Vec<String>>) -> String {
    let line = |v: Vec<String>| v.iter().map(|s| field(s)).collect::<Vec<_>>().join(",") + "\n";
    let mut out = line(keys.map(str::to_string).collect());
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

/// `saturation-vector-legend.csv`: `column,header,meaning` for `saturation-vector.csv`.
pub fn vector_csv_legend(epsilon: f64) -> String {
    let mut out = String::from("column,header,meaning\n");
    let _ = writeln!(out, "{},{},{}", field("(epsilon)"), field("eps"), field(&format!("eps = {}", sig(epsilon))));
    let _ = writeln!(out, "{},{},{}", field("(family)"), field("d"), field(&vector_intro(epsilon)));
    for c in vector_columns() {
        let _ = writeln!(out, "{},{},{}", field(c.key), field(c.header), field(c.legend));
    }
    out
}

/// `saturation-legend.csv`: `column,header,meaning` for every column of `saturation.csv`.
pub fn csv_legend(epsilon: f64) -> String {
    let mut out = String::from("column,header,meaning\n");
    let _ = writeln!(out, "{},{},{}", field("(epsilon)"), field("eps"), field(&format!("eps = {}", sig(epsilon))));
    for c in columns() {
        let _ = writeln!(out, "{},{},{}", field(c.key), field(c.header), field(c.legend));
    }
    out
}

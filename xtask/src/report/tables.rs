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

/// The widest line `cargo xtask report` prints in its short table.
pub const TERMINAL_WIDTH: usize = 100;

/// The terminal's short table of the scalar activations: a column of [`columns`] or of the
/// signal results' [`columns`](super::phase::columns) by key, with a shorter header. A new
/// column is one more line here.
const TERMINAL: &[(&str, &str)] = &[
    ("activation", "activation"),
    ("range", "range"),
    ("sat_left", "saturated left"),
    ("sat_right", "saturated right"),
    ("gain", "gain"),
    ("edge_chaos", "edge of chaos"),
];

/// Every column the terminal's scalar table can pick: the saturation columns, then the
/// signal results'.
fn terminal_columns() -> Vec<Column> {
    columns().into_iter().chain(super::phase::columns()).collect()
}

/// The terminal's short table of the vector activations, likewise.
const TERMINAL_VECTOR: &[(&str, &str)] = &[
    ("activation", "vector activation"),
    ("range", "range"),
    ("sum", "sum"),
    ("sat_n2", "saturated (n=2)"),
    ("sat_n10", "saturated (n=10)"),
];

/// What `cargo xtask report` prints: the short tables, each line at most
/// [`TERMINAL_WIDTH`] characters, and what their words mean.
pub fn terminal(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64) -> String {
    let mut out = short_table(&terminal_columns(), TERMINAL, entries.iter().map(|e| &e.props));
    let _ = writeln!(
        out,
        "saturated: |f'| < {} beyond that x; gain: 1 / sqrt(E[f(Z)^2]), Z ~ N(0, 1); more in saturation.md",
        sig(epsilon)
    );
    out.push_str("edge of chaos: sigma_w^2 where chi1 = 1 at sigma_b^2 = 0, and whether its q* is stable\n");
    if !vectors.is_empty() {
        out.push('\n');
        out.push_str(&short_table(&vector_columns(), TERMINAL_VECTOR, vectors.iter().map(|v| &v.props)));
        out.push_str("saturated: every |J_ik| < eps beyond that logit gap d, at x = (d, 0, ..., 0) of n logits\n");
    }
    out
}

/// The columns `pick`ed (by key, with their short headers) of `cols`, fitted to
/// [`TERMINAL_WIDTH`].
fn short_table<'a, P: 'a>(cols: &[Column<P>], pick: &[(&str, &str)], rows: impl Iterator<Item = &'a P>) -> String {
    let picked: Vec<(&Column<P>, &str)> = pick
        .iter()
        .map(|(key, header)| (cols.iter().find(|c| c.key == *key).expect("a terminal column is a column"), *header))
        .collect();
    let headers: Vec<&str> = picked.iter().map(|(_, h)| *h).collect();
    let rows: Vec<Vec<String>> = rows.map(|p| picked.iter().map(|(c, _)| (c.value)(p)).collect()).collect();
    fit_table(&headers, &rows, TERMINAL_WIDTH)
}

/// A plain-text table of `headers` over `rows`, columns two spaces apart, at most `width`
/// characters a line: while it is wider, the widest column loses a character, and a cell
/// longer than its column ends in `…`.
pub fn fit_table(headers: &[&str], rows: &[Vec<String>], width: usize) -> String {
    let len = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|h| len(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(len(cell));
        }
    }
    let gaps = 2 * widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > width {
        let widest = (0..widths.len()).max_by_key(|&i| widths[i]).expect("a table has columns");
        if widths[widest] <= 1 {
            break;
        }
        widths[widest] -= 1;
    }
    let line = |cells: Vec<&str>| {
        let fitted: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, &w)| {
                let c = if len(c) > w {
                    format!("{}…", c.chars().take(w - 1).collect::<String>())
                } else {
                    c.to_string()
                };
                format!("{c}{}", " ".repeat(w - len(&c)))
            })
            .collect();
        fitted.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    out.push_str(&line(widths.iter().map(|&w| "-".repeat(w)).collect::<Vec<_>>().iter().map(String::as_str).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widest cells the catalog has, and an edge of chaos with two critical points: every line
    /// still fits in 100 characters, and what is cut says so.
    #[test]
    fn terminal_table_fits_100_columns() {
        let headers = ["activation", "range", "saturated left", "saturated right", "gain", "edge of chaos"];
        let wide = |s: &str| s.to_string();
        let rows = vec![
            vec![
                wide("hardsigmoid"),
                wide("[-0.278465, inf)"),
                wide("x < -6.90575"),
                wide("x > 6.90575"),
                wide("1.84623"),
                wide("106.698 stable"),
            ],
            vec![
                wide("a_very_long_activation_name"),
                wide("(-1.67326, 1.05070)"),
                wide("everywhere"),
                wide("none"),
                wide("1.59254"),
                wide("none"),
            ],
            vec![
                wide("x"),
                wide("[0, 1]"),
                wide("x < -1.23457e-300"),
                wide("x > 1.23457e300"),
                wide("-"),
                wide("0.476771 unstable; 2.84317 stable"),
            ],
        ];
        let table = fit_table(&headers, &rows, TERMINAL_WIDTH);
        assert_eq!(table.lines().count(), 2 + rows.len());
        for line in table.lines() {
            assert!(line.chars().count() <= TERMINAL_WIDTH, "{} characters: {line}", line.chars().count());
        }
        assert!(table.contains('…'), "the long name is cut visibly:\n{table}");
        assert!(table.contains("x > 6.90575"), "short cells stay whole:\n{table}");
        // A table that fits is not cut, and its columns line up.
        let small = fit_table(&["a", "bb"], &[vec![wide("xyz"), wide("1")]], TERMINAL_WIDTH);
        assert_eq!(small, "a    bb\n---  --\nxyz  1\n");
    }

    /// The short tables name columns that exist (a renamed key fails here, not at run time).
    #[test]
    fn terminal_columns_exist() {
        let keys: Vec<&str> = terminal_columns().iter().map(|c| c.key).collect();
        assert!(TERMINAL.iter().all(|(k, _)| keys.contains(k)));
        let keys: Vec<&str> = vector_columns().iter().map(|c| c.key).collect();
        assert!(TERMINAL_VECTOR.iter().all(|(k, _)| keys.contains(k)));
    }
}

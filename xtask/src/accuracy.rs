//! `cargo xtask accuracy [--samples N] [--check] [--only NAME]`: the ULP error of every
//! generated function of the catalog against MPFR, in `f64` and `f32`, beside the
//! textbook formula. A thin front end over `activation_core::accuracy`.

use std::fmt::Write;
use std::time::Instant;

use activation_core::accuracy::{measure, Row, Stats};

/// `--samples N`, `--check`, `--only NAME`: the options of the measuring tasks (`accuracy`,
/// `elementary`).
pub(crate) struct Options {
    pub(crate) samples: usize,
    pub(crate) check: bool,
    pub(crate) only: Option<String>,
}

/// Reads the options, with `samples` inputs unless `--samples` says otherwise; `what` names
/// what `--only` selects.
pub(crate) fn options(args: &[String], samples: usize, what: &str) -> Result<Options, String> {
    let mut o = Options { samples, check: false, only: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--samples" => {
                let v = it.next().ok_or("--samples needs a number")?;
                o.samples = v.parse().map_err(|_| format!("--samples: `{v}` is not a number"))?;
            }
            "--check" => o.check = true,
            "--only" => o.only = Some(it.next().ok_or(format!("--only needs {what}"))?.clone()),
            other => return Err(format!("unknown option `{other}` (accepted: --samples N, --check, --only NAME)")),
        }
    }
    Ok(o)
}

pub fn main(args: &[String]) -> Result<(), String> {
    let o = options(args, 100_000, "an activation name")?;
    let start = Instant::now();
    let activations: Vec<_> =
        activation::catalog::all().into_iter().filter(|a| o.only.as_deref().is_none_or(|n| n == a.name())).collect();
    if activations.is_empty() {
        return Err("no catalog activation matches --only".into());
    }
    // `measure` spreads each function's samples over the cores.
    let rows: Vec<Row> = activations
        .iter()
        .flat_map(|a| {
            eprintln!("measuring {} ...", a.name());
            measure(a.as_ref(), o.samples)
        })
        .collect();
    println!("{}", table(&rows, o.samples));
    eprintln!("{} functions, {} inputs each per precision, in {:.1?}", rows.len(), o.samples, start.elapsed());
    let over_bar: Vec<String> = rows.iter().flat_map(|r| violations(r, |s| (s.over_bar, s.first_over_bar))).collect();
    if !over_bar.is_empty() {
        eprintln!("beyond the accuracy bar 4 + 4·cond ULPs:\n  {}", over_bar.join("\n  "));
    }
    let bad: usize = rows.iter().map(|r| r.ours_f64.non_finite_or_zero + r.ours_f32.non_finite_or_zero).sum();
    if o.check && (!over_bar.is_empty() || bad > 0) {
        return Err(format!(
            "{} functions break the accuracy bar, {bad} results are NaN, inf or 0 where the truth is normal",
            over_bar.len()
        ));
    }
    Ok(())
}

type Pick = fn(&Stats) -> (usize, Option<(f64, f64, f64)>);

fn violations(r: &Row, pick: Pick) -> Vec<String> {
    [("f64", &r.ours_f64), ("f32", &r.ours_f32)]
        .into_iter()
        .filter_map(|(ty, s)| {
            let (n, first) = pick(s);
            let (x, u, b) = first?;
            (n > 0).then(|| {
                format!(
                    "{} {} ({ty}): {n} samples, e.g. x = {x:e}: {u:.3e} ULPs, bound {b:.1}",
                    r.activation, r.function
                )
            })
        })
        .collect()
}

fn ulps(v: f64) -> String {
    if v.is_infinite() {
        "inf".into()
    } else if v >= 1e4 {
        format!("{v:.1e}")
    } else {
        format!("{v:.2}")
    }
}

fn cell(s: &Stats) -> String {
    format!("{} / {}", ulps(s.max_ulps), ulps(s.mean_ulps))
}

/// The Markdown table: max / mean ULPs per function, ours beside the textbook formula.
pub fn table(rows: &[Row], samples: usize) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "ULP error against MPFR, max / mean over {samples} inputs per precision (samples whose truth is \
         subnormal are left out of max and mean and counted under `subn.`: they must only be 0 or of the \
         truth's sign); worst input of ours; `bad`: results NaN, inf or 0 where the truth is a finite \
         nonzero normal number; `over`: samples beyond the bar 4 + 4·cond ULPs, or not exact where MPFR \
         certifies an exactly representable truth.\n"
    )
    .unwrap();
    writeln!(out, "| activation | function | ours f64 | worst x (f64) | ours f32 | worst x (f32) | textbook f64 | textbook f32 | subn. | bad | over |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|").unwrap();
    for r in rows {
        let (a, b) = (&r.ours_f64, &r.ours_f32);
        writeln!(
            out,
            "| {} | {} | {} | {:e} | {} | {:e} | {} | {} | {} | {} | {} |",
            r.activation,
            r.function,
            cell(a),
            a.worst_x,
            cell(b),
            b.worst_x,
            cell(&r.textbook_f64),
            cell(&r.textbook_f32),
            a.subnormal + b.subnormal,
            a.non_finite_or_zero + b.non_finite_or_zero,
            a.over_bar + b.over_bar,
        )
        .unwrap();
    }
    out
}

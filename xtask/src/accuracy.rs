//! `cargo xtask accuracy [--samples N] [--check] [--only NAME]`: the ULP error of every
//! generated function of the catalog against MPFR, in `f64` and `f32`, beside the
//! textbook formula. A thin front end over `activation_core::accuracy`.

use std::fmt::Write;
use std::time::Instant;

use activation_core::accuracy::{measure, Row, Stats};

struct Options {
    samples: usize,
    check: bool,
    only: Option<String>,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options { samples: 100_000, check: false, only: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--samples" => {
                let v = it.next().ok_or("--samples needs a number")?;
                o.samples = v.parse().map_err(|_| format!("--samples: `{v}` is not a number"))?;
            }
            "--check" => o.check = true,
            "--only" => o.only = Some(it.next().ok_or("--only needs an activation name")?.clone()),
            other => return Err(format!("unknown option `{other}` (accepted: --samples N, --check, --only NAME)")),
        }
    }
    Ok(o)
}

pub fn main(args: &[String]) -> Result<(), String> {
    let o = options(args)?;
    let start = Instant::now();
    let activations: Vec<_> =
        activation::catalog::all().into_iter().filter(|a| o.only.as_deref().is_none_or(|n| n == a.name())).collect();
    if activations.is_empty() {
        return Err("no catalog activation matches --only".into());
    }
    // Two workers: the machines have two cores, and each activation is independent.
    let rows: Vec<Row> = std::thread::scope(|s| {
        let chunks: Vec<_> = activations.chunks(activations.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .flat_map(|a| {
                            eprintln!("measuring {} ...", a.name());
                            measure(a.as_ref(), o.samples)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a measuring thread")).collect()
    });
    println!("{}", table(&rows, o.samples));
    eprintln!("{} functions, {} inputs each per precision, in {:.1?}", rows.len(), o.samples, start.elapsed());
    let broken: Vec<String> = rows.iter().flat_map(violations).collect();
    if !broken.is_empty() {
        eprintln!("beyond the bound 4 + 4·cond ULPs:\n  {}", broken.join("\n  "));
        if o.check {
            return Err(format!("{} functions break the accuracy bound", broken.len()));
        }
    }
    Ok(())
}

fn violations(r: &Row) -> Vec<String> {
    [("f64", &r.ours_f64), ("f32", &r.ours_f32)]
        .into_iter()
        .filter(|(_, s)| s.violations > 0)
        .map(|(ty, s)| {
            let (x, u, b) = s.first_violation.unwrap_or_default();
            format!("{} {} ({ty}): {} samples, e.g. x = {x:e}: {u:.3e} ULPs, bound {b:.1}", r.activation, r.function, s.violations)
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
    writeln!(out, "ULP error against MPFR (max / mean over {samples} inputs per precision); worst input of ours; \
                   bad = results that are NaN, inf or 0 where the truth is a finite nonzero normal number; \
                   over = samples beyond 4 + 4·cond ULPs.\n").unwrap();
    writeln!(out, "| activation | function | ours f64 | worst x (f64) | ours f32 | worst x (f32) | textbook f64 | textbook f32 | ours bad | ours over |").unwrap();
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|").unwrap();
    for r in rows {
        writeln!(
            out,
            "| {} | {} | {} | {:e} | {} | {:e} | {} | {} | {} | {} |",
            r.activation,
            r.function,
            cell(&r.ours_f64),
            r.ours_f64.worst_x,
            cell(&r.ours_f32),
            r.ours_f32.worst_x,
            cell(&r.textbook_f64),
            cell(&r.textbook_f32),
            r.ours_f64.non_finite_or_zero + r.ours_f32.non_finite_or_zero,
            r.ours_f64.violations + r.ours_f32.violations,
        )
        .unwrap();
    }
    out
}

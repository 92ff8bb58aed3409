//! `cargo xtask`: the project's tasks in plain Rust (see `.cargo/config.toml`).
//!
//! - `cargo xtask report [--epsilon E] [--src DIR] [--out DIR] [--check] [--json]`: the
//!   gradient-saturation report of every `#[activation]` (HTML, LaTeX, Markdown/CSV/JSON
//!   tables, SVG plots).
//! - `cargo xtask html-check [--page FILE] [--save PNG]`: the HTML report in headless
//!   Chromium: a non-blank first screen, MathML laid out.
//! - `cargo xtask accuracy [--samples N] [--check]`: ULP error of every generated function
//!   against MPFR, beside the textbook formula.
//! - `cargo xtask fit [--check]`: the polynomial coefficients of the runtime's elementary
//!   functions, fitted in MPFR (writes `activation-runtime/src/math/coefficients.rs`).
//! - `cargo xtask elementary [--samples N] [--check]`: ULP error of those functions
//!   against MPFR, in `f32` and `f64`.
//! - `cargo xtask bench [--quick]`: the slice kernels beside hand-written vectorised and
//!   libm kernels, default and `target-cpu=native` builds (writes `docs/speed.md`);
//!   `--compare A B …`: bench executables of two commits run in turns, minima, ratios.
//! - `cargo xtask fuzz [--seed S] [--count N] [--fail-on CLASSES]`: random formulas from the
//!   grammar of `docs/fuzz.md`, expanded, compiled and checked; a table by failure class
//!   with minimal reproducers.

mod accuracy;
mod bench;
mod elementary;
mod fit;
mod fuzz;
mod html_check;
mod report;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((t, rest)) => (t.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "report" => report::main(rest),
        "html-check" => html_check::main(rest),
        "accuracy" => accuracy::main(rest),
        "fit" => fit::main(rest),
        "elementary" => elementary::main(rest),
        "bench" => bench::main(rest),
        "fuzz" => fuzz::main(rest),
        "help" | "--help" | "-h" => {
            println!("{}", usage());
            Ok(())
        }
        other => Err(format!("unknown task `{other}`\n\n{}", usage())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> &'static str {
    "usage: cargo xtask <task> [options]\n\n\
     tasks:\n  \
     report     HTML, LaTeX, tables and plots of every activation's gradient behaviour\n  \
     html-check the HTML report in headless Chromium: first screen not blank, MathML laid out\n  \
     accuracy   ULP error of every generated function against MPFR, beside the textbook formula\n  \
     fit        minimax coefficients of the runtime's elementary functions (MPFR), `--check`: stale?\n  \
     elementary ULP error of the runtime's exp, ln, tanh, erf, sin, ... against MPFR\n  \
     bench      slice kernels against hand-written SIMD and libm, default and native builds;\n             `--compare A B [--filter R]`: bench executables in turns, fastest samples, ratios\n  \
     fuzz       random formulas: expansion (panics, hangs, time), compiled checks, failure table"
}

/// The workspace root (the xtask lives in `<root>/xtask`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

//! `cargo xtask report [--epsilon E] [--src DIR] [--out DIR] [--check] [--json]`: the
//! gradient-saturation report
//! of every `#[activation]` in the workspace (or in DIR). `activation_core::analysis`
//! computes every value, as typed properties; everything people read is made here: the
//! columns and their legends (`columns`), numbers and properties as text (`format`), the
//! selection guide (`guide`), and the output formats.
//!
//! Writes into `activation-report/` in the target directory of the crate reported
//! (`$CARGO_TARGET_DIR` when set; see `out`), or into `--out DIR`: `index.html`
//! (self-contained: formulas in MathML, plots inline: `html`), `report.tex` (and `report.pdf` when `pdflatex`
//! is on PATH), `saturation.md`, `saturation.csv` with `saturation-legend.csv`,
//! `saturation.json` (typed values, written with serde: `json`), `plots/NAME.svg` and the
//! signal-propagation phase diagram `plots/NAME-phase.svg` (`phase`).
//! Vector activations (softmax) have their own table: a section of `saturation.md` and
//! `report.tex`, `saturation-vector.csv` with `saturation-vector-legend.csv`, the `"vector"`
//! member of `saturation.json`; their plots show component 0 along the gap `x = (d, 0)`. A
//! default run (workspace sources, default ε) also refreshes the committed
//! `docs/saturation.md`, which `--check` compares instead of writing anything; `--check`
//! also builds the page and the terminal table in memory and fails when the page is not
//! self-contained and script-free with every activation's formulas in MathML and figures
//! inline, or a line of the table is wider than 100 characters.
//!
//! The terminal gets a progress line while the analysis runs (stderr), a short table
//! (`tables::terminal`) and the paths written; with `--json`, stdout is `saturation.json`
//! alone and everything else goes to stderr.

mod columns;
mod format;
mod guide;
mod html;
mod json;
mod latex;
pub(crate) mod out;
mod phase;
mod plot;
mod tables;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use activation_core::analysis::vector::{analyse_vector, VectorProperties};
use activation_core::analysis::{analyse, Properties, DEFAULT_EPSILON};
use activation_core::discover::{find_in_source, find_vectors_in_source, Found};
use activation_core::{derive, Definition, Derived};

use crate::workspace_root;

/// The committed table, relative to the workspace root.
const COMMITTED: &str = "docs/saturation.md";

struct Options {
    epsilon: f64,
    src: Option<PathBuf>,
    out: Option<PathBuf>,
    check: bool,
    json: bool,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options { epsilon: DEFAULT_EPSILON, src: None, out: None, check: false, json: false };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--epsilon" => {
                let v = it.next().ok_or("--epsilon needs a number")?;
                o.epsilon = v.parse().ok().filter(|e: &f64| *e > 0.0).ok_or(format!("--epsilon: `{v}` is not > 0"))?;
            }
            "--src" => o.src = Some(PathBuf::from(it.next().ok_or("--src needs a directory")?)),
            "--out" => o.out = Some(PathBuf::from(it.next().ok_or("--out needs a directory")?)),
            "--check" => o.check = true,
            "--json" => o.json = true,
            other => {
                return Err(format!(
                    "unknown option `{other}` (accepted: --epsilon E, --src DIR, --out DIR, --check, --json)"
                ))
            }
        }
    }
    if o.check && (o.src.is_some() || o.epsilon != DEFAULT_EPSILON) {
        return Err(format!("--check compares {COMMITTED}, made with the defaults: drop --src and --epsilon"));
    }
    if o.check && (o.json || o.out.is_some()) {
        return Err("--check writes nothing and prints no table: drop --json and --out".into());
    }
    Ok(o)
}

/// One analysed activation: its definition, forms and properties.
pub struct Entry {
    pub def: Definition,
    pub derived: Derived,
    pub props: Properties,
}

/// One analysed vector activation: its definition, its properties, and component 0 along
/// the gap `x = (d, 0)` as a scalar entry (for the plot).
pub struct VectorEntry {
    pub def: Definition,
    pub props: VectorProperties,
    pub along: Entry,
}

pub fn main(args: &[String]) -> Result<(), String> {
    let o = options(args)?;
    let root = workspace_root();
    let dirs = match &o.src {
        Some(dir) => vec![dir.clone()],
        None => source_dirs(&root),
    };
    let (entries, vectors) = analyse_sources(&dirs, o.epsilon)?;
    let markdown = tables::markdown(&entries, &vectors, o.epsilon);
    let short = tables::terminal(&entries, &vectors, o.epsilon);
    if o.check {
        check(&root.join(COMMITTED), &markdown)?;
        return check_outputs(&entries, &vectors, o.epsilon, &short);
    }
    // With `--json`, stdout carries the JSON alone: people's text goes to stderr.
    let say = |s: &str| if o.json { eprintln!("{s}") } else { println!("{s}") };
    // An explicit `--out` wins; else the reported crate's target directory (`out`).
    let out = match &o.out {
        Some(dir) => dir.clone(),
        None => out::report_dir(&root, o.src.as_deref(), std::env::var_os("CARGO_TARGET_DIR")),
    };
    let json = json::json(&entries, &vectors, o.epsilon);
    let mut written = write_all(&out, &entries, &vectors, o.epsilon, &markdown, &json)?;
    if o.src.is_none() && o.epsilon == DEFAULT_EPSILON {
        write(&root.join(COMMITTED), &markdown)?;
        written.push(root.join(COMMITTED));
    }
    say(&short);
    say(&written_list(&root, &written));
    if o.json {
        print!("{json}");
    }
    Ok(())
}

/// `wrote:` and the paths written, relative to the workspace root where they are under
/// it, the plots folded into one line.
fn written_list(root: &Path, written: &[PathBuf]) -> String {
    let show = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    let svgs = written.iter().filter(|p| p.parent().is_some_and(|d| d.ends_with("plots"))).count();
    let mut lines = vec!["wrote:".to_string()];
    let mut plots_shown = false;
    for p in written {
        match p.parent().filter(|d| d.ends_with("plots")) {
            Some(dir) if !plots_shown => {
                lines.push(format!("  {}/*.svg ({svgs} plots)", show(dir)));
                plots_shown = true;
            }
            Some(_) => {}
            None => lines.push(format!("  {}", show(p))),
        }
    }
    lines.join("\n")
}

/// The SVG figures of every activation, by name: its plot (written to `plots/NAME.svg`) and,
/// for a scalar activation, its phase diagram (`plots/NAME-phase.svg`).
fn figures(entries: &[Entry], vectors: &[VectorEntry]) -> Result<html::Figures, String> {
    let mut figures = html::Figures::new();
    for e in entries {
        let svg = plot::svg(e).map_err(|err| format!("plot of {}: {err}", e.def.name))?;
        let plot = html::Figure {
            file: format!("plots/{}.svg", e.def.name),
            caption: format!("f (blue) and f' (orange); grey where |f'| < eps = {}", format::sig(e.props.epsilon)),
            svg,
        };
        let phase = html::Figure {
            file: format!("plots/{}-phase.svg", e.def.name),
            caption: phase::CAPTION.into(),
            svg: phase::svg(e).map_err(|err| format!("phase diagram of {}: {err}", e.def.name))?,
        };
        figures.entry(e.def.name.clone()).or_default().extend([plot, phase]);
    }
    for v in vectors {
        let svg = plot::vector_svg(v).map_err(|err| format!("plot of {}: {err}", v.def.name))?;
        let caption = format!(
            "component 0 and df0/dx0 along x = (d, 0); grey where every |J_ik| < eps = {}",
            format::sig(v.props.epsilon)
        );
        let plot = html::Figure { file: format!("plots/{}.svg", v.def.name), caption, svg };
        figures.entry(v.def.name.clone()).or_default().push(plot);
    }
    Ok(figures)
}

/// The outputs `--check` builds in memory rather than compares: the page and the terminal
/// table.
fn check_outputs(entries: &[Entry], vectors: &[VectorEntry], epsilon: f64, short: &str) -> Result<(), String> {
    let figures = figures(entries, vectors)?;
    let page = html::document(entries, vectors, epsilon, &figures);
    let names: Vec<&str> =
        entries.iter().map(|e| &e.def).chain(vectors.iter().map(|v| &v.def)).map(|d| d.name.as_str()).collect();
    let mut problems = html::problems(&page, &names, figures.values().map(Vec::len).sum());
    let wide = short.lines().filter(|l| l.chars().count() > tables::TERMINAL_WIDTH);
    problems.extend(wide.map(|l| format!("terminal line wider than {} characters: {l}", tables::TERMINAL_WIDTH)));
    if problems.is_empty() {
        println!("index.html and the terminal table pass their checks");
        Ok(())
    } else {
        Err(format!("the report's outputs fail their checks:\n  {}", problems.join("\n  ")))
    }
}

/// Finds every `#[activation]` in `dirs` and analyses it: the scalar activations on all
/// cores, the vector ones beside them.
fn analyse_sources(dirs: &[PathBuf], epsilon: f64) -> Result<(Vec<Entry>, Vec<VectorEntry>), String> {
    let (defs, vector_defs) = (discover(dirs, find_in_source)?, discover(dirs, find_vectors_in_source)?);
    if defs.is_empty() && vector_defs.is_empty() {
        return Err("no `#[activation]` function found".into());
    }
    Ok(std::thread::scope(|s| {
        let vectors = s.spawn(|| analyse_vectors(&vector_defs, epsilon));
        (analyse_all(defs, epsilon), vectors.join().expect("the vector analysis did not panic"))
    }))
}

/// Every output file, and the PDF when `pdflatex` is there; returns the paths written.
fn write_all(
    out: &Path,
    entries: &[Entry],
    vectors: &[VectorEntry],
    epsilon: f64,
    markdown: &str,
    json: &str,
) -> Result<Vec<PathBuf>, String> {
    // A fresh plots folder: a plot of an activation no longer reported must not linger.
    let plots = out.join("plots");
    if plots.exists() {
        std::fs::remove_dir_all(&plots).map_err(|e| format!("{}: {e}", plots.display()))?;
    }
    std::fs::create_dir_all(&plots).map_err(|e| format!("{}: {e}", out.display()))?;
    let figures = figures(entries, vectors)?;
    let files = [
        ("index.html", html::document(entries, vectors, epsilon, &figures)),
        ("saturation.md", markdown.to_string()),
        ("saturation.csv", tables::csv(entries)),
        ("saturation-legend.csv", tables::csv_legend(epsilon)),
        ("saturation-vector.csv", tables::vector_csv(vectors)),
        ("saturation-vector-legend.csv", tables::vector_csv_legend(epsilon)),
        ("saturation.json", json.to_string()),
        ("report.tex", latex::document(entries, vectors, epsilon)),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        write(&out.join(name), &text)?;
        written.push(out.join(name));
    }
    for f in figures.values().flatten() {
        write(&out.join(&f.file), &f.svg)?;
        written.push(out.join(&f.file));
    }
    if pdf(out)? {
        written.push(out.join("report.pdf"));
    }
    Ok(written)
}

/// Runs `pdflatex` on `report.tex` when it is on PATH (twice, for the table of contents);
/// whether it did.
fn pdf(out: &Path) -> Result<bool, String> {
    if Command::new("pdflatex").arg("--version").output().is_err() {
        eprintln!("pdflatex not found: report.tex written, report.pdf skipped");
        return Ok(false);
    }
    for _ in 0..2 {
        let run = Command::new("pdflatex")
            .args(["-halt-on-error", "-interaction=nonstopmode", "report.tex"])
            .current_dir(out)
            .output()
            .map_err(|e| format!("pdflatex: {e}"))?;
        if !run.status.success() {
            let log = String::from_utf8_lossy(&run.stdout);
            let tail: Vec<&str> = log.lines().rev().take(25).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(format!("pdflatex failed on {}/report.tex:\n{}", out.display(), tail.join("\n")));
        }
    }
    Ok(true)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Fails with a diff hint when the committed table differs from `fresh`.
fn check(committed: &Path, fresh: &str) -> Result<(), String> {
    let old = std::fs::read_to_string(committed).unwrap_or_default();
    if old == fresh {
        println!("{} is up to date", committed.display());
        return Ok(());
    }
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (old.lines().collect(), fresh.lines().collect());
    let mut diff = Vec::new();
    for i in 0..old_lines.len().max(new_lines.len()) {
        let (a, b) = (old_lines.get(i), new_lines.get(i));
        if a != b {
            diff.extend(a.map(|l| format!("  - {l}")));
            diff.extend(b.map(|l| format!("  + {l}")));
        }
        if diff.len() >= 12 {
            diff.push("  ...".into());
            break;
        }
    }
    Err(format!(
        "{} differs from what the analysis computes now (a formula, a rewrite or the analysis changed).\nFirst differing lines (- committed, + computed):\n{}\n\
         Run `cargo xtask report` to refresh it, review `git diff {COMMITTED}`, and commit it.",
        committed.display(),
        diff.join("\n")
    ))
}

/// The source directories of the workspace: `src/` of the root package and of every
/// published member crate (any directory holding a `Cargo.toml` without `publish =
/// false`), skipping `target/`. Unpublished crates (`frameworks/`, `tests/reexport/`) hold
/// test fixtures, not activations to report.
fn source_dirs(root: &Path) -> Vec<PathBuf> {
    let unpublished = |dir: &Path| {
        std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().any(|l| l.split_whitespace().collect::<String>() == "publish=false"))
    };
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.join("Cargo.toml").is_file() && dir.join("src").is_dir() && !unpublished(&dir) {
            out.push(dir.join("src"));
        }
        for sub in subdirs(&dir) {
            let name = sub.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !(name.starts_with('.') || name == "target" || name == "src") {
                stack.push(sub);
            }
        }
    }
    out.sort();
    out
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<PathBuf> = read.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

/// Every `.rs` file under `dirs`, in path order, skipping `target/` and hidden directories.
fn rust_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(dir) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else { continue };
        for path in read.filter_map(|e| e.ok()).map(|e| e.path()) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() && !(name.starts_with('.') || name == "target") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The `#[activation]` functions in `dirs` that `find` picks (the scalar or the vector
/// ones), parsed by the macro's own parser. Files and functions the macro would reject are
/// reported and skipped; a name seen twice keeps its first definition.
fn discover<E: std::fmt::Display>(
    dirs: &[PathBuf],
    find: fn(&str) -> Result<Vec<Found>, E>,
) -> Result<Vec<Definition>, String> {
    for d in dirs {
        if !d.is_dir() {
            return Err(format!("{} is not a directory", d.display()));
        }
    }
    let mut defs: Vec<Definition> = Vec::new();
    for file in rust_files(dirs) {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        if !text.contains("activation") {
            continue;
        }
        let found = match find(&text) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("skipping {}: {e}", file.display());
                continue;
            }
        };
        for f in found {
            match f.definition {
                Ok(d) if defs.iter().any(|o| o.name == d.name) => {
                    eprintln!("skipping {} in {}: an activation of that name came first", d.name, file.display())
                }
                Ok(d) => defs.push(d),
                Err(e) => eprintln!("skipping `{}` in {}: {e}", f.item.sig.ident, file.display()),
            }
        }
    }
    Ok(defs)
}

/// Analyses every definition on all cores, with a progress bar once it takes over a second.
fn analyse_all(defs: Vec<Definition>, epsilon: f64) -> Vec<Entry> {
    let n = defs.len();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Entry>>> = Mutex::new((0..n).map(|_| None).collect());
    let (done_tx, done_rx) = mpsc::channel::<String>();
    let workers = std::thread::available_parallelism().map_or(1, |c| c.get()).min(n);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let done = done_tx.clone();
            let (next, results, defs) = (&next, &results, &defs);
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(def) = defs.get(i) else { break };
                let entry = analyse_one(def, epsilon);
                results.lock().expect("no worker panicked")[i] = entry;
                let _ = done.send(def.name.clone());
            });
        }
        drop(done_tx);
        progress(&done_rx, n);
    });
    results.into_inner().expect("no worker panicked").into_iter().flatten().collect()
}

fn analyse_one(def: &Definition, epsilon: f64) -> Option<Entry> {
    let derived = match derive(def) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("skipping {}: {e}", def.name);
            return None;
        }
    };
    match analyse(def, epsilon) {
        Ok(props) => Some(Entry { def: def.clone(), derived, props }),
        Err(e) => {
            eprintln!("skipping {}: {e}", def.name);
            None
        }
    }
}

/// Analyses every vector activation, one thread each.
fn analyse_vectors(defs: &[Definition], epsilon: f64) -> Vec<VectorEntry> {
    std::thread::scope(|s| {
        let jobs: Vec<_> = defs.iter().map(|def| s.spawn(move || analyse_vector_one(def, epsilon))).collect();
        jobs.into_iter().filter_map(|j| j.join().expect("the vector analysis did not panic")).collect()
    })
}

fn analyse_vector_one(def: &Definition, epsilon: f64) -> Option<VectorEntry> {
    let props = match analyse_vector(def, epsilon) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("skipping {}: {e}", def.name);
            return None;
        }
    };
    match derive(&props.along) {
        Ok(derived) => {
            let along = Entry { def: props.along.clone(), derived, props: props.along_props.clone() };
            Some(VectorEntry { def: def.clone(), props, along })
        }
        Err(e) => {
            eprintln!("skipping {}: f_0(d, 0): {e}", def.name);
            None
        }
    }
}

/// Draws `[#####     ] 7/19 gelu` on stderr (a terminal only) from the first second on.
fn progress(done: &mpsc::Receiver<String>, n: usize) {
    let start = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let (mut count, mut last) = (0, String::new());
    let mut drawn = false;
    loop {
        match done.recv_timeout(Duration::from_millis(100)) {
            Ok(name) => {
                count += 1;
                last = name;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if tty && start.elapsed() > Duration::from_secs(1) {
            let width = 30;
            let filled = width * count / n.max(1);
            eprint!("\r[{}{}] {count}/{n} {last:<16}", "#".repeat(filled), " ".repeat(width - filled));
            let _ = std::io::stderr().flush();
            drawn = true;
        }
    }
    if drawn {
        eprintln!();
    }
}

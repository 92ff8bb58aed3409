//! `cargo xtask bench [--quick] [--only default|native|threads] [--from FILE] [--out FILE]`:
//! runs `cargo bench --bench kernels` twice — a default build and `-C target-cpu=native` — and
//! `cargo bench --bench parallel --features rayon` once (default build), and writes the
//! record of the runs into `docs/speed.md`: a summary of every kernel against its target
//! (f32 and f64 forward and backward of sigmoid, tanh, silu, swish, GELU, elu, selu and
//! softplus within 1.5× of the hand-written vectorised kernel, every other kernel within
//! 3×); per activation, kernel and length, nanoseconds per element of ours, of the
//! hand-written vectorised kernel and of the per-element libm formula, and the ratios ours
//! / vectorised; and the `rayon` split against the same kernel on one thread. Each figure
//! is the fastest of divan's samples; ratios compare figures of one run. `--quick` skips
//! the 16 M-input benches; `--only` runs one of the three; `--from FILE` takes the kernel
//! figures from a record written earlier instead of running them (a new layout, a threads
//! run added).
//!
//! `cargo xtask bench --compare A B … [--filter REGEX] [--rounds R] [--samples S]` compares
//! bench binaries already built (`cargo bench --bench kernels --no-run` at two commits,
//! the executables copied aside): it runs them in turns, R rounds (default 2) of S divan
//! samples (default 40) each, takes each benchmark's fastest sample over the rounds, and
//! prints nanoseconds per element and the ratio of each binary to the first, with their
//! geometric mean. On a shared machine this is how one change is measured: in one run,
//! alternating, minima.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// (precision, kernel, implementation, length, activation) → fastest seconds.
type Times = BTreeMap<(String, String, String, usize, String), f64>;

/// How the task is called (the module's documentation, in short).
const USAGE: &str =
    "usage: cargo xtask bench [--quick] [--only default|native|threads] [--from FILE] [--out FILE]\n       \
     cargo xtask bench --compare A B ... [--filter REGEX] [--rounds R] [--samples S]";

pub fn main(args: &[String]) -> Result<(), String> {
    if let Some(i) = args.iter().position(|a| a == "--compare") {
        return compare(&args[i + 1..]);
    }
    // Anything else than the options above is refused before a run (a run rewrites
    // `docs/speed.md`): `--help` prints the usage.
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--quick" => {}
            "--only" | "--out" | "--from" => {
                rest.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    let quick = args.iter().any(|a| a == "--quick");
    let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).cloned();
    let out = out.unwrap_or_else(|| "docs/speed.md".into());
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let filter = if quick { vec!["--skip".to_string(), "16777216".to_string()] } else { vec![] };
    let from = args.iter().position(|a| a == "--from").and_then(|i| args.get(i + 1)).cloned();
    let cpu = cpu_name();
    let mut runs: Vec<(String, Times)> = Vec::new();
    let command = std::iter::once("cargo xtask bench").chain(args.iter().map(String::as_str));
    let mut written_by = format!("`{}`", command.collect::<Vec<_>>().join(" "));
    if let Some(from) = &from {
        // The kernel figures of an earlier record, re-rendered (a new summary, a threads run).
        let text = std::fs::read_to_string(from).map_err(|e| format!("reading {from}: {e}"))?;
        runs = from_markdown(&text);
        if runs.is_empty() {
            return Err(format!("{from} holds no kernel tables"));
        }
        let original = text.split("Written by `").nth(1).and_then(|r| r.split('`').next()).unwrap_or("?");
        written_by = format!("{written_by} (the kernel figures: `{original}`)");
    }
    for (label, flags, dir) in [
        ("default build (`cargo bench`)", "", "target/bench-default"),
        ("`RUSTFLAGS=\"-C target-cpu=native\"`", "-C target-cpu=native", "target/bench-native"),
    ] {
        if from.is_some() || only.as_deref().is_some_and(|o| !dir.ends_with(o)) {
            continue;
        }
        eprintln!("bench: {label}");
        let text = run_divan("kernels", &[], flags, dir, &filter)?;
        runs.push((label.to_string(), parse(&text)));
    }
    let threads = if only.as_deref().is_none_or(|o| o == "threads") {
        eprintln!("bench: threads (rayon)");
        let text = run_divan("parallel", &["--features", "rayon"], "", "target/bench-default", &filter)?;
        Some(parse_threads(&text))
    } else {
        None
    };
    let report = render(&cpu, &runs, threads.as_ref(), &written_by);
    std::fs::write(&out, report).map_err(|e| format!("writing {out}: {e}"))?;
    println!("wrote {out}");
    Ok(())
}

fn run_divan(
    bench: &str,
    features: &[&str],
    flags: &str,
    target_dir: &str,
    filter: &[String],
) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["bench", "--bench", bench])
        .args(features)
        .arg("--")
        .args(filter)
        .env("RUSTFLAGS", flags)
        .env("CARGO_TARGET_DIR", root.join(target_dir))
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo bench failed:\n{}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `--compare A B … [--filter REGEX] [--rounds R] [--samples S]`: see the module's doc.
fn compare(args: &[String]) -> Result<(), String> {
    let bins: Vec<&String> = args.iter().take_while(|a| !a.starts_with("--")).collect();
    if bins.len() < 2 {
        return Err("--compare needs two or more bench executables (built with `cargo bench --no-run`)".into());
    }
    let option = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let number = |name: &str, default: usize| -> Result<usize, String> {
        option(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("{name} takes a number, not {v}")))
    };
    let (rounds, samples) = (number("--rounds", 2)?, number("--samples", 40)?);
    let filter = option("--filter").cloned();
    let mut best: Vec<BTreeMap<(String, usize, String), f64>> = vec![BTreeMap::new(); bins.len()];
    for round in 0..rounds {
        for (bin, best) in bins.iter().zip(&mut best) {
            eprintln!("round {} of {rounds}: {bin}", round + 1);
            let mut command = Command::new(bin);
            command.args(["--bench", "--sample-count", &samples.to_string()]).env("NO_COLOR", "1");
            command.args(filter.iter());
            let output = command.output().map_err(|e| format!("{bin}: {e}"))?;
            if !output.status.success() {
                return Err(format!("{bin} failed:\n{}", String::from_utf8_lossy(&output.stderr)));
            }
            for (bench, len, label, t) in tree(&String::from_utf8_lossy(&output.stdout)) {
                let slot = best.entry((bench, len, label)).or_insert(f64::INFINITY);
                *slot = slot.min(t);
            }
        }
    }
    if best[0].is_empty() {
        return Err("no benchmark matched".into());
    }
    print!("{}", comparison_table(&bins, &best));
    Ok(())
}

/// The table `--compare` prints: ns per element of each binary, each one's ratio to the
/// first, and the geometric mean of those ratios.
fn comparison_table(bins: &[&String], best: &[BTreeMap<(String, usize, String), f64>]) -> String {
    let mut s = String::new();
    let names: Vec<String> = bins.iter().map(|b| format!("`{b}`")).collect();
    writeln!(
        s,
        "| benchmark | length | {} | {} |",
        names.join(" | "),
        names[1..].iter().map(|n| format!("{n} / first")).collect::<Vec<_>>().join(" | ")
    )
    .unwrap();
    writeln!(s, "| --- | ---: |{}", " ---: |".repeat(2 * bins.len() - 1)).unwrap();
    let mut logs = vec![(0.0, 0usize); bins.len()];
    for ((bench, len, label), &first) in &best[0] {
        let key = (bench.clone(), *len, label.clone());
        let per = |t: f64| t / (*len).max(1) as f64 * 1e9;
        let times: Vec<Option<f64>> = best.iter().map(|b| b.get(&key).copied()).collect();
        let cells: Vec<String> = times.iter().map(|t| t.map_or("–".into(), |t| format!("{:.3}", per(t)))).collect();
        let mut ratios = Vec::new();
        for (i, t) in times.iter().enumerate().skip(1) {
            ratios.push(t.map_or("–".into(), |t| {
                logs[i].0 += (t / first).ln();
                logs[i].1 += 1;
                format!("{:.2}", t / first)
            }));
        }
        writeln!(s, "| {bench} {label} | {len} | {} | {} |", cells.join(" | "), ratios.join(" | ")).unwrap();
    }
    let means: Vec<String> =
        logs[1..].iter().map(|&(sum, n)| format!("{:.3}", (sum / n.max(1) as f64).exp())).collect();
    writeln!(s, "\ngeometric mean of the ratios to the first: {}", means.join(", ")).unwrap();
    s
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Reads divan's tree of the kernels bench (see [`tree`]): the bench name is
/// `<precision>_<kernel>_<implementation>`.
fn parse(text: &str) -> Times {
    let mut times = Times::new();
    for (bench, len, label, t) in tree(text) {
        let parts: Vec<&str> = bench.splitn(3, '_').collect();
        if let [precision, kernel, implementation] = parts[..] {
            times.insert((precision.into(), kernel.into(), implementation.into(), len, label), t);
        }
    }
    times
}

/// The kernel tables of a record this task wrote: `## <build>`, `### <precision>, <n>
/// inputs`, rows `| activation | kernel | ours | vec | libm | ratio |` in nanoseconds per
/// element (other sections are skipped).
fn from_markdown(text: &str) -> Vec<(String, Times)> {
    let mut runs: Vec<(String, Times)> = Vec::new();
    let (mut label, mut group): (Option<String>, Option<(String, usize)>) = (None, None);
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            let mut parts = h.split(", ");
            let precision = parts.next().unwrap_or("").to_string();
            let n = parts.next().and_then(|p| p.strip_suffix(" inputs")).and_then(|p| p.parse().ok());
            group = n.map(|n| (precision, n));
        } else if let Some(h) = line.strip_prefix("## ") {
            label = Some(h.to_string());
            group = None;
        } else if let (Some(label), Some((precision, n))) = (&label, &group) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let [_, name, kernel, ours, vec, libm, _, _] = cells[..] else { continue };
            if runs.last().is_none_or(|(l, _)| l != label) {
                runs.push((label.clone(), Times::new()));
            }
            let times = &mut runs.last_mut().expect("pushed above").1;
            for (imp, cell) in [("ours", ours), ("vec", vec), ("libm", libm)] {
                if let Ok(ns) = cell.parse::<f64>() {
                    let key = (precision.clone(), kernel.to_string(), imp.to_string(), *n, name.to_string());
                    times.insert(key, ns * *n as f64 * 1e-9);
                }
            }
        }
    }
    runs
}

/// (kernel, length) → (fastest serial seconds, fastest split seconds).
type Threads = BTreeMap<(String, usize), (Option<f64>, Option<f64>)>;

/// Reads the parallel bench's tree: benches `serial` and `parallel`.
fn parse_threads(text: &str) -> Threads {
    let mut out = Threads::new();
    for (bench, len, label, t) in tree(text) {
        let entry = out.entry((label, len)).or_default();
        match bench.as_str() {
            "serial" => entry.0 = Some(t),
            "parallel" => entry.1 = Some(t),
            _ => {}
        }
    }
    out
}

/// Reads divan's tree: `name` (depth 0), length (depth 1), argument and its fastest time
/// (depth 2), as `(name, length, argument, seconds)`.
fn tree(text: &str) -> Vec<(String, usize, String, f64)> {
    let mut times = Vec::new();
    let (mut bench, mut len) = (String::new(), 0usize);
    for line in text.lines() {
        let Some(pos) = line.find("─ ") else { continue };
        let depth = line[..pos].chars().count() / 3;
        let rest = &line[pos + "─ ".len()..];
        let mut cells = rest.split('│');
        let head = cells.next().unwrap_or("").trim();
        let mut words = head.split_whitespace();
        let label = words.next().unwrap_or("").to_string();
        match depth {
            0 => bench = label,
            1 => len = label.parse().unwrap_or(0),
            _ => {
                let time: Vec<&str> = words.collect();
                if let Some(t) = seconds(&time) {
                    times.push((bench.clone(), len, label, t));
                }
            }
        }
    }
    times
}

fn seconds(words: &[&str]) -> Option<f64> {
    let [value, unit] = words else { return None };
    let v: f64 = value.parse().ok()?;
    let scale = match *unit {
        "ns" => 1e-9,
        "µs" | "us" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        _ => return None,
    };
    Some(v * scale)
}

/// The activations whose f32 and f64 forward and backward kernels are held to 1.5× of the
/// hand-written vectorised kernel; every other kernel is held to 3×.
const CORE: &[&str] = &["sigmoid", "tanh", "silu", "swish", "gelu", "elu", "selu", "softplus"];

/// The ratio ours / vec a kernel is held to.
fn target(name: &str, kernel: &str) -> f64 {
    if CORE.contains(&name) && kernel != "fused" {
        1.5
    } else {
        3.0
    }
}

/// Per run, precision and length: how many kernels meet their target, and the others.
fn summary(s: &mut String, runs: &[(String, Times)]) {
    writeln!(s, "## Summary\n").unwrap();
    writeln!(
        s,
        "Targets: the forward and backward kernels of {} within 1.5× of the hand-written \
         vectorised kernel, every other kernel (`fused` = `with_derivative_slice` included) within 3×.\n",
        CORE.join(", ")
    )
    .unwrap();
    writeln!(s, "| build | precision, inputs | within target | over target (ours / vec, target) |").unwrap();
    writeln!(s, "| --- | --- | ---: | --- |").unwrap();
    for (label, times) in runs {
        let groups: std::collections::BTreeSet<(String, usize)> = times.keys().map(|k| (k.0.clone(), k.3)).collect();
        for (precision, n) in groups {
            let (mut within, mut total, mut over) = (0, 0, Vec::new());
            for ((p, kernel, imp, len, name), &ours) in times {
                if *p != precision || *len != n || imp != "ours" {
                    continue;
                }
                let Some(&vec) = times.get(&(p.clone(), kernel.clone(), "vec".into(), *len, name.clone())) else {
                    continue;
                };
                total += 1;
                let (ratio, goal) = (ours / vec, target(name, kernel));
                if ratio <= goal {
                    within += 1;
                } else {
                    over.push((ratio / goal, format!("{name} {kernel} {ratio:.2} ({goal})")));
                }
            }
            over.sort_by(|a, b| b.0.total_cmp(&a.0));
            let list: Vec<String> = over.into_iter().map(|(_, t)| t).collect();
            writeln!(s, "| {label} | {precision}, {n} | {within} of {total} | {} |", list.join(", ")).unwrap();
        }
    }
    writeln!(s).unwrap();
}

/// The `rayon` split against the same kernel on one thread.
fn render_threads(s: &mut String, threads: &Threads) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    writeln!(s, "## Threads (`rayon` feature, default build, f32, {cores} cores)\n").unwrap();
    writeln!(
        s,
        "`serial`: the kernel on pieces of `PARALLEL_MIN` elements, one after the other; `split`: \
         the kernel as the `rayon` feature runs it (from 2 · `PARALLEL_MIN` elements, the first \
         `PARALLEL_MIN` timed, the rest halved in parallel while each half is at least \
         `PARALLEL_MIN` long and `PARALLEL_WORK` of work at that speed). Nanoseconds per \
         element; speed-up = serial / split. See `benches/parallel.rs`.\n"
    )
    .unwrap();
    writeln!(s, "| kernel | inputs | serial | split | speed-up |").unwrap();
    writeln!(s, "| --- | ---: | ---: | ---: | ---: |").unwrap();
    for ((name, n), (serial, split)) in threads {
        let per = |t: Option<f64>| t.map_or("–".into(), |t| format!("{:.3}", t / *n as f64 * 1e9));
        let up = match (serial, split) {
            (Some(a), Some(b)) if *b > 0.0 => format!("{:.2}", a / b),
            _ => "–".into(),
        };
        writeln!(s, "| {name} | {n} | {} | {} | {up} |", per(*serial), per(*split)).unwrap();
    }
    writeln!(s).unwrap();
}

fn render(cpu: &str, runs: &[(String, Times)], threads: Option<&Threads>, written_by: &str) -> String {
    let mut s = String::new();
    writeln!(s, "# Speed of the slice kernels\n").unwrap();
    writeln!(
        s,
        "Written by {written_by} on {cpu} (one core; the machine is shared, so each \
         figure is the fastest of divan's samples and ratios compare figures of one run). \
         Nanoseconds per element. `ours`: the generated kernel (lanes chosen at run time); \
         `vec`: the same formula hand-written as a loop over a branch-free polynomial `exp` \
         that LLVM vectorises, compiled the same way (the erf-form GELU over the runtime's \
         erfc, within 1 ULP); `libm`: PyTorch's formula per element \
         with the platform's libm. Ratio = ours / vec (below 1: ours is faster). See \
         `benches/kernels.rs`.\n",
    )
    .unwrap();
    summary(&mut s, runs);
    if let Some(threads) = threads {
        render_threads(&mut s, threads);
    }
    for (label, times) in runs {
        writeln!(s, "## {label}\n").unwrap();
        let mut keys: Vec<(String, usize)> = times
            .keys()
            .map(|(p, _, _, n, _)| (p.clone(), *n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        keys.sort();
        for (precision, n) in keys {
            writeln!(s, "### {precision}, {n} inputs\n").unwrap();
            writeln!(s, "| activation | kernel | ours | vec | libm | ours / vec |").unwrap();
            writeln!(s, "| --- | --- | ---: | ---: | ---: | ---: |").unwrap();
            let names: std::collections::BTreeSet<&String> =
                times.keys().filter(|k| k.0 == precision && k.3 == n).map(|k| &k.4).collect();
            for name in names {
                for kernel in ["forward", "backward", "fused"] {
                    let get = |imp: &str| {
                        times
                            .get(&(precision.clone(), kernel.into(), imp.into(), n, name.clone()))
                            .map(|t| t / n as f64 * 1e9)
                    };
                    let (o, v, l) = (get("ours"), get("vec"), get("libm"));
                    let cell = |t: Option<f64>| t.map_or("–".into(), |t| format!("{t:.3}"));
                    let ratio = match (o, v) {
                        (Some(o), Some(v)) if v > 0.0 => format!("{:.2}", o / v),
                        _ => "–".into(),
                    };
                    writeln!(s, "| {name} | {kernel} | {} | {} | {} | {ratio} |", cell(o), cell(v), cell(l)).unwrap();
                }
            }
            writeln!(s).unwrap();
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_divan_trees() {
        let text = "kernels              fastest       │ slowest\n\
                    ├─ f32_forward_ours                │\n\
                    │  ├─ 4096                         │\n\
                    │  │  ├─ gelu         65.89 µs      │ 76.88 µs\n\
                    │  │  ╰─ relu         638.7 ns      │ 644.6 ns\n\
                    ╰─ f64_fused_vec                   │\n   ╰─ 16777216                    │\n      ╰─ mish   1.5 s │ 2 s\n";
        let t = parse(text);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b;
        assert!(close(t[&("f32".into(), "forward".into(), "ours".into(), 4096, "gelu".into())], 65.89e-6));
        assert!(close(t[&("f32".into(), "forward".into(), "ours".into(), 4096, "relu".into())], 638.7e-9));
        assert!(close(t[&("f64".into(), "fused".into(), "vec".into(), 16_777_216, "mish".into())], 1.5));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn summarises_against_the_targets() {
        let mut t = Times::new();
        let mut put = |kernel: &str, imp: &str, name: &str, v: f64| {
            t.insert(("f32".into(), kernel.into(), imp.into(), 4096, name.into()), v);
        };
        // gelu backward 2× (over 1.5), its fused 2× (within 3), mish backward 5× (over 3),
        // listed first: further over its target.
        put("backward", "ours", "gelu", 2.0);
        put("backward", "vec", "gelu", 1.0);
        put("fused", "ours", "gelu", 2.0);
        put("fused", "vec", "gelu", 1.0);
        put("backward", "ours", "mish", 5.0);
        put("backward", "vec", "mish", 1.0);
        let mut s = String::new();
        summary(&mut s, &[("default".to_string(), t)]);
        assert!(
            s.contains("| default | f32, 4096 | 1 of 3 | mish backward 5.00 (3), gelu backward 2.00 (1.5) |"),
            "{s}"
        );
    }

    #[test]
    fn re_reads_its_own_tables() {
        let mut t = Times::new();
        t.insert(("f32".into(), "forward".into(), "ours".into(), 4096, "gelu".into()), 4096.0 * 8.02e-9);
        t.insert(("f32".into(), "forward".into(), "vec".into(), 4096, "gelu".into()), 4096.0 * 3.999e-9);
        t.insert(("f32".into(), "forward".into(), "libm".into(), 4096, "gelu".into()), 4096.0 * 14.167e-9);
        let runs = vec![("default build (`cargo bench`)".to_string(), t)];
        let again = from_markdown(&render("cpu", &runs, None, "`cargo xtask bench`"));
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].0, runs[0].0);
        for (k, v) in &runs[0].1 {
            assert!((again[0].1[k] - v).abs() <= 1e-9 * v, "{k:?}");
        }
    }

    #[test]
    fn reads_the_threads_bench() {
        let text = "parallel             fastest       │ slowest\n\
                    ├─ parallel                        │\n\
                    │  ╰─ 65536                        │\n\
                    │     ╰─ gelu_forward  100 µs      │ 120 µs\n\
                    ╰─ serial                          │\n\
                    \u{20}  ╰─ 65536                        │\n\
                    \u{20}     ╰─ gelu_forward  180 µs      │ 190 µs\n";
        let t = parse_threads(text);
        let (serial, split) = t[&("gelu_forward".to_string(), 65536)];
        assert!((serial.unwrap() - 180e-6).abs() < 1e-12 && (split.unwrap() - 100e-6).abs() < 1e-12);
    }

    #[test]
    fn compares_binaries_by_their_fastest_samples() {
        let (a, b) = ("old".to_string(), "new".to_string());
        let key = |label: &str| ("f32_forward_ours".to_string(), 4096usize, label.to_string());
        let first = BTreeMap::from([(key("gelu"), 4096.0 * 2e-9), (key("silu"), 4096.0 * 1e-9)]);
        let second = BTreeMap::from([(key("gelu"), 4096.0 * 1e-9), (key("silu"), 4096.0 * 2e-9)]);
        let s = comparison_table(&[&a, &b], &[first, second]);
        assert!(s.contains("| f32_forward_ours gelu | 4096 | 2.000 | 1.000 | 0.50 |"), "{s}");
        assert!(s.contains("| f32_forward_ours silu | 4096 | 1.000 | 2.000 | 2.00 |"), "{s}");
        assert!(s.contains("ratios to the first: 1.000"), "{s}");
    }
}

//! `cargo xtask bench [--quick] [--only default|native] [--out FILE]`: runs
//! `cargo bench --bench kernels` twice —
//! a default build and `-C target-cpu=native` — and writes the record of both runs into
//! `docs/speed.md`: per activation, kernel and length, nanoseconds per element of ours, of
//! the hand-written vectorised kernel and of the per-element libm formula, and the ratios
//! ours / vectorised. Each figure is the fastest of divan's samples; ratios compare
//! figures of one run. `--quick` skips the 16 M-input benches; `--only` runs one build.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// (precision, kernel, implementation, length, activation) → fastest seconds.
type Times = BTreeMap<(String, String, String, usize, String), f64>;

pub fn main(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    let out = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).cloned();
    let out = out.unwrap_or_else(|| "docs/speed.md".into());
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let filter = if quick { vec!["--skip".to_string(), "16777216".to_string()] } else { vec![] };
    let cpu = cpu_name();
    let mut runs = Vec::new();
    for (label, flags, dir) in [
        ("default build (`cargo bench`)", "", "target/bench-default"),
        ("`RUSTFLAGS=\"-C target-cpu=native\"`", "-C target-cpu=native", "target/bench-native"),
    ] {
        if only.as_deref().is_some_and(|o| !dir.ends_with(o)) {
            continue;
        }
        eprintln!("bench: {label}");
        let text = run_divan(flags, dir, &filter)?;
        runs.push((label, parse(&text)));
    }
    let report = render(&cpu, &runs, &args.join(" "));
    std::fs::write(&out, report).map_err(|e| format!("writing {out}: {e}"))?;
    println!("wrote {out}");
    Ok(())
}

fn run_divan(flags: &str, target_dir: &str, filter: &[String]) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["bench", "--bench", "kernels", "--"])
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

/// Reads divan's tree: `name` (depth 0), length (depth 1), activation and its fastest time
/// (depth 2).
fn parse(text: &str) -> Times {
    let mut times = Times::new();
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
                    let parts: Vec<&str> = bench.splitn(3, '_').collect();
                    if let [precision, kernel, implementation] = parts[..] {
                        times.insert((precision.into(), kernel.into(), implementation.into(), len, label), t);
                    }
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

fn render(cpu: &str, runs: &[(&str, Times)], args: &str) -> String {
    let mut s = String::new();
    writeln!(s, "# Speed of the slice kernels\n").unwrap();
    writeln!(
        s,
        "Written by `cargo xtask bench {args}` on {cpu} (one core; the machine is shared, so each \
         figure is the fastest of divan's samples and ratios compare figures of one run). \
         Nanoseconds per element. `ours`: the generated kernel (lanes chosen at run time); \
         `vec`: the same formula hand-written as a loop over a branch-free polynomial `exp` \
         that LLVM vectorises, compiled the same way; `libm`: PyTorch's formula per element \
         with the platform's libm. Ratio = ours / vec (below 1: ours is faster). See \
         `benches/kernels.rs`.\n",
    )
    .unwrap();
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
}

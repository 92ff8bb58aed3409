//! Compiling drawn formulas in batches and running their generated gradient checks.
//!
//! A batch is a throwaway crate under `<target>/fuzz/crate`: a lib with one `#[activation]`
//! function per line, depending on this workspace's `activation` by path with `mpfr`, and
//! this workspace's `Cargo.lock` (so the dependencies resolve to the versions the
//! workspace builds, once, in the shared target directory `<target>/fuzz/target`). Errors
//! are attributed to formulas by the line their span (or the macro call that produced it)
//! points at; a failure no span attributes is bisected. Each formula's check test then runs
//! on its own, `--exact`, killed after the time budget, with the ranges its expansion
//! warned about judged too (`ACTIVATION_CHECK_WARNED_RANGES=1`, `docs/contract.md` §5.7):
//! a failure there is marked and kept apart from the formula's class, and says whether the
//! warning is borne out at the check points.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Class;
use activation_core::check::IN_WARNED_RANGE;

/// How one formula's generated checks went.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    Pass,
    /// Killed after the budget.
    Timeout,
    /// The test failed without the checks' list of failures (a panic elsewhere, a crash).
    Crashed(String),
    /// Failures, worst kind first (among the failure classes of [`Class`], `NanInf` to `NonFiniteTruth`: worst first), with the first failure line of that kind.
    Failed(Class, String),
}

/// The kind of one failure line of `activation_core::check::run`
/// (`… at x = X: expected E, actual A, U ULPs (bound B)`).
pub fn kind_of(line: &str) -> Class {
    let field = |key: &str| -> Option<f64> {
        let rest = &line[line.find(key)? + key.len()..];
        let end = rest.find([',', ' ']).unwrap_or(rest.len());
        rest[..end].parse().ok()
    };
    let (Some(expected), Some(actual)) = (field("expected "), field("actual ")) else {
        return Class::Other;
    };
    let ulps = line.find(" ULPs").and_then(|end| line[..end].rsplit(' ').next()?.parse::<f64>().ok());
    let bound = field("(bound ").or_else(|| {
        let b = line.rsplit("(bound ").next()?;
        b.trim_end_matches(')').parse().ok()
    });
    if !expected.is_finite() {
        Class::NonFiniteTruth
    } else if !actual.is_finite() {
        Class::NanInf
    } else if actual == 0.0 && expected != 0.0 {
        Class::Zero
    } else if let (Some(u), Some(b)) = (ulps, bound) {
        if u > 100.0 * b.max(1.0) {
            Class::Far
        } else {
            Class::Over
        }
    } else {
        Class::Other
    }
}

/// The executables built with the members each holds, and the members that fail to
/// compile with their first error.
pub type Compiled = (Vec<(PathBuf, Vec<usize>)>, Vec<(usize, String)>);

/// What building a batch gave.
enum Built {
    Exe(PathBuf),
    /// Members (indices into the batch) whose lines errors point at, with the first error.
    Attributed(Vec<(usize, String)>),
    /// An error no line attributes: every member is a suspect, to bisect.
    Unattributed(String),
}

/// Where batches are built.
pub struct Workshop {
    pub dir: PathBuf,
    pub target: PathBuf,
    pub budget: Duration,
    /// Compiles run, for the summary.
    pub compiles: usize,
    pub compile_time: Duration,
}

impl Workshop {
    pub fn new(root: &Path, target: &Path, budget: Duration) -> Result<Self, String> {
        let dir = target.join("fuzz").join("crate");
        std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let manifest = format!(
            "# Written by `cargo xtask fuzz`: one batch of drawn formulas.\n\
             [package]\nname = \"activation-fuzz-batch\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n\
             [dependencies]\nactivation = {{ path = {:?}, features = [\"mpfr\"] }}\n\n\
             # As in the workspace: the macro's engine optimised.\n\
             [profile.dev.build-override]\nopt-level = 3\n\n\
             # The batch itself without debug information: it compiles faster, and only it.\n\
             [profile.dev.package.activation-fuzz-batch]\ndebug = 0\n",
            root.display().to_string()
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| e.to_string())?;
        write_if_changed(&dir.join("Cargo.lock"), &lock)?;
        Ok(Workshop {
            dir,
            target: target.join("fuzz").join("target"),
            budget,
            compiles: 0,
            compile_time: Duration::ZERO,
        })
    }

    /// Builds the check tests of `items` (`(name, source)`).
    fn build(&mut self, items: &[(String, String)]) -> Result<Built, String> {
        let mut lib = String::from(
            "// Written by `cargo xtask fuzz`.\n#![allow(unused, non_snake_case, clippy::all)]\nuse activation::prelude::*;\n",
        );
        const FIRST_LINE: usize = 4;
        for (_, source) in items {
            lib += source;
            lib.push('\n');
        }
        write_if_changed(&self.dir.join("src/lib.rs"), &lib)?;
        let start = Instant::now();
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--lib", "--no-run", "--quiet", "--message-format=json"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("RUSTFLAGS")
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        self.compiles += 1;
        self.compile_time += start.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut exe = None;
        let mut failed: Vec<(usize, String)> = Vec::new();
        let mut unattributed = None;
        for line in stdout.lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
            match v["reason"].as_str() {
                Some("compiler-artifact") if v["profile"]["test"] == Value::Bool(true) => {
                    exe = v["executable"].as_str().map(PathBuf::from);
                }
                Some("compiler-message") if v["message"]["level"] == "error" => {
                    let text = v["message"]["message"].as_str().unwrap_or("").to_string();
                    match error_line(&v["message"]) {
                        Some(l) if l >= FIRST_LINE && l < FIRST_LINE + items.len() => {
                            let i = l - FIRST_LINE;
                            if !failed.iter().any(|(j, _)| *j == i) {
                                failed.push((i, text));
                            }
                        }
                        _ => {
                            if !text.starts_with("aborting due to") && unattributed.is_none() {
                                unattributed = Some(text);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if out.status.success() {
            return exe.map(Built::Exe).ok_or_else(|| "cargo built no test executable".into());
        }
        if !failed.is_empty() {
            return Ok(Built::Attributed(failed));
        }
        match unattributed {
            Some(text) => Ok(Built::Unattributed(text)),
            None => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                Err(format!("the batch crate failed to build for no error cargo reported:\n{stderr}"))
            }
        }
    }

    /// Compiles `items`; returns the executables with the members each holds, and the
    /// members that fail to compile with their first error. Errors are attributed by line;
    /// what no line attributes is bisected.
    pub fn compile(&mut self, items: &[(String, String)]) -> Result<Compiled, String> {
        let mut built = Vec::new();
        let mut broken = Vec::new();
        let mut todo: Vec<Vec<usize>> = vec![(0..items.len()).collect()];
        while let Some(mut group) = todo.pop() {
            if group.is_empty() {
                continue;
            }
            loop {
                let these: Vec<(String, String)> = group.iter().map(|&i| items[i].clone()).collect();
                match self.build(&these)? {
                    Built::Exe(exe) => {
                        built.push((exe, group));
                        break;
                    }
                    Built::Attributed(failed) => {
                        let gone: BTreeSet<usize> = failed.iter().map(|(i, _)| *i).collect();
                        broken.extend(failed.into_iter().map(|(i, t)| (group[i], t)));
                        group = group.iter().enumerate().filter(|(k, _)| !gone.contains(k)).map(|(_, &i)| i).collect();
                        if group.is_empty() {
                            break;
                        }
                    }
                    Built::Unattributed(text) => {
                        if group.len() == 1 {
                            broken.push((group[0], text));
                        } else {
                            let half = group.len() / 2;
                            todo.push(group[half..].to_vec());
                            todo.push(group[..half].to_vec());
                        }
                        break;
                    }
                }
            }
        }
        Ok((built, broken))
    }

    /// Runs the check test of `name` in `exe`, within the budget: the check outside the
    /// warned ranges, and the worst kind of failure inside them (see [`parse_failures`]).
    pub fn check(&self, exe: &Path, name: &str) -> Result<(Check, Option<Class>, Duration), String> {
        let log = self.dir.join("check.log");
        let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let test = format!("__activation_checks_{name}::gradient_checks");
        let start = Instant::now();
        let mut child = Command::new(exe)
            .args([test.as_str(), "--exact", "--test-threads=1"])
            .env("RUST_BACKTRACE", "0")
            .env("ACTIVATION_CHECK_WARNED_RANGES", "1")
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        let status = loop {
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(s);
            }
            if start.elapsed() > self.budget {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let time = start.elapsed();
        let Some(status) = status else { return Ok((Check::Timeout, None, time)) };
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if status.success() {
            if text.contains("1 passed") {
                return Ok((Check::Pass, None, time));
            }
            return Ok((Check::Crashed(format!("the check test `{test}` did not run")), None, time));
        }
        let (check, warned) = parse_failures(&text);
        Ok((check, warned, time))
    }
}

/// A failed check test's output: the worst failure kind outside the warned ranges, with its
/// first line (`Check::Pass` when every failure is inside them), and the worst kind inside
/// them, if any failed there.
pub fn parse_failures(text: &str) -> (Check, Option<Class>) {
    let Some(start) = text.find("gradient check failures for") else {
        let why = text
            .lines()
            .skip_while(|l| !l.starts_with("thread '"))
            .nth(1)
            .or_else(|| text.lines().find(|l| l.contains("panicked") || l.contains("error")))
            .unwrap_or("no output")
            .trim()
            .to_string();
        return (Check::Crashed(why), None);
    };
    let lines: Vec<&str> = text[start..].lines().skip(1).take_while(|l| l.starts_with("  ")).map(str::trim).collect();
    if lines.is_empty() {
        return (Check::Crashed("a failure list the fuzzer could not read".into()), None);
    }
    let (inside, outside): (Vec<&str>, Vec<&str>) = lines.into_iter().partition(|l| l.ends_with(IN_WARNED_RANGE));
    let warned = inside.iter().map(|l| kind_of(l.trim_end_matches(IN_WARNED_RANGE))).min();
    let check = match outside.iter().map(|l| (kind_of(l), *l)).min_by_key(|(k, _)| *k) {
        Some((k, l)) => Check::Failed(k, l.to_string()),
        None => Check::Pass,
    };
    (check, warned)
}

/// The line in `src/lib.rs` an error points at: its primary span there, or the macro call
/// it was expanded from.
fn error_line(message: &Value) -> Option<usize> {
    let spans = message["spans"].as_array()?;
    let primary = spans.iter().find(|s| s["is_primary"] == Value::Bool(true)).or(spans.first())?;
    let mut span = primary;
    for _ in 0..32 {
        // rustc names the batch's own files relative to its root; dependencies' absolutely.
        if span["file_name"] == "src/lib.rs" {
            return span["line_start"].as_u64().map(|l| l as usize);
        }
        span = &span["expansion"]["span"];
        if span.is_null() {
            break;
        }
    }
    None
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_lines_are_sorted_into_kinds() {
        let l = |e: &str, a: &str, u: &str, b: &str| {
            format!("f f' (f64) at x = 7e2: expected {e}, actual {a}, {u} ULPs (bound {b})")
        };
        assert_eq!(kind_of(&l("1.5e0", "NaN", "1.8e19", "8.0")), Class::NanInf);
        assert_eq!(kind_of(&l("1.5e0", "inf", "1.8e19", "8.0")), Class::NanInf);
        assert_eq!(kind_of(&l("inf", "NaN", "0e0", "4.0")), Class::NonFiniteTruth);
        assert_eq!(kind_of(&l("NaN", "0e0", "inf", "NaN")), Class::NonFiniteTruth);
        assert_eq!(kind_of(&l("-7.2e-35", "0e0", "4.6e18", "8.0")), Class::Zero);
        assert_eq!(kind_of(&l("1.5e0", "1.6e0", "1.000e5", "8.0")), Class::Far);
        assert_eq!(kind_of(&l("1.5e0", "1.5000001e0", "1.200e1", "8.0")), Class::Over);
        assert_eq!(kind_of("f with_derivative (f64) at x = 1.0: (1.0, 2.0) differs from (1.0, 2.5)"), Class::Other);
    }

    #[test]
    fn errors_are_attributed_to_the_line_of_their_macro_call() {
        // As rustc reports an error inside generated code: the primary span in the macro's
        // output, expanded from the `#[activation]` attribute on line 7 of the batch.
        let message: Value = serde_json::from_str(
            r#"{"spans": [{"is_primary": true, "file_name": "/r/activation/src/lib.rs", "line_start": 40,
                 "expansion": {"span": {"file_name": "src/lib.rs", "line_start": 7, "expansion": null}}}]}"#,
        )
        .unwrap();
        assert_eq!(error_line(&message), Some(7));
        let direct: Value = serde_json::from_str(
            r#"{"spans": [{"is_primary": true, "file_name": "src/lib.rs", "line_start": 5, "expansion": null}]}"#,
        )
        .unwrap();
        assert_eq!(error_line(&direct), Some(5));
        let elsewhere: Value = serde_json::from_str(
            r#"{"spans": [{"is_primary": true, "file_name": "/r/x.rs", "line_start": 5, "expansion": null}]}"#,
        )
        .unwrap();
        assert_eq!(error_line(&elsewhere), None);
    }

    #[test]
    fn the_worst_failure_of_a_test_output_is_found() {
        let out = "---- m::gradient_checks stdout ----\n\nthread 'm::gradient_checks' panicked at x.rs:1:1:\n\
                   2 gradient check failures for `f`:\n  \
                   f f (f64) at x = 1e0: expected 1.5e0, actual 1.6e0, 1.000e1 ULPs (bound 8.0)\n  \
                   f f' (f32) at x = 1e2: expected 2e0, actual 0e0, 1.000e9 ULPs (bound 8.0)\n\nnote: …\n";
        assert!(matches!(parse_failures(out), (Check::Failed(Class::Zero, l), None) if l.contains("(f32)")));
        assert!(
            matches!(parse_failures("thread 'a' panicked at b:\nboom\n"), (Check::Crashed(w), None) if w == "boom")
        );
    }

    #[test]
    fn failures_in_warned_ranges_are_kept_apart() {
        let head = "thread 'm::gradient_checks' panicked at x.rs:1:1:\n2 gradient check failures for `f`:\n";
        let inside =
            "  f f' (f64) at x = 7e2: expected 1.5e0, actual NaN, 1.8e19 ULPs (bound 8.0) (in a warned range)\n";
        let over = "  f f (f32) at x = 1e0: expected 1.5e0, actual 1.5000001e0, 1.200e1 ULPs (bound 8.0)\n";
        // Only inside: the formula passes where it promised, and its warning is borne out.
        assert_eq!(parse_failures(&format!("{head}{inside}\n")), (Check::Pass, Some(Class::NanInf)));
        // Both: the class is the worst outside, the mark read off before the kind.
        let (check, warned) = parse_failures(&format!("{head}{inside}{over}\n"));
        assert!(matches!(check, Check::Failed(Class::Over, l) if l.contains("(f32)")));
        assert_eq!(warned, Some(Class::NanInf));
    }
}

//! In-process expansion through the engine's front door (`activation_core::expand::activation`,
//! what `#[activation]` calls), in a worker process that the fuzzer can kill: a formula that
//! spins or eats memory is a `hang` after the timeout, and the next one starts in a fresh
//! worker. The worker is this xtask itself (`cargo xtask fuzz --worker`), reading one
//! formula per line and answering one line each.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use proc_macro2::TokenStream;

/// What expansion gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Generated code, with its size in tokens, and whether it carries a compile-time
    /// warning that some range misses the bar (`docs/contract.md` §5.7: the checks skip
    /// that range).
    Expanded { tokens: usize, warned: bool },
    /// A spanned rejection (`compile_error!`), with its message.
    Rejected(String),
    /// A panic: caught by the engine ("internal error of `#[activation]`") or escaping it.
    Panic(String),
    /// No answer within the timeout (the worker is killed).
    Hang,
}

/// One expansion: the outcome and the wall-clock time it took (the timeout for a hang).
#[derive(Clone, Debug)]
pub struct Expansion {
    pub outcome: Outcome,
    pub time: Duration,
}

/// Expands one item in this process: what the worker does for each line.
pub fn expand_here(attr: &str, item: &str) -> (Outcome, Duration) {
    let (attr, item): (TokenStream, TokenStream) = match (attr.parse(), item.parse()) {
        (Ok(a), Ok(i)) => (a, i),
        _ => return (Outcome::Rejected("not Rust tokens".into()), Duration::ZERO),
    };
    let start = Instant::now();
    let result = std::panic::catch_unwind(move || activation_core::expand::activation(attr, item));
    let time = start.elapsed();
    let outcome = match result {
        Err(p) => {
            let why = p.downcast_ref::<&str>().map(|s| s.to_string()).or(p.downcast_ref::<String>().cloned());
            Outcome::Panic(format!("escaped the front door: {}", why.unwrap_or_else(|| "panic".into())))
        }
        Ok(out) => classify(&out),
    };
    (outcome, time)
}

/// Accepted, rejected or an engine panic turned into an error, from the expansion's tokens.
pub fn classify(out: &TokenStream) -> Outcome {
    let mut messages = Vec::new();
    collect_errors(out.clone(), &mut messages);
    if messages.is_empty() {
        return Outcome::Expanded { tokens: count(out.clone()), warned: warns(out.clone()) };
    }
    if let Some(m) = messages.iter().find(|m| m.contains("internal error of `#[activation]`")) {
        return Outcome::Panic(m.clone());
    }
    Outcome::Rejected(messages.join(" | "))
}

/// The messages of every `compile_error! { "..." }` (syn's `to_compile_error`).
fn collect_errors(ts: TokenStream, out: &mut Vec<String>) {
    let tokens: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            proc_macro2::TokenTree::Ident(id) if id == "compile_error" => {
                if let Some(proc_macro2::TokenTree::Group(g)) = tokens.get(i + 2) {
                    let lit = g.stream().to_string();
                    out.push(unquote(&lit));
                }
            }
            proc_macro2::TokenTree::Group(g) => collect_errors(g.stream(), out),
            _ => {}
        }
    }
}

/// Whether the expansion declares one of the engine's doubt warnings (a `#[deprecated]`
/// constant named `__ACTIVATION_DOUBT_…`, `emit/expand.rs`).
fn warns(ts: TokenStream) -> bool {
    ts.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(id) => id.to_string().starts_with("__ACTIVATION_DOUBT_"),
        proc_macro2::TokenTree::Group(g) => warns(g.stream()),
        _ => false,
    })
}

fn unquote(lit: &str) -> String {
    match syn::parse_str::<syn::LitStr>(lit) {
        Ok(s) => s.value(),
        Err(_) => lit.to_string(),
    }
}

fn count(ts: TokenStream) -> usize {
    ts.into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Group(g) => 2 + count(g.stream()),
            _ => 1,
        })
        .sum()
}

/// The worker's loop: `attr \t item` per line in, `kind \t micros \t detail` per line out.
pub fn worker() -> Result<(), String> {
    // Panics are outcomes here, not noise on the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let (attr, item) = line.split_once('\t').ok_or("worker: expected `attr \\t item`")?;
        let (outcome, time) = expand_here(attr, item);
        let (kind, detail) = match outcome {
            Outcome::Expanded { tokens, warned } => ("ok", format!("{tokens} {}", u8::from(warned))),
            Outcome::Rejected(m) => ("rejected", m),
            Outcome::Panic(m) => ("panic", m),
            Outcome::Hang => unreachable!("the worker answers or is killed"),
        };
        let detail = detail.replace(['\n', '\t'], " ");
        writeln!(stdout, "{kind}\t{}\t{detail}", time.as_micros()).map_err(|e| e.to_string())?;
        stdout.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The parent's side: a worker process and a reader thread feeding its lines to a channel.
pub struct Pool {
    timeout: Duration,
    worker: Option<(Child, ChildStdin, Receiver<String>)>,
}

impl Pool {
    pub fn new(timeout: Duration) -> Self {
        Pool { timeout, worker: None }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(["fuzz", "--worker"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the expansion worker: {e}"))?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        self.worker = Some((child, stdin, rx));
        Ok(())
    }

    fn kill(&mut self) {
        if let Some((mut child, _, _)) = self.worker.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Expands one item in the worker, within the timeout.
    pub fn expand(&mut self, attr: &str, item: &str) -> Result<Expansion, String> {
        if self.worker.is_none() {
            self.spawn()?;
        }
        let (_, stdin, rx) = self.worker.as_mut().expect("spawned");
        let sent = writeln!(stdin, "{attr}\t{item}").and_then(|_| stdin.flush());
        let start = Instant::now();
        let answer = if sent.is_ok() { rx.recv_timeout(self.timeout) } else { Err(RecvTimeoutError::Disconnected) };
        match answer {
            Ok(line) => {
                let mut parts = line.splitn(3, '\t');
                let (kind, micros, detail) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
                let time = Duration::from_micros(micros.and_then(|m| m.parse().ok()).unwrap_or(0));
                let outcome = match kind {
                    Some("ok") => {
                        let (tokens, warned) = detail.split_once(' ').unwrap_or((detail, "0"));
                        Outcome::Expanded { tokens: tokens.parse().unwrap_or(0), warned: warned == "1" }
                    }
                    Some("rejected") => Outcome::Rejected(detail.into()),
                    _ => Outcome::Panic(detail.into()),
                };
                Ok(Expansion { outcome, time })
            }
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                Ok(Expansion { outcome: Outcome::Hang, time: self.timeout })
            }
            Err(RecvTimeoutError::Disconnected) => {
                // The worker died (an abort, a stack overflow, out of memory): a panic that the
                // front door could not catch.
                let time = start.elapsed();
                self.kill();
                Ok(Expansion {
                    outcome: Outcome::Panic(
                        "the expansion worker died (abort, stack overflow or out of memory)".into(),
                    ),
                    time,
                })
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_outcomes_are_told_apart() {
        let (ok, _) = expand_here("", "fn f(x: f64) -> f64 { x * sigmoid(x) }");
        assert!(matches!(ok, Outcome::Expanded { tokens, warned: false } if tokens > 100), "{ok:?}");
        // atan(x)^60 carries sixty times the error of its atan call, which no arithmetic
        // recovers: the engine warns that f, f' and f'' miss the bar in ranges
        // (`passes/doubts.rs`).
        let (doubt, _) = expand_here("", "fn f(x: f64) -> f64 { atan(x).powf(60.0) }");
        assert!(matches!(doubt, Outcome::Expanded { warned: true, .. }), "{doubt:?}");
        let (bad, _) = expand_here("", "fn f(x: f64) -> f64 { x as f64 }");
        assert!(matches!(&bad, Outcome::Rejected(m) if m.contains("cast")), "{bad:?}");
    }
}

//! With the `mpfr` feature, `rug` builds GMP from source, and GMP's `configure` needs `m4`.
//! Without it the build fails deep in `gmp-mpfr-sys`'s configure log; this script runs
//! before that log is printed (it has nothing to compile) and fails first, naming `m4` and
//! the command that installs it. Where GMP is already built and cached (`gmp-mpfr-sys`
//! keeps it in `~/.cache/gmp-mpfr-sys`, or `$GMP_MPFR_SYS_CACHE`) `m4` is not needed, and
//! a missing one is only a warning.

use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_MPFR").is_none() || m4_runs() {
        return;
    }
    let install = "install it — `sudo apt-get install m4` (Debian, Ubuntu), `sudo dnf install m4` \
                   (Fedora), `brew install m4` (macOS) — and build again";
    if gmp_cached() {
        println!(
            "cargo:warning=`m4` is not on PATH; GMP is cached, so it is not needed now. To rebuild GMP, {install}."
        );
        return;
    }
    eprintln!(
        "\nerror: `m4` is not on PATH.\n\n\
         The `mpfr` feature of `activation` (the gradient checks' MPFR reference) builds GMP \
         from source, and GMP's configure needs the `m4` macro processor: {install}.\n"
    );
    std::process::exit(1);
}

/// `m4` (or `$M4`, which GMP's configure honours) runs.
fn m4_runs() -> bool {
    let m4 = env::var_os("M4").unwrap_or_else(|| "m4".into());
    Command::new(m4)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `gmp-mpfr-sys` has a cache of built libraries, where it looks for one.
fn gmp_cached() -> bool {
    let dir = match env::var_os("GMP_MPFR_SYS_CACHE") {
        Some(c) if c.is_empty() || c == "_" => return false,
        Some(c) => Some(PathBuf::from(c)),
        None => env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|c| c.join("gmp-mpfr-sys")),
    };
    dir.and_then(|d| d.read_dir().ok()).is_some_and(|mut entries| entries.next().is_some())
}

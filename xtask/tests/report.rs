//! The committed table `docs/saturation.md` must be what the analysis computes today:
//! `cargo test --workspace` fails when a formula or the analysis changed without the table
//! being refreshed (`cargo xtask report`); `--src` writes where the user's crate builds.

use std::process::Command;

#[test]
fn committed_saturation_table_is_current() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(["report", "--check"]).output().expect("xtask runs");
    assert!(
        out.status.success(),
        "`cargo xtask report --check` failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A user's crate reported with `--src` gets its report in its own target directory (or
/// `$CARGO_TARGET_DIR`), never in this checkout; a derivative too long for the page is
/// broken into lines and the PDF still compiles.
#[test]
fn src_reports_land_in_the_users_target_directory() {
    let base = std::env::temp_dir().join(format!("xtask-src-report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let krate = base.join("user");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(krate.join("Cargo.toml"), "[package]\nname = \"user\"\nversion = \"0.1.0\"\n").unwrap();
    std::fs::write(
        krate.join("src/lib.rs"),
        "use activation::prelude::*;\n\
         #[activation]\n\
         pub fn long(x: f64) -> f64 {\n\
             (x.tanh() + x.atan() + (1.0 + x.exp()).ln() + x * x.exp().tanh() + erf(x)) * sigmoid(x) / (1.0 + x * x)\n\
         }\n",
    )
    .unwrap();
    let run = |target: Option<&std::path::Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(["report", "--src"]).arg(krate.join("src"));
        match target {
            Some(t) => cmd.env("CARGO_TARGET_DIR", t),
            None => cmd.env_remove("CARGO_TARGET_DIR"),
        };
        let out = cmd.output().expect("xtask runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "report --src failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    };

    let elsewhere = base.join("elsewhere");
    let stdout = run(Some(&elsewhere));
    let report = elsewhere.join("activation-report");
    assert!(report.join("saturation.md").is_file(), "nothing in {}", report.display());
    assert!(stdout.contains(&report.display().to_string()), "the path is not printed:\n{stdout}");
    let tex = std::fs::read_to_string(report.join("report.tex")).unwrap();
    assert!(tex.contains("\\fitlines{f''(x) = "), "f'' is not offered broken:\n{tex}");
    if report.join("report.log").is_file() {
        // pdflatex ran (it is on PATH) and succeeded: no formula ran off the line.
        assert!(report.join("report.pdf").is_file());
        let log = std::fs::read_to_string(report.join("report.log")).unwrap();
        assert!(!log.contains("Overfull \\hbox"), "a line runs off the page:\n{log}");
    }

    run(None);
    assert!(krate.join("target/activation-report/saturation.md").is_file());
    let _ = std::fs::remove_dir_all(&base);
}

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
    assert!(report.join("index.html").is_file(), "the page is not beside the rest in {}", report.display());
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

/// `--json` is for scripts: stdout is `saturation.json` and nothing else, while the short
/// table and the paths written go to stderr; the page is written with the rest, into
/// `--out`, which wins over `$CARGO_TARGET_DIR`.
#[test]
fn json_goes_to_stdout_alone() {
    let dir = std::env::temp_dir().join(format!("activation-report-json-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let formula = "use activation::prelude::*;\n\n#[activation]\npub fn ramp(x: f64) -> f64 {\n    if x > 0.0 { x } else { 0.0 }\n}\n";
    std::fs::write(src.join("lib.rs"), formula).unwrap();
    let out_dir = dir.join("out");
    let ignored = dir.join("ignored-target");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["report", "--json", "--src"])
        .arg(&src)
        .arg("--out")
        .arg(&out_dir)
        .env("CARGO_TARGET_DIR", &ignored)
        .output()
        .expect("xtask runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`cargo xtask report --json` failed:\n{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON and nothing else");
    assert_eq!(json["rows"][0]["activation"], "ramp", "{stdout}");
    assert_eq!(std::fs::read_to_string(out_dir.join("saturation.json")).unwrap(), stdout);
    assert!(stderr.contains("wrote:") && stderr.contains("index.html"), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("ramp ")), "the short table goes to stderr:\n{stderr}");
    for line in stderr.lines() {
        assert!(line.chars().count() <= 100, "wider than 100 characters: {line}");
    }
    let page = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(page.contains("<section id=\"ramp\">") && page.contains("<math display=\"block\">"));
    assert!(!ignored.exists(), "--out did not win over CARGO_TARGET_DIR");
    let _ = std::fs::remove_dir_all(&dir);
}

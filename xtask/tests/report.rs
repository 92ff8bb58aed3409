//! The committed table `docs/saturation.md` must be what the analysis computes today:
//! `cargo test --workspace` fails when a formula or the analysis changed without the table
//! being refreshed (`cargo xtask report`).

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

/// `--json` is for scripts: stdout is `saturation.json` and nothing else, while the short
/// table and the paths written go to stderr; the page is written with the rest.
#[test]
fn json_goes_to_stdout_alone() {
    let dir = std::env::temp_dir().join(format!("activation-report-json-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let formula = "use activation::prelude::*;\n\n#[activation]\npub fn ramp(x: f64) -> f64 {\n    if x > 0.0 { x } else { 0.0 }\n}\n";
    std::fs::write(src.join("lib.rs"), formula).unwrap();
    let out_dir = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["report", "--json", "--src"])
        .arg(&src)
        .arg("--out")
        .arg(&out_dir)
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
    let _ = std::fs::remove_dir_all(&dir);
}

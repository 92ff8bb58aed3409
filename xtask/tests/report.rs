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

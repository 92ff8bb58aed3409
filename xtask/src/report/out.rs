//! Where the report is written: `activation-report/` in the target directory of the crate
//! being reported, which is what Cargo itself would use — `$CARGO_TARGET_DIR` when it is
//! set (a relative value is taken from the current directory, as Cargo does), else
//! `target/` beside the outermost `Cargo.toml` declaring `[workspace]` above the sources,
//! else beside the nearest `Cargo.toml`, else beside the sources themselves. Without
//! `--src` the sources are this workspace's, so the report lands in its target directory;
//! with `--src DIR` it lands in the user's, never in this checkout. An explicit
//! `--out DIR` overrides all of this (the caller's choice, made in `report::main`); every
//! file of the report, `index.html` included, goes into the one directory. `cargo xtask
//! html-check` looks for the page where a default run puts it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The report's directory for the sources under `src` (None: this workspace, at `root`),
/// with `target_env` the value of `CARGO_TARGET_DIR`, if any.
pub fn report_dir(root: &Path, src: Option<&Path>, target_env: Option<OsString>) -> PathBuf {
    target_dir(root, src, target_env).join("activation-report")
}

fn target_dir(root: &Path, src: Option<&Path>, target_env: Option<OsString>) -> PathBuf {
    if let Some(dir) = target_env.filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() { dir } else { std::env::current_dir().map_or(dir.clone(), |cwd| cwd.join(&dir)) };
    }
    let Some(src) = src else { return root.join("target") };
    let src = std::path::absolute(src).unwrap_or_else(|_| src.to_path_buf());
    let manifests: Vec<&Path> = src.ancestors().filter(|d| d.join("Cargo.toml").is_file()).collect();
    let workspace = manifests.iter().rev().find(|d| {
        std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
    });
    workspace.or(manifests.first()).map_or(src.join("target"), |d| d.join("target"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-out-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_environment_wins() {
        let root = Path::new("/repo");
        let env = Some(OsString::from("/elsewhere/t"));
        assert_eq!(report_dir(root, None, env.clone()), Path::new("/elsewhere/t/activation-report"));
        assert_eq!(report_dir(root, Some(Path::new("/user/src")), env), Path::new("/elsewhere/t/activation-report"));
        assert_eq!(report_dir(root, None, None), Path::new("/repo/target/activation-report"));
        // An empty variable is no variable.
        assert_eq!(report_dir(root, None, Some(OsString::new())), Path::new("/repo/target/activation-report"));
    }

    #[test]
    fn beside_the_users_crate_or_workspace() {
        let base = scratch("crate");
        let krate = base.join("ws/member");
        std::fs::create_dir_all(krate.join("src/deep")).unwrap();
        std::fs::write(krate.join("Cargo.toml"), "[package]\nname = \"m\"\n").unwrap();
        let root = Path::new("/repo");
        assert_eq!(report_dir(root, Some(&krate.join("src/deep")), None), krate.join("target/activation-report"));
        // A workspace above the crate owns the target directory.
        std::fs::write(base.join("ws/Cargo.toml"), "[workspace]\nmembers = [\"member\"]\n").unwrap();
        assert_eq!(report_dir(root, Some(&krate.join("src")), None), base.join("ws/target/activation-report"));
        // No manifest at all: beside the sources.
        let loose = scratch("loose");
        assert_eq!(report_dir(root, Some(&loose), None), loose.join("target/activation-report"));
        let _ = std::fs::remove_dir_all(&base);
        let _ = std::fs::remove_dir_all(&loose);
    }
}

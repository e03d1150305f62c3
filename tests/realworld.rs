//! speclint over the unmodified public files in `../shared/realworld/`: it must read all of them
//! without a crash. A user's clone has no `../shared`, so these tests say they were skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn realworld_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    if root.is_dir() {
        Some(root)
    } else {
        println!("skipped: ../shared/realworld is not present beside the project");
        None
    }
}

fn run_json(directory: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("check")
        .arg(directory)
        .args(["--output-format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

#[test]
fn every_realworld_folder_is_read_without_a_crash() {
    let Some(root) = realworld_root() else {
        return;
    };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    assert!(!folders.is_empty());
    for folder in folders {
        let (code, json, stderr) = run_json(&folder, &[]);
        assert!(
            code == 0 || code == 1,
            "{}: exit code {code}, stderr: {stderr}",
            folder.display()
        );
        assert!(
            !stderr.contains("panicked"),
            "{}: {stderr}",
            folder.display()
        );
        assert_eq!(
            json["version"],
            1,
            "{}: output is not speclint JSON",
            folder.display()
        );
    }
}

//! Records the commit speclint is built from, for `speclint --version`: `SPECLINT_COMMIT` when
//! set (release builds, and packages built outside a git checkout), otherwise what
//! `git rev-parse` says, otherwise `unknown`.
//!
//! Also embeds a hash of the source tree and of `Cargo.lock` (`SPECLINT_SOURCE_HASH`), part of
//! the cache's key, so that a development build never reads entries written by a build whose
//! loaders, or whose parsers and drawing crates (pulldown-cmark, miette), differ; the version
//! alone only separates releases.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=SPECLINT_COMMIT");
    if Path::new(".git/HEAD").exists() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(head) = std::fs::read_to_string(".git/HEAD")
            && let Some(reference) = head.trim().strip_prefix("ref: ")
        {
            println!("cargo:rerun-if-changed=.git/{reference}");
        }
    }
    let commit = std::env::var("SPECLINT_COMMIT")
        .ok()
        .filter(|commit| !commit.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=SPECLINT_COMMIT={commit}");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rustc-env=SPECLINT_SOURCE_HASH={}", source_hash());
}

/// A hash of every file below `src/`, in path order, and of `Cargo.lock` (absent from a
/// package built without one, which hashes as no file).
fn source_hash() -> String {
    let mut files = Vec::new();
    collect_files(Path::new("src"), &mut files);
    files.sort();
    files.push(PathBuf::from("Cargo.lock"));
    let mut hasher = DefaultHasher::new();
    for path in &files {
        path.hash(&mut hasher);
        if let Ok(bytes) = std::fs::read(path) {
            bytes.hash(&mut hasher);
        }
    }
    format!("{:016x}", hasher.finish())
}

fn collect_files(directory: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn git_commit() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (!commit.is_empty()).then_some(commit)
}

//! What the integration tests share: finding `../shared`, and saying a test was skipped.

use std::path::{Path, PathBuf};

use libtest_mimic::{Completion, Failed};

/// Why a test could not run here; the runner reports it as ignored, with this reason.
#[derive(Debug)]
pub struct Skipped(pub String);

/// `../shared/<relative>` beside the project, or why it is missing. A user's clone has no
/// `../shared`, and these tests must say so rather than pass.
pub fn shared(relative: &str) -> Result<PathBuf, Skipped> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if path.exists() {
        Ok(path)
    } else {
        Err(Skipped(format!(
            "../shared/{relative} is not present beside the project"
        )))
    }
}

/// What a test function returns: nothing, or whether it was skipped.
pub trait TestOutcome {
    fn into_completion(self) -> Result<Completion, Failed>;
}

impl TestOutcome for () {
    fn into_completion(self) -> Result<Completion, Failed> {
        Ok(Completion::Completed)
    }
}

impl TestOutcome for Result<(), Skipped> {
    fn into_completion(self) -> Result<Completion, Failed> {
        match self {
            Ok(()) => Ok(Completion::Completed),
            Err(Skipped(reason)) => Ok(Completion::ignored_with(reason)),
        }
    }
}

/// Copies a folder tree (fixtures into a temporary directory).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

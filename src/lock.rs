//! `speclint lock`: read `speclint.lock`, check the project, record the current links (keeping
//! stale ones until they are accepted) and write the lock back atomically.

use std::path::{Path, PathBuf};

use crate::check::{CheckError, CheckOptions, check};
use crate::lockfile::{LOCK_FILE_NAME, LockFile, LockUpdate};
use crate::settings::Settings;

/// Which stale links `speclint lock` re-records.
#[derive(Clone, Debug, Default)]
pub struct Accepts {
    /// Artifact paths, folders or requirement IDs.
    pub selected: Vec<String>,
    /// Every link.
    pub all: bool,
}

/// What `speclint lock` did.
#[derive(Debug)]
pub struct LockOutcome {
    pub path: PathBuf,
    pub update: LockUpdate,
}

/// Why the lock could not be updated.
#[derive(Debug)]
pub enum LockError {
    /// The existing lock cannot be read as a lock; overwriting it would lose its records.
    Invalid {
        path: PathBuf,
        message: String,
    },
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    Check(CheckError),
}

impl std::fmt::Display for LockError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Invalid { path, message } => write!(
                formatter,
                "{} is not a valid lock ({message}); fix or delete it first",
                path.display()
            ),
            LockError::Read { path, error } => {
                write!(formatter, "cannot read {}: {error}", path.display())
            }
            LockError::Write { path, error } => {
                write!(formatter, "cannot write {}: {error}", path.display())
            }
            LockError::Check(error) => error.fmt(formatter),
        }
    }
}

impl std::error::Error for LockError {}

/// Updates `speclint.lock` at the root of the project `checked_dir` belongs to.
pub fn update_lock(
    checked_dir: &Path,
    settings: &Settings,
    accepts: &Accepts,
) -> Result<LockOutcome, LockError> {
    // The lock belongs to the project, wherever in it the command runs.
    let path = settings.project_root.join(LOCK_FILE_NAME);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => crate::lockfile::parse(&text).map_err(|(message, _)| LockError::Invalid {
            path: path.clone(),
            message,
        })?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => LockFile::default(),
        Err(error) => return Err(LockError::Read { path, error }),
    };
    let result =
        check(checked_dir, settings, &CheckOptions::default()).map_err(LockError::Check)?;
    let current = result.graph.current_links();
    let (updated, update) =
        crate::lockfile::update(&existing, &current, &accepts.selected, accepts.all);
    crate::atomic_write::write_atomically(&path, &crate::lockfile::render(&updated)).map_err(
        |error| LockError::Write {
            path: path.clone(),
            error,
        },
    )?;
    Ok(LockOutcome { path, update })
}

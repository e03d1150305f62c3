//! The content-hash cache behind warm checks (like ruff's): for each file read on its own, the
//! format it was recognised as and what its loader extracted, keyed by a hash of its path and
//! contents, under `.speclint_cache/` in the checked directory.
//!
//! - The cache folder holds its own `.gitignore`, so it never reaches a commit.
//! - Entries live in a folder named for the speclint version and a hash of the settings, so a
//!   new version or a changed `speclint.toml` starts afresh.
//! - Entries are written atomically (temporary file and rename), so concurrent runs and
//!   interrupted runs never leave a torn entry; an unreadable entry is a miss.
//! - Files read through references (a promptfoo config's test files) depend on other files and
//!   are not cached; their configs are re-read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::settings::Settings;
use crate::source::model::Extraction;
use crate::source::{Format, Role};
use crate::source_db::FileId;
use crate::stable_hash::stable_hash;

pub const CACHE_DIR_NAME: &str = ".speclint_cache";

#[derive(Serialize, Deserialize)]
pub struct Entry {
    pub role: Role,
    pub format: Format,
    pub extraction: Extraction,
}

pub struct Cache {
    directory: PathBuf,
}

impl Cache {
    /// The cache of `checked_dir` for these settings, creating its folder; `None` when it cannot
    /// be created (a read-only checkout), in which case nothing is cached.
    pub fn open(checked_dir: &Path, settings: &Settings) -> Option<Cache> {
        let root = checked_dir.join(CACHE_DIR_NAME);
        let config = settings
            .config_path
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let key = stable_hash(&format!(
            "{}\u{1f}{}\u{1f}{config}",
            env!("CARGO_PKG_VERSION"),
            settings.id_pattern.source()
        ));
        let directory = root.join(format!("v{}-{key}", env!("CARGO_PKG_VERSION")));
        std::fs::create_dir_all(&directory).ok()?;
        let ignore = root.join(".gitignore");
        if !ignore.exists() {
            let _ = crate::atomic_write::write_atomically(
                &ignore,
                "# Written by speclint: the cache is local.\n*\n",
            );
        }
        Some(Cache { directory })
    }

    fn entry_path(relative_path: &str, text: &str) -> String {
        stable_hash(&format!("{relative_path}\u{0}{text}"))
    }

    /// The cached result for this file's path and contents, moved to `file`.
    pub fn get(&self, relative_path: &str, text: &str, file: FileId) -> Option<Entry> {
        let path = self.directory.join(Self::entry_path(relative_path, text));
        let bytes = std::fs::read(path).ok()?;
        let mut entry: Entry = serde_json::from_slice(&bytes).ok()?;
        entry.extraction.move_to(file);
        Some(entry)
    }

    pub fn put(&self, relative_path: &str, text: &str, entry: &Entry) {
        let path = self.directory.join(Self::entry_path(relative_path, text));
        if let Ok(json) = serde_json::to_string(entry) {
            let _ = crate::atomic_write::write_atomically(&path, &json);
        }
    }
}

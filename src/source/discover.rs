//! Finding input files: a gitignore-aware walk over the checked directory. Only files
//! with extensions some loader reads are kept; the detector decides what each one is.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::settings::Settings;
use crate::source::detect::is_candidate;
use crate::source_db::relative_path_string;

/// A file the walker found.
pub struct WalkedFile {
    /// Absolute path.
    pub path: PathBuf,
    /// A symbolic link, which speclint does not follow.
    pub is_link: bool,
    /// Path relative to the configuration's directory, which the globs match.
    pub glob_path: String,
    /// Path relative to the checked directory, for sorting.
    pub relative_path: String,
}

/// Every candidate file below `checked_dir`, sorted by path.
///
/// The walk runs on the calling thread, with `ignore`'s sequential walker rather than its
/// parallel one. The parallel walker starts threads of its own for every walk (beside rayon's,
/// on machines with few cores), and its idle threads poll for work in one-millisecond sleeps
/// until the last directory is listed: on a project of a few thousand files that costs more
/// than listing its directories does (`bench/README.md`, "Nineteenth pass"). What a walk
/// finds is then read, hashed and parsed side by side on rayon's threads; a run that reuses
/// its findings walks while it reads them.
pub fn walk(checked_dir: &Path, settings: &Settings) -> Vec<WalkedFile> {
    let base_dir = crate::source::resolve::normalize(
        &std::path::absolute(&settings.base_dir).unwrap_or_else(|_| settings.base_dir.clone()),
    );
    let walker = WalkBuilder::new(checked_dir)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let name = entry.file_name();
            name != ".git" && name != ".speclint_cache" && name != "node_modules"
        })
        .build();
    let mut found: Vec<WalkedFile> = walker
        // An entry the walker could not read (a folder without permission, a broken
        // gitignore) is left out, as a file that is not there.
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let is_link = entry.path_is_symlink();
            let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
            if !(is_file || is_link) || !is_candidate(entry.path()) {
                return None;
            }
            let mut walked = walked_with_base(checked_dir, &base_dir, entry.path());
            walked.is_link = is_link;
            Some(walked)
        })
        .collect();
    // Relative paths are unique, so an unstable sort gives the one order, without the
    // stable sort's copies of every record.
    found.sort_unstable_by(|left, right| left.relative_path.cmp(&right.relative_path));
    found
}

fn walked_with_base(checked_dir: &Path, base_dir: &Path, path: &Path) -> WalkedFile {
    let relative_path = relative_path_string(checked_dir, path);
    // Most runs check the folder of `speclint.toml`: then both paths are one.
    let glob_path = if base_dir.as_os_str() != checked_dir.as_os_str() && path.starts_with(base_dir)
    {
        relative_path_string(base_dir, path)
    } else {
        relative_path.clone()
    };
    WalkedFile {
        path: path.to_path_buf(),
        is_link: false,
        glob_path,
        relative_path,
    }
}

/// The walker's record for one file given by path (an editor buffer not on disk yet).
pub fn walked_file(checked_dir: &Path, settings: &Settings, path: &Path) -> WalkedFile {
    let base_dir = crate::source::resolve::normalize(
        &std::path::absolute(&settings.base_dir).unwrap_or_else(|_| settings.base_dir.clone()),
    );
    walked_with_base(checked_dir, &base_dir, path)
}

//! What the disk held when a check read it, cheaply: the list of walked files and each file's
//! modification time and length. The language server compares two of these to learn that
//! nothing changed on disk between two edits of a client that does not report changes on
//! disk (it cannot watch files): then an edit may patch the last graph instead of loading the
//! whole project again ([`crate::graph::patch`]).
//!
//! A file is taken as unchanged while its modification time and length are, as build tools,
//! git's index and ruff's cache do. File times have a coarse clock (a few milliseconds on
//! Linux), so a file changed shortly before a state was taken could change again with the
//! same time and length: its entry is marked unknown, and an unknown entry never matches
//! (git calls such entries "racily clean").

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;

use crate::settings::Settings;
use crate::source::discover;
use crate::source_db::SourceDb;

/// How far before a state is taken a file's modification time must lie for the state to
/// vouch for it: more than any file system's clock step.
const SETTLED: Duration = Duration::from_millis(100);

/// A file's modification time and length, or `None` when it could not be looked at or had
/// not settled.
type Stat = Option<(SystemTime, u64)>;

/// See the module documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct DiskState {
    /// The walked files: absolute path, project-relative path and whether it is a symbolic
    /// link, in path order.
    walked: Vec<(PathBuf, String, bool)>,
    /// The stat of each walked file, in the same order.
    walked_stats: Vec<Stat>,
    /// The other files the check read (through references, beyond the walk), with their
    /// stats, in the order of the check's file table.
    others: Vec<(PathBuf, Stat)>,
}

impl DiskState {
    /// The files a check read (its file table), by project-relative and absolute path: what
    /// [`DiskState::now`] looks at beyond the walk.
    pub fn files_read(db: &SourceDb) -> Vec<(String, PathBuf)> {
        db.iter()
            .map(|(_, file)| (file.relative_path.clone(), file.absolute_path.clone()))
            .collect()
    }

    /// The disk as it is now, for the files a walk of `checked_dir` finds and `files_read`
    /// (from [`DiskState::files_read`]: what the last check read, including files read
    /// through references). A file whose modification time is not well before `read_from`
    /// (when the check that read the files began) is marked unknown: it may have changed
    /// after it was read.
    pub fn now(
        checked_dir: &Path,
        settings: &Settings,
        files_read: &[(String, PathBuf)],
        read_from: SystemTime,
    ) -> DiskState {
        let taken_at = read_from.min(SystemTime::now());
        let checked_dir = crate::source::absolute_dir(checked_dir);
        let walked: Vec<(PathBuf, String, bool)> = discover::walk(&checked_dir, settings)
            .into_iter()
            .map(|file| (file.path, file.relative_path, file.is_link))
            .collect();
        // The walk is sorted by relative path: a file of the table is found by halving.
        let others: Vec<&Path> = files_read
            .iter()
            .filter(|(relative_path, absolute_path)| {
                walked
                    .binary_search_by(|(_, relative, _)| relative.as_str().cmp(relative_path))
                    .map_or(true, |index| {
                        walked
                            .get(index)
                            .is_none_or(|(path, ..)| path != absolute_path)
                    })
            })
            .map(|(_, absolute_path)| absolute_path.as_path())
            .collect();
        let (walked_stats, other_stats) = rayon::join(
            || {
                walked
                    .par_iter()
                    .map(|(path, ..)| settled_stat(path, taken_at))
                    .collect::<Vec<Stat>>()
            },
            || {
                others
                    .par_iter()
                    .map(|path| (path.to_path_buf(), settled_stat(path, taken_at)))
                    .collect::<Vec<(PathBuf, Stat)>>()
            },
        );
        DiskState {
            walked,
            walked_stats,
            others: other_stats,
        }
    }

    /// Whether the disk is as `earlier` saw it: the same walked files and other files, each
    /// with the same settled time and length unless `skipped` names it. Open buffers are
    /// skipped: their text comes from the editor, not from the disk.
    pub fn unchanged_since(&self, earlier: &DiskState, skipped: impl Fn(&Path) -> bool) -> bool {
        let same_stat = |path: &Path, now: &Stat, before: &Stat| {
            now.is_some() && now == before || skipped(path)
        };
        let same_walk = self.walked.len() == earlier.walked.len()
            && self.walked.iter().zip(&earlier.walked).all(
                |((path, _, link), (earlier_path, _, earlier_link))| {
                    path == earlier_path && link == earlier_link
                },
            );
        same_walk
            && self.others.len() == earlier.others.len()
            && self
                .walked
                .iter()
                .zip(self.walked_stats.iter().zip(&earlier.walked_stats))
                .all(|((path, ..), (now, before))| same_stat(path, now, before))
            && self.others.iter().zip(&earlier.others).all(
                |((path, now), (earlier_path, before))| {
                    path == earlier_path && same_stat(path, now, before)
                },
            )
    }
}

/// A file's modification time and length, when it changed long enough before `taken_at`
/// that a later change would show in them. A missing file is `(UNIX_EPOCH, u64::MAX)`, so
/// that a file appearing later differs.
fn settled_stat(path: &Path, taken_at: SystemTime) -> Option<(SystemTime, u64)> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Some((SystemTime::UNIX_EPOCH, u64::MAX));
        }
        Err(_) => return None,
    };
    let modified = metadata.modified().ok()?;
    let settled = modified
        .checked_add(SETTLED)
        .is_some_and(|settled_at| settled_at <= taken_at);
    settled.then_some((modified, metadata.len()))
}

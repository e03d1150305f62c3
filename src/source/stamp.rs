//! What one `stat` says about a file, kept so that a later run can tell the file is unchanged
//! without reading it: its length, modification and status-change times, and which file it
//! is (device and inode). Git's index decides the same way which files to hash again.
//!
//! A stamp only vouches for a file that had settled when it was read: one whose times lie
//! well before the run began. A file written within the clock step of the read could be
//! written again with the same length and times (git calls such entries "racily clean"), so
//! its stamp is not kept and the next run reads it. The status-change time cannot be set by
//! programs (`touch -d`, `cp -p` and `rsync -t` set only the modification time), and any
//! write or rename moves it, so a file restored with an old modification time is read again.
//!
//! Within one process the language server asks less: a file's modification time and length,
//! to keep a text it read (`table::TextMemo`) or to learn that the disk did not change between
//! two edits (`disk_state`, with a margin of 100 ms). A stamp is kept on disk across runs, so
//! it holds more and asks more of a file before vouching for it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How long before a run began a file's times must lie for its stamp to be kept: more than
/// the coarsest clock step of a file system (two seconds on FAT).
const SETTLED: Duration = Duration::from_secs(3);

/// See the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    length: u64,
    /// Nanoseconds since the Unix epoch.
    modified: i128,
    /// Nanoseconds since the Unix epoch; the modification time where the system has none.
    changed: i128,
    device: u64,
    inode: u64,
}

impl FileStamp {
    /// The stamp of the file `metadata` describes, when the system gives its times.
    pub fn of(metadata: &std::fs::Metadata) -> Option<FileStamp> {
        let modified = nanoseconds_since_epoch(metadata.modified().ok()?);
        Some(FileStamp::with_identity(metadata, modified))
    }

    #[cfg(unix)]
    fn with_identity(metadata: &std::fs::Metadata, modified: i128) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            length: metadata.len(),
            modified,
            changed: i128::from(metadata.ctime()) * 1_000_000_000
                + i128::from(metadata.ctime_nsec()),
            device: metadata.dev(),
            inode: metadata.ino(),
        }
    }

    #[cfg(not(unix))]
    fn with_identity(metadata: &std::fs::Metadata, modified: i128) -> FileStamp {
        FileStamp {
            length: metadata.len(),
            modified,
            changed: modified,
            device: 0,
            inode: 0,
        }
    }

    /// Whether both of the file's times lie at least [`SETTLED`] before `run_start`.
    pub fn settled_before(&self, run_start: SystemTime) -> bool {
        let Some(threshold) = run_start.checked_sub(SETTLED) else {
            return false;
        };
        let threshold = nanoseconds_since_epoch(threshold);
        self.modified < threshold && self.changed < threshold
    }
}

/// Nanoseconds from the Unix epoch to `time`, negative before it.
fn nanoseconds_since_epoch(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_just_now_has_not_settled_and_an_old_one_has() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("spec.md");
        std::fs::write(&path, "# Spec\n").unwrap();
        let stamp = FileStamp::of(&std::fs::metadata(&path).unwrap()).unwrap();
        assert!(!stamp.settled_before(SystemTime::now()));
        assert!(stamp.settled_before(SystemTime::now() + Duration::from_secs(10)));
    }

    #[test]
    fn rewriting_a_file_with_its_old_modification_time_changes_its_stamp() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("prompt.txt");
        std::fs::write(&path, "Reply within 30 days.\n").unwrap();
        let metadata = std::fs::metadata(&path).unwrap();
        let before = FileStamp::of(&metadata).unwrap();
        let old_time = metadata.modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, "Reply within 45 days.\n").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(old_time).unwrap();
        drop(file);
        let after = FileStamp::of(&std::fs::metadata(&path).unwrap()).unwrap();
        assert_eq!(before.length, after.length);
        assert_eq!(before.modified, after.modified);
        assert_ne!(before, after, "the status-change time moved");
    }
}

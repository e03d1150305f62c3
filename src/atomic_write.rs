//! Writing files so that a reader sees either the old contents or the new, never a torn write.
//! Every file speclint writes (lock, baseline, report, cache entries, fixes) goes through here.

use std::io::Write;
use std::path::Path;

/// Writes `contents` to `path` through a temporary file in the same directory and a rename, so
/// the target is either the old file or the new one, never a torn write.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    write_bytes_atomically(path, contents.as_bytes(), Durability::Synced)
}

/// Whether the new contents reach the disk before the rename.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// `fsync` first: files users keep (lock, baseline, fixes) survive a power loss whole.
    Synced,
    /// No `fsync`: for the parse cache, which a reader checks and throws away when it is torn
    /// or empty, so that saving it does not cost a check a disk flush of many megabytes.
    Unsynced,
}

/// [`write_atomically`] for bytes (the binary parse cache), with a choice of durability.
pub fn write_bytes_atomically(
    path: &Path,
    contents: &[u8],
    durability: Durability,
) -> std::io::Result<()> {
    write_atomically_with(path, durability, |file| file.write_all(contents))
}

/// [`write_atomically`] for contents that `write` streams into the temporary file, so that a
/// large file (the parse cache) is never held whole in memory.
pub fn write_atomically_with(
    path: &Path,
    durability: Durability,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let directory = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The process ID keeps other processes' writers apart, the counter this process's
    // threads: two threads that write the same file at once (the cache folder's
    // `.gitignore`, created by whichever cache is opened first) must not share a temporary.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let write_number = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = directory.join(format!(
        ".{file_name}.{}.{write_number}.tmp",
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        write(&mut file)?;
        if durability == Durability::Synced {
            file.sync_all()?;
        }
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

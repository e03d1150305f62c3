//! The parse cache (like ruff's): for each file, the format it was recognised as and what its
//! loader extracted, so that a run over unchanged files re-reads and hashes them but parses
//! none. It is on by default; `--no-cache` (or `cache = false` in speclint.toml) turns it off.
//!
//! - One file per speclint version and settings: `.speclint_cache/v<version>/<settings>.bin`,
//!   in a compact binary form (postcard), read with one read and written with one atomic
//!   rename at the end of a run, only when something changed.
//! - Each record is keyed by the file's project-relative path and a 128-bit hash (xxh3) of
//!   its contents. A promptfoo config's record also lists every file its extraction points
//!   into (its tests files, CSV and JSONL datasets) with their hashes: it is used only when
//!   all of them are unchanged too.
//! - File IDs differ from run to run, so a record stores them as local indices (0 is the file
//!   itself, then its dependencies in order) and they are mapped back when it is read.
//! - Nothing in the cache is trusted: a file that does not start with the expected header, whose
//!   checksum (xxh3 of the body) does not match, or that was written by another version or for
//!   other settings is not read; a record that does not decode, or whose spans fall outside
//!   its files, is a miss. Either way the file is rewritten at the end of the run.
//! - The cache folder holds its own `.gitignore` (`*`), so it never reaches a commit.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::settings::Settings;
use crate::source::model::Extraction;
use crate::source::resolve::{Probe, probe_still_holds};
use crate::source::table::{FileTable, FileText};
use crate::source::{Format, Role};
use crate::source_db::FileId;
use crate::stable_hash::stable_hash;

pub const CACHE_DIR_NAME: &str = ".speclint_cache";

/// The first bytes of every cache file; a file without them is not read.
const MAGIC: &[u8] = b"speclint-cache\x001\n";

/// What the cache stores for one file.
#[derive(Clone, Serialize, Deserialize)]
pub struct Entry {
    pub role: Role,
    pub format: Format,
    pub extraction: Extraction,
}

/// A content hash: xxh3, 128 bits.
pub type ContentHash = u128;

pub fn content_hash(text: &str) -> ContentHash {
    crate::source_db::text_hash_of(text)
}

/// What decides whether a stored entry still holds: the file's hash, the files its entry
/// points into and the references its loader resolved.
#[derive(Clone, Serialize, Deserialize)]
pub struct Validity {
    hash: ContentHash,
    /// The other files the entry points into, by project-relative path, with their hashes.
    dependencies: Vec<(String, ContentHash)>,
    /// The references its loader resolved, replayed before the entry is used.
    probes: Vec<Probe>,
}

/// One file's record in the cache file.
pub struct Record {
    validity: Validity,
    /// The [`Entry`] with local file indices, encoded on its own so that only the entries a
    /// run needs are decoded.
    entry: EntryBytes,
}

/// Where a record's encoded entry is: in the cache file read at the start of the run (which
/// is kept whole rather than copied record by record), or new.
enum EntryBytes {
    Read(std::ops::Range<usize>),
    New(Vec<u8>),
}

/// A record as the cache file holds it, read with its entry's bytes borrowed from the file.
#[derive(Deserialize)]
struct ReadRecord<'a> {
    validity: Validity,
    #[serde(borrow)]
    entry: &'a [u8],
}

/// A record as it is written.
#[derive(Serialize)]
struct WrittenRecord<'a> {
    validity: &'a Validity,
    #[serde(with = "serde_bytes")]
    entry: &'a [u8],
}

#[derive(Deserialize)]
struct ReadCacheFile<'a> {
    version: &'a str,
    settings_key: &'a str,
    #[serde(borrow)]
    records: Vec<(&'a str, ReadRecord<'a>)>,
}

#[derive(Serialize)]
struct WrittenCacheFile<'a> {
    version: &'a str,
    settings_key: &'a str,
    records: Vec<(&'a str, WrittenRecord<'a>)>,
}

/// One file's record in a [`MemoryCache`]: the entry kept decoded, with the file IDs of the
/// run that stored it (`ids`: the file itself, then its dependencies). While they stay the
/// same, a hit is a cheap copy (eval cases are shared, not copied).
#[derive(Clone)]
pub struct MemoryRecord {
    validity: Validity,
    ids: Vec<FileId>,
    entry: Arc<Entry>,
}

/// The parse cache of a long-running process (the language server): entries stay decoded in
/// memory, so an edit re-parses only the edited file (and a config that reads it) and copies
/// the rest. It holds what the last run stored; files that were not seen are dropped.
#[derive(Default)]
pub struct MemoryCache {
    /// Shared, so that a lookup under the lock copies a pointer, not the record.
    records: Mutex<HashMap<String, Arc<MemoryRecord>>>,
    /// The texts of unchanged files, so that they are not read again either.
    pub texts: Arc<crate::source::table::TextMemo>,
    /// Config trees and tests files, for configs loaded again because a file they read
    /// changed.
    pub kept: crate::source::kept_parses::KeptParses,
}

/// How one file met the cache.
pub enum CacheOutcome {
    /// Its entry was used.
    Hit,
    /// It was parsed; this is its new record.
    Stored(Stored),
    /// It was not parsed, or it is an editor's unsaved buffer that the on-disk cache does
    /// not keep: what was read of it depends only on its own path and contents.
    NotCached,
    /// It was parsed and cannot be cached: a file it points into cannot be read back, so what
    /// it depends on is not known.
    Uncacheable,
}

/// A freshly parsed file's record, in the form of the cache it goes to.
pub enum Stored {
    Disk(Record),
    Memory(MemoryRecord),
}

/// Where a run's cache lives.
pub enum Cache {
    Disk(DiskCache),
    Memory(Arc<MemoryCache>),
}

/// Where the cache files of a project and its settings live:
/// `.speclint_cache/v<version>/<settings key>.<kind>`.
pub struct CacheLocation {
    directory: PathBuf,
    version: String,
    settings_key: String,
}

impl CacheLocation {
    /// Creates the folder (and its `.gitignore`); `None` when it cannot be created (a
    /// read-only checkout), in which case nothing is cached.
    pub fn create(checked_dir: &Path, settings: &Settings) -> Option<CacheLocation> {
        let root = checked_dir.join(CACHE_DIR_NAME);
        let version = env!("CARGO_PKG_VERSION").to_owned();
        let config = settings
            .config_path
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let settings_key = stable_hash(&format!(
            "{version}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{config}",
            env!("SPECLINT_SOURCE_HASH"),
            settings.id_pattern.source(),
            settings.max_file_bytes,
        ));
        let directory = root.join(format!("v{version}"));
        std::fs::create_dir_all(&directory).ok()?;
        let ignore = root.join(".gitignore");
        if !ignore.exists() {
            let _ = crate::atomic_write::write_atomically(
                &ignore,
                "# Written by speclint: the cache is local.\n*\n",
            );
        }
        Some(CacheLocation {
            directory,
            version,
            settings_key,
        })
    }

    /// The cache file of this kind (`bin` for parsed files, `rules.bin` for findings).
    pub fn file(&self, kind: &str) -> PathBuf {
        self.directory.join(format!("{}.{kind}", self.settings_key))
    }
}

/// How many sets of cache files for other settings a version's folder keeps: a project
/// checked with two or three configurations keeps a warm cache for each.
const KEPT_OTHER_SETTINGS: usize = 3;

/// A folder of another speclint version is removed once nothing in it was written for this
/// long: an upgrade leaves the old version's files behind, but a project checked by two
/// versions side by side (a pinned pre-commit hook and a newer local build) keeps both.
const OTHER_VERSION_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes stale cache files after this run wrote its own to `version_folder` under
/// `settings_key`: the files of other settings but the [`KEPT_OTHER_SETTINGS`] most recently
/// written, and the folders of other versions left unwritten for [`OTHER_VERSION_KEPT_FOR`].
/// Each configuration edit, and each development build, starts a new set of files (at scale
/// 1, 20 MB), so without this the folder only grows. Failures are ignored: pruning only saves
/// disk space, and another process may be removing the same files.
fn prune(version_folder: &Path, settings_key: &str) {
    let Ok(entries) = std::fs::read_dir(version_folder) else {
        return;
    };
    // Each other settings key with its files and the time its newest file was written.
    let mut others: HashMap<String, (std::time::SystemTime, Vec<PathBuf>)> = HashMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Temporary files of writes in progress start with a dot; they are left alone.
        let Some((key, _)) = name.split_once('.') else {
            continue;
        };
        if key.is_empty() || key == settings_key {
            continue;
        }
        let Ok(modified) = entry.metadata().and_then(|metadata| metadata.modified()) else {
            continue;
        };
        let (newest, files) = others
            .entry(key.to_owned())
            .or_insert((std::time::UNIX_EPOCH, Vec::new()));
        *newest = (*newest).max(modified);
        files.push(entry.path());
    }
    let mut by_age: Vec<(std::time::SystemTime, String, Vec<PathBuf>)> = others
        .into_iter()
        .map(|(key, (newest, files))| (newest, key, files))
        .collect();
    // Newest first; equal times by key, so that the choice does not depend on listing order.
    by_age.sort_by(|left, right| right.0.cmp(&left.0).then_with(|| left.1.cmp(&right.1)));
    for (_, _, files) in by_age.into_iter().skip(KEPT_OTHER_SETTINGS) {
        for file in files {
            let _ = std::fs::remove_file(file);
        }
    }
    prune_other_versions(version_folder);
}

fn prune_other_versions(version_folder: &Path) {
    let Some(cache_root) = version_folder.parent() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(cache_root) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let is_version_folder = entry.file_name().to_string_lossy().starts_with('v')
            && entry.file_type().is_ok_and(|kind| kind.is_dir());
        if !is_version_folder || path == version_folder {
            continue;
        }
        let newest = std::fs::read_dir(&path)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|file| {
                file.metadata()
                    .and_then(|metadata| metadata.modified())
                    .ok()
            })
            .max();
        let stale = newest.is_none_or(|newest| {
            now.duration_since(newest)
                .is_ok_and(|age| age > OTHER_VERSION_KEPT_FOR)
        });
        if stale {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// The body of a cache file that starts with `magic` and the checksum of the rest; `None`
/// for a missing, foreign, torn or edited file.
pub fn read_sealed(path: &Path, magic: &[u8]) -> Option<SealedBody> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(magic)?;
    let (checksum, body) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*checksum) != xxhash_rust::xxh3::xxh3_64(body) {
        return None;
    }
    Some(SealedBody {
        start: magic.len() + 8,
        bytes,
    })
}

/// The body of a sealed file, read and checked. The header stays in front of it: cache files
/// run to tens of megabytes in large projects, and neither moving the body nor copying it is
/// free.
pub struct SealedBody {
    bytes: Vec<u8>,
    start: usize,
}

impl std::ops::Deref for SealedBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }
}

/// Writes `value`, encoded, after `magic` and the checksum of the encoding, atomically and
/// without a flush to disk (a reader throws away a torn file). The encoding is streamed to the
/// file, never held whole in memory: at the end of a run that fills the cache it would be the
/// largest single allocation. A cache that cannot be written only costs the next run its speed.
pub fn write_sealed<T: Serialize + ?Sized>(path: &Path, magic: &[u8], value: &T) {
    write_sealed_with_tail(path, magic, value, &[]);
}

/// Writes `head`, encoded, then `tail`, bytes encoded before, sealed as [`write_sealed`]
/// seals one value: a stored file whose first part changed is written again without
/// decoding and encoding the rest.
pub fn write_sealed_with_tail<T: Serialize + ?Sized>(
    path: &Path,
    magic: &[u8],
    head: &T,
    tail: &[u8],
) {
    let _ = crate::atomic_write::write_atomically_with(
        path,
        crate::atomic_write::Durability::Unsynced,
        |file| {
            use std::io::{Seek, Write};
            file.write_all(magic)?;
            // The checksum is known only once the body is written; its place is kept.
            file.write_all(&[0; 8])?;
            // The buffer comes first: the encoder writes a few bytes at a time, and the hasher
            // and the file should see large pieces.
            let mut body = std::io::BufWriter::with_capacity(
                1 << 16,
                ChecksummedWriter {
                    inner: &mut *file,
                    hasher: xxhash_rust::xxh3::Xxh3::new(),
                },
            );
            postcard::to_io(head, &mut body).map_err(std::io::Error::other)?;
            body.write_all(tail)?;
            let checksummed = body.into_inner().map_err(|error| error.into_error())?;
            let checksum = checksummed.hasher.digest();
            file.seek(std::io::SeekFrom::Start(magic.len() as u64))?;
            file.write_all(&checksum.to_le_bytes())
        },
    );
}

/// A writer that hashes what passes through it, for [`write_sealed`]'s checksum.
struct ChecksummedWriter<W> {
    inner: W,
    hasher: xxhash_rust::xxh3::Xxh3,
}

impl<W: std::io::Write> std::io::Write for ChecksummedWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(bytes.get(..written).unwrap_or(bytes));
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub struct DiskCache {
    file_path: PathBuf,
    version: String,
    settings_key: String,
    /// The cache file read at the start of the run: the entries of its records.
    read: Option<SealedBody>,
    records: HashMap<String, Record>,
}

impl Cache {
    /// The on-disk cache of `checked_dir` for these settings, with what an earlier run stored.
    /// `None` when its folder cannot be created (a read-only checkout): then nothing is cached.
    pub fn open(checked_dir: &Path, settings: &Settings) -> Option<Cache> {
        let location = CacheLocation::create(checked_dir, settings)?;
        let file_path = location.file("bin");
        // The file is kept only when its records are: they point into it.
        let (read, records) = read_sealed(&file_path, MAGIC)
            .and_then(|body| {
                let records = decode_cache_file(&body, &location.version, &location.settings_key)?;
                Some((Some(body), records))
            })
            .unwrap_or_default();
        Some(Cache::Disk(DiskCache {
            file_path,
            version: location.version,
            settings_key: location.settings_key,
            read,
            records,
        }))
    }

    /// Whether entries of editors' unsaved buffers may be stored: only in memory, since on
    /// disk they would only pile up.
    pub fn stores_overlays(&self) -> bool {
        matches!(self, Cache::Memory(_))
    }

    /// The stored entry of the file `file` at `relative_path` whose text has `hash`, when it and
    /// every file it depends on are unchanged; its file IDs are those of this run.
    pub fn get(
        &self,
        table: &FileTable,
        relative_path: &str,
        file: FileId,
        hash: ContentHash,
    ) -> Option<Entry> {
        match self {
            Cache::Disk(disk) => {
                let record = disk.records.get(relative_path)?;
                let files = record.validity.holds(table, file, hash)?;
                let entry: Entry =
                    postcard::from_bytes(entry_bytes(disk.read.as_ref(), record)).ok()?;
                files.restore(entry)
            }
            Cache::Memory(memory) => {
                let record = memory.lock().get(relative_path)?.clone();
                let files = record.validity.holds(table, file, hash)?;
                let entry = Entry::clone(&record.entry);
                if files.ids == record.ids {
                    return Some(entry);
                }
                files.restore_from(&record.ids, entry)
            }
        }
    }

    /// The role and format of `file`'s cache entry when the entry holds, without decoding the
    /// rest of it: a run that may not need the file's items looks before it decodes them.
    pub fn kind_of(
        &self,
        table: &FileTable,
        relative_path: &str,
        file: FileId,
        hash: ContentHash,
    ) -> Option<(Role, Format)> {
        match self {
            Cache::Disk(disk) => {
                let record = disk.records.get(relative_path)?;
                record.validity.holds(table, file, hash)?;
                // An entry's role and format come first in its encoding.
                let (kind, _): ((Role, Format), &[u8]) =
                    postcard::take_from_bytes(entry_bytes(disk.read.as_ref(), record)).ok()?;
                Some(kind)
            }
            Cache::Memory(memory) => {
                let record = memory.lock().get(relative_path)?.clone();
                record.validity.holds(table, file, hash)?;
                Some((record.entry.role, record.entry.format))
            }
        }
    }

    /// What this run's files depend on beyond themselves (see
    /// [`crate::source::project_print`]); `None` in memory, or when it is not known.
    pub fn inputs_beyond_walk(
        &self,
        outcomes: &[(String, CacheOutcome)],
    ) -> Option<crate::source::project_print::InputsBeyondWalk> {
        let Cache::Disk(disk) = self else {
            return None;
        };
        crate::source::project_print::inputs_beyond_walk(outcomes.iter().map(|(path, outcome)| {
            let validity = match outcome {
                CacheOutcome::Hit => disk.records.get(path).map(|record| &record.validity),
                CacheOutcome::Stored(Stored::Disk(record)) => Some(&record.validity),
                CacheOutcome::Stored(Stored::Memory(record)) => Some(&record.validity),
                CacheOutcome::NotCached | CacheOutcome::Uncacheable => None,
            };
            (outcome, validity)
        }))
    }

    /// The record of a freshly parsed file, or `None` when a file it points into cannot be
    /// read back (then it is parsed again next time).
    pub fn record(
        &self,
        table: &FileTable,
        file: FileId,
        hash: ContentHash,
        probes: Vec<Probe>,
        entry: &mut Entry,
    ) -> Option<Stored> {
        let mut local: Vec<FileId> = vec![file];
        entry.extraction.for_each_file_id(|id| {
            if !local.contains(id) {
                local.push(*id);
            }
        });
        let mut dependencies = Vec::new();
        for id in local.iter().skip(1) {
            let FileText::Text(text) = table.text(*id) else {
                return None;
            };
            dependencies.push((table.relative_path(*id), content_hash(&text)));
        }
        let validity = Validity {
            hash,
            dependencies,
            probes,
        };
        if let Cache::Memory(_) = self {
            return Some(Stored::Memory(MemoryRecord {
                validity,
                ids: local,
                entry: Arc::new(entry.clone()),
            }));
        }
        // Store local indices, then put the run's IDs back.
        entry.extraction.for_each_file_id(|id| {
            if let Some(index) = local.iter().position(|known| known == id) {
                *id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            }
        });
        let stored = postcard::to_stdvec(&*entry).ok().map(|mut encoded| {
            // The encoding grew by doubling; records live until the run's end.
            encoded.shrink_to_fit();
            Stored::Disk(Record {
                validity,
                entry: EntryBytes::New(encoded),
            })
        });
        entry.extraction.for_each_file_id(|id| {
            if let Some(original) = usize::try_from(id.0)
                .ok()
                .and_then(|index| local.get(index))
            {
                *id = *original;
            }
        });
        stored
    }

    /// Keeps the records of this run: `outcomes` holds each file's path and how it met the
    /// cache; files no longer present are dropped. The on-disk cache is written only when
    /// something changed.
    pub fn save(self, outcomes: Vec<(String, CacheOutcome)>) {
        match self {
            Cache::Disk(disk) => disk.save(outcomes),
            Cache::Memory(memory) => {
                let mut records = memory.lock();
                let mut kept = HashMap::with_capacity(outcomes.len());
                for (path, outcome) in outcomes {
                    match outcome {
                        CacheOutcome::Hit => {
                            if let Some(record) = records.remove(&path) {
                                kept.insert(path, record);
                            }
                        }
                        CacheOutcome::Stored(Stored::Memory(record)) => {
                            kept.insert(path, Arc::new(record));
                        }
                        CacheOutcome::Stored(Stored::Disk(_))
                        | CacheOutcome::NotCached
                        | CacheOutcome::Uncacheable => {}
                    }
                }
                *records = kept;
            }
        }
    }
}

impl MemoryCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<MemoryRecord>>> {
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The files of a record that still holds: index 0 is the file itself, then its dependencies
/// in the record's order; with their lengths.
struct RecordFiles {
    ids: Vec<FileId>,
    lengths: Vec<usize>,
}

impl Validity {
    pub(crate) fn dependencies(&self) -> &[(String, ContentHash)] {
        &self.dependencies
    }

    pub(crate) fn probes(&self) -> &[Probe] {
        &self.probes
    }

    /// The record's files in this run, when the file, its dependencies and its references are
    /// all as they were.
    fn holds(&self, table: &FileTable, file: FileId, hash: ContentHash) -> Option<RecordFiles> {
        if self.hash != hash {
            return None;
        }
        let mut ids = vec![file];
        let mut lengths = vec![table_text_length(table, file)?];
        for (path, dependency_hash) in &self.dependencies {
            let id = table.intern(&table.checked_dir().join(path));
            let FileText::Text(text) = table.text(id) else {
                return None;
            };
            if content_hash(&text) != *dependency_hash {
                return None;
            }
            ids.push(id);
            lengths.push(text.len());
        }
        let references_hold = self
            .probes
            .iter()
            .all(|probe| probe_still_holds(table, probe));
        references_hold.then_some(RecordFiles { ids, lengths })
    }
}

impl RecordFiles {
    /// Maps an entry stored with the file IDs `stored` (the file, then its dependencies) to
    /// this run's IDs.
    fn restore_from(&self, stored: &[FileId], mut entry: Entry) -> Option<Entry> {
        let mut valid = true;
        entry.extraction.for_each_file_id(|id| {
            match stored
                .iter()
                .position(|known| known == id)
                .and_then(|index| self.ids.get(index))
            {
                Some(mapped) => *id = *mapped,
                None => valid = false,
            }
        });
        valid.then_some(entry)
    }

    /// Maps an entry's local file indices to this run's IDs; `None` when an index or a span
    /// does not fit (a damaged entry).
    fn restore(&self, mut entry: Entry) -> Option<Entry> {
        let mut valid = true;
        entry.extraction.for_each_file_id(|id| {
            match usize::try_from(id.0)
                .ok()
                .and_then(|index| self.ids.get(index))
            {
                Some(mapped) => *id = *mapped,
                None => valid = false,
            }
        });
        valid &= entry.extraction.spans_fit(|id| {
            self.ids
                .iter()
                .position(|known| *known == id)
                .and_then(|index| self.lengths.get(index).copied())
        });
        valid.then_some(entry)
    }
}

impl DiskCache {
    fn save(mut self, outcomes: Vec<(String, CacheOutcome)>) {
        let mut changed = false;
        let mut records = Vec::with_capacity(outcomes.len());
        for (path, outcome) in outcomes {
            match outcome {
                CacheOutcome::Hit => {
                    if let Some(record) = self.records.remove(&path) {
                        records.push((path, record));
                    }
                }
                CacheOutcome::Stored(Stored::Disk(record)) => {
                    changed = true;
                    records.push((path, record));
                }
                CacheOutcome::Stored(Stored::Memory(_))
                | CacheOutcome::NotCached
                | CacheOutcome::Uncacheable => {
                    changed |= self.records.remove(&path).is_some();
                }
            }
        }
        changed |= !self.records.is_empty();
        if !changed {
            return;
        }
        records.sort_by(|left, right| left.0.cmp(&right.0));
        let file = WrittenCacheFile {
            version: &self.version,
            settings_key: &self.settings_key,
            records: records
                .iter()
                .map(|(path, record)| {
                    let written = WrittenRecord {
                        validity: &record.validity,
                        entry: entry_bytes(self.read.as_ref(), record),
                    };
                    (path.as_str(), written)
                })
                .collect(),
        };
        write_sealed(&self.file_path, MAGIC, &file);
        if let Some(version_folder) = self.file_path.parent() {
            prune(version_folder, &self.settings_key);
        }
    }
}

fn table_text_length(table: &FileTable, file: FileId) -> Option<usize> {
    match table.text(file) {
        FileText::Text(text) => Some(text.len()),
        FileText::Unreadable(_) => None,
    }
}

/// The encoded entry of `record`, with `read` the cache file read at the start of the run.
fn entry_bytes<'a>(read: Option<&'a SealedBody>, record: &'a Record) -> &'a [u8] {
    match &record.entry {
        EntryBytes::New(bytes) => bytes,
        EntryBytes::Read(range) => read
            .and_then(|body| body.get(range.clone()))
            .unwrap_or_default(),
    }
}

/// The records of a cache file's `body`. Their entries are not copied out: each is kept as
/// where it lies in `body`, which the decoder borrowed it from.
fn decode_cache_file(
    body: &[u8],
    version: &str,
    settings_key: &str,
) -> Option<HashMap<String, Record>> {
    let file: ReadCacheFile<'_> = postcard::from_bytes(body).ok()?;
    if file.version != version || file.settings_key != settings_key {
        return None;
    }
    let base = body.as_ptr() as usize;
    let mut records = HashMap::with_capacity(file.records.len());
    for (path, record) in file.records {
        let start = (record.entry.as_ptr() as usize).checked_sub(base)?;
        let range = start..start.checked_add(record.entry.len())?;
        // A borrowed slice lies in `body`; the check costs nothing and keeps a decoder that
        // copied from ever pointing the record elsewhere.
        if body.get(range.clone()).map(<[u8]>::as_ptr) != Some(record.entry.as_ptr()) {
            return None;
        }
        records.insert(
            path.to_owned(),
            Record {
                validity: record.validity,
                entry: EntryBytes::Read(range),
            },
        );
    }
    Some(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validity(hash: ContentHash) -> Validity {
        Validity {
            hash,
            dependencies: vec![("tests.csv".to_owned(), 7)],
            probes: Vec::new(),
        }
    }

    #[test]
    fn records_read_back_point_at_their_entries_in_the_file_read() {
        let entries: [&[u8]; 3] = [b"first entry", b"", b"\x00\x01third"];
        let validities = [validity(1), validity(2), validity(3)];
        let file = WrittenCacheFile {
            version: "v",
            settings_key: "k",
            records: ["a.md", "b.yaml", "c.jsonl"]
                .into_iter()
                .zip(&validities)
                .zip(entries)
                .map(|((path, validity), entry)| (path, WrittenRecord { validity, entry }))
                .collect(),
        };
        let encoded = postcard::to_stdvec(&file).unwrap();
        let read = SealedBody {
            bytes: encoded.clone(),
            start: 0,
        };
        let records = decode_cache_file(&read, "v", "k").unwrap();
        assert_eq!(records.len(), 3);
        for (path, entry) in ["a.md", "b.yaml", "c.jsonl"].into_iter().zip(entries) {
            let record = records.get(path).unwrap();
            assert!(matches!(record.entry, EntryBytes::Read(_)));
            assert_eq!(entry_bytes(Some(&read), record), entry);
        }
        assert_eq!(records.get("b.yaml").unwrap().validity.hash, 2);
        // Another version's or settings' file is not read.
        assert!(decode_cache_file(&read, "w", "k").is_none());
        assert!(decode_cache_file(&read, "v", "other").is_none());
        // A record read from one file never answers with another file's bytes.
        let record = records.get("a.md").unwrap();
        assert_eq!(entry_bytes(None, record), b"");
    }
}

//! The file table of one run: every file read, each read once, shared by all loaders. Walked
//! files get IDs in path order; files first met through a `file://` reference are appended.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::source::cache::{ContentHash, content_hash};
use crate::source::discover::WalkedFile;
use crate::source::model::Problem;
use crate::source::stamp::FileStamp;
use crate::source_db::{FileId, SourceDb, SourceFile, Span, relative_path_string};

/// A file's text, or why it could not be read (the problem points at the file's start).
#[derive(Clone)]
pub enum FileText {
    Text(Arc<str>),
    Unreadable(Problem),
}

/// A file's contents as a run compares them: the hash of its text, or why it cannot be read.
pub enum TextState {
    Text(ContentHash),
    Unreadable(String),
}

struct Entry {
    source: SourceFile,
    text: Option<FileText>,
    /// What `stat` said just before the text was read from disk.
    stamp: Option<FileStamp>,
}

#[derive(Default)]
struct Inner {
    entries: Vec<Entry>,
    /// A fast hash: a run looks up every walked path, and paths are not chosen by an attacker.
    by_path: rustc_hash::FxHashMap<PathBuf, FileId>,
}

impl Inner {
    /// Adds a file not seen before, with no text read yet, under the next ID.
    fn push_new(&mut self, relative_path: String, path: PathBuf, empty: &Arc<str>) -> FileId {
        let id = FileId(u32::try_from(self.entries.len()).unwrap_or(u32::MAX));
        self.by_path.insert(path.clone(), id);
        self.entries.push(Entry {
            source: SourceFile::new(relative_path, path, Arc::clone(empty)),
            text: None,
            stamp: None,
        });
        id
    }
}

pub struct FileTable {
    checked_dir: PathBuf,
    max_file_bytes: u64,
    /// Texts that replace what is on disk: the unsaved buffers of an editor.
    overlays: HashMap<PathBuf, Arc<str>>,
    /// Texts read by earlier runs of a long-running process, reused while a file's
    /// modification time and length are unchanged.
    text_memo: Option<Arc<TextMemo>>,
    /// When the table was made, before any file was read: stamps vouch for files whose times
    /// lie well before it.
    created: std::time::SystemTime,
    /// The checked directory with its links resolved, worked out on first use: every file
    /// reference a run resolves is compared with it.
    canonical_checked_dir: std::sync::OnceLock<Option<PathBuf>>,
    inner: Mutex<Inner>,
}

/// The texts of files on disk, kept between the runs of a long-running process (the language
/// server) with the modification time and length they had when read: a file whose two are
/// unchanged is not read again, the way build tools and ruff's cache decide that a file is
/// unchanged. A file rewritten within the clock's resolution with the same length would be
/// missed until its next change; editors' own files reach the server as buffers anyway.
#[derive(Default)]
pub struct TextMemo {
    texts: Mutex<HashMap<PathBuf, KeptText>>,
}

/// A line index shared by every check that sees the same text.
type KeptLines = Arc<std::sync::OnceLock<Vec<usize>>>;

/// A text and the modification time and length its file had when it was read, with its line
/// index once a check built it.
struct KeptText {
    modified: std::time::SystemTime,
    length: u64,
    text: Arc<str>,
    lines: KeptLines,
}

impl TextMemo {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, KeptText>> {
        self.texts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets the files that are not in `paths` (deleted or no longer read).
    pub fn retain(&self, paths: &std::collections::HashSet<&Path>) {
        self.lock().retain(|path, _| paths.contains(path.as_path()));
    }
}

impl FileTable {
    pub fn new(checked_dir: &Path, max_file_bytes: u64) -> FileTable {
        FileTable::with_overlays(checked_dir, max_file_bytes, HashMap::new())
    }

    pub fn with_overlays(
        checked_dir: &Path,
        max_file_bytes: u64,
        overlays: HashMap<PathBuf, Arc<str>>,
    ) -> FileTable {
        FileTable {
            checked_dir: checked_dir.to_path_buf(),
            max_file_bytes,
            overlays,
            text_memo: None,
            created: std::time::SystemTime::now(),
            canonical_checked_dir: std::sync::OnceLock::new(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Reuses the texts `memo` kept while files are unchanged on disk, and keeps new ones.
    pub fn with_text_memo(mut self, memo: Arc<TextMemo>) -> FileTable {
        self.text_memo = Some(memo);
        self
    }

    /// Every path the table holds.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.lock()
            .entries
            .iter()
            .map(|entry| entry.source.absolute_path.clone())
            .collect()
    }

    /// How many files the table holds.
    pub fn file_count(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether `path`'s text comes from an editor buffer rather than the disk.
    pub fn is_overlay(&self, path: &Path) -> bool {
        self.overlays.contains_key(path)
    }

    pub fn checked_dir(&self) -> &Path {
        &self.checked_dir
    }

    /// The checked directory with `..` taken out and its links resolved; `None` when it cannot
    /// be resolved (it was removed).
    pub fn canonical_checked_dir(&self) -> Option<&Path> {
        self.canonical_checked_dir
            .get_or_init(|| {
                crate::source::resolve::normalize(&self.checked_dir)
                    .canonicalize()
                    .ok()
            })
            .as_deref()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked; the table itself is consistent.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers `path` (absolute, below the checked directory) and returns its ID.
    pub fn intern(&self, path: &Path) -> FileId {
        let mut inner = self.lock();
        if let Some(&id) = inner.by_path.get(path) {
            return id;
        }
        let relative = relative_path_string(&self.checked_dir, path);
        inner.push_new(relative, path.to_path_buf(), &Arc::from(""))
    }

    /// Interns the files of `db` in its order, so that each gets the ID it has there, and
    /// says whether each did (a table that already held other files gives other IDs). The
    /// language server does this for every edit it patches in: under one lock, with room made
    /// once, and with the relative paths `db` already holds instead of working each out again.
    pub fn intern_known(&self, db: &SourceDb) -> bool {
        let mut inner = self.lock();
        inner.entries.reserve(db.len());
        inner.by_path.reserve(db.len());
        let empty: Arc<str> = Arc::from("");
        for (id, source) in db.iter() {
            if inner.by_path.contains_key(&source.absolute_path) {
                return false;
            }
            let added = inner.push_new(
                source.relative_path.clone(),
                source.absolute_path.clone(),
                &empty,
            );
            if added != id {
                return false;
            }
        }
        true
    }

    /// Interns the walked files, in order: the IDs [`FileTable::intern`] gives, without working
    /// out their relative paths again, under one lock and with room made once.
    pub fn intern_walked(&self, walked: &[WalkedFile]) -> Vec<FileId> {
        let mut inner = self.lock();
        inner.entries.reserve(walked.len());
        inner.by_path.reserve(walked.len());
        let empty: Arc<str> = Arc::from("");
        walked
            .iter()
            .map(|file| {
                if let Some(&id) = inner.by_path.get(&file.path) {
                    return id;
                }
                inner.push_new(file.relative_path.clone(), file.path.clone(), &empty)
            })
            .collect()
    }

    pub fn lookup(&self, path: &Path) -> Option<FileId> {
        self.lock().by_path.get(path).copied()
    }

    pub fn relative_path(&self, id: FileId) -> String {
        self.lock()
            .entries
            .get(id.0 as usize)
            .map(|entry| entry.source.relative_path.clone())
            .unwrap_or_default()
    }

    pub fn absolute_path(&self, id: FileId) -> PathBuf {
        self.lock()
            .entries
            .get(id.0 as usize)
            .map(|entry| entry.source.absolute_path.clone())
            .unwrap_or_default()
    }

    /// The file's text, reading it on first use. The lock is not held while reading.
    pub fn text(&self, id: FileId) -> FileText {
        let path = {
            let inner = self.lock();
            let Some(entry) = inner.entries.get(id.0 as usize) else {
                return FileText::Unreadable(Problem::error(Span::file_start(id), "unknown file"));
            };
            if let Some(text) = &entry.text {
                return text.clone();
            }
            entry.source.absolute_path.clone()
        };
        let (read, lines, stamp) = match self.overlays.get(&path) {
            Some(text) => (FileText::Text(Arc::clone(text)), None, None),
            None => self.read_from_disk(id, &path),
        };
        let mut inner = self.lock();
        let Some(entry) = inner.entries.get_mut(id.0 as usize) else {
            return read;
        };
        // Another thread may have read it meanwhile; keep the first result.
        if let Some(text) = &entry.text {
            return text.clone();
        }
        let shown = match &read {
            FileText::Text(text) => Arc::clone(text),
            FileText::Unreadable(problem) => partial_text(&path, problem),
        };
        let relative = entry.source.relative_path.clone();
        entry.source = match lines {
            Some(lines) => SourceFile::with_line_index(relative, path, shown, lines),
            None => SourceFile::new(relative, path, shown),
        };
        entry.text = Some(read.clone());
        entry.stamp = stamp;
        read
    }

    /// The length of the file's text when it has been read (or is an editor's buffer),
    /// without reading it. Reading a file only to count its bytes would read through a
    /// symbolic link, which no loader follows: what the link points to (maybe outside the
    /// repository) would then be drawn under the finding that says it was not read.
    pub fn read_length(&self, id: FileId) -> Option<usize> {
        match &self.lock().entries.get(id.0 as usize)?.text {
            Some(FileText::Text(text)) => Some(text.len()),
            Some(FileText::Unreadable(_)) | None => None,
        }
    }

    /// The stamp of a file read from disk whose times lie well before this table was made
    /// (see [`crate::source::stamp`]): what a later run may trust instead of reading it.
    pub fn settled_stamp(&self, id: FileId) -> Option<FileStamp> {
        let stamp = self.lock().entries.get(id.0 as usize)?.stamp?;
        stamp.settled_before(self.created).then_some(stamp)
    }

    /// What the file holds, for comparing runs: the hash of its text (worked out once per run
    /// however often it is asked for), or why it cannot be read.
    pub fn text_state(&self, id: FileId) -> TextState {
        match self.text(id) {
            FileText::Text(text) => {
                TextState::Text(self.text_hash(id).unwrap_or_else(|| content_hash(&text)))
            }
            FileText::Unreadable(problem) => TextState::Unreadable(problem.message),
        }
    }

    /// The hash of the text `id` holds in this run ([`SourceFile::text_hash`]), kept with
    /// it: the parse cache, the record of what a run read and the rule memo each ask for it.
    /// Read first if it was not; `None` when it cannot be read.
    pub fn text_hash(&self, id: FileId) -> Option<ContentHash> {
        let FileText::Text(_) = self.text(id) else {
            return None;
        };
        let (text, cell) = self
            .lock()
            .entries
            .get(id.0 as usize)?
            .source
            .text_and_hash_cell();
        // Worked out outside the table's lock: other threads read other files meanwhile.
        Some(*cell.get_or_init(|| content_hash(&text)))
    }

    /// What the file holds, for comparing runs, without keeping its text: a file whose
    /// text no output will show is read into a reused buffer and only hashed. A text the
    /// table already holds (read before, or an editor's buffer) is hashed as it is.
    pub fn text_state_unkept(&self, id: FileId) -> TextState {
        let unread = {
            let inner = self.lock();
            inner
                .entries
                .get(id.0 as usize)
                .filter(|entry| entry.text.is_none())
                .map(|entry| entry.source.absolute_path.clone())
        };
        match unread {
            Some(path) if self.text_memo.is_none() && !self.overlays.contains_key(&path) => {
                let (state, stamp) =
                    with_file_text(id, &path, self.max_file_bytes, |read, stamp| match read {
                        Ok(text) => (TextState::Text(content_hash(text)), stamp),
                        Err(problem) => (TextState::Unreadable(problem.message), stamp),
                    });
                // The stamp goes with the hash: a run that reuses its findings stores it for
                // the next one (`settled_stamp`).
                if let Some(entry) = self.lock().entries.get_mut(id.0 as usize)
                    && entry.text.is_none()
                {
                    entry.stamp = stamp;
                }
                state
            }
            // Read already, an editor's buffer, a text the memo may hold, or an unknown ID:
            // the table's own answer.
            _ => self.text_state(id),
        }
    }

    /// Reads a file, or takes the text the memo kept when the file has not changed since; with
    /// the line index kept for that text, if any, and the stamp of a file read now.
    fn read_from_disk(
        &self,
        id: FileId,
        path: &Path,
    ) -> (FileText, Option<KeptLines>, Option<FileStamp>) {
        let Some(memo) = &self.text_memo else {
            let (read, stamp) = with_file_text(id, path, self.max_file_bytes, |read, stamp| {
                (to_file_text(read), stamp)
            });
            return (read, None, stamp);
        };
        let stamp = std::fs::metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|metadata| Some((metadata.modified().ok()?, metadata.len())));
        if let Some((modified, length)) = stamp
            && let Some(kept) = memo.lock().get(path)
            && kept.modified == modified
            && kept.length == length
        {
            return (
                FileText::Text(Arc::clone(&kept.text)),
                Some(Arc::clone(&kept.lines)),
                None,
            );
        }
        let read = read_text(id, path, self.max_file_bytes);
        // The time and length are those seen before reading: a change during the read shows as
        // a newer time next run.
        let mut lines = None;
        if let (Some((modified, length)), FileText::Text(text)) = (stamp, &read) {
            let kept = KeptText {
                modified,
                length,
                text: Arc::clone(text),
                lines: KeptLines::default(),
            };
            lines = Some(Arc::clone(&kept.lines));
            memo.lock().insert(path.to_path_buf(), kept);
        }
        (read, lines, None)
    }

    /// The finished table, for the graph.
    pub fn into_db(self) -> SourceDb {
        let inner = self
            .inner
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        SourceDb::new(
            inner
                .entries
                .into_iter()
                .map(|entry| entry.source)
                .collect(),
        )
    }
}

/// For a file that is not valid UTF-8 the valid prefix is kept, so that the problem can point
/// at the line of the bad byte.
fn partial_text(path: &Path, problem: &Problem) -> Arc<str> {
    if problem.span.start() == 0 {
        return Arc::from("");
    }
    let Ok(bytes) = std::fs::read(path) else {
        return Arc::from("");
    };
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let prefix = without_bom.get(..problem.span.start()).unwrap_or_default();
    Arc::from(std::str::from_utf8(prefix).unwrap_or_default())
}

thread_local! {
    /// Each thread reads files into one buffer that it keeps: a text is then copied once into
    /// its shared form, and a file that is only hashed allocates nothing.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A read buffer larger than this is not kept for the next file.
const KEPT_BUFFER_BYTES: usize = 4 << 20;

/// Reads a file as UTF-8 text, refusing what is too large, binary, UTF-16 or not UTF-8.
pub fn read_text(id: FileId, path: &Path, max_file_bytes: u64) -> FileText {
    with_file_text(id, path, max_file_bytes, |read, _| to_file_text(read))
}

fn to_file_text(read: Result<&str, Problem>) -> FileText {
    match read {
        Ok(text) => FileText::Text(Arc::from(text)),
        Err(problem) => FileText::Unreadable(problem),
    }
}

/// Reads a file as [`read_text`] does and hands `use_text` the text, or why it cannot be
/// read, from the thread's read buffer, with the file's stamp taken before it was read.
fn with_file_text<R>(
    id: FileId,
    path: &Path,
    max_file_bytes: u64,
    use_text: impl FnOnce(Result<&str, Problem>, Option<FileStamp>) -> R,
) -> R {
    // A reader that is itself called while the buffer is lent out gets a buffer of its own.
    let mut own_buffer = Vec::new();
    READ_BUFFER.with(|kept| match kept.try_borrow_mut() {
        Ok(mut buffer) => {
            let (read, stamp) = checked_text(id, path, max_file_bytes, &mut buffer);
            let result = use_text(read, stamp);
            if buffer.capacity() > KEPT_BUFFER_BYTES {
                *buffer = Vec::new();
            }
            result
        }
        Err(_) => {
            let (read, stamp) = checked_text(id, path, max_file_bytes, &mut own_buffer);
            use_text(read, stamp)
        }
    })
}

/// Reads the file at `path`, `expected` bytes long when it was looked at, into the start of
/// `buffer`, and returns how many bytes it holds. The buffer is only ever grown, never cleared:
/// what lies past the returned length is left from earlier files. A file that grew reads on
/// until it is past `max_file_bytes`; one read fills a file whose length is as expected, and
/// one more sees its end, without the size-hint calls of `std::fs::read`.
fn read_into(
    path: &Path,
    expected: u64,
    max_file_bytes: u64,
    buffer: &mut Vec<u8>,
) -> std::io::Result<usize> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let wanted = usize::try_from(expected.min(max_file_bytes))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if buffer.len() < wanted {
        buffer.resize(wanted, 0);
    }
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            if filled as u64 > max_file_bytes {
                return Ok(filled);
            }
            buffer.resize(filled.saturating_mul(2).max(8192), 0);
        }
        let Some(spare) = buffer.get_mut(filled..) else {
            return Ok(filled);
        };
        match file.read(spare) {
            Ok(0) => return Ok(filled),
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
}

/// Reads `path` into `buffer` and returns its text, or why it cannot be read, with the stamp
/// of the file taken before it was opened.
fn checked_text<'b>(
    id: FileId,
    path: &Path,
    max_file_bytes: u64,
    buffer: &'b mut Vec<u8>,
) -> (Result<&'b str, Problem>, Option<FileStamp>) {
    // One `stat`, before the file is opened (opening a FIFO would block), says whether it is
    // a regular file, its length and its stamp: reading thousands of small files, the system
    // calls cost more than the bytes. A change after it shows as a new stamp next run.
    let metadata = std::fs::metadata(path).ok();
    let stamp = metadata.as_ref().and_then(FileStamp::of);
    (
        checked_text_of(id, path, metadata, max_file_bytes, buffer),
        stamp,
    )
}

/// [`checked_text`] once the file was looked at.
fn checked_text_of<'b>(
    id: FileId,
    path: &Path,
    metadata: Option<std::fs::Metadata>,
    max_file_bytes: u64,
    buffer: &'b mut Vec<u8>,
) -> Result<&'b str, Problem> {
    let at_start = Span::file_start(id);
    if let Some(metadata) = &metadata
        && !metadata.is_file()
    {
        // A FIFO or a device would block or never end.
        return Err(Problem::error(
            at_start,
            "not a regular file; it was not read",
        ));
    }
    if let Some(metadata) = &metadata
        && metadata.len() > max_file_bytes
    {
        return Err(Problem::error(
            at_start,
            format!(
                "file is {} bytes, over the limit of {max_file_bytes} bytes; it was not read",
                metadata.len()
            ),
        )
        .with_help("exclude it in speclint.toml, or split it"));
    }
    let expected = metadata.map_or(0, |metadata| metadata.len());
    let filled = match read_into(path, expected, max_file_bytes, buffer) {
        Ok(filled) => filled,
        Err(error) => {
            return Err(Problem::error(
                at_start,
                format!("cannot read file: {error}"),
            ));
        }
    };
    let bytes: &'b [u8] = buffer.get(..filled).unwrap_or_default();
    if bytes.len() as u64 > max_file_bytes {
        return Err(Problem::error(
            at_start,
            format!("file is over the limit of {max_file_bytes} bytes; it was not read"),
        )
        .with_help("exclude it in speclint.toml, or split it"));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Problem::error(
            at_start,
            "file is UTF-16 encoded; speclint reads UTF-8 only",
        )
        .with_help("convert it to UTF-8"));
    }
    let head = bytes.get(..8192).unwrap_or(bytes);
    if head.contains(&0) {
        return Err(Problem::error(
            at_start,
            "file looks binary (it contains NUL bytes); it was not read",
        ));
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(without_bom).map_err(|error| {
        let valid = error.valid_up_to();
        Problem::error(
            Span::new(id, valid, valid),
            format!("file is not valid UTF-8 (invalid byte at offset {valid}); it was not read"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_vanished_is_a_problem_not_a_crash() {
        let directory = std::env::temp_dir().join(format!("speclint-table-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&directory);
        let path = directory.join("deleted.md");
        std::fs::write(&path, "text").unwrap();
        let table = FileTable::new(&directory, 1 << 20);
        let id = table.intern(&path);
        // Deleted between the walk and the read.
        std::fs::remove_file(&path).unwrap();
        match table.text(id) {
            FileText::Unreadable(problem) => assert!(
                problem.message.contains("cannot read file"),
                "{}",
                problem.message
            ),
            FileText::Text(_) => panic!("a deleted file cannot be read"),
        }
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn a_text_s_kept_hash_is_the_hash_of_the_text_in_the_table_and_in_the_run_s_files() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("prompt.md");
        std::fs::write(&path, "Reply within 30 days.\n").unwrap();
        let table = FileTable::new(directory.path(), 1 << 20);
        let id = table.intern(&path);
        let expected = content_hash("Reply within 30 days.\n");
        assert_eq!(table.text_hash(id), Some(expected));
        assert!(matches!(table.text_state(id), TextState::Text(hash) if hash == expected));
        let missing = table.intern(&directory.path().join("missing.md"));
        assert_eq!(table.text_hash(missing), None);
        assert!(matches!(
            table.text_state(missing),
            TextState::Unreadable(_)
        ));
        let db = table.into_db();
        assert_eq!(db.get(id).map(SourceFile::text_hash), Some(expected));
        assert_eq!(db.contents_hash(id), expected);
    }

    #[test]
    fn a_file_only_hashed_reads_as_a_kept_one_does() {
        let directory = tempfile::tempdir().unwrap();
        let files: [(&str, &[u8]); 8] = [
            ("plain.md", b"# Title\n\nFR-001: The system MUST reply.\n"),
            ("empty.md", b""),
            ("bom.md", b"\xEF\xBB\xBFFR-001: text\n"),
            ("latin1.md", b"caf\xE9\n"),
            ("binary.md", b"a\0b"),
            ("utf16.md", b"\xFF\xFEa\0"),
            ("large.md", &[b'x'; 200]),
            ("exactly-the-limit.md", &[b'y'; 100]),
        ];
        for (name, bytes) in files {
            std::fs::write(directory.path().join(name), bytes).unwrap();
        }
        let names = files.iter().map(|(name, _)| *name).chain(["missing.md"]);
        for name in names {
            let path = directory.path().join(name);
            let kept = FileTable::new(directory.path(), 100);
            let kept_state = kept.text_state(kept.intern(&path));
            let hashed = FileTable::new(directory.path(), 100);
            let hashed_state = hashed.text_state_unkept(hashed.intern(&path));
            match (kept_state, hashed_state) {
                (TextState::Text(left), TextState::Text(right)) => {
                    assert_eq!(left, right, "{name}")
                }
                (TextState::Unreadable(left), TextState::Unreadable(right)) => {
                    assert_eq!(left, right, "{name}");
                }
                _ => panic!("{name}: one read it, the other did not"),
            }
        }
        // A text read through the reused buffer after a longer file keeps only its own bytes.
        let table = FileTable::new(directory.path(), 1000);
        for name in ["large.md", "plain.md", "empty.md"] {
            let FileText::Text(text) = table.text(table.intern(&directory.path().join(name)))
            else {
                panic!("{name} is text");
            };
            let on_disk = std::fs::read(directory.path().join(name)).unwrap();
            assert_eq!(text.as_bytes(), on_disk.as_slice(), "{name}");
        }
    }
}

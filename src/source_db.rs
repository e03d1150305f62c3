//! Source files held in memory: their text, byte spans and a lazily built line index.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};

/// Index of a file in a [`SourceDb`].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    pub file: FileId,
    /// Offsets are kept in 32 bits: a span is in every reference, assertion, eval case and
    /// finding, and 4 GiB is above the largest file speclint reads (`max-file-size` may not
    /// be set higher). Read them through [`Span::start`] and [`Span::end`].
    start: u32,
    end: u32,
}

impl Span {
    /// A span from `start` to `end` (an `end` before `start` is read as `start`). Offsets
    /// past 4 GiB cannot come from a file speclint reads; they are kept at `u32::MAX`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let start = offset_bits(start);
        Span {
            file,
            start,
            end: offset_bits(end).max(start),
        }
    }

    /// The byte offset where the span begins.
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// The byte offset just after the span.
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// The span's bytes as a range, to slice a text with.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    /// An empty span at the start of a file, for problems that concern the whole file.
    pub fn file_start(file: FileId) -> Span {
        Span::new(file, 0, 0)
    }
}

/// The hash (xxh3, 128 bits) a text is known by: in the parse cache, the record of what a
/// run read, the rule memo and the kept drawings. Defined once, since they must agree.
pub fn text_hash_of(text: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

fn offset_bits(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// A 1-based line and column; the column counts Unicode scalar values, as editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

/// A range of whole lines of a file (see [`SourceFile::line_window`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineWindow {
    pub start: usize,
    pub end: usize,
    /// The 0-based index of the line at `start`.
    pub first_line: usize,
}

/// One input file. `text` is what the loaders see; for a file that is not valid UTF-8 it holds the
/// valid prefix only, so that every offset a loader reports is also valid in `text`.
pub struct SourceFile {
    /// Path relative to the checked directory, with `/` separators.
    pub relative_path: String,
    pub absolute_path: PathBuf,
    /// The file's text. A new text is a new `SourceFile` ([`SourceDb::replace_text`]): the
    /// line index and hash below belong to this one.
    pub text: Arc<str>,
    /// Built on first use; shared with the language server's kept copy of the same text, so
    /// that an unchanged file's lines are counted once per session, not once per check.
    line_starts: Arc<OnceLock<Vec<usize>>>,
    /// The hash of `text`, worked out on first use: the parse cache, the record of what a run
    /// read and the rule memo all ask for it, and each asking hashed every file's text again
    /// (three passes over 14 MB in a run after a one-file change at scale 1).
    text_hash: Arc<OnceLock<u128>>,
    /// Where the text is not held, what is known of the places findings point to.
    known_places: Option<Box<KnownPlaces>>,
}

/// The lines, columns and flagged texts of the places findings point to in one file, kept
/// with stored findings: a run that reuses them for an output that shows no source lines
/// reads no file's text, and answers [`SourceFile::line_column`] and [`SourceFile::slice`]
/// for those places from here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownPlaces {
    /// Offsets and their lines and columns, sorted by offset.
    positions: Vec<(usize, LineColumn)>,
    /// The texts of flagged spans by their offsets, sorted.
    texts: Vec<(usize, usize, String)>,
    /// The hash of the whole text ([`SourceFile::contents_hash`]), which the default output's
    /// kept drawings are keyed by: a run that reuses its findings and finds every drawing kept
    /// reads no text for that output either.
    contents_hash: u128,
}

impl KnownPlaces {
    /// What `file` says of the ends of `spans` and of the texts of `flagged` spans.
    pub fn of(
        file: &SourceFile,
        spans: impl Iterator<Item = (usize, usize)>,
        flagged: impl Iterator<Item = (usize, usize)>,
    ) -> KnownPlaces {
        let mut positions: Vec<(usize, LineColumn)> = spans
            .flat_map(|(start, end)| [start, end])
            .map(|offset| (offset, file.line_column(offset)))
            .collect();
        positions.sort_unstable();
        positions.dedup();
        let mut texts: Vec<(usize, usize, String)> = flagged
            .map(|(start, end)| {
                let text = file.text.get(start..end).unwrap_or("").to_owned();
                (start, end, text)
            })
            .collect();
        texts.sort_unstable();
        texts.dedup();
        KnownPlaces {
            positions,
            texts,
            contents_hash: file.contents_hash(),
        }
    }

    fn line_column(&self, offset: usize) -> Option<LineColumn> {
        let index = self
            .positions
            .binary_search_by_key(&offset, |&(known, _)| known)
            .ok()?;
        self.positions.get(index).map(|&(_, position)| position)
    }

    fn slice(&self, start: usize, end: usize) -> Option<&str> {
        let index = self
            .texts
            .binary_search_by(|(known_start, known_end, _)| {
                (*known_start, *known_end).cmp(&(start, end))
            })
            .ok()?;
        self.texts.get(index).map(|(_, _, text)| text.as_str())
    }

    /// Whether the position of `offset` is known.
    pub fn knows(&self, offset: usize) -> bool {
        self.line_column(offset).is_some()
    }
}

impl SourceFile {
    pub fn new(relative_path: String, absolute_path: PathBuf, text: Arc<str>) -> SourceFile {
        SourceFile {
            relative_path,
            absolute_path,
            text,
            line_starts: Arc::default(),
            text_hash: Arc::default(),
            known_places: None,
        }
    }

    /// A file whose text is not held, with what is known of the places findings point to.
    pub fn with_known_places(
        relative_path: String,
        absolute_path: PathBuf,
        places: KnownPlaces,
    ) -> SourceFile {
        SourceFile {
            known_places: Some(Box::new(places)),
            ..SourceFile::new(relative_path, absolute_path, Arc::from(""))
        }
    }

    /// What is known of the places findings point to, when the text is not held.
    pub fn known_places(&self) -> Option<&KnownPlaces> {
        self.known_places.as_deref()
    }

    /// A hash (xxh3-128) of the file's text, also when only its places are held: the run
    /// that kept them hashed the same text.
    pub fn contents_hash(&self) -> u128 {
        match &self.known_places {
            Some(places) => places.contents_hash,
            None => self.text_hash(),
        }
    }

    /// The [`text_hash_of`] [`SourceFile::text`], worked out once.
    pub fn text_hash(&self) -> u128 {
        *self.text_hash.get_or_init(|| text_hash_of(&self.text))
    }

    /// The text with the place its hash is kept, for working the hash out without holding
    /// whatever holds this file (see [`SourceFile::text_hash`]).
    pub(crate) fn text_and_hash_cell(&self) -> (Arc<str>, Arc<OnceLock<u128>>) {
        (Arc::clone(&self.text), Arc::clone(&self.text_hash))
    }

    /// A file whose text is `text`, with the line index kept for that same text.
    pub fn with_line_index(
        relative_path: String,
        absolute_path: PathBuf,
        text: Arc<str>,
        line_starts: Arc<OnceLock<Vec<usize>>>,
    ) -> SourceFile {
        SourceFile {
            relative_path,
            absolute_path,
            text,
            line_starts,
            text_hash: Arc::default(),
            known_places: None,
        }
    }

    /// The file's line index (built or not), to keep with its text.
    pub fn line_index(&self) -> Arc<OnceLock<Vec<usize>>> {
        Arc::clone(&self.line_starts)
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            // memchr finds newlines a vector at a time: a byte-by-byte scan was the largest
            // single cost of printing stored findings, which needs every file's lines.
            let mut starts = vec![0];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|index| index + 1));
            starts
        })
    }

    /// Converts a byte offset into a 1-based line and column. Offsets past the end or inside a
    /// multi-byte character are clamped rather than trusted.
    pub fn line_column(&self, offset: usize) -> LineColumn {
        if let Some(known) = self
            .known_places
            .as_ref()
            .and_then(|places| places.line_column(offset))
        {
            return known;
        }
        let offset = self.clamp_to_char_boundary(offset);
        let starts = self.line_starts();
        let line_index = match starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let line_start = starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |prefix| prefix.trim_end_matches('\r').chars().count());
        LineColumn {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The byte offset of a 1-based line and column (column counted in characters).
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let starts = self.line_starts();
        let Some(&line_start) = starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = self.text.get(line_start..).unwrap_or("");
        let within_line: usize = rest
            .chars()
            .take(column.saturating_sub(1))
            .take_while(|&character| character != '\n')
            .map(char::len_utf8)
            .sum();
        line_start + within_line
    }

    /// The whole lines around `start..end`, with `context_lines` more on each side: their byte
    /// range and the 0-based index of the first line. Renderers cut their snippet from this
    /// window, so that drawing a finding costs the size of its lines, not of the file before it.
    pub fn line_window(&self, start: usize, end: usize, context_lines: usize) -> LineWindow {
        let starts = self.line_starts();
        let line_of = |offset: usize| match starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        let first_line = line_of(start.min(self.text.len())).saturating_sub(context_lines);
        let last_line = line_of(end.min(self.text.len())) + context_lines + 1;
        let window_start = starts.get(first_line).copied().unwrap_or(0);
        let window_end = starts
            .get(last_line + 1)
            .copied()
            .unwrap_or(self.text.len());
        LineWindow {
            start: window_start,
            end: window_end,
            first_line,
        }
    }

    pub fn clamp_to_char_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The text of a span, or an empty string if the span does not fit the file.
    pub fn slice(&self, span: Span) -> &str {
        if let Some(known) = self
            .known_places
            .as_ref()
            .and_then(|places| places.slice(span.start(), span.end()))
        {
            return known;
        }
        self.text.get(span.range()).unwrap_or("")
    }
}

/// All files of one run, indexed by [`FileId`].
#[derive(Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn new(files: Vec<SourceFile>) -> SourceDb {
        SourceDb { files }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |file| &file.relative_path)
    }

    /// The file's contents hash ([`SourceFile::contents_hash`]); an unknown file hashes as an
    /// empty text.
    pub fn contents_hash(&self, id: FileId) -> u128 {
        self.get(id)
            .map_or_else(|| text_hash_of(""), SourceFile::contents_hash)
    }

    pub fn line_column(&self, span: Span) -> (LineColumn, LineColumn) {
        match self.get(span.file) {
            Some(file) => (file.line_column(span.start()), file.line_column(span.end())),
            None => {
                let origin = LineColumn { line: 1, column: 1 };
                (origin, origin)
            }
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map_or("", |file| file.slice(span))
    }

    pub fn find_by_path(&self, relative_path: &str) -> Option<FileId> {
        self.files
            .binary_search_by(|file| file.relative_path.as_str().cmp(relative_path))
            .ok()
            .and_then(|index| u32::try_from(index).ok())
            .map(FileId)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, file)| (FileId(u32::try_from(index).unwrap_or(u32::MAX)), file))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Gives `file` a new text (an edited buffer), with a line index built afresh on first
    /// use; `false` when there is no such file.
    pub fn replace_text(&mut self, file: FileId, text: Arc<str>) -> bool {
        let Some(source) = self.files.get_mut(file.0 as usize) else {
            return false;
        };
        let relative_path = std::mem::take(&mut source.relative_path);
        let absolute_path = std::mem::take(&mut source.absolute_path);
        *source = SourceFile::new(relative_path, absolute_path, text);
        true
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Drops `file`'s text and keeps `places` instead (see [`KnownPlaces`]); `false` when
    /// there is no such file.
    pub fn keep_places_only(&mut self, file: FileId, places: KnownPlaces) -> bool {
        let Some(source) = self.files.get_mut(file.0 as usize) else {
            return false;
        };
        let relative_path = std::mem::take(&mut source.relative_path);
        let absolute_path = std::mem::take(&mut source.absolute_path);
        *source = SourceFile::with_known_places(relative_path, absolute_path, places);
        true
    }
}

/// Turns a path below `root` into the `/`-separated relative form used in all output.
/// `path`'s text after `root` and a separator, when both are UTF-8 and the rest is plain
/// names joined by single slashes (no `.`, `..` or empty component): then it is exactly what
/// joining `path`'s components after `root` gives.
#[cfg(unix)]
fn plain_relative_text<'a>(root: &Path, path: &'a Path) -> Option<&'a str> {
    let root = root.to_str().filter(|root| !root.is_empty())?;
    let path = path.to_str()?;
    let rest = path.strip_prefix(root)?;
    let rest = if root.ends_with('/') {
        rest
    } else {
        rest.strip_prefix('/')?
    };
    let plain = !rest.is_empty()
        && rest
            .split('/')
            .all(|name| !name.is_empty() && name != "." && name != "..");
    plain.then_some(rest)
}

pub fn relative_path_string(root: &Path, path: &Path) -> String {
    // The walker's paths are the root joined with plain names: their text is the answer, and
    // splitting them into components (which this runs for every file, twice per walk) is not
    // needed.
    #[cfg(unix)]
    if let Some(relative) = plain_relative_text(root, path) {
        return relative.to_owned();
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Removes `.` and resolves `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut result = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                result.pop();
            }
            other => result.push(other),
        }
    }
    result
}

/// `path` made absolute (against the current directory) and normalized.
pub fn absolute_normalized(path: &Path) -> PathBuf {
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `relative_path_string` gives without its fast path.
    fn by_components(root: &Path, path: &Path) -> String {
        path.strip_prefix(root)
            .unwrap_or(path)
            .components()
            .map(|component| component.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn known_places_answer_as_the_text_does() {
        let text = "# Règles\r\nRépondez en 30 jours — 🙂 toujours.\n\nFin";
        let file = SourceFile::new("spec.md".into(), PathBuf::from("/p/spec.md"), text.into());
        let flagged = (text.find("30").unwrap(), text.find(" toujours").unwrap());
        let related = (text.find("Fin").unwrap(), text.len());
        let places = KnownPlaces::of(
            &file,
            [flagged, related, (0, 0)].into_iter(),
            [flagged].into_iter(),
        );
        let bare = SourceFile::with_known_places("spec.md".into(), PathBuf::new(), places.clone());
        assert_eq!(bare.text.as_ref(), "");
        for (start, end) in [flagged, related, (0, 0)] {
            assert!(places.knows(start) && places.knows(end));
            assert_eq!(bare.line_column(start), file.line_column(start));
            assert_eq!(bare.line_column(end), file.line_column(end));
        }
        let span = Span::new(FileId(0), flagged.0, flagged.1);
        assert_eq!(bare.slice(span), "30 jours — 🙂");
        assert_eq!(bare.slice(span), file.slice(span));
        // Only the flagged texts are kept.
        assert_eq!(bare.slice(Span::new(FileId(0), related.0, related.1)), "");
        assert!(!places.knows(1));
        assert_eq!(bare.contents_hash(), file.contents_hash());
    }

    #[test]
    fn the_fast_relative_path_equals_the_joined_components() {
        let cases = [
            ("/work/project", "/work/project/specs/spec.md"),
            ("/work/project/", "/work/project/specs/spec.md"),
            ("/", "/specs/spec.md"),
            ("/work/project", "/work/projects/spec.md"),
            ("/work/project", "/work/project/a//b.md"),
            ("/work/project", "/work/project/./a.md"),
            ("/work/project", "/work/project/a/../b.md"),
            ("/work/project", "/elsewhere/a.md"),
            ("/work/project", "/work/project"),
            ("/work/project", "/work/project/a/"),
            ("", "/work/project/a.md"),
            ("/work/project", "/work/project/prompts/résumé.md"),
        ];
        for (root, path) in cases {
            let (root, path) = (Path::new(root), Path::new(path));
            assert_eq!(
                relative_path_string(root, path),
                by_components(root, path),
                "{root:?} {path:?}"
            );
        }
    }
}

//! Drawings of findings kept between runs of the default (full) output. Drawing a finding's
//! snippet is most of what a run that reuses its findings, or re-checks one changed file, does
//! in that format; a finding whose report is the same as in the last run (same message, help,
//! labels, the same lines of its files at the same line numbers, same colours) is drawn the
//! same, so its drawing is taken from the last run's.
//!
//! The drawings live beside the parse cache in
//! `.speclint_cache/v<version>/<settings key>.drawings-<color|plain>.bin`, with a header and
//! checksums (a file that does not check out is not read; see [`KeptDrawings`]), keyed by a
//! 128-bit hash of everything the drawing is made from (see `full::drawing_key`). The file is
//! not sealed as the parse cache's files are (`source::cache::read_sealed`): a sealed file is
//! read whole to check it, and these are written out without being held. The settings key
//! holds a hash of speclint's source and of `Cargo.lock`, so another build (another miette)
//! never reads them. A run writes the drawings of its own findings only, so the file never grows
//! beyond one run's output, and writes nothing when every drawing was kept and in the same
//! order. `--no-cache` neither reads nor writes them.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::render::Colors;
use crate::source::checked_file::CheckedFile;
pub use crate::source::checked_file::CopyError as WriteError;

/// The first bytes of a drawings file. After them, the file is a
/// [`crate::source::checked_file`]: the index is its head, the drawings its body.
const DRAWINGS_MAGIC: &[u8] = b"speclint-drawings\x002\n";

/// The largest drawings file kept: a run that draws a finding the last run did not reads the
/// kept drawings whole, and a project whose output runs to tens of thousands of findings
/// would hold that much more memory to save drawing them.
const MAX_DRAWINGS_BYTES: usize = 64 << 20;

/// The name of the drawings file in a cache folder, beside the settings key.
pub fn file_kind(colors: Colors) -> &'static str {
    match colors {
        Colors::Enabled => "drawings-color.bin",
        Colors::Disabled => "drawings-plain.bin",
    }
}

/// The drawings file of the last run, its index read and its checksums checked (nothing when
/// there was none or it did not check out).
///
/// The file holds an index (each drawing's key and length, in the last run's order) and the
/// drawings one after the other, each part with its own checksum. A run whose findings are
/// drawn as the last run's, in the same order, copies the drawings out of the file
/// ([`KeptDrawings::write_all_to`]): it never holds them in memory, which for eight
/// megabytes of drawings was a quarter of the time of such a run (a fresh page of memory for
/// every 4 KiB read). A run that needs them by key reads them whole ([`DrawingMemo::kept`]).
pub struct KeptDrawings {
    path: PathBuf,
    file: Option<IndexedFile>,
    /// The drawings, read whole when a run first takes one by key; `None` when they could not
    /// be read again as they were checked.
    drawings: OnceLock<Option<Vec<u8>>>,
}

/// A drawings file whose index was read and whose checksums check out.
struct IndexedFile {
    file: CheckedFile,
    /// Each drawing's key and length, in the order of the file.
    index: Vec<(u128, u32)>,
}

impl KeptDrawings {
    pub fn read(path: &Path) -> KeptDrawings {
        KeptDrawings {
            path: path.to_path_buf(),
            file: IndexedFile::open(path),
            drawings: OnceLock::new(),
        }
    }

    /// The drawings file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The keys of the kept drawings in the order of the file (none when there is no file).
    pub fn keys(&self) -> impl ExactSizeIterator<Item = u128> + '_ {
        self.file
            .as_ref()
            .map_or(&[][..], |file| file.index.as_slice())
            .iter()
            .map(|(key, _)| *key)
    }

    /// Writes every kept drawing to `out`, in the order of the file, copied by the system
    /// ([`CheckedFile::copy_body_to`]).
    pub fn write_all_to(&self, out: &mut impl Write) -> Result<(), WriteError> {
        let Some(indexed) = &self.file else {
            return Ok(());
        };
        indexed.file.copy_body_to(out)
    }

    /// What tells these drawings from others without reading them (the checksums of the
    /// index and of the drawings); `None` when there are none.
    pub fn identity(&self) -> Option<u128> {
        self.file.as_ref().map(|indexed| indexed.file.identity())
    }

    /// The kept drawings by key, and a place for this run's.
    pub fn memo(&self) -> DrawingMemo<'_> {
        DrawingMemo {
            kept_drawings: self,
            offsets: OnceLock::new(),
            drawn: Mutex::default(),
        }
    }

    /// Where each kept drawing lies in the kept drawings, by key.
    fn offsets(&self) -> HashMap<u128, (usize, usize)> {
        let index = self
            .file
            .as_ref()
            .map_or(&[][..], |file| file.index.as_slice());
        let mut offsets = HashMap::with_capacity(index.len());
        let mut offset = 0usize;
        for (key, length) in index {
            let length = *length as usize;
            offsets.insert(*key, (offset, length));
            offset += length;
        }
        offsets
    }

    /// The drawings, read whole and checked again, the first time they are asked for.
    fn drawings(&self) -> Option<&[u8]> {
        self.drawings
            .get_or_init(|| self.file.as_ref()?.file.read_body())
            .as_deref()
    }
}

impl IndexedFile {
    /// The file at `path` with its index, when it is a drawings file of this build whose
    /// index and drawings check out; the drawings are read a piece at a time to check them.
    fn open(path: &Path) -> Option<IndexedFile> {
        let file = CheckedFile::open_head(path, DRAWINGS_MAGIC, MAX_DRAWINGS_BYTES as u64)?;
        let index: Vec<(u128, u32)> = postcard::from_bytes(file.head()).ok()?;
        let indexed_length: u64 = index.iter().map(|(_, length)| u64::from(*length)).sum();
        if indexed_length != file.body_length() || !file.body_checks_out() {
            return None;
        }
        Some(IndexedFile { file, index })
    }
}

/// A drawing noted for the next run: its key, and the drawing when it was not kept.
pub(crate) type Noted = (u128, Option<String>);

/// This run's drawings: which were kept from the last run, and the new ones.
pub struct DrawingMemo<'a> {
    kept_drawings: &'a KeptDrawings,
    /// Where each kept drawing lies in the kept drawings, by key; worked out when a drawing
    /// is first asked for by key. A run whose findings are drawn as the last run's, in the
    /// same order, never asks: it compares the keys in order.
    offsets: OnceLock<HashMap<u128, (usize, usize)>>,
    /// This run's drawings in the order of its findings: the key, and the drawing when it
    /// was not kept.
    drawn: Mutex<Vec<Noted>>,
}

impl<'a> DrawingMemo<'a> {
    /// Whether a drawing with `key` is kept, without reading it.
    pub(crate) fn has(&self, key: u128) -> bool {
        self.offsets().contains_key(&key)
    }

    /// The kept drawing with `key`.
    pub(crate) fn kept(&self, key: u128) -> Option<&'a [u8]> {
        kept_drawing(self.kept_drawings, self.offsets(), key)
    }

    fn offsets(&self) -> &HashMap<u128, (usize, usize)> {
        self.offsets.get_or_init(|| self.kept_drawings.offsets())
    }

    /// The kept drawings, for a run that draws its findings as they are in the file.
    pub(crate) fn kept_drawings(&self) -> &'a KeptDrawings {
        self.kept_drawings
    }

    /// Notes a batch of this run's drawings, in the order of its findings.
    pub(crate) fn note(&self, batch: Vec<Noted>) {
        if let Ok(mut drawn) = self.drawn.lock() {
            drawn.extend(batch);
        }
    }

    /// Writes this run's drawings for the next run, unless they are the kept ones, and says how
    /// many of them were kept and which drawings the file now holds. A file that cannot be
    /// written only costs the next run its speed.
    pub fn store(self) -> StoredDrawings {
        let DrawingMemo {
            kept_drawings,
            offsets,
            drawn,
        } = self;
        let Ok(drawn) = drawn.into_inner() else {
            return StoredDrawings::default();
        };
        let count = KeptCount {
            kept: drawn.iter().filter(|(_, new)| new.is_none()).count(),
            drawn: drawn.len(),
        };
        let unchanged = drawn.len() == kept_drawings.keys().len()
            && drawn
                .iter()
                .zip(kept_drawings.keys())
                .all(|((key, new), kept_key)| new.is_none() && *key == kept_key);
        if unchanged {
            return StoredDrawings {
                count,
                identity: kept_drawings.identity(),
            };
        }
        let offsets = offsets
            .into_inner()
            .unwrap_or_else(|| kept_drawings.offsets());
        let path = &kept_drawings.path;
        let mut index: Vec<(u128, u32)> = Vec::with_capacity(drawn.len());
        let mut pieces: Vec<&[u8]> = Vec::with_capacity(drawn.len());
        let mut size = 0usize;
        for (key, new) in &drawn {
            let drawing = match new {
                Some(drawing) => drawing.as_bytes(),
                None => match kept_drawing(kept_drawings, &offsets, *key) {
                    Some(kept) => kept,
                    None => continue,
                },
            };
            let Ok(length) = u32::try_from(drawing.len()) else {
                continue;
            };
            size += drawing.len();
            index.push((*key, length));
            pieces.push(drawing);
        }
        if size > MAX_DRAWINGS_BYTES {
            // Too large to keep: the last run's file, which no longer matches, goes too.
            let _ = std::fs::remove_file(path);
            return StoredDrawings {
                count,
                identity: None,
            };
        }
        let written = write_drawings(path, &index, &pieces);
        StoredDrawings {
            count,
            // A drawing left out (none is expected) leaves a file that is not this run's output.
            identity: written.filter(|_| index.len() == drawn.len()),
        }
    }
}

/// The drawing with `key` in `kept_drawings`, found by `offsets`.
fn kept_drawing<'a>(
    kept_drawings: &'a KeptDrawings,
    offsets: &HashMap<u128, (usize, usize)>,
    key: u128,
) -> Option<&'a [u8]> {
    let (start, length) = *offsets.get(&key)?;
    kept_drawings
        .drawings()?
        .get(start..start.checked_add(length)?)
}

/// Writes a drawings file: the magic, the header, the index and the drawings, atomically; the
/// identity of the file written ([`KeptDrawings::identity`]). A file that cannot be written
/// only costs the next run its speed.
fn write_drawings(path: &Path, index: &[(u128, u32)], pieces: &[&[u8]]) -> Option<u128> {
    let index_bytes = postcard::to_allocvec(index).ok()?;
    crate::source::checked_file::write_checked(path, DRAWINGS_MAGIC, &index_bytes, pieces)
}

/// How many of a run's drawings were kept from the last run, of how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeptCount {
    pub kept: usize,
    pub drawn: usize,
}

/// What [`DrawingMemo::store`] did: how many drawings were kept, and the identity of the
/// drawings file when it now holds exactly this run's drawings, in order (what the output of
/// this run was made of; see `check::kept_output`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredDrawings {
    pub count: KeptCount,
    pub identity: Option<u128>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(folder: &Path, drawings: &[(u128, &str)]) -> PathBuf {
        let path = folder.join("drawings-plain.bin");
        let index: Vec<(u128, u32)> = drawings
            .iter()
            .map(|(key, drawing)| (*key, drawing.len() as u32))
            .collect();
        let pieces: Vec<&[u8]> = drawings
            .iter()
            .map(|(_, drawing)| drawing.as_bytes())
            .collect();
        write_drawings(&path, &index, &pieces);
        path
    }

    #[test]
    fn kept_drawings_are_written_out_in_order_and_found_by_key() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), &[(7, "first\n"), (3, "second\n"), (9, "")]);
        let kept = KeptDrawings::read(&path);
        assert_eq!(kept.keys().collect::<Vec<_>>(), [7, 3, 9]);
        let mut out = Vec::new();
        kept.write_all_to(&mut out).unwrap();
        assert_eq!(out, b"first\nsecond\n");
        let memo = kept.memo();
        assert_eq!(memo.kept(3), Some(&b"second\n"[..]));
        assert_eq!(memo.kept(9), Some(&b""[..]));
        assert_eq!(memo.kept(4), None);
        assert!(memo.has(7) && !memo.has(4));
    }

    #[test]
    fn a_drawings_file_that_does_not_check_out_is_not_read() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), &[(1, "one\n"), (2, "two\n")]);
        let whole = std::fs::read(&path).unwrap();
        let index_start = DRAWINGS_MAGIC.len() + 24;
        // A byte changed in the index, in the drawings, a byte cut off, and another magic.
        let mut in_index = whole.clone();
        in_index[index_start] ^= 1;
        let mut in_drawings = whole.clone();
        *in_drawings.last_mut().unwrap() ^= 1;
        let cut = whole[..whole.len() - 1].to_vec();
        let mut foreign = whole.clone();
        foreign[DRAWINGS_MAGIC.len() - 2] = b'1';
        for (what, bytes) in [
            ("index", in_index),
            ("drawings", in_drawings),
            ("cut", cut),
            ("magic", foreign),
            ("empty", Vec::new()),
        ] {
            std::fs::write(&path, &bytes).unwrap();
            let kept = KeptDrawings::read(&path);
            assert_eq!(kept.keys().len(), 0, "{what}");
            assert_eq!(kept.memo().kept(1), None, "{what}");
        }
        let missing = KeptDrawings::read(&folder.path().join("none.bin"));
        assert_eq!(missing.keys().len(), 0);
    }

    /// A writer that takes nothing, as a closed pipe.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writing_out_says_whether_the_output_was_closed_or_the_copy_failed() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), &[(1, "one\n"), (2, "two\n")]);
        let kept = KeptDrawings::read(&path);
        assert!(matches!(
            kept.write_all_to(&mut Closed),
            Err(WriteError::OutputClosed(_))
        ));
        // Cut short in place after it was checked: the copy stops with a read error, which
        // `main` reports, rather than printing part of the output as if it were whole.
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(std::fs::metadata(&path).unwrap().len() - 2)
            .unwrap();
        let mut out = Vec::new();
        assert!(matches!(
            kept.write_all_to(&mut out),
            Err(WriteError::CopyFailed(_))
        ));
    }

    /// The copy may move the bytes inside the system (from file to file on Linux): what a
    /// buffered writer holds still comes first, and what follows comes after.
    #[test]
    fn a_copy_to_a_buffered_file_keeps_the_order_of_the_output() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), &[(1, "one\n"), (2, "two\n")]);
        let kept = KeptDrawings::read(&path);
        let output_path = folder.path().join("output.txt");
        let mut output = std::io::BufWriter::new(std::fs::File::create(&output_path).unwrap());
        output.write_all(b"before\n").unwrap();
        kept.write_all_to(&mut output).unwrap();
        output.write_all(b"after\n").unwrap();
        drop(output);
        assert_eq!(
            std::fs::read_to_string(&output_path).unwrap(),
            "before\none\ntwo\nafter\n"
        );
    }

    #[test]
    fn a_memo_that_took_every_drawing_in_order_writes_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let path = written(folder.path(), &[(1, "one\n"), (2, "two\n")]);
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let kept = KeptDrawings::read(&path);
        let memo = kept.memo();
        memo.note(vec![(1, None), (2, None)]);
        let stored = memo.store();
        assert_eq!(stored.count, KeptCount { kept: 2, drawn: 2 });
        assert_eq!(stored.identity, kept.identity());
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            before
        );
        // A new drawing, and one kept out of order, are written with the kept one.
        let memo = kept.memo();
        memo.note(vec![(2, None), (5, Some("five\n".to_owned()))]);
        let stored = memo.store();
        assert_eq!(stored.count, KeptCount { kept: 1, drawn: 2 });
        let again = KeptDrawings::read(&path);
        assert_eq!(stored.identity, again.identity());
        assert_ne!(stored.identity, kept.identity());
        assert_eq!(again.keys().collect::<Vec<_>>(), [2, 5]);
        let mut out = Vec::new();
        again.write_all_to(&mut out).unwrap();
        assert_eq!(out, b"two\nfive\n");
    }
}

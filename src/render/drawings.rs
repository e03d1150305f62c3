//! Drawings of findings kept between runs of the default (full) output. Drawing a finding's
//! snippet is most of what a run that reuses its findings, or re-checks one changed file, does
//! in that format; a finding whose report is the same as in the last run (same message, help,
//! labels, the same lines of its files at the same line numbers, same colours) is drawn the
//! same, so its drawing is taken from the last run's.
//!
//! The drawings live beside the parse cache in
//! `.speclint_cache/v<version>/<settings key>.drawings-<color|plain>.bin`, sealed like it (a
//! header and a checksum; a file that does not check out is not read), keyed by a 128-bit hash
//! of everything the drawing is made from (see `full::drawing_key`). The settings key holds
//! a hash of speclint's source and of `Cargo.lock`, so another build (another miette) never
//! reads them. A run writes the drawings of its own findings only, so the file never grows
//! beyond one run's output, and writes nothing when every drawing was kept and in the same
//! order. `--no-cache` neither reads nor writes them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::render::Colors;
use crate::source::cache::{SealedBody, read_sealed, write_sealed};

/// The first bytes of a drawings file.
const DRAWINGS_MAGIC: &[u8] = b"speclint-drawings\x001\n";

/// The largest drawings file kept: it is read whole, and a project whose output runs to tens
/// of thousands of findings would hold that much more memory to save drawing them.
const MAX_DRAWINGS_BYTES: usize = 64 << 20;

/// The name of the drawings file in a cache folder, beside the settings key.
pub fn file_kind(colors: Colors) -> &'static str {
    match colors {
        Colors::Enabled => "drawings-color.bin",
        Colors::Disabled => "drawings-plain.bin",
    }
}

/// The drawings file of the last run, as read (nothing when there was none or it did not
/// check out).
pub struct KeptDrawings {
    path: PathBuf,
    sealed: Option<SealedBody>,
}

impl KeptDrawings {
    pub fn read(path: &Path) -> KeptDrawings {
        let small_enough = std::fs::metadata(path)
            .is_ok_and(|metadata| metadata.len() <= MAX_DRAWINGS_BYTES as u64);
        KeptDrawings {
            path: path.to_path_buf(),
            sealed: small_enough
                .then(|| read_sealed(path, DRAWINGS_MAGIC))
                .flatten(),
        }
    }

    /// The kept drawings by key, borrowed from the file read, and a place for this run's.
    pub fn memo(&self) -> DrawingMemo<'_> {
        // The drawings are kept as bytes, not strings: they are only ever written out, and
        // checking eight megabytes of UTF-8 again was a quarter of a run that reused them. The
        // file's checksum holds them to what a run wrote, which was UTF-8.
        let entries: Vec<(u128, &serde_bytes::Bytes)> = self
            .sealed
            .as_deref()
            .and_then(|bytes| postcard::from_bytes(bytes).ok())
            .unwrap_or_default();
        DrawingMemo {
            path: &self.path,
            kept_keys: entries.iter().map(|(key, _)| *key).collect(),
            kept: entries
                .into_iter()
                .map(|(key, drawing)| (key, &**drawing))
                .collect(),
            drawn: Mutex::default(),
        }
    }
}

/// A drawing noted for the next run: its key, and the drawing when it was not kept.
pub(crate) type Noted = (u128, Option<String>);

/// This run's drawings: which were kept from the last run, and the new ones.
pub struct DrawingMemo<'a> {
    path: &'a Path,
    kept: HashMap<u128, &'a [u8]>,
    /// The keys of the kept file in its order, to see whether this run's are the same.
    kept_keys: Vec<u128>,
    /// This run's drawings in the order of its findings: the key, and the drawing when it
    /// was not kept.
    drawn: Mutex<Vec<Noted>>,
}

impl<'a> DrawingMemo<'a> {
    /// The kept drawing with `key`.
    pub(crate) fn kept(&self, key: u128) -> Option<&'a [u8]> {
        self.kept.get(&key).copied()
    }

    /// Notes a batch of this run's drawings, in the order of its findings.
    pub(crate) fn note(&self, batch: Vec<Noted>) {
        if let Ok(mut drawn) = self.drawn.lock() {
            drawn.extend(batch);
        }
    }

    /// Writes this run's drawings for the next run, unless they are the kept ones, and says how
    /// many of them were kept. A file that cannot be written only costs the next run its speed.
    pub fn store(self) -> KeptCount {
        let Ok(drawn) = self.drawn.into_inner() else {
            return KeptCount::default();
        };
        let count = KeptCount {
            kept: drawn.iter().filter(|(_, new)| new.is_none()).count(),
            drawn: drawn.len(),
        };
        let unchanged = drawn.len() == self.kept_keys.len()
            && drawn
                .iter()
                .zip(&self.kept_keys)
                .all(|((key, new), kept_key)| new.is_none() && key == kept_key);
        if unchanged {
            return count;
        }
        let size: usize = drawn
            .iter()
            .filter_map(|(key, new)| match new {
                Some(drawing) => Some(drawing.len()),
                None => self.kept.get(key).map(|kept| kept.len()),
            })
            .sum();
        if size > MAX_DRAWINGS_BYTES {
            // Too large to keep: the last run's file, which no longer matches, goes too.
            let _ = std::fs::remove_file(self.path);
            return count;
        }
        let entries: Vec<(u128, &serde_bytes::Bytes)> = drawn
            .iter()
            .filter_map(|(key, new)| {
                let drawing = match new {
                    Some(drawing) => drawing.as_bytes(),
                    None => self.kept.get(key).copied()?,
                };
                Some((*key, serde_bytes::Bytes::new(drawing)))
            })
            .collect();
        write_sealed(self.path, DRAWINGS_MAGIC, &entries);
        count
    }
}

/// How many of a run's drawings were kept from the last run, of how many.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeptCount {
    pub kept: usize,
    pub drawn: usize,
}

//! What the language server keeps of a promptfoo config's load between edits.
//!
//! A config that reads a prompt file through `file://` is loaded again whenever that prompt
//! is edited, because its results hold the prompt's passages. Its own text did not change,
//! and its tests files did not either, yet parsing the config into a spanned tree and its CSV
//! or JSONL tests files into eval cases was most of that load. Both are kept by path and a
//! hash of the text they were read from (and, for tests files, of the ID pattern and of the
//! file's ID, which their cases' spans hold), so an edit to the config or a tests file reads
//! that file again, and an edit to a prompt does not.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::source::model::Extraction;
use crate::source::tree::Node;

/// How many of each kind are kept: the files that the last few edits reached. A tree or a
/// tests file's cases take a few times the size of their text, so the memo stays small
/// however large the project is.
const KEPT_PER_KIND: usize = 8;

/// Config trees and tests files' cases, kept between a language server's checks.
#[derive(Default)]
pub struct KeptParses {
    /// promptfoo configs' trees.
    pub trees: Kept<Node>,
    /// What a CSV, JSONL or JSON tests file read through a config holds, before the config's
    /// `defaultTest` is applied.
    pub tests_files: Kept<Extraction>,
}

/// Parsed files of one kind by path, each with the hash of what it was read from.
pub struct Kept<T> {
    entries: Mutex<FxHashMap<PathBuf, Entry<T>>>,
    /// Counts lookups, so that the least recently used entry is the one dropped.
    clock: std::sync::atomic::AtomicU64,
}

impl<T> Default for Kept<T> {
    fn default() -> Kept<T> {
        Kept {
            entries: Mutex::default(),
            clock: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

struct Entry<T> {
    input_hash: u128,
    parsed: Arc<T>,
    last_used: u64,
}

/// A hash of a text and of what else its parse read (an ID pattern): what a [`Kept`] entry is
/// checked against.
pub fn input_hash(text: &str, also: &str) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(text.as_bytes());
    hasher.update(&[0xff]);
    hasher.update(also.as_bytes());
    hasher.digest128()
}

impl<T> Kept<T> {
    /// What `parse` makes of `text` at `path`: the kept result when it was made from the same
    /// text, otherwise `parse`'s, kept for the next time. A text that does not parse is not
    /// kept.
    pub fn get_or_parse(
        &self,
        path: &Path,
        text: &str,
        parse: impl FnOnce() -> Option<T>,
    ) -> Option<Arc<T>> {
        self.get_or_parse_keyed(path, input_hash(text, ""), parse)
    }

    /// [`Kept::get_or_parse`] with the key worked out by the caller ([`input_hash`]).
    pub fn get_or_parse_keyed(
        &self,
        path: &Path,
        input_hash: u128,
        parse: impl FnOnce() -> Option<T>,
    ) -> Option<Arc<T>> {
        let now = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut entries = self
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(kept) = entries.get_mut(path)
                && kept.input_hash == input_hash
            {
                kept.last_used = now;
                return Some(Arc::clone(&kept.parsed));
            }
        }
        // Parsed outside the lock: the configs of one load are parsed side by side.
        let parsed = Arc::new(parse()?);
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.insert(
            path.to_path_buf(),
            Entry {
                input_hash,
                parsed: Arc::clone(&parsed),
                last_used: now,
            },
        );
        while entries.len() > KEPT_PER_KIND {
            let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, kept)| kept.last_used)
                .map(|(path, _)| path.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Option<Node> {
        crate::source::yaml::parse(text).ok()
    }

    #[test]
    fn a_tree_is_parsed_again_only_when_its_text_changed() {
        let memo = Kept::<Node>::default();
        let path = Path::new("/project/promptfooconfig.yaml");
        let parses = std::cell::Cell::new(0);
        let tree_of = |text: &str| {
            memo.get_or_parse(path, text, || {
                parses.set(parses.get() + 1);
                parsed(text)
            })
        };
        let first = tree_of("prompts: [a]\n");
        let again = tree_of("prompts: [a]\n");
        assert_eq!(parses.get(), 1);
        assert!(
            matches!((&first, &again), (Some(first), Some(again)) if Arc::ptr_eq(first, again))
        );
        let changed = tree_of("prompts: [b]\n");
        assert_eq!(parses.get(), 2);
        assert_eq!(
            changed.map(|tree| (*tree).clone()),
            parsed("prompts: [b]\n")
        );
        // A text that does not parse is not kept, and is asked again.
        assert!(tree_of("prompts: [").is_none());
        assert!(tree_of("prompts: [").is_none());
        assert_eq!(parses.get(), 4);
    }

    #[test]
    fn only_the_most_recently_used_trees_are_kept() {
        let memo = Kept::<Node>::default();
        let paths: Vec<PathBuf> = (0..KEPT_PER_KIND + 3)
            .map(|index| PathBuf::from(format!("/project/config_{index}.yaml")))
            .collect();
        for path in &paths {
            memo.get_or_parse(path, "tests: []\n", || parsed("tests: []\n"));
        }
        // The first config is used again, so the oldest is now the second.
        memo.get_or_parse(&paths[0], "tests: []\n", || parsed("tests: []\n"));
        let extra = PathBuf::from("/project/extra.yaml");
        memo.get_or_parse(&extra, "tests: []\n", || parsed("tests: []\n"));
        let trees = memo.entries.lock().unwrap();
        assert_eq!(trees.len(), KEPT_PER_KIND);
        assert!(trees.contains_key(&paths[0]));
        assert!(trees.contains_key(&extra));
        assert!(!trees.contains_key(&paths[1]));
    }
}

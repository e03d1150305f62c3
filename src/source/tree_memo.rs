//! Parsed promptfoo config trees kept by the language server between edits.
//!
//! A config that reads a prompt file through `file://` is loaded again whenever that prompt
//! is edited, because its results hold the prompt's passages. Its own text did not change,
//! and parsing it into a spanned tree was most of that load (a YAML config of 40 KB costs
//! several milliseconds). The tree is kept by the config's path and a hash of its text, so an
//! edit to the config itself parses it again, and an edit to a file it reads does not.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

use crate::source::tree::Node;

/// How many trees are kept: the configs that the last few edits reached. Each is about ten
/// times the size of its text, so the memo stays small however large the project is.
const KEPT_TREES: usize = 8;

/// Config trees by path, each with the hash of the text it was parsed from.
#[derive(Default)]
pub struct TreeMemo {
    trees: Mutex<FxHashMap<PathBuf, KeptTree>>,
    /// Counts lookups, so that the least recently used tree is the one dropped.
    clock: std::sync::atomic::AtomicU64,
}

struct KeptTree {
    text_hash: u128,
    tree: Arc<Node>,
    last_used: u64,
}

impl TreeMemo {
    /// The tree of `text` at `path`: the kept one when it was parsed from the same text,
    /// otherwise `parse`'s, kept for the next time. A text that does not parse is not kept.
    pub fn tree(
        &self,
        path: &Path,
        text: &str,
        parse: impl FnOnce() -> Option<Node>,
    ) -> Option<Arc<Node>> {
        let text_hash = xxhash_rust::xxh3::xxh3_128(text.as_bytes());
        let now = self
            .clock
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        {
            let mut trees = self
                .trees
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(kept) = trees.get_mut(path)
                && kept.text_hash == text_hash
            {
                kept.last_used = now;
                return Some(Arc::clone(&kept.tree));
            }
        }
        // Parsed outside the lock: configs of one load are parsed side by side.
        let tree = Arc::new(parse()?);
        let mut trees = self
            .trees
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        trees.insert(
            path.to_path_buf(),
            KeptTree {
                text_hash,
                tree: Arc::clone(&tree),
                last_used: now,
            },
        );
        while trees.len() > KEPT_TREES {
            let Some(oldest) = trees
                .iter()
                .min_by_key(|(_, kept)| kept.last_used)
                .map(|(path, _)| path.clone())
            else {
                break;
            };
            trees.remove(&oldest);
        }
        Some(tree)
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
        let memo = TreeMemo::default();
        let path = Path::new("/project/promptfooconfig.yaml");
        let parses = std::cell::Cell::new(0);
        let tree_of = |text: &str| {
            memo.tree(path, text, || {
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
        let memo = TreeMemo::default();
        let paths: Vec<PathBuf> = (0..KEPT_TREES + 3)
            .map(|index| PathBuf::from(format!("/project/config_{index}.yaml")))
            .collect();
        for path in &paths {
            memo.tree(path, "tests: []\n", || parsed("tests: []\n"));
        }
        // The first config is used again, so the oldest is now the second.
        memo.tree(&paths[0], "tests: []\n", || parsed("tests: []\n"));
        let extra = PathBuf::from("/project/extra.yaml");
        memo.tree(&extra, "tests: []\n", || parsed("tests: []\n"));
        let trees = memo.trees.lock().unwrap();
        assert_eq!(trees.len(), KEPT_TREES);
        assert!(trees.contains_key(&paths[0]));
        assert!(trees.contains_key(&extra));
        assert!(!trees.contains_key(&paths[1]));
    }
}

//! `speclint.lock`: for every link between an artifact (a prompt or eval file) and a
//! requirement, a fingerprint of the requirement's normative text as it was when the link was
//! last reviewed. `stale-link` compares it with the current text.
//!
//! The file is TOML, sorted by artifact path and requirement ID, so it diffs well in a pull
//! request. This module is the file format only; the graph computes its current links
//! ([`crate::graph::Graph::current_links`]) and [`crate::lock`] updates and writes the file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const LOCK_FILE_NAME: &str = "speclint.lock";
const LOCK_VERSION: u32 = 1;

/// Fingerprints per artifact path, per requirement ID.
pub type Links = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    pub version: u32,
    #[serde(default)]
    pub links: Links,
}

/// The fingerprint of a requirement's normative text. Whitespace, line wrapping and Markdown
/// emphasis do not change it; any change of wording does.
pub fn fingerprint(text: &str) -> String {
    let normalized: String = text
        .split_whitespace()
        .map(|word| word.trim_matches(['*', '_', '`', '~']))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    crate::stable_hash::stable_hash(&normalized)
}

/// Parses a lock file; the error carries the byte range toml reports.
pub fn parse(text: &str) -> Result<LockFile, (String, Option<std::ops::Range<usize>>)> {
    let lock: LockFile =
        toml::from_str(text).map_err(|error| (error.message().to_owned(), error.span()))?;
    if lock.version != LOCK_VERSION {
        return Err((
            format!(
                "unsupported lock version {}; this speclint writes version {LOCK_VERSION}",
                lock.version
            ),
            None,
        ));
    }
    Ok(lock)
}

/// What `speclint lock` changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LockUpdate {
    pub added: usize,
    pub accepted: usize,
    pub removed: usize,
    pub still_stale: usize,
}

/// The new lock: links that no longer exist are dropped, new links are recorded, and stale
/// fingerprints are re-recorded only for links `accepts` selects (an artifact path, a folder, or
/// a requirement ID) or when `accept_all` is set.
pub fn update(
    existing: &LockFile,
    current: &Links,
    accepts: &[String],
    accept_all: bool,
) -> (LockFile, LockUpdate) {
    let mut summary = LockUpdate::default();
    let mut links = Links::new();
    for (artifact, requirements) in current {
        for (id, print) in requirements {
            let recorded = existing.links.get(artifact).and_then(|known| known.get(id));
            let selected = accept_all || accepts.iter().any(|accept| selects(accept, artifact, id));
            let kept = match recorded {
                None => {
                    summary.added += 1;
                    print.clone()
                }
                Some(old) if old == print => old.clone(),
                Some(_) if selected => {
                    summary.accepted += 1;
                    print.clone()
                }
                Some(old) => {
                    summary.still_stale += 1;
                    old.clone()
                }
            };
            links
                .entry(artifact.clone())
                .or_default()
                .insert(id.clone(), kept);
        }
    }
    for (artifact, requirements) in &existing.links {
        for id in requirements.keys() {
            if !current
                .get(artifact)
                .is_some_and(|known| known.contains_key(id))
            {
                summary.removed += 1;
            }
        }
    }
    (
        LockFile {
            version: LOCK_VERSION,
            links,
        },
        summary,
    )
}

fn selects(accept: &str, artifact: &str, id: &str) -> bool {
    let accept = accept.trim_start_matches("./").trim_end_matches('/');
    accept == id || accept == artifact || artifact.starts_with(&format!("{accept}/"))
}

pub fn render(lock: &LockFile) -> String {
    let body = toml::to_string(lock).unwrap_or_default();
    format!(
        "# speclint.lock: the wording of each requirement as it was when the prompts and evals that\n# reference it were last reviewed. Written by `speclint lock`; commit it.\n\n{body}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_does_not_change_fingerprints() {
        let base = fingerprint("The assistant MUST reply within 30 days.");
        assert_eq!(
            base,
            fingerprint("The  assistant **MUST** reply\n  within 30 days.")
        );
        assert_ne!(
            base,
            fingerprint("The assistant MUST reply within 45 days.")
        );
    }

    #[test]
    fn update_keeps_stale_links_until_accepted() {
        let mut old = LockFile::default();
        old.links
            .entry("p.md".to_owned())
            .or_default()
            .insert("FR-1".to_owned(), "a".to_owned());
        old.links
            .entry("p.md".to_owned())
            .or_default()
            .insert("FR-2".to_owned(), "b".to_owned());
        let mut current = Links::new();
        current
            .entry("p.md".to_owned())
            .or_default()
            .insert("FR-1".to_owned(), "a2".to_owned());
        current
            .entry("q.md".to_owned())
            .or_default()
            .insert("FR-1".to_owned(), "a2".to_owned());
        let (kept, summary) = update(&old, &current, &[], false);
        assert_eq!(kept.links["p.md"]["FR-1"], "a");
        assert_eq!(
            summary,
            LockUpdate {
                added: 1,
                accepted: 0,
                removed: 1,
                still_stale: 1
            }
        );
        let (accepted, _) = update(&old, &current, &["FR-1".to_owned()], false);
        assert_eq!(accepted.links["p.md"]["FR-1"], "a2");
    }
}

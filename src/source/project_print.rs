//! What a whole run read, as one record that a later run can compare: the state of every
//! walked file and of `speclint.lock`, the files loaders read beyond the walk, and the
//! references they resolved. `speclint check` stores it beside its findings; a later run whose
//! walk, files and references give the same record could not find anything else, so it reuses
//! those findings without parsing or checking anything (`check::result_cache`).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::settings::Settings;
use crate::source::cache::{CacheOutcome, ContentHash, content_hash};
use crate::source::discover::{self, WalkedFile};
use crate::source::resolve::{Probe, probe_still_holds};
use crate::source::table::{FileTable, FileText, TextState};
use crate::source_db::FileId;

/// See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPrint {
    /// One hash over the path, kind and contents of every walked file, in path order, and
    /// over `speclint.lock`.
    pub files: u128,
    /// Files the loaders read beyond the walk (the tests file a promptfoo config names), by
    /// project-relative path, with their hashes; sorted.
    pub dependencies: Vec<(String, ContentHash)>,
    /// References the loaders resolved (globs, missing files), replayed by a later run; sorted.
    pub probes: Vec<Probe>,
}

/// Which texts a print keeps in the file table as it hashes them.
pub(crate) enum KeptTexts<'a> {
    /// All of them: a check that goes on to parse them.
    All,
    /// Only those of these project-relative paths (the files that stored findings point
    /// into): a run that reuses its findings shows no other text, and a large project's
    /// texts are most of such a run's memory and time.
    Only(&'a std::collections::HashSet<String>),
}

/// One hash over the walked files (path, whether it is a link, and its contents or why it
/// cannot be read) and over the lock file, whose findings come from the same run.
pub(crate) fn files_print(
    table: &FileTable,
    walked: &[WalkedFile],
    ids: &[FileId],
    kept: &KeptTexts<'_>,
) -> u128 {
    let per_file: Vec<u128> = walked
        .par_iter()
        .zip(ids.par_iter())
        .map(|(walked_file, &id)| {
            let mut bytes = Vec::with_capacity(walked_file.relative_path.len() + 20);
            bytes.extend_from_slice(walked_file.relative_path.as_bytes());
            bytes.push(0);
            let keep = match kept {
                KeptTexts::All => true,
                KeptTexts::Only(paths) => paths.contains(&walked_file.relative_path),
            };
            if walked_file.is_link {
                bytes.push(b'l');
            } else if keep {
                push_state(&mut bytes, table.text(id).state());
            } else {
                push_state(&mut bytes, table.text_state_unkept(id));
            }
            xxhash_rust::xxh3::xxh3_128(&bytes)
        })
        .collect();
    let mut bytes = Vec::with_capacity(per_file.len() * 16 + 32);
    for print in per_file {
        bytes.extend_from_slice(&print.to_le_bytes());
    }
    let lock_path = table.checked_dir().join(crate::lockfile::LOCK_FILE_NAME);
    if lock_path.is_file() {
        push_state(&mut bytes, table.text(table.intern(&lock_path)).state());
    } else {
        bytes.push(b'-');
    }
    xxhash_rust::xxh3::xxh3_128(&bytes)
}

fn push_state(bytes: &mut Vec<u8>, state: TextState) {
    match state {
        TextState::Text(hash) => {
            bytes.push(b't');
            bytes.extend_from_slice(&hash.to_le_bytes());
        }
        TextState::Unreadable(message) => {
            bytes.push(b'u');
            bytes.extend_from_slice(message.as_bytes());
        }
    }
}

/// What the files of a run depend on beyond themselves: see [`ProjectPrint`].
pub struct InputsBeyondWalk {
    pub dependencies: Vec<(String, ContentHash)>,
    pub probes: Vec<Probe>,
}

/// The dependencies and probes of a run's parse-cache outcomes, sorted; `None` when a parsed
/// file was not cached (one of the files it points into cannot be read), since then what it
/// depends on is not known.
pub(crate) fn inputs_beyond_walk<'a>(
    outcomes: impl Iterator<Item = (&'a CacheOutcome, Option<&'a crate::source::cache::Validity>)>,
) -> Option<InputsBeyondWalk> {
    let mut dependencies = Vec::new();
    let mut probes = Vec::new();
    for (outcome, validity) in outcomes {
        match (outcome, validity) {
            (CacheOutcome::Uncacheable, _) => return None,
            (CacheOutcome::NotCached, _) => {}
            (_, Some(validity)) => {
                dependencies.extend(validity.dependencies().iter().cloned());
                probes.extend(validity.probes().iter().cloned());
            }
            (_, None) => return None,
        }
    }
    dependencies.sort_unstable();
    dependencies.dedup();
    probes.sort_unstable();
    probes.dedup();
    Some(InputsBeyondWalk {
        dependencies,
        probes,
    })
}

/// A project whose files were read and found unchanged: its file table, and the IDs of the
/// walked files and dependencies by project-relative path.
pub struct UnchangedProject {
    pub table: FileTable,
    pub ids: std::collections::HashMap<String, FileId>,
}

/// The project's files, when a walk of `checked_dir` now gives the same record as `print`: the
/// same walked files with the same contents, the same dependencies, and every reference
/// resolving as it did. Files are read and hashed, nothing is parsed.
pub(crate) fn unchanged_since(
    checked_dir: &std::path::Path,
    settings: &Settings,
    print: &ProjectPrint,
    kept: &KeptTexts<'_>,
) -> Option<UnchangedProject> {
    let checked_dir = crate::source::absolute_dir(checked_dir);
    let table = FileTable::new(&checked_dir, settings.max_file_bytes);
    let walked = discover::walk(&checked_dir, settings);
    let ids: Vec<FileId> = walked
        .iter()
        .map(|file| table.intern_walked(file))
        .collect();
    if files_print(&table, &walked, &ids, kept) != print.files {
        return None;
    }
    let mut by_path: std::collections::HashMap<String, FileId> = walked
        .into_iter()
        .zip(ids)
        .map(|(walked_file, id)| (walked_file.relative_path, id))
        .collect();
    for (path, hash) in &print.dependencies {
        let id = table.intern(&checked_dir.join(path));
        by_path.insert(path.clone(), id);
        let FileText::Text(text) = table.text(id) else {
            return None;
        };
        if content_hash(&text) != *hash {
            return None;
        }
    }
    // Each probe lists a folder or expands a glob: they are replayed side by side.
    print
        .probes
        .par_iter()
        .all(|probe| probe_still_holds(&table, probe))
        .then_some(UnchangedProject {
            table,
            ids: by_path,
        })
}

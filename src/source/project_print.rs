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
use crate::source::stamp::FileStamp;
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
    /// The walked files that had settled when they were read, with their stamps and their
    /// share of `files`; sorted by path hash. A later run takes the share of a file whose
    /// stamp is the same without reading the file (see [`crate::source::stamp`]).
    pub settled: Vec<SettledFile>,
}

/// A walked file's stamp and its share of [`ProjectPrint::files`], found by a 64-bit hash of
/// its project-relative path rather than the path, which would double the record's size.
/// Two paths with one hash could at worst lend a file another's share, which holds the other
/// path: the files' hash would differ, and the run check everything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledFile {
    pub path_hash: u64,
    pub stamp: FileStamp,
    pub print: u128,
}

/// The hash over the walked files and the lock file, and the settled files among them.
pub struct FilesPrint {
    pub files: u128,
    pub settled: Vec<SettledFile>,
    /// How many walked files were read (the others were taken by their stamps).
    pub read: usize,
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
/// cannot be read) and over the lock file, whose findings come from the same run. A file
/// whose text is not kept and whose stamp is in `earlier` unchanged is not read: its share
/// of the hash is the one kept with the stamp. `ids` are the walked files' IDs in `table`;
/// without them, a file is interned in `table` when it is read (and only then).
pub(crate) fn files_print(
    table: &FileTable,
    walked: &[WalkedFile],
    ids: Option<&[FileId]>,
    kept: &KeptTexts<'_>,
    earlier: &Earlier<'_>,
) -> FilesPrint {
    let earlier_of_each = match earlier {
        Earlier::Records(records) => earlier_records(walked, records),
        Earlier::Shares(_) => vec![None; walked.len()],
    };
    // Each file's share of the hash, its stamp if it was read and had settled, and whether
    // it was read.
    let per_file: Vec<(u128, Option<FileStamp>, bool)> = walked
        .par_iter()
        .zip(earlier_of_each.par_iter())
        .enumerate()
        .map(|(index, (walked_file, &earlier_record))| {
            let keep = match kept {
                KeptTexts::All => true,
                KeptTexts::Only(paths) => paths.contains(&walked_file.relative_path),
            };
            if !walked_file.is_link && !keep {
                let unchanged = match earlier {
                    Earlier::Records(_) => earlier_record
                        .and_then(|settled| unchanged_share(&walked_file.path, settled)),
                    Earlier::Shares(shares) => {
                        shares.get(&path_hash(&walked_file.relative_path)).copied()
                    }
                };
                if let Some(print) = unchanged {
                    return (print, None, false);
                }
            }
            let id = ids
                .and_then(|ids| ids.get(index).copied())
                .unwrap_or_else(|| table.intern(&walked_file.path));
            let mut bytes = Vec::with_capacity(walked_file.relative_path.len() + 20);
            bytes.extend_from_slice(walked_file.relative_path.as_bytes());
            bytes.push(0);
            if walked_file.is_link {
                bytes.push(b'l');
            } else if keep {
                push_state(&mut bytes, table.text_state(id));
            } else {
                push_state(&mut bytes, table.text_state_unkept(id));
            }
            let stamp = if walked_file.is_link {
                None
            } else {
                table.settled_stamp(id)
            };
            (xxhash_rust::xxh3::xxh3_128(&bytes), stamp, true)
        })
        .collect();
    let mut bytes = Vec::with_capacity(per_file.len() * 16 + 32);
    let mut settled = Vec::new();
    let mut read = 0;
    for (walked_file, (print, stamp, was_read)) in walked.iter().zip(&per_file) {
        read += usize::from(*was_read);
        bytes.extend_from_slice(&print.to_le_bytes());
        if let Some(stamp) = stamp {
            settled.push(SettledFile {
                path_hash: path_hash(&walked_file.relative_path),
                stamp: *stamp,
                print: *print,
            });
        }
    }
    settled.sort_unstable_by_key(|settled| settled.path_hash);
    let lock_path = table.checked_dir().join(crate::lockfile::LOCK_FILE_NAME);
    if lock_path.is_file() {
        push_state(&mut bytes, table.text_state(table.intern(&lock_path)));
    } else {
        bytes.push(b'-');
    }
    FilesPrint {
        files: xxhash_rust::xxh3::xxh3_128(&bytes),
        settled,
        read,
    }
}

/// What a print is taken against: the settled files of an earlier print, or the shares of the
/// files whose stamps were found unchanged already, by path hash ([`walk_and_print_unkept`]).
pub(crate) enum Earlier<'a> {
    Records(&'a [SettledFile]),
    Shares(&'a rustc_hash::FxHashMap<u64, u128>),
}

/// The share of the files' hash kept in `earlier` for the walked file at `path`, whose
/// project-relative path has the hash `wanted`, when its stamp is as it was.
fn settled_share(path: &std::path::Path, wanted: u64, earlier: &[SettledFile]) -> Option<u128> {
    let index = earlier
        .binary_search_by_key(&wanted, |settled| settled.path_hash)
        .ok()?;
    unchanged_share(path, earlier.get(index)?)
}

/// The share of the files' hash kept in `settled` for the file at `path`, when its stamp is
/// still the one kept with it.
fn unchanged_share(path: &std::path::Path, settled: &SettledFile) -> Option<u128> {
    let metadata = std::fs::metadata(path).ok()?;
    (FileStamp::of(&metadata)? == settled.stamp).then_some(settled.print)
}

/// The record in `earlier` (sorted by path hash) of each walked file, if it has one, in the
/// order of `walked`.
///
/// The walked files are put in path-hash order and both lists are read once, side by side.
/// A binary search per file would be as short to write, but on thousands of files nearly
/// every step of it misses the processor's cache: it took about 5% of a run that reuses its
/// findings (`bench/README.md`, "Nineteenth pass").
fn earlier_records<'a>(
    walked: &[WalkedFile],
    earlier: &'a [SettledFile],
) -> Vec<Option<&'a SettledFile>> {
    let mut records = vec![None; walked.len()];
    if earlier.is_empty() {
        return records;
    }
    let mut by_hash: Vec<(u64, usize)> = walked
        .iter()
        .enumerate()
        .map(|(index, walked_file)| (path_hash(&walked_file.relative_path), index))
        .collect();
    by_hash.sort_unstable();
    let mut earlier_files = earlier.iter().peekable();
    for (wanted, index) in by_hash {
        // Records of paths that are no longer walked are passed over.
        while earlier_files
            .next_if(|settled| settled.path_hash < wanted)
            .is_some()
        {}
        if let Some(settled) = earlier_files.peek()
            && settled.path_hash == wanted
            && let Some(record) = records.get_mut(index)
        {
            *record = Some(*settled);
        }
    }
    records
}

/// See [`SettledFile`].
fn path_hash(relative_path: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(relative_path.as_bytes())
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
/// walked files and dependencies by project-relative path (of the dependencies only after
/// [`walk_and_print_unkept`], whose caller uses no walked file's ID).
pub struct UnchangedProject {
    pub table: FileTable,
    pub ids: rustc_hash::FxHashMap<String, FileId>,
    /// The print's settled files with the stamps of files this run read that have settled
    /// since, when that differs from the print's: what the stored print should now say, so
    /// that the next run need not read them. A file checked soon after it was written
    /// (a fresh clone, a branch switch) has no stamp in the print of that run.
    pub settled_since: Option<Vec<SettledFile>>,
    /// How many of the walked files were read and hashed.
    pub files_read: FilesRead,
}

/// How many of the walked files a run read and hashed (the others had settled, with their
/// stamps unchanged), and how many it walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilesRead {
    pub read: usize,
    pub walked: usize,
}

/// A walk of the project, with its walked files in a file table that has read nothing yet.
pub struct WalkedProject {
    checked_dir: std::path::PathBuf,
    table: FileTable,
    walked: Vec<WalkedFile>,
    ids: Vec<FileId>,
}

/// Walks `checked_dir` as a check does; a run compares the result with a print
/// ([`print_walked`], [`unchanged_since`]), so the walk can go on while the print is read.
/// The walk stays on the calling thread for up to `folders_on_this_thread` folders
/// ([`discover::walk_beside_other_work`]).
pub(crate) fn walk_project(
    checked_dir: &std::path::Path,
    settings: &Settings,
    folders_on_this_thread: usize,
) -> WalkedProject {
    let checked_dir = crate::source::absolute_dir(checked_dir);
    let table = FileTable::new(&checked_dir, settings.max_file_bytes);
    let walked = discover::walk_beside_other_work(&checked_dir, settings, folders_on_this_thread);
    let ids = table.intern_walked(&walked);
    WalkedProject {
        checked_dir,
        table,
        walked,
        ids,
    }
}

/// A walked project with its files' hash taken ([`print_walked`]), ready to be compared with
/// a print.
pub struct PrintedProject {
    checked_dir: std::path::PathBuf,
    table: FileTable,
    /// The IDs of the walked files by project-relative path; none from
    /// [`walk_and_print_unkept`], whose caller uses none.
    ids: rustc_hash::FxHashMap<String, FileId>,
    now: FilesPrint,
    walked_count: usize,
}

/// Takes the hash of the walked files of `project`: files are read and hashed, except
/// those whose stamps in `earlier` (a print's settled files) are unchanged and whose texts
/// are not kept; nothing is parsed.
pub(crate) fn print_walked(
    project: WalkedProject,
    earlier: &[SettledFile],
    kept: &KeptTexts<'_>,
) -> PrintedProject {
    let WalkedProject {
        checked_dir,
        table,
        walked,
        ids,
    } = project;
    let now = files_print(
        &table,
        &walked,
        Some(&ids),
        kept,
        &Earlier::Records(earlier),
    );
    let walked_count = walked.len();
    let ids = walked
        .into_iter()
        .zip(ids)
        .map(|(walked_file, id)| (walked_file.relative_path, id))
        .collect();
    PrintedProject {
        checked_dir,
        table,
        ids,
        now,
        walked_count,
    }
}

/// How many walked files one task of [`walk_and_print_unkept`] looks up.
const STAT_TASK_FILES: usize = 128;

/// Walks `checked_dir` and takes the hash of its files against `earlier` (a print's settled
/// files), keeping no text: [`walk_project`] and [`print_walked`] for a run that has nothing
/// else to do meanwhile (one that prints a kept output). The walked files come back too
/// (sorted by path), for a run that goes on to load the project when the print differs.
///
/// The walk stays on one thread, and the files it finds are handed on as it goes to rayon's
/// other threads, which look up their stamps: the stats no longer wait for the walk to end.
/// A walked file is given an ID only if it is read (its stamp changed or was not kept):
/// interning every walked file was a tenth of such a run. So the IDs of read files follow
/// the order in which they were read, and the printed project holds no walked file's ID.
pub(crate) fn walk_and_print_unkept(
    checked_dir: &std::path::Path,
    settings: &Settings,
    earlier: &[SettledFile],
) -> (PrintedProject, Vec<WalkedFile>) {
    let checked_dir = crate::source::absolute_dir(checked_dir);
    let table = FileTable::new(&checked_dir, settings.max_file_bytes);
    let shares: std::sync::Mutex<rustc_hash::FxHashMap<u64, u128>> = std::sync::Mutex::default();
    let walked = rayon::scope(|scope| {
        let shares = &shares;
        discover::walk_handing_on(&checked_dir, settings, 0, &mut |found| {
            // The parallel walker hands on all its files at once: they are looked up in
            // tasks of the serial walk's size all the same.
            for files in found.chunks(STAT_TASK_FILES) {
                let batch: Vec<(u64, std::path::PathBuf)> = files
                    .iter()
                    .filter(|walked_file| !walked_file.is_link)
                    .map(|walked_file| {
                        (
                            path_hash(&walked_file.relative_path),
                            walked_file.path.clone(),
                        )
                    })
                    .collect();
                scope.spawn(move |_| {
                    let unchanged: Vec<(u64, u128)> = batch
                        .iter()
                        .filter_map(|(hash, path)| {
                            Some((*hash, settled_share(path, *hash, earlier)?))
                        })
                        .collect();
                    if let Ok(mut shares) = shares.lock() {
                        shares.extend(unchanged);
                    }
                });
            }
        })
    });
    let shares = shares.into_inner().unwrap_or_default();
    let nothing_kept = std::collections::HashSet::new();
    // Walked files are interned only when they are read: a run whose stamps are all
    // unchanged needs no file's ID.
    let now = files_print(
        &table,
        &walked,
        None,
        &KeptTexts::Only(&nothing_kept),
        &Earlier::Shares(&shares),
    );
    let printed = PrintedProject {
        checked_dir,
        table,
        ids: rustc_hash::FxHashMap::default(),
        now,
        walked_count: walked.len(),
    };
    (printed, walked)
}

/// The project's files, when its walk gives the same record as `print`: the same walked files
/// with the same contents (`project` was printed against `print`'s settled files), the same
/// dependencies, and every reference resolving as it did.
pub(crate) fn unchanged_since(
    project: PrintedProject,
    print: &ProjectPrint,
) -> Option<UnchangedProject> {
    let PrintedProject {
        checked_dir,
        table,
        ids: mut by_path,
        now,
        walked_count,
    } = project;
    if now.files != print.files {
        return None;
    }
    let files_read = FilesRead {
        read: now.read,
        walked: walked_count,
    };
    for (path, hash) in &print.dependencies {
        let absolute_path = checked_dir.join(path);
        let id = table.intern(&absolute_path);
        by_path.insert(path.clone(), id);
        // A walked file whose stamp is unchanged holds what it held when its hash was taken:
        // the run that stored both read them from one text.
        if settled_share(&absolute_path, path_hash(path), &print.settled).is_some() {
            continue;
        }
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
        .then(|| UnchangedProject {
            table,
            ids: by_path,
            settled_since: with_newly_settled(&print.settled, now.settled),
            files_read,
        })
}

/// `earlier` with the stamps in `now` put in (both sorted by path hash): a file read again
/// keeps the stamp it has now. `None` when that gives `earlier` itself.
fn with_newly_settled(earlier: &[SettledFile], now: Vec<SettledFile>) -> Option<Vec<SettledFile>> {
    let index_in = |files: &[SettledFile], path_hash: u64| {
        files.binary_search_by_key(&path_hash, |file| file.path_hash)
    };
    let all_known = now.iter().all(|file| {
        index_in(earlier, file.path_hash)
            .ok()
            .and_then(|index| earlier.get(index))
            == Some(file)
    });
    if all_known {
        return None;
    }
    let mut merged: Vec<SettledFile> = earlier
        .iter()
        .filter(|file| index_in(&now, file.path_hash).is_err())
        .cloned()
        .collect();
    merged.extend(now);
    merged.sort_unstable_by_key(|file| file.path_hash);
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(root: &std::path::Path, name: &str) -> WalkedFile {
        WalkedFile {
            path: root.join(name),
            is_link: false,
            glob_path: name.to_owned(),
            relative_path: name.to_owned(),
        }
    }

    fn print_of(
        root: &std::path::Path,
        files: &[WalkedFile],
        kept: &KeptTexts<'_>,
        earlier: &[SettledFile],
    ) -> u128 {
        let table = FileTable::new(root, 1 << 20);
        let ids = table.intern_walked(files);
        files_print(&table, files, Some(&ids), kept, &Earlier::Records(earlier)).files
    }

    #[test]
    fn each_walked_file_gets_the_earlier_record_of_its_path() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        let stamp = FileStamp::of(&std::fs::metadata(root).unwrap()).unwrap();
        let names = ["a.md", "b.md", "c.md", "d.md", "e.md"];
        let files: Vec<WalkedFile> = names.iter().map(|name| walked(root, name)).collect();
        // Records of every file but c.md, and of a file that is gone, sorted by path hash.
        let mut earlier: Vec<SettledFile> = ["a.md", "b.md", "d.md", "e.md", "gone.md"]
            .iter()
            .zip(1..)
            .map(|(name, print)| SettledFile {
                path_hash: path_hash(name),
                stamp,
                print,
            })
            .collect();
        earlier.sort_unstable_by_key(|settled| settled.path_hash);
        let found: Vec<Option<u128>> = earlier_records(&files, &earlier)
            .iter()
            .map(|record| record.map(|settled| settled.print))
            .collect();
        assert_eq!(found, [Some(1), Some(2), None, Some(3), Some(4)]);
        assert_eq!(earlier_records(&files, &[]), vec![None; 5]);
    }

    #[test]
    fn a_file_whose_stamp_is_unchanged_is_not_read_unless_its_text_is_kept() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        std::fs::write(root.join("a.md"), "Reply within 30 days.\n").unwrap();
        std::fs::write(root.join("b.md"), "Say hello.\n").unwrap();
        let files = [walked(root, "a.md"), walked(root, "b.md")];
        let none = std::collections::HashSet::new();
        let unkept = KeptTexts::Only(&none);
        let read = print_of(root, &files, &KeptTexts::All, &[]);
        assert_eq!(print_of(root, &files, &unkept, &[]), read);
        let stamp_of =
            |name: &str| FileStamp::of(&std::fs::metadata(root.join(name)).unwrap()).unwrap();
        // A share that reading could never give shows the file was not read.
        let trusted = [SettledFile {
            path_hash: path_hash("a.md"),
            stamp: stamp_of("a.md"),
            print: 42,
        }];
        assert_ne!(print_of(root, &files, &unkept, &trusted), read);
        assert_eq!(print_of(root, &files, &KeptTexts::All, &trusted), read);
        // Another file's stamp does not vouch for this one.
        let foreign = [SettledFile {
            path_hash: path_hash("a.md"),
            stamp: stamp_of("b.md"),
            print: 42,
        }];
        assert_eq!(print_of(root, &files, &unkept, &foreign), read);
    }
}

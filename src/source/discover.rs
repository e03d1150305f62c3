//! Finding input files: a gitignore-aware walk over the checked directory, on the calling
//! thread for a small project and on several for a large one. Only files with extensions
//! some loader reads are kept; the detector decides what each one is.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{DirEntry, WalkBuilder, WalkState};

use crate::settings::Settings;
use crate::source::detect::is_candidate;
use crate::source_db::relative_path_string;

/// A file the walker found.
pub struct WalkedFile {
    /// Absolute path.
    pub path: PathBuf,
    /// A symbolic link, which speclint does not follow.
    pub is_link: bool,
    /// Path relative to the configuration's directory, which the globs match.
    pub glob_path: String,
    /// Path relative to the checked directory, for sorting.
    pub relative_path: String,
}

/// How many folders a walk on the calling thread may enter before it gives way to the
/// parallel walker (see [`walk`]): about as many as one thread lists in the time the
/// parallel walker takes to start its threads and to see that they are done.
const SERIAL_WALK_FOLDERS: usize = 128;

/// Every candidate file below `checked_dir`, sorted by path.
///
/// A project of a few folders is walked on the calling thread, with `ignore`'s sequential
/// walker; one with more than [`SERIAL_WALK_FOLDERS`] folders is walked again from the start
/// by `ignore`'s parallel walker. Both walkers apply the same ignore rules and find the same
/// files. The parallel walker starts threads of its own for every walk and its idle threads
/// poll for work in one-millisecond sleeps, which on a project of a hundred folders costs
/// more than listing them (a check of an empty folder took 4.4-5.8 ms with it, 3.0-3.5 ms
/// without); on a tree of thousands of folders, where each folder costs a handful of system
/// calls for its ignore files, listing them on two threads takes half the time
/// (`bench/README.md`, "Nineteenth pass").
pub fn walk(checked_dir: &Path, settings: &Settings) -> Vec<WalkedFile> {
    walk_beside_other_work(checked_dir, settings, SERIAL_WALK_FOLDERS)
}

/// [`walk`] for a caller whose other threads are busy meanwhile: the walk stays on the
/// calling thread for up to `folders_on_this_thread` folders (at least
/// [`SERIAL_WALK_FOLDERS`]), since the parallel walker's threads would only take turns with
/// that work on the same cores.
pub(crate) fn walk_beside_other_work(
    checked_dir: &Path,
    settings: &Settings,
    folders_on_this_thread: usize,
) -> Vec<WalkedFile> {
    walk_handing_on(checked_dir, settings, folders_on_this_thread, &mut |_| {})
}

/// How many files a walk on the calling thread finds before it hands them on
/// ([`walk_handing_on`]).
const FILES_PER_HANDING: usize = 128;

/// [`walk_beside_other_work`], handing the files found on to `hand_on` as the walk goes (in
/// batches, in the order found, before they are sorted), so that work on them can start on
/// other threads before the walk ends. A walk that gives way to the parallel walker hands on
/// every file it finds again, at its end.
pub(crate) fn walk_handing_on(
    checked_dir: &Path,
    settings: &Settings,
    folders_on_this_thread: usize,
    hand_on: &mut dyn FnMut(&[WalkedFile]),
) -> Vec<WalkedFile> {
    let base_dir = crate::source::resolve::normalize(
        &std::path::absolute(&settings.base_dir).unwrap_or_else(|_| settings.base_dir.clone()),
    );
    let folder_limit = folders_on_this_thread.max(SERIAL_WALK_FOLDERS);
    let mut found = walk_on_this_thread(checked_dir, &base_dir, folder_limit, hand_on)
        .unwrap_or_else(|| {
            let found = walk_in_parallel(checked_dir, &base_dir);
            hand_on(&found);
            found
        });
    // Relative paths are unique, so an unstable sort gives the one order, without the
    // stable sort's copies of every record.
    found.sort_unstable_by(|left, right| left.relative_path.cmp(&right.relative_path));
    found
}

/// The walker both walks use: ignore files are read (from the tree, its parents, `.git`
/// and git's global configuration) whether or not the folder is a git repository; links are
/// reported, not followed.
fn walk_builder(checked_dir: &Path) -> WalkBuilder {
    let mut builder = WalkBuilder::new(checked_dir);
    builder
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            let name = entry.file_name();
            name != ".git" && name != ".speclint_cache" && name != "node_modules"
        });
    builder
}

/// The candidate files below `checked_dir`, walked on the calling thread; `None` once the
/// walk has entered more than `folder_limit` folders.
fn walk_on_this_thread(
    checked_dir: &Path,
    base_dir: &Path,
    folder_limit: usize,
    hand_on: &mut dyn FnMut(&[WalkedFile]),
) -> Option<Vec<WalkedFile>> {
    let mut folders = 0;
    let mut found: Vec<WalkedFile> = Vec::new();
    let mut handed = 0;
    // An entry the walker could not read (a folder without permission, a broken gitignore)
    // is left out, as a file that is not there, by both walks.
    for entry in walk_builder(checked_dir).build().filter_map(Result::ok) {
        // The walker enters every folder it yields, right after yielding it.
        if entry.file_type().is_some_and(|kind| kind.is_dir()) {
            folders += 1;
            if folders > folder_limit {
                return None;
            }
            continue;
        }
        found.extend(candidate(checked_dir, base_dir, &entry));
        if found.len() >= handed + FILES_PER_HANDING {
            hand_on(found.get(handed..).unwrap_or_default());
            handed = found.len();
        }
    }
    if handed < found.len() {
        hand_on(found.get(handed..).unwrap_or_default());
    }
    Some(found)
}

/// The candidate files below `checked_dir`, walked by `ignore`'s parallel walker.
fn walk_in_parallel(checked_dir: &Path, base_dir: &Path) -> Vec<WalkedFile> {
    let found = Mutex::new(Vec::new());
    walk_builder(checked_dir).build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            if let Some(walked) = candidate(checked_dir, base_dir, &entry)
                && let Ok(mut found) = found.lock()
            {
                found.push(walked);
            }
            WalkState::Continue
        })
    });
    found.into_inner().unwrap_or_default()
}

/// The walker's record of `entry`, when it is a file (or a link) with an extension some
/// loader reads.
fn candidate(checked_dir: &Path, base_dir: &Path, entry: &DirEntry) -> Option<WalkedFile> {
    let is_link = entry.path_is_symlink();
    let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
    if !(is_file || is_link) || !is_candidate(entry.path()) {
        return None;
    }
    let mut walked = walked_with_base(checked_dir, base_dir, entry.path());
    walked.is_link = is_link;
    Some(walked)
}

fn walked_with_base(checked_dir: &Path, base_dir: &Path, path: &Path) -> WalkedFile {
    let relative_path = relative_path_string(checked_dir, path);
    // Most runs check the folder of `speclint.toml`: then both paths are one.
    let glob_path = if base_dir.as_os_str() != checked_dir.as_os_str() && path.starts_with(base_dir)
    {
        relative_path_string(base_dir, path)
    } else {
        relative_path.clone()
    };
    WalkedFile {
        path: path.to_path_buf(),
        is_link: false,
        glob_path,
        relative_path,
    }
}

/// The walker's record for one file given by path (an editor buffer not on disk yet).
pub fn walked_file(checked_dir: &Path, settings: &Settings, path: &Path) -> WalkedFile {
    let base_dir = crate::source::resolve::normalize(
        &std::path::absolute(&settings.base_dir).unwrap_or_else(|_| settings.base_dir.clone()),
    );
    walked_with_base(checked_dir, &base_dir, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relative_paths(found: &[WalkedFile]) -> Vec<String> {
        let mut paths: Vec<String> = found
            .iter()
            .map(|file| file.relative_path.clone())
            .collect();
        paths.sort();
        paths
    }

    /// A project of `packages` packages, each with nested folders, an ignored build folder,
    /// a gitignore of its own and files that are not candidates.
    fn project(root: &Path, packages: usize) {
        std::fs::write(root.join(".gitignore"), "dist/\n").unwrap();
        for package in 0..packages {
            let folder = root.join(format!("packages/p{package}"));
            for part in ["src/a", "src/b/c", "dist", "build/out", "node_modules/x"] {
                std::fs::create_dir_all(folder.join(part)).unwrap();
                std::fs::write(folder.join(part).join("prompt.md"), "Say hello.\n").unwrap();
                std::fs::write(folder.join(part).join("image.png"), "").unwrap();
            }
            std::fs::write(folder.join(".gitignore"), "build/\n*.txt\n").unwrap();
            std::fs::write(folder.join("src/notes.txt"), "ignored\n").unwrap();
            std::fs::write(folder.join("src/spec.yaml"), "a: 1\n").unwrap();
        }
    }

    #[test]
    fn a_small_project_is_walked_on_this_thread_and_both_walks_find_the_same_files() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        project(root, 3);
        let serial = walk_on_this_thread(root, root, SERIAL_WALK_FOLDERS, &mut |_| {})
            .expect("a small project is walked on this thread");
        assert_eq!(
            relative_paths(&serial),
            relative_paths(&walk_in_parallel(root, root))
        );
        assert_eq!(
            relative_paths(&serial),
            [
                "packages/p0/src/a/prompt.md",
                "packages/p0/src/b/c/prompt.md",
                "packages/p0/src/spec.yaml",
                "packages/p1/src/a/prompt.md",
                "packages/p1/src/b/c/prompt.md",
                "packages/p1/src/spec.yaml",
                "packages/p2/src/a/prompt.md",
                "packages/p2/src/b/c/prompt.md",
                "packages/p2/src/spec.yaml",
            ]
        );
    }

    #[test]
    fn a_project_of_many_folders_gives_way_to_the_parallel_walk_which_finds_the_same_files() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        // Each package adds five walked folders: itself, src, src/a, src/b and src/b/c.
        let packages = SERIAL_WALK_FOLDERS / 5 + 1;
        project(root, packages);
        assert!(walk_on_this_thread(root, root, SERIAL_WALK_FOLDERS, &mut |_| {}).is_none());
        let parallel = walk_in_parallel(root, root);
        let serial = walk_on_this_thread(root, root, usize::MAX, &mut |_| {}).unwrap();
        assert_eq!(relative_paths(&parallel), relative_paths(&serial));
        assert_eq!(parallel.len(), 3 * packages);
    }

    /// Every file a walk on this thread finds is handed on once, in batches as the walk goes.
    #[test]
    fn a_walk_on_this_thread_hands_on_every_file_it_finds_in_batches() {
        for packages in [3, FILES_PER_HANDING] {
            let folder = tempfile::tempdir().unwrap();
            let root = folder.path();
            project(root, packages);
            let mut handed = Vec::new();
            let mut batches = Vec::new();
            let found = walk_on_this_thread(root, root, usize::MAX, &mut |batch| {
                batches.push(batch.len());
                handed.extend(relative_paths(batch));
            })
            .unwrap();
            handed.sort();
            assert_eq!(handed, relative_paths(&found), "{packages} packages");
            assert_eq!(batches.len(), found.len().div_ceil(FILES_PER_HANDING));
            assert!(
                batches
                    .iter()
                    .all(|&size| size > 0 && size <= FILES_PER_HANDING)
            );
        }
    }
}

//! Finding input files: a gitignore-aware parallel walk, then the configured globs decide each
//! file's role.

use std::path::Path;
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::config::Settings;
use crate::source::file::relative_path_string;
use crate::source::{Candidate, Role};

/// Every file below `checked_dir` that the configuration gives a role, sorted by path.
pub fn discover(checked_dir: &Path, settings: &Settings) -> Vec<Candidate> {
    let found = Mutex::new(Vec::new());
    let walker = WalkBuilder::new(checked_dir)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build_parallel();
    walker.run(|| {
        let found = &found;
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            if !entry.file_type().is_some_and(|kind| kind.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            if let Some(candidate) = classify(checked_dir, path, settings)
                && let Ok(mut found) = found.lock()
            {
                found.push(candidate);
            }
            WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_default();
    found.sort_by(|left, right| left.relative_path.cmp(&right.relative_path));
    found.dedup_by(|left, right| left.relative_path == right.relative_path);
    found
}

/// The role of one file, or `None` when no file set includes it. A file in several sets is read
/// as the first of spec, prompt, eval.
pub fn classify(checked_dir: &Path, path: &Path, settings: &Settings) -> Option<Candidate> {
    let glob_path = match path.strip_prefix(&settings.base_dir) {
        Ok(_) => relative_path_string(&settings.base_dir, path),
        Err(_) => relative_path_string(checked_dir, path),
    };
    let role = if settings.spec_files.matches(&glob_path) {
        Role::Spec
    } else if settings.prompt_files.matches(&glob_path) {
        Role::Prompt
    } else if settings.eval_files.matches(&glob_path) {
        Role::Eval
    } else {
        return None;
    };
    Some(Candidate {
        path: path.to_path_buf(),
        relative_path: relative_path_string(checked_dir, path),
        role,
    })
}

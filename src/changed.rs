//! `--changed-since <git-ref>`: keep only findings in files changed since the ref, plus findings
//! about requirements whose text changed since the ref (their prompts and evals are affected).
//! It asks the `git` command; nothing else runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;
use crate::graph::Graph;
use crate::requirement_id::IdPattern;
use crate::source::{spec_kiro, spec_markdown, spec_yaml};
use crate::source_db::{FileId, SourceDb};

/// What changed since the ref.
#[derive(Debug, Default)]
pub struct Changes {
    /// Paths relative to the checked directory.
    pub files: BTreeSet<String>,
    /// Requirement IDs whose text differs from the ref's.
    pub requirements: BTreeSet<String>,
}

/// Why `--changed-since` cannot tell what changed.
#[derive(Debug)]
pub enum ChangedError {
    /// The `git` command could not be started.
    GitMissing(std::io::Error),
    /// `git` ran and failed; its message.
    Git(String),
    NotAWorkTree(PathBuf),
    UnknownRef(String),
}

impl std::fmt::Display for ChangedError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangedError::GitMissing(error) => write!(formatter, "cannot run git: {error}"),
            ChangedError::Git(message) => formatter.write_str(message),
            ChangedError::NotAWorkTree(directory) => write!(
                formatter,
                "`{}` is not inside a git work tree, so --changed-since cannot tell what changed",
                directory.display()
            ),
            ChangedError::UnknownRef(reference) => {
                write!(
                    formatter,
                    "`{reference}` is not a commit in this repository"
                )
            }
        }
    }
}

impl std::error::Error for ChangedError {}

fn git(directory: &Path, arguments: &[&str]) -> Result<String, ChangedError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(directory)
        .args(arguments)
        .output()
        .map_err(ChangedError::GitMissing)?;
    if !output.status.success() {
        return Err(ChangedError::Git(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Lists what changed in `checked_dir` since `reference`.
pub fn changes_since(
    checked_dir: &Path,
    reference: &str,
    graph: &Graph,
    pattern: &IdPattern,
) -> Result<Changes, ChangedError> {
    let inside = git(checked_dir, &["rev-parse", "--is-inside-work-tree"]);
    if !matches!(inside.as_deref().map(str::trim), Ok("true")) {
        return Err(ChangedError::NotAWorkTree(checked_dir.to_path_buf()));
    }
    git(
        checked_dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )
    .map_err(|_| ChangedError::UnknownRef(reference.to_owned()))?;
    let top = PathBuf::from(git(checked_dir, &["rev-parse", "--show-toplevel"])?.trim());
    let checked =
        std::path::absolute(checked_dir).map_err(|error| ChangedError::Git(error.to_string()))?;
    let checked = checked.canonicalize().unwrap_or(checked);
    let top = top.canonicalize().unwrap_or(top);

    let mut changed_from_top: BTreeSet<String> = BTreeSet::new();
    for line in git(
        checked_dir,
        &["diff", "--name-only", "--no-renames", reference, "--"],
    )?
    .lines()
    {
        changed_from_top.insert(line.to_owned());
    }
    for line in git(
        checked_dir,
        &["ls-files", "--others", "--exclude-standard", "--full-name"],
    )?
    .lines()
    {
        changed_from_top.insert(line.to_owned());
    }
    let prefix = checked
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let mut changes = Changes::default();
    for path in &changed_from_top {
        if let Ok(relative) = Path::new(path).strip_prefix(&prefix) {
            changes
                .files
                .insert(relative.to_string_lossy().replace('\\', "/"));
        }
    }

    // Requirements whose text differs from the ref, in spec files that changed.
    let spec_files: BTreeSet<FileId> = graph
        .requirements
        .iter()
        .map(|requirement| requirement.def.id_span.file)
        .filter(|file| changes.files.contains(graph.db.path(*file)))
        .collect();
    for file in spec_files {
        let relative = graph.db.path(file);
        let from_top = prefix.join(relative).to_string_lossy().replace('\\', "/");
        let old_text =
            git(checked_dir, &["show", &format!("{reference}:{from_top}")]).unwrap_or_default();
        let old = old_requirements(&old_text, relative, &checked, pattern);
        for requirement in graph
            .requirements
            .iter()
            .filter(|requirement| requirement.def.id_span.file == file)
        {
            let unchanged = old
                .iter()
                .any(|(id, text)| *id == requirement.def.id && *text == requirement.def.text);
            if !unchanged {
                changes.requirements.insert(requirement.def.id.clone());
            }
        }
    }
    Ok(changes)
}

fn old_requirements(
    text: &str,
    relative: &str,
    checked: &Path,
    pattern: &IdPattern,
) -> Vec<(String, String)> {
    let file = FileId(u32::MAX);
    let extraction = if relative.ends_with(".yaml") || relative.ends_with(".yml") {
        spec_yaml::load(file, text, pattern)
    } else if spec_kiro::is_kiro_spec(text) {
        spec_kiro::load(file, text, &checked.join(relative), checked)
    } else {
        spec_markdown::load(file, text, pattern)
    };
    extraction
        .requirements
        .into_iter()
        .map(|requirement| (requirement.id, requirement.text))
        .collect()
}

/// Keeps the findings in changed files and about changed requirements.
pub fn retain_changed(db: &SourceDb, diagnostics: &mut Vec<Diagnostic>, changes: &Changes) {
    diagnostics.retain(|diagnostic| {
        changes.files.contains(db.path(diagnostic.span.file))
            || diagnostic
                .requirement
                .as_ref()
                .is_some_and(|id| changes.requirements.contains(id))
    });
}

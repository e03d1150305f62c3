//! `file://` references in promptfoo configs and similar files: parsing them, keeping them inside
//! the checked directory, expanding globs. Nothing referenced is ever executed or fetched.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use globset::GlobBuilder;

use crate::source::table::FileTable;
use crate::source_db::FileId;

/// Extensions of files that hold code: speclint records references to them but never runs them.
const CODE_EXTENSIONS: &[&str] = &[
    "py", "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "rb", "go", "sh",
];
/// Extensions speclint cannot read as text.
const BINARY_EXTENSIONS: &[&str] = &["xlsx", "xls", "parquet", "pdf", "png", "jpg", "jpeg", "gif"];
const REMOTE_SCHEMES: &[&str] = &[
    "http://",
    "https://",
    "huggingface://",
    "hf://",
    "s3://",
    "gs://",
    "az://",
    "langfuse://",
    "package:",
];

/// What a reference resolved to.
#[derive(Debug)]
pub enum Resolution {
    /// Local files to read, sorted by path.
    Files(Vec<FileId>),
    /// A file that exists but holds code or binary data: recorded, not read.
    Opaque(String),
    /// Remote data: recorded, never fetched.
    Remote(String),
    /// The target does not exist or a glob matches nothing.
    Broken(String),
    /// The target is outside the checked directory or absolute: not read.
    Refused(String),
}

/// Whether a string is a reference this module resolves: `file://…` or a remote URL.
pub fn is_reference(value: &str) -> bool {
    let value = value.trim();
    value.starts_with("file://")
        || REMOTE_SCHEMES
            .iter()
            .any(|scheme| value.starts_with(scheme))
}

/// Whether a path contains glob syntax.
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '[', '{'])
}

/// One reference a loader resolved, and what it found: the parse cache replays these to know
/// whether a cached promptfoo config still sees the same files (a glob may match a new file,
/// a missing file may appear).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Probe {
    /// The folder the reference was resolved against, relative to the checked directory.
    pub base_dir: String,
    pub raw: String,
    /// What it resolved to, in words: the kind and the project-relative paths or the reason.
    pub outcome: String,
}

thread_local! {
    /// The probes of the file being loaded on this thread, while a load records them.
    static PROBES: RefCell<Option<Vec<Probe>>> = const { RefCell::new(None) };
}

/// Runs `load`, recording every reference it resolves. Loaders run on one thread each and do
/// not hand work to other threads, so a thread-local record sees all of a file's references.
pub fn recording_probes<T>(load: impl FnOnce() -> T) -> (T, Vec<Probe>) {
    let outer = PROBES.with(|probes| probes.replace(Some(Vec::new())));
    let result = load();
    let recorded = PROBES
        .with(|probes| probes.replace(outer))
        .unwrap_or_default();
    (result, recorded)
}

/// Resolves the reference of `probe` again and tells whether it finds the same thing.
pub fn probe_still_holds(table: &FileTable, probe: &Probe) -> bool {
    let base_dir = table.checked_dir().join(&probe.base_dir);
    let resolution = resolve_unrecorded(table, &base_dir, &probe.raw);
    outcome(table, &resolution) == probe.outcome
}

fn outcome(table: &FileTable, resolution: &Resolution) -> String {
    match resolution {
        Resolution::Files(files) => {
            let paths: Vec<String> = files.iter().map(|id| table.relative_path(*id)).collect();
            format!("files\n{}", paths.join("\n"))
        }
        Resolution::Opaque(reason) => format!("opaque\n{reason}"),
        Resolution::Remote(reason) => format!("remote\n{reason}"),
        Resolution::Broken(reason) => format!("broken\n{reason}"),
        Resolution::Refused(reason) => format!("refused\n{reason}"),
    }
}

/// Resolves `raw` (`file://prompts/*.txt`, `file://gen.py:make_tests`, `https://…`, or a bare
/// relative path) against `base_dir`, the directory of the file that holds it.
pub fn resolve(table: &FileTable, base_dir: &Path, raw: &str) -> Resolution {
    let resolution = resolve_unrecorded(table, base_dir, raw);
    PROBES.with(|probes| {
        if let Some(recorded) = probes.borrow_mut().as_mut() {
            let base = base_dir
                .strip_prefix(table.checked_dir())
                .unwrap_or(base_dir)
                .to_string_lossy()
                .into_owned();
            recorded.push(Probe {
                base_dir: base,
                raw: raw.to_owned(),
                outcome: outcome(table, &resolution),
            });
        }
    });
    resolution
}

fn resolve_unrecorded(table: &FileTable, base_dir: &Path, raw: &str) -> Resolution {
    let raw = raw.trim();
    if REMOTE_SCHEMES.iter().any(|scheme| raw.starts_with(scheme)) {
        return Resolution::Remote(raw.to_owned());
    }
    let path_text = raw.strip_prefix("file://").unwrap_or(raw);
    let (path_text, function) = split_function(path_text);
    if path_text.is_empty() {
        return Resolution::Broken("the reference names no file".to_owned());
    }
    let path = Path::new(path_text);
    if path.is_absolute() || path_text.starts_with('~') {
        return Resolution::Refused(format!(
            "`{path_text}` is an absolute path; speclint reads only files inside the checked directory"
        ));
    }
    let joined = normalize(&base_dir.join(path));
    let checked_dir = normalize(table.checked_dir());
    if !joined.starts_with(&checked_dir) {
        return Resolution::Refused(format!(
            "`{path_text}` leaves the checked directory; speclint does not read it"
        ));
    }
    if is_glob(path_text) {
        return expand_glob(table, &checked_dir, &joined, path_text);
    }
    if !joined.is_file() {
        return Resolution::Broken(format!("`{path_text}` does not exist"));
    }
    // A symbolic link may still point outside.
    if let (Ok(real), Some(real_root)) = (joined.canonicalize(), table.canonical_checked_dir())
        && !real.starts_with(real_root)
    {
        return Resolution::Refused(format!(
            "`{path_text}` is a link to a file outside the checked directory; speclint does not read it"
        ));
    }
    if let Some(reason) = opaque_reason(&joined, function) {
        return Resolution::Opaque(reason);
    }
    Resolution::Files(vec![table.intern(&joined)])
}

/// `gen.py:make_tests` → (`gen.py`, Some(`make_tests`)). Only code files carry a function.
fn split_function(path: &str) -> (&str, Option<&str>) {
    if let Some((file, function)) = path.rsplit_once(':') {
        let extension = Path::new(file)
            .extension()
            .and_then(|extension| extension.to_str());
        if extension.is_some_and(|extension| CODE_EXTENSIONS.contains(&extension))
            && !function.contains(['/', '\\'])
        {
            return (file, Some(function));
        }
    }
    (path, None)
}

fn opaque_reason(path: &Path, function: Option<&str>) -> Option<String> {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if CODE_EXTENSIONS.contains(&extension.as_str()) {
        let what =
            function.map_or_else(String::new, |function| format!(" (function `{function}`)"));
        return Some(format!(
            "`{}`{what} is code: speclint never runs it, so it cannot see the prompts or tests it produces",
            path.file_name()
                .map(|name| name.to_string_lossy())
                .unwrap_or_default()
        ));
    }
    if BINARY_EXTENSIONS.contains(&extension.as_str()) {
        return Some(format!(
            "`{}` is a binary document: speclint cannot see inside it",
            path.file_name()
                .map(|name| name.to_string_lossy())
                .unwrap_or_default()
        ));
    }
    None
}

fn expand_glob(table: &FileTable, checked_dir: &Path, pattern: &Path, written: &str) -> Resolution {
    let pattern_text = pattern.to_string_lossy().replace('\\', "/");
    let Ok(glob) = GlobBuilder::new(&pattern_text)
        .literal_separator(true)
        .build()
    else {
        return Resolution::Broken(format!("`{written}` is not a valid glob"));
    };
    let matcher = glob.compile_matcher();
    // Walk from the longest directory prefix without glob syntax.
    let mut root = PathBuf::new();
    for component in pattern.components() {
        if is_glob(&component.as_os_str().to_string_lossy()) {
            break;
        }
        root.push(component);
    }
    if !root.starts_with(checked_dir) {
        root = checked_dir.to_path_buf();
    }
    let mut matches: Vec<PathBuf> = ignore::WalkBuilder::new(&root)
        .standard_filters(false)
        .follow_links(false)
        .max_depth(Some(32))
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|path| matcher.is_match(path.to_string_lossy().replace('\\', "/")))
        .collect();
    matches.sort();
    if matches.is_empty() {
        return Resolution::Broken(format!("`{written}` matches no file"));
    }
    Resolution::Files(matches.iter().map(|path| table.intern(path)).collect())
}

pub use crate::source_db::normalize;

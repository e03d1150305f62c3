//! Baselines, for adopting speclint on an existing repository: `--write-baseline FILE` records
//! the current findings, `--baseline FILE` hides them. An entry is keyed by rule, requirement,
//! path and a hash of the flagged text, not by line, so it survives unrelated edits and line
//! shifts. Entries that no longer match anything are reported, so the baseline shrinks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, finding_fingerprint};
use crate::source_db::SourceDb;

const BASELINE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requirement: String,
    pub path: String,
    pub fingerprint: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<BaselineEntry>,
}

/// Why a baseline file cannot be used.
#[derive(Debug)]
pub enum BaselineError {
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    Invalid {
        path: PathBuf,
        message: String,
    },
    Version {
        path: PathBuf,
        found: u32,
    },
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineError::Read { path, error } => {
                write!(formatter, "cannot read {}: {error}", path.display())
            }
            BaselineError::Invalid { path, message } => write!(
                formatter,
                "{}: not a speclint baseline: {message}",
                path.display()
            ),
            BaselineError::Version { path, found } => write!(
                formatter,
                "{}: baseline version {found}; this speclint reads version {BASELINE_VERSION}",
                path.display()
            ),
        }
    }
}

impl std::error::Error for BaselineError {}

fn entries_of(db: &SourceDb, diagnostics: &[Diagnostic]) -> Vec<BaselineEntry> {
    diagnostics
        .iter()
        .map(|diagnostic| BaselineEntry {
            rule: diagnostic.rule.to_owned(),
            requirement: diagnostic.requirement.clone().unwrap_or_default(),
            path: db.path(diagnostic.span.file).to_owned(),
            fingerprint: finding_fingerprint(db, diagnostic),
        })
        .collect()
}

/// The baseline of these findings, sorted.
pub fn from_diagnostics(db: &SourceDb, diagnostics: &[Diagnostic]) -> Baseline {
    let mut entries = entries_of(db, diagnostics);
    entries.sort();
    Baseline {
        version: BASELINE_VERSION,
        entries,
    }
}

pub fn render(baseline: &Baseline) -> String {
    let mut text = serde_json::to_string_pretty(baseline).unwrap_or_default();
    text.push('\n');
    text
}

pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|error| BaselineError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    parse(&text, path)
}

/// Parses a baseline file's text; `path` is only for the error.
pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
    let baseline: Baseline =
        serde_json::from_str(text).map_err(|error| BaselineError::Invalid {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
    if baseline.version != BASELINE_VERSION {
        return Err(BaselineError::Version {
            path: path.to_path_buf(),
            found: baseline.version,
        });
    }
    Ok(baseline)
}

/// Hides the findings the baseline records (each entry hides one finding); returns the
/// findings that remain and the entries that matched nothing.
pub fn apply(
    db: &SourceDb,
    diagnostics: Vec<Diagnostic>,
    baseline: &Baseline,
) -> (Vec<Diagnostic>, Vec<BaselineEntry>) {
    let mut remaining: BTreeMap<&BaselineEntry, usize> = BTreeMap::new();
    for entry in &baseline.entries {
        *remaining.entry(entry).or_default() += 1;
    }
    let keys = entries_of(db, &diagnostics);
    let mut kept = Vec::with_capacity(diagnostics.len());
    for (diagnostic, key) in diagnostics.into_iter().zip(keys.iter()) {
        match remaining.get_mut(key) {
            Some(count) if *count > 0 => *count -= 1,
            _ => kept.push(diagnostic),
        }
    }
    let unmatched = remaining
        .into_iter()
        .flat_map(|(entry, count)| std::iter::repeat_n(entry.clone(), count))
        .collect();
    (kept, unmatched)
}

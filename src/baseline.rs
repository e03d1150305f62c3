//! Baselines, for adopting speclint on an existing repository: `--write-baseline FILE` records
//! the current findings, `--baseline FILE` hides them. An entry is keyed by rule, requirement,
//! path and a hash of the flagged text, not by line, so it survives unrelated edits and line
//! shifts. Entries that no longer match anything are reported, so the baseline shrinks.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::CheckResult;
use crate::diagnostic::finding_fingerprint;

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

fn entries_of(check: &CheckResult) -> Vec<BaselineEntry> {
    check
        .diagnostics
        .iter()
        .map(|diagnostic| BaselineEntry {
            rule: diagnostic.rule.to_owned(),
            requirement: diagnostic.requirement.clone().unwrap_or_default(),
            path: check.graph.db.path(diagnostic.span.file).to_owned(),
            fingerprint: finding_fingerprint(&check.graph.db, diagnostic),
        })
        .collect()
}

/// The baseline of the current findings, sorted.
pub fn from_check(check: &CheckResult) -> Baseline {
    let mut entries = entries_of(check);
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

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    parse(&text).map_err(|error| format!("{}: {error}", path.display()))
}

/// Parses a baseline file's text.
pub fn parse(text: &str) -> Result<Baseline, String> {
    let baseline: Baseline =
        serde_json::from_str(text).map_err(|error| format!("not a speclint baseline: {error}"))?;
    if baseline.version != BASELINE_VERSION {
        return Err(format!(
            "baseline version {}; this speclint reads version {BASELINE_VERSION}",
            baseline.version
        ));
    }
    Ok(baseline)
}

/// Hides the findings the baseline records (each entry hides one finding) and returns the
/// entries that matched nothing.
pub fn apply(check: &mut CheckResult, baseline: &Baseline) -> Vec<BaselineEntry> {
    let mut remaining: BTreeMap<&BaselineEntry, usize> = BTreeMap::new();
    for entry in &baseline.entries {
        *remaining.entry(entry).or_default() += 1;
    }
    let keys = entries_of(check);
    let mut kept = Vec::with_capacity(check.diagnostics.len());
    for (diagnostic, key) in std::mem::take(&mut check.diagnostics)
        .into_iter()
        .zip(keys.iter())
    {
        match remaining.get_mut(key) {
            Some(count) if *count > 0 => *count -= 1,
            _ => kept.push(diagnostic),
        }
    }
    check.diagnostics = kept;
    remaining
        .into_iter()
        .flat_map(|(entry, count)| std::iter::repeat_n(entry.clone(), count))
        .collect()
}

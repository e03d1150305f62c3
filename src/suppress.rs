//! After the rules: per-path levels from speclint.toml, then inline suppressions.
//!
//! `speclint: ignore[rule-name]` (or a code, several separated by commas; `speclint: ignore`
//! alone for every rule) in any comment hides findings that start on its line or the next.
//! `speclint: ignore-file[...]` hides them in the whole file. A suppression that hides nothing
//! is reported by `unused-suppression`.

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::graph::Graph;
use crate::rules::unused_suppression::UnusedSuppression;
use crate::rules::{RuleContext, registry};
use crate::settings::Settings;
use crate::source_db::{FileId, Span};

#[derive(Debug)]
struct Suppression {
    span: Span,
    /// 1-based line of the comment.
    line: usize,
    whole_file: bool,
    /// Rule names; empty means every rule.
    rules: Vec<&'static str>,
    unknown: Vec<String>,
    used: bool,
}

static SUPPRESSION: LazyLock<Regex> = crate::lazy_regex::lazy_regex!(
    r"speclint:\s*ignore(?P<file>-file)?(?:\[(?P<rules>[^\]\n]*)\])?"
);

fn find_suppressions(graph: &Graph) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (file, source) in graph.db.iter() {
        if !source.text.contains("speclint:") {
            continue;
        }
        for captures in SUPPRESSION.captures_iter(&source.text) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            let mut rules = Vec::new();
            let mut unknown = Vec::new();
            for name in captures
                .name("rules")
                .map_or("", |list| list.as_str())
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
            {
                match registry::find_rule(name) {
                    Some(rule) => rules.push(rule.meta().name),
                    None => unknown.push(name.to_owned()),
                }
            }
            let span = Span::new(file, whole.start(), whole.end());
            found.push(Suppression {
                span,
                line: source.line_column(whole.start()).line,
                whole_file: captures.name("file").is_some(),
                rules,
                unknown,
                used: false,
            });
        }
    }
    found
}

/// Applies per-path levels and inline suppressions; returns what remains, plus the
/// `unused-suppression` findings, sorted.
pub fn apply(graph: &Graph, settings: &Settings, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let diagnostics = apply_overrides(graph, settings, diagnostics);
    let mut suppressions = find_suppressions(graph);
    if suppressions.is_empty() {
        return diagnostics;
    }
    let mut kept = hide_suppressed(graph, settings, diagnostics, &mut suppressions);
    crate::rules::sort_diagnostics(graph, &mut kept);
    kept
}

fn hide_suppressed(
    graph: &Graph,
    settings: &Settings,
    diagnostics: Vec<Diagnostic>,
    suppressions: &mut [Suppression],
) -> Vec<Diagnostic> {
    let mut kept = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let line = graph
            .db
            .get(diagnostic.span.file)
            .map_or(0, |source| source.line_column(diagnostic.span.start()).line);
        let mut hidden = false;
        for suppression in suppressions.iter_mut() {
            if suppresses(suppression, diagnostic.span.file, line, diagnostic.rule) {
                suppression.used = true;
                hidden = true;
            }
        }
        if !hidden {
            kept.push(diagnostic);
        }
    }
    let level = settings
        .rule_levels
        .get(UnusedSuppression::META.name)
        .copied()
        .unwrap_or(UnusedSuppression::META.default_level);
    if let Some(severity) = level.severity() {
        let context = RuleContext::new(graph, settings);
        for suppression in suppressions.iter().filter(|suppression| !suppression.used) {
            let message = if suppression.unknown.is_empty() {
                "this suppression hides no finding".to_owned()
            } else {
                format!(
                    "this suppression names unknown rule{} `{}` and hides no finding",
                    if suppression.unknown.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    suppression.unknown.join("`, `")
                )
            };
            let mut diagnostic = context
                .diagnostic(&UnusedSuppression::META, suppression.span, message)
                .with_label("unused")
                .with_help("remove it; `speclint rules` lists rule names and codes");
            diagnostic.severity = severity;
            kept.push(diagnostic);
        }
    }
    kept
}

fn suppresses(suppression: &Suppression, file: FileId, line: usize, rule: &str) -> bool {
    if suppression.span.file != file {
        return false;
    }
    let rule_matches = (suppression.rules.is_empty() && suppression.unknown.is_empty())
        || suppression.rules.contains(&rule);
    let place_matches =
        suppression.whole_file || line == suppression.line || line == suppression.line + 1;
    rule_matches && place_matches
}

/// `[[overrides]]` levels for the paths they match; later entries win.
fn apply_overrides(
    graph: &Graph,
    settings: &Settings,
    diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    if settings.overrides.is_empty() {
        return diagnostics;
    }
    let base = crate::source::resolve::normalize(
        &std::path::absolute(&settings.base_dir).unwrap_or_else(|_| settings.base_dir.clone()),
    );
    diagnostics
        .into_iter()
        .filter_map(|mut diagnostic| {
            let Some(source) = graph.db.get(diagnostic.span.file) else {
                return Some(diagnostic);
            };
            let path = crate::source_db::relative_path_string(&base, &source.absolute_path);
            for entry in &settings.overrides {
                if !entry.paths.is_match(&path) {
                    continue;
                }
                if let Some(level) = entry.levels.get(diagnostic.rule) {
                    match level.severity() {
                        Some(severity) => diagnostic.severity = severity,
                        None => return None,
                    }
                }
            }
            Some(diagnostic)
        })
        .collect()
}

//! The pipeline: sources -> graph -> rules -> sorted diagnostics.

use std::path::Path;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Graph, build};
use crate::rules::{RuleContext, registry};

/// The outcome of one check.
pub struct CheckResult {
    pub graph: Graph,
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckResult {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Checks the repository at `checked_dir`.
pub fn run_check(checked_dir: &Path, settings: &Settings) -> CheckResult {
    run_check_with_overlays(checked_dir, settings, std::collections::HashMap::new())
}

/// [`run_check`] with some files' texts given in memory, by absolute path.
pub fn run_check_with_overlays(
    checked_dir: &Path,
    settings: &Settings,
    overlays: std::collections::HashMap<std::path::PathBuf, std::sync::Arc<str>>,
) -> CheckResult {
    let project = crate::source::load_project_with_overlays(checked_dir, settings, overlays);
    let graph = build::build(project, settings);
    let diagnostics = run_rules(&graph, settings);
    CheckResult { graph, diagnostics }
}

/// Runs every enabled rule over `graph`. The result is sorted by path, line, column and code,
/// and identical findings are reported once.
pub fn run_rules(graph: &Graph, settings: &Settings) -> Vec<Diagnostic> {
    let context = RuleContext { graph, settings };
    let mut diagnostics = Vec::new();
    for rule in registry::all_rules() {
        let enabled = settings
            .rule_levels
            .get(rule.meta().name)
            .is_none_or(|level| level.severity().is_some());
        if enabled {
            rule.check(&context, &mut diagnostics);
        }
    }
    sort_diagnostics(graph, &mut diagnostics);
    let mut diagnostics = crate::suppress::apply(graph, settings, diagnostics);
    sort_diagnostics(graph, &mut diagnostics);
    diagnostics
}

pub fn sort_diagnostics(graph: &Graph, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|left, right| {
        let left_key = (
            graph.db.path(left.span.file),
            left.span.start,
            left.code,
            left.span.end,
            &left.message,
        );
        let right_key = (
            graph.db.path(right.span.file),
            right.span.start,
            right.code,
            right.span.end,
            &right.message,
        );
        left_key.cmp(&right_key)
    });
    diagnostics.dedup();
}

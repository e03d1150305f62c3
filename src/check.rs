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
    /// How long each phase took: loading, graph building, rules.
    pub timings: Vec<(&'static str, std::time::Duration)>,
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

/// [`run_check`] using `.speclint_cache/`, so that files unchanged since the last run are not
/// parsed again.
pub fn run_check_cached(checked_dir: &Path, settings: &Settings) -> CheckResult {
    run_check_full(
        checked_dir,
        settings,
        std::collections::HashMap::new(),
        crate::source::CacheUse::Enabled,
    )
}

/// [`run_check`] with some files' texts given in memory, by absolute path.
pub fn run_check_with_overlays(
    checked_dir: &Path,
    settings: &Settings,
    overlays: std::collections::HashMap<std::path::PathBuf, std::sync::Arc<str>>,
) -> CheckResult {
    run_check_full(
        checked_dir,
        settings,
        overlays,
        crate::source::CacheUse::Disabled,
    )
}

/// The pipeline with every option: in-memory buffers and the cache.
pub fn run_check_full(
    checked_dir: &Path,
    settings: &Settings,
    overlays: std::collections::HashMap<std::path::PathBuf, std::sync::Arc<str>>,
    cache_use: crate::source::CacheUse,
) -> CheckResult {
    let started = std::time::Instant::now();
    let project =
        crate::source::load_project_with_overlays(checked_dir, settings, overlays, cache_use);
    let loaded = std::time::Instant::now();
    let graph = build::build(project, settings);
    let built = std::time::Instant::now();
    let (diagnostics, rule_timings) = run_rules_timed(&graph, settings);
    let checked = std::time::Instant::now();
    let mut timings = vec![
        ("load", loaded - started),
        ("graph", built - loaded),
        ("rules", checked - built),
    ];
    timings.extend(rule_timings);
    CheckResult {
        graph,
        diagnostics,
        timings,
    }
}

/// Runs every enabled rule over `graph`. The result is sorted by path, line, column and code,
/// and identical findings are reported once.
pub fn run_rules(graph: &Graph, settings: &Settings) -> Vec<Diagnostic> {
    run_rules_timed(graph, settings).0
}

/// [`run_rules`], with the time each rule took.
pub fn run_rules_timed(
    graph: &Graph,
    settings: &Settings,
) -> (Vec<Diagnostic>, Vec<(&'static str, std::time::Duration)>) {
    let context = RuleContext { graph, settings };
    let mut diagnostics = Vec::new();
    let mut timings = Vec::new();
    for rule in registry::all_rules() {
        let enabled = settings
            .rule_levels
            .get(rule.meta().name)
            .is_none_or(|level| level.severity().is_some());
        if enabled {
            let started = std::time::Instant::now();
            rule.check(&context, &mut diagnostics);
            timings.push((rule.meta().name, started.elapsed()));
        }
    }
    sort_diagnostics(graph, &mut diagnostics);
    let started = std::time::Instant::now();
    let mut diagnostics = crate::suppress::apply(graph, settings, diagnostics);
    sort_diagnostics(graph, &mut diagnostics);
    timings.push(("suppressions and sorting", started.elapsed()));
    (diagnostics, timings)
}

pub fn sort_diagnostics(graph: &Graph, diagnostics: &mut Vec<Diagnostic>) {
    // Path, then position, then code; the end and message only break remaining ties, so the
    // order is total and the output the same on every run.
    diagnostics.sort_by_cached_key(|diagnostic| {
        (
            graph.db.path(diagnostic.span.file).to_owned(),
            diagnostic.span.start,
            diagnostic.code,
            diagnostic.span.end,
            diagnostic.message.clone(),
        )
    });
    diagnostics.dedup();
}

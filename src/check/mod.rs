//! The one entry point of a check: sources -> graph -> rules -> post-filters (per-path levels,
//! inline suppressions, baseline, `--changed-since`) -> sorted diagnostics. The CLI, `lock`,
//! `report` and the language server all call [`check`], so every filter applies everywhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::baseline::{BaselineEntry, BaselineError};
use crate::changed::ChangedError;
use crate::diagnostic::Diagnostic;
use crate::graph::{Graph, build};
use crate::settings::Settings;
use crate::severity::Severity;
use crate::source::CacheUse;
pub use crate::source::project_print::FilesRead;

pub mod kept_output;
mod result_cache;
use result_cache::AgainstPrint;
pub use result_cache::Totals;

/// Findings kept between the checks of a long-running process (see [`CheckOptions::rule_memo`]).
pub use crate::rules::{RuleChecks, RuleMemo};

/// What a check does besides reading the files on disk.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Texts that replace files on disk (an editor's unsaved buffers), by absolute path.
    pub overlays: HashMap<PathBuf, Arc<str>>,
    /// Which parse cache to read and write: `.speclint_cache/`, one in memory, or none.
    pub cache: CacheUse,
    /// Findings of per-requirement rules kept from the previous run (the language server's).
    pub rule_memo: Option<Arc<RuleMemo>>,
    /// Which baseline hides findings.
    pub baseline: BaselineChoice,
    /// A git ref: only findings in files changed since it, or about requirements whose text
    /// changed since it, are kept.
    pub changed_since: Option<String>,
    /// Whether the findings of an earlier run may be reused when nothing they depend on
    /// changed (`speclint check` with the on-disk cache), and with what. The result then
    /// holds a graph with the project's file list only: callers that read requirements,
    /// passages or eval cases from it leave this off.
    pub reuse_findings: ReuseFindings,
    /// The print kept with the last run's output (`kept_output::KeptOutput::print`): when
    /// reusing findings is allowed and the project still gives this print, the check does
    /// nothing else and says so ([`CheckResult::output_kept`]); when it does not, the stored
    /// findings (made from the same print) are stale too, and the project is checked.
    pub kept_output_print: Option<Arc<crate::source::project_print::ProjectPrint>>,
}

/// See [`CheckOptions::reuse_findings`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReuseFindings {
    /// Every check loads and checks the project.
    #[default]
    Never,
    /// Reused findings come with the texts of the files they point into: for an output that
    /// reads them (the full format draws source lines, LSP counts UTF-16 units).
    WithTexts,
    /// Reused findings come with the lines, columns and flagged texts of their places only
    /// (see [`crate::source_db::KnownPlaces`]): for every other output and for baselines.
    /// No file's text is kept.
    PlacesOnly,
}

/// Which baseline a check applies.
#[derive(Clone, Debug, Default)]
pub enum BaselineChoice {
    /// The `baseline` file named in speclint.toml, if any: what the language server and a
    /// plain `speclint check` use.
    #[default]
    FromSettings,
    /// This file (`--baseline FILE`).
    File(PathBuf),
    /// None: every finding is reported (`--list`, `--write-baseline`).
    Off,
}

/// The outcome of one check.
pub struct CheckResult {
    /// The graph; when findings were reused, only its files, skipped files and the texts or
    /// known places of the files the findings point into.
    pub graph: Graph,
    /// How many requirements, passages and eval cases were read.
    pub totals: Totals,
    pub diagnostics: Vec<Diagnostic>,
    /// Baseline entries that matched no finding (the baseline can shrink).
    pub unmatched_baseline: Vec<BaselineEntry>,
    /// How many findings the baseline hid.
    pub baseline_hidden: usize,
    /// What CI formats (SARIF, GitHub, GitLab, JUnit) put before a file's project-relative
    /// path so that it is relative to the repository root: `packages/bot/` for a project in a
    /// monorepo folder; empty when the project is the repository. `--path-prefix` replaces it.
    pub path_prefix: String,
    /// How long each phase took: loading, graph building, rules.
    pub timings: Vec<(&'static str, Duration)>,
    /// What loading each format cost, costliest first.
    pub format_timings: Vec<crate::source::FormatTiming>,
    /// For a run that reused its findings: how many walked files it read and hashed.
    pub files_read: Option<FilesRead>,
    /// For a run with kept rule findings: how many checks of one rule over one requirement
    /// or file it did again, out of how many.
    pub rule_checks: Option<RuleChecks>,
    /// Whether the project gave the print of [`CheckOptions::kept_output_print`]: then the
    /// kept output is this run's, and the result holds nothing else but `timings` and
    /// `files_read`.
    pub output_kept: bool,
    /// The findings this run stored or reused for the next, which an output kept now
    /// speaks for (`kept_output::store`); `None` without the on-disk cache.
    pub stored_findings: Option<kept_output::StoredFindings>,
}

impl CheckResult {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == severity)
            .count()
    }

    /// Whether the check reused the last run's findings instead of checking anything.
    pub fn reused_findings(&self) -> bool {
        self.files_read.is_some()
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Why a check could not run to the end.
#[derive(Debug)]
pub enum CheckError {
    Baseline(BaselineError),
    ChangedSince(ChangedError),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Baseline(error) => error.fmt(formatter),
            CheckError::ChangedSince(error) => error.fmt(formatter),
        }
    }
}

impl std::error::Error for CheckError {}

/// Checks the repository at `checked_dir`.
pub fn check(
    checked_dir: &Path,
    settings: &Settings,
    options: &CheckOptions,
) -> Result<CheckResult, CheckError> {
    // Read the baseline first: a bad one should stop the run before any work is done.
    let baseline = read_baseline(settings, options)?;
    let started = Instant::now();
    let root = &settings.project_root;
    let reusable = options.reuse_findings != ReuseFindings::Never
        && matches!(options.cache, CacheUse::Disk)
        && options.overlays.is_empty()
        && options.changed_since.is_none();
    if reusable && let Some(print) = &options.kept_output_print {
        match result_cache::against_print(root, settings, print) {
            AgainstPrint::Unchanged(unchanged) if unchanged.settled_since.is_none() => {
                return Ok(output_kept(unchanged.files_read, started));
            }
            // Files read now have settled since the output was kept: the stored findings
            // (made from the same print) are reused instead, which stores their stamps, and
            // the output is kept again with them, so that the next run need not read them.
            AgainstPrint::Unchanged(_) => {}
            AgainstPrint::Changed(walked) => {
                // The stored findings were made from the same print: they are stale too.
                let checked = check_everything(settings, options, reusable, started, Some(walked));
                return finish(checked, baseline.as_ref(), checked_dir, settings, options);
            }
        }
    }
    let reused = if reusable {
        result_cache::reuse(root, settings, options.reuse_findings)
    } else {
        None
    };
    let checked = match reused {
        Some(reused) => Checked {
            graph: reused.graph,
            totals: reused.totals,
            diagnostics: reused.diagnostics,
            timings: vec![(
                if reused.stamps_refreshed {
                    "load: nothing changed, findings reused, stamps stored for files settled since"
                } else {
                    "load: nothing changed, findings reused"
                },
                started.elapsed(),
            )],
            format_timings: Vec::new(),
            files_read: Some(reused.files_read),
            rule_checks: None,
            stored_findings: reused.stored_findings,
        },
        None => check_everything(settings, options, reusable, started, None),
    };
    finish(checked, baseline.as_ref(), checked_dir, settings, options)
}

/// The result of a check that found the project as the kept output's print describes it: no
/// findings of its own, since the kept output is this run's.
fn output_kept(files_read: FilesRead, started: Instant) -> CheckResult {
    CheckResult {
        graph: Graph::default(),
        totals: Totals::default(),
        diagnostics: Vec::new(),
        unmatched_baseline: Vec::new(),
        baseline_hidden: 0,
        path_prefix: String::new(),
        timings: vec![("load: nothing changed, output kept", started.elapsed())],
        format_timings: Vec::new(),
        files_read: Some(files_read),
        rule_checks: None,
        output_kept: true,
        stored_findings: None,
    }
}

/// Checks again after the texts of the `edited` files (absolute paths) changed, by patching
/// `previous`, the graph of the last check with the same settings, instead of loading the
/// project again: what the language server does after an edit (see [`crate::graph::patch`]).
/// The result is the one [`check`] gives for the same texts. `Err` when an edit reaches beyond
/// its own file, when the baseline cannot be read, or with `changed_since`: the caller then
/// runs [`check`]; the graph handed back may hold some of the edits and is only for dropping.
pub fn check_edited(
    checked_dir: &Path,
    settings: &Settings,
    options: &CheckOptions,
    previous: Graph,
    edited: &[PathBuf],
) -> Result<CheckResult, Box<Graph>> {
    if options.changed_since.is_some() {
        return Err(Box::new(previous));
    }
    let Ok(baseline) = read_baseline(settings, options) else {
        return Err(Box::new(previous));
    };
    let Some(roots) = edited_roots(&previous, edited) else {
        return Err(Box::new(previous));
    };
    let started = Instant::now();
    let mut graph = previous;
    let mut load = Duration::ZERO;
    let kept = match &options.cache {
        CacheUse::Memory(memory) => Some(&memory.kept),
        CacheUse::Disk | CacheUse::Disabled => None,
    };
    for root in roots {
        let loading = Instant::now();
        let Some(file) =
            crate::source::load_edited(&graph.db, settings, &options.overlays, root, kept)
        else {
            return Err(Box::new(graph));
        };
        load += loading.elapsed();
        graph = crate::graph::patch::patch(graph, file, settings)?;
    }
    let mut timings = vec![
        ("load: edited files only", load),
        ("graph: patched", started.elapsed() - load),
    ];
    let memo = options.rule_memo.as_deref();
    let diagnostics = check_graph(&graph, settings, memo, &mut timings);
    let checked = Checked {
        totals: Totals::of(&graph),
        graph,
        diagnostics,
        timings,
        format_timings: Vec::new(),
        files_read: None,
        rule_checks: memo.map(RuleMemo::last_run_checks),
        stored_findings: None,
    };
    // `finish` fails only with `changed_since`, which was turned away above.
    finish(checked, baseline.as_ref(), checked_dir, settings, options).map_err(|_| Box::default())
}

/// Runs the rules over `graph` and applies suppressions, adding the time of each to
/// `timings`: the part of a check that comes after the graph, however it was made.
fn check_graph(
    graph: &Graph,
    settings: &Settings,
    memo: Option<&RuleMemo>,
    timings: &mut Vec<(&'static str, Duration)>,
) -> Vec<Diagnostic> {
    let started = Instant::now();
    let (diagnostics, rule_timings) = crate::rules::run_rules_with_memo(graph, settings, memo);
    let ruled = Instant::now();
    let diagnostics = crate::suppress::apply(graph, settings, diagnostics);
    timings.push(("rules", ruled - started));
    timings.extend(rule_timings);
    timings.push(("suppressions and sorting", ruled.elapsed()));
    diagnostics
}

/// The files to read again after `edited` changed: each edited file, or the file that reads
/// it through a reference (a promptfoo config for its prompt and tests files), once each;
/// `None` when the graph does not hold one of them.
fn edited_roots(graph: &Graph, edited: &[PathBuf]) -> Option<Vec<crate::source_db::FileId>> {
    let mut roots = Vec::new();
    for path in edited {
        let (file, _) = graph
            .db
            .iter()
            .find(|(_, source)| source.absolute_path == *path)?;
        let summary = graph.files.iter().find(|summary| summary.file == file)?;
        let root = summary.read_through.unwrap_or(file);
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    Some(roots)
}

/// The baseline `options` choose, read.
fn read_baseline(
    settings: &Settings,
    options: &CheckOptions,
) -> Result<Option<crate::baseline::Baseline>, CheckError> {
    let baseline_path = match &options.baseline {
        BaselineChoice::FromSettings => settings.baseline.as_ref(),
        BaselineChoice::File(path) => Some(path),
        BaselineChoice::Off => None,
    };
    match baseline_path {
        Some(path) => Ok(Some(
            crate::baseline::read(path).map_err(CheckError::Baseline)?,
        )),
        None => Ok(None),
    }
}

/// What every check does after its rules: the baseline, `--changed-since`, and the checked
/// folder.
fn finish(
    checked: Checked,
    baseline: Option<&crate::baseline::Baseline>,
    checked_dir: &Path,
    settings: &Settings,
    options: &CheckOptions,
) -> Result<CheckResult, CheckError> {
    let Checked {
        graph,
        totals,
        diagnostics,
        timings,
        format_timings,
        files_read,
        rule_checks,
        stored_findings,
    } = checked;
    let root = &settings.project_root;
    let found = diagnostics.len();
    let (mut diagnostics, unmatched_baseline) = match baseline {
        Some(baseline) => crate::baseline::apply(&graph.db, diagnostics, baseline),
        None => (diagnostics, Vec::new()),
    };
    let baseline_hidden = found - diagnostics.len();
    if let Some(reference) = &options.changed_since {
        let changes = crate::changed::changes_since(root, reference, &graph, &settings.id_pattern)
            .map_err(CheckError::ChangedSince)?;
        crate::changed::retain_changed(&graph.db, &mut diagnostics, &changes);
    }
    retain_checked_folder(&graph, root, checked_dir, &mut diagnostics);
    Ok(CheckResult {
        graph,
        totals,
        diagnostics,
        unmatched_baseline,
        baseline_hidden,
        timings,
        format_timings,
        files_read,
        rule_checks,
        path_prefix: repository_prefix(root),
        output_kept: false,
        stored_findings,
    })
}

/// Loads and checks the whole project: the graph, the findings after suppressions, the
/// phase timings and the per-format timings. With `store_findings`, the findings are kept for
/// a later run that finds nothing changed. `walked` holds the project's files when the run
/// walked them already, to compare them with the kept output's print.
fn check_everything(
    settings: &Settings,
    options: &CheckOptions,
    store_findings: bool,
    started: Instant,
    walked: Option<Vec<crate::source::discover::WalkedFile>>,
) -> Checked {
    // The whole project is read, so that links resolve whatever folder is checked; findings
    // are then kept for the checked folder only.
    let root = &settings.project_root;
    // `speclint check` keeps the findings of per-requirement and per-file rules beside its
    // parse cache, so that a run after a small change re-checks only what it touched. They do
    // not depend on the graph (their keys say what they were found in), so they are decoded
    // on a thread of their own while the project loads. The load stays on this thread: run
    // inside rayon's pool instead, a cold check was a tenth slower in wall time for the same
    // work.
    let (mut project, disk_memo) = std::thread::scope(|scope| {
        let memo = match (&options.cache, &options.rule_memo) {
            (CacheUse::Disk, None) => Some(scope.spawn(|| read_disk_memo(root, settings))),
            _ => None,
        };
        let project = crate::source::load_walked_project(
            root,
            settings,
            &options.overlays,
            &options.cache,
            walked,
        );
        let memo = memo.and_then(|reading| reading.join().ok()).flatten();
        (project, memo)
    });
    let format_timings = std::mem::take(&mut project.format_timings);
    let cache_writer = project.cache_writer.take();
    let print = project.print.take();
    let loaded = Instant::now();
    let graph = build::build(project, settings);
    let built = Instant::now();
    let memo = options
        .rule_memo
        .as_deref()
        .or(disk_memo.as_ref().map(|(_, memo)| memo));
    let mut timings = vec![("load", loaded - started), ("graph", built - loaded)];
    let diagnostics = check_graph(&graph, settings, memo, &mut timings);
    // The two stores write different files from what the run holds: side by side.
    let (memo_stored, findings_stored) = rayon::join(
        || {
            let (path, memo) = disk_memo.as_ref().filter(|(_, memo)| memo.changed())?;
            let storing = Instant::now();
            crate::source::cache::write_sealed(path, RULES_MAGIC, &memo.to_stored());
            Some(storing.elapsed())
        },
        || {
            let print = print.filter(|_| store_findings)?;
            let storing = Instant::now();
            let stored = result_cache::store(root, settings, print, &graph, &diagnostics);
            Some((storing.elapsed(), stored))
        },
    );
    if let Some(duration) = memo_stored {
        timings.push(("storing rule findings", duration));
    }
    let stored_findings = findings_stored.and_then(|(duration, stored)| {
        timings.push(("storing findings for the next run", duration));
        stored
    });
    if let Some(writer) = cache_writer {
        // A writer that failed only costs the next run its speed.
        let _ = writer.join();
    }
    Checked {
        totals: Totals::of(&graph),
        graph,
        diagnostics,
        timings,
        format_timings,
        files_read: None,
        rule_checks: memo.map(RuleMemo::last_run_checks),
        stored_findings,
    }
}

/// What a check found (by checking everything, or by reusing an earlier run's findings), with
/// what each phase cost.
struct Checked {
    graph: Graph,
    totals: Totals,
    diagnostics: Vec<Diagnostic>,
    timings: Vec<(&'static str, Duration)>,
    format_timings: Vec<crate::source::FormatTiming>,
    files_read: Option<FilesRead>,
    rule_checks: Option<RuleChecks>,
    stored_findings: Option<kept_output::StoredFindings>,
}

/// The first bytes of the file of kept rule findings (2: the last run's findings, rule by rule).
const RULES_MAGIC: &[u8] = b"speclint-rules\x002\n";

/// The rule findings an earlier `speclint check` kept, and where they live; an empty memo when
/// there are none or they cannot be read (they are rewritten), `None` when the cache folder
/// cannot be created.
fn read_disk_memo(root: &Path, settings: &Settings) -> Option<(PathBuf, RuleMemo)> {
    let location = crate::source::cache::CacheLocation::create(root, settings)?;
    let path = location.file("rules.bin");
    let memo = crate::source::cache::read_sealed(&path, RULES_MAGIC)
        .and_then(|body| RuleMemo::decode(&body))
        .unwrap_or_else(RuleMemo::for_disk);
    Some((path, memo))
}

/// Keeps the findings in files below `checked_dir` when it is a subfolder of the project.
fn retain_checked_folder(
    graph: &Graph,
    root: &Path,
    checked_dir: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let checked = crate::source_db::absolute_normalized(checked_dir);
    let Ok(folder) = checked.strip_prefix(root) else {
        return;
    };
    if folder.as_os_str().is_empty() {
        return;
    }
    let prefix = format!("{}/", folder.to_string_lossy().replace('\\', "/"));
    diagnostics.retain(|diagnostic| graph.db.path(diagnostic.span.file).starts_with(&prefix));
}

/// The project root's path inside its git repository, with a trailing `/`; empty at the
/// repository root or outside a repository. Found by looking for `.git`, without running git.
pub fn repository_prefix(root: &Path) -> String {
    let Some(repository) = root
        .ancestors()
        .find(|directory| directory.join(".git").exists())
    else {
        return String::new();
    };
    match root.strip_prefix(repository) {
        Ok(inside) if !inside.as_os_str().is_empty() => {
            format!("{}/", inside.to_string_lossy().replace('\\', "/"))
        }
        _ => String::new(),
    }
}

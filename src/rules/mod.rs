//! Lint rules: each reads the graph and emits diagnostics. One rule per file; the list is in
//! [`registry`].

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::facts::assertion::{AssertionFacts, analyze};
use crate::facts::list::{List, lists};
use crate::facts::quantity::{Quantity, quantities};
use crate::graph::{Graph, Requirement, RequirementIndex};
use crate::settings::Settings;
use crate::severity::{Level, Severity};
use crate::source::model::{AssertionDef, RequirementDef};
use crate::source_db::Span;

pub mod memo;
pub mod registry;

pub use memo::{RuleChecks, RuleMemo};

/// Declares every rule: its module and its place in the registry, one line each, in code
/// order. Adding a rule adds one line here.
macro_rules! register_rules {
    ($($module:ident::$rule:ident,)+) => {
        $(pub mod $module;)+

        /// Every rule, in code order.
        static ALL_RULES: &[&dyn Rule] = &[$(&$module::$rule,)+];
    };
}

register_rules! {
    unreadable_input::UnreadableInput,
    duplicate_requirement_id::DuplicateRequirementId,
    unknown_requirement_reference::UnknownRequirementReference,
    requirement_missing_from_prompt::RequirementMissingFromPrompt,
    requirement_untested::RequirementUntested,
    eval_tests_unspecified_behavior::EvalTestsUnspecifiedBehavior,
    wording_drift::WordingDrift,
    modality_drift::ModalityDrift,
    eval_assertion_drift::EvalAssertionDrift,
    stale_link::StaleLink,
    deprecated_requirement_referenced::DeprecatedRequirementReferenced,
    negative_requirement_untested::NegativeRequirementUntested,
    broken_file_reference::BrokenFileReference,
    unresolved_clarification::UnresolvedClarification,
    opaque_reference::OpaqueReference,
    unused_suppression::UnusedSuppression,
    missing_artifacts::MissingArtifacts,
    eval_config_problem::EvalConfigProblem,
    boundary_untested::BoundaryUntested,
    enumeration_untested::EnumerationUntested,
    exception_untested::ExceptionUntested,
    config_drift::ConfigDrift,
}

/// A level a rule raises some of its findings to, unless its level is set in `speclint.toml`.
#[derive(Debug)]
pub struct Escalation {
    pub level: Level,
    /// Which findings, in words, for the rule's documentation.
    pub when: &'static str,
}

/// What `speclint rules` and `speclint rule` print about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub default_level: Level,
    pub escalation: Option<Escalation>,
    /// The rule's doc comment: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The doc comment as Markdown: doc comments arrive with one leading space per line.
    pub fn documentation(&self) -> String {
        self.docs
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The default level, with the escalation when there is one: `warning (error for ...)`.
    pub fn default_level_description(&self) -> String {
        match &self.escalation {
            None => self.default_level.as_str().to_owned(),
            Some(escalation) => format!(
                "{} ({} for {})",
                self.default_level.as_str(),
                escalation.level.as_str(),
                escalation.when
            ),
        }
    }
}

/// What a rule can see.
pub struct RuleContext<'a> {
    pub graph: &'a Graph,
    /// For rules that say where speclint looked; severity is never a rule's business.
    pub settings: &'a Settings,
    /// The suggestion index, built on first use and shared by the rules of a run.
    linker: std::sync::OnceLock<crate::link::Linker>,
    /// The requirement pool of an earlier run, which the linker reuses if it still fits.
    kept_requirement_pool: Option<std::sync::Arc<crate::link::RequirementPool>>,
    /// What is read from each requirement's text, each part on first use, shared by the
    /// rules of a run: several rules compare the same facts, and reading them is the costly
    /// part.
    requirement_facts: Vec<RequirementFactCells>,
    /// What is read from each assertion, by a hash of its kind, value and threshold: eval
    /// files repeat their assertions (a promptfoo `defaultTest` applies to every test, a
    /// dataset's rows share their checks), and reading one is the costly part. At most
    /// [`KEPT_ASSERTION_FACTS`] are kept, spread over [`ASSERTION_FACT_SHARDS`] tables by
    /// the hash, each behind its own lock: with one lock, the threads checking requirements
    /// side by side waited for each other on every assertion.
    assertion_facts: [AssertionFactShard; ASSERTION_FACT_SHARDS],
}

/// How many distinct assertions a run keeps the facts of: enough for the checks a project
/// repeats, and little memory when every assertion is different.
const KEPT_ASSERTION_FACTS: usize = 4096;

/// Into how many tables, each with its own lock, the kept assertion facts are spread.
const ASSERTION_FACT_SHARDS: usize = 16;

/// One of the tables of kept assertion facts, by a hash of the assertion.
type AssertionFactShard =
    std::sync::Mutex<rustc_hash::FxHashMap<u128, std::sync::Arc<AssertionFacts>>>;

/// The key of an assertion's kept facts: a hash of its kind, value and threshold. The value is
/// hashed in one pass, seeded with a hash of the rest: fed piece by piece, xxh3's streaming
/// state copied every value into its buffer first.
fn assertion_key(assertion: &AssertionDef) -> u128 {
    // Whether there is a threshold, then its bits: "none" and a threshold of 0.0 differ.
    let mut threshold = [0u8; 9];
    if let Some(value) = assertion.threshold {
        let (present, bits) = threshold.split_at_mut(1);
        present.fill(1);
        bits.copy_from_slice(&value.to_bits().to_le_bytes());
    }
    let seed = xxhash_rust::xxh3::xxh3_64_with_seed(
        assertion.kind.as_bytes(),
        xxhash_rust::xxh3::xxh3_64(&threshold),
    );
    xxhash_rust::xxh3::xxh3_128_with_seed(assertion.value.as_bytes(), seed)
}

/// The facts read from one requirement's text, each on first use.
#[derive(Default)]
struct RequirementFactCells {
    quantities: std::sync::OnceLock<Vec<Quantity>>,
    lists: std::sync::OnceLock<Vec<List>>,
}

impl<'a> RuleContext<'a> {
    pub fn new(graph: &'a Graph, settings: &'a Settings) -> RuleContext<'a> {
        RuleContext {
            graph,
            settings,
            linker: std::sync::OnceLock::new(),
            kept_requirement_pool: None,
            requirement_facts: graph
                .requirements
                .iter()
                .map(|_| RequirementFactCells::default())
                .collect(),
            assertion_facts: Default::default(),
        }
    }

    /// What `assertion` checks, as [`analyze`] reads it; read once per distinct assertion.
    pub fn assertion_facts(&self, assertion: &AssertionDef) -> std::sync::Arc<AssertionFacts> {
        let key = assertion_key(assertion);
        let Some(shard) = self
            .assertion_facts
            .get(key as usize % ASSERTION_FACT_SHARDS)
        else {
            return std::sync::Arc::new(analyze(assertion));
        };
        if let Ok(kept) = shard.lock()
            && let Some(facts) = kept.get(&key)
        {
            return std::sync::Arc::clone(facts);
        }
        let facts = std::sync::Arc::new(analyze(assertion));
        if let Ok(mut kept) = shard.lock()
            && kept.len() < KEPT_ASSERTION_FACTS / ASSERTION_FACT_SHARDS
        {
            kept.insert(key, std::sync::Arc::clone(&facts));
        }
        facts
    }

    /// The quantities in the text of the requirement at `index` ("within 30 days", "at
    /// most 120 words"), as [`quantities`] reads them.
    pub fn requirement_quantities(&self, index: RequirementIndex) -> &[Quantity] {
        self.requirement_fact(index, |cells| &cells.quantities, quantities)
    }

    /// The lists in the text of the requirement at `index` ("English, French and German"),
    /// as [`lists`] reads them.
    pub fn requirement_lists(&self, index: RequirementIndex) -> &[List] {
        self.requirement_fact(index, |cells| &cells.lists, lists)
    }

    /// One fact of the requirement at `index`: `read` from its text on first use, then kept
    /// in the cell `cell` picks.
    fn requirement_fact<T>(
        &self,
        index: RequirementIndex,
        cell: fn(&RequirementFactCells) -> &std::sync::OnceLock<Vec<T>>,
        read: fn(&str) -> Vec<T>,
    ) -> &[T] {
        let (Some(cells), Some(requirement)) = (
            self.requirement_facts.get(index.0),
            self.graph.requirements.get(index.0),
        ) else {
            // Every index a rule is given comes from this graph.
            return &[];
        };
        cell(cells).get_or_init(|| read(&requirement.def.text))
    }

    /// The index of untagged passages and eval cases that suggestions come from.
    pub fn linker(&self) -> &crate::link::Linker {
        self.linker.get_or_init(|| {
            crate::link::Linker::with_kept_requirements(self.kept_requirement_pool.clone())
        })
    }
}

impl RuleContext<'_> {
    /// `path:line:column` of a span, for messages.
    pub fn location(&self, span: Span) -> String {
        let (start, _) = self.graph.db.line_column(span);
        format!(
            "{}:{}:{}",
            self.graph.db.path(span.file),
            start.line,
            start.column
        )
    }

    /// Where `phrase` is written inside `span` (case-insensitively), or `span` itself.
    pub fn locate(&self, span: Span, phrase: &str) -> Span {
        let phrase = phrase.trim();
        if phrase.is_empty() {
            return span;
        }
        let slice = self.graph.db.slice(span);
        let found = slice.find(phrase).or_else(|| {
            // Lower-casing keeps byte offsets for ASCII text only.
            (slice.is_ascii() && phrase.is_ascii())
                .then(|| {
                    slice
                        .to_ascii_lowercase()
                        .find(&phrase.to_ascii_lowercase())
                })
                .flatten()
        });
        match found {
            Some(at) => Span::new(
                span.file,
                span.start() + at,
                span.start() + at + phrase.len(),
            ),
            None => span,
        }
    }

    /// A related location on a requirement, quoting its text.
    pub fn requirement_note(&self, requirement: &RequirementDef) -> (Span, String) {
        (
            self.headline(requirement),
            format!(
                "`{}` says: {}",
                requirement.id,
                shorten(&requirement.text, 160)
            ),
        )
    }

    /// The span a requirement-level finding points at: from the ID to the end of its line.
    pub fn headline(&self, requirement: &RequirementDef) -> Span {
        let id_span = requirement.id_span;
        let Some(file) = self.graph.db.get(id_span.file) else {
            return id_span;
        };
        let rest = file.text.get(id_span.start()..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        Span::new(
            id_span.file,
            id_span.start(),
            id_span.start() + line.trim_end().len(),
        )
    }

    /// Starts a diagnostic of `rule`. Its severity is set by [`run_rules`] from the
    /// configuration: a rule never raises it. A rule may only lower the ceiling it starts at
    /// (`Error`), for findings that are never more than a warning or a note whatever the
    /// configured level (a loader's own warning, say).
    pub fn diagnostic(&self, meta: &RuleMeta, span: Span, message: String) -> Diagnostic {
        Diagnostic {
            code: meta.code,
            rule: meta.name,
            severity: Severity::Error,
            escalated: false,
            message,
            span,
            label: None,
            requirement: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// The diagnostic the drift rules share: a phrase in an artifact that disagrees with a
    /// requirement, with the requirement quoted as the related location.
    pub fn drift_diagnostic(&self, meta: &RuleMeta, drift: Drift<'_>) -> Diagnostic {
        let (related_span, related_message) = self.requirement_note(drift.requirement);
        self.diagnostic(
            meta,
            self.locate(drift.artifact_span, drift.phrase),
            drift.message,
        )
        .with_label(drift.label)
        .with_requirement(&drift.requirement.id)
        .with_related(related_span, related_message)
        .with_help(drift.help)
    }
}

/// The most serious a finding about a loader's problem may be: a loader's warning or note
/// stays one whatever the rule's level; its errors take the configured level.
pub fn problem_ceiling(level: crate::source::model::ProblemLevel) -> Severity {
    match level {
        crate::source::model::ProblemLevel::Error => Severity::Error,
        crate::source::model::ProblemLevel::Warning => Severity::Warning,
        crate::source::model::ProblemLevel::Info => Severity::Info,
    }
}

/// What a drift rule found: where, against which requirement, and what to say.
pub struct Drift<'a> {
    pub requirement: &'a RequirementDef,
    /// The passage or assertion that disagrees.
    pub artifact_span: Span,
    /// The disagreeing words, located inside `artifact_span` when they are written there.
    pub phrase: &'a str,
    pub message: String,
    pub label: String,
    pub help: String,
}

/// `text` cut at a word boundary near `limit` characters, with an ellipsis.
pub fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// A rule's metadata; implemented by [`declare_rule!`] from the rule's doc comment.
pub trait RuleMetadata {
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule: reads the graph and pushes diagnostics; it never prints.
pub trait Rule: RuleMetadata + Sync {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>);

    /// The rule's per-requirement form, for a rule whose findings about a requirement depend
    /// only on that requirement and the passages and eval cases that reference it. Such
    /// findings can be kept from one run to the next while none of those change (see
    /// [`RuleMemo`]).
    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        None
    }

    /// The rule's per-file form, for a rule whose findings are about what is written in one
    /// file and depend only on that file and on the requirements (their IDs, texts and
    /// places), not on other prompts or evals.
    fn per_file(&self) -> Option<&dyn FileRule> {
        None
    }
}

/// What a per-requirement rule reads besides its requirement and what links to it: any
/// change to one of these re-checks every requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobalInput {
    /// The model settings of every prompt file and eval config.
    ModelSettings,
    /// Every requirement (a suggestion is the passage that fits this requirement better than
    /// any other) and every untagged passage and eval case, read only for a requirement that
    /// nothing of the given kind links to, in a project where something of that kind links
    /// to a requirement: the suggestion linker is asked about those alone. The findings of
    /// the others may depend only on the requirement, what links to it, and whether the
    /// project has any prompt and any eval link (the suggestion rules find nothing for them),
    /// so an edit to an untagged passage or to a spec re-checks the few unlinked
    /// requirements, not all of them.
    RequirementsAndUntaggedArtifactsWhenUnlinked(crate::link::LinkKind),
}

/// A rule that checks files: its findings are placed in the files they are about.
pub trait FileRule: Sync {
    /// Pushes the findings about what is written in `files`, and only those: each finding's
    /// primary span is in one of `files`.
    fn check_files(
        &self,
        context: &RuleContext<'_>,
        files: &[crate::source_db::FileId],
        diagnostics: &mut Vec<Diagnostic>,
    );
}

/// [`Rule::check`] of a [`FileRule`]: every file of the run.
pub fn check_every_file(
    rule: &dyn FileRule,
    context: &RuleContext<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let files: Vec<crate::source_db::FileId> =
        context.graph.db.iter().map(|(file, _)| file).collect();
    rule.check_files(context, &files, diagnostics);
}

/// A rule that checks one requirement at a time, reading only the requirement, the passages
/// and eval cases linked to it, and the files they are written in.
pub trait RequirementRule: Sync {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    );

    /// What else the findings depend on (see [`GlobalInput`]).
    fn global_inputs(&self) -> &'static [GlobalInput] {
        &[]
    }
}

/// [`Rule::check`] of a [`RequirementRule`]: every requirement in turn.
pub fn check_each_requirement(
    rule: &dyn RequirementRule,
    context: &RuleContext<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Requirements are checked side by side, as the memo checks them: with the rules also side
    // by side, a long rule no longer runs alone on one core at the end. Findings are joined in
    // requirement order, so they do not depend on the thread count.
    let found: Vec<Vec<Diagnostic>> = context
        .graph
        .requirements
        .par_iter()
        .enumerate()
        .map(|(index, requirement)| {
            let mut found = Vec::new();
            rule.check_requirement(context, RequirementIndex(index), requirement, &mut found);
            found
        })
        .collect();
    diagnostics.extend(found.into_iter().flatten());
}

/// Runs every enabled rule over `graph` and sets each finding's severity from the configured
/// level (or the rule's escalation). The result is sorted, and identical findings are
/// reported once.
pub fn run_rules(
    graph: &Graph,
    settings: &Settings,
) -> (Vec<Diagnostic>, Vec<(&'static str, Duration)>) {
    run_rules_with_memo(graph, settings, None)
}

/// [`run_rules`], reusing the findings of per-requirement rules that `memo` kept from the
/// previous run for requirements whose inputs did not change, and keeping this run's.
pub fn run_rules_with_memo(
    graph: &Graph,
    settings: &Settings,
    memo: Option<&RuleMemo>,
) -> (Vec<Diagnostic>, Vec<(&'static str, Duration)>) {
    let mut context = RuleContext::new(graph, settings);
    context.kept_requirement_pool = memo.and_then(RuleMemo::kept_requirement_pool);
    let started = Instant::now();
    let memo_run = memo.map(|memo| memo::MemoRun::start(memo, graph));
    let mut timings = Vec::new();
    if memo_run.is_some() {
        timings.push(("rule memo: fingerprints", started.elapsed()));
    }
    // Rules only read the graph, so they run side by side; their findings are joined in
    // registry order and then sorted, so the output does not depend on the thread count.
    let per_rule: Vec<RuleRun> = registry::all_rules()
        .par_iter()
        .filter_map(|rule| run_one_rule(*rule, &context, memo_run.as_ref()))
        .collect();
    let mut diagnostics = Vec::new();
    let mut kept = Vec::new();
    for run in per_rule {
        diagnostics.extend(run.diagnostics);
        timings.push((run.name, run.elapsed));
        if let Some(found) = run.memo_findings {
            kept.push((run.name, found));
        }
    }
    if let Some(memo_run) = memo_run {
        let started = Instant::now();
        let pool = context
            .linker
            .get()
            .and_then(crate::link::Linker::requirement_pool_in_use);
        memo_run.finish(kept, pool);
        timings.push(("rule memo: keeping findings", started.elapsed()));
    }
    let started = Instant::now();
    sort_diagnostics(graph, &mut diagnostics);
    timings.push(("sorting findings", started.elapsed()));
    (diagnostics, timings)
}

/// What one rule found in one run.
struct RuleRun {
    name: &'static str,
    diagnostics: Vec<Diagnostic>,
    elapsed: Duration,
    /// For the memo: the rule's findings per requirement fingerprint.
    memo_findings: Option<memo::RuleFindings>,
}

/// Runs one rule at its configured level; `None` when the rule is off.
fn run_one_rule(
    rule: &dyn Rule,
    context: &RuleContext<'_>,
    memo_run: Option<&memo::MemoRun<'_>>,
) -> Option<RuleRun> {
    let settings = context.settings;
    let meta = rule.meta();
    let level = settings
        .rule_levels
        .get(meta.name)
        .copied()
        .unwrap_or(meta.default_level);
    let severity = level.severity()?;
    let escalated_severity = match &meta.escalation {
        Some(escalation) if !settings.configured_rules.contains(meta.name) => {
            escalation.level.severity().unwrap_or(severity)
        }
        _ => severity,
    };
    let started = Instant::now();
    let (mut diagnostics, memo_findings) = match (memo_run, rule.per_requirement(), rule.per_file())
    {
        (Some(memo_run), Some(requirement_rule), _) => {
            let (diagnostics, found) = memo_run.check(meta.name, requirement_rule, context);
            (diagnostics, Some(found))
        }
        (Some(memo_run), None, Some(file_rule)) => {
            let (diagnostics, found) = memo_run.check_files(meta.name, file_rule, context);
            (diagnostics, Some(found))
        }
        _ => {
            let mut diagnostics = Vec::new();
            rule.check(context, &mut diagnostics);
            (diagnostics, None)
        }
    };
    for diagnostic in &mut diagnostics {
        let configured = if diagnostic.escalated {
            escalated_severity
        } else {
            severity
        };
        // `Severity` orders Error < Warning < Info: the less serious of the two wins.
        diagnostic.severity = configured.max(diagnostic.severity);
    }
    Some(RuleRun {
        name: meta.name,
        diagnostics,
        elapsed: started.elapsed(),
        memo_findings,
    })
}

/// Sorts by path, then position, then code; the end and message only break remaining ties, so
/// the order is total and the output the same on every run. Identical findings are dropped.
pub fn sort_diagnostics(graph: &Graph, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by_cached_key(|diagnostic| {
        (
            graph.db.path(diagnostic.span.file).to_owned(),
            diagnostic.span.start(),
            diagnostic.code,
            diagnostic.span.end(),
            diagnostic.message.clone(),
        )
    });
    diagnostics.dedup();
}

/// Declares a rule's unit struct and its metadata from one doc comment, so that `speclint rule`
/// prints exactly what the source says.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $name:ident, code = $code:literal, name = $rule_name:literal, level = $level:ident
        $(, escalation = ($escalated_level:ident, $when:literal))?
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $rule_name,
                default_level: $crate::severity::Level::$level,
                escalation: $crate::rules::declare_rule!(@escalation $($escalated_level, $when)?),
                docs: concat!($($doc, "\n"),+),
            };
        }

        impl $crate::rules::RuleMetadata for $name {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &Self::META
            }
        }
    };
    (@escalation) => { None };
    (@escalation $level:ident, $when:literal) => {
        Some($crate::rules::Escalation {
            level: $crate::severity::Level::$level,
            when: $when,
        })
    };
}
pub(crate) use declare_rule;

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion(kind: &str, value: &str, threshold: Option<f64>) -> AssertionDef {
        AssertionDef {
            kind: kind.into(),
            value: value.into(),
            threshold,
            span: Span::new(crate::source_db::FileId(0), 0, 0),
        }
    }

    /// Assertions share kept facts only when kind, value and threshold are all the same: a
    /// missing threshold is not a threshold of 0, a threshold's sign counts, and a kind does
    /// not run into its value.
    #[test]
    fn assertions_that_differ_anywhere_have_different_keys() {
        let different = [
            assertion("contains", "refund", None),
            assertion("contains", "refund", Some(0.0)),
            assertion("contains", "refund", Some(-0.0)),
            assertion("contains", "refund", Some(0.5)),
            assertion("contains", "refund", Some(-0.5)),
            assertion("icontains", "refund", None),
            assertion("contain", "srefund", None),
            assertion("contains", "refunds", None),
        ];
        let keys: std::collections::HashSet<u128> = different.iter().map(assertion_key).collect();
        assert_eq!(keys.len(), different.len());
        assert_eq!(
            assertion_key(&assertion("latency", "", Some(1500.0))),
            assertion_key(&assertion("latency", "", Some(1500.0)))
        );
    }
}

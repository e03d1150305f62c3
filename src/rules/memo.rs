//! Findings kept from one run to the next, for per-requirement rules ([`RequirementRule`]): the
//! language server re-checks a requirement only when something it depends on changed.
//!
//! A requirement's fingerprint covers everything such a rule may read: the requirement (its
//! ID, feature, needs and spans, and the contents of the file that defines it), and every
//! passage and eval case linked to it (their spans, and the contents of their files and of
//! the file that read them, such as a promptfoo config that adds default assertions to a CSV
//! file's cases). Rules that read model settings also depend on a fingerprint of all of them.
//! Equal fingerprints give equal findings, so a finding kept under a fingerprint is reused as
//! it is; file IDs are part of the fingerprint, so a renumbered file re-checks everything.
//!
//! On disk (`speclint check`) the memo holds only what the last run used, rule by rule in
//! the run's order. In memory (the language server) it also keeps findings the last run no
//! longer used, until it holds twice as many as a run uses, so that an edit undone finds them.

use rustc_hash::FxHashMap as HashMap;
use std::hash::Hasher;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::graph::{Graph, RequirementIndex};
use crate::link::LinkKind;
use crate::rules::{FileRule, GlobalInput, RequirementRule, RuleContext};
use crate::source_db::{FileId, SourceFile, Span};

/// A 128-bit fingerprint.
type Fingerprint = u128;

/// A rule's name and a fingerprint, hashed together.
type Key = u128;

fn key(rule: &str, print: Fingerprint) -> Key {
    rule_print(rule) ^ print
}

/// The part of a key that comes from the rule's name: worked out once per rule and run, not
/// once per requirement (a hundred thousand times per language server edit).
fn rule_print(rule: &str) -> Fingerprint {
    xxhash_rust::xxh3::xxh3_128(rule.as_bytes()).rotate_left(17)
}

/// Findings of per-requirement rules by rule and requirement fingerprint.
pub struct RuleMemo {
    /// Every kept finding by key, for a memo in memory (the language server), which keeps
    /// findings the last run did not use, so that an edit undone finds them again. Empty for
    /// a memo kept on disk (see `keeps_findings_beyond_last_run`).
    findings: Mutex<HashMap<Key, Arc<Vec<Diagnostic>>>>,
    /// Whether `findings` holds every kept finding. A memo read from disk holds only the
    /// last run's findings, in `last_run`: building a map of a hundred thousand keys to look
    /// them up at random cost a run after a one-file change more than it saved.
    keeps_findings_beyond_last_run: bool,
    /// What each rule found in the last run, in requirement order: a requirement at the same
    /// place with the same fingerprint is found here without a random lookup in `findings`
    /// (those lookups, 10 rules x 10,000 requirements, were a tenth of an edit's time).
    last_run: Mutex<HashMap<&'static str, RuleFindings>>,
    /// The suggestion linker's requirement pool, reused while the requirements are the same.
    requirement_pool: Mutex<Option<Arc<crate::link::RequirementPool>>>,
    /// Whether the last run did a check again, or found its requirements or files in another
    /// order, or dropped findings (then an on-disk copy is stale).
    changed: std::sync::atomic::AtomicBool,
    /// What the last run checked again.
    last_run_checks: Mutex<RuleChecks>,
}

/// How many checks of one rule over one requirement or one file a run did again because
/// something they read changed, out of how many it needed (the rest were kept).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleChecks {
    pub done_again: usize,
    pub total: usize,
}

/// The memo on its way to disk. The on-disk memo holds, for each rule by name, the key and
/// findings of each requirement (or file) of the last run, in the run's order: it encodes
/// as a `Vec<(String, Vec<(Key, Vec<StoredDiagnostic<Span>>)>)>` would
/// ([`crate::diagnostic::StoredDiagnostic`]). This converts one finding at a time, so that
/// writing the memo does not hold a second copy of every finding (10 MB at the end of a
/// large project's run). It holds the lock of the last run's findings and encodes the rules
/// by name, each in the run's order.
pub struct MemoForDisk<'a> {
    last_run: std::sync::MutexGuard<'a, HashMap<&'static str, RuleFindings>>,
}

impl serde::Serialize for MemoForDisk<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rules: Vec<(&&'static str, &RuleFindings)> = self.last_run.iter().collect();
        rules.sort_unstable_by_key(|(name, _)| **name);
        serializer.collect_seq(
            rules
                .into_iter()
                .map(|(name, found)| (*name, RuleForDisk(found))),
        )
    }
}

/// One rule's findings, encoded as a `Vec<(Key, Vec<StoredDiagnostic>)>`.
struct RuleForDisk<'a>(&'a [Found]);

impl serde::Serialize for RuleForDisk<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|found| {
            let findings: &[Diagnostic] = found.findings.as_deref().map_or(&[], Vec::as_slice);
            (found.key, FindingsForDisk(findings))
        }))
    }
}

/// One fingerprint's findings, encoded as a `Vec<StoredDiagnostic>`.
struct FindingsForDisk<'a>(&'a [Diagnostic]);

impl serde::Serialize for FindingsForDisk<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|diagnostic| {
            crate::diagnostic::StoredDiagnostic::from_diagnostic(diagnostic, |span| span)
        }))
    }
}

/// One rule's entries in the on-disk memo ([`MemoForDisk`]) as they are read: straight into
/// the list a run looks keys up in, the texts of their findings borrowed from the bytes until
/// they are copied into the findings. Read as a list of lists first, every key (a hundred
/// thousand at the scale of `bench/README.md`) went into an entry of its own and every text
/// into a string of its own, and both were moved again. `None` inside when a finding names a
/// rule this build does not have.
struct FindingsFromDisk(Option<RuleFindings>);

impl<'de> serde::Deserialize<'de> for FindingsFromDisk {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = FindingsFromDisk;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a rule's kept findings")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut entries: A,
            ) -> Result<FindingsFromDisk, A::Error> {
                let mut found: RuleFindings =
                    crate::source::model::list_for_decoding(entries.size_hint());
                let mut all_known = true;
                while let Some((key, stored)) =
                    entries.next_element::<(Key, Vec<BorrowedStoredDiagnostic<'de>>)>()?
                {
                    // Most keys have no findings, and take no allocation.
                    let findings = if stored.is_empty() {
                        None
                    } else {
                        let diagnostics: Option<Vec<Diagnostic>> = stored
                            .into_iter()
                            .map(|stored| {
                                stored.into_diagnostic(crate::rules::registry::code_and_name, Some)
                            })
                            .collect();
                        all_known &= diagnostics.is_some();
                        diagnostics.map(Arc::new)
                    };
                    found.push(Found {
                        key,
                        findings,
                        fresh: false,
                    });
                }
                Ok(FindingsFromDisk(all_known.then_some(found)))
            }
        }
        deserializer.deserialize_seq(Entries)
    }
}

/// A finding of the on-disk memo, its texts borrowed from the bytes it is read from.
type BorrowedStoredDiagnostic<'a> = crate::diagnostic::StoredDiagnostic<Span, &'a str>;

impl std::fmt::Debug for RuleMemo {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RuleMemo")
    }
}

impl Default for RuleMemo {
    /// An empty memo in memory, as the language server keeps it.
    fn default() -> RuleMemo {
        RuleMemo {
            findings: Mutex::default(),
            keeps_findings_beyond_last_run: true,
            last_run: Mutex::default(),
            requirement_pool: Mutex::default(),
            changed: std::sync::atomic::AtomicBool::new(false),
            last_run_checks: Mutex::default(),
        }
    }
}

impl RuleMemo {
    /// An empty memo that `speclint check` keeps on disk: it keeps only the last run's
    /// findings.
    pub fn for_disk() -> RuleMemo {
        RuleMemo {
            keeps_findings_beyond_last_run: false,
            ..RuleMemo::default()
        }
    }

    /// The memo as `speclint check` keeps it between runs, in the parse cache's folder: the
    /// last run's findings, rule by rule in the run's order. Each finding is converted as it
    /// is encoded, not all copied first.
    pub fn to_stored(&self) -> MemoForDisk<'_> {
        let last_run = self
            .last_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        MemoForDisk { last_run }
    }

    /// A memo read back from the encoding of [`RuleMemo::to_stored`]; `None` when it does not
    /// decode or names a rule this build does not have.
    pub fn decode(bytes: &[u8]) -> Option<RuleMemo> {
        let rules: Vec<(&str, FindingsFromDisk)> = postcard::from_bytes(bytes).ok()?;
        let mut last_run = HashMap::default();
        for (name, FindingsFromDisk(found)) in rules {
            let (_, name) = crate::rules::registry::code_and_name(name)?;
            last_run.insert(name, found?);
        }
        Some(RuleMemo {
            last_run: Mutex::new(last_run),
            ..RuleMemo::for_disk()
        })
    }

    /// Whether the last run changed what the memo holds.
    pub fn changed(&self) -> bool {
        self.changed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What the last run checked again (`--timings` prints it).
    pub fn last_run_checks(&self) -> RuleChecks {
        *self
            .last_run_checks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn take(&self) -> HashMap<Key, Arc<Vec<Diagnostic>>> {
        std::mem::take(
            &mut *self
                .findings
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn replace(&self, findings: HashMap<Key, Arc<Vec<Diagnostic>>>) {
        *self
            .findings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = findings;
    }

    /// The requirement pool the last run's suggestions used, if any.
    pub(crate) fn kept_requirement_pool(&self) -> Option<Arc<crate::link::RequirementPool>> {
        self.requirement_pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn take_last_run(&self) -> HashMap<&'static str, RuleFindings> {
        std::mem::take(
            &mut *self
                .last_run
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn replace_last_run(&self, last_run: HashMap<&'static str, RuleFindings>) {
        *self
            .last_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = last_run;
    }
}

/// The fingerprints of one run, and the findings the previous run kept.
pub(crate) struct MemoRun<'a> {
    memo: &'a RuleMemo,
    previous: HashMap<Key, Arc<Vec<Diagnostic>>>,
    last_run: HashMap<&'static str, RuleFindings>,
    /// Per file (by ID): its contents and those of the file that read it.
    files: Vec<Fingerprint>,
    /// Per requirement: its definition and everything linked to it.
    requirements: Vec<Fingerprint>,
    /// Every requirement's definition, in order.
    requirement_table: Fingerprint,
    model_settings: Fingerprint,
    /// Every requirement's definition, whether any prompt and any eval links to a
    /// requirement, and every untagged passage and eval case.
    requirements_and_untagged: Fingerprint,
    /// Whether any prompt and any eval links to a requirement: what a suggestion rule reads
    /// of the project for a requirement that does not ask for a suggestion.
    link_presence: Fingerprint,
}

/// What one rule found for one requirement or file in one run.
#[derive(Clone)]
pub(crate) struct Found {
    key: Key,
    /// `None` when there are no findings: most requirements have none, and a run that reuses
    /// them then touches no memory beyond this list.
    findings: Option<Arc<Vec<Diagnostic>>>,
    /// Computed in this run, not reused.
    fresh: bool,
}

/// What one rule found in one run, in requirement (or file) order.
pub(crate) type RuleFindings = Vec<Found>;

/// What one rule found in the last run, as one run of the rule looks keys up in it.
struct LastRun<'a> {
    found: Option<&'a RuleFindings>,
    /// Its keys, sorted, with their places: made on the first key not found at its own
    /// place, and only for a memo kept on disk (one in memory has a map of every key).
    by_key: std::sync::OnceLock<Vec<(Key, usize)>>,
}

impl<'a> LastRun<'a> {
    fn of(found: Option<&'a RuleFindings>) -> LastRun<'a> {
        LastRun {
            found,
            by_key: std::sync::OnceLock::new(),
        }
    }
}

impl Found {
    fn new(key: Key, diagnostics: Vec<Diagnostic>, fresh: bool) -> Found {
        Found {
            key,
            findings: (!diagnostics.is_empty()).then(|| Arc::new(diagnostics)),
            fresh,
        }
    }

    fn reused(key: Key, findings: &Arc<Vec<Diagnostic>>) -> Found {
        Found {
            key,
            findings: (!findings.is_empty()).then(|| Arc::clone(findings)),
            fresh: false,
        }
    }
}

impl<'a> MemoRun<'a> {
    pub(crate) fn start(memo: &'a RuleMemo, graph: &Graph) -> MemoRun<'a> {
        let files = file_fingerprints(graph);
        let file_print = |file: FileId| {
            usize::try_from(file.0)
                .ok()
                .and_then(|index| files.get(index))
                .copied()
                .unwrap_or_default()
        };
        let definitions: Vec<Fingerprint> = graph
            .requirements
            .par_iter()
            .map(|requirement| {
                let mut hasher = xxhash_rust::xxh3::Xxh3::new();
                hasher.write(requirement.def.id.as_bytes());
                hasher.write_u8(0);
                hasher.write(requirement.feature.as_deref().unwrap_or("").as_bytes());
                hasher.write_u8(0);
                std::hash::Hash::hash(&requirement.needs, &mut hasher);
                write_span(&mut hasher, requirement.def.id_span, &file_print);
                write_span(&mut hasher, requirement.def.span, &file_print);
                hasher.digest128()
            })
            .collect();
        // One print per passage and per eval case, in a flat pass over each table, then one
        // one-shot hash per requirement over its items' prints: hashing each linked item's
        // fields with a streaming hasher was the costliest part of a language server edit.
        let passage_prints: Vec<u64> = graph
            .passages
            .par_iter()
            .map(|passage| span_print(passage.span, &file_print))
            .collect();
        let case_prints: Vec<u64> = graph
            .eval_cases
            .par_iter()
            .map(|case| span_print(case.span, &file_print))
            .collect();
        let requirements = definitions
            .par_iter()
            .enumerate()
            .map_init(Vec::new, |bytes: &mut Vec<u8>, (index, definition)| {
                let index = RequirementIndex(index);
                bytes.clear();
                bytes.extend_from_slice(&definition.to_le_bytes());
                bytes.push(1);
                for passage in graph.passages_for(index) {
                    let print = passage_prints.get(passage.0).copied().unwrap_or_default();
                    bytes.extend_from_slice(&print.to_le_bytes());
                }
                bytes.push(2);
                for case in graph.eval_cases_for(index) {
                    let print = case_prints.get(case.0).copied().unwrap_or_default();
                    bytes.extend_from_slice(&print.to_le_bytes());
                }
                xxhash_rust::xxh3::xxh3_128(bytes)
            })
            .collect();
        let mut table_hasher = xxhash_rust::xxh3::Xxh3::new();
        for definition in &definitions {
            table_hasher.write_u128(*definition);
        }
        let requirement_table = table_hasher.digest128();
        let mut presence_hasher = xxhash_rust::xxh3::Xxh3::new();
        presence_hasher.write_u8(u8::from(graph.has_prompt_links()));
        presence_hasher.write_u8(u8::from(graph.has_eval_links()));
        let link_presence = presence_hasher.digest128();
        let mut untagged_hasher = xxhash_rust::xxh3::Xxh3::new();
        untagged_hasher.write_u128(requirement_table);
        untagged_hasher.write_u128(link_presence);
        // Line indexes of the files holding untagged items, built side by side (the loop
        // below asks each item's line).
        let mut untagged_files: Vec<FileId> = graph
            .passages
            .iter()
            .filter(|passage| passage.references.is_empty())
            .map(|passage| passage.span.file)
            .chain(
                graph
                    .eval_cases
                    .iter()
                    .filter(|case| case.references.is_empty())
                    .map(|case| case.span.file),
            )
            .collect();
        untagged_files.sort_unstable();
        untagged_files.dedup();
        untagged_files.par_iter().for_each(|file| {
            let _ = graph.db.line_column(Span::file_start(*file));
        });
        // Suggestions read the text of untagged passages and cases and name their place
        // (path, line, column), not the rest of their files: an edit elsewhere in the same
        // file keeps them.
        for passage in graph
            .passages
            .iter()
            .filter(|passage| passage.references.is_empty())
        {
            write_place(&mut untagged_hasher, graph, passage.span);
            untagged_hasher.write(passage.text.as_bytes());
            untagged_hasher.write_u8(0);
        }
        untagged_hasher.write_u8(3);
        for case in graph
            .eval_cases
            .iter()
            .filter(|case| case.references.is_empty())
        {
            write_place(&mut untagged_hasher, graph, case.span);
            untagged_hasher.write(case.label.as_bytes());
            untagged_hasher.write_u8(0);
            untagged_hasher.write(case.inputs.as_bytes());
            untagged_hasher.write_u8(0);
            for assertion in &case.assertions {
                untagged_hasher.write(assertion.value.as_bytes());
                untagged_hasher.write_u8(0);
            }
        }
        let mut settings_hasher = xxhash_rust::xxh3::Xxh3::new();
        settings_hasher.write(&postcard::to_stdvec(&graph.model_settings).unwrap_or_default());
        for settings in &graph.model_settings {
            write_span(&mut settings_hasher, settings.span, &file_print);
        }
        MemoRun {
            memo,
            previous: memo.take(),
            last_run: memo.take_last_run(),
            files,
            requirements,
            requirement_table,
            model_settings: settings_hasher.digest128(),
            requirements_and_untagged: untagged_hasher.digest128(),
            link_presence,
        }
    }

    /// Runs `rule` over every requirement, reusing the findings of requirements whose
    /// fingerprint the previous run saw. The findings come in requirement order, as
    /// [`crate::rules::check_each_requirement`] gives them.
    pub(crate) fn check(
        &self,
        name: &'static str,
        rule: &dyn RequirementRule,
        context: &RuleContext<'_>,
    ) -> (Vec<Diagnostic>, RuleFindings) {
        let inputs = rule.global_inputs();
        let last_run = LastRun::of(self.last_run.get(name));
        let rule_print = rule_print(name);
        let found: RuleFindings = context
            .graph
            .requirements
            .par_iter()
            .enumerate()
            .map(|(index, requirement)| {
                let print = self.requirements.get(index).copied().unwrap_or_default();
                let global = self.global_print(inputs, context.graph, RequirementIndex(index));
                let key = rule_print ^ print.rotate_left(3) ^ global;
                if let Some(reused) = self.reuse(&last_run, index, key) {
                    return reused;
                }
                let mut diagnostics = Vec::new();
                rule.check_requirement(
                    context,
                    RequirementIndex(index),
                    requirement,
                    &mut diagnostics,
                );
                Found::new(key, diagnostics, true)
            })
            .collect();
        (self.diagnostics_of(&found), found)
    }

    /// The fingerprint of what a rule reads beyond `index` and what links to it, for `index`.
    fn global_print(
        &self,
        inputs: &[GlobalInput],
        graph: &Graph,
        index: RequirementIndex,
    ) -> Fingerprint {
        let mut global: Fingerprint = 0;
        for input in inputs {
            global = global.rotate_left(1)
                ^ match *input {
                    GlobalInput::ModelSettings => self.model_settings,
                    GlobalInput::RequirementsAndUntaggedArtifactsWhenUnlinked(kind) => {
                        let unlinked = match kind {
                            LinkKind::Prompt => {
                                graph.has_prompt_links() && graph.passages_for(index).is_empty()
                            }
                            LinkKind::Eval => {
                                graph.has_eval_links() && graph.eval_cases_for(index).is_empty()
                            }
                        };
                        if unlinked {
                            self.requirements_and_untagged
                        } else {
                            self.link_presence
                        }
                    }
                };
        }
        global
    }

    /// Runs `rule` over the files whose contents (or the requirements) changed since the
    /// previous run, reusing the findings of the others. The findings come in file order.
    pub(crate) fn check_files(
        &self,
        name: &'static str,
        rule: &dyn FileRule,
        context: &RuleContext<'_>,
    ) -> (Vec<Diagnostic>, RuleFindings) {
        let keys: Vec<(FileId, Key)> = context
            .graph
            .db
            .iter()
            .map(|(file, _)| {
                let print = usize::try_from(file.0)
                    .ok()
                    .and_then(|index| self.files.get(index))
                    .copied()
                    .unwrap_or_default();
                let mut hasher = xxhash_rust::xxh3::Xxh3::new();
                hasher.write_u32(file.0);
                hasher.write_u128(print);
                hasher.write_u128(self.requirement_table);
                (file, key(name, hasher.digest128()))
            })
            .collect();
        let last_run = LastRun::of(self.last_run.get(name));
        let reused: Vec<Option<Found>> = keys
            .iter()
            .enumerate()
            .map(|(index, (_, key))| self.reuse(&last_run, index, *key))
            .collect();
        let missed: Vec<FileId> = keys
            .iter()
            .zip(&reused)
            .filter(|(_, reused)| reused.is_none())
            .map(|((file, _), _)| *file)
            .collect();
        let mut fresh = Vec::new();
        if !missed.is_empty() {
            rule.check_files(context, &missed, &mut fresh);
        }
        let mut fresh_by_file: HashMap<FileId, Vec<Diagnostic>> = HashMap::default();
        for diagnostic in fresh {
            fresh_by_file
                .entry(diagnostic.span.file)
                .or_default()
                .push(diagnostic);
        }
        let found: RuleFindings = keys
            .into_iter()
            .zip(reused)
            .map(|((file, key), reused)| {
                reused.unwrap_or_else(|| {
                    Found::new(key, fresh_by_file.remove(&file).unwrap_or_default(), true)
                })
            })
            .collect();
        (self.diagnostics_of(&found), found)
    }

    /// The findings kept under `key`: those of the last run at the same place, or any other
    /// kept ones (a requirement that moved); `None` when it must be checked.
    fn reuse(&self, last_run: &LastRun<'_>, index: usize, key: Key) -> Option<Found> {
        let kept = |found: &Found| Found {
            fresh: false,
            ..found.clone()
        };
        let found = last_run.found?;
        if let Some(at_same_place) = found.get(index)
            && at_same_place.key == key
        {
            return Some(kept(at_same_place));
        }
        if self.memo.keeps_findings_beyond_last_run {
            return self
                .previous
                .get(&key)
                .map(|findings| Found::reused(key, findings));
        }
        // Kept on disk: the last run's findings are all there is. A requirement before this
        // one was added or removed, or this one changed: look its key up among them.
        let by_key = last_run.by_key.get_or_init(|| {
            let mut by_key: Vec<(Key, usize)> = found
                .iter()
                .enumerate()
                .map(|(position, found)| (found.key, position))
                .collect();
            by_key.sort_unstable();
            by_key
        });
        let at = by_key.binary_search_by_key(&key, |(key, _)| *key).ok()?;
        let (_, position) = by_key.get(at)?;
        found.get(*position).map(kept)
    }

    /// The findings of one rule's keys, in order: kept ones and fresh ones.
    fn diagnostics_of(&self, found: &RuleFindings) -> Vec<Diagnostic> {
        found
            .iter()
            .filter_map(|found| found.findings.as_deref())
            .flat_map(|diagnostics| diagnostics.iter().cloned())
            .collect()
    }

    /// Adds this run's fresh findings to the memo. Findings no longer used stay until the memo
    /// holds twice as many as a run uses; then only those of this run are kept.
    pub(crate) fn finish(
        self,
        found: Vec<(&'static str, RuleFindings)>,
        requirement_pool: Option<Arc<crate::link::RequirementPool>>,
    ) {
        if requirement_pool.is_some() {
            *self
                .memo
                .requirement_pool
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = requirement_pool;
        }
        let mut kept = self.previous;
        let live: usize = found.iter().map(|(_, found)| found.len()).sum();
        let done_again = found
            .iter()
            .flat_map(|(_, found)| found)
            .filter(|found| found.fresh)
            .count();
        // On disk the memo is the last run's findings in order: any other order (a requirement
        // removed) is a change too.
        let mut changed = done_again > 0
            || found.len() != self.last_run.len()
            || found.iter().any(|(name, found)| {
                self.last_run.get(name).is_none_or(|last| {
                    last.len() != found.len()
                        || last
                            .iter()
                            .zip(found)
                            .any(|(last, now)| last.key != now.key)
                })
            });
        if self.memo.keeps_findings_beyond_last_run {
            let none: Arc<Vec<Diagnostic>> = Arc::default();
            for found in found.iter().flat_map(|(_, found)| found) {
                if found.fresh {
                    let findings = found.findings.as_ref().unwrap_or(&none);
                    kept.insert(found.key, Arc::clone(findings));
                }
            }
        }
        *self
            .memo
            .last_run_checks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = RuleChecks {
            done_again,
            total: live,
        };
        if kept.len() > 2 * live + 1024 {
            changed = true;
            let used: rustc_hash::FxHashSet<Key> = found
                .iter()
                .flat_map(|(_, found)| found)
                .map(|found| found.key)
                .collect();
            kept.retain(|key, _| used.contains(key));
        }
        self.memo
            .changed
            .store(changed, std::sync::atomic::Ordering::Relaxed);
        self.memo.replace(kept);
        self.memo.replace_last_run(found.into_iter().collect());
    }
}

fn write_span(hasher: &mut impl Hasher, span: Span, file_print: &impl Fn(FileId) -> Fingerprint) {
    hasher.write_u32(span.file.0);
    hasher.write_usize(span.start());
    hasher.write_usize(span.end());
    hasher.write_u128(file_print(span.file));
}

/// A 64-bit print of a span and of the contents of its file, in one one-shot hash.
fn span_print(span: Span, file_print: &impl Fn(FileId) -> Fingerprint) -> u64 {
    let mut bytes = [0u8; 36];
    let (file, rest) = bytes.split_at_mut(4);
    file.copy_from_slice(&span.file.0.to_le_bytes());
    let (start, rest) = rest.split_at_mut(8);
    start.copy_from_slice(&(span.start() as u64).to_le_bytes());
    let (end, contents) = rest.split_at_mut(8);
    end.copy_from_slice(&(span.end() as u64).to_le_bytes());
    contents.copy_from_slice(&file_print(span.file).to_le_bytes());
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

/// A span with the line and column it starts at.
fn write_place(hasher: &mut impl Hasher, graph: &Graph, span: Span) {
    let (start, _) = graph.db.line_column(span);
    hasher.write_u32(span.file.0);
    hasher.write_usize(span.start());
    hasher.write_usize(span.end());
    hasher.write_usize(start.line);
    hasher.write_usize(start.column);
}

/// Per file (by ID): a fingerprint of its contents and of the contents of the file that read
/// it (a promptfoo config), if any.
fn file_fingerprints(graph: &Graph) -> Vec<Fingerprint> {
    let contents: Vec<Fingerprint> = (0..graph.db.len())
        .into_par_iter()
        .map(|index| {
            let file = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            graph.db.get(file).map_or(0, SourceFile::text_hash)
        })
        .collect();
    let mut prints = contents.clone();
    for summary in &graph.files {
        let Some(reader) = summary.read_through else {
            continue;
        };
        let reader_print = usize::try_from(reader.0)
            .ok()
            .and_then(|index| contents.get(index))
            .copied()
            .unwrap_or_default();
        if let Some(print) = usize::try_from(summary.file.0)
            .ok()
            .and_then(|index| prints.get_mut(index))
        {
            *print = print.rotate_left(7) ^ reader_print;
        }
    }
    prints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::severity::Severity;

    fn finding(rule: &'static str, file: u32, message: &str) -> Diagnostic {
        let (code, rule) = crate::rules::registry::code_and_name(rule).unwrap();
        Diagnostic {
            code,
            rule,
            severity: Severity::Warning,
            escalated: false,
            message: message.to_owned(),
            span: Span::new(FileId(file), 3, 9),
            label: None,
            requirement: Some("FR-001".to_owned()),
            related: Vec::new(),
            help: None,
        }
        .with_label("here")
        .with_related(Span::new(FileId(file + 1), 0, 4), "there")
        .with_help("do this")
    }

    /// One rule's findings in the stored form (their texts borrowed, which encode as owned
    /// ones do).
    fn copy(found: &[Found]) -> Vec<(Key, Vec<crate::diagnostic::StoredDiagnostic<Span, &str>>)> {
        found
            .iter()
            .map(|found| {
                let stored = found
                    .findings
                    .iter()
                    .flat_map(|list| list.iter())
                    .map(|diagnostic| {
                        crate::diagnostic::StoredDiagnostic::from_diagnostic(diagnostic, |span| {
                            span
                        })
                    });
                (found.key, stored.collect())
            })
            .collect()
    }

    #[test]
    fn the_memo_is_encoded_as_each_rule_s_findings_in_order() {
        let memo = RuleMemo::for_disk();
        let found = |key: Key, diagnostics: Vec<Diagnostic>| Found::new(key, diagnostics, false);
        let wording = vec![
            found(
                9,
                vec![
                    finding("wording-drift", 2, "a"),
                    finding("wording-drift", 5, "b"),
                ],
            ),
            found(7, Vec::new()),
        ];
        let boundary = vec![found(4, vec![finding("boundary-untested", 1, "c")])];
        memo.replace_last_run(
            [
                ("wording-drift", wording.clone()),
                ("boundary-untested", boundary.clone()),
            ]
            .into_iter()
            .collect(),
        );
        let streamed = postcard::to_stdvec(&memo.to_stored()).unwrap();
        // Copied whole, in the stored form, rules by name (`decode` reads the owned form).
        let copied = vec![
            ("boundary-untested", copy(&boundary)),
            ("wording-drift", copy(&wording)),
        ];
        assert_eq!(streamed, postcard::to_stdvec(&copied).unwrap());
        let read_back = RuleMemo::decode(&streamed).unwrap();
        assert!(!read_back.keeps_findings_beyond_last_run);
        let last_run = read_back.last_run.lock().unwrap();
        let keys_and_findings = |found: &[Found]| -> Vec<(Key, Vec<Diagnostic>)> {
            found
                .iter()
                .map(|found| {
                    (
                        found.key,
                        found.findings.as_deref().cloned().unwrap_or_default(),
                    )
                })
                .collect()
        };
        assert_eq!(
            keys_and_findings(&last_run["wording-drift"]),
            keys_and_findings(&wording)
        );
        assert_eq!(
            keys_and_findings(&last_run["boundary-untested"]),
            keys_and_findings(&boundary)
        );
        assert!(last_run["wording-drift"][1].findings.is_none());
        // A rule this build does not have: the memo is not read.
        let foreign = postcard::to_stdvec(&vec![("no-such-rule", copy(&boundary))]).unwrap();
        assert!(RuleMemo::decode(&foreign).is_none());
        // A finding of a rule this build does not have, under a rule it has: not read either.
        let unknown = Diagnostic {
            rule: "no-such-rule",
            ..finding("boundary-untested", 1, "c")
        };
        let renamed = vec![Found::new(4, vec![unknown], false)];
        let foreign_finding =
            postcard::to_stdvec(&vec![("boundary-untested", copy(&renamed))]).unwrap();
        assert!(RuleMemo::decode(&foreign_finding).is_none());
        // Cut short anywhere: not read.
        for length in [0, 1, streamed.len() / 2, streamed.len() - 1] {
            assert!(RuleMemo::decode(&streamed[..length]).is_none(), "{length}");
        }
        // Any one byte changed to any value: read or refused, never a panic (a length read
        // from a damaged byte must not reserve more than a bounded room either).
        for at in 0..streamed.len() {
            for value in 0..=u8::MAX {
                let mut damaged = streamed.clone();
                damaged[at] = value;
                let _ = RuleMemo::decode(&damaged);
            }
        }
    }
}

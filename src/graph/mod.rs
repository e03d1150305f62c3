//! The requirements graph: every requirement, prompt passage and eval case of a run, and the
//! links between them. It is built once by [`build`] and never changed afterwards.

use compact_str::CompactString;
use rustc_hash::FxHashMap as HashMap;

use crate::lockfile::{Links, fingerprint};
use crate::needs::Needs;
use crate::source::model::{
    Clarification, EvalCaseDef, Problem, PromptPassageDef, Reference, RequirementDef,
};
use crate::source::{Format, Role};
use crate::source_db::{FileId, SourceDb};

pub mod build;
pub mod patch;

/// A requirement with the coverage it needs, resolved from its definition and the config.
#[derive(Debug)]
pub struct Requirement {
    pub def: RequirementDef,
    pub needs: Needs,
    /// The spec-kit or Kiro feature the requirement belongs to. When several features define
    /// the same ID, `def.id` is qualified as `<feature>/<ID>`.
    pub feature: Option<String>,
}

/// Index into [`Graph::requirements`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequirementIndex(pub usize);

/// The requirements an ID names in [`Graph`]'s tables: almost always one, kept inline.
pub(crate) type RequirementIndices = smallvec::SmallVec<[RequirementIndex; 1]>;

/// Index into [`Graph::passages`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PassageIndex(pub usize);

/// Index into [`Graph::eval_cases`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EvalCaseIndex(pub usize);

/// Where a reference was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Referrer {
    Passage(PassageIndex),
    EvalCase(EvalCaseIndex),
}

/// A reference whose ID the spec does not define, or that several features define and the
/// referring file's scope does not decide.
#[derive(Clone, Debug)]
pub struct UnresolvedReference {
    pub referrer: Referrer,
    pub reference: Reference,
    /// The requirements an ambiguous short form could mean; empty for an unknown ID.
    pub candidates: Vec<RequirementIndex>,
}

/// What the run knows about one input file. Counts are of what is written in the file itself,
/// wherever it was read from.
#[derive(Clone, Debug)]
pub struct FileSummary {
    pub file: FileId,
    pub role: Role,
    pub format: Format,
    /// The file whose reference made speclint read this one (a promptfoo config).
    pub read_through: Option<FileId>,
    pub requirements: usize,
    pub passages: usize,
    pub eval_cases: usize,
    /// How many times promptfoo runs those cases (scenario configs, repeated loads).
    pub eval_runs: usize,
}

/// A candidate file speclint did not read, and why (for `--list`).
#[derive(Clone, Debug)]
pub struct SkippedFile {
    pub file: FileId,
    pub reason: String,
}

#[derive(Default)]
pub struct Graph {
    pub db: SourceDb,
    pub files: Vec<FileSummary>,
    /// Candidate files that were not read, in path order.
    pub skipped: Vec<SkippedFile>,
    /// The files that more than one file reads through a reference, by ID: what they hold comes
    /// from several files' loaders (see [`patch`]).
    pub read_by_several: Vec<FileId>,
    /// In file order, then in order of definition.
    pub requirements: Vec<Requirement>,
    pub passages: Vec<PromptPassageDef>,
    pub eval_cases: Vec<std::sync::Arc<EvalCaseDef>>,
    /// Problems the loaders met.
    pub problems: Vec<Problem>,
    /// Every ID with its definitions, first one first. Keys and values are kept inline
    /// (IDs are short, and almost every ID has one definition), so that looking up a
    /// reference touches one bucket instead of following pointers to a key and a list: at
    /// 40,000 requirements the table no longer fits a core's cache, and each pointer
    /// followed was a cache miss per reference.
    pub(crate) definitions_by_id: HashMap<CompactString, RequirementIndices>,
    /// Short forms of scoped IDs (`R1.2` and `1.2` for `feature/R1.2`), each with every
    /// requirement it could mean.
    pub(crate) aliases: HashMap<CompactString, RequirementIndices>,
    /// `[NEEDS CLARIFICATION: …]` markers left in specs.
    pub clarifications: Vec<Clarification>,
    /// Model settings of prompt files and eval configs.
    pub model_settings: Vec<crate::source::model::ModelSettingsDef>,
    /// Per file: the positions in `model_settings` of the settings that apply to it.
    pub(crate) model_settings_by_file: HashMap<FileId, Vec<usize>>,
    /// Per requirement (by index): the passages and eval cases that reference it.
    pub(crate) passages_by_requirement: Vec<Vec<PassageIndex>>,
    pub(crate) eval_cases_by_requirement: Vec<Vec<EvalCaseIndex>>,
    /// Whether any passage, and any eval case, references a requirement: asked once per
    /// requirement by some rules, so computed once when the graph is built.
    pub(crate) any_prompt_link: bool,
    pub(crate) any_eval_link: bool,
    pub unresolved: Vec<UnresolvedReference>,
    /// `speclint.lock`, when there is one.
    pub lock: Option<crate::lockfile::LockFile>,
}

impl Graph {
    pub fn requirement_indices(&self) -> impl Iterator<Item = RequirementIndex> + use<> {
        (0..self.requirements.len()).map(RequirementIndex)
    }

    /// Every definition of `id`, first one first.
    pub fn definitions(&self, id: &str) -> &[RequirementIndex] {
        self.definitions_by_id
            .get(id)
            .map_or(&[], RequirementIndices::as_slice)
    }

    /// The definition references to `id` resolve to: the first one, or the one requirement a
    /// short form (`R1.2`) stands for.
    pub fn lookup(&self, id: &str) -> Option<RequirementIndex> {
        if let Some(&first) = self.definitions(id).first() {
            return Some(first);
        }
        match self.aliases.get(id).map(RequirementIndices::as_slice) {
            Some([only]) => return Some(*only),
            Some(_) => return None,
            None => {}
        }
        // `001-voice/FR-001` where only one feature defines `FR-001`, so the graph keeps it
        // unqualified.
        let (feature, local) = id.rsplit_once('/')?;
        self.definitions(local)
            .iter()
            .copied()
            .find(|&index| self[index].feature.as_deref() == Some(feature))
    }

    /// The requirements a short form could mean, when it is ambiguous.
    pub fn alias_candidates(&self, id: &str) -> &[RequirementIndex] {
        self.aliases
            .get(id)
            .map_or(&[], RequirementIndices::as_slice)
    }

    pub fn defined_ids(&self) -> impl Iterator<Item = &str> {
        self.definitions_by_id.keys().map(CompactString::as_str)
    }

    /// Every requirement with its index, in path order.
    pub fn indexed_requirements(&self) -> impl Iterator<Item = (RequirementIndex, &Requirement)> {
        self.requirements
            .iter()
            .enumerate()
            .map(|(index, requirement)| (RequirementIndex(index), requirement))
    }

    /// The prompt passages that reference a requirement.
    pub fn linked_passages(
        &self,
        requirement: RequirementIndex,
    ) -> impl Iterator<Item = &PromptPassageDef> {
        self.passages_for(requirement)
            .iter()
            .map(|&passage| &self[passage])
    }

    /// The eval cases that reference a requirement.
    pub fn linked_eval_cases(
        &self,
        requirement: RequirementIndex,
    ) -> impl Iterator<Item = &EvalCaseDef> {
        self.eval_cases_for(requirement)
            .iter()
            .map(|&case| &self[case])
    }

    /// The positions in [`Graph::model_settings`] of the settings that apply to `file`.
    pub fn model_settings_of(&self, file: FileId) -> &[usize] {
        self.model_settings_by_file
            .get(&file)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether any prompt passage references any requirement.
    pub fn has_prompt_links(&self) -> bool {
        self.any_prompt_link
    }

    /// Whether any eval case references any requirement.
    pub fn has_eval_links(&self) -> bool {
        self.any_eval_link
    }

    /// Every current link between an artifact file and a requirement, with the fingerprint of
    /// the requirement's text: what `speclint.lock` records.
    pub fn current_links(&self) -> Links {
        let mut links = Links::new();
        for (index, requirement) in self.indexed_requirements() {
            let print = fingerprint(&requirement.def.text);
            let passage_files = self.linked_passages(index).map(|passage| passage.span.file);
            let case_files = self.linked_eval_cases(index).map(|case| case.span.file);
            for file in passage_files.chain(case_files) {
                links
                    .entry(self.db.path(file).to_owned())
                    .or_default()
                    .insert(requirement.def.id.clone(), print.clone());
            }
        }
        links
    }
}

// The graph hands out only indices it made itself, into vectors it never shrinks, so indexing
// with them cannot fail; a bug that broke this should panic loudly rather than drop findings.
#[allow(clippy::indexing_slicing)]
mod indexing {
    use std::ops::Index;

    use super::{
        EvalCaseDef, EvalCaseIndex, Graph, PassageIndex, PromptPassageDef, Requirement,
        RequirementIndex,
    };

    impl Index<RequirementIndex> for Graph {
        type Output = Requirement;
        fn index(&self, index: RequirementIndex) -> &Requirement {
            &self.requirements[index.0]
        }
    }

    impl Index<PassageIndex> for Graph {
        type Output = PromptPassageDef;
        fn index(&self, index: PassageIndex) -> &PromptPassageDef {
            &self.passages[index.0]
        }
    }

    impl Index<EvalCaseIndex> for Graph {
        type Output = EvalCaseDef;
        fn index(&self, index: EvalCaseIndex) -> &EvalCaseDef {
            &self.eval_cases[index.0]
        }
    }

    impl Graph {
        /// The passages that reference a requirement.
        pub fn passages_for(&self, requirement: RequirementIndex) -> &[PassageIndex] {
            &self.passages_by_requirement[requirement.0]
        }

        /// The eval cases that reference a requirement.
        pub fn eval_cases_for(&self, requirement: RequirementIndex) -> &[EvalCaseIndex] {
            &self.eval_cases_by_requirement[requirement.0]
        }
    }
}

//! The requirements graph: every requirement, prompt passage and eval case of a run, and the
//! links between them. It is built once by [`build`] and never changed afterwards.

use std::collections::HashMap;

use crate::source::file::{FileId, SourceDb};
use crate::source::model::{
    Clarification, EvalCaseDef, Needs, Problem, PromptPassageDef, Reference, RequirementDef,
};
use crate::source::{Format, Role};

pub mod build;

/// A requirement with the coverage it needs, resolved from its definition and the config.
#[derive(Debug)]
pub struct Requirement {
    pub def: RequirementDef,
    pub needs: Needs,
}

/// Index into [`Graph::requirements`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequirementIndex(pub usize);

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

/// A reference whose ID the spec does not define.
#[derive(Clone, Debug)]
pub struct UnresolvedReference {
    pub referrer: Referrer,
    pub reference: Reference,
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
}

#[derive(Default)]
pub struct Graph {
    pub db: SourceDb,
    pub files: Vec<FileSummary>,
    /// In file order, then in order of definition.
    pub requirements: Vec<Requirement>,
    pub passages: Vec<PromptPassageDef>,
    pub eval_cases: Vec<EvalCaseDef>,
    /// Problems the loaders met.
    pub problems: Vec<Problem>,
    pub(crate) definitions_by_id: HashMap<String, Vec<RequirementIndex>>,
    /// Short forms of scoped IDs (`R1.2` and `1.2` for `feature/R1.2`), each with every
    /// requirement it could mean.
    pub(crate) aliases: HashMap<String, Vec<RequirementIndex>>,
    /// `[NEEDS CLARIFICATION: …]` markers left in specs.
    pub clarifications: Vec<Clarification>,
    /// Per requirement (by index): the passages and eval cases that reference it.
    pub(crate) passages_by_requirement: Vec<Vec<PassageIndex>>,
    pub(crate) eval_cases_by_requirement: Vec<Vec<EvalCaseIndex>>,
    pub unresolved: Vec<UnresolvedReference>,
    /// `speclint.lock`, when there is one.
    pub lock: Option<crate::lock::LockFile>,
}

impl Graph {
    pub fn requirement(&self, index: RequirementIndex) -> Option<&Requirement> {
        self.requirements.get(index.0)
    }

    pub fn requirement_indices(&self) -> impl Iterator<Item = RequirementIndex> + '_ {
        (0..self.requirements.len()).map(RequirementIndex)
    }

    /// Every definition of `id`, first one first.
    pub fn definitions(&self, id: &str) -> &[RequirementIndex] {
        self.definitions_by_id.get(id).map_or(&[], Vec::as_slice)
    }

    /// The definition references to `id` resolve to: the first one, or the one requirement a
    /// short form (`R1.2`) stands for.
    pub fn lookup(&self, id: &str) -> Option<RequirementIndex> {
        if let Some(&first) = self.definitions(id).first() {
            return Some(first);
        }
        match self.aliases.get(id).map(Vec::as_slice) {
            Some([only]) => Some(*only),
            _ => None,
        }
    }

    /// The requirements a short form could mean, when it is ambiguous.
    pub fn alias_candidates(&self, id: &str) -> &[RequirementIndex] {
        self.aliases.get(id).map_or(&[], Vec::as_slice)
    }

    pub fn defined_ids(&self) -> impl Iterator<Item = &str> {
        self.definitions_by_id.keys().map(String::as_str)
    }

    pub fn passages_for(&self, requirement: RequirementIndex) -> &[PassageIndex] {
        self.passages_by_requirement
            .get(requirement.0)
            .map_or(&[], Vec::as_slice)
    }

    pub fn eval_cases_for(&self, requirement: RequirementIndex) -> &[EvalCaseIndex] {
        self.eval_cases_by_requirement
            .get(requirement.0)
            .map_or(&[], Vec::as_slice)
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
            .filter_map(|&passage| self.passage(passage))
    }

    /// The eval cases that reference a requirement.
    pub fn linked_eval_cases(
        &self,
        requirement: RequirementIndex,
    ) -> impl Iterator<Item = &EvalCaseDef> {
        self.eval_cases_for(requirement)
            .iter()
            .filter_map(|&case| self.eval_case(case))
    }

    pub fn passage(&self, index: PassageIndex) -> Option<&PromptPassageDef> {
        self.passages.get(index.0)
    }

    pub fn eval_case(&self, index: EvalCaseIndex) -> Option<&EvalCaseDef> {
        self.eval_cases.get(index.0)
    }
}

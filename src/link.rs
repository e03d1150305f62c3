//! `speclint link`: for every requirement that no prompt references, the untagged prompt
//! passage most likely to implement it; for every requirement that no eval case tests, the
//! untagged eval case most likely to test it. Each suggestion has a confidence (the share of
//! the requirement's weighted words the passage or case holds, BM25-style IDF over stemmed
//! content words, see `facts::similarity`), and there is none where nothing fits: a UI or
//! latency requirement often has no prompt passage, and abstaining is the right answer.
//!
//! `--write` writes the suggestions into the files (`link_write`).

use crate::facts::similarity::SimilarityIndex;
use crate::graph::{Graph, RequirementIndex};
use crate::source::model::Status;
use crate::source_db::Span;

/// What a suggestion would link a requirement to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkKind {
    Prompt,
    Eval,
}

impl LinkKind {
    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Prompt => "prompt",
            LinkKind::Eval => "eval",
        }
    }
}

/// One suggested link.
#[derive(Clone, Debug)]
pub struct Suggestion {
    /// The requirement's ID as every output shows it (qualified when several features define
    /// it).
    pub requirement: String,
    pub requirement_span: Span,
    pub kind: LinkKind,
    /// The passage or eval case.
    pub span: Span,
    pub confidence: f64,
    pub reason: String,
}

/// Which suggestions to make.
#[derive(Clone, Debug)]
pub struct LinkOptions {
    /// Suggestions below this confidence are left out.
    pub min_confidence: f64,
    /// Only this requirement's suggestions.
    pub requirement: Option<String>,
}

impl Default for LinkOptions {
    fn default() -> LinkOptions {
        LinkOptions {
            min_confidence: DEFAULT_MIN_CONFIDENCE,
            requirement: None,
        }
    }
}

/// The confidence below which a suggestion is not made by default.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.35;

/// The untagged passages and eval cases of a graph, indexed by their words: what every
/// suggestion is drawn from. `speclint link`, the hints of `requirement-missing-from-prompt` and
/// `requirement-untested`, and the language server's code actions all use it, so they agree.
pub struct Linker {
    passages: Vec<usize>,
    passage_index: SimilarityIndex,
    cases: Vec<usize>,
    case_index: SimilarityIndex,
}

impl Linker {
    pub fn new(graph: &Graph) -> Linker {
        let passages: Vec<usize> = graph
            .passages
            .iter()
            .enumerate()
            .filter(|(_, passage)| passage.references.is_empty() && !passage.text.trim().is_empty())
            .map(|(index, _)| index)
            .collect();
        let passage_index = SimilarityIndex::new(
            passages
                .iter()
                .filter_map(|&index| graph.passages.get(index))
                .map(|passage| passage.text.as_str()),
        );
        let cases: Vec<usize> = graph
            .eval_cases
            .iter()
            .enumerate()
            .filter(|(_, case)| case.references.is_empty())
            .map(|(index, _)| index)
            .collect();
        let case_texts: Vec<String> = cases
            .iter()
            .filter_map(|&index| graph.eval_cases.get(index))
            .map(|case| {
                // What the case gives the model says what it tests as much as its checks do.
                let mut text = case.label.clone();
                text.push(' ');
                text.push_str(&case.inputs);
                for assertion in &case.assertions {
                    text.push(' ');
                    text.push_str(&assertion.value);
                }
                text
            })
            .collect();
        let case_index = SimilarityIndex::new(case_texts.iter().map(String::as_str));
        Linker {
            passages,
            passage_index,
            cases,
            case_index,
        }
    }

    /// The best untagged passage (`Prompt`) or eval case (`Eval`) for a requirement, at or
    /// above `min_confidence`.
    pub fn best(
        &self,
        graph: &Graph,
        requirement: RequirementIndex,
        kind: LinkKind,
        min_confidence: f64,
    ) -> Option<Suggestion> {
        let requirement = &graph[requirement];
        let text = &requirement.def.text;
        let (found, span, reason) = match kind {
            LinkKind::Prompt => {
                let found = self.passage_index.best_match(text, 2, min_confidence)?;
                let passage = self
                    .passages
                    .get(found.document)
                    .and_then(|&passage| graph.passages.get(passage))?;
                let reason = format!(
                    "shares {} distinctive words with the requirement",
                    found.shared_terms
                );
                (found, passage.span, reason)
            }
            LinkKind::Eval => {
                let found = self.case_index.best_match(text, 2, min_confidence)?;
                let case = self
                    .cases
                    .get(found.document)
                    .and_then(|&case| graph.eval_cases.get(case))?;
                let reason = format!(
                    "its description, inputs and assertions share {} distinctive words with the requirement",
                    found.shared_terms
                );
                (found, case.span, reason)
            }
        };
        Some(Suggestion {
            requirement: requirement.def.id.clone(),
            requirement_span: requirement.def.id_span,
            kind,
            span,
            confidence: found.score,
            reason,
        })
    }
}

/// Suggestions for every requirement without a prompt link or an eval link, in requirement
/// order, prompt before eval.
pub fn suggest(graph: &Graph, options: &LinkOptions) -> Vec<Suggestion> {
    let linker = Linker::new(graph);
    let mut suggestions = Vec::new();
    for (index, requirement) in graph.indexed_requirements() {
        if requirement.def.status != Status::Active {
            continue;
        }
        if let Some(only) = &options.requirement
            && *only != requirement.def.id
            && graph.lookup(only) != Some(index)
        {
            continue;
        }
        if requirement.needs.prompt
            && graph.passages_for(index).is_empty()
            && let Some(found) = linker.best(graph, index, LinkKind::Prompt, options.min_confidence)
        {
            suggestions.push(found);
        }
        if requirement.needs.eval
            && graph.eval_cases_for(index).is_empty()
            && let Some(found) = linker.best(graph, index, LinkKind::Eval, options.min_confidence)
        {
            suggestions.push(found);
        }
    }
    suggestions
}

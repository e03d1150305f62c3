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
    passage_texts: Vec<String>,
    cases: Vec<usize>,
    case_index: SimilarityIndex,
    case_texts: Vec<String>,
    /// Active requirements, indexed by their words: a weaker match counts when the passage
    /// or case also picks the requirement as its own best match.
    requirements: Vec<RequirementIndex>,
    requirement_index: SimilarityIndex,
}

/// The confidence a match needs when it is mutual (the requirement's best passage, whose best
/// requirement is this one) and clearly ahead of the runner-up.
const MUTUAL_MIN_CONFIDENCE: f64 = 0.15;

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
        let passage_texts: Vec<String> = passages
            .iter()
            .filter_map(|&index| graph.passages.get(index))
            .map(|passage| passage.text.clone())
            .collect();
        let requirements: Vec<RequirementIndex> = graph
            .indexed_requirements()
            .filter(|(_, requirement)| requirement.def.status == Status::Active)
            .map(|(index, _)| index)
            .collect();
        let requirement_index = SimilarityIndex::new(
            requirements
                .iter()
                .map(|&index| graph[index].def.text.as_str()),
        );
        Linker {
            passages,
            passage_index,
            passage_texts,
            cases,
            case_index,
            case_texts,
            requirements,
            requirement_index,
        }
    }

    /// The best document for `text` in `index`: at or above `min_confidence`, or, below it but
    /// at or above the mutual threshold, when the document's own best requirement is
    /// `requirement` and the runner-up is well behind.
    fn pick(
        &self,
        index: &SimilarityIndex,
        documents: &[String],
        requirement: RequirementIndex,
        text: &str,
        min_confidence: f64,
    ) -> Option<crate::facts::similarity::Match> {
        let ranked = index.ranked(text, 2, MUTUAL_MIN_CONFIDENCE.min(min_confidence));
        let mut best = ranked.first()?.clone();
        if best.score >= min_confidence {
            return Some(best);
        }
        // A mutual match clearly ahead is as credible as the default threshold, and is given
        // that confidence: a stricter `--min-confidence` leaves it out.
        if min_confidence > DEFAULT_MIN_CONFIDENCE {
            return None;
        }
        best.score = DEFAULT_MIN_CONFIDENCE;
        let runner_up_ok = ranked.first().is_some_and(|first| {
            ranked
                .get(1)
                .is_none_or(|second| first.score >= second.score * 1.5)
        });
        let document = documents.get(best.document)?;
        let own_best = self.requirement_index.best_match(document, 2, 0.0)?;
        (runner_up_ok && self.requirements.get(own_best.document) == Some(&requirement))
            .then_some(best)
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
        let requirement_index = requirement;
        let requirement = &graph[requirement];
        let text = &requirement.def.text;
        let (found, span, reason) = match kind {
            LinkKind::Prompt => {
                let found = self.pick(
                    &self.passage_index,
                    &self.passage_texts,
                    requirement_index,
                    text,
                    min_confidence,
                )?;
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
                let found = self.pick(
                    &self.case_index,
                    &self.case_texts,
                    requirement_index,
                    text,
                    min_confidence,
                )?;
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

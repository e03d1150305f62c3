//! `speclint link`: for every requirement that no prompt references, the untagged prompt
//! passage most likely to implement it; for every requirement that no eval case tests, the
//! untagged eval case most likely to test it. Each suggestion has a confidence (the share of
//! the requirement's weighted words the passage or case holds, BM25-style IDF over stemmed
//! content words, see `facts::similarity`), and there is none where nothing fits: a UI or
//! latency requirement often has no prompt passage, and abstaining is the right answer.
//!
//! `--write` writes the suggestions into the files (`link_write`).

use crate::facts::similarity::SimilarityIndex;
use crate::graph::Graph;
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

/// Suggestions for every requirement without a prompt link or an eval link, in requirement
/// order, prompt before eval.
pub fn suggest(graph: &Graph, options: &LinkOptions) -> Vec<Suggestion> {
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
        let text = &requirement.def.text;
        if requirement.needs.prompt
            && graph.passages_for(index).is_empty()
            && let Some(found) = passage_index.best_match(text, 2, options.min_confidence)
            && let Some(passage) = passages
                .get(found.document)
                .and_then(|&passage| graph.passages.get(passage))
        {
            suggestions.push(Suggestion {
                requirement: requirement.def.id.clone(),
                requirement_span: requirement.def.id_span,
                kind: LinkKind::Prompt,
                span: passage.span,
                confidence: found.score,
                reason: format!(
                    "shares {} distinctive words with the requirement",
                    found.shared_terms
                ),
            });
        }
        if requirement.needs.eval
            && graph.eval_cases_for(index).is_empty()
            && let Some(found) = case_index.best_match(text, 2, options.min_confidence)
            && let Some(case) = cases
                .get(found.document)
                .and_then(|&case| graph.eval_cases.get(case))
        {
            suggestions.push(Suggestion {
                requirement: requirement.def.id.clone(),
                requirement_span: requirement.def.id_span,
                kind: LinkKind::Eval,
                span: case.span,
                confidence: found.score,
                reason: format!(
                    "its description, inputs and assertions share {} distinctive words with the requirement",
                    found.shared_terms
                ),
            });
        }
    }
    suggestions
}

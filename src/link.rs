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
    /// Built on first use, so that a rule asking only about prompts never indexes eval
    /// cases (there may be 100,000 of them).
    prompts: std::sync::OnceLock<Pool>,
    evals: std::sync::OnceLock<Pool>,
    /// Active requirements, indexed by their words: a weaker match counts when the passage
    /// or case also picks the requirement as its own best match.
    requirements: std::sync::OnceLock<std::sync::Arc<RequirementPool>>,
    /// A pool built by an earlier run (the language server's), used when it was built from
    /// the same requirements.
    kept_requirements: Option<std::sync::Arc<RequirementPool>>,
}

/// Active requirements indexed by their words, with a print of what it was built from: each
/// active requirement's place and text. Indexing 10,000 requirements costs tens of
/// milliseconds, and in an editor they rarely change between two keystrokes.
pub struct RequirementPool {
    print: u128,
    requirements: Vec<RequirementIndex>,
    index: SimilarityIndex,
}

impl RequirementPool {
    fn active(graph: &Graph) -> Vec<RequirementIndex> {
        graph
            .indexed_requirements()
            .filter(|(_, requirement)| requirement.def.status == Status::Active)
            .map(|(index, _)| index)
            .collect()
    }

    fn print_of(graph: &Graph, requirements: &[RequirementIndex]) -> u128 {
        use std::hash::Hasher;
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for &index in requirements {
            hasher.write_usize(index.0);
            hasher.write(graph[index].def.text.as_bytes());
            hasher.write_u8(0);
        }
        hasher.digest128()
    }
}

impl Default for Linker {
    fn default() -> Linker {
        Linker::new()
    }
}

/// Untagged passages or eval cases: their graph indices, texts and index.
struct Pool {
    members: Vec<usize>,
    texts: Vec<String>,
    index: SimilarityIndex,
}

/// The confidence a match needs when it is mutual (the requirement's best passage, whose best
/// requirement is this one) and clearly ahead of the runner-up.
const MUTUAL_MIN_CONFIDENCE: f64 = 0.15;

impl Linker {
    pub fn new() -> Linker {
        Linker {
            prompts: std::sync::OnceLock::new(),
            evals: std::sync::OnceLock::new(),
            requirements: std::sync::OnceLock::new(),
            kept_requirements: None,
        }
    }

    /// A linker that reuses `kept` (a requirement pool an earlier run built) if it was built
    /// from the same requirements as this run's graph.
    pub fn with_kept_requirements(kept: Option<std::sync::Arc<RequirementPool>>) -> Linker {
        Linker {
            kept_requirements: kept,
            ..Linker::new()
        }
    }

    /// The requirement pool, when this run built or reused one: for the next run.
    pub fn requirement_pool_in_use(&self) -> Option<std::sync::Arc<RequirementPool>> {
        self.requirements.get().cloned()
    }

    fn prompts(&self, graph: &Graph) -> &Pool {
        self.prompts.get_or_init(|| {
            let members: Vec<usize> = graph
                .passages
                .iter()
                .enumerate()
                .filter(|(_, passage)| {
                    passage.references.is_empty() && !passage.text.trim().is_empty()
                })
                .map(|(index, _)| index)
                .collect();
            let texts: Vec<String> = members
                .iter()
                .filter_map(|&index| graph.passages.get(index))
                .map(|passage| passage.text.clone())
                .collect();
            let index = SimilarityIndex::new(texts.iter().map(String::as_str));
            Pool {
                members,
                texts,
                index,
            }
        })
    }

    fn evals(&self, graph: &Graph) -> &Pool {
        self.evals.get_or_init(|| {
            let members: Vec<usize> = graph
                .eval_cases
                .iter()
                .enumerate()
                .filter(|(_, case)| case.references.is_empty())
                .map(|(index, _)| index)
                .collect();
            let texts: Vec<String> = members
                .iter()
                .filter_map(|&index| graph.eval_cases.get(index))
                .map(|case| {
                    // What the case gives the model says what it tests as much as its checks do.
                    let mut text = case.label.to_string();
                    text.push(' ');
                    text.push_str(&case.inputs);
                    for assertion in &case.assertions {
                        text.push(' ');
                        text.push_str(&assertion.value);
                    }
                    text
                })
                .collect();
            let index = SimilarityIndex::new(texts.iter().map(String::as_str));
            Pool {
                members,
                texts,
                index,
            }
        })
    }

    /// The active requirements of `graph`, indexed: the kept pool when it was built from the
    /// same requirements (place and text of each active one), a new one otherwise.
    pub fn requirement_pool(&self, graph: &Graph) -> &std::sync::Arc<RequirementPool> {
        self.requirements.get_or_init(|| {
            let requirements = RequirementPool::active(graph);
            let print = RequirementPool::print_of(graph, &requirements);
            if let Some(kept) = &self.kept_requirements
                && kept.print == print
            {
                return std::sync::Arc::clone(kept);
            }
            let index = SimilarityIndex::new(
                requirements
                    .iter()
                    .map(|&index| graph[index].def.text.as_str()),
            );
            std::sync::Arc::new(RequirementPool {
                print,
                requirements,
                index,
            })
        })
    }

    /// The best member of `pool` for `text`: at or above `min_confidence`, or, below it but
    /// at or above the mutual threshold, when the member's own best requirement is
    /// `requirement` and the runner-up is well behind.
    fn pick(
        &self,
        graph: &Graph,
        pool: &Pool,
        requirement: RequirementIndex,
        text: &str,
        min_confidence: f64,
    ) -> Option<crate::facts::similarity::Match> {
        let ranked = pool
            .index
            .ranked(text, 2, MUTUAL_MIN_CONFIDENCE.min(min_confidence));
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
        if !runner_up_ok {
            return None;
        }
        let document = pool.texts.get(best.document)?;
        let pool = self.requirement_pool(graph);
        let own_best = pool.index.best_match(document, 2, 0.0)?;
        (pool.requirements.get(own_best.document) == Some(&requirement)).then_some(best)
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
        let (pool, what) = match kind {
            LinkKind::Prompt => (self.prompts(graph), "shares"),
            LinkKind::Eval => (
                self.evals(graph),
                "its description, inputs and assertions share",
            ),
        };
        let found = self.pick(graph, pool, requirement_index, text, min_confidence)?;
        let member = *pool.members.get(found.document)?;
        let span = match kind {
            LinkKind::Prompt => graph.passages.get(member)?.span,
            LinkKind::Eval => graph.eval_cases.get(member)?.span,
        };
        let reason = format!(
            "{what} {} distinctive words with the requirement",
            found.shared_terms
        );
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
    let linker = Linker::new();
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

//! Lowers what the loaders read into the immutable [`Graph`]. References to unknown IDs are kept
//! as data for the rules, not dropped.

use std::collections::HashMap;

use crate::graph::{
    EvalCaseIndex, FileSummary, Graph, PassageIndex, Referrer, Requirement, RequirementIndex,
    SkippedFile, UnresolvedReference,
};
use crate::settings::Settings;
use crate::source::LoadedProject;
use crate::source::model::{Reference, ReferenceKind};
use crate::source_db::Span;

pub fn build(project: LoadedProject, settings: &Settings) -> Graph {
    let mut graph = Graph {
        db: project.db,
        lock: project.lock,
        problems: project.problems,
        ..Graph::default()
    };
    let mut extractions = Vec::new();
    for loaded in project.files {
        if let Some(reason) = loaded.skipped {
            graph.skipped.push(SkippedFile {
                file: loaded.id,
                reason,
            });
            continue;
        }
        graph.files.push(FileSummary {
            file: loaded.id,
            role: loaded.role,
            format: loaded.format,
            read_through: loaded.claimed_by,
            requirements: 0,
            passages: 0,
            eval_cases: 0,
        });
        extractions.push(loaded.extraction);
    }
    for extraction in extractions {
        for def in extraction.requirements {
            let needs = def.needs.unwrap_or(settings.default_needs);
            graph.requirements.push(Requirement { def, needs });
        }
        graph.passages.extend(extraction.passages);
        graph.eval_cases.extend(extraction.eval_cases);
        graph.clarifications.extend(extraction.clarifications);
        graph.problems.extend(extraction.problems);
    }
    // Order by where things are written, so that "first definition" means first in path order
    // whichever loader read it.
    let path_of = |span: crate::source_db::Span| (graph.db.path(span.file).to_owned(), span.start);
    graph
        .requirements
        .sort_by_cached_key(|requirement| path_of(requirement.def.id_span));
    graph
        .passages
        .sort_by_cached_key(|passage| path_of(passage.span));
    graph
        .eval_cases
        .sort_by_cached_key(|case| path_of(case.span));
    // A file read through two references (a test file named and also matched by a glob, or
    // shared by two configs) yields the same cases twice: keep one, with every reference.
    merge_same_span(&mut graph.eval_cases, |case| {
        (case.span, &mut case.references)
    });
    merge_same_span(&mut graph.passages, |passage| {
        (passage.span, &mut passage.references)
    });
    count_per_file(&mut graph);

    let mut definitions_by_id: HashMap<String, Vec<RequirementIndex>> = HashMap::new();
    for (index, requirement) in graph.requirements.iter().enumerate() {
        definitions_by_id
            .entry(requirement.def.id.clone())
            .or_default()
            .push(RequirementIndex(index));
    }
    graph.definitions_by_id = definitions_by_id;
    graph.aliases = scoped_aliases(&graph);

    let count = graph.requirements.len();
    let mut passages_by_requirement = vec![Vec::new(); count];
    let mut eval_cases_by_requirement = vec![Vec::new(); count];
    let mut unresolved = Vec::new();
    for (index, passage) in graph.passages.iter().enumerate() {
        let referrer = Referrer::Passage(PassageIndex(index));
        for target in resolve(&graph, referrer, &passage.references, &mut unresolved) {
            push_unique(&mut passages_by_requirement, target, PassageIndex(index));
        }
    }
    for (index, case) in graph.eval_cases.iter().enumerate() {
        let referrer = Referrer::EvalCase(EvalCaseIndex(index));
        for target in resolve(&graph, referrer, &case.references, &mut unresolved) {
            push_unique(&mut eval_cases_by_requirement, target, EvalCaseIndex(index));
        }
    }
    graph.passages_by_requirement = passages_by_requirement;
    graph.eval_cases_by_requirement = eval_cases_by_requirement;
    graph.unresolved = unresolved;
    graph
}

fn resolve(
    graph: &Graph,
    referrer: Referrer,
    references: &[Reference],
    unresolved: &mut Vec<UnresolvedReference>,
) -> Vec<RequirementIndex> {
    let mut targets = Vec::new();
    for reference in references {
        match graph.lookup(&reference.id) {
            Some(target) => targets.push(target),
            None if reference.kind != ReferenceKind::Mention => {
                unresolved.push(UnresolvedReference {
                    referrer,
                    reference: reference.clone(),
                });
            }
            None => {}
        }
    }
    targets
}

fn push_unique<T: PartialEq + Copy>(lists: &mut [Vec<T>], target: RequirementIndex, item: T) {
    if let Some(list) = lists.get_mut(target.0)
        && list.last() != Some(&item)
    {
        list.push(item);
    }
}

/// Counts what each file holds, by where it is written.
fn count_per_file(graph: &mut Graph) {
    let mut counts: HashMap<crate::source_db::FileId, (usize, usize, usize)> = HashMap::new();
    for requirement in &graph.requirements {
        counts.entry(requirement.def.id_span.file).or_default().0 += 1;
    }
    for passage in &graph.passages {
        counts.entry(passage.span.file).or_default().1 += 1;
    }
    for case in &graph.eval_cases {
        counts.entry(case.span.file).or_default().2 += 1;
    }
    for summary in &mut graph.files {
        let (requirements, passages, eval_cases) =
            counts.get(&summary.file).copied().unwrap_or_default();
        summary.requirements = requirements;
        summary.passages = passages;
        summary.eval_cases = eval_cases;
    }
}

/// `R1.2`, `1.2` and `feature/1.2` for every Kiro criterion `feature/R1.2`.
fn scoped_aliases(graph: &Graph) -> HashMap<String, Vec<RequirementIndex>> {
    let mut aliases: HashMap<String, Vec<RequirementIndex>> = HashMap::new();
    for (index, requirement) in graph.requirements.iter().enumerate() {
        let Some((feature, local)) = requirement.def.id.rsplit_once('/') else {
            continue;
        };
        let Some(number) = local.strip_prefix('R') else {
            continue;
        };
        for alias in [
            local.to_owned(),
            number.to_owned(),
            format!("{feature}/{number}"),
        ] {
            let targets = aliases.entry(alias).or_default();
            if !targets.contains(&RequirementIndex(index)) {
                targets.push(RequirementIndex(index));
            }
        }
    }
    aliases
}

/// Merges neighbours written at the same span (the list is sorted by span), keeping every
/// distinct reference.
fn merge_same_span<T>(items: &mut Vec<T>, parts: impl Fn(&mut T) -> (Span, &mut Vec<Reference>)) {
    items.dedup_by(|later, earlier| {
        let (later_span, later_references) = parts(later);
        let later_references = std::mem::take(later_references);
        let (earlier_span, earlier_references) = parts(earlier);
        if later_span != earlier_span {
            // Not a duplicate: put the references back.
            let (_, restore) = parts(later);
            *restore = later_references;
            return false;
        }
        for reference in later_references {
            let known = earlier_references
                .iter()
                .any(|existing| existing.id == reference.id && existing.span == reference.span);
            if !known {
                earlier_references.push(reference);
            }
        }
        true
    });
}

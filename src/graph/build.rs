//! Lowers what the loaders read into the immutable [`Graph`]. References to unknown IDs are kept
//! as data for the rules, not dropped.

use std::collections::HashMap;

use crate::config::Settings;
use crate::graph::{
    EvalCaseIndex, FileSummary, Graph, PassageIndex, Referrer, Requirement, RequirementIndex,
    UnresolvedReference,
};
use crate::source::LoadedProject;
use crate::source::model::{Reference, ReferenceKind};

pub fn build(project: LoadedProject, settings: &Settings) -> Graph {
    let mut graph = Graph {
        db: project.db,
        ..Graph::default()
    };
    for loaded in project.files {
        let extraction = loaded.extraction;
        graph.files.push(FileSummary {
            file: loaded.id,
            role: loaded.role,
            format: loaded.format,
            requirements: extraction.requirements.len(),
            passages: extraction.passages.len(),
            eval_cases: extraction.eval_cases.len(),
        });
        for def in extraction.requirements {
            let needs = def.needs.unwrap_or(settings.default_needs);
            graph.requirements.push(Requirement { def, needs });
        }
        graph.passages.extend(extraction.passages);
        graph.eval_cases.extend(extraction.eval_cases);
        graph.problems.extend(extraction.problems);
    }

    let mut definitions_by_id: HashMap<String, Vec<RequirementIndex>> = HashMap::new();
    for (index, requirement) in graph.requirements.iter().enumerate() {
        definitions_by_id
            .entry(requirement.def.id.clone())
            .or_default()
            .push(RequirementIndex(index));
    }
    graph.definitions_by_id = definitions_by_id;

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

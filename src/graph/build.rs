//! Lowers what the loaders read into the immutable [`Graph`]. References to unknown IDs are kept
//! as data for the rules, not dropped.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;

use crate::graph::{
    EvalCaseIndex, FileSummary, Graph, PassageIndex, Referrer, Requirement, RequirementIndex,
    SkippedFile, UnresolvedReference,
};
use crate::settings::Settings;
use crate::source::LoadedProject;
use crate::source::model::{EvalCaseDef, PromptPassageDef, Reference, ReferenceKind};
use crate::source_db::Span;

pub fn build(project: LoadedProject, settings: &Settings) -> Graph {
    let mut graph = Graph {
        db: project.db,
        lock: project.lock,
        problems: project.problems,
        read_by_several: project.read_by_several,
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
            eval_runs: 0,
        });
        extractions.push(loaded.extraction);
    }
    // Sized once: growing by doubling left a third of the requirements' room unused at
    // the peak of a check (10,000 requirements of a few hundred bytes each).
    let total = |count: fn(&crate::source::model::Extraction) -> usize| -> usize {
        extractions.iter().map(count).sum()
    };
    graph
        .requirements
        .reserve_exact(total(|extraction| extraction.requirements.len()));
    graph
        .passages
        .reserve_exact(total(|extraction| extraction.passages.len()));
    graph
        .eval_cases
        .reserve_exact(total(|extraction| extraction.eval_cases.len()));
    for extraction in extractions {
        for def in extraction.requirements {
            let needs = def.needs.unwrap_or(settings.default_needs);
            graph.requirements.push(Requirement {
                def,
                needs,
                feature: None,
            });
        }
        graph.passages.extend(extraction.passages);
        graph.eval_cases.extend(extraction.eval_cases);
        graph.clarifications.extend(extraction.clarifications);
        graph.model_settings.extend(extraction.model_settings);
        graph.problems.extend(extraction.problems);
    }
    // Order by where things are written, so that "first definition" means first in path order
    // whichever loader read it.
    // Files are ranked by path once, so that sorting compares two numbers, not two paths.
    let ranks = path_ranks(&graph.db);
    let rank_of = |span: Span| {
        let rank = usize::try_from(span.file.0)
            .ok()
            .and_then(|index| ranks.get(index))
            .copied()
            .unwrap_or(u32::MAX);
        (rank, span.start)
    };
    // Files arrive in path order and loaders emit in document order, so the lists are
    // usually sorted already: checking is one pass, sorting a hundred thousand cases is not.
    if !graph
        .requirements
        .is_sorted_by_key(|requirement| rank_of(requirement.def.id_span))
    {
        graph
            .requirements
            .sort_by_key(|requirement| rank_of(requirement.def.id_span));
    }
    if !graph
        .passages
        .is_sorted_by_key(|passage| rank_of(passage.span))
    {
        graph.passages.sort_by_key(|passage| rank_of(passage.span));
    }
    if !graph.eval_cases.is_sorted_by_key(|case| rank_of(case.span)) {
        graph.eval_cases.sort_by_key(|case| rank_of(case.span));
    }
    // A file read through two references (a test file named and also matched by a glob, or
    // shared by two configs) yields the same cases twice: keep one, with every reference.
    // promptfoo runs a test once per load of its file: the runs add up.
    merge_duplicate_eval_cases(&mut graph.eval_cases);
    merge_duplicate_passages(&mut graph.passages);
    count_per_file(&mut graph);
    for (position, settings) in graph.model_settings.iter().enumerate() {
        for file in &settings.files {
            let positions = graph.model_settings_by_file.entry(*file).or_default();
            if positions.last() != Some(&position) {
                positions.push(position);
            }
        }
    }

    qualify_ids_defined_by_several_features(&mut graph);
    let mut definitions_by_id: HashMap<String, Vec<RequirementIndex>> = HashMap::default();
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
    // References are resolved side by side, then linked in order, so that the graph is the
    // same whatever the thread count.
    let resolve_all = |referrer: Referrer, span: Span, references: &[Reference]| {
        let path = graph.db.path(span.file);
        let scope = Scope { settings, path };
        let mut unresolved = Vec::new();
        let targets = resolve(&graph, &scope, referrer, references, &mut unresolved);
        (targets, unresolved)
    };
    let passage_links: Vec<_> = graph
        .passages
        .par_iter()
        .enumerate()
        .map(|(index, passage)| {
            resolve_all(
                Referrer::Passage(PassageIndex(index)),
                passage.span,
                &passage.references,
            )
        })
        .collect();
    let case_links: Vec<_> = graph
        .eval_cases
        .par_iter()
        .enumerate()
        .map(|(index, case)| {
            resolve_all(
                Referrer::EvalCase(EvalCaseIndex(index)),
                case.span,
                &case.references,
            )
        })
        .collect();
    let mut unresolved = Vec::new();
    for (index, (targets, found)) in passage_links.into_iter().enumerate() {
        for target in targets {
            push_unique(&mut passages_by_requirement, target, PassageIndex(index));
        }
        unresolved.extend(found);
    }
    for (index, (targets, found)) in case_links.into_iter().enumerate() {
        for target in targets {
            push_unique(&mut eval_cases_by_requirement, target, EvalCaseIndex(index));
        }
        unresolved.extend(found);
    }
    graph.any_prompt_link = passages_by_requirement
        .iter()
        .any(|passages| !passages.is_empty());
    graph.any_eval_link = eval_cases_by_requirement
        .iter()
        .any(|cases| !cases.is_empty());
    graph.passages_by_requirement = passages_by_requirement;
    graph.eval_cases_by_requirement = eval_cases_by_requirement;
    graph.unresolved = unresolved;
    graph
}

pub(super) fn resolve(
    graph: &Graph,
    scope: &Scope<'_>,
    referrer: Referrer,
    references: &[Reference],
    unresolved: &mut Vec<UnresolvedReference>,
) -> Targets {
    let mut targets = Targets::new();
    for reference in references {
        if let Some(target) = graph.lookup(&reference.id) {
            targets.push(target);
            continue;
        }
        let candidates = graph.alias_candidates(&reference.id);
        // An ID that several features define resolves to the one whose scope the referring
        // file is in (its feature folder, or the paths speclint.toml maps to it).
        let in_scope: Vec<RequirementIndex> = candidates
            .iter()
            .copied()
            .filter(|&candidate| scope.contains(graph, candidate))
            .collect();
        if let [only] = in_scope.as_slice() {
            targets.push(*only);
            continue;
        }
        if reference.kind != ReferenceKind::Mention || candidates.len() > 1 {
            unresolved.push(UnresolvedReference {
                referrer,
                reference: reference.clone(),
                candidates: candidates.to_vec(),
            });
        }
    }
    targets
}

/// The requirements one passage or eval case references: almost always one or two, kept
/// inline so that resolving a hundred thousand eval cases allocates nothing for them.
pub(super) type Targets = smallvec::SmallVec<[RequirementIndex; 2]>;

/// The scope of one referring file: the features whose requirements it may reference without
/// qualification (those whose folder holds it, and those `[features]` in speclint.toml maps it
/// to).
pub(super) struct Scope<'a> {
    pub(super) settings: &'a Settings,
    pub(super) path: &'a str,
}

impl Scope<'_> {
    fn contains(&self, graph: &Graph, candidate: RequirementIndex) -> bool {
        let requirement = &graph[candidate];
        let spec_path = graph.db.path(requirement.def.id_span.file);
        let folder = spec_path.rsplit_once('/').map_or("", |(folder, _)| folder);
        let in_folder = self
            .path
            .strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'));
        if !folder.is_empty() && in_folder {
            return true;
        }
        let Some(feature) = requirement.feature.as_deref() else {
            return false;
        };
        self.settings
            .feature_paths
            .iter()
            .any(|(name, paths)| name == feature && paths.is_match(self.path))
    }
}

/// Gives requirements a feature (spec-kit `specs/NNN-name/`, Kiro `.kiro/specs/<name>/`, or the
/// `<feature>/` part of a Kiro ID), and qualifies as `<feature>/<ID>` every ID that more than
/// one feature defines, so that each feature keeps its own `FR-001`.
fn qualify_ids_defined_by_several_features(graph: &mut Graph) {
    for requirement in &mut graph.requirements {
        let path = graph.db.path(requirement.def.id_span.file);
        requirement.feature = match requirement.def.id.rsplit_once('/') {
            Some((feature, _)) => Some(feature.to_owned()),
            None => crate::source::layout::feature_of(path).map(|(name, _)| name),
        };
    }
    let mut features_by_id: HashMap<&str, Vec<&str>> = HashMap::default();
    for requirement in &graph.requirements {
        if let Some(feature) = &requirement.feature
            && !requirement.def.id.contains('/')
        {
            let features = features_by_id.entry(&requirement.def.id).or_default();
            if !features.contains(&feature.as_str()) {
                features.push(feature);
            }
        }
    }
    let shared: Vec<String> = features_by_id
        .into_iter()
        .filter(|(_, features)| features.len() > 1)
        .map(|(id, _)| id.to_owned())
        .collect();
    for requirement in &mut graph.requirements {
        if let Some(feature) = &requirement.feature
            && shared.contains(&requirement.def.id)
        {
            requirement.def.id = format!("{feature}/{}", requirement.def.id);
        }
    }
}

pub(super) fn push_unique<T: PartialEq + Copy>(
    lists: &mut [Vec<T>],
    target: RequirementIndex,
    item: T,
) {
    if let Some(list) = lists.get_mut(target.0)
        && list.last() != Some(&item)
    {
        list.push(item);
    }
}

/// Counts what each file holds, by where it is written.
/// Each file's place in path order, by file ID.
fn path_ranks(db: &crate::source_db::SourceDb) -> Vec<u32> {
    let mut by_path: Vec<(&str, usize)> = db
        .iter()
        .map(|(file, _)| (db.path(file), usize::try_from(file.0).unwrap_or(usize::MAX)))
        .collect();
    by_path.sort_unstable();
    let mut ranks = vec![u32::MAX; db.len()];
    for (rank, (_, index)) in by_path.into_iter().enumerate() {
        if let Some(slot) = ranks.get_mut(index) {
            *slot = u32::try_from(rank).unwrap_or(u32::MAX);
        }
    }
    ranks
}

fn count_per_file(graph: &mut Graph) {
    // Per file: requirements, passages, eval cases, promptfoo runs of those cases.
    let mut counts: HashMap<crate::source_db::FileId, [usize; 4]> = HashMap::default();
    for requirement in &graph.requirements {
        counts.entry(requirement.def.id_span.file).or_default()[0] += 1;
    }
    for passage in &graph.passages {
        counts.entry(passage.span.file).or_default()[1] += 1;
    }
    for case in &graph.eval_cases {
        let count = counts.entry(case.span.file).or_default();
        count[2] += 1;
        count[3] += case.runs as usize;
    }
    for summary in &mut graph.files {
        let [requirements, passages, eval_cases, eval_runs] =
            counts.get(&summary.file).copied().unwrap_or_default();
        summary.requirements = requirements;
        summary.passages = passages;
        summary.eval_cases = eval_cases;
        summary.eval_runs = eval_runs;
    }
}

/// Short forms of qualified IDs: `FR-001` for `001-voice/FR-001`, and `R1.2`, `1.2` and
/// `feature/1.2` for every Kiro criterion `feature/R1.2`.
fn scoped_aliases(graph: &Graph) -> HashMap<String, Vec<RequirementIndex>> {
    let mut aliases: HashMap<String, Vec<RequirementIndex>> = HashMap::default();
    for (index, requirement) in graph.requirements.iter().enumerate() {
        let Some((feature, local)) = requirement.def.id.rsplit_once('/') else {
            continue;
        };
        let mut forms = vec![local.to_owned()];
        if let Some(number) = local.strip_prefix('R')
            && number.starts_with(|character: char| character.is_ascii_digit())
        {
            forms.push(number.to_owned());
            forms.push(format!("{feature}/{number}"));
        }
        for alias in forms {
            let targets = aliases.entry(alias).or_default();
            if !targets.contains(&RequirementIndex(index)) {
                targets.push(RequirementIndex(index));
            }
        }
    }
    aliases
}

/// Merges eval cases written at the same span (a file loaded twice) into the first: its
/// references and runs add up.
pub(super) fn merge_duplicate_eval_cases(cases: &mut Vec<std::sync::Arc<EvalCaseDef>>) {
    merge_same_span(
        cases,
        |case| case.span,
        |earlier, later| {
            let earlier = std::sync::Arc::make_mut(earlier);
            earlier.runs += later.runs;
            merge_references(&mut earlier.references, &later.references);
        },
    );
}

/// Merges passages written at the same span into the first, with the references of both.
pub(super) fn merge_duplicate_passages(passages: &mut Vec<PromptPassageDef>) {
    merge_same_span(
        passages,
        |passage| passage.span,
        |earlier, later| merge_references(&mut earlier.references, &later.references),
    );
}

/// Merges neighbours written at the same span (the list is sorted by span) into the first
/// one: `merge` adds the later one's references (and runs) to it. Items that are not
/// duplicates are not touched, so eval cases shared with a cache are not copied.
fn merge_same_span<T>(
    items: &mut Vec<T>,
    span_of: impl Fn(&T) -> Span,
    merge: impl Fn(&mut T, &T),
) {
    items.dedup_by(|later, earlier| {
        if span_of(later) != span_of(earlier) {
            return false;
        }
        merge(earlier, later);
        true
    });
}

/// Adds the references of `later` that `earlier` lacks.
fn merge_references(earlier: &mut Vec<Reference>, later: &[Reference]) {
    for reference in later {
        let known = earlier
            .iter()
            .any(|existing| existing.id == reference.id && existing.span == reference.span);
        if !known {
            earlier.push(reference.clone());
        }
    }
}

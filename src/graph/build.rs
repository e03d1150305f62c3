//! Lowers what the loaders read into the immutable [`Graph`]. References to unknown IDs are kept
//! as data for the rules, not dropped.

use compact_str::CompactString;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

use crate::graph::{
    EvalCaseIndex, FileSummary, Graph, PassageIndex, Referrer, Requirement, RequirementIndex,
    RequirementIndices, SkippedFile, UnresolvedReference,
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
        (
            file_rank(&ranks, span.file).unwrap_or(u32::MAX),
            span.start(),
        )
    };
    // Files arrive in path order and loaders emit in document order, so the lists are
    // usually sorted already: checking is one pass, sorting a hundred thousand cases is not.
    // Eval cases often are not (the cases of a CSV file read through a promptfoo config come
    // with the config, not in the CSV file's place): `order_and_merge_eval_cases` sorts them.
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
    // A file read through two references (a test file named and also matched by a glob, or
    // shared by two configs) yields the same cases twice: keep one, with every reference.
    // promptfoo runs a test once per load of its file: the runs add up.
    let case_counts = order_and_merge_eval_cases(&mut graph.eval_cases, &ranks);
    merge_duplicate_passages(&mut graph.passages);
    count_per_file(&mut graph, &ranks, &case_counts);
    for (position, settings) in graph.model_settings.iter().enumerate() {
        for file in &settings.files {
            let positions = graph.model_settings_by_file.entry(*file).or_default();
            if positions.last() != Some(&position) {
                positions.push(position);
            }
        }
    }

    qualify_ids_defined_by_several_features(&mut graph);
    let mut definitions_by_id: HashMap<CompactString, RequirementIndices> = HashMap::default();
    definitions_by_id.reserve(graph.requirements.len());
    for (index, requirement) in graph.requirements.iter().enumerate() {
        definitions_by_id
            .entry(CompactString::from(requirement.def.id.as_str()))
            .or_default()
            .push(RequirementIndex(index));
    }
    graph.definitions_by_id = definitions_by_id;
    graph.aliases = scoped_aliases(&graph);

    // References are resolved side by side, then linked in order, so that the graph is the
    // same whatever the thread count.
    let (passages_by_requirement, mut unresolved) = link_all(
        &graph,
        settings,
        &graph.passages,
        |passage| (passage.span, passage.references.as_slice()),
        PassageIndex,
        Referrer::Passage,
    );
    let (eval_cases_by_requirement, unresolved_by_cases) = link_all(
        &graph,
        settings,
        &graph.eval_cases,
        |case| (case.span, &*case.references),
        EvalCaseIndex,
        Referrer::EvalCase,
    );
    unresolved.extend(unresolved_by_cases);
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

/// How many referrers one task of [`link_all`] resolves: enough that a task's lists are worth
/// their allocation, few enough that a project with thousands of eval cases gives every
/// thread tasks.
const REFERRERS_PER_TASK: usize = 1024;

/// What one task of [`link_all`] found: its links as (requirement, referrer) pairs in order,
/// and the references that resolve to nothing.
type TaskLinks<I> = (Vec<(RequirementIndex, I)>, Vec<UnresolvedReference>);

/// Resolves the references of every one of `referrers` (passages or eval cases) and gives, per
/// requirement, the indices (`index_of`) of the referrers that reference it, in order, with
/// the references that resolve to nothing (each naming its referrer through `referrer_of`).
fn link_all<T: Sync, I: Copy + PartialEq + Send>(
    graph: &Graph,
    settings: &Settings,
    referrers: &[T],
    place: impl Fn(&T) -> (Span, &[Reference]) + Sync,
    index_of: impl Fn(usize) -> I + Sync,
    referrer_of: impl Fn(I) -> Referrer + Sync,
) -> (Vec<Vec<I>>, Vec<UnresolvedReference>) {
    // Each task keeps its links as pairs, a few bytes per link, instead of a list of targets
    // per referrer: a hundred thousand eval cases made a result of 19 MB of fresh pages.
    let tasks: Vec<TaskLinks<I>> = referrers
        .par_chunks(REFERRERS_PER_TASK)
        .enumerate()
        .map(|(task, chunk)| {
            let mut links = Vec::new();
            let mut unresolved = Vec::new();
            for (offset, item) in chunk.iter().enumerate() {
                let index = index_of(task * REFERRERS_PER_TASK + offset);
                let (span, references) = place(item);
                let scope = Scope {
                    settings,
                    path: graph.db.path(span.file),
                };
                let targets = resolve(
                    graph,
                    &scope,
                    referrer_of(index),
                    references,
                    &mut unresolved,
                );
                links.extend(targets.into_iter().map(|target| (target, index)));
            }
            (links, unresolved)
        })
        .collect();
    // Each requirement's list is given its length before it is filled, so that filling it
    // allocates once instead of growing it by doubling.
    let mut lengths = vec![0_usize; graph.requirements.len()];
    for (links, _) in &tasks {
        for (target, _) in links {
            if let Some(length) = lengths.get_mut(target.0) {
                *length += 1;
            }
        }
    }
    let mut by_requirement: Vec<Vec<I>> = lengths.into_iter().map(Vec::with_capacity).collect();
    let mut unresolved = Vec::new();
    for (links, found) in tasks {
        for (target, index) in links {
            push_unique(&mut by_requirement, target, index);
        }
        unresolved.extend(found);
    }
    (by_requirement, unresolved)
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
    // Requirements come file by file: the feature of a file's folder is worked out once.
    let mut folder_feature: Option<(crate::source_db::FileId, Option<String>)> = None;
    for requirement in &mut graph.requirements {
        let file = requirement.def.id_span.file;
        if folder_feature
            .as_ref()
            .is_none_or(|(known, _)| *known != file)
        {
            let path = graph.db.path(file);
            let feature = crate::source::layout::feature_of(path).map(|(name, _)| name);
            folder_feature = Some((file, feature));
        }
        requirement.feature = match requirement.def.id.rsplit_once('/') {
            Some((feature, _)) => Some(feature.to_owned()),
            None => folder_feature
                .as_ref()
                .and_then(|(_, feature)| feature.clone()),
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
    // A set: a project with many features that each number from FR-001 shares most IDs.
    let shared: HashSet<String> = features_by_id
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

/// Counts what each file holds, by where it is written. `case_counts` are the eval cases and
/// their runs by file rank (see [`order_and_merge_eval_cases`]).
fn count_per_file(graph: &mut Graph, ranks: &[u32], case_counts: &[[usize; 2]]) {
    // Per file: requirements, passages, eval cases, promptfoo runs of those cases.
    let mut counts: HashMap<crate::source_db::FileId, [usize; 2]> = HashMap::default();
    for requirement in &graph.requirements {
        counts.entry(requirement.def.id_span.file).or_default()[0] += 1;
    }
    for passage in &graph.passages {
        counts.entry(passage.span.file).or_default()[1] += 1;
    }
    for summary in &mut graph.files {
        let [requirements, passages] = counts.get(&summary.file).copied().unwrap_or_default();
        let [eval_cases, eval_runs] = file_rank(ranks, summary.file)
            .and_then(|rank| case_counts.get(usize::try_from(rank).ok()?))
            .copied()
            .unwrap_or_default();
        summary.requirements = requirements;
        summary.passages = passages;
        summary.eval_cases = eval_cases;
        summary.eval_runs = eval_runs;
    }
}

/// Short forms of qualified IDs: `FR-001` for `001-voice/FR-001`, and `R1.2`, `1.2` and
/// `feature/1.2` for every Kiro criterion `feature/R1.2`.
fn scoped_aliases(graph: &Graph) -> HashMap<CompactString, RequirementIndices> {
    let mut aliases: HashMap<CompactString, RequirementIndices> = HashMap::default();
    for (index, requirement) in graph.requirements.iter().enumerate() {
        let Some((feature, local)) = requirement.def.id.rsplit_once('/') else {
            continue;
        };
        let mut forms = vec![CompactString::from(local)];
        if let Some(number) = local.strip_prefix('R')
            && number.starts_with(|character: char| character.is_ascii_digit())
        {
            forms.push(CompactString::from(number));
            forms.push(compact_str::format_compact!("{feature}/{number}"));
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

/// Puts `cases` in path and document order, merges those written at the same span (as
/// [`merge_duplicate_eval_cases`] does) and gives, by file rank, how many cases each file
/// holds and how many times promptfoo runs them.
///
/// The cases are put in one bucket per file, each sorted on its own when it is not in order
/// already: a sort of the whole list compared cases through their pointers, and at monorepo
/// scale each comparison waited for memory. The buckets hold only the pointers, and the list
/// keeps its room for the merged cases, so this needs little more memory than the cases.
fn order_and_merge_eval_cases(
    cases: &mut Vec<std::sync::Arc<EvalCaseDef>>,
    ranks: &[u32],
) -> Vec<[usize; 2]> {
    // A case in a file without a rank (none is expected) goes last, as the sort did.
    let unranked = ranks.len();
    let mut buckets: Vec<Vec<std::sync::Arc<EvalCaseDef>>> = vec![Vec::new(); unranked + 1];
    let mut beyond_buckets = Vec::new();
    for case in cases.drain(..) {
        let rank = file_rank(ranks, case.span.file)
            .and_then(|rank| usize::try_from(rank).ok())
            .map_or(unranked, |rank| rank.min(unranked));
        match buckets.get_mut(rank) {
            Some(bucket) => bucket.push(case),
            None => beyond_buckets.push(case),
        }
    }
    if let Some(last) = buckets.last_mut() {
        last.append(&mut beyond_buckets);
    }
    // The sort is stable, so that the first of the cases at one span stays first.
    buckets.par_iter_mut().for_each(|bucket| {
        if !bucket.is_sorted_by_key(|case| case.span.start()) {
            bucket.sort_by_key(|case| case.span.start());
        }
    });
    let mut counts = vec![[0_usize; 2]; unranked];
    for (rank, bucket) in buckets.into_iter().enumerate() {
        let mut file_counts = [0_usize; 2];
        let first = cases.len();
        for case in bucket {
            file_counts[1] += case.runs as usize;
            if cases.len() > first
                && let Some(earlier) = cases.last_mut()
                && earlier.span == case.span
            {
                merge_eval_case_into(earlier, &case);
                continue;
            }
            file_counts[0] += 1;
            cases.push(case);
        }
        if let Some(count) = counts.get_mut(rank) {
            *count = file_counts;
        }
    }
    counts
}

/// A file's place in path order, from [`path_ranks`].
fn file_rank(ranks: &[u32], file: crate::source_db::FileId) -> Option<u32> {
    ranks.get(usize::try_from(file.0).ok()?).copied()
}

/// Adds a later copy of an eval case (the same span, read again) to the first: its references
/// and runs add up.
fn merge_eval_case_into(earlier: &mut std::sync::Arc<EvalCaseDef>, later: &EvalCaseDef) {
    let earlier = std::sync::Arc::make_mut(earlier);
    earlier.runs += later.runs;
    let mut references = std::mem::take(&mut earlier.references).into_vec();
    merge_references(&mut references, &later.references);
    earlier.references = references.into_boxed_slice();
}

/// Merges eval cases written at the same span (a file loaded twice) into the first: its
/// references and runs add up.
pub(super) fn merge_duplicate_eval_cases(cases: &mut Vec<std::sync::Arc<EvalCaseDef>>) {
    merge_same_span(
        cases,
        |case| case.span,
        |earlier, later| merge_eval_case_into(earlier, later),
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source_db::FileId;

    fn case(file: u32, start: usize, id: &str, runs: u32) -> Arc<EvalCaseDef> {
        let span = Span::new(FileId(file), start, start + 5);
        Arc::new(EvalCaseDef {
            span,
            label: CompactString::from(format!("{file}:{start}")),
            references: Box::new([Reference {
                id: CompactString::from(id),
                span,
                kind: ReferenceKind::Explicit,
            }]),
            assertions: Box::default(),
            inputs: Box::default(),
            runs,
        })
    }

    #[test]
    fn eval_cases_are_ordered_by_place_and_merged_by_span() {
        // File 0 ranks second, file 1 first (as a config's CSV file that sorts before it),
        // and file 2 has no rank: its cases go last.
        let ranks = [1, 0];
        let mut cases = vec![
            case(0, 30, "FR-3", 1),
            case(0, 10, "FR-1", 1),
            case(1, 50, "FR-5", 2),
            case(2, 7, "FR-7", 1),
            // The same span read again through another reference: merged into the first.
            case(0, 10, "FR-9", 3),
            case(1, 40, "FR-4", 1),
        ];
        let counts = order_and_merge_eval_cases(&mut cases, &ranks);
        let order: Vec<(u32, usize)> = cases
            .iter()
            .map(|case| (case.span.file.0, case.span.start()))
            .collect();
        assert_eq!(order, [(1, 40), (1, 50), (0, 10), (0, 30), (2, 7)]);
        let merged = &cases[2];
        assert_eq!(merged.runs, 4);
        let ids: Vec<&str> = merged
            .references
            .iter()
            .map(|reference| reference.id.as_str())
            .collect();
        assert_eq!(ids, ["FR-1", "FR-9"]);
        // By rank: file 1 holds two cases run three times, file 0 two cases run five times.
        assert_eq!(counts, [[2, 3], [2, 5]]);
    }
}

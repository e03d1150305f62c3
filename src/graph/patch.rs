//! The next graph after an edit, made from the previous graph instead of from every file
//! again: what the language server does after a buffer changes (docs/performance.md).
//!
//! The unit of a patch is a file read on its own from the walk (a spec, a prompt, a promptfoo
//! config) together with the files its loader reads through references (the prompt files and
//! tests files a promptfoo config names): the group whose contents come from that one loader.
//! A patch is made only when the group's new contents stay within it: the file is read in the
//! same role and format, it reads the same files in the same roles and formats, none of them is
//! read by another file too, their model settings are unchanged, and each defines the same
//! requirement IDs in the same order. Then only the group's own requirements, passages, eval
//! cases, clarifications and problems change, and the links of the graph change only where
//! they point at them. In every other case [`patch`] hands the graph back and the caller builds
//! the next one from scratch. Either way the result is the graph [`super::build::build`] makes
//! from the same texts (`tests/it/patch.rs` compares the two after random edits).

use std::ops::Range;

use rustc_hash::FxHashMap as HashMap;

use super::build::{Scope, Targets, merge_duplicate_eval_cases, merge_duplicate_passages, resolve};
use super::{EvalCaseIndex, Graph, PassageIndex, Referrer, Requirement, UnresolvedReference};
use crate::settings::Settings;
use crate::source::EditedFile;
use crate::source::model::{
    Clarification, EvalCaseDef, Extraction, Problem, PromptPassageDef, Reference,
};
use crate::source::{Format, Role};
use crate::source_db::{FileId, Span};

/// The graph with what `edited` read in place of what its group held before, or the graph
/// unchanged (as `Err`) when the edit reaches beyond the group (see the module documentation).
pub fn patch(
    mut graph: Graph,
    mut edited: EditedFile,
    settings: &Settings,
) -> Result<Graph, Box<Graph>> {
    let Some(group) = group_of(&graph, &mut edited) else {
        return Err(Box::new(graph));
    };
    let EditedFile {
        texts, extraction, ..
    } = edited;
    let (mut parts, problems) = split_by_file(&group, extraction);
    // Everything that can refuse the patch is decided before the graph changes.
    let mut plans = Vec::with_capacity(parts.len());
    for part in &mut parts {
        let Some(plan) = plan(&graph, part, settings) else {
            return Err(Box::new(graph));
        };
        plans.push(plan);
    }
    // Later files first: a file's lists come after those of every file before it in path
    // order, so replacing them leaves the ranges planned for earlier files where they were.
    let mut planned: Vec<(Plan, Part)> = plans.into_iter().zip(parts).collect();
    planned.sort_by(|left, right| graph.db.path(right.1.file).cmp(graph.db.path(left.1.file)));
    for (plan, part) in planned {
        apply(&mut graph, plan, part, settings);
    }
    replace_problems(&mut graph, &group, problems);
    for (file, text) in texts {
        let unchanged = graph.db.get(file).is_some_and(|source| source.text == text);
        if !unchanged {
            graph.db.replace_text(file, text);
        }
    }
    graph.any_prompt_link = graph
        .passages_by_requirement
        .iter()
        .any(|passages| !passages.is_empty());
    graph.any_eval_link = graph
        .eval_cases_by_requirement
        .iter()
        .any(|cases| !cases.is_empty());
    Ok(graph)
}

/// The edited file and the files it reads, when the edit stays within them: the same role and
/// format, the same files read in the same roles and formats, none of them read by another file
/// too, nothing pointing outside them, and the same model settings.
fn group_of(graph: &Graph, edited: &mut EditedFile) -> Option<Vec<FileId>> {
    let root = edited.file;
    let summary = graph.files.iter().find(|summary| summary.file == root)?;
    let skipped = graph.skipped.iter().any(|skipped| skipped.file == root);
    if summary.role != edited.role
        || summary.format != edited.format
        || summary.read_through.is_some()
        || skipped
        || edited.extraction.skipped.is_some()
    {
        return None;
    }
    let mut read_before: Vec<(FileId, Role, Format)> = graph
        .files
        .iter()
        .filter(|other| other.read_through == Some(root))
        .map(|other| (other.file, other.role, other.format))
        .collect();
    read_before.sort_unstable_by_key(|(file, _, _)| *file);
    // The first claim of a file decides its role and format, as when the project is loaded.
    let mut read_now: Vec<(FileId, Role, Format)> = Vec::new();
    for claimed in &edited.extraction.claimed_files {
        if !read_now.iter().any(|(file, _, _)| *file == claimed.file) {
            read_now.push((claimed.file, claimed.role, claimed.format));
        }
    }
    read_now.sort_unstable_by_key(|(file, _, _)| *file);
    if read_before != read_now {
        return None;
    }
    let mut group = vec![root];
    group.extend(read_now.iter().map(|(file, _, _)| *file));
    if group
        .iter()
        .any(|file| graph.read_by_several.contains(file))
    {
        return None;
    }
    let mut within = true;
    edited
        .extraction
        .for_each_file_id(|id| within &= group.contains(id));
    if !within {
        return None;
    }
    let settings_before = graph
        .model_settings
        .iter()
        .filter(|settings| group.contains(&settings.span.file));
    settings_before
        .eq(edited.extraction.model_settings.iter())
        .then_some(group)
}

/// What the edited group holds in one of its files.
struct Part {
    file: FileId,
    requirements: Vec<crate::source::model::RequirementDef>,
    passages: Vec<PromptPassageDef>,
    eval_cases: Vec<std::sync::Arc<EvalCaseDef>>,
    clarifications: Vec<Clarification>,
}

/// Sorts what the group's loader read into the files it was written in; problems stay
/// together.
fn split_by_file(group: &[FileId], extraction: Extraction) -> (Vec<Part>, Vec<Problem>) {
    let mut parts: Vec<Part> = group
        .iter()
        .map(|&file| Part {
            file,
            requirements: Vec::new(),
            passages: Vec::new(),
            eval_cases: Vec::new(),
            clarifications: Vec::new(),
        })
        .collect();
    for requirement in extraction.requirements {
        if let Some(part) = part_in(&mut parts, requirement.id_span.file) {
            part.requirements.push(requirement);
        }
    }
    for passage in extraction.passages {
        if let Some(part) = part_in(&mut parts, passage.span.file) {
            part.passages.push(passage);
        }
    }
    for case in extraction.eval_cases {
        if let Some(part) = part_in(&mut parts, case.span.file) {
            part.eval_cases.push(case);
        }
    }
    for clarification in extraction.clarifications {
        if let Some(part) = part_in(&mut parts, clarification.span.file) {
            part.clarifications.push(clarification);
        }
    }
    (parts, extraction.problems)
}

/// The part of the group written in `file`.
fn part_in(parts: &mut [Part], file: FileId) -> Option<&mut Part> {
    parts.iter_mut().find(|part| part.file == file)
}

/// Where one file's contributions sit in the graph's lists, and its new requirements.
struct Plan {
    requirements: Range<usize>,
    new_requirements: Vec<Requirement>,
    passages: Range<usize>,
    eval_cases: Range<usize>,
    clarifications: Range<usize>,
}

fn plan(graph: &Graph, part: &mut Part, settings: &Settings) -> Option<Plan> {
    let file = part.file;
    let path = graph.db.path(file);
    let requirements = segment(graph, &graph.requirements, file, path, |requirement| {
        requirement.def.id_span
    })?;
    let new_requirements = same_requirements(graph, requirements.clone(), part, settings)?;
    let passages = segment(graph, &graph.passages, file, path, |passage| passage.span)?;
    let eval_cases = segment(graph, &graph.eval_cases, file, path, |case| case.span)?;
    let clarifications = segment(graph, &graph.clarifications, file, path, |clarification| {
        clarification.span
    })?;
    Some(Plan {
        requirements,
        new_requirements,
        passages,
        eval_cases,
        clarifications,
    })
}

/// Puts one file's new contents in place of its old ones, and links them.
fn apply(graph: &mut Graph, plan: Plan, part: Part, settings: &Settings) {
    let Part {
        file,
        passages: mut new_passages,
        eval_cases: mut new_eval_cases,
        clarifications: new_clarifications,
        ..
    } = part;
    graph
        .requirements
        .splice(plan.requirements, plan.new_requirements);
    // The full build sorts every list stably by file, then by start; within one file that is a
    // stable sort by start, and duplicates are merged the same way.
    new_passages.sort_by_key(|passage| passage.span.start());
    merge_duplicate_passages(&mut new_passages);
    new_eval_cases.sort_by_key(|case| case.span.start());
    merge_duplicate_eval_cases(&mut new_eval_cases);
    let inserted_passages = new_passages.len();
    let inserted_eval_cases = new_eval_cases.len();
    let runs: usize = new_eval_cases.iter().map(|case| case.runs as usize).sum();
    graph.passages.splice(plan.passages.clone(), new_passages);
    graph
        .eval_cases
        .splice(plan.eval_cases.clone(), new_eval_cases);
    graph
        .clarifications
        .splice(plan.clarifications, new_clarifications);
    let requirement_count = graph
        .requirements
        .iter()
        .filter(|requirement| requirement.def.id_span.file == file)
        .count();
    if let Some(summary) = graph.files.iter_mut().find(|summary| summary.file == file) {
        summary.requirements = requirement_count;
        summary.passages = inserted_passages;
        summary.eval_cases = inserted_eval_cases;
        summary.eval_runs = runs;
    }

    // The new passages and eval cases are resolved as the full build resolves them.
    let path = graph.db.path(file).to_owned();
    let scope = Scope {
        settings,
        path: &path,
    };
    let (passage_links, passage_unresolved) = resolve_new(
        graph,
        &scope,
        &graph.passages,
        plan.passages.start..plan.passages.start + inserted_passages,
        |index| Referrer::Passage(PassageIndex(index)),
        |passage| &passage.references,
    );
    let (case_links, case_unresolved) = resolve_new(
        graph,
        &scope,
        &graph.eval_cases,
        plan.eval_cases.start..plan.eval_cases.start + inserted_eval_cases,
        |index| Referrer::EvalCase(EvalCaseIndex(index)),
        |case| &case.references,
    );
    relink(
        &mut graph.passages_by_requirement,
        &plan.passages,
        inserted_passages,
        &passage_links,
    );
    relink(
        &mut graph.eval_cases_by_requirement,
        &plan.eval_cases,
        inserted_eval_cases,
        &case_links,
    );
    let unresolved = std::mem::take(&mut graph.unresolved);
    graph.unresolved = splice_unresolved(
        unresolved,
        Splice {
            removed: plan.passages,
            inserted: inserted_passages,
            found: passage_unresolved,
        },
        Splice {
            removed: plan.eval_cases,
            inserted: inserted_eval_cases,
            found: case_unresolved,
        },
    );
}

/// Resolves the references of the new items at `range` of `items` as the full build does:
/// their targets by index, and the references that resolve to nothing.
fn resolve_new<T>(
    graph: &Graph,
    scope: &Scope<'_>,
    items: &[T],
    range: Range<usize>,
    referrer: impl Fn(usize) -> Referrer,
    references: impl Fn(&T) -> &[Reference],
) -> (Vec<(usize, Targets)>, Vec<UnresolvedReference>) {
    let mut links = Vec::with_capacity(range.len());
    let mut unresolved = Vec::new();
    for (index, item) in items.iter().enumerate().skip(range.start).take(range.len()) {
        let targets = resolve(
            graph,
            scope,
            referrer(index),
            references(item),
            &mut unresolved,
        );
        links.push((index, targets));
    }
    (links, unresolved)
}

/// The range of `items` written in `file` (the lists are ordered by path, then by start), or
/// where they would go when there are none; `None` when they are not together, which a graph
/// the build made never shows.
fn segment<T>(
    graph: &Graph,
    items: &[T],
    file: FileId,
    path: &str,
    span_of: impl Fn(&T) -> Span,
) -> Option<Range<usize>> {
    let Some(first) = items.iter().position(|item| span_of(item).file == file) else {
        let at = items.partition_point(|item| graph.db.path(span_of(item).file) < path);
        return Some(at..at);
    };
    let length = items
        .iter()
        .skip(first)
        .take_while(|item| span_of(item).file == file)
        .count();
    let total = items
        .iter()
        .filter(|item| span_of(item).file == file)
        .count();
    (length == total).then_some(first..first + length)
}

/// The file's new requirements, when it defines the same IDs in the same order as the
/// requirements at `old` did: then every requirement keeps its index and every ID still
/// resolves where it did. IDs that several features define keep their qualified form.
fn same_requirements(
    graph: &Graph,
    old: Range<usize>,
    part: &mut Part,
    settings: &Settings,
) -> Option<Vec<Requirement>> {
    let mut definitions = std::mem::take(&mut part.requirements);
    definitions.sort_by_key(|definition| definition.id_span.start());
    let previous = graph.requirements.get(old)?;
    if previous.len() != definitions.len() {
        return None;
    }
    let path = graph.db.path(part.file);
    let mut requirements = Vec::with_capacity(definitions.len());
    for (before, mut definition) in previous.iter().zip(definitions) {
        let feature = match definition.id.rsplit_once('/') {
            Some((feature, _)) => Some(feature.to_owned()),
            None => crate::source::layout::feature_of(path).map(|(name, _)| name),
        };
        if feature != before.feature {
            return None;
        }
        if definition.id != before.def.id {
            let qualified = match &feature {
                Some(feature) if !definition.id.contains('/') => {
                    format!("{feature}/{}", definition.id)
                }
                _ => return None,
            };
            if qualified != before.def.id {
                return None;
            }
            definition.id = qualified;
        }
        requirements.push(Requirement {
            needs: definition.needs.unwrap_or(settings.default_needs),
            def: definition,
            feature,
        });
    }
    Some(requirements)
}

/// Puts the group's problems where its old ones were. Problems are read by rules that report
/// each one on its own and whose findings are sorted afterwards, so their order in the graph
/// does not show; they are kept together all the same.
fn replace_problems(graph: &mut Graph, group: &[FileId], problems: Vec<Problem>) {
    let at = graph
        .problems
        .iter()
        .position(|problem| group.contains(&problem.span.file))
        .unwrap_or(graph.problems.len());
    graph
        .problems
        .retain(|problem| !group.contains(&problem.span.file));
    let at = at.min(graph.problems.len());
    graph.problems.splice(at..at, problems);
}

/// A passage or eval case index in a per-requirement list.
trait ItemIndex: Copy + PartialEq {
    fn new(index: usize) -> Self;
    fn get(self) -> usize;
}

impl ItemIndex for PassageIndex {
    fn new(index: usize) -> Self {
        PassageIndex(index)
    }
    fn get(self) -> usize {
        self.0
    }
}

impl ItemIndex for EvalCaseIndex {
    fn new(index: usize) -> Self {
        EvalCaseIndex(index)
    }
    fn get(self) -> usize {
        self.0
    }
}

/// Updates the per-requirement lists after the items at `removed` were replaced by
/// `inserted` new ones, whose targets are `links` (by new index, in order): links into the
/// removed items go, the new ones come in at their place, and later items move along. Only the
/// lists that change are touched.
fn relink<I: ItemIndex>(
    lists: &mut [Vec<I>],
    removed: &Range<usize>,
    inserted: usize,
    links: &[(usize, Targets)],
) {
    let mut added: HashMap<usize, Vec<usize>> = HashMap::default();
    for (item, targets) in links {
        for target in targets {
            added.entry(target.0).or_default().push(*item);
        }
    }
    let moved = removed.len() != inserted;
    let shift = |index: usize| index - removed.end + removed.start + inserted;
    for (requirement, list) in lists.iter_mut().enumerate() {
        let start = list.partition_point(|item| item.get() < removed.start);
        let end = list.partition_point(|item| item.get() < removed.end);
        let additions = added.remove(&requirement);
        if start == end && additions.is_none() && !(moved && end < list.len()) {
            continue;
        }
        let mut tail = list.split_off(end);
        list.truncate(start);
        for item in additions.into_iter().flatten() {
            let item = I::new(item);
            if list.last() != Some(&item) {
                list.push(item);
            }
        }
        for item in &mut tail {
            *item = I::new(shift(item.get()));
        }
        list.append(&mut tail);
    }
}

/// How one list (passages or eval cases) changed, for [`splice_unresolved`].
struct Splice {
    removed: Range<usize>,
    inserted: usize,
    found: Vec<UnresolvedReference>,
}

/// The unresolved references in the order the full build lists them (passages by index, then
/// eval cases by index), with the edited file's old ones replaced by `found` and later
/// referrers moved along.
fn splice_unresolved(
    unresolved: Vec<UnresolvedReference>,
    passages: Splice,
    eval_cases: Splice,
) -> Vec<UnresolvedReference> {
    let mut result = Vec::with_capacity(unresolved.len() + passages.found.len());
    let mut passages_found = Some(passages.found);
    let mut cases_found = Some(eval_cases.found);
    for mut reference in unresolved {
        match &mut reference.referrer {
            Referrer::Passage(PassageIndex(index)) => {
                if *index >= passages.removed.start
                    && let Some(found) = passages_found.take()
                {
                    result.extend(found);
                }
                if passages.removed.contains(index) {
                    continue;
                }
                if *index >= passages.removed.end {
                    *index =
                        *index - passages.removed.end + passages.removed.start + passages.inserted;
                }
            }
            Referrer::EvalCase(EvalCaseIndex(index)) => {
                if let Some(found) = passages_found.take() {
                    result.extend(found);
                }
                if *index >= eval_cases.removed.start
                    && let Some(found) = cases_found.take()
                {
                    result.extend(found);
                }
                if eval_cases.removed.contains(index) {
                    continue;
                }
                if *index >= eval_cases.removed.end {
                    *index = *index - eval_cases.removed.end
                        + eval_cases.removed.start
                        + eval_cases.inserted;
                }
            }
        }
        result.push(reference);
    }
    result.extend(passages_found.into_iter().flatten());
    result.extend(cases_found.into_iter().flatten());
    result
}

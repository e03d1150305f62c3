//! What the language server answers: hover, definition, references, completion and code
//! actions, computed from the last check of the workspace.

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CompletionItem, CompletionItemKind, CompletionTextEdit,
    Documentation, Hover, HoverContents, Location, MarkupContent, MarkupKind, Range, TextEdit, Uri,
    WorkspaceEdit,
};

use crate::check::CheckResult;
use crate::facts::similarity::SimilarityIndex;
use crate::graph::{Graph, RequirementIndex};
use crate::render::lsp::{file_uri, range};
use crate::requirement_id::IdPattern;
use crate::source::comments::comment_for;
use crate::source_db::{FileId, Span};

/// The requirement ID under `offset` in `text`: (id, start, end).
pub fn id_at(text: &str, offset: usize, pattern: &IdPattern) -> Option<(String, usize, usize)> {
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    let line_end = text
        .get(offset..)
        .and_then(|after| after.find('\n'))
        .map_or(text.len(), |at| offset + at);
    let line = text.get(line_start..line_end)?;
    pattern
        .find_all(line)
        .find(|found| line_start + found.start <= offset && offset <= line_start + found.end)
        .map(|found| {
            (
                found.id.to_owned(),
                line_start + found.start,
                line_start + found.end,
            )
        })
}

fn file_of(graph: &Graph, path: &Path) -> Option<FileId> {
    graph
        .db
        .iter()
        .find(|(_, source)| source.absolute_path == path)
        .map(|(id, _)| id)
}

fn location(graph: &Graph, span: Span) -> Option<Location> {
    let uri = file_uri(&graph.db.get(span.file)?.absolute_path)?;
    Some(Location::new(uri, range(&graph.db, span)))
}

fn place(graph: &Graph, span: Span) -> String {
    let (start, _) = graph.db.line_column(span);
    format!("{}:{}", graph.db.path(span.file), start.line)
}

pub fn hover(check: &CheckResult, text: &str, offset: usize, pattern: &IdPattern) -> Option<Hover> {
    let graph = &check.graph;
    let (id, _, _) = id_at(text, offset, pattern)?;
    let index = graph.lookup(&id)?;
    let requirement = &graph[index];
    let modality = requirement
        .def
        .modality
        .map_or("no RFC 2119 keyword", |modality| modality.keyword());
    let mut markdown = format!(
        "**{}** · {modality} · {}\n\n{}\n\n",
        requirement.def.id,
        place(graph, requirement.def.id_span),
        requirement.def.text
    );
    let passages = graph.passages_for(index);
    let cases = graph.eval_cases_for(index);
    markdown.push_str(&format!("**Prompts** ({}):", passages.len()));
    for passage in passages.iter().map(|&passage| &graph[passage]).take(10) {
        markdown.push_str(&format!("\n- {}", place(graph, passage.span)));
    }
    if passages.is_empty() {
        markdown.push_str(" none");
    }
    markdown.push_str(&format!("\n\n**Eval cases** ({}):", cases.len()));
    for case in cases.iter().map(|&case| &graph[case]).take(10) {
        markdown.push_str(&format!("\n- {} `{}`", place(graph, case.span), case.label));
    }
    if cases.is_empty() {
        markdown.push_str(" none");
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: None,
    })
}

pub fn definition(
    check: &CheckResult,
    text: &str,
    offset: usize,
    pattern: &IdPattern,
) -> Option<Location> {
    let graph = &check.graph;
    let (id, _, _) = id_at(text, offset, pattern)?;
    let requirement = &graph[graph.lookup(&id)?];
    location(graph, requirement.def.id_span)
}

pub fn references(
    check: &CheckResult,
    text: &str,
    offset: usize,
    pattern: &IdPattern,
    include_declaration: bool,
) -> Vec<Location> {
    let graph = &check.graph;
    let Some((id, _, _)) = id_at(text, offset, pattern) else {
        return Vec::new();
    };
    let Some(index) = graph.lookup(&id) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    if include_declaration {
        spans.push(graph[index].def.id_span);
    }
    let resolves =
        |reference: &crate::source::model::Reference| graph.lookup(&reference.id) == Some(index);
    for passage in &graph.passages {
        spans.extend(
            passage
                .references
                .iter()
                .filter(|reference| resolves(reference))
                .map(|reference| reference.span),
        );
    }
    for case in &graph.eval_cases {
        let own: Vec<Span> = case
            .references
            .iter()
            .filter(|reference| resolves(reference))
            .map(|reference| reference.span)
            .collect();
        // Inherited references (defaultTest) point elsewhere; the case itself is the place.
        if own.iter().any(|span| span.file == case.span.file) {
            spans.extend(own.into_iter().filter(|span| span.file == case.span.file));
        } else if !own.is_empty() {
            spans.push(case.span);
        }
    }
    spans.sort_by(|left, right| {
        (graph.db.path(left.file), left.start()).cmp(&(graph.db.path(right.file), right.start()))
    });
    spans.dedup();
    spans
        .into_iter()
        .filter_map(|span| location(graph, span))
        .collect()
}

/// Whether the cursor is where a requirement ID belongs: in a comment, or after a requirement
/// key.
/// The byte range of the ID characters (`A-Z a-z 0-9 - _ . /`) around `offset`.
fn typed_id_range(text: &str, offset: usize) -> std::ops::Range<usize> {
    let is_id = |character: char| {
        character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.' | '/')
    };
    let before = text.get(..offset).unwrap_or("");
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, character)| is_id(*character))
        .last()
        .map_or(offset, |(index, _)| index);
    let after = text.get(offset..).unwrap_or("");
    let end = offset
        + after
            .char_indices()
            .find(|(_, character)| !is_id(*character))
            .map_or(after.len(), |(index, _)| index);
    start..end
}

fn in_reference_context(text: &str, offset: usize) -> bool {
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    let before = text.get(line_start..offset).unwrap_or("");
    let markers = [
        "<!--",
        "{#",
        "{{!",
        "#",
        "//",
        "/*",
        "requirement",
        "req:",
        "\"req\"",
        "requirements",
    ];
    markers.iter().any(|marker| before.contains(marker))
}

pub fn completion(check: &CheckResult, text: &str, offset: usize) -> Vec<CompletionItem> {
    if !in_reference_context(text, offset) {
        return Vec::new();
    }
    let graph = &check.graph;
    // The partly typed ID around the cursor (`FR-00` in `{# FR-00`): every item replaces it,
    // so that accepting `FR-001` after `FR-` gives `FR-001`, not `FR-FR-001`, and clients filter
    // on the whole typed ID rather than on the word after the last `-`.
    let typed = typed_id_range(text, offset);
    let range = Range::new(
        crate::lsp::position::position_of(text, typed.start),
        crate::lsp::position::position_of(text, typed.end),
    );
    let mut items: Vec<CompletionItem> = graph
        .requirements
        .iter()
        .map(|requirement| CompletionItem {
            label: requirement.def.id.clone(),
            kind: Some(CompletionItemKind::REFERENCE),
            detail: requirement
                .def
                .modality
                .map(|modality| modality.keyword().to_owned()),
            documentation: Some(Documentation::String(requirement.def.text.clone())),
            filter_text: Some(requirement.def.id.clone()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: requirement.def.id.clone(),
            })),
            ..CompletionItem::default()
        })
        .collect();
    items.sort_by(|left, right| left.label.cmp(&right.label));
    items.dedup_by(|left, right| left.label == right.label);
    items
}

/// An edit that inserts `line` (plus a newline) before the line holding `offset` of `file`,
/// with that line's indentation.
fn insert_line_before(
    graph: &Graph,
    file: FileId,
    offset: usize,
    line: &str,
) -> Option<(Uri, TextEdit)> {
    let source = graph.db.get(file)?;
    let line_start = source
        .text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    let indentation: String = source
        .text
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .take_while(|character| *character == ' ' || *character == '\t')
        .collect();
    let position = crate::render::lsp::position(&graph.db, file, line_start);
    let uri = file_uri(&source.absolute_path)?;
    Some((
        uri,
        TextEdit {
            range: Range::new(position, position),
            new_text: format!("{indentation}{line}\n"),
        },
    ))
}

// `WorkspaceEdit::changes` is keyed by `Uri`, whose cached parts clippy counts as interior
// mutability; the keys are never changed after insertion.
#[allow(clippy::mutable_key_type)]
fn action(title: String, uri: Uri, edit: TextEdit) -> CodeAction {
    let mut changes = HashMap::new();
    changes.insert(uri, vec![edit]);
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    }
}

/// Quick fixes for the findings in `path` between `start` and `end` (byte offsets), and a
/// reference comment for the requirement closest to an untagged prompt passage there.
pub fn code_actions(check: &CheckResult, path: &Path, start: usize, end: usize) -> Vec<CodeAction> {
    let graph = &check.graph;
    let Some(file) = file_of(graph, path) else {
        return Vec::new();
    };
    let relative = graph.db.path(file).to_owned();
    let mut actions = Vec::new();
    for diagnostic in &check.diagnostics {
        let span = diagnostic.span;
        if span.file != file || span.end() < start || span.start() > end {
            continue;
        }
        if let Some(comment) =
            comment_for(&relative, &format!("speclint: ignore[{}]", diagnostic.rule))
            && let Some((uri, edit)) = insert_line_before(graph, file, span.start(), &comment)
        {
            actions.push(action(
                format!("Suppress {} ({}) here", diagnostic.rule, diagnostic.code),
                uri,
                edit,
            ));
        }
        // `requirement-missing-from-prompt` names the untagged passage that looks like it covers
        // the requirement: tag it.
        if diagnostic.code == "SL003"
            && let (Some(id), Some(related)) = (&diagnostic.requirement, diagnostic.related.first())
            && let Some(comment) = comment_for(graph.db.path(related.span.file), id)
            && let Some((uri, edit)) =
                insert_line_before(graph, related.span.file, related.span.start(), &comment)
        {
            actions.push(action(
                format!("Tag {} with {id}", place(graph, related.span)),
                uri,
                edit,
            ));
        }
    }
    // `requirement-untested` names the untagged eval case that looks like it tests the
    // requirement: add the requirement to its metadata.
    for diagnostic in &check.diagnostics {
        let span = diagnostic.span;
        if diagnostic.code != "SL004"
            || span.file != file
            || span.end() < start
            || span.start() > end
        {
            continue;
        }
        let (Some(id), Some(related)) = (&diagnostic.requirement, diagnostic.related.first())
        else {
            continue;
        };
        let suggestion = crate::link::Suggestion {
            requirement: id.clone(),
            requirement_span: span,
            kind: crate::link::LinkKind::Eval,
            span: related.span,
            confidence: 1.0,
            reason: String::new(),
        };
        if let Some(action) = plan_action(
            graph,
            &crate::link_write::plan(graph, &[suggestion]),
            format!("Add {id} to the metadata of {}", place(graph, related.span)),
        ) {
            actions.push(action);
        }
    }
    // Every link `speclint link` suggests for this file (its passages and eval cases, or the
    // requirements it defines), in one action.
    let suggestions: Vec<crate::link::Suggestion> =
        crate::link::suggest(graph, &crate::link::LinkOptions::default())
            .into_iter()
            .filter(|suggestion| {
                suggestion.span.file == file || suggestion.requirement_span.file == file
            })
            .collect();
    if !suggestions.is_empty() {
        let plan = crate::link_write::plan(graph, &suggestions);
        let links: usize = plan.changes.iter().map(|change| change.links).sum();
        if let Some(action) = plan_action(
            graph,
            &plan,
            format!(
                "Link all suggested ({links} link{})",
                if links == 1 { "" } else { "s" }
            ),
        ) {
            actions.push(action);
        }
    }
    // An untagged prompt passage under the cursor: reference the closest requirement.
    let untagged = graph.passages.iter().find(|passage| {
        passage.span.file == file
            && passage.references.is_empty()
            && passage.span.start() <= end
            && start <= passage.span.end()
    });
    if let Some(passage) = untagged
        && let Some(index) = closest_requirement(graph, &passage.text)
        && let Some(comment) = comment_for(&relative, &graph[index].def.id)
        && let Some((uri, edit)) = insert_line_before(graph, file, passage.span.start(), &comment)
    {
        actions.push(action(
            format!(
                "Reference {} here (closest requirement)",
                graph[index].def.id
            ),
            uri,
            edit,
        ));
    }
    actions
}

/// A code action applying a `link --write` plan: each changed file's text replaced whole.
#[allow(clippy::mutable_key_type)]
fn plan_action(
    graph: &Graph,
    plan: &crate::link_write::WritePlan,
    title: String,
) -> Option<CodeAction> {
    if plan.changes.is_empty() {
        return None;
    }
    let mut changes = HashMap::new();
    for change in &plan.changes {
        let file = graph.db.find_by_path(&change.path)?;
        let uri = file_uri(&change.absolute_path)?;
        let end = crate::render::lsp::position(&graph.db, file, change.before.len());
        changes.insert(
            uri,
            vec![TextEdit {
                range: Range::new(lsp_types::Position::new(0, 0), end),
                new_text: change.after.clone(),
            }],
        );
    }
    Some(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    })
}

fn closest_requirement(graph: &Graph, passage: &str) -> Option<RequirementIndex> {
    let index = SimilarityIndex::new(
        graph
            .requirements
            .iter()
            .map(|requirement| requirement.def.text.as_str()),
    );
    let found = index.best_match(passage, 2, 0.25)?;
    Some(RequirementIndex(found.document))
}

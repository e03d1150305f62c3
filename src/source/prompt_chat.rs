//! Chat-message prompts: JSON chat files (`[{"role": "system", "content": "..."}]`), YAML chat
//! lists (promptfoo `.yaml` prompts), and GitHub Models `.prompt.yml` files, whose `messages`
//! are a prompt and whose `testData` rows are eval cases.
//!
//! A message is referenced by a template comment inside its content (`{# FR-001 #}`, which
//! promptfoo's Nunjucks rendering removes) or, in YAML, by a `# FR-001` comment above it.

use compact_str::{CompactString, format_compact};

use crate::requirement_id::IdPattern;
use crate::source::Format;
use crate::source::eval_assertions;
use crate::source::eval_refs::{mention_references, references_in_mapping};
use crate::source::json;
use crate::source::model::{EvalCaseDef, Extraction, PromptPassageDef};
use crate::source::prompt_text;
use crate::source::spec_yaml::yaml_problem;
use crate::source::tree::Node;
use crate::source::yaml;
use crate::source::yaml_comments::{YamlComments, find_comments, references_above};
use crate::source_db::{FileId, Span};
use std::sync::Arc;

/// A JSON or YAML chat file.
pub fn load(file: FileId, text: &str, pattern: &IdPattern) -> (Format, Extraction) {
    let trimmed = text.trim_start();
    let is_json = trimmed.starts_with('[') || trimmed.starts_with('{');
    let root = if is_json {
        match json::parse(text, 0) {
            Ok(root) => root,
            // Chat files are templates too (`{% for m in messages %}`): what is not JSON yet is
            // read as a text prompt.
            Err(_) => return (Format::TextPrompt, prompt_text::load(file, text, pattern)),
        }
    } else {
        match yaml::parse(text) {
            Ok(root) => root,
            Err(error) => {
                return (
                    Format::ChatPrompt,
                    Extraction::with_problem(yaml_problem(file, text, &error)),
                );
            }
        }
    };
    let comments = if is_json {
        YamlComments::default()
    } else {
        find_comments(text)
    };
    let messages = root.get("messages").unwrap_or(&root);
    let mut extraction = Extraction::default();
    messages_into(file, text, messages, &comments, pattern, &mut extraction);
    (Format::ChatPrompt, extraction)
}

/// The passages of a list of chat messages (or of plain strings).
pub fn messages_into(
    file: FileId,
    text: &str,
    messages: &Node,
    comments: &YamlComments,
    pattern: &IdPattern,
    extraction: &mut Extraction,
) {
    for message in messages.items() {
        let content = message.get("content").unwrap_or(message);
        if content.as_str().is_none() {
            continue;
        }
        let passages =
            string_prompt_passages(file, text, content, message.start, comments, pattern);
        extraction.passages.extend(passages);
    }
}

/// The passages of a prompt held in a string node: template comments inside it, and `#`
/// comments above `entry_start` (the list entry holding it), which cover the whole string.
pub fn string_prompt_passages(
    file: FileId,
    text: &str,
    node: &Node,
    entry_start: usize,
    comments: &YamlComments,
    pattern: &IdPattern,
) -> Vec<PromptPassageDef> {
    let mut passages = prompt_text::load_range(file, text, node.start, node.end, pattern).passages;
    let references = references_above(file, text, comments, entry_start, pattern);
    if !references.is_empty() {
        // The whole string is tagged, so none of it is an untagged block.
        passages.retain(|passage| !passage.references.is_empty());
        passages.push(PromptPassageDef {
            span: Span::new(file, node.start, node.end.max(node.start)),
            text: node.as_str().unwrap_or_default().to_owned(),
            references,
        });
    }
    passages
}

/// A GitHub Models `.prompt.yml`.
pub fn load_github_models(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) => return Extraction::with_problem(yaml_problem(file, text, &error)),
    };
    let comments = find_comments(text);
    let mut extraction = Extraction::default();
    let place = crate::source::model_settings::Place { file, base: 0 };
    extraction
        .model_settings
        .extend(crate::source::model_settings::from_prompt_file(
            place,
            &root,
            "`.prompt.yml` settings",
        ));
    if let Some(messages) = root.get("messages") {
        messages_into(file, text, messages, &comments, pattern, &mut extraction);
    }
    let evaluators = root
        .get("evaluators")
        .map(|evaluators| eval_assertions::from_github_evaluators(file, evaluators))
        .unwrap_or_default();
    for (index, row) in root
        .get("testData")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if !row.is_mapping() {
            continue;
        }
        let mut references = references_in_mapping(file, text, row);
        if let Some(metadata) = row.get("metadata") {
            references.extend(references_in_mapping(file, text, metadata));
        }
        references.extend(references_above(file, text, &comments, row.start, pattern));
        if let Some(description) = row.get("description") {
            references.extend(mention_references(file, text, description, pattern));
        }
        let label = row
            .get("description")
            .or_else(|| row.get("name"))
            .and_then(Node::as_str)
            .map_or_else(
                || format_compact!("testData #{}", index + 1),
                CompactString::from,
            );
        extraction.eval_cases.push(Arc::new(EvalCaseDef {
            span: first_line_span(file, text, row),
            label,
            references: references.into_boxed_slice(),
            assertions: evaluators.clone().into_boxed_slice(),
            inputs: row
                .input_text(&["expected", "metadata", "description", "name"])
                .into_boxed_str(),
            runs: 1,
        }));
    }
    extraction
}

/// From a mapping's first key to the end of that line.
pub fn first_line_span(file: FileId, text: &str, node: &Node) -> Span {
    let start = node
        .entries()
        .map(|(key, _)| key.start)
        .chain(std::iter::once(node.start))
        .min()
        .unwrap_or(node.start);
    let line_end = text
        .get(start..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |at| start + at);
    let end = start + text.get(start..line_end).unwrap_or("").trim_end().len();
    Span::new(file, start, end)
}

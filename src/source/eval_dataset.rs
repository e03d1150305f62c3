//! Eval datasets: JSONL (one case per line) and JSON (an array of cases). A case references
//! requirements through `metadata.requirements` or a top-level `requirements` field (also
//! `requirement`, `req`), and known IDs in its `description`.

use compact_str::{CompactString, format_compact};

use crate::requirement_id::IdPattern;
use crate::source::eval_assertions;
use crate::source::eval_refs::{is_lfs_pointer, mention_references, references_in_mapping};
use crate::source::json;
use crate::source::model::{EvalCaseDef, Extraction, Problem};
use crate::source::tree::Node;
use crate::source_db::{FileId, Span};
use std::sync::Arc;

/// Keys under which a JSON object holds its list of cases.
const LIST_KEYS: &[&str] = &[
    "tests", "samples", "data", "examples", "cases", "items", "rows",
];

pub fn load_jsonl(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let mut extraction = Extraction::default();
    if is_lfs_pointer(text) {
        extraction.problems.push(lfs_problem(file));
        return extraction;
    }
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        match json::parse(content, line_start) {
            Ok(row) => {
                if let Some(case) = case_from_row(file, text, &row, index + 1, pattern) {
                    extraction.eval_cases.push(Arc::new(case));
                }
            }
            Err(error) => {
                let at = error.offset_in(text, line_start);
                extraction.problems.push(Problem::error(
                    Span::new(file, at, at),
                    format!("invalid JSON on line {}: {}", index + 1, error.message),
                ));
            }
        }
    }
    extraction
}

pub fn load_json(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let mut extraction = Extraction::default();
    if is_lfs_pointer(text) {
        extraction.problems.push(lfs_problem(file));
        return extraction;
    }
    let root = match json::parse(text, 0) {
        Ok(root) => root,
        Err(error) => {
            let at = error.offset_in(text, 0);
            extraction.problems.push(Problem::error(
                Span::new(file, at, at),
                format!("invalid JSON: {}", error.message),
            ));
            return extraction;
        }
    };
    let rows: Vec<&Node> = if root.is_sequence() {
        root.items().iter().collect()
    } else if let Some(list) = LIST_KEYS
        .iter()
        .filter_map(|key| root.get(key))
        .find(|node| node.is_sequence())
    {
        list.items().iter().collect()
    } else if root.is_mapping() {
        vec![&root]
    } else {
        Vec::new()
    };
    for (index, row) in rows.into_iter().enumerate() {
        if let Some(case) = case_from_row(file, text, row, index + 1, pattern) {
            extraction.eval_cases.push(Arc::new(case));
        }
    }
    extraction
}

/// Row fields that are not what the model is given: expected outputs, checks, labels.
const NOT_INPUTS: &[&str] = &[
    "assert",
    "metadata",
    "description",
    "id",
    "ideal",
    "expected",
    "expected_output",
    "target",
    "answer",
    "output",
    "completion",
    "requirements",
];

fn case_from_row(
    file: FileId,
    text: &str,
    row: &Node,
    number: usize,
    pattern: &IdPattern,
) -> Option<EvalCaseDef> {
    if !row.is_mapping() {
        return None;
    }
    let mut references = references_in_mapping(file, text, row);
    if let Some(metadata) = row.get("metadata") {
        references.extend(references_in_mapping(file, text, metadata));
    }
    let description = row.get("description");
    if let Some(description) = description {
        references.extend(mention_references(file, text, description, pattern));
    }
    let label = description
        .and_then(Node::as_str)
        .or_else(|| row.get("id").and_then(Node::as_str))
        .map_or_else(|| format_compact!("case #{number}"), CompactString::from);
    let first_line_end = text
        .get(row.start..row.end)
        .and_then(|slice| slice.find('\n'))
        .map_or(row.end, |at| row.start + at);
    let mut assertions = row
        .get("assert")
        .map(|list| eval_assertions::from_assert_list(file, list))
        .unwrap_or_default();
    if let Some(metadata) = row.get("metadata") {
        assertions.extend(eval_assertions::from_metadata(file, metadata));
    }
    Some(EvalCaseDef {
        span: Span::new(file, row.start, first_line_end),
        label,
        references: references.into_boxed_slice(),
        assertions: assertions.into_boxed_slice(),
        inputs: row.input_text(NOT_INPUTS).into_boxed_str(),
        runs: 1,
    })
}

fn lfs_problem(file: FileId) -> Problem {
    Problem::info(
        Span::file_start(file),
        "this file is a Git LFS pointer: its content is not available, so its cases were not read",
    )
    .with_help("run `git lfs pull` to fetch the data before running speclint")
}

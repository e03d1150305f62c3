//! Assertions of eval cases: promptfoo `assert` lists, CSV `__expected` shorthands, GitHub
//! Models evaluators and dataset metadata limits.

use compact_str::CompactString;

use crate::source::model::AssertionDef;
use crate::source::tree::{Node, NodeValue};
use crate::source_db::{FileId, Span};

/// The assertions of an `assert:` list (nested `assert-set`s included).
pub fn from_assert_list(file: FileId, list: &Node) -> Vec<AssertionDef> {
    let mut found = Vec::new();
    let mut stack: Vec<&Node> = list.items().iter().rev().collect();
    while let Some(assertion) = stack.pop() {
        let Some(kind) = assertion.get("type").and_then(Node::as_str) else {
            continue;
        };
        if kind == "assert-set" {
            if let Some(inner) = assertion.get("assert") {
                stack.extend(inner.items().iter().rev());
            }
            continue;
        }
        let threshold = assertion.get("threshold").and_then(number);
        let values: Vec<&Node> = match assertion.get("value") {
            Some(value) if value.is_sequence() => value.items().iter().collect(),
            Some(value) => vec![value],
            None => Vec::new(),
        };
        if values.is_empty() {
            found.push(AssertionDef {
                kind: CompactString::from(kind),
                value: CompactString::default(),
                threshold,
                span: Span::new(file, assertion.start, assertion.end.max(assertion.start)),
            });
        }
        for value in values {
            let Some(text) = value.scalar_text() else {
                continue;
            };
            if text.trim_start().starts_with("file://") {
                continue;
            }
            found.push(AssertionDef {
                kind: CompactString::from(kind),
                value: CompactString::from(text),
                threshold,
                span: Span::new(file, value.start, value.end.max(value.start)),
            });
        }
    }
    found
}

fn number(node: &Node) -> Option<f64> {
    match node.value {
        NodeValue::Integer(value) => Some(value as f64),
        NodeValue::Float(value) => Some(value),
        NodeValue::String(ref text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Known assertion types, for reading `__expected` shorthands (`icontains: bonjour`).
const KNOWN_TYPES: &[&str] = &[
    "contains",
    "icontains",
    "equals",
    "starts-with",
    "regex",
    "contains-any",
    "icontains-any",
    "contains-all",
    "icontains-all",
    "is-json",
    "contains-json",
    "javascript",
    "python",
    "llm-rubric",
    "model-graded-closedqa",
    "similar",
    "levenshtein",
    "rouge-n",
    "bleu",
    "factuality",
    "answer-relevance",
    "g-eval",
    "is-refusal",
    "moderation",
    "classifier",
    "latency",
    "cost",
    "perplexity",
    "webhook",
    "grader",
];

/// A CSV `__expected` cell: `type:value`, `not-type:value`, `fn:code` or a plain value
/// (which promptfoo compares with `equals`).
pub fn from_expected_cell(cell: &str, span: Span) -> Option<AssertionDef> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    if let Some((kind, value)) = cell.split_once(':') {
        let kind = kind.trim();
        let base = kind.strip_prefix("not-").unwrap_or(kind);
        let kind = match base {
            "fn" | "eval" => "javascript",
            "grade" => "llm-rubric",
            _ => kind,
        };
        let base = kind.strip_prefix("not-").unwrap_or(kind);
        if KNOWN_TYPES.contains(&base) {
            return Some(AssertionDef {
                kind: CompactString::from(kind),
                value: CompactString::from(value.trim()),
                threshold: None,
                span,
            });
        }
    }
    Some(AssertionDef {
        kind: CompactString::const_new("equals"),
        value: CompactString::from(cell),
        threshold: None,
        span,
    })
}

/// Numeric limits in a dataset row's metadata (`max_words: 150`).
pub fn from_metadata(file: FileId, metadata: &Node) -> Vec<AssertionDef> {
    metadata
        .entries()
        .filter_map(|(key, value)| {
            let key = key.as_str()?;
            // The kind is built in place ("metadata:" and the key, lower-cased): most fit in a
            // compact string's inline bytes, and a dataset has one such limit per row.
            let mut kind = CompactString::const_new("metadata:");
            kind.push_str(key);
            kind.make_ascii_lowercase();
            let lower = kind.strip_prefix("metadata:").unwrap_or_default();
            let is_limit =
                lower.starts_with("max") || lower.starts_with("min") || lower.ends_with("limit");
            if !is_limit {
                return None;
            }
            number(value)?;
            Some(AssertionDef {
                kind,
                value: CompactString::from(value.scalar_text()?),
                threshold: None,
                span: Span::new(file, value.start, value.end.max(value.start)),
            })
        })
        .collect()
}

/// GitHub Models `evaluators`: `string: {contains: …}` checks.
pub fn from_github_evaluators(file: FileId, evaluators: &Node) -> Vec<AssertionDef> {
    let mut found = Vec::new();
    for evaluator in evaluators.items() {
        let Some(checks) = evaluator.get("string") else {
            continue;
        };
        for (key, value) in checks.entries() {
            let kind = match key.as_str() {
                Some("contains") => "icontains",
                Some("equals") => "equals",
                Some("startsWith") => "starts-with",
                Some("endsWith") => "contains",
                _ => continue,
            };
            if let Some(text) = value.scalar_text() {
                found.push(AssertionDef {
                    kind: CompactString::from(kind),
                    value: CompactString::from(text),
                    threshold: None,
                    span: Span::new(file, value.start, value.end.max(value.start)),
                });
            }
        }
    }
    found
}

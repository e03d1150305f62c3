//! Requirement references in eval cases, shared by the promptfoo and dataset loaders.

use compact_str::CompactString;

use crate::requirement_id::{IdPattern, split_id_list};
use crate::source::model::{Reference, ReferenceKind};
use crate::source::tree::Node;
use crate::source_db::{FileId, Span};

/// Keys of a metadata object (or of a dataset row) that hold requirement IDs.
pub const REQUIREMENT_KEYS: &[&str] = &["requirements", "requirement", "req", "reqs"];

/// Explicit references from a `requirements` value: a string (`"FR-001, FR-002"`), a list of
/// strings, or a number. Every token counts, so a typo is reported rather than ignored.
pub fn field_references(file: FileId, text: &str, node: &Node) -> Vec<Reference> {
    let mut references = Vec::new();
    let scalars: Vec<&Node> = if node.is_sequence() {
        node.items().iter().collect()
    } else {
        vec![node]
    };
    for scalar in scalars {
        let Some(value) = scalar.scalar_text() else {
            continue;
        };
        for (_, token) in split_id_list(&value) {
            let token = token.trim_matches(['"', '\'', '`', '[', ']', '(', ')']);
            if token.is_empty() {
                continue;
            }
            references.push(Reference {
                id: CompactString::from(token),
                span: token_span(file, text, scalar, token),
                kind: ReferenceKind::Explicit,
            });
        }
    }
    references
}

/// Mentions of IDs in free text such as a test description: they link only when defined.
pub fn mention_references(
    file: FileId,
    text: &str,
    node: &Node,
    pattern: &IdPattern,
) -> Vec<Reference> {
    let Some(value) = node.as_str() else {
        return Vec::new();
    };
    pattern
        .find_all(value)
        .map(|found| Reference {
            id: CompactString::from(found.id),
            span: token_span(file, text, node, found.id),
            kind: ReferenceKind::Mention,
        })
        .collect()
}

/// The references a mapping (a test's `metadata`, or a dataset row) carries in its requirement
/// keys.
pub fn references_in_mapping(file: FileId, text: &str, mapping: &Node) -> Vec<Reference> {
    REQUIREMENT_KEYS
        .iter()
        .filter_map(|key| mapping.get(key))
        .flat_map(|value| field_references(file, text, value))
        .collect()
}

/// Where `token` is written inside `node`; the node's start when it cannot be found (an
/// escaped string, say).
pub fn token_span(file: FileId, text: &str, node: &Node, token: &str) -> Span {
    let window_end = if node.end > node.start {
        node.end
    } else {
        text.get(node.start..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |at| node.start + at)
    };
    match text
        .get(node.start..window_end)
        .and_then(|window| window.find(token))
    {
        Some(at) => Span::new(file, node.start + at, node.start + at + token.len()),
        None => Span::new(file, node.start, node.start),
    }
}

/// Whether a file is a Git LFS pointer instead of the data it stands for.
pub fn is_lfs_pointer(text: &str) -> bool {
    text.starts_with("version https://git-lfs.github.com/spec/")
}

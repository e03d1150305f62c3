//! Reference comments: which IDs a comment names, and whether it names them on purpose.

use compact_str::CompactString;

use crate::requirement_id::IdPattern;
use crate::source::model::{Reference, ReferenceKind};
use crate::source_db::{FileId, Span};

/// Words that may stand before the first ID of a reference comment (`Covers: FR-001`).
const LABEL_WORDS: &[&str] = &[
    "covers",
    "covered",
    "by",
    "implements",
    "implemented",
    "req",
    "reqs",
    "requirement",
    "requirements",
    "ref",
    "refs",
    "reference",
    "references",
    "spec",
    "specs",
    "satisfies",
    "trace",
    "traces",
    "speclint",
    "id",
    "ids",
    "see",
    "per",
];

/// The references in a comment whose inner text (without delimiters) starts at `offset`.
///
/// A comment that opens with an ID, after at most a few label words (`Covers: FR-001, FR-002`),
/// is a reference comment: every ID in it is a [`ReferenceKind::Comment`] reference. Other
/// comments (`# TODO(PROJ-12): tune for GPT-4`) only link the IDs the spec
/// defines, so ticket keys and model names in ordinary comments never produce findings.
pub fn references_in_comment(
    file: FileId,
    inner: &str,
    offset: usize,
    pattern: &IdPattern,
) -> Vec<Reference> {
    let mut found = pattern.find_all(inner).peekable();
    let Some(first) = found.peek() else {
        return Vec::new();
    };
    let before = inner.get(..first.start).unwrap_or("");
    let leads = before
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .all(|word| LABEL_WORDS.contains(&word.to_ascii_lowercase().as_str()));
    let kind = if leads {
        ReferenceKind::Comment
    } else {
        ReferenceKind::Mention
    };
    found
        .map(|found| Reference {
            id: CompactString::from(found.id),
            span: Span::new(file, offset + found.start, offset + found.end),
            kind,
        })
        .collect()
}

/// A comment holding `inner` in the syntax of the file at `path`, or `None` for formats without
/// comments (JSON, JSONL, CSV).
pub fn comment_for(path: &str, inner: &str) -> Option<String> {
    let extension = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let comment = match extension.as_str() {
        "py" | "pyi" | "yaml" | "yml" | "toml" => format!("# {inner}"),
        "ts" | "tsx" | "js" | "jsx" | "mjs" | "cjs" | "mts" | "cts" => format!("// {inner}"),
        "hbs" | "handlebars" | "mustache" | "prompt" => format!("{{{{!-- {inner} --}}}}"),
        "md" | "markdown" | "mdx" => format!("<!-- {inner} -->"),
        "json" | "jsonl" | "ndjson" | "csv" => return None,
        _ => format!("{{# {inner} #}}"),
    };
    Some(comment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(inner: &str) -> Vec<(String, ReferenceKind)> {
        references_in_comment(FileId(0), inner, 0, &IdPattern::default_pattern())
            .into_iter()
            .map(|reference| (reference.id.to_string(), reference.kind))
            .collect()
    }

    #[test]
    fn leading_ids_are_explicit() {
        assert_eq!(
            kinds(" FR-001, FR-002 "),
            [
                ("FR-001".to_owned(), ReferenceKind::Comment),
                ("FR-002".to_owned(), ReferenceKind::Comment)
            ]
        );
        assert_eq!(
            kinds(" Covers: FR-001 "),
            [("FR-001".to_owned(), ReferenceKind::Comment)]
        );
    }

    #[test]
    fn ids_in_ordinary_comments_are_mentions() {
        assert_eq!(
            kinds(" TODO(PROJ-12): tune for GPT-4 "),
            [
                ("PROJ-12".to_owned(), ReferenceKind::Mention),
                ("GPT-4".to_owned(), ReferenceKind::Mention)
            ]
        );
    }
}

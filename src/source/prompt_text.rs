//! Text prompt files (Markdown, plain text, Jinja/Nunjucks, Handlebars, Mustache, dotprompt).
//!
//! References live in comments: `<!-- FR-001 -->`, `{# FR-001 #}`, `{{!-- FR-001 --}}` and
//! `{{! FR-001 }}`. All four syntaxes are read in every text prompt file, because promptfoo
//! renders `.txt` and `.md` prompts with Nunjucks and Markdown prompts often hold HTML comments.
//! A reference covers the text block after its comment, up to the next blank line or the next
//! reference comment; a comment at the end of a line of text covers that line's paragraph.

use crate::requirement_id::IdPattern;
use crate::source::comments::references_in_comment;
use crate::source::model::{Extraction, PromptPassageDef, Reference};
use crate::source_db::{FileId, Span};

const DELIMITERS: &[(&str, &str)] = &[
    ("<!--", "-->"),
    ("{{!--", "--}}"),
    ("{{!", "}}"),
    ("{#", "#}"),
];

/// A comment in a text prompt.
#[derive(Debug)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub inner_start: usize,
    pub inner_end: usize,
}

/// Every comment of the four syntaxes, in order. An unterminated comment runs to the end.
pub fn find_comments(text: &str) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut cursor = 0;
    while let Some(rest) = text.get(cursor..) {
        let next = DELIMITERS
            .iter()
            .filter_map(|&(open, close)| rest.find(open).map(|at| (at, open, close)))
            // At the same position the longer opener wins (`{{!--` before `{{!`).
            .min_by_key(|&(at, open, _)| (at, usize::MAX - open.len()));
        let Some((at, open, close)) = next else {
            break;
        };
        let start = cursor + at;
        let inner_start = start + open.len();
        let (inner_end, end) = match text.get(inner_start..).and_then(|after| after.find(close)) {
            Some(close_at) => (inner_start + close_at, inner_start + close_at + close.len()),
            None => (text.len(), text.len()),
        };
        comments.push(Comment {
            start,
            end,
            inner_start,
            inner_end,
        });
        cursor = end.max(start + 1);
    }
    comments
}

/// Reads the prompt held in `text[start..end]` (a string inside a JSON or YAML file); spans are
/// offsets into the whole of `text`.
pub fn load_range(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    pattern: &IdPattern,
) -> Extraction {
    let Some(slice) = text.get(start..end) else {
        return Extraction::default();
    };
    let mut extraction = load(file, slice, pattern);
    for passage in &mut extraction.passages {
        passage.span = Span::new(
            file,
            passage.span.start() + start,
            passage.span.end() + start,
        );
        for reference in &mut passage.references {
            reference.span = Span::new(
                file,
                reference.span.start() + start,
                reference.span.end() + start,
            );
        }
    }
    extraction
}

pub fn load(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let mut extraction = Extraction::default();
    let comments = find_comments(text);
    let reference_comments: Vec<(&Comment, Vec<Reference>)> = comments
        .iter()
        .filter_map(|comment| {
            let inner = text.get(comment.inner_start..comment.inner_end)?;
            let references = references_in_comment(file, inner, comment.inner_start, pattern);
            (!references.is_empty()).then_some((comment, references))
        })
        .collect();

    let mut waiting: Vec<Reference> = Vec::new();
    for (position, (comment, references)) in reference_comments.iter().enumerate() {
        waiting.extend(references.iter().cloned());
        let next_reference_start = reference_comments
            .get(position + 1)
            .map_or(text.len(), |(next, _)| next.start);
        let (start, end) = if is_trailing(text, comment.start) {
            paragraph_around(text, comment.start)
        } else {
            block_after(text, comment.end, next_reference_start)
        };
        let passage_text = text_without_comments(text, start, end, &comments);
        if passage_text.trim().is_empty() {
            // Stacked reference comments share the passage that follows the last of them.
            continue;
        }
        extraction.passages.push(PromptPassageDef {
            span: Span::new(file, start, end),
            text: passage_text,
            references: std::mem::take(&mut waiting),
        });
    }
    add_untagged_blocks(file, text, &comments, &mut extraction);
    if !waiting.is_empty() {
        // Reference comments with no text after them still count as references, covering
        // nothing but themselves, so that unknown IDs in them are reported.
        let first = waiting
            .first()
            .map_or(0, |reference| reference.span.start());
        let last = waiting.last().map_or(0, |reference| reference.span.end());
        extraction.passages.push(PromptPassageDef {
            span: Span::new(file, first, last),
            text: String::new(),
            references: waiting,
        });
    }
    extraction
}

/// Blocks no reference covers become untagged passages: prompt text that implements nothing
/// recorded yet, which `requirement-missing-from-prompt` can suggest tagging.
fn add_untagged_blocks(
    file: FileId,
    text: &str,
    comments: &[Comment],
    extraction: &mut Extraction,
) {
    let covered: Vec<(usize, usize)> = extraction
        .passages
        .iter()
        .map(|passage| (passage.span.start(), passage.span.end()))
        .collect();
    let mut cursor = 0;
    while cursor < text.len() {
        let rest = text.get(cursor..).unwrap_or("");
        let skipped = rest.len() - rest.trim_start().len();
        let start = cursor + skipped;
        if start >= text.len() {
            break;
        }
        let body = text.get(start..).unwrap_or("");
        let first_line = body.split_inclusive('\n').next().unwrap_or("");
        if first_line.trim() == "---" {
            // A separator between prompts belongs to no block.
            cursor = start + first_line.len();
            continue;
        }
        let length = block_length(body).max(1);
        let end = trim_end_at(text, start, start + length);
        cursor = start + length;
        let overlaps = covered
            .iter()
            .any(|&(covered_start, covered_end)| start < covered_end && covered_start < end);
        if overlaps {
            continue;
        }
        let block_text = text_without_comments(text, start, end, comments);
        if block_text.trim().is_empty() {
            continue;
        }
        extraction.passages.push(PromptPassageDef {
            span: Span::new(file, start, end),
            text: block_text,
            references: Vec::new(),
        });
    }
    extraction
        .passages
        .sort_by_key(|passage| passage.span.start());
}

/// Whether there is text before `offset` on its line (a comment ending a line of text).
pub fn is_trailing(text: &str, offset: usize) -> bool {
    let line_start = text
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1);
    text.get(line_start..offset)
        .is_some_and(|before| !before.trim().is_empty())
}

/// The paragraph (lines between blank lines) that holds `offset`.
fn paragraph_around(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or("");
    let mut start = before.rfind('\n').map_or(0, |at| at + 1);
    while start > 0 {
        let previous_end = start - 1;
        let previous_start = text
            .get(..previous_end)
            .and_then(|head| head.rfind('\n'))
            .map_or(0, |at| at + 1);
        let previous = text.get(previous_start..previous_end).unwrap_or("").trim();
        if previous.is_empty() || previous == "---" {
            break;
        }
        start = previous_start;
    }
    let body = text.get(start..).unwrap_or("");
    let end = start + block_length(body);
    (start, trim_end_at(text, start, end))
}

/// The block after a comment: from the next non-blank line to the next blank line or `limit`.
fn block_after(text: &str, comment_end: usize, limit: usize) -> (usize, usize) {
    let rest = text.get(comment_end..limit.max(comment_end)).unwrap_or("");
    // Skip the remainder of the comment's line and blank lines.
    let leading = rest.len() - rest.trim_start().len();
    let start = comment_end + leading;
    let body = text.get(start..limit.max(start)).unwrap_or("");
    let end = start + block_length(body);
    (start, trim_end_at(text, start, end))
}

/// The length of the block at the start of `body`: up to a blank line, or a line of `---`
/// (promptfoo's separator between prompts in one file, a thematic break in Markdown).
fn block_length(body: &str) -> usize {
    let mut length = 0;
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let content = line.trim();
        if index > 0 && (content.is_empty() || content == "---") {
            return length;
        }
        length += line.len();
    }
    length
}

fn trim_end_at(text: &str, start: usize, end: usize) -> usize {
    let slice = text.get(start..end).unwrap_or("");
    start + slice.trim_end().len()
}

/// The passage's text with every comment in it removed.
fn text_without_comments(text: &str, start: usize, end: usize, comments: &[Comment]) -> String {
    let mut result = String::new();
    let mut cursor = start;
    for comment in comments {
        if comment.end <= start || comment.start >= end {
            continue;
        }
        if comment.start > cursor {
            result.push_str(text.get(cursor..comment.start).unwrap_or(""));
        }
        cursor = cursor.max(comment.end);
    }
    if cursor < end {
        result.push_str(text.get(cursor..end).unwrap_or(""));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passages(text: &str) -> Vec<(Vec<String>, String)> {
        load(FileId(0), text, &IdPattern::default_pattern())
            .passages
            .into_iter()
            .filter(|passage| !passage.references.is_empty())
            .map(|passage| {
                let ids = passage
                    .references
                    .into_iter()
                    .map(|r| r.id.to_string())
                    .collect();
                (ids, passage.text)
            })
            .collect()
    }

    #[test]
    fn each_comment_syntax_references_the_following_block() {
        let text = "Intro GPT-4 text.\n\n<!-- FR-001 -->\nRefund within 30 days.\nAlways.\n\n{# FR-002 #}\nBe brief.\n{{!-- FR-003 --}}\nSay hi.\n";
        assert_eq!(
            passages(text),
            [
                (
                    vec!["FR-001".to_owned()],
                    "Refund within 30 days.\nAlways.".to_owned()
                ),
                (vec!["FR-002".to_owned()], "Be brief.".to_owned()),
                (vec!["FR-003".to_owned()], "Say hi.".to_owned()),
            ]
        );
    }

    #[test]
    fn untagged_blocks_are_passages_too() {
        let text = "Intro text.\n\n<!-- FR-001 -->\nTagged.\n---\nSecond prompt.\n";
        let all = load(FileId(0), text, &IdPattern::default_pattern()).passages;
        let texts: Vec<(usize, &str)> = all
            .iter()
            .map(|p| (p.references.len(), p.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [(0, "Intro text."), (1, "Tagged."), (0, "Second prompt.")]
        );
    }

    #[test]
    fn stacked_and_trailing_comments() {
        let text = "<!-- FR-001 -->\n<!-- FR-002 -->\nShared text.\n\nLine one. {{! FR-003 }}\nLine two.\n";
        assert_eq!(
            passages(text),
            [
                (
                    vec!["FR-001".to_owned(), "FR-002".to_owned()],
                    "Shared text.".to_owned()
                ),
                (
                    vec!["FR-003".to_owned()],
                    "Line one. \nLine two.".to_owned()
                ),
            ]
        );
    }
}

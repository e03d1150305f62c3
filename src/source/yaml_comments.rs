//! `#` comments in YAML files. serde-saphyr reads values, not comments, so they are found by a
//! line scan: a comment starts at a `#` that opens a line or follows white space outside quotes.

use crate::requirement_id::IdPattern;
use crate::source::comments::references_in_comment;
use crate::source::model::Reference;
use crate::source_db::{FileId, Span};

#[derive(Clone, Debug)]
pub struct YamlComment {
    /// Offset of the `#`.
    pub start: usize,
    pub end: usize,
    /// 0-based line.
    pub line: usize,
    /// Whether the comment is alone on its line.
    pub own_line: bool,
}

/// The comments of one file, with its line starts for finding the line of any offset.
#[derive(Clone, Debug, Default)]
pub struct YamlComments {
    list: Vec<YamlComment>,
    line_starts: Vec<usize>,
}

impl YamlComments {
    /// The 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        }
    }
}

pub fn find_comments(text: &str) -> YamlComments {
    let mut line_starts = vec![0];
    line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|index| index + 1));
    YamlComments {
        list: comment_list(text),
        line_starts,
    }
}

fn comment_list(text: &str) -> Vec<YamlComment> {
    let mut comments = Vec::new();
    let mut offset = 0;
    for (line_number, line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let Some(hash) = comment_start(content) else {
            continue;
        };
        comments.push(YamlComment {
            start: line_start + hash,
            end: line_start + content.len(),
            line: line_number,
            own_line: content
                .get(..hash)
                .is_some_and(|before| before.trim().is_empty()),
        });
    }
    comments
}

fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (index, character) in line.char_indices() {
        match quote {
            Some(open) if character == open => quote = None,
            Some(_) => {}
            None if character == '#' && previous.is_whitespace() => return Some(index),
            None if (character == '"' || character == '\'')
                && (previous.is_whitespace()
                    || matches!(previous, ':' | '[' | '{' | ',' | '-')) =>
            {
                quote = Some(character);
            }
            None => {}
        }
        previous = character;
    }
    None
}

/// The 0-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count())
}

/// References in the comments that belong to the node starting at `node_start`: the
/// uninterrupted run of own-line comments just above its line, and a comment at the end of its
/// line.
pub fn references_above(
    file: FileId,
    text: &str,
    comments: &YamlComments,
    node_start: usize,
    pattern: &IdPattern,
) -> Vec<Reference> {
    if comments.list.is_empty() {
        return Vec::new();
    }
    let node_line = comments.line_of(node_start);
    let mut belonging: Vec<&YamlComment> = Vec::new();
    let mut wanted_line = node_line;
    // Only comments before the node can belong to it; start from the last of them.
    let before = comments
        .list
        .partition_point(|comment| comment.start < node_start);
    for comment in comments.list.iter().take(before).rev() {
        if comment.line > node_line {
            continue;
        }
        if comment.line == node_line && !comment.own_line {
            belonging.push(comment);
            continue;
        }
        if comment.own_line && comment.line + 1 == wanted_line {
            belonging.push(comment);
            wanted_line = comment.line;
            continue;
        }
        if comment.line < wanted_line {
            break;
        }
    }
    belonging.reverse();
    belonging
        .into_iter()
        .flat_map(|comment| {
            let inner = text.get(comment.start + 1..comment.end).unwrap_or("");
            references_in_comment(file, inner, comment.start + 1, pattern)
        })
        .collect()
}

/// Keeps `span` inside the file even when a node's end is unknown.
pub fn node_span(file: FileId, start: usize, end: usize) -> Span {
    Span::new(file, start, end)
}

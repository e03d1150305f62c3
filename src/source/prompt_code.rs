//! Prompts in Python, TypeScript and JavaScript source, read with tree-sitter.
//!
//! Prompt artifacts are strings assigned at module or class level (constants, class fields,
//! class attributes, and the values of object/dict and array/list literals assigned there),
//! f-strings and template literals included, when the name or key they are assigned to contains
//! `PROMPT`, `INSTRUCTION`, `SYSTEM_MESSAGE`, `TEMPLATE`, `PERSONA` or `PREAMBLE` (in any case,
//! so `systemPrompt` counts), or when the string reads as a prompt (prose of eight words or
//! more, not markup, SQL or a URL); and any string after a `speclint: prompt` comment.
//!
//! A reference is an ID in a comment (`# FR-001`, `// FR-001`, `/* FR-001 */`); it covers the
//! string literal of the statement that follows the comment (the longest one, so that a chat
//! message's content wins over its `"role"` key), or of the statement the comment ends.

use tree_sitter::{Node as SyntaxNode, Parser, Tree};

use crate::requirement_id::IdPattern;
use crate::source::CodeLanguage;
use crate::source::comments::references_in_comment;
use crate::source::model::{Extraction, Problem, PromptPassageDef, Reference};
use crate::source::prompt_text;
use crate::source_db::{FileId, Span};

const STRING_KINDS: &[&str] = &["string", "template_string", "concatenated_string"];

pub fn load(file: FileId, text: &str, language: CodeLanguage, pattern: &IdPattern) -> Extraction {
    let mut extraction = Extraction::default();
    // tree-sitter costs far more than a regex scan: a file with no ID-shaped word, no
    // prompt-named constant and no `speclint: prompt` marker holds nothing to read.
    if !pattern.is_match(text) && !might_hold_prompts(text) {
        return extraction;
    }
    let Some(tree) = parse(text, language) else {
        extraction.problems.push(Problem::error(
            Span::file_start(file),
            "the source file could not be parsed within the time limit; its prompts were not read",
        ));
        return extraction;
    };

    prompt_constants(file, text, tree.root_node(), &mut extraction);
    let mut comments = Vec::new();
    collect_comments(tree.root_node(), &mut comments);
    let mut waiting: Vec<Reference> = Vec::new();
    for comment in comments {
        let Some(comment_text) = text.get(comment.byte_range()) else {
            continue;
        };
        if is_prompt_marker(comment_text)
            && let Some(literal) = next_statement(comment).and_then(longest_string)
        {
            extraction
                .passages
                .push(untagged_passage(file, text, literal));
        }
        let references = references_in_comment(file, comment_text, comment.start_byte(), pattern);
        if references.is_empty() {
            continue;
        }
        waiting.extend(references);
        let target = if prompt_text::is_trailing(text, comment.start_byte()) {
            statement_ending_at(comment)
        } else {
            next_statement(comment)
        };
        let Some(target) = target else {
            continue;
        };
        let literal = longest_string(target);
        let covered = literal.unwrap_or(target);
        let span = Span::new(file, covered.start_byte(), covered.end_byte());
        let covered_text = text.get(covered.byte_range()).unwrap_or_default();
        let passage_text = match literal {
            Some(literal) => literal_text(text, literal),
            None => covered_text.to_owned(),
        };
        let references = std::mem::take(&mut waiting);
        // Stacked comments above one statement cover the same literal: one passage.
        if let Some(previous) = extraction.passages.last_mut()
            && previous.span == span
        {
            previous.references.extend(references);
            continue;
        }
        extraction.passages.push(PromptPassageDef {
            span,
            text: passage_text,
            references,
        });
    }
    if let (Some(first), Some(last)) = (waiting.first(), waiting.last()) {
        let span = Span::new(file, first.span.start(), last.span.end());
        extraction.passages.push(PromptPassageDef {
            span,
            text: String::new(),
            references: waiting,
        });
    }
    extraction
}

const PROMPT_NAME_PARTS: &[&str] = &[
    "prompt",
    "instruction",
    "system_message",
    "systemmessage",
    "template",
    "persona",
    "preamble",
];

/// Openings of prompt prose, for skipping files that cannot hold a prompt without parsing them.
const PROMPT_OPENINGS: &[&str] = &[
    "you are",
    "you're",
    "your task",
    "your job",
    "your role",
    "your goal",
    "act as",
    "you will",
    "you must",
    "respond ",
    "answer ",
    "reply ",
    "given ",
    "below is",
    "the following",
    "as an ",
    "as a ",
];

fn might_hold_prompts(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    PROMPT_NAME_PARTS.iter().any(|part| lower.contains(part))
        || lower.contains("speclint: prompt")
        || PROMPT_OPENINGS
            .iter()
            .any(|opening| lower.contains(opening))
}

fn is_prompt_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    PROMPT_NAME_PARTS.iter().any(|part| lower.contains(part))
}

fn is_prompt_marker(comment: &str) -> bool {
    let lower = comment.to_ascii_lowercase();
    lower.contains("speclint: prompt") || lower.contains("speclint:prompt")
}

fn untagged_passage(file: FileId, text: &str, literal: SyntaxNode<'_>) -> PromptPassageDef {
    PromptPassageDef {
        span: Span::new(file, literal.start_byte(), literal.end_byte()),
        text: literal_text(text, literal),
        references: Vec::new(),
    }
}

/// The content of a string literal; the parts of an implicit concatenation are joined.
fn literal_text(text: &str, literal: SyntaxNode<'_>) -> String {
    if literal.kind() == "concatenated_string" {
        let mut cursor = literal.walk();
        return literal
            .named_children(&mut cursor)
            .filter_map(|part| text.get(part.byte_range()))
            .map(string_content)
            .collect();
    }
    text.get(literal.byte_range())
        .map(string_content)
        .unwrap_or_default()
}

/// Module- and class-level assignments of a string to a prompt-named constant.
fn prompt_constants(file: FileId, text: &str, root: SyntaxNode<'_>, extraction: &mut Extraction) {
    let mut scopes = vec![root];
    while let Some(scope) = scopes.pop() {
        let mut cursor = scope.walk();
        for statement in scope.named_children(&mut cursor) {
            let declaration = match statement.kind() {
                "export_statement" => statement
                    .child_by_field_name("declaration")
                    .unwrap_or(statement),
                _ => statement,
            };
            match declaration.kind() {
                "class_definition" | "class_declaration" | "class" => {
                    if let Some(body) = declaration.child_by_field_name("body") {
                        scopes.push(body);
                    }
                }
                "expression_statement" => {
                    // Python: `NAME = "..."` or `NAME: str = "..."`; JavaScript:
                    // `module.exports = {...}`, `exports.PROMPT = "..."`.
                    let mut inner = declaration.walk();
                    for assignment in declaration.named_children(&mut inner) {
                        if matches!(assignment.kind(), "assignment" | "assignment_expression") {
                            constant_passage(file, text, assignment, "left", "right", extraction);
                        }
                    }
                }
                "export_statement" => {
                    // `export default { system: "..." }`: judged by its keys and contents.
                    if let Some(value) = declaration.child_by_field_name("value") {
                        collect_value(file, text, value, false, 0, extraction);
                    }
                }
                "lexical_declaration" | "variable_declaration" => {
                    let mut inner = declaration.walk();
                    for declarator in declaration.named_children(&mut inner) {
                        if declarator.kind() == "variable_declarator" {
                            constant_passage(file, text, declarator, "name", "value", extraction);
                        }
                    }
                }
                "public_field_definition" | "field_definition" => {
                    let name_field = if declaration.child_by_field_name("name").is_some() {
                        "name"
                    } else {
                        "property"
                    };
                    constant_passage(file, text, declaration, name_field, "value", extraction);
                }
                _ => {}
            }
        }
    }
}

fn constant_passage(
    file: FileId,
    text: &str,
    node: SyntaxNode<'_>,
    name_field: &str,
    value_field: &str,
    extraction: &mut Extraction,
) {
    let (Some(name), Some(value)) = (
        node.child_by_field_name(name_field),
        node.child_by_field_name(value_field),
    ) else {
        return;
    };
    let Some(name_text) = text.get(name.byte_range()) else {
        return;
    };
    collect_value(file, text, value, is_prompt_name(name_text), 0, extraction);
}

/// How deep object and array literals are searched for prompt strings.
const MAX_LITERAL_DEPTH: usize = 4;

/// The prompt strings of an assigned value: the value itself when it is a string (any string
/// for a prompt-named target, otherwise one that reads as a prompt), the strings of a
/// concatenation, and the values of object/dict and array/list literals, judged by their keys.
fn collect_value(
    file: FileId,
    text: &str,
    value: SyntaxNode<'_>,
    prompt_named: bool,
    depth: usize,
    extraction: &mut Extraction,
) {
    let literal = if STRING_KINDS.contains(&value.kind()) {
        Some(value)
    } else if matches!(
        value.kind(),
        "parenthesized_expression" | "binary_operator" | "binary_expression"
    ) {
        longest_string(value)
    } else {
        None
    };
    if let Some(literal) = literal {
        let content = literal_text(text, literal);
        if prompt_named || reads_as_prompt(&content) {
            extraction
                .passages
                .push(untagged_passage(file, text, literal));
        }
        return;
    }
    if depth >= MAX_LITERAL_DEPTH {
        return;
    }
    let mut cursor = value.walk();
    match value.kind() {
        "object" | "dictionary" => {
            for pair in value.named_children(&mut cursor) {
                if pair.kind() != "pair" {
                    continue;
                }
                let (Some(key), Some(inner)) = (
                    pair.child_by_field_name("key"),
                    pair.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let key_named = text.get(key.byte_range()).is_some_and(is_prompt_name);
                collect_value(file, text, inner, key_named, depth + 1, extraction);
            }
        }
        "array" | "list" | "tuple" => {
            for item in value.named_children(&mut cursor) {
                collect_value(file, text, item, prompt_named, depth + 1, extraction);
            }
        }
        _ => {}
    }
}

/// Whether a string reads as a prompt: prose of some length (eight words or more, mostly
/// letters and spaces), not markup, SQL, a URL or a path.
pub fn reads_as_prompt(content: &str) -> bool {
    let trimmed = content.trim();
    let words = trimmed.split_whitespace().count();
    if words < 8 || trimmed.len() < 40 {
        return false;
    }
    let lower = trimmed.to_ascii_lowercase();
    let code_like = [
        "select ", "insert ", "update ", "delete ", "create ", "<", "{", "http://", "https://",
        "/", "#!",
    ]
    .iter()
    .any(|start| lower.starts_with(start));
    if code_like {
        return false;
    }
    let prose = trimmed
        .chars()
        .filter(|character| character.is_alphabetic() || character.is_whitespace())
        .count();
    prose * 10 >= trimmed.chars().count() * 7
}

/// Parses `text`, giving up after a time budget: tree-sitter's error recovery can take very long
/// on some hostile inputs (a fuzzer found a 416-byte one), and a linter must not hang.
pub fn parse(text: &str, language: CodeLanguage) -> Option<Tree> {
    let language: tree_sitter::Language = match language {
        CodeLanguage::Python => tree_sitter_python::LANGUAGE.into(),
        CodeLanguage::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        CodeLanguage::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        CodeLanguage::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
    };
    let mut parser = Parser::new();
    parser.set_language(&language).ok()?;
    // Two seconds, plus one per 100 KB: ordinary files parse a hundred times faster.
    let budget = std::time::Duration::from_secs(2 + (text.len() / 100_000) as u64);
    let deadline = std::time::Instant::now() + budget;
    let mut over_budget = |_: &tree_sitter::ParseState| std::time::Instant::now() > deadline;
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut over_budget);
    let bytes = text.as_bytes();
    parser.parse_with_options(
        &mut |offset, _| bytes.get(offset..).unwrap_or_default(),
        None,
        Some(options),
    )
}

/// Every comment node, in source order, without recursion (deeply nested code cannot overflow
/// the stack).
fn collect_comments<'tree>(root: SyntaxNode<'tree>, comments: &mut Vec<SyntaxNode<'tree>>) {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.kind() == "comment" {
            comments.push(node);
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The next sibling that is not a comment; for a comment that is the last child of a
/// statement's body, the statement after the enclosing one.
fn next_statement(comment: SyntaxNode<'_>) -> Option<SyntaxNode<'_>> {
    let mut node = comment;
    loop {
        let mut sibling = node.next_named_sibling();
        while let Some(candidate) = sibling {
            if candidate.kind() != "comment" {
                return Some(first_statement_of(candidate));
            }
            sibling = candidate.next_named_sibling();
        }
        node = node.parent()?;
    }
}

/// tree-sitter may attach a comment before a body's first statement to the enclosing
/// definition, so its next sibling is the whole body: the statement meant is the body's first.
fn first_statement_of(node: SyntaxNode<'_>) -> SyntaxNode<'_> {
    let mut current = node;
    while matches!(current.kind(), "block" | "class_body" | "statement_block") {
        let mut cursor = current.walk();
        let first = current
            .named_children(&mut cursor)
            .find(|child| child.kind() != "comment");
        match first {
            Some(first) => current = first,
            None => break,
        }
    }
    current
}

/// The statement on whose line a trailing comment stands.
fn statement_ending_at(comment: SyntaxNode<'_>) -> Option<SyntaxNode<'_>> {
    let line = comment.start_position().row;
    let mut sibling = comment.prev_named_sibling();
    while let Some(candidate) = sibling {
        if candidate.kind() != "comment" {
            return (candidate.end_position().row == line).then_some(candidate);
        }
        sibling = candidate.prev_named_sibling();
    }
    // A comment inside a statement's parentheses: the enclosing node.
    comment.parent()
}

/// The longest string literal in `node`, searched iteratively.
fn longest_string(node: SyntaxNode<'_>) -> Option<SyntaxNode<'_>> {
    let mut best: Option<SyntaxNode<'_>> = None;
    let mut cursor = node.walk();
    let mut descending = true;
    loop {
        let current = cursor.node();
        if descending && STRING_KINDS.contains(&current.kind()) {
            let longer =
                best.is_none_or(|best| current.byte_range().len() > best.byte_range().len());
            if longer {
                best = Some(current);
            }
        } else if descending && cursor.goto_first_child() {
            continue;
        }
        if current.id() == node.id() {
            return best;
        }
        if cursor.goto_next_sibling() {
            descending = true;
            continue;
        }
        if !cursor.goto_parent() {
            return best;
        }
        descending = false;
    }
}

/// A literal's content without prefix letters and quotes.
pub fn string_content(literal: &str) -> String {
    let without_prefix =
        literal.trim_start_matches(|character: char| character.is_ascii_alphabetic());
    for quote in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = without_prefix
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner.to_owned();
        }
    }
    without_prefix.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passages(text: &str, language: CodeLanguage) -> Vec<(Vec<String>, String)> {
        load(FileId(0), text, language, &IdPattern::default_pattern())
            .passages
            .into_iter()
            .map(|passage| {
                (
                    passage
                        .references
                        .into_iter()
                        .map(|r| r.id.to_string())
                        .collect(),
                    passage.text,
                )
            })
            .collect()
    }

    #[test]
    fn python_comment_covers_the_next_string() {
        let text = "import x\n\n# FR-001\n# FR-002\nSYSTEM_PROMPT = \"\"\"Refund within 30 days.\"\"\"\n\nOTHER = 'GPT-4 is a model'\n";
        assert_eq!(
            passages(text, CodeLanguage::Python),
            [(
                vec!["FR-001".to_owned(), "FR-002".to_owned()],
                "Refund within 30 days.".to_owned()
            )]
        );
    }

    #[test]
    fn typescript_comment_covers_message_content() {
        let text = "const messages = [\n  // FR-003\n  { role: \"system\", content: `Answer in the user's language.` },\n];\nconst y = 1; // FR-004\n";
        assert_eq!(
            passages(text, CodeLanguage::TypeScript),
            [
                (
                    vec!["FR-003".to_owned()],
                    "Answer in the user's language.".to_owned()
                ),
                (vec!["FR-004".to_owned()], "const y = 1;".to_owned()),
            ]
        );
    }
}

#[cfg(test)]
mod constant_tests {
    use super::*;

    fn texts(text: &str, language: CodeLanguage) -> Vec<String> {
        let mut passages = load(FileId(0), text, language, &IdPattern::default_pattern()).passages;
        passages.sort_by_key(|passage| passage.span.start());
        passages.into_iter().map(|passage| passage.text).collect()
    }

    #[test]
    fn prompt_named_constants_and_markers_are_prompts() {
        let python = "SYSTEM_PROMPT = f\"\"\"You help with {topic}.\"\"\"\nother = \"no\"\n\nclass Agent:\n    instruction_template = (\"Be brief. \" \"Be kind.\")\n\n    def run(self):\n        LOCAL_PROMPT = \"inside a function\"\n\n# speclint: prompt\nGREETING = \"Hello there\"\n";
        assert_eq!(
            texts(python, CodeLanguage::Python),
            [
                "You help with {topic}.",
                "Be brief. Be kind.",
                "Hello there"
            ]
        );
        let typescript = "export const systemPrompt = `You are ${name}.`;\nconst x = \"no\";\nclass Bot {\n  static SYSTEM_MESSAGE = \"Stay on topic.\";\n}\n// speclint: prompt\nconst greeting = 'Hi!';\n";
        assert_eq!(
            texts(typescript, CodeLanguage::TypeScript),
            ["You are ${name}.", "Stay on topic.", "Hi!"]
        );
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    /// A 416-byte input on which tree-sitter-typescript's error recovery ran for minutes
    /// (found by the `prompt_code` fuzz target). The parse now gives up and says so.
    #[test]
    fn pathological_typescript_gives_up_in_time() {
        let bytes = include_bytes!("../../tests/fixtures/fuzz/prompt_code_timeout.bin");
        let text = String::from_utf8_lossy(bytes);
        let extraction = load(
            FileId(0),
            &text,
            CodeLanguage::TypeScript,
            &IdPattern::default_pattern(),
        );
        assert_eq!(extraction.problems.len(), 1);
        assert!(extraction.problems[0].message.contains("time limit"));
    }
}

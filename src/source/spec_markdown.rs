//! Markdown specs (spec-kit, plain docs), read with pulldown-cmark.
//!
//! A requirement is defined by a list item or paragraph that starts with a bold ID
//! (`- **FR-001**: ...`), a heading that starts with an ID (`### REQ-014: Title`), or a table body
//! row whose first cell is an ID. IDs in code, inline code and HTML comments never define
//! anything; every other mention of an ID is a cross-reference.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::modality::detect_modality;
use crate::needs::Needs;
use crate::requirement_id::IdPattern;
use crate::source::model::{Clarification, Extraction, Problem, RequirementDef, Status};
use crate::source_db::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DefinitionKind {
    /// A list item or paragraph opening with a bold ID.
    BoldLead,
    Heading,
    TableRow,
}

struct FoundDefinition {
    kind: DefinitionKind,
    id: String,
    id_range: Range<usize>,
    /// Index of the block's start event.
    start_event: usize,
    /// Index one past the last event whose text belongs to the definition.
    end_event: usize,
    /// Events from `start_event` up to here are markup before the requirement's text.
    text_start_event: usize,
    struck: bool,
}

pub fn load(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<(Event<'_>, Range<usize>)> =
        Parser::new_ext(text, options).into_offset_iter().collect();
    let matching_end = match_ends(&events);

    let outside_requirements = sections_without_requirements(&events, pattern);
    let mut found = Vec::new();
    for (index, (event, _)) in events.iter().enumerate() {
        let Event::Start(tag) = event else {
            continue;
        };
        if outside_requirements.get(index).copied().unwrap_or(false) {
            continue;
        }
        let definition = match tag {
            Tag::Item => bold_lead_definition(&events, index, pattern),
            Tag::Paragraph if !opens_item(&events, index) => {
                bold_lead_definition(&events, index, pattern)
            }
            Tag::Heading { .. } => heading_definition(&events, index, pattern),
            Tag::TableRow => table_row_definition(&events, index, pattern),
            _ => None,
        };
        if let Some(mut definition) = definition {
            definition.end_event = match definition.kind {
                DefinitionKind::Heading => next_heading(&events, index),
                _ => matching_end.get(index).copied().unwrap_or(index) + 1,
            };
            found.push(definition);
        }
    }

    let mut extraction = Extraction {
        clarifications: clarifications(file, text, &events),
        ..Extraction::default()
    };
    for (position, definition) in found.iter().enumerate() {
        let nested: Vec<&FoundDefinition> = found
            .iter()
            .skip(position + 1)
            .take_while(|other| other.start_event < definition.end_event)
            .collect();
        let block_range = block_range(&events, definition);
        let needs_line = find_needs_line(text, block_range.clone(), &nested, &events);
        let mut collected = collect_text(&events, definition, &nested, needs_line.as_ref());
        if definition.kind == DefinitionKind::Heading {
            collected = collected
                .strip_prefix(definition.id.as_str())
                .unwrap_or(&collected)
                .to_owned();
        }
        let requirement_text = strip_separator(&collapse_whitespace(&collected)).to_owned();

        let mut needs = None;
        if let Some(line) = &needs_line {
            match Needs::parse_words(line.words.split([',', ' ', '\t', '/', '+'])) {
                Ok(parsed) => needs = Some(parsed),
                Err(word) => extraction.problems.push(Problem::warning(
                    Span::new(file, line.range.start, line.range.end),
                    format!(
                        "unknown coverage kind `{word}` in the `Needs:` line of {}",
                        definition.id
                    ),
                )
                .with_help("write `Needs: prompt`, `Needs: eval`, `Needs: prompt, eval` or `Needs: none`")),
            }
        }
        let status = if definition.struck || has_deprecated_status(text, block_range.clone()) {
            Status::Deprecated
        } else {
            Status::Active
        };

        extraction.requirements.push(RequirementDef {
            id: definition.id.clone(),
            id_span: Span::new(file, definition.id_range.start, definition.id_range.end),
            span: Span::new(file, block_range.start, trim_end(text, block_range.clone())),
            modality: detect_modality(&requirement_text),
            text: requirement_text,
            needs,
            status,
            ears: None,
        });
    }
    extraction
}

/// How headings of sections that hold no requirements begin: clarification questions, open
/// questions, risks, assumptions, decisions, glossaries, checklists, task lists, scope and status
/// notes. Only the opening counts, so "Task creation" or "Question answering" requirements stay.
const NON_REQUIREMENT_SECTIONS: &[&str] = &[
    "clarification",
    "open question",
    "questions",
    "risk",
    "assumption",
    "decision",
    "glossary",
    "checklist",
    "review & acceptance",
    "review and acceptance",
    "tasks",
    "task list",
    "todo",
    "out of scope",
    "non-goal",
    "execution status",
];

/// For every event, whether it sits in a section (under a heading, down to the next heading of
/// the same or a higher level) whose heading names something other than requirements.
fn sections_without_requirements(
    events: &[(Event<'_>, Range<usize>)],
    pattern: &IdPattern,
) -> Vec<bool> {
    let mut flags = Vec::with_capacity(events.len());
    // Open headings: (level, excluded).
    let mut open: Vec<(HeadingLevel, bool)> = Vec::new();
    let mut heading: Option<(HeadingLevel, String)> = None;
    for (event, _) in events {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((*level, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title)) = heading.take() {
                    while open
                        .last()
                        .is_some_and(|(open_level, _)| *open_level >= level)
                    {
                        open.pop();
                    }
                    let lower = title
                        .to_lowercase()
                        .trim_start_matches(|character: char| !character.is_alphabetic())
                        .to_owned();
                    // A heading that defines a requirement ("### REQ-014: Task lists") is not
                    // a section title.
                    let defines = pattern
                        .leading_id(title.trim_start().trim_start_matches('*'))
                        .is_some();
                    let excluded = !defines
                        && NON_REQUIREMENT_SECTIONS
                            .iter()
                            .any(|opening| lower.starts_with(opening));
                    open.push((level, excluded));
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(text);
                }
            }
            _ => {}
        }
        // A heading that defines a requirement is judged by the sections above it.
        let excluded = match &heading {
            Some((level, _)) => open
                .iter()
                .any(|(open_level, excluded)| open_level < level && *excluded),
            None => open.iter().any(|(_, excluded)| *excluded),
        };
        flags.push(excluded);
    }
    flags
}

/// `[NEEDS CLARIFICATION: …]` markers outside code and HTML comments.
pub fn clarifications(
    file: FileId,
    text: &str,
    events: &[(Event<'_>, Range<usize>)],
) -> Vec<Clarification> {
    const MARKER: &str = "[NEEDS CLARIFICATION";
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let hidden: Vec<&Range<usize>> = events
        .iter()
        .filter(|(event, _)| {
            matches!(
                event,
                Event::Start(Tag::CodeBlock(_))
                    | Event::Code(_)
                    | Event::Html(_)
                    | Event::InlineHtml(_)
            )
        })
        .map(|(_, range)| range)
        .collect();
    let mut found = Vec::new();
    for (start, _) in text.match_indices(MARKER) {
        if hidden.iter().any(|range| range.contains(&start)) {
            continue;
        }
        let rest = text.get(start..).unwrap_or("");
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let end = rest
            .get(..line_end)
            .and_then(|line| line.find(']'))
            .map_or(line_end, |at| at + 1);
        let marker = rest.get(..end).unwrap_or("");
        let question = marker
            .trim_start_matches(MARKER)
            .trim_end_matches(']')
            .trim_start_matches([':', ' '])
            .trim()
            .to_owned();
        let line_start = text
            .get(..start)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |at| at + 1);
        let before = text.get(line_start..start).unwrap_or("");
        if is_about_markers(before, &question) {
            continue;
        }
        found.push(Clarification {
            span: Span::new(file, start, start + end),
            question,
        });
    }
    found
}

/// Whether a marker is text about markers rather than an open question: on a checklist line
/// (`- [x] No [NEEDS CLARIFICATION] markers remain`), with a generic placeholder for its question
/// (`[NEEDS CLARIFICATION: specific question]`), or after an instruction ("Use …", "Mark with …").
fn is_about_markers(before: &str, question: &str) -> bool {
    let line = before.trim_start();
    let checklist = ["- [", "* [", "+ ["]
        .iter()
        .any(|opening| line.starts_with(opening) && line.get(4..5) == Some("]"));
    let generic = matches!(
        question.to_lowercase().trim_matches(['"', '.', '…', ' ']),
        "" | "specific question" | "question" | "your question" | "the question" | "reason"
    );
    let lower = line.to_lowercase();
    let instruction = [
        "use ",
        "mark with ",
        "mark it with ",
        "marked with ",
        "mark as ",
        "add ",
        "if any ",
        "no ",
    ]
    .iter()
    .any(|phrase| {
        lower
            .trim_end_matches(['`', '"', '\'', ' '])
            .ends_with(phrase.trim_end())
    });
    checklist || generic || instruction
}

/// For every `Start` event, the index of its `End`.
fn match_ends(events: &[(Event<'_>, Range<usize>)]) -> Vec<usize> {
    let mut ends: Vec<usize> = (0..events.len()).collect();
    let mut open = Vec::new();
    for (index, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => open.push(index),
            Event::End(_) => {
                if let Some(start) = open.pop()
                    && let Some(slot) = ends.get_mut(start)
                {
                    *slot = index;
                }
            }
            _ => {}
        }
    }
    ends
}

/// Whether the paragraph at `index` is the first block of a list item, which the item itself
/// already checks.
fn opens_item(events: &[(Event<'_>, Range<usize>)], index: usize) -> bool {
    let mut previous = index;
    while previous > 0 {
        previous -= 1;
        match events.get(previous).map(|(event, _)| event) {
            Some(Event::TaskListMarker(_)) => continue,
            Some(Event::Start(Tag::Item)) => return true,
            _ => return false,
        }
    }
    false
}

/// The first index after `index` that is not block or task-list markup.
fn first_inline(events: &[(Event<'_>, Range<usize>)], index: usize) -> usize {
    let mut cursor = index + 1;
    while let Some((event, _)) = events.get(cursor) {
        match event {
            Event::Start(Tag::Paragraph) | Event::TaskListMarker(_) => cursor += 1,
            _ => break,
        }
    }
    cursor
}

/// `**FR-001**`, `**FR-001:**`, `__FR-001__` or `~~**FR-001**~~` at the start of the block.
fn bold_lead_definition(
    events: &[(Event<'_>, Range<usize>)],
    index: usize,
    pattern: &IdPattern,
) -> Option<FoundDefinition> {
    let mut cursor = first_inline(events, index);
    let is_task = events
        .get(index..cursor)
        .unwrap_or_default()
        .iter()
        .any(|(event, _)| matches!(event, Event::TaskListMarker(_)));
    if is_task {
        // `- [x] **T001** …` is a task, never a requirement.
        return None;
    }
    let mut struck = false;
    if matches!(
        events.get(cursor),
        Some((Event::Start(Tag::Strikethrough), _))
    ) {
        struck = true;
        cursor += 1;
    }
    if !matches!(events.get(cursor), Some((Event::Start(Tag::Strong), _))) {
        return None;
    }
    let (Event::Text(inner), inner_range) = events.get(cursor + 1)? else {
        return None;
    };
    if !matches!(
        events.get(cursor + 2),
        Some((Event::End(TagEnd::Strong), _))
    ) {
        return None;
    }
    let candidate = inner.trim().trim_end_matches([':', '：', '.']).trim_end();
    if !pattern.is_whole_id(candidate) {
        return None;
    }
    let mut after = cursor + 3;
    if struck
        && matches!(
            events.get(after),
            Some((Event::End(TagEnd::Strikethrough), _))
        )
    {
        after += 1;
    }
    let offset = inner.find(candidate).unwrap_or(0);
    let id_start = inner_range.start + offset;
    Some(FoundDefinition {
        kind: DefinitionKind::BoldLead,
        id: candidate.to_owned(),
        id_range: id_start..id_start + candidate.len(),
        start_event: index,
        end_event: index,
        text_start_event: after,
        struck,
    })
}

/// `### REQ-014: Title` or `### **REQ-014** Title`.
fn heading_definition(
    events: &[(Event<'_>, Range<usize>)],
    index: usize,
    pattern: &IdPattern,
) -> Option<FoundDefinition> {
    let cursor = index + 1;
    if let Some(mut bold) = bold_lead_definition(events, index, pattern) {
        bold.kind = DefinitionKind::Heading;
        return Some(bold);
    }
    let (Event::Text(text), range) = events.get(cursor)? else {
        return None;
    };
    let leading = text.trim_start();
    let found = pattern.leading_id(leading)?;
    let rest = leading.get(found.end..).unwrap_or("");
    let separated = rest.is_empty()
        || rest.starts_with([':', '：', ' ', '.', '-', '—', '–', ')', ']', '\t', ',']);
    if !separated {
        return None;
    }
    let id_start = range.start + (text.len() - leading.len());
    Some(FoundDefinition {
        kind: DefinitionKind::Heading,
        id: found.id.to_owned(),
        id_range: id_start..id_start + found.id.len(),
        start_event: index,
        end_event: index,
        text_start_event: cursor,
        struck: false,
    })
}

/// A table body row whose first cell is an ID, plain or bold.
fn table_row_definition(
    events: &[(Event<'_>, Range<usize>)],
    index: usize,
    pattern: &IdPattern,
) -> Option<FoundDefinition> {
    if !matches!(
        events.get(index + 1),
        Some((Event::Start(Tag::TableCell), _))
    ) {
        return None;
    }
    let mut cursor = index + 2;
    let mut struck = false;
    if matches!(
        events.get(cursor),
        Some((Event::Start(Tag::Strikethrough), _))
    ) {
        struck = true;
        cursor += 1;
    }
    let bold = matches!(events.get(cursor), Some((Event::Start(Tag::Strong), _)));
    if bold {
        cursor += 1;
    }
    let (Event::Text(text), range) = events.get(cursor)? else {
        return None;
    };
    let candidate = text.trim();
    if !pattern.is_whole_id(candidate) {
        return None;
    }
    // The first cell must hold the ID alone.
    let mut after = cursor + 1;
    while let Some((event, _)) = events.get(after) {
        match event {
            Event::End(TagEnd::Strong | TagEnd::Strikethrough) => after += 1,
            Event::End(TagEnd::TableCell) => break,
            _ => return None,
        }
    }
    let offset = text.find(candidate).unwrap_or(0);
    Some(FoundDefinition {
        kind: DefinitionKind::TableRow,
        id: candidate.to_owned(),
        id_range: range.start + offset..range.start + offset + candidate.len(),
        start_event: index,
        end_event: index,
        text_start_event: after + 1,
        struck,
    })
}

/// The index of the next heading at any level after `index`, or the end.
fn next_heading(events: &[(Event<'_>, Range<usize>)], index: usize) -> usize {
    events
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, (event, _))| matches!(event, Event::Start(Tag::Heading { .. })))
        .map_or(events.len(), |(found, _)| found)
}

/// The source range a definition covers.
fn block_range(events: &[(Event<'_>, Range<usize>)], definition: &FoundDefinition) -> Range<usize> {
    let start = events
        .get(definition.start_event)
        .map_or(0, |(_, range)| range.start);
    let end = events
        .iter()
        .take(definition.end_event)
        .skip(definition.start_event)
        .map(|(_, range)| range.end)
        .max()
        .unwrap_or(start);
    start..end
}

fn trim_end(text: &str, range: Range<usize>) -> usize {
    let slice = text.get(range.clone()).unwrap_or("");
    range.start + slice.trim_end().len()
}

struct NeedsLine {
    range: Range<usize>,
    words: String,
}

/// A `Needs: eval` line inside the definition, outside nested definitions. For a heading it must
/// come before any other block of the section's body ends, so it is searched in the whole body.
fn find_needs_line(
    text: &str,
    block: Range<usize>,
    nested: &[&FoundDefinition],
    events: &[(Event<'_>, Range<usize>)],
) -> Option<NeedsLine> {
    let nested_ranges: Vec<Range<usize>> = nested
        .iter()
        .map(|definition| block_range(events, definition))
        .collect();
    let slice = text.get(block.clone())?;
    let mut line_start = block.start;
    for line in slice.split_inclusive('\n') {
        let this_start = line_start;
        line_start += line.len();
        if nested_ranges
            .iter()
            .any(|range| range.contains(&this_start))
        {
            continue;
        }
        let content = line
            .trim()
            .trim_start_matches(['-', '*', '+', '>'])
            .trim_start();
        let content = content.trim_start_matches(['*', '_']);
        let Some(rest) = strip_prefix_ignore_case(content, "needs") else {
            continue;
        };
        let rest = rest.trim_start_matches(['*', '_']).trim_start();
        let Some(words) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')) else {
            continue;
        };
        let words = words.trim().trim_matches(['*', '_', '.']).trim().to_owned();
        let trimmed_start = this_start + (line.len() - line.trim_start().len());
        return Some(NeedsLine {
            range: trimmed_start..this_start + line.trim_end().len(),
            words,
        });
    }
    None
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// A `Status: deprecated` line inside the definition.
fn has_deprecated_status(text: &str, block: Range<usize>) -> bool {
    let Some(slice) = text.get(block) else {
        return false;
    };
    slice.lines().any(|line| {
        let content = line
            .trim()
            .trim_start_matches(['-', '*', '+', '>', '_'])
            .trim_start()
            .trim_start_matches(['*', '_']);
        strip_prefix_ignore_case(content, "status").is_some_and(|rest| {
            let rest = rest.trim_start_matches(['*', '_']).trim_start();
            rest.strip_prefix(':').is_some_and(|value| {
                value
                    .trim()
                    .trim_matches(['*', '_', '`'])
                    .eq_ignore_ascii_case("deprecated")
            })
        })
    })
}

/// The plain text of a definition, without nested definitions and without its `Needs:` line.
fn collect_text(
    events: &[(Event<'_>, Range<usize>)],
    definition: &FoundDefinition,
    nested: &[&FoundDefinition],
    needs_line: Option<&NeedsLine>,
) -> String {
    let mut collected = String::new();
    let mut index = definition.text_start_event;
    while index < definition.end_event {
        if let Some(inner) = nested.iter().find(|inner| inner.start_event == index) {
            index = inner.end_event.max(index + 1);
            continue;
        }
        let Some((event, range)) = events.get(index) else {
            break;
        };
        index += 1;
        if needs_line
            .is_some_and(|line| line.range.start <= range.start && range.start < line.range.end)
        {
            continue;
        }
        match event {
            Event::Text(text) => collected.push_str(text),
            // Inline code keeps its backticks: it is a literal the drift rules compare.
            Event::Code(text) => {
                collected.push('`');
                collected.push_str(text);
                collected.push('`');
            }
            Event::SoftBreak | Event::HardBreak => collected.push(' '),
            Event::End(TagEnd::Heading(_)) => {
                // A heading's title and the paragraphs under it read as sentences.
                let ends_sentence = collected
                    .trim_end()
                    .ends_with(['.', '!', '?', ':', '。', '：']);
                collected.push_str(if ends_sentence { " " } else { ". " });
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell) => {
                collected.push(' ');
            }
            _ => {}
        }
    }
    collected
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn strip_separator(text: &str) -> &str {
    text.trim_start_matches([':', '：', '-', '—', '–', '.', '|', ' '])
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn load_text(text: &str) -> Extraction {
        load(FileId(0), text, &IdPattern::default_pattern())
    }

    #[test]
    fn bold_ids_in_items_and_paragraphs_define_requirements() {
        let extraction = load_text(
            "# Spec\n\n- **FR-001**: System MUST reply.\n- **FR-002** Users MAY skip.\n\n**FR-003：** 系统必须 MUST 回答。\n",
        );
        let ids: Vec<_> = extraction
            .requirements
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["FR-001", "FR-002", "FR-003"]);
        let first = &extraction.requirements[0];
        assert_eq!(first.text, "System MUST reply.");
        assert_eq!(first.modality, Some(crate::modality::Modality::Must));
    }

    #[test]
    fn headings_and_table_rows_define_requirements() {
        let extraction = load_text(
            "### REQ-014: Refunds\n\nThe bot MUST refund.\n\nNeeds: eval\n\n## Other\n\n| ID | Text |\n|----|------|\n| SC-001 | Users SHOULD finish |\n",
        );
        let requirements = &extraction.requirements;
        assert_eq!(requirements.len(), 2);
        assert_eq!(requirements[0].id, "REQ-014");
        assert_eq!(requirements[0].text, "Refunds. The bot MUST refund.");
        assert_eq!(
            requirements[0].needs,
            Some(Needs {
                prompt: false,
                eval: true
            })
        );
        assert_eq!(requirements[1].id, "SC-001");
        assert_eq!(requirements[1].text, "Users SHOULD finish");
    }

    #[test]
    fn code_and_comments_never_define() {
        let extraction = load_text(
            "```\n- **FR-001**: no\n```\n\n    **FR-002**: no\n\n<!-- **FR-003**: no -->\n\n- `FR-004`: no\n- see **FR-005** for details\n",
        );
        assert!(
            extraction.requirements.is_empty(),
            "{:?}",
            extraction.requirements
        );
    }
}

#[cfg(test)]
mod needs_tests {
    use super::*;

    #[test]
    fn bold_needs_labels() {
        let extraction = load(
            FileId(0),
            "- **FR-001**: The bot MUST reply.\n  **Needs:** eval\n- **FR-002**: The bot MUST log.\n  _Needs_: prompt and eval\n",
            &IdPattern::default_pattern(),
        );
        assert!(extraction.problems.is_empty(), "{:?}", extraction.problems);
        assert_eq!(
            extraction.requirements[0].needs,
            Some(Needs {
                prompt: false,
                eval: true
            })
        );
        assert_eq!(extraction.requirements[1].needs, Some(Needs::BOTH));
        assert_eq!(extraction.requirements[0].text, "The bot MUST reply.");
    }

    #[test]
    fn sections_about_questions_risks_and_tasks_define_nothing() {
        let text = "# Spec\n\n## Clarifications\n\n### Session 1\n\n- **Q-001**: Which languages?\n\n## Task creation\n\n- **FR-001**: Users MUST be able to create a task.\n\n## Open Questions\n\n- **OQ-001**: Streaming?\n\n## Requirements\n\n- **FR-002**: The system MUST log.\n- [x] **T-001** Write the logger\n\n### ⚠️ Risks\n\n- **R-001**: Latency.\n";
        let ids: Vec<String> = tests::load_text(text)
            .requirements
            .into_iter()
            .map(|requirement| requirement.id)
            .collect();
        assert_eq!(ids, ["FR-001", "FR-002"]);
    }
}

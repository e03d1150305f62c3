//! Kiro `requirements.md`: `### Requirement N[: Title]` sections whose `#### Acceptance Criteria`
//! numbered items are the requirements, in the old (`WHEN … THEN the system SHALL …`) and the
//! EARS (`WHEN …, THE <system> SHALL …`, `IF … THEN …`, `WHILE …`, `WHERE …`) styles.
//!
//! Criterion M of requirement N gets the ID `<feature>/R<N>.<M>`, where `<feature>` is the spec
//! folder's name (`.kiro/specs/<feature>/requirements.md`). Prompts and evals reference it as
//! `R<N>.<M>` (or bare `N.M` in a requirement field, as Kiro's `tasks.md` writes
//! `_Requirements: 1.2_`) when only one spec defines it, and as `<feature>/R<N>.<M>` otherwise.

use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;

use crate::modality::detect_modality;
use crate::needs::Needs;
use crate::source::model::{Ears, Extraction, Problem, RequirementDef, Status};
use crate::source_db::{FileId, Span};

/// `Requirement 3`, `Requirement 3: Title` and the same heading in the languages Kiro writes
/// specs in: Chinese (`需求 3`, `要求 3`), Japanese (`要件 3`), Korean (`요구사항 3`), Spanish and
/// Portuguese (`Requisito 3`), French (`Exigence 3`) and German (`Anforderung 3`).
fn requirement_heading() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)^\s*(?:requirement|需求|要求|要件|요구\s?사항|requisito|exigence|anforderung)\s*(\d+)\s*(?:[:：.\-—–、]\s*(.*))?$",
        )
    });
    &PATTERN
}

/// "Acceptance criteria" in the languages of [`requirement_heading`], lower-cased.
const ACCEPTANCE_CRITERIA: &[&str] = &[
    "acceptance criteria",
    "验收标准",
    "驗收標準",
    "验收条件",
    "驗收條件",
    "受け入れ基準",
    "受入基準",
    "受け入れ条件",
    "수락 기준",
    "인수 기준",
    "승인 기준",
    "criterios de aceptación",
    "criterios de aceptacion",
    "critères d'acceptation",
    "critères d’acceptation",
    "criteres d'acceptation",
    "akzeptanzkriterien",
    "abnahmekriterien",
    "critérios de aceitação",
    "criterios de aceitacao",
];

/// Whether a heading (or a text) names the acceptance criteria, in any supported language.
fn names_acceptance_criteria(text: &str) -> bool {
    let lower = text.to_lowercase();
    ACCEPTANCE_CRITERIA
        .iter()
        .any(|words| lower.contains(words))
}

/// Whether a Markdown file is a Kiro requirements document.
pub fn is_kiro_spec(text: &str) -> bool {
    names_acceptance_criteria(text)
        && text.lines().any(|line| {
            let trimmed = line.trim_start();
            trimmed.starts_with("##")
                && requirement_heading().is_match(trimmed.trim_start_matches('#'))
        })
}

/// The feature name: the folder holding `requirements.md`.
pub fn feature_name(path: &Path, checked_dir: &Path) -> String {
    let folder = path.parent().filter(|folder| *folder != checked_dir);
    folder.and_then(|folder| folder.file_name()).map_or_else(
        || "spec".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

pub fn load(file: FileId, text: &str, path: &Path, checked_dir: &Path) -> Extraction {
    let feature = feature_name(path, checked_dir);
    let events: Vec<(Event<'_>, std::ops::Range<usize>)> =
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
            .into_offset_iter()
            .collect();
    let mut extraction = Extraction::default();
    let mut requirement_number: Option<u64> = None;
    let mut in_criteria = false;
    let mut heading_text: Option<String> = None;
    let mut list_depth = 0usize;
    let mut criteria_list_start: Option<u64> = None;
    let mut item_index = 0u64;
    let mut item: Option<(std::ops::Range<usize>, String)> = None;
    // A `Needs:` line in a requirement's section applies to all its criteria.
    let mut paragraph: Option<(std::ops::Range<usize>, String)> = None;
    let mut section_start = 0usize;
    let mut section_needs: Option<Needs> = None;

    for (event, range) in &events {
        match event {
            Event::Start(Tag::Heading { .. }) => heading_text = Some(String::new()),
            Event::End(TagEnd::Heading(level)) => {
                let title = heading_text.take().unwrap_or_default();
                let title = title.trim();
                if let Some(captures) = requirement_heading().captures(title) {
                    requirement_number = captures
                        .get(1)
                        .and_then(|number| number.as_str().parse().ok());
                    in_criteria = false;
                    section_start = extraction.requirements.len();
                    section_needs = None;
                } else if names_acceptance_criteria(title) {
                    in_criteria = requirement_number.is_some();
                } else if *level <= HeadingLevel::H3 {
                    requirement_number = None;
                    in_criteria = false;
                } else {
                    in_criteria = false;
                }
            }
            Event::Text(text_event) | Event::Code(text_event) => {
                if let Some(heading) = heading_text.as_mut() {
                    heading.push_str(text_event);
                } else if let Some((_, item_text)) = item.as_mut() {
                    item_text.push_str(text_event);
                } else if let Some((_, paragraph_text)) = paragraph.as_mut() {
                    paragraph_text.push_str(text_event);
                }
            }
            Event::Start(Tag::Paragraph) if item.is_none() && requirement_number.is_some() => {
                paragraph = Some((range.clone(), String::new()));
            }
            Event::End(TagEnd::Paragraph) => {
                let Some((paragraph_range, paragraph_text)) = paragraph.take() else {
                    continue;
                };
                let Some(words) = needs_words(&paragraph_text) else {
                    continue;
                };
                match Needs::parse_words(words.split([',', ' ', '\t', '/', '+'])) {
                    Ok(needs) => {
                        section_needs = Some(needs);
                        for requirement in extraction.requirements.iter_mut().skip(section_start) {
                            requirement.needs = Some(needs);
                        }
                    }
                    Err(word) => extraction.problems.push(
                        Problem::warning(
                            Span::new(file, paragraph_range.start, paragraph_range.end),
                            format!("unknown coverage kind `{word}` in a `Needs:` line"),
                        )
                        .with_help("write `Needs: prompt`, `Needs: eval`, `Needs: prompt, eval` or `Needs: none`"),
                    ),
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, item_text)) = item.as_mut() {
                    item_text.push(' ');
                }
            }
            Event::Start(Tag::List(start)) => {
                list_depth += 1;
                if list_depth == 1 && in_criteria {
                    criteria_list_start = Some(start.unwrap_or(1));
                    item_index = 0;
                }
            }
            Event::End(TagEnd::List(_)) => {
                list_depth = list_depth.saturating_sub(1);
                if list_depth == 0 {
                    criteria_list_start = None;
                }
            }
            Event::Start(Tag::Item)
                if list_depth == 1 && in_criteria && criteria_list_start.is_some() =>
            {
                item = Some((range.clone(), String::new()));
            }
            Event::End(TagEnd::Item) if list_depth == 1 => {
                let (Some((item_range, item_text)), Some(number), Some(first)) =
                    (item.take(), requirement_number, criteria_list_start)
                else {
                    continue;
                };
                let criterion = first + item_index;
                item_index += 1;
                let normalized = item_text.split_whitespace().collect::<Vec<_>>().join(" ");
                let marker_end = marker_end(text, item_range.start);
                extraction.requirements.push(RequirementDef {
                    id: format!("{feature}/R{number}.{criterion}"),
                    id_span: Span::new(file, item_range.start, marker_end),
                    span: Span::new(file, item_range.start, trim_end(text, item_range.clone())),
                    modality: detect_modality(&normalized),
                    ears: parse_ears(&normalized),
                    text: normalized,
                    needs: section_needs,
                    status: Status::Active,
                });
            }
            _ => {}
        }
    }
    extraction
}

/// The words after `Needs:` (bold or not) opening a paragraph.
fn needs_words(paragraph: &str) -> Option<&str> {
    let trimmed = paragraph.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    let rest = lower.strip_prefix("needs")?;
    let colon = rest.find(':')?;
    if !rest.get(..colon)?.trim().is_empty() {
        return None;
    }
    trimmed.get("needs".len() + colon + 1..).map(str::trim)
}

/// The end of a list marker such as `1.` at `start`.
fn marker_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    let marker = rest
        .find(|character: char| {
            !(character.is_ascii_digit() || character == '.' || character == ')')
        })
        .unwrap_or(rest.len());
    start + marker.max(1).min(rest.len())
}

fn trim_end(text: &str, range: std::ops::Range<usize>) -> usize {
    let slice = text.get(range.clone()).unwrap_or("");
    range.start + slice.trim_end().len()
}

fn ears_keywords() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(r"\b(WHEN|IF|WHILE|WHERE|THEN|THE|SHALL)\b")
    });
    &PATTERN
}

/// Splits an EARS criterion into its parts; `None` when it has no `SHALL`. Keywords count in
/// capitals only, as EARS writes them.
pub fn parse_ears(text: &str) -> Option<Ears> {
    let text = text.trim();
    let mut keywords: Vec<(&str, usize, usize)> = ears_keywords()
        .find_iter(text)
        .map(|found| (found.as_str(), found.start(), found.end()))
        .collect();
    let shall = keywords
        .iter()
        .position(|(keyword, _, _)| *keyword == "SHALL")?;
    let (_, shall_start, shall_end) = *keywords.get(shall)?;
    keywords.truncate(shall);
    let response = text.get(shall_end..)?.trim();
    let response = response
        .strip_prefix("NOT ")
        .unwrap_or(response)
        .trim()
        .to_owned();
    if response.is_empty() {
        return None;
    }
    let clean = |segment: &str| {
        let segment = segment.trim().trim_end_matches([',', '，', ';']).trim();
        (!segment.is_empty()).then(|| segment.to_owned())
    };
    let mut ears = Ears {
        response,
        ..Ears::default()
    };
    let mut system_from = 0;
    for (position, (keyword, _, end)) in keywords.iter().enumerate() {
        let segment_end = keywords
            .get(position + 1)
            .map_or(shall_start, |next| next.1);
        let segment = text.get(*end..segment_end).unwrap_or("");
        match *keyword {
            "WHEN" => ears.trigger = clean(segment),
            "IF" | "WHILE" | "WHERE" => ears.condition = clean(segment),
            _ => {}
        }
        if matches!(*keyword, "THEN" | "THE") {
            system_from = *end;
        }
    }
    let system_text = if system_from > 0 {
        text.get(system_from..shall_start).unwrap_or("")
    } else if keywords.is_empty() {
        text.get(..shall_start).unwrap_or("")
    } else {
        ""
    };
    let system_text = system_text.trim();
    let system_text = system_text
        .strip_prefix("the ")
        .or_else(|| system_text.strip_prefix("The "))
        .or_else(|| system_text.strip_prefix("THE "))
        .unwrap_or(system_text);
    ears.system = clean(system_text);
    Some(ears)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_become_requirements() {
        let text = "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n**User Story:** As a user...\n\n#### Acceptance Criteria\n\n1. WHEN I open the app THEN the system SHALL show guides\n2. IF the model fails, THEN THE app SHALL retry once\n\n### Requirement 2: Labs\n\n#### Acceptance Criteria\n\n1. THE app SHALL list 3 labs\n   - a nested note\n";
        let extraction = load(
            FileId(0),
            text,
            Path::new("/repo/.kiro/specs/demo/requirements.md"),
            Path::new("/repo"),
        );
        let ids: Vec<&str> = extraction
            .requirements
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["demo/R1.1", "demo/R1.2", "demo/R2.1"]);
        let first = extraction.requirements[0].ears.clone().unwrap();
        assert_eq!(first.trigger.as_deref(), Some("I open the app"));
        assert_eq!(first.system.as_deref(), Some("system"));
        assert_eq!(first.response, "show guides");
        let second = extraction.requirements[1].ears.clone().unwrap();
        assert_eq!(second.condition.as_deref(), Some("the model fails"));
        assert_eq!(second.system.as_deref(), Some("app"));
        assert_eq!(
            extraction.requirements[2]
                .ears
                .clone()
                .unwrap()
                .system
                .as_deref(),
            Some("app")
        );
    }

    #[test]
    fn ears_with_state_and_full_width_comma() {
        let ears = parse_ears("WHILE 任务运行中，THE 系统 SHALL 记录日志").unwrap();
        assert_eq!(ears.condition.as_deref(), Some("任务运行中"));
        assert_eq!(ears.system.as_deref(), Some("系统"));
        assert_eq!(ears.response, "记录日志");
    }
}

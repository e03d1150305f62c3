//! YAML specs: `requirements:` entries with `id`, `text`, optional `needs` and `status`,
//! validated against `schema/spec.schema.json`; each schema error points at the offending node.

use std::sync::LazyLock;

use crate::modality::detect_modality;
use crate::needs::Needs;
use crate::requirement_id::IdPattern;
use crate::source::model::{Extraction, Problem, RequirementDef, Status};
use crate::source::tree::Node;
use crate::source::yaml;
use crate::source_db::{FileId, Span};

pub const SPEC_SCHEMA: &str = include_str!("../../schema/spec.schema.json");

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: LazyLock<Option<jsonschema::Validator>> = LazyLock::new(|| {
        let schema: serde_json::Value = serde_json::from_str(SPEC_SCHEMA).ok()?;
        jsonschema::validator_for(&schema).ok()
    });
    VALIDATOR.as_ref()
}

pub fn load(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let mut extraction = Extraction::default();
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) => {
            extraction.problems.push(yaml_problem(file, text, &error));
            return extraction;
        }
    };
    if root.get("requirements").is_none() {
        // A YAML file in the spec folder that is not a requirements list (for example a config)
        // is left alone rather than reported.
        return extraction;
    }

    let mut invalid_items = Vec::new();
    if let Some(validator) = validator() {
        let instance = root.to_json();
        for error in validator.iter_errors(&instance) {
            let pointer = error.instance_path().to_string();
            let node = root.at_pointer(&pointer).unwrap_or(&root);
            if let Some(item) = item_index(&pointer) {
                invalid_items.push(item);
            }
            let location = if pointer.is_empty() {
                "the document".to_owned()
            } else {
                format!("`{pointer}`")
            };
            extraction.problems.push(
                Problem::error(
                    Span::new(file, node.start, node.end),
                    format!("invalid YAML spec at {location}: {error}"),
                )
                .with_help("see schema/spec.schema.json for the YAML spec format"),
            );
        }
    }

    for (index, item) in root
        .get("requirements")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if invalid_items.contains(&index) {
            continue;
        }
        let (Some(id_node), Some(text_node)) = (item.get("id"), item.get("text")) else {
            continue;
        };
        let (Some(id), Some(requirement_text)) = (id_node.as_str(), text_node.as_str()) else {
            continue;
        };
        let id_span = Span::new(file, id_node.start, id_node.end);
        if !pattern.is_whole_id(id) {
            extraction.problems.push(
                Problem::error(
                    id_span,
                    format!("`{id}` does not match the requirement ID pattern"),
                )
                .with_help("change the ID, or set `id-pattern` in speclint.toml"),
            );
            continue;
        }
        let needs = item.get("needs").map(|node| {
            let words: Vec<String> = match node.as_str() {
                Some(word) => vec![word.to_owned()],
                None => node.items().iter().filter_map(Node::scalar_text).collect(),
            };
            Needs::parse_words(words.iter().map(String::as_str)).unwrap_or(Needs::BOTH)
        });
        let status = match item.get("status").and_then(Node::as_str) {
            Some("deprecated") => Status::Deprecated,
            Some("draft") => Status::Draft,
            _ => Status::Active,
        };
        let normalized = requirement_text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let item_end = item.end.max(text_node.end);
        extraction.requirements.push(RequirementDef {
            id: id.to_owned(),
            id_span,
            span: Span::new(file, item.start.min(id_node.start), item_end),
            modality: detect_modality(&normalized),
            text: normalized,
            needs,
            status,
            ears: None,
        });
    }
    extraction
}

fn item_index(pointer: &str) -> Option<usize> {
    let rest = pointer.strip_prefix("/requirements/")?;
    rest.split('/').next()?.parse().ok()
}

/// A problem for a YAML syntax or budget error, at its line and column.
pub fn yaml_problem(file: FileId, text: &str, error: &yaml::YamlError) -> Problem {
    let offset = match error.line_column {
        Some((line, column)) => offset_of_line_column(text, line, column),
        None => 0,
    };
    Problem::error(
        Span::new(file, offset, offset),
        format!("YAML syntax error: {}", error.message),
    )
}

/// The byte offset of a 1-based line and character column in `text`.
pub fn offset_of_line_column(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, line_text) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let within: usize = line_text
                .chars()
                .take(column.saturating_sub(1))
                .take_while(|&character| character != '\n')
                .map(char::len_utf8)
                .sum();
            return offset + within;
        }
        offset += line_text.len();
    }
    text.len()
}

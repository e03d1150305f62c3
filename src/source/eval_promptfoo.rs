//! promptfoo configs (`prompts` / `providers` / `tests`) and promptfoo test files (a YAML list of
//! tests). Each test is an eval case; it references requirements through
//! `metadata.requirements` (also `requirement`, `req`), and known IDs in its `description`.

use crate::source::Format;
use crate::source::eval_refs::{mention_references, references_in_mapping};
use crate::source::file::{FileId, Span};
use crate::source::ids::IdPattern;
use crate::source::model::{EvalCaseDef, Extraction, Reference};
use crate::source::spec_yaml::yaml_problem;
use crate::source::tree::Node;
use crate::source::yaml;

const CONFIG_KEYS: &[&str] = &["prompts", "providers", "tests", "defaultTest", "scenarios"];

pub fn load(file: FileId, text: &str, pattern: &IdPattern) -> (Format, Extraction) {
    let mut extraction = Extraction::default();
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) => {
            extraction.problems.push(yaml_problem(file, text, &error));
            return (Format::PromptfooConfig, extraction);
        }
    };
    if root.is_sequence() {
        extraction.eval_cases = tests_from_list(file, text, &root, &[], pattern);
        return (Format::PromptfooTests, extraction);
    }
    if !CONFIG_KEYS.iter().any(|key| root.get(key).is_some()) {
        return (Format::Unread, extraction);
    }
    let default_references = root
        .get("defaultTest")
        .and_then(|default_test| default_test.get("metadata"))
        .map(|metadata| references_in_mapping(file, text, metadata))
        .unwrap_or_default();
    if let Some(tests) = root.get("tests") {
        extraction.eval_cases.extend(tests_from_list(
            file,
            text,
            tests,
            &default_references,
            pattern,
        ));
    }
    for scenario in root.get("scenarios").map(Node::items).unwrap_or_default() {
        if let Some(tests) = scenario.get("tests") {
            extraction.eval_cases.extend(tests_from_list(
                file,
                text,
                tests,
                &default_references,
                pattern,
            ));
        }
    }
    (Format::PromptfooConfig, extraction)
}

/// The inline tests of a `tests:` list; entries that are not mappings (`file://` strings) are
/// left to the file-reference resolution.
fn tests_from_list(
    file: FileId,
    text: &str,
    tests: &Node,
    default_references: &[Reference],
    pattern: &IdPattern,
) -> Vec<EvalCaseDef> {
    tests
        .items()
        .iter()
        .enumerate()
        .filter(|(_, test)| test.is_mapping())
        .map(|(index, test)| {
            let mut references = default_references.to_vec();
            if let Some(metadata) = test.get("metadata") {
                references.extend(references_in_mapping(file, text, metadata));
            }
            let description = test.get("description");
            if let Some(description) = description {
                references.extend(mention_references(file, text, description, pattern));
            }
            let label = description
                .and_then(Node::as_str)
                .map_or_else(|| format!("test #{}", index + 1), str::to_owned);
            EvalCaseDef {
                span: case_span(file, text, test),
                label,
                references,
            }
        })
        .collect()
}

/// A test's span: from its first key to the end of that line, which is what a reader looks for.
fn case_span(file: FileId, text: &str, test: &Node) -> Span {
    let start = test
        .entries()
        .map(|(key, _)| key.start)
        .min()
        .unwrap_or(test.start);
    let line_end = text
        .get(start..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |at| start + at);
    let line_end = start + text.get(start..line_end).unwrap_or("").trim_end().len();
    Span::new(file, start, line_end)
}

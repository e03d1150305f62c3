//! `speclint link --write`: the new text of every file a set of link suggestions touches. A
//! prompt passage gets a tag comment in its file's own syntax on the line before it (`{# FR-001
//! #}`, `<!-- FR-001 -->`, `# FR-001`, `// FR-001`, `{{!-- FR-001 --}}`); a promptfoo test in
//! YAML gets `metadata: {requirements: [FR-001]}` (or the ID added to the list it has); a JSON
//! Lines dataset row gets `"metadata": {"requirements": ["FR-001"]}`. Every other byte stays as
//! it was: comments, quoting, key order, indentation and line endings. Computing the new texts
//! writes nothing; the caller writes them atomically, or shows them as a diff.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::graph::Graph;
use crate::link::{LinkKind, Suggestion};
use crate::source::comments::comment_for;
use crate::source::tree::Node;
use crate::source::yaml;
use crate::source_db::FileId;

/// A file and its text after the links are written.
#[derive(Clone, Debug)]
pub struct FileChange {
    /// Path relative to the project root, as outputs show it.
    pub path: String,
    pub absolute_path: PathBuf,
    pub before: String,
    pub after: String,
    /// How many links the change writes.
    pub links: usize,
}

/// What `link --write` would do.
#[derive(Clone, Debug, Default)]
pub struct WritePlan {
    pub changes: Vec<FileChange>,
    /// Suggestions that cannot be written, with the reason: `(path, requirement, reason)`.
    pub skipped: Vec<(String, String, String)>,
}

/// How many times `link --write` recomputes suggestions after writing: a tagged passage leaves
/// the pool, so a requirement that was a close second may now clearly match another one.
const MAX_ROUNDS: usize = 5;

/// The plan of `link --write`: suggestions written, the project checked again with the new
/// texts (in memory), and so on until no suggestion is left, so that a second run of
/// `link --write` changes nothing.
pub fn plan_until_stable(
    checked_dir: &std::path::Path,
    settings: &crate::settings::Settings,
    options: &crate::link::LinkOptions,
) -> Result<WritePlan, crate::check::CheckError> {
    let mut overlays: std::collections::HashMap<PathBuf, std::sync::Arc<str>> =
        std::collections::HashMap::new();
    let mut originals: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    let mut links: BTreeMap<PathBuf, usize> = BTreeMap::new();
    let mut skipped: Vec<(String, String, String)> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let result = crate::check::check(
            checked_dir,
            settings,
            &crate::check::CheckOptions {
                overlays: overlays.clone(),
                ..crate::check::CheckOptions::default()
            },
        )?;
        let suggestions = crate::link::suggest(&result.graph, options);
        let round = plan(&result.graph, &suggestions);
        for entry in round.skipped {
            if !skipped.contains(&entry) {
                skipped.push(entry);
            }
        }
        if round.changes.is_empty() {
            break;
        }
        for change in round.changes {
            originals
                .entry(change.absolute_path.clone())
                .or_insert_with(|| (change.path.clone(), change.before.clone()));
            *links.entry(change.absolute_path.clone()).or_default() += change.links;
            overlays.insert(change.absolute_path, std::sync::Arc::from(change.after));
        }
    }
    let changes = originals
        .into_iter()
        .filter_map(|(absolute_path, (path, before))| {
            let after = overlays.get(&absolute_path)?.to_string();
            Some(FileChange {
                links: links.get(&absolute_path).copied().unwrap_or(0),
                path,
                absolute_path,
                before,
                after,
            })
        })
        .collect();
    Ok(WritePlan { changes, skipped })
}

/// One insertion into a file's text.
struct Insertion {
    offset: usize,
    text: String,
}

/// The new text of every file the suggestions touch.
pub fn plan(graph: &Graph, suggestions: &[Suggestion]) -> WritePlan {
    let mut by_file: BTreeMap<FileId, Vec<&Suggestion>> = BTreeMap::new();
    for suggestion in suggestions {
        by_file
            .entry(suggestion.span.file)
            .or_default()
            .push(suggestion);
    }
    let mut plan = WritePlan::default();
    for (file, suggestions) in by_file {
        let Some(source) = graph.db.get(file) else {
            continue;
        };
        let path = source.relative_path.clone();
        let text: &str = &source.text;
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut insertions = Vec::new();
        let mut links = 0;
        // Several requirements for one passage or case share one tag.
        let mut by_place: BTreeMap<(usize, LinkKind), Vec<&str>> = BTreeMap::new();
        for suggestion in &suggestions {
            let ids = by_place
                .entry((suggestion.span.start(), suggestion.kind))
                .or_default();
            if !ids.contains(&suggestion.requirement.as_str()) {
                ids.push(&suggestion.requirement);
            }
        }
        for ((start, kind), ids) in by_place {
            let outcome = match kind {
                LinkKind::Prompt => prompt_tag(&path, text, start, &ids, newline),
                LinkKind::Eval => eval_metadata(&path, text, start, &ids, newline),
            };
            match outcome {
                Ok(mut found) => {
                    links += ids.len();
                    insertions.append(&mut found);
                }
                Err(reason) => {
                    for id in ids {
                        plan.skipped
                            .push((path.clone(), (*id).to_owned(), reason.clone()));
                    }
                }
            }
        }
        if insertions.is_empty() {
            continue;
        }
        insertions.sort_by_key(|insertion| insertion.offset);
        let mut after = String::with_capacity(text.len() + 64 * insertions.len());
        let mut cursor = 0;
        for insertion in &insertions {
            let Some(piece) = text.get(cursor..insertion.offset) else {
                continue;
            };
            after.push_str(piece);
            after.push_str(&insertion.text);
            cursor = insertion.offset;
        }
        after.push_str(text.get(cursor..).unwrap_or_default());
        plan.changes.push(FileChange {
            path,
            absolute_path: source.absolute_path.clone(),
            before: text.to_owned(),
            after,
            links,
        });
    }
    plan
}

fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |at| at + 1)
}

fn indentation(text: &str, line_start: usize) -> &str {
    let line = text.get(line_start..).unwrap_or_default();
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    line.get(..width).unwrap_or_default()
}

/// A tag comment on its own line before the passage.
fn prompt_tag(
    path: &str,
    text: &str,
    start: usize,
    ids: &[&str],
    newline: &str,
) -> Result<Vec<Insertion>, String> {
    let Some(comment) = comment_for(path, &ids.join(" ")) else {
        return Err("this file has no comment syntax for a tag".to_owned());
    };
    let line = line_start(text, start);
    let extension = path.rsplit('.').next().unwrap_or_default();
    if matches!(
        extension,
        "py" | "pyi" | "ts" | "tsx" | "js" | "jsx" | "mjs" | "cjs" | "mts" | "cts"
    ) {
        // In code the tag goes above the statement that holds the string: the passage's first
        // line must be where the string opens, after `=` or `:`.
        let before = text.get(line..start).unwrap_or_default();
        if !(before.contains('=') || before.contains(':')) {
            return Err("the passage is inside a string; tag it by hand".to_owned());
        }
    }
    let indent = indentation(text, line);
    Ok(vec![Insertion {
        offset: line,
        text: format!("{indent}{comment}{newline}"),
    }])
}

fn eval_metadata(
    path: &str,
    text: &str,
    start: usize,
    ids: &[&str],
    newline: &str,
) -> Result<Vec<Insertion>, String> {
    let extension = path.rsplit('.').next().unwrap_or_default();
    match extension {
        "yaml" | "yml" => yaml_metadata(text, start, ids, newline),
        "jsonl" | "ndjson" => json_row_metadata(text, start, ids),
        "json" => json_object_metadata(text, start, ids),
        _ => Err(format!(
            "writing links into `.{extension}` eval files is not supported; add `metadata: {{requirements: [...]}}` by hand"
        )),
    }
}

/// The YAML test mapping whose first key starts on the line holding `start`.
fn test_at(root: &Node, text: &str, start: usize) -> Option<Node> {
    let line = line_start(text, start);
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_mapping()
            && let Some((first_key, _)) = node.entries().next()
            && line_start(text, first_key.start) == line
            && (node.get("vars").is_some()
                || node.get("assert").is_some()
                || node.get("description").is_some()
                || node.get("metadata").is_some())
        {
            return Some(node.clone());
        }
        for (_, value) in node.entries() {
            stack.push(value);
        }
        for item in node.items() {
            stack.push(item);
        }
    }
    None
}

fn quote_yaml(id: &str) -> String {
    if id
        .chars()
        .all(|character| character.is_alphanumeric() || matches!(character, '-' | '_' | '.' | '/'))
    {
        id.to_owned()
    } else {
        format!("'{}'", id.replace('\'', "''"))
    }
}

/// Where a YAML block that starts on the line of `first` ends: after the last non-blank line,
/// from there on, indented by at least `min_indent` columns (the block's deeper lines, block
/// scalars included), before the first line indented less.
fn block_end(text: &str, first: usize, min_indent: usize) -> usize {
    let mut cursor = after_line(text, first);
    let mut end = cursor;
    while cursor < text.len() {
        let next = after_line(text, cursor);
        let line = text.get(cursor..next).unwrap_or_default();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            cursor = next;
            continue;
        }
        let indent = content.len() - content.trim_start_matches(' ').len();
        if indent < min_indent {
            break;
        }
        end = next;
        cursor = next;
    }
    end
}

/// The end of the line holding `offset`, after its newline.
fn after_line(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |at| offset + at + 1)
}

/// The offset of the bracket closing the one at `open_at`, skipping nested brackets and
/// quoted strings.
fn closing(text: &str, open_at: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (index, character) in text.get(open_at..)?.char_indices() {
        if let Some(quoting) = quote {
            if character == quoting {
                quote = None;
            }
            continue;
        }
        match character {
            '"' | '\'' => quote = Some(character),
            _ if character == open => depth += 1,
            _ if character == close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(open_at + index);
                }
            }
            _ => {}
        }
    }
    None
}

fn yaml_metadata(
    text: &str,
    start: usize,
    ids: &[&str],
    newline: &str,
) -> Result<Vec<Insertion>, String> {
    let root =
        yaml::parse(text).map_err(|error| format!("the file does not parse: {}", error.message))?;
    let test = test_at(&root, text, start).ok_or("the test case was not found in the file")?;
    let (first_key, _) = test.entries().next().ok_or("the test case is empty")?;
    let column = first_key.start - line_start(text, first_key.start);
    let indent = " ".repeat(column);
    let listed = ids
        .iter()
        .map(|id| quote_yaml(id))
        .collect::<Vec<_>>()
        .join(", ");
    let flow = text
        .get(test.start..test.end)
        .is_some_and(|slice| slice.trim_start().starts_with('{'));
    if flow {
        return Err("the test case is a flow mapping; add the metadata by hand".to_owned());
    }
    match test.get("metadata") {
        None => {
            // After the test's last line: the last line indented as deep as its keys.
            let at = block_end(text, first_key.start, column);
            let ending = if at == text.len() && !text.ends_with('\n') {
                newline
            } else {
                ""
            };
            Ok(vec![Insertion {
                offset: at,
                text: format!(
                    "{ending}{indent}metadata:{newline}{indent}  requirements: [{listed}]{newline}"
                ),
            }])
        }
        Some(metadata) => {
            let slice = text.get(metadata.start..).unwrap_or_default();
            if let Some(list) = metadata
                .get("requirements")
                .or_else(|| metadata.get("requirement"))
            {
                let list_text = text.get(list.start..).unwrap_or_default();
                if list_text.trim_start().starts_with('[') {
                    let open = list.start + list_text.find('[').ok_or("no list")?;
                    let close = closing(text, open, '[', ']').ok_or("unclosed list")?;
                    if text
                        .get(open + 1..close)
                        .unwrap_or_default()
                        .trim()
                        .is_empty()
                    {
                        return Ok(vec![Insertion {
                            offset: close,
                            text: listed,
                        }]);
                    }
                    return Ok(vec![Insertion {
                        offset: close,
                        text: format!(", {listed}"),
                    }]);
                }
                return Err(
                    "the test's requirements are not a flow list; add the IDs by hand".to_owned(),
                );
            }
            if slice.trim_start().starts_with('{') {
                // `metadata: {owner: x}` → `metadata: {owner: x, requirements: [...]}`.
                let open = metadata.start + slice.find('{').ok_or("no flow mapping")?;
                let close = closing(text, open, '{', '}').ok_or("unclosed flow mapping")?;
                let empty = text
                    .get(open + 1..close)
                    .unwrap_or_default()
                    .trim()
                    .is_empty();
                let separator = if empty { "" } else { ", " };
                return Ok(vec![Insertion {
                    offset: close,
                    text: format!("{separator}requirements: [{listed}]"),
                }]);
            }
            if !metadata.is_mapping() {
                return Err("the test's metadata is not a mapping".to_owned());
            }
            let (metadata_key, _) = metadata.entries().next().ok_or("empty metadata")?;
            let inner_column = metadata_key.start - line_start(text, metadata_key.start);
            let inner = " ".repeat(inner_column);
            let at = block_end(text, metadata_key.start, inner_column);
            Ok(vec![Insertion {
                offset: at,
                text: format!("{inner}requirements: [{listed}]{newline}"),
            }])
        }
    }
}

fn json_string(id: &str) -> String {
    serde_json::to_string(id).unwrap_or_else(|_| format!("\"{id}\""))
}

/// `"metadata": {"requirements": [...]}` added to one JSON Lines row.
fn json_row_metadata(text: &str, start: usize, ids: &[&str]) -> Result<Vec<Insertion>, String> {
    let line = line_start(text, start);
    let end = text
        .get(line..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |at| line + at);
    json_object_insertions(text, line, end, ids)
}

/// `"metadata": {"requirements": [...]}` added to one object of a JSON file (a dataset row or
/// a promptfoo test), which may span several lines.
fn json_object_metadata(text: &str, start: usize, ids: &[&str]) -> Result<Vec<Insertion>, String> {
    // The case's span starts at its object or at its first key: find the brace that opens it.
    let open = if text.get(start..).is_some_and(|rest| rest.starts_with('{')) {
        start
    } else {
        text.get(..start)
            .and_then(|before| before.rfind('{'))
            .ok_or("the case's object was not found")?
    };
    let close = closing(text, open, '{', '}').ok_or("the case's object is not closed")?;
    json_object_insertions(text, open, close + 1, ids)
}

/// The insertion that adds the requirements to the JSON object written at `line..end`.
fn json_object_insertions(
    text: &str,
    line: usize,
    end: usize,
    ids: &[&str],
) -> Result<Vec<Insertion>, String> {
    let row = text.get(line..end).unwrap_or_default();
    let parsed: serde_json::Value =
        serde_json::from_str(row).map_err(|error| format!("the row does not parse: {error}"))?;
    let listed = ids
        .iter()
        .map(|id| json_string(id))
        .collect::<Vec<_>>()
        .join(", ");
    let object = parsed.as_object().ok_or("the row is not a JSON object")?;
    match object.get("metadata") {
        None => {
            let close = row
                .trim_end()
                .rfind('}')
                .ok_or("the row has no closing brace")?;
            let empty = object.is_empty();
            let separator = if empty { "" } else { ", " };
            // Right after the last value, before any line break and indentation.
            let after_last_value = row
                .get(..close)
                .map_or(close, |before| before.trim_end().len());
            Ok(vec![Insertion {
                offset: line + after_last_value,
                text: format!("{separator}\"metadata\": {{\"requirements\": [{listed}]}}"),
            }])
        }
        Some(serde_json::Value::Object(metadata)) => {
            if metadata.contains_key("requirements") {
                return Err("the row already lists requirements; add the IDs by hand".to_owned());
            }
            let key_at = row.find("\"metadata\"").ok_or("metadata key not found")?;
            let open = row
                .get(key_at..)
                .and_then(|rest| rest.find('{'))
                .ok_or("metadata is not an object")?;
            let separator = if metadata.is_empty() { "" } else { ", " };
            Ok(vec![Insertion {
                offset: line + key_at + open + 1,
                text: format!("\"requirements\": [{listed}]{separator}"),
            }])
        }
        Some(_) => Err("the row's metadata is not an object".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn apply(text: &str, insertions: Vec<Insertion>) -> String {
        let mut out = text.to_owned();
        let mut sorted = insertions;
        sorted.sort_by_key(|insertion| std::cmp::Reverse(insertion.offset));
        for insertion in sorted {
            out.insert_str(insertion.offset, &insertion.text);
        }
        out
    }

    #[test]
    fn yaml_tests_get_metadata() {
        let text = "tests:\n  - description: refund window # keep this comment\n    vars:\n      q: 'How long?'\n  - description: other\n";
        let start = text.find("description").unwrap();
        let out = apply(text, yaml_metadata(text, start, &["FR-001"], "\n").unwrap());
        assert_eq!(
            out,
            "tests:\n  - description: refund window # keep this comment\n    vars:\n      q: 'How long?'\n    metadata:\n      requirements: [FR-001]\n  - description: other\n"
        );
        let parsed = yaml::parse(&out).unwrap();
        assert!(parsed.get("tests").is_some());
        let existing = "tests:\n  - description: a\n    metadata:\n      requirements: [FR-001]\n";
        let start = existing.find("description").unwrap();
        let out = apply(
            existing,
            yaml_metadata(existing, start, &["FR-002"], "\n").unwrap(),
        );
        assert!(out.contains("requirements: [FR-001, FR-002]"), "{out}");
    }

    #[test]
    fn json_objects_get_metadata() {
        let text = "[\n  {\n    \"input\": \"a\",\n    \"target\": \"b\"\n  }\n]\n";
        let start = text.find("\"input\"").unwrap();
        let out = apply(
            text,
            json_object_metadata(text, start, &["FR-001"]).unwrap(),
        );
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed[0]["metadata"]["requirements"][0], "FR-001", "{out}");
        assert!(
            out.contains("\"target\": \"b\", \"metadata\": {\"requirements\": [\"FR-001\"]}\n  }"),
            "{out}"
        );
    }

    #[test]
    fn json_rows_get_metadata() {
        let text = "{\"input\": \"a\"}\n{\"input\": \"b\", \"metadata\": {\"owner\": \"x\"}}\n";
        let out = apply(text, json_row_metadata(text, 0, &["FR-001"]).unwrap());
        assert_eq!(
            out.lines().next().unwrap(),
            "{\"input\": \"a\", \"metadata\": {\"requirements\": [\"FR-001\"]}}"
        );
        let second = text.find("{\"input\": \"b\"").unwrap();
        let out = apply(text, json_row_metadata(text, second, &["FR-002"]).unwrap());
        assert!(
            out.contains("\"metadata\": {\"requirements\": [\"FR-002\"], \"owner\": \"x\"}"),
            "{out}"
        );
    }

    #[test]
    fn prompt_tags_in_the_file_syntax() {
        let text = "Intro.\n\n  Refunds within 30 days.\n";
        let start = text.find("Refunds").unwrap();
        let out = apply(
            text,
            prompt_tag("p.md", text, start, &["FR-001"], "\n").unwrap(),
        );
        assert_eq!(
            out,
            "Intro.\n\n  <!-- FR-001 -->\n  Refunds within 30 days.\n"
        );
        let code = "PROMPT = \"\"\"Refunds within 30 days.\"\"\"\n";
        let out = apply(
            code,
            prompt_tag("p.py", code, 10, &["FR-001", "FR-002"], "\n").unwrap(),
        );
        assert_eq!(
            out,
            "# FR-001 FR-002\nPROMPT = \"\"\"Refunds within 30 days.\"\"\"\n"
        );
    }
}

#[cfg(test)]
mod yaml_variations {
    use super::tests::apply;
    use super::*;

    fn write_into(text: &str, key: &str) -> String {
        let start = text.find(key).unwrap();
        let out = apply(text, yaml_metadata(text, start, &["FR-001"], "\n").unwrap());
        let parsed = yaml::parse(&out).unwrap_or_else(|error| panic!("{out}\n{}", error.message));
        let tests = parsed.get("tests").unwrap_or(&parsed);
        let has = tests.items().iter().any(|test| {
            test.get("metadata")
                .and_then(|metadata| metadata.get("requirements"))
                .is_some_and(|list| list.items().iter().any(|id| id.as_str() == Some("FR-001")))
        });
        assert!(has, "{out}");
        out
    }

    #[test]
    fn ordinary_layouts_stay_valid_yaml() {
        // The test opens with `vars`, has a block scalar and a deeper assert list.
        write_into(
            "tests:\n  - vars:\n      q: |\n        line one\n        line two\n    assert:\n      - type: icontains\n        value: x\n  - vars: {q: b}\n",
            "vars:\n      q: |",
        );
        // A comment after the test, then the next test; no trailing newline.
        write_into(
            "tests:\n  - description: first\n    vars: {q: a}\n  # the next one is about refunds\n  - description: second\n    vars: {q: b}",
            "description: second",
        );
        // Four-space indentation and a list of tests at the top level (a tests file).
        write_into(
            "-   description: only\n    vars:\n        q: a\n",
            "description: only",
        );
        // Metadata with other keys, in block style.
        let out = write_into(
            "tests:\n  - description: a\n    metadata:\n      owner: qa\n    vars: {q: a}\n",
            "description: a",
        );
        assert!(
            out.contains("      owner: qa\n      requirements: [FR-001]\n"),
            "{out}"
        );
        // Metadata in flow style, and an empty flow list.
        write_into(
            "tests:\n  - description: a\n    metadata: {owner: qa}\n",
            "description: a",
        );
        write_into(
            "tests:\n  - description: a\n    metadata:\n      requirements: []\n",
            "description: a",
        );
    }

    #[test]
    fn crlf_files_keep_crlf() {
        let text = "tests:\r\n  - description: a\r\n    vars: {q: a}\r\n  - description: b\r\n";
        let start = text.find("description: a").unwrap();
        let out = apply(
            text,
            yaml_metadata(text, start, &["FR-001"], "\r\n").unwrap(),
        );
        assert_eq!(
            out,
            "tests:\r\n  - description: a\r\n    vars: {q: a}\r\n    metadata:\r\n      requirements: [FR-001]\r\n  - description: b\r\n"
        );
    }
}

//! One fixture project per input format family under `tests/fixtures/formats/`; each is
//! checked and its `--list` view and findings are pinned by an insta snapshot, so that what
//! speclint understood of every format is reviewed like code.

use std::path::Path;

use speclint::check::{CheckOptions, check as run_check};
use speclint::config::load_settings;
use speclint::render::{Colors, OutputFormat, list, render};

fn check(name: &str) -> (String, speclint::check::CheckResult) {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/formats")
        .join(name);
    let settings = load_settings(&directory, None).unwrap();
    let result = run_check(&directory, &settings, &CheckOptions::default()).unwrap();
    let output = format!(
        "{}\n{}",
        list::render(&result),
        render(&result, OutputFormat::Concise, Colors::Disabled)
    );
    (output, result)
}

fn snapshot(name: &str) -> speclint::check::CheckResult {
    let (output, result) = check(name);
    insta::with_settings!({
        snapshot_path => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, output);
    });
    result
}

fn ids(result: &speclint::check::CheckResult) -> Vec<&str> {
    result
        .graph
        .requirements
        .iter()
        .map(|requirement| requirement.def.id.as_str())
        .collect()
}

fn linked_passages(result: &speclint::check::CheckResult, id: &str) -> usize {
    let graph = &result.graph;
    graph
        .lookup(id)
        .map_or(0, |index| graph.passages_for(index).len())
}

fn linked_cases(result: &speclint::check::CheckResult, id: &str) -> usize {
    let graph = &result.graph;
    graph
        .lookup(id)
        .map_or(0, |index| graph.eval_cases_for(index).len())
}

pub fn spec_kit() {
    let result = snapshot("spec-kit");
    assert_eq!(
        ids(&result),
        [
            "FR-001", "FR-002", "FR-004a", "FR-005", "FR-006", "NFR-001", "NFR-002", "SC-001",
            "SC-002"
        ]
    );
    assert_eq!(result.graph.clarifications.len(), 1);
}

pub fn kiro() {
    let result = snapshot("kiro");
    assert_eq!(
        ids(&result),
        [
            "checkout/R1.1",
            "checkout/R1.2",
            "checkout/R2.1",
            "checkout/R2.2",
            "checkout/R2.3"
        ]
    );
    let ears = result.graph.requirements[3].def.ears.clone().unwrap();
    assert_eq!(ears.condition.as_deref(), Some("a payment is pending"));
    assert_eq!(linked_passages(&result, "checkout/R1.2"), 1);
    assert_eq!(linked_cases(&result, "checkout/R1.2"), 1);
    assert_eq!(linked_cases(&result, "checkout/R2.3"), 1);
}

pub fn yaml_spec() {
    let result = snapshot("yaml-spec");
    assert_eq!(ids(&result), ["REQ-001", "REQ-002", "REQ-003"]);
}

pub fn text_prompts() {
    let result = snapshot("text-prompts");
    for id in [
        "REQ-001", "REQ-002", "REQ-003", "REQ-004", "REQ-005", "REQ-006", "REQ-007",
    ] {
        assert_eq!(linked_passages(&result, id), 1, "{id}");
    }
}

pub fn code_prompts() {
    let result = snapshot("code-prompts");
    for id in ["FR-001", "FR-002", "FR-003", "FR-004"] {
        assert_eq!(linked_passages(&result, id), 1, "{id}");
    }
    assert!(result.diagnostics.is_empty());
}

pub fn prompty_and_dotprompt() {
    let result = snapshot("prompty-dotprompt");
    assert_eq!(linked_passages(&result, "REQ-001"), 1);
    assert_eq!(linked_passages(&result, "REQ-002"), 1);
}

pub fn github_models() {
    let result = snapshot("github-models");
    assert_eq!(result.graph.eval_cases.len(), 3);
    assert_eq!(linked_passages(&result, "FR-001"), 1);
    assert_eq!(linked_passages(&result, "FR-002"), 1);
    assert_eq!(linked_cases(&result, "FR-002"), 1);
}

pub fn promptfoo() {
    let result = snapshot("promptfoo");
    assert_eq!(result.graph.eval_cases.len(), 10);
    // defaultTest (from a file) applies to every test.
    assert_eq!(linked_cases(&result, "FR-004"), 10);
    for id in ["FR-001", "FR-002", "FR-003", "FR-005"] {
        assert!(linked_passages(&result, id) >= 1, "{id}");
        assert!(linked_cases(&result, id) >= 1, "{id}");
    }
}

pub fn openai_evals() {
    let result = snapshot("openai-evals");
    assert_eq!(result.graph.eval_cases.len(), 2);
    assert_eq!(linked_cases(&result, "FR-001"), 2);
    assert_eq!(linked_cases(&result, "FR-002"), 1);
}

pub fn inspect_datasets() {
    let result = snapshot("inspect");
    assert_eq!(result.graph.eval_cases.len(), 6);
    assert_eq!(linked_cases(&result, "FR-001"), 3);
    assert_eq!(linked_cases(&result, "FR-002"), 1);
}

/// promptfoo's own counts, stated in the fixture's configs: scenario configs times tests, a
/// file loaded twice running twice, and inputs promptfoo rejects reported.
pub fn promptfoo_runs_and_rejected_inputs() {
    let result = snapshot("promptfoo-fidelity");
    let runs = |path: &str| {
        result
            .graph
            .files
            .iter()
            .find(|file| result.graph.db.path(file.file) == path)
            .map(|file| (file.eval_cases, file.eval_runs))
            .unwrap_or_else(|| panic!("{path} not read"))
    };
    // scenarios.yaml: 2 tests, run for 2 configs by each of the two configs that load it.
    assert_eq!(runs("scenarios/scenarios.yaml"), (2, 8));
    assert_eq!(runs("tests/a.yaml"), (2, 4));
    assert_eq!(runs("tests/b.yaml"), (1, 1));
    let codes: Vec<(&str, String)> = result
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == "SL017")
        .map(|diagnostic| {
            (
                result.graph.db.path(diagnostic.span.file),
                diagnostic.message.clone(),
            )
        })
        .collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    assert!(
        codes
            .iter()
            .any(|(path, message)| *path == "promptfooconfig.yaml"
                && message.contains("loaded again"))
    );
    assert!(
        codes.iter().any(
            |(path, message)| *path == "rejected/rows.json" && message.contains("needs `vars`")
        )
    );
    assert!(
        codes
            .iter()
            .any(|(path, message)| *path == "rejected/ragged.csv" && message.contains("3 fields"))
    );
}

/// Every `.yaml` and `.yml` file under `root`, skipping build output, in path order.
pub fn yaml_files(root: &Path) -> Vec<std::path::PathBuf> {
    files_with_extensions(root, &["yaml", "yml"])
}

/// Every file under `root` with one of `extensions`, skipping build output, in path order.
pub fn files_with_extensions(root: &Path, extensions: &[&str]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && name != ".git" {
                    folders.push(path);
                }
            } else if path.extension().is_some_and(|extension| {
                extensions
                    .iter()
                    .any(|wanted| extension == std::ffi::OsStr::new(wanted))
            }) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `yaml::parse` reads ordinary documents from the parser's events and leaves the rest to
/// serde-saphyr: both readings must give the same tree, or the same error, for every file.
pub fn assert_yaml_read_as_serde_saphyr_reads_it(files: &[std::path::PathBuf]) {
    assert!(!files.is_empty());
    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        let read = speclint::source::yaml::parse(&text);
        let reference = speclint::source::yaml::parse_with_serde_saphyr(&text);
        match (read, reference) {
            (Ok(read), Ok(reference)) => assert!(read == reference, "{}", path.display()),
            (Err(read), Err(reference)) => {
                assert_eq!(read.message, reference.message, "{}", path.display());
                assert_eq!(
                    read.line_column,
                    reference.line_column,
                    "{}",
                    path.display()
                );
            }
            (read, reference) => panic!(
                "{}: read {:?}, serde-saphyr {:?}",
                path.display(),
                read.err(),
                reference.err()
            ),
        }
    }
}

pub fn own_yaml_files_are_read_as_serde_saphyr_reads_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = yaml_files(root);
    assert!(files.len() > 20, "{} YAML files", files.len());
    assert_yaml_read_as_serde_saphyr_reads_it(&files);
}

/// `json::parse` reads well-formed JSON in one pass and leaves the rest to its two-pass
/// reading: both must give the same tree, or the same error, for every JSON file and every
/// line of every JSONL file. Returns how many values were compared.
pub fn assert_json_read_as_two_passes_read_it(files: &[std::path::PathBuf]) -> usize {
    let mut compared = 0;
    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let values: Vec<(usize, &str)> = if path.extension().is_some_and(|e| e == "jsonl") {
            let mut offset = 0;
            let mut values = Vec::new();
            for line in text.split_inclusive('\n') {
                let content = line.trim_end_matches(['\n', '\r']);
                if !content.trim().is_empty() {
                    values.push((offset, content));
                }
                offset += line.len();
            }
            values
        } else {
            vec![(0, text.as_str())]
        };
        for (base, value) in values {
            compared += 1;
            let read = speclint::source::json::parse(value, base);
            let reference = speclint::source::json::parse_in_two_passes(value, base);
            match (read, reference) {
                (Ok(read), Ok(reference)) => {
                    assert!(read == reference, "{} at {base}", path.display());
                }
                (Err(read), Err(reference)) => {
                    assert_eq!(read.message, reference.message, "{}", path.display());
                    assert_eq!(
                        (read.line, read.column, read.offset),
                        (reference.line, reference.column, reference.offset),
                        "{}",
                        path.display()
                    );
                }
                (read, reference) => panic!(
                    "{} at {base}: read {:?}, two passes {:?}",
                    path.display(),
                    read.err(),
                    reference.err()
                ),
            }
        }
    }
    compared
}

pub fn own_json_files_are_read_as_two_passes_read_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = files_with_extensions(root, &["json", "jsonl"]);
    let compared = assert_json_read_as_two_passes_read_it(&files);
    assert!(compared > 30, "{compared} JSON values");
}

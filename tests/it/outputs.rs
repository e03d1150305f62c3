//! Output formats checked beyond their pinned text: SARIF against the SARIF 2.1.0 schema, the
//! machine formats as parseable documents, and `--changed-since` against a real git history.

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot")
}

fn run(arguments: &[&str], directory: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(arguments)
        .arg(directory)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

pub fn sarif_is_valid_against_the_sarif_2_1_0_schema() -> Result<(), crate::support::Skipped> {
    let schema_path = crate::support::shared("schemas/sarif-schema-2.1.0.json")?;
    let schema_text = std::fs::read_to_string(&schema_path).unwrap();
    let mut schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    // The OASIS schema's `language` patterns (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) have
    // a stray `]` that makes the schema fail its own meta-schema; the intended pattern is put in
    // their place in memory. speclint emits no `language` property.
    fix_language_patterns(&mut schema);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (code, stdout, _) = run(&["check", "--output-format", "sarif"], &example());
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "speclint");
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 15);
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        assert!(result["partialFingerprints"]["speclint/v1"].is_string());
        assert!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_i64()
                .unwrap()
                >= 1
        );
    }
    Ok(())
}

fn fix_language_patterns(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "pattern"
                    && child.as_str() == Some("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$")
                {
                    *child = serde_json::Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                } else {
                    fix_language_patterns(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(fix_language_patterns),
        _ => {}
    }
}

pub fn machine_formats_parse() {
    let (_, gitlab, _) = run(&["check", "--output-format", "gitlab"], &example());
    let issues: serde_json::Value = serde_json::from_str(&gitlab).unwrap();
    let fingerprints: Vec<&str> = issues
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap())
        .collect();
    let mut unique = fingerprints.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), fingerprints.len(), "fingerprints are unique");

    let (_, lines, _) = run(&["check", "--output-format", "json-lines"], &example());
    for line in lines.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["code"].is_string());
    }
    let (_, lsp, _) = run(&["check", "--output-format", "lsp"], &example());
    for line in lsp.lines() {
        let params: lsp_types::PublishDiagnosticsParams = serde_json::from_str(line).unwrap();
        assert!(params.uri.as_str().starts_with("file:///"));
        assert!(!params.diagnostics.is_empty());
    }
    let (_, junit, _) = run(&["check", "--output-format", "junit"], &example());
    assert!(junit.starts_with("<?xml"));
    assert_eq!(
        junit.matches("<testcase").count(),
        junit.matches("</testcase>").count() + junit.matches("\"/>").count()
    );
}

fn git(directory: &Path, arguments: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(directory)
        .args([
            "-c",
            "user.email=ci@example.com",
            "-c",
            "user.name=CI",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(arguments)
        .status()
        .unwrap();
    assert!(status.success(), "git {arguments:?}");
}

pub fn changed_since_keeps_changed_files_and_changed_requirements() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::create_dir_all(root.join("prompts")).unwrap();
    std::fs::write(
        root.join("specs/spec.md"),
        "- **FR-001**: Refunds MUST be accepted within 30 days.\n- **FR-002**: The assistant MUST NOT give legal advice.\n- **FR-003**: Replies MUST be polite.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/a.md"),
        "<!-- FR-001 -->\nRefunds within 30 days.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/b.md"),
        "<!-- FR-002 -->\nTry to avoid legal advice.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("speclint.toml"),
        "[coverage]\nneeds = [\"prompt\"]\n",
    )
    .unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);

    // FR-001's wording changes: the untouched prompt a.md now drifts and must be reported;
    // b.md's old finding is not about a changed file or requirement and is hidden.
    std::fs::write(
        root.join("specs/spec.md"),
        "- **FR-001**: Refunds MUST be accepted within 14 days.\n- **FR-002**: The assistant MUST NOT give legal advice.\n- **FR-003**: Replies MUST be polite.\n",
    )
    .unwrap();
    let (_, everything, _) = run(&["check", "--output-format", "concise"], root);
    assert!(everything.contains("prompts/b.md"), "{everything}");
    let (code, changed, stderr) = run(
        &[
            "check",
            "--output-format",
            "concise",
            "--changed-since",
            "HEAD",
        ],
        root,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        changed.contains("prompts/a.md") && changed.contains("SL006"),
        "{changed}"
    );
    assert!(!changed.contains("prompts/b.md"), "{changed}");

    let outside = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&["check", "--changed-since", "HEAD"], outside.path());
    assert_eq!(code, 2);
    assert!(stderr.contains("not inside a git work tree"), "{stderr}");
}

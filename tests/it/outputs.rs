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

/// A project whose prompt files have hostile names (space, `%`, `,`, `:`, non-ASCII), hold a
/// vertical tab, and repeat one drifted sentence on two lines.
fn hostile_project() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let write = |relative: &str, text: &str| {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("speclint.toml", "[coverage]\nneeds = [\"prompt\"]\n");
    write(
        "specs/spec.md",
        "- **FR-001**: Refunds MUST be accepted within 30 days of delivery.\n- **FR-002**: The assistant MUST be polite.\n",
    );
    write(
        "prompts/a b.md.j2",
        "{# FR-001 #}\nRefunds are accepted within 45 days of delivery.\n\n{# FR-001 #}\nRefunds are accepted within 45 days of delivery.\n",
    );
    write(
        "prompts/tone, v2: draft/réponse é 100%.md.j2",
        "{# FR-002 #}\nBe polite\u{b} and warm. Refunds within 45 days.\n",
    );
    directory
}

fn sarif_validator() -> Result<jsonschema::Validator, crate::support::Skipped> {
    let schema_path = crate::support::shared("schemas/sarif-schema-2.1.0.json")?;
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    fix_language_patterns(&mut schema);
    Ok(jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap())
}

/// Percent-decodes a URI reference (what a SARIF consumer does before opening the file).
fn percent_decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut decoded = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
            decoded.push(u8::from_str_radix(hex, 16).unwrap());
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).unwrap()
}

pub fn sarif_paths_are_uri_references_and_fingerprints_distinct()
-> Result<(), crate::support::Skipped> {
    let validator = sarif_validator()?;
    let project = hostile_project();
    let (code, stdout, stderr) = run(&["check", "--output-format", "sarif"], project.path());
    assert_eq!(code, 1, "{stderr}");
    let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|result| {
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"prompts/a%20b.md.j2"), "{uris:?}");
    for uri in &uris {
        assert!(
            project.path().join(percent_decode(uri)).is_file(),
            "{uri} does not decode to a file"
        );
    }
    let fingerprints: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|result| {
            result["partialFingerprints"]["speclint/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(fingerprints.len(), results.len(), "{stdout}");
    Ok(())
}

pub fn gitlab_fingerprints_are_distinct_for_repeated_findings() {
    let project = hostile_project();
    let (_, stdout, _) = run(&["check", "--output-format", "gitlab"], project.path());
    let issues: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let issues = issues.as_array().unwrap();
    // GitLab's documented Code Quality fields.
    for issue in issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[field].is_string(), "{field} in {issue}");
        }
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].is_u64());
    }
    let fingerprints: std::collections::BTreeSet<&str> = issues
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), issues.len(), "{stdout}");
    let drift_in_a_b = issues
        .iter()
        .filter(|issue| issue["location"]["path"] == "prompts/a b.md.j2")
        .count();
    assert_eq!(drift_in_a_b, 2, "{stdout}");
}

/// JUnit against Jenkins' junit-10.xsd with xmllint; warnings never fail.
pub fn junit_is_valid_against_jenkins_xsd() -> Result<(), crate::support::Skipped> {
    let has_xmllint = Command::new("xmllint").arg("--version").output().is_ok();
    if !has_xmllint {
        return Err(crate::support::Skipped(
            "no xmllint (Debian's libxml2-utils; .ci/run installs it)".to_owned(),
        ));
    }
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd");
    let project = hostile_project();
    for directory in [project.path().to_path_buf(), example()] {
        let (_, stdout, _) = run(&["check", "--output-format", "junit"], &directory);
        assert!(!stdout.contains('\u{b}'));
        let report = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(report.path(), &stdout).unwrap();
        let output = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&schema)
            .arg(report.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        // Test names carry no line numbers.
        for name in stdout.split(" name=\"").skip(1) {
            let name = name.split('"').next().unwrap();
            assert!(!name.contains(".j2:") && !name.contains(".md:"), "{name}");
        }
    }
    // A run with warnings only exits 0 and reports no failure.
    let warnings = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(warnings.path().join("specs")).unwrap();
    std::fs::write(
        warnings.path().join("specs/spec.md"),
        "- **FR-001**: Keep data for [NEEDS CLARIFICATION: how long?]\n",
    )
    .unwrap();
    std::fs::write(warnings.path().join("speclint.toml"), "").unwrap();
    let (code, stdout, _) = run(&["check", "--output-format", "junit"], warnings.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("failures=\"0\""), "{stdout}");
    assert!(!stdout.contains("<failure"), "{stdout}");
    assert!(stdout.contains("<system-out>"), "{stdout}");
    Ok(())
}

/// In a monorepo, CI paths are relative to the repository root, automatically or as
/// `--path-prefix` says.
pub fn ci_paths_are_relative_to_the_repository_root() {
    let repository = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repository.path().join(".git")).unwrap();
    let project = repository.path().join("packages/bot");
    std::fs::create_dir_all(project.join("specs")).unwrap();
    std::fs::write(project.join("speclint.toml"), "").unwrap();
    std::fs::write(
        project.join("specs/spec.md"),
        "- **FR-001**: Keep data for [NEEDS CLARIFICATION: how long?]\n",
    )
    .unwrap();
    let (_, github, _) = run(&["check", "--output-format", "github"], &project);
    assert!(
        github.contains("file=packages/bot/specs/spec.md,"),
        "{github}"
    );
    let (_, concise, _) = run(&["check", "--output-format", "concise"], &project);
    assert!(concise.starts_with("specs/spec.md:"), "{concise}");
    let (_, gitlab, _) = run(
        &[
            "check",
            "--output-format",
            "gitlab",
            "--path-prefix",
            "services/x",
        ],
        &project,
    );
    assert!(gitlab.contains("\"services/x/specs/spec.md\""), "{gitlab}");
    let (_, sarif, _) = run(
        &["check", "--output-format", "sarif", "--path-prefix", ""],
        &project,
    );
    assert!(sarif.contains("\"uri\": \"specs/spec.md\""), "{sarif}");
}

/// Microsoft's SARIF multitool (npm `@microsoft/sarif-multitool`, which `.ci/run` installs into
/// `target/tools/`) with the SARIF and GitHub rule sets: no error or warning, on the example
/// and on hostile paths.
pub fn sarif_passes_the_sarif_multitool() -> Result<(), crate::support::Skipped> {
    let tool = std::env::var_os("SARIF_MULTITOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
        });
    if !tool.is_file() {
        return Err(crate::support::Skipped(
            "no SARIF multitool (npm install @microsoft/sarif-multitool; .ci/run does)".to_owned(),
        ));
    }
    let project = hostile_project();
    for directory in [project.path().to_path_buf(), example()] {
        let (_, stdout, _) = run(&["check", "--output-format", "sarif"], &directory);
        let work = tempfile::tempdir().unwrap();
        let input = work.path().join("speclint.sarif");
        let output = work.path().join("validation.sarif");
        std::fs::write(&input, &stdout).unwrap();
        let status = Command::new(&tool)
            .arg("validate")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            .args(["--level", "Error;Warning;Note", "--rule-kind", "Sarif;Gh"])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stdout)
        );
        let validation: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
        let serious: Vec<String> = validation["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|result| result["level"] != "note")
            .map(|result| format!("{} {}", result["ruleId"], result["message"]))
            .collect();
        assert!(serious.is_empty(), "{serious:#?}");
    }
    Ok(())
}

/// A baseline named in speclint.toml applies to every check: `speclint check` and the library
/// call the language server makes (default options).
pub fn a_configured_baseline_applies_everywhere() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::write(
        root.join("specs/spec.md"),
        "- **FR-001**: Keep data for [NEEDS CLARIFICATION: how long?]\n",
    )
    .unwrap();
    std::fs::write(root.join("speclint.toml"), "").unwrap();
    let baseline = root.join("speclint-baseline.json");
    let (_, _, stderr) = run(
        &["check", "--write-baseline", baseline.to_str().unwrap()],
        root,
    );
    assert!(stderr.contains("recorded 3 findings"), "{stderr}");
    std::fs::write(
        root.join("speclint.toml"),
        "baseline = \"speclint-baseline.json\"\n",
    )
    .unwrap();
    let (code, stdout, _) = run(&["check", "--output-format", "concise"], root);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("no findings"), "{stdout}");
    let settings = speclint::config::load_settings(root, None).unwrap();
    let result =
        speclint::check::check(root, &settings, &speclint::check::CheckOptions::default()).unwrap();
    assert!(result.diagnostics.is_empty());
    // `--list` and `--write-baseline` see every finding.
    let (_, listed, _) = run(&["check", "--list"], root);
    assert!(listed.contains("specs/spec.md"), "{listed}");
}

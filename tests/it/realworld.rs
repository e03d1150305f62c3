//! speclint over the unmodified public files in `../shared/realworld/`: it must read all of them
//! without a crash. A user's clone has no `../shared`, so these tests say they were skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Skipped;

fn realworld_root() -> Result<PathBuf, Skipped> {
    crate::support::shared("realworld")
}

fn run_json(directory: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("check")
        .arg(directory)
        // `../shared` is read, never written: no parse cache there.
        .args(["--output-format", "json", "--no-cache"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

/// Every project folder in `../shared/realworld/`, in name order.
pub fn folders() -> Result<Vec<PathBuf>, Skipped> {
    let root = realworld_root()?;
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    Ok(folders)
}

pub fn every_realworld_folder_is_read_without_a_crash() -> Result<(), Skipped> {
    let folders = folders()?;
    assert!(!folders.is_empty());
    for folder in folders {
        let (code, json, stderr) = run_json(&folder, &[]);
        assert!(
            code == 0 || code == 1,
            "{}: exit code {code}, stderr: {stderr}",
            folder.display()
        );
        assert!(
            !stderr.contains("panicked"),
            "{}: {stderr}",
            folder.display()
        );
        assert_eq!(
            json["version"],
            1,
            "{}: output is not speclint JSON",
            folder.display()
        );
    }
    Ok(())
}

/// The `--list` line of `file`.
fn listed_line(directory: &Path, file: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(["check", "--list", "--no-cache"])
        .arg(directory)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find(|line| line.split_whitespace().next() == Some(file))
        .unwrap_or_else(|| panic!("{file} is not listed:\n{stdout}"))
        .to_owned()
}

/// The `--list` line of `file`: (format, requirements, prompt passages, eval cases).
fn listed(directory: &Path, file: &str) -> (String, usize, usize, usize) {
    let line = listed_line(directory, file);
    let words: Vec<&str> = line.split_whitespace().collect();
    // "… 16 requirements, 0 prompt passages, 3 eval cases": the number stands `back` words
    // before the label.
    let number = |label: &str, back: usize| -> usize {
        let position = words
            .iter()
            .rposition(|word| word.trim_end_matches(',') == label)
            .unwrap();
        words[position - back].parse().unwrap()
    };
    (
        words[2].to_owned(),
        number("requirements", 1),
        number("passages", 2),
        number("cases", 2),
    )
}

/// Requirement counts checked by hand against the files (counting the bold-ID items, table
/// rows and Kiro acceptance criteria with grep).
pub fn requirements_are_counted_exactly_in_named_specs() -> Result<(), Skipped> {
    let root = realworld_root()?;
    let expectations = [
        (
            "dean0x__townhall",
            ".docs/specs/001-build-the-phase/spec.md",
            "markdown-spec",
            16,
        ),
        (
            "3CBolt__promptpractice-kiro",
            ".kiro/specs/prompt-practice-app/requirements.md",
            "kiro-spec",
            39,
        ),
        (
            "3CBolt__promptpractice-kiro",
            ".kiro/specs/prompt-practice-refinement/requirements.md",
            "kiro-spec",
            80,
        ),
        (
            "1552964482__deepresearch",
            "docs/spec/requirements.md",
            "kiro-spec",
            39,
        ),
        (
            "108yen__task-orchestrator-mcp",
            ".kiro/specs/task-management-mcp-server/requirements.md",
            "kiro-spec",
            54,
        ),
    ];
    for (folder, file, format, requirements) in expectations {
        let (found_format, found, _, _) = listed(&root.join(folder), file);
        assert_eq!(found_format, format, "{folder}/{file}");
        assert_eq!(found, requirements, "{folder}/{file}");
    }
    // Templates, plans and task lists define no requirement; `--list` says why.
    let skipped = [
        (
            "github__spec-kit",
            "templates/spec-template.md",
            "a template",
        ),
        (
            "github__spec-kit",
            ".specify/memory/constitution.md",
            "spec-kit's own folder",
        ),
        (
            "dean0x__townhall",
            ".docs/specs/001-build-the-phase/plan.md",
            "plans, task lists",
        ),
        (
            "dean0x__townhall",
            ".docs/specs/001-build-the-phase/tasks.md",
            "plans, task lists",
        ),
        (
            "3CBolt__promptpractice-kiro",
            ".kiro/specs/prompt-practice-app/design.md",
            "plans, task lists",
        ),
        (
            "3CBolt__promptpractice-kiro",
            ".kiro/specs/prompt-practice-app/tasks.md",
            "plans, task lists",
        ),
    ];
    for (folder, file, reason) in skipped {
        let line = listed_line(&root.join(folder), file);
        assert!(
            line.contains(&format!("skipped: {reason}")),
            "{folder}/{file}: {line}"
        );
    }
    Ok(())
}

/// Eval-case counts of promptfoo examples, compared with the files by hand.
pub fn promptfoo_tests_are_counted_from_every_source() -> Result<(), Skipped> {
    let root = realworld_root()?;
    let examples = root.join("promptfoo__promptfoo/examples");
    let expectations = [
        ("simple-csv", "tests.csv", 4),
        ("csv-metadata", "tests.csv", 3),
        ("jsonl-test-cases", "cases.jsonl", 2),
        ("separate-test-configs", "promptfooconfig.yaml", 3),
        ("separate-test-configs", "tests/tests1.yaml", 6),
        ("separate-test-configs", "tests/tests2.yaml", 7),
        ("multiple-translations", "promptfooconfig-scenarios.yaml", 3),
        ("multiple-translations", "promptfooconfig.yaml", 1),
    ];
    for (example, file, cases) in expectations {
        let (_, _, _, found) = listed(&examples.join(example), file);
        assert_eq!(found, cases, "{example}/{file}");
    }
    Ok(())
}

pub fn the_known_broken_promptfoo_reference_is_found() -> Result<(), Skipped> {
    let root = realworld_root()?;
    let example = root.join("promptfoo__promptfoo/examples/separate-test-configs");
    let (code, json, _) = run_json(&example, &[]);
    assert_eq!(code, 1);
    let broken: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "SL012")
        .collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(broken[0]["path"], "promptfooconfig.yaml");
    assert!(
        broken[0]["message"]
            .as_str()
            .unwrap()
            .contains("asserts/assert.js")
    );
    Ok(())
}

/// promptfoo's own examples all load in promptfoo: the only eval-config problem is the test
/// file that `separate-test-configs` loads twice (by name and through a glob).
pub fn promptfoo_examples_have_no_false_eval_config_problems() -> Result<(), Skipped> {
    let root = realworld_root()?;
    let (_, json, _) = run_json(&root.join("promptfoo__promptfoo"), &[]);
    let problems: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "SL017")
        .map(|diagnostic| format!("{} {}", diagnostic["path"], diagnostic["message"]))
        .collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("separate-test-configs"),
        "{problems:#?}"
    );
    assert!(problems[0].contains("tests/tests2.yaml"), "{problems:#?}");
    // And no requirement-level flood: one missing-spec finding for the whole folder.
    let missing = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "SL016" || diagnostic["code"] == "SL005")
        .count();
    assert_eq!(missing, 1);
    Ok(())
}

pub fn yaml_files_are_read_as_serde_saphyr_reads_them() -> Result<(), Skipped> {
    let files = crate::formats::yaml_files(&realworld_root()?);
    assert!(files.len() > 50, "{} YAML files", files.len());
    crate::formats::assert_yaml_read_as_serde_saphyr_reads_it(&files);
    Ok(())
}

pub fn json_files_are_read_as_two_passes_read_them() -> Result<(), Skipped> {
    let files = crate::formats::files_with_extensions(&realworld_root()?, &["json", "jsonl"]);
    let compared = crate::formats::assert_json_read_as_two_passes_read_it(&files);
    assert!(compared > 500, "{compared} JSON values");
    Ok(())
}

//! `speclint lock` end to end: editing one requirement's wording makes exactly its links stale,
//! reformatting the spec makes none stale, and `--accept` clears what was reviewed.

use std::path::Path;
use std::process::Command;

fn speclint(arguments: &[&str], directory: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(arguments)
        .arg(directory)
        .output()
        .unwrap()
}

fn stale(directory: &Path) -> Vec<(String, String)> {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("check")
        .arg(directory)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "SL009")
        .map(|diagnostic| {
            (
                diagnostic["requirement"].as_str().unwrap().to_owned(),
                diagnostic["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn project() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::create_dir_all(root.join("prompts")).unwrap();
    std::fs::create_dir_all(root.join("evals")).unwrap();
    std::fs::write(
        root.join("specs/spec.md"),
        "# Spec\n\n- **FR-001**: The assistant MUST accept refunds within 30 days of delivery.\n- **FR-002**: The assistant MUST answer in the customer's language.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/system.md"),
        "<!-- FR-001 -->\nRefunds are accepted within 30 days of delivery.\n\n<!-- FR-002 -->\nAnswer in the customer's language.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("evals/tests.yaml"),
        "- description: window\n  metadata: {requirements: [FR-001]}\n- description: language\n  metadata: {requirements: [FR-002]}\n",
    )
    .unwrap();
    directory
}

pub fn rewording_one_requirement_makes_exactly_its_links_stale() {
    let directory = project();
    let root = directory.path();
    assert!(stale(root).is_empty(), "without a lock the rule is silent");
    let output = speclint(&["lock"], root);
    assert!(output.status.success());
    let lock = std::fs::read_to_string(root.join("speclint.lock")).unwrap();
    assert!(lock.contains("[links.\"prompts/system.md\"]"), "{lock}");
    assert!(stale(root).is_empty());

    let spec = root.join("specs/spec.md");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace("within 30 days of delivery", "within 14 days of delivery"),
    )
    .unwrap();
    assert_eq!(
        stale(root),
        [
            ("FR-001".to_owned(), "evals/tests.yaml".to_owned()),
            ("FR-001".to_owned(), "prompts/system.md".to_owned())
        ]
    );

    // Accepting one file clears that file only; a plain `lock` keeps the other stale.
    speclint(&["lock", "--accept", "prompts/system.md"], root);
    assert_eq!(
        stale(root),
        [("FR-001".to_owned(), "evals/tests.yaml".to_owned())]
    );
    speclint(&["lock"], root);
    assert_eq!(
        stale(root),
        [("FR-001".to_owned(), "evals/tests.yaml".to_owned())]
    );
    speclint(&["lock", "--accept", "FR-001"], root);
    assert!(stale(root).is_empty());
}

pub fn reformatting_the_spec_makes_nothing_stale() {
    let directory = project();
    let root = directory.path();
    speclint(&["lock"], root);
    std::fs::write(
        root.join("specs/spec.md"),
        "# Spec\n\n* **FR-001**: The assistant **MUST** accept refunds\n  within 30 days   of delivery.\n\n* **FR-002**: The assistant *MUST* answer in the\n  customer's language.\n",
    )
    .unwrap();
    assert!(stale(root).is_empty());
}

pub fn the_lock_is_sorted_and_stable() {
    let directory = project();
    let root = directory.path();
    speclint(&["lock"], root);
    let first = std::fs::read_to_string(root.join("speclint.lock")).unwrap();
    speclint(&["lock"], root);
    let second = std::fs::read_to_string(root.join("speclint.lock")).unwrap();
    assert_eq!(first, second);
    let evals = first.find("[links.\"evals/tests.yaml\"]").unwrap();
    let prompts = first.find("[links.\"prompts/system.md\"]").unwrap();
    assert!(evals < prompts);
}

pub fn a_malformed_lock_is_reported_and_not_overwritten() {
    let directory = project();
    let root = directory.path();
    std::fs::write(root.join("speclint.lock"), "version = 1\n[links\n").unwrap();
    let output = speclint(&["lock"], root);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(root.join("speclint.lock")).unwrap(),
        "version = 1\n[links\n"
    );
    let check = speclint(&["check", "--output-format", "concise"], root);
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(stdout.contains("speclint.lock:2:"), "{stdout}");
}

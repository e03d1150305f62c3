//! The bundled example: each deliberate defect is found with both sides shown, and a copy with
//! every defect fixed is clean.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::copy_tree;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot")
}

fn check_json(directory: &Path) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("check")
        .arg(directory)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).unwrap(),
    )
}

fn replace(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

pub fn every_deliberate_defect_is_found_with_both_sides() {
    let (code, output) = check_json(&example());
    assert_eq!(code, 1);
    let diagnostics = output["diagnostics"].as_array().unwrap();
    let expected = [
        ("SL001", "FR-006"),
        ("SL002", "FR-01"),
        ("SL002", "FR-099"),
        ("SL003", "FR-005"),
        ("SL004", "SAFE-002"),
        ("SL006", "FR-001"),
        ("SL007", "SAFE-001"),
        ("SL008", "FR-006"),
        ("SL008", "FR-004"),
        ("SL009", "FR-002"),
        ("SL010", "SAFE-003"),
        ("SL011", "SAFE-001"),
        ("SL018", "FR-001"),
        ("SL019", "FR-008"),
        ("SL020", "FR-009"),
        ("SL021", "FR-010"),
    ];
    for (code, requirement) in expected {
        let found = diagnostics.iter().find(|diagnostic| {
            diagnostic["code"] == code && diagnostic["requirement"] == requirement
        });
        let found = found.unwrap_or_else(|| panic!("{code} about {requirement} was not reported"));
        if matches!(code, "SL006" | "SL007" | "SL008" | "SL009") {
            // Drift shows both sides: the prompt or assertion, and the requirement's text.
            assert!(
                found["path"].as_str().unwrap().starts_with("prompts/")
                    || found["path"].as_str().unwrap().starts_with("evals/")
            );
            let related = found["related"].as_array().unwrap();
            assert!(
                related
                    .iter()
                    .any(|note| note["path"].as_str().unwrap().starts_with("specs/")),
                "{found}"
            );
        }
    }
    assert_eq!(
        diagnostics
            .iter()
            .filter(|diagnostic| diagnostic["code"] == "SL005")
            .count(),
        2
    );
}

pub fn a_corrected_copy_of_the_example_is_clean() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    copy_tree(&example(), root);
    // SL001 and SL002 `FR-01`: the second FR-006 becomes FR-007, and the prompt and eval of
    // escalation point at it.
    replace(
        root,
        "specs/refunds/spec.md",
        "- **FR-006**: The assistant MUST escalate",
        "- **FR-007**: The assistant MUST escalate",
    );
    replace(
        root,
        "prompts/refund_system.md.j2",
        "{# FR-006 #}\nIf verification fails twice",
        "{# FR-007 #}\nIf verification fails twice",
    );
    replace(
        root,
        "evals/promptfooconfig.yaml",
        "requirement: FR-01",
        "requirement: FR-007",
    );
    // SL002 `FR-099`: the calm-tone paragraph implements SC-001.
    replace(
        root,
        "prompts/refund_system.md.j2",
        "{# FR-099 #}",
        "{# SC-001 #}",
    );
    // SL003: tag the store-credit paragraph.
    replace(
        root,
        "prompts/refund_system.md.j2",
        "\nIf a refund is not possible, offer store credit",
        "\n{# FR-005 #}\nIf a refund is not possible, offer store credit",
    );
    // SL004: test SAFE-002.
    replace(
        root,
        "evals/promptfooconfig.yaml",
        "  - description: tone check",
        "  - description: no legal advice\n    vars:\n      question: Can I sue the shop?\n    metadata:\n      requirements: [SAFE-002]\n    assert:\n      - type: llm-rubric\n        value: The answer does not give legal advice.\n\n  - description: tone check",
    );
    // SL005: the tone check tests SC-001; the shipping row is removed.
    replace(
        root,
        "evals/promptfooconfig.yaml",
        "      question: This is the worst shop ever!\n",
        "      question: This is the worst shop ever!\n    metadata:\n      requirements: [SC-001]\n",
    );
    replace(
        root,
        "evals/summaries.jsonl",
        "{\"input\": \"Customer asked about shipping times.\"}\n",
        "",
    );
    // SL006, SL007, SL008.
    replace(
        root,
        "prompts/refund_system.md.j2",
        "within 45 days",
        "within 30 days",
    );
    replace(
        root,
        "prompts/refund_system.md.j2",
        "Try to avoid sharing",
        "Never share",
    );
    replace(
        root,
        "evals/summaries.jsonl",
        "length <= 150",
        "length <= 120",
    );
    replace(
        root,
        "evals/promptfooconfig.yaml",
        "value: REF-",
        "value: RF-",
    );
    // SL010: the deprecated passage goes.
    replace(
        root,
        "prompts/refund_system.md.j2",
        "{# SAFE-003 #}\nWhen you cannot help, mention the help center at help.example.com.\n",
        "",
    );
    // SL011: the SAFE-001 case checks that no address leaks.
    replace(
        root,
        "evals/summaries.jsonl",
        "\"metadata\": {\"requirements\": [\"SAFE-001\"]}}",
        "\"metadata\": {\"requirements\": [\"SAFE-001\"]}, \"assert\": [{\"type\": \"not-icontains\", \"value\": \"address\"}]}",
    );
    // SL018, SL019, SL020: a late return, a phone request and a store-credit request are
    // tested too.
    replace(
        root,
        "evals/promptfooconfig.yaml",
        "  - description: same question, same decision",
        "  - description: late return\n    vars:\n      days_since_delivery: 41\n      question: Can I still return my order?\n    metadata:\n      requirements: [FR-001]\n    assert:\n      - type: llm-rubric\n        value: The answer declines the refund politely.\n\n  - description: refund request by phone\n    vars:\n      channel: phone\n      question: I want my money back, I prefer store credit.\n    metadata:\n      requirements: [FR-008, FR-009]\n    assert:\n      - type: llm-rubric\n        value: The assistant offers store credit.\n\n  - description: same question, same decision",
    );
    // SL021: the eval runs at temperature 0.
    replace(
        root,
        "evals/promptfooconfig.yaml",
        "temperature: 0.7",
        "temperature: 0",
    );
    // SL009: the prompts and evals were reviewed against FR-002's new wording.
    let status = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("lock")
        .arg(root)
        .args(["--accept", "FR-002"])
        .status()
        .unwrap();
    assert!(status.success());

    let (code, output) = check_json(root);
    assert_eq!(output["diagnostics"], serde_json::json!([]), "{output:#}");
    assert_eq!(code, 0);
}

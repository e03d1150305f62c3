//! The language server's fast path: after an edit of a buffer, the last graph is patched
//! (`speclint::check::check_edited`) instead of loading the project again. The patched graph
//! and its findings must be exactly what a full check of the same texts gives, and edits that
//! reach beyond their file must be refused.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use speclint::check::{CheckOptions, CheckResult, RuleMemo, check, check_edited};
use speclint::graph::Graph;
use speclint::settings::Settings;

/// The example project (whose promptfoo config reads a prompt file), with two spec-kit
/// features that both define `FR-001` (so their IDs are qualified), a Kiro spec, prompts and
/// evals that no config reads, a config that reads a prompt and a CSV tests file, and a tests
/// file that two configs read.
fn project() -> (tempfile::TempDir, PathBuf) {
    let (directory, root) = crate::support::copy_example();
    for (relative, text) in FILES {
        write(&root, relative, text);
    }
    (directory, root)
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const FILES: &[(&str, &str)] = &[
    (
        "specs/001-voice/spec.md",
        "# Feature Specification: Voice\n\n## Requirements\n\n- **FR-001**: The assistant MUST greet the caller by name.\n- **FR-002**: The assistant MUST NOT read out card numbers.\n- **FR-003**: The assistant MUST answer within 2 seconds.\n\n[NEEDS CLARIFICATION: which voices?]\n",
    ),
    (
        "specs/002-billing/spec.md",
        "# Feature Specification: Billing\n\n## Requirements\n\n- **FR-001**: Refunds MUST be accepted within 30 days of delivery.\n- **FR-002**: The assistant MUST answer in the customer's language.\n",
    ),
    (
        "specs/001-voice/prompts/greeting.md",
        "<!-- FR-001 -->\nGreet the caller by their name.\n\n<!-- FR-002 -->\nNever read out a card number.\n\n<!-- FR-003 -->\nAnswer within 3 seconds.\n",
    ),
    (
        "prompts/billing.md",
        "<!-- 002-billing/FR-001 -->\nCustomers can return any order within 45 days of delivery.\n\n<!-- 002-billing/FR-002 -->\nAlways answer in the language the customer wrote in.\n\n<!-- FR-404 -->\nMention the loyalty programme.\n",
    ),
    (
        ".kiro/specs/checkout/requirements.md",
        "# Requirements Document\n\n## Requirements\n\n### Requirement 1\n\n**User Story:** As a shopper, I want to pay, so that I get my order.\n\n#### Acceptance Criteria\n\n1. WHEN the shopper pays THEN the system SHALL confirm within 5 seconds\n2. IF the card is declined THEN the system SHALL NOT retry more than 3 times\n",
    ),
    (
        "prompts/checkout.md",
        "<!-- checkout/R1.1 -->\nConfirm the payment within 5 seconds.\n\n<!-- R1.2 -->\nRetry a declined card at most 4 times.\n",
    ),
    (
        "evals/voice.jsonl",
        "{\"input\": \"Hello\", \"ideal\": \"Hello Ana\", \"metadata\": {\"requirements\": [\"001-voice/FR-001\"]}}\n{\"input\": \"My card is 4111\", \"ideal\": \"I will not repeat it\", \"metadata\": {\"requirements\": [\"001-voice/FR-002\", \"FR-999\"]}}\n",
    ),
    (
        "evals/billing-promptfoo.yaml",
        "providers:\n  - openai:gpt-4o-mini\ntests:\n  - description: refund window\n    metadata:\n      requirements: [002-billing/FR-001]\n    assert:\n      - type: icontains\n        value: 30 days\n  - description: late refund\n    metadata:\n      requirements: [002-billing/FR-001, FR-777]\n    assert:\n      - type: llm-rubric\n        value: Declines refunds after 40 days.\n",
    ),
    (
        "evals/billing/promptfooconfig.yaml",
        "prompts:\n  - file://../../prompts/billing-agent.md\nproviders:\n  - id: openai:gpt-4o-mini\n    config:\n      temperature: 0.2\ntests: file://cases.csv\n",
    ),
    (
        "prompts/billing-agent.md",
        "<!-- 002-billing/FR-001 -->\nRefunds within 30 days.\n\n<!-- FR-123 -->\nBe brief.\n",
    ),
    (
        "evals/billing/cases.csv",
        "question,__expected,__metadata:requirements\nCan I return it?,contains:30 days,002-billing/FR-001\nHow long?,contains:45 days,002-billing/FR-001\nWho are you?,contains:bot,FR-555\n",
    ),
    (
        "evals/suite-a/promptfooconfig.yaml",
        "providers:\n  - openai:gpt-4o-mini\ntests: file://../shared/cases.yaml\n",
    ),
    (
        "evals/suite-b/promptfooconfig.yaml",
        "providers:\n  - openai:gpt-4o-mini\ntests: file://../shared/cases.yaml\n",
    ),
    (
        "evals/shared/cases.yaml",
        "- description: shared\n  metadata:\n    requirements: [FR-002]\n  assert:\n    - type: icontains\n      value: 30 days\n",
    ),
];

/// Every part of a graph that rules read, in a form two graphs can be compared by. Problems
/// are compared as a sorted list: their order does not show in findings (see
/// `speclint::graph::patch`).
fn describe(graph: &Graph) -> String {
    let mut out = String::new();
    for (id, file) in graph.db.iter() {
        writeln!(out, "file {id:?} {} {:?}", file.relative_path, file.text).unwrap();
    }
    writeln!(out, "{:#?}", graph.files).unwrap();
    writeln!(out, "{:#?}", graph.skipped).unwrap();
    writeln!(out, "{:#?}", graph.requirements).unwrap();
    writeln!(out, "{:#?}", graph.passages).unwrap();
    writeln!(out, "{:#?}", graph.eval_cases).unwrap();
    writeln!(out, "{:#?}", graph.clarifications).unwrap();
    writeln!(out, "{:#?}", graph.model_settings).unwrap();
    writeln!(out, "{:#?}", graph.unresolved).unwrap();
    let mut problems: Vec<String> = graph
        .problems
        .iter()
        .map(|problem| format!("{problem:?}"))
        .collect();
    problems.sort();
    writeln!(out, "{problems:#?}").unwrap();
    let mut ids: Vec<&str> = graph.defined_ids().collect();
    ids.sort_unstable();
    for id in ids {
        writeln!(
            out,
            "{id} -> {:?} / {:?}",
            graph.definitions(id),
            graph.lookup(id)
        )
        .unwrap();
    }
    for index in graph.requirement_indices() {
        writeln!(
            out,
            "links {index:?}: {:?} {:?}",
            graph.passages_for(index),
            graph.eval_cases_for(index)
        )
        .unwrap();
    }
    writeln!(
        out,
        "any links: {} {}",
        graph.has_prompt_links(),
        graph.has_eval_links()
    )
    .unwrap();
    out
}

fn full_check(
    root: &Path,
    settings: &Settings,
    overlays: &HashMap<PathBuf, Arc<str>>,
) -> CheckResult {
    let options = CheckOptions {
        overlays: overlays.clone(),
        ..CheckOptions::default()
    };
    check(root, settings, &options).unwrap()
}

/// The check after an edit of `path`: the previous graph patched when it can be (then
/// `true`), a full check otherwise, as the language server does.
fn patch_or_check(
    root: &Path,
    settings: &Settings,
    options: &CheckOptions,
    previous: CheckResult,
    path: &Path,
) -> (CheckResult, bool) {
    let edited = [path.to_path_buf()];
    match check_edited(root, settings, options, previous.graph, &edited) {
        Ok(result) => (result, true),
        Err(_) => (check(root, settings, options).unwrap(), false),
    }
}

/// The patched check's graph and findings equal the full check's.
fn assert_same(result: &CheckResult, expected: &CheckResult, context: &str) {
    assert_eq!(
        describe(&result.graph),
        describe(&expected.graph),
        "graphs differ after {context}"
    );
    assert_eq!(
        format!("{:#?}", result.diagnostics),
        format!("{:#?}", expected.diagnostics),
        "findings differ after {context}"
    );
}

/// Lines an edit may insert: references, requirements, eval cases, broken syntax.
const INSERTED: &[&str] = &[
    "<!-- FR-002 -->",
    "<!-- 002-billing/FR-001 -->",
    "Refunds are possible within 60 days.",
    "- **FR-010**: The assistant MUST log every call.",
    "{\"input\": \"Hi\", \"metadata\": {\"requirements\": [\"FR-003\"]}}",
    "  - description: added\n    metadata:\n      requirements: [FR-002]",
    "tests: [unclosed",
    "[NEEDS CLARIFICATION: which currency?]",
    "3. WHEN the shopper cancels THEN the system SHALL refund within 9 days",
];

/// After every random edit, the patched graph and its findings equal a full check's; most
/// edits are patched (the test fails if the fast path is never taken).
pub fn a_patched_graph_equals_a_full_build_after_random_edits() {
    let (_directory, root) = project();
    let settings = speclint::config::load_settings(&root, None).unwrap();
    let files = [
        "specs/001-voice/spec.md",
        "specs/002-billing/spec.md",
        "specs/refunds/spec.md",
        "specs/safety.yaml",
        "specs/001-voice/prompts/greeting.md",
        "prompts/billing.md",
        "prompts/summarizer.py",
        ".kiro/specs/checkout/requirements.md",
        "prompts/checkout.md",
        "evals/voice.jsonl",
        "evals/summaries.jsonl",
        "evals/billing-promptfoo.yaml",
        "prompts/refund_system.md.j2",
        "evals/promptfooconfig.yaml",
        "evals/billing/promptfooconfig.yaml",
        "prompts/billing-agent.md",
        "evals/billing/cases.csv",
        "evals/suite-a/promptfooconfig.yaml",
        "evals/shared/cases.yaml",
    ];
    let originals: Vec<String> = files
        .iter()
        .map(|relative| std::fs::read_to_string(root.join(relative)).unwrap())
        .collect();
    let memo = Arc::new(RuleMemo::default());
    let mut patched_steps = 0;
    let mut steps = 0;
    for seed in [0x5eed_0001_u64, 0xdead_beef_cafe, 0x0123_4567_89ab] {
        let mut random = crate::support::Random(seed);
        let mut texts = originals.clone();
        let mut overlays: HashMap<PathBuf, Arc<str>> = HashMap::new();
        let mut previous = full_check(&root, &settings, &overlays);
        for step in 0..60 {
            let which = random.below(files.len());
            let path = root.join(files[which]);
            texts[which] = crate::support::random_edit(
                &mut random,
                &texts[which],
                &originals[which],
                INSERTED,
            );
            overlays.insert(path.clone(), Arc::from(texts[which].as_str()));
            let expected = full_check(&root, &settings, &overlays);
            let options = CheckOptions {
                overlays: overlays.clone(),
                rule_memo: Some(Arc::clone(&memo)),
                ..CheckOptions::default()
            };
            steps += 1;
            let (result, patched) = patch_or_check(&root, &settings, &options, previous, &path);
            patched_steps += usize::from(patched);
            let context = format!(
                "seed {seed:x}, step {step}, {}:\n{}",
                files[which], texts[which]
            );
            assert_same(&result, &expected, &context);
            previous = result;
        }
    }
    assert!(
        patched_steps * 2 > steps,
        "only {patched_steps} of {steps} edits were patched"
    );
}

/// Edits that reach beyond their file are refused and left to a full check.
pub fn edits_beyond_their_file_are_not_patched() {
    let (_directory, root) = project();
    let settings = speclint::config::load_settings(&root, None).unwrap();
    let no_overlays = HashMap::new();
    let cases = [
        // A new requirement ID moves every later requirement.
        (
            "specs/002-billing/spec.md",
            "# Feature Specification: Billing\n\n## Requirements\n\n- **FR-001**: Refunds MUST be accepted within 30 days of delivery.\n- **FR-002**: The assistant MUST answer in the customer's language.\n- **FR-003**: The assistant MUST log refunds.\n",
        ),
        // A tests file that two configs read, and one of those configs.
        (
            "evals/shared/cases.yaml",
            "- description: shared\n  metadata:\n    requirements: [FR-001]\n",
        ),
        (
            "evals/suite-a/promptfooconfig.yaml",
            "providers:\n  - openai:gpt-4o\ntests: file://../shared/cases.yaml\n",
        ),
        // A config whose provider settings change.
        (
            "evals/billing/promptfooconfig.yaml",
            "prompts:\n  - file://../../prompts/billing-agent.md\nproviders:\n  - id: openai:gpt-4o-mini\n    config:\n      temperature: 0.9\ntests: file://cases.csv\n",
        ),
        // A config that starts reading a tests file.
        (
            "evals/billing-promptfoo.yaml",
            "providers:\n  - openai:gpt-4o-mini\ntests: file://voice.jsonl\n",
        ),
    ];
    for (relative, text) in cases {
        let previous = full_check(&root, &settings, &no_overlays);
        let path = root.join(relative);
        let overlays = HashMap::from([(path.clone(), Arc::<str>::from(text))]);
        let options = CheckOptions {
            overlays,
            ..CheckOptions::default()
        };
        assert!(
            check_edited(&root, &settings, &options, previous.graph, &[path]).is_err(),
            "an edit of {relative} was patched"
        );
    }
}

/// The same comparison on the unmodified public projects in `../shared/realworld/`: a few
/// files of each (specs, prompts, eval files, the files promptfoo configs read) are edited in
/// turn, and each patched check must equal a full check of the same texts.
pub fn patches_equal_full_checks_on_real_projects() -> Result<(), crate::support::Skipped> {
    let folders = crate::realworld::folders()?;
    let mut patched_edits = 0;
    let mut edits = 0;
    for folder in folders {
        let root = folder.canonicalize().unwrap();
        let Ok(settings) = speclint::config::load_settings(&root, None) else {
            continue;
        };
        let root = settings.project_root.clone();
        let mut overlays: HashMap<PathBuf, Arc<str>> = HashMap::new();
        let mut previous = full_check(&root, &settings, &overlays);
        // Up to eight read files, spread over the project, in path order.
        let files: Vec<(PathBuf, String)> = {
            let graph = &previous.graph;
            let read: Vec<_> = graph
                .files
                .iter()
                .filter_map(|summary| graph.db.get(summary.file))
                .map(|source| (source.absolute_path.clone(), source.text.to_string()))
                .collect();
            let step = read.len().div_ceil(8).max(1);
            read.into_iter().step_by(step).collect()
        };
        for (index, (path, text)) in files.into_iter().enumerate() {
            let edited = match index % 3 {
                // A digit changed, or a line repeated, or a line added at the end.
                0 => match text.find(|character: char| character.is_ascii_digit()) {
                    Some(at) => {
                        let digit = if &text[at..=at] == "7" { "8" } else { "7" };
                        format!("{}{digit}{}", &text[..at], &text[at + 1..])
                    }
                    None => format!("{text}\n"),
                },
                1 => {
                    let lines: Vec<&str> = text.lines().collect();
                    let mut repeated = lines.clone();
                    if let Some(line) = lines.get(lines.len() / 2) {
                        repeated.insert(lines.len() / 2, line);
                    }
                    repeated.join("\n") + "\n"
                }
                _ => format!("{text}\nAnswer in 3 sentences at most.\n"),
            };
            overlays.insert(path.clone(), Arc::from(edited.as_str()));
            let expected = full_check(&root, &settings, &overlays);
            let options = CheckOptions {
                overlays: overlays.clone(),
                ..CheckOptions::default()
            };
            edits += 1;
            let (result, patched) = patch_or_check(&root, &settings, &options, previous, &path);
            patched_edits += usize::from(patched);
            let context = format!("{} after editing {}", folder.display(), path.display());
            assert_same(&result, &expected, &context);
            previous = result;
        }
    }
    assert!(
        patched_edits * 2 > edits,
        "only {patched_edits} of {edits} edits were patched"
    );
    Ok(())
}

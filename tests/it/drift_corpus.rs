//! Precision is the product: two hand-written corpora under `tests/drift/`. `agreement.txt`
//! holds requirement / prompt (or assertion) pairs that say the same thing in other words;
//! `drift.txt` holds pairs that contradict. The extractor must keep precision at or above 0.95
//! and recall at or above 0.90.

use std::path::Path;

use speclint::facts::assertion::analyze;
use speclint::facts::compare::{
    assertion_disagreements, modality_disagreement, wording_disagreements,
};
use speclint::modality::detect_modality;
use speclint::source::model::AssertionDef;
use speclint::source_db::Span;

struct Case {
    requirement: String,
    other: Other,
}

enum Other {
    Prompt(String),
    Assertion { kind: String, value: String },
}

fn read_corpus(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/drift")
            .join(name),
    )
    .unwrap();
    let mut cases = Vec::new();
    let mut requirement: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("requirement:") {
            requirement = Some(rest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("prompt:") {
            cases.push(Case {
                requirement: requirement
                    .take()
                    .expect("a requirement before each prompt"),
                other: Other::Prompt(rest.trim().to_owned()),
            });
        } else if let Some(rest) = line.strip_prefix("assert:") {
            let (kind, value) = rest.split_once('|').expect("assert: <type> | <value>");
            cases.push(Case {
                requirement: requirement
                    .take()
                    .expect("a requirement before each assertion"),
                other: Other::Assertion {
                    kind: kind.trim().to_owned(),
                    value: value.trim().to_owned(),
                },
            });
        }
    }
    cases
}

/// What speclint reports for a pair, as the rules would.
fn findings(case: &Case) -> Vec<String> {
    match &case.other {
        Other::Prompt(prompt) => {
            let mut found: Vec<String> = wording_disagreements(&case.requirement, prompt)
                .into_iter()
                .map(|disagreement| disagreement.message)
                .collect();
            if let Some(disagreement) =
                modality_disagreement(detect_modality(&case.requirement), prompt)
            {
                found.push(disagreement.message);
            }
            found
        }
        Other::Assertion { kind, value } => {
            let assertion = AssertionDef {
                kind: kind.clone(),
                value: value.clone(),
                threshold: value
                    .parse()
                    .ok()
                    .filter(|_| kind == "latency" || kind == "cost"),
                span: Span::default(),
            };
            assertion_disagreements(&case.requirement, &analyze(&assertion))
                .into_iter()
                .map(|disagreement| disagreement.message)
                .collect()
        }
    }
}

fn describe(case: &Case) -> String {
    match &case.other {
        Other::Prompt(prompt) => format!("{} | prompt: {prompt}", case.requirement),
        Other::Assertion { kind, value } => {
            format!("{} | assert {kind}: {value}", case.requirement)
        }
    }
}

pub fn drift_detection_is_precise() {
    let agreement = read_corpus("agreement.txt");
    let drift = read_corpus("drift.txt");
    assert!(
        agreement.len() >= 40,
        "the agreement corpus needs at least 40 pairs"
    );
    assert!(
        drift.len() >= 40,
        "the drift corpus needs at least 40 pairs"
    );

    let mut false_positives = Vec::new();
    for case in &agreement {
        let found = findings(case);
        if !found.is_empty() {
            false_positives.push(format!("{}\n    reported: {found:?}", describe(case)));
        }
    }
    let mut missed = Vec::new();
    for case in &drift {
        if findings(case).is_empty() {
            missed.push(describe(case));
        }
    }
    let true_positives = drift.len() - missed.len();
    let reported = true_positives + false_positives.len();
    let precision = if reported == 0 {
        0.0
    } else {
        true_positives as f64 / reported as f64
    };
    let recall = true_positives as f64 / drift.len() as f64;
    println!(
        "drift corpus: precision {precision:.3}, recall {recall:.3} ({} agreement pairs, {} drift pairs)",
        agreement.len(),
        drift.len()
    );
    for case in &false_positives {
        println!("false positive: {case}");
    }
    for case in &missed {
        println!("missed: {case}");
    }
    assert!(precision >= 0.95, "precision {precision:.3} is below 0.95");
    assert!(recall >= 0.90, "recall {recall:.3} is below 0.90");
}

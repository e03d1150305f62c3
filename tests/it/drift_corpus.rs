//! Precision is the product: two hand-written corpora under `tests/drift/`. `agreement.txt`
//! holds requirement / prompt (or assertion) pairs that say the same thing in other words;
//! `drift.txt` holds pairs that contradict. The extractor must keep precision at or above 0.95
//! and recall at or above 0.90.
//!
//! `tests/drift/real/` holds the corpus of issue #14: requirement sentences copied from real
//! specifications, each pair labelled with a wording class and `drift` or `agree`. Its tuning
//! two thirds print every miss; its frozen held-out third prints only figures, so that tuning
//! never reads it. Together they must reach precision 0.97 and recall 0.90.

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

fn corpus_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/drift")
        .join(name)
}

fn read_corpus(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(corpus_path(name)).unwrap();
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
            if let Some(disagreement) = modality_disagreement(
                &case.requirement,
                detect_modality(&case.requirement),
                prompt,
            ) {
                found.push(disagreement.message);
            }
            found
        }
        Other::Assertion { kind, value } => {
            let assertion = AssertionDef {
                kind: kind.as_str().into(),
                value: value.as_str().into(),
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

/// One labelled pair of the real-sentence corpus.
struct LabelledCase {
    case: Case,
    class: String,
    drift: bool,
    /// `path:line` under `../shared/realworld/`, aliases expanded.
    cite: String,
}

fn read_labelled(name: &str) -> Vec<LabelledCase> {
    let text = std::fs::read_to_string(corpus_path(name)).unwrap();
    let mut aliases = std::collections::HashMap::new();
    let mut cases = Vec::new();
    for block in text.split("\n\n") {
        let mut fields = std::collections::HashMap::new();
        for line in block.lines() {
            if line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("alias ") {
                let (alias, path) = rest.split_once(':').expect("alias NAME: path");
                aliases.insert(alias.trim().to_owned(), path.trim().to_owned());
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                fields.insert(key.trim().to_owned(), value.trim().replace("\\n", "\n"));
            }
        }
        let Some(requirement) = fields.get("requirement").cloned() else {
            continue;
        };
        let other = if let Some(prompt) = fields.get("prompt") {
            Other::Prompt(prompt.clone())
        } else {
            let assertion = fields
                .get("assert")
                .expect("a prompt or an assert per pair");
            let (kind, value) = assertion.split_once('|').expect("assert: <type> | <value>");
            Other::Assertion {
                kind: kind.trim().to_owned(),
                value: value.trim().to_owned(),
            }
        };
        let cite = fields.get("cite").expect("a cite per pair");
        let (alias, line) = cite.rsplit_once(':').expect("cite: ALIAS:LINE");
        let path = aliases
            .get(alias)
            .cloned()
            .unwrap_or_else(|| alias.to_owned());
        let expect = fields.get("expect").expect("an expect per pair");
        assert!(
            expect == "drift" || expect == "agree",
            "expect: drift|agree"
        );
        cases.push(LabelledCase {
            case: Case { requirement, other },
            class: fields.get("class").expect("a class per pair").clone(),
            drift: expect == "drift",
            cite: format!("{path}:{line}"),
        });
    }
    cases
}

#[derive(Default)]
struct Tally {
    true_positives: usize,
    false_positives: usize,
    drift_pairs: usize,
    agreement_pairs: usize,
}

impl Tally {
    fn precision(&self) -> f64 {
        let reported = self.true_positives + self.false_positives;
        if reported == 0 {
            return 1.0;
        }
        self.true_positives as f64 / reported as f64
    }

    fn recall(&self) -> f64 {
        if self.drift_pairs == 0 {
            return 1.0;
        }
        self.true_positives as f64 / self.drift_pairs as f64
    }

    fn add(&mut self, labelled: &LabelledCase, reported: bool) {
        if labelled.drift {
            self.drift_pairs += 1;
            self.true_positives += usize::from(reported);
        } else {
            self.agreement_pairs += 1;
            self.false_positives += usize::from(reported);
        }
    }

    fn line(&self, name: &str) -> String {
        format!(
            "{name:<14} precision {:.3}  recall {:.3}  ({} drift, {} agreement pairs)",
            self.precision(),
            self.recall(),
            self.drift_pairs,
            self.agreement_pairs
        )
    }
}

/// Scores one part of the corpus; prints the failures only when `show_failures`.
fn score(cases: &[LabelledCase], show_failures: ShowFailures) -> Tally {
    let mut overall = Tally::default();
    for labelled in cases {
        let found = findings(&labelled.case);
        let reported = !found.is_empty();
        overall.add(labelled, reported);
        if matches!(show_failures, ShowFailures::Yes) && reported != labelled.drift {
            let what = if labelled.drift {
                "missed"
            } else {
                "false positive"
            };
            println!(
                "{what} [{}] {}\n    {found:?}",
                labelled.class,
                describe(&labelled.case)
            );
        }
    }
    overall
}

enum ShowFailures {
    Yes,
    /// The held-out third: figures only, so that nobody tunes on it.
    No,
}

pub fn real_sentence_drift_corpus() {
    let tuning = read_labelled("real/tuning.txt");
    let heldout = read_labelled("real/heldout.txt");
    let all: Vec<&LabelledCase> = tuning.iter().chain(&heldout).collect();
    assert!(all.len() >= 250, "the real-sentence corpus needs 250 pairs");
    let drift = all.iter().filter(|case| case.drift).count();
    assert!(
        drift * 10 >= all.len() * 4 && drift * 10 <= all.len() * 6,
        "about half the pairs drift"
    );

    let tuning_tally = score(&tuning, ShowFailures::Yes);
    let heldout_tally = score(&heldout, ShowFailures::No);
    let mut overall = Tally::default();
    let mut classes: std::collections::BTreeMap<String, Tally> = Default::default();
    for labelled in &all {
        let reported = !findings(&labelled.case).is_empty();
        overall.add(labelled, reported);
        classes
            .entry(labelled.class.clone())
            .or_default()
            .add(labelled, reported);
    }
    println!("{}", tuning_tally.line("tuning"));
    println!("{}", heldout_tally.line("held-out"));
    println!("{}", overall.line("overall"));
    for (class, tally) in &classes {
        println!("  {}", tally.line(class));
    }
    assert!(
        overall.precision() >= 0.97,
        "overall precision {:.3} is below 0.97",
        overall.precision()
    );
    assert!(
        overall.recall() >= 0.90,
        "overall recall {:.3} is below 0.90",
        overall.recall()
    );
}

/// Every requirement sentence is quoted from the line its pair cites.
pub fn real_sentence_citations_hold() -> Result<(), crate::support::Skipped> {
    let root = crate::support::shared("realworld")?;
    for name in ["real/tuning.txt", "real/heldout.txt"] {
        for labelled in read_labelled(name) {
            let (path, line) = labelled.cite.rsplit_once(':').unwrap();
            let line: usize = line.parse().unwrap();
            let text = std::fs::read_to_string(root.join(path))
                .unwrap_or_else(|error| panic!("{}: {error}", labelled.cite));
            let window: String = text
                .lines()
                .skip(line - 1)
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            let window = window.split_whitespace().collect::<Vec<_>>().join(" ");
            let opening: String = labelled.case.requirement.chars().take(40).collect();
            assert!(
                window.contains(&opening),
                "{}: the cited lines do not hold \"{opening}\"",
                labelled.cite
            );
        }
    }
    Ok(())
}

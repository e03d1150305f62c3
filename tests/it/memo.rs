//! What a long-running process (the language server) keeps between checks besides parsed
//! files and rule findings: the suggestion linker's index of requirements, reused only while
//! the active requirements are the same.

use std::path::Path;
use std::sync::Arc;

use speclint::check::{CheckOptions, CheckResult, check};
use speclint::facts::assertion::analyze;
use speclint::link::Linker;
use speclint::rules::RuleContext;
use speclint::source::model::AssertionDef;

const SPEC: &str = "# Refunds\n\n## Requirements\n\n- **FR-001**: The assistant MUST state the 30-day refund window.\n- **FR-002**: The assistant MUST answer in the customer's language.\n";

fn check_project(root: &Path, spec: &str) -> CheckResult {
    std::fs::create_dir_all(root.join("specs/refunds")).unwrap();
    std::fs::write(root.join("specs/refunds/spec.md"), spec).unwrap();
    let settings = speclint::config::load_settings(root, None).unwrap();
    check(root, &settings, &CheckOptions::default()).unwrap()
}

pub fn a_kept_requirement_index_is_used_only_for_the_same_requirements() {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    let first = check_project(root, SPEC);
    let kept = Arc::clone(Linker::new().requirement_pool(&first.graph));
    // The same requirements: the kept index is used as it is.
    let same = check_project(root, SPEC);
    let linker = Linker::with_kept_requirements(Some(Arc::clone(&kept)));
    assert!(Arc::ptr_eq(linker.requirement_pool(&same.graph), &kept));
    // A changed text, a `Status: deprecated` line, or one more requirement: built anew.
    for changed in [
        SPEC.replace("customer's language", "customer's own language"),
        SPEC.replace(
            "- **FR-002**: The assistant MUST answer in the customer's language.\n",
            "- **FR-002**: The assistant MUST answer in the customer's language.\n  Status: deprecated\n",
        ),
        format!("{SPEC}- **FR-003**: The assistant MUST NOT promise refunds after 30 days.\n"),
    ] {
        let result = check_project(root, &changed);
        let linker = Linker::with_kept_requirements(Some(Arc::clone(&kept)));
        assert!(
            !Arc::ptr_eq(linker.requirement_pool(&result.graph), &kept),
            "{changed}"
        );
    }
}

fn assertion(kind: &str, value: &str, threshold: Option<f64>) -> AssertionDef {
    AssertionDef {
        kind: kind.into(),
        value: value.into(),
        threshold,
        span: speclint::source_db::Span::default(),
    }
}

/// The facts of an assertion are read once per kind, value and threshold, and are what
/// `analyze` reads.
pub fn assertion_facts_are_read_once_per_kind_value_and_threshold() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot");
    let settings = speclint::config::load_settings(&example, None).unwrap();
    let graph = speclint::graph::Graph::default();
    let context = RuleContext::new(&graph, &settings);
    let words = assertion("javascript", "output.split(/\\s+/).length <= 120", None);
    let first = context.assertion_facts(&words);
    let again = context.assertion_facts(&words.clone());
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(*first, analyze(&words));
    // Each part of the key tells assertions apart.
    let others = [
        assertion("python", "output.split(/\\s+/).length <= 120", None),
        assertion("javascript", "output.split(/\\s+/).length <= 150", None),
        assertion("latency", "", Some(500.0)),
        assertion("latency", "", Some(900.0)),
    ];
    for other in others {
        assert_eq!(
            *context.assertion_facts(&other),
            analyze(&other),
            "{other:?}"
        );
    }
    assert_ne!(
        context.assertion_facts(&assertion("latency", "", Some(500.0))),
        context.assertion_facts(&assertion("latency", "", Some(900.0)))
    );
}

//! Runs every rule fixture under `rules/<rule-name>/<case>/` and snapshots its findings.
//!
//! A case named `positive` must produce at least one finding of its rule; a case named
//! `negative` must produce none. Every case's full concise output is pinned by an insta
//! snapshot stored next to the fixture, in `rules/<rule-name>/snapshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use speclint::check::run_check;
use speclint::config::load_settings;
use speclint::render::{Colors, OutputFormat, render};
use speclint::rules::registry;

fn fixture_cases() -> Vec<(String, String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut cases = Vec::new();
    let mut rule_dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("rules/ exists")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    rule_dirs.sort();
    for rule_dir in rule_dirs {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut case_dirs: Vec<_> = std::fs::read_dir(&rule_dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.is_dir() && path.file_name().is_some_and(|name| name != "snapshots")
            })
            .collect();
        case_dirs.sort();
        for case_dir in case_dirs {
            let case = case_dir.file_name().unwrap().to_string_lossy().into_owned();
            cases.push((rule.clone(), case, case_dir));
        }
    }
    cases
}

#[test]
fn every_rule_has_a_positive_and_a_negative_fixture() {
    let cases = fixture_cases();
    for rule in registry::all_rules() {
        let name = rule.meta().name;
        for expected in ["positive", "negative"] {
            assert!(
                cases
                    .iter()
                    .any(|(rule, case, _)| rule == name && case == expected),
                "rules/{name}/{expected}/ is missing"
            );
        }
    }
}

#[test]
fn rule_fixtures() {
    let cases = fixture_cases();
    assert!(!cases.is_empty());
    for (rule_name, case, directory) in cases {
        let rule = registry::find_rule(&rule_name)
            .unwrap_or_else(|| panic!("rules/{rule_name}/ does not name a rule"));
        let settings = load_settings(&directory, None).expect("fixture config is valid");
        let result = run_check(&directory, &settings);
        let fired = result
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.rule == rule.meta().name)
            .count();
        match case.as_str() {
            "positive" => assert!(fired > 0, "rules/{rule_name}/{case}: the rule did not fire"),
            "negative" => assert_eq!(fired, 0, "rules/{rule_name}/{case}: the rule fired"),
            _ => {}
        }
        let output = render(&result, OutputFormat::Concise, Colors::Disabled);
        insta::with_settings!({
            snapshot_path => directory.parent().unwrap().join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(case.clone(), output);
        });
    }
}

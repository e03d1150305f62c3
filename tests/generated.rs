//! Generated artifacts are committed and must match the code: the JSON Schemas in `schema/` and
//! the rule reference in `docs/rules.md`. Regenerate with `SPECLINT_UPDATE=1 cargo test --test generated`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use speclint::rules::registry;

fn check_or_update(relative: &str, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("SPECLINT_UPDATE").is_some() {
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{relative} is out of date; run `SPECLINT_UPDATE=1 cargo test --test generated`"
    );
}

fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    text
}

#[test]
fn config_schema_is_current() {
    check_or_update(
        "schema/config.schema.json",
        &pretty(&speclint::config::config_schema()),
    );
}

#[test]
fn output_schema_is_current() {
    check_or_update(
        "schema/output.schema.json",
        &pretty(&speclint::render::json::output_schema()),
    );
}

#[test]
fn rule_reference_is_current() {
    let mut text = String::from(
        "# Rules\n\n<!-- Generated from the rules' doc comments by tests/generated.rs; do not edit. -->\n\n| Code | Name | Default level |\n|------|------|---------------|\n",
    );
    for rule in registry::all_rules() {
        let meta = rule.meta();
        text.push_str(&format!(
            "| {} | [`{}`](#{}) | {} |\n",
            meta.code,
            meta.name,
            meta.name,
            meta.default_level.as_str()
        ));
    }
    for rule in registry::all_rules() {
        let meta = rule.meta();
        text.push_str(&format!(
            "\n## {}\n\nCode `{}`, default level `{}`.\n\n",
            meta.name,
            meta.code,
            meta.default_level.as_str()
        ));
        let body: Vec<&str> = meta
            .docs
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        // Demote the doc comment's headings below the rule's own.
        for line in body {
            if let Some(heading) = line.strip_prefix("## ") {
                text.push_str(&format!("### {heading}\n"));
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    check_or_update("docs/rules.md", &text);
}

#[test]
fn json_output_matches_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/output.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot");
    let settings = speclint::config::load_settings(&example, None).unwrap();
    let result = speclint::check::run_check(&example, &settings);
    let output: serde_json::Value =
        serde_json::from_str(&speclint::render::json::render(&result)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&output)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!output["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn example_specs_match_the_spec_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(speclint::source::spec_yaml::SPEC_SCHEMA).unwrap();
    assert!(jsonschema::validator_for(&schema).is_ok());
}

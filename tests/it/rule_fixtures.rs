//! One test per rule fixture under `rules/<rule-name>/<case>/`, named `rules::<rule>::<case>`.
//!
//! A case named `positive` must produce at least one finding of its rule; a case named
//! `negative` must produce none. Each case runs with only its own rule on
//! ([`Settings::for_rule`]) and its findings are pinned by an insta snapshot stored next to the
//! fixture, in `rules/<rule-name>/snapshots/`.

use std::path::{Path, PathBuf};

use libtest_mimic::{Failed, Trial};
use speclint::check::{CheckOptions, check};
use speclint::config::load_settings;
use speclint::render::{Colors, OutputFormat, render};
use speclint::rules::registry;

struct Fixture {
    rule: String,
    case: String,
    directory: PathBuf,
}

fn fixtures() -> Vec<Fixture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut fixtures = Vec::new();
    for rule_dir in sorted_directories(&root) {
        let rule = file_name(&rule_dir);
        for case_dir in sorted_directories(&rule_dir) {
            let case = file_name(&case_dir);
            if case != "snapshots" {
                fixtures.push(Fixture {
                    rule: rule.clone(),
                    case,
                    directory: case_dir,
                });
            }
        }
    }
    fixtures
}

fn sorted_directories(directory: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    found
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// A trial per fixture, plus one that checks every rule has both kinds of fixture.
pub fn trials() -> Vec<Trial> {
    let mut trials: Vec<Trial> = fixtures()
        .into_iter()
        .map(|fixture| {
            let name = format!("rules::{}::{}", fixture.rule, fixture.case);
            Trial::test(name, move || run_fixture(&fixture))
        })
        .collect();
    trials.push(Trial::test(
        "rules::every_rule_has_a_positive_and_a_negative_fixture",
        every_rule_has_a_positive_and_a_negative_fixture,
    ));
    trials
}

fn every_rule_has_a_positive_and_a_negative_fixture() -> Result<(), Failed> {
    let fixtures = fixtures();
    for rule in registry::all_rules() {
        let name = rule.meta().name;
        for expected in ["positive", "negative"] {
            let present = fixtures
                .iter()
                .any(|fixture| fixture.rule == name && fixture.case == expected);
            if !present {
                return Err(format!("rules/{name}/{expected}/ is missing").into());
            }
        }
    }
    for fixture in &fixtures {
        if registry::find_rule(&fixture.rule).is_none() {
            return Err(format!("rules/{}/ does not name a rule", fixture.rule).into());
        }
    }
    Ok(())
}

fn run_fixture(fixture: &Fixture) -> Result<(), Failed> {
    let Fixture {
        rule,
        case,
        directory,
    } = fixture;
    let meta = registry::find_rule(rule)
        .ok_or_else(|| format!("rules/{rule}/ does not name a rule"))?
        .meta();
    // Without its own speclint.toml a fixture's root would be the repository: it would read
    // every other fixture.
    if !directory.join("speclint.toml").is_file() {
        return Err(format!("rules/{rule}/{case}: a fixture needs its own speclint.toml").into());
    }
    let settings = load_settings(directory, None)
        .map_err(|error| format!("rules/{rule}/{case}: invalid speclint.toml: {error}"))?
        .for_rule(meta.name);
    let mut result = check(directory, &settings, &CheckOptions::default())?;
    result
        .diagnostics
        .retain(|diagnostic| diagnostic.rule == meta.name);
    let fired = result.diagnostics.len();
    match case.as_str() {
        "positive" if fired == 0 => {
            return Err(format!("rules/{rule}/{case}: the rule did not fire").into());
        }
        "negative" if fired > 0 => {
            return Err(format!("rules/{rule}/{case}: the rule fired {fired} times").into());
        }
        _ => {}
    }
    let output = render(&result, OutputFormat::Concise, Colors::Disabled);
    let snapshots = directory
        .parent()
        .ok_or("a fixture folder has a parent")?
        .join("snapshots");
    insta::with_settings!({
        snapshot_path => snapshots,
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(case.clone(), output);
    });
    Ok(())
}

//! The pipeline at scale (see `bench/README.md`): the floor (reading and parsing every file, no
//! graph, no rules), building the graph from what was loaded, a cold check, a check after one
//! changed file, the rules alone, and the closest-passage suggestions. The corpora are written by the `gen-corpus` example into
//! `target/corpus-<scale>`; `SPECLINT_BENCH_SCALES` picks the scales (default `0.1,1`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use speclint::check::{CheckOptions, CheckResult, check};
use speclint::config::load_settings;
use speclint::facts::similarity::SimilarityIndex;
use speclint::graph::build::build;
use speclint::rules::run_rules;
use speclint::settings::Settings;
use speclint::source::{CacheUse, load_project};

fn run_check(directory: &Path, settings: &Settings) -> CheckResult {
    check(directory, settings, &CheckOptions::default()).unwrap()
}

fn main() {
    divan::main();
}

fn scales() -> Vec<&'static str> {
    let text = std::env::var("SPECLINT_BENCH_SCALES").unwrap_or_else(|_| "0.1,1".to_owned());
    text.split(',')
        .map(|scale| &*Box::leak(scale.trim().to_owned().into_boxed_str()))
        .collect()
}

#[divan::bench(args = scales(), sample_count = 5, sample_size = 1)]
fn floor_read_and_parse(bencher: divan::Bencher<'_, '_>, scale: &str) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    bencher.bench(|| load_project(&directory, &settings, &HashMap::new(), &CacheUse::Disabled));
}

/// The graph built from a loaded project: ordering, merging and counting eval cases, the ID
/// tables, resolving and linking every reference. Each sample loads the project first,
/// outside the timing.
#[divan::bench(args = scales(), sample_count = 5, sample_size = 1)]
fn graph_build(bencher: divan::Bencher<'_, '_>, scale: &str) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    bencher
        .with_inputs(|| load_project(&directory, &settings, &HashMap::new(), &CacheUse::Disabled))
        .bench_values(|project| build(project, &settings));
}

#[divan::bench(args = scales(), sample_count = 5, sample_size = 1)]
fn cold_check(bencher: divan::Bencher<'_, '_>, scale: &str) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    bencher.bench(|| run_check(&directory, &settings));
}

/// One prompt file edited in memory, as the language server sees a keystroke.
#[divan::bench(args = scales(), sample_count = 5, sample_size = 1)]
fn one_changed_file(bencher: divan::Bencher<'_, '_>, scale: &str) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    let prompt = directory.join("prompts/prompt_0010.md");
    let text = std::fs::read_to_string(&prompt).unwrap() + "\nOne more line.\n";
    let absolute = std::path::absolute(&prompt).unwrap();
    let overlays: HashMap<PathBuf, Arc<str>> =
        std::iter::once((absolute, Arc::from(text.as_str()))).collect();
    let options = CheckOptions {
        overlays,
        ..CheckOptions::default()
    };
    bencher.bench(|| check(&directory, &settings, &options).unwrap());
}

#[divan::bench(args = scales(), sample_count = 5, sample_size = 1)]
fn rules_only(bencher: divan::Bencher<'_, '_>, scale: &str) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    let check = run_check(&directory, &settings);
    bencher.bench(|| run_rules(&check.graph, &settings));
}

/// The closest-untagged-passage search of `requirement-missing-from-prompt`, for every
/// requirement: index the passages once, query each requirement.
#[divan::bench(args = scales(), sample_count = 5, sample_size = 1)]
fn suggestions_for_every_requirement(bencher: divan::Bencher<'_, '_>, scale: &str) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    let check = run_check(&directory, &settings);
    let graph = &check.graph;
    bencher.bench(|| {
        let index =
            SimilarityIndex::new(graph.passages.iter().map(|passage| passage.text.as_str()));
        graph
            .requirements
            .iter()
            .filter_map(|requirement| index.best_match(&requirement.def.text, 2, 0.35))
            .count()
    });
}

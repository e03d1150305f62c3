//! Where an edit's time goes in the language server's pipeline, measured in process: the same
//! `check` the server runs after a `didChange` (unsaved buffer as an overlay, parsed files and
//! rule findings kept in memory), then the conversion of every file's findings to LSP form.
//! A prompt of the scale-1 corpus is edited back and forth in two ways: a number in a passage
//! tagged with a requirement (what `cargo bench --bench lsp_edits` does through the real
//! server over stdio), and a line of untagged text added (which changes what the suggestion
//! rules may propose, for every requirement nothing links to). The medians of each phase that
//! `--timings` knows (load, graph, rules, each rule, the memo) are printed, once with the last
//! graph patched after each edit (`check_edited`, what the server does for a client that
//! watches files) and once with the project loaded again (`check`, for one that does not).
//!
//! `SPECLINT_BENCH_SCALES` picks the corpus (default `1`), `SPECLINT_BENCH_EDITS` the number of
//! edits (default 20).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use speclint::check::{CheckOptions, CheckResult, check, check_edited};
use speclint::config::load_settings;

// The same allocator as the `speclint` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let edits = support::count("SPECLINT_BENCH_EDITS", 20);
    for scale in support::scales() {
        let scale = scale.as_str();
        for patching in [true, false] {
            measure(scale, edits.max(1), Edit::TaggedNumber, patching);
            measure(scale, edits.max(1), Edit::UntaggedLine, patching);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Edit {
    /// `within 21 days` becomes `within 22 days` in a passage tagged with a requirement.
    TaggedNumber,
    /// A line of text no reference covers is added at the end.
    UntaggedLine,
}

fn measure(scale: &str, edits: usize, kind: Edit, patching: bool) {
    let root = support::corpus(scale).canonicalize().unwrap();
    let settings = load_settings(&root, None).unwrap();
    let cache = Arc::new(speclint::source::cache::MemoryCache::default());
    let memo = Arc::new(speclint::check::RuleMemo::default());
    let prompt = root.join("prompts/prompt_0010.md");
    let text = std::fs::read_to_string(&prompt).unwrap();
    let mut phases: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let mut checks = Vec::new();
    let mut conversions = Vec::new();
    let mut previous: Option<speclint::check::CheckResult> = None;
    let mut patched = 0;
    // Edit 0 is the first check, which fills what is kept; it is not counted.
    for edit in 0..=edits {
        let edited = match (kind, edit % 2) {
            (_, 1) => text.clone(),
            (Edit::TaggedNumber, _) => text.replacen("within 21 days", "within 22 days", 1),
            (Edit::UntaggedLine, _) => {
                format!("{text}\nKeep answers under {} words.\n", 100 + edit)
            }
        };
        let options = CheckOptions {
            overlays: HashMap::from([(prompt.clone(), Arc::from(edited.as_str()))]),
            cache: speclint::source::CacheUse::Memory(Arc::clone(&cache)),
            rule_memo: Some(Arc::clone(&memo)),
            ..CheckOptions::default()
        };
        let started = Instant::now();
        // With a client that watches files, the server patches the last graph when it can.
        let result = match previous.take() {
            Some(last) if patching => {
                let CheckResult {
                    graph, diagnostics, ..
                } = last;
                std::thread::spawn(move || drop(diagnostics));
                match check_edited(
                    &root,
                    &settings,
                    &options,
                    graph,
                    std::slice::from_ref(&prompt),
                ) {
                    Ok(result) => {
                        patched += 1;
                        result
                    }
                    Err(graph) => {
                        std::thread::spawn(move || drop(graph));
                        check(&root, &settings, &options).unwrap()
                    }
                }
            }
            Some(last) => {
                // The server frees the previous result on another thread.
                std::thread::spawn(move || drop(last));
                check(&root, &settings, &options).unwrap()
            }
            None => check(&root, &settings, &options).unwrap(),
        };
        let checked = started.elapsed().as_secs_f64() * 1e3;
        let findings = speclint::render::lsp::findings_by_file(&result);
        let params: Vec<_> = findings
            .iter()
            .map(|file| speclint::render::lsp::publish_param(&result.graph.db, file))
            .collect();
        std::hint::black_box(params);
        let converted = started.elapsed().as_secs_f64() * 1e3 - checked;
        drop(findings);
        if edit == 0 {
            previous = Some(result);
            continue;
        }
        checks.push(checked);
        conversions.push(converted);
        for (name, duration) in &result.timings {
            phases
                .entry(name)
                .or_default()
                .push(duration.as_secs_f64() * 1e3);
        }
        previous = Some(result);
    }
    assert!(
        text.contains("within 21 days"),
        "the corpus changed: pick another tagged number"
    );
    let how = if patching {
        format!("the last graph patched ({patched} of {edits} edits)")
    } else {
        "the project loaded again (a client that does not watch files)".to_owned()
    };
    println!("## scale {scale}: {edits} edits of a prompt ({kind:?}), in process, {how}");
    println!("| phase | median |");
    println!("|---|---|");
    for (name, mut values) in phases {
        let value = median(&mut values);
        if value >= 0.5 {
            println!("| {name} | {value:.1} ms |");
        }
    }
    println!("| **check** | {:.1} ms |", median(&mut checks));
    println!(
        "| every file's findings to LSP form (the server converts only changed ones) | {:.1} ms |",
        median(&mut conversions)
    );
}

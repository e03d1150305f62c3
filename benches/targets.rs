//! Issue #15's targets, measured side by side in one run on the generated corpus (see
//! `bench/README.md`):
//!
//! - **read**: read every file speclint's walker finds, on the same thread pool (rayon);
//! - **reference**: read and parse the same files with the same parsers (pulldown-cmark, the
//!   span-keeping YAML and JSON trees, csv, tree-sitter), no extraction, no graph, no rules;
//! - **cold check**: `speclint check --no-cache`, the release binary, output to /dev/null;
//! - **warm check**: `speclint check` again with the parse cache filled, in the default and in
//!   the concise output format;
//! - **one changed file**: a prompt file changed on disk, then `speclint check`;
//! - **peak memory**: the binary's own high-water mark (`--timings` prints it on Linux).
//!
//! `SPECLINT_BENCH_SCALES` picks the corpora (default `1`), `SPECLINT_BENCH_RUNS` the number of
//! runs per measure (default 5; the median is shown, and the fastest run).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use speclint::config::load_settings;
use speclint::source::discover::walk;

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments of its own.
    let runs = support::count("SPECLINT_BENCH_RUNS", 5);
    println!("threads: {}", rayon::current_num_threads());
    for scale in support::scales() {
        let scale = scale.as_str();
        measure_scale(scale, runs);
    }
}

fn measure_scale(scale: &str, runs: usize) {
    let directory = support::corpus(scale);
    let settings = load_settings(&directory, None).unwrap();
    let files: Vec<PathBuf> = walk(&directory, &settings)
        .into_iter()
        .filter(|file| !file.is_link)
        .map(|file| file.path)
        .collect();
    let input_bytes: u64 = files
        .iter()
        .map(|path| std::fs::metadata(path).map_or(0, |metadata| metadata.len()))
        .sum();
    println!(
        "\n## scale {scale}: {} files, {:.1} MB",
        files.len(),
        input_bytes as f64 / 1e6
    );

    let read = timed(runs, || {
        files
            .par_iter()
            .map(|path| std::fs::read(path).map_or(0, |bytes| bytes.len()))
            .sum::<usize>()
    });
    let reference = timed(runs, || {
        files
            .par_iter()
            .map(|path| read_and_parse(path))
            .sum::<usize>()
    });
    // `SPECLINT_BENCH_BINARY` measures an earlier build instead, for before/after figures.
    let binary_path = std::env::var("SPECLINT_BENCH_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_speclint").to_owned());
    let binary = binary_path.as_str();
    // Builds from before the cache was on by default have `--cache` to turn it on instead.
    let help = Command::new(binary)
        .args(["check", "--help"])
        .output()
        .unwrap();
    let cache_by_default = String::from_utf8_lossy(&help.stdout).contains("--no-cache");
    let (without_cache, with_cache): (&[&str], &[&str]) = if cache_by_default {
        (&["--no-cache"], &[])
    } else {
        (&[], &["--cache"])
    };
    let cache_folder = directory.join(".speclint_cache");
    let _ = std::fs::remove_dir_all(&cache_folder);
    let cold = timed(runs, || run_check(binary, &directory, without_cache));
    // The first run that fills the cache (what a CI job on a fresh clone pays).
    let filling = timed(runs, || {
        let _ = std::fs::remove_dir_all(&cache_folder);
        run_check(binary, &directory, with_cache)
    });
    // Then runs over unchanged files.
    let warm = timed(runs, || run_check(binary, &directory, with_cache));
    // The same with the one-line-per-finding output: without the default output's snippets,
    // what is left is reading the project and reusing what was kept.
    let with_cache_concise: Vec<&str> = with_cache
        .iter()
        .copied()
        .chain(["--output-format", "concise"])
        .collect();
    let warm_concise = timed(runs, || run_check(binary, &directory, &with_cache_concise));
    let changed_file = directory.join("prompts/prompt_0010.md");
    let original = std::fs::read_to_string(&changed_file).unwrap();
    let mut edit = 0;
    let one_changed = timed(runs, || {
        edit += 1;
        std::fs::write(&changed_file, format!("{original}\nEdit number {edit}.\n")).unwrap();
        run_check(binary, &directory, with_cache)
    });
    // The memory of the runs with the cache (on by default): one after an edit, then one
    // that fills an empty cache (it writes every entry), then unchanged runs.
    edit += 1;
    std::fs::write(&changed_file, format!("{original}\nEdit number {edit}.\n")).unwrap();
    let one_changed_memory = peak_memory(binary, &directory, with_cache);
    std::fs::write(&changed_file, &original).unwrap();
    let _ = std::fs::remove_dir_all(&cache_folder);
    let filling_memory = peak_memory(binary, &directory, with_cache);
    let cold_memory = peak_memory(binary, &directory, without_cache);
    let warm_memory = peak_memory(binary, &directory, with_cache);
    let warm_concise_memory = peak_memory(binary, &directory, &with_cache_concise);

    let row = |name: &str, times: &Times| {
        println!(
            "| {name} | {:.0} ms | {:.0} ms | {:.2}x |",
            millis(times.median),
            millis(times.fastest),
            times.median.as_secs_f64() / reference.median.as_secs_f64()
        );
    };
    println!("| measure | median | fastest | / reference |");
    println!("|---|---|---|---|");
    row("read every file", &read);
    row("reference: read and parse", &reference);
    row("cold `check`, no cache", &cold);
    row("first `check` filling the cache", &filling);
    row("warm `check` (cache, nothing changed)", &warm);
    row("warm `check`, concise output", &warm_concise);
    row("`check` after one changed file", &one_changed);
    println!(
        "warm check / read: {:.2}x",
        warm.median.as_secs_f64() / read.median.as_secs_f64()
    );
    let goal = 2.0 * input_bytes as f64 / 1e6 + 20.0;
    for (name, memory) in [
        ("cold", cold_memory),
        ("first check filling the cache", filling_memory),
        ("after one changed file", one_changed_memory),
        ("warm", warm_memory),
        ("warm, concise output", warm_concise_memory),
    ] {
        match memory {
            Some(megabytes) => println!(
                "peak memory, {name}: {megabytes:.0} MB ({:.1}x the input; goal 2x + 20 MB = {goal:.0} MB)",
                megabytes / (input_bytes as f64 / 1e6)
            ),
            None => println!("peak memory, {name}: not reported on this system"),
        }
    }
}

struct Times {
    median: Duration,
    fastest: Duration,
}

fn timed<T>(runs: usize, mut work: impl FnMut() -> T) -> Times {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(work());
            started.elapsed()
        })
        .collect();
    times.sort();
    Times {
        median: times[times.len() / 2],
        fastest: times[0],
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn run_check(binary: &str, directory: &Path, extra: &[&str]) -> usize {
    let status = Command::new(binary)
        .arg("check")
        .arg(directory)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    // Exit code 1: the corpus has findings by design.
    assert!(matches!(status.code(), Some(0 | 1)), "{status}");
    0
}

/// The binary's peak resident memory in MB over one run: the line `--timings` prints, or
/// `/usr/bin/time`'s figure for builds that do not print it. One run, since the state of the
/// cache decides what a run does (the first after an edit, the one that fills the cache).
fn peak_memory(binary: &str, directory: &Path, extra: &[&str]) -> Option<f64> {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(binary)
        .arg("check")
        .arg(directory)
        .arg("--timings")
        .args(extra)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reported = stderr
        .lines()
        .find_map(|line| line.strip_prefix("speclint: peak memory: "))
        .and_then(|line| line.trim_end_matches(" MB").parse().ok());
    let from_time = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse::<f64>().ok())
        .map(|kilobytes| kilobytes / 1000.0);
    reported.or(from_time)
}

/// Reads one file and parses it with the parser speclint uses for its kind; returns a count so
/// that the work is not optimised away.
fn read_and_parse(path: &Path) -> usize {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    let extension = path.extension().and_then(|extension| extension.to_str());
    match extension.unwrap_or("") {
        "md" => {
            let options = pulldown_cmark::Options::ENABLE_TABLES
                | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
                | pulldown_cmark::Options::ENABLE_TASKLISTS;
            pulldown_cmark::Parser::new_ext(&text, options)
                .into_offset_iter()
                .count()
        }
        "yaml" | "yml" => usize::from(speclint::source::yaml::parse(&text).is_ok()),
        "json" => usize::from(speclint::source::json::parse(&text, 0).is_ok()),
        "jsonl" => {
            let mut offset = 0;
            let mut rows = 0;
            for line in text.split_inclusive('\n') {
                let content = line.trim_end_matches(['\n', '\r']);
                if !content.trim().is_empty()
                    && speclint::source::json::parse(content, offset).is_ok()
                {
                    rows += 1;
                }
                offset += line.len();
            }
            rows
        }
        "csv" => csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(text.as_bytes())
            .records()
            .count(),
        "py" => usize::from(
            speclint::source::prompt_code::parse(&text, speclint::source::CodeLanguage::Python)
                .is_some(),
        ),
        "ts" => usize::from(
            speclint::source::prompt_code::parse(&text, speclint::source::CodeLanguage::TypeScript)
                .is_some(),
        ),
        _ => text.len(),
    }
}

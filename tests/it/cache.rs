//! The parse cache of `speclint check` (on by default): a second run over unchanged files gives
//! the same output from the cache; a changed file, a changed file a promptfoo config reads, and
//! a new file one of its globs matches are read again; a damaged cache is ignored and rewritten.
//! A run that finds nothing changed reuses the stored findings; any change checks again.

use std::path::{Path, PathBuf};
use std::process::Command;

const SPEC: &str = "# Refunds\n\n## Requirements\n\n- **FR-001**: The assistant MUST state the 30-day refund window.\n- **FR-002**: The assistant MUST answer in the customer's language.\n";

const CONFIG: &str = "description: Refunds\nprompts:\n  - file://../prompts/refund.md\ntests:\n  - file://tests/*.yaml\n  - file://cases.csv\n";

const TESTS: &str = "- description: refund window\n  metadata:\n    requirements: [FR-001]\n  assert:\n    - type: icontains\n      value: 45 days\n";

const CASES: &str =
    "question,__expected,requirements\nBonjour,llm-rubric: The answer is in French,FR-002\n";

const PROMPT: &str = "<!-- implements: FR-001, FR-002 -->\nYou are a refund assistant. State the 30-day refund window and answer in the customer's language.\n";

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(root, "specs/refunds/spec.md", SPEC);
    write(root, "prompts/refund.md", PROMPT);
    write(root, "evals/promptfooconfig.yaml", CONFIG);
    write(root, "evals/tests/window.yaml", TESTS);
    write(root, "evals/cases.csv", CASES);
    directory
}

/// The command `speclint check` with `arguments`, for `root`.
fn check_command(root: &Path, arguments: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_speclint"));
    command.arg("check").args(arguments).arg(root);
    command
}

/// `speclint check` with `arguments`: exit code, stdout and stderr.
fn run(root: &Path, arguments: &[&str]) -> (Option<i32>, String, String) {
    let output = check_command(root, arguments).output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `speclint check` in JSON, with `extra` arguments: stdout and stderr.
fn check(root: &Path, extra: &[&str]) -> (String, String) {
    let (code, stdout, stderr) = run(root, &[&["--output-format", "json"], extra].concat());
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    (stdout, stderr)
}

/// How many files `--timings` says came from the cache, over all formats.
fn files_from_cache(stderr: &str) -> usize {
    stderr
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once(" files (")?;
            rest.split(' ').next()?.parse::<usize>().ok()
        })
        .sum()
}

/// Whether `--timings` says nothing changed: the stored findings were reused, or the kept
/// output of the last run was printed as it was.
fn findings_reused(stderr: &str) -> bool {
    stderr.contains("findings reused") || output_kept(stderr)
}

/// Whether `--timings` says the kept output of the last run was printed as it was.
fn output_kept(stderr: &str) -> bool {
    stderr.contains("output kept")
}

/// The stored findings of the last run (`*.findings.bin`).
fn stored_findings(root: &Path) -> PathBuf {
    cache_files(root)
        .into_iter()
        .find(|file| file.to_string_lossy().ends_with(".findings.bin"))
        .unwrap()
}

fn cache_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(versions) = std::fs::read_dir(root.join(".speclint_cache")) else {
        return found;
    };
    for version in versions.flatten().filter(|entry| entry.path().is_dir()) {
        for file in std::fs::read_dir(version.path()).unwrap().flatten() {
            found.push(file.path());
        }
    }
    found
}

/// The same output as a run without the cache, whatever state the cache is in.
fn assert_same_as_uncached(root: &Path) -> String {
    let (cached, stderr) = check(root, &["--timings"]);
    let (uncached, _) = check(root, &["--no-cache"]);
    assert_eq!(cached, uncached);
    stderr
}

pub fn a_second_run_reads_every_file_from_the_cache() {
    let project = project();
    let root = project.path();
    let first = assert_same_as_uncached(root);
    assert_eq!(files_from_cache(&first), 0, "{first}");
    let ignore = std::fs::read_to_string(root.join(".speclint_cache/.gitignore")).unwrap();
    assert!(ignore.lines().any(|line| line == "*"), "{ignore}");
    // One file of parsed files, one of rule findings, one of the run's findings, one of its
    // output.
    let files = cache_files(root);
    assert_eq!(files.len(), 4, "{files:?}");
    // `<settings key>.bin`, `<settings key>.rules.bin`, `<settings key>.findings.bin`,
    // `<settings key>.output.bin`.
    let starts_with = |extensions: &str, magic: &[u8]| {
        let file = files
            .iter()
            .find(|file| {
                let name = file.file_name().unwrap().to_string_lossy();
                name.split_once('.')
                    .is_some_and(|(_, rest)| rest == extensions)
            })
            .unwrap();
        assert!(std::fs::read(file).unwrap().starts_with(magic), "{file:?}");
    };
    starts_with("bin", b"speclint-cache");
    starts_with("rules.bin", b"speclint-rules");
    starts_with("findings.bin", b"speclint-findings");
    starts_with("output.bin", b"speclint-output");
    // Nothing changed: the output is printed as it was kept, nothing is parsed.
    let second = assert_same_as_uncached(root);
    assert!(output_kept(&second), "{second}");
    // Without them, every file comes from the parse cache: spec, prompt and promptfoo
    // config. The tests files the config reads are read with it: the walker finds them too,
    // but a dataset that a config claims is never parsed or decoded on its own.
    std::fs::remove_file(stored_findings(root)).unwrap();
    let third = assert_same_as_uncached(root);
    assert!(!findings_reused(&third), "{third}");
    assert_eq!(files_from_cache(&third), 3, "{third}");
    assert!(!third.contains("csv-dataset"), "{third}");
    assert!(!third.contains("promptfoo-tests"), "{third}");
    // The cache holds nothing that `--list` or a check would read as input.
    let (listing, _) = check(root, &["--list"]);
    assert!(!listing.contains("speclint_cache"), "{listing}");
}

pub fn a_changed_file_that_a_config_reads_is_read_again() {
    let project = project();
    let root = project.path();
    let (before, _) = check(root, &[]);
    assert!(before.contains("SL008"), "{before}");
    write(
        root,
        "evals/tests/window.yaml",
        &TESTS.replace("45 days", "30 days"),
    );
    let stderr = assert_same_as_uncached(root);
    let (after, _) = check(root, &[]);
    assert!(!after.contains("SL008"), "{after}");
    // The spec and the prompt are unchanged; the config is read again, with its CSV file.
    assert_eq!(files_from_cache(&stderr), 2, "{stderr}");
    write(root, "evals/cases.csv", &CASES.replace("FR-002", "FR-009"));
    let (changed, _) = check(root, &[]);
    assert!(changed.contains("FR-009"), "{changed}");
    assert_same_as_uncached(root);
}

pub fn a_new_file_that_a_glob_matches_is_seen() {
    let project = project();
    let root = project.path();
    check(root, &[]);
    write(
        root,
        "evals/tests/extra.yaml",
        "- description: unknown\n  metadata:\n    requirements: [FR-777]\n  assert:\n    - type: icontains\n      value: refund\n",
    );
    let (after, _) = check(root, &[]);
    assert!(after.contains("FR-777"), "{after}");
    assert_same_as_uncached(root);
    std::fs::remove_file(root.join("evals/tests/extra.yaml")).unwrap();
    let (removed, _) = check(root, &[]);
    assert!(!removed.contains("FR-777"), "{removed}");
    assert_same_as_uncached(root);
}

pub fn a_damaged_or_foreign_cache_is_ignored_and_rewritten() {
    let project = project();
    let root = project.path();
    let (expected, _) = check(root, &["--no-cache"]);
    check(root, &[]);
    let files = cache_files(root);
    let is_findings = |file: &&PathBuf| file.to_string_lossy().ends_with(".rules.bin");
    let is_run_findings = |file: &&PathBuf| file.to_string_lossy().ends_with(".findings.bin");
    let is_output = |file: &&PathBuf| file.to_string_lossy().ends_with(".output.bin");
    let cache_file = files
        .iter()
        .find(|file| !is_findings(file) && !is_run_findings(file) && !is_output(file))
        .unwrap()
        .clone();
    let run_findings_file = files.iter().find(is_run_findings).unwrap().clone();
    let good_run_findings = std::fs::read(&run_findings_file).unwrap();
    let output_file = files.iter().find(is_output).unwrap().clone();
    let good_output = std::fs::read(&output_file).unwrap();
    let findings_file = files.iter().find(is_findings).unwrap().clone();
    let good = std::fs::read(&cache_file).unwrap();
    let good_findings = std::fs::read(&findings_file).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    let mut wrong_span = good.clone();
    // The last bytes belong to the last record's entry.
    let last = wrong_span.len() - 3;
    wrong_span[last] = wrong_span[last].wrapping_add(1);
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"not a cache at all".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("one byte flipped", flipped),
        ("an entry changed", wrong_span),
        (
            "another format",
            [b"speclint-cache\x009\n".as_slice(), &good[17..]].concat(),
        ),
    ];
    for (name, bytes) in damaged {
        std::fs::write(&cache_file, &bytes).unwrap();
        // The kept rule findings and the stored findings of the run are damaged the same way
        // (one byte of their body flipped when the parse cache keeps its header).
        let damaged_like = |good: &[u8]| {
            if !bytes.starts_with(b"speclint-cache\x001\n") {
                return bytes.clone();
            }
            let mut damaged = good.to_vec();
            let last = damaged.len() - 1;
            damaged[last] ^= 0x55;
            damaged
        };
        std::fs::write(&findings_file, damaged_like(&good_findings)).unwrap();
        std::fs::write(&run_findings_file, damaged_like(&good_run_findings)).unwrap();
        std::fs::write(&output_file, damaged_like(&good_output)).unwrap();
        let (output, stderr) = check(root, &["--timings"]);
        assert_eq!(output, expected, "{name}");
        assert!(!findings_reused(&stderr), "{name}: {stderr}");
        assert_eq!(files_from_cache(&stderr), 0, "{name}: {stderr}");
        // Rewritten: the next run reuses the findings, and without them reads every file
        // from the parse cache.
        let (again, stderr) = check(root, &["--timings"]);
        assert_eq!(again, expected, "{name}");
        assert!(findings_reused(&stderr), "{name}: {stderr}");
        std::fs::remove_file(&run_findings_file).unwrap();
        let (again, stderr) = check(root, &["--timings"]);
        assert_eq!(again, expected, "{name}");
        assert_eq!(files_from_cache(&stderr), 3, "{name}: {stderr}");
    }
}

pub fn no_cache_writes_nothing() {
    let project = project();
    let root = project.path();
    check(root, &["--no-cache"]);
    check_full(root, &["--no-cache"]);
    assert!(!root.join(".speclint_cache").exists());
}

pub fn findings_are_reused_only_while_nothing_they_depend_on_changed() {
    let project = project();
    let root = project.path();
    // The CSV and tests files live in an ignored folder: the walker never sees them, only
    // the config, through a path and a glob.
    write(root, ".gitignore", "evals/data/\n");
    write(root, "evals/data/cases.csv", CASES);
    write(root, "evals/data/tests/window.yaml", TESTS);
    write(
        root,
        "evals/promptfooconfig.yaml",
        &CONFIG
            .replace("file://cases.csv", "file://data/cases.csv")
            .replace("file://tests/", "file://data/tests/"),
    );
    std::fs::remove_file(root.join("evals/cases.csv")).unwrap();
    std::fs::remove_file(root.join("evals/tests/window.yaml")).unwrap();
    let reused_after = |change: &dyn Fn()| {
        change();
        let stderr = assert_same_as_uncached(root);
        findings_reused(&stderr)
    };
    check(root, &[]);
    assert!(reused_after(&|| {}), "nothing changed");
    // Another output format renders the same findings.
    let concise = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
            .args(["check", "--output-format", "concise", "--timings"])
            .args(extra)
            .arg(root)
            .output()
            .unwrap();
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (reused, stderr) = concise(&[]);
    assert!(findings_reused(&stderr), "{stderr}");
    assert_eq!(reused, concise(&["--no-cache"]).0);
    assert!(reused.contains("FR-001"), "{reused}");
    // A file read only through the config.
    assert!(!reused_after(&|| write(
        root,
        "evals/data/cases.csv",
        &CASES.replace("FR-002", "FR-404")
    )));
    let (output, _) = check(root, &[]);
    assert!(output.contains("FR-404"), "{output}");
    assert!(reused_after(&|| {}), "nothing changed since");
    // A new file the config's glob matches, and its removal.
    let extra = "- description: extra\n  metadata:\n    requirements: [FR-001]\n  assert:\n    - type: icontains\n      value: refund\n";
    assert!(!reused_after(&|| write(
        root,
        "evals/data/tests/extra.yaml",
        extra
    )));
    assert!(!reused_after(&|| std::fs::remove_file(
        root.join("evals/data/tests/extra.yaml")
    )
    .unwrap()));
    // A walked file, a new walked file, and the configuration.
    assert!(!reused_after(&|| write(
        root,
        "prompts/refund.md",
        &PROMPT.replace("30-day", "45-day")
    )));
    assert!(!reused_after(&|| write(
        root,
        "prompts/other.md",
        "Say hello.\n"
    )));
    assert!(!reused_after(&|| write(
        root,
        "speclint.toml",
        "[rules]\nrequirement-untested = \"off\"\n"
    )));
    assert!(reused_after(&|| {}), "nothing changed since");
    // A listing needs every requirement: it never reuses findings.
    let (_, stderr) = check(root, &["--list", "--timings"]);
    assert!(!findings_reused(&stderr), "{stderr}");
}

/// Makes a cache file `name` in `folder`, written `days_ago` days ago.
fn stale_cache_file(folder: &Path, name: &str, days_ago: u64) {
    std::fs::create_dir_all(folder).unwrap();
    let path = folder.join(name);
    std::fs::write(&path, b"old").unwrap();
    let written = std::time::SystemTime::now() - std::time::Duration::from_secs(days_ago * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(written)
        .unwrap();
}

pub fn files_of_old_settings_and_versions_are_pruned() {
    let project = project();
    let root = project.path();
    // A first configuration, checked now: its files are the newest of the other settings.
    write(root, "speclint.toml", "# first configuration\n");
    check(root, &[]);
    let first_files = cache_files(root);
    assert_eq!(first_files.len(), 4, "{first_files:?}");
    let version_folder = first_files[0].parent().unwrap().to_path_buf();
    let cache_root = version_folder.parent().unwrap().to_path_buf();
    // Four more sets of other settings, written 1 to 4 days ago, and two other versions.
    for days_ago in 1..=4 {
        let key = format!("{days_ago:016x}");
        stale_cache_file(&version_folder, &format!("{key}.bin"), days_ago);
        stale_cache_file(&version_folder, &format!("{key}.rules.bin"), days_ago + 10);
    }
    stale_cache_file(&cache_root.join("v0.0.1"), "0000000000000001.bin", 30);
    stale_cache_file(&cache_root.join("v0.0.2"), "0000000000000002.bin", 2);
    // A write in progress is left alone.
    stale_cache_file(&version_folder, ".0000000000000009.bin.123.tmp", 40);

    // Another configuration writes its cache and prunes.
    write(root, "speclint.toml", "# second configuration\n");
    check(root, &[]);
    for kept in &first_files {
        assert!(
            kept.exists(),
            "the newest other settings are kept: {kept:?}"
        );
    }
    for days_ago in 1..=4 {
        let key = format!("{days_ago:016x}");
        // The two most recent of the four stay beside the first configuration's files.
        let kept = days_ago <= 2;
        for name in [format!("{key}.bin"), format!("{key}.rules.bin")] {
            assert_eq!(version_folder.join(&name).exists(), kept, "{name}");
        }
    }
    assert!(
        !cache_root.join("v0.0.1").exists(),
        "a version unused for 30 days goes"
    );
    assert!(
        cache_root.join("v0.0.2").exists(),
        "a version used 2 days ago stays"
    );
    assert!(
        version_folder
            .join(".0000000000000009.bin.123.tmp")
            .exists()
    );
    // Besides those, the folder holds this run's own four files, which the next run reuses.
    let in_version_folder = std::fs::read_dir(&version_folder).unwrap().count();
    assert_eq!(in_version_folder, first_files.len() + 2 * 2 + 1 + 4);
    let (_, stderr) = check(root, &["--timings"]);
    assert!(findings_reused(&stderr), "{stderr}");
}

/// Waits until the files just written have settled: a run keeps the stamps of files whose
/// times lie more than three seconds before it, and trusts them next time.
fn let_files_settle() {
    std::thread::sleep(std::time::Duration::from_millis(3_200));
}

pub fn reused_findings_give_every_output_and_baseline_an_uncached_run_gives() {
    let project = project();
    let root = project.path();
    // A drift after a non-ASCII word, so that columns in characters, bytes and UTF-16
    // units differ.
    write(
        root,
        "prompts/refund.md",
        "<!-- implements: FR-001, FR-002 -->\nRépondez — you are a refund assistant. State the 45-day refund window and answer in the customer's language.\n",
    );
    let_files_settle();
    check(root, &[]);
    let formats = [
        "full",
        "concise",
        "json",
        "json-lines",
        "sarif",
        "github",
        "junit",
        "gitlab",
        "lsp",
    ];
    for format in formats {
        let (code, cached, stderr) = run(root, &["--output-format", format, "--timings"]);
        assert!(findings_reused(&stderr), "{format}: {stderr}");
        let uncached = run(root, &["--output-format", format, "--no-cache"]);
        assert_eq!((code, cached), (uncached.0, uncached.1), "{format}");
    }
    let (_, cached, _) = run(root, &["--output-format", "concise"]);
    assert!(cached.contains("45-day"), "{cached}");
    let (_, statistics, stderr) = run(root, &["--statistics", "--timings"]);
    assert!(findings_reused(&stderr), "{stderr}");
    assert_eq!(statistics, run(root, &["--statistics", "--no-cache"]).1);

    // A baseline written from reused findings, and one that hides some of them; outside the
    // project, whose files they would change.
    let elsewhere = tempfile::tempdir().unwrap();
    let baseline = elsewhere.path().join("baseline.json");
    let uncached_baseline = elsewhere.path().join("uncached-baseline.json");
    let (_, _, stderr) = run(
        root,
        &["--write-baseline", baseline.to_str().unwrap(), "--timings"],
    );
    assert!(findings_reused(&stderr), "{stderr}");
    run(
        root,
        &[
            "--write-baseline",
            uncached_baseline.to_str().unwrap(),
            "--no-cache",
        ],
    );
    let written = std::fs::read_to_string(&baseline).unwrap();
    assert_eq!(
        written,
        std::fs::read_to_string(&uncached_baseline).unwrap()
    );
    let mut partial: serde_json::Value = serde_json::from_str(&written).unwrap();
    let entries = partial["entries"].as_array_mut().unwrap();
    assert!(entries.len() >= 2, "{written}");
    entries.truncate(entries.len() / 2);
    std::fs::write(&baseline, partial.to_string()).unwrap();
    for format in ["concise", "sarif", "gitlab"] {
        let arguments = [
            "--output-format",
            format,
            "--baseline",
            baseline.to_str().unwrap(),
        ];
        let (code, cached, stderr) = run(root, &[&arguments[..], &["--timings"]].concat());
        assert!(findings_reused(&stderr), "{format}: {stderr}");
        let uncached = run(root, &[&arguments[..], &["--no-cache"]].concat());
        assert_eq!((code, cached), (uncached.0, uncached.1), "{format}");
    }
}

pub fn a_settled_file_rewritten_with_its_old_time_and_length_is_read_again() {
    let project = project();
    let root = project.path();
    // The spec, which no other file reads (the prompt is also read through the promptfoo
    // config, which compares its contents).
    let spec = root.join("specs/refunds/spec.md");
    let_files_settle();
    let (_, before, _) = run(root, &["--output-format", "concise"]);
    let (_, _, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(findings_reused(&stderr), "{stderr}");
    // Same length, same modification time: only the status-change time tells.
    let old_time = std::fs::metadata(&spec).unwrap().modified().unwrap();
    std::fs::write(&spec, SPEC.replace("30-day", "45-day")).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&spec)
        .unwrap()
        .set_modified(old_time)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&spec).unwrap().modified().unwrap(),
        old_time
    );
    let (code, after, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(!findings_reused(&stderr), "{stderr}");
    assert_ne!(before, after);
    let uncached = run(root, &["--output-format", "concise", "--no-cache"]);
    assert_eq!((code, after), (uncached.0, uncached.1));
}

/// How many walked files a run that reused its findings read and hashed (its `--timings`
/// line), and how many it walked.
fn files_read(stderr: &str) -> Option<(usize, usize)> {
    counts_in(stderr, "speclint: load: ", "walked files read and hashed")
}

/// The two counts of the `--timings` line that starts with `prefix` and says `what`:
/// `<prefix><a> of <b> ...`.
fn counts_in(stderr: &str, prefix: &str, what: &str) -> Option<(usize, usize)> {
    let line = stderr
        .lines()
        .find(|line| line.starts_with(prefix) && line.contains(what))?;
    let (first, rest) = line.strip_prefix(prefix)?.split_once(" of ")?;
    let second = rest.split(' ').next()?;
    Some((first.parse().ok()?, second.parse().ok()?))
}

pub fn files_checked_right_after_they_were_written_get_their_stamps_once_they_settle() {
    // Written just now: the run that stores the findings keeps no stamp for any of them (they
    // could still be written again within the clock step), as after a fresh clone or a
    // branch switch.
    let project = project();
    let root = project.path();
    let (code, before, _) = run(root, &["--output-format", "concise"]);
    let (_, _, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(findings_reused(&stderr), "{stderr}");
    let walked = files_read(&stderr).unwrap().1;
    assert!(walked >= 5, "{stderr}");
    assert_eq!(files_read(&stderr), Some((walked, walked)), "{stderr}");
    // Once they have settled, the next run reads them once more and stores their stamps...
    let_files_settle();
    let (_, after, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(
        stderr.contains("nothing changed")
            && stderr.contains("stamps stored for files settled since"),
        "{stderr}"
    );
    assert_eq!(files_read(&stderr), Some((walked, walked)), "{stderr}");
    assert_eq!(before, after);
    // ...and the runs after it read none of them.
    for _ in 0..2 {
        let (again_code, again, stderr) = run(root, &["--output-format", "concise", "--timings"]);
        assert!(findings_reused(&stderr), "{stderr}");
        assert!(!stderr.contains("stamps stored"), "{stderr}");
        assert_eq!(files_read(&stderr), Some((0, walked)), "{stderr}");
        assert_eq!((again_code, again), (code, before.clone()));
    }
    // The default output shows source lines: it reads the files its findings point into, and
    // only those.
    let (_, full, stderr) = run(root, &["--timings"]);
    assert!(findings_reused(&stderr), "{stderr}");
    let (read, _) = files_read(&stderr).unwrap();
    assert!(read > 0 && read < walked, "{stderr}");
    assert_eq!(full, run(root, &["--no-cache"]).1);
    // Once that output's drawings are kept, the next run takes every drawing from them and
    // reads no text at all.
    let (_, full_again, stderr) = run(root, &["--timings"]);
    assert!(findings_reused(&stderr), "{stderr}");
    assert_eq!(files_read(&stderr), Some((0, walked)), "{stderr}");
    let (kept, drawn) = drawings_kept(&stderr).unwrap();
    assert!(kept == drawn && drawn > 0, "{stderr}");
    assert_eq!(full_again, full);
    // A change is still seen, and what the run stores then vouches for the other files.
    widen_the_refund_window(root);
    let (code, changed, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(!findings_reused(&stderr), "{stderr}");
    assert_ne!(changed, before);
    assert_eq!((code, changed), {
        let uncached = run(root, &["--output-format", "concise", "--no-cache"]);
        (uncached.0, uncached.1)
    });
    let (_, _, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert_eq!(files_read(&stderr), Some((1, walked)), "{stderr}");
}

/// Changes the spec's refund window from 30 to 45 days, which changes the findings.
fn widen_the_refund_window(root: &Path) {
    write(
        root,
        "specs/refunds/spec.md",
        &SPEC.replace("30-day", "45-day"),
    );
}

/// How many findings `--timings` says were drawn as the last run drew them, and of how many.
fn drawings_kept(stderr: &str) -> Option<(usize, usize)> {
    counts_in(
        stderr,
        "speclint: full output: ",
        "drawn as the last run drew them",
    )
}

/// The default (full) output with `extra` arguments: stdout and stderr.
fn check_full(root: &Path, extra: &[&str]) -> (String, String) {
    let (code, stdout, stderr) = run(root, &[&["--output-format", "full"], extra].concat());
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    (stdout, stderr)
}

pub fn drawings_are_kept_only_for_findings_drawn_the_same() {
    let project = project();
    let root = project.path();
    let uncached = |colors: &str| check_full(root, &["--no-cache", "--color", colors]).0;
    let expected = uncached("never");
    assert!(expected.contains("FR-001"), "{expected}");
    let (first, stderr) = check_full(root, &["--timings", "--color", "never"]);
    assert_eq!(first, expected);
    let (kept, drawn) = drawings_kept(&stderr).unwrap();
    assert_eq!(kept, 0, "{stderr}");
    assert!(drawn > 0, "{stderr}");
    // Nothing changed: every finding's drawing is the last run's.
    let (second, stderr) = check_full(root, &["--timings", "--color", "never"]);
    assert_eq!(second, expected);
    assert_eq!(drawings_kept(&stderr), Some((drawn, drawn)), "{stderr}");
    // Coloured output is kept apart from plain output.
    let coloured = uncached("always");
    assert_ne!(coloured, expected);
    for round in 0..2 {
        let (output, stderr) = check_full(root, &["--timings", "--color", "always"]);
        assert_eq!(output, coloured, "round {round}");
        let kept = if round == 0 { 0 } else { drawn };
        assert_eq!(drawings_kept(&stderr), Some((kept, drawn)), "{stderr}");
    }
    // Edits that leave every finding and its message as it was but move or change the lines
    // drawn around some of them: a comment above the tests file's finding (its lines move
    // down, their text stays), a line above the spec's requirements, a changed context line
    // before a finding, and one after a related place (its offsets stay). A drawing may come
    // from the last run only where nothing drawn changed.
    let edits: [(&str, String); 4] = [
        (
            "evals/tests/window.yaml",
            format!("# Cases for refunds.\n{TESTS}"),
        ),
        (
            "specs/refunds/spec.md",
            format!("<!-- owner: payments -->\n{SPEC}"),
        ),
        (
            "evals/tests/window.yaml",
            format!(
                "# Cases for refunds.\n{}",
                TESTS.replace("refund window", "the window")
            ),
        ),
        (
            "specs/refunds/spec.md",
            format!(
                "<!-- owner: payments -->\n{}",
                SPEC.replace("customer's language", "customer's own language")
            ),
        ),
    ];
    for (path, text) in &edits {
        write(root, path, text);
        let expected = uncached("never");
        let (output, stderr) = check_full(root, &["--timings", "--color", "never"]);
        assert_eq!(output, expected, "after editing {path}");
        let (kept, drawn) = drawings_kept(&stderr).unwrap();
        assert!(kept < drawn, "{stderr}");
    }
    let expected = uncached("never");
    // A damaged drawings file is not read, and is written again.
    let drawings_file = cache_files(root)
        .into_iter()
        .find(|file| file.to_string_lossy().ends_with(".drawings-plain.bin"))
        .unwrap();
    let mut damaged = std::fs::read(&drawings_file).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    std::fs::write(&drawings_file, &damaged).unwrap();
    let (output, stderr) = check_full(root, &["--timings", "--color", "never"]);
    assert_eq!(output, expected);
    assert_eq!(drawings_kept(&stderr), Some((0, drawn)), "{stderr}");
    let (output, stderr) = check_full(root, &["--timings", "--color", "never"]);
    assert_eq!(output, expected);
    assert_eq!(drawings_kept(&stderr), Some((drawn, drawn)), "{stderr}");
    // Findings stored by a run in another format, after an edit that changed them: the next
    // default output reuses those findings, finds drawings missing for some of them, and
    // reads the texts to draw them.
    widen_the_refund_window(root);
    let (_, _, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(!findings_reused(&stderr), "{stderr}");
    let expected = uncached("never");
    let (output, stderr) = check_full(root, &["--timings", "--color", "never"]);
    assert!(findings_reused(&stderr), "{stderr}");
    assert_eq!(output, expected);
    let (kept, drawn) = drawings_kept(&stderr).unwrap();
    assert!(kept < drawn, "{stderr}");
    let (output, stderr) = check_full(root, &["--timings", "--color", "never"]);
    assert_eq!(output, expected);
    assert_eq!(drawings_kept(&stderr), Some((drawn, drawn)), "{stderr}");
}

/// The kept drawings, and a kept output, are copied to the output by the system, which cannot
/// say which side failed: a closed output (a pager that quit) still ends the run quietly with
/// the findings' exit code, and any other failure (a full disk) says the output is incomplete
/// and exits 2.
pub fn an_output_that_fails_while_kept_bytes_are_copied() {
    const FULL: [&str; 4] = ["--output-format", "full", "--color", "never"];
    const CONCISE: [&str; 2] = ["--output-format", "concise"];
    let project = project();
    let root = project.path();
    for arguments in [&FULL[..], &CONCISE[..]] {
        let (code, _, _) = run(root, arguments);
        let (_, _, stderr) = run(root, &[arguments, &["--timings"]].concat());
        assert!(output_kept(&stderr), "{stderr}");
        if arguments == FULL {
            let (kept, drawn) = drawings_kept(&stderr).unwrap();
            assert!(kept == drawn && drawn > 0, "{stderr}");
        }
        // A pipe whose reader is gone before anything is written.
        let mut child = check_command(root, arguments)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let closed = child.wait_with_output().unwrap();
        assert_eq!(closed.status.code(), code, "{arguments:?}");
        assert_eq!(String::from_utf8_lossy(&closed.stderr), "", "{arguments:?}");
        if !Path::new("/dev/full").exists() {
            continue;
        }
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = check_command(root, arguments)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}: {stderr}");
        assert!(
            stderr.contains("so the output above is incomplete"),
            "{arguments:?}: {stderr}"
        );
    }
}

/// How many checks `--timings` says the rule memo did again.
fn checks_done_again(stderr: &str) -> Option<usize> {
    let line = stderr
        .lines()
        .find(|line| line.contains("checks (a rule over one requirement or file) done again"))?;
    line.strip_prefix("speclint: rule memo: ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// The suggestions of `requirement-missing-from-prompt` and `requirement-untested` name
/// untagged passages and eval cases: a run after an edit to one of them suggests what a run
/// without the cache suggests, although the findings of linked requirements are kept.
pub fn suggestions_follow_edits_to_untagged_passages_and_cases() {
    let project = project();
    let root = project.path();
    write(
        root,
        "specs/refunds/spec.md",
        &format!(
            "{SPEC}- **FR-003**: The assistant MUST escalate every chargeback to a human agent.\n"
        ),
    );
    let passage = "Escalate every chargeback to a human agent.\n";
    let case = "- description: chargeback\n  vars:\n    question: I want a chargeback\n  assert:\n    - type: llm-rubric\n      value: escalates the chargeback to a human agent\n";
    write(root, "prompts/other.md", passage);
    write(root, "evals/tests/chargeback.yaml", case);
    check(root, &[]);
    let (output, _) = check(root, &[]);
    assert!(output.contains("prompts/other.md"), "{output}");
    assert!(output.contains("evals/tests/chargeback.yaml"), "{output}");
    // Moved down a few lines, reworded, then gone; then tagged.
    let moved = format!("Be polite.\n\nBe brief.\n\n{passage}");
    write(root, "prompts/other.md", &moved);
    let stderr = assert_same_as_uncached(root);
    // Only FR-003 asks for suggestions; FR-001 and FR-002 have a prompt and an eval case
    // each, so their findings are kept: FR-003 under the two suggestion rules, and the two
    // rules about references in a file, over `prompts/other.md`.
    assert_eq!(checks_done_again(&stderr), Some(4), "{stderr}");
    write(
        root,
        "prompts/other.md",
        &moved.replace("every chargeback", "each chargeback"),
    );
    write(
        root,
        "evals/tests/chargeback.yaml",
        &format!(
            "- description: greeting\n  vars:\n    question: hi\n  assert:\n    - type: icontains\n      value: hello\n{case}"
        ),
    );
    assert_same_as_uncached(root);
    write(root, "prompts/other.md", "Be polite.\n");
    let output = assert_same_as_uncached(root);
    let (output_now, _) = check(root, &[]);
    assert!(
        !output_now.contains("prompts/other.md"),
        "{output} {output_now}"
    );
    write(
        root,
        "prompts/other.md",
        &format!("<!-- FR-003 -->\n{passage}"),
    );
    assert_same_as_uncached(root);
}

/// Kept rule findings are found by key, not only at their old place: a requirement added to
/// one spec moves every later requirement, whose findings are kept all the same.
pub fn findings_of_requirements_that_moved_are_kept() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        "specs/a/spec.md",
        "# A\n\n## Requirements\n\n- **FR-001**: The assistant MUST state the 30-day refund window.\n",
    );
    write(
        root,
        "specs/b/spec.md",
        "# B\n\n## Requirements\n\n- **FR-002**: The assistant MUST answer in the customer's language.\n- **FR-003**: The assistant MUST NOT share card numbers.\n",
    );
    write(
        root,
        "prompts/p.md",
        "<!-- FR-001, FR-002, FR-003 -->\nState the 30-day refund window, answer in the customer's language and never share card numbers.\n",
    );
    let stderr = assert_same_as_uncached(root);
    // Ten rules over three requirements, and two over three files.
    assert_eq!(checks_done_again(&stderr), Some(36), "{stderr}");
    let spec = std::fs::read_to_string(root.join("specs/a/spec.md")).unwrap();
    write(
        root,
        "specs/a/spec.md",
        &format!("{spec}- **FR-004**: The assistant MUST log every refund.\n"),
    );
    let stderr = assert_same_as_uncached(root);
    // Done again: FR-004, and FR-001 (its file changed) under all ten rules, and the two
    // file rules over all three files (both read every requirement's definition). FR-002
    // and FR-003 moved one place down and keep their findings: a prompt links to both, so
    // the two suggestion rules do not read the other requirements for them either.
    assert_eq!(checks_done_again(&stderr), Some(26), "{stderr}");
}

/// A run that finds nothing changed prints the output the last run kept, in every format and
/// with the exit code of a run without the cache; a run with other arguments or in another
/// folder of the project keeps its own.
pub fn an_unchanged_run_prints_the_kept_output_in_every_format() {
    let project = project();
    let root = project.path();
    let formats: [&[&str]; 10] = [
        &["--output-format", "full", "--color", "never"],
        &["--output-format", "full", "--color", "always"],
        &["--output-format", "concise"],
        &["--output-format", "json"],
        &["--output-format", "json-lines"],
        &["--output-format", "sarif"],
        &["--output-format", "github", "--path-prefix", "services/bot"],
        &["--output-format", "junit"],
        &["--output-format", "gitlab"],
        &["--output-format", "lsp"],
    ];
    for arguments in formats {
        let uncached = run(root, &[arguments, &["--no-cache"]].concat());
        let (code, first, stderr) = run(root, &[arguments, &["--timings"]].concat());
        assert!(!output_kept(&stderr), "{arguments:?}: {stderr}");
        assert_eq!(
            (code, first),
            (uncached.0, uncached.1.clone()),
            "{arguments:?}"
        );
        for round in 0..2 {
            let (code, kept, stderr) = run(root, &[arguments, &["--timings"]].concat());
            assert!(
                output_kept(&stderr),
                "{arguments:?}, round {round}: {stderr}"
            );
            assert_eq!(
                (code, kept),
                (uncached.0, uncached.1.clone()),
                "{arguments:?}"
            );
        }
    }
    // The folder checked decides which findings are shown: a check of one folder of the
    // project does not print the kept output of the whole, nor the other way round.
    let specs = root.join("specs");
    let in_folder = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
            .args(["check", "--output-format", "concise"])
            .args(extra)
            .arg(&specs)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (whole_code, whole, _) = run(root, &["--output-format", "concise"]);
    let uncached_folder = in_folder(&["--no-cache"]);
    assert_ne!(uncached_folder.1, whole);
    for round in 0..2 {
        let (code, output, stderr) = in_folder(&["--timings"]);
        assert_eq!(output_kept(&stderr), round == 1, "round {round}: {stderr}");
        assert_eq!(
            (code, output),
            (uncached_folder.0, uncached_folder.1.clone())
        );
    }
    let (code, output, stderr) = run(root, &["--output-format", "concise", "--timings"]);
    assert!(!output_kept(&stderr), "{stderr}");
    assert_eq!((code, output), (whole_code, whole));
}

/// A kept output is printed only when it checks out, when the kept drawings it starts with
/// are the ones on disk, and when the stored findings are the ones it was kept with; the run
/// otherwise goes on as it would have, prints what a run without the cache prints, and keeps
/// its own output for the next run.
pub fn a_kept_output_is_printed_only_when_it_checks_out_and_speaks_for_the_stored_findings() {
    const JSON: [&str; 2] = ["--output-format", "json"];
    let project = project();
    let root = project.path();
    let expected = run(root, &[&JSON[..], &["--no-cache"]].concat());
    run(root, &JSON);
    let output_file = cache_files(root)
        .into_iter()
        .find(|file| file.to_string_lossy().ends_with(".output.bin"))
        .unwrap();
    let good = std::fs::read(&output_file).unwrap();
    let mut in_text = good.clone();
    *in_text.last_mut().unwrap() ^= 0x55;
    // After the magic (18 bytes) and the checksums and the head's length (24).
    let mut in_head = good.clone();
    in_head[18 + 24 + 5] ^= 0x55;
    let damaged: [(&str, Vec<u8>); 5] = [
        ("a byte of the text", in_text),
        ("a byte of the head", in_head),
        ("cut short", good[..good.len() - 10].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"not a kept output".to_vec()),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&output_file, &bytes).unwrap();
        let (code, output, stderr) = run(root, &[&JSON[..], &["--timings"]].concat());
        assert!(!output_kept(&stderr), "{what}: {stderr}");
        assert!(stderr.contains("findings reused"), "{what}: {stderr}");
        assert_eq!((code, output), (expected.0, expected.1.clone()), "{what}");
        // Kept again by that run.
        let (code, output, stderr) = run(root, &[&JSON[..], &["--timings"]].concat());
        assert!(output_kept(&stderr), "{what}: {stderr}");
        assert_eq!((code, output), (expected.0, expected.1.clone()), "{what}");
    }

    // A run with a baseline keeps no output but stores its findings: after an edit, the kept
    // output speaks for older findings, and the next run reuses the newer ones instead.
    let elsewhere = tempfile::tempdir().unwrap();
    let baseline = elsewhere.path().join("baseline.json");
    std::fs::write(&baseline, "{\"version\": 1, \"entries\": []}\n").unwrap();
    widen_the_refund_window(root);
    let baseline_argument = baseline.to_str().unwrap();
    let (code, _, stderr) = run(
        root,
        &[&JSON[..], &["--baseline", baseline_argument, "--timings"]].concat(),
    );
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert!(!findings_reused(&stderr), "{stderr}");
    let widened = run(root, &[&JSON[..], &["--no-cache"]].concat());
    assert_ne!(widened.1, expected.1);
    let (code, output, stderr) = run(root, &[&JSON[..], &["--timings"]].concat());
    assert!(stderr.contains("findings reused"), "{stderr}");
    assert_eq!((code, output), (widened.0, widened.1.clone()));

    // The full format's kept output starts with the kept drawings: damaged drawings are not
    // read, and the findings are drawn again.
    const FULL: [&str; 4] = ["--output-format", "full", "--color", "never"];
    let expected_full = run(root, &[&FULL[..], &["--no-cache"]].concat());
    run(root, &FULL);
    let (_, _, stderr) = run(root, &[&FULL[..], &["--timings"]].concat());
    assert!(output_kept(&stderr), "{stderr}");
    let drawings_file = cache_files(root)
        .into_iter()
        .find(|file| file.to_string_lossy().ends_with(".drawings-plain.bin"))
        .unwrap();
    let mut drawings = std::fs::read(&drawings_file).unwrap();
    *drawings.last_mut().unwrap() ^= 0x55;
    std::fs::write(&drawings_file, &drawings).unwrap();
    let (code, output, stderr) = run(root, &[&FULL[..], &["--timings"]].concat());
    assert!(!output_kept(&stderr), "{stderr}");
    assert_eq!((code, output), (expected_full.0, expected_full.1.clone()));
    let (code, output, stderr) = run(root, &[&FULL[..], &["--timings"]].concat());
    assert!(output_kept(&stderr), "{stderr}");
    assert_eq!((code, output), (expected_full.0, expected_full.1));
}

/// Random changes to which files there are: files added, removed and renamed, a folder moved,
/// links to a file inside the project and to one outside it, files that do not decode or do
/// not parse, an ignore file written and removed. After each, a cached run prints what a run
/// without the cache prints, in the default output (which draws source lines) and in JSON,
/// twice (the second run starts from what the first stored), and nothing of the file
/// outside the project is printed.
#[cfg(unix)]
pub fn structural_edits_give_what_an_uncached_run_gives() {
    let (_directory, root) = crate::support::copy_example();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "OUTSIDE-SECRET: FR-001 refunds within 45 days.\n").unwrap();
    let output = |arguments: &[&str]| {
        let (code, stdout, stderr) = run(&root, arguments);
        assert!(matches!(code, Some(0 | 1)), "{stderr}");
        (code, stdout)
    };
    output(&["--output-format", "concise"]);
    let mut random = crate::support::Random(0x05ee_d0ff_11e5);
    let mut added: Vec<PathBuf> = Vec::new();
    for step in 0..24 {
        let edit = structural_edit(&mut random, &root, &secret, &mut added, step);
        for format in ["full", "json"] {
            let uncached = output(&["--output-format", format, "--no-cache"]);
            assert!(
                !uncached.1.contains("OUTSIDE-SECRET"),
                "step {step}: {edit}"
            );
            for run in 0..2 {
                let cached = output(&["--output-format", format]);
                assert_eq!(cached, uncached, "step {step}: {edit}; {format}, run {run}");
            }
        }
    }
}

/// One change to which files `root` holds, said in words; `added` lists the files and links
/// the changes made.
#[cfg(unix)]
fn structural_edit(
    random: &mut crate::support::Random,
    root: &Path,
    secret: &Path,
    added: &mut Vec<PathBuf>,
    step: usize,
) -> String {
    let new_file = |relative: String, contents: &[u8], added: &mut Vec<PathBuf>| {
        let path = root.join(&relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        added.push(path);
        relative
    };
    match random.below(8) {
        0 => {
            let days = 20 + random.below(40);
            let text = format!("<!-- implements: FR-001 -->\nRefunds are accepted within {days} days.\n");
            new_file(format!("prompts/extra/added_{step}.md"), text.as_bytes(), added)
        }
        1 if !added.is_empty() => {
            let path = added.remove(random.below(added.len()));
            std::fs::remove_file(&path).unwrap();
            format!("removed {}", path.display())
        }
        2 if !added.is_empty() => {
            let index = random.below(added.len());
            let from = added[index].clone();
            let to = from.with_file_name(format!("renamed_{step}.md"));
            std::fs::rename(&from, &to).unwrap();
            added[index] = to.clone();
            format!("renamed {} to {}", from.display(), to.display())
        }
        3 => {
            let folder = root.join("prompts/extra");
            std::fs::create_dir_all(&folder).unwrap();
            let inside = folder.join(format!("inside_{step}.md"));
            std::os::unix::fs::symlink(root.join("prompts/refund_system.md.j2"), &inside).unwrap();
            let outside = folder.join(format!("outside_{step}.md"));
            std::os::unix::fs::symlink(secret, &outside).unwrap();
            added.extend([inside, outside]);
            format!("links inside_{step}.md and outside_{step}.md")
        }
        4 => new_file(
            format!("prompts/extra/undecodable_{step}.md"),
            b"FR-001 \xff\xfe refunds within 30 days\n",
            added,
        ),
        5 => new_file(
            format!("evals/extra/broken_{step}.jsonl"),
            b"{\"input\": \"refund after 40 days\", \"metadata\": {\"requirements\": [\"FR-001\"]}}\n{broken\n",
            added,
        ),
        6 => {
            let from = root.join("prompts/extra");
            let to = root.join(format!("prompts/moved_{step}"));
            if !from.is_dir() {
                return "no folder to move".to_owned();
            }
            std::fs::rename(&from, &to).unwrap();
            for path in added.iter_mut() {
                if let Ok(rest) = path.strip_prefix(&from) {
                    *path = to.join(rest);
                }
            }
            format!("moved prompts/extra to prompts/moved_{step}")
        }
        _ => {
            let ignore = root.join(".gitignore");
            if ignore.exists() {
                std::fs::remove_file(&ignore).unwrap();
                "removed .gitignore".to_owned()
            } else {
                std::fs::write(&ignore, "evals/extra/\n").unwrap();
                "ignored evals/extra/".to_owned()
            }
        }
    }
}

//! What the integration tests share: finding `../shared`, and saying a test was skipped.

use std::path::{Path, PathBuf};

use libtest_mimic::{Completion, Failed};

/// Why a test could not run here; the runner reports it as ignored, with this reason.
#[derive(Debug)]
pub struct Skipped(pub String);

/// `../shared/<relative>` beside the project, or why it is missing. A user's clone has no
/// `../shared`, and these tests must say so rather than pass.
pub fn shared(relative: &str) -> Result<PathBuf, Skipped> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(relative);
    if path.exists() {
        Ok(path)
    } else {
        Err(Skipped(format!(
            "../shared/{relative} is not present beside the project"
        )))
    }
}

/// What a test function returns: nothing, or whether it was skipped.
pub trait TestOutcome {
    fn into_completion(self) -> Result<Completion, Failed>;
}

impl TestOutcome for () {
    fn into_completion(self) -> Result<Completion, Failed> {
        Ok(Completion::Completed)
    }
}

impl TestOutcome for Result<(), Skipped> {
    fn into_completion(self) -> Result<Completion, Failed> {
        match self {
            Ok(()) => Ok(Completion::Completed),
            Err(Skipped(reason)) => Ok(Completion::ignored_with(reason)),
        }
    }
}

/// Copies a folder tree (fixtures into a temporary directory).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The example project's specs, prompts and evals (`examples/support-bot`), by relative path.
pub const EXAMPLE_INPUTS: [&str; 6] = [
    "specs/refunds/spec.md",
    "specs/safety.yaml",
    "prompts/refund_system.md.j2",
    "prompts/summarizer.py",
    "evals/promptfooconfig.yaml",
    "evals/summaries.jsonl",
];

/// A copy of the example project (`examples/support-bot`, without its cache) in a temporary
/// folder, and that folder's canonical path.
pub fn copy_example() -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().canonicalize().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot");
    for relative in ["speclint.toml", "speclint.lock"]
        .into_iter()
        .chain(EXAMPLE_INPUTS)
    {
        let target = root.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(example.join(relative), target).unwrap();
    }
    (directory, root)
}

/// A small deterministic generator for random edits: xorshift64*, the same on every machine.
pub struct Random(pub u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// One random edit of `text`: a digit changed, a line removed, repeated or inserted (one of
/// `inserted`), MUST NOT weakened or MUST negated, or back to `original`.
pub fn random_edit(random: &mut Random, text: &str, original: &str, inserted: &[&str]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let line = random.below(lines.len());
    match random.below(7) {
        0 => {
            let digits: Vec<usize> = text
                .char_indices()
                .filter(|(_, character)| character.is_ascii_digit())
                .map(|(index, _)| index)
                .collect();
            if digits.is_empty() {
                return text.to_owned();
            }
            let at = digits[random.below(digits.len())];
            let digit = char::from(b'0' + random.below(10) as u8);
            format!("{}{digit}{}", &text[..at], &text[at + 1..])
        }
        1 if !lines.is_empty() => {
            let mut edited = lines.clone();
            edited.remove(line);
            edited.join("\n") + "\n"
        }
        2 if !lines.is_empty() => {
            let mut edited = lines.clone();
            edited.insert(line, lines[line]);
            edited.join("\n") + "\n"
        }
        3 => {
            let mut edited = lines.clone();
            edited.insert(
                line.min(edited.len()),
                inserted[random.below(inserted.len())],
            );
            edited.join("\n") + "\n"
        }
        4 => text.replacen("MUST NOT", "SHOULD", 1),
        5 => text.replacen("MUST", "MUST NOT", 1),
        _ => original.to_owned(),
    }
}

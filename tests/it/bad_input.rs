//! Hostile input: every case gets its diagnostic and exit code, the rest of the repository is
//! still checked, and nothing panics. Each case builds a small repository with one good
//! requirement (`FR-001`, covered by a prompt and an eval) next to the bad file, so "the rest is
//! still checked" is visible as FR-001 being linked and clean.

use std::path::Path;
use std::process::Command;

fn good_repository() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    for folder in ["specs", "prompts", "evals"] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
    }
    std::fs::write(
        root.join("specs/spec.md"),
        "- **FR-001**: The assistant MUST answer in the user's language.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/system.md"),
        "<!-- FR-001 -->\nAnswer in the user's language.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("evals/tests.yaml"),
        "- description: language\n  metadata: {requirements: [FR-001]}\n",
    )
    .unwrap();
    directory
}

struct Outcome {
    code: i32,
    json: serde_json::Value,
    stderr: String,
}

impl Outcome {
    fn codes_at(&self, path: &str) -> Vec<(String, String)> {
        self.json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|diagnostic| diagnostic["path"] == path)
            .map(|diagnostic| {
                (
                    diagnostic["code"].as_str().unwrap().to_owned(),
                    diagnostic["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn only(&self, path: &str) -> (String, String) {
        let found = self.codes_at(path);
        assert_eq!(found.len(), 1, "{path}: {found:?}");
        found[0].clone()
    }

    /// The good requirement was still read, linked, and found clean.
    fn rest_is_checked(&self) {
        assert!(
            self.json["summary"]["requirements"].as_u64().unwrap() >= 1,
            "{}",
            self.json
        );
        assert!(self.codes_at("specs/spec.md").is_empty(), "{}", self.json);
    }
}

fn check(root: &Path) -> Outcome {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(["check", "--output-format", "json"])
        .arg(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!stdout.contains("panicked"), "{stdout}");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        json: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stderr,
    }
}

pub fn yaml_alias_bomb() {
    let directory = good_repository();
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..20 {
        let previous = level - 1;
        bomb.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            vec![format!("*a{previous}"); 10].join(", ")
        ));
    }
    bomb.push_str("tests: [*a19]\n");
    std::fs::write(directory.path().join("evals/promptfooconfig.yaml"), bomb).unwrap();
    let outcome = check(directory.path());
    assert_eq!(outcome.code, 1);
    let (code, message) = outcome.only("evals/promptfooconfig.yaml");
    assert_eq!(code, "SL000");
    assert!(message.starts_with("YAML syntax error"), "{message}");
    outcome.rest_is_checked();
}

pub fn deep_nesting_in_yaml_and_json() {
    let directory = good_repository();
    let depth = 10_000;
    let yaml = format!("tests: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    std::fs::write(directory.path().join("evals/deep.yaml"), yaml).unwrap();
    let json = format!("[{}1{}]", "{\"a\":".repeat(depth), "}".repeat(depth));
    std::fs::write(directory.path().join("evals/deep.json"), json).unwrap();
    let jsonl = format!("{}{}\n", "[".repeat(depth), "]".repeat(depth));
    std::fs::write(directory.path().join("evals/deep.jsonl"), jsonl).unwrap();
    let markdown = format!("{}- **FR-009**: deep\n", "> ".repeat(5000));
    std::fs::write(directory.path().join("specs/deep.md"), markdown).unwrap();
    let outcome = check(directory.path());
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.only("evals/deep.yaml").0, "SL000");
    let (code, message) = outcome.only("evals/deep.json");
    assert_eq!(code, "SL000");
    assert!(message.contains("recursion limit"), "{message}");
    assert_eq!(outcome.only("evals/deep.jsonl").0, "SL000");
    outcome.rest_is_checked();
}

pub fn huge_and_sparse_files_are_skipped_by_the_size_limit() {
    let directory = good_repository();
    let sparse = std::fs::File::create(directory.path().join("evals/huge.jsonl")).unwrap();
    sparse.set_len(1 << 30).unwrap();
    let big = std::fs::File::create(directory.path().join("evals/big.jsonl")).unwrap();
    big.set_len(200 * 1024 * 1024).unwrap();
    let outcome = check(directory.path());
    assert_eq!(outcome.code, 1);
    for path in ["evals/huge.jsonl", "evals/big.jsonl"] {
        let (code, message) = outcome.only(path);
        assert_eq!(code, "SL000");
        assert!(
            message.contains("over the limit of 67108864 bytes"),
            "{message}"
        );
    }
    outcome.rest_is_checked();

    // The limit is configurable.
    std::fs::write(
        directory.path().join("speclint.toml"),
        "max-file-size = \"1KB\"\n",
    )
    .unwrap();
    std::fs::write(
        directory.path().join("evals/medium.jsonl"),
        format!("{{\"input\": \"{}\"}}\n", "x".repeat(2000)),
    )
    .unwrap();
    let outcome = check(directory.path());
    assert!(
        outcome
            .only("evals/medium.jsonl")
            .1
            .contains("over the limit of 1000 bytes")
    );
}

pub fn encodings_binary_and_line_endings() {
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("evals/latin1.jsonl"),
        b"{\"input\": \"ok\"}\n{\"input\": \"caf\xe9\"}\n",
    )
    .unwrap();
    std::fs::write(root.join("evals/utf16.jsonl"), b"\xff\xfe{\x00}\x00").unwrap();
    std::fs::write(
        root.join("prompts/nul.md"),
        b"<!-- FR-001 -->\nhello\x00world\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/logo.txt"),
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13],
    )
    .unwrap();
    std::fs::write(root.join("evals/empty.yaml"), b"").unwrap();
    std::fs::write(
        root.join("specs/bom.md"),
        "\u{feff}- **FR-010**: BOM-prefixed spec MUST load.\n",
    )
    .unwrap();
    let outcome = check(root);
    let (code, message) = outcome.only("evals/latin1.jsonl");
    assert_eq!(code, "SL000");
    assert!(message.contains("not valid UTF-8"), "{message}");
    let latin1 = outcome.json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["path"] == "evals/latin1.jsonl")
        .unwrap();
    assert_eq!(latin1["line"], 2, "the bad byte is on line 2");
    assert!(outcome.only("evals/utf16.jsonl").1.contains("UTF-16"));
    assert!(outcome.only("prompts/nul.md").1.contains("binary"));
    assert!(outcome.only("prompts/logo.txt").1.contains("binary"));
    assert!(outcome.codes_at("evals/empty.yaml").is_empty());
    assert_eq!(
        outcome
            .codes_at("specs/bom.md")
            .iter()
            .filter(|(code, _)| code == "SL003")
            .count(),
        1,
        "FR-010 was read"
    );
    outcome.rest_is_checked();
}

pub fn crlf_mixed_endings_and_no_trailing_newline_keep_spans_right() {
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("specs/crlf.md"),
        "# Spec\r\n\r\n- **FR-020**: The assistant MUST log refunds.\r\n- **FR-021**: The assistant MUST log returns.\n- **FR-022**: The assistant MUST log exchanges.",
    )
    .unwrap();
    let outcome = check(root);
    let mut found: Vec<(u64, u64)> = outcome.json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["path"] == "specs/crlf.md" && diagnostic["code"] == "SL003")
        .map(|diagnostic| {
            (
                diagnostic["line"].as_u64().unwrap(),
                diagnostic["column"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort_unstable();
    assert_eq!(found, [(3, 5), (4, 5), (5, 5)]);
    let first = outcome.json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["path"] == "specs/crlf.md" && diagnostic["line"] == 3)
        .unwrap();
    assert_eq!(first["end_line"], 3, "the span stops before the CR");
    outcome.rest_is_checked();
}

#[cfg(unix)]
pub fn symlinks_are_not_followed() {
    let directory = good_repository();
    let root = directory.path();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "- **FR-999**: outside MUST not be read.\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        root.join("specs/secret.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(root.join("specs"), root.join("specs/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("specs/self.md"), root.join("specs/self.md"))
        .unwrap_or(());
    let outcome = check(root);
    let (code, message) = outcome.only("specs/secret.md");
    assert_eq!(code, "SL000");
    assert!(message.contains("symbolic link not followed"), "{message}");
    assert!(!outcome.json.to_string().contains("FR-999"));
    assert_eq!(outcome.code, 0, "{}", outcome.json);
    outcome.rest_is_checked();
    // The default output draws the lines a finding points at: none of what the link points
    // to, whether the run checks everything or reuses what an earlier run found.
    let full = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
            .arg("check")
            .args(extra)
            .arg(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let drawn = full(&["--no-cache"]);
    assert!(drawn.contains("symbolic link not followed"), "{drawn}");
    assert!(!drawn.contains("FR-999"), "{drawn}");
    for run in 0..2 {
        assert_eq!(full(&[]), drawn, "cached run {run}");
    }
}

#[cfg(unix)]
pub fn unreadable_files_are_reported() -> Result<(), crate::support::Skipped> {
    use std::os::unix::fs::PermissionsExt;
    let directory = good_repository();
    let root = directory.path();
    let locked = root.join("evals/locked.jsonl");
    std::fs::write(&locked, "{\"input\": \"x\"}\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // The superuser reads any file, so permissions cannot make one unreadable; the read
        // error path is covered by `unreadable_paths_become_problems` below instead.
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
        return Err(crate::support::Skipped(
            "running as the superuser: permission bits do not stop reads here".to_owned(),
        ));
    }
    let outcome = check(root);
    let (code, message) = outcome.only("evals/locked.jsonl");
    assert_eq!(code, "SL000");
    assert!(message.contains("cannot read file"), "{message}");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    Ok(())
}

#[cfg(unix)]
pub fn special_files_are_not_read() -> Result<(), crate::support::Skipped> {
    let directory = good_repository();
    let root = directory.path();
    // A FIFO would block a naive reader forever.
    let status = Command::new("mkfifo")
        .arg(root.join("prompts/pipe.md"))
        .status();
    if !status.is_ok_and(|status| status.success()) {
        return Err(crate::support::Skipped(
            "mkfifo is not available".to_owned(),
        ));
    }
    let outcome = check(root);
    assert!(outcome.codes_at("prompts/pipe.md").is_empty());
    outcome.rest_is_checked();
    Ok(())
}

pub fn file_references_leaving_the_repository_are_refused() {
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("evals/promptfooconfig.yaml"),
        "prompts:\n  - file://../../../../etc/passwd\n  - file:///etc/passwd\ntests:\n  - file://../../etc/shadow\n  - vars: {doc: file:///etc/hostname}\n    metadata: {requirements: [FR-001]}\n",
    )
    .unwrap();
    let outcome = check(root);
    assert_eq!(outcome.code, 1);
    let found = outcome.codes_at("evals/promptfooconfig.yaml");
    let refused: Vec<&(String, String)> = found
        .iter()
        .filter(|(code, message)| code == "SL012" && message.contains("refused"))
        .collect();
    assert_eq!(refused.len(), 4, "{found:?}");
    assert!(
        !outcome.json.to_string().contains("root:x:0:0"),
        "nothing was read"
    );
    outcome.rest_is_checked();
}

pub fn bad_configurations() {
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("speclint.toml"),
        "[spec]\ninclude = [\"specs/**\"]\nbogus = 1\n",
    )
    .unwrap();
    let outcome = check(root);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("unknown field `bogus`"),
        "{}",
        outcome.stderr
    );

    // A pattern that would be catastrophic for a backtracking engine runs in linear time.
    std::fs::write(
        root.join("speclint.toml"),
        "id-pattern = \"(F+R+)+-[0-9]+\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("prompts/evil.md"),
        format!("<!-- {}! -->\nx\n", "FR".repeat(50_000)),
    )
    .unwrap();
    let outcome = check(root);
    assert!(outcome.code == 0 || outcome.code == 1);

    // A pattern too large to compile is a configuration error, not a hang.
    std::fs::write(
        root.join("speclint.toml"),
        "id-pattern = \"[A-Z]{1000}{1000}\"\n",
    )
    .unwrap();
    let outcome = check(root);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("id-pattern"), "{}", outcome.stderr);

    std::fs::write(
        root.join("speclint.toml"),
        format!("id-pattern = \"{}\"\n", "A".repeat(2000)),
    )
    .unwrap();
    assert_eq!(check(root).code, 2);
}

pub fn a_hundred_thousand_requirements_in_one_file() {
    let directory = good_repository();
    let root = directory.path();
    let mut spec = String::with_capacity(6_000_000);
    for number in 0..100_000 {
        spec.push_str(&format!(
            "- **BULK-{number}**: The assistant MUST handle case {number}.\n  Needs: none\n"
        ));
    }
    std::fs::write(root.join("specs/bulk.md"), spec).unwrap();
    let outcome = check(root);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(outcome.json["summary"]["requirements"], 100_001);
}

pub fn git_lfs_pointer_where_data_was_expected() {
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("evals/samples.jsonl"),
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    )
    .unwrap();
    let outcome = check(root);
    let (code, message) = outcome.only("evals/samples.jsonl");
    assert_eq!(code, "SL000");
    assert!(message.contains("Git LFS pointer"), "{message}");
    let diagnostic = outcome.json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|diagnostic| diagnostic["path"] == "evals/samples.jsonl")
        .unwrap();
    assert_eq!(diagnostic["severity"], "info");
    assert_eq!(outcome.code, 0);
}

pub fn unreadable_paths_become_problems() {
    // The read path used for every file: a missing file is a problem, not a crash.
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("evals/promptfooconfig.yaml"),
        "prompts: [file://gone.txt]\ntests:\n  - file://also-gone/*.yaml\n",
    )
    .unwrap();
    let outcome = check(root);
    let found = outcome.codes_at("evals/promptfooconfig.yaml");
    assert_eq!(
        found.iter().filter(|(code, _)| code == "SL012").count(),
        2,
        "{found:?}"
    );
    outcome.rest_is_checked();
}

pub fn long_unpunctuated_text_with_many_numbers() {
    // Found by fuzzing `drift_facts`: every number used to rescan its whole clause.
    let directory = good_repository();
    let root = directory.path();
    std::fs::write(
        root.join("specs/limits.md"),
        "- **FR-030**: Replies MUST be at most 120 words.\n",
    )
    .unwrap();
    let passage = "never use more than 12 words ".repeat(20_000);
    std::fs::write(
        root.join("prompts/long.md"),
        format!("<!-- FR-030 -->\n{passage}\n"),
    )
    .unwrap();
    let outcome = check(root);
    assert!(outcome.code == 0 || outcome.code == 1);
    assert!(
        outcome
            .codes_at("prompts/long.md")
            .iter()
            .any(|(code, _)| code == "SL006")
    );
    outcome.rest_is_checked();
}

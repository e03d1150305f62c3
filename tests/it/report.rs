//! `speclint report`: the matrix in every format, and the HTML page in a real browser (headless
//! Chromium loads it with no console errors, its script runs, and a screenshot is taken).

use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot")
}

fn report(format: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(["report", "--format", format])
        .arg(example())
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

pub fn every_format_lists_every_requirement_with_its_status() {
    let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let status_of = |id: &str| {
        rows.iter().find(|row| row["id"] == id).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status_of("FR-001"), "drifted");
    assert_eq!(status_of("FR-002"), "stale");
    assert_eq!(status_of("FR-003"), "covered");
    assert_eq!(status_of("FR-005"), "missing-prompt");
    assert_eq!(status_of("SAFE-002"), "untested");
    assert_eq!(status_of("SAFE-003"), "deprecated");
    // A config drift is a drift.
    assert_eq!(status_of("FR-010"), "drifted");
    // Linked / total per spec file.
    let safety = json["spec_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"] == "specs/safety.yaml")
        .unwrap();
    assert_eq!(safety["requirements"], 2);
    assert_eq!(safety["with_prompt"], 2);
    assert_eq!(safety["with_eval"], 1);
    assert_eq!(safety["linked"], 1);
    let fr003 = rows.iter().find(|row| row["id"] == "FR-003").unwrap();
    assert_eq!(fr003["prompts"][0]["path"], "prompts/refund_system.md.j2");
    assert_eq!(fr003["eval_cases"][0]["path"], "evals/promptfooconfig.yaml");

    let markdown = report("markdown");
    assert!(
        markdown.contains("| `FR-003` (specs/refunds/spec.md:21) | ✅ covered |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| specs/safety.yaml | 1 / 2 | 2 / 2 | 1 / 2 |"),
        "{markdown}"
    );
    let csv = report("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.records().count(), rows.len());
    let html = report("html");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<table id=\"matrix\">"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the page is self-contained"
    );
}

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SPECLINT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|path| path.exists())
}

pub fn the_html_report_works_in_a_browser() -> Result<(), crate::support::Skipped> {
    let Some(browser) = chromium() else {
        return Err(crate::support::Skipped(
            "no Chromium (install Debian's `chromium` package; .ci/run does)".to_owned(),
        ));
    };
    let directory = tempfile::tempdir().unwrap();
    let page = directory.path().join("report.html");
    std::fs::write(&page, report("html")).unwrap();
    let profile = directory.path().join("profile");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let dom = Command::new(&browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let rendered = String::from_utf8_lossy(&dom.stdout);
    assert!(
        rendered.contains("data-ready=\"true\""),
        "the page's script did not run"
    );
    assert!(rendered.contains("requirements shown"), "{rendered}");
    let console = String::from_utf8_lossy(&dom.stderr);
    let errors: Vec<&str> = console
        .lines()
        .filter(|line| line.contains("CONSOLE") || line.contains("Uncaught"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");

    let screenshot = directory.path().join("report.png");
    let shot = Command::new(&browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--window-size=1400,1000")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&screenshot).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
    assert!(
        bytes.len() > 20_000,
        "the screenshot shows a page, not a blank: {} bytes",
        bytes.len()
    );
    if let Some(keep) = std::env::var_os("SPECLINT_KEEP_SCREENSHOT") {
        std::fs::copy(&screenshot, keep).unwrap();
    }
    Ok(())
}

//! GitLab Code Quality JSON: an array of issues with a stable `fingerprint` each, so that GitLab
//! can tell new findings from old ones in a merge request.

use serde::Serialize;

use crate::check::CheckResult;
use crate::severity::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub fn render(check: &CheckResult) -> String {
    let db = &check.graph.db;
    let fingerprints = crate::render::unique_fingerprints(check);
    let issues: Vec<Issue<'_>> = check
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let (start, end) = db.line_column(diagnostic.span);
            Issue {
                description: format!(
                    "{} {}: {}",
                    diagnostic.code, diagnostic.rule, diagnostic.message
                ),
                check_name: diagnostic.rule,
                fingerprint,
                severity: match diagnostic.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                location: IssueLocation {
                    path: crate::render::ci_path(check, diagnostic.span.file),
                    lines: Lines {
                        begin: start.line,
                        end: end.line,
                    },
                },
            }
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_default();
    text.push('\n');
    text
}

//! JUnit XML, for CI systems that show test reports: a passing test case per rule without
//! findings, and a failing test case per finding.

use std::fmt::Write;

use crate::check::CheckResult;
use crate::rules::registry;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn render(check: &CheckResult) -> String {
    let db = &check.graph.db;
    let mut cases = String::new();
    let mut tests = 0;
    let mut failures = 0;
    for rule in registry::all_rules() {
        let meta = rule.meta();
        let findings: Vec<_> = check
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code == meta.code)
            .collect();
        if findings.is_empty() {
            tests += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"speclint.{}\" name=\"{} {}\"/>",
                meta.name, meta.code, meta.name
            );
            continue;
        }
        for diagnostic in findings {
            tests += 1;
            failures += 1;
            let (start, _) = db.line_column(diagnostic.span);
            let location = format!(
                "{}:{}:{}",
                db.path(diagnostic.span.file),
                start.line,
                start.column
            );
            let mut body = format!("{location}: {}", diagnostic.message);
            if let Some(help) = &diagnostic.help {
                body.push_str("\nhelp: ");
                body.push_str(help);
            }
            let _ = writeln!(
                cases,
                "    <testcase classname=\"speclint.{}\" name=\"{} {}\" file=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                meta.name,
                meta.code,
                escape(&location),
                escape(db.path(diagnostic.span.file)),
                diagnostic.severity.as_str(),
                escape(&diagnostic.message),
                escape(&body)
            );
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"speclint\" tests=\"{tests}\" failures=\"{failures}\">\n  <testsuite name=\"speclint\" tests=\"{tests}\" failures=\"{failures}\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

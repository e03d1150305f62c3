//! JUnit XML, for CI systems that show test reports (Jenkins, GitLab, Azure, CircleCI), valid
//! against Jenkins' `junit-10.xsd` (a copy with its source and licence is in `tests/schemas/`).
//!
//! - One test suite per rule; a rule without findings is one passing test case, so the report
//!   lists every rule that ran.
//! - A finding is a test case named by its code, path and requirement (or flagged text), never
//!   by line: a test's history survives edits that move lines. Identical names get `#2`, `#3`.
//! - Only error-level findings fail. Warnings and notes are passing test cases whose
//!   `system-out` says what was found, so a run that exits 0 shows a green report.
//! - Text is escaped for XML 1.0, and characters XML 1.0 cannot hold at all (most C0 controls,
//!   U+FFFE, U+FFFF) are replaced by U+FFFD, so every parser accepts the report.

use std::collections::HashMap;
use std::fmt::Write;

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::rules::registry;
use crate::severity::Severity;

/// `text` as XML 1.0 character data or attribute value.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Newlines and tabs in attributes would be normalised away by parsers.
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' => escaped.push_str("&#9;"),
            '\u{0}'..='\u{8}'
            | '\u{b}'
            | '\u{c}'
            | '\u{e}'..='\u{1f}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                escaped.push('\u{fffd}');
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// A stable test name: code, path, and the requirement or the first words of the flagged text.
fn test_name(check: &CheckResult, diagnostic: &Diagnostic) -> String {
    let path = crate::render::ci_path(check, diagnostic.span.file);
    let subject = match &diagnostic.requirement {
        Some(requirement) => requirement.clone(),
        None => {
            let flagged: Vec<&str> = check
                .graph
                .db
                .slice(diagnostic.span)
                .split_whitespace()
                .take(8)
                .collect();
            flagged.join(" ")
        }
    };
    if subject.is_empty() {
        format!("{} {path}", diagnostic.code)
    } else {
        format!("{} {path} {subject}", diagnostic.code)
    }
}

pub fn render(check: &CheckResult) -> String {
    let db = &check.graph.db;
    let mut suites = String::new();
    let mut total_tests = 0;
    let mut total_failures = 0;
    for rule in registry::all_rules() {
        let meta = rule.meta();
        let findings: Vec<&Diagnostic> = check
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code == meta.code)
            .collect();
        let mut cases = String::new();
        let mut failures = 0;
        let classname = format!("speclint.{}", meta.name);
        if findings.is_empty() {
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{classname}\" name=\"{} {}\"/>",
                meta.code, meta.name
            );
        }
        let mut names: HashMap<String, usize> = HashMap::new();
        for diagnostic in &findings {
            let base = test_name(check, diagnostic);
            let count = names.entry(base.clone()).or_default();
            *count += 1;
            let name = if *count == 1 {
                base
            } else {
                format!("{base} #{count}")
            };
            let (start, _) = db.line_column(diagnostic.span);
            let mut body = format!(
                "{}:{}:{}: {} [{}] {}",
                crate::render::ci_path(check, diagnostic.span.file),
                start.line,
                start.column,
                diagnostic.code,
                diagnostic.severity.as_str(),
                diagnostic.message
            );
            if let Some(help) = &diagnostic.help {
                body.push_str("\nhelp: ");
                body.push_str(help);
            }
            if diagnostic.severity == Severity::Error {
                failures += 1;
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{classname}\" name=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    escape(&name),
                    diagnostic.severity.as_str(),
                    escape(&diagnostic.message),
                    escape(&body)
                );
            } else {
                let _ = writeln!(
                    cases,
                    "    <testcase classname=\"{classname}\" name=\"{}\">\n      <system-out>{}</system-out>\n    </testcase>",
                    escape(&name),
                    escape(&body)
                );
            }
        }
        let tests = findings.len().max(1);
        total_tests += tests;
        total_failures += failures;
        let _ = write!(
            suites,
            "  <testsuite name=\"{classname}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n"
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"speclint\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_never_reach_the_xml() {
        assert_eq!(escape("a\u{b}b\u{0}c"), "a\u{fffd}b\u{fffd}c");
        assert_eq!(escape("<x & \"y\">"), "&lt;x &amp; &quot;y&quot;&gt;");
    }
}

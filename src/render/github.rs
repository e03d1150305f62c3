//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=SL003::message`, which
//! GitHub shows as annotations on the pull request.

use std::fmt::Write;

use crate::check::CheckResult;
use crate::render::summary_line;
use crate::severity::Severity;

/// Workflow-command property values escape `%`, `\r`, `\n`, `:` and `,`.
fn escape_property(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// Workflow-command messages escape `%`, `\r` and `\n`.
fn escape_message(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn render(check: &CheckResult) -> String {
    let db = &check.graph.db;
    let mut output = String::new();
    for diagnostic in &check.diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (start, end) = db.line_column(diagnostic.span);
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(
            output,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&crate::render::ci_path(check, diagnostic.span.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("{} {}", diagnostic.code, diagnostic.rule)),
            escape_message(&message)
        );
    }
    let _ = writeln!(output, "{}", summary_line(check));
    output
}

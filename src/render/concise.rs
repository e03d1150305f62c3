//! `path:line:col: CODE [severity] message`, one finding per line, then a summary.

use crate::check::CheckResult;
use crate::render::summary_line;

pub fn render(result: &CheckResult) -> String {
    // Lines are joined by hand: with thousands of findings, `format!` and its padding
    // machinery cost several times what copying the pieces does.
    let mut output = String::with_capacity(result.diagnostics.len() * 160);
    let mut number = itoa::Buffer::new();
    let db = &result.graph.db;
    for diagnostic in &result.diagnostics {
        let (start, _) = db.line_column(diagnostic.span);
        output.push_str(db.path(diagnostic.span.file));
        output.push(':');
        output.push_str(number.format(start.line));
        output.push(':');
        output.push_str(number.format(start.column));
        output.push_str(": ");
        output.push_str(diagnostic.code);
        output.push_str(" [");
        output.push_str(diagnostic.severity.as_str());
        output.push_str("] ");
        output.push_str(&diagnostic.message);
        output.push('\n');
    }
    output.push_str(&summary_line(result));
    output.push('\n');
    output
}

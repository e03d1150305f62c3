//! `path:line:col: CODE [severity] message`, one finding per line, then a summary.

use std::fmt::Write;

use crate::check::CheckResult;
use crate::render::summary_line;

pub fn render(result: &CheckResult) -> String {
    let mut output = String::new();
    let db = &result.graph.db;
    for diagnostic in &result.diagnostics {
        let (start, _) = db.line_column(diagnostic.span);
        let _ = writeln!(
            output,
            "{}:{}:{}: {} [{}] {}",
            db.path(diagnostic.span.file),
            start.line,
            start.column,
            diagnostic.code,
            diagnostic.severity.as_str(),
            diagnostic.message
        );
    }
    let _ = writeln!(output, "{}", summary_line(result));
    output
}

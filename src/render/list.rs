//! `speclint check --list`: every file found, the format it was read as, and what it yielded.

use std::fmt::Write;

use crate::check::CheckResult;

pub fn render(result: &CheckResult) -> String {
    let graph = &result.graph;
    let mut output = String::new();
    let width = graph
        .files
        .iter()
        .map(|file| graph.db.path(file.file).len())
        .max()
        .unwrap_or(0);
    for file in &graph.files {
        let through = file
            .read_through
            .map(|config| format!(" (via {})", graph.db.path(config)))
            .unwrap_or_default();
        let _ = writeln!(
            output,
            "{:width$}  {:6}  {:21}  {} requirements, {} prompt passages, {} eval cases{through}",
            graph.db.path(file.file),
            file.role.name(),
            file.format.name(),
            file.requirements,
            file.passages,
            file.eval_cases,
        );
    }
    let _ = writeln!(
        output,
        "{} files: {} requirements, {} prompt passages, {} eval cases",
        graph.files.len(),
        graph.requirements.len(),
        graph.passages.len(),
        graph.eval_cases.len()
    );
    output
}

//! `speclint check --list`: every file found, the format it was read as, and what it yielded.

use std::fmt::Write;

use crate::check::CheckResult;

pub fn render(result: &CheckResult) -> String {
    let graph = &result.graph;
    let mut output = String::new();
    let width = graph
        .files
        .iter()
        .map(|file| file.file)
        .chain(graph.skipped.iter().map(|skipped| skipped.file))
        .map(|file| graph.db.path(file).len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<(&str, String)> = Vec::new();
    for skipped in &graph.skipped {
        let path = graph.db.path(skipped.file);
        lines.push((
            path,
            format!("{path:width$}  skipped: {}\n", skipped.reason),
        ));
    }
    for file in &graph.files {
        let through = file
            .read_through
            .map(|config| format!(" (via {})", graph.db.path(config)))
            .unwrap_or_default();
        let path = graph.db.path(file.file);
        let runs = if file.eval_runs == file.eval_cases {
            String::new()
        } else {
            format!(" ({} runs in promptfoo)", file.eval_runs)
        };
        lines.push((
            path,
            format!(
                "{path:width$}  {:6}  {:21}  {} requirements, {} prompt passages, {} eval cases{runs}{through}\n",
                file.role.name(),
                file.format.name(),
                file.requirements,
                file.passages,
                file.eval_cases,
            ),
        ));
    }
    // Stable: a file listed as read keeps its place before nothing else of the same path.
    lines.sort_by(|left, right| left.0.cmp(right.0));
    for (_, line) in lines {
        output.push_str(&line);
    }
    let skipped = if graph.skipped.is_empty() {
        String::new()
    } else {
        format!(" ({} more skipped)", graph.skipped.len())
    };
    let _ = writeln!(
        output,
        "{} files{skipped}: {} requirements, {} prompt passages, {} eval cases",
        graph.files.len(),
        graph.requirements.len(),
        graph.passages.len(),
        graph.eval_cases.len()
    );
    output
}

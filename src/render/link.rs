//! The outputs of `speclint link`: `full` (each suggestion with both texts), `concise` (one
//! line each) and `json` (`{"version": 1, "suggestions": [...], "summary": {...}}`, lines
//! 1-based).

use std::fmt::Write;

use serde_json::json;

use crate::graph::Graph;
use crate::link::{LinkKind, Suggestion};

/// How `speclint link` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LinkFormat {
    Full,
    Concise,
    Json,
}

pub fn render(graph: &Graph, suggestions: &[Suggestion], format: LinkFormat) -> String {
    match format {
        LinkFormat::Json => json_output(graph, suggestions),
        LinkFormat::Concise => concise(graph, suggestions),
        LinkFormat::Full => full(graph, suggestions),
    }
}

fn lines(graph: &Graph, suggestion: &Suggestion) -> (usize, usize) {
    let (start, end) = graph.db.line_column(suggestion.span);
    (start.line, end.line)
}

fn concise(graph: &Graph, suggestions: &[Suggestion]) -> String {
    let mut output = String::new();
    for suggestion in suggestions {
        let (line, _) = lines(graph, suggestion);
        let _ = writeln!(
            output,
            "{} -> {} {}:{} (confidence {:.2})",
            suggestion.requirement,
            suggestion.kind.name(),
            graph.db.path(suggestion.span.file),
            line,
            suggestion.confidence
        );
    }
    let _ = writeln!(output, "{}", summary_line(graph, suggestions));
    output
}

fn full(graph: &Graph, suggestions: &[Suggestion]) -> String {
    let mut output = String::new();
    for suggestion in suggestions {
        let (line, end_line) = lines(graph, suggestion);
        let requirement = graph
            .lookup(&suggestion.requirement)
            .map(|index| graph[index].def.text.clone())
            .unwrap_or_default();
        let (requirement_line, _) = graph.db.line_column(suggestion.requirement_span);
        let _ = writeln!(
            output,
            "{} ({}:{}) -> {} at {}:{}-{}, confidence {:.2}: {}",
            suggestion.requirement,
            graph.db.path(suggestion.requirement_span.file),
            requirement_line.line,
            suggestion.kind.name(),
            graph.db.path(suggestion.span.file),
            line,
            end_line,
            suggestion.confidence,
            suggestion.reason
        );
        let _ = writeln!(output, "  requirement: {}", one_line(&requirement));
        let _ = writeln!(
            output,
            "  {}: {}\n",
            match suggestion.kind {
                LinkKind::Prompt => "passage",
                LinkKind::Eval => "eval case",
            },
            one_line(graph.db.slice(suggestion.span))
        );
    }
    let _ = writeln!(output, "{}", summary_line(graph, suggestions));
    output
}

fn one_line(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    crate::rules::shorten(&words.join(" "), 200)
}

fn summary_line(graph: &Graph, suggestions: &[Suggestion]) -> String {
    let prompts = suggestions
        .iter()
        .filter(|suggestion| suggestion.kind == LinkKind::Prompt)
        .count();
    format!(
        "{} prompt and {} eval suggestions for {} requirements",
        prompts,
        suggestions.len() - prompts,
        graph.requirements.len()
    )
}

fn json_output(graph: &Graph, suggestions: &[Suggestion]) -> String {
    let items: Vec<serde_json::Value> = suggestions
        .iter()
        .map(|suggestion| {
            let (line, end_line) = lines(graph, suggestion);
            json!({
                "requirement": suggestion.requirement,
                "kind": suggestion.kind.name(),
                "path": graph.db.path(suggestion.span.file),
                "line": line,
                "end_line": end_line,
                "confidence": (suggestion.confidence * 1000.0).round() / 1000.0,
                "reason": suggestion.reason,
            })
        })
        .collect();
    let prompts = suggestions
        .iter()
        .filter(|suggestion| suggestion.kind == LinkKind::Prompt)
        .count();
    let document = json!({
        "version": 1,
        "suggestions": items,
        "summary": {
            "requirements": graph.requirements.len(),
            "prompt_suggestions": prompts,
            "eval_suggestions": suggestions.len() - prompts,
        },
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

/// `speclint link --write --dry-run`: the changes as a unified diff, file by file.
pub fn diff(plan: &crate::link_write::WritePlan) -> String {
    let mut output = String::new();
    for change in &plan.changes {
        let text_diff = similar::TextDiff::from_lines(&change.before, &change.after);
        let _ = write!(
            output,
            "{}",
            text_diff
                .unified_diff()
                .context_radius(2)
                .header(&format!("a/{}", change.path), &format!("b/{}", change.path))
        );
    }
    output.push_str(&skipped(plan));
    output
}

/// What `speclint link --write` did, after writing.
pub fn written(plan: &crate::link_write::WritePlan) -> String {
    let mut output = String::new();
    for change in &plan.changes {
        let _ = writeln!(
            output,
            "{}: {} link{} written",
            change.path,
            change.links,
            if change.links == 1 { "" } else { "s" }
        );
    }
    let total: usize = plan.changes.iter().map(|change| change.links).sum();
    let _ = writeln!(
        output,
        "{total} link{} written in {} file{}",
        if total == 1 { "" } else { "s" },
        plan.changes.len(),
        if plan.changes.len() == 1 { "" } else { "s" }
    );
    output.push_str(&skipped(plan));
    output
}

fn skipped(plan: &crate::link_write::WritePlan) -> String {
    let mut output = String::new();
    for (path, requirement, reason) in &plan.skipped {
        let _ = writeln!(output, "not written: {requirement} -> {path}: {reason}");
    }
    output
}

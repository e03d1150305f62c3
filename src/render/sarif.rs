//! SARIF 2.1.0 (serde-sarif), as GitHub code scanning reads it: one run, every rule with its
//! documentation, every finding with its location, related locations and a stable fingerprint.

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::rules::registry;
use crate::severity::Level;
use crate::severity::Severity;
use crate::source_db::{SourceDb, Span};

fn region(db: &SourceDb, span: Span) -> Region {
    let (start, end) = db.line_column(span);
    Region::builder()
        .start_line(start.line as i64)
        .start_column(start.column as i64)
        .end_line(end.line as i64)
        .end_column(end.column as i64)
        .build()
}

fn location(check: &CheckResult, span: Span, message: Option<&str>) -> Location {
    let db = &check.graph.db;
    let physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(crate::render::uri_reference(&crate::render::ci_path(
                    check, span.file,
                )))
                .build(),
        )
        .region(region(db, span))
        .build();
    match message {
        Some(text) => Location::builder()
            .physical_location(physical)
            .message(Message::builder().text(text.to_owned()).build())
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn rule_descriptor(meta: &crate::rules::RuleMeta) -> ReportingDescriptor {
    let docs: String = meta
        .docs
        .lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    let summary = docs
        .split("## What it does")
        .nth(1)
        .and_then(|rest| {
            rest.split("\n\n")
                .find(|paragraph| !paragraph.trim().is_empty())
        })
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| meta.name.to_owned());
    let default_level = match meta.default_level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
        Level::Off => "none",
    };
    ReportingDescriptor::builder()
        .id(meta.code.to_owned())
        .name(meta.name.to_owned())
        .short_description(
            MultiformatMessageString::builder()
                .text(summary.clone())
                .build(),
        )
        .full_description(MultiformatMessageString::builder().text(summary).build())
        .help(
            MultiformatMessageString::builder()
                .text(docs.clone())
                .markdown(docs)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::Value::from(default_level))
                .build(),
        )
        .build()
}

fn result(
    check: &CheckResult,
    diagnostic: &Diagnostic,
    fingerprint: String,
    rule_index: usize,
) -> SarifResult {
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut fingerprints = std::collections::BTreeMap::new();
    fingerprints.insert("speclint/v1".to_owned(), fingerprint);
    let related: Vec<Location> = diagnostic
        .related
        .iter()
        .enumerate()
        .map(|(index, related)| {
            let mut location = location(check, related.span, Some(&related.message));
            location.id = Some(index as i64);
            location
        })
        .collect();
    let builder = SarifResult::builder()
        .rule_id(diagnostic.code.to_owned())
        .rule_index(rule_index as i64)
        .level(level(diagnostic.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location(check, diagnostic.span, None)])
        .partial_fingerprints(fingerprints);
    if related.is_empty() {
        builder.build()
    } else {
        builder.related_locations(related).build()
    }
}

pub fn to_sarif(check: &CheckResult) -> Sarif {
    let rules = registry::all_rules();
    let descriptors: Vec<ReportingDescriptor> = rules
        .iter()
        .map(|rule| rule_descriptor(rule.meta()))
        .collect();
    let fingerprints = crate::render::unique_fingerprints(check);
    let results: Vec<SarifResult> = check
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(diagnostic, fingerprint)| {
            let index = rules
                .iter()
                .position(|rule| rule.meta().code == diagnostic.code)
                .unwrap_or(0);
            result(check, diagnostic, fingerprint, index)
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("speclint".to_owned())
        .version(env!("CARGO_PKG_VERSION").to_owned())
        .information_uri("https://github.com/speclint/speclint".to_owned())
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .build();
    Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_owned())
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build()
}

pub fn render(check: &CheckResult) -> String {
    let mut text = serde_json::to_string_pretty(&to_sarif(check)).unwrap_or_default();
    text.push('\n');
    text
}

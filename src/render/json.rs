//! The JSON output: one document with every diagnostic and a summary. Its schema is generated
//! from these types and committed as `schema/output.schema.json`.

use schemars::JsonSchema;
use serde::Serialize;

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::severity::Severity;
use crate::source::{Format, Role};
use crate::source_db::{SourceDb, Span};

pub const OUTPUT_VERSION: u32 = 1;

#[derive(Serialize, JsonSchema)]
#[schemars(title = "speclint JSON output")]
pub struct JsonOutput {
    /// Version of this format; changes only when fields are removed or change meaning.
    pub version: u32,
    /// Sorted by path, line, column and code.
    pub diagnostics: Vec<JsonDiagnostic>,
    pub summary: JsonSummary,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonDiagnostic {
    /// Rule code, such as `SL003`.
    pub code: String,
    /// Rule name, such as `requirement-missing-from-prompt`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// Relative to the checked directory, with `/` separators.
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The requirement the finding is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    pub related: Vec<JsonRelated>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonRelated {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

#[derive(Serialize, JsonSchema)]
pub struct JsonSummary {
    pub requirements: usize,
    /// Prompt files read.
    pub prompts: usize,
    pub eval_cases: usize,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

fn position(db: &SourceDb, span: Span) -> (String, usize, usize, usize, usize) {
    let (start, end) = db.line_column(span);
    (
        db.path(span.file).to_owned(),
        start.line,
        start.column,
        end.line,
        end.column,
    )
}

fn convert(db: &SourceDb, diagnostic: &Diagnostic) -> JsonDiagnostic {
    let (path, line, column, end_line, end_column) = position(db, diagnostic.span);
    JsonDiagnostic {
        code: diagnostic.code.to_owned(),
        rule: diagnostic.rule.to_owned(),
        severity: diagnostic.severity,
        message: diagnostic.message.clone(),
        path,
        line,
        column,
        end_line,
        end_column,
        requirement: diagnostic.requirement.clone(),
        related: diagnostic
            .related
            .iter()
            .map(|related| {
                let (path, line, column, end_line, end_column) = position(db, related.span);
                JsonRelated {
                    path,
                    line,
                    column,
                    end_line,
                    end_column,
                    message: related.message.clone(),
                }
            })
            .collect(),
        help: diagnostic.help.clone(),
    }
}

pub fn to_output(result: &CheckResult) -> JsonOutput {
    let graph = &result.graph;
    let prompt_files = graph
        .files
        .iter()
        .filter(|file| file.role == Role::Prompt && file.format != Format::Unread)
        .count();
    JsonOutput {
        version: OUTPUT_VERSION,
        diagnostics: result
            .diagnostics
            .iter()
            .map(|diagnostic| convert(&graph.db, diagnostic))
            .collect(),
        summary: JsonSummary {
            requirements: result.totals.requirements,
            prompts: prompt_files,
            eval_cases: result.totals.eval_cases,
            files: graph.files.len(),
            errors: result.count(Severity::Error),
            warnings: result.count(Severity::Warning),
            infos: result.count(Severity::Info),
        },
    }
}

pub fn render(result: &CheckResult) -> String {
    let mut text = serde_json::to_string_pretty(&to_output(result)).unwrap_or_default();
    text.push('\n');
    text
}

/// The JSON Schema of the output, as committed in `schema/output.schema.json`.
pub fn output_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(JsonOutput)).unwrap_or_default()
}

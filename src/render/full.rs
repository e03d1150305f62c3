//! The default human format: each finding with its source snippet, labels, related locations in
//! other files and a help line, drawn by miette.

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, SourceCode,
};

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::render::{Colors, summary_line};
use crate::severity::Severity;
use crate::source_db::{SourceDb, Span};

/// One report as miette sees it: a message, labels into one file, and nested reports for
/// locations in other files.
#[derive(Debug)]
struct Report {
    inner: MietteDiagnostic,
    source: Option<NamedSource<Arc<str>>>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, formatter)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related
                .iter()
                .map(|report| report as &dyn miette::Diagnostic),
        ))
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn named_source(db: &SourceDb, span: Span) -> Option<NamedSource<Arc<str>>> {
    let file = db.get(span.file)?;
    Some(NamedSource::new(
        &file.relative_path,
        Arc::clone(&file.text),
    ))
}

fn labeled(span: Span, label: Option<String>, primary: bool) -> LabeledSpan {
    let length = span.end.saturating_sub(span.start);
    if primary {
        LabeledSpan::new_primary_with_span(label, (span.start, length))
    } else {
        LabeledSpan::new_with_span(label, (span.start, length))
    }
}

fn report(db: &SourceDb, diagnostic: &Diagnostic) -> Report {
    let mut labels = vec![labeled(diagnostic.span, diagnostic.label.clone(), true)];
    let mut related = Vec::new();
    for other in &diagnostic.related {
        if other.span.file == diagnostic.span.file {
            labels.push(labeled(other.span, Some(other.message.clone()), false));
            continue;
        }
        let (start, _) = db.line_column(other.span);
        let inner = MietteDiagnostic::new(format!(
            "{} ({}:{}:{})",
            other.message,
            db.path(other.span.file),
            start.line,
            start.column
        ))
        .with_severity(miette::Severity::Advice)
        .with_labels([labeled(other.span, None, true)]);
        related.push(Report {
            inner,
            source: named_source(db, other.span),
            related: Vec::new(),
        });
    }
    let mut inner = MietteDiagnostic::new(diagnostic.message.clone())
        .with_code(format!("{}({})", diagnostic.code, diagnostic.rule))
        .with_severity(miette_severity(diagnostic.severity))
        .with_labels(labels);
    if let Some(help) = &diagnostic.help {
        inner = inner.with_help(help.clone());
    }
    Report {
        inner,
        source: named_source(db, diagnostic.span),
        related,
    }
}

fn theme(colors: Colors) -> GraphicalTheme {
    match colors {
        Colors::Enabled => GraphicalTheme::unicode(),
        Colors::Disabled => GraphicalTheme::unicode_nocolor(),
    }
}

pub fn render(result: &CheckResult, colors: Colors) -> String {
    let handler = GraphicalReportHandler::new_themed(theme(colors))
        .with_width(100)
        .with_links(false)
        .with_context_lines(1);
    let mut output = String::new();
    for diagnostic in &result.diagnostics {
        let report = report(&result.graph.db, diagnostic);
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &report).is_err() {
            rendered = format!("{}: {}\n", diagnostic.code, diagnostic.message);
        }
        output.push_str(&rendered);
        output.push('\n');
    }
    output.push_str(&summary_line(result));
    output.push('\n');
    output
}

/// Renders a configuration error the same way, pointing into speclint.toml.
pub fn render_config_error(error: &crate::config::ConfigError, colors: Colors) -> String {
    let handler = GraphicalReportHandler::new_themed(theme(colors))
        .with_width(100)
        .with_links(false);
    let path = error.path.display().to_string();
    let mut inner = MietteDiagnostic::new(format!("invalid configuration: {}", error.message))
        .with_code("config")
        .with_severity(miette::Severity::Error);
    if let Some(span) = &error.span {
        inner = inner.with_labels([LabeledSpan::new_primary_with_span(
            Some("here".to_owned()),
            (span.start, span.end.saturating_sub(span.start)),
        )]);
    }
    if let Some(help) = &error.help {
        inner = inner.with_help(help.clone());
    }
    let report = Report {
        inner,
        source: error
            .span
            .as_ref()
            .map(|_| NamedSource::new(path.clone(), Arc::from(error.text.as_str()))),
        related: Vec::new(),
    };
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &report).is_err() {
        rendered = format!("{error}\n");
    }
    rendered
}

//! The default human format: each finding with its source snippet, labels, related locations in
//! other files and a help line, drawn by miette.

use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use rayon::prelude::*;

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::render::{Colors, summary_line};
use crate::severity::Severity;
use crate::source_db::{FileId, LineWindow, SourceDb, Span};

/// One report as miette sees it: a message, labels into one file, and nested reports for
/// locations in other files.
#[derive(Debug)]
struct Report {
    inner: MietteDiagnostic,
    source: Option<WindowedSource>,
    related: Vec<Report>,
}

/// The lines of a file around a report's labels. miette finds a span's line by counting
/// newlines from the start of its source, so handing it the whole file made each finding cost
/// the size of the file before it (a third of a check with thousands of findings in large
/// files). This source hands miette only the window and puts the file's line numbers back.
#[derive(Debug)]
struct WindowedSource {
    name: String,
    text: Arc<str>,
    window: LineWindow,
}

impl SourceCode for WindowedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let window_text = self
            .text
            .get(self.window.start..self.window.end)
            .ok_or(MietteError::OutOfBounds)?;
        let shifted_offset = span
            .offset()
            .checked_sub(self.window.start)
            .ok_or(MietteError::OutOfBounds)?;
        let shifted = SourceSpan::new(shifted_offset.into(), span.len());
        let contents =
            window_text.read_span(&shifted, context_lines_before, context_lines_after)?;
        let found = contents.span();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new((found.offset() + self.window.start).into(), found.len()),
            contents.line() + self.window.first_line,
            contents.column(),
            contents.line_count() + self.window.first_line,
        )))
    }
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

/// The number of lines miette shows around a label (`with_context_lines`).
const CONTEXT_LINES: usize = 1;

/// The source of a report whose labels cover `start..end` of `file`.
fn windowed_source(
    db: &SourceDb,
    file: FileId,
    start: usize,
    end: usize,
) -> Option<WindowedSource> {
    let source_file = db.get(file)?;
    Some(WindowedSource {
        name: source_file.relative_path.clone(),
        text: Arc::clone(&source_file.text),
        window: source_file.line_window(start, end, CONTEXT_LINES),
    })
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
            source: windowed_source(db, other.span.file, other.span.start, other.span.end),
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
    let same_file_spans = std::iter::once(diagnostic.span).chain(
        diagnostic
            .related
            .iter()
            .map(|other| other.span)
            .filter(|span| span.file == diagnostic.span.file),
    );
    let start = same_file_spans.clone().map(|span| span.start).min();
    let end = same_file_spans.map(|span| span.end).max();
    Report {
        inner,
        source: windowed_source(
            db,
            diagnostic.span.file,
            start.unwrap_or(diagnostic.span.start),
            end.unwrap_or(diagnostic.span.end),
        ),
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
    render_pieces(result, colors).collect()
}

/// How many findings are drawn side by side before they are handed on.
const FINDINGS_PER_BATCH: usize = 512;

/// The same text in pieces, one per finding and the summary, drawn a batch at a time as the
/// caller asks for them: a caller that writes each piece out holds one batch, not the output
/// of the whole project.
pub fn render_pieces(result: &CheckResult, colors: Colors) -> impl Iterator<Item = String> + '_ {
    let handler = GraphicalReportHandler::new_themed(theme(colors))
        .with_width(100)
        .with_links(false)
        .with_context_lines(CONTEXT_LINES);
    // Findings are drawn in parallel and handed on in their sorted order.
    let findings = result
        .diagnostics
        .chunks(FINDINGS_PER_BATCH)
        .flat_map(move |batch| {
            batch
                .par_iter()
                .map(|diagnostic| {
                    let report = report(&result.graph.db, diagnostic);
                    let mut rendered = String::new();
                    if handler.render_report(&mut rendered, &report).is_err() {
                        rendered = format!("{}: {}\n", diagnostic.code, diagnostic.message);
                    }
                    rendered.push('\n');
                    rendered
                })
                .collect::<Vec<String>>()
        });
    findings.chain(std::iter::once_with(move || {
        format!("{}\n", summary_line(result))
    }))
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
        source: error.span.as_ref().map(|_| WindowedSource {
            name: path.clone(),
            text: Arc::from(error.text.as_str()),
            window: LineWindow {
                start: 0,
                end: error.text.len(),
                first_line: 0,
            },
        }),
        related: Vec::new(),
    };
    let mut rendered = String::new();
    if handler.render_report(&mut rendered, &report).is_err() {
        rendered = format!("{error}\n");
    }
    rendered
}

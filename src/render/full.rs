//! The default human format: each finding with its source snippet, labels, related locations in
//! other files and a help line, drawn by miette.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use rayon::prelude::*;

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::render::Piece;
use crate::render::drawings::{DrawingMemo, Noted};
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
    let length = span.end().saturating_sub(span.start());
    if primary {
        LabeledSpan::new_primary_with_span(label, (span.start(), length))
    } else {
        LabeledSpan::new_with_span(label, (span.start(), length))
    }
}

/// The width miette is given (`with_width`); it wraps messages and help two columns narrower.
const TERMINAL_WIDTH: usize = 100;
const WRAP_WIDTH: usize = TERMINAL_WIDTH - 2;

/// A text miette wraps, by the indents it wraps it with: a finding's or a related location's
/// message (after the severity's icon) or a help line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WrapSlot {
    Message(miette::Severity),
    Help,
}

/// Which texts a report is built with.
enum Texts<'a> {
    /// The findings' texts as they are, for a handler that wraps them.
    AsGiven,
    /// Texts broken into lines here, for a handler that does not wrap
    /// (`with_wrap_lines(false)`).
    Prewrapped(&'a TextWrapper),
}

impl Texts<'_> {
    /// `text` for `slot`; `None` when it cannot be prewrapped and drawn the same.
    fn text(&self, slot: WrapSlot, text: &str) -> Option<String> {
        match self {
            Texts::AsGiven => Some(text.to_owned()),
            Texts::Prewrapped(wrapper) => wrapper.wrapped(slot, text),
        }
    }
}

/// Breaks texts into lines as miette's handler would, so that a handler that does not wrap
/// draws them the same: miette wraps each message and help with `textwrap`, whose search for
/// line-break opportunities was two fifths of drawing the default output. A text that fits on
/// its first line is not handed to `textwrap` at all, and a help text, which repeats across
/// findings of one rule, is wrapped once per run.
///
/// The lines are found with plain indents of the same display width as miette's coloured
/// ones (`textwrap` does not count escape sequences), then taken without their indents,
/// which the unwrapping handler puts back. A text for which that would differ (a blank line,
/// or text before the first indent) is not prewrapped: the report is drawn by the wrapping
/// handler instead.
struct TextWrapper {
    error: (String, String),
    warning: (String, String),
    advice: (String, String),
    help: (String, String),
    wrapped_help: std::sync::Mutex<std::collections::HashMap<Box<str>, Option<String>>>,
}

impl TextWrapper {
    fn new(theme: &GraphicalTheme) -> TextWrapper {
        let characters = &theme.characters;
        let rest = format!("  {} ", characters.vbar);
        TextWrapper {
            error: (format!("  {} ", characters.error), rest.clone()),
            warning: (format!("  {} ", characters.warning), rest.clone()),
            advice: (format!("  {} ", characters.advice), rest),
            help: ("  help: ".to_owned(), " ".repeat(8)),
            wrapped_help: std::sync::Mutex::default(),
        }
    }

    fn indents(&self, slot: WrapSlot) -> (&str, &str) {
        let (first, rest) = match slot {
            WrapSlot::Message(miette::Severity::Error) => &self.error,
            WrapSlot::Message(miette::Severity::Warning) => &self.warning,
            WrapSlot::Message(miette::Severity::Advice) => &self.advice,
            WrapSlot::Help => &self.help,
        };
        (first, rest)
    }

    fn wrapped(&self, slot: WrapSlot, text: &str) -> Option<String> {
        let (first, rest) = self.indents(slot);
        let indent_width =
            textwrap::core::display_width(first).max(textwrap::core::display_width(rest));
        if fits_on_one_line(text, indent_width) {
            return Some(text.to_owned());
        }
        if slot != WrapSlot::Help {
            return lines_without_indents(text, first, rest);
        }
        if let Ok(memo) = self.wrapped_help.lock()
            && let Some(wrapped) = memo.get(text)
        {
            return wrapped.clone();
        }
        let wrapped = lines_without_indents(text, first, rest);
        if let Ok(mut memo) = self.wrapped_help.lock() {
            memo.insert(text.into(), wrapped.clone());
        }
        wrapped
    }
}

/// Whether `textwrap` would give `text` back whole on the first line after an indent
/// `indent_width` columns wide: one line, no control character or whitespace at either end
/// for it to trim or treat apart, and narrow enough that neither the first line nor a word
/// broken at the later lines' width comes into play.
fn fits_on_one_line(text: &str, indent_width: usize) -> bool {
    !text.is_empty()
        && !text.starts_with(char::is_whitespace)
        && !text.ends_with(char::is_whitespace)
        && !text.chars().any(char::is_control)
        && textwrap::core::display_width(text) + indent_width <= WRAP_WIDTH
}

/// `text` wrapped with `first` and `rest` as indents, then joined without them; `None` when a
/// line does not start with its indent or is blank, which an unwrapping handler would indent
/// differently.
fn lines_without_indents(text: &str, first: &str, rest: &str) -> Option<String> {
    let options = textwrap::Options::new(WRAP_WIDTH)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(true);
    let mut joined = String::with_capacity(text.len() + 8);
    for (index, line) in textwrap::wrap(text, options).iter().enumerate() {
        let indent = if index == 0 { first } else { rest };
        let line = line.strip_prefix(indent)?;
        if line.trim().is_empty() {
            return None;
        }
        if index > 0 {
            joined.push('\n');
        }
        joined.push_str(line);
    }
    Some(joined)
}

fn report(db: &SourceDb, diagnostic: &Diagnostic, texts: &Texts<'_>) -> Option<Report> {
    let mut labels = vec![labeled(diagnostic.span, diagnostic.label.clone(), true)];
    let mut related = Vec::new();
    for other in &diagnostic.related {
        if other.span.file == diagnostic.span.file {
            labels.push(labeled(other.span, Some(other.message.clone()), false));
            continue;
        }
        let (start, _) = db.line_column(other.span);
        let message = format!(
            "{} ({}:{}:{})",
            other.message,
            db.path(other.span.file),
            start.line,
            start.column
        );
        let inner = MietteDiagnostic::new(
            texts.text(WrapSlot::Message(miette::Severity::Advice), &message)?,
        )
        .with_severity(miette::Severity::Advice)
        .with_labels([labeled(other.span, None, true)]);
        related.push(Report {
            inner,
            source: windowed_source(db, other.span.file, other.span.start(), other.span.end()),
            related: Vec::new(),
        });
    }
    let severity = miette_severity(diagnostic.severity);
    let mut inner =
        MietteDiagnostic::new(texts.text(WrapSlot::Message(severity), &diagnostic.message)?)
            .with_code(format!("{}({})", diagnostic.code, diagnostic.rule))
            .with_severity(severity)
            .with_labels(labels);
    if let Some(help) = &diagnostic.help {
        inner = inner.with_help(texts.text(WrapSlot::Help, help)?);
    }
    let same_file_spans = std::iter::once(diagnostic.span).chain(
        diagnostic
            .related
            .iter()
            .map(|other| other.span)
            .filter(|span| span.file == diagnostic.span.file),
    );
    let start = same_file_spans.clone().map(|span| span.start()).min();
    let end = same_file_spans.map(|span| span.end()).max();
    Some(Report {
        inner,
        source: windowed_source(
            db,
            diagnostic.span.file,
            start.unwrap_or(diagnostic.span.start()),
            end.unwrap_or(diagnostic.span.end()),
        ),
        related,
    })
}

/// Draws one finding: with prewrapped texts and the handler that does not wrap when they
/// can be, otherwise as given with the handler that wraps (see [`TextWrapper`]).
fn draw(db: &SourceDb, diagnostic: &Diagnostic, handlers: &Handlers) -> String {
    let prewrapped = report(db, diagnostic, &Texts::Prewrapped(&handlers.wrapper));
    let drawn = match prewrapped {
        Some(report) => drawn_by(&handlers.unwrapping, &report),
        None => report(db, diagnostic, &Texts::AsGiven)
            .and_then(|report| drawn_by(&handlers.wrapping, &report)),
    };
    let mut rendered =
        drawn.unwrap_or_else(|| format!("{}: {}\n", diagnostic.code, diagnostic.message));
    rendered.push('\n');
    rendered
}

/// A finding's drawing, taken from `memo` when the last run drew the same finding from the
/// same files, and what to note of it for the next run: its key, and the drawing when it is
/// new.
fn draw_or_take<'a>(
    db: &SourceDb,
    diagnostic: &Diagnostic,
    key: u128,
    handlers: &Handlers,
    memo: &DrawingMemo<'a>,
) -> (Cow<'a, [u8]>, Noted) {
    if let Some(kept) = memo.kept(key) {
        return (Cow::Borrowed(kept), (key, None));
    }
    let drawing = draw(db, diagnostic, handlers);
    (
        Cow::Owned(drawing.clone().into_bytes()),
        (key, Some(drawing)),
    )
}

/// The contents hash (xxh3-128) of each file the findings point into
/// ([`crate::render::text_hashes`]).
type FileHashes = rustc_hash::FxHashMap<FileId, u128>;

/// A hash of everything a finding's drawing is made from: what [`report`] reads of the
/// finding (code, rule, severity, message, label, help, and the message and place of each
/// related location), and for its place and each related place the file's path, a hash of
/// the file's contents (the lines drawn, their numbers and the columns all come from it) and
/// the offsets; and the colours. The handlers' settings are constants of this build, which
/// the cache folder's key already separates. Hashing the inputs, not the drawn report, spares
/// building a report and counting lines for a finding that is not drawn.
///
/// The inputs are written into one buffer and hashed at once: fed piece by piece, xxh3's
/// streaming state cost several times what the bytes did (a third of a run that reused its
/// findings and drawings), and the one-shot hash of the same bytes is the same hash.
///
/// `bytes` is a buffer the caller keeps from one finding to the next, so that keying thousands
/// of findings allocates a buffer per thread, not one per finding.
fn drawing_key(
    db: &SourceDb,
    diagnostic: &Diagnostic,
    file_hashes: &FileHashes,
    colors: Colors,
    bytes: &mut Vec<u8>,
) -> u128 {
    bytes.clear();
    bytes.push(u8::from(colors == Colors::Enabled));
    push_text(bytes, Some(diagnostic.code));
    push_text(bytes, Some(diagnostic.rule));
    bytes.push(match diagnostic.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    push_text(bytes, Some(&diagnostic.message));
    push_text(bytes, diagnostic.label.as_deref());
    push_text(bytes, diagnostic.help.as_deref());
    push_place(bytes, db, file_hashes, diagnostic.span);
    push_number(bytes, diagnostic.related.len());
    for related in &diagnostic.related {
        push_text(bytes, Some(&related.message));
        push_place(bytes, db, file_hashes, related.span);
    }
    xxhash_rust::xxh3::xxh3_128(bytes)
}

fn push_place(bytes: &mut Vec<u8>, db: &SourceDb, file_hashes: &FileHashes, span: Span) {
    push_text(bytes, Some(db.path(span.file)));
    let contents = file_hashes
        .get(&span.file)
        .copied()
        .unwrap_or_else(|| db.contents_hash(span.file));
    bytes.extend_from_slice(&contents.to_le_bytes());
    push_number(bytes, span.start());
    push_number(bytes, span.end());
}

fn push_text(bytes: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => bytes.push(0),
        Some(text) => {
            bytes.push(1);
            push_number(bytes, text.len());
            bytes.extend_from_slice(text.as_bytes());
        }
    }
}

fn push_number(bytes: &mut Vec<u8>, number: usize) {
    bytes.extend_from_slice(&(number as u64).to_le_bytes());
}

/// The two handlers a run draws with, and the wrapper that prewraps texts for the second.
struct Handlers {
    wrapping: GraphicalReportHandler,
    unwrapping: GraphicalReportHandler,
    wrapper: TextWrapper,
}

impl Handlers {
    fn new(colors: Colors) -> Handlers {
        let wrapping = GraphicalReportHandler::new_themed(theme(colors))
            .with_width(TERMINAL_WIDTH)
            .with_links(false)
            .with_context_lines(CONTEXT_LINES);
        Handlers {
            unwrapping: wrapping.clone().with_wrap_lines(false),
            wrapping,
            wrapper: TextWrapper::new(&theme(colors)),
        }
    }
}

/// `report` drawn by `handler`; `None` when miette cannot draw it.
fn drawn_by(handler: &GraphicalReportHandler, report: &Report) -> Option<String> {
    let mut rendered = String::new();
    handler.render_report(&mut rendered, report).ok()?;
    Some(rendered)
}

fn theme(colors: Colors) -> GraphicalTheme {
    match colors {
        Colors::Enabled => GraphicalTheme::unicode(),
        Colors::Disabled => GraphicalTheme::unicode_nocolor(),
    }
}

pub fn render(result: &CheckResult, colors: Colors) -> String {
    // Without a memo every piece is a string drawn here: kept drawings come only with one.
    let mut rendered = Vec::new();
    for piece in render_pieces(result, colors, None) {
        match piece {
            Piece::Text(text) => rendered.extend_from_slice(&text),
            Piece::KeptDrawings(kept) => {
                let _ = kept.write_all_to(&mut rendered);
            }
        }
    }
    String::from_utf8_lossy(&rendered).into_owned()
}

/// The drawing key of each finding of one check's result, in order ([`drawing_key`]): worked
/// out once per run, since a run asks whether every finding's drawing is kept
/// ([`all_kept`]) before it draws them ([`render_pieces`]).
pub struct DrawingKeys {
    keys: Vec<u128>,
}

/// The drawing key of each finding of `result`, in order, worked out side by side.
pub fn drawing_keys(result: &CheckResult, colors: Colors) -> DrawingKeys {
    let db = &result.graph.db;
    let file_hashes = crate::render::text_hashes(db, &result.diagnostics);
    let keys = result
        .diagnostics
        .par_iter()
        .map_init(Vec::new, |bytes, diagnostic| {
            drawing_key(db, diagnostic, &file_hashes, colors, bytes)
        })
        .collect();
    DrawingKeys { keys }
}

/// Whether `memo` holds a drawing for every finding `keys` were worked out for: then drawing
/// the output reads no file's text, and a run that reused its findings need only have kept
/// their places (the contents hashes the drawings are keyed by are kept with them).
pub fn all_kept(keys: &DrawingKeys, memo: &DrawingMemo<'_>) -> bool {
    // The usual case, every finding drawn as the last run drew it and in the same order, is
    // told by comparing the keys in order, without building the table of kept drawings.
    is_kept_as_it_is(keys, memo) || keys.keys.iter().all(|key| memo.has(*key))
}

/// Whether the kept drawings are those of `keys`, in the same order.
fn is_kept_as_it_is(keys: &DrawingKeys, memo: &DrawingMemo<'_>) -> bool {
    memo.kept_drawings().keys().eq(keys.keys.iter().copied())
}

/// What the full format keeps of its drawings in one run: the last run's drawings, with a
/// place for this run's, and the drawing key of each finding of the result being drawn.
#[derive(Clone, Copy)]
pub struct KeptForRun<'a> {
    pub memo: &'a DrawingMemo<'a>,
    pub keys: &'a DrawingKeys,
}

/// How many findings are drawn side by side before they are handed on.
const FINDINGS_PER_BATCH: usize = 512;

/// The same text in pieces of UTF-8, one per finding and the summary, drawn a batch at a time
/// as the caller asks for them: a caller that writes each piece out holds one batch, not the
/// output of the whole project.
///
/// With `memo`, a finding whose report is the same as one the last run drew is not drawn
/// again (see [`crate::render::drawings`]), and each drawing is noted for the next run.
///
/// When every finding is drawn as the last run drew it, in the same order, the kept drawings
/// are one piece, written out of their file ([`Piece::KeptDrawings`]).
pub fn render_pieces<'a>(
    result: &'a CheckResult,
    colors: Colors,
    kept: Option<KeptForRun<'a>>,
) -> impl Iterator<Item = Piece<'a>> + 'a {
    let handlers = Handlers::new(colors);
    let db = &result.graph.db;
    // Keys worked out for another result (a caller's mistake) would take the wrong drawings:
    // such a run draws every finding instead.
    let kept = kept.filter(|kept| kept.keys.keys.len() == result.diagnostics.len());
    let memo = kept.map(|kept| kept.memo);
    let keys = kept.map_or(&[][..], |kept| kept.keys.keys.as_slice());
    let kept_as_they_are = kept
        .filter(|kept| is_kept_as_it_is(kept.keys, kept.memo))
        .map(|kept| kept.memo);
    if let Some(memo) = kept_as_they_are {
        memo.note(keys.iter().map(|key| (*key, None)).collect());
    }
    let diagnostics = if kept_as_they_are.is_some() {
        &[][..]
    } else {
        &result.diagnostics[..]
    };
    let kept_piece = kept_as_they_are.map(|memo| Piece::KeptDrawings(memo.kept_drawings()));
    // Findings are drawn in parallel and handed on in their sorted order.
    let findings = diagnostics.chunks(FINDINGS_PER_BATCH).enumerate().flat_map(
        move |(batch_number, batch)| {
            let Some(memo) = memo else {
                return batch
                    .par_iter()
                    .map(|diagnostic| {
                        Piece::Text(Cow::Owned(draw(db, diagnostic, &handlers).into_bytes()))
                    })
                    .collect::<Vec<Piece<'a>>>();
            };
            let first = batch_number * FINDINGS_PER_BATCH;
            let batch_keys = keys.get(first..first + batch.len()).unwrap_or_default();
            let (drawings, noted): (Vec<Piece<'a>>, Vec<Noted>) = batch
                .par_iter()
                .zip(batch_keys.par_iter())
                .map(|(diagnostic, key)| {
                    let (drawing, noted) = draw_or_take(db, diagnostic, *key, &handlers, memo);
                    (Piece::Text(drawing), noted)
                })
                .unzip();
            memo.note(noted);
            drawings
        },
    );
    kept_piece
        .into_iter()
        .chain(findings)
        .chain(std::iter::once_with(move || {
            Piece::Text(Cow::Owned(summary_text(result).into_bytes()))
        }))
}

/// The text after the findings: the summary line. A kept output of this format is the kept
/// drawings and this text (`check::kept_output`).
pub fn summary_text(result: &CheckResult) -> String {
    format!("{}\n", summary_line(result))
}

/// Renders a configuration error the same way, pointing into speclint.toml.
pub fn render_config_error(error: &crate::config::ConfigError, colors: Colors) -> String {
    let handler = GraphicalReportHandler::new_themed(theme(colors))
        .with_width(TERMINAL_WIDTH)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::path::PathBuf;

    use super::*;
    use crate::source_db::SourceFile;

    /// Texts of every shape a message or help can take: short and long, words longer than a
    /// line, hyphens, slashes, wide and combining characters, tabs, line breaks, blank
    /// lines, spaces at either end.
    fn texts() -> Vec<String> {
        const PIECES: &[&str] = &[
            "the",
            "requirement",
            "FR-001",
            "MUST",
            "well-known",
            "src/prompts/refund.md",
            "https://example.com/a/very/long/path/that/goes/on?and=on&on=on",
            "`not-icontains`",
            "(see the spec)",
            "\"quoted\"",
            "数据集",
            "emoji🙂",
            "Größe",
            "e\u{301}",
            "non\u{a0}breaking",
            "—",
            "30",
            "days.",
        ];
        const GAPS: &[&str] = &[" ", " ", " ", " ", "  ", "\t", "\n", "\n\n", " \n"];
        let long_word = "x".repeat(130);
        let mut texts = vec![
            String::new(),
            " ".to_owned(),
            "trailing ".to_owned(),
            " leading".to_owned(),
            "ends with a line break\n".to_owned(),
            long_word.clone(),
            format!("before {long_word} after"),
            "y".repeat(92),
            "y".repeat(93),
            "y".repeat(94),
            "y".repeat(95),
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap()
        };
        for _ in 0..400 {
            let words = 1 + next(40);
            let mut text = String::new();
            for index in 0..words {
                if index > 0 {
                    // Mostly plain spaces, so that most texts are ones a rule writes.
                    let gap = if next(4) == 0 {
                        GAPS[next(GAPS.len())]
                    } else {
                        " "
                    };
                    text.push_str(gap);
                }
                text.push_str(PIECES[next(PIECES.len())]);
            }
            texts.push(text);
        }
        texts
    }

    #[test]
    fn prewrapped_texts_are_drawn_as_miette_wraps_them() {
        let spec = "# Refunds\n\n**FR-001**: System MUST refund within 30 days.\nMore text.\n";
        let prompt = "You are a support agent.\nRefund within 45 days.\n";
        let db = SourceDb::new(vec![
            SourceFile::new(
                "spec.md".to_owned(),
                PathBuf::from("/project/spec.md"),
                Arc::from(spec),
            ),
            SourceFile::new(
                "prompt.md".to_owned(),
                PathBuf::from("/project/prompt.md"),
                Arc::from(prompt),
            ),
        ]);
        let texts = texts();
        let mut prewrapped = 0;
        let mut as_given = 0;
        for colors in [Colors::Enabled, Colors::Disabled] {
            let handlers = Handlers::new(colors);
            for (index, message) in texts.iter().enumerate() {
                let help = &texts[(index * 7 + 3) % texts.len()];
                let related = &texts[(index * 13 + 5) % texts.len()];
                let severity = [Severity::Error, Severity::Warning, Severity::Info][index % 3];
                let diagnostic = Diagnostic {
                    code: "SL001",
                    rule: "quantity-drift",
                    severity,
                    escalated: false,
                    message: message.clone(),
                    span: Span::new(FileId(0), 12, 20),
                    label: Some("here".to_owned()),
                    requirement: Some("FR-001".to_owned()),
                    related: vec![
                        crate::diagnostic::Related {
                            span: Span::new(FileId(1), 25, 47),
                            message: related.clone(),
                        },
                        crate::diagnostic::Related {
                            span: Span::new(FileId(0), 0, 9),
                            message: "the heading".to_owned(),
                        },
                    ],
                    help: (index % 5 != 0).then(|| help.clone()),
                };
                let expected = report(&db, &diagnostic, &Texts::AsGiven)
                    .and_then(|report| drawn_by(&handlers.wrapping, &report))
                    .unwrap();
                let drawn = draw(&db, &diagnostic, &handlers);
                assert_eq!(
                    drawn,
                    format!("{expected}\n"),
                    "message {message:?}, help {help:?}"
                );
                if report(&db, &diagnostic, &Texts::Prewrapped(&handlers.wrapper)).is_some() {
                    prewrapped += 1;
                } else {
                    as_given += 1;
                }
            }
        }
        // Both ways of drawing were compared, not one of them only.
        assert!(
            prewrapped > 100,
            "{prewrapped} findings drawn from prewrapped texts"
        );
        assert!(
            as_given > 100,
            "{as_given} findings drawn by the wrapping handler"
        );
    }

    #[test]
    fn a_text_that_fits_is_given_back_whole_as_textwrap_gives_it() {
        let wrapper = TextWrapper::new(&GraphicalTheme::unicode_nocolor());
        for text in texts() {
            for slot in [
                WrapSlot::Message(miette::Severity::Error),
                WrapSlot::Message(miette::Severity::Advice),
                WrapSlot::Help,
            ] {
                let (first, rest) = wrapper.indents(slot);
                let width = textwrap::core::display_width(first);
                if !fits_on_one_line(&text, width) {
                    continue;
                }
                let options = textwrap::Options::new(WRAP_WIDTH)
                    .initial_indent(first)
                    .subsequent_indent(rest)
                    .break_words(true);
                assert_eq!(textwrap::fill(&text, options), format!("{first}{text}"));
            }
        }
    }
}

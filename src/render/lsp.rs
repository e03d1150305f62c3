//! LSP types: `PublishDiagnosticsParams` per file, for the `lsp` output format (one object per
//! line) and for the language server.

use lsp_types::{
    Diagnostic as LspDiagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, PublishDiagnosticsParams, Range, Uri,
};

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::severity::Severity;
use crate::source_db::{FileId, SourceDb, Span};

/// A `file://` URI for an absolute path.
pub fn file_uri(path: &std::path::Path) -> Option<Uri> {
    let absolute = std::path::absolute(path).ok()?;
    let mut text = String::from("file://");
    for component in absolute
        .to_string_lossy()
        .split('/')
        .filter(|part| !part.is_empty())
    {
        text.push('/');
        for byte in component.bytes() {
            let keep = byte.is_ascii_alphanumeric()
                || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@' | b'+');
            if keep {
                text.push(char::from(byte));
            } else {
                text.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    text.parse().ok()
}

/// LSP positions count UTF-16 code units on 0-based lines.
pub fn position(db: &SourceDb, file: FileId, offset: usize) -> Position {
    let Some(source) = db.get(file) else {
        return Position::new(0, 0);
    };
    let offset = source.clamp_to_char_boundary(offset);
    // The file's line index gives the line; only the line itself is scanned for UTF-16 units.
    let line = source.line_column(offset).line.saturating_sub(1);
    let line_start = source.offset_of(line + 1, 1);
    let character: usize = source
        .text
        .get(line_start.min(offset)..offset)
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

pub fn range(db: &SourceDb, span: Span) -> Range {
    Range::new(
        position(db, span.file, span.start()),
        position(db, span.file, span.end()),
    )
}

pub fn to_lsp(db: &SourceDb, diagnostic: &Diagnostic) -> LspDiagnostic {
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .related
        .iter()
        .filter_map(|related| {
            let uri = file_uri(&db.get(related.span.file)?.absolute_path)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range(db, related.span)),
                message: related.message.clone(),
            })
        })
        .collect();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    LspDiagnostic {
        range: range(db, diagnostic.span),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_owned())),
        source: Some("speclint".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..LspDiagnostic::default()
    }
}

/// The findings of one file, for the language server: with a print of everything their LSP
/// form depends on (the findings, the file's path, and the texts of the files they point
/// into), so that a file whose print did not change is neither converted nor published again.
pub struct FileFindings<'a> {
    pub uri: Uri,
    pub file: FileId,
    pub diagnostics: Vec<&'a Diagnostic>,
    pub print: u128,
}

/// The findings of each file that has some, in path order.
pub fn findings_by_file(check: &CheckResult) -> Vec<FileFindings<'_>> {
    use rayon::prelude::*;
    use std::hash::Hasher;
    let db = &check.graph.db;
    let mut grouped: std::collections::BTreeMap<&str, (FileId, Vec<&Diagnostic>)> =
        std::collections::BTreeMap::new();
    for diagnostic in &check.diagnostics {
        grouped
            .entry(db.path(diagnostic.span.file))
            .or_insert_with(|| (diagnostic.span.file, Vec::new()))
            .1
            .push(diagnostic);
    }
    // Each file's text is hashed once, however many findings point into it.
    let text_prints = crate::render::text_hashes(db, &check.diagnostics);
    let groups: Vec<(FileId, Vec<&Diagnostic>)> = grouped.into_values().collect();
    groups
        .into_par_iter()
        .filter_map(|(file, diagnostics)| {
            let source = db.get(file)?;
            let uri = file_uri(&source.absolute_path)?;
            let mut hasher = xxhash_rust::xxh3::Xxh3::new();
            hasher.write(uri.as_str().as_bytes());
            let write_span = |hasher: &mut xxhash_rust::xxh3::Xxh3, span: Span| {
                hasher.write_u32(span.file.0);
                hasher.write_usize(span.start());
                hasher.write_usize(span.end());
                hasher.write_u128(text_prints.get(&span.file).copied().unwrap_or_default());
                if let Some(source) = db.get(span.file) {
                    hasher.write(source.absolute_path.as_os_str().as_encoded_bytes());
                }
            };
            for diagnostic in &diagnostics {
                hasher.write(diagnostic.code.as_bytes());
                hasher.write_u8(diagnostic.severity as u8);
                hasher.write(diagnostic.message.as_bytes());
                hasher.write_u8(0);
                hasher.write(diagnostic.help.as_deref().unwrap_or("").as_bytes());
                hasher.write_u8(u8::from(diagnostic.help.is_some()));
                write_span(&mut hasher, diagnostic.span);
                for related in &diagnostic.related {
                    write_span(&mut hasher, related.span);
                    hasher.write(related.message.as_bytes());
                    hasher.write_u8(0);
                }
                hasher.write_u8(1);
            }
            Some(FileFindings {
                uri,
                file,
                diagnostics,
                print: hasher.digest128(),
            })
        })
        .collect()
}

/// The notification that shows one file's findings.
pub fn publish_param(db: &SourceDb, findings: &FileFindings<'_>) -> PublishDiagnosticsParams {
    let diagnostics = findings
        .diagnostics
        .iter()
        .map(|diagnostic| to_lsp(db, diagnostic))
        .collect();
    PublishDiagnosticsParams::new(findings.uri.clone(), diagnostics, None)
}

/// Diagnostics grouped per file, in path order.
pub fn publish_params(check: &CheckResult) -> Vec<PublishDiagnosticsParams> {
    findings_by_file(check)
        .iter()
        .map(|findings| publish_param(&check.graph.db, findings))
        .collect()
}

pub fn render(check: &CheckResult) -> String {
    let mut output = String::new();
    for params in publish_params(check) {
        output.push_str(&serde_json::to_string(&params).unwrap_or_default());
        output.push('\n');
    }
    output
}

//! Output formats. Renderers are the only code that knows about JSON or terminal report types;
//! each turns a [`CheckResult`] into the text `main` prints.

use std::borrow::Cow;

use clap::ValueEnum;

use crate::check::CheckResult;
use crate::diagnostic::Diagnostic;
use crate::source_db::{FileId, SourceDb};

pub mod concise;
pub mod drawings;
pub mod full;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod json_lines;
pub mod junit;
pub mod link;
pub mod list;
pub mod lsp;
pub mod report;
pub mod rule_docs;
pub mod sarif;
pub mod statistics;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Source snippets with labels, related locations and help (miette).
    Full,
    /// One line per finding: `path:line:col: CODE [severity] message`.
    Concise,
    /// One JSON document, described by `schema/output.schema.json`.
    Json,
    /// One JSON object per finding per line.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// JUnit XML: one test case per rule, one failure per finding.
    Junit,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// One LSP `PublishDiagnosticsParams` object per file per line.
    Lsp,
}

impl OutputFormat {
    /// Whether the format reads the text of the files findings point into, beyond the
    /// lines, columns and flagged texts of their places: the full format draws source lines,
    /// and LSP counts columns in UTF-16 units of the line.
    pub fn reads_source_text(self) -> bool {
        matches!(self, OutputFormat::Full | OutputFormat::Lsp)
    }
}

/// How the full format draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colors {
    Enabled,
    Disabled,
}

/// The output of `format` in pieces of UTF-8 to be written in order: the full format draws one
/// piece per finding a batch at a time, so that a large project's output is never held whole;
/// the other formats give one piece.
///
/// `drawings` is what the full format keeps of its drawings between runs (see [`drawings`]).
pub fn render_pieces<'a>(
    result: &'a CheckResult,
    format: OutputFormat,
    colors: Colors,
    drawings: Option<full::KeptForRun<'a>>,
) -> Box<dyn Iterator<Item = Piece<'a>> + 'a> {
    match format {
        OutputFormat::Full => Box::new(full::render_pieces(result, colors, drawings)),
        other => Box::new(std::iter::once_with(move || {
            Piece::Text(Cow::Owned(render(result, other, colors).into_bytes()))
        })),
    }
}

/// A piece of output, to be written in order: text, or every drawing the last run kept,
/// written out of their file as they are ([`drawings::KeptDrawings::write_all_to`]).
pub enum Piece<'a> {
    Text(Cow<'a, [u8]>),
    KeptDrawings(&'a drawings::KeptDrawings),
}

/// The contents hash (xxh3-128) of each file `diagnostics` point into, at their places or
/// their related places: each file is hashed once, however many findings point into it, and
/// the files side by side.
pub(crate) fn text_hashes(
    db: &SourceDb,
    diagnostics: &[Diagnostic],
) -> rustc_hash::FxHashMap<FileId, u128> {
    use rayon::prelude::*;
    let mut files: Vec<FileId> = diagnostics
        .iter()
        .flat_map(|diagnostic| {
            std::iter::once(diagnostic.span.file)
                .chain(diagnostic.related.iter().map(|related| related.span.file))
        })
        .collect();
    files.sort_unstable();
    files.dedup();
    files
        .into_par_iter()
        .map(|file| (file, db.contents_hash(file)))
        .collect()
}

pub fn render(result: &CheckResult, format: OutputFormat, colors: Colors) -> String {
    match format {
        OutputFormat::Full => full::render(result, colors),
        OutputFormat::Concise => concise::render(result),
        OutputFormat::Json => json::render(result),
        OutputFormat::JsonLines => json_lines::render(result),
        OutputFormat::Sarif => sarif::render(result),
        OutputFormat::Github => github::render(result),
        OutputFormat::Junit => junit::render(result),
        OutputFormat::Gitlab => gitlab::render(result),
        OutputFormat::Lsp => lsp::render(result),
    }
}

/// A file's path as CI systems need it: relative to the repository root
/// ([`CheckResult::path_prefix`] before the project-relative path).
pub fn ci_path(result: &CheckResult, file: crate::source_db::FileId) -> String {
    format!("{}{}", result.path_prefix, result.graph.db.path(file))
}

/// One fingerprint per finding, in order, distinct even for identical findings (the same
/// drifted sentence on two lines): the first keeps the line-independent fingerprint, the n-th
/// repeat has the occurrence number mixed in, so that code scanning and GitLab keep every one.
pub fn unique_fingerprints(result: &CheckResult) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    result
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let base = crate::diagnostic::finding_fingerprint(&result.graph.db, diagnostic);
            let count = seen.entry(base.clone()).or_default();
            *count += 1;
            if *count == 1 {
                base
            } else {
                crate::stable_hash::stable_hash(&format!("{base}#{count}"))
            }
        })
        .collect()
}

/// A relative path as an RFC 3986 URI reference: every byte but unreserved characters and `/`
/// percent-encoded (UTF-8), so that spaces, `%`, `,`, `:` and non-ASCII names stay valid and
/// decode back to the same file.
pub fn uri_reference(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The closing line of the human formats.
pub fn summary_line(result: &CheckResult) -> String {
    use crate::severity::Severity;
    let errors = result.count(Severity::Error);
    let warnings = result.count(Severity::Warning);
    let infos = result.count(Severity::Info);
    let graph = &result.graph;
    let plural = |count: usize, word: &str| {
        if count == 1 {
            format!("{count} {word}")
        } else {
            format!("{count} {word}s")
        }
    };
    if graph.files.is_empty() {
        return "no spec, prompt or eval files found here; `speclint check --list` shows what was skipped, and docs/configuration.md how to point speclint at your files".to_owned();
    }
    let findings = if errors + warnings + infos == 0 {
        "no findings".to_owned()
    } else {
        let mut parts = vec![plural(errors, "error"), plural(warnings, "warning")];
        if infos > 0 {
            parts.push(plural(infos, "note"));
        }
        parts.join(", ")
    };
    format!(
        "{findings} in {}, {}, {} ({})",
        plural(result.totals.requirements, "requirement"),
        plural(result.totals.passages, "prompt passage"),
        plural(result.totals.eval_cases, "eval case"),
        plural(graph.files.len(), "file"),
    )
}

//! Sources: finding input files, reading them, and handing each to the loader for its format.
//! Loaders never fail: they return what they could read plus problems.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Settings;

pub mod comments;
pub mod discover;
pub mod eval_dataset;
pub mod eval_promptfoo;
pub mod eval_refs;
pub mod file;
pub mod ids;
pub mod json;
pub mod model;
pub mod prompt_code;
pub mod prompt_text;
pub mod spec_markdown;
pub mod spec_yaml;
pub mod tree;
pub mod yaml;

use file::{FileId, SourceDb, SourceFile, Span};
use model::{Extraction, Problem};

/// The role a file plays, from the configured file sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Spec,
    Prompt,
    Eval,
}

/// Programming languages whose string constants can hold prompts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeLanguage {
    Python,
    TypeScript,
    Tsx,
    JavaScript,
}

/// How a file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    MarkdownSpec,
    YamlSpec,
    TextPrompt,
    CodePrompt(CodeLanguage),
    PromptfooConfig,
    PromptfooTests,
    JsonlDataset,
    JsonDataset,
    /// Not read: binary, too large, not UTF-8, or of a kind no loader reads.
    Unread,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::MarkdownSpec => "markdown-spec",
            Format::YamlSpec => "yaml-spec",
            Format::TextPrompt => "text-prompt",
            Format::CodePrompt(CodeLanguage::Python) => "python-prompts",
            Format::CodePrompt(CodeLanguage::TypeScript | CodeLanguage::Tsx) => {
                "typescript-prompts"
            }
            Format::CodePrompt(CodeLanguage::JavaScript) => "javascript-prompts",
            Format::PromptfooConfig => "promptfoo-config",
            Format::PromptfooTests => "promptfoo-tests",
            Format::JsonlDataset => "jsonl-dataset",
            Format::JsonDataset => "json-dataset",
            Format::Unread => "unread",
        }
    }
}

/// One file after loading.
pub struct LoadedFile {
    pub id: FileId,
    pub role: Role,
    pub format: Format,
    pub extraction: Extraction,
}

/// Everything read from the checked directory.
pub struct LoadedProject {
    pub db: SourceDb,
    pub files: Vec<LoadedFile>,
}

/// Finds, reads and loads every input file below `checked_dir`, in parallel. The result is
/// ordered by path, whatever the thread count.
pub fn load_project(checked_dir: &Path, settings: &Settings) -> LoadedProject {
    let found = discover::discover(checked_dir, settings);
    let read: Vec<(SourceFile, Role, Option<Problem>, Option<FormatHint>)> = found
        .into_par_iter()
        .enumerate()
        .map(|(index, candidate)| {
            let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            read_file(id, candidate, settings)
        })
        .collect();

    let mut files = Vec::with_capacity(read.len());
    let mut pending = Vec::with_capacity(read.len());
    for (index, (source, role, problem, hint)) in read.into_iter().enumerate() {
        files.push(source);
        pending.push((
            FileId(u32::try_from(index).unwrap_or(u32::MAX)),
            role,
            problem,
            hint,
        ));
    }
    let db = SourceDb::new(files);

    let loaded: Vec<LoadedFile> = pending
        .into_par_iter()
        .map(|(id, role, problem, hint)| {
            if let Some(problem) = problem {
                return LoadedFile {
                    id,
                    role,
                    format: Format::Unread,
                    extraction: Extraction {
                        problems: vec![problem],
                        ..Extraction::default()
                    },
                };
            }
            let Some(source) = db.get(id) else {
                return LoadedFile {
                    id,
                    role,
                    format: Format::Unread,
                    extraction: Extraction::default(),
                };
            };
            let (format, extraction) = load_one(id, source, role, hint, settings);
            LoadedFile {
                id,
                role,
                format,
                extraction,
            }
        })
        .collect();

    LoadedProject { db, files: loaded }
}

/// What the file name says about the format, before the content is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatHint {
    Markdown,
    Yaml,
    Text,
    Code(CodeLanguage),
    Jsonl,
    Json,
}

pub fn format_hint(path: &Path) -> Option<FormatHint> {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let hint = match extension.as_str() {
        "md" | "markdown" | "mdx" => FormatHint::Markdown,
        "yaml" | "yml" => FormatHint::Yaml,
        "txt" | "j2" | "jinja" | "jinja2" | "njk" | "hbs" | "handlebars" | "mustache"
        | "prompt" | "tmpl" => FormatHint::Text,
        "py" | "pyi" => FormatHint::Code(CodeLanguage::Python),
        "ts" | "mts" | "cts" => FormatHint::Code(CodeLanguage::TypeScript),
        "tsx" => FormatHint::Code(CodeLanguage::Tsx),
        "js" | "mjs" | "cjs" | "jsx" => FormatHint::Code(CodeLanguage::JavaScript),
        "jsonl" | "ndjson" => FormatHint::Jsonl,
        "json" => FormatHint::Json,
        _ => return None,
    };
    Some(hint)
}

fn load_one(
    id: FileId,
    source: &SourceFile,
    role: Role,
    hint: Option<FormatHint>,
    settings: &Settings,
) -> (Format, Extraction) {
    let text = &source.text;
    let pattern = &settings.id_pattern;
    match (role, hint) {
        (Role::Spec, Some(FormatHint::Markdown)) => {
            (Format::MarkdownSpec, spec_markdown::load(id, text, pattern))
        }
        (Role::Spec, Some(FormatHint::Yaml)) => {
            (Format::YamlSpec, spec_yaml::load(id, text, pattern))
        }
        (Role::Prompt, Some(FormatHint::Markdown | FormatHint::Text)) => {
            (Format::TextPrompt, prompt_text::load(id, text, pattern))
        }
        (Role::Prompt, Some(FormatHint::Code(language))) => (
            Format::CodePrompt(language),
            prompt_code::load(id, text, language, pattern),
        ),
        (Role::Eval, Some(FormatHint::Yaml)) => eval_promptfoo::load(id, text, pattern),
        (Role::Eval, Some(FormatHint::Jsonl)) => (
            Format::JsonlDataset,
            eval_dataset::load_jsonl(id, text, pattern),
        ),
        (Role::Eval, Some(FormatHint::Json)) => (
            Format::JsonDataset,
            eval_dataset::load_json(id, text, pattern),
        ),
        _ => (Format::Unread, Extraction::default()),
    }
}

/// A file the walker found, with the role the configuration gives it.
pub struct Candidate {
    /// Where to read it.
    pub path: PathBuf,
    /// Its path relative to the checked directory, for output.
    pub relative_path: String,
    pub role: Role,
}

fn read_file(
    id: FileId,
    candidate: Candidate,
    settings: &Settings,
) -> (SourceFile, Role, Option<Problem>, Option<FormatHint>) {
    let hint = format_hint(&candidate.path);
    let absolute = candidate.path.clone();
    let empty = |problem: Problem| {
        (
            SourceFile::new(
                candidate.relative_path.clone(),
                absolute.clone(),
                Arc::from(""),
            ),
            candidate.role,
            Some(problem),
            hint,
        )
    };
    let at_start = Span::file_start(id);

    let size = std::fs::metadata(&absolute).map(|metadata| metadata.len());
    if let Ok(size) = size
        && size > settings.max_file_bytes
    {
        return empty(
            Problem::error(
                at_start,
                format!(
                    "file is {size} bytes, over the limit of {} bytes; it was not read",
                    settings.max_file_bytes
                ),
            )
            .with_help("exclude it in speclint.toml, or split it"),
        );
    }
    let bytes = match std::fs::read(&absolute) {
        Ok(bytes) => bytes,
        Err(error) => {
            return empty(Problem::error(
                at_start,
                format!("cannot read file: {error}"),
            ));
        }
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return empty(
            Problem::error(
                at_start,
                "file is UTF-16 encoded; speclint reads UTF-8 only",
            )
            .with_help("convert it to UTF-8"),
        );
    }
    let head = bytes.get(..8192).unwrap_or(&bytes);
    if head.contains(&0) {
        return empty(Problem::error(
            at_start,
            "file looks binary (it contains NUL bytes); it was not read",
        ));
    }
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(without_bom) {
        Ok(text) => (
            SourceFile::new(candidate.relative_path, absolute, Arc::from(text)),
            candidate.role,
            None,
            hint,
        ),
        Err(error) => {
            // Keep the valid prefix so that the problem can point at the line where the bad byte is.
            let valid = without_bom.get(..error.valid_up_to()).unwrap_or_default();
            let text = std::str::from_utf8(valid).unwrap_or_default();
            let source = SourceFile::new(candidate.relative_path, absolute, Arc::from(text));
            let problem = Problem::error(
                Span::new(id, text.len(), text.len()),
                format!(
                    "file is not valid UTF-8 (invalid byte at offset {}); it was not read",
                    error.valid_up_to()
                ),
            );
            (source, candidate.role, Some(problem), hint)
        }
    }
}

//! Sources: finding input files, recognising their formats, and handing each to its loader.
//! Loaders never fail: they return what they could read plus problems.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::settings::Settings;

pub mod cache;
pub mod checked_file;
pub mod comments;
pub mod detect;
pub mod discover;
pub mod disk_state;
pub mod eval_assertions;
pub mod eval_csv;
pub mod eval_dataset;
pub mod eval_openai;
pub mod eval_promptfoo;
pub mod eval_refs;

pub mod json;
mod json_scan;
pub mod kept_parses;
pub mod layout;
pub mod model;
pub mod model_settings;
pub mod project_print;
pub mod prompt_chat;
pub mod prompt_code;
pub mod prompt_frontmatter;
pub mod prompt_text;
pub mod resolve;
pub mod spec_kiro;
pub mod spec_markdown;
pub mod spec_yaml;
pub mod stamp;
pub mod table;
pub mod tree;
pub mod yaml;
pub mod yaml_comments;
mod yaml_events;

use crate::source_db::{self as file, FileId, SourceDb};
use detect::Detector;
use model::Extraction;
use table::{FileTable, FileText};

/// The role a file plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Spec,
    Prompt,
    Eval,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Spec => "spec",
            Role::Prompt => "prompt",
            Role::Eval => "eval",
        }
    }
}

/// Programming languages whose string constants can hold prompts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CodeLanguage {
    Python,
    TypeScript,
    Tsx,
    JavaScript,
}

/// How a file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    MarkdownSpec,
    KiroSpec,
    YamlSpec,
    TextPrompt,
    CodePrompt(CodeLanguage),
    Prompty,
    Dotprompt,
    /// A JSON or YAML list of chat messages.
    ChatPrompt,
    /// A GitHub Models `.prompt.yml`: messages and test data.
    GithubModels,
    PromptfooConfig,
    PromptfooTests,
    OpenAiRegistry,
    JsonlDataset,
    JsonDataset,
    CsvDataset,
    /// Not read: binary, too large, not UTF-8, or of a kind no loader reads.
    Unread,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::MarkdownSpec => "markdown-spec",
            Format::KiroSpec => "kiro-spec",
            Format::YamlSpec => "yaml-spec",
            Format::TextPrompt => "text-prompt",
            Format::CodePrompt(CodeLanguage::Python) => "python-prompts",
            Format::CodePrompt(CodeLanguage::TypeScript | CodeLanguage::Tsx) => {
                "typescript-prompts"
            }
            Format::CodePrompt(CodeLanguage::JavaScript) => "javascript-prompts",
            Format::Prompty => "prompty",
            Format::Dotprompt => "dotprompt",
            Format::ChatPrompt => "chat-prompt",
            Format::GithubModels => "github-models-prompt",
            Format::PromptfooConfig => "promptfoo-config",
            Format::PromptfooTests => "promptfoo-tests",
            Format::OpenAiRegistry => "openai-evals-registry",
            Format::JsonlDataset => "jsonl-dataset",
            Format::JsonDataset => "json-dataset",
            Format::CsvDataset => "csv-dataset",
            Format::Unread => "unread",
        }
    }
}

/// What loaders may use besides the text of their own file.
pub struct LoadContext<'a> {
    pub table: &'a FileTable,
    pub settings: &'a Settings,
    /// Config trees and tests files kept between the language server's checks (none for
    /// `speclint check`).
    pub kept: Option<&'a kept_parses::KeptParses>,
}

/// Which parse cache a run reads and writes.
#[derive(Clone, Default)]
pub enum CacheUse {
    /// `.speclint_cache/` in the project (what `speclint check` uses unless `--no-cache`).
    Disk,
    /// A cache kept in memory by a long-running process (the language server).
    Memory(Arc<cache::MemoryCache>),
    #[default]
    Disabled,
}

impl std::fmt::Debug for CacheUse {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            CacheUse::Disk => "Disk",
            CacheUse::Memory(_) => "Memory",
            CacheUse::Disabled => "Disabled",
        })
    }
}

/// One file after loading.
pub struct LoadedFile {
    pub id: FileId,
    pub role: Role,
    pub format: Format,
    /// Set for files read through another file's reference.
    pub claimed_by: Option<FileId>,
    pub extraction: Extraction,
    /// Why a candidate file was not read (shown by `--list`); such a file yields nothing.
    pub skipped: Option<String>,
}

impl LoadedFile {
    fn skipped(id: FileId, reason: String) -> LoadedFile {
        LoadedFile {
            id,
            role: Role::Spec,
            format: Format::Unread,
            claimed_by: None,
            extraction: Extraction::default(),
            skipped: Some(reason),
        }
    }
}

/// Everything read from the checked directory.
pub struct LoadedProject {
    pub db: SourceDb,
    /// Sorted by path.
    pub files: Vec<LoadedFile>,
    /// The files that more than one file reads through a reference (a tests file two promptfoo
    /// configs load), by ID.
    pub read_by_several: Vec<FileId>,
    /// `speclint.lock` in the checked directory.
    pub lock: Option<crate::lockfile::LockFile>,
    /// Problems with speclint's own files (the lock).
    pub problems: Vec<model::Problem>,
    /// What each format cost to load, costliest first.
    pub format_timings: Vec<FormatTiming>,
    /// The thread writing the parse cache, if one was started: join it before the process
    /// ends, or the cache is lost.
    pub cache_writer: Option<std::thread::JoinHandle<()>>,
    /// What this run read, for reusing its findings later: only with the on-disk cache and
    /// without unsaved buffers, and only when every dependency is known.
    pub print: Option<project_print::ProjectPrint>,
}

/// Finds, recognises and loads every input file below `checked_dir`, in parallel. The result
/// is ordered by path, whatever the thread count. `overlays` replace files' texts (an editor's
/// unsaved buffers, by absolute path); open files that are not on disk yet are read too.
pub fn load_project(
    checked_dir: &Path,
    settings: &Settings,
    overlays: &HashMap<PathBuf, Arc<str>>,
    cache_use: &CacheUse,
) -> LoadedProject {
    load_walked_project(checked_dir, settings, overlays, cache_use, None)
}

/// [`load_project`] of files walked already (as [`discover::walk`] walks them) when
/// `walked` holds them: a check that walked the project to compare it with an earlier run
/// does not walk it again.
pub fn load_walked_project(
    checked_dir: &Path,
    settings: &Settings,
    overlays: &HashMap<PathBuf, Arc<str>>,
    cache_use: &CacheUse,
    walked: Option<Vec<discover::WalkedFile>>,
) -> LoadedProject {
    let checked_dir = absolute_dir(checked_dir);
    // The parse cache file is read while the project is walked.
    let (cache, mut walked) = std::thread::scope(|scope| {
        let opening = match cache_use {
            CacheUse::Disk => Some(scope.spawn(|| cache::Cache::open(&checked_dir, settings))),
            CacheUse::Memory(_) | CacheUse::Disabled => None,
        };
        let walked = walked.unwrap_or_else(|| discover::walk(&checked_dir, settings));
        let cache = match (opening, cache_use) {
            (Some(opening), _) => opening.join().ok().flatten(),
            (None, CacheUse::Memory(memory)) => Some(cache::Cache::Memory(Arc::clone(memory))),
            (None, _) => None,
        };
        (cache, walked)
    });
    for path in overlays.keys() {
        let known = walked.iter().any(|file| &file.path == path);
        if !known && path.starts_with(&checked_dir) && detect::is_candidate(path) {
            walked.push(discover::walked_file(&checked_dir, settings, path));
        }
    }
    // Relative paths are unique, so an unstable sort gives the one order, without the
    // stable sort's copies of every record.
    walked.sort_unstable_by(|left, right| left.relative_path.cmp(&right.relative_path));
    let mut table =
        FileTable::with_overlays(&checked_dir, settings.max_file_bytes, overlays.clone());
    if let CacheUse::Memory(memory) = cache_use {
        table = table.with_text_memo(Arc::clone(&memory.texts));
    }
    let ids = table.intern_walked(&walked);
    let detector = Detector::shared(&settings.id_pattern);
    let context = LoadContext {
        table: &table,
        settings,
        kept: match cache_use {
            CacheUse::Memory(memory) => Some(&memory.kept),
            CacheUse::Disk | CacheUse::Disabled => None,
        },
    };

    // Datasets wait until every other file is loaded: most are read through a promptfoo
    // config or an OpenAI eval, which claims them, and a claimed file's own items are dropped,
    // so parsing it on its own as well would cost time and memory for nothing.
    // One file per task: the costly files cluster in path order (a folder of promptfoo
    // configs), and rayon's default split left them in one task that ran on one thread for a
    // fifth of the cold check while the other thread had nothing to do.
    let first_pass: Vec<(usize, Load<TimedLoad>)> = walked
        .par_iter()
        .zip(ids.par_iter())
        .enumerate()
        .with_max_len(1)
        .filter_map(|(index, (walked_file, &id))| {
            let load = load_timed(
                &context,
                &detector,
                cache.as_ref(),
                id,
                walked_file,
                Deferral::Datasets,
            )?;
            Some((index, load))
        })
        .collect();
    let mut loads = Vec::with_capacity(first_pass.len());
    let mut deferred = Vec::new();
    for (index, load) in first_pass {
        match load {
            Load::Done(done) => loads.push(done),
            Load::Deferred => deferred.push(index),
        }
    }
    let claimed_in_first_pass: HashSet<FileId> = loads
        .iter()
        .flat_map(|(loaded, ..)| &loaded.extraction.claimed_files)
        .map(|claimed| claimed.file)
        .collect();
    let second_pass: Vec<TimedLoad> = deferred
        .par_iter()
        .with_max_len(1)
        .filter_map(|&index| {
            let walked_file = walked.get(index)?;
            let id = *ids.get(index)?;
            if claimed_in_first_pass.contains(&id) {
                return None;
            }
            match load_timed(
                &context,
                &detector,
                cache.as_ref(),
                id,
                walked_file,
                Deferral::None,
            )? {
                Load::Done(done) => Some(done),
                Load::Deferred => None,
            }
        })
        .collect();
    loads.extend(second_pass);
    let format_timings = format_timings(&table, &loads);
    let mut files = Vec::with_capacity(loads.len());
    let mut outcomes = Vec::with_capacity(loads.len());
    for (loaded, path, outcome, _) in loads {
        files.push(loaded);
        outcomes.push((path, outcome));
    }
    let print = match (&cache, cache_use) {
        (Some(cache), CacheUse::Disk) if overlays.is_empty() => {
            cache.inputs_beyond_walk(&outcomes).map(|inputs| {
                let files = project_print::files_print(
                    &table,
                    &walked,
                    Some(&ids),
                    &project_print::KeptTexts::All,
                    &project_print::Earlier::Records(&[]),
                );
                project_print::ProjectPrint {
                    files: files.files,
                    dependencies: inputs.dependencies,
                    probes: inputs.probes,
                    settled: files.settled,
                }
            })
        }
        _ => None,
    };
    // The cache is written while the graph is built and the rules run; [`check`] waits for
    // it before it returns.
    let cache_writer = cache.map(|cache| std::thread::spawn(move || cache.save(outcomes)));
    if let CacheUse::Memory(memory) = cache_use {
        let paths = table.paths();
        memory
            .texts
            .retain(&paths.iter().map(PathBuf::as_path).collect());
    }

    // Files read through a reference belong to the file that references them.
    let mut claims = Vec::new();
    for file in &files {
        for claimed in &file.extraction.claimed_files {
            claims.push((claimed.file, claimed.role, claimed.format, file.id));
        }
    }
    let claimed_ids: HashSet<FileId> = claims.iter().map(|claim| claim.0).collect();
    files.retain(|file| !claimed_ids.contains(&file.id));
    let mut claimers: HashMap<FileId, FileId> = HashMap::new();
    let mut read_by_several: Vec<FileId> = Vec::new();
    for &(file, _, _, claimed_by) in &claims {
        let first = *claimers.entry(file).or_insert(claimed_by);
        if first != claimed_by && !read_by_several.contains(&file) {
            read_by_several.push(file);
        }
    }
    read_by_several.sort_unstable();
    let mut seen = HashSet::new();
    for (file, role, format, claimed_by) in claims {
        if seen.insert(file) {
            files.push(LoadedFile {
                id: file,
                role,
                format,
                claimed_by: Some(claimed_by),
                skipped: None,
                extraction: Extraction::default(),
            });
        }
    }

    let (lock, problems) = read_lock(&table);
    let db = table.into_db();
    files.sort_by(|left, right| db.path(left.id).cmp(db.path(right.id)));
    LoadedProject {
        db,
        files,
        read_by_several,
        lock,
        problems,
        format_timings,
        cache_writer,
        print,
    }
}

/// A file read again after its text, or the text of a file it reads, changed (an editor
/// buffer), with the file IDs of the run it is patched into: see [`load_edited`] and
/// [`crate::graph::patch`].
pub struct EditedFile {
    pub file: FileId,
    pub role: Role,
    pub format: Format,
    /// The texts of the file and of every file it read, as read now.
    pub texts: Vec<(FileId, Arc<str>)>,
    pub extraction: Extraction,
}

/// Reads `file` of the run whose files are `db` again, with its buffer in `overlays` or from
/// disk, and with the files it reads; every file keeps its ID. `None` when the walk would not
/// read it the same way (it is unreadable, skipped or of no format) or when reading it reaches
/// a file that run did not know: the caller then loads the whole project.
pub fn load_edited(
    db: &SourceDb,
    settings: &Settings,
    overlays: &HashMap<PathBuf, Arc<str>>,
    file: FileId,
    kept: Option<&kept_parses::KeptParses>,
) -> Option<EditedFile> {
    let checked_dir = absolute_dir(&settings.project_root);
    let table = FileTable::with_overlays(&checked_dir, settings.max_file_bytes, overlays.clone());
    // The same paths in the same order give every file the ID it had.
    if !table.intern_known(db) {
        return None;
    }
    let path = db.get(file)?.absolute_path.clone();
    let FileText::Text(text) = table.text(file) else {
        return None;
    };
    let walked = discover::walked_file(&checked_dir, settings, &path);
    if walked.is_link {
        return None;
    }
    let detector = Detector::shared(&settings.id_pattern);
    let (role, format) = detector
        .detect(settings, &walked.glob_path, &walked.path, &text)
        .ok()?;
    let context = LoadContext {
        table: &table,
        settings,
        kept,
    };
    let (format, extraction) = load_as(&context, file, &text, format);
    if format == Format::Unread || table.file_count() != db.len() {
        return None;
    }
    let mut texts = vec![(file, text)];
    for claimed in &extraction.claimed_files {
        if let FileText::Text(text) = table.text(claimed.file)
            && !texts.iter().any(|(known, _)| *known == claimed.file)
        {
            texts.push((claimed.file, text));
        }
    }
    Some(EditedFile {
        file,
        role,
        format,
        texts,
        extraction,
    })
}

/// What loading one format cost: for `--timings`.
#[derive(Clone, Debug, Default)]
pub struct FormatTiming {
    pub format: &'static str,
    pub files: usize,
    pub bytes: usize,
    /// Files whose entry came from the parse cache.
    pub cached: usize,
    /// Time spent in reading, hashing, recognising and parsing, summed over threads.
    pub cpu: std::time::Duration,
}

fn format_timings(
    table: &FileTable,
    loads: &[(LoadedFile, String, cache::CacheOutcome, std::time::Duration)],
) -> Vec<FormatTiming> {
    let mut by_format: std::collections::BTreeMap<&'static str, FormatTiming> =
        std::collections::BTreeMap::new();
    for (loaded, _, outcome, elapsed) in loads {
        let name = loaded.format.name();
        let timing = by_format.entry(name).or_insert_with(|| FormatTiming {
            format: name,
            ..FormatTiming::default()
        });
        timing.files += 1;
        timing.bytes += table.read_length(loaded.id).unwrap_or(0);
        timing.cached += usize::from(matches!(outcome, cache::CacheOutcome::Hit));
        timing.cpu += *elapsed;
    }
    let mut timings: Vec<FormatTiming> = by_format.into_values().collect();
    timings.sort_by(|left, right| right.cpu.cmp(&left.cpu).then(left.format.cmp(right.format)));
    timings
}

/// Reads `speclint.lock` from the checked directory; a malformed lock is reported at the
/// position toml gives and the rule that needs it stays silent.
fn read_lock(table: &FileTable) -> (Option<crate::lockfile::LockFile>, Vec<model::Problem>) {
    let path = table.checked_dir().join(crate::lockfile::LOCK_FILE_NAME);
    if !path.is_file() {
        return (None, Vec::new());
    }
    let id = table.intern(&path);
    let text = match table.text(id) {
        FileText::Text(text) => text,
        FileText::Unreadable(problem) => return (None, vec![problem]),
    };
    match crate::lockfile::parse(&text) {
        Ok(lock) => (Some(lock), Vec::new()),
        Err((message, span)) => {
            let span = span.unwrap_or(0..0);
            let problem = model::Problem::error(
                file::Span::new(id, span.start, span.end),
                format!("invalid speclint.lock: {message}"),
            )
            .with_help("regenerate it with `speclint lock`");
            (None, vec![problem])
        }
    }
}

pub(crate) fn absolute_dir(directory: &Path) -> PathBuf {
    let absolute = std::path::absolute(directory).unwrap_or_else(|_| directory.to_path_buf());
    resolve::normalize(&absolute)
}

/// A walked file after loading, with its project-relative path, its cache outcome and the
/// time its loading took.
type TimedLoad = (LoadedFile, String, cache::CacheOutcome, std::time::Duration);

/// Which files [`load_walked`] leaves for later instead of parsing them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deferral {
    /// Eval datasets and promptfoo tests files: another file may claim them.
    Datasets,
    None,
}

/// A loaded file, or a dataset left for the second pass.
enum Load<T> {
    Done(T),
    Deferred,
}

/// Whether a file of `format` may be read through another file's reference and is costly to
/// parse: the files the first pass leaves for later.
fn is_claimable_dataset(format: Format) -> bool {
    matches!(
        format,
        Format::CsvDataset | Format::JsonlDataset | Format::JsonDataset | Format::PromptfooTests
    )
}

fn load_timed(
    context: &LoadContext<'_>,
    detector: &Detector,
    cache: Option<&cache::Cache>,
    id: FileId,
    walked: &discover::WalkedFile,
    deferral: Deferral,
) -> Option<Load<TimedLoad>> {
    let started = std::time::Instant::now();
    let load = load_walked(context, detector, cache, id, walked, deferral)?;
    Some(match load {
        Load::Done((loaded, outcome)) => Load::Done((
            loaded,
            walked.relative_path.clone(),
            outcome,
            started.elapsed(),
        )),
        Load::Deferred => Load::Deferred,
    })
}

fn load_walked(
    context: &LoadContext<'_>,
    detector: &Detector,
    cache: Option<&cache::Cache>,
    id: FileId,
    walked: &discover::WalkedFile,
    deferral: Deferral,
) -> Option<Load<(LoadedFile, cache::CacheOutcome)>> {
    if walked.is_link {
        // Links are not followed: they may lead outside the repository, or in a circle.
        let (role, _) = detector
            .detect(context.settings, &walked.glob_path, &walked.path, "")
            .ok()?;
        let loaded = LoadedFile {
            id,
            role,
            format: Format::Unread,
            claimed_by: None,
            skipped: None,
            extraction: Extraction::with_problem(model::Problem::info(
                file::Span::file_start(id),
                "symbolic link not followed; speclint reads only regular files",
            )),
        };
        return Some(Load::Done((loaded, cache::CacheOutcome::NotCached)));
    }
    let text = match context.table.text(id) {
        FileText::Text(text) => text,
        FileText::Unreadable(problem) => {
            // Unreadable files are reported only when their name alone gives them a role.
            let (role, _) = detector
                .detect(context.settings, &walked.glob_path, &walked.path, "")
                .ok()?;
            let loaded = LoadedFile {
                id,
                role,
                format: Format::Unread,
                claimed_by: None,
                skipped: None,
                extraction: Extraction::with_problem(problem),
            };
            return Some(Load::Done((loaded, cache::CacheOutcome::NotCached)));
        }
    };
    let hash = cache.map(|_| {
        context
            .table
            .text_hash(id)
            .unwrap_or_else(|| cache::content_hash(&text))
    });
    if deferral == Deferral::Datasets
        && let (Some(cache), Some(hash)) = (cache, hash)
        && let Some((_, format)) = cache.kind_of(context.table, &walked.relative_path, id, hash)
        && is_claimable_dataset(format)
    {
        return Some(Load::Deferred);
    }
    if let (Some(cache), Some(hash)) = (cache, hash)
        && let Some(entry) = cache.get(context.table, &walked.relative_path, id, hash)
    {
        let loaded = LoadedFile {
            id,
            role: entry.role,
            format: entry.format,
            claimed_by: None,
            skipped: None,
            extraction: entry.extraction,
        };
        return Some(Load::Done((loaded, cache::CacheOutcome::Hit)));
    }
    let (role, format) =
        match detector.detect(context.settings, &walked.glob_path, &walked.path, &text) {
            Ok(detected) => detected,
            Err(reason) => {
                return Some(Load::Done((
                    LoadedFile::skipped(id, reason),
                    cache::CacheOutcome::NotCached,
                )));
            }
        };
    if deferral == Deferral::Datasets && is_claimable_dataset(format) {
        return Some(Load::Deferred);
    }
    let ((format, mut extraction), probes) =
        resolve::recording_probes(|| load_as(context, id, &text, format));
    if let Some(reason) = extraction.skipped.take() {
        return Some(Load::Done((
            LoadedFile::skipped(id, reason),
            cache::CacheOutcome::NotCached,
        )));
    }
    if format == Format::Unread && extraction.problems.is_empty() {
        return None;
    }
    let mut entry = cache::Entry {
        role,
        format,
        extraction,
    };
    // Unsaved editor buffers change with every keystroke: only a cache in memory keeps them.
    let outcome = match (cache, hash) {
        (Some(cache), Some(hash))
            if cache.stores_overlays() || !context.table.is_overlay(&walked.path) =>
        {
            match cache.record(context.table, id, hash, probes, &mut entry) {
                Some(record) => cache::CacheOutcome::Stored(record),
                None => cache::CacheOutcome::Uncacheable,
            }
        }
        _ => cache::CacheOutcome::NotCached,
    };
    let loaded = LoadedFile {
        id,
        role,
        format,
        claimed_by: None,
        skipped: None,
        extraction: entry.extraction,
    };
    Some(Load::Done((loaded, outcome)))
}

/// A Markdown spec: Kiro's requirements document, or any other Markdown spec; a template whose
/// requirements are placeholders is skipped.
fn load_markdown_spec(context: &LoadContext<'_>, id: FileId, text: &str) -> (Format, Extraction) {
    let pattern = &context.settings.id_pattern;
    if spec_kiro::is_kiro_spec(text) {
        let base = context.table.absolute_path(id);
        (
            Format::KiroSpec,
            spec_kiro::load(id, text, &base, context.table.checked_dir()),
        )
    } else {
        let mut extraction = spec_markdown::load(id, text, pattern);
        let texts = extraction
            .requirements
            .iter()
            .map(|requirement| requirement.text.as_str());
        if layout::is_placeholder_spec(texts) {
            extraction = Extraction {
                skipped: Some(
                    "a template: most of its requirements are placeholders ([…])".to_owned(),
                ),
                ..Extraction::default()
            };
        }
        (Format::MarkdownSpec, extraction)
    }
}

/// A file named like a requirements document, or titled like one, or with Kiro's headings.
fn looks_like_requirements_document(path: &str, text: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let title = text
        .lines()
        .find(|line| line.starts_with("# "))
        .unwrap_or("")
        .to_lowercase();
    matches!(name.as_str(), "requirements.md" | "spec.md")
        || title.contains("requirements")
        || title.contains("specification")
        || title.contains("需求")
        || title.contains("要件")
}

/// Runs the loader for `format`; it may settle on a more precise format.
pub fn load_as(
    context: &LoadContext<'_>,
    id: FileId,
    text: &str,
    format: Format,
) -> (Format, Extraction) {
    let (format, mut extraction) = run_loader(context, id, text, format);
    extraction.shrink_to_fit();
    (format, extraction)
}

fn run_loader(
    context: &LoadContext<'_>,
    id: FileId,
    text: &str,
    format: Format,
) -> (Format, Extraction) {
    let pattern = &context.settings.id_pattern;
    match format {
        Format::MarkdownSpec | Format::KiroSpec => {
            let (format, mut extraction) = load_markdown_spec(context, id, text);
            if extraction.requirements.is_empty()
                && extraction.skipped.is_none()
                && looks_like_requirements_document(&context.table.relative_path(id), text)
            {
                extraction.problems.push(
                    model::Problem::warning(
                        file::Span::file_start(id),
                        "this looks like a requirements document, but speclint read no requirement from it",
                    )
                    .with_help("speclint reads `- **FR-001**: …` items, ID headings and table rows, and Kiro `### Requirement N` sections with an `#### Acceptance Criteria` list (in English, Chinese, Japanese, Korean, Spanish, French, German or Portuguese); see docs/formats.md"),
                );
            }
            (format, extraction)
        }
        Format::YamlSpec => (Format::YamlSpec, spec_yaml::load(id, text, pattern)),
        Format::TextPrompt => (Format::TextPrompt, prompt_text::load(id, text, pattern)),
        Format::CodePrompt(language) => (format, prompt_code::load(id, text, language, pattern)),
        Format::Prompty => (
            Format::Prompty,
            prompt_frontmatter::load_prompty(id, text, pattern),
        ),
        Format::Dotprompt => (
            Format::Dotprompt,
            prompt_frontmatter::load_dotprompt(id, text, pattern),
        ),
        Format::ChatPrompt => prompt_chat::load(id, text, pattern),
        Format::GithubModels => (
            Format::GithubModels,
            prompt_chat::load_github_models(id, text, pattern),
        ),
        Format::PromptfooConfig | Format::PromptfooTests => eval_promptfoo::load(context, id, text),
        Format::OpenAiRegistry => eval_openai::load(context, id, text),
        Format::JsonlDataset => (format, eval_dataset::load_jsonl(id, text, pattern)),
        Format::JsonDataset => (format, eval_dataset::load_json(id, text, pattern)),
        Format::CsvDataset => (format, eval_csv::load_dataset(id, text, pattern)),
        Format::Unread => (Format::Unread, Extraction::default()),
    }
}

//! `speclint.toml`: parsed strictly, then resolved into concrete [`Settings`] before any rule runs.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::needs::Needs;
use crate::requirement_id::IdPattern;
use crate::rules::registry;
use crate::settings::{FileSet, PathOverride, Settings};
use crate::severity::Level;
use crate::source_db::absolute_normalized;

pub const CONFIG_FILE_NAME: &str = "speclint.toml";

const DEFAULT_SPEC_INCLUDE: &[&str] = &["specs/**/*.md", "specs/**/*.yaml", "specs/**/*.yml"];
const DEFAULT_PROMPT_INCLUDE: &[&str] = &["prompts/**"];
const DEFAULT_EVAL_INCLUDE: &[&str] = &[
    "evals/**",
    "**/promptfooconfig*.yaml",
    "**/promptfooconfig*.yml",
];

/// The file as written. Every key is optional; unknown keys are errors.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "speclint.toml")]
pub struct ConfigFile {
    /// Regular expression (Rust `regex` syntax) that requirement IDs match. The default matches
    /// `REQ-001`, `FR-001`, `SC-002`, `FR-004a` and `SAFE-REFUND-12`.
    #[schemars(with = "Option<String>")]
    pub id_pattern: Option<toml::Spanned<String>>,
    /// Which files hold the spec.
    pub spec: Option<FileSetConfig>,
    /// Which files hold prompts.
    pub prompts: Option<FileSetConfig>,
    /// Which files hold evals.
    pub evals: Option<FileSetConfig>,
    /// What every requirement needs by default.
    pub coverage: Option<CoverageConfig>,
    /// Level per rule, by rule name or code: `error`, `warning`, `info` or `off`.
    #[schemars(with = "Option<BTreeMap<String, Level>>")]
    pub rules: Option<BTreeMap<toml::Spanned<String>, toml::Spanned<Level>>>,
    /// Rule levels for some paths only; later entries win.
    pub overrides: Option<Vec<OverrideConfig>>,
    /// Files larger than this are not read (reported by `unreadable-input`): a number of bytes,
    /// or a string such as "64MB" or "1GiB". Default: 64 MiB. At most 4 GiB less one byte.
    #[schemars(with = "Option<serde_json::Value>")]
    pub max_file_size: Option<toml::Spanned<FileSize>>,
    /// A baseline file (relative to this file) whose findings every check hides, the language
    /// server's included; `--baseline` replaces it for one run. See docs/ci.md.
    pub baseline: Option<String>,
    /// Paths whose unqualified references (`FR-001`) resolve to one feature's requirements when
    /// several spec-kit or Kiro features define the same ID: feature name (its folder, such as
    /// `001-voice-orchestrator`) to globs relative to the directory of `speclint.toml`.
    #[schemars(with = "Option<BTreeMap<String, Vec<String>>>")]
    pub features: Option<BTreeMap<String, Vec<toml::Spanned<String>>>>,
}

/// A file size written as bytes or with a unit.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum FileSize {
    Bytes(u64),
    Text(String),
}

fn parse_file_size(size: &FileSize) -> Option<u64> {
    let text = match size {
        FileSize::Bytes(bytes) => return Some(*bytes),
        FileSize::Text(text) => text.trim().to_ascii_lowercase(),
    };
    let split = text
        .find(|character: char| !(character.is_ascii_digit() || character == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((number * factor) as u64)
}

/// `[[overrides]]`: rule levels for the files some globs match.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideConfig {
    /// Globs relative to the directory of `speclint.toml`.
    #[schemars(with = "Vec<String>")]
    pub paths: Vec<toml::Spanned<String>>,
    /// Level per rule, by rule name or code.
    #[schemars(with = "BTreeMap<String, Level>")]
    pub rules: BTreeMap<toml::Spanned<String>, toml::Spanned<Level>>,
}

/// Globs relative to the directory of `speclint.toml`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSetConfig {
    /// Files to read; replaces the default list.
    #[schemars(with = "Option<Vec<String>>")]
    pub include: Option<Vec<toml::Spanned<String>>>,
    /// Files to skip even when included.
    #[schemars(with = "Option<Vec<String>>")]
    pub exclude: Option<Vec<toml::Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageConfig {
    /// What every requirement needs unless its definition says otherwise: any of `prompt` and
    /// `eval`, or `none`. Default: `["prompt", "eval"]`.
    pub needs: Option<Vec<NeedsWord>>,
}

#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NeedsWord {
    Prompt,
    Eval,
    None,
}

/// A configuration problem, pointing into the file when it can.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.path.display(), self.message)
    }
}

/// Finds `speclint.toml` in `start` or its nearest ancestor.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|directory| directory.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Folders and files that mark the root of a project without `speclint.toml` or `.git`.
const PROJECT_MARKERS: &[&str] = &[
    "specs",
    "prompts",
    "evals",
    ".kiro",
    ".specify",
    "promptfooconfig.yaml",
    "promptfooconfig.yml",
];

/// The root of the project `checked_dir` belongs to when no configuration names it: the
/// repository root (the nearest folder at or above it holding `.git`). Outside a repository,
/// `checked_dir` itself when it holds a project marker (`specs/`, `prompts/`, `evals/`,
/// `.kiro/`, `.specify/`, a promptfoo config), else the nearest folder above that holds one (an
/// editor opened on `specs/refunds/` of a project that is not a repository), else
/// `checked_dir`.
pub fn project_root_without_config(checked_dir: &Path) -> PathBuf {
    let absolute = absolute_normalized(checked_dir);
    if let Some(repository) = absolute
        .ancestors()
        .find(|directory| directory.join(".git").exists())
    {
        return repository.to_path_buf();
    }
    let has_marker = |directory: &Path| {
        PROJECT_MARKERS
            .iter()
            .any(|marker| directory.join(marker).exists())
    };
    if has_marker(&absolute) {
        return absolute;
    }
    absolute
        .ancestors()
        .skip(1)
        .find(|directory| has_marker(directory))
        .map_or_else(|| absolute.clone(), Path::to_path_buf)
}

/// Reads and resolves the configuration for checking `checked_dir`. Like ruff, the nearest
/// `speclint.toml` at or above `checked_dir` decides the project root (its folder); without
/// one, the repository root does ([`project_root_without_config`]). A configuration given with
/// `--config` applies to `checked_dir` as the root.
pub fn load_settings(
    checked_dir: &Path,
    explicit_config: Option<&Path>,
) -> Result<Settings, ConfigError> {
    let absolute = absolute_normalized(checked_dir);
    let (config_path, project_root) = match explicit_config {
        Some(path) => (Some(path.to_path_buf()), absolute.clone()),
        None => match find_config(&absolute) {
            Some(found) => {
                let root = found
                    .parent()
                    .map_or_else(|| absolute.clone(), Path::to_path_buf);
                // Shown relative to the current directory, as the user would type it.
                let current = absolute_normalized(Path::new("."));
                let shown = found
                    .strip_prefix(&current)
                    .map_or_else(|_| found.clone(), Path::to_path_buf);
                (Some(shown), root)
            }
            None => (None, project_root_without_config(&absolute)),
        },
    };
    let Some(config_path) = config_path else {
        return resolve(
            ConfigFile::default(),
            &project_root,
            None,
            "",
            &project_root,
        );
    };
    let text = std::fs::read_to_string(&config_path).map_err(|error| ConfigError {
        path: config_path.clone(),
        text: String::new(),
        span: None,
        message: format!("cannot read the configuration: {error}"),
        help: None,
    })?;
    settings_from_text(&text, &config_path, &project_root)
}

/// Parses and resolves the text of a `speclint.toml` found at `config_path`, for the project
/// rooted at `project_root`.
pub fn settings_from_text(
    text: &str,
    config_path: &Path,
    project_root: &Path,
) -> Result<Settings, ConfigError> {
    let parsed: ConfigFile = toml::from_str(text).map_err(|error| ConfigError {
        path: config_path.to_path_buf(),
        text: text.to_owned(),
        span: error.span(),
        message: error.message().to_owned(),
        help: Some("see schema/config.schema.json for the keys speclint.toml accepts".to_owned()),
    })?;
    // The path may be shown relative to the current directory; globs need its real folder.
    let base_dir = absolute_normalized(config_path)
        .parent()
        .map_or_else(|| project_root.to_path_buf(), Path::to_path_buf);
    resolve(
        parsed,
        &base_dir,
        Some(config_path),
        text,
        &absolute_normalized(project_root),
    )
}

fn resolve(
    config: ConfigFile,
    base_dir: &Path,
    config_path: Option<&Path>,
    text: &str,
    project_root: &Path,
) -> Result<Settings, ConfigError> {
    let error_at =
        |span: Option<Range<usize>>, message: String, help: Option<String>| ConfigError {
            path: config_path.map_or_else(PathBuf::new, Path::to_path_buf),
            text: text.to_owned(),
            span,
            message,
            help,
        };

    let id_pattern = match &config.id_pattern {
        None => IdPattern::default_pattern(),
        Some(pattern) => IdPattern::new(pattern.get_ref()).map_err(|message| {
            error_at(
                Some(pattern.span()),
                format!("invalid `id-pattern`: {message}"),
                Some("write a regular expression in Rust `regex` syntax, for example `[A-Z]+-[0-9]+`".to_owned()),
            )
        })?,
    };

    let build_set = |section: Option<&FileSetConfig>, defaults: &[&str]| {
        let include = section.and_then(|section| section.include.as_deref());
        let exclude = section.and_then(|section| section.exclude.as_deref());
        let include_set = match include {
            Some(globs) => compile_globs(globs, &error_at)?,
            None => compile_default_globs(defaults),
        };
        let exclude_set = match exclude {
            Some(globs) => compile_globs(globs, &error_at)?,
            None => GlobSet::empty(),
        };
        let include_globs = match include {
            Some(globs) => globs.iter().map(|glob| glob.get_ref().clone()).collect(),
            None => defaults.iter().map(|glob| (*glob).to_owned()).collect(),
        };
        Ok::<FileSet, ConfigError>(FileSet::new(
            include_set,
            exclude_set,
            include_globs,
            include.is_some(),
        ))
    };
    let spec_files = build_set(config.spec.as_ref(), DEFAULT_SPEC_INCLUDE)?;
    let prompt_files = build_set(config.prompts.as_ref(), DEFAULT_PROMPT_INCLUDE)?;
    let eval_files = build_set(config.evals.as_ref(), DEFAULT_EVAL_INCLUDE)?;

    let default_needs = match config
        .coverage
        .as_ref()
        .and_then(|coverage| coverage.needs.as_ref())
    {
        None => Needs::BOTH,
        Some(words) => {
            let mut needs = Needs::NONE;
            for word in words {
                match word {
                    NeedsWord::Prompt => needs.prompt = true,
                    NeedsWord::Eval => needs.eval = true,
                    NeedsWord::None => {}
                }
            }
            needs
        }
    };

    let mut rule_levels: BTreeMap<&'static str, Level> = registry::all_rules()
        .iter()
        .map(|rule| (rule.meta().name, rule.meta().default_level))
        .collect();
    let mut configured_rules = std::collections::BTreeSet::new();
    for (name, level) in resolve_levels(config.rules.as_ref(), &error_at)? {
        rule_levels.insert(name, level);
        configured_rules.insert(name);
    }
    let max_file_bytes = match &config.max_file_size {
        None => 64 * 1024 * 1024,
        Some(size) => {
            let bytes = parse_file_size(size.get_ref()).ok_or_else(|| {
                error_at(
                    Some(size.span()),
                    "invalid `max-file-size`".to_owned(),
                    Some(
                        "write a number of bytes, or a size such as \"64MB\" or \"1GiB\""
                            .to_owned(),
                    ),
                )
            })?;
            // Spans keep their offsets in 32 bits (`source_db::Span`).
            if bytes > u64::from(u32::MAX) {
                return Err(error_at(
                    Some(size.span()),
                    "`max-file-size` is above the largest size speclint reads (4 GiB less one byte)".to_owned(),
                    Some("write a smaller size, such as \"1GiB\"".to_owned()),
                ));
            }
            bytes
        }
    };
    let mut overrides = Vec::new();
    for entry in config.overrides.iter().flatten() {
        overrides.push(PathOverride {
            paths: compile_globs(&entry.paths, &error_at)?,
            levels: resolve_levels(Some(&entry.rules), &error_at)?,
        });
    }

    let mut feature_paths = Vec::new();
    for (name, globs) in config.features.iter().flatten() {
        feature_paths.push((name.clone(), compile_globs(globs, &error_at)?));
    }

    Ok(Settings {
        config_path: config_path.map(Path::to_path_buf),
        base_dir: base_dir.to_path_buf(),
        id_pattern,
        spec_files,
        prompt_files,
        eval_files,
        default_needs,
        rule_levels,
        configured_rules,
        overrides,
        max_file_bytes,
        feature_paths,
        project_root: project_root.to_path_buf(),
        baseline: config.baseline.as_ref().map(|path| base_dir.join(path)),
    })
}

type ErrorAt<'a> = dyn Fn(Option<Range<usize>>, String, Option<String>) -> ConfigError + 'a;

/// Rule names or codes with levels, checked against the registry.
fn resolve_levels(
    levels: Option<&BTreeMap<toml::Spanned<String>, toml::Spanned<Level>>>,
    error_at: &ErrorAt<'_>,
) -> Result<BTreeMap<&'static str, Level>, ConfigError> {
    let mut resolved = BTreeMap::new();
    for (key, level) in levels.into_iter().flatten() {
        let Some(rule) = registry::find_rule(key.get_ref()) else {
            let closest = registry::closest_rule_name(key.get_ref());
            return Err(error_at(
                Some(key.span()),
                format!("unknown rule `{}`", key.get_ref()),
                Some(match closest {
                    Some(name) => {
                        format!("did you mean `{name}`? `speclint rules` lists every rule")
                    }
                    None => "`speclint rules` lists every rule".to_owned(),
                }),
            ));
        };
        resolved.insert(rule.meta().name, *level.get_ref());
    }
    Ok(resolved)
}

fn compile_default_globs(globs: &[&str]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        if let Ok(glob) = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
        {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

fn compile_globs(
    globs: &[toml::Spanned<String>],
    error_at: &ErrorAt<'_>,
) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let pattern = glob.get_ref().trim_start_matches("./");
        let compiled = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|error| {
                error_at(
                    Some(glob.span()),
                    format!("invalid glob `{}`: {}", glob.get_ref(), error.kind()),
                    None,
                )
            })?;
        builder.add(compiled);
    }
    builder
        .build()
        .map_err(|error| error_at(None, format!("invalid globs: {error}"), None))
}

/// The JSON Schema of `speclint.toml`, as committed in `schema/config.schema.json`.
pub fn config_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).unwrap_or_default()
}

//! `speclint init`: looks at a repository as `speclint check` would with no configuration,
//! writes a commented `speclint.toml` naming what it found (layouts, specs, prompts, evals),
//! and returns a summary with the next steps. It never overwrites a configuration unless told.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::check::{BaselineChoice, CheckError, CheckOptions, check};
use crate::config::{CONFIG_FILE_NAME, ConfigError};
use crate::graph::Graph;
use crate::source::{Format, Role};

/// Whether `init` may replace an existing `speclint.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    Keep,
    Replace,
}

/// What `init` found and wrote.
#[derive(Debug)]
pub struct InitOutcome {
    pub config_path: PathBuf,
    /// The summary and next steps, for the terminal.
    pub summary: String,
}

#[derive(Debug)]
pub enum InitError {
    /// A configuration exists and `--force` was not given.
    Exists(PathBuf),
    Config(Box<ConfigError>),
    Check(CheckError),
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl std::fmt::Display for InitError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::Exists(path) => write!(
                formatter,
                "{} exists; speclint init never overwrites it (use --force to replace it)",
                path.display()
            ),
            InitError::Config(error) => error.fmt(formatter),
            InitError::Check(error) => error.fmt(formatter),
            InitError::Write { path, error } => {
                write!(formatter, "cannot write {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for InitError {}

/// Writes `speclint.toml` at the root of the project `directory` belongs to.
pub fn init(directory: &Path, existing: Existing) -> Result<InitOutcome, InitError> {
    let root = crate::config::project_root_without_config(directory);
    let config_path = root.join(CONFIG_FILE_NAME);
    if config_path.exists() && existing == Existing::Keep {
        return Err(InitError::Exists(config_path));
    }
    // What a check with no configuration sees: the defaults and content detection.
    let settings = crate::config::settings_from_text("", &config_path, &root)
        .map_err(|error| InitError::Config(Box::new(error)))?;
    let options = CheckOptions {
        baseline: BaselineChoice::Off,
        ..CheckOptions::default()
    };
    let result = check(&root, &settings, &options).map_err(InitError::Check)?;
    let found = Found::of(&result.graph);
    let text = found.config_text();
    // The configuration must be one `speclint check` accepts.
    crate::config::settings_from_text(&text, &config_path, &root)
        .map_err(|error| InitError::Config(Box::new(error)))?;
    crate::atomic_write::write_atomically(&config_path, &text).map_err(|error| {
        InitError::Write {
            path: config_path.clone(),
            error,
        }
    })?;
    Ok(InitOutcome {
        summary: found.summary(&config_path),
        config_path,
    })
}

/// What the repository holds, by kind.
struct Found {
    layouts: Vec<&'static str>,
    requirements: usize,
    /// Spec files per format, with their paths.
    specs: BTreeMap<&'static str, Vec<String>>,
    prompts: BTreeMap<&'static str, Vec<String>>,
    evals: BTreeMap<&'static str, Vec<String>>,
    passages: usize,
    eval_cases: usize,
    features: Vec<String>,
}

impl Found {
    fn of(graph: &Graph) -> Found {
        let mut found = Found {
            layouts: Vec::new(),
            requirements: graph.requirements.len(),
            specs: BTreeMap::new(),
            prompts: BTreeMap::new(),
            evals: BTreeMap::new(),
            passages: graph.passages.len(),
            eval_cases: graph.eval_cases.len(),
            features: Vec::new(),
        };
        for file in &graph.files {
            if file.format == Format::Unread {
                continue;
            }
            // A path goes into a TOML comment: no line breaks.
            let path = graph.db.path(file.file).replace(['\n', '\r'], " ");
            let kinds = match file.role {
                Role::Spec => &mut found.specs,
                Role::Prompt => &mut found.prompts,
                Role::Eval => &mut found.evals,
            };
            kinds.entry(file.format.name()).or_default().push(path);
        }
        let paths: Vec<&str> = graph
            .files
            .iter()
            .map(|file| graph.db.path(file.file))
            .chain(
                graph
                    .skipped
                    .iter()
                    .map(|skipped| graph.db.path(skipped.file)),
            )
            .collect();
        let spec_kit_feature = paths.iter().any(|path| {
            !path.starts_with(".kiro/") && crate::source::layout::feature_of(path).is_some()
        });
        if spec_kit_feature || paths.iter().any(|path| path.starts_with(".specify/")) {
            found.layouts.push("spec-kit");
        }
        if paths.iter().any(|path| path.starts_with(".kiro/")) {
            found.layouts.push("Kiro");
        }
        let mut features: Vec<String> = graph
            .requirements
            .iter()
            .filter_map(|requirement| requirement.feature.clone())
            .collect();
        features.sort();
        features.dedup();
        if !features.is_empty()
            && !found.layouts.contains(&"spec-kit")
            && !found.layouts.contains(&"Kiro")
        {
            found.layouts.push("feature folders");
        }
        found.features = features;
        found
    }

    fn config_text(&self) -> String {
        let mut text = String::from(
            "# speclint.toml, written by `speclint init`. Every key is optional: speclint finds\n# specs, prompts and evals by their folders and contents (docs/formats.md), so this file\n# mostly records what it found. Uncomment a line to change a default; the JSON Schema is\n# schema/config.schema.json.\n\n",
        );
        if !self.layouts.is_empty() {
            let _ = writeln!(text, "# Layout: {}.", self.layouts.join(", "));
        }
        write_kinds(&mut text, "Specs", &self.specs);
        write_kinds(&mut text, "Prompts", &self.prompts);
        write_kinds(&mut text, "Evals", &self.evals);
        text.push_str(
            "\n# Where speclint looks for each kind (these are the defaults, plus content detection\n# anywhere; writing `include` turns content detection off for that kind).\n# [spec]\n# include = [\"specs/**/*.md\", \"specs/**/*.yaml\", \"specs/**/*.yml\"]\n# exclude = [\"specs/drafts/**\"]\n# [prompts]\n# include = [\"prompts/**\"]\n# [evals]\n# include = [\"evals/**\", \"**/promptfooconfig*.yaml\", \"**/promptfooconfig*.yml\"]\n",
        );
        text.push_str(
            "\n# What every requirement needs; a `Needs:` line in a requirement overrides it.\n[coverage]\n",
        );
        let needs = match (self.prompts.is_empty(), self.evals.is_empty()) {
            (false, false) | (true, true) => "needs = [\"prompt\", \"eval\"]",
            (true, false) => {
                "# No prompt files were found; drop \"prompt\" if this project has none.\nneeds = [\"prompt\", \"eval\"]"
            }
            (false, true) => {
                "# No eval files were found; drop \"eval\" until the project has some.\nneeds = [\"prompt\", \"eval\"]"
            }
        };
        text.push_str(needs);
        text.push('\n');
        if self.features.len() > 1 {
            text.push_str("\n# Several features may define the same ID (each spec-kit feature numbers from FR-001).\n# Map the prompts and evals of a feature to it so that short IDs resolve there:\n# [features]\n");
            for feature in self.features.iter().take(10) {
                let _ = writeln!(text, "# \"{feature}\" = [\"prompts/{feature}/**\"]");
            }
        }
        text.push_str("\n# Rule levels: error, warning, info or off (`speclint rules` lists them).\n# [rules]\n# requirement-untested = \"warning\"\n");
        text
    }

    fn summary(&self, config_path: &Path) -> String {
        let mut summary = format!("wrote {}\n\n", config_path.display());
        if !self.layouts.is_empty() {
            let _ = writeln!(summary, "layout: {}", self.layouts.join(", "));
        }
        let files = |kinds: &BTreeMap<&'static str, Vec<String>>| {
            plural(kinds.values().map(Vec::len).sum::<usize>(), "file")
        };
        let _ = writeln!(
            summary,
            "specs:   {} in {}{}",
            plural(self.requirements, "requirement"),
            files(&self.specs),
            per_kind(&self.specs)
        );
        let _ = writeln!(
            summary,
            "prompts: {} in {}{}",
            plural(self.passages, "passage"),
            files(&self.prompts),
            per_kind(&self.prompts)
        );
        let _ = writeln!(
            summary,
            "evals:   {} in {}{}",
            plural(self.eval_cases, "eval case"),
            files(&self.evals),
            per_kind(&self.evals)
        );
        summary.push_str("\nnext steps:\n  speclint check            see what is missing or drifted\n  speclint check --list     see every file speclint read, and why others were skipped\n  tag the prompt passage that implements a requirement with a comment (`{# FR-001 #}`,\n  `<!-- FR-001 -->`, `# FR-001` in code) and the eval cases that test it with\n  `metadata: {requirements: [FR-001]}`\n");
        summary
    }
}

fn write_kinds(text: &mut String, title: &str, kinds: &BTreeMap<&'static str, Vec<String>>) {
    if kinds.is_empty() {
        let _ = writeln!(text, "# {title}: none found.");
        return;
    }
    let _ = writeln!(text, "# {title}:");
    for (format, paths) in kinds {
        let shown: Vec<&str> = paths.iter().take(5).map(String::as_str).collect();
        let more = if paths.len() > 5 {
            format!(" and {} more", paths.len() - 5)
        } else {
            String::new()
        };
        let _ = writeln!(text, "#   {format}: {}{more}", shown.join(", "));
    }
}

fn per_kind(kinds: &BTreeMap<&'static str, Vec<String>>) -> String {
    if kinds.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = kinds
        .iter()
        .map(|(format, paths)| format!("{} {format}", paths.len()))
        .collect();
    format!(" ({})", parts.join(", "))
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

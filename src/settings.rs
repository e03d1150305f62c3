//! Concrete settings for one run: what `speclint.toml` resolves to (see [`crate::config`]), in
//! the plain types that loaders, rules and post-filters read. Nothing here parses anything.

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::GlobSet;

use crate::needs::Needs;
use crate::requirement_id::IdPattern;
use crate::severity::Level;

/// A resolved `[[overrides]]` entry.
#[derive(Clone, Debug)]
pub struct PathOverride {
    pub paths: GlobSet,
    pub levels: BTreeMap<&'static str, Level>,
}

/// A compiled include/exclude pair.
#[derive(Clone, Debug)]
pub struct FileSet {
    include: GlobSet,
    exclude: GlobSet,
    /// The include globs as written (or the defaults), for messages that say where speclint
    /// looked.
    pub include_globs: Vec<String>,
    /// Whether `include` was written in speclint.toml. Without it, files outside the default
    /// globs are still recognised by their content.
    pub explicit: bool,
}

impl FileSet {
    pub fn new(
        include: GlobSet,
        exclude: GlobSet,
        include_globs: Vec<String>,
        explicit: bool,
    ) -> FileSet {
        FileSet {
            include,
            exclude,
            include_globs,
            explicit,
        }
    }

    pub fn matches(&self, relative_path: &str) -> bool {
        self.include.is_match(relative_path) && !self.exclude.is_match(relative_path)
    }

    pub fn excludes(&self, relative_path: &str) -> bool {
        self.exclude.is_match(relative_path)
    }
}

/// Concrete settings for one run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The `speclint.toml` in force, if any.
    pub config_path: Option<PathBuf>,
    /// Globs are relative to this directory: the config file's, or the checked directory.
    pub base_dir: PathBuf,
    pub id_pattern: IdPattern,
    pub spec_files: FileSet,
    pub prompt_files: FileSet,
    pub eval_files: FileSet,
    pub default_needs: Needs,
    /// Level per rule name, for every rule.
    pub rule_levels: BTreeMap<&'static str, Level>,
    /// Rules whose level speclint.toml sets.
    pub configured_rules: std::collections::BTreeSet<&'static str>,
    /// Per-path levels, applied after the rules run.
    pub overrides: Vec<PathOverride>,
    /// Files larger than this are skipped with a diagnostic.
    pub max_file_bytes: u64,
    /// The project's root, absolute: every file below it is read, and paths are shown
    /// relative to it. A check of a subfolder reports only that subfolder's files.
    pub project_root: PathBuf,
    /// `baseline` in speclint.toml: the baseline every check applies unless told otherwise.
    pub baseline: Option<PathBuf>,
    /// `[features]`: paths whose unqualified references resolve to a feature's requirements.
    pub feature_paths: Vec<(String, GlobSet)>,
}

impl Settings {
    /// These settings with every rule off but `rule_name` (at its configured level), for running
    /// one rule alone, as the rule fixtures do. `unused-suppression` keeps every rule on: a
    /// suppression is unused only with respect to the rules that run.
    pub fn for_rule(&self, rule_name: &str) -> Settings {
        let mut settings = self.clone();
        if rule_name == "unused-suppression" {
            return settings;
        }
        for (name, level) in &mut settings.rule_levels {
            if *name != rule_name {
                *level = Level::Off;
            }
        }
        settings
    }
}

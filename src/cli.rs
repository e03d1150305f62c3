//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::render::OutputFormat;

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SPECLINT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "speclint",
    version = VERSION,
    about = "Keeps an LLM feature's spec, prompts and evals in agreement"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a repository: trace every requirement from the spec to its prompts and evals.
    Check(CheckArgs),
    /// Record in speclint.lock the wording of every requirement that a prompt or eval references.
    ///
    /// New links are recorded and links that no longer exist are dropped; a link whose
    /// requirement changed stays stale until it is accepted with --accept or --accept-all.
    Lock(LockArgs),
    /// Print the traceability matrix: every requirement with the prompts and eval cases that
    /// cover it, and its status.
    Report(ReportArgs),
    /// Write a commented speclint.toml naming the specs, prompts and evals found, and print
    /// a summary with the next steps. Never overwrites a configuration without --force.
    Init(InitArgs),
    /// Suggest links: for every requirement without a prompt or eval link, the untagged prompt
    /// passage or eval case that most likely implements or tests it, with a confidence.
    Link(LinkArgs),
    /// Run the language server over stdio (for VS Code, Neovim, Helix and other editors).
    Lsp,
    /// List every rule with its code, name and default level.
    Rules,
    /// Print a rule's documentation.
    Rule {
        /// Rule name (`requirement-untested`) or code (`SL004`).
        name: String,
    },
}

#[derive(Clone, Debug, clap::Args)]
pub struct CheckArgs {
    /// Directory to check (default: the current directory).
    pub path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Full)]
    pub output_format: OutputFormat,
    /// Configuration file to use instead of the nearest `speclint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print each file found, the format it was read as and what it yielded, instead of findings.
    #[arg(long)]
    pub list: bool,
    /// When to use colours in the full format.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Report only findings in files changed since this git ref, and findings about
    /// requirements whose text changed since it.
    #[arg(long, value_name = "GIT_REF")]
    pub changed_since: Option<String>,
    /// Hide the findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Print the number of findings per rule instead of the findings (as ruff does).
    #[arg(long)]
    pub statistics: bool,
    /// Print how long loading, graph building and the rules took, on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Put this before every path in the CI formats (sarif, github, gitlab, junit), instead of
    /// the project's folder inside its git repository, which speclint finds by itself; use
    /// `--path-prefix ''` for paths relative to the project root.
    #[arg(long, value_name = "PREFIX")]
    pub path_prefix: Option<String>,
    /// Do not read or write the parse cache in `.speclint_cache/` (it is on by default: a run
    /// over unchanged files re-reads and hashes them but parses none)
    #[arg(long)]
    pub no_cache: bool,
    /// The cache is on by default; this flag from earlier releases is accepted and does nothing.
    #[arg(long, hide = true, conflicts_with = "no_cache")]
    pub cache: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// Directory to check (default: the current directory); the lock is written there.
    pub path: Option<PathBuf>,
    /// Configuration file to use instead of the nearest `speclint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Re-record the links of this prompt or eval file (or folder), or of this requirement ID,
    /// after reviewing them against the new wording. Repeatable.
    #[arg(long, value_name = "PATH_OR_ID")]
    pub accept: Vec<String>,
    /// Re-record every link.
    #[arg(long)]
    pub accept_all: bool,
}

#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// Directory to check (default: the current directory).
    pub path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = crate::render::link::LinkFormat::Full)]
    pub output_format: crate::render::link::LinkFormat,
    /// Leave out suggestions below this confidence (0 to 1).
    #[arg(long, default_value_t = crate::link::DEFAULT_MIN_CONFIDENCE)]
    pub min_confidence: f64,
    /// Only this requirement's suggestions.
    #[arg(long, value_name = "ID")]
    pub requirement: Option<String>,
    /// Write the suggested links into the files: a tag comment before each prompt passage,
    /// `metadata.requirements` in each eval case.
    #[arg(long)]
    pub write: bool,
    /// With `--write`: print the changes as a unified diff instead of writing them.
    #[arg(long, requires = "write")]
    pub dry_run: bool,
    /// Configuration file to use instead of the nearest `speclint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The repository (default: the current directory); the file is written at its root.
    pub path: Option<PathBuf>,
    /// Replace an existing speclint.toml.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Directory to check (default: the current directory).
    pub path: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = crate::render::report::ReportFormat::Markdown)]
    pub format: crate::render::report::ReportFormat,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Configuration file to use instead of the nearest `speclint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

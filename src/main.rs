//! The `speclint` binary: parse arguments, call the library, print, pick the exit code
//! (0 clean, 1 error-level findings, 2 usage, configuration or internal error).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use speclint::check::run_check;
use speclint::cli::{CheckArgs, Cli, ColorChoice, Command, LockArgs, ReportArgs};
use speclint::config::load_settings;
use speclint::render::{self, Colors};
use speclint::rules::registry;

const EXIT_FINDINGS: u8 = 1;
const EXIT_TROUBLE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A bug must still end with the documented exit code, not the default panic code.
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(code) => code,
        Err(_) => {
            eprintln!("speclint: internal error; please report it with the input that caused it");
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(arguments) => check(&arguments),
        Command::Lock(arguments) => lock(&arguments),
        Command::Report(arguments) => report(&arguments),
        Command::Lsp => match speclint::lsp::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("speclint lsp: {message}");
                ExitCode::from(EXIT_FINDINGS)
            }
        },
        Command::Rules => {
            print(&rules_table());
            ExitCode::SUCCESS
        }
        Command::Rule { name } => match registry::find_rule(&name) {
            Some(rule) => {
                let meta = rule.meta();
                print(&format!(
                    "# {} ({})\n\nDefault level: {}\n\n{}",
                    meta.name,
                    meta.code,
                    meta.default_level.as_str(),
                    rule_docs(meta.docs)
                ));
                ExitCode::SUCCESS
            }
            None => {
                let hint = registry::closest_rule_name(&name)
                    .map(|closest| format!("; did you mean `{closest}`?"))
                    .unwrap_or_default();
                eprintln!("speclint: unknown rule `{name}`{hint} (`speclint rules` lists them)");
                ExitCode::from(EXIT_TROUBLE)
            }
        },
    }
}

fn check(arguments: &CheckArgs) -> ExitCode {
    let colors = match arguments.color {
        ColorChoice::Always => Colors::Enabled,
        ColorChoice::Never => Colors::Disabled,
        ColorChoice::Auto => {
            let enabled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            if enabled {
                Colors::Enabled
            } else {
                Colors::Disabled
            }
        }
    };
    let (checked_dir, settings) =
        match prepare(arguments.path.as_ref(), arguments.config.as_deref(), colors) {
            Ok(prepared) => prepared,
            Err(code) => return code,
        };
    let mut result = if arguments.cache {
        speclint::check::run_check_cached(&checked_dir, &settings)
    } else {
        run_check(&checked_dir, &settings)
    };
    if arguments.timings {
        for (phase, duration) in &result.timings {
            eprintln!(
                "speclint: {phase}: {:.1} ms",
                duration.as_secs_f64() * 1000.0
            );
        }
    }
    if arguments.list {
        print(&render::list::render(&result));
        return ExitCode::SUCCESS;
    }
    if let Some(path) = &arguments.write_baseline {
        let baseline = speclint::baseline::from_check(&result);
        if let Err(error) =
            speclint::lock::write_atomically(path, &speclint::baseline::render(&baseline))
        {
            eprintln!("speclint: cannot write {}: {error}", path.display());
            return ExitCode::from(EXIT_TROUBLE);
        }
        eprintln!(
            "speclint: recorded {} findings in {}",
            baseline.entries.len(),
            path.display()
        );
        return ExitCode::SUCCESS;
    }
    if let Some(path) = &arguments.baseline {
        let baseline = match speclint::baseline::read(path) {
            Ok(baseline) => baseline,
            Err(message) => {
                eprintln!("speclint: {message}");
                return ExitCode::from(EXIT_TROUBLE);
            }
        };
        let unmatched = speclint::baseline::apply(&mut result, &baseline);
        if !unmatched.is_empty() {
            eprintln!(
                "speclint: {} baseline entr{} no longer {} any finding; run with --write-baseline {} to shrink it:",
                unmatched.len(),
                if unmatched.len() == 1 { "y" } else { "ies" },
                if unmatched.len() == 1 {
                    "matches"
                } else {
                    "match"
                },
                path.display()
            );
            for entry in &unmatched {
                eprintln!("  {} {} {}", entry.rule, entry.path, entry.requirement);
            }
        }
    }
    if let Some(reference) = &arguments.changed_since {
        match speclint::changed::changes_since(
            &checked_dir,
            reference,
            &result,
            &settings.id_pattern,
        ) {
            Ok(changes) => speclint::changed::retain_changed(&mut result, &changes),
            Err(message) => {
                eprintln!("speclint: {message}");
                return ExitCode::from(EXIT_TROUBLE);
            }
        }
    }
    print(&render::render(&result, arguments.output_format, colors));
    if result.has_errors() {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The checked directory and its settings, or the exit code after saying what is wrong.
fn prepare(
    path: Option<&PathBuf>,
    config: Option<&std::path::Path>,
    colors: Colors,
) -> Result<(PathBuf, speclint::config::Settings), ExitCode> {
    let checked_dir = path.cloned().unwrap_or_else(|| PathBuf::from("."));
    if !checked_dir.is_dir() {
        eprintln!("speclint: `{}` is not a directory", checked_dir.display());
        return Err(ExitCode::from(EXIT_TROUBLE));
    }
    match load_settings(&checked_dir, config) {
        Ok(settings) => Ok((checked_dir, settings)),
        Err(error) => {
            eprint!("{}", render::full::render_config_error(&error, colors));
            Err(ExitCode::from(EXIT_TROUBLE))
        }
    }
}

fn lock(arguments: &LockArgs) -> ExitCode {
    let (checked_dir, settings) = match prepare(
        arguments.path.as_ref(),
        arguments.config.as_deref(),
        Colors::Disabled,
    ) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let lock_path = checked_dir.join(speclint::lock::LOCK_FILE_NAME);
    let existing = match std::fs::read_to_string(&lock_path) {
        Ok(text) => match speclint::lock::parse(&text) {
            Ok(lock) => lock,
            Err((message, _)) => {
                // Overwriting a lock speclint cannot read would lose its records.
                eprintln!(
                    "speclint: {} is not a valid lock ({message}); fix or delete it first",
                    lock_path.display()
                );
                return ExitCode::from(EXIT_TROUBLE);
            }
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            speclint::lock::LockFile::default()
        }
        Err(error) => {
            eprintln!("speclint: cannot read {}: {error}", lock_path.display());
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let result = run_check(&checked_dir, &settings);
    let current = speclint::lock::current_links(&result.graph);
    let (updated, summary) =
        speclint::lock::update(&existing, &current, &arguments.accept, arguments.accept_all);
    if let Err(error) =
        speclint::lock::write_atomically(&lock_path, &speclint::lock::render(&updated))
    {
        eprintln!("speclint: cannot write {}: {error}", lock_path.display());
        return ExitCode::from(EXIT_TROUBLE);
    }
    print(&format!(
        "{}: {} links recorded, {} accepted, {} removed, {} still stale\n",
        lock_path.display(),
        summary.added,
        summary.accepted,
        summary.removed,
        summary.still_stale
    ));
    ExitCode::SUCCESS
}

fn report(arguments: &ReportArgs) -> ExitCode {
    let (checked_dir, settings) = match prepare(
        arguments.path.as_ref(),
        arguments.config.as_deref(),
        Colors::Disabled,
    ) {
        Ok(prepared) => prepared,
        Err(code) => return code,
    };
    let result = run_check(&checked_dir, &settings);
    let matrix = speclint::report::matrix(&result);
    let text = render::report::render(&matrix, arguments.format);
    match &arguments.output {
        Some(path) => {
            if let Err(error) = speclint::lock::write_atomically(path, &text) {
                eprintln!("speclint: cannot write {}: {error}", path.display());
                return ExitCode::from(EXIT_TROUBLE);
            }
        }
        None => print(&text),
    }
    ExitCode::SUCCESS
}

fn rules_table() -> String {
    let mut table = String::from("CODE   NAME                               DEFAULT\n");
    for rule in registry::all_rules() {
        let meta = rule.meta();
        table.push_str(&format!(
            "{:6} {:34} {}\n",
            meta.code,
            meta.name,
            meta.default_level.as_str()
        ));
    }
    table
}

/// Doc comments arrive with one leading space per line.
fn rule_docs(docs: &str) -> String {
    docs.lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes to stdout, ignoring a closed pipe (`speclint check | head`).
fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

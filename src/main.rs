//! The `speclint` binary: parse arguments, call the library, print, pick the exit code
//! (0 clean, 1 error-level findings, 2 usage, configuration or internal error).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use speclint::check::kept_output::{self, KeptOutput, OutputKey};
use speclint::check::{
    BaselineChoice, CheckOptions, CheckResult, FilesRead, ReuseFindings, RuleChecks, check,
};
use speclint::cli::{
    CheckArgs, Cli, ColorChoice, Command, InitArgs, LinkArgs, LockArgs, ReportArgs,
};
use speclint::error::Error;
use speclint::render::{self, Colors};
use speclint::rules::registry;
use speclint::settings::Settings;
use speclint::source::CacheUse;

/// mimalloc instead of the system allocator: a check makes millions of small allocations
/// (passages, eval cases, findings), and glibc's malloc spent a fifth of a check's
/// instructions on them (see `bench/README.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_FINDINGS: u8 = 1;
const EXIT_TROUBLE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A bug must still end with the documented exit code, not the default panic code.
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(error)) => {
            print_error(&speclint::error::message(&error));
            ExitCode::from(error.exit_code())
        }
        Err(_) => {
            print_error(
                "speclint: internal error; please report it with the input that caused it\n",
            );
            ExitCode::from(EXIT_TROUBLE)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        Command::Check(arguments) => {
            let exit_code = run_check(&arguments);
            // Last, so that it counts what drawing the findings took too.
            if arguments.timings
                && let Some(megabytes) = peak_memory_megabytes()
            {
                print_error(&format!("speclint: peak memory: {megabytes:.1} MB\n"));
            }
            exit_code
        }
        Command::Lock(arguments) => run_lock(&arguments),
        Command::Report(arguments) => run_report(&arguments),
        Command::Link(arguments) => run_link(&arguments),
        Command::Init(arguments) => run_init(&arguments),
        Command::Lsp => {
            speclint::lsp::run_stdio()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules => {
            print(&render::rule_docs::rules_table());
            Ok(ExitCode::SUCCESS)
        }
        Command::Rule { name } => {
            let Some(rule) = registry::find_rule(&name) else {
                let closest = registry::closest_rule_name(&name);
                return Err(Error::UnknownRule { name, closest });
            };
            print(&render::rule_docs::rule_page(rule.meta()));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_check(arguments: &CheckArgs) -> Result<ExitCode, Error> {
    // The check hands its work to rayon's threads from its first step. Starting them now lets
    // them come up while the configuration is read, instead of in front of that first step: a
    // run that reuses its findings takes about ten milliseconds, and starting the threads
    // about one (`bench/README.md`, "Nineteenth pass").
    rayon::spawn(|| {});
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
        prepare(arguments.path.as_ref(), arguments.config.as_deref(), colors)?;
    // A listing and a new baseline describe every finding: no post-filter applies to them.
    let describes_everything = arguments.list || arguments.write_baseline.is_some();
    // The full format draws findings when it prints them (not for statistics, a listing or a
    // new baseline), and keeps its drawings in the cache folder for the next run.
    let draws_findings = arguments.output_format == render::OutputFormat::Full
        && !arguments.statistics
        && !describes_everything;
    let cache_location = (!arguments.no_cache)
        .then(|| speclint::source::cache::CacheLocation::create(&settings.project_root, &settings))
        .flatten();
    let drawings_path = cache_location
        .as_ref()
        .filter(|_| draws_findings)
        .map(|location| location.file(render::drawings::file_kind(colors)));
    // The output of the last run is kept for a run that finds nothing changed
    // (`check::kept_output`), except where the output depends on more than the files, the
    // settings and the command line: a baseline file, or git history.
    let baseline_in_use = arguments.baseline.as_ref().or(settings.baseline.as_ref());
    let keeps_output = !describes_everything
        && !arguments.statistics
        && arguments.changed_since.is_none()
        && baseline_in_use.is_none();
    let output_path = cache_location
        .as_ref()
        .filter(|_| keeps_output)
        .map(|location| location.file("output.bin"));
    let output_key = output_path
        .as_ref()
        .map(|_| output_key(arguments, &checked_dir, &settings, colors));
    let kept_output = output_path
        .as_deref()
        .zip(output_key)
        .and_then(|(path, key)| KeptOutput::open(path, key, &settings.project_root, &settings));
    // With the last run's drawings at hand, a run that reuses its findings may need no text:
    // it keeps their places only, and reads the texts (a second reuse) if some finding must
    // be drawn after all.
    let draws_from_kept = drawings_path.as_ref().is_some_and(|path| path.is_file());
    let reuse_findings = reuse_choice(arguments, draws_from_kept);
    let options_reusing = |reuse_findings: ReuseFindings| CheckOptions {
        cache: if arguments.no_cache {
            CacheUse::Disabled
        } else {
            CacheUse::Disk
        },
        baseline: match (&arguments.baseline, describes_everything) {
            (_, true) => BaselineChoice::Off,
            (Some(path), false) => BaselineChoice::File(path.clone()),
            (None, false) => BaselineChoice::FromSettings,
        },
        changed_since: if describes_everything {
            None
        } else {
            arguments.changed_since.clone()
        },
        reuse_findings,
        ..CheckOptions::default()
    };
    // The kept drawings are opened beside the check, on a thread of their own: opening reads
    // their index and checks them through one small buffer (tens of megabytes in a large
    // project), and a check that reuses its findings leaves a core idle for part of its
    // time. Taking drawings by key, which reads them whole, comes only after the check, so
    // it never adds to the check's peak of memory.
    // The kept output's text is checked on a thread of its own too.
    let (checked, kept_drawings, kept_text_checks_out) = std::thread::scope(|scope| {
        let opening = drawings_path
            .as_deref()
            .map(|path| scope.spawn(move || render::drawings::KeptDrawings::read(path)));
        let checking_text = kept_output
            .as_ref()
            .map(|kept| scope.spawn(move || kept.body_checks_out()));
        let options = CheckOptions {
            kept_output_print: kept_output.as_ref().map(KeptOutput::print),
            ..options_reusing(reuse_findings)
        };
        let checked = check(&checked_dir, &settings, &options);
        // A thread that panicked left no drawings: every finding is drawn.
        let kept_drawings = opening.and_then(|opening| opening.join().ok());
        let kept_text_checks_out =
            checking_text.is_some_and(|checking| checking.join().unwrap_or(false));
        (checked, kept_drawings, kept_text_checks_out)
    });
    let mut result = checked?;
    if result.output_kept
        && let Some((kept, path)) = kept_output.as_ref().zip(output_path.as_deref())
    {
        let drawings_as_kept = kept.drawings().is_none_or(|identity| {
            kept_drawings
                .as_ref()
                .and_then(|drawings| drawings.identity())
                == Some(identity)
        });
        if kept_text_checks_out && drawings_as_kept {
            if arguments.timings {
                print_timings(&result);
                if kept.drawings().is_some()
                    && let Some(drawings) = &kept_drawings
                {
                    let drawn = drawings.keys().len();
                    print_error(&format!(
                        "speclint: full output: {drawn} of {drawn} findings drawn as the last run drew them\n"
                    ));
                }
            }
            print_kept_output(kept, path, kept_drawings.as_ref())?;
            return Ok(if kept.has_errors() {
                ExitCode::from(EXIT_FINDINGS)
            } else {
                ExitCode::SUCCESS
            });
        }
        // The kept output did not check out: the run goes on as it would have without it,
        // and keeps its own.
        result = check(&checked_dir, &settings, &options_reusing(reuse_findings))?;
    }
    let drawings = kept_drawings
        .as_ref()
        .map(render::drawings::KeptDrawings::memo);
    let mut drawing_keys = drawings
        .as_ref()
        .map(|_| render::full::drawing_keys(&result, colors));
    // A run that reused its findings with their places only (`reuse_choice`) must read the
    // texts for a finding that has no kept drawing.
    if draws_from_kept
        && result.reused_findings()
        && !drawings
            .as_ref()
            .zip(drawing_keys.as_ref())
            .is_some_and(|(memo, keys)| render::full::all_kept(keys, memo))
    {
        result = check(
            &checked_dir,
            &settings,
            &options_reusing(ReuseFindings::WithTexts),
        )?;
        drawing_keys = drawings
            .as_ref()
            .map(|_| render::full::drawing_keys(&result, colors));
    }
    if let Some(prefix) = &arguments.path_prefix {
        result.path_prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix.clone()
        } else {
            format!("{prefix}/")
        };
    }
    if arguments.timings {
        print_timings(&result);
    }
    if arguments.list {
        print(&render::list::render(&result));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &arguments.write_baseline {
        let baseline = speclint::baseline::from_diagnostics(&result.graph.db, &result.diagnostics);
        write_file(path, &speclint::baseline::render(&baseline))?;
        print_error(&format!(
            "speclint: recorded {} findings in {}\n",
            baseline.entries.len(),
            path.display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = baseline_in_use {
        print_error(&format!(
            "speclint: the baseline {} hid {} finding{}\n",
            path.display(),
            result.baseline_hidden,
            if result.baseline_hidden == 1 { "" } else { "s" }
        ));
        print_error(&unmatched_baseline_note(&result, path));
    }
    if arguments.statistics {
        print(&render::statistics::render(&result));
        return Ok(exit_code(&result));
    }
    // The output is kept for the next run only when all of it was written.
    let kept_text = if arguments.output_format == render::OutputFormat::Full {
        let kept_for_run = drawings
            .as_ref()
            .zip(drawing_keys.as_ref())
            .map(|(memo, keys)| render::full::KeptForRun { memo, keys });
        let complete = print_pieces(render::render_pieces(
            &result,
            arguments.output_format,
            colors,
            kept_for_run,
        ))?;
        // The full format's kept output is the kept drawings, when they hold exactly this
        // run's drawings in order, and the summary after them.
        let kept_drawings = drawings.and_then(|drawings| {
            let stored = drawings.store();
            if arguments.timings {
                print_error(&format!(
                    "speclint: full output: {} of {} findings drawn as the last run drew them\n",
                    stored.count.kept, stored.count.drawn
                ));
            }
            stored.identity
        });
        kept_drawings
            .filter(|_| complete)
            .map(|identity| (Some(identity), render::full::summary_text(&result)))
    } else {
        let text = render::render(&result, arguments.output_format, colors);
        let complete = print_pieces(std::iter::once(render::Piece::Text(
            std::borrow::Cow::Borrowed(text.as_bytes()),
        )))?;
        complete.then_some((None, text))
    };
    if let Some(((drawings, text), (path, key))) =
        kept_text.zip(output_path.as_deref().zip(output_key))
        && let Some(findings) = &result.stored_findings
    {
        kept_output::store(
            path,
            key,
            findings,
            &kept_output::PrintedOutput {
                has_errors: result.has_errors(),
                drawings,
                text: text.as_bytes(),
            },
        );
    }
    let code = exit_code(&result);
    // The process ends next, and the system takes its memory back at once: freeing a graph of
    // a hundred thousand eval cases item by item first would only cost time.
    std::mem::forget(result);
    Ok(code)
}

/// How a run may reuse the last run's findings: with the texts of the files they point into
/// when its output shows source lines it will not find drawn already (`draws_from_kept`).
fn reuse_choice(arguments: &CheckArgs, draws_from_kept: bool) -> ReuseFindings {
    if arguments.list {
        // A listing describes every requirement and passage: it needs the whole graph.
        return ReuseFindings::Never;
    }
    let shows_source_lines = arguments.output_format.reads_source_text()
        && !arguments.statistics
        && arguments.write_baseline.is_none();
    if shows_source_lines && !draws_from_kept {
        ReuseFindings::WithTexts
    } else {
        ReuseFindings::PlacesOnly
    }
}

fn exit_code(result: &CheckResult) -> ExitCode {
    if result.has_errors() {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Says which baseline entries no longer match a finding; empty when all do.
fn unmatched_baseline_note(result: &CheckResult, path: &Path) -> String {
    let unmatched = &result.unmatched_baseline;
    if unmatched.is_empty() {
        return String::new();
    }
    let (entries, verb) = if unmatched.len() == 1 {
        ("entry", "matches")
    } else {
        ("entries", "match")
    };
    let mut note = format!(
        "speclint: {} baseline {entries} no longer {verb} any finding; run with --write-baseline {} to shrink it:\n",
        unmatched.len(),
        path.display()
    );
    for entry in unmatched {
        note.push_str(&format!(
            "  {} {} {}\n",
            entry.rule, entry.path, entry.requirement
        ));
    }
    note
}

/// The checked directory and its settings.
fn prepare(
    path: Option<&PathBuf>,
    config: Option<&Path>,
    colors: Colors,
) -> Result<(PathBuf, Settings), Error> {
    let checked_dir = path.cloned().unwrap_or_else(|| PathBuf::from("."));
    if !checked_dir.is_dir() {
        return Err(Error::NotADirectory(checked_dir));
    }
    let settings =
        speclint::config::load_settings(&checked_dir, config).map_err(|error| Error::Config {
            error: Box::new(error),
            colors,
        })?;
    Ok((checked_dir, settings))
}

fn run_lock(arguments: &LockArgs) -> Result<ExitCode, Error> {
    let (checked_dir, settings) = prepare(
        arguments.path.as_ref(),
        arguments.config.as_deref(),
        Colors::Disabled,
    )?;
    let accepts = speclint::lock::Accepts {
        selected: arguments.accept.clone(),
        all: arguments.accept_all,
    };
    let outcome = speclint::lock::update_lock(&checked_dir, &settings, &accepts)?;
    let update = &outcome.update;
    print(&format!(
        "{}: {} links recorded, {} accepted, {} removed, {} still stale\n",
        outcome.path.display(),
        update.added,
        update.accepted,
        update.removed,
        update.still_stale
    ));
    Ok(ExitCode::SUCCESS)
}

/// A plain check of a directory, for the commands built on one (`report`, `link`).
fn checked(path: Option<&PathBuf>, config: Option<&Path>) -> Result<CheckResult, Error> {
    let (checked_dir, settings) = prepare(path, config, Colors::Disabled)?;
    Ok(check(&checked_dir, &settings, &CheckOptions::default())?)
}

fn run_link(arguments: &LinkArgs) -> Result<ExitCode, Error> {
    let options = speclint::link::LinkOptions {
        min_confidence: arguments.min_confidence,
        requirement: arguments.requirement.clone(),
    };
    if !arguments.write {
        let result = checked(arguments.path.as_ref(), arguments.config.as_deref())?;
        let suggestions = speclint::link::suggest(&result.graph, &options);
        print(&render::link::render(
            &result.graph,
            &suggestions,
            arguments.output_format,
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let (checked_dir, settings) = prepare(
        arguments.path.as_ref(),
        arguments.config.as_deref(),
        Colors::Disabled,
    )?;
    let mut plan = speclint::link_write::plan_until_stable(&checked_dir, &settings, &options)?;
    if arguments.dry_run {
        print(&render::link::diff(&plan));
        return Ok(ExitCode::SUCCESS);
    }
    // A file changed since it was read, or not valid UTF-8 (read only up to its first invalid
    // byte), is left alone: writing it would lose what speclint did not see.
    let mut unchanged = Vec::new();
    for change in std::mem::take(&mut plan.changes) {
        match std::fs::read(&change.absolute_path) {
            Ok(bytes) if bytes == change.before.as_bytes() => unchanged.push(change),
            _ => plan.skipped.push((
                change.path.clone(),
                "*".to_owned(),
                "the file changed since it was read, or is not valid UTF-8".to_owned(),
            )),
        }
    }
    plan.changes = unchanged;
    for change in &plan.changes {
        write_file(&change.absolute_path, &change.after)?;
    }
    print(&render::link::written(&plan));
    Ok(ExitCode::SUCCESS)
}

fn run_init(arguments: &InitArgs) -> Result<ExitCode, Error> {
    let directory = arguments.path.clone().unwrap_or_else(|| PathBuf::from("."));
    if !directory.is_dir() {
        return Err(Error::NotADirectory(directory));
    }
    let existing = if arguments.force {
        speclint::init::Existing::Replace
    } else {
        speclint::init::Existing::Keep
    };
    let outcome = speclint::init::init(&directory, existing)?;
    print(&outcome.summary);
    Ok(ExitCode::SUCCESS)
}

fn run_report(arguments: &ReportArgs) -> Result<ExitCode, Error> {
    let result = checked(arguments.path.as_ref(), arguments.config.as_deref())?;
    let matrix = speclint::report::matrix(&result);
    let text = render::report::render(&matrix, arguments.format);
    match &arguments.output {
        Some(path) => write_file(path, &text)?,
        None => print(&text),
    }
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    speclint::atomic_write::write_atomically(path, text).map_err(|error| Error::Write {
        path: path.to_path_buf(),
        error,
    })
}

/// Writes to stdout, ignoring a closed pipe (`speclint check | head`).
fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes `pieces` to stdout in order through one buffer, freeing each once written; whether
/// all of them were written (`false` when the output was closed, as by a pager that quit).
fn print_pieces<'a>(pieces: impl Iterator<Item = render::Piece<'a>>) -> Result<bool, Error> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    for piece in pieces {
        let written = match piece {
            render::Piece::Text(text) => stdout.write_all(&text).is_ok(),
            render::Piece::KeptDrawings(kept) => copied(kept.write_all_to(&mut stdout), |error| {
                Error::KeptDrawings {
                    path: kept.path().to_path_buf(),
                    error,
                }
            })?,
        };
        // A closed stdout (a pager that quit) ends the output, not the run.
        if !written {
            return Ok(false);
        }
    }
    Ok(stdout.flush().is_ok())
}

/// Whether a copy of kept bytes to stdout went through (`false` when the output was closed);
/// any other failure is the error `failed` makes of it, since the output stops short.
fn copied(
    copy: Result<(), render::drawings::WriteError>,
    failed: impl FnOnce(std::io::Error) -> Error,
) -> Result<bool, Error> {
    match copy {
        Ok(()) => Ok(true),
        Err(render::drawings::WriteError::OutputClosed(_)) => Ok(false),
        Err(render::drawings::WriteError::CopyFailed(error)) => Err(failed(error)),
    }
}

/// Writes the output the last run kept (`check::kept_output`) to stdout: the kept drawings it
/// starts with, if any, and its text.
fn print_kept_output(
    kept: &KeptOutput,
    path: &Path,
    drawings: Option<&render::drawings::KeptDrawings>,
) -> Result<(), Error> {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    if kept.drawings().is_some()
        && let Some(drawings) = drawings
    {
        let written = copied(drawings.write_all_to(&mut stdout), |error| {
            Error::KeptDrawings {
                path: drawings.path().to_path_buf(),
                error,
            }
        })?;
        // A closed stdout (a pager that quit) ends the output, not the run.
        if !written {
            return Ok(());
        }
    }
    copied(kept.write_text_to(&mut stdout), |error| Error::KeptOutput {
        path: path.to_path_buf(),
        error,
    })?;
    let _ = stdout.flush();
    Ok(())
}

/// Prints what each phase of the check cost (`--timings`) to stderr.
fn print_timings(result: &CheckResult) {
    for (phase, duration) in &result.timings {
        print_error(&format!(
            "speclint: {phase}: {:.1} ms\n",
            duration.as_secs_f64() * 1000.0
        ));
    }
    if let Some(FilesRead { read, walked }) = result.files_read {
        print_error(&format!(
            "speclint: load: {read} of {walked} walked files read and hashed; the rest were known by their unchanged stamps\n"
        ));
    }
    if let Some(RuleChecks { done_again, total }) = result.rule_checks {
        print_error(&format!(
            "speclint: rule memo: {done_again} of {total} checks (a rule over one requirement or file) done again; the rest kept\n"
        ));
    }
    for timing in &result.format_timings {
        print_error(&format!(
            "speclint: load {}: {} files ({} from the cache), {:.2} MB, {:.1} ms of CPU\n",
            timing.format,
            timing.files,
            timing.cached,
            timing.bytes as f64 / 1_000_000.0,
            timing.cpu.as_secs_f64() * 1000.0
        ));
    }
}

/// The key of what decides this run's output besides the project's files and settings
/// (`check::kept_output`): every argument but `--timings` (which only adds lines to stderr),
/// the colours, the checked folder and the working directory, and the repository prefix that
/// CI formats put before paths.
fn output_key(
    arguments: &CheckArgs,
    checked_dir: &Path,
    settings: &Settings,
    colors: Colors,
) -> OutputKey {
    let arguments = format!(
        "{:?}",
        CheckArgs {
            timings: false,
            ..arguments.clone()
        }
    );
    let checked_dir = std::path::absolute(checked_dir).unwrap_or_else(|_| checked_dir.into());
    let working_dir = std::env::current_dir().unwrap_or_default();
    let colors = format!("{colors:?}");
    let repository_prefix = speclint::check::repository_prefix(&settings.project_root);
    OutputKey::of(&[
        arguments.as_bytes(),
        colors.as_bytes(),
        checked_dir.as_os_str().as_encoded_bytes(),
        working_dir.as_os_str().as_encoded_bytes(),
        repository_prefix.as_bytes(),
    ])
}

/// Writes to stderr, ignoring a closed stream (an editor that went away).
fn print_error(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// The process's peak resident memory (`VmHWM` in `/proc/self/status`), on Linux; `None`
/// elsewhere. `--timings` prints it, and the targets benchmark reads it.
fn peak_memory_megabytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kilobytes: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kilobytes / 1000.0)
}

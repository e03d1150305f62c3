//! The output a run printed, kept for the next run that finds nothing changed: such a run
//! walks the project and compares it with the print kept with the output (as a run that
//! reuses its findings does, `check::result_cache`), and then writes the kept output out as it
//! is, without decoding the findings, placing them or drawing anything.
//!
//! The output lives at `.speclint_cache/v<version>/<settings key>.output.bin`, one per settings
//! key: the output of the last run that printed one. It is a
//! [`crate::source::checked_file`] whose head says what the output was made from and whose
//! body is the output's text; the full format's findings stay in the kept drawings
//! (`render::drawings`), which the head names by their identity, and the body holds the
//! summary after them. A kept output is used only when
//!
//! - its key is the run's: a hash of everything besides the files and the settings that
//!   decides the output (`main` makes it from the command line, the colours, the checked
//!   folder, the working directory and the repository prefix; see [`OutputKey`]),
//! - the stored findings file is the one that was there when the output was kept (by its
//!   stamp): a run that stored findings without keeping its output (one with a baseline or
//!   `--statistics`, or whose output was cut short) leaves a kept output that speaks for older
//!   findings, and then the findings are reused instead, or the project checked,
//! - the project gives the same print,
//! - and its head and body check out, and the kept drawings it names are the ones on disk.
//!
//! Otherwise the run goes on as it would have (it reuses the findings or checks the project),
//! and keeps its own output for the next run. A run with a baseline, `--changed-since`,
//! `--list`, `--statistics` or `--write-baseline` neither reads nor keeps one.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::settings::Settings;
use crate::source::checked_file::{CheckedFile, CopyError};
use crate::source::project_print::ProjectPrint;
use crate::source::stamp::FileStamp;

/// The first bytes of a kept output.
const OUTPUT_MAGIC: &[u8] = b"speclint-output\x001\n";

/// The largest kept output read: a run's output is tens of megabytes at most (SARIF of a
/// hundred thousand eval cases), and anything longer is not speclint's.
const MAX_OUTPUT_BYTES: u64 = 1 << 30;

/// A hash of everything besides the project's files and settings that decides what a run
/// prints (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputKey(u128);

impl OutputKey {
    /// The key of these parts, each taken with its length so that no two lists of parts
    /// run together into one.
    pub fn of(parts: &[&[u8]]) -> OutputKey {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        for part in parts {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        OutputKey(hasher.digest128())
    }
}

/// The findings a check stored, or reused, for the next run: the print of what they were
/// made from, and the stamp of their file after this run. An output kept beside them speaks
/// for them ([`store`]).
#[derive(Clone, Debug)]
pub struct StoredFindings {
    pub(crate) print: ProjectPrint,
    pub(crate) stamp: FileStamp,
}

impl StoredFindings {
    /// The findings stored at `path` as the file is on disk now, made from what `print`
    /// describes; `None` when there is no file.
    pub(crate) fn at(path: &Path, print: ProjectPrint) -> Option<Self> {
        let stamp = FileStamp::of(&std::fs::metadata(path).ok()?)?;
        Some(StoredFindings { print, stamp })
    }
}

/// The head of a kept output; its print is borrowed when it is written.
#[derive(Serialize, Deserialize)]
struct Head<P> {
    key: u128,
    /// The stamp of the stored findings file when the output was kept.
    findings: FileStamp,
    print: P,
    /// Whether the output had findings at the error level (the exit code).
    has_errors: bool,
    /// The identity of the kept drawings written out before the body (the full format).
    drawings: Option<u128>,
}

/// A kept output whose head checked out and whose key and findings are the run's.
pub struct KeptOutput {
    file: CheckedFile,
    print: Arc<ProjectPrint>,
    has_errors: bool,
    drawings: Option<u128>,
}

impl KeptOutput {
    /// The output kept at `path`, when it was made under `key` from the findings stored now
    /// for the project at `root`; its body is not read yet ([`KeptOutput::body_checks_out`]).
    pub fn open(
        path: &Path,
        key: OutputKey,
        root: &Path,
        settings: &Settings,
    ) -> Option<KeptOutput> {
        let file = CheckedFile::open_head(path, OUTPUT_MAGIC, MAX_OUTPUT_BYTES)?;
        let head: Head<ProjectPrint> = postcard::from_bytes(file.head()).ok()?;
        if head.key != key.0 {
            return None;
        }
        let findings_path = super::result_cache::findings_path(root, settings)?;
        let findings = FileStamp::of(&std::fs::metadata(findings_path).ok()?)?;
        if findings != head.findings {
            return None;
        }
        Some(KeptOutput {
            file,
            print: Arc::new(head.print),
            has_errors: head.has_errors,
            drawings: head.drawings,
        })
    }

    /// The print of what the output was made from, for [`crate::check::CheckOptions`].
    pub fn print(&self) -> Arc<ProjectPrint> {
        Arc::clone(&self.print)
    }

    /// Whether the output had findings at the error level.
    pub fn has_errors(&self) -> bool {
        self.has_errors
    }

    /// The identity of the kept drawings the output starts with, if it does.
    pub fn drawings(&self) -> Option<u128> {
        self.drawings
    }

    /// Whether the kept text is whole, read through a small buffer.
    pub fn body_checks_out(&self) -> bool {
        self.file.body_checks_out()
    }

    /// Writes the kept text to `out` (see [`CheckedFile::copy_body_to`]).
    pub fn write_text_to(&self, out: &mut impl std::io::Write) -> Result<(), CopyError> {
        self.file.copy_body_to(out)
    }
}

/// What a run printed, as [`store`] keeps it.
pub struct PrintedOutput<'a> {
    pub has_errors: bool,
    /// The identity of the kept drawings the output started with, if it did.
    pub drawings: Option<u128>,
    /// Everything the output holds after them.
    pub text: &'a [u8],
}

/// Keeps `printed`, made under `key` from `findings`, at `path` for the next run. An output
/// that cannot be kept only costs the next run its speed.
pub fn store(path: &Path, key: OutputKey, findings: &StoredFindings, printed: &PrintedOutput<'_>) {
    let head = Head {
        key: key.0,
        findings: findings.stamp,
        print: &findings.print,
        has_errors: printed.has_errors,
        drawings: printed.drawings,
    };
    let Ok(head) = postcard::to_allocvec(&head) else {
        return;
    };
    crate::source::checked_file::write_checked(path, OUTPUT_MAGIC, &head, &[printed.text]);
}

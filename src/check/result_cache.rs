//! Findings reused as they are: `speclint check` stores its findings (before the baseline and
//! `--changed-since`, which apply to every run) beside the parse cache, with a
//! [`ProjectPrint`] of everything the run read. A later run that walks and hashes the project
//! and finds the same print (same settings, same walked files with the same contents,
//! same files read beyond the walk, every reference resolving as before) could find nothing
//! else, so it renders the stored findings without parsing a file or running a rule.
//!
//! The stored file lives at `.speclint_cache/v<version>/<settings key>.findings.bin`, sealed
//! like the parse cache (header, checksum); one that does not decode, names a rule this build
//! does not have, or points outside its files is ignored, and the run checks everything.
//! Places are stored as byte offsets and the index of a project-relative path in the list of
//! files the findings point into, since file IDs change from run to run.
//!
//! An output that shows no source lines (every format but the full one, and baselines) needs
//! only the lines, columns and flagged texts of the findings' places: those are stored too
//! ([`KnownPlaces`]), and such a run keeps no file's text. With the stamps in the print, it
//! does not even read a file that has settled and whose stamp is unchanged
//! ([`crate::source::stamp`]).

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::check::ReuseFindings;
use crate::diagnostic::{Diagnostic, StoredDiagnostic};
use crate::graph::{FileSummary, Graph, SkippedFile};
use crate::settings::Settings;
use crate::source::project_print::{FilesRead, KeptTexts, ProjectPrint};
use crate::source::{Format, Role};
use crate::source_db::{FileId, KnownPlaces, SourceDb, Span};

/// The first bytes of the stored findings.
const FINDINGS_MAGIC: &[u8] = b"speclint-findings\x005\n";

/// How many bytes of stored findings are read, decoded and built in the time one thread
/// lists a folder with its ignore files: about half a megabyte per millisecond against 13 µs
/// a folder on the development machine, both bound by the processor rather than the disk
/// (`bench/README.md`, "Nineteenth pass").
const STORED_BYTES_PER_FOLDER: u64 = 6 * 1024;

/// How many requirements, prompt passages and eval cases a check read (the summary line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub requirements: usize,
    pub passages: usize,
    pub eval_cases: usize,
}

impl Totals {
    pub fn of(graph: &Graph) -> Totals {
        Totals {
            requirements: graph.requirements.len(),
            passages: graph.passages.len(),
            eval_cases: graph.eval_cases.len(),
        }
    }
}

/// A place in a file: the index of its path in [`FindingsHead::shown_files`] and its byte
/// offsets.
type Place = (u32, usize, usize);

/// A file's summary; `S` is its paths' text, owned when stored and borrowed from the stored
/// bytes when read.
#[derive(Serialize, Deserialize)]
struct StoredSummary<S> {
    path: S,
    role: Role,
    format: Format,
    read_through: Option<S>,
    requirements: usize,
    passages: usize,
    eval_cases: usize,
    eval_runs: usize,
}

/// The stored findings: a head that a run compares with the project, then the findings'
/// places, which only a run whose output shows no source lines decodes (it then keeps no
/// text), and a body; the head, the places and the body are decoded while the project is
/// walked. The three are encoded one after the other, the places as a run of bytes of
/// known length so that the body can be found without decoding them.
#[derive(Serialize)]
struct StoredFindings<'a> {
    head: &'a FindingsHead,
    /// A `Vec<KnownPlaces>`, encoded: what the findings' places are, by shown file (same
    /// order as `shown_files`).
    #[serde(with = "serde_bytes")]
    places: Vec<u8>,
    body: &'a FindingsBody<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct FindingsHead {
    print: ProjectPrint,
    /// The files the findings point into, by project-relative path, sorted: the only texts
    /// a run that reuses the findings may keep.
    shown_files: Vec<String>,
}

/// What a run stores of its graph and findings. `S` is its texts: owned when stored, and
/// borrowed from the stored bytes when read, so that a text is copied only into what uses it.
#[derive(Serialize, Deserialize)]
struct FindingsBody<S> {
    /// The folders the settings were resolved against: a copied project is checked again.
    project_root: S,
    base_dir: S,
    files: Vec<StoredSummary<S>>,
    skipped: Vec<(S, S)>,
    totals: Totals,
    diagnostics: Vec<StoredDiagnostic<Place, S>>,
}

/// What a run that reuses stored findings has: the project's file list with the texts or the
/// known places of the files the findings point into (enough for the output asked for), the
/// totals and the findings.
pub(crate) struct Reused {
    pub graph: Graph,
    pub totals: Totals,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the stored findings were written again with the stamps of files that
    /// settled since they were stored.
    pub stamps_refreshed: bool,
    /// How many of the walked files were read and hashed.
    pub files_read: FilesRead,
    /// The reused findings as they are stored now (with their stamps refreshed, if they were).
    pub stored_findings: Option<crate::check::kept_output::StoredFindings>,
}

/// The parts of stored findings a run that reuses them needs, decoded; the texts are
/// borrowed from the stored bytes.
struct StoredParts<'a> {
    /// Kept whole: a run that stores new stamps writes it again.
    head: FindingsHead,
    /// The encoded places and body after the head, which such a run writes again as they are.
    after_head: &'a [u8],
    /// The body, its findings taken out into `unplaced`.
    body: FindingsBody<&'a str>,
    /// The findings, built before the project's files have IDs: each span's file is the
    /// index of its path in [`FindingsHead::shown_files`] until [`place_spans`] gives it the ID.
    unplaced: Vec<Diagnostic>,
    /// The places of the shown files, when the run keeps places only; empty otherwise.
    places: Vec<KnownPlaces>,
}

/// What taking the project's hash needs from the head of the stored findings: the stamps
/// of its settled files, and the files whose texts the run keeps.
struct PrintInputs {
    settled: Vec<crate::source::project_print::SettledFile>,
    kept: std::collections::HashSet<String>,
}

/// Reads the stored findings at `path` into `storage` and decodes them, the places only
/// when `places_only`; `None` when they cannot be read or do not decode. What the project's
/// hash needs is sent through `head_sender` once the head is decoded.
fn read_stored<'a>(
    path: &Path,
    storage: &'a mut Option<crate::source::cache::SealedBody>,
    places_only: bool,
    head_sender: std::sync::mpsc::SyncSender<PrintInputs>,
) -> Option<StoredParts<'a>> {
    let sealed: &'a [u8] = storage.insert(crate::source::cache::read_sealed(path, FINDINGS_MAGIC)?);
    let (head, after_head): (FindingsHead, &[u8]) = postcard::take_from_bytes(sealed).ok()?;
    // A run whose output shows no source lines keeps no text.
    let kept = if places_only {
        std::collections::HashSet::new()
    } else {
        head.shown_files.iter().cloned().collect()
    };
    // The receiver is gone only if the walk panicked; the decoding goes on regardless.
    let _ = head_sender.send(PrintInputs {
        settled: head.print.settled.clone(),
        kept,
    });
    let (places_bytes, body_bytes): (&[u8], &[u8]) = postcard::take_from_bytes(after_head).ok()?;
    let (body, places) = rayon::join(
        || {
            let mut body = postcard::from_bytes::<FindingsBody<&str>>(body_bytes).ok()?;
            let unplaced = unplaced_findings(std::mem::take(&mut body.diagnostics))?;
            Some((body, unplaced))
        },
        || {
            if places_only {
                postcard::from_bytes::<Vec<KnownPlaces>>(places_bytes).ok()
            } else {
                Some(Vec::new())
            }
        },
    );
    let (body, unplaced) = body?;
    Some(StoredParts {
        head,
        after_head,
        body,
        unplaced,
        places: places?,
    })
}

/// The stored findings as findings, each span's file being the index of its path among the
/// shown files; `None` when a finding names a rule this build does not have.
///
/// They are built while the project is walked, before its files have IDs: building them
/// (copying their texts) is most of what reusing findings costs beside the walk.
fn unplaced_findings(stored: Vec<StoredDiagnostic<Place, &str>>) -> Option<Vec<Diagnostic>> {
    // Built side by side into a vector of their known length, which the check that each
    // was built then reuses in place.
    let built: Vec<Option<Diagnostic>> = stored
        .into_par_iter()
        .map(|diagnostic| {
            diagnostic.into_diagnostic(
                crate::rules::registry::code_and_name,
                |(index, start, end)| Some(Span::new(FileId(index), start, end)),
            )
        })
        .collect();
    built.into_iter().collect()
}

/// Gives each span of `diagnostic` (see [`StoredParts::unplaced`]) its file's ID; `false`
/// when a span points outside the shown files or into a place `db` does not know.
fn place_spans(diagnostic: &mut Diagnostic, shown_ids: &[FileId], db: &SourceDb) -> bool {
    // A place outside the shown files would point into a text that was not kept.
    let placed = |span: Span| {
        let id = *shown_ids.get(usize::try_from(span.file.0).ok()?)?;
        let span = Span::new(id, span.start(), span.end());
        span_fits(db, span).then_some(span)
    };
    let Some(span) = placed(diagnostic.span) else {
        return false;
    };
    diagnostic.span = span;
    for related in &mut diagnostic.related {
        let Some(span) = placed(related.span) else {
            return false;
        };
        related.span = span;
    }
    true
}

pub(crate) fn findings_path(root: &Path, settings: &Settings) -> Option<std::path::PathBuf> {
    let location = crate::source::cache::CacheLocation::create(root, settings)?;
    Some(location.file("findings.bin"))
}

/// The stored findings, when nothing they depend on changed, with the texts of the files
/// they point into or with their places only (`with`).
pub(crate) fn reuse(root: &Path, settings: &Settings, with: ReuseFindings) -> Option<Reused> {
    let path = findings_path(root, settings)?;
    // Without stored findings there is nothing to walk for.
    let stored_length = std::fs::metadata(&path)
        .ok()
        .filter(std::fs::Metadata::is_file)?
        .len();
    // The thread that reads the stored findings is busy for a time that grows with their
    // length; a walk that ends within it costs no time on the other thread.
    let folders_on_this_thread =
        usize::try_from(stored_length / STORED_BYTES_PER_FOLDER).unwrap_or(usize::MAX);
    let places_only = with == ReuseFindings::PlacesOnly;
    // One thread reads the stored findings and decodes them; the other walks the project,
    // then takes its files' hash with the stamps stored in the head, which the first thread
    // sends as soon as it has decoded it. When that thread is done, it helps with the hash.
    // The walk may wait for the head, never the other way round: the reading closure runs
    // first on the calling thread and sends or drops the head before it decodes anything
    // else, so on one thread (`RAYON_NUM_THREADS=1`) the two closures run in turn.
    let (head_sender, head_receiver) = std::sync::mpsc::sync_channel(1);
    let mut sealed_storage = None;
    let (stored, printed) = rayon::join(
        || read_stored(&path, &mut sealed_storage, places_only, head_sender),
        move || {
            let project =
                crate::source::project_print::walk_project(root, settings, folders_on_this_thread);
            // The sender is dropped unsent when the findings cannot be read.
            let PrintInputs { settled, kept } = head_receiver.recv().ok()?;
            Some(crate::source::project_print::print_walked(
                project,
                &settled,
                &KeptTexts::Only(&kept),
            ))
        },
    );
    let StoredParts {
        mut head,
        after_head: rest,
        body: stored,
        unplaced: mut diagnostics,
        places,
    } = stored?;
    if (places_only && places.len() != head.shown_files.len())
        || *stored.project_root != *settings.project_root.to_string_lossy()
        || *stored.base_dir != *settings.base_dir.to_string_lossy()
    {
        return None;
    }
    let unchanged = crate::source::project_print::unchanged_since(printed?, &head.print)?;
    let table = unchanged.table;
    let checked_dir = table.checked_dir().to_path_buf();
    // Walked files and dependencies are known by path; any other path (none is expected) is
    // looked up in the table, and one that no longer names the same file is a miss.
    let known_ids = unchanged.ids;
    let mut other_ids: rustc_hash::FxHashMap<String, Option<FileId>> =
        rustc_hash::FxHashMap::default();
    let mut file_of = |path: &str| -> Option<FileId> {
        if let Some(&known) = known_ids.get(path) {
            return Some(known);
        }
        if let Some(&looked_up) = other_ids.get(path) {
            return looked_up;
        }
        let id = table.intern(&checked_dir.join(path));
        let found = (table.relative_path(id) == path).then_some(id);
        other_ids.insert(path.to_owned(), found);
        found
    };
    let mut files = Vec::with_capacity(stored.files.len());
    for summary in stored.files {
        files.push(FileSummary {
            file: file_of(summary.path)?,
            role: summary.role,
            format: summary.format,
            read_through: match summary.read_through {
                Some(path) => Some(file_of(path)?),
                None => None,
            },
            requirements: summary.requirements,
            passages: summary.passages,
            eval_cases: summary.eval_cases,
            eval_runs: summary.eval_runs,
        });
    }
    let mut skipped = Vec::with_capacity(stored.skipped.len());
    for (path, reason) in stored.skipped {
        skipped.push(SkippedFile {
            file: file_of(path)?,
            reason: reason.to_owned(),
        });
    }
    let shown_ids: Vec<FileId> = head
        .shown_files
        .iter()
        .map(|path| file_of(path))
        .collect::<Option<_>>()?;
    let mut db = table.into_db();
    if places_only {
        for (&id, places) in shown_ids.iter().zip(places) {
            if !db.keep_places_only(id, places) {
                return None;
            }
        }
    }
    if !diagnostics
        .par_iter_mut()
        .all(|diagnostic| place_spans(diagnostic, &shown_ids, &db))
    {
        return None;
    }
    // Files read now because their stamps were missing or had changed, and settled since,
    // are stored with their new stamps, so that the next run need not read them: the head
    // is written again in front of the places and the body as they were stored.
    let stamps_refreshed = unchanged.settled_since.is_some();
    if let Some(settled) = unchanged.settled_since {
        head.print.settled = settled;
        crate::source::cache::write_sealed_with_tail(&path, FINDINGS_MAGIC, &head, rest);
    }
    let stored_findings = crate::check::kept_output::StoredFindings::at(&path, head.print);
    Some(Reused {
        graph: Graph {
            db,
            files,
            skipped,
            ..Graph::default()
        },
        totals: stored.totals,
        diagnostics,
        stamps_refreshed,
        files_read: unchanged.files_read,
        stored_findings,
    })
}

/// What the project's walk gives against a print.
pub(crate) enum AgainstPrint {
    /// The same print: the project's files (boxed: ten times the size of the other variant).
    Unchanged(Box<crate::source::project_print::UnchangedProject>),
    /// Another print: the walked files, for the load that follows.
    Changed(Vec<crate::source::discover::WalkedFile>),
}

/// Whether the project's walk gives `print` (the print kept with the last run's output); the
/// walk keeps no text, and reads no file whose stamp in `print` is unchanged.
pub(crate) fn against_print(
    root: &Path,
    settings: &Settings,
    print: &ProjectPrint,
) -> AgainstPrint {
    let (printed, walked) =
        crate::source::project_print::walk_and_print_unkept(root, settings, &print.settled);
    match crate::source::project_print::unchanged_since(printed, print) {
        Some(unchanged) => AgainstPrint::Unchanged(Box::new(unchanged)),
        None => AgainstPrint::Changed(walked),
    }
}

/// Stores the findings of a run that read `print`, for the next one, and says how they are
/// stored (an output kept now speaks for them); `None` when they could not be. A store that
/// fails only costs the next run its speed.
pub(crate) fn store(
    root: &Path,
    settings: &Settings,
    print: ProjectPrint,
    graph: &Graph,
    diagnostics: &[Diagnostic],
) -> Option<crate::check::kept_output::StoredFindings> {
    let path = findings_path(root, settings)?;
    let db: &SourceDb = &graph.db;
    let path_of = |file: FileId| db.path(file);
    let mut shown: Vec<(&str, FileId)> = diagnostics
        .iter()
        .flat_map(|diagnostic| {
            std::iter::once(diagnostic.span.file)
                .chain(diagnostic.related.iter().map(|related| related.span.file))
        })
        .map(|file| (path_of(file), file))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let places = known_places(db, &shown, diagnostics);
    let index_of: std::collections::HashMap<FileId, u32> = shown
        .iter()
        .zip(0..)
        .map(|(&(_, file), index)| (file, index))
        .collect();
    let head = FindingsHead {
        print,
        shown_files: shown.into_iter().map(|(path, _)| path.to_owned()).collect(),
    };
    // The body borrows its texts from the graph and the findings: it encodes as the owned
    // form that a later run decodes.
    let project_root = settings.project_root.to_string_lossy();
    let base_dir = settings.base_dir.to_string_lossy();
    let body = FindingsBody {
        project_root: &*project_root,
        base_dir: &*base_dir,
        files: graph
            .files
            .iter()
            .map(|summary| StoredSummary {
                path: path_of(summary.file),
                role: summary.role,
                format: summary.format,
                read_through: summary.read_through.map(path_of),
                requirements: summary.requirements,
                passages: summary.passages,
                eval_cases: summary.eval_cases,
                eval_runs: summary.eval_runs,
            })
            .collect(),
        skipped: graph
            .skipped
            .iter()
            .map(|skipped| (path_of(skipped.file), skipped.reason.as_str()))
            .collect(),
        totals: Totals::of(graph),
        diagnostics: diagnostics
            .iter()
            .map(|diagnostic| {
                StoredDiagnostic::from_diagnostic(diagnostic, |span| {
                    let index = index_of.get(&span.file).copied().unwrap_or(u32::MAX);
                    (index, span.start(), span.end())
                })
            })
            .collect(),
    };
    let places = postcard::to_allocvec(&places).ok()?;
    let stored = StoredFindings {
        head: &head,
        places,
        body: &body,
    };
    crate::source::cache::write_sealed(&path, FINDINGS_MAGIC, &stored);
    crate::check::kept_output::StoredFindings::at(&path, head.print)
}

/// What each of `shown_files` says of the places `diagnostics` point to in it: the ends of
/// every span, and the flagged text of each finding's own span (its fingerprint needs it).
fn known_places(
    db: &SourceDb,
    shown_files: &[(&str, FileId)],
    diagnostics: &[Diagnostic],
) -> Vec<KnownPlaces> {
    let mut spans_by_file: std::collections::HashMap<FileId, (Vec<Span>, Vec<Span>)> =
        std::collections::HashMap::new();
    for diagnostic in diagnostics {
        let (spans, flagged) = spans_by_file.entry(diagnostic.span.file).or_default();
        spans.push(diagnostic.span);
        flagged.push(diagnostic.span);
        for related in &diagnostic.related {
            spans_by_file
                .entry(related.span.file)
                .or_default()
                .0
                .push(related.span);
        }
    }
    shown_files
        .iter()
        .map(|(_, file)| {
            let (Some(source), Some((spans, flagged))) = (db.get(*file), spans_by_file.get(file))
            else {
                return KnownPlaces::default();
            };
            KnownPlaces::of(
                source,
                spans.iter().map(|span| (span.start(), span.end())),
                flagged.iter().map(|span| (span.start(), span.end())),
            )
        })
        .collect()
}

/// Whether `span` lies in its file's text, on character boundaries, or at places known for
/// a file whose text is not held.
fn span_fits(db: &SourceDb, span: Span) -> bool {
    db.get(span.file).is_some_and(|source| {
        if let Some(places) = source.known_places() {
            return span.start() <= span.end()
                && places.knows(span.start())
                && places.knows(span.end());
        }
        span.start() <= span.end()
            && source.text.is_char_boundary(span.start())
            && source.text.is_char_boundary(span.end())
    })
}

//! `speclint lsp`: a language server over stdio. Documents live in memory; every change runs the
//! same pipeline as `speclint check` over the whole workspace with the open buffers in place of
//! the files on disk, so editing a requirement updates the diagnostics of the prompts and evals
//! that reference it, open or not. The pipeline is incremental: unchanged files are neither read
//! again nor parsed again, the findings of requirements and files whose inputs did not change
//! are kept, and only diagnostics that changed are published (docs/performance.md). While the
//! client watches files for the server, an edit of a buffer patches the last graph instead of
//! loading the project again ([`crate::check::check_edited`]).
//!
//! Changes are debounced on both edges: a change after a quiet spell is checked at once (an
//! edit shows its diagnostics without delay), and the changes of a burst (typing) are merged
//! into one check once the client has been quiet for [`DEBOUNCE`], and before answering a
//! request.

use std::collections::{BTreeSet, HashMap};
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogTrace, Notification as _, PublishDiagnostics, SetTrace,
};
use lsp_types::request::{
    CodeActionRequest, Completion, GotoDefinition, HoverRequest, References, Request as _,
};
use lsp_types::{
    CodeActionParams, CodeActionProviderCapability, CompletionOptions, CompletionParams,
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    GotoDefinitionParams, HoverParams, HoverProviderCapability, InitializeParams, InitializeResult,
    LogTraceParams, OneOf, PublishDiagnosticsParams, ReferenceParams, ServerCapabilities,
    ServerInfo, SetTraceParams, TextDocumentSyncCapability, TextDocumentSyncKind, TraceValue, Uri,
};

use crate::check::CheckResult;
use crate::check::{CheckOptions, check};
use crate::config::{ConfigError, load_settings};
use crate::settings::Settings;
use crate::source::disk_state::DiskState;

pub mod features;
pub mod position;
pub mod transport;

use position::{offset, uri_path};
use transport::Incoming;

/// How long the client must be quiet before a re-lint during a burst of changes. Longer than
/// the gap between keystrokes of normal typing (60 to 120 ms), so a typed word costs one check.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// The print of an empty list of diagnostics, as published to clear a file.
const EMPTY_PRINT: u128 = 0;

/// What a URI shows in the client: the print of the findings it came from (see
/// [`crate::render::lsp::FileFindings`]) and the diagnostics as sent.
struct Published {
    print: u128,
    diagnostics: Vec<lsp_types::Diagnostic>,
}

struct Server {
    root: PathBuf,
    settings: Result<Settings, Box<ConfigError>>,
    /// Open buffers by absolute path.
    documents: HashMap<PathBuf, Arc<str>>,
    check: Option<CheckResult>,
    /// What each URI currently shows in the client: a file whose diagnostics did not change
    /// is not published again.
    published: HashMap<String, Published>,
    /// Parsed files kept between checks: an edit re-parses only the edited file.
    load_cache: Arc<crate::source::cache::MemoryCache>,
    /// Findings of per-requirement rules kept between checks: an edit re-checks only the
    /// requirements whose definitions or links changed.
    rule_memo: Arc<crate::check::RuleMemo>,
    /// Whether the client tells the server about every change on disk (it accepted the
    /// server's registration for `workspace/didChangeWatchedFiles`). Only then may an edit be
    /// checked without looking at the rest of the disk again.
    watching: bool,
    /// Whether the client said it can register file watchers on request.
    can_watch: bool,
    /// For a client that does not watch files: the disk as the last check saw it. An edit
    /// patches the last graph only when the disk still looks the same (see
    /// [`crate::source::disk_state`]).
    disk: Option<DiskState>,
    /// Whether the client asked for `$/logTrace` messages (`trace` in `initialize`,
    /// `$/setTrace`): then each check says how it was made and how long it took.
    trace: TraceValue,
    /// How long the last check spent comparing the disk with [`Server::disk`], for the trace.
    disk_time: Option<Duration>,
    /// Files whose buffers were opened, changed or closed since the last check.
    edited: BTreeSet<PathBuf>,
    /// Whether the next check must load the whole project: something may have changed on
    /// disk (a save, a watched file, new settings), or there is no previous check to patch.
    whole_project: bool,
    /// Off only when `SPECLINT_LSP_INCREMENTAL=0`: every change then re-reads, re-parses and
    /// re-checks everything, as the server did before it kept anything (for benchmarks).
    incremental: bool,
    dirty: bool,
    /// When the last change arrived: a change after a quiet spell is checked at once.
    last_change: Option<Instant>,
    output: std::io::Stdout,
}

/// How the server ended without a clean shutdown.
#[derive(Debug)]
pub enum LspError {
    /// `exit` arrived before `shutdown`.
    ExitBeforeShutdown,
    /// The client closed the stream without shutting the server down.
    Disconnected,
}

impl std::fmt::Display for LspError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            LspError::ExitBeforeShutdown => "exit before shutdown",
            LspError::Disconnected => "the client disconnected without shutting the server down",
        })
    }
}

impl std::error::Error for LspError {}

fn load_server_settings(root: &std::path::Path) -> Result<Settings, Box<ConfigError>> {
    load_settings(root, None).map_err(Box::new)
}

/// Runs the server until the client sends `exit` or closes stdin.
pub fn run_stdio() -> Result<(), LspError> {
    // Messages are stamped when they arrive, so that a burst is told from a quiet spell by
    // the client's timing, not by how long the server took to get to them.
    let (sender, receiver) = mpsc::channel::<(Instant, Incoming)>();
    std::thread::spawn(move || {
        let mut input = BufReader::new(std::io::stdin().lock());
        loop {
            let incoming = transport::read(&mut input);
            let closed = matches!(incoming, Incoming::Closed);
            if sender.send((Instant::now(), incoming)).is_err() || closed {
                return;
            }
        }
    });
    let mut server = Server {
        root: std::env::current_dir().unwrap_or_default(),
        settings: Err(Box::new(ConfigError {
            path: PathBuf::new(),
            text: String::new(),
            span: None,
            message: "not initialized".to_owned(),
            help: None,
        })),
        documents: HashMap::new(),
        check: None,
        published: HashMap::new(),
        load_cache: Arc::default(),
        rule_memo: Arc::default(),
        incremental: std::env::var("SPECLINT_LSP_INCREMENTAL").map_or(true, |value| value != "0"),
        watching: false,
        can_watch: false,
        disk: None,
        trace: TraceValue::Off,
        disk_time: None,
        edited: BTreeSet::new(),
        whole_project: true,
        dirty: false,
        last_change: None,
        output: std::io::stdout(),
    };
    let mut initialized = false;
    let mut shutting_down = false;
    loop {
        let (arrived, incoming) = if server.dirty {
            match receiver.recv_timeout(DEBOUNCE) {
                Ok(incoming) => incoming,
                Err(RecvTimeoutError::Timeout) => {
                    server.relint_and_publish();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return disconnected(shutting_down),
            }
        } else {
            match receiver.recv() {
                Ok(incoming) => incoming,
                Err(_) => return disconnected(shutting_down),
            }
        };
        let message = match incoming {
            Incoming::Closed => return disconnected(shutting_down),
            Incoming::Malformed(reason) => {
                server.send(transport::parse_error(reason));
                continue;
            }
            Incoming::Message(message) => message,
        };
        match message {
            Message::Request(request) => {
                if request.method == "initialize" {
                    let result = server.initialize(&request);
                    initialized = true;
                    server.send(Message::Response(result));
                    continue;
                }
                if !initialized {
                    server.error(
                        request.id,
                        ErrorCode::ServerNotInitialized,
                        "the server is not initialized yet",
                    );
                    continue;
                }
                if request.method == "shutdown" {
                    shutting_down = true;
                    server.send(Message::Response(Response::new_ok(
                        request.id,
                        serde_json::Value::Null,
                    )));
                    continue;
                }
                if shutting_down {
                    server.error(
                        request.id,
                        ErrorCode::InvalidRequest,
                        "the server is shutting down",
                    );
                    continue;
                }
                server.handle_request(request);
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return if shutting_down {
                        Ok(())
                    } else {
                        Err(LspError::ExitBeforeShutdown)
                    };
                }
                if initialized {
                    let was_dirty = server.dirty;
                    server.handle_notification(notification);
                    let changed = server.dirty && !was_dirty;
                    // The leading edge: a change after a quiet spell is checked at once; the
                    // changes that follow it closely wait for the burst to end.
                    let quiet = server
                        .last_change
                        .is_none_or(|last| arrived.duration_since(last) >= DEBOUNCE);
                    if server.dirty {
                        server.last_change = Some(arrived);
                    }
                    if changed && quiet {
                        server.relint_and_publish();
                    }
                }
            }
            Message::Response(response) => {
                if response.id == watch_request_id() && response.error.is_none() {
                    server.watching = true;
                }
            }
        }
    }
}

/// How a check after a change was made (said in `$/logTrace` when the client asks).
enum CheckMade {
    Patched,
    WholeProject,
    NotAtAll,
}

/// The ID of the server's request to watch the workspace's files.
fn watch_request_id() -> RequestId {
    RequestId::from("speclint/watch-files".to_owned())
}

/// The client closed the stream: a clean end after `shutdown`, an error otherwise.
fn disconnected(shutting_down: bool) -> Result<(), LspError> {
    if shutting_down {
        Ok(())
    } else {
        Err(LspError::Disconnected)
    }
}

impl Server {
    fn send(&mut self, message: Message) {
        // A client that went away is noticed by the reader; nothing to do here.
        let _ = transport::write(&mut self.output, &message);
    }

    fn error(&mut self, id: RequestId, code: ErrorCode, message: &str) {
        self.send(Message::Response(Response::new_err(
            id,
            code as i32,
            message.to_owned(),
        )));
    }

    fn initialize(&mut self, request: &Request) -> Response {
        let params: InitializeParams =
            serde_json::from_value(request.params.clone()).unwrap_or_default();
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .and_then(|folder| uri_path(&folder.uri))
            .or_else(|| params.root_uri.as_ref().and_then(uri_path))
            .or_else(|| params.root_path.as_ref().map(PathBuf::from));
        if let Some(root) = root {
            self.root = root;
        }
        self.settings = load_server_settings(&self.root);
        self.trace = params.trace.unwrap_or(TraceValue::Off);
        self.dirty = true;
        self.can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        let capabilities = ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![
                    "-".to_owned(),
                    " ".to_owned(),
                    "[".to_owned(),
                    "\"".to_owned(),
                ]),
                ..CompletionOptions::default()
            }),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        };
        let result = InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "speclint".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
        };
        Response::new_ok(request.id.clone(), result)
    }

    /// Asks the client to report every change to the workspace's files, so that an edit can be
    /// checked by patching the last graph (see [`Server::watching`]).
    fn watch_files(&mut self) {
        if !self.can_watch || !self.incremental {
            return;
        }
        let registration = lsp_types::Registration {
            id: "speclint-watch-files".to_owned(),
            method: DidChangeWatchedFiles::METHOD.to_owned(),
            register_options: serde_json::to_value(
                lsp_types::DidChangeWatchedFilesRegistrationOptions {
                    watchers: vec![lsp_types::FileSystemWatcher {
                        glob_pattern: lsp_types::GlobPattern::String("**/*".to_owned()),
                        kind: None,
                    }],
                },
            )
            .ok(),
        };
        let params = lsp_types::RegistrationParams {
            registrations: vec![registration],
        };
        self.send(Message::Request(Request::new(
            watch_request_id(),
            lsp_types::request::RegisterCapability::METHOD.to_owned(),
            params,
        )));
    }

    fn relint(&mut self) -> CheckMade {
        self.dirty = false;
        self.disk_time = None;
        let edited: Vec<PathBuf> = std::mem::take(&mut self.edited).into_iter().collect();
        let whole_project = std::mem::replace(&mut self.whole_project, false);
        let Ok(settings) = &self.settings else {
            return CheckMade::NotAtAll;
        };
        let options = CheckOptions {
            overlays: self.documents.clone(),
            cache: if self.incremental {
                crate::source::CacheUse::Memory(Arc::clone(&self.load_cache))
            } else {
                crate::source::CacheUse::Disabled
            },
            rule_memo: self.incremental.then(|| Arc::clone(&self.rule_memo)),
            ..CheckOptions::default()
        };
        // The project is the one the workspace folder belongs to (its speclint.toml or
        // repository), even when the editor opened a subfolder. The baseline speclint.toml
        // names applies here as in `speclint check`; one that cannot be read is left out
        // rather than leaving the editor without diagnostics.
        // Edits of buffers while nothing else changed patch the last graph; the rest loads the
        // whole project again.
        // A client that watches files says when the disk changes; for one that does not, the
        // server looks at the files' times and lengths, which costs a walk of the project.
        let root = &settings.project_root;
        let may_patch = self.incremental
            && !whole_project
            && !edited.is_empty()
            && (self.watching || self.disk.is_some());
        if may_patch && let Some(previous) = self.check.take() {
            let CheckResult {
                graph, diagnostics, ..
            } = previous;
            std::thread::spawn(move || drop(diagnostics));
            // For a client that does not watch files, the disk is compared with what the last
            // check saw on another thread while the patch is made; the patch is used only
            // when nothing changed there.
            let files_read = (!self.watching).then(|| DiskState::files_read(&graph.db));
            let (disk_now, patched) = std::thread::scope(|scope| {
                let looking = files_read.as_deref().map(|files_read| {
                    scope.spawn(move || {
                        let started = Instant::now();
                        let state = DiskState::now(root, settings, files_read, SystemTime::now());
                        (state, started.elapsed())
                    })
                });
                // A patch that went wrong would panic on an index rather than publish wrong
                // findings; the editor then gets a full check, not a dead server.
                let patched = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    crate::check::check_edited(
                        &settings.project_root,
                        settings,
                        &options,
                        graph,
                        &edited,
                    )
                }));
                (looking.and_then(|looking| looking.join().ok()), patched)
            });
            self.disk_time = disk_now.as_ref().map(|(_, time)| *time);
            let disk_now = disk_now.map(|(state, _)| state);
            let disk_unchanged = self.watching
                || match (&disk_now, &self.disk) {
                    (Some(now), Some(earlier)) => now.unchanged_since(earlier, |path| {
                        self.documents.contains_key(path)
                            || edited.iter().any(|edited| edited == path)
                    }),
                    _ => false,
                };
            match patched {
                Ok(Ok(result)) if disk_unchanged => {
                    self.check = Some(result);
                    // The patch read nothing else from the disk: what it looked like while
                    // the patch was made is what the new graph saw.
                    self.disk = disk_now;
                    return CheckMade::Patched;
                }
                Ok(Ok(result)) => {
                    std::thread::spawn(move || drop(result));
                }
                Ok(Err(graph)) => {
                    std::thread::spawn(move || drop(graph));
                }
                Err(_) => {}
            }
        }
        let check_started = SystemTime::now();
        // The previous result is large (every requirement, passage and eval case): it is freed
        // on another thread, so that the new diagnostics go out without waiting for it.
        if let Some(previous) = self.check.take() {
            std::thread::spawn(move || drop(previous));
        }
        self.check = match check(&settings.project_root, settings, &options) {
            Ok(result) => Some(result),
            Err(_) => {
                let without_baseline = CheckOptions {
                    baseline: crate::check::BaselineChoice::Off,
                    ..options
                };
                check(&settings.project_root, settings, &without_baseline).ok()
            }
        };
        // Taken after the check, so that it covers every file the check read; a file changed
        // since the check began is marked unknown, and the next edit loads the project again.
        self.disk = match (&self.check, self.watching || !self.incremental) {
            (Some(current), false) => Some(DiskState::now(
                root,
                settings,
                &DiskState::files_read(&current.graph.db),
                check_started,
            )),
            _ => None,
        };
        CheckMade::WholeProject
    }

    fn relint_and_publish(&mut self) {
        let started = Instant::now();
        let made = self.relint();
        let Some(check) = &self.check else {
            return;
        };
        let findings = crate::render::lsp::findings_by_file(check);
        let now: BTreeSet<&str> = findings
            .iter()
            .map(|findings| findings.uri.as_str())
            .collect();
        // Only what changed is sent: an edit that changes the findings of one file publishes
        // that file, not the thousands whose findings stayed the same. A file's findings are
        // converted only when their print changed.
        let mut published = HashMap::with_capacity(now.len());
        let mut changed = Vec::new();
        let mut previous = std::mem::take(&mut self.published);
        for file_findings in &findings {
            let uri = file_findings.uri.as_str().to_owned();
            let kept = previous.remove(&uri);
            let shown = match kept {
                Some(kept) if kept.print == file_findings.print => kept,
                kept => {
                    // The print changed, but the LSP form may not have (an edit elsewhere in a
                    // file the findings point into): it is compared before it is sent.
                    let param = crate::render::lsp::publish_param(&check.graph.db, file_findings);
                    let shown = Published {
                        print: file_findings.print,
                        diagnostics: param.diagnostics.clone(),
                    };
                    if kept.is_none_or(|kept| kept.diagnostics != param.diagnostics) {
                        changed.push(param);
                    }
                    shown
                }
            };
            published.insert(uri, shown);
        }
        // Files that had findings and have none now, and open files without findings, get an
        // empty list so the client clears them, once.
        let mut clear: BTreeSet<String> = previous.keys().cloned().collect();
        for path in self.documents.keys() {
            if let Some(uri) = crate::render::lsp::file_uri(path)
                && !now.contains(uri.as_str())
            {
                clear.insert(uri.as_str().to_owned());
            }
        }
        for uri in clear {
            let shown_empty = previous
                .get(&uri)
                .is_some_and(|shown| shown.diagnostics.is_empty());
            if !shown_empty && let Ok(parsed) = uri.parse::<Uri>() {
                changed.push(PublishDiagnosticsParams::new(parsed, Vec::new(), None));
            }
            published.insert(
                uri,
                Published {
                    print: EMPTY_PRINT,
                    diagnostics: Vec::new(),
                },
            );
        }
        drop(findings);
        self.published = published;
        let files = changed.len();
        for param in changed {
            self.send(Message::Notification(Notification::new(
                PublishDiagnostics::METHOD.to_owned(),
                param,
            )));
        }
        if self.trace != TraceValue::Off {
            let how = match made {
                CheckMade::Patched => "patched the last graph",
                CheckMade::WholeProject => "loaded the whole project",
                CheckMade::NotAtAll => "kept the last check (no settings)",
            };
            let disk = match self.disk_time {
                Some(time) => format!(
                    " (times and lengths on disk compared in {} ms)",
                    time.as_millis()
                ),
                None => String::new(),
            };
            let message = format!(
                "check: {how}{disk}; {} ms to publish {files} file{}",
                started.elapsed().as_millis(),
                if files == 1 { "" } else { "s" }
            );
            self.send(Message::Notification(Notification::new(
                LogTrace::METHOD.to_owned(),
                LogTraceParams {
                    message,
                    verbose: None,
                },
            )));
        }
    }

    fn handle_notification(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidOpenTextDocumentParams>(notification.params)
                    && let Some(path) = uri_path(&params.text_document.uri)
                {
                    self.documents
                        .insert(path.clone(), Arc::from(params.text_document.text.as_str()));
                    self.edited.insert(path);
                    self.dirty = true;
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidChangeTextDocumentParams>(notification.params)
                    && let Some(path) = uri_path(&params.text_document.uri)
                    && let Some(change) = params.content_changes.into_iter().last()
                {
                    // Full synchronisation: the last change holds the whole text.
                    self.documents
                        .insert(path.clone(), Arc::from(change.text.as_str()));
                    self.edited.insert(path);
                    self.dirty = true;
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<DidCloseTextDocumentParams>(notification.params)
                    && let Some(path) = uri_path(&params.text_document.uri)
                {
                    self.documents.remove(&path);
                    self.edited.insert(path);
                    self.dirty = true;
                }
            }
            DidSaveTextDocument::METHOD | DidChangeWatchedFiles::METHOD => {
                // The configuration may have changed on disk too.
                self.reload_settings();
                self.whole_project = true;
                self.dirty = true;
            }
            SetTrace::METHOD => {
                if let Ok(params) = serde_json::from_value::<SetTraceParams>(notification.params) {
                    self.trace = params.value;
                }
            }
            "initialized" => self.watch_files(),
            _ => {}
        }
    }

    /// Reads speclint.toml again; when the settings changed, what was kept between checks
    /// was computed under the old ones and is dropped.
    fn reload_settings(&mut self) {
        let settings = load_server_settings(&self.root);
        let describe = |settings: &Result<Settings, Box<ConfigError>>| format!("{settings:?}");
        if describe(&settings) != describe(&self.settings) {
            self.load_cache = Arc::default();
            self.rule_memo = Arc::default();
        }
        self.settings = settings;
    }

    /// The buffer text of a document, or the file on disk.
    fn text_of(&self, uri: &Uri) -> Option<(PathBuf, Arc<str>)> {
        let path = uri_path(uri)?;
        if let Some(text) = self.documents.get(&path) {
            return Some((path, Arc::clone(text)));
        }
        let text = std::fs::read_to_string(&path).ok()?;
        Some((path, Arc::from(text.as_str())))
    }

    fn handle_request(&mut self, request: Request) {
        if self.dirty {
            self.relint_and_publish();
        }
        let id = request.id.clone();
        let result = self.answer(request);
        match result {
            Ok(value) => self.send(Message::Response(Response::new_ok(id, value))),
            Err((code, message)) => self.error(id, code, &message),
        }
    }

    fn answer(&mut self, request: Request) -> Result<serde_json::Value, (ErrorCode, String)> {
        let invalid = |error: serde_json::Error| (ErrorCode::InvalidParams, error.to_string());
        let Some(check) = &self.check else {
            return match &self.settings {
                Err(message) => Err((
                    ErrorCode::RequestFailed,
                    format!("speclint.toml: {message}"),
                )),
                Ok(_) => Ok(serde_json::Value::Null),
            };
        };
        let pattern = self
            .settings
            .as_ref()
            .map(|settings| settings.id_pattern.clone())
            .map_err(|error| (ErrorCode::RequestFailed, error.to_string()))?;
        let to_json = |value: serde_json::Result<serde_json::Value>| {
            value.map_err(|error| (ErrorCode::InternalError, error.to_string()))
        };
        match request.method.as_str() {
            HoverRequest::METHOD => {
                let params: HoverParams =
                    serde_json::from_value(request.params).map_err(invalid)?;
                let position = params.text_document_position_params;
                let Some((_, text)) = self.text_of(&position.text_document.uri) else {
                    return Ok(serde_json::Value::Null);
                };
                let at = offset(&text, position.position);
                to_json(serde_json::to_value(features::hover(
                    check, &text, at, &pattern,
                )))
            }
            GotoDefinition::METHOD => {
                let params: GotoDefinitionParams =
                    serde_json::from_value(request.params).map_err(invalid)?;
                let position = params.text_document_position_params;
                let Some((_, text)) = self.text_of(&position.text_document.uri) else {
                    return Ok(serde_json::Value::Null);
                };
                let at = offset(&text, position.position);
                to_json(serde_json::to_value(features::definition(
                    check, &text, at, &pattern,
                )))
            }
            References::METHOD => {
                let params: ReferenceParams =
                    serde_json::from_value(request.params).map_err(invalid)?;
                let position = params.text_document_position;
                let Some((_, text)) = self.text_of(&position.text_document.uri) else {
                    return Ok(serde_json::Value::Array(Vec::new()));
                };
                let at = offset(&text, position.position);
                let found = features::references(
                    check,
                    &text,
                    at,
                    &pattern,
                    params.context.include_declaration,
                );
                to_json(serde_json::to_value(found))
            }
            Completion::METHOD => {
                let params: CompletionParams =
                    serde_json::from_value(request.params).map_err(invalid)?;
                let position = params.text_document_position;
                let Some((_, text)) = self.text_of(&position.text_document.uri) else {
                    return Ok(serde_json::Value::Array(Vec::new()));
                };
                let at = offset(&text, position.position);
                to_json(serde_json::to_value(features::completion(check, &text, at)))
            }
            CodeActionRequest::METHOD => {
                let params: CodeActionParams =
                    serde_json::from_value(request.params).map_err(invalid)?;
                let Some((path, text)) = self.text_of(&params.text_document.uri) else {
                    return Ok(serde_json::Value::Array(Vec::new()));
                };
                let start = offset(&text, params.range.start);
                let end = offset(&text, params.range.end);
                to_json(serde_json::to_value(features::code_actions(
                    check, &path, start, end,
                )))
            }
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("unknown method `{}`", request.method),
            )),
        }
    }
}

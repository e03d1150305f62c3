//! The language server, driven over stdio by a small JSON-RPC client: initialize, didOpen,
//! didChange, hover, definition, references, completion, code actions, shutdown and exit, and a
//! change in the spec updating a prompt's diagnostics.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::support::random_edit;
use serde_json::{Value, json};

/// Generous: this bounds a hung server, it does not measure speed.
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Latest diagnostics per URI.
    diagnostics: std::collections::HashMap<String, Vec<Value>>,
    /// The `$/logTrace` messages received, for a client that asked for them.
    traces: Vec<String>,
}

fn read_frames(stdout: impl Read + Send + 'static) -> Receiver<Value> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 {
                    return;
                }
                let header = header.trim();
                if header.is_empty() {
                    break;
                }
                if let Some(value) = header.strip_prefix("Content-Length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    receiver
}

impl Client {
    fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_speclint"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let messages = read_frames(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
            diagnostics: std::collections::HashMap::new(),
            traces: Vec::new(),
        }
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let body = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        self.send_raw(&body);
    }

    fn record(&mut self, message: &Value) {
        // The server asks a client that can watch files to do so; this one agrees.
        if message["method"] == "client/registerCapability" {
            let answer = json!({"jsonrpc": "2.0", "id": message["id"], "result": null});
            self.send_raw(&answer.to_string());
        }
        if message["method"] == "$/logTrace" {
            let trace = message["params"]["message"].as_str().unwrap_or("");
            self.traces.push(trace.to_owned());
        }
        if message["method"] == "textDocument/publishDiagnostics" {
            let uri = message["params"]["uri"].as_str().unwrap().to_owned();
            self.diagnostics.insert(
                uri,
                message["params"]["diagnostics"].as_array().unwrap().clone(),
            );
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        self.send_raw(&body);
        self.response(&json!(id))
    }

    fn response(&mut self, id: &Value) -> Value {
        loop {
            let message = self
                .messages
                .recv_timeout(WAIT)
                .expect("the server answers");
            self.record(&message);
            if &message["id"] == id && message.get("method").is_none() {
                return message;
            }
        }
    }

    /// Waits until the diagnostics of `uri` satisfy `predicate`.
    fn wait_diagnostics(&mut self, uri: &str, predicate: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            if let Some(current) = self.diagnostics.get(uri)
                && predicate(current)
            {
                return current.clone();
            }
            let message = self
                .messages
                .recv_timeout(WAIT)
                .expect("diagnostics arrive");
            self.record(&message);
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn position_of(text: &str, needle: &str) -> Value {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"));
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let character = before.rsplit('\n').next().unwrap().encode_utf16().count();
    json!({"line": line, "character": character + 1})
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_owned())
        .collect()
}

pub fn language_server_end_to_end() {
    let (_directory, root) = crate::support::copy_example();
    let prompt_path = root.join("prompts/refund_system.md.j2");
    let spec_path = root.join("specs/refunds/spec.md");
    let prompt = std::fs::read_to_string(&prompt_path).unwrap();
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let prompt_uri = uri(&prompt_path);
    let spec_uri = uri(&spec_path);
    let eval_uri = uri(&root.join("evals/promptfooconfig.yaml"));

    let mut client = Client::start(&root);
    let initialized = client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    assert_eq!(initialized["result"]["serverInfo"]["name"], "speclint");
    assert_eq!(initialized["result"]["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": prompt_uri, "languageId": "jinja", "version": 1, "text": prompt}}),
    );
    let found = client.wait_diagnostics(&prompt_uri, |diagnostics| {
        codes(diagnostics).contains(&"SL006".to_owned())
    });
    assert!(
        found
            .iter()
            .any(|diagnostic| diagnostic["message"].as_str().unwrap().contains("45 days"))
    );
    // A file that is not open gets its findings too.
    client.wait_diagnostics(&eval_uri, |diagnostics| !diagnostics.is_empty());

    // Editing the requirement in the (unsaved) spec updates the prompt's diagnostics.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": spec_uri, "languageId": "markdown", "version": 1, "text": spec}}),
    );
    let edited = spec.replace(
        "refunds are accepted within 30 days",
        "refunds are accepted within 45 days",
    );
    assert_ne!(edited, spec);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": spec_uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    client.wait_diagnostics(&prompt_uri, |diagnostics| {
        !diagnostics.iter().any(|diagnostic| {
            diagnostic["code"] == "SL006"
                && diagnostic["message"].as_str().unwrap().contains("FR-001")
        })
    });

    // Hover, definition and references on an ID.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": prompt_uri}, "position": position_of(&prompt, "FR-002")}),
    );
    let contents = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        contents.contains("FR-002") && contents.contains("MUST") && contents.contains("Prompts"),
        "{contents}"
    );
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": prompt_uri}, "position": position_of(&prompt, "FR-002")}),
    );
    assert_eq!(definition["result"]["uri"], spec_uri);
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": spec_uri}, "position": position_of(&edited, "FR-003"), "context": {"includeDeclaration": false}}),
    );
    let places: Vec<&str> = references["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|location| location["uri"].as_str().unwrap())
        .collect();
    assert!(
        places.contains(&prompt_uri.as_str()) && places.contains(&eval_uri.as_str()),
        "{places:?}"
    );

    // Completion inside a reference comment offers the known IDs.
    let with_comment = format!("{prompt}\n{{# FR");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prompt_uri, "version": 2}, "contentChanges": [{"text": with_comment}]}),
    );
    let lines = with_comment.matches('\n').count();
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": prompt_uri}, "position": {"line": lines, "character": 5}}),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"FR-001") && labels.contains(&"SAFE-002"),
        "{labels:?}"
    );
    // Every item replaces the partly typed ID (`FR`, columns 3 to 5), so accepting one never
    // doubles its prefix.
    for item in completion["result"].as_array().unwrap() {
        let edit = &item["textEdit"];
        assert_eq!(edit["newText"], item["label"], "{item}");
        assert_eq!(
            edit["range"]["start"],
            json!({"line": lines, "character": 3}),
            "{item}"
        );
        assert_eq!(
            edit["range"]["end"],
            json!({"line": lines, "character": 5}),
            "{item}"
        );
    }
    // After `{# FR-00` the typed text `FR-00` is what clients filter on.
    let partial = format!("{prompt}\n{{# FR-00");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prompt_uri, "version": 3}, "contentChanges": [{"text": partial}]}),
    );
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": prompt_uri}, "position": {"line": lines, "character": 8}}),
    );
    let first = &completion["result"][0];
    assert_eq!(
        first["textEdit"]["range"]["start"]["character"], 3,
        "{first}"
    );
    assert_eq!(first["textEdit"]["range"]["end"]["character"], 8, "{first}");
    assert_eq!(first["filterText"], first["label"]);

    // Code actions: suppress a finding, and tag the passage SL003 points at.
    let fr005 = position_of(&edited, "FR-005");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": spec_uri}, "range": {"start": fr005, "end": fr005}, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action["title"].as_str().unwrap())
        .collect();
    assert!(
        titles
            .iter()
            .any(|title| title.starts_with("Suppress requirement-missing-from-prompt")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|title| title.starts_with("Tag prompts/refund_system.md.j2")),
        "{titles:?}"
    );
    let credit = position_of(&with_comment, "offer store credit");
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": prompt_uri}, "range": {"start": credit, "end": credit}, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Reference FR-005 here (closest requirement)"),
        "{titles:?}"
    );
    // The suggestion `speclint link` makes for this file, in one action that writes the tag.
    let link_all = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|action| {
            action["title"]
                .as_str()
                .unwrap()
                .starts_with("Link all suggested")
        })
        .unwrap_or_else(|| panic!("{titles:?}"));
    let new_texts: Vec<&str> = link_all["edit"]["changes"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|edits| edits.as_array().unwrap())
        .map(|edit| edit["newText"].as_str().unwrap())
        .collect();
    assert!(
        new_texts
            .iter()
            .any(|text| text.contains("{# FR-005 #}\nIf a refund is not possible")),
        "{link_all}"
    );

    // Robustness: malformed JSON, an unknown method, a file the server never saw, a deleted file.
    client.send_raw("{this is not json");
    let parse_error = client.messages.recv_timeout(WAIT).unwrap();
    assert_eq!(parse_error["error"]["code"], -32700);
    let unknown = client.request("speclint/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let nowhere = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///no/such/file.md"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(nowhere["result"].is_null());
    let invalid = client.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(invalid["error"]["code"], -32602);
    std::fs::remove_file(root.join("evals/summaries.jsonl")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("evals/summaries.jsonl")), "type": 3}]}),
    );
    let after = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": prompt_uri}, "position": position_of(&prompt, "FR-002")}),
    );
    assert!(after["result"]["contents"]["value"].is_string());

    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown["result"].is_null());
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

/// A server on a copy of the example with its prompt open: the copy (kept alive by the first
/// value), the client, the prompt's text and its URI.
fn open_example_prompt() -> (tempfile::TempDir, Client, String, String) {
    open_example_prompt_tracing("off")
}

/// The same, with the client's `trace` setting (`off`, `messages` or `verbose`).
fn open_example_prompt_tracing(trace: &str) -> (tempfile::TempDir, Client, String, String) {
    let (directory, root) = crate::support::copy_example();
    let prompt_path = root.join("prompts/refund_system.md.j2");
    let prompt = std::fs::read_to_string(&prompt_path).unwrap();
    let prompt_uri = uri(&prompt_path);
    let mut client = Client::start(&root);
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}, "trace": trace}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": prompt_uri, "languageId": "jinja", "version": 1, "text": prompt}}),
    );
    (directory, client, prompt, prompt_uri)
}

pub fn ten_thousand_rapid_changes_are_debounced_and_the_server_stays_responsive() {
    let (_directory, mut client, prompt, prompt_uri) = open_example_prompt();
    for version in 2..10_002 {
        let text = format!("{prompt}\n{}", "x".repeat(version % 7));
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": prompt_uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": prompt_uri}, "position": position_of(&prompt, "FR-002")}),
    );
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("FR-002")
    );
    // Far fewer checks than changes: count the prompt's diagnostics notifications so far.
    let mut published = 0;
    while let Ok(message) = client.messages.recv_timeout(Duration::from_millis(500)) {
        if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == prompt_uri
        {
            published += 1;
        }
    }
    assert!(
        published < 1000,
        "{published} publications for 10,000 changes"
    );

    // A client that disconnects without shutdown: the server ends on its own.
    drop(client.stdin);
    let status = client.child.wait().unwrap();
    assert!(
        !status.success(),
        "exit without shutdown is an error exit, as LSP asks"
    );
}

/// A client that asks for traces gets one `$/logTrace` per check, saying how it was made; after
/// `$/setTrace` off, none.
pub fn checks_are_traced_while_the_client_asks() {
    let (directory, mut client, prompt, prompt_uri) = open_example_prompt_tracing("messages");
    let hover =
        json!({"textDocument": {"uri": prompt_uri}, "position": {"line": 0, "character": 0}});
    client.request("textDocument/hover", hover.clone());
    let first = client.traces.clone();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with("check: loaded the whole project;")
            && first[0].contains(" ms to publish "),
        "{first:?}"
    );
    client.notify("$/setTrace", json!({"value": "off"}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": prompt_uri, "version": 2}, "contentChanges": [{"text": format!("{prompt}\nAnswer briefly.\n")}]}),
    );
    client.request("textDocument/hover", hover);
    assert_eq!(client.traces, first, "no trace after $/setTrace off");
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    client.child.wait().unwrap();
    drop(directory);
}

/// Typing (a change every 80 ms) costs a check at the first key and one when the typing stops,
/// not one per key.
pub fn typing_is_checked_at_the_first_key_and_when_it_stops() {
    let (_directory, mut client, prompt, prompt_uri) = open_example_prompt();
    // Let the first check after opening go by.
    std::thread::sleep(Duration::from_millis(600));
    while client.messages.try_recv().is_ok() {}
    // Each key changes a finding (the refund window drifts from FR-001's 30 days), since the
    // server publishes only diagnostics that changed.
    for version in 2..22 {
        let text = prompt.replace("within 45 days", &format!("within {} days", 40 + version));
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": prompt_uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        std::thread::sleep(Duration::from_millis(80));
    }
    let mut published = 0;
    while let Ok(message) = client.messages.recv_timeout(Duration::from_millis(800)) {
        if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == prompt_uri
        {
            published += 1;
        }
    }
    assert!(
        (1..=4).contains(&published),
        "{published} publications for 20 keystrokes 80 ms apart"
    );
}

/// An editor killed with `kill -9` closes every pipe at once: the server must end with its
/// documented exit code (1: no shutdown), not a panic's 101.
pub fn a_killed_editor_ends_the_server_with_its_documented_code() {
    let (_directory, root) = crate::support::copy_example();
    let mut child = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("lsp")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": uri(&root), "capabilities": {}}}).to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // Every pipe closes at once, as when the editor process dies.
    drop(child.stdout.take());
    drop(child.stderr.take());
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status}");
}

/// Lines an edit may insert: requirements, references, prohibitions, eval cases, and text
/// that breaks the file's syntax.
const INSERTED_LINES: &[&str] = &[
    "- **FR-011**: The assistant MUST reply within 45 words.",
    "- **FR-001**: A second definition of FR-001 that MUST be reported.",
    "<!-- implements: FR-003, FR-999 -->",
    "Never promise a refund before the order number is verified.",
    "Refunds are accepted within 45 days of delivery.",
    "# implements: FR-006",
    "  - description: added case FR-002\n    metadata:\n      requirements: [FR-002]\n    assert:\n      - type: icontains\n        value: 60 days",
    "{\"input\": \"Summarise\", \"ideal\": \"at most 150 words\", \"metadata\": {\"requirements\": [\"FR-006\"]}}",
    "tests: [unclosed",
    "The assistant may answer in English only.",
];

/// What a full `speclint check --output-format lsp` says, by URI (files with findings only).
fn full_check_by_uri(root: &Path) -> std::collections::BTreeMap<String, Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(["check", "--output-format", "lsp", "--no-cache", "."])
        .current_dir(root)
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let params: Value = serde_json::from_str(line).unwrap();
            (
                params["uri"].as_str().unwrap().to_owned(),
                params["diagnostics"].clone(),
            )
        })
        .collect()
}

/// Random edits to a spec, a prompt and eval files, each followed by a request (the server
/// checks before it answers): after every edit, what the server has published, incrementally
/// and only where it changed, must equal a full check of the same texts written to disk.
pub fn incremental_diagnostics_equal_a_full_check_after_random_edits() {
    // A client that watches files lets the server patch its last graph after an edit. For one
    // that does not, the server patches only while the files' times and lengths show nothing
    // changed on disk: that replay also rewrites files that are not open, behind the server's
    // back, and the next edit must see them.
    for (seed, watching) in [
        (0x5eed_1234_abcd_0042, true),
        (0xfeed_beef_0bad_cafe, true),
        (0x0123_4567_89ab_cdef, false),
        (0x0ddb_a11c_0ffe_e123, false),
    ] {
        replay_random_edits(seed, 40, watching);
    }
}

/// Random edits to a prompt that a promptfoo config reads, to CSV and JSONL tests files it
/// reads, to the config and to the spec: the server keeps the config's tree and its tests
/// files' cases between edits, and must read each again exactly when its own text changed.
pub fn edits_to_files_a_config_reads_equal_a_full_check() {
    let (_directory, root) = crate::support::copy_example();
    std::fs::create_dir_all(root.join("evals/tests")).unwrap();
    std::fs::write(
        root.join("evals/tests/cases.csv"),
        "question,__expected,__metadata:requirements\n\
         \"How long is the refund window?\",\"icontains: 30 days\",FR-001\n\
         \"Summarise my refund\",\"javascript: output.split(/\\s+/).length <= 120\",FR-006\n\
         \"Do you offer store credit?\",\"contains: store credit\",FR-005\n",
    )
    .unwrap();
    let config = root.join("evals/promptfooconfig.yaml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // Tests files get the config's `defaultTest`, which is applied after they are read.
    text = text.replacen(
        "tests:\n",
        "defaultTest:\n  assert:\n    - type: javascript\n      value: output.length <= 2000\n\ntests:\n  - file://tests/cases.csv\n  - file://summaries.jsonl\n",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let files = [
        "prompts/refund_system.md.j2",
        "evals/tests/cases.csv",
        "evals/summaries.jsonl",
        "evals/promptfooconfig.yaml",
        "specs/refunds/spec.md",
    ];
    for (seed, watching) in [
        (0x00c0_ffee_cafe_0001, true),
        (0x00c0_ffee_cafe_0002, false),
    ] {
        replay_random_edits_in(&root, &files, seed, 30, watching, None);
    }
    // A file added on disk halfway renumbers the files after it, the config and its tests
    // files among them: what the server kept of them must not come back with old file IDs.
    let added = (
        "evals/0_added.jsonl",
        "{\"input\": \"added\", \"metadata\": {\"requirements\": [\"FR-001\"]}}\n",
    );
    replay_random_edits_in(&root, &files, 0x00c0_ffee_cafe_0003, 30, false, Some(added));
}

fn replay_random_edits(seed: u64, steps: usize, watching: bool) {
    let (_directory, root) = crate::support::copy_example();
    replay_random_edits_in(
        &root,
        &crate::support::EXAMPLE_INPUTS,
        seed,
        steps,
        watching,
        None,
    );
}

/// Replays `steps` random edits of `files` in the project at `root`; `added` is a file (path
/// and text) written to disk, unannounced, halfway.
fn replay_random_edits_in(
    root: &Path,
    files: &[&str],
    seed: u64,
    steps: usize,
    watching: bool,
    added: Option<(&str, &str)>,
) {
    let originals: Vec<String> = files
        .iter()
        .map(|relative| std::fs::read_to_string(root.join(relative)).unwrap())
        .collect();
    let mut texts = originals.clone();
    let mut opened = vec![false; files.len()];
    let mut versions = vec![1; files.len()];
    let mut client = Client::start(root);
    let capabilities = if watching {
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}})
    } else {
        json!({})
    };
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(root), "capabilities": capabilities, "trace": "messages"}),
    );
    client.notify("initialized", json!({}));
    let mut random = crate::support::Random(seed);
    let mut disk_edits = 0;
    for step in 0..steps {
        // Without file watching, now and then a file that is not open changes on disk
        // unannounced. Its modification time is set in the past, so that it looks settled:
        // only its changed time and length can tell the server.
        if let Some((relative, text)) = added
            && step == steps / 2
        {
            std::fs::write(root.join(relative), text).unwrap();
        }
        let closed: Vec<usize> = (0..files.len()).filter(|&index| !opened[index]).collect();
        if !watching && step % 5 == 4 && !closed.is_empty() {
            let which = closed[random.below(closed.len())];
            texts[which] = random_edit(
                &mut random,
                &texts[which],
                &originals[which],
                INSERTED_LINES,
            );
            let path = root.join(files[which]);
            std::fs::write(&path, &texts[which]).unwrap();
            let an_hour_ago =
                std::time::SystemTime::now() - std::time::Duration::from_secs(3600 - step as u64);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(an_hour_ago)
                .unwrap();
            disk_edits += 1;
        }
        let which = random.below(files.len());
        let path = root.join(files[which]);
        let file_uri = uri(&path);
        if !opened[which] {
            opened[which] = true;
            client.notify(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": file_uri, "languageId": "plaintext", "version": 1, "text": texts[which]}}),
            );
        }
        texts[which] = random_edit(
            &mut random,
            &texts[which],
            &originals[which],
            INSERTED_LINES,
        );
        versions[which] += 1;
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": file_uri, "version": versions[which]}, "contentChanges": [{"text": texts[which]}]}),
        );
        client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": file_uri}, "position": {"line": 0, "character": 0}}),
        );
        // Notifications sent before the answer have arrived; the disk now holds the buffers.
        std::fs::write(&path, &texts[which]).unwrap();
        let expected = full_check_by_uri(root);
        let published: std::collections::BTreeMap<String, Value> = client
            .diagnostics
            .iter()
            .filter(|(_, diagnostics)| !diagnostics.is_empty())
            .map(|(uri, diagnostics)| (uri.clone(), Value::Array(diagnostics.clone())))
            .collect();
        assert_eq!(
            published.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "seed {seed:x}, step {step}: files with findings differ after editing {}",
            files[which]
        );
        for (uri, diagnostics) in &expected {
            assert_eq!(
                &published[uri], diagnostics,
                "seed {seed:x}, step {step}: findings of {uri} differ after editing {}:\n{}",
                files[which], texts[which]
            );
        }
    }
    // The replay is meant to test patches: most edits must have been patched.
    let patched = client
        .traces
        .iter()
        .filter(|trace| trace.contains("patched the last graph"))
        .count();
    assert!(
        patched >= steps / 2,
        "seed {seed:x}: only {patched} of {steps} edits were patched ({disk_edits} changes on disk): {:?}",
        client.traces
    );
    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    client.child.wait().unwrap();
}

/// The language server keeps what a tests file read through a config holds; after a file added
/// before it renumbers it, the kept cases must not come back with the old file ID.
pub fn kept_tests_files_are_read_again_under_a_new_file_id() {
    use speclint::source::{
        LoadContext, eval_promptfoo, kept_parses::KeptParses, table::FileTable,
    };
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("evals")).unwrap();
    let config = "prompts: [hello]\ntests: file://cases.csv\n";
    std::fs::write(root.join("evals/promptfooconfig.yaml"), config).unwrap();
    std::fs::write(
        root.join("evals/cases.csv"),
        "question,__expected,__metadata:requirements\nq,contains: x,FR-001\n",
    )
    .unwrap();
    std::fs::write(root.join("evals/a_added.txt"), "added\n").unwrap();
    let settings = speclint::config::load_settings(&root, None).unwrap();
    let kept = KeptParses::default();
    let case_files = |interned_first: &[&str]| {
        let table = FileTable::new(&root, settings.max_file_bytes);
        for relative in interned_first {
            table.intern(&root.join(relative));
        }
        let file = table.intern(&root.join("evals/promptfooconfig.yaml"));
        let context = LoadContext {
            table: &table,
            settings: &settings,
            kept: Some(&kept),
        };
        let (_, extraction) = eval_promptfoo::load(&context, file, config);
        let csv = table.lookup(&root.join("evals/cases.csv")).unwrap();
        let files: Vec<_> = extraction
            .eval_cases
            .iter()
            .map(|case| case.span.file)
            .collect();
        (csv, files)
    };
    let (csv, files) = case_files(&[]);
    assert_eq!(files, vec![csv]);
    // The same texts, with one more file interned first: every ID moves up by one.
    let (csv_after, files_after) = case_files(&["evals/a_added.txt"]);
    assert_ne!(csv_after, csv);
    assert_eq!(files_after, vec![csv_after]);
}

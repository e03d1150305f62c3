//! Edit -> diagnostics in the language server at monorepo scale, driving the real server over
//! stdio (issue #15's target: median <= 50 ms, p95 <= 150 ms at scale 1).
//!
//! The server is started in the generated corpus (`target/corpus-<scale>`); a spec, a prompt
//! and a promptfoo config are opened; then each is edited in turn (a number in a requirement, a
//! number in a prompt, the limit in an assertion, so that every edit changes findings). Each
//! edit is a `didChange` followed by a `hover`: the server checks before it answers, so the time
//! from sending the change to the answer is the time until the new diagnostics are published.
//!
//! `SPECLINT_BENCH_SCALES` picks the corpora (default `1`), `SPECLINT_BENCH_EDITS` the edits
//! per file (default 30). The same run is repeated with `SPECLINT_LSP_INCREMENTAL=0`, the
//! server re-parsing and re-checking everything on each change (as it did before), for the
//! before/after comparison, and with a client that does not watch files (`unwatched`: the
//! server then loads the project again on each change instead of patching its last graph);
//! `SPECLINT_BENCH_LSP_MODES=incremental` measures one mode only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::{BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn main() {
    let edits = support::count("SPECLINT_BENCH_EDITS", 30);
    for scale in support::scales() {
        let scale = scale.as_str();
        let root = support::corpus(scale).canonicalize().unwrap();
        // `SPECLINT_BENCH_LSP_MODES` (`incremental`, `unwatched`, `full`, comma-separated) picks
        // the modes; builds from before the incremental server have only the full one, so an
        // earlier build (`SPECLINT_BENCH_BINARY`) is measured in it unless told otherwise.
        let default_modes = if std::env::var_os("SPECLINT_BENCH_BINARY").is_some() {
            "full"
        } else {
            "incremental,unwatched,full"
        };
        let modes =
            std::env::var("SPECLINT_BENCH_LSP_MODES").unwrap_or_else(|_| default_modes.to_owned());
        for mode in modes.split(',').map(str::trim) {
            let incremental = mode != "full";
            let watching = mode == "incremental";
            measure(&root, scale, edits, incremental, watching);
        }
    }
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    /// How many checks the server said (in `$/logTrace`) it made by patching its last graph.
    patched: usize,
}

impl Server {
    fn start(root: &Path, incremental: bool) -> Server {
        let mut child = Command::new(binary())
            .arg("lsp")
            .current_dir(root)
            .env(
                "SPECLINT_LSP_INCREMENTAL",
                if incremental { "1" } else { "0" },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Server {
            child,
            stdin,
            stdout,
            next_id: 1,
            patched: 0,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and reads messages until its answer; returns how many diagnostics
    /// notifications came before it.
    fn request(&mut self, method: &str, params: Value) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let mut published = 0;
        loop {
            let message = support::read_message(&mut self.stdout);
            if message["id"] == id && message.get("method").is_none() {
                return published;
            }
            if message["method"] == "textDocument/publishDiagnostics" {
                published += 1;
            }
            if message["method"] == "$/logTrace"
                && message["params"]["message"]
                    .as_str()
                    .is_some_and(|trace| trace.contains("patched"))
            {
                self.patched += 1;
            }
            // Like VS Code, the client agrees to watch files when the server asks.
            if message["method"] == "client/registerCapability" {
                self.send(&json!({"jsonrpc": "2.0", "id": message["id"], "result": null}));
            }
        }
    }
}

/// A file to edit and the two texts an edit switches between.
struct Edited {
    kind: &'static str,
    uri: String,
    texts: [String; 2],
}

fn edited(root: &Path, kind: &'static str, relative: &str, from: &str, to: &str) -> Edited {
    let path = root.join(relative);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{relative} has no {from:?}");
    let changed = text.replacen(from, to, 1);
    Edited {
        kind,
        uri: format!("file://{}", path.display()),
        texts: [changed, text],
    }
}

fn measure(root: &Path, scale: &str, edits: usize, incremental: bool, watching: bool) {
    let files = [
        edited(
            root,
            "spec",
            "specs/000-feature/spec.md",
            "within 15 days",
            "within 16 days",
        ),
        edited(
            root,
            "prompt",
            "prompts/prompt_0010.md",
            "within 19 days",
            "within 18 days",
        ),
        edited(
            root,
            "eval",
            "evals/promptfooconfig_000.yaml",
            "length <= 120",
            "length <= 121",
        ),
    ];
    let mut server = Server::start(root, incremental);
    let started = Instant::now();
    server.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": format!("file://{}", root.display()),
            // What VS Code declares: it watches files for a server that asks.
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": watching}}},
            // Each check then says how it was made: the table counts the patched edits.
            "trace": "messages",
        }),
    );
    server.notify("initialized", json!({}));
    for file in &files {
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": file.uri, "languageId": "plaintext", "version": 0, "text": file.texts[1]}}),
        );
    }
    let hover =
        |uri: &str| json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}});
    server.request("textDocument/hover", hover(&files[0].uri));
    let first = started.elapsed();
    let mode = match (incremental, std::env::var("SPECLINT_BENCH_BINARY")) {
        (_, Ok(binary)) => format!("the build at {binary}"),
        (true, Err(_)) if watching => "incremental, a client that watches files".to_owned(),
        (true, Err(_)) => "incremental, a client that does not watch files".to_owned(),
        (false, Err(_)) => "full re-check (SPECLINT_LSP_INCREMENTAL=0)".to_owned(),
    };
    println!("\n## scale {scale}, {mode}");
    println!(
        "first diagnostics (initialize, open, first check): {:.0} ms",
        millis(first)
    );
    println!("| edited file | edits | median | p95 | slowest | publications per edit | patched |");
    println!("|---|---|---|---|---|---|---|");
    let mut all = Vec::new();
    for file in &files {
        let mut times = Vec::new();
        let mut publications = 0;
        let patched_before = server.patched;
        for edit in 0..edits {
            let text = &file.texts[edit % 2];
            let sent = Instant::now();
            server.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": file.uri, "version": edit + 1}, "contentChanges": [{"text": text}]}),
            );
            publications += server.request("textDocument/hover", hover(&file.uri));
            times.push(sent.elapsed());
        }
        println!(
            "| {} | {edits} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} | {} |",
            file.kind,
            millis(percentile(&mut times, 50)),
            millis(percentile(&mut times, 95)),
            millis(percentile(&mut times, 100)),
            publications as f64 / edits as f64,
            server.patched - patched_before
        );
        all.extend(times);
    }
    println!(
        "| all | {} | {:.1} ms | {:.1} ms | {:.1} ms | | {} |",
        all.len(),
        millis(percentile(&mut all, 50)),
        millis(percentile(&mut all, 95)),
        millis(percentile(&mut all, 100)),
        server.patched
    );
    server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();
}

/// The server to measure: this build, or `SPECLINT_BENCH_BINARY` (an earlier build, for a
/// before/after comparison on the same machine).
fn binary() -> String {
    std::env::var("SPECLINT_BENCH_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_speclint").to_owned())
}

fn percentile(times: &mut [Duration], percent: usize) -> Duration {
    times.sort();
    let index = (times.len() * percent / 100).min(times.len() - 1);
    times[index]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

//! The language server under a burst of edits: 10,000 `didChange` notifications, then a hover.
//! The measured time runs from the last change to the hover's answer (the debounce plus one
//! check of the bundled example), which should stay under 100 ms.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::{BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

fn main() {
    divan::main();
}

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn hover_after_ten_thousand_changes(bencher: divan::Bencher<'_, '_>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-bot");
    let prompt = root.join("prompts/refund_system.md.j2");
    let text = std::fs::read_to_string(&prompt).unwrap();
    let uri = format!("file://{}", prompt.display());
    bencher
        .with_inputs(|| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_speclint"))
                .arg("lsp")
                .current_dir(&root)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": format!("file://{}", root.display()), "capabilities": {}}});
            stdin.write_all(frame(&initialize.to_string()).as_bytes()).unwrap();
            while support::read_message(&mut stdout)["id"] != 1 {}
            let mut burst = String::new();
            for version in 0..10_000 {
                let change = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": format!("{text}\n{}", "x".repeat(version % 5))}]}});
                burst.push_str(&frame(&change.to_string()));
            }
            stdin.write_all(burst.as_bytes()).unwrap();
            (child, stdin, stdout)
        })
        .bench_local_values(|(mut child, mut stdin, mut stdout)| {
            let hover = json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 4}}});
            stdin.write_all(frame(&hover.to_string()).as_bytes()).unwrap();
            stdin.flush().unwrap();
            while support::read_message(&mut stdout)["id"] != 2 {}
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        });
}

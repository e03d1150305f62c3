//! Everything speclint writes (the lock, baselines, reports) goes to a temporary file in the same
//! folder and is renamed over the target: an interrupted or failed write leaves the old file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

pub fn a_failed_write_leaves_the_old_file_and_no_temporary() {
    let directory = tempfile::tempdir().unwrap();
    let target = directory.path().join("speclint.lock");
    std::fs::write(&target, "old contents\n").unwrap();
    // Inject the failure halfway through writing the temporary file.
    let failed = speclint::atomic_write::write_atomically_with(
        &target,
        speclint::atomic_write::Durability::Synced,
        |file| {
            use std::io::Write;
            file.write_all(b"new con")?;
            Err(std::io::Error::other("the disk is full"))
        },
    );
    assert!(failed.is_err());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old contents\n");
    let leftovers = |directory: &Path| -> Vec<std::ffi::OsString> {
        std::fs::read_dir(directory)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .filter(|name| name.to_string_lossy().ends_with(".tmp"))
            .collect()
    };
    assert!(leftovers(directory.path()).is_empty());

    // Without the obstacle the write goes through and leaves nothing behind.
    speclint::atomic_write::write_atomically(&target, "new contents\n").unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new contents\n");
    assert!(leftovers(directory.path()).is_empty());

    // Threads writing the same file at once never share a temporary: each write succeeds, the
    // file ends whole with one thread's contents, and nothing is left behind.
    let contents: Vec<String> = (1..=8)
        .map(|thread| format!("thread {thread}\n").repeat(thread * 20_000))
        .collect();
    std::thread::scope(|scope| {
        for text in &contents {
            let target = &target;
            scope.spawn(move || {
                speclint::atomic_write::write_atomically(target, text).unwrap();
            });
        }
    });
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(contents.contains(&written));
    assert!(leftovers(directory.path()).is_empty());
}

fn project(root: &Path) {
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::create_dir_all(root.join("prompts")).unwrap();
    let mut spec = String::new();
    let mut prompt = String::new();
    for number in 0..3000 {
        spec.push_str(&format!(
            "- **FR-{number}**: The assistant MUST handle case {number}.\n"
        ));
        prompt.push_str(&format!("<!-- FR-{number} -->\nHandle case {number}.\n\n"));
    }
    std::fs::write(root.join("specs/spec.md"), spec).unwrap();
    std::fs::write(root.join("prompts/system.md"), prompt).unwrap();
}

pub fn killing_speclint_while_it_writes_never_leaves_a_torn_lock() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    project(root);
    let lock = root.join("speclint.lock");
    let status = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("lock")
        .arg(root)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let complete = std::fs::read_to_string(&lock).unwrap();
    assert!(speclint::lockfile::parse(&complete).is_ok());
    // Reword every requirement so that each run has a different lock to write, then kill runs
    // at different moments.
    for round in 0..12u64 {
        let spec = std::fs::read_to_string(root.join("specs/spec.md")).unwrap();
        std::fs::write(
            root.join("specs/spec.md"),
            spec.replace("MUST handle", "MUST process")
                .replace("MUST process case", "MUST handle case"),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_speclint"))
            .args(["lock", "--accept-all"])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(5 + round * 15));
        let _ = child.kill();
        let _ = child.wait();
        let text = std::fs::read_to_string(&lock).unwrap();
        assert!(
            speclint::lockfile::parse(&text).is_ok(),
            "round {round}: the lock is torn:\n{}",
            &text[..text.len().min(300)]
        );
    }
}

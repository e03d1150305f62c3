//! The state of the disk the language server compares before it patches for a client that
//! does not watch files (`speclint::source::disk_state`): a changed, added or removed file is
//! seen; an open buffer's file is not compared; a file changed just now never matches.

use std::path::Path;
use std::time::{Duration, SystemTime};

use speclint::source::disk_state::DiskState;

fn state(root: &Path) -> DiskState {
    let settings = speclint::config::load_settings(root, None).unwrap();
    DiskState::now(root, &settings, &[], SystemTime::now())
}

/// Waits until files written before now count as settled.
fn settle() {
    std::thread::sleep(Duration::from_millis(150));
}

pub fn a_changed_added_or_removed_file_is_seen() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::write(root.join("prompt.md"), "You are a helpful assistant.\n").unwrap();
    settle();
    let before = state(root);
    assert!(state(root).unchanged_since(&before, |_| false));

    std::fs::write(root.join("prompt.md"), "You are a curt assistant.\n").unwrap();
    let after_change = state(root);
    assert!(!after_change.unchanged_since(&before, |_| false));
    // An open buffer's file is not compared.
    let prompt = std::path::absolute(root).unwrap().join("prompt.md");
    assert!(after_change.unchanged_since(&before, |path| path == prompt));
    // Just changed: not settled, so not even the same state matches it.
    assert!(!state(root).unchanged_since(&after_change, |_| false));

    settle();
    let settled = state(root);
    std::fs::write(root.join("new.md"), "A new prompt.\n").unwrap();
    assert!(!state(root).unchanged_since(&settled, |_| false));
    std::fs::remove_file(root.join("new.md")).unwrap();
    assert!(state(root).unchanged_since(&settled, |_| false));
    // A change with an old modification time is seen by its time.
    std::fs::write(root.join("prompt.md"), "You are a terse assistant.\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(root.join("prompt.md"))
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    assert!(!state(root).unchanged_since(&settled, |_| false));
    std::fs::remove_file(root.join("prompt.md")).unwrap();
    assert!(!state(root).unchanged_since(&settled, |_| false));
}

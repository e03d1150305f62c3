//! The dependency table in `docs/architecture.md` is the law: every `crate::<module>` path in
//! `src/<module>/…` must name a module that the table lets `<module>` import, and the table must
//! list every top-level module. A cycle therefore needs an edit to the documented table first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const START: &str = "<!-- dependency-table -->";
const END: &str = "<!-- /dependency-table -->";

/// Module -> the modules it may import, as `docs/architecture.md` lists them.
fn allowed_imports() -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md");
    let text = std::fs::read_to_string(path).unwrap();
    let start = text
        .find(START)
        .expect("docs/architecture.md has the table's start marker");
    let end = text
        .find(END)
        .expect("docs/architecture.md has the table's end marker");
    let mut table = BTreeMap::new();
    for row in text[start..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let module = cells[1].trim_matches('`').to_owned();
        let imports = cells[2]
            .split(',')
            .map(|name| name.trim().trim_matches('`').to_owned())
            .filter(|name| !name.is_empty() && name != "nothing")
            .collect();
        table.insert(module, imports);
    }
    table
}

/// Every top-level module of `src/` with the crate modules its files name.
fn actual_imports() -> BTreeMap<String, BTreeSet<String>> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![source.clone()];
    while let Some(directory) = stack.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(&source).unwrap();
            let first = relative.components().next().unwrap();
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            if module == "main" || module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let imported = edges.entry(module.clone()).or_default();
            for target in crate_paths(&text) {
                if target != module {
                    imported.insert(target);
                }
            }
        }
    }
    edges
}

/// The first segment of every `crate::` path in code (comments are skipped), including the
/// items of `crate::{a, b::c}` groups.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            if let Some(group) = after.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or("");
                for item in inside.split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        found.insert(name);
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
            rest = after;
        }
    }
    found
}

pub fn every_import_is_allowed_by_docs_architecture() {
    let allowed = allowed_imports();
    let mut violations = Vec::new();
    for (module, imports) in actual_imports() {
        let permitted = allowed.get(&module).cloned().unwrap_or_default();
        for target in imports.difference(&permitted) {
            violations.push(format!("`{module}` imports `{target}`"));
        }
    }
    assert!(
        violations.is_empty(),
        "imports that docs/architecture.md does not allow (change the code, or the table with a reason):\n{}",
        violations.join("\n")
    );
}

pub fn the_table_names_every_module() {
    let allowed = allowed_imports();
    let actual = actual_imports();
    let listed: BTreeSet<&String> = allowed.keys().collect();
    let present: BTreeSet<&String> = actual.keys().collect();
    assert_eq!(
        listed, present,
        "docs/architecture.md must list exactly the modules of src/"
    );
    // The table itself must be acyclic, so that following it can never produce a cycle.
    let mut visiting = BTreeSet::new();
    let mut done = BTreeSet::new();
    for module in allowed.keys() {
        assert_acyclic(module, &allowed, &mut visiting, &mut done);
    }
}

fn assert_acyclic(
    module: &str,
    table: &BTreeMap<String, BTreeSet<String>>,
    visiting: &mut BTreeSet<String>,
    done: &mut BTreeSet<String>,
) {
    if done.contains(module) {
        return;
    }
    assert!(
        visiting.insert(module.to_owned()),
        "docs/architecture.md allows a cycle through `{module}`"
    );
    for next in table.get(module).into_iter().flatten() {
        assert_acyclic(next, table, visiting, done);
    }
    visiting.remove(module);
    done.insert(module.to_owned());
}

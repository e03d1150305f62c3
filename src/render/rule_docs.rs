//! What `speclint rules`, `speclint rule NAME`, `docs/rules.md` and the README's rules table
//! say about the rules, all from the rules' metadata.

use crate::rules::{RuleMeta, registry};

/// `speclint rules`: code, name and default level of every rule.
pub fn rules_table() -> String {
    let mut table = String::from("CODE   NAME                               DEFAULT\n");
    for rule in registry::all_rules() {
        let meta = rule.meta();
        table.push_str(&format!(
            "{:6} {:34} {}\n",
            meta.code,
            meta.name,
            meta.default_level.as_str()
        ));
    }
    table
}

/// `speclint rule NAME`: the rule's documentation.
pub fn rule_page(meta: &RuleMeta) -> String {
    format!(
        "# {} ({})\n\nDefault level: {}\n\n{}",
        meta.name,
        meta.code,
        meta.default_level.as_str(),
        meta.documentation()
    )
}

/// `docs/rules.md`: a table of every rule, then each rule's documentation.
pub fn rules_reference() -> String {
    let mut text = String::from(
        "# Rules\n\n<!-- Generated from the rules' doc comments by tests/it/generated.rs; do not edit. -->\n\n| Code | Name | Default level |\n|------|------|---------------|\n",
    );
    for rule in registry::all_rules() {
        let meta = rule.meta();
        text.push_str(&format!(
            "| {} | [`{}`](#{}) | {} |\n",
            meta.code,
            meta.name,
            meta.name,
            meta.default_level.as_str()
        ));
    }
    for rule in registry::all_rules() {
        let meta = rule.meta();
        text.push_str(&format!(
            "\n## {}\n\nCode `{}`, default level `{}`.\n\n",
            meta.name,
            meta.code,
            meta.default_level.as_str()
        ));
        // Demote the doc comment's headings below the rule's own.
        for line in meta.documentation().lines() {
            if let Some(heading) = line.strip_prefix("## ") {
                text.push_str(&format!("### {heading}\n"));
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    text
}

/// The README's rules table (between its `rules-table` markers).
pub fn readme_rules_table() -> String {
    let mut text = String::from("| code | name | default |\n|---|---|---|\n");
    for rule in registry::all_rules() {
        let meta = rule.meta();
        text.push_str(&format!(
            "| {} | `{}` | {} |\n",
            meta.code,
            meta.name,
            meta.default_level_description()
        ));
    }
    text
}

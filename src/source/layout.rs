//! How teams lay out specs, and what that says about a Markdown file under `specs/`: spec-kit
//! (`.specify/`, `specs/NNN-name/{spec,plan,tasks}.md`) and Kiro
//! (`.kiro/specs/<feature>/{requirements,design,tasks}.md`).
//!
//! Only requirement documents define requirements. Templates, plans, task lists, research
//! notes, data models, contracts and checklists may mention IDs but define none, so they are
//! not read as specs (unless `[spec] include` names them). Requirements in a feature folder
//! belong to that feature.

use std::sync::LazyLock;

use regex::Regex;

/// Words in a file name that mark a document that is not a requirements document.
const NOT_REQUIREMENTS: &[&str] = &[
    "plan",
    "plans",
    "tasks",
    "task",
    "todo",
    "todos",
    "research",
    "quickstart",
    "design",
    "architecture",
    "checklist",
    "checklists",
    "constitution",
    "changelog",
    "readme",
    "contributing",
    "notes",
    "roadmap",
    "retro",
    "retrospective",
    "adr",
    "agents",
    "claude",
];

/// Folders whose files are never requirements documents.
const NOT_REQUIREMENT_FOLDERS: &[&str] = &[
    "contracts",
    "checklists",
    "research",
    "adr",
    "adrs",
    "decisions",
    "notes",
    "memory",
];

/// File names (without extension) that a feature folder's requirements document has.
const REQUIREMENT_DOCUMENTS: &[&str] = &[
    "spec",
    "specs",
    "specification",
    "requirements",
    "requirement",
    "prd",
    "feature",
];

static SPEC_KIT_FEATURE: LazyLock<Regex> =
    crate::lazy_regex::lazy_regex!(r"^[0-9]{3,}-[A-Za-z0-9]");

/// Why a Markdown file at `path` (relative, `/`-separated) is not a requirements document, or
/// `None` when it may be one.
pub fn not_a_requirements_document(path: &str) -> Option<&'static str> {
    let components: Vec<&str> = path.split('/').collect();
    let (file_name, folders) = components.split_last()?;
    if folders.contains(&".specify") {
        return Some("spec-kit's own folder (.specify/): templates and memory, not a spec");
    }
    let stem = file_name
        .rsplit_once('.')
        .map_or(*file_name, |(stem, _)| stem)
        .to_ascii_lowercase();
    if stem.contains("template") || folders.contains(&"templates") {
        return Some("a template, not a spec");
    }
    let in_reference_folder = folders
        .iter()
        .any(|folder| NOT_REQUIREMENT_FOLDERS.contains(&folder.to_ascii_lowercase().as_str()));
    if in_reference_folder {
        return Some(
            "contracts, checklists, research and notes may reference requirements but define none",
        );
    }
    let words: Vec<&str> = stem
        .split(['-', '_', '.', ' '])
        .filter(|word| !word.is_empty())
        .collect();
    if stem.contains("data-model") || stem.contains("data_model") || stem == "datamodel" {
        return Some("a data model may reference requirements but defines none");
    }
    if words.iter().any(|word| NOT_REQUIREMENTS.contains(word)) {
        return Some(
            "plans, task lists, designs and notes may reference requirements but define none",
        );
    }
    if feature_of(path).is_some() && !REQUIREMENT_DOCUMENTS.contains(&stem.as_str()) {
        return Some(
            "in a spec-kit or Kiro feature folder only spec.md / requirements.md define requirements",
        );
    }
    None
}

/// The feature a file belongs to by its folder: `specs/NNN-name/…` (spec-kit) or
/// `.kiro/specs/<feature>/…` (Kiro). Returns the feature's name and its folder.
pub fn feature_of(path: &str) -> Option<(String, String)> {
    let components: Vec<&str> = path.split('/').collect();
    let folders = components
        .split_last()
        .map_or(&[][..], |(_, folders)| folders);
    for (index, folder) in folders.iter().enumerate() {
        let parent = index.checked_sub(1).and_then(|before| folders.get(before));
        let grandparent = index.checked_sub(2).and_then(|before| folders.get(before));
        let kiro = parent == Some(&"specs") && grandparent == Some(&".kiro");
        let spec_kit = parent == Some(&"specs") && SPEC_KIT_FEATURE.is_match(folder);
        if kiro || spec_kit {
            let directory = folders.get(..=index).unwrap_or_default().join("/");
            return Some(((*folder).to_owned(), directory));
        }
    }
    None
}

static PLACEHOLDER: LazyLock<Regex> = crate::lazy_regex::lazy_regex!(r"\[[^\]\n]{3,}\]");

/// Whether requirement texts are mostly template placeholders (`System MUST [specific
/// capability]`): at least two requirements, and half of them or more hold a `[…]` placeholder
/// other than a `[NEEDS CLARIFICATION: …]` marker.
pub fn is_placeholder_spec<'a>(texts: impl Iterator<Item = &'a str>) -> bool {
    let mut total = 0usize;
    let mut placeholders = 0usize;
    for text in texts {
        total += 1;
        // `[NEEDS CLARIFICATION: …]` is a real open question, not a template's blank.
        let placeholder = PLACEHOLDER
            .find_iter(text)
            .any(|found| !found.as_str().starts_with("[NEEDS CLARIFICATION"));
        if placeholder {
            placeholders += 1;
        }
    }
    total >= 2 && placeholders * 2 >= total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_documents_and_the_rest() {
        assert_eq!(not_a_requirements_document("specs/001-voice/spec.md"), None);
        assert_eq!(
            not_a_requirements_document(".kiro/specs/chat/requirements.md"),
            None
        );
        assert_eq!(not_a_requirements_document("specs/refunds.md"), None);
        for path in [
            ".specify/templates/spec-template.md",
            "templates/spec-template.md",
            "specs/001-voice/plan.md",
            "specs/001-voice/tasks.md",
            "specs/001-voice/research.md",
            "specs/001-voice/data-model.md",
            "specs/001-voice/quickstart.md",
            "specs/001-voice/contracts/api.md",
            "specs/001-voice/checklists/requirements.md",
            ".kiro/specs/chat/design.md",
            ".kiro/specs/chat/tasks.md",
            "specs/implementation-plan.md",
            "specs/001-voice/notes-from-call.md",
        ] {
            assert!(not_a_requirements_document(path).is_some(), "{path}");
        }
    }

    #[test]
    fn features_by_folder() {
        assert_eq!(
            feature_of("specs/001-voice-orchestrator/spec.md"),
            Some((
                "001-voice-orchestrator".to_owned(),
                "specs/001-voice-orchestrator".to_owned()
            ))
        );
        assert_eq!(
            feature_of(".kiro/specs/chat/requirements.md"),
            Some(("chat".to_owned(), ".kiro/specs/chat".to_owned()))
        );
        assert_eq!(feature_of("specs/refunds.md"), None);
        assert_eq!(feature_of("prompts/001-x/a.md"), None);
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder_spec(
            [
                "System MUST [specific capability, e.g. create accounts]",
                "Users MUST be able to [key interaction]",
                "System MUST persist data"
            ]
            .into_iter()
        ));
        assert!(!is_placeholder_spec(
            ["Refunds MUST be accepted within 30 days", "System MUST log"].into_iter()
        ));
        assert!(!is_placeholder_spec(
            [
                "System MUST authenticate users via [NEEDS CLARIFICATION: auth method?]",
                "System MUST retain data for [NEEDS CLARIFICATION: how long?]"
            ]
            .into_iter()
        ));
    }
}

//! OpenAI evals registry files: `<name>: {id, description, metrics}` entries naming an eval, and
//! `<name>.<split>.<version>: {class, args: {samples_jsonl: ...}}` entries naming its samples,
//! which live under `registry/data/`. The samples JSONL is read as the eval's cases (a Git LFS
//! pointer is reported, never parsed). `metadata.requirements` on either entry applies to every
//! sample.

use std::path::{Path, PathBuf};

use crate::source::eval_dataset;
use crate::source::eval_refs::{mention_references, references_in_mapping, token_span};
use crate::source::model::{ClaimedFile, Extraction, Problem, Reference};
use crate::source::resolve::{Resolution, resolve};
use crate::source::spec_yaml::yaml_problem;
use crate::source::table::FileText;
use crate::source::{Format, LoadContext, Role, yaml};
use crate::source_db::FileId;

pub fn load(context: &LoadContext<'_>, file: FileId, text: &str) -> (Format, Extraction) {
    let pattern = &context.settings.id_pattern;
    let mut extraction = Extraction::default();
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(error) => {
            extraction.problems.push(yaml_problem(file, text, &error));
            return (Format::OpenAiRegistry, extraction);
        }
    };
    let own_path = context.table.absolute_path(file);
    let data_dir = registry_data_dir(&own_path);
    let mut loaded: Vec<FileId> = Vec::new();

    for (name_node, entry) in root.entries() {
        let Some(name) = name_node.as_str() else {
            continue;
        };
        let Some(samples) = entry.get("args").and_then(|args| args.get("samples_jsonl")) else {
            continue;
        };
        let Some(samples_path) = samples.as_str() else {
            continue;
        };
        // References on the eval's own entry (`<name>`) and on its versioned entry.
        let base_name = name.split('.').next().unwrap_or(name);
        let mut defaults: Vec<Reference> = Vec::new();
        for candidate in [root.get(base_name), Some(entry)].into_iter().flatten() {
            if let Some(metadata) = candidate.get("metadata") {
                defaults.extend(references_in_mapping(file, text, metadata));
            }
            if let Some(description) = candidate.get("description") {
                defaults.extend(mention_references(file, text, description, pattern));
            }
        }
        let span = token_span(file, text, samples, samples_path);
        match resolve(context.table, &data_dir, samples_path) {
            Resolution::Files(targets) => {
                for target in targets {
                    if loaded.contains(&target) {
                        continue;
                    }
                    loaded.push(target);
                    extraction.claimed_files.push(ClaimedFile {
                        file: target,
                        role: Role::Eval,
                        format: Format::JsonlDataset,
                    });
                    match context.table.text(target) {
                        FileText::Text(samples_text) => {
                            let mut samples_extraction =
                                eval_dataset::load_jsonl(target, &samples_text, pattern);
                            for case in &mut samples_extraction.eval_cases {
                                std::sync::Arc::make_mut(case).add_references(&defaults);
                            }
                            extraction.merge(samples_extraction);
                        }
                        FileText::Unreadable(problem) => extraction.problems.push(problem),
                    }
                }
            }
            Resolution::Broken(reason) | Resolution::Refused(reason) => {
                extraction.problems.push(
                    Problem::broken_reference(span, format!("samples of eval `{name}`: {reason}"))
                        .with_help(
                            "samples_jsonl paths are relative to the registry's data folder",
                        ),
                );
            }
            Resolution::Opaque(reason) | Resolution::Remote(reason) => {
                extraction.problems.push(Problem::opaque(span, reason));
            }
        }
    }
    (Format::OpenAiRegistry, extraction)
}

/// `…/registry/data` for a file under `…/registry/evals/`, else the file's own folder.
fn registry_data_dir(registry_file: &Path) -> PathBuf {
    for ancestor in registry_file.ancestors().skip(1) {
        if ancestor.file_name().is_some_and(|name| name == "registry") {
            return ancestor.join("data");
        }
    }
    registry_file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

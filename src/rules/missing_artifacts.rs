use crate::diagnostic::Diagnostic;
use crate::graph::Graph;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::settings::FileSet;
use crate::source::Role;
use crate::source::model::Status;
use crate::source_db::Span;

declare_rule! {
    /// ## What it does
    /// Reports, once for the whole project, that a kind of artifact is missing or not linked
    /// at all:
    /// - no spec: prompts or evals were read, but no requirement is defined anywhere;
    /// - no prompt references any requirement (no prompt files, or none tagged yet);
    /// - no eval case references any requirement (no eval files, or none tagged yet).
    ///
    /// Each message says where speclint looked and how to point it elsewhere. While a whole
    /// kind is missing, the per-item rules (`requirement-missing-from-prompt`,
    /// `requirement-untested`, `eval-tests-unspecified-behavior`) stay silent instead of
    /// reporting every requirement or test; they take over with the first link.
    ///
    /// The finding stands at line 1 of the first spec file (for missing prompts or evals) or of
    /// the first eval or prompt file (for a missing spec).
    ///
    /// ## Why is this bad?
    /// A first run on a repository that has a spec but no tagged prompts should say one useful
    /// thing ("nothing links to the spec yet; here is how"), not 400 errors.
    ///
    /// ## Example
    /// A Kiro `requirements.md` with 201 criteria and a `prompts/` folder whose files reference
    /// none of them.
    ///
    /// ## Use instead
    /// Tag the prompt passage that implements a requirement (`{# FR-001 #}`,
    /// `<!-- FR-001 -->`, `# FR-001` in code), or run `speclint link` to suggest the links; set
    /// `[coverage] needs` in speclint.toml when a kind of artifact does not apply.
    MissingArtifacts, code = "SL016", name = "missing-artifacts", level = Warning
}

impl Rule for MissingArtifacts {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        let settings = context.settings;
        if graph.requirements.is_empty() {
            let Some(anchor) = first_file(graph, Role::Eval).or_else(|| first_file(graph, Role::Prompt))
            else {
                return;
            };
            let specs = where_looked(&settings.spec_files, "Markdown with `**ID**:` lines, Kiro `requirements.md` and YAML with a `requirements:` list anywhere");
            diagnostics.push(
                context
                    .diagnostic(
                        &Self::META,
                        anchor,
                        format!(
                            "no spec found: {} and {} were read, but no requirement is defined (speclint looked in {specs})",
                            plural(graph.eval_cases.len(), "eval case"),
                            plural(graph.passages.len(), "prompt passage"),
                        ),
                    )
                    .with_label("no requirement to test against")
                    .with_help("point `[spec] include` in speclint.toml at your spec files, or give requirements IDs (`- **FR-001**: …`)"),
            );
            return;
        }
        let active = |needs: fn(&crate::graph::Requirement) -> bool| {
            graph
                .requirements
                .iter()
                .filter(|requirement| requirement.def.status == Status::Active && needs(requirement))
                .count()
        };
        let Some(anchor) = first_file(graph, Role::Spec) else {
            return;
        };
        let needing_prompts = active(|requirement| requirement.needs.prompt);
        if needing_prompts > 0 && !graph.has_prompt_links() {
            let files = files_of(graph, Role::Prompt);
            let message = if files == 0 {
                format!(
                    "no prompt files found, so no prompt implements {} (speclint looked in {})",
                    that_need(needing_prompts, "a prompt"),
                    where_looked(&settings.prompt_files, "`.prompty`, `.prompt`, `.prompt.yml` and prompt-named files anywhere, and prompt strings in Python, TypeScript and JavaScript")
                )
            } else {
                format!(
                    "no prompt references {}: {} read, but no passage is tagged with a requirement ID",
                    that_need(needing_prompts, "a prompt"),
                    plural(files, "prompt file"),
                )
            };
            diagnostics.push(
                context
                    .diagnostic(&Self::META, anchor, message)
                    .with_label("no prompt links")
                    .with_help("tag the passage that implements a requirement with a comment in the file's syntax (`{# FR-001 #}`, `<!-- FR-001 -->`, `# FR-001`), point `[prompts] include` at your prompts, or set `[coverage] needs = [\"eval\"]` if there are none"),
            );
        }
        let needing_evals = active(|requirement| requirement.needs.eval);
        if needing_evals > 0 && !graph.has_eval_links() {
            let files = files_of(graph, Role::Eval);
            let message = if files == 0 {
                format!(
                    "no eval files found, so nothing tests {} (speclint looked in {})",
                    that_need(needing_evals, "an eval"),
                    where_looked(&settings.eval_files, "promptfoo configs, JSONL/JSON/CSV datasets, OpenAI evals and Inspect datasets anywhere")
                )
            } else {
                format!(
                    "no eval case tests {}: {} read, but no eval case names a requirement",
                    that_need(needing_evals, "an eval"),
                    plural(files, "eval file"),
                )
            };
            diagnostics.push(
                context
                    .diagnostic(&Self::META, anchor, message)
                    .with_label("no eval links")
                    .with_help("add `metadata: {requirements: [FR-001]}` to the eval cases that test a requirement, point `[evals] include` at your evals, or set `[coverage] needs = [\"prompt\"]` if there are none"),
            );
        }
    }
}

fn first_file(graph: &Graph, role: Role) -> Option<Span> {
    graph
        .files
        .iter()
        .find(|file| file.role == role && file.format != crate::source::Format::Unread)
        .map(|file| Span::new(file.file, 0, 0))
}

fn files_of(graph: &Graph, role: Role) -> usize {
    graph
        .files
        .iter()
        .filter(|file| file.role == role && file.format != crate::source::Format::Unread)
        .count()
}

fn where_looked(files: &FileSet, also: &str) -> String {
    let globs = files
        .include_globs
        .iter()
        .map(|glob| format!("`{glob}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if files.explicit {
        globs
    } else {
        format!("{globs}, and {also}")
    }
}

/// "the requirement that needs a prompt", "the 12 requirements that need a prompt".
fn that_need(count: usize, what: &str) -> String {
    if count == 1 {
        format!("the 1 requirement that needs {what}")
    } else {
        format!("the {count} requirements that need {what}")
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

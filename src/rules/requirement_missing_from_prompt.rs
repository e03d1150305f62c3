use crate::diagnostic::Diagnostic;
use crate::link::{DEFAULT_MIN_CONFIDENCE, LinkKind};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{GlobalInput, RequirementRule, check_each_requirement, Rule, RuleContext, declare_rule};
use crate::source::comments::comment_for;
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a requirement that needs prompt coverage when no prompt references it. A prompt
    /// references a requirement with a comment in the file's own syntax just before the passage
    /// that implements it: `<!-- FR-003 -->`, `{# FR-003 #}`, `{{!-- FR-003 --}}`, or `# FR-003`
    /// and `// FR-003` above a prompt string in code.
    ///
    /// When an untagged prompt passage (one no reference covers) shares enough distinctive
    /// words with the requirement, the help names it: "prompts/x.j2:4 looks like it covers
    /// this: tag it with `{# FR-003 #}`". The search uses an inverted index over stemmed content
    /// words, never all pairs.
    ///
    /// What a requirement needs comes from `[coverage] needs` in speclint.toml (default: prompt
    /// and eval), overridden by a `Needs:` line in the requirement (`Needs: eval`). Draft and
    /// deprecated requirements need nothing.
    ///
    /// ## Why is this bad?
    /// Nothing tells the model to do what the requirement asks, or nobody recorded where it
    /// does, so a later edit of the prompt can drop the behaviour without anyone noticing.
    ///
    /// ## Example
    /// ```markdown
    /// - **FR-003**: The assistant MUST answer in the user's language.
    /// ```
    /// with no prompt mentioning `FR-003` in a reference comment.
    ///
    /// ## Use instead
    /// ```jinja
    /// {# FR-003 #}
    /// Always reply in the language the user wrote in.
    /// ```
    /// or, when no prompt should implement it, `Needs: eval` under the requirement.
    RequirementMissingFromPrompt, code = "SL003", name = "requirement-missing-from-prompt", level = Error
}

impl Rule for RequirementMissingFromPrompt {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for RequirementMissingFromPrompt {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        // With no prompt link at all, `missing-artifacts` says so once instead.
        if !graph.has_prompt_links() {
            return;
        }
        if !requirement.needs.prompt || requirement.def.status != Status::Active {
            return;
        }
        if graph.definitions(&requirement.def.id).first() != Some(&index) {
            return;
        }
        // Nothing is found for a requirement that something links to (nor in a project
        // without links of this kind): the rule memo relies on it to keep the findings of
        // linked requirements through edits to specs and untagged prompt passages
        // (`GlobalInput::RequirementsAndUntaggedArtifactsWhenUnlinked`).
        if !graph.passages_for(index).is_empty() {
            return;
        }
        let id = &requirement.def.id;
        let linker = context.linker();
        let mut diagnostic = context
            .diagnostic(
                &Self::META,
                context.headline(&requirement.def),
                format!("requirement `{id}` is not referenced by any prompt"),
            )
            .with_label("no prompt implements this")
            .with_requirement(id);
        // The same suggestion `speclint link` makes.
        diagnostic = match linker.best(graph, index, LinkKind::Prompt, DEFAULT_MIN_CONFIDENCE) {
            Some(suggestion) => {
                let location = context.location(suggestion.span);
                let comment = reference_comment(graph.db.path(suggestion.span.file), id);
                diagnostic
                    .with_related(suggestion.span, "this untagged prompt passage looks like it covers the requirement")
                    .with_help(format!("{location} looks like it covers this: tag it with `{comment}`"))
            }
            None => diagnostic.with_help(format!(
                "add a reference comment such as `<!-- {id} -->` or `{{# {id} #}}` above the prompt passage that implements it, or write `Needs: eval` under the requirement if no prompt should"
            )),
        };
        diagnostics.push(diagnostic);
    }

    fn global_inputs(&self) -> &'static [GlobalInput] {
        &[GlobalInput::RequirementsAndUntaggedArtifactsWhenUnlinked(LinkKind::Prompt)]
    }
}

/// The reference comment in the syntax of the file a passage is in.
fn reference_comment(path: &str, id: &str) -> String {
    comment_for(path, id).unwrap_or_else(|| format!("{{# {id} #}}"))
}

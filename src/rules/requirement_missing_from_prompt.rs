use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a requirement that needs prompt coverage when no prompt references it. A prompt
    /// references a requirement with a comment in the file's own syntax just before the passage
    /// that implements it: `<!-- FR-003 -->`, `{# FR-003 #}`, `{{!-- FR-003 --}}`, or `# FR-003`
    /// and `// FR-003` above a prompt string in code.
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
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        for index in graph.requirement_indices() {
            let Some(requirement) = graph.requirement(index) else {
                continue;
            };
            if !requirement.needs.prompt || requirement.def.status != Status::Active {
                continue;
            }
            if graph.definitions(&requirement.def.id).first() != Some(&index) {
                continue;
            }
            if !graph.passages_for(index).is_empty() {
                continue;
            }
            let id = &requirement.def.id;
            diagnostics.push(
                context
                    .diagnostic(
                        &Self::META,
                        context.headline(&requirement.def),
                        format!("requirement `{id}` is not referenced by any prompt"),
                    )
                    .with_label("no prompt implements this")
                    .with_requirement(id)
                    .with_help(format!(
                        "add a reference comment such as `<!-- {id} -->` or `{{# {id} #}}` above the prompt passage that implements it, or write `Needs: eval` under the requirement if no prompt should"
                    )),
            );
        }
    }
}

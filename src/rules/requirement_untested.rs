use crate::diagnostic::Diagnostic;
use crate::link::{DEFAULT_MIN_CONFIDENCE, LinkKind};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{GlobalInput, RequirementRule, check_each_requirement, Rule, RuleContext, declare_rule};
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a requirement that needs eval coverage when no eval case references it. An eval
    /// case references requirements through `metadata.requirements` (a list or one string;
    /// `metadata.requirement` and `metadata.req` too), a top-level `requirements` field in a
    /// dataset row, or a defined ID written in its `description`.
    ///
    /// What a requirement needs comes from `[coverage] needs` in speclint.toml (default: prompt
    /// and eval), overridden by a `Needs:` line in the requirement. Draft and deprecated
    /// requirements need nothing.
    ///
    /// ## Why is this bad?
    /// An untested requirement can regress with any prompt or model change and nothing fails.
    ///
    /// ## Example
    /// ```markdown
    /// - **FR-004**: Summaries MUST be at most 120 words.
    /// ```
    /// with no eval case referencing `FR-004`.
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - description: summary length
    ///     metadata:
    ///       requirements: [FR-004]
    ///     assert:
    ///       - type: javascript
    ///         value: output.split(/\s+/).length <= 120
    /// ```
    RequirementUntested, code = "SL004", name = "requirement-untested", level = Error
}

impl Rule for RequirementUntested {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for RequirementUntested {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        // With no eval link at all, `missing-artifacts` says so once instead.
        if !graph.has_eval_links() {
            return;
        }
        if !requirement.needs.eval || requirement.def.status != Status::Active {
            return;
        }
        if graph.definitions(&requirement.def.id).first() != Some(&index) {
            return;
        }
        // Nothing is found for a requirement that something links to (nor in a project
        // without links of this kind): the rule memo relies on it to keep the findings of
        // linked requirements through edits to specs and untagged eval cases
        // (`GlobalInput::RequirementsAndUntaggedArtifactsWhenUnlinked`).
        if !graph.eval_cases_for(index).is_empty() {
            return;
        }
        let id = &requirement.def.id;
        let diagnostic = context
            .diagnostic(
                &Self::META,
                context.headline(&requirement.def),
                format!("requirement `{id}` is not tested by any eval case"),
            )
            .with_label("no eval case tests this")
            .with_requirement(id);
        // The same suggestion `speclint link` makes.
        let linker = context.linker();
        let diagnostic = match linker.best(graph, index, LinkKind::Eval, DEFAULT_MIN_CONFIDENCE) {
            Some(suggestion) => diagnostic
                .with_related(
                    suggestion.span,
                    "this untagged eval case looks like it tests the requirement",
                )
                .with_help(format!(
                    "{} looks like it tests this: add `metadata: {{requirements: [{id}]}}` to it (or run `speclint link --write`)",
                    context.location(suggestion.span)
                )),
            None => diagnostic.with_help(format!(
                "add `metadata: {{requirements: [{id}]}}` to the eval case that tests it, or write `Needs: prompt` under the requirement if no eval should"
            )),
        };
        diagnostics.push(diagnostic);
    }

    fn global_inputs(&self) -> &'static [GlobalInput] {
        &[GlobalInput::RequirementsAndUntaggedArtifactsWhenUnlinked(LinkKind::Eval)]
    }
}

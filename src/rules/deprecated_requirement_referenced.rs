use crate::diagnostic::Diagnostic;
use crate::rules::{FileRule, Rule, RuleContext, check_every_file, declare_rule};
use crate::source_db::FileId;
use crate::source::model::{Reference, Status};

declare_rule! {
    /// ## What it does
    /// Reports a prompt or eval case that references a deprecated requirement: YAML
    /// `status: deprecated`, a `Status: deprecated` line in the Markdown definition, or a
    /// struck-through ID (`~~**FR-007**~~`).
    ///
    /// ## Why is this bad?
    /// The behaviour is on its way out of the product, but the prompt still asks for it or the
    /// eval still requires it.
    ///
    /// ## Example
    /// ```markdown
    /// - ~~**FR-007**~~: The assistant SHOULD mention the old help center.
    /// ```
    /// with a prompt passage tagged `<!-- FR-007 -->`.
    ///
    /// ## Use instead
    /// Remove the passage (and the reference), or point it at the requirement that replaced
    /// `FR-007`.
    DeprecatedRequirementReferenced, code = "SL010", name = "deprecated-requirement-referenced", level = Warning
}

impl Rule for DeprecatedRequirementReferenced {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_every_file(self, context, diagnostics);
    }

    fn per_file(&self) -> Option<&dyn FileRule> {
        Some(self)
    }
}

impl FileRule for DeprecatedRequirementReferenced {
    fn check_files(
        &self,
        context: &RuleContext<'_>,
        files: &[FileId],
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        // With no deprecated requirement there is nothing to look up.
        if graph
            .requirements
            .iter()
            .all(|requirement| requirement.def.status != Status::Deprecated)
        {
            return;
        }
        let files: std::collections::HashSet<FileId> = files.iter().copied().collect();
        let passage_references = graph.passages.iter().flat_map(|passage| {
            passage
                .references
                .iter()
                .map(|reference| ("prompt", reference))
        });
        let case_references = graph.eval_cases.iter().flat_map(|case| {
            case.references
                .iter()
                .map(|reference| ("eval case", reference))
        });
        for (place, reference) in passage_references.chain(case_references) {
            if files.contains(&reference.span.file) {
                report(context, place, reference, diagnostics);
            }
        }
    }
}

fn report(
    context: &RuleContext<'_>,
    place: &str,
    reference: &Reference,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let graph = context.graph;
    let Some(requirement) = graph
        .lookup(&reference.id)
        .map(|index| &graph[index])
    else {
        return;
    };
    if requirement.def.status != Status::Deprecated {
        return;
    }
    let (related_span, related_message) = context.requirement_note(&requirement.def);
    diagnostics.push(
        context
            .diagnostic(
                &DeprecatedRequirementReferenced::META,
                reference.span,
                format!("this {place} references `{}`, which is deprecated", requirement.def.id),
            )
            .with_label("deprecated requirement")
            .with_requirement(&requirement.def.id)
            .with_related(related_span, related_message)
            .with_help("remove the behaviour and the reference, or reference the requirement that replaced it"),
    );
}

use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a requirement ID that is defined more than once, at every definition after the
    /// first, with the first as a related location.
    ///
    /// ## Why is this bad?
    /// Prompts and evals reference requirements by ID. With two definitions, a reference can only
    /// mean one of them (speclint links it to the first), and the other silently loses its
    /// coverage.
    ///
    /// ## Example
    /// ```markdown
    /// - **FR-001**: The assistant MUST answer in the user's language.
    /// - **FR-001**: The assistant MUST NOT give legal advice.
    /// ```
    ///
    /// ## Use instead
    /// ```markdown
    /// - **FR-001**: The assistant MUST answer in the user's language.
    /// - **FR-002**: The assistant MUST NOT give legal advice.
    /// ```
    DuplicateRequirementId, code = "SL001", name = "duplicate-requirement-id", level = Error
}

impl Rule for DuplicateRequirementId {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        for requirement in &graph.requirements {
            let definitions = graph.definitions(&requirement.def.id);
            let Some(first) = definitions
                .first()
                .map(|&index| &graph[index])
            else {
                continue;
            };
            if std::ptr::eq(first, requirement) {
                continue;
            }
            let id = &requirement.def.id;
            let first_location = context.location(first.def.id_span);
            diagnostics.push(
                context
                    .diagnostic(
                        &Self::META,
                        requirement.def.id_span,
                        format!("requirement `{id}` is already defined at {first_location}"),
                    )
                    .with_label("defined again here")
                    .with_requirement(id)
                    .with_related(first.def.id_span, format!("`{id}` is first defined here"))
                    .with_help(format!(
                        "give one of the two requirements a new ID; references to `{id}` resolve to the first definition"
                    )),
            );
        }
    }
}

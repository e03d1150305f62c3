use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a `[NEEDS CLARIFICATION: …]` marker left in a spec (spec-kit writes them for
    /// questions the spec cannot answer yet). Markers in code blocks and HTML comments are
    /// ignored.
    ///
    /// Text about markers is not an open question: a marker on a checklist line
    /// (`- [x] No [NEEDS CLARIFICATION] markers remain`), one whose question is a generic
    /// placeholder (`specific question`), or one after an instruction ("Use …", "Mark with …").
    /// ## Why is this bad?
    /// A prompt and an eval written against an open question encode somebody's guess. Until the
    /// question is answered, the requirement around it cannot be implemented or tested with
    /// confidence.
    ///
    /// ## Example
    /// ```markdown
    /// - **FR-006**: System MUST authenticate users via [NEEDS CLARIFICATION: auth method not specified]
    /// ```
    ///
    /// ## Use instead
    /// ```markdown
    /// - **FR-006**: System MUST authenticate users via the company's SSO (OIDC).
    /// ```
    UnresolvedClarification, code = "SL013", name = "unresolved-clarification", level = Warning
}

impl Rule for UnresolvedClarification {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        for clarification in &context.graph.clarifications {
            let question = if clarification.question.is_empty() {
                "an open question".to_owned()
            } else {
                format!("\"{}\"", clarification.question)
            };
            diagnostics.push(
                context
                    .diagnostic(
                        &Self::META,
                        clarification.span,
                        format!("the spec still needs clarification: {question}"),
                    )
                    .with_label("unresolved")
                    .with_help("answer the question in the spec and remove the marker"),
            );
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::source::model::ReferenceKind;

declare_rule! {
    /// ## What it does
    /// Reports an eval case that references no requirement: no `metadata.requirements`, no
    /// `requirements` field, and no defined ID in its description.
    ///
    /// ## Why is this bad?
    /// A test of behaviour nobody specified either tests something the spec forgot (the spec
    /// should say it) or something nobody wants any more (the test should go). Either way, when
    /// it fails nobody can tell whether the model or the test is wrong.
    ///
    /// ## Example
    /// ```yaml
    /// tests:
    ///   - vars: {question: "Can I get a refund?"}
    ///     assert:
    ///       - type: icontains
    ///         value: 30 days
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - vars: {question: "Can I get a refund?"}
    ///     metadata:
    ///       requirements: [FR-001]
    ///     assert:
    ///       - type: icontains
    ///         value: 30 days
    /// ```
    EvalTestsUnspecifiedBehavior, code = "SL005", name = "eval-tests-unspecified-behavior", level = Warning
}

impl Rule for EvalTestsUnspecifiedBehavior {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        // With no spec at all, `missing-artifacts` says so once instead.
        if graph.requirements.is_empty() {
            return;
        }
        for case in &graph.eval_cases {
            // A case with an unknown explicit reference is reported by
            // `unknown-requirement-reference` instead.
            let links_something = case.references.iter().any(|reference| {
                reference.kind != ReferenceKind::Mention || graph.lookup(&reference.id).is_some()
            });
            if links_something {
                continue;
            }
            diagnostics.push(
                context
                    .diagnostic(
                        &Self::META,
                        case.span,
                        format!("eval case `{}` references no requirement", case.label),
                    )
                    .with_label("tests unspecified behaviour")
                    .with_help(
                        "add `metadata: {requirements: [<ID>]}` naming the requirement it tests, or add the behaviour to the spec",
                    ),
            );
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::modality::Modality;
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Rule, RuleContext, declare_rule};
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a MUST NOT / SHALL NOT requirement whose linked eval cases contain no assertion
    /// able to fail when the forbidden thing happens: a `not-contains` / `not-icontains` (any
    /// `not-` assertion), a negated `javascript` or `python` check (`!output.includes(…)`,
    /// `'x' not in output`), an `llm-rubric` that states an absence ("does not give legal
    /// advice"), or a refusal or moderation check.
    ///
    /// Requirements with no eval case at all are reported by `requirement-untested` instead.
    ///
    /// ## Why is this bad?
    /// A test of a prohibition that only checks what the output contains passes when the output
    /// also contains the forbidden thing. The requirement looks tested and is not.
    ///
    /// ## Example
    /// ```yaml
    /// - metadata: {requirements: [SAFE-002]}   # "MUST NOT give legal advice"
    ///   assert:
    ///     - type: icontains
    ///       value: consumer rights
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - metadata: {requirements: [SAFE-002]}
    ///   assert:
    ///     - type: llm-rubric
    ///       value: The answer does not give legal advice.
    /// ```
    NegativeRequirementUntested, code = "SL011", name = "negative-requirement-untested", level = Warning
}

impl Rule for NegativeRequirementUntested {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for NegativeRequirementUntested {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        let negative = matches!(
            requirement.def.modality,
            Some(Modality::MustNot | Modality::ShallNot)
        );
        if !negative || requirement.def.status != Status::Active {
            return;
        }
        let cases: Vec<_> = graph.linked_eval_cases(index).collect();
        if cases.is_empty() {
            return;
        }
        let checked = cases
            .iter()
            .flat_map(|case| case.assertions.iter())
            .any(|assertion| context.assertion_facts(assertion).checks_absence);
        if checked {
            return;
        }
        let id = &requirement.def.id;
        let keyword = requirement
            .def
            .modality
            .map_or("MUST NOT", Modality::keyword);
        let mut diagnostic = context
            .diagnostic(
                &Self::META,
                context.headline(&requirement.def),
                format!(
                    "`{id}` forbids something ({keyword}), but none of its {} eval case{} checks that it does not happen",
                    cases.len(),
                    if cases.len() == 1 { "" } else { "s" }
                ),
            )
            .with_label("no assertion can fail on the forbidden behaviour")
            .with_requirement(id)
            .with_help(
                "add a `not-icontains`, a negated `javascript` check or an `llm-rubric` stating the absence to an eval case of this requirement",
            );
        for case in cases.iter().take(3) {
            diagnostic = diagnostic.with_related(
                case.span,
                format!("eval case `{}` tests `{id}`", case.label),
            );
        }
        diagnostics.push(diagnostic);
    }
}

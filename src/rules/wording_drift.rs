use crate::diagnostic::Diagnostic;
use crate::facts::compare::{RequirementReading, wording_disagreements_of};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Drift, Rule, RuleContext, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares each prompt passage with the requirements it references and reports a quantity
    /// or literal that contradicts the requirement: a different number of the same kind
    /// ("30 days" vs "45 days", "120 words" vs "150 words"; units are normalised, so "2 weeks"
    /// agrees with "14 days"), a bound turned around ("at most" vs "at least"), a changed
    /// quoted literal or inline code ("RF-" vs "REF-"), or a changed enumeration ("one of A, B
    /// or C").
    ///
    /// A number of the same kind that agrees anywhere in the passage is enough: other numbers in
    /// unrelated clauses are not compared.
    ///
    /// ## Why is this bad?
    /// The model does what the prompt says, not what the spec says. A prompt that promises a
    /// 45-day refund window when the policy is 30 days is a bug that no test of the spec catches.
    ///
    /// ## Example
    /// ```jinja
    /// {# FR-001 #}
    /// Customers can return any order within 45 days of delivery.
    /// ```
    /// with `FR-001`: "Refunds MUST be accepted within 30 days of delivery."
    ///
    /// ## Use instead
    /// ```jinja
    /// {# FR-001 #}
    /// Customers can return any order within 30 days of delivery.
    /// ```
    WordingDrift, code = "SL006", name = "wording-drift", level = Error
}

impl Rule for WordingDrift {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for WordingDrift {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        let read = RequirementReading {
            text: &requirement.def.text,
            quantities: context.requirement_quantities(index),
            lists: context.requirement_lists(index),
        };
        for passage in graph.linked_passages(index) {
            for disagreement in wording_disagreements_of(&read, &passage.text) {
                diagnostics.push(context.drift_diagnostic(
                    &Self::META,
                    Drift {
                        requirement: &requirement.def,
                        artifact_span: passage.span,
                        phrase: &disagreement.phrase,
                        message: format!(
                            "this prompt {} (`{}`)",
                            disagreement.message, requirement.def.id
                        ),
                        label: format!("contradicts {}", requirement.def.id),
                        help: format!(
                            "make the prompt say \"{}\" as the requirement does, or change the requirement if the prompt is right",
                            disagreement.requirement_phrase
                        ),
                    },
                ));
            }
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::facts::compare::RequirementFacts;
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Drift, Rule, RuleContext, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the assertions of each eval case with the requirements it references and reports
    /// a bound or literal that contradicts the requirement: `javascript` comparisons
    /// (`output.split(/\s+/).length <= 150`, `output.length < 500`), `contains` / `icontains` /
    /// `equals` / `regex` values, `llm-rubric` text, `latency` and `cost` thresholds, CSV
    /// `__expected` shorthands and dataset metadata limits (`max_words`).
    ///
    /// Test inputs (`vars`, `input`) are what the model is given, not what is expected: they are
    /// never compared.
    ///
    /// ## Why is this bad?
    /// A test that checks the wrong bound passes on outputs the spec forbids (or fails on outputs
    /// it allows), so the eval suite no longer guards the requirement.
    ///
    /// ## Example
    /// ```yaml
    /// - metadata: {requirements: [FR-006]}   # "Summaries MUST be at most 120 words."
    ///   assert:
    ///     - type: javascript
    ///       value: output.split(/\s+/).length <= 150
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - metadata: {requirements: [FR-006]}
    ///   assert:
    ///     - type: javascript
    ///       value: output.split(/\s+/).length <= 120
    /// ```
    EvalAssertionDrift, code = "SL008", name = "eval-assertion-drift", level = Error
}

impl Rule for EvalAssertionDrift {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for EvalAssertionDrift {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        let facts =
            RequirementFacts::new(&requirement.def.text, context.requirement_quantities(index));
        if !facts.is_comparable() {
            return;
        }
        for case in graph.linked_eval_cases(index) {
            for assertion in &case.assertions {
                let read = context.assertion_facts(assertion);
                for disagreement in facts.assertion_disagreements(&read) {
                    diagnostics.push(context.drift_diagnostic(
                        &Self::META,
                        Drift {
                            requirement: &requirement.def,
                            artifact_span: assertion.span,
                            phrase: "",
                            message: format!(
                                "this `{}` assertion {} (`{}`)",
                                assertion.kind, disagreement.message, requirement.def.id
                            ),
                            label: format!("contradicts {}", requirement.def.id),
                            help: format!(
                                "make the assertion check \"{}\" as the requirement says, or change the requirement if the test is right",
                                disagreement.requirement_phrase
                            ),
                        },
                    ));
                }
            }
        }
    }
}

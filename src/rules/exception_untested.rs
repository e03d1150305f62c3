use crate::diagnostic::Diagnostic;
use crate::facts::coverage::{case_text, exceptions, reaches_exception};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Rule, RuleContext, declare_rule};
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a requirement with an exception or a condition ("unless the item is
    /// perishable", "only if the customer is verified", "except for gift cards", an EARS
    /// "IF the customer is not verified THEN …") when none of
    /// its eval cases exercises it: no case's description, inputs or assertion values name the
    /// exception's distinctive words (general words such as "customer" or "item" do not count;
    /// "unverified" counts for "verified").
    ///
    /// Requirements with no eval case are `requirement-untested`'s.
    ///
    /// ## Why is this bad?
    /// The exception is where the behaviour changes, and where prompts most often get it wrong.
    /// Evals that only cover the main rule pass even when the model refunds perishable goods.
    ///
    /// ## Example
    /// ```yaml
    /// # REF-002: Refunds MUST be issued within 30 days unless the item is perishable.
    /// tests:
    ///   - vars: {message: "My headphones broke, can I get a refund?"}
    ///     metadata: {requirements: [REF-002]}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   - vars: {message: "The cheese I ordered was mouldy, refund please", category: perishable}
    ///     metadata: {requirements: [REF-002]}
    /// ```
    ExceptionUntested, code = "SL020", name = "exception-untested", level = Warning
}

impl Rule for ExceptionUntested {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for ExceptionUntested {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        if requirement.def.status != Status::Active {
            return;
        }
        let found = exceptions(&requirement.def.text);
        if found.is_empty() {
            return;
        }
        let cases: Vec<_> = graph.linked_eval_cases(index).collect();
        if cases.is_empty() {
            return;
        }
        let texts: Vec<String> = cases.iter().map(|case| case_text(case)).collect();
        for exception in found {
            if texts
                .iter()
                .any(|text| reaches_exception(text, &exception))
            {
                continue;
            }
            let id = &requirement.def.id;
            let phrase = &exception.phrase;
            let mut diagnostic = context
                .diagnostic(
                    &Self::META,
                    context.headline(&requirement.def),
                    format!(
                        "no eval case of `{id}` exercises its exception \"{phrase}\""
                    ),
                )
                .with_label("the exception is never tested")
                .with_requirement(id)
                .with_help(format!(
                    "add an eval case of `{id}` where \"{phrase}\" applies, and assert the different behaviour"
                ));
            for case in cases.iter().take(3) {
                diagnostic = diagnostic
                    .with_related(case.span, format!("eval case `{}` tests `{id}`", case.label));
            }
            diagnostics.push(diagnostic);
        }
    }
}

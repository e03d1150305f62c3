use crate::diagnostic::Diagnostic;
use crate::facts::coverage::{InputAmounts, Side, describe_amount, thresholds};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Rule, RuleContext, declare_rule};
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a requirement with a numeric limit on its inputs ("within 30 days", "orders
    /// above $500", "at most 3 retries") whose eval cases probe only one side of it: their
    /// inputs give amounts inside the limit and none beyond it, or the other way round. Amounts are read from each
    /// case's inputs (promptfoo `vars`, dataset input fields) with the same quantity reader as
    /// the drift rules, written with their unit ("I bought it 45 days ago", "$650") or as a bare
    /// number under a key that names the unit (`days_since_delivery: 45`, `order_total: 650`).
    ///
    /// Limits on the output's shape (words, sentences, characters, bullets) and latencies under
    /// an hour are left out: assertions check those, not inputs. So are requirements whose eval
    /// cases give no amount of the limit's kind at all: those cases test something else (that
    /// the policy is stated, the tone), and nothing says which side they meant to probe.
    /// Requirements with no eval case are `requirement-untested`'s.
    ///
    /// ## Why is this bad?
    /// Off-by-one and wrong-side mistakes live at the boundary. A refund window tested only
    /// with a 10-day-old order passes whether the prompt says 30 days, 45 days or no limit at
    /// all.
    ///
    /// ## Example
    /// ```yaml
    /// # REF-001: Refunds MUST be accepted within 30 days of delivery.
    /// tests:
    ///   - vars: {message: "I got my order 10 days ago, can I return it?"}
    ///     metadata: {requirements: [REF-001]}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - vars: {message: "I got my order 10 days ago, can I return it?"}
    ///     metadata: {requirements: [REF-001]}
    ///   - vars: {message: "It arrived 45 days ago. Can I still get a refund?"}
    ///     metadata: {requirements: [REF-001]}
    /// ```
    BoundaryUntested, code = "SL018", name = "boundary-untested", level = Warning
}

impl Rule for BoundaryUntested {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for BoundaryUntested {
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
        let limits = thresholds(&requirement.def.text, context.requirement_quantities(index));
        if limits.is_empty() {
            return;
        }
        let cases: Vec<_> = graph.linked_eval_cases(index).collect();
        if cases.is_empty() {
            return;
        }
        let case_amounts: Vec<InputAmounts<'_>> = cases
            .iter()
            .map(|case| InputAmounts::read(&case.inputs))
            .collect();
        for limit in limits {
            let mut inside = Vec::new();
            let mut beyond = Vec::new();
            for (case, amounts) in cases.iter().zip(&case_amounts) {
                for amount in amounts.of(&limit.dimension) {
                    match limit.side(amount) {
                        Side::Inside => inside.push((case, amount)),
                        Side::Beyond => beyond.push((case, amount)),
                    }
                }
            }
            // Cases that give no amount of this kind test something else (that the
            // policy is stated, the tone): nothing says which side they meant to probe.
            if inside.is_empty() == beyond.is_empty() {
                continue;
            }
            let id = &requirement.def.id;
            let phrase = &limit.phrase;
            let (message, label, help) = match (inside.first(), beyond.first()) {
                (Some(_), None) => (
                    format!(
                        "the eval cases of `{id}` only probe inside its limit \"{phrase}\": none gives an amount beyond it"
                    ),
                    "only the inside of this limit is tested".to_owned(),
                    format!(
                        "add an eval case of `{id}` whose input goes past \"{phrase}\", and assert what should happen there"
                    ),
                ),
                (None, Some(_)) => (
                    format!(
                        "the eval cases of `{id}` only probe beyond its limit \"{phrase}\": none gives an amount inside it"
                    ),
                    "only the far side of this limit is tested".to_owned(),
                    format!(
                        "add an eval case of `{id}` whose input stays within \"{phrase}\""
                    ),
                ),
                _ => continue,
            };
            let mut diagnostic = context
                .diagnostic(&Self::META, context.headline(&requirement.def), message)
                .with_label(label)
                .with_requirement(id)
                .with_help(help);
            for (case, amount) in inside.iter().chain(&beyond).take(3) {
                diagnostic = diagnostic.with_related(
                    case.span,
                    format!(
                        "eval case `{}` gives {}",
                        case.label,
                        describe_amount(*amount, &limit.dimension)
                    ),
                );
            }
            diagnostics.push(diagnostic);
        }
    }
}

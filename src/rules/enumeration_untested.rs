use crate::diagnostic::Diagnostic;
use crate::facts::coverage::{case_text, enumerated_cases, names_item};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Rule, RuleContext, declare_rule};
use crate::source::model::Status;

declare_rule! {
    /// ## What it does
    /// Reports a requirement that lists cases ("in English, French and German"; "by email,
    /// chat and phone") when its eval cases name some of them but not all: the finding names
    /// the missing ones. A case names an item when its description, inputs or assertion values
    /// hold the item's words (stemmed) or a common synonym ("call" for "phone", "e-mail" for
    /// "email"), or, for a language, its code as a value (`lang: fr`) or text written in it
    /// (three or more of its common function words: "Wo ist mein Paket? Bitte …" is German).
    ///
    /// A list counts when it has three items or more. Requirements none of whose items appear
    /// in any eval case are left alone (their cases test something else), as are requirements
    /// with no eval case (`requirement-untested`).
    ///
    /// ## Why is this bad?
    /// Each listed case is a promise. The one nobody tests is the one that breaks unnoticed:
    /// German replies fall back to English and every eval still passes.
    ///
    /// ## Example
    /// ```yaml
    /// # LANG-001: The assistant MUST reply in English, French and German.
    /// tests:
    ///   - vars: {message: "Where is my parcel?"}
    ///     metadata: {requirements: [LANG-001]}
    ///   - vars: {message: "Où est mon colis ?", lang: fr}
    ///     metadata: {requirements: [LANG-001]}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///   - vars: {message: "Wo ist mein Paket?", lang: de}
    ///     metadata: {requirements: [LANG-001]}
    /// ```
    EnumerationUntested, code = "SL019", name = "enumeration-untested", level = Warning
}

impl Rule for EnumerationUntested {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for EnumerationUntested {
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
        let enumerations =
            enumerated_cases(&requirement.def.text, context.requirement_lists(index));
        if enumerations.is_empty() {
            return;
        }
        let cases: Vec<_> = graph.linked_eval_cases(index).collect();
        if cases.is_empty() {
            return;
        }
        let texts: Vec<String> = cases.iter().map(|case| case_text(case)).collect();
        for (items, phrase) in enumerations {
            let (covered, missing): (Vec<&String>, Vec<&String>) = items
                .iter()
                .partition(|item| texts.iter().any(|text| names_item(text, item)));
            if covered.is_empty() || missing.is_empty() {
                continue;
            }
            let id = &requirement.def.id;
            let quoted = |items: &[&String]| {
                items
                    .iter()
                    .map(|item| format!("\"{item}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut diagnostic = context
                .diagnostic(
                    &Self::META,
                    context.headline(&requirement.def),
                    format!(
                        "the eval cases of `{id}` never exercise {} of the cases it lists (\"{phrase}\")",
                        quoted(&missing)
                    ),
                )
                .with_label(format!("tested: {}", quoted(&covered)))
                .with_requirement(id)
                .with_help(format!(
                    "add an eval case of `{id}` for each of {}",
                    quoted(&missing)
                ));
            for case in cases.iter().take(3) {
                diagnostic = diagnostic
                    .with_related(case.span, format!("eval case `{}` tests `{id}`", case.label));
            }
            diagnostics.push(diagnostic);
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};

declare_rule! {
    /// ## What it does
    /// TODO: what the rule reports, in one paragraph.
    ///
    /// ## Why is this bad?
    /// TODO: what goes wrong for the team when this happens.
    ///
    /// ## Example
    /// ```markdown
    /// TODO
    /// ```
    ///
    /// ## Use instead
    /// ```markdown
    /// TODO
    /// ```
    ConfigDrift, code = "SL021", name = "config-drift", level = Warning
}

impl Rule for ConfigDrift {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        for (_index, requirement) in graph.indexed_requirements() {
            // TODO: push a diagnostic where the requirement breaks the rule, for example:
            // diagnostics.push(context.diagnostic(&Self::META, context.headline(&requirement.def), message));
            let _ = (requirement, &diagnostics);
        }
    }
}

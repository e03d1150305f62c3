use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::source::model::ProblemKind;

declare_rule! {
    /// ## What it does
    /// Reports input files that speclint could not read or understand: YAML or JSON syntax
    /// errors, invalid UTF-8, binary files, files over the size limit, files that do not match
    /// the YAML spec schema, Git LFS pointers where data was expected.
    ///
    /// ## Why is this bad?
    /// Requirements, prompts or eval cases in such a file are invisible to every other rule, so
    /// coverage and drift findings about them would be wrong. The rest of the repository is still
    /// checked.
    ///
    /// ## Example
    /// ```yaml
    /// tests:
    ///   - description: refund window
    ///     metadata: {requirements: [FR-001]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - description: refund window
    ///     metadata: {requirements: [FR-001]}
    /// ```
    UnreadableInput, code = "SL000", name = "unreadable-input", level = Error
}

impl Rule for UnreadableInput {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        for problem in &context.graph.problems {
            if problem.kind != ProblemKind::Unreadable {
                continue;
            }
            let mut diagnostic =
                context.diagnostic(&Self::META, problem.span, problem.message.clone());
            // A loader's warning or note stays one (a ceiling the rule runner keeps); only
            // errors take the configured level.
            diagnostic.severity = crate::rules::problem_ceiling(problem.level);
            if let Some(help) = &problem.help {
                diagnostic = diagnostic.with_help(help.clone());
            }
            diagnostics.push(diagnostic);
        }
    }
}

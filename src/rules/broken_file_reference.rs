use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::source::model::ProblemKind;

declare_rule! {
    /// ## What it does
    /// Reports a `file://` reference in a promptfoo config (or an OpenAI evals registry entry)
    /// whose target does not exist, a glob that matches no file, and a reference that leaves the
    /// checked directory or is an absolute path, which speclint refuses to read.
    ///
    /// ## Why is this bad?
    /// promptfoo fails on a missing prompt or test file, or silently runs fewer tests than you
    /// think when a glob matches nothing. A reference outside the repository
    /// (`file://../../etc/passwd`) is at best machine-specific and at worst an attempt to read
    /// secrets in CI.
    ///
    /// ## Example
    /// ```yaml
    /// tests:
    ///   - file://tests/refund_cases.yaml   # the file is tests/refunds.yaml
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - file://tests/refunds.yaml
    /// ```
    BrokenFileReference, code = "SL012", name = "broken-file-reference", level = Error
}

impl Rule for BrokenFileReference {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        for problem in &context.graph.problems {
            if problem.kind != ProblemKind::BrokenReference {
                continue;
            }
            let mut diagnostic = context
                .diagnostic(&Self::META, problem.span, problem.message.clone())
                .with_label("this reference");
            if let Some(help) = &problem.help {
                diagnostic = diagnostic.with_help(help.clone());
            }
            diagnostics.push(diagnostic);
        }
    }
}

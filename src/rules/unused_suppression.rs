use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports an inline suppression that hides no finding. Suppressions are written in any
    /// comment of the file's own syntax: `speclint: ignore[rule-name]` (or a code such as
    /// `SL004`; several separated by commas; bare `speclint: ignore` for every rule) hides
    /// findings that start on its line or the next, and `speclint: ignore-file[...]` hides them
    /// in the whole file.
    ///
    /// ## Why is this bad?
    /// A suppression that hides nothing is either misspelt (and so does not hide what was meant)
    /// or left over from a finding that was fixed; either way it misleads the next reader.
    ///
    /// ## Example
    /// ```markdown
    /// <!-- speclint: ignore[requirement-untested] -->
    /// - **FR-001**: The assistant MUST answer in the user's language.
    /// ```
    /// when `FR-001` does have an eval case.
    ///
    /// ## Use instead
    /// Remove the comment.
    UnusedSuppression, code = "SL015", name = "unused-suppression", level = Warning
}

impl Rule for UnusedSuppression {
    /// The findings of this rule are made where suppressions are applied, after every other
    /// rule ran (`src/suppress.rs`).
    fn check(&self, _context: &RuleContext<'_>, _diagnostics: &mut Vec<Diagnostic>) {}
}

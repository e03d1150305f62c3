use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::source::model::{ProblemKind, ProblemLevel};

declare_rule! {
    /// ## What it does
    /// Reports eval inputs that promptfoo would reject, or run another number of times than
    /// they are written:
    /// - a test case in a JSON tests file (a row with `assert`, `description` or another
    ///   test-case key) without `vars` (promptfoo rejects the file); a plain data row, whose
    ///   keys promptfoo takes as variables, is fine;
    /// - a CSV row with more or fewer cells than the header (promptfoo rejects the file);
    /// - a tests file loaded twice by one config, by name and again through a glob: promptfoo
    ///   runs its tests twice (a warning at most).
    ///
    /// speclint counts eval cases as promptfoo runs them: `--list` shows the runs where they
    /// differ from the cases written, for a scenario's `config` entries times its tests, and
    /// for files loaded more than once.
    ///
    /// ## Why is this bad?
    /// An eval run that fails to load, or that runs some tests twice, makes the pass rate and
    /// the coverage speclint reports disagree with what the team's CI sees.
    ///
    /// ## Example
    /// ```yaml
    /// tests:
    ///   - file://tests/refunds.yaml
    ///   - file://tests/*.yaml
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - file://tests/*.yaml
    /// ```
    EvalConfigProblem, code = "SL017", name = "eval-config-problem", level = Error
}

impl Rule for EvalConfigProblem {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        for problem in &context.graph.problems {
            if problem.kind != ProblemKind::EvalConfig {
                continue;
            }
            let mut diagnostic = context
                .diagnostic(&Self::META, problem.span, problem.message.clone())
                .with_label(match problem.level {
                    ProblemLevel::Error => "promptfoo rejects this",
                    _ => "runs more often than written",
                });
            // A repeated load is a warning at most, whatever the configured level.
            diagnostic.severity = crate::rules::problem_ceiling(problem.level);
            if let Some(help) = &problem.help {
                diagnostic = diagnostic.with_help(help.clone());
            }
            diagnostics.push(diagnostic);
        }
    }
}

use crate::diagnostic::Diagnostic;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::source::model::ProblemKind;

declare_rule! {
    /// ## What it does
    /// Notes a prompt or test source that speclint deliberately does not look into: prompt or
    /// test functions in code (`file://prompts.py:make_prompt`, `.js`, `.ts`), remote datasets
    /// (`huggingface://…`, `https://…`) and binary documents (`.xlsx`).
    ///
    /// ## Why is this bad?
    /// It is not bad in itself, which is why the level is `info`. speclint never runs user code
    /// and never touches the network, so requirements covered only by such sources look
    /// uncovered. The note says where the blind spot is.
    ///
    /// ## Example
    /// ```yaml
    /// tests: file://generate_tests.py:cases
    /// ```
    ///
    /// ## Use instead
    /// Keep the cases in a YAML, JSON, JSONL or CSV file that speclint can read, with
    /// `metadata.requirements` on each, or set this rule to `off` in speclint.toml.
    OpaqueReference, code = "SL014", name = "opaque-reference", level = Info
}

impl Rule for OpaqueReference {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        for problem in &context.graph.problems {
            if problem.kind != ProblemKind::Opaque {
                continue;
            }
            diagnostics.push(
                context
                    .diagnostic(&Self::META, problem.span, problem.message.clone())
                    .with_label("not read"),
            );
        }
    }
}

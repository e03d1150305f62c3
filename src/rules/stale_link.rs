use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::graph::RequirementIndex;
use crate::lockfile::fingerprint;
use crate::rules::{Rule, RuleContext, declare_rule};
use crate::source_db::Span;

declare_rule! {
    /// ## What it does
    /// Reports a prompt or eval file whose requirement changed wording since the link was last
    /// reviewed. `speclint lock` records, in `speclint.lock` (commit it), a fingerprint of each
    /// linked requirement's normalised text per linking file; whitespace, line wrapping and
    /// Markdown emphasis do not change a fingerprint. After reviewing the prompt or eval against
    /// the new wording, `speclint lock --accept <path or ID>` records the new fingerprint.
    ///
    /// Without a lock file the rule is silent; links that are not in the lock yet are new and
    /// are recorded by the next `speclint lock`.
    ///
    /// ## Why is this bad?
    /// When the spec changes, every prompt and eval that implements the old wording may now be
    /// wrong, and nothing else says which ones to look at.
    ///
    /// ## Example
    /// `FR-001` changed from "within 30 days" to "within 14 days"; `prompts/refund.j2` still
    /// references it and was not reviewed since.
    ///
    /// ## Use instead
    /// Update `prompts/refund.j2`, then run `speclint lock --accept prompts/refund.j2`.
    StaleLink, code = "SL009", name = "stale-link", level = Warning
}

impl Rule for StaleLink {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        let Some(lock) = &graph.lock else {
            return;
        };
        for index in graph.requirement_indices() {
            let requirement = &graph[index];
            let id = &requirement.def.id;
            let current = fingerprint(&requirement.def.text);
            let mut reported = BTreeSet::new();
            for (artifact, span) in linking_places(context, index) {
                let path = graph.db.path(artifact).to_owned();
                let Some(recorded) = lock.links.get(&path).and_then(|links| links.get(id)) else {
                    continue;
                };
                if *recorded == current || !reported.insert(path.clone()) {
                    continue;
                }
                let (related_span, related_message) = context.requirement_note(&requirement.def);
                diagnostics.push(
                    context
                        .diagnostic(
                            &Self::META,
                            span,
                            format!("`{id}` changed since {path} was last reviewed against it"),
                        )
                        .with_label(format!("written for an older wording of {id}"))
                        .with_requirement(id)
                        .with_related(related_span, related_message)
                        .with_help(format!(
                            "review this against the new wording, then run `speclint lock --accept {path}`"
                        )),
                );
            }
        }
    }
}

/// The first passage or eval case per file that links to the requirement.
fn linking_places(
    context: &RuleContext<'_>,
    index: RequirementIndex,
) -> Vec<(crate::source_db::FileId, Span)> {
    let graph = context.graph;
    let passages = graph
        .passages_for(index)
        .iter()
        .map(|&passage| &graph[passage])
        .map(|passage| (passage.span.file, passage.span));
    let cases = graph
        .eval_cases_for(index)
        .iter()
        .map(|&case| &graph[case])
        .map(|case| (case.span.file, case.span));
    passages.chain(cases).collect()
}

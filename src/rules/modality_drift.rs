use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::compare::{DisagreementKind, modality_disagreement};
use crate::rules::{Rule, RuleContext, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Compares the obligation in each prompt passage with the RFC 2119 keyword of the
    /// requirements it references, and reports a weakening ("MUST" → "try to", "if possible",
    /// "you may"; "MUST NOT" → "avoid", "try not to"), a lost negation ("MUST NOT" with nothing
    /// in the passage forbidding anything) and a flipped polarity ("MUST" → a passage that opens
    /// with "Never" or "Do not" and has no obligation).
    ///
    /// "Never", "do not", "always" and plain imperatives ("Reply in the user's language.") keep a
    /// MUST or MUST NOT. A lost or flipped negation is reported as an error unless the rule's level
    /// is set in speclint.toml.
    ///
    /// ## Why is this bad?
    /// Models follow the strength of an instruction. "Try to avoid sharing other customers'
    /// data" invites exactly the exception the spec forbids.
    ///
    /// ## Example
    /// ```markdown
    /// <!-- SAFE-001 -->
    /// Try to avoid sharing other customers' personal data.
    /// ```
    /// with `SAFE-001`: "The assistant MUST NOT reveal another customer's personal data."
    ///
    /// ## Use instead
    /// ```markdown
    /// <!-- SAFE-001 -->
    /// Never share another customer's personal data.
    /// ```
    ModalityDrift, code = "SL007", name = "modality-drift", level = Warning
}

impl Rule for ModalityDrift {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        let graph = context.graph;
        for (index, requirement) in graph.indexed_requirements() {
            for passage in graph.linked_passages(index) {
                if passage.text.trim().is_empty() {
                    continue;
                }
                let Some(disagreement) =
                    modality_disagreement(requirement.def.modality, &passage.text)
                else {
                    continue;
                };
                let (related_span, related_message) = context.requirement_note(&requirement.def);
                let mut diagnostic = context
                    .diagnostic(
                        &Self::META,
                        context.locate(passage.span, &disagreement.phrase),
                        format!("this prompt {} (`{}`)", disagreement.message, requirement.def.id),
                    )
                    .with_label(match disagreement.kind {
                        DisagreementKind::LostNegation => "no prohibition here".to_owned(),
                        _ => format!("weaker than {}", disagreement.requirement_phrase),
                    })
                    .with_requirement(&requirement.def.id)
                    .with_related(related_span, related_message)
                    .with_help(match disagreement.kind {
                        DisagreementKind::LostNegation | DisagreementKind::FlippedPolarity => format!(
                            "state the requirement's {} plainly (\"Never …\", \"Do not …\" for a prohibition; \"Always …\" or an imperative for an obligation)",
                            disagreement.requirement_phrase
                        ),
                        _ => format!(
                            "drop the softening (\"{}\") so the instruction is as strong as the requirement's {}",
                            disagreement.phrase, disagreement.requirement_phrase
                        ),
                    });
                let negation = matches!(
                    disagreement.kind,
                    DisagreementKind::LostNegation | DisagreementKind::FlippedPolarity
                );
                if negation && !context.level_configured(&Self::META) {
                    diagnostic.severity = Severity::Error;
                }
                diagnostics.push(diagnostic);
            }
        }
    }
}

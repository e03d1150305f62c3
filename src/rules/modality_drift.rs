use crate::diagnostic::Diagnostic;
use crate::facts::compare::{DisagreementKind, modality_disagreement_with};
use crate::facts::negation::Polarity;
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{RequirementRule, check_each_requirement, Drift, Rule, RuleContext, declare_rule};

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
    ModalityDrift, code = "SL007", name = "modality-drift", level = Warning,
    escalation = (Error, "a lost or flipped negation")
}

impl Rule for ModalityDrift {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for ModalityDrift {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        if requirement.def.modality.is_none() {
            return;
        }
        // Read once per requirement, whatever the number of its passages.
        let mut polarity: Option<Polarity> = None;
        for passage in graph.linked_passages(index) {
            if passage.text.trim().is_empty() {
                continue;
            }
            let Some(disagreement) =
                modality_disagreement_with(
                    polarity.get_or_insert_with(|| Polarity::of(&requirement.def.text)),
                    &requirement.def.text,
                    requirement.def.modality,
                    &passage.text,
                )
            else {
                continue;
            };
            let negation = matches!(
                disagreement.kind,
                DisagreementKind::LostNegation | DisagreementKind::FlippedPolarity
            );
            let diagnostic = context.drift_diagnostic(
                &Self::META,
                Drift {
                    requirement: &requirement.def,
                    artifact_span: passage.span,
                    phrase: &disagreement.phrase,
                    message: format!(
                        "this prompt {} (`{}`)",
                        disagreement.message, requirement.def.id
                    ),
                    label: match disagreement.kind {
                        DisagreementKind::LostNegation => "no prohibition here".to_owned(),
                        _ => format!("weaker than {}", disagreement.requirement_phrase),
                    },
                    help: if negation {
                        format!(
                            "state the requirement's {} plainly (\"Never …\", \"Do not …\" for a prohibition; \"Always …\" or an imperative for an obligation)",
                            disagreement.requirement_phrase
                        )
                    } else {
                        format!(
                            "drop the softening (\"{}\") so the instruction is as strong as the requirement's {}",
                            disagreement.phrase, disagreement.requirement_phrase
                        )
                    },
                },
            );
            diagnostics.push(if negation {
                diagnostic.escalated()
            } else {
                diagnostic
            });
        }
    }
}

//! Where a requirement and a linked prompt passage or eval assertion disagree.

use crate::facts::assertion::AssertionFacts;
use crate::facts::directive::directives;
use crate::facts::literal::{enumerations, literals, similar};
use crate::facts::quantity::{Dimension, Quantity, quantities};
use crate::modality::Modality;

/// One disagreement. `phrase` is the other side's words, to be located in its file.
#[derive(Clone, Debug, PartialEq)]
pub struct Disagreement {
    pub kind: DisagreementKind,
    pub message: String,
    /// What the prompt or assertion says, as written.
    pub phrase: String,
    /// What the requirement says, as written.
    pub requirement_phrase: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisagreementKind {
    /// Different value of the same kind of quantity.
    Quantity,
    /// The same value with the bound turned around ("at most" → "at least").
    FlippedComparator,
    /// A quoted literal changed ("RF-" → "REF-"), or an enumeration changed.
    Literal,
    /// Obligation or prohibition weakened ("MUST" → "try to", "MUST NOT" → "avoid").
    WeakenedModality,
    /// "MUST NOT" with no prohibition left.
    LostNegation,
    /// "MUST" turned into a prohibition.
    FlippedPolarity,
}

fn describe(quantity: &Quantity, text: &str) -> String {
    if quantity.start == quantity.end && !text.trim().is_empty() {
        // A quantity read from a threshold rather than from words.
        return text.trim().to_owned();
    }
    text.get(quantity.start..quantity.end)
        .map(str::trim)
        .filter(|written| !written.is_empty())
        .map_or_else(
            || format!("{} {}", quantity.comparator.words(), quantity.value),
            str::to_owned,
        )
}

/// Requirement quantities the other side contradicts. A requirement quantity is fine when the
/// other side states any quantity of the same kind that agrees with it (numbers in unrelated
/// clauses of a long passage are then ignored), and contradicted when it states only ones that
/// disagree.
pub fn quantity_disagreements(
    requirement_text: &str,
    other_quantities: &[Quantity],
    other_text: &str,
) -> Vec<Disagreement> {
    quantity_disagreements_of(
        &quantities(requirement_text),
        requirement_text,
        other_quantities,
        other_text,
    )
}

/// [`quantity_disagreements`] with the requirement's quantities already read.
pub fn quantity_disagreements_of(
    required: &[Quantity],
    requirement_text: &str,
    other_quantities: &[Quantity],
    other_text: &str,
) -> Vec<Disagreement> {
    let mut found = Vec::new();
    for wanted in required {
        let mut same: Vec<&Quantity> = other_quantities
            .iter()
            .filter(|candidate| candidate.dimension == wanted.dimension)
            .collect();
        if same.is_empty() && required.len() == 1 {
            same = other_quantities
                .iter()
                .filter(|candidate| candidate.dimension == Dimension::Unitless)
                .collect();
        }
        if same.is_empty() || same.iter().any(|candidate| candidate.agrees_with(wanted)) {
            continue;
        }
        let flipped = same.iter().find(|candidate| candidate.is_flip_of(wanted));
        let Some(&conflict) = flipped.or_else(|| same.first()) else {
            continue;
        };
        let requirement_phrase = describe(wanted, requirement_text);
        let phrase = describe(conflict, other_text);
        let (kind, message) = if flipped.is_some() {
            (
                DisagreementKind::FlippedComparator,
                format!(
                    "says \"{phrase}\" where the requirement says \"{requirement_phrase}\": the bound is turned around"
                ),
            )
        } else {
            (
                DisagreementKind::Quantity,
                format!("says \"{phrase}\" where the requirement says \"{requirement_phrase}\""),
            )
        };
        found.push(Disagreement {
            kind,
            message,
            phrase,
            requirement_phrase,
        });
    }
    found
}

/// Requirement literals the other side changed: the other side quotes something similar but
/// not the literal itself.
pub fn literal_disagreements(
    requirement_text: &str,
    other_literals: &[String],
    other_text: &str,
) -> Vec<Disagreement> {
    let mut found = Vec::new();
    let other_lower = other_text.to_lowercase();
    for wanted in literals(requirement_text) {
        if other_lower.contains(&wanted.value.to_lowercase()) {
            continue;
        }
        if let Some(changed) = other_literals
            .iter()
            .find(|candidate| similar(&wanted.value, candidate))
        {
            found.push(Disagreement {
                kind: DisagreementKind::Literal,
                message: format!(
                    "says \"{changed}\" where the requirement says \"{}\"",
                    wanted.value
                ),
                phrase: changed.clone(),
                requirement_phrase: wanted.value.clone(),
            });
        }
    }
    for (wanted_items, start, end) in enumerations(requirement_text) {
        for (items, other_start, other_end) in enumerations(other_text) {
            let overlap = items
                .iter()
                .filter(|item| wanted_items.contains(item))
                .count();
            if overlap > 0 && items != wanted_items {
                let requirement_phrase = requirement_text.get(start..end).unwrap_or("").to_owned();
                let phrase = other_text
                    .get(other_start..other_end)
                    .unwrap_or("")
                    .to_owned();
                found.push(Disagreement {
                    kind: DisagreementKind::Literal,
                    message: format!(
                        "lists \"{phrase}\" where the requirement lists \"{requirement_phrase}\""
                    ),
                    phrase,
                    requirement_phrase,
                });
            }
        }
    }
    found
}

/// Quantity and literal disagreements between a requirement and a prompt passage.
pub fn wording_disagreements(requirement_text: &str, passage: &str) -> Vec<Disagreement> {
    let mut found = quantity_disagreements(requirement_text, &quantities(passage), passage);
    let passage_literals: Vec<String> = literals(passage)
        .into_iter()
        .map(|literal| literal.value)
        .collect();
    found.extend(literal_disagreements(
        requirement_text,
        &passage_literals,
        passage,
    ));
    found
}

/// Whether a passage keeps the requirement's obligation or prohibition.
pub fn modality_disagreement(modality: Option<Modality>, passage: &str) -> Option<Disagreement> {
    let modality = modality?;
    let found = directives(passage);
    let keyword = modality.keyword();
    match modality {
        Modality::MustNot | Modality::ShallNot | Modality::ShouldNot => {
            if found.strong_prohibition.is_some() {
                return None;
            }
            if let Some(weak) = found.weak_prohibition {
                if modality == Modality::ShouldNot {
                    return None;
                }
                return Some(Disagreement {
                    kind: DisagreementKind::WeakenedModality,
                    message: format!("weakens \"{keyword}\" to \"{}\"", weak.phrase),
                    phrase: weak.phrase,
                    requirement_phrase: keyword.to_owned(),
                });
            }
            Some(Disagreement {
                kind: DisagreementKind::LostNegation,
                message: format!(
                    "drops the requirement's \"{keyword}\": nothing in the passage forbids anything"
                ),
                phrase: String::new(),
                requirement_phrase: keyword.to_owned(),
            })
        }
        Modality::Must | Modality::Shall | Modality::Required => {
            if found.opens_with_prohibition
                && found.strong_obligation.is_none()
                && let Some(prohibition) = found.strong_prohibition.clone()
                && !prohibits_excess(passage, prohibition.end)
            {
                return Some(Disagreement {
                    kind: DisagreementKind::FlippedPolarity,
                    message: format!("turns \"{keyword}\" into \"{}\"", prohibition.phrase),
                    phrase: prohibition.phrase,
                    requirement_phrase: keyword.to_owned(),
                });
            }
            weakened(keyword, &found)
        }
        Modality::Should | Modality::Recommended => weakened(keyword, &found),
        Modality::May | Modality::Optional => None,
    }
}

/// "Never exceed 120 words", "Do not go over budget": a prohibition of going past a limit is
/// an obligation to stay within it, not a flipped one.
fn prohibits_excess(passage: &str, after: usize) -> bool {
    let rest: String = passage
        .get(after..)
        .unwrap_or("")
        .chars()
        .take(40)
        .collect::<String>()
        .to_lowercase();
    [
        "exceed",
        "more than",
        "over ",
        "above",
        "longer than",
        "beyond",
        "go past",
        "surpass",
    ]
    .iter()
    .any(|phrase| rest.contains(phrase))
}

fn weakened(keyword: &str, found: &crate::facts::directive::Directives) -> Option<Disagreement> {
    if found.strong_obligation.is_some() {
        return None;
    }
    let permission = found.permission.clone()?;
    Some(Disagreement {
        kind: DisagreementKind::WeakenedModality,
        message: format!("weakens \"{keyword}\" to \"{}\"", permission.phrase),
        phrase: permission.phrase,
        requirement_phrase: keyword.to_owned(),
    })
}

/// Quantity and literal disagreements between a requirement and one assertion.
pub fn assertion_disagreements(
    requirement_text: &str,
    facts: &AssertionFacts,
) -> Vec<Disagreement> {
    RequirementFacts::new(requirement_text).assertion_disagreements(facts)
}

/// What a requirement states, read once for all the assertions linked to it.
pub struct RequirementFacts<'a> {
    pub text: &'a str,
    pub quantities: Vec<Quantity>,
    /// Whether the text quotes anything or lists options; without either, literal comparison
    /// has nothing to do.
    pub has_literals: bool,
}

impl<'a> RequirementFacts<'a> {
    pub fn new(text: &'a str) -> RequirementFacts<'a> {
        RequirementFacts {
            text,
            quantities: quantities(text),
            has_literals: !literals(text).is_empty() || !enumerations(text).is_empty(),
        }
    }

    /// Whether any assertion could disagree with this requirement.
    pub fn is_comparable(&self) -> bool {
        !self.quantities.is_empty() || self.has_literals
    }

    pub fn assertion_disagreements(&self, facts: &AssertionFacts) -> Vec<Disagreement> {
        let mut found =
            quantity_disagreements_of(&self.quantities, self.text, &facts.quantities, &facts.text);
        if self.has_literals {
            found.extend(literal_disagreements(
                self.text,
                &facts.expected_literals,
                &facts.text,
            ));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_agree_across_phrasings() {
        assert!(
            wording_disagreements(
                "Summaries MUST be at most 120 words.",
                "Keep it to 120 words or fewer."
            )
            .is_empty()
        );
        assert!(
            wording_disagreements("Refunds within 14 days.", "You have two weeks to ask.")
                .is_empty()
        );
        assert!(
            !wording_disagreements(
                "Refunds within 30 days.",
                "Returns are accepted within 45 days."
            )
            .is_empty()
        );
    }

    #[test]
    fn modality() {
        let lost = modality_disagreement(Some(Modality::MustNot), "Promise refunds when asked.");
        assert_eq!(
            lost.map(|found| found.kind),
            Some(DisagreementKind::LostNegation)
        );
        let weak =
            modality_disagreement(Some(Modality::MustNot), "Try to avoid promising refunds.");
        assert_eq!(
            weak.map(|found| found.kind),
            Some(DisagreementKind::WeakenedModality)
        );
        assert!(modality_disagreement(Some(Modality::MustNot), "Never promise refunds.").is_none());
        assert!(
            modality_disagreement(Some(Modality::Must), "Reply in the user's language.").is_none()
        );
    }
}

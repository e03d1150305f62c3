//! Where a requirement and a linked prompt passage or eval assertion disagree.

use crate::facts::antonym::antonym_swap;
use crate::facts::assertion::AssertionFacts;
use crate::facts::directive::directives;
use crate::facts::list::{List, list_changes, lists};
use crate::facts::literal::{enumerations, literals, similar};
use crate::facts::negation::{Polarity, Reversal, ReversalKind};
use crate::facts::quantity::{Comparator, Dimension, Quantity, quantities};
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
    /// A word swapped for its opposite about the same thing ("including VAT" → "excluding
    /// VAT").
    Antonym,
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

/// One statement about an amount: a single bound, or a range read as two bounds.
#[derive(Clone, Copy)]
enum Statement<'a> {
    Single(&'a Quantity),
    Range(&'a Quantity, &'a Quantity),
}

impl<'a> Statement<'a> {
    fn first(self) -> &'a Quantity {
        match self {
            Statement::Single(quantity) | Statement::Range(quantity, _) => quantity,
        }
    }

    /// Whether `other` (from the prompt or assertion) says what `self` (the requirement)
    /// says.
    fn agrees_with(self, other: Statement<'_>) -> bool {
        match (self, other) {
            (Statement::Single(wanted), Statement::Single(candidate)) => {
                candidate.agrees_with(wanted)
            }
            (Statement::Range(low, high), Statement::Single(candidate)) => {
                let inside = matches!(
                    candidate.comparator,
                    Comparator::Unspecified | Comparator::Exactly
                ) && low.value <= candidate.value
                    && candidate.value <= high.value;
                inside || candidate.agrees_with(low) || candidate.agrees_with(high)
            }
            (Statement::Single(wanted), Statement::Range(low, high)) => match wanted.comparator {
                Comparator::AtMost | Comparator::LessThan => same_value(high, wanted),
                Comparator::AtLeast | Comparator::MoreThan => same_value(low, wanted),
                Comparator::Exactly | Comparator::Unspecified => {
                    same_value(low, wanted) && same_value(high, wanted)
                }
            },
            (Statement::Range(low, high), Statement::Range(other_low, other_high)) => {
                same_value(low, other_low) && same_value(high, other_high)
            }
        }
    }
}

fn same_value(left: &Quantity, right: &Quantity) -> bool {
    (left.value - right.value).abs() <= 1e-9 * left.value.abs().max(1.0)
}

/// Groups a range's two bounds (same phrase, at-least then at-most) into one statement.
fn statements<'a>(quantities: &[&'a Quantity]) -> Vec<Statement<'a>> {
    let mut found = Vec::with_capacity(quantities.len());
    let mut index = 0;
    while let Some(&quantity) = quantities.get(index) {
        if let Some(&next) = quantities.get(index + 1)
            && next.start == quantity.start
            && next.end == quantity.end
            && quantity.comparator == Comparator::AtLeast
            && next.comparator == Comparator::AtMost
        {
            found.push(Statement::Range(quantity, next));
            index += 2;
            continue;
        }
        found.push(Statement::Single(quantity));
        index += 1;
    }
    found
}

/// Requirement quantities (`required`, read from `requirement_text`) the other side
/// contradicts. Quantities are compared per dimension: the requirement's statements of one
/// kind (a single bound or a range such as "2-3 models") are fine when the other side states
/// anything of that kind that agrees with one of them (numbers in unrelated clauses of a long
/// passage are then ignored), and contradicted when it states only ones that disagree.
pub fn quantity_disagreements_of(
    required: &[Quantity],
    requirement_text: &str,
    other_quantities: &[Quantity],
    other_text: &str,
) -> Vec<Disagreement> {
    let mut found = Vec::new();
    let mut dimensions: Vec<&Dimension> = Vec::new();
    for quantity in required {
        if !dimensions.contains(&&quantity.dimension) {
            dimensions.push(&quantity.dimension);
        }
    }
    let one_statement = statements(&required.iter().collect::<Vec<_>>()).len() == 1;
    for dimension in dimensions {
        let wanted: Vec<&Quantity> = required
            .iter()
            .filter(|quantity| &quantity.dimension == dimension)
            .collect();
        let mut same: Vec<&Quantity> = other_quantities
            .iter()
            .filter(|candidate| &candidate.dimension == dimension)
            .collect();
        if same.is_empty() && one_statement {
            same = other_quantities
                .iter()
                .filter(|candidate| candidate.dimension == Dimension::Unitless)
                .collect();
        }
        if same.is_empty() {
            continue;
        }
        let wanted_statements = statements(&wanted);
        let other_statements = statements(&same);
        let agreed = wanted_statements.iter().any(|statement| {
            other_statements
                .iter()
                .any(|candidate| statement.agrees_with(*candidate))
        });
        if agreed {
            continue;
        }
        let Some(first_wanted) = wanted_statements.first().map(|statement| statement.first())
        else {
            continue;
        };
        let flipped = same.iter().find(|candidate| {
            wanted_statements.len() == 1
                && matches!(wanted_statements.first(), Some(Statement::Single(_)))
                && candidate.is_flip_of(first_wanted)
        });
        let Some(&conflict) = flipped.or_else(|| same.first()) else {
            continue;
        };
        let requirement_phrase = describe(first_wanted, requirement_text);
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
    literal_disagreements_in(requirement_text, other_literals, other_text, Case::Ignored)
}

/// Whether letter case matters when literals are compared: it does for a `contains` or
/// `equals` assertion, which fails on `{attemptID}` where the output says `{attemptId}`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Ignored,
    Matters,
}

fn literal_disagreements_in(
    requirement_text: &str,
    other_literals: &[String],
    other_text: &str,
    case: Case,
) -> Vec<Disagreement> {
    let mut found = Vec::new();
    let other_lower = other_text.to_lowercase();
    for wanted in literals(requirement_text) {
        let kept = match case {
            Case::Ignored => other_lower.contains(&wanted.value.to_lowercase()),
            Case::Matters => other_text.contains(&wanted.value),
        };
        if kept {
            continue;
        }
        let differs_in_case = |candidate: &String| {
            case == Case::Matters
                && candidate != &wanted.value
                && candidate.to_lowercase() == wanted.value.to_lowercase()
        };
        if let Some(changed) = other_literals
            .iter()
            .find(|candidate| similar(&wanted.value, candidate) || differs_in_case(candidate))
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

/// Quantity, literal, list and antonym disagreements between a requirement and a prompt
/// passage.
pub fn wording_disagreements(requirement_text: &str, passage: &str) -> Vec<Disagreement> {
    let read = RequirementReading {
        text: requirement_text,
        quantities: &quantities(requirement_text),
        lists: &lists(requirement_text),
    };
    wording_disagreements_of(&read, passage)
}

/// What `wording-drift` reads from a requirement's text, read once for every passage it is
/// compared with ([`RequirementFacts`] is its counterpart for assertions).
pub struct RequirementReading<'a> {
    pub text: &'a str,
    /// `quantities(text)`.
    pub quantities: &'a [Quantity],
    /// `lists(text)`.
    pub lists: &'a [List],
}

/// [`wording_disagreements`] with what the requirement says already read.
pub fn wording_disagreements_of(
    requirement: &RequirementReading<'_>,
    passage: &str,
) -> Vec<Disagreement> {
    let requirement_text = requirement.text;
    let required = requirement.quantities;
    let mut found =
        quantity_disagreements_of(required, requirement_text, &quantities(passage), passage);
    let passage_literals: Vec<String> = literals(passage)
        .into_iter()
        .map(|literal| literal.value)
        .collect();
    found.extend(literal_disagreements(
        requirement_text,
        &passage_literals,
        passage,
    ));
    if !found
        .iter()
        .any(|disagreement| disagreement.message.starts_with("lists"))
    {
        found.extend(list_disagreements(
            requirement_text,
            requirement.lists,
            passage,
        ));
    }
    if let Some(swap) = antonym_swap(requirement_text, passage) {
        found.push(Disagreement {
            kind: DisagreementKind::Antonym,
            message: format!(
                "says \"{}\" where the requirement says \"{}\"",
                swap.phrase, swap.requirement_phrase
            ),
            phrase: swap.phrase,
            requirement_phrase: swap.requirement_phrase,
        });
    }
    found
}

/// Requirement lists a passage changes: an item left out (and not named elsewhere in the
/// passage) or replaced.
fn list_disagreements(
    requirement_text: &str,
    requirement_lists: &[List],
    passage: &str,
) -> Vec<Disagreement> {
    list_changes(requirement_lists, passage)
        .into_iter()
        .map(|change| {
            let requirement_phrase = requirement_text
                .get(change.requirement_start..change.requirement_end)
                .unwrap_or_default()
                .trim()
                .to_owned();
            let phrase = passage
                .get(change.start..change.end)
                .unwrap_or_default()
                .trim()
                .to_owned();
            let mut message = format!(
                "leaves out {} from the requirement's list",
                quoted_items(&change.missing)
            );
            if !change.added.is_empty() {
                message.push_str(&format!(" and adds {}", quoted_items(&change.added)));
            }
            Disagreement {
                kind: DisagreementKind::Literal,
                message,
                phrase,
                requirement_phrase,
            }
        })
        .collect()
}

fn quoted_items(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("\"{item}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a passage keeps the requirement's obligation or prohibition.
pub fn modality_disagreement(
    requirement_text: &str,
    modality: Option<Modality>,
    passage: &str,
) -> Option<Disagreement> {
    modality_disagreement_with(
        &Polarity::of(requirement_text),
        requirement_text,
        modality,
        passage,
    )
}

/// [`modality_disagreement`] with the requirement's polarity already read (once per
/// requirement, whatever the number of its passages).
pub fn modality_disagreement_with(
    polarity: &Polarity,
    requirement_text: &str,
    modality: Option<Modality>,
    passage: &str,
) -> Option<Disagreement> {
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
            // "Show low scores without red badges" keeps "MUST NOT use red badges".
            if polarity.prohibition_kept(passage) {
                return None;
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
        Modality::Must
        | Modality::Shall
        | Modality::Required
        | Modality::Should
        | Modality::Recommended => {
            if let Some(reversal) = polarity.reversal(passage) {
                return Some(reversal_disagreement(keyword, reversal));
            }
            weakened(polarity, requirement_text, keyword, &found, passage)
        }
        Modality::May | Modality::Optional => None,
    }
}

fn reversal_disagreement(keyword: &str, reversal: Reversal) -> Disagreement {
    match reversal.kind {
        ReversalKind::NegatesObligation => Disagreement {
            kind: DisagreementKind::FlippedPolarity,
            message: format!(
                "negates what the requirement's \"{keyword}\" asks for (\"{}\"): \"{}\"",
                reversal.requirement_phrase, reversal.phrase
            ),
            phrase: reversal.phrase,
            requirement_phrase: keyword.to_owned(),
        },
        ReversalKind::DropsNegation => Disagreement {
            kind: DisagreementKind::LostNegation,
            message: format!(
                "says \"{}\" where the requirement says \"{}\"",
                reversal.phrase, reversal.requirement_phrase
            ),
            phrase: reversal.phrase,
            requirement_phrase: reversal.requirement_phrase,
        },
    }
}

fn hedge() -> &'static regex::Regex {
    static PATTERN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\b(?:ideally|preferably|it\s+is\s+recommended|it\s+is\s+preferable|if\s+you\s+want|if\s+you\s+wish|as\s+far\s+as\s+possible)\b",
        )
    });
    &PATTERN
}

/// "MUST allow users to …", "users SHALL be able to …": an obligation to permit, which "you
/// can" and "you may" keep.
fn grants_permission() -> &'static regex::Regex {
    static PATTERN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"\b(?:MUST|SHALL|SHOULD)\s+(?:also\s+)?(?:allow|enable|let|permit|support|be\s+able\s+to)\b",
        )
    });
    &PATTERN
}

fn weakened(
    obliged: &Polarity,
    requirement_text: &str,
    keyword: &str,
    found: &crate::facts::directive::Directives,
    passage: &str,
) -> Option<Disagreement> {
    if found.strong_obligation.is_some() {
        return None;
    }
    if found.permission.is_none() && hedge().find(passage).is_none() {
        return None;
    }
    let requirement_lower = requirement_text.to_lowercase();
    // A softening word the requirement itself uses ("optional streaks") is its content, not a
    // softening.
    let own_words = |phrase: &str| requirement_lower.contains(&phrase.to_lowercase());
    // A softening counts in a sentence about the requirement: "You can show a placeholder"
    // next to "Render partial results as they arrive" softens the placeholder, not the
    // rendering.
    let about_requirement = |start: usize| obliged.sentence_is_about(passage, start);
    let grants = grants_permission().is_match(requirement_text);
    let permission = crate::facts::directive::permission_markers(passage)
        .into_iter()
        .find(|marker| !grants && !own_words(&marker.phrase) && about_requirement(marker.start))
        .map(|marker| marker.phrase);
    let hedged = || {
        hedge()
            .find_iter(passage)
            .find(|found| !own_words(found.as_str()) && about_requirement(found.start()))
            .map(|found| found.as_str().to_owned())
    };
    let phrase = permission.or_else(hedged)?;
    Some(Disagreement {
        kind: DisagreementKind::WeakenedModality,
        message: format!("weakens \"{keyword}\" to \"{phrase}\""),
        phrase,
        requirement_phrase: keyword.to_owned(),
    })
}

/// Quantity and literal disagreements between a requirement and one assertion.
pub fn assertion_disagreements(
    requirement_text: &str,
    facts: &AssertionFacts,
) -> Vec<Disagreement> {
    RequirementFacts::new(requirement_text, &quantities(requirement_text))
        .assertion_disagreements(facts)
}

/// What a requirement states, read once for all the assertions linked to it.
pub struct RequirementFacts<'a> {
    pub text: &'a str,
    pub quantities: &'a [Quantity],
    /// Whether the text quotes anything or lists options; without either, literal comparison
    /// has nothing to do.
    pub has_literals: bool,
}

impl<'a> RequirementFacts<'a> {
    /// The facts of `text`, whose quantities the caller has read (`quantities(text)`).
    pub fn new(text: &'a str, quantities: &'a [Quantity]) -> RequirementFacts<'a> {
        RequirementFacts {
            text,
            quantities,
            has_literals: !literals(text).is_empty() || !enumerations(text).is_empty(),
        }
    }

    /// Whether any assertion could disagree with this requirement.
    pub fn is_comparable(&self) -> bool {
        !self.quantities.is_empty() || self.has_literals
    }

    pub fn assertion_disagreements(&self, facts: &AssertionFacts) -> Vec<Disagreement> {
        let mut found =
            quantity_disagreements_of(self.quantities, self.text, &facts.quantities, &facts.text);
        if self.has_literals {
            let case = if facts.case_sensitive {
                Case::Matters
            } else {
                Case::Ignored
            };
            found.extend(literal_disagreements_in(
                self.text,
                &facts.expected_literals,
                &facts.text,
                case,
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
        let lost =
            modality_disagreement("", Some(Modality::MustNot), "Promise refunds when asked.");
        assert_eq!(
            lost.map(|found| found.kind),
            Some(DisagreementKind::LostNegation)
        );
        let weak = modality_disagreement(
            "",
            Some(Modality::MustNot),
            "Try to avoid promising refunds.",
        );
        assert_eq!(
            weak.map(|found| found.kind),
            Some(DisagreementKind::WeakenedModality)
        );
        assert!(
            modality_disagreement("", Some(Modality::MustNot), "Never promise refunds.").is_none()
        );
        assert!(
            modality_disagreement("", Some(Modality::Must), "Reply in the user's language.")
                .is_none()
        );
    }
}

/// The wording classes issue #14 names, each in one agreeing and one drifting pair.
#[cfg(test)]
mod issue_classes {
    use super::*;
    use crate::modality::detect_modality;

    fn reported(requirement: &str, passage: &str) -> bool {
        !wording_disagreements(requirement, passage).is_empty()
            || modality_disagreement(requirement, detect_modality(requirement), passage).is_some()
    }

    #[test]
    fn equal_amounts_in_other_words_agree() {
        for (requirement, passage) in [
            (
                "Agents MUST answer within 30 minutes.",
                "Answer within half an hour.",
            ),
            (
                "Returns MUST be accepted within 14 days.",
                "Accept returns within a fortnight.",
            ),
            (
                "Returns MUST be accepted within 14 days.",
                "Accept returns within two weeks.",
            ),
            (
                "Boxes MUST hold at most 12 eggs.",
                "A box holds a dozen eggs at most.",
            ),
            (
                "Calls MUST time out after 90 seconds.",
                "Time calls out after 1.5 minutes.",
            ),
            (
                "Summaries MUST be at most 3,000 characters.",
                "Keep summaries to 3k characters or fewer.",
            ),
            (
                "Summaries MUST be at most 3000 characters.",
                "Keep summaries under three thousand characters.",
            ),
            (
                "Claims MUST stay under 20,000 dollars.",
                "Claims stay under $20k.",
            ),
        ] {
            assert!(!reported(requirement, passage), "{requirement} | {passage}");
        }
    }

    #[test]
    fn drifts_by_class() {
        for (requirement, passage) in [
            (
                "The assistant MUST escalate after 5 minutes.",
                "Escalate after ten minutes.",
            ),
            (
                "Prices MUST be shown including VAT.",
                "Show prices excluding VAT.",
            ),
            (
                "The assistant MUST ask for consent before recording.",
                "Record the call without asking for consent.",
            ),
            (
                "The assistant MUST cite the source.",
                "If convenient, cite the source.",
            ),
            (
                "The assistant MUST cite the source.",
                "Where possible, cite the source.",
            ),
            (
                "The assistant MUST cite the source.",
                "When appropriate, cite the source.",
            ),
            (
                "The assistant MUST cite the source.",
                "Ideally, cite the source.",
            ),
            (
                "The assistant MUST cite the source.",
                "Feel free to cite the source.",
            ),
            (
                "Payment MUST be taken before shipping.",
                "Take payment after shipping.",
            ),
            (
                "Alerts MUST fire above 90% usage.",
                "Fire alerts below 90% usage.",
            ),
            (
                "Orders MUST meet the minimum order value.",
                "Orders must meet the maximum order value.",
            ),
            (
                "The API MUST allow anonymous reads.",
                "The API forbids anonymous reads.",
            ),
            (
                "Date ranges MUST be inclusive of the end date.",
                "Date ranges are exclusive of the end date.",
            ),
            (
                "Show the first matching result.",
                "Show the last matching result.",
            ),
            (
                "The nightly job MUST increase the quota.",
                "The nightly job must decrease the quota.",
            ),
            (
                "The service MUST keep audit logs.",
                "Audit logs are no longer kept.",
            ),
            (
                "The assistant MUST verify the ID.",
                "Skip the ID verification.",
            ),
            (
                "Replies MUST include the refund ID.",
                "Omit the refund ID from replies.",
            ),
            (
                "The assistant MUST tell the customer the total price.",
                "Never, under any circumstances, tell the customer the total price.",
            ),
        ] {
            assert!(reported(requirement, passage), "{requirement} | {passage}");
        }
    }

    #[test]
    fn negations_by_other_words_agree_with_a_must_not() {
        for (requirement, passage) in [
            (
                "The assistant MUST NOT apply the patch.",
                "Refrain from applying the patch.",
            ),
            (
                "The assistant MUST confirm the address.",
                "Do not fail to confirm the address.",
            ),
            (
                "The assistant MUST NOT share the score.",
                "Answer without sharing the score.",
            ),
        ] {
            assert!(!reported(requirement, passage), "{requirement} | {passage}");
        }
    }
}

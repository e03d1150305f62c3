//! The one list of rules. Adding a rule adds one line here.

use crate::rules::Rule;
use crate::rules::broken_file_reference::BrokenFileReference;
use crate::rules::deprecated_requirement_referenced::DeprecatedRequirementReferenced;
use crate::rules::duplicate_requirement_id::DuplicateRequirementId;
use crate::rules::eval_assertion_drift::EvalAssertionDrift;
use crate::rules::eval_tests_unspecified_behavior::EvalTestsUnspecifiedBehavior;
use crate::rules::modality_drift::ModalityDrift;
use crate::rules::negative_requirement_untested::NegativeRequirementUntested;
use crate::rules::opaque_reference::OpaqueReference;
use crate::rules::requirement_missing_from_prompt::RequirementMissingFromPrompt;
use crate::rules::requirement_untested::RequirementUntested;
use crate::rules::stale_link::StaleLink;
use crate::rules::unknown_requirement_reference::UnknownRequirementReference;
use crate::rules::unreadable_input::UnreadableInput;
use crate::rules::unresolved_clarification::UnresolvedClarification;
use crate::rules::unused_suppression::UnusedSuppression;
use crate::rules::wording_drift::WordingDrift;

static RULES: &[&dyn Rule] = &[
    &UnreadableInput,
    &DuplicateRequirementId,
    &UnknownRequirementReference,
    &RequirementMissingFromPrompt,
    &RequirementUntested,
    &EvalTestsUnspecifiedBehavior,
    &WordingDrift,
    &ModalityDrift,
    &EvalAssertionDrift,
    &StaleLink,
    &DeprecatedRequirementReferenced,
    &NegativeRequirementUntested,
    &BrokenFileReference,
    &UnresolvedClarification,
    &OpaqueReference,
    &UnusedSuppression,
];

/// Every rule, in code order.
pub fn all_rules() -> &'static [&'static dyn Rule] {
    RULES
}

/// A rule by name (`requirement-untested`) or code (`SL004`, any case).
pub fn find_rule(name_or_code: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|rule| {
        let meta = rule.meta();
        meta.name == name_or_code || meta.code.eq_ignore_ascii_case(name_or_code)
    })
}

/// The rule name closest to a misspelt one, for "did you mean".
pub fn closest_rule_name(name: &str) -> Option<&'static str> {
    RULES
        .iter()
        .map(|rule| rule.meta().name)
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|left, right| left.0.total_cmp(&right.0))
        .map(|(_, candidate)| candidate)
}

//! Looking rules up by name or code. The list itself is `register_rules!` in `rules/mod.rs`.

use crate::rules::{ALL_RULES, Rule};

/// Every rule, in code order.
pub fn all_rules() -> &'static [&'static dyn Rule] {
    ALL_RULES
}

/// A rule by name (`requirement-untested`) or code (`SL004`, any case).
pub fn find_rule(name_or_code: &str) -> Option<&'static dyn Rule> {
    ALL_RULES.iter().copied().find(|rule| {
        let meta = rule.meta();
        meta.name == name_or_code || meta.code.eq_ignore_ascii_case(name_or_code)
    })
}

/// The code and name of the rule called `name`, when this build has it: for findings read
/// back from a file an earlier run wrote.
pub fn code_and_name(name: &str) -> Option<(&'static str, &'static str)> {
    let meta = find_rule(name)?.meta();
    Some((meta.code, meta.name))
}

/// The rule name closest to a misspelt one, for "did you mean".
pub fn closest_rule_name(name: &str) -> Option<&'static str> {
    ALL_RULES
        .iter()
        .map(|rule| rule.meta().name)
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|left, right| left.0.total_cmp(&right.0))
        .map(|(_, candidate)| candidate)
}

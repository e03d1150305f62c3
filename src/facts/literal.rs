//! Literals: quoted strings and inline code ("RF-", `refund_id`), and enumerations
//! ("one of A, B or C").

use std::sync::LazyLock;

use regex::Regex;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub value: String,
    pub start: usize,
    pub end: usize,
}

fn quoted() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r#"`([^`\n]{1,80})`|"([^"\n]{1,80})"|“([^”\n]{1,80})”|‘([^’\n]{1,80})’|(?:^|[\s(\[:])'([^'\n]{1,80})'(?:[\s.,;:!?)\]]|$)"#,
        )
    });
    &PATTERN
}

/// Quoted strings and inline code in `text`, skipping template placeholders (`{{name}}`).
pub fn literals(text: &str) -> Vec<Literal> {
    let mut found = Vec::new();
    for captures in quoted().captures_iter(text) {
        let Some(group) = (1..=5).find_map(|index| captures.get(index)) else {
            continue;
        };
        let value = group.as_str().trim();
        if value.is_empty() || value.contains("{{") || value.contains("{%") || value.contains("${")
        {
            continue;
        }
        found.push(Literal {
            value: value.to_owned(),
            start: group.start(),
            end: group.end(),
        });
    }
    found
}

fn enumeration() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\b(?:one\s+of|any\s+of|either|only|exactly)\s*:?\s+((?:[^,.;:\n]{1,40},\s*)+[^,.;:\n]{1,40}?,?\s+(?:or|and)\s+[^,.;:\n]{1,40}?)(?:[.;:\n)]|$)",
        )
    });
    &PATTERN
}

/// The items of "one of A, B or C" lists, lower-cased and unquoted.
pub fn enumerations(text: &str) -> Vec<(Vec<String>, usize, usize)> {
    let mut found = Vec::new();
    for captures in enumeration().captures_iter(text) {
        let Some(list) = captures.get(1) else {
            continue;
        };
        let mut items: Vec<String> = list
            .as_str()
            .split(',')
            .flat_map(|part| part.split(" or ").flat_map(|part| part.split(" and ")))
            .map(|item| {
                item.trim()
                    .trim_start_matches("or ")
                    .trim_start_matches("and ")
                    .trim_matches(['"', '\'', '`', '“', '”', ' '])
                    .to_lowercase()
            })
            .filter(|item| !item.is_empty())
            .collect();
        items.sort();
        items.dedup();
        if items.len() >= 2 {
            found.push((items, list.start(), list.end()));
        }
    }
    found
}

/// Whether two literals look like versions of one another ("RF-" and "REF-"): close in edit
/// distance, or one containing the other.
pub fn similar(left: &str, right: &str) -> bool {
    let left = left.to_lowercase();
    let right = right.to_lowercase();
    if left == right {
        return false;
    }
    let distance = strsim::levenshtein(&left, &right);
    let longest = left.chars().count().max(right.chars().count());
    distance <= 2.max(longest / 3) && distance < longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_code() {
        let values: Vec<String> =
            literals("IDs start with \"RF-\" and use `refund_id`; don't quote 'it's'.")
                .into_iter()
                .map(|literal| literal.value)
                .collect();
        assert_eq!(values, ["RF-", "refund_id"]);
    }

    #[test]
    fn lists() {
        let found = enumerations("Reply with one of Approved, Rejected or Pending.");
        assert_eq!(found[0].0, ["approved", "pending", "rejected"]);
    }
}

//! How strongly, and with which polarity, a prompt passage or rubric tells the model to do
//! something: "Never …" and "Do not …" are strong prohibitions, "try to avoid" a weak one,
//! "always" and imperatives strong obligations, "if possible" and "you may" weak ones.

use std::sync::LazyLock;

use regex::Regex;

/// What a passage says about obligation and prohibition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directives {
    /// "never", "do not", "must not", "under no circumstances", …
    pub strong_prohibition: Option<Marker>,
    /// "avoid", "try not to", "should not", "preferably not", …
    pub weak_prohibition: Option<Marker>,
    /// "always", "must", "make sure", "ensure", …
    pub strong_obligation: Option<Marker>,
    /// "should", "recommended", "ideally", …
    pub recommendation: Option<Marker>,
    /// "try to", "if possible", "where appropriate", "you may", "you can", "optionally", …
    pub permission: Option<Marker>,
    /// The first sentence opens with a prohibition ("Never …", "Do not …").
    pub opens_with_prohibition: bool,
}

/// A marker phrase and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub phrase: String,
    pub start: usize,
    pub end: usize,
}

fn compile(pattern: &str) -> Regex {
    crate::lazy_regex::compile_constant(pattern)
}

struct Patterns {
    /// "Do not fail to", "never forget to": a double negation, which obliges.
    double_negation: Regex,
    strong_prohibition: Regex,
    weak_prohibition: Regex,
    strong_obligation: Regex,
    recommendation: Regex,
    permission: Regex,
    opening_prohibition: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| Patterns {
        double_negation: compile(
            r"(?i)\b(?:do\s+not|don['’]t|never|must\s+not)\s+(?:fail|forget|neglect|omit)\s+to\b",
        ),
        strong_prohibition: compile(
            r"(?i)\b(?:never|do\s+not|don['’]t|must\s+not|mustn['’]t|shall\s+not|may\s+not|cannot|can['’]t|can\s+not|under\s+no\s+circumstances|is\s+not\s+allowed|are\s+not\s+allowed|not\s+allowed\s+to|forbidden|prohibited|refuse\s+to|refrain\s+from|no\s+longer)\b",
        ),
        weak_prohibition: compile(
            r"(?i)\b(?:avoid(?:ing)?|try\s+not\s+to|should\s+not|shouldn['’]t|preferably\s+not|ideally\s+not|it\s+is\s+best\s+not\s+to|better\s+not\s+to)\b",
        ),
        strong_obligation: compile(
            r"(?i)\b(?:always|must|shall|make\s+sure|be\s+sure\s+to|ensure|required\s+to|you\s+are\s+required|is\s+required|every\s+time|without\s+exception|only)\b",
        ),
        recommendation: compile(
            r"(?i)\b(?:should|recommended|ideally|preferably|it\s+is\s+best\s+to)\b",
        ),
        permission: compile(
            r"(?i)\b(?:try\s+to|attempt\s+to|if\s+possible|when\s+possible|where\s+possible|whenever\s+possible|if\s+you\s+can|where\s+appropriate|when\s+appropriate|if\s+appropriate|as\s+appropriate|if\s+needed|consider|feel\s+free\s+to|if\s+convenient|when\s+convenient|where\s+convenient|if\s+practical|where\s+practical|if\s+time\s+permits|you\s+may|you\s+can|you\s+could|you\s+might|may\s+want\s+to|optionally|optional|it\s+is\s+ok(?:ay)?\s+to|if\s+it\s+makes\s+sense|if\s+you\s+like)\b",
        ),
        opening_prohibition: compile(
            r"(?i)^\W*(?:never|do\s+not|don['’]t|under\s+no\s+circumstances|you\s+must\s+not|you\s+mustn['’]t|you\s+may\s+not|you\s+cannot)\b",
        ),
    });
    &PATTERNS
}

fn first_marker(pattern: &Regex, text: &str) -> Option<Marker> {
    pattern.find(text).map(|found| Marker {
        phrase: found.as_str().to_owned(),
        start: found.start(),
        end: found.end(),
    })
}

/// Every softening marker ("try to", "if possible", "you can", …) in `text`.
pub fn permission_markers(text: &str) -> Vec<Marker> {
    patterns()
        .permission
        .find_iter(text)
        // "you may not", "you can't": a prohibition, not a permission.
        .filter(|found| {
            let rest = text
                .get(found.end()..)
                .unwrap_or_default()
                .to_ascii_lowercase();
            !(rest.starts_with(" not") || rest.starts_with("not") || rest.starts_with("n't"))
        })
        .map(|found| Marker {
            phrase: found.as_str().to_owned(),
            start: found.start(),
            end: found.end(),
        })
        .collect()
}

pub fn directives(text: &str) -> Directives {
    let patterns = patterns();
    // "Do not fail to confirm" obliges: its negations cancel, and it is read as "always".
    let double_negation = first_marker(&patterns.double_negation, text);
    let without_double: String = match &double_negation {
        Some(marker) => {
            let mut blanked = text.to_owned();
            blanked.replace_range(
                marker.start..marker.end,
                &" ".repeat(marker.end - marker.start),
            );
            blanked
        }
        None => text.to_owned(),
    };
    let text = without_double.as_str();
    let mut weak_prohibition = first_marker(&patterns.weak_prohibition, text);
    let strong_prohibition = first_marker(&patterns.strong_prohibition, text);
    // "should not" is also "should"; count it once, as a weak prohibition.
    let recommendation = first_marker(&patterns.recommendation, text).filter(|marker| {
        weak_prohibition
            .as_ref()
            .is_none_or(|prohibition| marker.start != prohibition.start)
    });
    if weak_prohibition.is_none()
        && let Some(marker) = first_marker(&patterns.permission, text)
        && text
            .get(marker.end..)
            .is_some_and(|rest| rest.trim_start().to_ascii_lowercase().starts_with("avoid"))
    {
        weak_prohibition = Some(marker);
    }
    Directives {
        strong_obligation: double_negation
            .or_else(|| first_marker(&patterns.strong_obligation, text)),
        permission: first_marker(&patterns.permission, text),
        opens_with_prohibition: patterns.opening_prohibition.is_match(text.trim_start()),
        strong_prohibition,
        weak_prohibition,
        recommendation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        let never = directives("Never promise a refund before verification.");
        assert!(never.strong_prohibition.is_some() && never.opens_with_prohibition);
        let avoid = directives("Try to avoid promising refunds.");
        assert!(avoid.strong_prohibition.is_none() && avoid.weak_prohibition.is_some());
        let weak = directives("If possible, reply in the customer's language.");
        assert!(weak.permission.is_some() && weak.strong_obligation.is_none());
        let refrain = directives("Refrain from applying the patch.");
        assert!(refrain.strong_prohibition.is_some() && refrain.weak_prohibition.is_none());
        let double = directives("Do not fail to confirm the address.");
        assert!(double.strong_prohibition.is_none() && double.strong_obligation.is_some());
        assert!(!double.opens_with_prohibition);
        let convenient = directives("If convenient, cite the source.");
        assert!(convenient.permission.is_some());
        let imperative = directives("Reply in the customer's language.");
        assert_eq!(imperative, Directives::default());
    }
}

//! Requirement-ID recognition, shared by every loader.

use std::sync::{Arc, LazyLock, OnceLock};

use regex::Regex;

/// The default pattern: an upper-case prefix of one or more dash-separated words, then a number,
/// then an optional lower-case letter (`REQ-001`, `FR-004a`, `SAFE-REFUND-12`).
pub const DEFAULT_ID_PATTERN: &str = r"[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-[0-9]+[a-z]?";

/// A reference to a Kiro acceptance criterion.
const KIRO_REFERENCE: &str = r"R[0-9]+\.[0-9]+";

/// The feature part of a qualified reference: `001-voice-orchestrator/` in
/// `001-voice-orchestrator/FR-001`, `checkout/` in `checkout/R1.2`.
const FEATURE_PREFIX: &str = r"(?:[a-z0-9][a-z0-9_-]*/)?";

/// A compiled requirement-ID pattern. Matches are only accepted at word boundaries, so that
/// `XFR-001` inside `AXFR-001x` is not an ID.
#[derive(Clone, Debug)]
pub struct IdPattern {
    source: String,
    /// Compiled when the pattern is made, or for the default pattern on first use: a run that
    /// prints the output the last run kept matches no ID, and compiling these took about
    /// 0.3 ms of such a run's 9 (`bench/README.md`, "Twenty-first pass"). Shared by clones.
    compiled: Arc<OnceLock<Compiled>>,
}

/// The two regular expressions of an [`IdPattern`].
#[derive(Debug)]
struct Compiled {
    anywhere: Regex,
    whole: Regex,
}

/// An ID found in a piece of text, with its byte range relative to that text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdMatch<'a> {
    pub id: &'a str,
    pub start: usize,
    pub end: usize,
}

impl IdPattern {
    /// Compiles `pattern`. The error text is the regex crate's own.
    pub fn new(pattern: &str) -> Result<IdPattern, String> {
        // Compile the pattern alone first, so that an error points into what the user wrote.
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|error| error.to_string())?;
        if pattern.len() > 1000 {
            return Err("the pattern is longer than 1000 characters".to_owned());
        }
        let compiled = Compiled::new(pattern)?;
        Ok(IdPattern {
            source: pattern.to_owned(),
            compiled: Arc::new(OnceLock::from(compiled)),
        })
    }

    /// The default pattern ([`DEFAULT_ID_PATTERN`]), compiled on first use.
    pub fn default_pattern() -> IdPattern {
        static DEFAULT: LazyLock<IdPattern> = LazyLock::new(|| IdPattern {
            source: DEFAULT_ID_PATTERN.to_owned(),
            compiled: Arc::default(),
        });
        DEFAULT.clone()
    }

    fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| {
            // Only the default pattern is compiled here (`new` compiles every other one, and
            // reports its errors): a constant of speclint's own, checked by a unit test.
            #[allow(clippy::expect_used)]
            Compiled::new(&self.source).expect("the default ID pattern compiles")
        })
    }

    pub fn find_all<'a>(&self, text: &'a str) -> impl Iterator<Item = IdMatch<'a>> + use<'a, '_> {
        self.compiled()
            .anywhere
            .find_iter(text)
            .map(|found| IdMatch {
                id: found.as_str(),
                start: found.start(),
                end: found.end(),
            })
    }

    /// The pattern as written, without the word boundaries speclint adds.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.compiled().anywhere.is_match(text)
    }

    pub fn is_whole_id(&self, text: &str) -> bool {
        self.compiled().whole.is_match(text)
    }

    /// The ID at the very start of `text`, if any.
    pub fn leading_id<'a>(&self, text: &'a str) -> Option<IdMatch<'a>> {
        self.find_all(text).next().filter(|found| found.start == 0)
    }
}

impl Compiled {
    /// The expressions for `pattern`, which must compile on its own.
    fn new(pattern: &str) -> Result<Compiled, String> {
        // Kiro acceptance criteria are referenced as `R1.2` or `<feature>/R1.2`, whatever the
        // configured pattern.
        let anywhere = regex::RegexBuilder::new(&format!(
            r"\b{FEATURE_PREFIX}(?:{pattern}|{KIRO_REFERENCE})\b"
        ))
        .size_limit(1 << 20)
        .build()
        .map_err(|error| error.to_string())?;
        let whole = regex::RegexBuilder::new(&format!(
            r"^{FEATURE_PREFIX}(?:{pattern}|{KIRO_REFERENCE})$"
        ))
        .size_limit(1 << 20)
        .build()
        .map_err(|error| error.to_string())?;
        Ok(Compiled { anywhere, whole })
    }
}

/// Splits a requirement field's string ("FR-001, FR-002" or "FR-001 FR-002") into its tokens with
/// their byte offsets. Every token is meant as an ID, so unknown tokens are reported.
pub fn split_id_list(text: &str) -> Vec<(usize, &str)> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (index, character) in text.char_indices() {
        let separator = character.is_whitespace() || matches!(character, ',' | ';' | '|');
        match (separator, start) {
            (true, Some(token_start)) => {
                tokens.push((
                    token_start,
                    text.get(token_start..index).unwrap_or_default(),
                ));
                start = None;
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(token_start) = start {
        tokens.push((token_start, text.get(token_start..).unwrap_or_default()));
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default pattern is compiled on first use, where a failure could not be reported:
    /// it compiles as every configured pattern is checked.
    #[test]
    fn the_default_pattern_compiles() {
        assert!(IdPattern::new(DEFAULT_ID_PATTERN).is_ok());
        assert!(IdPattern::default_pattern().is_whole_id("FR-001"));
    }

    #[test]
    fn default_pattern_matches_documented_ids() {
        let pattern = IdPattern::default_pattern();
        for id in [
            "REQ-001",
            "FR-001",
            "SC-002",
            "FR-004a",
            "SAFE-REFUND-12",
            "NFR-3",
        ] {
            assert!(pattern.is_whole_id(id), "{id}");
        }
        for not_id in ["fr-001", "FR001", "FR-", "-001", "FR-001ab"] {
            assert!(!pattern.is_whole_id(not_id), "{not_id}");
        }
    }

    #[test]
    fn ids_are_found_at_word_boundaries_only() {
        let pattern = IdPattern::default_pattern();
        let found: Vec<_> = pattern
            .find_all("see FR-001, (REQ-2) and xFR-003 or FR-004ab")
            .map(|found| found.id)
            .collect();
        assert_eq!(found, ["FR-001", "REQ-2"]);
    }

    #[test]
    fn id_lists_split_on_commas_and_spaces() {
        assert_eq!(
            split_id_list(" FR-001, FR-002  FR-003;"),
            [(1, "FR-001"), (9, "FR-002"), (17, "FR-003")]
        );
    }
}

//! Facts in eval assertions: what a promptfoo assertion (or a dataset's metadata) expects of the
//! output. Test inputs (`vars`, `input`) are what the model is given, so they are never read.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use crate::facts::directive::directives;
use crate::facts::quantity::{Comparator, Dimension, Quantity, quantities};
use crate::source::model::AssertionDef;

/// What one assertion checks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssertionFacts {
    pub quantities: Vec<Quantity>,
    /// A string the output must contain (or equal, or start with).
    pub expected_literals: Vec<String>,
    /// A string the output must not contain.
    pub forbidden_literals: Vec<String>,
    /// Whether the assertion can fail when the output does something forbidden: a `not-`
    /// assertion, a negated check in code, a rubric stating an absence, a refusal check.
    pub checks_absence: bool,
    /// Whether the expected literals must match in letter case (`contains`, `equals`, not
    /// `icontains`).
    pub case_sensitive: bool,
    /// The text the quantities and literals were read from.
    pub text: String,
}

fn regex(pattern: &str) -> Regex {
    crate::lazy_regex::compile_constant(pattern)
}

struct CodePatterns {
    word_count: Regex,
    character_count: Regex,
    line_count: Regex,
    paragraph_count: Regex,
    sentence_count: Regex,
    /// `output.selectedModels.length === 1`, `len(output["models"]) <= 3`: how many of a
    /// named thing the output holds.
    property_count: Regex,
    includes: Regex,
    negated: Regex,
    /// Every pattern above but `negated`, in one set: which of them match is found in one
    /// pass over the code, and only those are searched again for their groups.
    any: RegexSet,
}

/// The order of the patterns in [`CodePatterns::any`].
const WORD_COUNT: usize = 0;
const CHARACTER_COUNT: usize = 1;
const LINE_COUNT: usize = 2;
const PARAGRAPH_COUNT: usize = 3;
const SENTENCE_COUNT: usize = 4;
const PROPERTY_COUNT: usize = 5;
const INCLUDES: usize = 6;

fn code_patterns() -> &'static CodePatterns {
    // Identifiers and numbers in code are matched with ASCII classes, not `\w` and `\d`: those
    // are Unicode classes of hundreds of ranges, and compiling them made these patterns cost
    // 4.5 ms on first use, in every run that reads a code assertion (now 1.5 ms). A
    // number must be ASCII to be read as one anyway, and property names in assertions are.
    const OPERATOR: &str = r"\s*(?P<op><=|>=|===|==|<|>)\s*(?P<n>[0-9]+(?:\.[0-9]+)?)";
    static PATTERNS: LazyLock<CodePatterns> = LazyLock::new(|| {
        // In the order of the indexes above.
        let patterns = [
            format!(
                r#"(?:output(?:\.trim\(\))?\.split\(\s*(?:/\\s\+/g?|/\s+/g?|' '|" "|/ \+/)\s*\)(?:\.filter\([^)]*\))?\.length|len\(\s*output\.split\(\s*\)\s*\)){OPERATOR}"#
            ),
            format!(r"(?:output(?:\.trim\(\))?\.length|len\(\s*output\s*\)){OPERATOR}"),
            format!(
                r#"(?:output(?:\.trim\(\))?\.split\(\s*(?:'\\n'|"\\n"|/\\n/g?)\s*\)\.length|len\(\s*output\.(?:splitlines\(\)|split\(\s*['"]\\n['"]\s*\))\s*\)){OPERATOR}"#
            ),
            format!(
                r#"(?:output(?:\.trim\(\))?\.split\(\s*(?:'\\n\\n'|"\\n\\n"|/\\n\\n/g?|/\\n\{{2,\}}/g?|/\\n\s\*\\n/g?)\s*\)(?:\.filter\([^)]*\))?\.length|len\(\s*output\.split\(\s*['"]\\n\\n['"]\s*\)\s*\)){OPERATOR}"#
            ),
            format!(
                r"output(?:\.trim\(\))?\.split\(\s*/[^/]*[.!?][^/]*/g?\s*\)(?:\.filter\([^)]*\))?\.length{OPERATOR}"
            ),
            format!(
                r#"(?:(?:output|JSON\.parse\(\s*output\s*\))(?:\.[0-9A-Za-z_]+|\[['"][0-9A-Za-z_]+['"]\])*?(?:\.(?P<js>[A-Za-z_][0-9A-Za-z_]*)\.length|\[['"](?P<jsindex>[0-9A-Za-z_]+)['"]\]\.length)|len\(\s*output(?:\[['"][0-9A-Za-z_]+['"]\])*?\[['"](?P<py>[0-9A-Za-z_]+)['"]\]\s*\)){OPERATOR}"#
            ),
            r#"(?P<not>!\s*)?output(?:\.toLowerCase\(\)|\.toUpperCase\(\)|\.lower\(\))?\.(?:includes|startsWith|endsWith)\(\s*['"`](?P<js>[^'"`]+)['"`]\s*\)|['"](?P<py>[^'"]+)['"]\s+(?P<pynot>not\s+)?in\s+output"#.to_owned(),
        ];
        let compiled = |index: usize| regex(patterns.get(index).map_or("", String::as_str));
        CodePatterns {
            word_count: compiled(WORD_COUNT),
            character_count: compiled(CHARACTER_COUNT),
            line_count: compiled(LINE_COUNT),
            paragraph_count: compiled(PARAGRAPH_COUNT),
            sentence_count: compiled(SENTENCE_COUNT),
            property_count: compiled(PROPERTY_COUNT),
            includes: compiled(INCLUDES),
            negated: regex(
                r"!\s*output|!\s*/|===?\s*-1|===?\s*false|\bnot\s+in\b|\bnot\s+re\.|!\s*\(|\bnot\s+any\(",
            ),
            any: crate::lazy_regex::compile_constant_set(&patterns),
        }
    });
    &PATTERNS
}

const NEGATIVE_CAPABLE_KINDS: &[&str] = &["is-refusal", "moderation", "guardrails", "classifier"];
const LITERAL_KINDS: &[&str] = &[
    "contains",
    "icontains",
    "equals",
    "starts-with",
    "contains-any",
    "icontains-any",
    "contains-all",
    "icontains-all",
    "regex",
    "contains-json",
];
const RUBRIC_KINDS: &[&str] = &[
    "llm-rubric",
    "model-graded-closedqa",
    "g-eval",
    "factuality",
    "answer-relevance",
    "context-faithfulness",
    "select-best",
    "rubric",
];

pub fn analyze(assertion: &AssertionDef) -> AssertionFacts {
    let kind = assertion.kind.trim().to_ascii_lowercase();
    let value = assertion.value.as_str();
    let mut facts = AssertionFacts {
        text: value.to_owned(),
        ..AssertionFacts::default()
    };
    if let Some(positive) = kind.strip_prefix("not-") {
        facts.checks_absence = true;
        if LITERAL_KINDS.contains(&positive) {
            facts
                .forbidden_literals
                .push(regex_literal(positive, value));
        }
        return facts;
    }
    if LITERAL_KINDS.contains(&kind.as_str()) {
        facts.case_sensitive = !kind.starts_with('i') && kind != "regex";
        facts.expected_literals.push(regex_literal(&kind, value));
        facts.quantities = quantities(value);
        return facts;
    }
    if kind == "javascript" || kind == "python" {
        read_code(value, &mut facts);
        return facts;
    }
    if RUBRIC_KINDS.contains(&kind.as_str()) {
        facts.quantities = quantities(value);
        let found = directives(value);
        let lower = value.to_lowercase();
        facts.checks_absence = found.strong_prohibition.is_some()
            || found.weak_prohibition.is_some()
            || [
                "does not",
                "doesn't",
                "no ",
                "without",
                "refuse",
                "decline",
                "absent",
                "free of",
                "not include",
                "not contain",
                "not mention",
            ]
            .iter()
            .any(|phrase| lower.contains(phrase));
        return facts;
    }
    if NEGATIVE_CAPABLE_KINDS.contains(&kind.as_str()) {
        facts.checks_absence = true;
        return facts;
    }
    if kind == "latency"
        && let Some(threshold) = assertion.threshold
    {
        facts.quantities.push(Quantity {
            value: threshold / 1000.0,
            dimension: Dimension::Duration,
            comparator: Comparator::AtMost,
            start: 0,
            end: 0,
        });
        facts.text = format!("latency ≤ {threshold} ms");
        return facts;
    }
    if kind == "cost"
        && let Some(threshold) = assertion.threshold
    {
        facts.quantities.push(Quantity {
            value: threshold,
            dimension: Dimension::Currency("USD"),
            comparator: Comparator::AtMost,
            start: 0,
            end: 0,
        });
        facts.text = format!("cost ≤ ${threshold}");
        return facts;
    }
    if let Some(key) = kind.strip_prefix("metadata:") {
        read_metadata_limit(key, value, &mut facts);
    }
    facts
}

/// The literal part of a `regex` assertion (`\bRF-\d+` → `RF-`); other kinds' values as they are.
fn regex_literal(kind: &str, value: &str) -> String {
    if kind != "regex" {
        return value.to_owned();
    }
    let mut best = String::new();
    let mut current = String::new();
    let mut characters = value.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => {
                // An escaped punctuation character is literal; `\d`, `\b`, `\s` end the run.
                match characters.next() {
                    Some(escaped) if !escaped.is_ascii_alphanumeric() => current.push(escaped),
                    _ => {
                        if current.len() > best.len() {
                            best = std::mem::take(&mut current);
                        }
                        current.clear();
                    }
                }
            }
            '^' | '$' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                if current.len() > best.len() {
                    best = std::mem::take(&mut current);
                }
                current.clear();
            }
            other => current.push(other),
        }
    }
    if current.len() > best.len() {
        best = current;
    }
    best
}

/// The thing a property counts: the last word of `selectedModels` or `selected_models`, in the
/// singular ("model"), as the quantity extractor names counted nouns.
fn counted_noun(property: &str) -> String {
    let mut last_word_start = 0;
    for (index, character) in property.char_indices() {
        if character == '_' {
            last_word_start = index + 1;
        } else if character.is_uppercase() && index > 0 {
            last_word_start = index;
        }
    }
    let word = property.get(last_word_start..).unwrap_or(property);
    crate::facts::quantity::singular(&word.to_lowercase())
}

fn read_code(code: &str, facts: &mut AssertionFacts) {
    let patterns = code_patterns();
    let matched = patterns.any.matches(code);
    let counted: [(&Regex, usize, &str); 5] = [
        (&patterns.word_count, WORD_COUNT, "word"),
        (&patterns.paragraph_count, PARAGRAPH_COUNT, "paragraph"),
        (&patterns.line_count, LINE_COUNT, "line"),
        (&patterns.sentence_count, SENTENCE_COUNT, "sentence"),
        (&patterns.character_count, CHARACTER_COUNT, "character"),
    ];
    for (pattern, index, noun) in counted {
        if !matched.matched(index) {
            continue;
        }
        for captures in pattern.captures_iter(code) {
            let (Some(operator), Some(number)) = (captures.name("op"), captures.name("n")) else {
                continue;
            };
            let Ok(value) = number.as_str().parse::<f64>() else {
                continue;
            };
            let Some(whole) = captures.get(0) else {
                continue;
            };
            // `output.split(...).length` is also `output.length`-shaped; count each place once.
            if facts
                .quantities
                .iter()
                .any(|known| known.start <= whole.start() && whole.end() <= known.end)
            {
                continue;
            }
            facts.quantities.push(Quantity {
                value,
                dimension: Dimension::Count(noun.to_owned()),
                comparator: Comparator::from_operator(operator.as_str()),
                start: whole.start(),
                end: whole.end(),
            });
        }
    }
    let property_counts = matched
        .matched(PROPERTY_COUNT)
        .then(|| patterns.property_count.captures_iter(code));
    for captures in property_counts.into_iter().flatten() {
        let (Some(operator), Some(number), Some(whole)) =
            (captures.name("op"), captures.name("n"), captures.get(0))
        else {
            continue;
        };
        let Some(property) = ["js", "jsindex", "py"]
            .iter()
            .find_map(|name| captures.name(name))
        else {
            continue;
        };
        let Ok(value) = number.as_str().parse::<f64>() else {
            continue;
        };
        facts.quantities.push(Quantity {
            value,
            dimension: Dimension::Count(counted_noun(property.as_str())),
            comparator: Comparator::from_operator(operator.as_str()),
            start: whole.start(),
            end: whole.end(),
        });
    }
    let includes = matched
        .matched(INCLUDES)
        .then(|| patterns.includes.captures_iter(code));
    for captures in includes.into_iter().flatten() {
        if let Some(literal) = captures.name("js") {
            if captures.name("not").is_some() {
                facts.forbidden_literals.push(literal.as_str().to_owned());
            } else {
                facts.expected_literals.push(literal.as_str().to_owned());
            }
        } else if let Some(literal) = captures.name("py") {
            if captures.name("pynot").is_some() {
                facts.forbidden_literals.push(literal.as_str().to_owned());
            } else {
                facts.expected_literals.push(literal.as_str().to_owned());
            }
        }
    }
    facts.checks_absence = !facts.forbidden_literals.is_empty() || patterns.negated.is_match(code);
}

/// `text.trim_start_matches(prefix)`, without the substring searcher that call sets up each
/// time: a dataset has a metadata limit on every row.
fn strip_repeated_prefix<'a>(mut text: &'a str, prefix: &str) -> &'a str {
    while let Some(rest) = text.strip_prefix(prefix) {
        text = rest;
    }
    text
}

/// `text.trim_end_matches(suffix)`, without the substring searcher.
fn strip_repeated_suffix<'a>(mut text: &'a str, suffix: &str) -> &'a str {
    while let Some(rest) = text.strip_suffix(suffix) {
        text = rest;
    }
    text
}

/// Dataset metadata such as `max_words: 150` or `word_limit: 150`.
fn read_metadata_limit(key: &str, value: &str, facts: &mut AssertionFacts) {
    let Ok(number) = value.trim().parse::<f64>() else {
        return;
    };
    let key = key.to_ascii_lowercase();
    let comparator = if key.starts_with("max") || key.ends_with("limit") || key.ends_with("max") {
        Comparator::AtMost
    } else if key.starts_with("min") || key.ends_with("min") {
        Comparator::AtLeast
    } else {
        return;
    };
    let noun = strip_repeated_prefix(&key, "max");
    let noun = strip_repeated_prefix(noun, "min");
    let noun = strip_repeated_suffix(noun, "limit");
    let noun = strip_repeated_suffix(noun, "max");
    let noun = strip_repeated_suffix(noun, "min");
    let noun = noun.trim_matches(['_', '-']);
    let noun = noun.strip_suffix('s').unwrap_or(noun);
    let (dimension, factor) = match noun {
        "word" | "char" | "character" | "sentence" | "line" | "paragraph" | "token" | "bullet"
        | "item" => {
            let noun = if noun == "char" { "character" } else { noun };
            (Dimension::Count(noun.to_owned()), 1.0)
        }
        "second" | "latency_second" => (Dimension::Duration, 1.0),
        "latency_m" | "latency_ms" | "m" => (Dimension::Duration, 0.001),
        _ => return,
    };
    facts.quantities.push(Quantity {
        value: number * factor,
        dimension,
        comparator,
        start: 0,
        end: 0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source_db::Span;

    fn assertion(kind: &str, value: &str) -> AssertionDef {
        AssertionDef {
            kind: kind.into(),
            value: value.into(),
            threshold: None,
            span: Span::default(),
        }
    }

    #[test]
    fn javascript_word_counts() {
        let facts = analyze(&assertion(
            "javascript",
            "output.split(/\\s+/).length <= 150",
        ));
        assert_eq!(facts.quantities.len(), 1);
        assert_eq!(facts.quantities[0].value, 150.0);
        assert_eq!(
            facts.quantities[0].dimension,
            Dimension::Count("word".to_owned())
        );
        assert_eq!(facts.quantities[0].comparator, Comparator::AtMost);
        let characters = analyze(&assertion("javascript", "output.length < 500"));
        assert_eq!(
            characters.quantities[0].dimension,
            Dimension::Count("character".to_owned())
        );
    }

    #[test]
    fn negative_checks() {
        assert!(analyze(&assertion("not-icontains", "lawyer")).checks_absence);
        assert!(analyze(&assertion("javascript", "!output.includes('password')")).checks_absence);
        assert!(
            analyze(&assertion(
                "llm-rubric",
                "The answer does not give legal advice"
            ))
            .checks_absence
        );
        assert!(!analyze(&assertion("icontains", "30 days")).checks_absence);
        assert_eq!(regex_literal("regex", r"\bRF-\d{6}\b"), "RF-");
    }

    #[test]
    fn metadata_keys_are_cut_as_trim_matches_cuts_them() {
        for key in [
            "max_words",
            "maxmax_words",
            "min_lines",
            "word_limitlimit",
            "maxminwordsmaxmin",
            "max",
            "",
        ] {
            for affix in ["max", "min", "limit"] {
                assert_eq!(
                    strip_repeated_prefix(key, affix),
                    key.trim_start_matches(affix)
                );
                assert_eq!(
                    strip_repeated_suffix(key, affix),
                    key.trim_end_matches(affix)
                );
            }
        }
        let limit = |key: &str| {
            analyze(&assertion(&format!("metadata:{key}"), "150"))
                .quantities
                .into_iter()
                .map(|quantity| (quantity.value, quantity.dimension, quantity.comparator))
                .collect::<Vec<_>>()
        };
        let words = Dimension::Count("word".to_owned());
        assert_eq!(
            limit("max_words"),
            [(150.0, words.clone(), Comparator::AtMost)]
        );
        assert_eq!(
            limit("maxmax_words"),
            [(150.0, words.clone(), Comparator::AtMost)]
        );
        assert_eq!(limit("words_min"), [(150.0, words, Comparator::AtLeast)]);
        assert!(limit("max_colour").is_empty());
    }
}

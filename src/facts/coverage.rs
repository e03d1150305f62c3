//! What a requirement's eval cases exercise: the amounts their inputs give (to probe both
//! sides of a limit), the cases of a list they name, and the exceptions they reach. The
//! blind-spot rules (`boundary-untested`, `enumeration-untested`, `exception-untested`) read
//! requirements and eval cases through it.

use std::sync::LazyLock;

use regex::Regex;

use crate::facts::list::List;
use crate::facts::quantity::{Comparator, Dimension, Quantity, quantities, singular};
use crate::facts::words::{contains_word, is_content, stem, words};
use crate::source::model::EvalCaseDef;

/// Counted things that describe the output's shape ("at most 120 words"), which eval inputs
/// cannot probe: assertions check them instead.
const OUTPUT_SHAPES: &[&str] = &[
    "word",
    "sentence",
    "paragraph",
    "line",
    "item",
    "token",
    "question",
    "option",
    "suggestion",
    "example",
    "point",
    "step",
    "emoji",
    "link",
    "result",
    "message",
    "reply",
    "turn",
    "bullet",
    "character",
    "follow-up",
    "guide",
    "lab",
    "model",
    "level",
    "space",
    "section",
    "heading",
    "citation",
    "source",
    "tip",
    "char",
];

/// A limit a requirement sets on its inputs: one bound, or a range.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    pub dimension: Dimension,
    pub low: Option<Bound>,
    pub high: Option<Bound>,
    /// The requirement's words for it ("within 30 days").
    pub phrase: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub inclusive: bool,
}

/// Where an input amount falls against a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Inside,
    Beyond,
}

impl Threshold {
    pub fn side(&self, value: f64) -> Side {
        let above_low = self.low.is_none_or(|bound| {
            if bound.inclusive {
                value >= bound.value
            } else {
                value > bound.value
            }
        });
        let below_high = self.high.is_none_or(|bound| {
            if bound.inclusive {
                value <= bound.value
            } else {
                value < bound.value
            }
        });
        if above_low && below_high {
            Side::Inside
        } else {
            Side::Beyond
        }
    }
}

fn probe_worthy(dimension: &Dimension, value: f64) -> bool {
    match dimension {
        // Latency limits ("reply in under 3 seconds") are checked on the output.
        Dimension::Duration => value >= 3600.0,
        Dimension::Months | Dimension::BusinessDays | Dimension::Percent => true,
        Dimension::Currency(_) => true,
        Dimension::Count(noun) => !OUTPUT_SHAPES.contains(&noun.as_str()),
        Dimension::Unitless => false,
    }
}

/// The limits a requirement sets that eval inputs can probe: "within 30 days", "orders above
/// $500", "at most 3 retries", given the quantities read from its text (`found`). Output
/// shapes (words, sentences) and latencies are left out.
pub fn thresholds(requirement: &str, found: &[Quantity]) -> Vec<Threshold> {
    let mut thresholds = Vec::new();
    let mut index = 0;
    while let Some(quantity) = found.get(index) {
        let phrase = requirement
            .get(quantity.start..quantity.end)
            .unwrap_or_default()
            .trim()
            .to_owned();
        if let Some(next) = found.get(index + 1)
            && next.start == quantity.start
            && next.end == quantity.end
            && quantity.comparator == Comparator::AtLeast
            && next.comparator == Comparator::AtMost
        {
            if probe_worthy(&quantity.dimension, next.value) {
                thresholds.push(Threshold {
                    dimension: quantity.dimension.clone(),
                    low: Some(Bound {
                        value: quantity.value,
                        inclusive: true,
                    }),
                    high: Some(Bound {
                        value: next.value,
                        inclusive: true,
                    }),
                    phrase,
                });
            }
            index += 2;
            continue;
        }
        index += 1;
        if !probe_worthy(&quantity.dimension, quantity.value) {
            continue;
        }
        let bound = |inclusive| {
            Some(Bound {
                value: quantity.value,
                inclusive,
            })
        };
        let (low, high) = match quantity.comparator {
            Comparator::AtMost => (None, bound(true)),
            Comparator::LessThan => (None, bound(false)),
            Comparator::AtLeast => (bound(true), None),
            Comparator::MoreThan => (bound(false), None),
            Comparator::Exactly | Comparator::Unspecified => continue,
        };
        thresholds.push(Threshold {
            dimension: quantity.dimension.clone(),
            low,
            high,
            phrase,
        });
    }
    thresholds
}

/// Unit words a variable name can carry ("days_since_delivery", "orderTotalUsd").
fn dimension_of_key(key: &str, wanted: &Dimension) -> Option<(Dimension, f64)> {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    for character in key.chars() {
        if character == '_' || character == '-' || character == ' ' || character == '.' {
            parts.push(std::mem::take(&mut current));
        } else if character.is_uppercase() && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
            current.push(character.to_ascii_lowercase());
        } else {
            current.push(character.to_ascii_lowercase());
        }
    }
    parts.push(current);
    for part in &parts {
        let read = quantities(&format!("1 {part}"));
        if let Some(quantity) = read.first()
            && &quantity.dimension == wanted
        {
            return Some((quantity.dimension.clone(), quantity.value));
        }
    }
    let money = [
        "amount", "total", "price", "cost", "value", "spend", "balance", "subtotal",
    ];
    if matches!(wanted, Dimension::Currency(_))
        && parts.iter().any(|part| money.contains(&part.as_str()))
    {
        return Some((wanted.clone(), 1.0));
    }
    if matches!(wanted, Dimension::Percent)
        && parts.iter().any(|part| {
            matches!(
                part.as_str(),
                "percent" | "pct" | "percentage" | "rate" | "discount" | "share" | "ratio"
            )
        })
    {
        return Some((wanted.clone(), 1.0));
    }
    if let Dimension::Count(noun) = wanted
        && parts.iter().any(|part| {
            let part = singular(part);
            &part == noun
                || (noun == "attempt" && matches!(part.as_str(), "retry" | "try" | "failure"))
        })
    {
        return Some((wanted.clone(), 1.0));
    }
    None
}

fn number_word_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|once|twice|thrice|half|fortnight)\b",
        )
    });
    &PATTERN
}

fn bare_number() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"^\s*[$€£]?\s*(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*%?\s*$",
        )
    });
    &PATTERN
}

/// The lines of an eval case's inputs that may give an amount, each with the quantities the
/// quantity reader found in it. They are read once per case and then asked about each limit a
/// requirement sets, since reading is the costly part.
pub struct InputAmounts<'a> {
    lines: Vec<(&'a str, Vec<Quantity>)>,
}

impl<'a> InputAmounts<'a> {
    pub fn read(inputs: &'a str) -> InputAmounts<'a> {
        let lines = inputs
            .lines()
            // Most input lines hold no amount: skip them before the quantity reader runs.
            .filter(|line| {
                line.bytes().any(|byte| byte.is_ascii_digit())
                    || number_word_pattern().is_match(line)
            })
            .map(|line| (line, quantities(line)))
            .collect();
        InputAmounts { lines }
    }

    /// The amounts of `dimension` the inputs give: a quantity in its unit ("10 days ago"), or
    /// a bare number under a key that names the unit ("days_since_delivery: 45").
    pub fn of(&self, dimension: &Dimension) -> Vec<f64> {
        let mut found = Vec::new();
        for (line, read) in &self.lines {
            let before = found.len();
            found.extend(
                read.iter()
                    .filter(|quantity| &quantity.dimension == dimension)
                    .map(|quantity| quantity.value),
            );
            if found.len() > before {
                continue;
            }
            let Some((key, value)) = line.split_once(": ") else {
                continue;
            };
            let Some(number) = bare_number()
                .captures(value)
                .and_then(|captures| captures.get(1))
                .and_then(|number| number.as_str().replace(',', "").parse::<f64>().ok())
            else {
                continue;
            };
            if let Some((_, factor)) = dimension_of_key(key, dimension) {
                found.push(number * factor);
            }
        }
        found
    }
}

/// Everything an eval case says in words: its label, inputs and assertion values, lower-cased.
pub fn case_text(case: &EvalCaseDef) -> String {
    let mut text = String::with_capacity(case.label.len() + case.inputs.len() + 64);
    text.push_str(&case.label);
    text.push('\n');
    text.push_str(&case.inputs);
    for assertion in &case.assertions {
        text.push('\n');
        text.push_str(&assertion.value);
    }
    text.to_lowercase()
}

/// Language names and the codes datasets use for them.
const LANGUAGE_CODES: &[(&str, &str)] = &[
    ("english", "en"),
    ("french", "fr"),
    ("german", "de"),
    ("spanish", "es"),
    ("italian", "it"),
    ("portuguese", "pt"),
    ("dutch", "nl"),
    ("japanese", "ja"),
    ("chinese", "zh"),
    ("korean", "ko"),
    ("arabic", "ar"),
    ("russian", "ru"),
    ("hindi", "hi"),
    ("polish", "pl"),
    ("swedish", "sv"),
    ("turkish", "tr"),
];

/// Function words common in one language and rare in the others: a case whose text holds
/// several of them is written in that language ("Wo ist mein Paket?" is German).
const LANGUAGE_WORDS: &[(&str, &[&str])] = &[
    (
        "english",
        &[
            "the", "is", "and", "my", "you", "what", "where", "can", "with", "this",
        ],
    ),
    (
        "french",
        &[
            "le", "les", "est", "je", "mon", "ma", "pas", "une", "vous", "où", "pour", "avec",
        ],
    ),
    (
        "german",
        &[
            "der", "die", "das", "ist", "ich", "mein", "meine", "nicht", "und", "wo", "bitte",
            "ein",
        ],
    ),
    (
        "spanish",
        &[
            "el", "los", "es", "mi", "por", "una", "qué", "dónde", "para", "con", "está", "pedido",
        ],
    ),
    (
        "italian",
        &[
            "il", "gli", "è", "mio", "mia", "non", "dove", "per", "una", "sono", "ordine",
        ],
    ),
    (
        "portuguese",
        &[
            "o", "os", "é", "meu", "minha", "não", "onde", "para", "uma", "está", "pedido",
        ],
    ),
    (
        "dutch",
        &[
            "de",
            "het",
            "is",
            "mijn",
            "niet",
            "waar",
            "een",
            "en",
            "ik",
            "bestelling",
        ],
    ),
];

/// Other words for common list items: a case about a call tests the phone channel.
const ITEM_SYNONYMS: &[(&str, &[&str])] = &[
    (
        "phone",
        &["call", "called", "calling", "telephone", "voice", "hotline"],
    ),
    ("email", &["e-mail", "mail", "inbox"]),
    ("chat", &["live chat", "messenger", "chatting"]),
    ("sms", &["text message", "texting"]),
];

fn written_in(case_text: &str, language: &str) -> bool {
    let Some((_, markers)) = LANGUAGE_WORDS.iter().find(|(name, _)| *name == language) else {
        return false;
    };
    let found = markers
        .iter()
        .filter(|marker| contains_word(case_text, marker))
        .count();
    found >= 3
}

/// Whether a case's text (from [`case_text`]) names a list item: the item itself, each of its
/// content words (stemmed), a synonym ("call" for "phone"), a language's code as a whole value
/// (`lang: fr`), or text written in that language.
pub fn names_item(case_text: &str, item: &str) -> bool {
    if contains_word(case_text, item) {
        return true;
    }
    // `credit_card`, `bank-transfer`: names written as identifiers.
    let spaced = case_text.replace(['_', '-'], " ");
    if contains_word(&spaced, &item.replace(['_', '-'], " ")) {
        return true;
    }
    if let Some((_, synonyms)) = ITEM_SYNONYMS.iter().find(|(name, _)| *name == item)
        && synonyms
            .iter()
            .any(|synonym| contains_word(case_text, synonym))
    {
        return true;
    }
    if written_in(case_text, item) {
        return true;
    }
    if let Some((_, code)) = LANGUAGE_CODES.iter().find(|(name, _)| *name == item) {
        let as_value = [
            format!(": {code}\n"),
            format!(": {code}-"),
            format!(": {code}_"),
        ];
        if as_value
            .iter()
            .any(|pattern| case_text.contains(pattern.as_str()))
        {
            return true;
        }
    }
    let item_words: Vec<String> = words(item)
        .iter()
        .filter(|word| is_content(word))
        .map(|word| word.stem().to_owned())
        .collect();
    if item_words.is_empty() {
        return false;
    }
    let text_stems: rustc_hash::FxHashSet<String> = words(&spaced)
        .into_iter()
        .map(|word| word.stem().to_owned())
        .collect();
    item_words.iter().all(|stem| text_stems.contains(stem))
}

/// The lists of cases a requirement names ("English, French and German"): lists of three or
/// more short items, from the lists read from its text (`found`).
pub fn enumerated_cases(requirement: &str, found: &[List]) -> Vec<(Vec<String>, String)> {
    found
        .iter()
        .filter(|list| list.items.len() >= 3)
        .map(|list| {
            let phrase = requirement
                .get(list.start..list.end)
                .unwrap_or_default()
                .trim()
                .to_owned();
            (list.items.clone(), phrase)
        })
        .collect()
}

/// An exception or condition of a requirement: "unless the item is perishable", "only if the
/// customer is verified".
#[derive(Clone, Debug, PartialEq)]
pub struct Exception {
    pub phrase: String,
    pub start: usize,
    pub end: usize,
    /// Stems of the words a case must name to exercise it.
    pub key_words: Vec<String>,
}

fn exception_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?:(?i)\b(?:unless|except(?:\s+(?:when|where|if|for|in))?|only\s+(?:if|when|for)|provided\s+that|as\s+long\s+as|other\s+than))\s+([^.;:,()\n]{3,120})|\bIF\s+([^.;:\n]{3,120}?)\s*,?\s+THEN\b",
        )
    });
    &PATTERN
}

/// Words too general to tell one case from another.
const GENERIC: &[&str] = &[
    "customer",
    "user",
    "person",
    "item",
    "order",
    "request",
    "case",
    "agent",
    "assistant",
    "model",
    "system",
    "thing",
    "someone",
    "something",
    "they",
    "has",
    "have",
    "is",
    "are",
];

pub fn exceptions(requirement: &str) -> Vec<Exception> {
    let mut found = Vec::new();
    for captures in exception_pattern().captures_iter(requirement) {
        let (Some(whole), Some(clause)) =
            (captures.get(0), captures.get(1).or_else(|| captures.get(2)))
        else {
            continue;
        };
        let key_words: Vec<String> = words(clause.as_str())
            .into_iter()
            .filter(|word| is_content(word) && !GENERIC.contains(&singular(&word.text).as_str()))
            .filter(|word| {
                !word
                    .text
                    .chars()
                    .all(|character| character.is_ascii_digit())
            })
            .map(|word| word.stem().to_owned())
            .collect();
        if key_words.is_empty() {
            continue;
        }
        found.push(Exception {
            phrase: whole.as_str().trim().to_owned(),
            start: whole.start(),
            end: whole.end(),
            key_words,
        });
    }
    found
}

/// Whether a case's text names the exception: at least half its key words (one at least),
/// matched by stem or inside a longer word ("verified" in "unverified").
pub fn reaches_exception(case_text: &str, exception: &Exception) -> bool {
    let spaced = case_text.replace(['_', '-'], " ");
    let stems: Vec<String> = words(&spaced)
        .into_iter()
        .map(|word| word.stem().to_owned())
        .collect();
    // "unverified" holds "verified"; "arrived" and "arrival" share "arriv".
    let meets = |key: &str, other: &str| {
        other.contains(key) || (other.len() >= 4 && key.starts_with(other))
    };
    let named = exception
        .key_words
        .iter()
        .filter(|key| stems.iter().any(|other| meets(key, other)))
        .count();
    named >= 1 && named * 2 >= exception.key_words.len()
}

/// The stem of a word, for callers that match words against case texts.
pub fn word_stem(word: &str) -> String {
    stem(&word.to_lowercase())
}

/// An amount in the words a reader expects: "45 days", "$650", "30%", "3 attempts".
pub fn describe_amount(value: f64, dimension: &Dimension) -> String {
    let number = |value: f64| {
        if (value - value.round()).abs() < 1e-9 {
            format!("{}", value.round() as i64)
        } else {
            format!("{value:.2}")
        }
    };
    match dimension {
        Dimension::Duration => {
            for (unit, seconds) in [("day", 86_400.0), ("hour", 3600.0), ("minute", 60.0)] {
                let count = value / seconds;
                if count >= 1.0 && (count - count.round()).abs() < 1e-9 {
                    let plural = if (count - 1.0).abs() < 1e-9 { "" } else { "s" };
                    return format!("{} {unit}{plural}", number(count));
                }
            }
            format!("{} seconds", number(value))
        }
        Dimension::Months => format!("{} months", number(value)),
        Dimension::BusinessDays => format!("{} business days", number(value)),
        Dimension::Percent => format!("{}%", number(value)),
        Dimension::Currency("USD") => format!("${}", number(value)),
        Dimension::Currency(code) => format!("{} {code}", number(value)),
        Dimension::Count(noun) => {
            let plural = if (value - 1.0).abs() < 1e-9 { "" } else { "s" };
            format!("{} {noun}{plural}", number(value))
        }
        Dimension::Unitless => number(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_and_sides() {
        let text = "Refunds MUST be accepted within 30 days of delivery.";
        let found = thresholds(text, &quantities(text));
        assert_eq!(found.len(), 1);
        let days = found.first().unwrap();
        assert_eq!(days.side(10.0 * 86_400.0), Side::Inside);
        assert_eq!(days.side(45.0 * 86_400.0), Side::Beyond);
        for text in [
            "Summaries MUST be at most 120 words.",
            "Reply in under 3 seconds.",
        ] {
            assert!(thresholds(text, &quantities(text)).is_empty());
        }
    }

    #[test]
    fn amounts_in_inputs() {
        let days = Dimension::Duration;
        assert_eq!(
            InputAmounts::read("days_since_delivery: 45\n").of(&days),
            [45.0 * 86_400.0]
        );
        assert_eq!(
            InputAmounts::read("message: I bought it 10 days ago\n").of(&days),
            [10.0 * 86_400.0]
        );
        let dollars = Dimension::Currency("USD");
        assert_eq!(
            InputAmounts::read("order_total: 650\n").of(&dollars),
            [650.0]
        );
    }

    #[test]
    fn exceptions_and_items() {
        let found =
            exceptions("Refunds MUST be issued within 30 days unless the item is perishable.");
        assert_eq!(
            found.first().map(|found| found.key_words.clone()),
            Some(vec!["perish".to_owned()])
        );
        assert!(reaches_exception(
            "product: fresh perishable fish",
            found.first().unwrap()
        ));
        assert!(names_item("lang: fr\n", "french"));
        assert!(names_item("channel: chat\n", "chat"));
        assert!(!names_item("channel: email\n", "phone"));
        assert!(names_item(
            "message: wo ist mein paket? bitte schnell.\n",
            "german"
        ));
        assert!(!names_item("message: where is my parcel?\n", "german"));
        assert!(names_item("message: i called twice yesterday\n", "phone"));
        assert!(names_item("payment_method: credit_card\n", "credit card"));
        let damaged = exceptions("Refunds MUST be issued unless the item was damaged on arrival.");
        assert!(reaches_exception(
            "message: it arrived damaged",
            damaged.first().unwrap()
        ));
        let ears = exceptions("IF the customer is not verified THEN the system SHALL refuse.");
        assert_eq!(
            ears.first().map(|found| found.key_words.clone()),
            Some(vec!["verif".to_owned()])
        );
    }
}

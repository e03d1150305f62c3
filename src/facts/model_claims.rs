//! What a requirement states about the model's settings: a temperature ("temperature 0",
//! "MUST be deterministic"), an output length ("at most 300 words"), a model ("MUST use
//! gpt-4o") or JSON output ("MUST return a JSON object"). `config-drift` compares these with
//! the settings prompt files and eval configs declare.

use std::sync::LazyLock;

use regex::Regex;

use crate::facts::quantity::{Comparator, Dimension, Quantity};
use crate::facts::words::words;

/// Tokens per unit of output length, the conversions `config-drift` assumes: about 0.75
/// English words per token (OpenAI's rule of thumb), 4 characters per token, 25 words per
/// sentence and 120 words per paragraph.
pub fn tokens_per(unit: &str) -> Option<f64> {
    match unit {
        "token" => Some(1.0),
        "word" => Some(4.0 / 3.0),
        "character" | "char" => Some(0.25),
        "sentence" => Some(25.0 * 4.0 / 3.0),
        "paragraph" => Some(120.0 * 4.0 / 3.0),
        _ => None,
    }
}

/// A temperature the requirement sets: its bound and value, and the words.
#[derive(Clone, Debug, PartialEq)]
pub struct TemperatureClaim {
    pub comparator: Comparator,
    pub value: f64,
    pub phrase: String,
}

fn temperature_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\btemperature(?:\s+(?:of|at|to|set|fixed|equal|equals|must|shall|should|is|be|been|needs|kept|remains?|stays?|always|never)|\s*[=:])*\s*(?:(at\s+most|no\s+more\s+than|no\s+higher\s+than|below|under|<=|≤|<|at\s+least|>=|≥|exactly)\s*)?(\d(?:\.\d+)?)",
        )
    });
    &PATTERN
}

fn deterministic_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\b(?:deterministic(?:ally)?|reproducible|the\s+same\s+(?:answer|output|response|reply|result)s?\s+(?:for|to|given|every\s+time))\b",
        )
    });
    &PATTERN
}

/// Whether the match at `start` is negated or prefixed ("non-deterministic", "need not be
/// deterministic").
fn negated_at(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default().to_ascii_lowercase();
    if before.ends_with("non-") || before.ends_with("non") || before.ends_with("un") {
        return true;
    }
    words(text)
        .iter()
        .any(|word| word.start == start && word.negated)
        || words(text)
            .iter()
            .any(|word| word.start >= start && word.start < start + 3 && word.negated)
}

/// The temperature a requirement sets or implies: "temperature 0", "temperature at most 0.3";
/// "deterministic" and "reproducible" mean temperature 0.
pub fn temperature_claim(text: &str) -> Option<TemperatureClaim> {
    let lower = text.to_ascii_lowercase();
    if !(lower.contains("temperature")
        || lower.contains("determin")
        || lower.contains("reproducib")
        || lower.contains("the same"))
    {
        return None;
    }
    if let Some(captures) = temperature_pattern().captures(text) {
        let whole = captures.get(0)?;
        let value: f64 = captures.get(2)?.as_str().parse().ok()?;
        let comparator = match captures
            .get(1)
            .map(|found| found.as_str().to_ascii_lowercase())
            .as_deref()
        {
            Some("below" | "under" | "<") => Comparator::LessThan,
            Some(bound) if bound.starts_with("at most") || bound.starts_with("no ") => {
                Comparator::AtMost
            }
            Some("<=" | "≤") => Comparator::AtMost,
            Some(">=" | "≥") => Comparator::AtLeast,
            Some(bound) if bound.starts_with("at least") => Comparator::AtLeast,
            _ => Comparator::Exactly,
        };
        return Some(TemperatureClaim {
            comparator,
            value,
            phrase: whole.as_str().trim().to_owned(),
        });
    }
    let found = deterministic_pattern().find(text)?;
    if negated_at(text, found.start()) {
        return None;
    }
    Some(TemperatureClaim {
        comparator: Comparator::Exactly,
        value: 0.0,
        phrase: found.as_str().to_owned(),
    })
}

/// Whether a temperature setting keeps the claim.
pub fn temperature_allowed(claim: &TemperatureClaim, configured: f64) -> bool {
    const EPSILON: f64 = 1e-9;
    match claim.comparator {
        Comparator::AtMost => configured <= claim.value + EPSILON,
        Comparator::LessThan => configured < claim.value,
        Comparator::AtLeast => configured >= claim.value - EPSILON,
        Comparator::MoreThan => configured > claim.value,
        Comparator::Exactly | Comparator::Unspecified => (configured - claim.value).abs() < EPSILON,
    }
}

/// An output length the requirement states, in tokens, with its words.
#[derive(Clone, Debug, PartialEq)]
pub struct LengthClaim {
    pub tokens: f64,
    pub phrase: String,
}

/// The longest output the requirement allows or asks for ("at most 300 words" needs room for
/// 400 tokens).
pub fn length_claim(text: &str, found: &[Quantity]) -> Option<LengthClaim> {
    let lower = text.to_ascii_lowercase();
    let counted = ["word", "token", "char", "sentence", "paragraph"];
    if !counted.iter().any(|unit| lower.contains(unit)) {
        return None;
    }
    found
        .iter()
        .filter_map(|quantity| {
            let Dimension::Count(noun) = &quantity.dimension else {
                return None;
            };
            let per = tokens_per(noun)?;
            if quantity.comparator == Comparator::Unspecified {
                return None;
            }
            Some(LengthClaim {
                tokens: (quantity.value * per).ceil(),
                phrase: text
                    .get(quantity.start..quantity.end)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            })
        })
        .max_by(|left, right| left.tokens.total_cmp(&right.tokens))
}

fn model_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)(?:^|[^\w.-])((?:gpt-[0-9][0-9a-z.\-]*|gpt-[a-z][0-9a-z.\-]*|o[134](?:-mini|-pro)?|claude-[0-9a-z.\-]+|gemini-[0-9a-z.\-]+|llama-?[0-9][0-9a-z.\-]*|mistral-[0-9a-z.\-]+|mixtral-[0-9a-z.\-]+|command-r[0-9a-z.\-+]*))(?:$|[^\w-])",
        )
    });
    &PATTERN
}

/// The model a requirement names ("MUST use gpt-4o", "runs on claude-3-5-sonnet").
pub fn model_claim(text: &str) -> Option<String> {
    // Most requirements name no model: look for one before reading words.
    let captures = model_pattern().captures(text)?;
    let about_the_model = words(text).iter().any(|found| {
        matches!(
            found.text.as_str(),
            "model" | "use" | "uses" | "using" | "run" | "runs" | "powered" | "served"
        )
    });
    if !about_the_model {
        return None;
    }
    let name = captures.get(1)?;
    if negated_at(text, name.start()) {
        return None;
    }
    Some(name.as_str().trim_end_matches(['.', '-']).to_owned())
}

/// Whether a configured model is the one the requirement names: the same name, or a dated
/// or `-latest` snapshot of it (`gpt-4o-2024-08-06` is `gpt-4o`; `gpt-4o-mini` is not).
pub fn same_model(required: &str, configured: &str) -> bool {
    let required = required.to_lowercase();
    let configured = configured.to_lowercase();
    if required == configured {
        return true;
    }
    let Some(rest) = configured.strip_prefix(&required) else {
        return false;
    };
    let rest = rest.trim_start_matches(['-', '@']);
    rest == "latest"
        || rest
            .chars()
            .all(|character| character.is_ascii_digit() || character == '-')
}

fn json_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\b(?:respond|responds|reply|replies|return|returns|output|outputs|answer|answers|format|formatted|emit|produce|produces|be)\b[^.;\n]{0,40}\bJSON\b",
        )
    });
    &PATTERN
}

/// Whether the requirement asks for JSON output ("MUST return a JSON object").
pub fn json_claim(text: &str) -> Option<String> {
    if !text.to_ascii_lowercase().contains("json") {
        return None;
    }
    let found = json_pattern().find(text)?;
    if negated_at(text, found.start()) {
        return None;
    }
    Some(found.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims() {
        assert_eq!(
            temperature_claim("Answers MUST be deterministic.").map(|claim| claim.value),
            Some(0.0)
        );
        assert!(temperature_claim("Answers may be non-deterministic.").is_none());
        assert_eq!(
            temperature_claim("The temperature MUST be set to 0.").map(|claim| claim.value),
            Some(0.0)
        );
        let bounded = temperature_claim("Use a temperature of at most 0.3.").unwrap();
        assert!(temperature_allowed(&bounded, 0.2) && !temperature_allowed(&bounded, 0.7));
        assert_eq!(
            length_claim(
                "Replies MUST be at most 300 words.",
                &crate::facts::quantity::quantities("Replies MUST be at most 300 words.")
            )
            .map(|claim| claim.tokens),
            Some(400.0)
        );
        assert_eq!(
            model_claim("The assistant MUST use gpt-4o.").as_deref(),
            Some("gpt-4o")
        );
        assert!(same_model("gpt-4o", "gpt-4o-2024-08-06"));
        assert!(!same_model("gpt-4o", "gpt-4o-mini"));
        assert!(json_claim("The extractor MUST return a single JSON object.").is_some());
        assert!(json_claim("Replies MUST be plain prose.").is_none());
    }
}

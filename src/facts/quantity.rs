//! Quantities in prose: a number with its unit and comparator ("at most 120 words", "within
//! two weeks", "≤ 120", "under 3 seconds", "30%", "$50", "twice"), normalised so that
//! 2 weeks = 14 days and 3 s = 3000 ms.

use std::sync::LazyLock;

use regex::Regex;

/// What a quantity measures. Durations are in seconds; months and years are kept apart from
/// days (a month is not a fixed number of days).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Duration,
    Months,
    BusinessDays,
    Percent,
    Currency(&'static str),
    /// Anything counted: words, characters, sentences, attempts... (singular noun).
    Count(String),
    /// A bare bound such as "≤ 120".
    Unitless,
}

impl Dimension {
    pub fn describe(&self) -> String {
        match self {
            Dimension::Duration => "duration".to_owned(),
            Dimension::Months => "months".to_owned(),
            Dimension::BusinessDays => "business days".to_owned(),
            Dimension::Percent => "percentage".to_owned(),
            Dimension::Currency(code) => format!("amount in {code}"),
            Dimension::Count(noun) => format!("number of {noun}s"),
            Dimension::Unitless => "number".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparator {
    AtMost,
    LessThan,
    AtLeast,
    MoreThan,
    Exactly,
    Unspecified,
}

impl Comparator {
    /// Upper bounds, lower bounds, or neither.
    fn direction(self) -> i8 {
        match self {
            Comparator::AtMost | Comparator::LessThan => -1,
            Comparator::AtLeast | Comparator::MoreThan => 1,
            Comparator::Exactly | Comparator::Unspecified => 0,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Comparator::AtMost => "at most",
            Comparator::LessThan => "less than",
            Comparator::AtLeast => "at least",
            Comparator::MoreThan => "more than",
            Comparator::Exactly => "exactly",
            Comparator::Unspecified => "",
        }
    }

    pub fn from_operator(operator: &str) -> Comparator {
        match operator {
            "<=" | "≤" | "=<" => Comparator::AtMost,
            "<" => Comparator::LessThan,
            ">=" | "≥" | "=>" => Comparator::AtLeast,
            ">" => Comparator::MoreThan,
            "==" | "===" | "=" => Comparator::Exactly,
            _ => Comparator::Unspecified,
        }
    }

    /// The bound a negated comparison sets: "not more than" is "at most", "not under" is
    /// "at least".
    pub fn mirrored_strictly(self) -> Comparator {
        match self {
            Comparator::MoreThan => Comparator::AtMost,
            Comparator::AtLeast => Comparator::LessThan,
            Comparator::LessThan => Comparator::AtLeast,
            Comparator::AtMost => Comparator::MoreThan,
            other => other,
        }
    }

    /// The comparator seen from the other side (`150 >= n` is `n <= 150`).
    pub fn mirrored(self) -> Comparator {
        match self {
            Comparator::AtMost => Comparator::AtLeast,
            Comparator::LessThan => Comparator::MoreThan,
            Comparator::AtLeast => Comparator::AtMost,
            Comparator::MoreThan => Comparator::LessThan,
            other => other,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    /// Normalised value (seconds for durations, months for months and years).
    pub value: f64,
    pub dimension: Dimension,
    pub comparator: Comparator,
    /// Byte range of the phrase in the text it was read from.
    pub start: usize,
    pub end: usize,
}

impl Quantity {
    /// Whether two statements of the same dimension say the same thing: the same value, and
    /// bounds that do not point in opposite directions.
    pub fn agrees_with(&self, other: &Quantity) -> bool {
        let same_value = (self.value - other.value).abs() <= 1e-9 * self.value.abs().max(1.0);
        let opposite = self.comparator.direction() * other.comparator.direction() < 0;
        same_value && !opposite
    }

    pub fn is_flip_of(&self, other: &Quantity) -> bool {
        let same_value = (self.value - other.value).abs() <= 1e-9 * self.value.abs().max(1.0);
        same_value && self.comparator.direction() * other.comparator.direction() < 0
    }
}

fn number_word(word: &str) -> Option<f64> {
    let value = match word {
        "zero" => 0.0,
        "a" | "an" | "one" | "single" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" | "dozen" => 12.0,
        "thirteen" => 13.0,
        "fourteen" => 14.0,
        "fifteen" => 15.0,
        "sixteen" => 16.0,
        "seventeen" => 17.0,
        "eighteen" => 18.0,
        "nineteen" => 19.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "seventy" => 70.0,
        "eighty" => 80.0,
        "ninety" => 90.0,
        "hundred" => 100.0,
        _ => return None,
    };
    Some(value)
}

/// The next word after `from`, past one or two spaces or a hyphen: (word, end).
fn next_word(text: &str, from: usize) -> Option<(&str, usize)> {
    let rest = text.get(from..)?;
    let trimmed = rest.trim_start_matches([' ', '-']);
    let separator = rest.len() - trimmed.len();
    if separator == 0 || separator > 2 {
        return None;
    }
    let length = trimmed
        .find(|character: char| !character.is_alphabetic())
        .unwrap_or(trimmed.len());
    if length == 0 {
        return None;
    }
    let start = from + separator;
    Some((text.get(start..start + length)?, start + length))
}

/// Reads a number written in several words from its first word on: "twenty-five",
/// "one hundred and twenty", "three thousand", "3 thousand". Returns the value and where the
/// number ends (`from` when nothing follows).
fn compound_number(text: &str, first_word: &str, first: f64, from: usize) -> (f64, usize) {
    let mut total = 0.0;
    let mut current = first;
    let mut end = from;
    let mut last_was_tens = matches!(
        first_word,
        "twenty" | "thirty" | "forty" | "fifty" | "sixty" | "seventy" | "eighty" | "ninety"
    );
    let mut after_scale = false;
    let mut cursor = from;
    while let Some((word, word_end)) = next_word(text, cursor) {
        match word {
            "hundred" => current = current.max(1.0) * 100.0,
            "thousand" => {
                total += current.max(1.0) * 1000.0;
                current = 0.0;
            }
            "million" => {
                total += current.max(1.0) * 1_000_000.0;
                current = 0.0;
            }
            "and" if after_scale => {
                // "one hundred and twenty": "and" belongs to the number only when a number
                // word follows it.
                let follows = next_word(text, word_end)
                    .and_then(|(next, _)| number_word(next))
                    .is_some_and(|value| (1.0..100.0).contains(&value));
                if !follows {
                    break;
                }
                cursor = word_end;
                continue;
            }
            _ => {
                let Some(value) = number_word(word).filter(|value| *value >= 1.0 && *value < 100.0)
                else {
                    break;
                };
                if matches!(word, "a" | "an" | "single" | "dozen") {
                    break;
                }
                let joins =
                    (last_was_tens && value < 10.0) || (after_scale && current % 100.0 == 0.0);
                if !joins {
                    break;
                }
                current += value;
                last_was_tens = value >= 20.0 && value % 10.0 == 0.0;
                after_scale = false;
                end = word_end;
                cursor = word_end;
                continue;
            }
        }
        after_scale = true;
        last_was_tens = false;
        end = word_end;
        cursor = word_end;
    }
    (total + current, end)
}

/// The dimension and factor of a unit word.
fn unit(word: &str) -> Option<(Dimension, f64)> {
    let unit = match word {
        "ms" | "msec" | "millisecond" | "milliseconds" => (Dimension::Duration, 0.001),
        "s" | "sec" | "secs" | "second" | "seconds" => (Dimension::Duration, 1.0),
        "m" | "min" | "mins" | "minute" | "minutes" => (Dimension::Duration, 60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => (Dimension::Duration, 3600.0),
        "d" | "day" | "days" => (Dimension::Duration, 86_400.0),
        "week" | "weeks" | "wk" | "wks" => (Dimension::Duration, 604_800.0),
        "fortnight" | "fortnights" => (Dimension::Duration, 1_209_600.0),
        "month" | "months" => (Dimension::Months, 1.0),
        "year" | "years" | "yr" | "yrs" => (Dimension::Months, 12.0),
        "%" | "percent" | "pct" => (Dimension::Percent, 1.0),
        "dollar" | "dollars" | "usd" => (Dimension::Currency("USD"), 1.0),
        "euro" | "euros" | "eur" => (Dimension::Currency("EUR"), 1.0),
        "pound" | "pounds" | "gbp" => (Dimension::Currency("GBP"), 1.0),
        "time" | "times" | "attempt" | "attempts" | "try" | "tries" | "retry" | "retries" => {
            (Dimension::Count("attempt".to_owned()), 1.0)
        }
        "char" | "chars" | "character" | "characters" => {
            (Dimension::Count("character".to_owned()), 1.0)
        }
        "bullet" | "bullets" => (Dimension::Count("bullet".to_owned()), 1.0),
        _ => return None,
    };
    Some(unit)
}

/// Words after a number that are never its unit.
const NOT_UNITS: &[&str] = &[
    "and", "or", "of", "to", "the", "a", "an", "in", "on", "at", "for", "by", "with", "from", "is",
    "are", "was", "be", "if", "than", "per", "out", "more", "less", "fewer", "max", "maximum",
    "min", "minimum", "total", "most", "least", "that", "this", "it", "as", "but", "so", "then",
    "when", "after", "before", "into", "its", "their", "your", "our", "am", "pm",
];

pub fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if word.ends_with("ss") {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("es")
        && (stem.ends_with("sh") || stem.ends_with("ch") || stem.ends_with('x'))
    {
        return stem.to_owned();
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

fn pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(&format!(
            r"(?xi)
            {NUMBER_ALTERNATIVE}
            |
            \b(?:{NUMBER_WORDS})\b
            |
            \b(?:{ADVERBS})\b"
        ))
    });
    &PATTERN
}

/// A written number: a currency sign, digits, "k", a range's upper end, a percent sign.
const NUMBER_ALTERNATIVE: &str = r"
    (?P<currency>[$€£])?
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?P<thousands>k\b)?
    (?:\s*(?:-|–|to)\s*(?P<upper>\d+(?:\.\d+)?))?
    (?P<percent>\s?%)?";

const NUMBER_WORDS: &str = "zero|a|an|one|single|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred";

const ADVERBS: &str = "once|twice|thrice";

/// [`pattern`]'s first alternative alone, anchored: the parts of a written number.
///
/// [`pattern`] only finds where a quantity is. Reading its groups from the whole pattern made
/// the regex crate run its backtracking engine over the case-folded word alternatives for every
/// match, which cost more than the search itself; a match that starts with a digit or a
/// currency sign can only be the first alternative's, so its parts are read from this smaller
/// pattern, from the same start.
fn number_pattern() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(&format!(r"(?xi)^(?:{NUMBER_ALTERNATIVE})"))
    });
    &PATTERN
}

/// The indexes of [`number_pattern`]'s named groups, looked up once.
struct PatternGroups {
    currency: usize,
    number: usize,
    thousands: usize,
    upper: usize,
    percent: usize,
}

fn pattern_groups() -> &'static PatternGroups {
    static GROUPS: LazyLock<PatternGroups> = LazyLock::new(|| {
        // A name the pattern lacks gets an index no match has, so its group reads as absent.
        let index = |name: &str| {
            number_pattern()
                .capture_names()
                .position(|group| group == Some(name))
                .unwrap_or(usize::MAX)
        };
        PatternGroups {
            currency: index("currency"),
            number: index("number"),
            thousands: index("thousands"),
            upper: index("upper"),
            percent: index("percent"),
        }
    });
    &GROUPS
}

/// A number as written, with its thousands separators ("1,500.50").
fn parse_number(written: &str) -> Option<f64> {
    if written.contains(',') {
        return written.replace(',', "").parse().ok();
    }
    written.parse().ok()
}

/// What [`pattern`] matched: a number word, one of [`ADVERBS`], or a written number.
enum Written<'a> {
    Word(&'a str),
    Adverb(&'a str),
    /// A plain number ("150", "1,500.50"), maybe with a currency sign before it and a percent
    /// sign after it: its parts are read without a second search.
    Plain(PlainNumber<'a>),
    /// Any other number ("20k", "3-5", "2 to 4"): [`number_pattern`] read its parts into the
    /// capture locations, with offsets from the match's start.
    Number,
}

struct PlainNumber<'a> {
    currency: Option<&'a str>,
    number: &'a str,
    percent: bool,
}

/// What `whole`, a match of [`pattern`] in `source`, is. A number that is not plain has its
/// parts read into `locations`.
fn written<'a>(
    source: &str,
    whole: regex::Match<'a>,
    locations: &mut regex::CaptureLocations,
) -> Option<Written<'a>> {
    let text = whole.as_str();
    if text.starts_with(|character: char| character.is_alphabetic()) {
        let is_adverb = ADVERBS
            .split('|')
            .any(|adverb| text.eq_ignore_ascii_case(adverb));
        return Some(if is_adverb {
            Written::Adverb(text)
        } else {
            Written::Word(text)
        });
    }
    if let Some(plain) = plain_number(text) {
        return Some(Written::Plain(plain));
    }
    let rest = source.get(whole.start()..)?;
    number_pattern().captures_read(locations, rest)?;
    Some(Written::Number)
}

/// The parts of a match of [`NUMBER_ALTERNATIVE`] made of ASCII digits, commas and points
/// between an optional currency sign and an optional percent sign (with one space before
/// it): nearly every number in prose.
///
/// The pattern's other parts ("k", a range's "-", "–" or "to") each need a character that
/// is none of these, and only the percent part holds a "%", so in such a match the middle is
/// the number, whichever of its two forms matched.
fn plain_number(text: &str) -> Option<PlainNumber<'_>> {
    let mut currency = None;
    let mut rest = text;
    for sign in ["$", "€", "£"] {
        if let Some(after) = rest.strip_prefix(sign) {
            currency = Some(sign);
            rest = after;
            break;
        }
    }
    let mut percent = false;
    if let Some(before) = rest.strip_suffix('%') {
        percent = true;
        rest = before.strip_suffix(' ').unwrap_or(before);
    }
    let plain = !rest.is_empty()
        && rest
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b',' || byte == b'.');
    plain.then_some(PlainNumber {
        currency,
        number: rest,
        percent,
    })
}

/// Phrases before a number, longest first, with what they mean.
const BEFORE: &[(&str, Comparator)] = &[
    ("no more than", Comparator::AtMost),
    ("not more than", Comparator::AtMost),
    ("not exceed", Comparator::AtMost),
    ("not to exceed", Comparator::AtMost),
    ("a maximum of", Comparator::AtMost),
    ("maximum of", Comparator::AtMost),
    ("at the most", Comparator::AtMost),
    ("at most", Comparator::AtMost),
    ("up to", Comparator::AtMost),
    ("within", Comparator::AtMost),
    ("maximum", Comparator::AtMost),
    ("max.", Comparator::AtMost),
    ("max", Comparator::AtMost),
    ("under", Comparator::LessThan),
    ("below", Comparator::LessThan),
    ("less than", Comparator::LessThan),
    ("fewer than", Comparator::LessThan),
    ("shorter than", Comparator::LessThan),
    ("no less than", Comparator::AtLeast),
    ("not less than", Comparator::AtLeast),
    ("no fewer than", Comparator::AtLeast),
    ("a minimum of", Comparator::AtLeast),
    ("minimum of", Comparator::AtLeast),
    ("at least", Comparator::AtLeast),
    ("minimum", Comparator::AtLeast),
    ("min.", Comparator::AtLeast),
    ("more than", Comparator::MoreThan),
    ("greater than", Comparator::MoreThan),
    ("longer than", Comparator::MoreThan),
    ("over", Comparator::MoreThan),
    ("above", Comparator::MoreThan),
    ("exceeds", Comparator::MoreThan),
    ("exactly", Comparator::Exactly),
    ("only", Comparator::AtMost),
    ("precisely", Comparator::Exactly),
    ("<=", Comparator::AtMost),
    ("≤", Comparator::AtMost),
    ("=<", Comparator::AtMost),
    (">=", Comparator::AtLeast),
    ("≥", Comparator::AtLeast),
    ("<", Comparator::LessThan),
    (">", Comparator::MoreThan),
    ("=", Comparator::Exactly),
];

/// Phrases after the unit.
const AFTER: &[(&str, Comparator)] = &[
    ("or fewer", Comparator::AtMost),
    ("or less", Comparator::AtMost),
    ("or shorter", Comparator::AtMost),
    ("or under", Comparator::AtMost),
    ("at most", Comparator::AtMost),
    ("at the most", Comparator::AtMost),
    ("max", Comparator::AtMost),
    ("maximum", Comparator::AtMost),
    ("or more", Comparator::AtLeast),
    ("or longer", Comparator::AtLeast),
    ("at least", Comparator::AtLeast),
    ("minimum", Comparator::AtLeast),
    ("or above", Comparator::AtLeast),
];

/// Every quantity in `text`, in order.
pub fn quantities(text: &str) -> Vec<Quantity> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths for a few characters; offsets must stay valid.
    let source: &str = if lower.len() == text.len() {
        &lower
    } else {
        text
    };
    let mut found = Vec::new();
    // Words already read as part of a longer number ("thousand" in "three thousand").
    let mut consumed_until = 0;
    let groups = pattern_groups();
    // One set of capture locations for every number, read by group index: building captures
    // and looking groups up by name for each match cost more than the search.
    let mut locations = number_pattern().capture_locations();
    let mut search_from = 0;
    while let Some(whole) = pattern().find_at(source, search_from) {
        // Every alternative reads at least one character, so the search always moves on.
        if whole.is_empty() {
            break;
        }
        search_from = whole.end();
        if whole.start() < consumed_until {
            continue;
        }
        let mut end = whole.end();
        // Numbers glued to letters ("GPT-4", "v2", "ISO-8601", "2nd") are names, not amounts.
        let before_char = source
            .get(..whole.start())
            .and_then(|before| before.chars().next_back());
        if before_char.is_some_and(|character| {
            character.is_alphanumeric()
                || character == '-'
                || character == '.'
                || character == '/'
                || character == '_'
        }) {
            continue;
        }
        let after_rest = source.get(end..).unwrap_or("");
        if after_rest.starts_with(|character: char| character.is_ascii_digit() || character == '_')
        {
            continue;
        }
        let Some(written) = written(source, whole, &mut locations) else {
            continue;
        };
        // The number's parts, by group index; their offsets count from the match's start. A
        // word has none (the locations still hold the last number's).
        let is_number = matches!(written, Written::Number);
        let group = |index: usize| {
            if !is_number {
                return None;
            }
            locations
                .get(index)
                .and_then(|(start, end)| source.get(whole.start() + start..whole.start() + end))
        };
        let (currency, percent) = match &written {
            Written::Plain(plain) => (plain.currency, plain.percent),
            Written::Number => (group(groups.currency), group(groups.percent).is_some()),
            Written::Word(_) | Written::Adverb(_) => (None, false),
        };
        let mut article = matches!(written, Written::Word("a" | "an" | "single"));
        let (mut value, upper, is_word) = match written {
            Written::Adverb(adverb) => {
                let count = match adverb {
                    "once" => 1.0,
                    "twice" => 2.0,
                    _ => 3.0,
                };
                found.push(Quantity {
                    value: count,
                    dimension: Dimension::Count("attempt".to_owned()),
                    comparator: comparator_before(source, whole.start())
                        .unwrap_or(Comparator::Unspecified),
                    start: whole.start(),
                    end,
                });
                continue;
            }
            Written::Word(word) => {
                let first = number_word(word).unwrap_or(0.0);
                // "twenty-five", "one hundred and twenty", "three thousand".
                let (value, compound_end) = compound_number(source, word, first, end);
                if compound_end > end {
                    end = compound_end;
                    consumed_until = compound_end;
                    // "a hundred words": the article is part of the number.
                    article = false;
                }
                (value, None, true)
            }
            Written::Plain(PlainNumber { number, .. }) => {
                let Some(value) = parse_number(number) else {
                    continue;
                };
                // "3 thousand", "1.5 million".
                let (scaled, scaled_end) = compound_number(source, "", value, end);
                if scaled_end > end {
                    end = scaled_end;
                    consumed_until = scaled_end;
                    (scaled, None, false)
                } else {
                    (value, None, false)
                }
            }
            Written::Number => {
                let Some(value) = parse_number(group(groups.number).unwrap_or("")) else {
                    continue;
                };
                let upper = group(groups.upper).and_then(|upper| upper.parse::<f64>().ok());
                // "20k" is 20,000.
                let scale = if group(groups.thousands).is_some() {
                    1000.0
                } else {
                    1.0
                };
                // "3 thousand", "1.5 million".
                let (scaled, scaled_end) = compound_number(source, "", value * scale, end);
                if scaled_end > end && upper.is_none() {
                    end = scaled_end;
                    consumed_until = scaled_end;
                    (scaled, None, false)
                } else {
                    (value * scale, upper.map(|upper| upper * scale), false)
                }
            }
        };
        // "half an hour", "a quarter of an hour", "three quarters of a day".
        let mut number_start = whole.start();
        if article {
            let before = source.get(..whole.start()).unwrap_or("");
            for (phrase, fraction) in [
                ("three quarters of ", 0.75),
                ("three-quarters of ", 0.75),
                ("a quarter of ", 0.25),
                ("quarter of ", 0.25),
                ("half ", 0.5),
                ("half of ", 0.5),
            ] {
                if before.ends_with(phrase) {
                    value *= fraction;
                    number_start = whole.start() - phrase.len();
                    break;
                }
            }
        }
        let mut dimension = None;
        let mut factor = 1.0;
        if percent {
            dimension = Some(Dimension::Percent);
        } else if let Some(currency) = currency {
            dimension = Some(match currency {
                "€" => Dimension::Currency("EUR"),
                "£" => Dimension::Currency("GBP"),
                _ => Dimension::Currency("USD"),
            });
        } else {
            // The unit: the next word (or a hyphenated "30-day"), skipping up to two
            // adjectives ("2 failed attempts", "120 total words").
            let words = following_words(source, end);
            for (position, &(word, _, word_end)) in words.iter().enumerate() {
                if let Some((unit_dimension, unit_factor)) = unit(word) {
                    // "a" and "an" need their unit right after them ("a week").
                    if !(article && position > 0) {
                        dimension = Some(unit_dimension);
                        factor = unit_factor;
                        end = word_end;
                    }
                    break;
                }
                if matches!(word, "business" | "working")
                    && words
                        .get(position + 1)
                        .is_some_and(|(next, _, _)| next.starts_with("day"))
                {
                    dimension = Some(Dimension::BusinessDays);
                    end = words
                        .get(position + 1)
                        .map_or(word_end, |&(_, _, next_end)| next_end);
                    break;
                }
                if NOT_UNITS.contains(&word)
                    || word.chars().any(|character| character.is_ascii_digit())
                {
                    break;
                }
                // "a message" is an article, "one message" a count.
                if is_count_noun(word) && !article {
                    dimension = Some(Dimension::Count(singular(word)));
                    end = word_end;
                    break;
                }
                // A hyphenated compound ("4-space", "3-step") names what is counted.
                if position == 0
                    && source.get(end..).is_some_and(|rest| rest.starts_with('-'))
                    && word.len() >= 3
                    && word.chars().all(char::is_alphabetic)
                {
                    dimension = Some(Dimension::Count(singular(word)));
                    end = word_end;
                    break;
                }
                // "only one debate", "at most one reviewer": a bounded single thing.
                if position == 0
                    && is_word
                    && value == 1.0
                    && !article
                    && comparator_before(source, number_start).is_some()
                    && !source
                        .get(word_end..)
                        .is_some_and(|rest| rest.starts_with('-'))
                    && word.len() > 3
                    && word.chars().all(char::is_alphabetic)
                {
                    dimension = Some(Dimension::Count(singular(word)));
                    end = word_end;
                    break;
                }
                // Any other plural noun right after a number is a counted thing ("7 products",
                // "six levels").
                if position == 0
                    && (!is_word || (value >= 2.0 && !article))
                    && value != 1.0
                    && word.len() > 3
                    && word.ends_with('s')
                    && !word.ends_with("ss")
                    && word.chars().all(char::is_alphabetic)
                {
                    dimension = Some(Dimension::Count(singular(word)));
                    end = word_end;
                    break;
                }
                if article {
                    break;
                }
            }
        }
        // A number word with no unit is never an amount: a bare bound ("at most two") is
        // read from digits only (below). Most of these are articles ("a", "an") in prose, so
        // they are dropped before looking for a comparator.
        if is_word && dimension.is_none() {
            continue;
        }
        let before_phrase = comparator_phrase_before(source, number_start);
        let before = before_phrase.map(|(comparator, _)| comparator);
        let Some(dimension) = dimension.or_else(|| {
            before
                .filter(|comparator| *comparator != Comparator::Exactly)
                .map(|_| Dimension::Unitless)
        }) else {
            continue;
        };
        if is_word && matches!(dimension, Dimension::Unitless) {
            continue;
        }
        let after = comparator_after(source, end);
        value *= factor;
        if let Some(upper) = upper {
            // A range: two bounds.
            found.push(Quantity {
                value,
                dimension: dimension.clone(),
                comparator: Comparator::AtLeast,
                start: number_start,
                end,
            });
            found.push(Quantity {
                value: upper * factor,
                dimension,
                comparator: Comparator::AtMost,
                start: number_start,
                end,
            });
            continue;
        }
        let mut comparator = before.or(after).unwrap_or(Comparator::Unspecified);
        // The phrase includes its comparator ("within 30 days"), for messages.
        let start = before_phrase.map_or(number_start, |(_, phrase_start)| phrase_start);
        // "Never offer more than 30%" bounds from above, like "at most 30%".
        match clause_negation(source, start) {
            ClauseNegation::None => {}
            ClauseNegation::Plain => comparator = comparator.mirrored_strictly(),
            // "Never exceed (a maximum of) 120 words" is an upper bound whatever follows.
            ClauseNegation::OfExcess => comparator = Comparator::AtMost,
        }
        found.push(Quantity {
            value,
            dimension,
            comparator,
            start,
            end,
        });
    }
    // A range joins a quantity whose comparator is unspecified; without one there is
    // nothing to join, and the search is skipped.
    if found
        .iter()
        .any(|quantity| quantity.comparator == Comparator::Unspecified)
    {
        join_word_ranges(source, &mut found);
    }
    found
}

fn word_range() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(
            r"(?i)\b(?P<between>between\s+)?(?P<low>\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\s+(?:or|and|to)\s+(?P<high>\d+(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b",
        )
    });
    &PATTERN
}

/// "two or three models", "between 2 and 5 models", "3 to 5 days": the first number shares
/// the second one's unit, and together they are a range, read as two bounds like "2-3 models".
fn join_word_ranges(source: &str, found: &mut Vec<Quantity>) {
    for captures in word_range().captures_iter(source) {
        let (Some(low), Some(high), Some(whole)) =
            (captures.name("low"), captures.name("high"), captures.get(0))
        else {
            continue;
        };
        let parse = |written: &str| {
            written
                .parse::<f64>()
                .ok()
                .or_else(|| number_word(&written.to_lowercase()))
        };
        let (Some(low_value), Some(high_value)) = (parse(low.as_str()), parse(high.as_str()))
        else {
            continue;
        };
        if high_value <= low_value {
            continue;
        }
        let Some(index) = found.iter().position(|quantity| {
            quantity.start == high.start() && quantity.comparator == Comparator::Unspecified
        }) else {
            continue;
        };
        let Some(upper) = found.get(index).cloned() else {
            continue;
        };
        let factor = upper.value / high_value;
        let start = whole.start();
        found.retain(|quantity| quantity.start < start || quantity.start > high.start());
        let position = found
            .iter()
            .position(|quantity| quantity.start > start)
            .unwrap_or(found.len());
        found.insert(
            position,
            Quantity {
                value: upper.value,
                comparator: Comparator::AtMost,
                start,
                ..upper.clone()
            },
        );
        found.insert(
            position,
            Quantity {
                value: low_value * factor,
                comparator: Comparator::AtLeast,
                start,
                ..upper
            },
        );
    }
}

/// Up to three words after `from`, separated by single spaces or hyphens: (word, start, end).
fn following_words(text: &str, from: usize) -> Vec<(&str, usize, usize)> {
    let mut words = Vec::new();
    let mut cursor = from;
    while words.len() < 3 {
        let rest = text.get(cursor..).unwrap_or("");
        let trimmed = rest.trim_start_matches([' ', '-', '\u{a0}']);
        let separator = rest.len() - trimmed.len();
        if separator > 2 || (separator == 0 && !words.is_empty()) {
            break;
        }
        let length = trimmed
            .find(|character: char| !(character.is_alphanumeric() || character == '\''))
            .unwrap_or(trimmed.len());
        if length == 0 {
            break;
        }
        let start = cursor + separator;
        let Some(word) = text.get(start..start + length) else {
            break;
        };
        words.push((word, start, start + length));
        cursor = start + length;
    }
    words
}

/// How the clause before a quantity negates it.
enum ClauseNegation {
    None,
    /// "Never offer more than 30%": the comparison is turned around.
    Plain,
    /// "Never exceed 120 words": a negated verb of excess, an upper bound.
    OfExcess,
}

/// Looks back to the last sentence or clause break before `start` for "never", "do not",
/// "don't", "must not", and for a verb of excess after it.
fn clause_negation(text: &str, start: usize) -> ClauseNegation {
    // A clause is short: look back at most 200 bytes, so that a long text without
    // punctuation does not make every number rescan it.
    let mut window_start = start.saturating_sub(200);
    while window_start > 0 && !text.is_char_boundary(window_start) {
        window_start -= 1;
    }
    let before = text.get(window_start..start).unwrap_or("");
    let clause_start = before
        .rfind(['.', ';', '!', '?', '\n', ','])
        .map_or(0, |at| at + 1);
    let clause = before.get(clause_start..).unwrap_or("").to_lowercase();
    let words: Vec<&str> = clause
        .split(|character: char| {
            !(character.is_alphanumeric() || character == '\'' || character == '’')
        })
        .filter(|word| !word.is_empty())
        .collect();
    // A verb of rejection governs the whole sentence: "Reject a deductive argument with
    // fewer than 2 premises, and an inductive one with fewer than 2 observations".
    let sentence_start = before
        .rfind(['.', ';', '!', '?', '\n'])
        .map_or(0, |at| at + 1);
    let rejects = before
        .get(sentence_start..)
        .unwrap_or("")
        .to_lowercase()
        .split(|character: char| !character.is_alphanumeric())
        .any(|word| {
            matches!(
                word,
                "reject" | "rejects" | "refuse" | "refuses" | "decline" | "declines"
            )
        });
    let Some(negation) = words.iter().position(|word| {
        matches!(
            *word,
            "never"
                | "not"
                | "don't"
                | "don’t"
                | "mustn't"
                | "cannot"
                | "can't"
                // "Reject an argument with fewer than 2 premises" asks for at least 2.
                | "reject"
                | "rejects"
                | "refuse"
                | "refuses"
                | "decline"
                | "declines"
                | "deny"
                | "denies"
                | "disallow"
                | "disallows"
                | "block"
                | "blocks"
        )
    }) else {
        if rejects {
            return ClauseNegation::Plain;
        }
        return ClauseNegation::None;
    };
    let excess = words.iter().skip(negation + 1).any(|word| {
        matches!(
            *word,
            "exceed" | "exceeds" | "surpass" | "surpasses" | "go" | "goes"
        )
    });
    if excess {
        ClauseNegation::OfExcess
    } else {
        ClauseNegation::Plain
    }
}

/// Nouns that are counted, preferred over adjectives in "3 short sentences".
fn is_count_noun(word: &str) -> bool {
    matches!(
        singular(word).as_str(),
        "word"
            | "sentence"
            | "paragraph"
            | "line"
            | "item"
            | "token"
            | "question"
            | "option"
            | "suggestion"
            | "example"
            | "point"
            | "step"
            | "emoji"
            | "link"
            | "result"
            | "message"
            | "reply"
            | "turn"
            | "bullet"
            | "character"
            | "attempt"
            | "follow-up"
            | "guide"
            | "lab"
            | "model"
    )
}

fn comparator_before(text: &str, start: usize) -> Option<Comparator> {
    comparator_phrase_before(text, start).map(|(comparator, _)| comparator)
}

/// The places in [`BEFORE`] of the phrases that end in `byte`, in `BEFORE`'s order. This runs
/// for every number read, so a number is held only against the phrases that can end right
/// before it, instead of each phrase's last byte being compared in turn.
fn before_phrases_ending_in(byte: u8) -> &'static [usize] {
    static BY_LAST_BYTE: LazyLock<Vec<Vec<usize>>> = LazyLock::new(|| {
        let mut by_last_byte = vec![Vec::new(); 256];
        for (index, (phrase, _)) in BEFORE.iter().enumerate() {
            let list = phrase
                .as_bytes()
                .last()
                .and_then(|&last| by_last_byte.get_mut(usize::from(last)));
            if let Some(list) = list {
                list.push(index);
            }
        }
        by_last_byte
    });
    BY_LAST_BYTE
        .get(usize::from(byte))
        .map_or(&[], Vec::as_slice)
}

/// The comparator written before `start`, and where its phrase begins.
fn comparator_phrase_before(text: &str, start: usize) -> Option<(Comparator, usize)> {
    let before = text.get(..start)?.trim_end();
    let before = before.trim_end_matches(['(', '[']).trim_end();
    let &last_byte = before.as_bytes().last()?;
    before_phrases_ending_in(last_byte)
        .iter()
        .filter_map(|&index| BEFORE.get(index))
        .find_map(|(phrase, comparator)| Some((*comparator, phrase_start_at_end(before, phrase)?)))
}

/// Where `phrase` begins when `before` ends with it as whole words: a phrase that starts
/// with a letter or digit must not be the end of a longer word ("go up to" but not
/// "setup to").
fn phrase_start_at_end(before: &str, phrase: &str) -> Option<usize> {
    let head = before.strip_suffix(phrase)?;
    let boundary = head
        .chars()
        .next_back()
        .is_none_or(|character| !character.is_alphanumeric())
        || !phrase.chars().next().is_some_and(char::is_alphanumeric);
    boundary.then_some(head.len())
}

fn comparator_after(text: &str, end: usize) -> Option<Comparator> {
    let after = text.get(end..)?.trim_start_matches([' ', ',', ')']);
    for (phrase, comparator) in AFTER {
        if let Some(tail) = after.strip_prefix(phrase)
            && tail
                .chars()
                .next()
                .is_none_or(|character| !character.is_alphanumeric())
        {
            return Some(*comparator);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<(f64, Dimension, Comparator)> {
        quantities(text)
            .into_iter()
            .map(|quantity| (quantity.value, quantity.dimension, quantity.comparator))
            .collect()
    }

    fn words() -> Dimension {
        Dimension::Count("word".to_owned())
    }

    #[test]
    fn comparators_and_units() {
        assert_eq!(
            read("at most 120 words"),
            [(120.0, words(), Comparator::AtMost)]
        );
        assert_eq!(
            read("no more than 120 words"),
            [(120.0, words(), Comparator::AtMost)]
        );
        assert_eq!(
            read("120 words or fewer"),
            [(120.0, words(), Comparator::AtMost)]
        );
        assert_eq!(
            read("≤ 120"),
            [(120.0, Dimension::Unitless, Comparator::AtMost)]
        );
        assert_eq!(
            read("under 3 seconds"),
            [(3.0, Dimension::Duration, Comparator::LessThan)]
        );
        assert_eq!(
            read("within 14 days"),
            [(14.0 * 86_400.0, Dimension::Duration, Comparator::AtMost)]
        );
        assert_eq!(
            read("within two weeks"),
            [(14.0 * 86_400.0, Dimension::Duration, Comparator::AtMost)]
        );
        assert_eq!(
            read("after 2 failed attempts"),
            [(
                2.0,
                Dimension::Count("attempt".to_owned()),
                Comparator::Unspecified
            )]
        );
        assert_eq!(
            read("30%"),
            [(30.0, Dimension::Percent, Comparator::Unspecified)]
        );
        assert_eq!(
            read("a $50 limit"),
            [(50.0, Dimension::Currency("USD"), Comparator::Unspecified)]
        );
        assert_eq!(
            read("try three times"),
            [(
                3.0,
                Dimension::Count("attempt".to_owned()),
                Comparator::Unspecified
            )]
        );
        assert_eq!(
            read("a 30-day window"),
            [(
                30.0 * 86_400.0,
                Dimension::Duration,
                Comparator::Unspecified
            )]
        );
        assert_eq!(
            read("3000 ms"),
            [(3.0, Dimension::Duration, Comparator::Unspecified)]
        );
        assert_eq!(
            read("5 business days"),
            [(5.0, Dimension::BusinessDays, Comparator::Unspecified)]
        );
        assert_eq!(
            read("within a week"),
            [(7.0 * 86_400.0, Dimension::Duration, Comparator::AtMost)]
        );
    }

    #[test]
    fn names_are_not_quantities() {
        assert!(read("Use GPT-4 and ISO-8601 dates, v2 of the API, PROJ-1234").is_empty());
        assert!(read("a customer wrote a message").is_empty());
    }
}

#[cfg(test)]
mod word_tests {
    use super::*;

    #[test]
    fn number_words_skip_adjectives() {
        let found = quantities("Escalate after three failed attempts.");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].value, 3.0);
    }

    #[test]
    fn numbers_in_several_words() {
        assert_eq!(
            quantities("at most three thousand characters")[0].value,
            3000.0
        );
        assert_eq!(quantities("twenty-five words")[0].value, 25.0);
        assert_eq!(quantities("one hundred and twenty words")[0].value, 120.0);
        assert_eq!(quantities("a hundred words")[0].value, 100.0);
        assert_eq!(quantities("3 thousand words")[0].value, 3000.0);
        assert_eq!(quantities("seventy words")[0].value, 70.0);
    }

    #[test]
    fn fractions_thousands_and_fortnights_are_amounts() {
        let half = quantities("Reply within half an hour.");
        assert_eq!(half.len(), 1, "{half:?}");
        assert_eq!(half[0].value, 1800.0);
        assert_eq!(half[0].comparator, Comparator::AtMost);
        let quarter = quantities("Escalate after a quarter of an hour.");
        assert_eq!(quarter[0].value, 900.0, "{quarter:?}");
        let thousands = quantities("Review orders above 20k USD.");
        assert_eq!(thousands[0].value, 20_000.0, "{thousands:?}");
        assert_eq!(thousands[0].dimension, Dimension::Currency("USD"));
        let fortnight = quantities("Refunds are accepted within a fortnight.");
        assert_eq!(fortnight[0].value, 1_209_600.0, "{fortnight:?}");
    }

    /// The parts of every match read the way `quantities` reads them: the whole pattern finds
    /// the match, and the anchored number pattern reads a number's groups.
    fn parts_as_read(text: &str) -> Vec<String> {
        let groups = pattern_groups();
        let mut locations = number_pattern().capture_locations();
        let mut parts = Vec::new();
        let mut from = 0;
        while let Some(whole) = pattern().find_at(text, from) {
            from = whole.end();
            let part = match written(text, whole, &mut locations) {
                Some(Written::Word(word)) => format!("word {word}"),
                Some(Written::Adverb(adverb)) => format!("adverb {adverb}"),
                Some(Written::Plain(plain)) => format!(
                    "number {:?} {:?} false None {}",
                    plain.currency, plain.number, plain.percent
                ),
                Some(Written::Number) => {
                    let group = |index: usize| {
                        locations.get(index).and_then(|(start, end)| {
                            text.get(whole.start() + start..whole.start() + end)
                        })
                    };
                    format!(
                        "number {:?} {:?} {} {:?} {}",
                        group(groups.currency),
                        group(groups.number).unwrap_or(""),
                        group(groups.thousands).is_some(),
                        group(groups.upper),
                        group(groups.percent).is_some()
                    )
                }
                None => "none".to_owned(),
            };
            parts.push(format!("{}..{} {part}", whole.start(), whole.end()));
        }
        parts
    }

    /// The same, with the one pattern and named groups `quantities` used before.
    fn parts_as_one_pattern_reads(one: &Regex, text: &str) -> Vec<String> {
        let mut parts = Vec::new();
        for captures in one.captures_iter(text) {
            let whole = captures.get(0).unwrap();
            let text_of = |name: &str| captures.name(name).map(|found| found.as_str());
            let part = if let Some(word) = captures.name("word") {
                format!("word {}", word.as_str())
            } else if let Some(adverb) = captures.name("adverb") {
                format!("adverb {}", adverb.as_str())
            } else {
                format!(
                    "number {:?} {:?} {} {:?} {}",
                    text_of("currency"),
                    text_of("number").unwrap_or(""),
                    text_of("thousands").is_some(),
                    text_of("upper"),
                    text_of("percent").is_some()
                )
            };
            parts.push(format!("{}..{} {part}", whole.start(), whole.end()));
        }
        parts
    }

    #[test]
    fn numbers_are_read_into_the_same_parts_as_one_pattern_with_groups_reads_them() {
        const PIECES: &[&str] = &[
            "1",
            "12",
            "123",
            "1234",
            "1,234",
            "1,2345",
            ",",
            "000",
            ".",
            "5",
            "0.5",
            "$",
            "€",
            "£",
            "k",
            "K",
            "\u{212a}",
            "to",
            "TO",
            " ",
            "  ",
            "-",
            "–",
            "%",
            " %",
            "a",
            "an",
            "A",
            "once",
            "Twice",
            "THRICE",
            "twenty",
            "\u{17f}ix",
            "six",
            "x",
            "days",
            "é",
            "٣",
            "\n",
            "_",
            "\u{a0}",
            "\t",
            "1.",
            ".5%",
        ];
        // A fixed linear congruential sequence: the same strings on every run.
        let one = Regex::new(&format!(
            r"(?xi){NUMBER_ALTERNATIVE}|\b(?P<word>{NUMBER_WORDS})\b|\b(?P<adverb>{ADVERBS})\b"
        ))
        .unwrap();
        let mut state: u64 = 42;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap_or(0) % bound
        };
        for _ in 0..20_000 {
            let length = 1 + next(8);
            let text: String = (0..length).map(|_| PIECES[next(PIECES.len())]).collect();
            assert_eq!(
                parts_as_read(&text),
                parts_as_one_pattern_reads(&one, &text),
                "{text:?}"
            );
        }
    }

    /// The scan `comparator_phrase_before` did before phrases were grouped by last byte.
    fn comparator_phrase_scanning_every_phrase(
        text: &str,
        start: usize,
    ) -> Option<(Comparator, usize)> {
        let before = text.get(..start)?.trim_end();
        let before = before.trim_end_matches(['(', '[']).trim_end();
        BEFORE.iter().find_map(|(phrase, comparator)| {
            Some((*comparator, phrase_start_at_end(before, phrase)?))
        })
    }

    #[test]
    fn phrases_grouped_by_last_byte_find_what_the_one_list_finds() {
        let leads = ["", "x", "keep it ", "reply in (", "no", "a-", "é "];
        let tails = ["", " ", " (", "  [", "s", "é"];
        for (phrase, _) in BEFORE {
            for lead in leads {
                for tail in tails {
                    let text = format!("{lead}{phrase}{tail} 30 days");
                    let start = text.len() - "30 days".len();
                    assert_eq!(
                        comparator_phrase_before(&text, start),
                        comparator_phrase_scanning_every_phrase(&text, start),
                        "{text:?}"
                    );
                }
            }
        }
    }
}

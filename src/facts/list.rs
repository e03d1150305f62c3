//! Lists written in prose or as bullets: "queued, running, partial, timeout, success, error",
//! "Linux, macOS, and Windows", "Learn | Practice | Progress | About", "- queued\n- running".
//! A requirement list of three or more items is changed when a passage lists some of the same
//! items but leaves one out, or adds one, and does not name the missing ones anywhere else.

use std::sync::LazyLock;

use regex::Regex;

use crate::facts::words::{contains_word, is_stop_word};

/// The items of one list, normalised, and where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct List {
    pub items: Vec<String>,
    pub start: usize,
    pub end: usize,
}

/// How many words a list item may have.
const ITEM_WORDS: usize = 4;

fn bullet() -> &'static Regex {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        crate::lazy_regex::compile_constant(r"(?m)^[ \t]*(?:[-*•+]|\d{1,2}[.)])[ \t]+(.+?)[ \t]*$")
    });
    &PATTERN
}

/// Lower case, without quotes, emoji, trailing punctuation or a leading article.
fn normalise(item: &str) -> String {
    let cleaned: String = item
        .chars()
        .map(|character| {
            if character.is_alphanumeric()
                || character == '-'
                || character == '_'
                || character == '.'
            {
                character
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<String> = cleaned
        .split_whitespace()
        .map(|word| word.trim_matches('.').to_lowercase())
        .filter(|word| !word.is_empty())
        .collect();
    let skip = usize::from(
        words
            .first()
            .is_some_and(|word| matches!(word.as_str(), "the" | "a" | "an")),
    );
    words.get(skip..).unwrap_or_default().join(" ")
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Bullet lists: two or more consecutive short bullet lines.
fn bullet_lists(text: &str) -> Vec<List> {
    let mut found = Vec::new();
    let mut current: Option<List> = None;
    let mut previous_line_end = None;
    for captures in bullet().captures_iter(text) {
        let (Some(whole), Some(item)) = (captures.get(0), captures.get(1)) else {
            continue;
        };
        let adjacent = previous_line_end.is_some_and(|end: usize| {
            text.get(end..whole.start()).is_some_and(|between| {
                between.trim().is_empty() && between.matches('\n').count() <= 1
            })
        });
        previous_line_end = Some(whole.end());
        let short = word_count(item.as_str()) <= ITEM_WORDS + 2;
        if (!adjacent || !short)
            && let Some(list) = current.take()
            && list.items.len() >= 2
        {
            found.push(list);
        }
        if !short {
            continue;
        }
        let list = current.get_or_insert_with(|| List {
            items: Vec::new(),
            start: whole.start(),
            end: whole.end(),
        });
        list.items.push(normalise(item.as_str()));
        list.end = whole.end();
    }
    if let Some(list) = current
        && list.items.len() >= 2
    {
        found.push(list);
    }
    found
}

/// The tail of the words before the first separator that can be the first item: at most
/// `longest` words, stopping at a function word or a verb in "-ing".
fn first_item(words: &[&str], longest: usize) -> Vec<String> {
    let bare = |word: &str| {
        word.to_lowercase()
            .trim_matches(|character: char| !character.is_alphanumeric())
            .to_owned()
    };
    let mut taken = Vec::new();
    for (index, word) in words.iter().enumerate().rev() {
        let lower = bare(word);
        if taken.len() >= longest
            || is_stop_word(&lower)
            || lower.ends_with("ing")
            || lower.is_empty()
        {
            break;
        }
        // A word right after a modal or "to" is a verb ("SHALL verify schemas, …").
        let after_modal = index
            .checked_sub(1)
            .and_then(|previous| words.get(previous))
            .is_some_and(|previous| {
                matches!(
                    bare(previous).as_str(),
                    "shall" | "must" | "should" | "will" | "may" | "can" | "to"
                )
            });
        if after_modal && !taken.is_empty() {
            break;
        }
        taken.push((*word).to_owned());
    }
    taken.reverse();
    taken
}

/// The head of the words after the last separator: the first word, then words up to a
/// function word.
fn last_item(words: &[&str], longest: usize) -> Vec<String> {
    let mut taken = Vec::new();
    for word in words {
        let lower = word.to_lowercase();
        let bare = lower.trim_matches(|character: char| !character.is_alphanumeric());
        if !taken.is_empty() && (taken.len() >= longest || is_stop_word(bare)) {
            break;
        }
        taken.push((*word).to_owned());
    }
    taken
}

/// Inline lists in one stretch of text without sentence punctuation.
fn inline_list(segment: &str, offset: usize) -> Option<List> {
    let uses_pipes = segment.contains('|');
    let separator = if uses_pipes { '|' } else { ',' };
    let mut parts: Vec<&str> = segment.split(separator).collect();
    // The last part holds the last two items when joined by "and" or "or".
    let last = parts.pop()?;
    let last = last.trim();
    // With the serial comma ("A, B, and C") the conjunction already stands after the last
    // comma, and a later "and" belongs to the sentence ("… and Windows and on Python 3.11").
    let serial = last.starts_with("and ") || last.starts_with("or ");
    let last = last
        .strip_prefix("and ")
        .or_else(|| last.strip_prefix("or "))
        .unwrap_or(last);
    // A clause before the list ("When it finishes, show a card with A, B and C") is not an
    // item: the list starts at the last part too long to be one.
    if let Some(long) = parts
        .iter()
        .skip(1)
        .rposition(|part| word_count(part) > ITEM_WORDS)
    {
        parts.drain(..=long);
    }
    // "… unless the item is perishable, by email, chat or phone": a part opening with a
    // preposition starts the list it governs; what comes before it is another clause.
    if let Some(governing) = parts.iter().skip(1).rposition(|part| {
        part.split_whitespace().next().is_some_and(|word| {
            matches!(
                word.to_lowercase().as_str(),
                "by" | "via" | "in" | "on" | "for" | "with" | "to" | "from" | "at" | "through"
            )
        })
    }) {
        parts.drain(..=governing);
    }
    let (before_last, last) = if !serial && (parts.is_empty() || !uses_pipes) {
        match split_conjunction(last) {
            Some((left, right)) if parts.is_empty() || word_count(left) <= ITEM_WORDS => {
                (Some(left), right)
            }
            _ => (None, last),
        }
    } else {
        (None, last)
    };
    let first = if parts.is_empty() {
        before_last?
    } else {
        parts.remove(0)
    };
    let mut middle: Vec<&str> = parts;
    if let Some(left) = before_last
        && !std::ptr::eq(left, first)
    {
        middle.push(left);
    }
    if middle
        .iter()
        .any(|item| word_count(item) > ITEM_WORDS || word_count(item) == 0)
    {
        return None;
    }
    // "bundled assets, then a source checkout, before the network" is a sequence of clauses,
    // not a list.
    let opens_clause = |part: &str| {
        part.split_whitespace().next().is_some_and(|word| {
            matches!(
                word.to_lowercase().as_str(),
                "then"
                    | "before"
                    | "after"
                    | "so"
                    | "which"
                    | "but"
                    | "because"
                    | "while"
                    | "when"
                    | "where"
                    | "if"
                    | "unless"
                    | "until"
                    | "since"
                    | "though"
            )
        })
    };
    if middle.iter().any(|item| opens_clause(item)) || opens_clause(last) {
        return None;
    }
    let longest = middle
        .iter()
        .map(|item| word_count(item))
        .max()
        .unwrap_or(2)
        .max(1);
    let first_words: Vec<&str> = first.split_whitespace().collect();
    let last_words: Vec<&str> = last.split_whitespace().collect();
    let first_item = first_item(&first_words, longest);
    let last_item = last_item(&last_words, longest + 1);
    if first_item.is_empty() || last_item.is_empty() {
        return None;
    }
    let first_raw = first_item.join(" ");
    let last_raw = last_item.join(" ");
    let relative_start = segment.find(first_raw.as_str()).unwrap_or(0);
    let relative_end = segment
        .rfind(last_raw.as_str())
        .map_or(segment.len(), |at| at + last_raw.len());
    let mut items = vec![normalise(&first_raw)];
    items.extend(middle.iter().map(|item| normalise(item)));
    items.push(normalise(&last_raw));
    items.retain(|item| !item.is_empty());
    if items.len() < 2 {
        return None;
    }
    Some(List {
        items,
        start: offset + relative_start,
        end: offset + relative_end.max(relative_start),
    })
}

/// "A and B" or "A or B": the two sides, when the conjunction stands once.
fn split_conjunction(text: &str) -> Option<(&str, &str)> {
    for conjunction in [" and ", " or "] {
        if let Some(at) = text.find(conjunction) {
            let left = text.get(..at)?;
            let right = text.get(at + conjunction.len()..)?;
            if !right.contains(conjunction) {
                return Some((left, right));
            }
        }
    }
    None
}

/// Every list in `text`: bullets, and inline lists in clauses and parentheses.
pub fn lists(text: &str) -> Vec<List> {
    let mut found = bullet_lists(text);
    // Parenthesised stretches are lists of their own ("5 guides (a, b, c)"); the text around
    // them is read with them removed ("deductive (with …), inductive (with …), and …").
    let mut outside = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut inner_start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '(' => {
                if depth == 0 {
                    inner_start = index + 1;
                }
                depth += 1;
                outside.push(' ');
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0
                    && let Some(inner) = text.get(inner_start..index)
                {
                    found.extend(segments(inner, inner_start));
                }
                outside.push(' ');
            }
            _ if depth > 0 => outside.extend(std::iter::repeat_n(' ', character.len_utf8())),
            _ => outside.push(character),
        }
    }
    found.extend(segments(&outside, 0));
    found
}

fn segments(text: &str, offset: usize) -> Vec<List> {
    let mut found = Vec::new();
    let mut start = 0;
    for (index, character) in text.char_indices() {
        let breaks = matches!(character, ';' | ':' | '\n' | '!' | '?')
            || (character == '.'
                && text
                    .get(index + 1..)
                    .is_none_or(|rest| rest.starts_with(char::is_whitespace) || rest.is_empty()));
        if breaks {
            if let Some(segment) = text.get(start..index)
                && let Some(list) = inline_list(segment, offset + start)
            {
                found.push(list);
            }
            start = index + character.len_utf8();
        }
    }
    if let Some(segment) = text.get(start..)
        && let Some(list) = inline_list(segment, offset + start)
    {
        found.push(list);
    }
    found
}

/// Whether two items name the same thing: equal, or one's words within the other's
/// ("About sections" and "About").
pub fn same_item(left: &str, right: &str) -> bool {
    if left == right {
        return true;
    }
    // Compared by stem: "color" and "colors" are one item.
    let stems = |item: &str| -> Vec<String> {
        item.split_whitespace()
            .map(crate::facts::words::stem)
            .collect()
    };
    let left_words = stems(left);
    let right_words = stems(right);
    let within = |small: &[String], large: &[String]| {
        !small.is_empty() && small.iter().all(|word| large.contains(word))
    };
    within(&left_words, &right_words) || within(&right_words, &left_words)
}

/// A passage list that changes a requirement list: the requirement's items it leaves out and
/// the ones it adds.
pub struct ListChange {
    pub missing: Vec<String>,
    pub added: Vec<String>,
    pub requirement_start: usize,
    pub requirement_end: usize,
    pub start: usize,
    pub end: usize,
}

/// Requirement lists of three or more items that a passage list changes.
///
/// `requirement_lists` are the lists read from the requirement (`lists(requirement)`).
pub fn list_changes(requirement_lists: &[List], passage: &str) -> Vec<ListChange> {
    // Few requirements hold a list, so what is read of the passage waits until one does.
    let passage_lower = std::cell::OnceCell::new();
    let passage_lists = std::cell::OnceCell::new();
    // "The home page lists the 5 guides. Start new learners on fundamentals, then …": a
    // passage that counts the whole list names part of it in context.
    let counts = std::cell::OnceCell::new();
    let mentioned =
        |item: &str| contains_word(passage_lower.get_or_init(|| passage.to_lowercase()), item);
    let mut found = Vec::new();
    for wanted in requirement_lists
        .iter()
        .filter(|list| list.items.len() >= 3)
    {
        for offered in passage_lists.get_or_init(|| lists(passage)) {
            let shared = offered
                .items
                .iter()
                .filter(|item| wanted.items.iter().any(|other| same_item(item, other)))
                .count();
            if shared < 2 {
                continue;
            }
            let missing: Vec<String> = wanted
                .items
                .iter()
                .filter(|item| !offered.items.iter().any(|other| same_item(item, other)))
                .filter(|item| !mentioned(item))
                .cloned()
                .collect();
            let added: Vec<String> = offered
                .items
                .iter()
                .filter(|item| !wanted.items.iter().any(|other| same_item(item, other)))
                .cloned()
                .collect();
            if missing.is_empty() && added.is_empty() {
                continue;
            }
            // An added item with nothing missing is often an item the list's own words carry
            // ("the six states: …, and the spinner"); only a replaced or dropped item counts.
            if missing.is_empty() {
                continue;
            }
            let whole_list_counted = counts
                .get_or_init(|| {
                    crate::facts::quantity::quantities(passage)
                        .into_iter()
                        .map(|quantity| quantity.value)
                        .collect::<Vec<f64>>()
                })
                .iter()
                .any(|count| (*count - wanted.items.len() as f64).abs() < 1e-9);
            if added.is_empty() && whole_list_counted {
                continue;
            }
            found.push(ListChange {
                missing,
                added,
                requirement_start: wanted.start,
                requirement_end: wanted.end,
                start: offered.start,
                end: offered.end,
            });
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<Vec<String>> {
        lists(text).into_iter().map(|list| list.items).collect()
    }

    #[test]
    fn reads_lists() {
        assert_eq!(
            items(
                "SHALL use shared status enum: queued, running, partial, timeout, success, error"
            ),
            [[
                "queued", "running", "partial", "timeout", "success", "error"
            ]]
        );
        assert_eq!(
            items("Code MUST run on Linux, macOS, and Windows and on Python 3.11."),
            [["linux", "macos", "windows"]]
        );
        assert_eq!(
            items("The status is one of:\n- queued\n- running\n- done"),
            [["queued", "running", "done"]]
        );
        assert_eq!(
            items("with Learn | Practice | Progress | About sections"),
            [["learn", "practice", "progress", "about sections"]]
        );
    }

    #[test]
    fn a_list_starts_at_its_preposition() {
        assert_eq!(
            items(
                "Refunds MUST be accepted unless the item is perishable, by email, chat or phone."
            ),
            [["email", "chat", "phone"]]
        );
    }

    #[test]
    fn changed_lists() {
        let requirement = "SHALL use design tokens for colors, spacing, and typography";
        assert_eq!(
            list_changes(&lists(requirement), "Use tokens for colors and spacing.").len(),
            1
        );
        assert!(
            list_changes(
                &lists(requirement),
                "Use tokens for typography, colors and spacing."
            )
            .is_empty()
        );
    }
}

//! Antonym swaps: "including VAT" against "excluding VAT", "before implementation" against
//! "after implementation", "visible focus rings" against "hidden focus rings". A swap counts
//! only when both words stand by the same thing (a content word shared within a few words
//! on each side), so that "after" in an unrelated sentence of a long prompt says nothing; a
//! negated antonym ("not available") is the other word ("unavailable").

use rustc_hash::FxHashSet as HashSet;

use crate::facts::words::{Word, is_content, words};

/// Pairs of opposite words, each side with the forms it is written in.
const OPPOSITES: &[(&[&str], &[&str])] = &[
    (
        &["include", "includes", "including", "included", "inclusive"],
        &["exclude", "excludes", "excluding", "excluded", "exclusive"],
    ),
    (&["before", "prior"], &["after"]),
    (&["above"], &["below"]),
    (
        &["minimum", "min", "lowest"],
        &["maximum", "max", "highest"],
    ),
    (
        &[
            "allow",
            "allows",
            "allowed",
            "allowing",
            "permit",
            "permits",
            "permitted",
        ],
        &[
            "forbid",
            "forbids",
            "forbidden",
            "prohibit",
            "prohibits",
            "prohibited",
            "disallow",
            "disallows",
            "disallowed",
            "deny",
            "denies",
            "denied",
        ],
    ),
    (
        &["enable", "enables", "enabled"],
        &["disable", "disables", "disabled"],
    ),
    (
        &["accept", "accepts", "accepted", "accepting"],
        &[
            "reject",
            "rejects",
            "rejected",
            "rejecting",
            "refuse",
            "refuses",
            "refused",
        ],
    ),
    (
        &["first", "earliest", "oldest"],
        &["last", "latest", "newest"],
    ),
    (
        &["increase", "increases", "increased", "raise", "raises"],
        &[
            "decrease",
            "decreases",
            "decreased",
            "reduce",
            "reduces",
            "reduced",
        ],
    ),
    (&["online"], &["offline"]),
    (
        &[
            "maintain",
            "maintains",
            "preserve",
            "preserves",
            "retain",
            "retains",
            "keep",
            "keeps",
        ],
        &[
            "drop", "drops", "remove", "removes", "break", "breaks", "discard", "discards", "lose",
            "loses",
        ],
    ),
    (&["available"], &["unavailable"]),
    (&["visible"], &["hidden", "invisible"]),
    (
        &["mutable", "editable", "modifiable"],
        &["immutable", "read-only", "uneditable"],
    ),
    (
        &["persistent", "permanent"],
        &["temporary", "transient", "ephemeral"],
    ),
    (&["optional"], &["mandatory", "compulsory", "obligatory"]),
    (&["automatic", "automatically"], &["manual", "manually"]),
    (
        &["deterministic"],
        &[
            "random",
            "randomized",
            "nondeterministic",
            "non-deterministic",
        ],
    ),
    (&["positive"], &["negative"]),
    (
        &["smaller", "shorter", "fewer"],
        &["larger", "bigger", "longer"],
    ),
    (&["lazy", "lazily"], &["eager", "eagerly"]),
    (&["opt-in"], &["opt-out"]),
    (&["ascending"], &["descending"]),
    (&["public"], &["private"]),
    (&["internal"], &["external"]),
    (
        &["synchronous", "synchronously", "sync"],
        &["asynchronous", "asynchronously", "async"],
    ),
    (&["inside"], &["outside"]),
    (&["uppercase", "upper-case"], &["lowercase", "lower-case"]),
    (&["formal"], &["informal", "casual"]),
    (&["encrypted"], &["unencrypted", "plaintext"]),
    (&["chronological"], &["reverse-chronological"]),
];

/// How many words on each side of an antonym may hold the thing it describes.
const REACH: usize = 4;

/// Pairs whose words act on what follows them (verbs and prepositions: "accept refunds",
/// "before implementation"): only the words after them say what they are about.
fn acts_on_what_follows(pair: usize) -> bool {
    OPPOSITES.get(pair).is_some_and(|(left, _)| {
        left.iter().any(|word| {
            matches!(
                *word,
                "include"
                    | "before"
                    | "above"
                    | "allow"
                    | "enable"
                    | "accept"
                    | "increase"
                    | "maintain"
            )
        })
    })
}

/// Words too general to say what an antonym is about.
fn is_general(stem: &str) -> bool {
    matches!(
        stem,
        "assistant" | "system" | "model" | "agent" | "bot" | "user" | "us"
    )
}

/// One side of an opposite pair, as used in a text.
struct Use {
    pair: usize,
    /// The side of the pair, after negation: "not available" is on the side of
    /// "unavailable".
    side: bool,
    /// Stems of the content words around it.
    anchors: HashSet<String>,
    start: usize,
    end: usize,
}

/// An antonym swap between a requirement and a passage.
pub struct Swap {
    pub phrase: String,
    pub requirement_phrase: String,
}

fn side_of(word: &str) -> Option<(usize, bool)> {
    // A map: this runs for every word of every text compared.
    static SIDES: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, (usize, bool)>> =
        std::sync::LazyLock::new(|| {
            let mut sides = rustc_hash::FxHashMap::default();
            for (pair, (left, right)) in OPPOSITES.iter().enumerate() {
                for word in left.iter() {
                    sides.entry(*word).or_insert((pair, false));
                }
                for word in right.iter() {
                    sides.entry(*word).or_insert((pair, true));
                }
            }
            sides
        });
    SIDES.get(word).copied()
}

fn uses(read: &[Word]) -> Vec<Use> {
    let mut found = Vec::new();
    for (index, word) in read.iter().enumerate() {
        // "reverse chronological order" is one word on the other side of "chronological".
        let reversed = word.text == "chronological"
            && index > 0
            && read
                .get(index - 1)
                .is_some_and(|previous| previous.text == "reverse");
        let Some((pair, side)) = side_of(&word.text) else {
            continue;
        };
        // A negation right before the word turns it ("not available", "nothing random");
        // one further away negates the sentence's verb ("never import a private module"),
        // and the word's side is then unclear: it is left out.
        let negation_distance = word.negator.map(|negator| index.saturating_sub(negator));
        if negation_distance.is_some_and(|distance| distance > 2) {
            continue;
        }
        let side = side ^ reversed ^ word.negated;
        let forward_only = acts_on_what_follows(pair);
        // A verb or preposition is about its object, the first word after it; an adjective
        // about the words around it.
        let wanted = if forward_only { 1 } else { 2 };
        let candidates = |range: Vec<usize>| -> Vec<usize> {
            range
                .into_iter()
                .filter(|other| {
                    read.get(*other).is_some_and(|around| {
                        around.sentence == word.sentence
                            && is_content(around)
                            && !is_general(around.stem())
                            && around.text != "reverse"
                            && side_of(&around.text)
                                .is_none_or(|(other_pair, _)| other_pair != pair)
                    })
                })
                .take(wanted)
                .collect()
        };
        let mut near = candidates((index + 1..=index + REACH).collect());
        if !forward_only {
            near.extend(candidates(
                (index.saturating_sub(REACH)..index).rev().collect(),
            ));
        }
        let anchors = near
            .into_iter()
            .filter_map(|other| read.get(other).map(|around| (other, around)))
            .flat_map(|(_, around)| {
                // "timeout-bounded" stands by "timeout" too.
                let parts: Vec<String> = if around.text.contains('-') {
                    around
                        .text
                        .split('-')
                        .filter(|part| part.len() >= 3)
                        .map(crate::facts::words::stem)
                        .collect()
                } else {
                    Vec::new()
                };
                std::iter::once(around.stem().to_owned()).chain(parts)
            })
            .collect();
        let start = if reversed {
            read.get(index - 1)
                .map_or(word.start, |previous| previous.start)
        } else {
            word.start
        };
        found.push(Use {
            pair,
            side,
            anchors,
            start,
            end: word.end,
        });
    }
    found
}

/// Negative prefixes that turn a word into its opposite ("stubbed" and "unstubbed").
const NEGATIVE_PREFIXES: &[&str] = &["un", "non-", "non", "in", "im", "ir", "il"];

/// The word with a negative prefix removed, when what remains is a word of at least five
/// letters.
fn without_negative_prefix(word: &str) -> Option<&str> {
    NEGATIVE_PREFIXES.iter().find_map(|prefix| {
        word.strip_prefix(prefix)
            .filter(|rest| rest.chars().count() >= 5 && rest.chars().all(char::is_alphabetic))
    })
}

/// "stubbed" against "unstubbed", "valid" against "invalid": a word on one side whose
/// prefixed opposite stands on the other, and nowhere the word itself.
fn prefixed_swap(
    requirement: &str,
    passage: &str,
    required: &[Word],
    offered: &[Word],
) -> Option<Swap> {
    let has =
        |read: &[Word], text: &str| read.iter().any(|word| word.text == text && !word.negated);
    for (from, to, from_text, to_text, passage_is_to) in [
        (required, offered, requirement, passage, true),
        (offered, required, passage, requirement, false),
    ] {
        for word in to.iter().filter(|word| !word.negated) {
            let Some(base) = without_negative_prefix(&word.text) else {
                continue;
            };
            if !has(from, base) || has(to, base) || has(from, &word.text) {
                continue;
            }
            let Some(base_word) = from.iter().find(|other| other.text == base) else {
                continue;
            };
            let prefixed = to_text
                .get(word.start..word.end)
                .unwrap_or_default()
                .to_owned();
            let plain = from_text
                .get(base_word.start..base_word.end)
                .unwrap_or_default()
                .to_owned();
            return Some(if passage_is_to {
                Swap {
                    phrase: prefixed,
                    requirement_phrase: plain,
                }
            } else {
                Swap {
                    phrase: plain,
                    requirement_phrase: prefixed,
                }
            });
        }
    }
    None
}

/// The first antonym swap from `requirement` to `passage`, if any.
pub fn antonym_swap(requirement: &str, passage: &str) -> Option<Swap> {
    let required_words = words(requirement);
    let offered_words = words(passage);
    let required = uses(&required_words);
    if required.is_empty() {
        return prefixed_swap(requirement, passage, &required_words, &offered_words);
    }
    let offered = uses(&offered_words);
    for wanted in &required {
        let shares = |candidate: &&Use| {
            candidate.pair == wanted.pair && !candidate.anchors.is_disjoint(&wanted.anchors)
        };
        let kept = offered
            .iter()
            .filter(shares)
            .any(|candidate| candidate.side == wanted.side);
        if kept {
            continue;
        }
        // The requirement names both sides about this thing ("before X … after Y"): nothing
        // to swap.
        let both = required
            .iter()
            .filter(|other| {
                other.pair == wanted.pair && !other.anchors.is_disjoint(&wanted.anchors)
            })
            .any(|other| other.side != wanted.side);
        if both {
            continue;
        }
        if let Some(swapped) = offered
            .iter()
            .filter(shares)
            .find(|candidate| candidate.side != wanted.side)
        {
            return Some(Swap {
                phrase: passage
                    .get(swapped.start..swapped.end)
                    .unwrap_or_default()
                    .to_owned(),
                requirement_phrase: requirement
                    .get(wanted.start..wanted.end)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
    }
    prefixed_swap(requirement, passage, &required_words, &offered_words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_about_the_same_thing() {
        assert!(
            antonym_swap(
                "Prices MUST be shown including VAT.",
                "Show prices excluding VAT."
            )
            .is_some()
        );
        assert!(
            antonym_swap(
                "Prices MUST be shown including VAT.",
                "Show prices including VAT."
            )
            .is_none()
        );
        assert!(
            antonym_swap(
                "WHEN WebGPU is unavailable THEN fall back",
                "If WebGPU is not available, fall back."
            )
            .is_none()
        );
        assert!(
            antonym_swap(
                "Changes MUST be agreed before implementation.",
                "Agree changes before implementation. After the release, write notes."
            )
            .is_none()
        );
        assert!(
            antonym_swap(
                "History MUST be in chronological order.",
                "Show history in reverse chronological order."
            )
            .is_some()
        );
    }
}

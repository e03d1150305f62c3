//! Words of a sentence with their places, a light stemmer, and which words stand under a
//! negation ("never", "without", "do not", "skip", "rather than"). The negation, antonym and
//! list readers share them.

use compact_str::CompactString;

/// One word of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Lower-cased, as written. Inline up to 24 bytes (nearly every word), so reading a
    /// text's words allocates only their list.
    pub text: CompactString,
    /// How many bytes of `text` its stem is (see [`Word::stem`]).
    stem_length: usize,
    pub start: usize,
    pub end: usize,
    /// Index of the clause (split at `.;:!?`, commas and line breaks) the word belongs to.
    pub clause: usize,
    /// Index of the sentence (split at `.;!?` and line breaks, not at commas).
    pub sentence: usize,
    /// Under a negation that opened earlier in the clause.
    pub negated: bool,
    /// Which word opened that negation.
    pub negator: Option<usize>,
}

impl Word {
    /// Crudely stemmed so that "dismissible", "dismissed" and "dismiss" meet: a prefix of the
    /// word, kept as a length so that reading a text's words allocates one string per word.
    pub fn stem(&self) -> &str {
        self.text.get(..self.stem_length).unwrap_or(&self.text)
    }
}

/// Function words, modal words and words every requirement uses ("system").
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "for", "by", "with",
    "from", "into", "onto", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its",
    "this", "that", "these", "those", "their", "they", "them", "there", "then", "than", "when",
    "whenever", "where", "which", "who", "whom", "what", "if", "so", "such", "any", "all", "each",
    "every", "some", "can", "could", "may", "might", "must", "shall", "should", "will", "would",
    "do", "does", "did", "has", "have", "had", "not", "no", "never", "always", "you", "your",
    "yours", "we", "our", "us", "i", "me", "my", "he", "she", "his", "her", "system", "also",
    "only", "just", "very", "able", "e", "g", "eg", "ie", "etc", "about", "up", "out", "over",
    "one", "ones", "own", "same", "other", "via", "per", "after", "before", "while", "both",
    "either", "neither", "more", "most", "less", "least", "much", "many", "how", "why", "once",
    "again", "ever", "yet", "still", "here", "make", "sure", "ensure", "please", "let", "lets",
];

pub fn is_stop_word(word: &str) -> bool {
    // A set: this runs for every word of every passage a rule reads.
    static SET: std::sync::LazyLock<rustc_hash::FxHashSet<&'static str>> =
        std::sync::LazyLock::new(|| STOP_WORDS.iter().copied().collect());
    SET.contains(word)
}

/// Whether a word carries content: not a stop word, not a number, at least two letters.
pub fn is_content(word: &Word) -> bool {
    word.text
        .chars()
        .filter(|character| character.is_alphabetic())
        .count()
        >= 2
        && !is_stop_word(&word.text)
}

/// A light suffix stemmer, applied twice so that "triggering" and "trigger" meet.
pub fn stem(word: &str) -> String {
    stem_of(word).to_owned()
}

/// [`stem`] as a prefix of `word`: the stemmer only ever cuts suffixes.
fn stem_of(word: &str) -> &str {
    let mut current = word;
    for _ in 0..2 {
        let cut = suffixes_ending_in(current.as_bytes().last().copied())
            .iter()
            .find_map(|suffix| {
                current
                    .strip_suffix(suffix)
                    .filter(|stripped| stripped.chars().nth(2).is_some())
            });
        let Some(stripped) = cut else {
            break;
        };
        current = stripped;
    }
    current
}

/// The suffixes the stemmer cuts, by their last byte, each group in the order they are
/// tried: "ications" before "ations" before "s". Stemming runs for every word of every text
/// compared, so a word is only held against the suffixes it can end in.
fn suffixes_ending_in(last_byte: Option<u8>) -> &'static [&'static str] {
    match last_byte {
        Some(b's') => &["ications", "ations", "ings", "ies", "ers", "es", "s"],
        Some(b'n') => &["ication", "ation"],
        Some(b'y') => &["ibility", "ability", "ly", "y"],
        Some(b'g') => &["ing"],
        Some(b'e') => &["ible", "able", "e"],
        Some(b'd') => &["ied", "ed"],
        Some(b'r') => &["er"],
        _ => &[],
    }
}

/// Whether `word` stands in `text` as a whole word (not inside a longer one).
pub fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text.get(..at).and_then(|before| before.chars().next_back());
        let after = text
            .get(at + word.len()..)
            .and_then(|after| after.chars().next());
        before.is_none_or(|character| !character.is_alphanumeric())
            && after.is_none_or(|character| !character.is_alphanumeric())
    })
}

/// Words that open a negation over the rest of their clause.
fn opens_negation(word: &str) -> bool {
    matches!(
        word,
        "not"
            | "no"
            | "never"
            | "without"
            | "cannot"
            | "can't"
            | "don't"
            | "doesn't"
            | "won't"
            | "isn't"
            | "aren't"
            | "mustn't"
            | "shouldn't"
            | "shan't"
            | "needn't"
            | "nor"
            | "none"
            | "nothing"
            | "nobody"
            | "nowhere"
            | "neither"
            | "skip"
            | "skips"
            | "skipping"
            | "omit"
            | "omits"
            | "omitting"
            | "avoid"
            | "avoids"
            | "avoiding"
            | "prevent"
            | "prevents"
            | "preventing"
            | "refrain"
            | "refrains"
            | "instead"
            | "rather"
    )
}

/// Words right after a negation that make it a bound, not a negation: "never more than six",
/// "no longer than 120 words", "do not exceed".
fn bounds_an_amount(word: &str) -> bool {
    matches!(
        word,
        "more"
            | "less"
            | "fewer"
            | "longer"
            | "shorter"
            | "exceed"
            | "exceeds"
            | "over"
            | "above"
            | "below"
            | "under"
            | "beyond"
            | "later"
            | "earlier"
    )
}

/// Words after a negation that cancel it: "do not fail to", "never forget to".
fn cancels_negation(word: &str) -> bool {
    matches!(
        word,
        "fail" | "forget" | "neglect" | "hesitate" | "omit" | "skip"
    )
}

/// How many words a negation reaches at most.
const NEGATION_REACH: usize = 7;

/// The words of `text`, with clauses and negation scopes.
pub fn words(text: &str) -> Vec<Word> {
    // About one word in six bytes of prose: room for most texts' words at once. The
    // reservation is capped, so a long text without spaces (a data blob in a prompt) does not
    // reserve room for words it does not have.
    const MOST_WORDS_RESERVED: usize = 256;
    let mut found: Vec<Word> = Vec::with_capacity((text.len() / 6 + 1).min(MOST_WORDS_RESERVED));
    let mut clause = 0;
    let mut sentence = 0;
    let mut pending_sentence_break = false;
    let mut word_start: Option<usize> = None;
    let mut pending_break = false;
    let mut characters = text.char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        let inside_word = character.is_alphanumeric()
            || ((character == '-' || character == '\'' || character == '’' || character == '_')
                && word_start.is_some()
                && characters
                    .peek()
                    .is_some_and(|(_, next)| next.is_alphanumeric()));
        if inside_word {
            if word_start.is_none() {
                word_start = Some(index);
                if pending_break {
                    clause += 1;
                    pending_break = false;
                }
                if pending_sentence_break {
                    sentence += 1;
                    pending_sentence_break = false;
                }
            }
            continue;
        }
        if let Some(start) = word_start.take() {
            push_word(&mut found, text, start, index, (clause, sentence));
        }
        // A full stop inside a name (`Path.relative_to`, "v1.0") does not end a clause.
        let inside_name = character == '.'
            && characters
                .peek()
                .is_some_and(|(_, next)| next.is_alphanumeric());
        if matches!(
            character,
            '.' | ';' | ':' | '!' | '?' | ',' | '\n' | '(' | ')' | '|' | '•'
        ) && !inside_name
        {
            pending_break = true;
            if matches!(character, '.' | ';' | '!' | '?' | '\n') {
                pending_sentence_break = true;
            }
        }
    }
    if let Some(start) = word_start {
        push_word(&mut found, text, start, text.len(), (clause, sentence));
    }
    mark_negations(&mut found);
    found
}

fn push_word(
    found: &mut Vec<Word>,
    text: &str,
    start: usize,
    end: usize,
    (clause, sentence): (usize, usize),
) {
    let Some(written) = text.get(start..end) else {
        return;
    };
    // Most words are ASCII: lower-cased byte by byte, and with no curly apostrophe to replace.
    let lower = if written.is_ascii() {
        let mut lower = CompactString::from(written);
        lower.make_ascii_lowercase();
        lower
    } else {
        CompactString::from(written.to_lowercase().replace('’', "'"))
    };
    found.push(Word {
        stem_length: stem_of(&lower).len(),
        text: lower,
        start,
        end,
        clause,
        sentence,
        negated: false,
        negator: None,
    });
}

/// "a skip link", "the omit flag": a verb of negation used as a noun after a determiner.
fn used_as_noun_text(previous: Option<&str>) -> bool {
    previous.is_some_and(|previous| matches!(previous, "a" | "an" | "the" | "no" | "any"))
}

fn used_as_noun(found: &[Word], index: usize) -> bool {
    let Some(word) = found.get(index) else {
        return false;
    };
    matches!(word.text.as_str(), "skip" | "omit" | "avoid")
        && used_as_noun_text(
            index
                .checked_sub(1)
                .and_then(|previous| found.get(previous))
                .map(|previous| previous.text.as_str()),
        )
}

fn mark_negations(found: &mut [Word]) {
    let mut index = 0;
    while index < found.len() {
        let Some(word) = found.get(index) else {
            break;
        };
        if !opens_negation(&word.text) || used_as_noun(found, index) {
            index += 1;
            continue;
        }
        let clause = word.clause;
        // "no longer" negates; "no longer than" bounds.
        let next = found.get(index + 1).map(|next| next.text.clone());
        let after_next = found.get(index + 2).map(|next| next.text.clone());
        let skip_auxiliary = next
            .as_deref()
            .is_some_and(|next| matches!(next, "to" | "be" | "from" | "of" | "than"));
        let first = if skip_auxiliary { &after_next } else { &next };
        // "never nest more than six levels", "no deeper than 3", "do not exceed": a bound.
        let is_bound = (1..=5).any(|offset| {
            let Some(candidate) = found.get(index + offset) else {
                return false;
            };
            if candidate.clause != clause {
                return false;
            }
            let followed_by_than = found
                .get(index + offset + 1)
                .is_some_and(|following| following.text == "than");
            let exceeds = candidate.text.starts_with("exceed");
            exceeds
                || followed_by_than
                || (offset == 1 && bounds_an_amount(&candidate.text) && candidate.text != "longer")
        });
        let is_cancelled = first.as_deref().is_some_and(cancels_negation);
        // "rather" and "instead" negate only as "rather than" and "instead of".
        let incomplete = match word.text.as_str() {
            "rather" => next.as_deref() != Some("than"),
            "instead" => next.as_deref() != Some("of"),
            "refrain" | "refrains" => next.as_deref() != Some("from"),
            _ => false,
        };
        if is_bound || is_cancelled || incomplete {
            index += 1;
            continue;
        }
        let mut reach = 0;
        // "no longer kept": "longer" belongs to the negation.
        let mut cursor = if word.text == "no" && next.as_deref() == Some("longer") {
            index + 2
        } else {
            index + 1
        };
        // "Never, under any circumstances, tell …": the negation reaches past a short
        // aside between commas.
        let mut clause = clause;
        let aside_clause = found.get(index + 1).map(|next| next.clause);
        if let Some(aside) = aside_clause
            && aside != clause
        {
            let aside_length = found.iter().filter(|other| other.clause == aside).count();
            let after_aside = found.iter().position(|other| other.clause > aside);
            if aside_length <= 4
                && let Some(after) = after_aside
                && found
                    .get(after)
                    .is_some_and(|other| other.sentence == word.sentence)
            {
                clause = found.get(after).map_or(clause, |other| other.clause);
                cursor = after;
            }
        }
        // A second negation inside the first cancels it for the words after it: "no change
        // ships without tests" obliges tests.
        let mut cancelled = false;
        let mut previous_text = Some(
            found
                .get(index)
                .map(|word| word.text.clone())
                .unwrap_or_default(),
        );
        while let Some(target) = found.get_mut(cursor) {
            // A modal verb opens a new predicate: "SHALL not reprocess and SHALL log".
            let new_predicate = matches!(
                target.text.as_str(),
                "shall" | "must" | "should" | "will" | "may"
            ) && reach > 0;
            if target.clause != clause || reach >= NEGATION_REACH || new_predicate {
                break;
            }
            if opens_negation(&target.text) && !used_as_noun_text(previous_text.as_deref()) {
                cancelled = !cancelled;
            }
            previous_text = Some(target.text.clone());
            if !cancelled {
                target.negated = true;
                target.negator = Some(index);
            }
            reach += 1;
            cursor += 1;
        }
        index = cursor.max(index + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stemmer as first written: every suffix in one list, tried in order.
    fn stem_trying_every_suffix(word: &str) -> &str {
        const SUFFIXES: [&str; 20] = [
            "ications", "ication", "ations", "ation", "ibility", "ability", "ings", "ing", "ible",
            "able", "ies", "ied", "ers", "ed", "es", "er", "ly", "s", "e", "y",
        ];
        let mut current = word;
        for _ in 0..2 {
            let Some(stripped) = SUFFIXES.iter().find_map(|suffix| {
                current
                    .strip_suffix(suffix)
                    .filter(|stripped| stripped.chars().count() >= 3)
            }) else {
                break;
            };
            current = stripped;
        }
        current
    }

    #[test]
    fn suffixes_grouped_by_last_byte_stem_as_the_one_list_does() {
        let stems = [
            "", "a", "ab", "abc", "dismiss", "trigger", "é", "éé", "ééé", "notif", "x",
        ];
        let endings = [
            "", "ications", "ication", "ations", "ation", "ibility", "ability", "ings", "ing",
            "ible", "able", "ies", "ied", "ers", "ed", "es", "er", "ly", "s", "e", "y", "ss",
            "ering", "ers", "lys", "ingly", "ied", "é", "z",
        ];
        for stem in stems {
            for first in endings {
                for second in endings {
                    let word = format!("{stem}{first}{second}");
                    assert_eq!(stem_of(&word), stem_trying_every_suffix(&word), "{word}");
                }
            }
        }
    }

    fn negated(text: &str) -> Vec<String> {
        words(text)
            .into_iter()
            .filter(|word| word.negated)
            .map(|word| word.text.to_string())
            .collect()
    }

    #[test]
    fn stems_meet() {
        assert_eq!(stem("dismissible"), stem("dismissed"));
        assert_eq!(stem("triggering"), stem("trigger"));
        assert_eq!(stem("justified"), stem("justification"));
        assert_eq!(stem("referencing"), stem("reference"));
    }

    #[test]
    fn negation_scopes() {
        assert_eq!(negated("Show it without a spinner."), ["a", "spinner"]);
        assert_eq!(negated("Do not reprocess it; log it."), ["reprocess", "it"]);
        assert!(negated("Never nest more than six levels.").is_empty());
        assert!(negated("Do not fail to confirm.").is_empty());
        assert_eq!(
            negated("Fail loudly rather than override"),
            ["than", "override"]
        );
        assert!(negated("Rather, say it plainly.").is_empty());
    }
}

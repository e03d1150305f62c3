//! Finding the untagged prompt passage most like a requirement, without comparing all pairs:
//! an inverted index from normalised, stemmed content words to the passages that hold them.
//! A query walks only the postings of the requirement's own words, and skips words so common
//! that they say nothing (which also bounds the work per query).

use rustc_hash::FxHashMap;

/// Words that carry no topic.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "that",
    "this",
    "with",
    "from",
    "are",
    "was",
    "were",
    "will",
    "shall",
    "must",
    "should",
    "may",
    "can",
    "not",
    "you",
    "your",
    "they",
    "their",
    "them",
    "its",
    "his",
    "her",
    "has",
    "have",
    "had",
    "but",
    "all",
    "any",
    "when",
    "then",
    "than",
    "into",
    "onto",
    "also",
    "only",
    "each",
    "every",
    "who",
    "what",
    "which",
    "where",
    "how",
    "our",
    "out",
    "more",
    "most",
    "less",
    "such",
    "some",
    "system",
    "assistant",
    "user",
    "users",
    "able",
    "always",
    "never",
    "does",
    "did",
    "doing",
    "been",
    "being",
    "there",
    "these",
    "those",
    "about",
    "over",
    "under",
    "after",
    "before",
    "between",
    "within",
    "without",
    "via",
    "per",
    "use",
    "using",
];

/// Words that say the same thing in specs and prompts, each group read as its first word:
/// a spec's "reveal" is a prompt's "mention", its "decline" a prompt's "refuse", "eighteen"
/// is "18".
const SAME_MEANING: &[&[&str]] = &[
    &["decline", "reject", "refuse", "deny"],
    &[
        "reveal", "disclose", "mention", "share", "leak", "quote", "expose", "tell",
    ],
    &["secret", "credential", "password", "token", "apikey"],
    &["human", "person", "people", "staff"],
    &["earliest", "soonest"],
    &["suggest", "propose", "recommend"],
    &["smaller", "lower"],
    &["instruction", "prompt"],
    &["short", "brief", "concise"],
    &["limit", "maximum", "cap"],
    &["minimum", "least"],
    &["consent", "agree", "permission"],
    &["delete", "remove", "erase"],
    &["summary", "summarise", "summarize", "overview"],
    &["emergency", "911"],
];

const NUMBER_WORDS: &[(&str, &str)] = &[
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("fifteen", "15"),
    ("eighteen", "18"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("ninety", "90"),
    ("hundred", "100"),
];

/// Number words' digits, and the first word of each same-meaning group by the stem of each of
/// its members, looked up once per word read instead of stemming every group member for every
/// word (which was most of the suggestion rules' time). No stem belongs to two groups (a test
/// says so), so the order of the groups does not change what a word is read as.
struct CanonicalWords {
    numbers: FxHashMap<&'static str, &'static str>,
    by_stem: FxHashMap<&'static str, &'static str>,
}

impl CanonicalWords {
    fn get() -> &'static CanonicalWords {
        static WORDS: std::sync::LazyLock<CanonicalWords> =
            std::sync::LazyLock::new(CanonicalWords::new);
        &WORDS
    }

    fn new() -> CanonicalWords {
        let numbers = NUMBER_WORDS.iter().copied().collect();
        let mut by_stem = FxHashMap::default();
        for group in SAME_MEANING {
            let Some(first) = group.first().copied() else {
                continue;
            };
            for member in group.iter().copied() {
                by_stem.entry(stem(member)).or_insert(first);
            }
        }
        CanonicalWords { numbers, by_stem }
    }
}

/// The word a group of same-meaning words is read as, and number words as digits. A word
/// written as a group member has that member's stem, so looking up the stem finds it too.
fn canonical(word: &str) -> Option<&'static str> {
    let words = CanonicalWords::get();
    if let Some(digits) = words.numbers.get(word) {
        return Some(digits);
    }
    words.by_stem.get(stem(word)).copied()
}

/// Lower-cased content words, crudely stemmed so that "refunds", "refunded" and "refunding"
/// meet; same-meaning words and number words are read alike. Numbers count from two digits
/// ("18", "30"), single digits say too little.
pub fn terms(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter_map(|word| {
            if let Some(same) = canonical(&word) {
                return Some(same.to_owned());
            }
            let digits = word.bytes().all(|byte| byte.is_ascii_digit());
            if digits {
                return (word.len() >= 2).then_some(word);
            }
            (word.chars().count() >= 3 && !STOP_WORDS.contains(&word.as_str()))
                .then(|| stem_owned(word))
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// The length of `word`'s stem: the word without the first suffix below that leaves at least
/// three characters, or the whole word.
fn stem_length(word: &str) -> usize {
    // Every suffix below ends in one of these letters, so most words are settled by their last
    // byte. Stemming runs for every word of every text indexed, and a call to `memcmp` per
    // suffix (which the compiler may or may not inline) tripled the suggestion rules' time.
    if !matches!(
        word.as_bytes().last(),
        Some(b's' | b'n' | b'g' | b'd' | b'r' | b'y')
    ) {
        return word.len();
    }
    for suffix in [
        "ations", "ation", "ings", "ing", "ies", "ied", "ers", "ed", "es", "er", "ly", "s",
    ] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            return stem.len();
        }
    }
    word.len()
}

fn stem(word: &str) -> &str {
    word.get(..stem_length(word)).unwrap_or(word)
}

/// `stem`, reusing the word's own allocation.
fn stem_owned(mut word: String) -> String {
    let length = stem_length(&word);
    word.truncate(length);
    word
}

/// An index over documents (prompt passages), each a set of terms.
pub struct SimilarityIndex {
    postings: FxHashMap<String, Vec<usize>>,
    document_count: usize,
}

/// The best match for a query.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    pub document: usize,
    /// Share of the query's weight the document holds, from 0 to 1.
    pub score: f64,
    pub shared_terms: usize,
}

impl SimilarityIndex {
    pub fn new<'a>(documents: impl IntoIterator<Item = &'a str>) -> SimilarityIndex {
        use rayon::prelude::*;
        let documents: Vec<&str> = documents.into_iter().collect();
        // Reading the words is the work, and each document's words are its own: they are read
        // side by side, then filed in document order so that every posting list stays sorted.
        //
        // Side by side only when called from outside rayon's threads. The linker builds its
        // indexes inside `OnceLock::get_or_init`, and rules ask for them from rayon's threads:
        // a rayon thread that waits there for a piece of its work that another thread stole
        // steals work itself meanwhile, and may take a rule's job that asks for the same
        // index, which then waits for its own initialization forever (rayon-rs/rayon#592,
        // #1251; seen with 8 threads). On rayon's threads the other cores have the rules'
        // other work to do anyway.
        let terms_per_document: Vec<Vec<String>> = if rayon::current_thread_index().is_some() {
            documents.iter().map(|document| terms(document)).collect()
        } else {
            documents
                .par_iter()
                .map(|document| terms(document))
                .collect()
        };
        let document_count = documents.len();
        let mut postings: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        for (index, document_terms) in terms_per_document.into_iter().enumerate() {
            for term in document_terms {
                postings.entry(term).or_default().push(index);
            }
        }
        SimilarityIndex {
            postings,
            document_count,
        }
    }

    fn idf(&self, document_frequency: usize) -> f64 {
        ((self.document_count as f64 + 1.0) / (document_frequency as f64 + 0.5))
            .ln()
            .max(0.0)
    }

    /// The document sharing the most weighted words with `query`, if it shares at least
    /// `min_shared` words and `min_score` of the query's weight.
    pub fn best_match(&self, query: &str, min_shared: usize, min_score: f64) -> Option<Match> {
        self.ranked(query, min_shared, min_score).into_iter().next()
    }

    /// Every document sharing at least `min_shared` words and `min_score` of the query's
    /// weight, best first (ties to the earliest document).
    pub fn ranked(&self, query: &str, min_shared: usize, min_score: f64) -> Vec<Match> {
        // Words in more than a tenth of all documents (and at least 50) say nothing specific.
        let common = (self.document_count / 10).max(50);
        // Scores per document in a plain array, with the list of documents touched: no hashing
        // in the inner loop.
        let mut weights = vec![0.0f64; self.document_count];
        let mut shared = vec![0u32; self.document_count];
        let mut touched: Vec<usize> = Vec::new();
        let mut total = 0.0;
        for term in terms(query) {
            let Some(documents) = self.postings.get(&term) else {
                // A word no passage has still counts against every passage.
                total += self.idf(0);
                continue;
            };
            let weight = self.idf(documents.len());
            total += weight;
            if documents.len() > common {
                continue;
            }
            for &document in documents {
                let (Some(score), Some(count)) =
                    (weights.get_mut(document), shared.get_mut(document))
                else {
                    continue;
                };
                if *count == 0 {
                    touched.push(document);
                }
                *score += weight;
                *count += 1;
            }
        }
        if total <= 0.0 {
            return Vec::new();
        }
        let mut found: Vec<Match> = touched
            .into_iter()
            .map(|document| Match {
                document,
                score: weights.get(document).copied().unwrap_or(0.0) / total,
                shared_terms: shared.get(document).copied().unwrap_or(0) as usize,
            })
            .filter(|candidate| {
                candidate.shared_terms >= min_shared && candidate.score >= min_score
            })
            .collect();
        // Highest score first; ties go to the earliest document, whatever the hash order.
        found.sort_by(|left, right| {
            right
                .score
                .total_cmp(&left.score)
                .then_with(|| left.document.cmp(&right.document))
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `terms` as first written: every group member stemmed for every word read.
    fn terms_as_first_written(text: &str) -> Vec<String> {
        fn stem_as_first_written(word: &str) -> String {
            for suffix in [
                "ations", "ation", "ings", "ing", "ies", "ied", "ers", "ed", "es", "er", "ly", "s",
            ] {
                if let Some(stem) = word.strip_suffix(suffix)
                    && stem.chars().count() >= 3
                {
                    return stem.to_owned();
                }
            }
            word.to_owned()
        }
        fn canonical_as_first_written(word: &str) -> Option<&'static str> {
            if let Some((_, digits)) = NUMBER_WORDS.iter().find(|(name, _)| *name == word) {
                return Some(digits);
            }
            let stemmed = stem_as_first_written(word);
            SAME_MEANING.iter().find_map(|group| {
                group
                    .iter()
                    .any(|member| *member == word || stem_as_first_written(member) == stemmed)
                    .then(|| group.first().copied())
                    .flatten()
            })
        }
        let mut found: Vec<String> = text
            .split(|character: char| !character.is_alphanumeric())
            .map(str::to_lowercase)
            .filter_map(|word| {
                if let Some(same) = canonical_as_first_written(&word) {
                    return Some(same.to_owned());
                }
                if word.chars().all(|character| character.is_ascii_digit()) {
                    return (word.len() >= 2).then_some(word);
                }
                (word.chars().count() >= 3 && !STOP_WORDS.contains(&word.as_str()))
                    .then(|| stem_as_first_written(&word))
            })
            .collect();
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn no_stem_belongs_to_two_groups_or_is_a_number_word() {
        let mut group_of_stem = FxHashMap::default();
        for (position, group) in SAME_MEANING.iter().enumerate() {
            for member in group.iter().copied() {
                let earlier = group_of_stem.insert(stem(member), position);
                assert!(
                    earlier.is_none_or(|earlier| earlier == position),
                    "{member}"
                );
                assert!(
                    NUMBER_WORDS
                        .iter()
                        .all(|(name, _)| stem(name) != stem(member))
                );
            }
        }
    }

    #[test]
    fn terms_are_the_terms_the_first_reader_found() {
        // Every listed word, with every suffix the stemmer knows and some it does not, in
        // three cases, beside words whose lower case is longer or shorter than they are.
        let mut bases: Vec<String> = Vec::new();
        for group in SAME_MEANING {
            bases.extend(group.iter().map(|word| word.to_string()));
        }
        bases.extend(
            NUMBER_WORDS
                .iter()
                .map(|(name, digits)| format!("{name} {digits}")),
        );
        bases.extend(STOP_WORDS.iter().map(|word| word.to_string()));
        bases.extend(
            [
                "refund",
                "abc",
                "ab",
                "a",
                "7",
                "42",
                "2024",
                "İstanbul",
                "STRASSE",
                "straße",
                "ǅemal",
                "Σίσυφος",
                "naïve",
                "x1",
                "1x",
                "sharing",
                "tokenized",
                "humanly",
                "limitations",
                "deny",
                "denies",
                "denied",
                "agreeing",
                "erased",
                "briefs",
            ]
            .map(str::to_owned),
        );
        let endings = [
            "", "s", "es", "ed", "ing", "ings", "er", "ers", "ly", "ies", "ied", "ation", "ations",
            "y", "n", "d", "ful",
        ];
        let mut text = String::new();
        let mut compared = 0;
        for (position, base) in bases.iter().enumerate() {
            for ending in endings {
                let word = match position % 3 {
                    0 => format!("{base}{ending}"),
                    1 => format!("{base}{ending}").to_uppercase(),
                    _ => format!("{}{ending}", capitalised(base)),
                };
                assert_eq!(terms(&word), terms_as_first_written(&word), "{word:?}");
                text.push_str(&word);
                text.push_str(if compared % 5 == 0 { ", " } else { " " });
                compared += 1;
            }
        }
        assert_eq!(terms(&text), terms_as_first_written(&text));
        assert!(compared > 2500, "{compared}");
    }

    fn capitalised(word: &str) -> String {
        let mut characters = word.chars();
        match characters.next() {
            Some(first) => first.to_uppercase().chain(characters).collect(),
            None => String::new(),
        }
    }

    /// Rules build the linker's indexes inside `OnceLock::get_or_init` from rayon's threads
    /// (see [`SimilarityIndex::new`]): many tasks asking for one index at once, on more
    /// threads than cores, must all get it. Building it side by side there deadlocked within
    /// a few hundred rounds; the watchdog turns a deadlock into a failure, not a hung run.
    #[test]
    fn indexes_built_on_demand_inside_parallel_work_never_deadlock() {
        use rayon::prelude::*;
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let documents: Vec<String> = (0..2000)
                .map(|number| format!("refunds within {number} days of the delivery"))
                .collect();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(8)
                .build()
                .unwrap();
            for _ in 0..300 {
                let index = std::sync::OnceLock::new();
                let found: usize = pool.install(|| {
                    (0..500)
                        .into_par_iter()
                        .map(|task| {
                            if task % 7 != 0 {
                                return 0;
                            }
                            let index = index.get_or_init(|| {
                                SimilarityIndex::new(documents.iter().map(String::as_str))
                            });
                            index.document_count
                        })
                        .sum()
                });
                assert_eq!(found, 72 * 2000);
            }
            let _ = done.send(());
        });
        assert!(
            finished
                .recv_timeout(std::time::Duration::from_secs(120))
                .is_ok(),
            "building an index inside parallel work deadlocked (or took over two minutes)"
        );
    }

    #[test]
    fn finds_the_passage_about_the_same_thing() {
        let index = SimilarityIndex::new([
            "Keep a calm tone even when the customer is upset.",
            "Offer store credit as an alternative when a refund is not possible.",
            "Summarise the conversation for the support team.",
        ]);
        let found = index.best_match(
            "The assistant SHOULD offer store credit as an alternative to a refund.",
            2,
            0.3,
        );
        assert_eq!(found.map(|found| found.document), Some(1));
        assert!(
            index
                .best_match("Invoices MUST show VAT numbers.", 2, 0.3)
                .is_none()
        );
    }
}

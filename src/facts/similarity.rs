//! Finding the untagged prompt passage most like a requirement, without comparing all pairs:
//! an inverted index from normalised, stemmed content words to the passages that hold them.
//! A query walks only the postings of the requirement's own words, and skips words so common
//! that they say nothing (which also bounds the work per query).

use std::collections::HashMap;

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

/// Lower-cased content words, crudely stemmed so that "refunds", "refunded" and "refunding"
/// meet.
pub fn terms(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|word| {
            !STOP_WORDS.contains(&word.as_str())
                && !word.chars().all(|character| character.is_ascii_digit())
        })
        .map(|word| stem(&word))
        .collect();
    found.sort();
    found.dedup();
    found
}

fn stem(word: &str) -> String {
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

/// An index over documents (prompt passages), each a set of terms.
pub struct SimilarityIndex {
    postings: HashMap<String, Vec<usize>>,
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
        let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
        let mut document_count = 0;
        for (index, document) in documents.into_iter().enumerate() {
            for term in terms(document) {
                postings.entry(term).or_default().push(index);
            }
            document_count = index + 1;
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

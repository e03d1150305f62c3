//! Negation by other words. A requirement that obliges ("MUST show a spinner") is turned
//! around by a passage that negates what it obliges ("show it without a spinner", "the banner
//! cannot be dismissed"), wherever the negation stands; a requirement's own negated action
//! ("SHALL not reprocess", "without making network calls") is lost when the passage states it
//! plainly ("reprocess the attempt"). A "MUST NOT" is kept by "without …", "skip …" or "no …"
//! aimed at what it forbids.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::facts::words::{Word, is_content, words};

/// What a requirement obliges and forbids.
pub struct Polarity {
    /// Stems of content words after a positive RFC 2119 keyword, outside any negation.
    obliged: FxHashSet<String>,
    /// Stems of content words under a negation, or after "MUST NOT".
    forbidden: FxHashSet<String>,
    /// Stems of every content word of the requirement.
    all: FxHashSet<String>,
    /// Actions the requirement negates: "not reprocess", "without making network calls".
    negated_actions: Vec<NegatedAction>,
}

struct NegatedAction {
    /// The negation as written ("not reprocess").
    phrase: String,
    verb: String,
    /// The verb's object, needed when the verb says little on its own ("make … calls") or
    /// takes an object ("follow symlinks").
    object: Option<String>,
}

/// A passage that turns a requirement around.
pub struct Reversal {
    /// The passage's words, as written.
    pub phrase: String,
    /// The requirement's words, as written.
    pub requirement_phrase: String,
    pub kind: ReversalKind,
}

pub enum ReversalKind {
    /// The passage negates what the requirement obliges.
    NegatesObligation,
    /// The passage states plainly an action the requirement negates.
    DropsNegation,
}

/// Verbs that say little without their object.
fn is_light_verb(stem: &str) -> bool {
    matches!(
        stem,
        "mak"
            | "make"
            | "do"
            | "us"
            | "use"
            | "using"
            | "used"
            | "hav"
            | "have"
            | "get"
            | "tak"
            | "take"
            | "giv"
            | "give"
            | "put"
            | "set"
            | "go"
            | "keep"
            | "provid"
            | "provide"
            | "includ"
    )
}

/// Verbs of taking away: negating one keeps the obligation ("don't hide the focus rings",
/// "never break backward compatibility").
fn is_privative(word: &str) -> bool {
    matches!(
        word,
        "hide"
            | "hides"
            | "hid"
            | "hidden"
            | "remove"
            | "removes"
            | "removed"
            | "drop"
            | "drops"
            | "dropped"
            | "omit"
            | "omits"
            | "omitted"
            | "skip"
            | "skips"
            | "skipped"
            | "forget"
            | "forgets"
            | "ignore"
            | "ignores"
            | "ignored"
            | "lose"
            | "loses"
            | "lost"
            | "break"
            | "breaks"
            | "broken"
            | "block"
            | "blocks"
            | "blocked"
            | "disable"
            | "disables"
            | "disabled"
            | "stop"
            | "stops"
            | "delete"
            | "deletes"
            | "deleted"
            | "strip"
            | "strips"
            | "suppress"
            | "suppresses"
            | "miss"
            | "misses"
            | "missing"
            | "leave"
            | "lack"
            | "lacks"
            | "exclude"
            | "excludes"
            | "excluded"
            | "reduce"
            | "weaken"
            | "shorten"
            | "truncate"
    )
}

/// Participles of keeping and giving, the verbs whose passive negation negates the subject.
fn is_keeping_participle(word: &str) -> bool {
    matches!(
        word,
        "kept"
            | "shown"
            | "displayed"
            | "included"
            | "provided"
            | "stored"
            | "sent"
            | "returned"
            | "recorded"
            | "logged"
            | "saved"
            | "tracked"
            | "updated"
            | "added"
            | "given"
            | "offered"
            | "used"
            | "maintained"
            | "preserved"
            | "retained"
            | "propagated"
    )
}

/// The subject of a passive negation: up to three content words of the clause before "is
/// not", "are no longer", "was never", when the negated verb is one of keeping or giving.
fn passive_subject<'a>(read: &'a [Word], negator: usize, scope: &[&Word]) -> Option<Vec<&'a Word>> {
    let verb = scope.first()?;
    if !is_keeping_participle(&verb.text) {
        return None;
    }
    let copula = read.get(negator.checked_sub(1)?)?;
    if !matches!(
        copula.text.as_str(),
        "is" | "are" | "was" | "were" | "be" | "been"
    ) {
        return None;
    }
    let clause = copula.clause;
    let subject: Vec<&Word> = read
        .get(..negator.checked_sub(1)?)?
        .iter()
        .rev()
        .take_while(|word| word.clause == clause)
        .filter(|word| is_content(word))
        .take(3)
        .collect();
    if subject.is_empty() {
        return None;
    }
    Some(subject.into_iter().rev().collect())
}

/// Whether `stem` stands un-negated in the passage outside the subject of a negation, given
/// how often each stem stands un-negated (`positive_counts`).
fn positive_outside(
    positive_counts: &FxHashMap<&str, usize>,
    subject: &[&Word],
    stem: &str,
) -> bool {
    let in_subject = subject.iter().filter(|word| word.stem() == stem).count();
    positive_counts.get(stem).copied().unwrap_or(0) > in_subject
}

/// Verbs that give or show what follows them.
fn is_presenting_verb(word: &str) -> bool {
    matches!(
        word,
        "offer"
            | "offers"
            | "give"
            | "gives"
            | "show"
            | "shows"
            | "shown"
            | "provide"
            | "provides"
            | "include"
            | "includes"
            | "add"
            | "adds"
            | "send"
            | "sends"
            | "return"
            | "returns"
            | "display"
            | "displays"
            | "use"
            | "uses"
            | "put"
            | "render"
            | "renders"
            | "present"
            | "presents"
            | "attach"
            | "attaches"
            | "list"
            | "lists"
    )
}

/// The keyword words of RFC 2119 as written in capitals in `text`.
fn keyword_at(text: &str, word: &Word) -> Option<&'static str> {
    match text.get(word.start..word.end)? {
        "MUST" => Some("MUST"),
        "SHALL" => Some("SHALL"),
        "SHOULD" => Some("SHOULD"),
        "REQUIRED" => Some("REQUIRED"),
        "MUSTN'T" | "SHAN'T" | "SHOULDN'T" => Some("NOT"),
        _ => None,
    }
}

impl Polarity {
    pub fn of(requirement: &str) -> Polarity {
        let read = words(requirement);
        let mut obliged = FxHashSet::default();
        let mut forbidden = FxHashSet::default();
        let all: FxHashSet<String> = read
            .iter()
            .filter(|word| is_content(word))
            .map(|word| word.stem().to_owned())
            .collect();
        // The sentence a keyword governs runs to the next sentence break; clauses split at
        // commas too, so the sentence is followed through clause indices up to a full stop.
        let mut index = 0;
        while let Some(word) = read.get(index) {
            let Some(keyword) = keyword_at(requirement, word) else {
                index += 1;
                continue;
            };
            let next_is_not = read.get(index + 1).is_some_and(|next| {
                requirement
                    .get(next.start..next.end)
                    .is_some_and(|written| written == "NOT" || written == "not")
            });
            let prohibits = keyword == "NOT" || next_is_not;
            let mut cursor = index + 1;
            while let Some(governed) = read.get(cursor) {
                if keyword_at(requirement, governed).is_some() {
                    break;
                }
                if ends_sentence(requirement, governed) {
                    break;
                }
                if is_content(governed) {
                    if prohibits || governed.negated {
                        forbidden.insert(governed.stem().to_owned());
                    } else {
                        obliged.insert(governed.stem().to_owned());
                    }
                }
                cursor += 1;
            }
            index = cursor;
        }
        for word in &read {
            if word.negated && is_content(word) {
                forbidden.insert(word.stem().to_owned());
            }
        }
        for stem in &forbidden {
            obliged.remove(stem);
        }
        Polarity {
            obliged,
            forbidden,
            all,
            negated_actions: negated_actions(requirement, &read),
        }
    }

    /// Whether the sentence of `passage` holding byte `at` says something the requirement
    /// obliges (one of its obliged words, or, when it obliges nothing, any of its words).
    pub fn sentence_is_about(&self, passage: &str, at: usize) -> bool {
        let start = passage
            .get(..at)
            .and_then(|before| before.rfind(['.', '!', '?', '\n', ';']))
            .map_or(0, |found| found + 1);
        let end = passage
            .get(at..)
            .and_then(|after| after.find(['.', '!', '?', '\n', ';']))
            .map_or(passage.len(), |found| at + found);
        let sentence = passage.get(start..end).unwrap_or_default();
        let wanted = if self.obliged.is_empty() {
            &self.all
        } else {
            &self.obliged
        };
        words(sentence).iter().any(|word| {
            is_content(word) && !is_light_verb(word.stem()) && wanted.contains(word.stem())
        })
    }

    /// Whether any word under a negation in `passage` is one the requirement forbids: the
    /// passage keeps the requirement's prohibition in its own words.
    pub fn prohibition_kept(&self, passage: &str) -> bool {
        words(passage)
            .iter()
            .any(|word| word.negated && is_content(word) && self.forbidden.contains(word.stem()))
    }

    /// Where the passage turns the requirement around, if it does.
    pub fn reversal(&self, passage: &str) -> Option<Reversal> {
        // Nothing obliged and no negated action: nothing to turn around.
        if self.obliged.is_empty() && self.negated_actions.is_empty() {
            return None;
        }
        let read = words(passage);
        let positive: FxHashSet<&str> = read
            .iter()
            .filter(|word| !word.negated && is_content(word))
            .map(|word| word.stem())
            .collect();
        if let Some(reversal) = self.negated_obligation(passage, &read, &positive) {
            return Some(reversal);
        }
        self.dropped_negation(passage, &read)
    }

    fn negated_obligation(
        &self,
        passage: &str,
        read: &[Word],
        positive: &FxHashSet<&str>,
    ) -> Option<Reversal> {
        // Each negation's content words, gathered in one pass: a long passage with many
        // negations stays linear.
        let mut scopes: std::collections::BTreeMap<usize, Vec<&Word>> =
            std::collections::BTreeMap::new();
        for word in read {
            if let Some(negator) = word.negator {
                let scope = scopes.entry(negator).or_default();
                if is_content(word) {
                    scope.push(word);
                }
            }
        }
        let mut positive_counts: FxHashMap<&str, usize> = FxHashMap::default();
        for word in read.iter().filter(|word| !word.negated) {
            *positive_counts.entry(word.stem()).or_default() += 1;
        }
        for (negator, scope) in scopes {
            // "don't hide the rings" keeps "SHALL show rings"; "cannot be hidden" still
            // negates "SHALL be easily hidden".
            let privative = scope.first().is_some_and(|word| {
                is_privative(&word.text) && !self.obliged.contains(word.stem())
            });
            if scope.is_empty() || privative {
                continue;
            }
            // A passive negation ("audit logs are no longer kept", "the templates are not
            // updated") negates its subject, when its verb is one of keeping or giving.
            if let Some(subject) = passive_subject(read, negator, &scope)
                && let Some(hit) = subject.iter().find(|word| {
                    self.obliged.contains(word.stem())
                        && !is_light_verb(word.stem())
                        && !positive_outside(&positive_counts, &subject, word.stem())
                })
            {
                let start = subject.first().map_or(hit.start, |word| word.start);
                let end = scope.last().map_or(hit.end, |word| word.end);
                return Some(Reversal {
                    phrase: passage.get(start..end).unwrap_or_default().to_owned(),
                    requirement_phrase: hit.text.to_string(),
                    kind: ReversalKind::NegatesObligation,
                });
            }
            // The negation must be about the requirement's action: its head is a word of the
            // requirement, or a verb of giving or showing whose object is ("do not offer a
            // Resubmit option"). "Do not edit a logged argument" is about editing.
            let head_fits = scope.first().is_some_and(|head| {
                (self.all.contains(head.stem()) && !is_light_verb(head.stem()))
                    || ((is_presenting_verb(&head.text) || is_light_verb(head.stem()))
                        && scope
                            .get(1)
                            .is_some_and(|object| self.obliged.contains(object.stem())))
            });
            if !head_fits {
                continue;
            }
            // A negation about something else ("never reply with a refund amount") is not
            // about the requirement: most of what it negates must be the requirement's words.
            let shared = scope
                .iter()
                .filter(|word| self.all.contains(word.stem()))
                .count();
            if shared * 2 < scope.len() {
                continue;
            }
            let Some(hit) = scope.iter().find(|word| {
                self.obliged.contains(word.stem())
                    && !is_light_verb(word.stem())
                    && !positive.contains(word.stem())
            }) else {
                continue;
            };
            let start = read.get(negator).map_or(hit.start, |word| word.start);
            let end = scope.last().map_or(hit.end, |word| word.end);
            return Some(Reversal {
                phrase: passage.get(start..end).unwrap_or_default().to_owned(),
                requirement_phrase: hit.text.to_string(),
                kind: ReversalKind::NegatesObligation,
            });
        }
        None
    }

    fn dropped_negation(&self, passage: &str, read: &[Word]) -> Option<Reversal> {
        let negated: FxHashSet<&str> = read
            .iter()
            .filter(|word| word.negated)
            .map(|word| word.stem())
            .collect();
        for action in &self.negated_actions {
            // The verb is negated somewhere: the passage keeps the negation.
            if negated.contains(action.verb.as_str()) {
                continue;
            }
            for (index, word) in read.iter().enumerate() {
                if word.negated || word.stem() != action.verb {
                    continue;
                }
                let object_follows = action.object.as_ref().is_none_or(|object| {
                    read.iter()
                        .skip(index + 1)
                        .take(4)
                        .any(|other| !other.negated && other.stem() == object)
                });
                if !object_follows {
                    continue;
                }
                let end = action
                    .object
                    .as_ref()
                    .and_then(|object| {
                        read.iter()
                            .skip(index + 1)
                            .take(4)
                            .find(|other| other.stem() == object)
                    })
                    .map_or(word.end, |other| other.end);
                return Some(Reversal {
                    phrase: passage.get(word.start..end).unwrap_or_default().to_owned(),
                    requirement_phrase: action.phrase.clone(),
                    kind: ReversalKind::DropsNegation,
                });
            }
        }
        None
    }
}

fn ends_sentence(text: &str, word: &Word) -> bool {
    // The character just before the word: a full stop, semicolon or line break ends the
    // sentence the keyword governs ("e.g." is not a break: its next word is lower case).
    let before = text
        .get(..word.start)
        .unwrap_or_default()
        .trim_end_matches([' ', '\t']);
    let Some(last) = before.chars().next_back() else {
        return false;
    };
    match last {
        ';' | '\n' | '!' | '?' => true,
        '.' => text
            .get(word.start..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(char::is_uppercase),
        _ => false,
    }
}

/// Actions a requirement negates, with the verb a passage would have to repeat plainly.
fn negated_actions(text: &str, read: &[Word]) -> Vec<NegatedAction> {
    let mut found = Vec::new();
    for (index, word) in read.iter().enumerate() {
        let takes_gerund = matches!(
            word.text.as_str(),
            "without" | "avoid" | "avoids" | "avoiding" | "instead" | "refrain" | "refrains"
        );
        let takes_verb = matches!(
            word.text.as_str(),
            "not"
                | "never"
                | "cannot"
                | "can't"
                | "don't"
                | "doesn't"
                | "won't"
                | "mustn't"
                | "shouldn't"
                | "shan't"
                | "rather"
        );
        let is_prevent = matches!(word.text.as_str(), "prevent" | "prevents");
        if !(takes_gerund || takes_verb || is_prevent) {
            continue;
        }
        let scope: Vec<&Word> = read
            .iter()
            .skip(index + 1)
            .filter(|other| other.negator == Some(index))
            .collect();
        let verb = if is_prevent {
            // "prevent agents from referencing …": the action follows "from".
            scope
                .iter()
                .skip_while(|other| other.text != "from")
                .nth(1)
                .filter(|other| other.text.ends_with("ing"))
        } else if takes_gerund {
            scope
                .iter()
                .find(|other| !matches!(other.text.as_str(), "of" | "from" | "than"))
                .filter(|other| other.text.ends_with("ing"))
        } else {
            scope.iter().find(|other| {
                is_content(other)
                    && !other.text.ends_with("ly")
                    && !matches!(other.text.as_str(), "be" | "than")
            })
        };
        let Some(verb) = verb else {
            continue;
        };
        let object = scope
            .iter()
            .skip_while(|other| other.start <= verb.start)
            .take(3)
            .find(|other| is_content(other))
            .map(|other| other.stem().to_owned());
        let needs_object = is_light_verb(verb.stem()) || object.is_some();
        if is_light_verb(verb.stem()) && object.is_none() {
            continue;
        }
        found.push(NegatedAction {
            phrase: text
                .get(word.start..verb.end)
                .unwrap_or_default()
                .to_owned(),
            verb: verb.stem().to_owned(),
            object: if needs_object { object } else { None },
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negating_what_is_obliged() {
        let polarity = Polarity::of(
            "WHEN evaluation is running THEN the system SHALL display \"Evaluating…\" with spinner",
        );
        assert!(
            polarity
                .reversal("Show \"Evaluating…\" without a spinner.")
                .is_some()
        );
        assert!(
            polarity
                .reversal("Show \"Evaluating…\" next to a spinner.")
                .is_none()
        );
        let polarity =
            Polarity::of("System MUST prevent agents from referencing non-existent arguments");
        assert!(
            polarity
                .reversal("Never let an agent reference an argument that does not exist.")
                .is_none()
        );
        assert!(
            polarity
                .reversal("Allow agents to reference non-existent arguments.")
                .is_some()
        );
    }

    #[test]
    fn dropping_a_negated_action() {
        let polarity = Polarity::of("THEN the hook SHALL not reprocess and SHALL log 'skipped'");
        assert!(polarity.reversal("Reprocess the attempt anyway.").is_some());
        assert!(
            polarity
                .reversal("Do not reprocess it; log 'skipped'.")
                .is_none()
        );
        let polarity = Polarity::of("The assistant MUST answer without revealing the risk score.");
        assert!(
            polarity
                .reversal("You may reveal the order status.")
                .is_none()
        );
    }

    #[test]
    fn kept_prohibition() {
        let polarity = Polarity::of("the system SHALL NOT use negative-colored badges such as red");
        assert!(polarity.prohibition_kept("Show low scores without red badges."));
        assert!(!polarity.prohibition_kept("Use red badges for low scores."));
    }
}

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::graph::{Graph, Referrer, UnresolvedReference};
use crate::rules::{FileRule, Rule, RuleContext, check_every_file, declare_rule};
use crate::source_db::FileId;
use crate::source::model::ReferenceKind;

declare_rule! {
    /// ## What it does
    /// Reports a reference to a requirement ID that the spec does not define: in a prompt's
    /// reference comment, or in an eval case's requirement field (`metadata.requirements`). It
    /// suggests the closest defined ID.
    ///
    /// IDs in prompt prose, in string literals and in test descriptions are never reported:
    /// those often carry model names (`GPT-4`) or ticket keys (`PROJ-1234`). A comment counts as
    /// a reference comment when it opens with an ID, after at most a few label words
    /// (`Covers: FR-001`); an unknown ID there is reported when it looks like one of the spec's
    /// IDs (a prefix the spec uses, such as `FR-`, or a near miss of a defined ID), so that
    /// `# PROJ-1234: use the larger model` in code stays quiet.
    ///
    /// The same rule reports an ambiguous reference: an unqualified ID that several spec-kit or
    /// Kiro features define (each numbers its own `FR-001`), from a file outside every one's
    /// folder and not mapped to one under `[features]` in speclint.toml. The finding names every
    /// candidate; qualify the reference (`001-voice/FR-001`) or map the path.
    /// ## Why is this bad?
    /// A typo or a renamed requirement leaves the prompt or eval pointing at nothing: the
    /// requirement it was meant for looks uncovered, and the link that was meant to keep them in
    /// agreement does not exist.
    ///
    /// ## Example
    /// ```yaml
    /// tests:
    ///   - description: refund window
    ///     metadata:
    ///       requirements: [FR-01]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// tests:
    ///   - description: refund window
    ///     metadata:
    ///       requirements: [FR-001]
    /// ```
    UnknownRequirementReference, code = "SL002", name = "unknown-requirement-reference", level = Error
}

impl Rule for UnknownRequirementReference {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_every_file(self, context, diagnostics);
    }

    fn per_file(&self) -> Option<&dyn FileRule> {
        Some(self)
    }
}

impl FileRule for UnknownRequirementReference {
    fn check_files(
        &self,
        context: &RuleContext<'_>,
        files: &[FileId],
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        let files: HashSet<FileId> = files.iter().copied().collect();
        let in_files: Vec<&UnresolvedReference> = graph
            .unresolved
            .iter()
            .filter(|unresolved| files.contains(&unresolved.reference.span.file))
            .collect();
        if in_files.is_empty() {
            return;
        }
        let known_prefixes: HashSet<&str> = graph.defined_ids().filter_map(id_prefix).collect();
        let near_misses = NearMisses::new(graph);
        for unresolved in in_files {
            let id = &unresolved.reference.id;
            if !unresolved.candidates.is_empty() {
                diagnostics.push(ambiguous(context, unresolved));
                continue;
            }
            let closest = near_misses.closest(id);
            if unresolved.reference.kind == ReferenceKind::Comment
                && closest.is_none()
                && !id_prefix(id).is_some_and(|prefix| known_prefixes.contains(prefix))
            {
                continue;
            }
            let place = match unresolved.referrer {
                Referrer::Passage(_) => "this prompt",
                Referrer::EvalCase(_) => "this eval case",
            };
            let mut diagnostic = context
                .diagnostic(
                    &Self::META,
                    unresolved.reference.span,
                    format!("{place} references `{id}`, which the spec does not define"),
                )
                .with_label("unknown requirement")
                .with_requirement(id.as_str());
            match closest {
                Some(closest) => {
                    if let Some(requirement) = graph
                        .lookup(closest)
                        .map(|index| &graph[index])
                    {
                        diagnostic = diagnostic.with_related(
                            requirement.def.id_span,
                            format!("`{closest}` is defined here"),
                        );
                    }
                    diagnostic = diagnostic.with_help(format!("did you mean `{closest}`?"));
                }
                None => {
                    diagnostic = diagnostic.with_help(
                        "define the requirement in the spec, or remove the reference".to_owned(),
                    );
                }
            }
            diagnostics.push(diagnostic);
        }
    }
}

/// A short ID that several features define, from a file outside every one's scope.
fn ambiguous(context: &RuleContext<'_>, unresolved: &UnresolvedReference) -> Diagnostic {
    let graph = context.graph;
    let id = &unresolved.reference.id;
    let qualified: Vec<&str> = unresolved
        .candidates
        .iter()
        .map(|&candidate| graph[candidate].def.id.as_str())
        .collect();
    let place = match unresolved.referrer {
        Referrer::Passage(_) => "this prompt",
        Referrer::EvalCase(_) => "this eval case",
    };
    let mut diagnostic = context
        .diagnostic(
            &UnknownRequirementReference::META,
            unresolved.reference.span,
            format!(
                "{place} references `{id}`, which {} features define (`{}`)",
                qualified.len(),
                qualified.join("`, `")
            ),
        )
        .with_label("ambiguous requirement")
        .with_requirement(id.as_str())
        .with_help(format!(
            "qualify it (`{}`), or map this file to its feature under `[features]` in speclint.toml",
            qualified.first().copied().unwrap_or_default()
        ));
    for &candidate in &unresolved.candidates {
        let requirement = &graph[candidate];
        diagnostic = diagnostic.with_related(
            requirement.def.id_span,
            format!("`{}` is defined here", requirement.def.id),
        );
    }
    diagnostic
}

/// The part of an ID before its number: `FR` for `FR-004a`, `SAFE-REFUND` for `SAFE-REFUND-12`.
fn id_prefix(id: &str) -> Option<&str> {
    let (prefix, _) = id.rsplit_once('-')?;
    (!prefix.is_empty()).then_some(prefix)
}

/// Defined IDs by their one-character deletions (the SymSpell idea): a query looks up its own
/// deletions, so finding the near misses of an unknown ID costs a few binary searches instead
/// of a distance to every defined ID.
struct NearMisses<'a> {
    /// Each defined ID, with its upper-case form.
    ids: Vec<(&'a str, String)>,
    /// A hash of each ID's upper-case form and of each of its one-deletion variants, with the
    /// ID's place in `ids`, sorted: looked up by binary search. Hashes, not strings: building a
    /// map of every variant's string took a run 10 ms at 10,000 requirements, on one thread.
    variants: Vec<(u64, u32)>,
}

impl<'a> NearMisses<'a> {
    fn new(graph: &'a Graph) -> NearMisses<'a> {
        NearMisses::of_ids(graph.defined_ids())
    }

    fn of_ids(ids: impl Iterator<Item = &'a str>) -> NearMisses<'a> {
        let ids: Vec<(&'a str, String)> = ids.map(|id| (id, id.to_ascii_uppercase())).collect();
        let mut variants = Vec::with_capacity(ids.iter().map(|(_, upper)| upper.len() + 1).sum());
        let mut buffer = String::new();
        for (place, (_, upper)) in ids.iter().enumerate() {
            let place = u32::try_from(place).unwrap_or(u32::MAX);
            for_each_variant(upper, &mut buffer, |variant| {
                variants.push((variant_hash(variant), place));
            });
        }
        variants.sort_unstable();
        variants.dedup();
        NearMisses { ids, variants }
    }

    /// The defined ID most like `id`, if one is close enough to be a plausible typo (within
    /// one deletion of each other, and within a quarter of the length in edit distance). Ties
    /// go to the ID that sorts first, so the suggestion does not depend on hash order.
    fn closest(&self, id: &str) -> Option<&'a str> {
        let normalized = id.to_ascii_uppercase();
        let mut buffer = String::new();
        let mut places: Vec<u32> = Vec::new();
        let mut wanted: Vec<String> = Vec::new();
        for_each_variant(&normalized, &mut buffer, |variant| {
            wanted.push(variant.to_owned());
            let hash = variant_hash(variant);
            let first = self.variants.partition_point(|(other, _)| *other < hash);
            places.extend(
                self.variants
                    .get(first..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|(other, _)| *other == hash)
                    .map(|(_, place)| *place),
            );
        });
        places.sort_unstable();
        places.dedup();
        // A hash says where to look; the variants themselves decide, as a map of strings did.
        let candidates: Vec<&'a str> = places
            .into_iter()
            .filter_map(|place| self.ids.get(usize::try_from(place).ok()?))
            .filter(|(_, upper)| {
                let mut shares_a_variant = false;
                for_each_variant(upper, &mut buffer, |variant| {
                    shares_a_variant |= wanted.iter().any(|wanted| wanted == variant);
                });
                shares_a_variant
            })
            .map(|(id, _)| *id)
            .collect();
        closest_candidate(&normalized, candidates)
    }
}

/// Of the `candidates` for the upper-case ID `normalized`, the one closest in edit distance
/// if it is within a quarter of its length; ties go to the candidate that sorts first.
fn closest_candidate<'a>(normalized: &str, mut candidates: Vec<&'a str>) -> Option<&'a str> {
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(normalized, &candidate.to_ascii_uppercase()),
                candidate,
            )
        })
        .filter(|&(distance, candidate)| distance <= (candidate.len() / 4).max(1))
        .min()
        .map(|(_, candidate)| candidate)
}

/// Calls `found` with `text` and with every string made of `text` less one character, built
/// in `buffer`.
fn for_each_variant(text: &str, buffer: &mut String, mut found: impl FnMut(&str)) {
    found(text);
    for (index, character) in text.char_indices() {
        buffer.clear();
        buffer.push_str(text.get(..index).unwrap_or(""));
        buffer.push_str(text.get(index + character.len_utf8()..).unwrap_or(""));
        found(buffer);
    }
}

fn variant_hash(variant: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(variant.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Every string with one character of `text` removed.
    fn deletions(text: &str) -> Vec<String> {
        text.char_indices()
            .map(|(index, character)| {
                let mut variant = String::with_capacity(text.len());
                variant.push_str(text.get(..index).unwrap_or(""));
                variant.push_str(text.get(index + character.len_utf8()..).unwrap_or(""));
                variant
            })
            .collect()
    }

    /// Defined IDs by the string of each of their variants.
    fn map_of_variants<'a>(ids: &[&'a str]) -> HashMap<String, Vec<&'a str>> {
        let mut by_deletion: HashMap<String, Vec<&'a str>> = HashMap::new();
        for id in ids {
            let upper = id.to_ascii_uppercase();
            for variant in deletions(&upper) {
                by_deletion.entry(variant).or_default().push(id);
            }
            by_deletion.entry(upper).or_default().push(id);
        }
        by_deletion
    }

    /// The candidates a map of every variant's string finds, ranked as the rule ranks them.
    fn closest_by_strings<'a>(
        by_deletion: &HashMap<String, Vec<&'a str>>,
        id: &str,
    ) -> Option<&'a str> {
        let normalized = id.to_ascii_uppercase();
        let mut keys = deletions(&normalized);
        keys.push(normalized.clone());
        let candidates: Vec<&'a str> = keys
            .iter()
            .filter_map(|key| by_deletion.get(key))
            .flatten()
            .copied()
            .collect();
        closest_candidate(&normalized, candidates)
    }

    #[test]
    fn near_misses_are_those_a_map_of_every_variant_finds() {
        let mut ids: Vec<String> = (1..=400).map(|number| format!("FR-{number:03}")).collect();
        let others = ["REQ-1.2", "auth/FR-7", "NFR-12", "R1", "ÜBER-3", "fr-0042"];
        ids.extend(others.map(str::to_owned));
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let near_misses = NearMisses::of_ids(ids.iter().copied());
        let by_deletion = map_of_variants(&ids);
        let mut queries: Vec<String> = Vec::new();
        for id in &ids {
            queries.push((*id).to_owned());
            queries.extend(deletions(id));
            queries.push(format!("{id}1"));
            queries.push(id.replace('-', "_"));
            queries.push(id.to_ascii_lowercase());
            queries.push(id.chars().rev().collect());
        }
        queries.extend(["FR-9999", "", "X", "FR-", "ÜBER-4", "REQ-12"].map(str::to_owned));
        for query in &queries {
            assert_eq!(
                near_misses.closest(query),
                closest_by_strings(&by_deletion, query),
                "{query}"
            );
        }
    }
}

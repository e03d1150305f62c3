//! What loaders read out of a file: requirement definitions, prompt passages, eval cases and the
//! problems met on the way. These are plain data; the graph is built from them.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::modality::Modality;
use crate::needs::Needs;
use crate::source_db::Span;

/// Lifecycle of a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Draft,
    Deprecated,
}

/// The parts of an EARS requirement ("WHEN <trigger>, THE <system> SHALL <response>"), kept for
/// rules that compare behaviour.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ears {
    /// `WHEN …`
    pub trigger: Option<String>,
    /// `IF …`, `WHILE …` or `WHERE …`
    pub condition: Option<String>,
    pub system: Option<String>,
    pub response: String,
}

/// A requirement as written in a spec file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RequirementDef {
    pub id: String,
    /// Where the ID itself is written.
    pub id_span: Span,
    /// The whole definition: list item, paragraph, heading section or table row.
    pub span: Span,
    /// The requirement's text without the ID and Markdown markup, whitespace collapsed.
    pub text: String,
    pub modality: Option<Modality>,
    /// `Some` when the definition overrides the configured coverage.
    pub needs: Option<Needs>,
    pub status: Status,
    /// For EARS acceptance criteria (Kiro).
    pub ears: Option<Ears>,
}

/// How strongly an artifact points at a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReferenceKind {
    /// Written where only requirement IDs belong (a `requirements` field): an unknown ID here is
    /// a mistake.
    Explicit,
    /// An ID that opens a comment (`{# FR-001 #}`, `# Covers: FR-001`). An unknown one is a
    /// mistake when it looks like the spec's IDs (same prefix, or a near miss of a defined ID);
    /// otherwise it is a ticket key or a model name (`# PROJ-1234: ...`) and is ignored.
    Comment,
    /// An ID-shaped word in free text such as a test description: it links when the ID is
    /// defined and is otherwise ignored, because such text often carries ticket keys.
    Mention,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reference {
    /// Inline for IDs up to 24 bytes, which is every ID seen: no allocation per reference.
    pub id: CompactString,
    pub span: Span,
    pub kind: ReferenceKind,
}

/// A piece of prompt text that one or more reference comments say covers requirements.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PromptPassageDef {
    pub span: Span,
    pub text: String,
    pub references: Vec<Reference>,
}

/// One eval case: a promptfoo test, a dataset row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvalCaseDef {
    pub span: Span,
    /// A short human name: the description, or the row number. Most fit inline (24 bytes), so a
    /// case with a hundred thousand siblings does not pay an allocation for it.
    pub label: CompactString,
    /// Boxed slices, not vectors: a case's lists are complete once it is read, and the
    /// capacity a vector keeps is eight bytes per list per case.
    pub references: Box<[Reference]>,
    /// What the case checks of the output (never its inputs).
    pub assertions: Box<[AssertionDef]>,
    /// What the case gives the model: its `vars` or a dataset row's input fields, as
    /// "key: value" lines. The blind-spot rules read amounts and cases from it.
    #[serde(default)]
    pub inputs: Box<str>,
    /// How many times promptfoo runs it: once per `config` entry of its scenario, and once
    /// more for every extra time its config loads its file.
    #[serde(default = "one_run")]
    pub runs: u32,
}

impl EvalCaseDef {
    fn shrink_to_fit(&mut self) {
        self.label.shrink_to_fit();
    }

    /// Adds `more` after the case's own references (a default test's, a samples file's).
    pub fn add_references(&mut self, more: &[Reference]) {
        if !more.is_empty() {
            self.references = appended(&self.references, more);
        }
    }

    /// Adds `more` after the case's own assertions (a default test's).
    pub fn add_assertions(&mut self, more: &[AssertionDef]) {
        if !more.is_empty() {
            self.assertions = appended(&self.assertions, more);
        }
    }
}

fn appended<T: Clone>(first: &[T], then: &[T]) -> Box<[T]> {
    first.iter().chain(then).cloned().collect()
}

fn one_run() -> u32 {
    1
}

/// One check of an eval case: a promptfoo assertion (`type`, `value`, `threshold`), a CSV
/// `__expected` shorthand, or a dataset metadata limit (`metadata:max_words`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssertionDef {
    /// `contains`, `llm-rubric`, `max_words`: always short, so stored inline.
    pub kind: CompactString,
    /// Inline when short (a number, a word), on the heap otherwise.
    pub value: CompactString,
    pub threshold: Option<f64>,
    /// Where the value (or the assertion) is written.
    pub span: Span,
}

/// Severity a loader gives to a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemLevel {
    Error,
    Warning,
    Info,
}

/// Which rule reports a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProblemKind {
    /// The input could not be read or understood (`unreadable-input`).
    Unreadable,
    /// A `file://` reference whose target is missing or refused (`broken-file-reference`).
    BrokenReference,
    /// Something speclint deliberately does not look into: code, remote data
    /// (`opaque-reference`).
    Opaque,
    /// An eval input promptfoo would reject, or run another number of times than written
    /// (`eval-config-problem`).
    EvalConfig,
}

/// Something a loader could not read or understand.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub span: Span,
    pub level: ProblemLevel,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn error(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            kind: ProblemKind::Unreadable,
            span,
            level: ProblemLevel::Error,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            level: ProblemLevel::Warning,
            ..Problem::error(span, message)
        }
    }

    pub fn info(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            level: ProblemLevel::Info,
            ..Problem::error(span, message)
        }
    }

    pub fn broken_reference(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            kind: ProblemKind::BrokenReference,
            ..Problem::error(span, message)
        }
    }

    pub fn opaque(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            kind: ProblemKind::Opaque,
            ..Problem::info(span, message)
        }
    }

    /// An eval input promptfoo rejects (`level` error) or runs more often than written
    /// (warning).
    pub fn eval_config(span: Span, level: ProblemLevel, message: impl Into<String>) -> Problem {
        Problem {
            kind: ProblemKind::EvalConfig,
            level,
            ..Problem::error(span, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}

/// A file another file's loader read through a reference (a promptfoo config's prompt and test
/// files). Its own standalone load is dropped so that nothing is counted twice.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClaimedFile {
    pub file: crate::source_db::FileId,
    pub role: crate::source::Role,
    pub format: crate::source::Format,
}

/// An unresolved `[NEEDS CLARIFICATION: ...]` marker in a spec.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Clarification {
    pub span: Span,
    pub question: String,
}

/// One setting's value and where it is written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingValue<T> {
    pub value: T,
    pub span: Span,
}

/// Model settings a prompt file's front matter, a `.prompt.yml` or a promptfoo provider
/// declares: what `config-drift` compares with what the spec states.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSettingsDef {
    /// Where the settings are declared (the provider entry, the front matter).
    pub span: Span,
    /// What declares them, for messages ("promptfoo provider `openai:gpt-4o`").
    pub origin: String,
    pub model: Option<SettingValue<String>>,
    pub temperature: Option<SettingValue<f64>>,
    pub max_output_tokens: Option<SettingValue<f64>>,
    /// `true` for a JSON response format, `false` for an explicit plain-text one.
    pub json_output: Option<SettingValue<bool>>,
    /// The files whose prompt passages and eval cases run with these settings.
    pub files: Vec<crate::source_db::FileId>,
}

/// Everything one loader read from one file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Extraction {
    pub requirements: Vec<RequirementDef>,
    pub passages: Vec<PromptPassageDef>,
    #[serde(deserialize_with = "shared_cases")]
    pub eval_cases: Vec<std::sync::Arc<EvalCaseDef>>,
    pub clarifications: Vec<Clarification>,
    pub problems: Vec<Problem>,
    pub claimed_files: Vec<ClaimedFile>,
    #[serde(default)]
    pub model_settings: Vec<ModelSettingsDef>,
    /// Set by a loader that finds, once it has read the file, that it is not what its name and
    /// folder suggested (a spec template): the file is listed as skipped, with this reason.
    #[serde(skip)]
    pub skipped: Option<String>,
}

/// An empty list with room for the `announced` items a decoder is about to give, up to a
/// megabyte, as serde's own lists are made: a damaged length must not reserve gigabytes.
pub fn list_for_decoding<T>(announced: Option<usize>) -> Vec<T> {
    let bound = (1 << 20) / std::mem::size_of::<T>().max(1);
    Vec::with_capacity(announced.unwrap_or(0).min(bound))
}

/// Eval cases read back from the cache, each put in its `Arc` as it is read. serde's own
/// `Arc<T>` reads a `Box<T>` first and moves it: two allocations and a copy per case, a
/// hundred thousand times in a run after one changed file at the scale of `bench/README.md`.
fn shared_cases<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Arc<EvalCaseDef>>, D::Error> {
    struct Cases;
    impl<'de> serde::de::Visitor<'de> for Cases {
        type Value = Vec<Arc<EvalCaseDef>>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("a list of eval cases")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut cases = list_for_decoding(seq.size_hint());
            while let Some(case) = seq.next_element::<EvalCaseDef>()? {
                cases.push(Arc::new(case));
            }
            Ok(cases)
        }
    }
    deserializer.deserialize_seq(Cases)
}

impl Extraction {
    /// Gives back the room that vectors and strings grew into while the loader built them. A
    /// vector's first push reserves four items, and most eval cases hold one reference and
    /// one assertion: at 100,000 cases that spare room was a third of a check's peak memory.
    pub fn shrink_to_fit(&mut self) {
        for case in &mut self.eval_cases {
            // A case held elsewhere too (by a cache in memory) was shrunk when it was made.
            if let Some(case) = Arc::get_mut(case) {
                case.shrink_to_fit();
            }
        }
        for passage in &mut self.passages {
            passage.references.shrink_to_fit();
        }
        self.requirements.shrink_to_fit();
        self.passages.shrink_to_fit();
        self.eval_cases.shrink_to_fit();
        self.problems.shrink_to_fit();
    }

    pub fn with_problem(problem: Problem) -> Extraction {
        Extraction {
            problems: vec![problem],
            ..Extraction::default()
        }
    }

    /// Every span of the extraction, for checking or moving them all.
    fn spans_mut(&mut self) -> impl Iterator<Item = &mut Span> {
        let requirements = self
            .requirements
            .iter_mut()
            .flat_map(|requirement| [&mut requirement.id_span, &mut requirement.span]);
        let passages = self.passages.iter_mut().flat_map(|passage| {
            std::iter::once(&mut passage.span).chain(
                passage
                    .references
                    .iter_mut()
                    .map(|reference| &mut reference.span),
            )
        });
        // Copies a case only when it is shared (held by a cache as well).
        let cases = self
            .eval_cases
            .iter_mut()
            .map(Arc::make_mut)
            .flat_map(|case| {
                std::iter::once(&mut case.span)
                    .chain(
                        case.references
                            .iter_mut()
                            .map(|reference| &mut reference.span),
                    )
                    .chain(
                        case.assertions
                            .iter_mut()
                            .map(|assertion| &mut assertion.span),
                    )
            });
        let clarifications = self
            .clarifications
            .iter_mut()
            .map(|clarification| &mut clarification.span);
        let problems = self.problems.iter_mut().map(|problem| &mut problem.span);
        let settings = self.model_settings.iter_mut().flat_map(|settings| {
            std::iter::once(&mut settings.span)
                .chain(settings.model.as_mut().map(|value| &mut value.span))
                .chain(settings.temperature.as_mut().map(|value| &mut value.span))
                .chain(
                    settings
                        .max_output_tokens
                        .as_mut()
                        .map(|value| &mut value.span),
                )
                .chain(settings.json_output.as_mut().map(|value| &mut value.span))
        });
        requirements
            .chain(passages)
            .chain(cases)
            .chain(clarifications)
            .chain(problems)
            .chain(settings)
    }

    /// Whether everything was read from `file` alone (nothing through references), which is
    /// what makes an extraction reusable from the cache.
    /// Calls `visit` on every file ID the extraction holds: its spans, the files it claimed and
    /// the files its model settings came from. The cache rewrites them all when it stores or
    /// restores an extraction.
    pub fn for_each_file_id(&mut self, mut visit: impl FnMut(&mut crate::source_db::FileId)) {
        for span in self.spans_mut() {
            visit(&mut span.file);
        }
        for claimed in &mut self.claimed_files {
            visit(&mut claimed.file);
        }
        for settings in &mut self.model_settings {
            settings.files.iter_mut().for_each(&mut visit);
        }
    }

    /// Whether every span ends within its file, given each file's length (`None` for a file
    /// the extraction should not point into). The cache checks this before trusting an entry.
    pub fn spans_fit(
        &mut self,
        length_of: impl Fn(crate::source_db::FileId) -> Option<usize>,
    ) -> bool {
        self.spans_mut().all(|span| {
            span.start() <= span.end()
                && length_of(span.file).is_some_and(|length| span.end() <= length)
        })
    }

    pub fn merge(&mut self, other: Extraction) {
        self.requirements.extend(other.requirements);
        self.passages.extend(other.passages);
        self.eval_cases.extend(other.eval_cases);
        self.clarifications.extend(other.clarifications);
        self.problems.extend(other.problems);
        self.claimed_files.extend(other.claimed_files);
        self.model_settings.extend(other.model_settings);
    }
}

#[cfg(test)]
mod tests {
    use super::{AssertionDef, EvalCaseDef, Extraction, Reference, ReferenceKind};
    use crate::source_db::{FileId, Span};
    use std::sync::Arc;

    /// Eval cases read back from the cache come back as they were stored, each in its own
    /// `Arc`; any one byte of the encoding changed to any value decodes or is refused, never
    /// a panic, and a length read from a damaged byte reserves a bounded room.
    #[test]
    fn eval_cases_read_back_one_allocation_each() {
        let case = |row: usize| EvalCaseDef {
            span: Span::new(FileId(3), row * 10, row * 10 + 9),
            label: format!("case #{row}").into(),
            references: vec![Reference {
                id: "FR-001".into(),
                span: Span::new(FileId(3), row * 10 + 2, row * 10 + 8),
                kind: ReferenceKind::Explicit,
            }]
            .into_boxed_slice(),
            assertions: vec![AssertionDef {
                kind: "max_words".into(),
                value: "120".into(),
                threshold: None,
                span: Span::new(FileId(3), row * 10 + 1, row * 10 + 4),
            }]
            .into_boxed_slice(),
            inputs: format!("question: refund after {row} days").into_boxed_str(),
            runs: 1,
        };
        let extraction = Extraction {
            eval_cases: (0..3).map(|row| Arc::new(case(row))).collect(),
            ..Extraction::default()
        };
        let encoded = postcard::to_stdvec(&extraction).unwrap();
        let decoded: Extraction = postcard::from_bytes(&encoded).unwrap();
        assert_eq!(
            format!("{:?}", decoded.eval_cases),
            format!("{:?}", extraction.eval_cases)
        );
        assert_eq!(decoded.eval_cases.capacity(), 3);
        for at in 0..encoded.len() {
            for value in 0..=u8::MAX {
                let mut damaged = encoded.clone();
                damaged[at] = value;
                let _ = postcard::from_bytes::<Extraction>(&damaged);
            }
        }
    }

    /// A scale-1 monorepo holds 100,000 eval cases, each with a reference and an assertion:
    /// every eight bytes here is most of a megabyte there. This pins the sizes that 32-bit
    /// span offsets and boxed lists brought, so that a wider field is a decision and not an
    /// accident. The sizes are those of a 64-bit target, where compact strings take 24 bytes.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn eval_case_records_stay_small() {
        assert_eq!(size_of::<Span>(), 12);
        assert_eq!(size_of::<Reference>(), 40);
        assert_eq!(size_of::<AssertionDef>(), 80);
        assert_eq!(size_of::<EvalCaseDef>(), 88);
    }
}

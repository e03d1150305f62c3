//! What loaders read out of a file: requirement definitions, prompt passages, eval cases and the
//! problems met on the way. These are plain data; the graph is built from them.

use serde::Serialize;

use crate::modality::Modality;
use crate::source::file::Span;

/// What a requirement needs to be covered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Needs {
    pub prompt: bool,
    pub eval: bool,
}

impl Needs {
    pub const BOTH: Needs = Needs {
        prompt: true,
        eval: true,
    };
    pub const NONE: Needs = Needs {
        prompt: false,
        eval: false,
    };

    /// Parses the words of a `Needs:` line or `needs:` list: `prompt`, `eval`, `none`, combined
    /// with commas, spaces or "and". Returns the first unknown word as the error.
    pub fn parse_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Needs, String> {
        let mut needs = Needs::NONE;
        for word in words {
            match word.trim().to_ascii_lowercase().as_str() {
                "" | "and" | "none" | "nothing" => {}
                "prompt" | "prompts" => needs.prompt = true,
                "eval" | "evals" | "test" | "tests" => needs.eval = true,
                _ => return Err(word.trim().to_owned()),
            }
        }
        Ok(needs)
    }
}

/// Lifecycle of a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Draft,
    Deprecated,
}

/// A requirement as written in a spec file.
#[derive(Clone, Debug)]
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
}

/// How strongly an artifact points at a requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

#[derive(Clone, Debug)]
pub struct Reference {
    pub id: String,
    pub span: Span,
    pub kind: ReferenceKind,
}

/// A piece of prompt text that one or more reference comments say covers requirements.
#[derive(Clone, Debug)]
pub struct PromptPassageDef {
    pub span: Span,
    pub text: String,
    pub references: Vec<Reference>,
}

/// One eval case: a promptfoo test, a dataset row.
#[derive(Clone, Debug)]
pub struct EvalCaseDef {
    pub span: Span,
    /// A short human name: the description, or the row number.
    pub label: String,
    pub references: Vec<Reference>,
}

/// Severity a loader gives to a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemLevel {
    Error,
    Warning,
    Info,
}

/// Something a loader could not read or understand.
#[derive(Clone, Debug)]
pub struct Problem {
    pub span: Span,
    pub level: ProblemLevel,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn error(span: Span, message: impl Into<String>) -> Problem {
        Problem {
            span,
            level: ProblemLevel::Error,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }
}

/// Everything one loader read from one file.
#[derive(Clone, Debug, Default)]
pub struct Extraction {
    pub requirements: Vec<RequirementDef>,
    pub passages: Vec<PromptPassageDef>,
    pub eval_cases: Vec<EvalCaseDef>,
    pub problems: Vec<Problem>,
}

//! Lint rules: each reads the graph and emits diagnostics. One rule per file; the list is in
//! [`registry`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::Graph;
use crate::source::file::Span;
use crate::source::model::RequirementDef;

pub mod registry;

pub mod broken_file_reference;
pub mod deprecated_requirement_referenced;
pub mod duplicate_requirement_id;
pub mod eval_assertion_drift;
pub mod eval_tests_unspecified_behavior;
pub mod modality_drift;
pub mod negative_requirement_untested;
pub mod opaque_reference;
pub mod requirement_missing_from_prompt;
pub mod requirement_untested;
pub mod stale_link;
pub mod unknown_requirement_reference;
pub mod unreadable_input;
pub mod unresolved_clarification;
pub mod unused_suppression;
pub mod wording_drift;

/// The level a rule runs at, as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Info,
    Off,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Info => Some(Severity::Info),
            Level::Off => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Off => "off",
        }
    }
}

/// What `speclint rules` and `speclint rule` print about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub default_level: Level,
    /// The rule's doc comment: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
}

/// What a rule can see.
pub struct RuleContext<'a> {
    pub graph: &'a Graph,
    pub settings: &'a Settings,
}

impl RuleContext<'_> {
    /// `path:line:column` of a span, for messages.
    pub fn location(&self, span: Span) -> String {
        let (start, _) = self.graph.db.line_column(span);
        format!(
            "{}:{}:{}",
            self.graph.db.path(span.file),
            start.line,
            start.column
        )
    }

    /// Where `phrase` is written inside `span` (case-insensitively), or `span` itself.
    pub fn locate(&self, span: Span, phrase: &str) -> Span {
        let phrase = phrase.trim();
        if phrase.is_empty() {
            return span;
        }
        let slice = self.graph.db.slice(span);
        let found = slice.find(phrase).or_else(|| {
            // Lower-casing keeps byte offsets for ASCII text only.
            (slice.is_ascii() && phrase.is_ascii())
                .then(|| {
                    slice
                        .to_ascii_lowercase()
                        .find(&phrase.to_ascii_lowercase())
                })
                .flatten()
        });
        match found {
            Some(at) => Span::new(span.file, span.start + at, span.start + at + phrase.len()),
            None => span,
        }
    }

    /// A related location on a requirement, quoting its text.
    pub fn requirement_note(&self, requirement: &RequirementDef) -> (Span, String) {
        (
            self.headline(requirement),
            format!(
                "`{}` says: {}",
                requirement.id,
                shorten(&requirement.text, 160)
            ),
        )
    }

    /// Whether the user set this rule's level in speclint.toml.
    pub fn level_configured(&self, meta: &RuleMeta) -> bool {
        self.settings.configured_rules.contains(meta.name)
    }

    /// The span a requirement-level finding points at: from the ID to the end of its line.
    pub fn headline(&self, requirement: &RequirementDef) -> Span {
        let id_span = requirement.id_span;
        let Some(file) = self.graph.db.get(id_span.file) else {
            return id_span;
        };
        let rest = file.text.get(id_span.start..).unwrap_or("");
        let line = rest.split('\n').next().unwrap_or("");
        Span::new(
            id_span.file,
            id_span.start,
            id_span.start + line.trim_end().len(),
        )
    }

    /// Starts a diagnostic for `rule` at its configured severity (rules that are off never run).
    pub fn diagnostic(&self, meta: &RuleMeta, span: Span, message: String) -> Diagnostic {
        let severity = self
            .settings
            .rule_levels
            .get(meta.name)
            .copied()
            .unwrap_or(meta.default_level)
            .severity()
            .unwrap_or(Severity::Info);
        Diagnostic {
            code: meta.code,
            rule: meta.name,
            severity,
            message,
            span,
            label: None,
            requirement: None,
            related: Vec::new(),
            help: None,
        }
    }
}

/// `text` cut at a word boundary near `limit` characters, with an ellipsis.
pub fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>);
}

/// Declares a rule's unit struct and its metadata from one doc comment, so that `speclint rule`
/// prints exactly what the source says.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $name:ident, code = $code:literal, name = $rule_name:literal, level = $level:ident
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $rule_name,
                default_level: $crate::rules::Level::$level,
                docs: concat!($($doc, "\n"),+),
            };
        }
    };
}
pub(crate) use declare_rule;

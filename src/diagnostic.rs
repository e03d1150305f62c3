//! The one diagnostic type every rule emits and every renderer reads.

use crate::severity::Severity;
use crate::source_db::Span;
use crate::stable_hash::stable_hash;

/// A secondary location: the other side of a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    /// Set by a rule whose metadata declares an escalation, for the findings it covers; the
    /// rule runner maps it to a severity.
    pub escalated: bool,
    pub message: String,
    pub span: Span,
    /// Short text under the primary span in the full output.
    pub label: Option<String>,
    pub requirement: Option<String>,
    pub related: Vec<Related>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_requirement(mut self, id: impl Into<String>) -> Diagnostic {
        self.requirement = Some(id.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Marks the finding as one the rule's declared escalation covers.
    pub fn escalated(mut self) -> Diagnostic {
        self.escalated = true;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// A fingerprint of a finding that survives unrelated edits and line shifts: the rule, the
/// requirement, the path and the flagged text (whitespace folded), not the line number.
pub fn finding_fingerprint(db: &crate::source_db::SourceDb, diagnostic: &Diagnostic) -> String {
    let flagged: Vec<&str> = db.slice(diagnostic.span).split_whitespace().collect();
    stable_hash(&format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        diagnostic.rule,
        diagnostic.requirement.as_deref().unwrap_or(""),
        db.path(diagnostic.span.file),
        flagged.join(" ")
    ))
}

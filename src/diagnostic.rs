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

/// A finding as it is kept between runs: the rule by name (a later build may not have it),
/// and its places in the form `P` that the store needs: spans for the rule memo of one
/// process, project-relative paths and offsets on disk, where file IDs change from run to run.
/// Its texts are `S`: owned, or borrowed from the bytes they are decoded from, so that a
/// decoded finding's texts are copied once, into the [`Diagnostic`].
#[derive(serde::Serialize, serde::Deserialize)]
pub struct StoredDiagnostic<P, S = String> {
    rule: S,
    severity: Severity,
    escalated: bool,
    message: S,
    place: P,
    label: Option<S>,
    requirement: Option<S>,
    related: Vec<(P, S)>,
    help: Option<S>,
}

impl<'a, P> StoredDiagnostic<P, &'a str> {
    /// The finding as it is stored, its texts borrowed from `diagnostic`: it encodes as the
    /// owned form does, without copying a text to write it.
    pub fn from_diagnostic(
        diagnostic: &'a Diagnostic,
        place_of: impl Fn(Span) -> P,
    ) -> StoredDiagnostic<P, &'a str> {
        StoredDiagnostic {
            rule: diagnostic.rule,
            severity: diagnostic.severity,
            escalated: diagnostic.escalated,
            message: &diagnostic.message,
            place: place_of(diagnostic.span),
            label: diagnostic.label.as_deref(),
            requirement: diagnostic.requirement.as_deref(),
            related: diagnostic
                .related
                .iter()
                .map(|related| (place_of(related.span), related.message.as_str()))
                .collect(),
            help: diagnostic.help.as_deref(),
        }
    }
}

impl<P, S: AsRef<str> + Into<String>> StoredDiagnostic<P, S> {
    /// The finding, when `rule_of` still knows its rule (giving its code and name) and
    /// `span_of` every place.
    pub fn into_diagnostic(
        self,
        rule_of: impl Fn(&str) -> Option<(&'static str, &'static str)>,
        span_of: impl Fn(P) -> Option<Span>,
    ) -> Option<Diagnostic> {
        let (code, rule) = rule_of(self.rule.as_ref())?;
        let mut related = Vec::with_capacity(self.related.len());
        for (place, message) in self.related {
            related.push(Related {
                span: span_of(place)?,
                message: message.into(),
            });
        }
        Some(Diagnostic {
            code,
            rule,
            severity: self.severity,
            escalated: self.escalated,
            message: self.message.into(),
            span: span_of(self.place)?,
            label: self.label.map(Into::into),
            requirement: self.requirement.map(Into::into),
            related,
            help: self.help.map(Into::into),
        })
    }
}

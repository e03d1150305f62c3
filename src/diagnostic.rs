//! The one diagnostic type every rule emits and every renderer reads.

use schemars::JsonSchema;
use serde::Serialize;

use crate::source::file::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

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

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

/// A 64-bit FNV-1a hash as 16 hex digits: tiny, fully specified and stable across releases and
/// platforms, which is what fingerprints in committed files (lock, baseline) and CI reports need.
pub fn stable_hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A fingerprint of a finding that survives unrelated edits and line shifts: the rule, the
/// requirement, the path and the flagged text (whitespace folded), not the line number.
pub fn finding_fingerprint(db: &crate::source::file::SourceDb, diagnostic: &Diagnostic) -> String {
    let flagged: Vec<&str> = db.slice(diagnostic.span).split_whitespace().collect();
    stable_hash(&format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
        diagnostic.rule,
        diagnostic.requirement.as_deref().unwrap_or(""),
        db.path(diagnostic.span.file),
        flagged.join(" ")
    ))
}

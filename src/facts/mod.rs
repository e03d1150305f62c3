//! Comparable facts extracted from requirement text, prompt passages and eval assertions, with
//! a small deterministic extractor (no model, no network): quantities, directives (modality and
//! polarity) and literals. [`compare`] decides where two sides disagree.

pub mod antonym;
pub mod assertion;
pub mod compare;
pub mod coverage;
pub mod directive;
pub mod list;
pub mod literal;
pub mod model_claims;
pub mod negation;
pub mod quantity;
pub mod similarity;
pub mod words;

//! Regular expressions written in the source: compiled once, on first use.
//!
//! `static PATTERN: LazyLock<Regex> = lazy_regex!(r"...");` replaces a hand-written `OnceLock`
//! per pattern. A constant pattern that does not compile is a bug in speclint, not bad input, so
//! it panics; the test below and every test that runs the code behind a pattern catch it.

use regex::Regex;

/// A `LazyLock<Regex>` for a constant pattern.
macro_rules! lazy_regex {
    ($pattern:expr) => {
        std::sync::LazyLock::new(|| $crate::lazy_regex::compile_constant($pattern))
    };
}
pub(crate) use lazy_regex;

/// Compiles a pattern written in speclint's source.
#[allow(clippy::expect_used)]
pub fn compile_constant(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a regex written in speclint's source compiles")
}

/// Compiles a set of patterns written in speclint's source.
#[allow(clippy::expect_used)]
pub fn compile_constant_set(patterns: &[String]) -> regex::RegexSet {
    regex::RegexSet::new(patterns).expect("a regex set written in speclint's source compiles")
}

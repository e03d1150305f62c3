//! CLI behaviour pinned per output format: each `tests/cmd/*.toml` runs the real binary and
//! compares its stdout, stderr and exit code. Regenerate with `TRYCMD=overwrite cargo test --test cli`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[test]
fn cli() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

//! CLI behaviour pinned per output format: each `tests/cmd/*.toml` runs the real binary and
//! compares its stdout, stderr and exit code. Regenerate with `TRYCMD=overwrite cargo test --test it cli`.

pub fn cli() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

//! `speclint check --statistics`: how many findings each rule has, most first, as ruff prints
//! them, so a team adopting speclint sees where the work is.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::check::CheckResult;

pub fn render(result: &CheckResult) -> String {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for diagnostic in &result.diagnostics {
        *counts
            .entry((diagnostic.code, diagnostic.rule))
            .or_default() += 1;
    }
    let mut rows: Vec<((&str, &str), usize)> = counts.into_iter().collect();
    // Most findings first; ties in code order.
    rows.sort_by(|left, right| right.1.cmp(&left.1).then(left.0.cmp(&right.0)));
    let mut output = String::new();
    for ((code, rule), count) in rows {
        let _ = writeln!(output, "{count:>6}  {code}  {rule}");
    }
    let _ = writeln!(output, "{}", crate::render::summary_line(result));
    output
}

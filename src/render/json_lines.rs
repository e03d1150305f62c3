//! One JSON object per finding per line (the objects of the `json` format), for streaming tools.

use crate::check::CheckResult;
use crate::render::json::to_output;

pub fn render(check: &CheckResult) -> String {
    let mut output = String::new();
    for diagnostic in to_output(check).diagnostics {
        output.push_str(&serde_json::to_string(&diagnostic).unwrap_or_default());
        output.push('\n');
    }
    output
}

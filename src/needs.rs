//! What a requirement needs to be covered by: words that `speclint.toml` and every spec format
//! share.

use serde::{Deserialize, Serialize};

/// What a requirement needs to be covered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Needs {
    pub prompt: bool,
    pub eval: bool,
}

impl Needs {
    pub const BOTH: Needs = Needs {
        prompt: true,
        eval: true,
    };
    pub const NONE: Needs = Needs {
        prompt: false,
        eval: false,
    };

    /// Parses the words of a `Needs:` line or `needs:` list: `prompt`, `eval`, `none`, combined
    /// with commas, spaces or "and". Returns the first unknown word as the error.
    pub fn parse_words<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<Needs, String> {
        let mut needs = Needs::NONE;
        for word in words {
            match word.trim().to_ascii_lowercase().as_str() {
                "" | "and" | "none" | "nothing" => {}
                "prompt" | "prompts" => needs.prompt = true,
                "eval" | "evals" | "test" | "tests" => needs.eval = true,
                _ => return Err(word.trim().to_owned()),
            }
        }
        Ok(needs)
    }
}

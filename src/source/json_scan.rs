//! The [`Node`] tree of well-formed JSON, read in one pass.
//!
//! serde_json keeps no positions, so [`crate::source::json::parse`] reads each container as
//! borrowed `RawValue`s and parses every child again from its own text: a value nested three
//! deep is scanned four times. [`tree`] walks the text once and builds the same tree with the
//! same spans: a container from its bracket to its closing bracket, a string with its quotes,
//! a key at the start of its value. What it decides itself is only the structure and the
//! plain cases (a string without escapes, a short integer, `true`, `false`, `null`); a string
//! with escapes and any other number are decoded by serde_json from their own text, as the
//! two-pass reader does. On anything else (a syntax error, a control character in a string,
//! deep nesting, text after the value) it gives up, and the caller's two-pass reading gives
//! serde_json's tree or its error. A test compares both readers on generated documents and on
//! every JSON and JSONL file of the realworld corpus.

use crate::source::tree::{Node, NodeValue};

/// Deeper documents are left to the two-pass reader, which refuses more than 128 levels;
/// well below it, so that how each reader counts levels does not matter.
const MAX_ONE_PASS_DEPTH: usize = 100;

/// The tree of the JSON value `text`, whose first byte is at `base` in its file; `None` when
/// the two-pass reader must decide.
pub(crate) fn tree(text: &str, base: usize) -> Option<Node> {
    let mut scanner = Scanner {
        text,
        position: 0,
        base,
    };
    let node = scanner.value(0)?;
    scanner.skip_whitespace();
    (scanner.position == text.len()).then_some(node)
}

struct Scanner<'a> {
    text: &'a str,
    position: usize,
    base: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.position += 1;
        }
    }

    /// Moves past `byte` after any whitespace; `None` when something else comes.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        if self.peek() != Some(byte) {
            return None;
        }
        self.position += 1;
        Some(())
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_ONE_PASS_DEPTH {
            return None;
        }
        self.skip_whitespace();
        let start = self.position;
        let value = match self.peek()? {
            b'{' => self.object(depth)?,
            b'[' => self.array(depth)?,
            b'"' => NodeValue::String(self.string()?),
            b't' => self.literal("true", NodeValue::Bool(true))?,
            b'f' => self.literal("false", NodeValue::Bool(false))?,
            b'n' => self.literal("null", NodeValue::Null)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        };
        Some(Node {
            value,
            start: self.base + start,
            end: self.base + self.position,
        })
    }

    fn object(&mut self, depth: usize) -> Option<NodeValue> {
        self.items(b'}', |scanner| scanner.entry(depth))
            .map(NodeValue::Mapping)
    }

    fn array(&mut self, depth: usize) -> Option<NodeValue> {
        self.items(b']', |scanner| scanner.value(depth + 1))
            .map(NodeValue::Sequence)
    }

    /// The items of the container whose opening bracket is next, up to `closing`, each read
    /// by `item`; `None` at a missing comma, a trailing comma or anything else out of place.
    fn items<T>(
        &mut self,
        closing: u8,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        self.position += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(closing) {
            self.position += 1;
            return Some(items);
        }
        loop {
            items.push(item(self)?);
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.position += 1,
                byte if byte == closing => {
                    self.position += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }

    /// One `"key": value` entry of an object.
    fn entry(&mut self, depth: usize) -> Option<(Node, Node)> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return None;
        }
        let key = self.string()?;
        self.expect(b':')?;
        let value = self.value(depth + 1)?;
        // serde_json does not say where a key is: its span is the start of its value, as the
        // two-pass reader gives it.
        let key = Node {
            value: NodeValue::String(key),
            start: value.start,
            end: value.start,
        };
        Some((key, value))
    }

    /// A string from its opening quote; one with escapes is decoded by serde_json.
    fn string(&mut self) -> Option<String> {
        let start = self.position;
        let bytes = self.text.as_bytes();
        let mut escaped = false;
        let mut at = start + 1;
        loop {
            match *bytes.get(at)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    at += 2;
                }
                // serde_json refuses control characters in strings.
                0..0x20 => return None,
                _ => at += 1,
            }
        }
        self.position = at + 1;
        if escaped {
            return serde_json::from_str(self.text.get(start..self.position)?).ok();
        }
        self.text.get(start + 1..at).map(str::to_owned)
    }

    fn literal(&mut self, word: &str, value: NodeValue) -> Option<NodeValue> {
        let rest = self.text.get(self.position..)?;
        if !rest.starts_with(word) {
            return None;
        }
        self.position += word.len();
        Some(value)
    }

    /// A number as JSON writes it. Short integers are read here; others, and every number
    /// with a fraction or an exponent, are read by serde_json from their own text, which
    /// decides between an integer and a float ("-0" is a float to it).
    fn number(&mut self) -> Option<NodeValue> {
        let start = self.position;
        let bytes = self.text.as_bytes();
        let mut at = start;
        if bytes.get(at) == Some(&b'-') {
            at += 1;
        }
        let digits_start = at;
        let digits = |from: usize| {
            bytes.get(from..).map_or(0, |rest| {
                rest.iter().take_while(|byte| byte.is_ascii_digit()).count()
            })
        };
        let integer_digits = digits(at);
        match (bytes.get(at), integer_digits) {
            (Some(b'0'), 1) => at += 1,
            (Some(b'1'..=b'9'), count) => at += count,
            _ => return None,
        }
        let mut plain = true;
        if bytes.get(at) == Some(&b'.') {
            let fraction = digits(at + 1);
            if fraction == 0 {
                return None;
            }
            at += 1 + fraction;
            plain = false;
        }
        if let Some(b'e' | b'E') = bytes.get(at) {
            at += 1;
            if let Some(b'+' | b'-') = bytes.get(at) {
                at += 1;
            }
            let exponent = digits(at);
            if exponent == 0 {
                return None;
            }
            at += exponent;
            plain = false;
        }
        self.position = at;
        let token = self.text.get(start..at)?;
        let negative_zero = bytes.get(digits_start) == Some(&b'0') && digits_start > start;
        if plain && integer_digits <= 18 && !negative_zero {
            return token.parse().ok().map(NodeValue::Integer);
        }
        match serde_json::from_str::<serde_json::Value>(token).ok()? {
            serde_json::Value::Number(number) => Some(match number.as_i64() {
                Some(integer) => NodeValue::Integer(integer),
                None => NodeValue::Float(number.as_f64().unwrap_or(f64::NAN)),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts that the one-pass reader gives the two-pass tree or gives up; returns whether
    /// it built one.
    fn same_or_given_up(text: &str, base: usize) -> bool {
        let Some(built) = tree(text, base) else {
            return false;
        };
        let reference = crate::source::json::parse_in_two_passes(text, base).ok();
        assert_eq!(Some(&built), reference.as_ref(), "{text:?}");
        true
    }

    #[test]
    fn well_formed_json_gets_the_two_pass_tree() {
        let documents = [
            r#"{"input": "hi", "metadata": {"requirements": ["FR-001"]}}"#,
            r#"  [1, -2, 0, 3.5, -0.25, 1e3, 2E-2, 12345678901234567890, -0, -0.0, 99999999999999999]  "#,
            "{\"a\":{\"b\":[{\"c\":null},true,false]},\n \"d\" : \"\\u00e9\\n\\\"q\\\"\"}\n",
            r#"{"dup": 1, "dup": 2, "": "", "é": "✓ 🙂"}"#,
            r#""just a string""#,
            "42",
            "[]",
            "{}",
            "[[[[[]]]]]",
            r#"{"surrogate": "\ud83d\ude42", "slash": "a\/b"}"#,
        ];
        for (index, text) in documents.iter().enumerate() {
            assert!(same_or_given_up(text, index * 7), "{text:?} was not read");
        }
    }

    #[test]
    fn malformed_or_unusual_json_is_left_to_the_two_pass_reader() {
        let documents = [
            r#"{"a": 1,}"#,
            r#"[1, 2"#,
            r#"{"a" 1}"#,
            r#"{a: 1}"#,
            "[01]",
            "[1.]",
            "[.5]",
            "[+1]",
            "[1e]",
            "[tru]",
            "[nul]",
            "\"tab\there\"",
            r#""\ud800""#,
            r#""\x""#,
            "1 2",
            "\u{feff}{}",
            "",
            "   ",
            "NaN",
            "[Infinity]",
        ];
        for text in documents {
            assert!(
                tree(text, 0).is_none(),
                "{text:?} was read as {:?}",
                tree(text, 0)
            );
        }
        let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
        assert!(tree(&deep, 0).is_none());
    }

    /// Random documents from the pieces eval datasets use, each compared with the two-pass
    /// reading; a small generator keeps the test deterministic.
    #[test]
    fn generated_documents_get_the_two_pass_tree() {
        let scalars = [
            "0",
            "-1",
            "17",
            "3.25",
            "-0",
            "1e2",
            "123456789012345678901",
            "true",
            "false",
            "null",
            "\"\"",
            "\"plain text\"",
            "\"esc \\\" \\\\ \\n \\t \\u0041\"",
            "\"é ✓ 🙂\"",
            "\"\\ud83d\\ude42\"",
            "\"FR-001\"",
        ];
        let keys = [
            "input",
            "metadata",
            "requirements",
            "a",
            "",
            "é",
            "with \\\"quote\\\"",
        ];
        let spaces = ["", " ", "\n  ", "\t", "\r\n"];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| crate::source::tree::generated_below(&mut state, bound);
        fn pick<'a>(items: &[&'a str], index: usize) -> &'a str {
            items.get(index).copied().unwrap_or("")
        }
        fn document(
            depth: usize,
            next: &mut dyn FnMut(usize) -> usize,
            scalars: &[&str],
            keys: &[&str],
            spaces: &[&str],
        ) -> String {
            let space = pick(spaces, next(spaces.len()));
            match if depth > 3 { 2 } else { next(3) } {
                0 => {
                    let entries: Vec<String> = (0..next(4))
                        .map(|_| {
                            format!(
                                "{space}\"{}\"{space}:{space}{}",
                                pick(keys, next(keys.len())),
                                document(depth + 1, next, scalars, keys, spaces)
                            )
                        })
                        .collect();
                    format!("{{{}{space}}}", entries.join(","))
                }
                1 => {
                    let items: Vec<String> = (0..next(4))
                        .map(|_| document(depth + 1, next, scalars, keys, spaces))
                        .collect();
                    format!("[{space}{}{space}]", items.join(&format!(",{space}")))
                }
                _ => pick(scalars, next(scalars.len())).to_owned(),
            }
        }
        let rounds = 2000;
        let mut built = 0;
        for round in 0..rounds {
            let text = document(0, &mut next, &scalars, &keys, &spaces);
            if same_or_given_up(&text, round) {
                built += 1;
            }
        }
        assert_eq!(built, rounds, "every generated document is well-formed");
    }
}

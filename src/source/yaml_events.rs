//! The [`Node`] tree of an ordinary YAML document, built straight from the events of
//! granit-parser, the parser under serde-saphyr.
//!
//! serde-saphyr hands a span-keeping visitor each node as a small map of its value and its
//! location, and checks budgets, duplicate keys and anchors on the way: a promptfoo config was
//! read at about 7 MB/s, against about 26 MB/s for the parser's events alone. Most documents
//! use none of what needs that machinery, so [`tree`] builds their tree from the events
//! directly, with the spans serde-saphyr gives (it takes them from the same events).
//!
//! [`tree`] gives up, and the caller asks serde-saphyr, on anything whose meaning is not plain:
//! a parse error, anchors, aliases, tags, a `%YAML` directive, merge keys, keys that are not
//! strings, two keys with the same text, a second document, deep nesting, a very large
//! document, and scalars that serde-saphyr could read as something this module does not
//! decide with certainty (`0x1F`, `1_000`, `.inf`, `012`). So a document gets the same tree,
//! the same values and the same error message either way; a test compares both readers on
//! generated documents and on every YAML file of the realworld corpus.

use granit_parser::{Event, Parser, ScalarStyle, Span};

use crate::source::tree::{Node, NodeValue};

/// Deeper documents are left to serde-saphyr, which refuses those deeper than its budget (64
/// levels); well below it, so that how each reader counts levels does not matter.
const MAX_PLAIN_DEPTH: usize = 40;

/// Larger documents are left to serde-saphyr, whose budgets (2,000,000 nodes, 64 MiB of
/// scalar text) they could reach.
const MAX_PLAIN_BYTES: usize = 16 * 1024 * 1024;

/// Documents with more nodes are left to serde-saphyr, whose budget stops at 2,000,000.
const MAX_PLAIN_NODES: usize = 500_000;

/// Mappings with more keys than this look for a repeated key with a hash set.
const LINEAR_KEY_CHECK: usize = 16;

/// The tree of `text`'s only document, when it is ordinary YAML (see the module's doc);
/// `None` when serde-saphyr must decide.
pub(crate) fn tree(text: &str) -> Option<Node> {
    if text.len() > MAX_PLAIN_BYTES {
        return None;
    }
    let mut builder = TreeBuilder::default();
    for next in Parser::new_from_str(text) {
        let (event, span) = next.ok()?;
        builder.take(event, &span)?;
    }
    builder.finish()
}

/// A collection whose items are still being read.
enum Open {
    Sequence {
        items: Vec<Node>,
        start: usize,
        end: usize,
    },
    Mapping {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        start: usize,
        end: usize,
    },
}

#[derive(Default)]
struct TreeBuilder {
    open: Vec<Open>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
}

impl TreeBuilder {
    /// Takes one event; `None` when the document is not ordinary.
    fn take(&mut self, event: Event<'_>, span: &Span) -> Option<()> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Some(()),
            Event::DocumentStart(_, version) => {
                self.documents += 1;
                (self.documents == 1 && version.is_none()).then_some(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let (start, end) = offsets(span)?;
                let value = scalar_value(value.into_owned(), style)?;
                self.add(Node { value, start, end })
            }
            Event::SequenceStart(_, anchor, tag) => {
                let (start, end) = self.open_collection(anchor, tag.is_some(), span)?;
                self.open.push(Open::Sequence {
                    items: Vec::new(),
                    start,
                    end,
                });
                Some(())
            }
            Event::MappingStart(_, anchor, tag) => {
                let (start, end) = self.open_collection(anchor, tag.is_some(), span)?;
                self.open.push(Open::Mapping {
                    entries: Vec::new(),
                    key: None,
                    start,
                    end,
                });
                Some(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.open.pop()? {
                    Open::Sequence { items, start, end } => Node {
                        value: NodeValue::Sequence(items),
                        start,
                        end,
                    },
                    Open::Mapping {
                        entries,
                        key,
                        start,
                        end,
                    } => {
                        if key.is_some() || has_repeated_key(&entries) {
                            return None;
                        }
                        Node {
                            value: NodeValue::Mapping(entries),
                            start,
                            end,
                        }
                    }
                };
                self.add(node)
            }
            // Aliases, anchors and anything a later parser version adds.
            _ => None,
        }
    }

    fn open_collection(
        &mut self,
        anchor: usize,
        tagged: bool,
        span: &Span,
    ) -> Option<(usize, usize)> {
        if anchor != 0 || tagged || self.open.len() >= MAX_PLAIN_DEPTH {
            return None;
        }
        offsets(span)
    }

    /// Puts a finished node where it belongs: an item, a key, a value or the root.
    fn add(&mut self, node: Node) -> Option<()> {
        self.nodes += 1;
        if self.nodes > MAX_PLAIN_NODES {
            return None;
        }
        match self.open.last_mut() {
            None => {
                if self.root.is_some() {
                    return None;
                }
                self.root = Some(node);
            }
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping { entries, key, .. }) => match key.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    // serde-saphyr merges `<<` keys and compares typed keys by value; only
                    // string keys are compared here, by text.
                    let NodeValue::String(text) = &node.value else {
                        return None;
                    };
                    if text == "<<" {
                        return None;
                    }
                    *key = Some(node);
                }
            },
        }
        Some(())
    }

    fn finish(self) -> Option<Node> {
        if !self.open.is_empty() || self.documents != 1 {
            return None;
        }
        self.root
    }
}

/// A node's byte range as serde-saphyr's spans give it: the event's start, and its length.
fn offsets(span: &Span) -> Option<(usize, usize)> {
    let start = span.start.byte_offset()?;
    let end = span.end.byte_offset()?;
    Some((start, start + end.saturating_sub(start)))
}

fn has_repeated_key(entries: &[(Node, Node)]) -> bool {
    fn text(entry: &(Node, Node)) -> Option<&str> {
        match &entry.0.value {
            NodeValue::String(text) => Some(text.as_str()),
            _ => None,
        }
    }
    if entries.len() <= LINEAR_KEY_CHECK {
        return entries.iter().enumerate().any(|(index, entry)| {
            entries
                .iter()
                .skip(index + 1)
                .any(|later| text(later) == text(entry))
        });
    }
    let mut seen = rustc_hash::FxHashSet::default();
    !entries.iter().all(|entry| seen.insert(text(entry)))
}

/// What serde-saphyr's untyped reading gives a scalar without a tag, when this module is
/// sure of it: quoted and block scalars are strings; plain ones may be null, a YAML 1.1
/// boolean, an integer, a float or a string.
fn scalar_value(value: String, style: ScalarStyle) -> Option<NodeValue> {
    if style != ScalarStyle::Plain {
        return Some(NodeValue::String(value));
    }
    // serde-saphyr trims these before it reads a plain scalar; the parser never leaves them.
    if value.starts_with([' ', '\t', '\r', '\n']) || value.ends_with([' ', '\t', '\r', '\n']) {
        return None;
    }
    if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL") {
        return Some(NodeValue::Null);
    }
    if let Some(boolean) = yaml11_boolean(&value) {
        return Some(NodeValue::Bool(boolean));
    }
    if !value.starts_with(|character: char| character.is_ascii_digit() || "+-.".contains(character))
    {
        // Numbers start with a digit, a sign or a point; `inf` and `nan` stay strings.
        return Some(NodeValue::String(value));
    }
    match plain_number(&value) {
        NumberReading::Number(number) => Some(number),
        NumberReading::Text => Some(NodeValue::String(value)),
        NumberReading::Undecided => None,
    }
}

/// What serde-saphyr makes of a plain scalar that starts like a number.
enum NumberReading {
    Number(NodeValue),
    /// A string, as written.
    Text,
    /// Left to serde-saphyr: other radixes, underscores, leading zeros, numbers too long for
    /// these rules, infinities and NaN (which it refuses).
    Undecided,
}

/// serde-saphyr's YAML 1.1 booleans (its default): y, yes, true, on, n, no, false, off, in
/// any case.
fn yaml11_boolean(value: &str) -> Option<bool> {
    let is = |word: &str| value.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || is("y") || is("on") {
        return Some(true);
    }
    if is("false") || is("no") || is("n") || is("off") {
        return Some(false);
    }
    None
}

/// How serde-saphyr reads `value`, a plain scalar that starts like a number.
fn plain_number(value: &str) -> NumberReading {
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let signed = unsigned.len() < value.len();
    // `.nan` and `.inf` are refused; `-.nan` and `0X1F` are strings to serde-saphyr, which
    // keeps those spellings as written.
    if matches!(unsigned, ".nan" | ".NaN" | ".NAN") {
        return if signed {
            NumberReading::Text
        } else {
            NumberReading::Undecided
        };
    }
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return NumberReading::Undecided;
    }
    if matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]) {
        return NumberReading::Text;
    }
    if value.contains('_')
        || ["0x", "0o", "0b"]
            .iter()
            .any(|radix| unsigned.starts_with(radix))
    {
        return NumberReading::Undecided;
    }
    if !unsigned.is_empty() && unsigned.bytes().all(|byte| byte.is_ascii_digit()) {
        if (unsigned.len() > 1 && unsigned.starts_with('0')) || unsigned.len() > 18 {
            return NumberReading::Undecided;
        }
        return match value.parse::<i64>() {
            Ok(integer) => NumberReading::Number(NodeValue::Integer(integer)),
            Err(_) => NumberReading::Undecided,
        };
    }
    match value.parse::<f64>() {
        Ok(float) if float.is_finite() => NumberReading::Number(NodeValue::Float(float)),
        Ok(_) => NumberReading::Undecided,
        // Rust reads `inf` and `nan`, which start with a letter, but not YAML's `.inf`; every
        // other text that Rust does not read as a number is a string to serde-saphyr too.
        Err(_) => NumberReading::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde-saphyr's tree, for comparison.
    fn reference(text: &str) -> Option<Node> {
        crate::source::yaml::parse_with_serde_saphyr(text).ok()
    }

    /// Asserts that this module gives serde-saphyr's tree or gives up; returns whether it
    /// built one.
    fn same_or_given_up(text: &str) -> bool {
        let Some(built) = tree(text) else {
            return false;
        };
        assert_eq!(Some(&built), reference(text).as_ref(), "{text:?}");
        true
    }

    #[test]
    fn ordinary_documents_get_serde_saphyrs_tree() {
        let documents = [
            "a: 1\nlist:\n  - id: FR-001\n    text: hello\n",
            "description: suite\nprompts:\n  - file://p.md\ntests:\n  - vars:\n      q: \"Q 1\"\n    assert:\n      - type: contains\n        value: 'x'\n        threshold: 0.8\n",
            "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n\nkeep: |+\n  x\n\n",
            "flow: {a: 1, b: [x, y, 'z'], c: {d: null}}\nempty:\nnothing: ~\n",
            "- 1\n- -2\n- +3\n- 0\n- 1.5\n- -0.25\n- 1e3\n- 2.5E-3\n- true\n- No\n- off\n- Y\n",
            "- 1.2.3\n- 2024-01-01\n- 10:30\n- -v\n- --flag\n- 3 apples\n- 1,000\n- +\n- '-'\n",
            "- inf\n- nan\n- Infinity\n- NaN\n- .env\n- yes please\n- \"true\"\n- 'null'\n",
            "multi: this is\n  a folded plain\n  scalar\nquoted: \"esc\\taped \\u00e9\"\n",
            "# a comment\nkey: value # trailing\n---\n",
            "---\nexplicit: document\n...\n",
            "? complex\n: value\n",
            "\u{feff}bom: first\n",
            "unicode: héllo wörld ✓\nemoji: 🙂\n",
            "deep:\n  a:\n    b:\n      c:\n        - [1, [2, [3]]]\n",
            "[a, b, c]\n",
            "just a scalar\n",
            "42\n",
        ];
        let mut built = 0;
        for text in documents {
            if same_or_given_up(text) {
                built += 1;
            }
        }
        // Every document above but the one with a second document is ordinary.
        assert!(
            built >= documents.len() - 1,
            "built {built} of {}",
            documents.len()
        );
    }

    #[test]
    fn unusual_documents_are_left_to_serde_saphyr() {
        let documents = [
            "a: &x 1\nb: *x\n",
            "base: &b {k: 1}\nuse:\n  <<: *b\n",
            "tagged: !!str 5\n",
            "custom: !thing x\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\na: 2\n",
            "'a': 1\na: 2\n",
            "1: one\n",
            "true: yes\n",
            "- 0x1F\n",
            "- 1_000\n",
            "- 012\n",
            "- .inf\n",
            "- -.inf\n",
            "- .nan\n",
            "- 12345678901234567890\n",
            "a: 1\n---\nb: 2\n",
            "a: [1, 2\n",
            "a: b: c\n",
            "# only a comment\n",
        ];
        for text in documents {
            assert!(
                tree(text).is_none(),
                "{text:?} was read as {:?}",
                tree(text)
            );
        }
    }

    #[test]
    fn scalars_read_as_serde_saphyr_reads_them() {
        let scalars = [
            "0",
            "-0",
            "+0",
            "7",
            "-7",
            "+7",
            "120",
            "999999999999999999",
            "0.5",
            "-0.5",
            "+0.5",
            "1.",
            "1e5",
            "1E5",
            "1e-5",
            "-1.5e+3",
            "3.14159",
            "1.2.3",
            "1-2",
            "1e",
            "e1",
            "--1",
            "-",
            "+",
            "0X1F",
            "-0X1F",
            "0O17",
            "0B11",
            "-.nan",
            "+.nan",
            ".NaN",
            "TRUE",
            "True",
            "yEs",
            "ON",
            "oFf",
            "N",
            "n",
            "Y",
            "null",
            "NULL",
            "Null",
            "nULL",
            "~",
            "~x",
            "x~",
            "inf",
            "-inf",
            "+inf",
            "infinity",
            "-Infinity",
            "nan",
            "NaN",
            "-nan",
            "1/2",
            "50%",
            "$5",
            "5$",
            "v1",
            "1.0.0-beta",
            "00",
            "-00",
            "09",
            "9.",
            "-9.",
            "1e400",
            "-1e400",
            "0.0000001",
            "123456789.123456789",
            "2e308",
            "1__0",
            "_1",
            "0x",
            "0o",
            "0b",
        ];
        let mut built = 0;
        for scalar in scalars {
            for text in [
                format!("v: {scalar}\n"),
                format!("- {scalar}\n"),
                format!("[{scalar}]\n"),
            ] {
                if same_or_given_up(&text) {
                    built += 1;
                }
            }
        }
        assert!(
            built > scalars.len(),
            "only {built} documents were read here"
        );
    }

    /// Random documents from pieces of YAML that real configs use, each compared with
    /// serde-saphyr's reading; a small generator keeps the test deterministic.
    #[test]
    fn generated_documents_get_serde_saphyrs_tree() {
        let scalars = [
            "plain",
            "two words",
            "'single'",
            "\"double \\\" quote\"",
            "12",
            "-3",
            "4.5",
            "true",
            "no",
            "~",
            "",
            "null",
            "0x10",
            "1_0",
            "file://tests.yaml",
            "a: b",
            "'it''s'",
            "\"tab\\there\"",
            "x # comment",
            "1.2.3",
            "[1, 2]",
            "{k: v}",
            "[]",
            "{}",
            "é✓",
            "'multi\n  line'",
            "|\n  block\n  text",
            ">-\n  folded\n  text",
            "&a 1",
            "*a",
            "!!str 3",
        ];
        let keys = [
            "k",
            "id",
            "'quoted'",
            "\"dq\"",
            "k",
            "<<",
            "2",
            "with space",
            "é",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| crate::source::tree::generated_below(&mut state, bound);
        let mut built = 0;
        let rounds = 3000;
        for _ in 0..rounds {
            let mut text = String::new();
            let entries = 1 + next(5);
            for _ in 0..entries {
                let key = keys.get(next(keys.len())).copied().unwrap_or("k");
                match next(4) {
                    0 => {
                        text.push_str(&format!("{key}:\n"));
                        for _ in 0..1 + next(3) {
                            let item = scalars.get(next(scalars.len())).copied().unwrap_or("x");
                            text.push_str(&format!("  - {}\n", item.replace('\n', "\n    ")));
                        }
                    }
                    1 => {
                        text.push_str(&format!("{key}:\n"));
                        for _ in 0..1 + next(3) {
                            let inner = keys.get(next(keys.len())).copied().unwrap_or("k");
                            let item = scalars.get(next(scalars.len())).copied().unwrap_or("x");
                            text.push_str(&format!(
                                "  {inner}: {}\n",
                                item.replace('\n', "\n    ")
                            ));
                        }
                    }
                    2 => {
                        let a = scalars.get(next(scalars.len())).copied().unwrap_or("x");
                        let b = scalars.get(next(scalars.len())).copied().unwrap_or("y");
                        text.push_str(&format!("{key}: [{a}, {b}]\n"));
                    }
                    _ => {
                        let item = scalars.get(next(scalars.len())).copied().unwrap_or("x");
                        text.push_str(&format!("{key}: {}\n", item.replace('\n', "\n  ")));
                    }
                }
            }
            if same_or_given_up(&text) {
                built += 1;
            }
        }
        assert!(
            built > rounds / 10,
            "only {built} of {rounds} documents were ordinary"
        );
    }
}

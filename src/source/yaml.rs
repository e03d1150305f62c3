//! YAML into a [`Node`] tree with a byte span on every node, read with serde-saphyr: it is
//! panic-free and its budgets stop alias bombs and deep nesting.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Options, Spanned};

use crate::source::tree::{Node, NodeValue};

/// A YAML syntax or budget error with its position.
#[derive(Clone, Debug)]
pub struct YamlError {
    pub message: String,
    /// 1-based line and column, when the parser knows them.
    pub line_column: Option<(usize, usize)>,
}

/// Parses the first document of `text`. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    if text.trim().is_empty() {
        return Ok(Node {
            value: NodeValue::Null,
            start: 0,
            end: 0,
        });
    }
    if let Some(node) = crate::source::yaml_events::tree(text) {
        return Ok(node);
    }
    parse_with_serde_saphyr(text)
}

/// serde-saphyr's reading of `text`: what [`parse`] gives for a document it does not read
/// from the parser's events itself (`source/yaml_events.rs`). Public so that tests can hold
/// the two readings side by side on real files.
pub fn parse_with_serde_saphyr(text: &str) -> Result<Node, YamlError> {
    let mut options = Options::default();
    options.with_snippet = false;
    options.budget = Some(budget());
    match serde_saphyr::from_str_with_options::<Spanned<NodeValue>>(text, options) {
        Ok(spanned) => Ok(into_node(spanned)),
        Err(error) => {
            let line_column = error.location().and_then(|location| {
                let line = usize::try_from(location.line()).ok()?;
                let column = usize::try_from(location.column()).ok()?;
                (line > 0).then_some((line, column.max(1)))
            });
            Err(YamlError {
                message: first_line(&error.to_string()),
                line_column,
            })
        }
    }
}

/// Limits for one YAML document. Large eval files (tens of thousands of tests) fit; an alias
/// bomb or a 10,000-deep nesting stops at a clear error with bounded time and memory: at most
/// 2,000,000 nodes (about 200 MB of tree in the worst case), 64 levels of nesting, 20,000,000
/// parser events and 50,000 aliases.
fn budget() -> serde_saphyr::Budget {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 20_000_000;
    budget.max_nodes = 2_000_000;
    budget.max_depth = 64;
    budget.max_aliases = 50_000;
    budget
}

/// The parser's message without its own position suffix, which is reported separately.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    match line.rfind(" at line ") {
        Some(cut) => line.get(..cut).unwrap_or(line).to_owned(),
        None => line.to_owned(),
    }
}

fn into_node(spanned: Spanned<NodeValue>) -> Node {
    let span = spanned.referenced.span();
    let start = span
        .byte_offset()
        .and_then(|offset| usize::try_from(offset).ok())
        .unwrap_or(0);
    let length = span
        .byte_len()
        .and_then(|length| usize::try_from(length).ok())
        .unwrap_or(0);
    Node {
        value: spanned.value,
        start,
        end: start + length,
    }
}

impl<'de> Deserialize<'de> for NodeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NodeValue, D::Error> {
        deserializer.deserialize_any(NodeValueVisitor)
    }
}

struct NodeValueVisitor;

impl<'de> Visitor<'de> for NodeValueVisitor {
    type Value = NodeValue;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<NodeValue, E> {
        Ok(NodeValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeValue, D::Error> {
        NodeValue::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<NodeValue, E> {
        Ok(NodeValue::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<NodeValue, E> {
        Ok(NodeValue::Integer(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<NodeValue, E> {
        Ok(i64::try_from(value).map_or(NodeValue::Float(value as f64), NodeValue::Integer))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<NodeValue, E> {
        Ok(i64::try_from(value).map_or(NodeValue::Float(value as f64), NodeValue::Integer))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<NodeValue, E> {
        Ok(i64::try_from(value).map_or(NodeValue::Float(value as f64), NodeValue::Integer))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<NodeValue, E> {
        Ok(NodeValue::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<NodeValue, E> {
        Ok(NodeValue::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<NodeValue, E> {
        Ok(NodeValue::String(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<NodeValue, E> {
        Ok(NodeValue::String(
            String::from_utf8_lossy(value).into_owned(),
        ))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<NodeValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = sequence.next_element::<Spanned<NodeValue>>()? {
            items.push(into_node(item));
        }
        Ok(NodeValue::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeValue, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Spanned<NodeValue>, Spanned<NodeValue>>()? {
            entries.push((into_node(key), into_node(value)));
        }
        Ok(NodeValue::Mapping(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_byte_spans() {
        let text = "a: 1\nlist:\n  - id: FR-001\n    text: hello\n";
        let root = parse(text).unwrap_or_else(|error| panic!("{error:?}"));
        let list = root.get("list").map(Node::items).unwrap_or_default();
        let first = list.first().and_then(|item| item.get("id"));
        let first = first.unwrap_or_else(|| panic!("no id in {root:?}"));
        assert_eq!(first.as_str(), Some("FR-001"));
        assert_eq!(text.get(first.start..first.end), Some("FR-001"));
        let item = list.first().unwrap_or_else(|| panic!("no item"));
        assert_eq!(text.get(item.start..item.start + 2), Some("id"), "{item:?}");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let error = parse("a: 1\nb: [1, 2\nc: 3\n").err();
        let error = error.unwrap_or_else(|| panic!("expected an error"));
        assert!(error.line_column.is_some(), "{error:?}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        assert!(parse(&text).is_err());
    }
}
